import { encodeUtf8, Mask, type MaskDataset } from '@rlekit/core';
import { decode, dialect, encode } from '@rlekit/kaggle';
import { fillCase, noiseMask, runCases, saLikeMask, type BenchRow } from './kit.js';

/** Encode/decode of one mask per order, and CSV read/write throughput of a submission of SA-like masks. */
export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, { mask }] of [['SA-1B-like 1500x2250', saLikeMask()], ['noise 1000x1000', noiseMask()]] as const) {
    const size = mask.size;
    const mpx = mask.pixels / 1e6;
    const col = encode(mask, 'airbus-ship-detection');
    const row = encode(mask, 'carvana-image-masking');
    const rel = encode(mask, 'siim-acr-pneumothorax');
    const oi = encode(mask, 'open-images-2019-instance-segmentation');
    // Fresh masks each call so cached orders do not hide the work.
    const colRuns = mask.runs('col'), rowRuns = mask.runs('row');
    rows.push(
      ...(await runCases(`kaggle ${label}`, [
        fillCase(mask.pixels),
        { name: 'encode col-major (airbus) from column runs', work: mpx, unit: 'Mpx', fn: () => encode(Mask.fromRuns(colRuns, size, 'col'), 'airbus-ship-detection') },
        { name: 'encode row-major (carvana) from row runs', work: mpx, unit: 'Mpx', fn: () => encode(Mask.fromRuns(rowRuns, size, 'row'), 'carvana-image-masking') },
        { name: 'encode row-major (carvana) from column runs (transpose)', work: mpx, unit: 'Mpx', fn: () => encode(Mask.fromRuns(colRuns, size, 'col'), 'carvana-image-masking') },
        { name: 'decode col-major (airbus)', work: mpx, unit: 'Mpx', fn: () => decode(col, size, 'airbus-ship-detection') },
        { name: 'decode row-major (carvana)', work: mpx, unit: 'Mpx', fn: () => decode(row, size, 'carvana-image-masking') },
        { name: 'decode relative (siim)', work: mpx, unit: 'Mpx', fn: () => decode(rel, size, 'siim-acr-pneumothorax') },
        { name: 'decode col-major, lenient', work: mpx, unit: 'Mpx', fn: () => decode(col, size, 'airbus-ship-detection', { lenient: true }) },
        { name: 'encode Open Images (base64 zlib-9 COCO string)', work: mpx, unit: 'Mpx', fn: () => encode(Mask.fromRuns(colRuns, size, 'col'), 'open-images-2019-instance-segmentation') },
        { name: 'decode Open Images', work: mpx, unit: 'Mpx', fn: () => decode(oi, size, 'open-images-2019-instance-segmentation') },
      ])),
    );
  }
  // A submission: 200 images of 1500x2250, one SA-like mask each.
  const { mask } = saLikeMask();
  const n = 200;
  const dataset: MaskDataset = {
    images: Array.from({ length: n }, (_, i) => ({ id: `img${i}.jpg`, height: mask.height, width: mask.width })),
    categories: [],
    annotations: Array.from({ length: n }, (_, i) => ({ id: i, imageId: `img${i}.jpg`, mask })),
  };
  const csv = await dialect.write(dataset, { preset: 'airbus-ship-detection' });
  const mb = csv.length / 1e6;
  const text = new TextDecoder().decode(csv);
  rows.push(
    ...(await runCases(`kaggle CSV (${n} rows, ${mb.toFixed(1)} MB)`, [
      { name: 'read (two passes, decode every row)', work: mb, unit: 'MB', fn: () => dialect.read(csv, { preset: 'airbus-ship-detection', size: `${mask.height}x${mask.width}` }) },
      { name: 'write (encode every row)', work: mb, unit: 'MB', fn: () => dialect.write(dataset, { preset: 'airbus-ship-detection' }) },
      { name: 'TextDecoder + TextEncoder of the same bytes (baseline)', work: mb, unit: 'MB', fn: () => encodeUtf8(new TextDecoder().decode(csv)).length + text.length },
    ], 1000)),
  );
  return rows;
}
