import { Mask, type MaskDataset } from '@rlekit/core';
import { decode, dialect, encode, rasterizePolygon } from '@rlekit/cvat';
import { fillCase, noiseMask, prng, runCases, saLikeMask, type BenchRow } from './kit.js';

/** An SA-1B-like outline: a wobbly closed ring of `n` vertices on a 1500×2250 frame. */
function ring(n: number): Float64Array {
  const xy = new Float64Array(2 * n);
  const rand = prng(5);
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n, r = 1 + 0.1 * Math.sin(9 * a) + 0.02 * rand();
    xy[2 * i] = 1125 + 900 * r * Math.cos(a);
    xy[2 * i + 1] = 750 + 600 * r * Math.sin(a);
  }
  return xy;
}

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, { mask }] of [['SA-1B-like 1500x2250', saLikeMask()], ['noise 1000x1000', noiseMask()]] as const) {
    const size = mask.size;
    const mpx = mask.pixels / 1e6;
    const row = mask.runs('row'), col = mask.runs('col');
    const attrs = encode(mask);
    rows.push(
      ...(await runCases(`cvat ${label}`, [
        fillCase(mask.pixels),
        { name: 'encode from row runs', work: mpx, unit: 'Mpx', fn: () => encode(Mask.fromRuns(row, size, 'row')) },
        { name: 'encode from column runs', work: mpx, unit: 'Mpx', fn: () => encode(Mask.fromRuns(col, size, 'col')) },
        { name: 'decode', work: mpx, unit: 'Mpx', fn: () => decode(attrs, size) },
      ])),
    );
  }

  // A file of 20 images with 3 SA-like masks each (as CVAT would hold imported SA-1B masks).
  const { mask } = saLikeMask();
  const parts = [mask, mask.crop({ x: 100, y: 0, width: 2250, height: 1500 }), mask.crop({ x: 0, y: 120, width: 2250, height: 1500 })];
  const dataset: MaskDataset = { images: [], categories: [{ id: 1, name: 'object' }], annotations: [] };
  for (let i = 0; i < 20; i++) {
    dataset.images.push({ id: i, fileName: `sa_${i}.jpg`, height: 1500, width: 2250 });
    parts.forEach((m, k) => dataset.annotations.push({ id: dataset.annotations.length + 1, imageId: i, categoryId: 1, mask: m, attributes: { z_order: k } }));
  }
  const bytes = await dialect.write(dataset);
  const mb = bytes.length / 1e6;
  const xy = ring(400);
  const frame = { height: 1500, width: 2250 };
  rows.push(
    ...(await runCases(`cvat XML (${mb.toFixed(1)} MB, 60 SA-like masks)`, [
      { name: 'read (validated)', work: mb, unit: 'MB', fn: () => dialect.read(bytes) },
      { name: 'read (validate: false)', work: mb, unit: 'MB', fn: () => dialect.read(bytes, { validate: false }) },
      { name: 'write', work: mb, unit: 'MB', fn: () => dialect.write(dataset) },
    ])),
    ...(await runCases('cvat polygon 1500x2250', [
      { name: 'rasterize a 400-vertex ring (COCO rules)', work: frame.height * frame.width / 1e6, unit: 'Mpx', fn: () => rasterizePolygon(xy, frame) },
    ])),
  );
  return rows;
}
