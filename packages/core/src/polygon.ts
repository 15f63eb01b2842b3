/**
 * Polygons and boxes to masks, bit-identical to pycocotools' `rleFrPoly` / `rleFrBbox` (maskApi.c)
 * as built for x86-64: same operation order, `Math.trunc` for `(int)`, and no fused multiply-add
 * (JavaScript never fuses). COCO reads polygons with it, and CVAT (through datumaro) exports its
 * polygons with it, so both dialects share this one rasterizer. docs/dialects/coco.md teaches the rules.
 *
 * Only the boundary points where an edge crosses a pixel-centre column are computed (the
 * reference walks every upsampled point), so the cost follows the columns crossed, and
 * far-away vertices cost neither time nor memory. The crossings are counted (an upper bound,
 * from the vertices alone) and checked against `maxCrossings` before anything is allocated.
 */
import { describeValue, RleError } from './errors.js';
import { DEFAULT_MAX_RUNS } from './limits.js';
import { Mask } from './mask.js';
import { boxG, boxM, boxNsw, boxNw, boxOpen, boxWalk, checkSize, type Order, type Size } from './runs.js';
import { copyU32 } from './slab.js';

type Path = readonly (string | number)[];

/** Default bound on the pixel-column crossings of one polygon (4 bytes each). */
export const DEFAULT_MAX_POLYGON_CROSSINGS = 50_000_000;

export interface RasterizeOptions {
  /** Largest number of pixel-column crossings accepted for one polygon (LIMIT_EXCEEDED beyond). */
  maxCrossings?: number;
  /**
   * Largest number of runs the mask may have (default DEFAULT_MAX_RUNS). Crossings become runs,
   * so the crossing bound is checked against it too, before anything is allocated.
   */
  maxRuns?: number;
  /**
   * The run order of the mask made (default 'col', pycocotools' own). 'row' makes the row-major
   * runs straight from the column crossings (same pixels), for a writer that reads masks row by row.
   */
  order?: Order;
  /** Prefix for error paths (a coordinate's index is appended). */
  path?: Path;
}

// |5x + .5| must stay below this so that every difference of two vertices fits an int, as in C.
const COORD_LIMIT = 2 ** 30;
const INT_MIN = -2147483648;

/** C's `(int)` of a double on x86-64: truncation, and the "integer indefinite" value for NaN. */
function cInt(v: number): number {
  return v === v ? Math.trunc(v) : INT_MIN;
}

/** Throws unless `c` is a finite number close enough to the image (the path is built only then). */
function checkCoordinate(c: unknown, path: Path, key: string | number): void {
  if (typeof c !== 'number' || !Number.isFinite(c)) {
    throw new RleError('INVALID_TOKEN', 'Polygon coordinate is not a finite number', { path: [...path, key], expected: 'a finite number', received: describeValue(c) });
  }
  const q = 5 * c + 0.5;
  if (!(q > -COORD_LIMIT && q < COORD_LIMIT)) {
    throw new RleError('LIMIT_EXCEEDED', 'Polygon coordinate too far from the image', { path: [...path, key], expected: `|coordinate| < ${COORD_LIMIT / 5}`, received: describeValue(c) });
  }
}

/** Column centres 5px+2 (px in [0, w-1]) with u in [a, b]. */
function centresIn(a: number, b: number, w: number): number {
  const lo = Math.max(a, 2), hi = Math.min(b, 5 * (w - 1) + 2);
  return hi < lo ? 0 : Math.floor((hi - 2) / 5) - Math.ceil((lo - 2) / 5) + 1;
}

/**
 * The mask of one polygon `[x1, y1, x2, y2, ...]` (pixel (px, py) covers [px, px+1) × [py, py+1))
 * over an image of `size`, exactly as pycocotools' `rleFrPoly` makes it: column-major runs,
 * even-odd fill, clipped to the image. An odd trailing number is ignored, as in pycocotools.
 * With `order: 'row'` the same pixels come as row-major runs, made without column runs.
 * @example
 * ```ts
 * // pycocotools' polygon rule on x, y pairs: this triangle covers 2 pixels of a 3×4 image.
 * rasterizePolygon([0.5, 0.5, 3.5, 0.5, 3.5, 2.5], { height: 3, width: 4 }).area(); // → 2
 * ```
 */
