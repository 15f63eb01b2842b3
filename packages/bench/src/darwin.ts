import { Mask, type MaskDataset } from '@rlekit/core';
import { decode, decodeLayer, dialect, encode } from '@rlekit/darwin';
import { fillCase, noiseMask, runCases, saLikeMask, type BenchRow } from './kit.js';

// Darwin's raster layer (dense_rle) codec and its JSON file, on the shared bench masks.
export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, { mask }] of [['SA-1B-like 1500x2250', saLikeMask()], ['noise 1000x1000', noiseMask()]] as const) {
    const size = mask.size;
    const mpx = mask.pixels / 1e6;
    const layer = encode([['m', mask]], size);
    // Two masks that share the frame without overlapping: the left and right halves.
    const half = mask.crop({ x: 0, y: 0, width: size.width >> 1, height: size.height }).paste(size);
    const rest = mask.difference(half);
    const layer2 = encode([['a', half], ['b', rest]], size);
    const col = mask.runs('col');
    const dataset: MaskDataset = {
      images: [{ id: 1, fileName: 'a.png', ...size }],
      categories: [{ id: 1, name: 'object' }],
      annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }],
    };
    const bytes = await dialect.write(dataset);
    rows.push(
      ...(await runCases(`darwin ${label}`, [
        fillCase(mask.pixels),
        { name: 'encode (1 mask, row runs at hand)', work: mpx, unit: 'Mpx', fn: () => encode([['m', mask]], size) },
        { name: 'encode from column runs (COCO → Darwin)', work: mpx, unit: 'Mpx', fn: () => encode([['m', Mask.fromRuns(col, size, 'col')]], size) },
        { name: 'encode (2 masks, merged from runs)', work: mpx, unit: 'Mpx', fn: () => encode([['a', half], ['b', rest]], size) },
        { name: 'decode (1 mask)', work: mpx, unit: 'Mpx', fn: () => decode(layer, size, 'm') },
        { name: 'decodeLayer (2 masks)', work: mpx, unit: 'Mpx', fn: () => decodeLayer(layer2, size) },
        { name: 'file write (1 mask)', work: mpx, unit: 'Mpx', fn: () => dialect.write(dataset) },
        { name: 'file read (1 mask)', work: mpx, unit: 'Mpx', fn: () => dialect.read(bytes) },
      ])),
    );
  }
  return rows;
}
