import { Mask, type MaskDataset } from '@rlekit/core';
import { decode, dialect, encode, encodeBytes } from '@rlekit/label-studio';
import { fillCase, noiseMask, runCases, saLikeMask, type BenchRow } from './kit.js';

// Label Studio's brush RLE (rle-pack over RGBA bytes) and its JSON export, on the shared bench masks.
export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, { mask }] of [['SA-1B-like 1500x2250', saLikeMask()], ['noise 1000x1000', noiseMask()]] as const) {
    const size = mask.size;
    const mpx = mask.pixels / 1e6;
    const rle = encode(mask);
    const bytes = Uint8Array.from(rle);
    const col = mask.runs('col');
    const dataset: MaskDataset = {
      images: [{ id: 1, fileName: 'a.png', ...size }],
      categories: [{ id: 1, name: 'object' }],
      annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }],
    };
    const file = await dialect.write(dataset);
    rows.push(
      ...(await runCases(`label-studio ${label}`, [
        fillCase(mask.pixels),
        { name: 'encode converter (number[])', work: mpx, unit: 'Mpx', fn: () => encode(mask) },
        { name: 'encode web (Uint8Array)', work: mpx, unit: 'Mpx', fn: () => encodeBytes(mask, { style: 'web' }) },
        { name: 'encode from column runs (COCO → LS)', work: mpx, unit: 'Mpx', fn: () => encodeBytes(Mask.fromRuns(col, size, 'col')) },
        { name: 'decode (number[])', work: mpx, unit: 'Mpx', fn: () => decode(rle, size) },
        { name: 'decode (Uint8Array)', work: mpx, unit: 'Mpx', fn: () => decode(bytes, size) },
        { name: 'export write (1 result)', work: mpx, unit: 'Mpx', fn: () => dialect.write(dataset) },
        { name: 'export read (1 result)', work: mpx, unit: 'Mpx', fn: () => dialect.read(file) },
      ])),
    );
  }
  return rows;
}