export function rasterizePolygon(xy: ArrayLike<number>, size: Size, options: RasterizeOptions = {}): Mask {
  const total = checkSize(size);
  const path = options.path ?? [];
  const maxCrossings = options.maxCrossings ?? DEFAULT_MAX_POLYGON_CROSSINGS;
  const maxRuns = options.maxRuns ?? DEFAULT_MAX_RUNS;
  if (typeof maxRuns !== 'number' || !(maxRuns >= 0)) {
    throw new RleError('INVALID_OPTION', 'maxRuns must be a non-negative number', { path, expected: 'a number >= 0', received: String(maxRuns) });
  }
  if (typeof maxCrossings !== 'number' || !(maxCrossings >= 0)) {
    throw new RleError('INVALID_OPTION', 'maxCrossings must be a non-negative number', { path, expected: 'a number >= 0', received: describeValue(maxCrossings) });
  }
  if (xy == null || typeof xy.length !== 'number') {
    throw new RleError('INVALID_STRUCTURE', 'A polygon is a flat list of numbers', { path, expected: '[x1, y1, x2, y2, ...]', received: describeValue(xy) });
  }
  const h = size.height, w = size.width;
  const k = Math.floor(xy.length / 2);
  for (let j = 0; j < 2 * k; j++) checkCoordinate(xy[j], path, j);
  if (k === 0 || total === 0) return Mask.empty(size);
  // Reading xy again below may run code (getters, proxies) that rasterises another polygon: the
  // outermost call owns the scratch buffers, a nested one allocates its own.
  const own = rasterDepth === 0;
  rasterDepth++;
  try {
    return rasterize(xy, k, h, w, total, size, path, maxCrossings, maxRuns, own, options.order ?? 'col');
  } finally {
    rasterDepth--;
  }
}

let rasterDepth = 0;

function rasterize(xy: ArrayLike<number>, k: number, h: number, w: number, total: number, size: Size, path: Path, maxCrossings: number, maxRuns: number, own: boolean, order: Order): Mask {
  // Vertices, crossings and their columns live in scratch buffers reused across calls (a
  // typed-array allocation costs more than rasterising a small polygon); only the result is new.
  const X = own ? scratchI32(0, k + 1) : new Int32Array(k + 1), Y = own ? scratchI32(1, k + 1) : new Int32Array(k + 1);
  for (let j = 0; j < k; j++) {
    X[j] = cInt(5 * xy[j * 2]! + 0.5);
    Y[j] = cInt(5 * xy[j * 2 + 1]! + 0.5);
  }
  X[k] = X[0]!;
  Y[k] = Y[0]!;
  return fromVertices(X, Y, k, h, w, total, size, path, maxCrossings, maxRuns, own, order);
}

