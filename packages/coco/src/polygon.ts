/**
 * Polygons and boxes to COCO RLE, bit-identical to maskApi.c's `rleFrPoly` / `rleFrBbox` as
 * built for x86-64: same operation order, `Math.trunc` for `(int)`, and no fused multiply-add
 * (JavaScript never fuses). The boundary points are streamed, not stored, and parts of edges
 * that cannot cross a pixel-centre column are skipped, so far-away vertices cost no memory.
 */
import { checkSize, combineRuns, Mask, RleError } from '@rlekit/core';
import { countsToString, type CompressedRle } from './rle.js';

type Path = readonly (string | number)[];

/** Largest boundary walk one polygon may take (upsampled points); beyond it is LIMIT_EXCEEDED, not a hang. */
export const MAX_POLYGON_STEPS = 1 << 27;
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
  // Only pairs whose smaller u is 5px+2 for a column px in [0, w-1] record a crossing,
  // so points with u outside [U0, U1] can be skipped (their pairs never qualify).
  const U0 = 2, U1 = 5 * w - 2;
  let steps = 0;
  for (let j = 0; j < k; j++) steps += Math.max(Math.abs(X[j]! - X[j + 1]!), Math.abs(Y[j]! - Y[j + 1]!)) + 1;
  const pos = new Positions();
  // The previous boundary point; `has` is false before the first point and after a skipped stretch.
  let pu = 0, pv = 0, has = false;
  let walked = 0;
  for (let j = 0; j < k; j++) {
    let xs = X[j]!, xe = X[j + 1]!, ys = Y[j]!, ye = Y[j + 1]!;
    const dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      let t = xs; xs = xe; xe = t;
      t = ys; ys = ye; ye = t;
    }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    let d0: number, d1: number, last: number;
    if (dx >= dy) {
      // u is monotone in d: only the d whose u lies in [U0, U1] can make crossings.
      last = dx;
      if (flip) { d0 = dx + xs - U1; d1 = dx + xs - U0; } else { d0 = U0 - xs; d1 = U1 - xs; }
      if (d0 < 0) d0 = 0;
      if (d1 > dx) d1 = dx;
    } else {
      // u stays within the endpoints' x (truncating negatives may add 1): all or nothing.
      last = dy;
      const lo = Math.min(xs, xe) - 1, hi = Math.max(xs, xe) + 1;
      if (hi < U0 || lo > U1) { d0 = 1; d1 = 0; } else { d0 = 0; d1 = dy; }
    }
    if (d0 > d1) {
      has = false; // the pairs in a skipped stretch never qualify
      continue;
    }
    walked += d1 - d0 + 1;
    if (walked > MAX_POLYGON_STEPS) tooLong(path, steps);
    if (d0 > 0) has = false;
    for (let d = d0; d <= d1; d++) {
      const t = flip ? last - d : d;
      let u: number, v: number;
      if (dx >= dy) { u = t + xs; v = cInt(ys + s * t + 0.5); } else { v = t + ys; u = cInt(xs + s * t + 0.5); }
      if (has && u !== pu) {
        let xd = u < pu ? u : u - 1;
        xd = (xd + 0.5) / 5 - 0.5;
        if (Math.floor(xd) === xd && xd >= 0 && xd <= w - 1) {
          let yd = v < pv ? v : pv;
          yd = (yd + 0.5) / 5 - 0.5;
          if (yd < 0) yd = 0;
          else if (yd > h) yd = h;
          yd = Math.ceil(yd);
          pos.push(xd * h + yd);
        }
      }
      pu = u;
      pv = v;
      has = true;
    }
    if (d1 < last) has = false;
  }
  // Sort the crossings, close with h*w, and take differences; a zero difference (two
  // crossings at one position) is dropped with the run after it merged into the one before.
  const n = pos.n;
  const a = new Uint32Array(n + 1);
  a.set(pos.buf.subarray(0, n));
  a[n] = total;
  a.sort();
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

function tooLong(path: Path, steps: number): never {
  throw new RleError('LIMIT_EXCEEDED', 'Polygon boundary too long to rasterise', { path, expected: `at most ${MAX_POLYGON_STEPS} upsampled boundary points`, received: String(steps) });
}

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
