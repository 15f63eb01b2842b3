import { Mask, type MaskDataset } from '@rlekit/core';
import { decode, dialect, encode } from '@rlekit/encord';
import { fillCase, noiseMask, runCases, saLikeMask, type BenchRow } from './kit.js';

// Encord's rleString codec and its JSON export, on the shared bench masks.
export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, { mask }] of [['SA-1B-like 1500x2250', saLikeMask()], ['noise 1000x1000', noiseMask()]] as const) {
    const size = mask.size;
    const mpx = mask.pixels / 1e6;
    const s = encode(mask);
    const col = mask.runs('col');
    const dataset: MaskDataset = {
      images: [{ id: 1, fileName: 'a.png', ...size }],
      categories: [{ id: 1, name: 'object' }],
      annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }],
    };
    const bytes = await dialect.write(dataset);
    rows.push(
      ...(await runCases(`encord ${label}`, [
        fillCase(mask.pixels),
        { name: 'encode (row runs at hand)', work: mpx, unit: 'Mpx', fn: () => encode(mask) },
        { name: 'encode from column runs (COCO → Encord)', work: mpx, unit: 'Mpx', fn: () => encode(Mask.fromRuns(col, size, 'col')) },
        { name: 'decode', work: mpx, unit: 'Mpx', fn: () => decode(s, size) },
        { name: 'export write (1 object)', work: mpx, unit: 'Mpx', fn: () => dialect.write(dataset) },
        { name: 'export read (1 object)', work: mpx, unit: 'Mpx', fn: () => dialect.read(bytes) },
      ])),
    );
  }
  return rows;
}