/** The rasterizer from the upsampled integer vertices X, Y (k of them, closed: X[k] = X[0]). */
function fromVertices(X: Int32Array, Y: Int32Array, k: number, h: number, w: number, total: number, size: Size, path: Path, maxCrossings: number, maxRuns: number, own: boolean, order: Order): Mask {

  // Bound the crossings before allocating: an edge's boundary u stays within one step of its
  // vertices' u range (a steep edge's last u may round one past its vertex).
  let bound = 0;
  for (let j = 0; j < k; j++) {
    const a = X[j]!, b = X[j + 1]!;
    bound += centresIn((a < b ? a : b) - 1, (a < b ? b : a) + 1, w);
  }
  if (bound > maxCrossings) {
    throw new RleError('LIMIT_EXCEEDED', 'Polygon crosses too many pixel columns to rasterize', { path, expected: `at most ${maxCrossings} column crossings`, received: describeValue(bound) });
  }
  if (bound > maxRuns) {
    // A zigzag across a wide image: each crossing is a run of the result (and of every text form of it).
    throw new RleError('LIMIT_EXCEEDED', 'Polygon would give a mask of too many runs (maxRuns)', { path, expected: `at most ${maxRuns} runs (pixel-column crossings)`, received: String(bound) });
  }
  // Pass 1: each edge's columns [lo, hi] (exactly those its crossings fall in, by the arithmetic
  // of pass 2), so each column's crossings get their slots before any is computed: pass 2 writes
  // every crossing where a sort by column would put it (no column array, no placing pass).
  const lo = own ? scratchI32(2, k) : new Int32Array(k), hi = own ? scratchI32(3, k) : new Int32Array(k);
  let n = 0, pxMin = w, pxMax = -1;
  for (let j = 0; j < k; j++) {
    let xs = X[j]!, xe = X[j + 1]!;
    const ys = Y[j]!, ye = Y[j + 1]!;
    const dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
    if ((dx >= dy && xs > xe) || (dx < dy && ys > ye)) {
      const t = xs; xs = xe; xe = t;
    }
    let pxLo: number, pxHi: number;
    if (dx >= dy) {
      pxLo = Math.max(0, Math.ceil((xs - 2) / 5));
      pxHi = Math.min(w - 1, Math.floor((dx + xs - 3) / 5));
    } else {
      const u0 = Math.trunc(xs + 0.5), u1 = Math.trunc(xs + ((xe - xs) / dy) * dy + 0.5);
      const uLo = u0 < u1 ? u0 : u1, uHi = u0 < u1 ? u1 : u0;
      pxLo = Math.max(0, Math.ceil((uLo - 2) / 5));
      pxHi = u0 === u1 ? -1 : Math.min(w - 1, Math.floor((uHi - 3) / 5));
    }
    if (pxLo > pxHi) (pxLo = 1), (pxHi = 0);
    else {
      n += pxHi - pxLo + 1;
      if (pxLo < pxMin) pxMin = pxLo;
      if (pxHi > pxMax) pxMax = pxHi;
    }
    lo[j] = pxLo;
    hi[j] = pxHi;
  }
  // Slots by column (c[x]: the next slot of column pxMin + x) when the columns are few for the
  // crossings; else crossings in edge order, sorted after. One spare slot for closing with h*w.
  const span = pxMax - pxMin + 1;
  // Row-major runs wanted: each crossing toggles its column's bit in its row of the box bitsets
  // (runs.ts, boxWalk), as it is computed: no slots, no sort, no column-major runs.
  const rowMode = order === 'row' && n > 0 && boxOpen(span, h, 8 * n + 2048);
  const G = boxG, M = boxM, nw = boxNw, nsw = boxNsw;
  let iMin = h, iMax = 0;
  const byColumn = !rowMode && n > 0 && span <= 4 * n + 64;
  const a = own ? scratchU32(2, n + 1) : new Uint32Array(n + 1);
  const c = byColumn ? (own ? scratchU32(5, span + 2) : new Uint32Array(span + 2)) : a;
  if (byColumn) {
    // Each edge adds one crossing to each column of [lo, hi]: a difference array (entries wrap
    // modulo 2^32, their sums come out exact), turned into each column's first slot.
    c.fill(0, 0, span + 2);
    for (let j = 0; j < k; j++) {
      const l = lo[j]!, r = hi[j]!;
      if (l > r) continue;
      c[l - pxMin + 1]!++;
      c[r - pxMin + 2]!--;
    }
    let run = 0, at = 0;
    for (let x = 0; x < span; x++) {
      run = (run + c[x + 1]!) >>> 0;
      c[x] = at;
      at += run;
    }
  }
  let m0 = 0;
  // Below, every value passed to (int) is finite (a zero-length edge never enters its loop, where
  // its slope would be NaN), so C's truncation is Math.trunc.
  // Only a pair of consecutive boundary points whose smaller u is 5px+2, for a column px in
  // [0, w-1], records a crossing (the boundary passes the column centre); only those are computed.
  // Each edge is handled alone: the pair joining two edges is one vertex seen twice (same u, or
  // u <= 0 for negative vertices), which never crosses a column centre.
  for (let j = 0; j < k; j++) {
    const pxLo = lo[j]!, pxHi = hi[j]!;
    if (pxLo > pxHi) continue;
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
      for (let px = pxLo; px <= pxHi; px++) {
        const T = 5 * px + 2 - xs;
        // Every u, v here is within 2^30 of 0 (COORD_LIMIT), so `| 0` is C's (int).
        const v1 = (ys + s * T + 0.5) | 0, v2 = (ys + s * (T + 1) + 0.5) | 0;
        const r = rowOf(v1 < v2 ? v1 : v2, h);
        if (rowMode) {
          const x = px - pxMin, wd = x >>> 5, g = r * nw + wd, mm = r * nsw + (wd >>> 5);
          G[g] = G[g]! ^ (1 << (x & 31));
          M[mm] = M[mm]! | (1 << (wd & 31));
          if (r < iMin) iMin = r;
          if (r > iMax) iMax = r;
        } else a[byColumn ? c[px - pxMin]!++ : m0++] = px * h + r;
      }
      continue;
    }
    // Steep edge: u(t) = (int)(xs + s*t + .5) is monotone in t with steps of at most one, so
    // each column px whose centre it crosses has exactly one pair (u = 5px+2, 5px+3), found
    // directly with the same arithmetic instead of walking all 5x upsampled rows.
    const s = (xe - xs) / dy;
    const inc = Math.trunc(xs + s * dy + 0.5) > Math.trunc(xs + 0.5);
    for (let px = pxLo; px <= pxHi; px++) {
      // First t at which u has passed from 5px+2 to 5px+3 (rising) or from 5px+3 to 5px+2
      // (falling): estimated from the line, then settled with the exact arithmetic (u is monotone).
      const edge = inc ? 5 * px + 3 : 5 * px + 2;
      let t = Math.ceil(((inc ? edge - 0.5 : edge + 0.5) - xs) / s);
      if (!(t >= 0)) t = 0;
      else if (t > dy) t = dy;
      if (inc) {
        while (t > 0 && Math.trunc(xs + s * (t - 1) + 0.5) >= edge) t--;
        while (t < dy && Math.trunc(xs + s * t + 0.5) < edge) t++;
      } else {
        while (t > 0 && Math.trunc(xs + s * (t - 1) + 0.5) <= edge) t--;
        while (t < dy && Math.trunc(xs + s * t + 0.5) > edge) t++;
      }
      // The pair is (t - 1, t); its smaller v is ys + t - 1.
      const r = rowOf(ys + t - 1, h);
      if (rowMode) {
        const x = px - pxMin, wd = x >>> 5, g = r * nw + wd, mm = r * nsw + (wd >>> 5);
        G[g] = G[g]! ^ (1 << (x & 31));
        M[mm] = M[mm]! | (1 << (wd & 31));
        if (r < iMin) iMin = r;
        if (r > iMax) iMax = r;
      } else a[byColumn ? c[px - pxMin]!++ : m0++] = px * h + r;
    }
  }
  if (rowMode) {
    const rows = boxWalk(iMin, iMax, w, pxMin, span, total);
    if (rows !== undefined) return Mask.fromCanonicalRuns(rows, size, 'row');
    // Toggles that are not pairs per column (never seen: each column centre is crossed an even
    // number of times by the closed boundary), so the column-major way, from the start.
    return fromVertices(X, Y, k, h, w, total, size, path, maxCrossings, maxRuns, own, 'col');
  }
  // Sort: within each column (a handful each, insertion-sorted; a column's last value (px+1)*h
  // is at most the next column's first, so sorted columns are sorted overall), or all of them.
  if (byColumn) {
    let from = 0;
    for (let x = 0; x < span; x++) {
      const to = c[x]!;
      for (let i = from + 1; i < to; i++) {
        const v = a[i]!;
        let j = i - 1;
        while (j >= from && a[j]! > v) { a[j + 1] = a[j]!; j--; }
        a[j + 1] = v;
      }
      from = to;
    }
  } else if (n > 0) a.subarray(0, n).sort();
  a[n] = total;
  let p = 0;
  for (let j = 0; j <= n; j++) { const t = a[j]!; a[j] = t - p; p = t; }
  // In place: the write index m never passes the read index j.
  const kk = n + 1;
  let m = 1, j = 1;
  while (j < kk) {
    if (a[j]! > 0) a[m++] = a[j++]!;
    else { j++; if (j < kk) a[m - 1] = a[m - 1]! + a[j++]!; }
  }
  return Mask.fromCanonicalRuns(copyU32(a, m), size, 'col');
}

