import { Mask } from '@rlekit/core';
import { area, countsToString, decode, decodeToBitmap, encode, encodeBitmap, fromPolygons, iou, stringToCounts, toBbox } from '@rlekit/coco';
import { fillCase, noiseMask, prng, runCases, saLikeMask, type BenchRow } from './kit.js';

/** A 480x640 COCO-like mask, like the reference's: 1-3 discs of log-uniform radius 5..160. */
function cocoLike(seed: number): Mask {
  const rand = prng(seed);
  const h = 480, w = 640;
  const bits = new Uint8Array(h * w);
  const n = 1 + Math.floor(rand() * 3);
  for (let b = 0; b < n; b++) {
    const cx = 160 + rand() * 320, cy = 120 + rand() * 240, r = Math.exp(Math.log(5) + rand() * Math.log(160 / 5));
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(h, cy + r); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(w, cx + r); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) bits[y * w + x] = 1;
      }
    }
  }
  return Mask.fromBitmap(bits, { height: h, width: w });
}

/** A star-shaped 20-vertex polygon of radius 10..200 at 480x640, like the reference's. */
function star(seed: number): number[] {
  const rand = prng(seed);
  const cx = 200 + rand() * 240, cy = 160 + rand() * 160, r = 10 + rand() * 190;
  const out: number[] = [];
  for (let i = 0; i < 20; i++) {
    const a = (i / 20) * 2 * Math.PI, rr = r * (0.5 + 0.5 * rand());
    out.push(cx + rr * Math.cos(a), cy + rr * Math.sin(a));
  }
  return out;
}

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, { bitmap, mask }] of [['SA-1B-like 1500x2250', saLikeMask()], ['noise 1000x1000', noiseMask()]] as const) {
    const size = mask.size;
    const mpx = mask.pixels / 1e6;
    const rle = encode(mask);
    const counts = mask.runs('col');
    const out = new Uint8Array(mask.pixels); // preallocated, as the C reference's figures are
    rows.push(
      ...(await runCases(`coco ${label}`, [
        fillCase(mask.pixels),
        { name: 'decode string → row-major bitmap (decodeToBitmap, reused buffer)', work: mpx, unit: 'Mpx', fn: () => decodeToBitmap(rle, 'row', out) },
        { name: 'encode row-major bitmap → string (encodeBitmap)', work: mpx, unit: 'Mpx', fn: () => encodeBitmap(bitmap, size.height, size.width) },
        { name: 'decode(rle).toBitmap(\'row\') (new buffer)', work: mpx, unit: 'Mpx', fn: () => decode(rle).toBitmap('row') },
        { name: 'encode(Mask.fromBitmap(bitmap))', work: mpx, unit: 'Mpx', fn: () => encode(Mask.fromBitmap(bitmap, size)) },
        { name: 'decode string → Mask (column runs)', work: mpx, unit: 'Mpx', fn: () => decode(rle) },
        { name: 'string → counts', work: mpx, unit: 'Mpx', fn: () => stringToCounts(rle.counts) },
        { name: 'counts → string', work: mpx, unit: 'Mpx', fn: () => countsToString(counts) },
      ])),
    );
  }
  // 100 mask pairs, cycled, so one lucky mask does not set the figure.
  const A = Array.from({ length: 100 }, (_, i) => encode(cocoLike(100 + i)));
  const B = A.map((r, i) => encode(decode(r).union(cocoLike(300 + i))));
  let k = 0;
  const next = (): number => (k = (k + 1) % 100);
  const poly = star(5);
  const ops = await runCases('coco run-level ops (480x640)', [
    { name: 'area (incl. string parse)', work: 0.3072, unit: 'Mpx', fn: () => area(A[next()]!) },
    { name: 'toBbox (incl. string parse)', work: 0.3072, unit: 'Mpx', fn: () => toBbox(A[next()]!) },
    { name: 'iou of two overlapping masks (incl. 2 parses)', work: 0.3072, unit: 'Mpx', fn: () => { const i = next(); return iou([A[i]!], [B[i]!], [0]); } },
    { name: 'frPoly 20-vertex polygon (+ toString)', work: 0.3072, unit: 'Mpx', fn: () => fromPolygons([poly], 480, 640) },
  ]);
  rows.push(...ops);
  return rows;
}
