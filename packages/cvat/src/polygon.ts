/**
 * Polygon rasterization with COCO's rules (pycocotools `rleFrPoly`), so a CVAT polygon becomes
 * the same mask CVAT's own COCO/mask exports (datumaro → pycocotools) produce.
 *
 * The rules, from the reference: vertices are quantised on a 5x grid with `(int)(5*v + .5)`
 * (truncation toward zero), every edge is walked with a DDA along its major axis (both ends
 * included), and each step that crosses the vertical line through a pixel-column centre
 * toggles the pixels of that column below the crossing (even-odd fill). Operation order is
 * kept exactly as in the C code: JavaScript never fuses multiply-adds, so the result matches
 * the x86-64 wheels bit for bit.
 *
 * Unlike the reference, the boundary points are not stored: only column crossings inside the
 * image are kept, and the walk length is bounded before it starts (`maxSteps`), so a vertex
 * far outside the image is a LIMIT_EXCEEDED error, not a hang or a giant allocation.
 */
import { Mask, RleError, RunBuilder, checkSize, type Size } from '@rlekit/core';

/** Default bound on the DDA walk: about 5x the polygon's perimeter in pixels. */
export const DEFAULT_MAX_POLYGON_STEPS = 100_000_000;

const INT_MIN = -2147483648, INT_MAX = 2147483647;

/** C's `(int)` cast: truncation toward zero; NaN (from a zero-length edge's 0/0) becomes INT_MIN as on x86. */
const cint = (v: number): number => (v === v ? Math.trunc(v) : INT_MIN);

/**
 * The mask of one polygon ring `[x0, y0, x1, y1, ...]` (pixel coordinates, pixel (px, py)
 * covering [px, px+1) × [py, py+1)) over an image of `size`, as pycocotools' `rleFrPoly` makes it.
 * Fewer than 3 vertices give what the reference gives (in practice an empty mask).
 */
export function rasterizePolygon(xy: ArrayLike<number>, size: Size, options: { maxSteps?: number; path?: readonly (string | number)[] } = {}): Mask {
  const total = checkSize(size);
  const path = options.path ?? [];
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_POLYGON_STEPS;
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
  let steps = 0;
  for (let j = 0; j < k; j++) steps += Math.max(Math.abs(x[j]! - x[j + 1]!), Math.abs(y[j]! - y[j + 1]!)) + 1;
  if (steps > maxSteps) {
    throw new RleError('LIMIT_EXCEEDED', 'Polygon boundary is too long to rasterize', { path, expected: `at most ${maxSteps} steps on the 5x grid (maxPolygonSteps)`, received: String(steps) });
  }

  // Crossing positions px*h + row, collected as the walk goes (the reference's y-boundary points).
  let cap = 64, n = 0;
  let pos = new Uint32Array(cap);
  let havePrev = false, pu = 0, pv = 0;
  const point = (u: number, v: number): void => {
    if (havePrev && u !== pu) {
      const xdMin = u < pu ? u : pu;
      const xd = (xdMin + 0.5) / 5 - 0.5;
      if (Math.floor(xd) === xd && xd >= 0 && xd <= w - 1) {
        let yd = ((v < pv ? v : pv) + 0.5) / 5 - 0.5;
        if (yd < 0) yd = 0;
        else if (yd > h) yd = h;
        yd = Math.ceil(yd);
        if (n === cap) {
          cap *= 2;
          const next = new Uint32Array(cap);
          next.set(pos);
          pos = next;
        }
        pos[n++] = xd * h + yd;
      }
    }
    havePrev = true;
    pu = u;
    pv = v;
  };
  for (let j = 0; j < k; j++) {
    let xs = x[j]!, xe = x[j + 1]!, ys = y[j]!, ye = y[j + 1]!;
    const dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      let t = xs; xs = xe; xe = t;
      t = ys; ys = ye; ye = t;
    }
    // 0/0 for a zero-length edge is NaN, as in C; the point it yields never forms a crossing.
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        point(t + xs, cint(ys + s * t + 0.5));
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        point(cint(xs + s * t + 0.5), t + ys);
      }
    }
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
export function rasterizeBox(box: { x: number; y: number; width: number; height: number }, size: Size, options: { maxSteps?: number; path?: readonly (string | number)[] } = {}): Mask {
  const { x, y, width: bw, height: bh } = box;
  return rasterizePolygon([x, y, x, y + bh, x + bw, y + bh, x + bw, y], size, options);
}