/**
 * maskApi.c's row of a crossing whose smaller upsampled v is the integer `v`:
 * `yd = (v + .5) / 5 - .5`, clamped to [0, h], then `ceil(yd)`. For an integer v that is
 * ceil((v - 2) / 5) = floor((v + 2) / 5) exactly (the float steps never cross an integer: at
 * v = 5k + 2 both are exact), clamped: integer arithmetic, which V8 turns into a multiply.
 */
function rowOf(v: number, h: number): number {
  const t = v + 2;
  const r = t <= 0 ? 0 : (t / 5) | 0;
  return r > h ? h : r;
}

// Scratch typed arrays reused across calls (transients, never results): up to SCRATCH_KEEP
// values each are kept; a larger polygon's are allocated for its call and left to the collector.
const SCRATCH_KEEP = 1 << 20;
const scratch32: Uint32Array[] = Array.from({ length: 6 }, () => new Uint32Array(256));
const scratchI: Int32Array[] = Array.from({ length: 4 }, () => new Int32Array(256));

function scratchU32(slot: number, n: number): Uint32Array {
  const s = scratch32[slot]!;
  if (s.length >= n) return s;
  const grown = new Uint32Array(Math.max(n, Math.min(SCRATCH_KEEP, s.length * 2)));
  if (grown.length <= SCRATCH_KEEP) scratch32[slot] = grown;
  return grown;
}

