/**
 * Polygon rasterization with COCO's rules (pycocotools `rleFrPoly`), so a CVAT polygon becomes
 * the same mask CVAT's own COCO/mask exports (datumaro → pycocotools) produce.
 *
 * The rules, from the reference: vertices are quantised on a 5x grid with `(int)(5*v + .5)`
 * (truncation toward zero), every edge is walked with a DDA along its major axis (both ends
 * included), and each pair of consecutive boundary points that crosses the vertical line
 * through a pixel-column centre toggles the pixels of that column below the crossing
 * (even-odd fill). Arithmetic is kept exactly as in the C code: JavaScript never fuses
 * multiply-adds, so the result matches the x86-64 wheels bit for bit.
 *
 * Unlike the reference, the boundary is not walked point by point: only the pairs that can
 * cross a column centre inside the image are computed (directly on x-major edges, by binary
 * search of the monotone DDA on y-major ones). The cost follows the crossings, not the
 * perimeter, so a vertex far outside the image costs nothing; the crossing count is bounded
 * (`maxCrossings`) before anything is allocated for it.
 */
import { Mask, RleError, RunBuilder, checkSize, type Size } from '@rlekit/core';

/** Default bound on the column crossings of one polygon (4 bytes each). */
export const DEFAULT_MAX_POLYGON_CROSSINGS = 50_000_000;

const INT_MIN = -2147483648, INT_MAX = 2147483647;

/** C's `(int)` cast: truncation toward zero; NaN (from a zero-length edge's 0/0) becomes INT_MIN as on x86. */
const cint = (v: number): number => (v === v ? Math.trunc(v) : INT_MIN);

export interface RasterizeOptions {
  /** Largest number of column crossings accepted (LIMIT_EXCEEDED beyond). */
  maxCrossings?: number;
  /** Prefix for error paths. */
  path?: readonly (string | number)[];
}

/**
 * The mask of one polygon ring `[x0, y0, x1, y1, ...]` (pixel coordinates, pixel (px, py)
 * covering [px, px+1) × [py, py+1)) over an image of `size`, as pycocotools' `rleFrPoly` makes it.
 * Fewer than 3 vertices give what the reference gives (in practice an empty mask).
 */
