import { LabelMap } from '@rlekit/core';
import { decodeLabelMap, decodeMask, encodeLabelMap, encodeMask } from '@rlekit/png';
import { fillCase, noiseMask, runCases, saLikeMask, type BenchRow } from './kit.js';

// PNG → Mask and Mask → PNG on a 1500×2250 SA-1B-like mask (and 50% noise, the worst case).
export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, { bitmap, mask }] of [['SA-1B-like 1500x2250', saLikeMask()], ['noise 1000x1000', noiseMask()]] as const) {
    const mpx = mask.pixels / 1e6;
    const png1 = encodeMask(mask);
    const png8 = encodeMask(mask, { bitDepth: 8 });
    const labels = LabelMap.fromArray(bitmap, mask.size);
    const palette = encodeLabelMap(labels);
    rows.push(
      ...(await runCases(`png ${label}`, [
        fillCase(mask.pixels),
        { name: `encodeMask 1-bit (${(png1.length / 1024).toFixed(0)} KiB)`, work: mpx, unit: 'Mpx', fn: () => encodeMask(mask) },
        { name: 'decodeMask 1-bit', work: mpx, unit: 'Mpx', fn: () => decodeMask(png1) },
        { name: `encodeMask 8-bit (${(png8.length / 1024).toFixed(0)} KiB)`, work: mpx, unit: 'Mpx', fn: () => encodeMask(mask, { bitDepth: 8 }) },
        { name: 'decodeMask 8-bit', work: mpx, unit: 'Mpx', fn: () => decodeMask(png8) },
        { name: 'encodeLabelMap palette', work: mpx, unit: 'Mpx', fn: () => encodeLabelMap(labels) },
        { name: 'decodeLabelMap palette', work: mpx, unit: 'Mpx', fn: () => decodeLabelMap(palette) },
      ])),
    );
  }
  return rows;
}