function scratchI32(slot: number, n: number): Int32Array {
  const s = scratchI[slot]!;
  if (s.length >= n) return s;
  const grown = new Int32Array(Math.max(n, Math.min(SCRATCH_KEEP, s.length * 2)));
  if (grown.length <= SCRATCH_KEEP) scratchI[slot] = grown;
  return grown;
}

/**
 * pycocotools' `rleFrBbox`: the box `{ x, y, width, height }` (floats) rasterised as the polygon
 * (x, y), (x, y+height), (x+width, y+height), (x+width, y).
 * @example
 * ```ts
 * rasterizeBox({ x: 1, y: 0, width: 2, height: 2 }, { height: 3, width: 4 }).bbox(); // → { x: 1, y: 0, width: 2, height: 2 }
 * ```
 */
export function rasterizeBox(box: { x: number; y: number; width: number; height: number }, size: Size, options: RasterizeOptions = {}): Mask {
  const path = options.path ?? [];
  if (box == null || typeof box !== 'object') {
    throw new RleError('INVALID_STRUCTURE', 'A box is { x, y, width, height }', { path, expected: 'an object of four numbers', received: describeValue(box) });
  }
  const { x, y, width, height } = box;
  checkCoordinate(x, path, 'x');
  checkCoordinate(y, path, 'y');
  checkCoordinate(width, path, 'width');
  checkCoordinate(height, path, 'height');
  const xe = x + width, ye = y + height;
  checkCoordinate(xe, path, 'width');
  checkCoordinate(ye, path, 'height');
  return rasterizePolygon([x, y, x, ye, xe, ye, xe, y], size, options);
}
