/**
 * Polygons and boxes to COCO RLE, bit-identical to maskApi.c's `rleFrPoly` / `rleFrBbox` as
 * built for x86-64: same operation order, `Math.trunc` for `(int)`, and no fused multiply-add
 * (JavaScript never fuses). Only the boundary points where an edge crosses a pixel-centre
 * column are computed (the reference walks every upsampled point), so the cost follows the
 * columns crossed, and far-away vertices cost neither time nor memory.
 */
import { checkSize, combineRuns, Mask, RleError } from '@rlekit/core';
import { countsToString, type CompressedRle } from './rle.js';

type Path = readonly (string | number)[];

// |5x + .5| must stay below this so that every difference of two vertices fits an int, as in C.
const COORD_LIMIT = 2 ** 30;
const INT_MIN = -2147483648;

/** C's `(int)` of a double on x86-64: truncation, and the "integer indefinite" value for NaN. */
function cInt(v: number): number {
  return v === v ? Math.trunc(v) : INT_MIN;
}

/** A growable list of crossing positions. */
class Positions {
  buf = new Uint32Array(64);
  n = 0;
  push(v: number): void {
    if (this.n === this.buf.length) {
      const next = new Uint32Array(this.n * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = v;
  }
}

function quantise(xy: ArrayLike<number>, k: number, path: Path): { X: Int32Array; Y: Int32Array } {
  const X = new Int32Array(k + 1), Y = new Int32Array(k + 1);
  for (let j = 0; j < 2 * k; j++) {
    const c = xy[j];
    if (typeof c !== 'number' || !Number.isFinite(c)) {
      throw new RleError('INVALID_TOKEN', 'Polygon coordinate is not a finite number', { path: [...path, j], expected: 'a finite number', received: String(c) });
    }
    const q = 5 * c + 0.5;
    if (!(q > -COORD_LIMIT && q < COORD_LIMIT)) {
      throw new RleError('LIMIT_EXCEEDED', 'Polygon coordinate too far from the image', { path: [...path, j], expected: `|coordinate| < ${COORD_LIMIT / 5}`, received: String(c) });
    }
  }
  for (let j = 0; j < k; j++) X[j] = cInt(5 * xy[j * 2]! + 0.5);
  X[k] = X[0]!;
  for (let j = 0; j < k; j++) Y[j] = cInt(5 * xy[j * 2 + 1]! + 0.5);
  Y[k] = Y[0]!;
  return { X, Y };
}

/**
 * Counts of one polygon `[x1, y1, x2, y2, ...]` rasterised on an h x w image, exactly
 * `rleFrPoly` (an odd trailing number is ignored, as in pycocotools).
 */
export function polygonCounts(xy: ArrayLike<number>, h: number, w: number, path: Path = []): Uint32Array {
  const total = checkSize({ height: h, width: w });
  const k = Math.floor(xy.length / 2);
  if (k === 0) return Uint32Array.of(total);
  const { X, Y } = quantise(xy, k, path);
  // Only a pair of consecutive boundary points whose smaller u is 5px+2, for a column px in
  // [0, w-1], records a crossing (the boundary passes the column centre); only those are computed.
  const pos = new Positions();
  // Each edge is handled alone: the pair joining two edges is one vertex seen twice (same u, or
  // u <= 0 for negative vertices), which never crosses a column centre.
  for (let j = 0; j < k; j++) {
    let xs = X[j]!, xe = X[j + 1]!, ys = Y[j]!, ye = Y[j + 1]!;
    const dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      let t = xs; xs = xe; xe = t;
      t = ys; ys = ye; ye = t;
    }
    if (dx >= dy) {
      // u = xs + t steps by one, so the qualifying pairs are t = T, T+1 with xs + T = 5px + 2:
      // jump from column to column instead of walking every point.
      const s = (ye - ys) / dx;
      const pxLo = Math.max(0, Math.ceil((xs - 2) / 5)), pxHi = Math.min(w - 1, Math.floor((dx + xs - 3) / 5));
      for (let px = pxLo; px <= pxHi; px++) {
        const T = 5 * px + 2 - xs;
        const v1 = cInt(ys + s * T + 0.5), v2 = cInt(ys + s * (T + 1) + 0.5);
        let yd: number = v1 < v2 ? v1 : v2;
        yd = (yd + 0.5) / 5 - 0.5;
        if (yd < 0) yd = 0;
        else if (yd > h) yd = h;
        pos.push(px * h + Math.ceil(yd));
      }
      continue;
    }
    // Steep edge: u(t) = (int)(xs + s*t + .5) is monotone in t with steps of at most one, so
    // each column px whose centre it crosses has exactly one pair (u = 5px+2, 5px+3), found
    // directly with the same arithmetic instead of walking all 5x upsampled rows.
    const s = (xe - xs) / dy;
    const u0 = cInt(xs + 0.5), u1 = cInt(xs + s * dy + 0.5);
    if (u0 === u1) continue;
    const inc = u1 > u0;
    const uLo = inc ? u0 : u1, uHi = inc ? u1 : u0;
    const pxLo = Math.max(0, Math.ceil((uLo - 2) / 5)), pxHi = Math.min(w - 1, Math.floor((uHi - 3) / 5));
    for (let px = pxLo; px <= pxHi; px++) {
      // First t at which u has passed from 5px+2 to 5px+3 (rising) or from 5px+3 to 5px+2
      // (falling): estimated from the line, then settled with the exact arithmetic (u is monotone).
      const edge = inc ? 5 * px + 3 : 5 * px + 2;
      let lo = Math.ceil(((inc ? edge - 0.5 : edge + 0.5) - xs) / s);
      if (!(lo >= 0)) lo = 0;
      else if (lo > dy) lo = dy;
      if (inc) {
        while (lo > 0 && cInt(xs + s * (lo - 1) + 0.5) >= edge) lo--;
        while (lo < dy && cInt(xs + s * lo + 0.5) < edge) lo++;
      } else {
        while (lo > 0 && cInt(xs + s * (lo - 1) + 0.5) <= edge) lo--;
        while (lo < dy && cInt(xs + s * lo + 0.5) > edge) lo++;
      }
      // The pair is (lo - 1, lo); its smaller v is ys + lo - 1.
      let yd = (ys + lo - 1 + 0.5) / 5 - 0.5;
      if (yd < 0) yd = 0;
      else if (yd > h) yd = h;
      pos.push(px * h + Math.ceil(yd));
    }
  }
  // Sort the crossings, close with h*w, and take differences; a zero difference (two
  // crossings at one position) is dropped with the run after it merged into the one before.
  const n = pos.n;
  const a = new Uint32Array(n + 1);
  sortPositions(pos.buf, n, h, w, a);
  a[n] = total;
  let p = 0;
  for (let j = 0; j <= n; j++) { const t = a[j]!; a[j] = t - p; p = t; }
  const kk = n + 1;
  const b = new Uint32Array(kk);
  let m = 0, j = 0;
  b[m++] = a[j++]!;
  while (j < kk) {
    if (a[j]! > 0) b[m++] = a[j++]!;
    else { j++; if (j < kk) b[m - 1] = b[m - 1]! + a[j++]!; }
  }
  return b.slice(0, m);
}

/**
 * Sorts crossing positions (px*h + row, row <= h) into `out`: bucketed by column when there are
 * few columns per crossing (each column holds a handful, insertion-sorted), else a typed sort.
 */
function sortPositions(src: Uint32Array, n: number, h: number, w: number, out: Uint32Array): void {
  if (h === 0 || w > 4 * n + 64) {
    out.set(src.subarray(0, n));
    out.subarray(0, n).sort();
    return;
  }
  // Buckets by floor(p / h): value ranges, so sorted buckets are sorted overall (row h sorts
  // with the next column; the last bucket also takes p = h*w).
  if (bucketCounts.length < w + 1) bucketCounts = new Uint32Array(w + 1);
  const c = bucketCounts;
  c.fill(0, 0, w + 1);
  for (let i = 0; i < n; i++) c[Math.min(w - 1, Math.floor(src[i]! / h)) + 1]!++;
  for (let x = 0; x < w; x++) c[x + 1]! += c[x]!;
  // Placing advances c[px] from the start of bucket px to the start of bucket px + 1.
  for (let i = 0; i < n; i++) {
    const v = src[i]!;
    out[c[Math.min(w - 1, Math.floor(v / h))]!++] = v;
  }
  let lo = 0;
  for (let x = 0; x < w; x++) {
    const hi = c[x]!;
    for (let i = lo + 1; i < hi; i++) {
      const v = out[i]!;
      let j = i - 1;
      while (j >= lo && out[j]! > v) { out[j + 1] = out[j]!; j--; }
      out[j + 1] = v;
    }
    lo = hi;
  }
}

let bucketCounts = new Uint32Array(0);

function checkPolygonList(polygons: unknown, name: string): readonly (readonly number[])[] {
  if (!Array.isArray(polygons)) throw new RleError('INVALID_STRUCTURE', `${name} must be a list of lists of numbers`, { received: typeof polygons });
  polygons.forEach((p, i) => {
    if (!Array.isArray(p) && !(ArrayBuffer.isView(p) && !(p instanceof DataView))) {
      throw new RleError('INVALID_STRUCTURE', `${name} entry is not a list of numbers`, { path: [i], expected: 'a flat list [x1, y1, x2, y2, ...]' });
    }
  });
  return polygons as readonly (readonly number[])[];
}

/**
 * pycocotools' `frPyObjects(polygons, h, w)` for a list of polygons: one compressed RLE per
 * polygon, not merged. Unlike pycocotools, a first polygon of 4 numbers is still a polygon
 * (pycocotools mistakes it for a box and raises TypeError).
 */
export function fromPolygons(polygons: readonly (readonly number[])[], h: number, w: number): CompressedRle[] {
  checkSize({ height: h, width: w });
  return checkPolygonList(polygons, 'polygons').map((p, i) => ({ size: [h, w], counts: countsToString(polygonCounts(p, h, w, [i])) }));
}

/** The union of a COCO `segmentation` polygon list as a Mask: what `COCO.annToRLE` gives. */
export function polygonsToMask(polygons: readonly (readonly number[])[], h: number, w: number, path: Path = []): Mask {
  const total = checkSize({ height: h, width: w });
  const size = { height: h, width: w };
  const list = checkPolygonList(polygons, 'polygons');
  if (total === 0) return Mask.empty(size);
  let acc: Uint32Array | undefined;
  for (let i = 0; i < list.length; i++) {
    const c = polygonCounts(list[i]!, h, w, [...path, i]);
    acc = acc === undefined ? c : combineRuns(acc, c, 0b1110, total);
  }
  return acc === undefined ? Mask.empty(size) : Mask.fromCanonicalRuns(acc, size, 'col');
}

/** The 4-vertex polygon `rleFrBbox` rasterises for a box `[x, y, w, h]`. */
function boxPolygon(bb: readonly number[], path: Path): number[] {
  if (!Array.isArray(bb) || bb.length !== 4) {
    throw new RleError('INVALID_STRUCTURE', 'A box is [x, y, width, height]', { path, expected: 'four numbers', received: String(bb) });
  }
  const xs = bb[0]!, xe = xs + bb[2]!, ys = bb[1]!, ye = ys + bb[3]!;
  return [xs, ys, xs, ye, xe, ye, xe, ys];
}

/** pycocotools' `frPyObjects(boxes, h, w)` (rleFrBbox): one compressed RLE per `[x, y, w, h]`. */
export function fromBboxes(bboxes: readonly (readonly number[])[], h: number, w: number): CompressedRle[] {
  checkSize({ height: h, width: w });
  return checkPolygonList(bboxes, 'bboxes').map((bb, i) => ({ size: [h, w], counts: countsToString(polygonCounts(boxPolygon(bb, [i]), h, w, [i])) }));
}

/** A box `[x, y, w, h]` rasterised as pycocotools does, as a Mask. */
export function bboxToMask(bb: readonly number[], h: number, w: number): Mask {
  const total = checkSize({ height: h, width: w });
  const size = { height: h, width: w };
  if (total === 0) return Mask.empty(size);
  return Mask.fromCanonicalRuns(polygonCounts(boxPolygon(bb, []), h, w), size, 'col');
}