export function rasterizePolygon(xy: ArrayLike<number>, size: Size, options: RasterizeOptions = {}): Mask {
  const total = checkSize(size);
  const path = options.path ?? [];
  const maxCrossings = options.maxCrossings ?? DEFAULT_MAX_POLYGON_CROSSINGS;
  const h = size.height, w = size.width;
  if (xy.length % 2 !== 0) {
    throw new RleError('INVALID_TOKEN', 'Polygon has an odd number of coordinates', { path, expected: 'x, y pairs', received: `${xy.length} numbers` });
  }
  const k = xy.length / 2;
  if (k === 0 || total === 0) return Mask.empty(size);
  const x = new Int32Array(k + 1), y = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) {
    for (let c = 0; c < 2; c++) {
      const v = xy[2 * j + c]!;
      const q = 5 * v + 0.5;
      // Beyond int32 the C cast is undefined behaviour; no real annotation gets there.
      if (!Number.isFinite(v) || q <= INT_MIN - 1 || q >= INT_MAX + 1) {
        throw new RleError('INVALID_TOKEN', 'Polygon coordinate is not a finite number within ±4e8', { path: [...path, 2 * j + c], expected: 'a finite coordinate with |5v| < 2^31', received: String(v) });
      }
      (c === 0 ? x : y)[j] = cint(q);
    }
  }
  x[k] = x[0]!;
  y[k] = y[0]!;

  // A pair of boundary points counts when min(u) is a column centre 5px+2 with px in [0, w-1].
  const uLo = 2, uHi = 5 * (w - 1) + 2;
  /** Column centres with u in [a, b]: how many pairs an edge spanning that u range can record. */
  const centresIn = (a: number, b: number): number => {
    const lo = Math.max(a, uLo), hi = Math.min(b, uHi);
    return hi < lo ? 0 : Math.floor((hi - 2) / 5) - Math.ceil((lo - 2) / 5) + 1;
  };
  let bound = k;
  // One centre of slack each side: a y-major edge's last u may round one step past its vertex.
  for (let j = 0; j < k; j++) bound += centresIn(Math.min(x[j]!, x[j + 1]!) - 1, Math.max(x[j]!, x[j + 1]!) + 1);
  if (bound > maxCrossings) {
    throw new RleError('LIMIT_EXCEEDED', 'Polygon crosses too many pixel columns to rasterize', { path, expected: `at most ${maxCrossings} column crossings (maxPolygonCrossings)`, received: String(bound) });
  }
  const pos = new Uint32Array(bound);
  let n = 0;
  /** The reference's test on one pair of consecutive boundary points. */
  const pair = (u1: number, v1: number, u2: number, v2: number): void => {
    if (u1 === u2) return;
    const xd = ((u1 < u2 ? u1 : u2) + 0.5) / 5 - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) return;
    let yd = ((v1 < v2 ? v1 : v2) + 0.5) / 5 - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    pos[n++] = xd * h + Math.ceil(yd);
  };

  // The current edge, read by pu/pv (defined once, not per edge).
  let xs = 0, xe = 0, ys = 0, ye = 0, s = 0, xMajor = true;
  // Point t of the edge (t = d, or D - d when flipped), exactly as the reference computes it.
  const pu = (t: number): number => (xMajor ? t + xs : cint(xs + s * t + 0.5));
  const pv = (t: number): number => (xMajor ? cint(ys + s * t + 0.5) : t + ys);
  let lastU = 0, lastV = 0;
  for (let j = 0; j < k; j++) {
    xs = x[j]!; xe = x[j + 1]!; ys = y[j]!; ye = y[j + 1]!;
    const dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      let t = xs; xs = xe; xe = t;
      t = ys; ys = ye; ye = t;
    }
    // 0/0 for a zero-length edge is NaN, as in C; its point never forms a crossing.
    s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    xMajor = dx >= dy;
    const D = xMajor ? dx : dy;
    // The pair joining the previous edge's last point to this edge's first (d = 0).
    const t0 = flip ? D : 0;
    if (j > 0) pair(lastU, lastV, pu(t0), pv(t0));
    // Within the edge the pairs are points t and t+1 for t in [0, D-1]; min() makes the walking direction irrelevant.
    if (xMajor) {
      // u steps by exactly 1: the pairs with min(u) = 5px+2 are at t = 5px+2-xs.
      const pxFrom = Math.max(0, Math.ceil((xs - 2) / 5)), pxTo = Math.min(w - 1, Math.floor((xs + D - 1 - 2) / 5));
      for (let px = pxFrom; px <= pxTo; px++) {
        const t = 5 * px + 2 - xs;
        pair(t + xs, pv(t), t + 1 + xs, pv(t + 1));
      }
    } else if (dx > 0) {
      // u is monotone in t and moves by at most 1 per step: find where it passes each centre.
      const rising = s > 0;
      const uA = pu(0), uB = pu(D);
      const pxFrom = Math.max(0, Math.ceil((Math.min(uA, uB) - 2) / 5)), pxTo = Math.min(w - 1, Math.floor((Math.max(uA, uB) - 2) / 5));
      for (let px = pxFrom; px <= pxTo; px++) {
        const U = 5 * px + 2;
        // Last t in [0, D-1] whose point lies on the start side of U (u <= U rising, u > U falling).
        let lo = 0, hi = D - 1, t = -1;
        while (lo <= hi) {
          const mid = lo + ((hi - lo) >> 1);
          const u = pu(mid);
          if (rising ? u <= U : u > U) {
            t = mid;
            lo = mid + 1;
          } else hi = mid - 1;
        }
        if (t >= 0) pair(pu(t), t + ys, pu(t + 1), t + 1 + ys);
      }
    }
    const tD = flip ? 0 : D;
    lastU = pu(tD);
    lastV = pv(tD);
  }

  // Sorted crossings toggle the column-major flattening: even-odd fill.
  const crossings = pos.subarray(0, n).sort();
  const b = new RunBuilder(n + 2);
  let prev = 0, fg = false;
  for (let i = 0; i < n; i++) {
    const p = crossings[i]!;
    b.append(fg, p - prev);
    prev = p;
    fg = !fg;
  }
  b.append(fg, total - prev);
  return Mask.fromCanonicalRuns(b.finish(total), size, 'col');
}

/** COCO's `rleFrBbox`: the polygon (x, y), (x, y+h), (x+w, y+h), (x+w, y). */
export function rasterizeBox(box: { x: number; y: number; width: number; height: number }, size: Size, options: RasterizeOptions = {}): Mask {
  const { x, y, width: bw, height: bh } = box;
  return rasterizePolygon([x, y, x, y + bh, x + bw, y + bh, x + bw, y], size, options);
}
