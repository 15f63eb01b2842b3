import { RleError } from '../errors.js';
import { Mask } from '../mask.js';
import { MAX_MASK_PIXELS, RunBuilder, checkSize, type Size } from '../runs.js';
import { rowIntervals } from './rows.js';

export type ResizeMethod = 'nearest' | 'nearest-exact';

export interface ResizeOptions {
  /**
   * `'nearest'` (default): OpenCV's `cv2.resize(..., interpolation=INTER_NEAREST)`.
   * `'nearest-exact'`: Pillow's `Image.resize(..., NEAREST)` (pixel centres map to pixel centres).
   */
  method?: ResizeMethod;
  /** Largest target pixel count accepted (LIMIT_EXCEEDED beyond). Default 2^32 - 1. */
  maxPixels?: number;
}

// Index maps are one uint32 per target row and column; beyond this a side is refused.
const MAX_SIDE = 1 << 28;

/**
 * For each of `m` target positions, the source index it samples from `n` source positions,
 * computed as each tool computes it (float64, the same operations):
 * - OpenCV (resize.cpp, resizeNN): scale = 1 / (m / n); src = min(floor(dst * scale), n - 1).
 * - Pillow (_imaging.c _resize → Geometry.c ImagingScaleAffine): a = n / m; the position starts
 *   at a * 0.5 and is advanced by adding a for each target pixel (an accumulated sum, not
 *   (dst + 0.5) * a); src = (int)pos. A position at or past n would be Pillow's fill (background):
 *   it is kept as n, which no source interval contains.
 * The textbook floor(dst * n / m) and floor((dst + 0.5) * n / m) differ from both on some sizes.
 * @example
 * ```ts
 * // Which source pixel each of 5 target pixels takes from a row of 3.
 * Array.from(nearestIndexMap(3, 5, 'nearest'));       // → [0, 0, 1, 1, 2]
 * Array.from(nearestIndexMap(3, 5, 'nearest-exact')); // → [0, 0, 1, 2, 2]
 * ```
 */
export function nearestIndexMap(n: number, m: number, method: ResizeMethod): Uint32Array {
  const out = new Uint32Array(m);
  if (method === 'nearest') {
    const scale = 1 / (m / n);
    for (let x = 0; x < m; x++) {
      const s = Math.floor(x * scale);
      out[x] = s < n - 1 ? s : n - 1;
    }
  } else {
    const a = n / m;
    let pos = a * 0.5;
    for (let x = 0; x < m; x++) {
      const s = Math.trunc(pos);
      out[x] = s < n ? s : n;
      pos += a;
    }
  }
  return out;
}

/** First index x with map[x] >= v (the map is non-decreasing). */
function lowerBound(map: Uint32Array, v: number): number {
  let lo = 0, hi = map.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (map[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The mask resampled to `size` by nearest neighbour, bit-exact with OpenCV (`'nearest'`) or
 * Pillow (`'nearest-exact'`). Rows and columns go through index maps and each source interval
 * maps to one target interval, so a huge mask with a few blobs never becomes a bitmap.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([1, 0, 0, 1], { height: 2, width: 2 }, 'row');
 * const big = resize(mask, { height: 4, width: 6 });
 * [big.area(), big.bbox()]; // → [12, { x: 0, y: 0, width: 6, height: 4 }]
 * ```
 */
export function resize(mask: Mask, size: Size, options: ResizeOptions = {}): Mask {
  const method = options.method ?? 'nearest';
  if (method !== 'nearest' && method !== 'nearest-exact') {
    throw new RleError('INVALID_OPTION', 'Invalid resize method', { path: ['method'], expected: '"nearest" or "nearest-exact"', received: typeof method === 'string' ? JSON.stringify(method).slice(0, 40) : typeof method });
  }
  const maxPixels = options.maxPixels ?? MAX_MASK_PIXELS;
  if (typeof maxPixels !== 'number' || !(maxPixels >= 0)) {
    throw new RleError('INVALID_OPTION', 'Invalid maxPixels', { path: ['maxPixels'], expected: 'a number >= 0', received: String(maxPixels) });
  }
  const total = checkSize(size, maxPixels, ['size']);
  const H = size.height, W = size.width;
  if (H === 0 || W === 0) {
    throw new RleError('INVALID_SIZE', 'A resize target must have at least one row and one column', { path: ['size'], expected: 'height >= 1 and width >= 1', received: `${H}x${W}` });
  }
  if (mask.height === 0 || mask.width === 0) {
    throw new RleError('INVALID_SIZE', 'An empty mask has no pixels to resize', { expected: 'a source of at least 1x1', received: `${mask.height}x${mask.width}` });
  }
  if (H > MAX_SIDE || W > MAX_SIDE) {
    throw new RleError('LIMIT_EXCEEDED', 'Resize target side too long', { path: ['size'], expected: `height and width <= ${MAX_SIDE}`, received: `${H}x${W}` });
  }
  const out = { height: H, width: W };
  if (mask.isEmpty()) return Mask.empty(out);
  if (mask.area() === mask.pixels) return Mask.full(out);
  const r = rowIntervals(mask);
  const ymap = nearestIndexMap(mask.height, H, method);
  const xmap = nearestIndexMap(mask.width, W, method);
  const b = new RunBuilder(64);
  // Target intervals of the last source row, reused while consecutive target rows share it.
  let lastRow = -1;
  let ts = new Uint32Array(16), te = new Uint32Array(16), tn = 0;
  for (let y = 0; y < H; y++) {
    const sy = ymap[y]!;
    if (sy >= mask.height) continue;
    if (sy !== lastRow) {
      lastRow = sy;
      tn = 0;
      const i0 = r.rowStart[sy]!, i1 = r.rowStart[sy + 1]!;
      if (ts.length < i1 - i0) { ts = new Uint32Array(2 * (i1 - i0)); te = new Uint32Array(2 * (i1 - i0)); }
      for (let i = i0; i < i1; i++) {
        const a = lowerBound(xmap, r.xs[i]!), c = lowerBound(xmap, r.xe[i]!);
        if (a < c) { ts[tn] = a; te[tn] = c; tn++; }
      }
    }
    const base = y * W;
    for (let k = 0; k < tn; k++) b.addInterval(base + ts[k]!, base + te[k]!);
  }
  return Mask.fromCanonicalRuns(b.finish(total), out, 'row');
}
