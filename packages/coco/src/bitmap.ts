/**
 * The hot paths between COCO strings and bitmaps: decode straight into a (reusable) bitmap and
 * encode a bitmap, choosing per mask between a run transposition (few runs: blob-like masks)
 * and toggles / a tiled byte transposition (many runs: noise), so neither pays per-pixel strides.
 */
import { checkSize, Mask, describeValue, RleError, type Order } from '@rlekit/core';
import { countsToString, parseRleAs, type CocoRle, type CompressedRle } from './rle.js';

// Masks with more runs than pixels / DENSE go through a byte transposition instead of runs.
const DENSE = 24;
const TILE = 32;

let scratch = new Uint8Array(0);
function scratchOf(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(n);
  return scratch.subarray(0, n);
}

/** Writes runs (background first) into `out` from position 0: every byte is written once. */
function paintRuns(runs: ArrayLike<number>, out: Uint8Array): void {
  let pos = 0;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    const v = k & 1;
    const end = pos + r;
    // Short runs: a loop beats the call overhead of fill().
    if (r < 16) for (let i = pos; i < end; i++) out[i] = v;
    else out.fill(v, pos, end);
    pos = end;
  }
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * Runs (background first) into `out` in memory order for masks of many short runs, without a
 * branch per run: each run boundary toggles its byte, and a prefix XOR (four bytes per step on
 * little-endian machines) turns toggles into values. Zero-length runs toggle twice and cancel.
 */
function paintToggles(c: Uint32Array, out: Uint8Array): void {
  const total = out.length;
  out.fill(0);
  let pos = 0;
  const m = c.length;
  for (let k = 0; k + 1 < m; k++) {
    pos += c[k]!;
    if (pos < total) out[pos]! ^= 1;
  }
  let i = 0, carry = 0;
  if (LITTLE_ENDIAN && (out.byteOffset & 3) === 0) {
    const nw = total >>> 2;
    const words = new Uint32Array(out.buffer, out.byteOffset, nw);
    let fill = 0; // the running value in every byte (0 or 0x01010101)
    for (let k = 0; k < nw; k++) {
      let x = words[k]!;
      // Prefix XOR across the word's bytes (byte 0 is the low byte), then the carry from before.
      x ^= x << 8;
      x ^= x << 16;
      x ^= fill;
      words[k] = x;
      fill = (x >>> 24) * 0x01010101;
    }
    i = nw << 2;
    carry = fill & 1;
  }
  for (; i < total; i++) {
    carry ^= out[i]!;
    out[i] = carry;
  }
}

/**
 * Column-major counts → row-major bitmap for masks with many short runs, without a column-major
 * intermediate: row 0 gets each column's starting value, every run start inside a column
 * toggles its pixel, and a prefix XOR down the columns (row by row, word-wise when rows are
 * 4-byte multiples) turns toggles into values. Zero-length runs toggle twice and cancel.
 */
function paintDense(c: Uint32Array, h: number, w: number, out: Uint8Array): void {
  const total = h * w;
  out.fill(0);
  let pos = 0, nextCol = 0, col = 0, x = 0, base = 0;
  const m = c.length;
  for (let k = 0; k < m; k++) {
    const end = pos + c[k]!;
    if (nextCol < end) {
      const v = k & 1;
      do { out[col++] = v; nextCol += h; } while (nextCol < end);
    }
    if (end < total && k + 1 < m) {
      while (end - base >= h) { x++; base += h; }
      const y = end - base;
      if (y > 0) { const i = y * w + x; out[i] = out[i]! ^ 1; }
    }
    pos = end;
  }
  if ((w & 3) === 0 && (out.byteOffset & 3) === 0) {
    const o = new Uint32Array(out.buffer, out.byteOffset, total >>> 2);
    const q = w >>> 2;
    for (let i = q; i < o.length; i++) o[i] = o[i]! ^ o[i - q]!;
  } else {
    for (let i = w; i < total; i++) out[i] = out[i]! ^ out[i - w]!;
  }
}

/** dst[i*rows + j] = src[j*cols + i] for a rows x cols source, in cache-sized tiles. */
function transposeBytes(src: Uint8Array, dst: Uint8Array, rows: number, cols: number): void {
  if ((rows & 3) === 0 && (dst.byteOffset & 3) === 0) {
    transposeBytes4(src, dst, rows, cols);
    return;
  }
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        let s = r * cols + c0, d = c0 * rows + r;
        for (let c = c0; c < c1; c++) {
          dst[d] = src[s++]!;
          d += rows;
        }
      }
    }
  }
}

/** transposeBytes for rows a multiple of 4: four source rows are packed into one 32-bit store. */
function transposeBytes4(src: Uint8Array, dst: Uint8Array, rows: number, cols: number): void {
  const d32 = new Uint32Array(dst.buffer, dst.byteOffset, (rows * cols) >>> 2);
  const q = rows >>> 2;
  const T = 64;
  for (let x0 = 0; x0 < cols; x0 += T) {
    const x1 = Math.min(cols, x0 + T);
    for (let y = 0; y < rows; y += 4) {
      const r0 = y * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols;
      let di = x0 * q + (y >>> 2);
      for (let x = x0; x < x1; x++) {
        d32[di] = src[r0 + x]! | (src[r1 + x]! << 8) | (src[r2 + x]! << 16) | (src[r3 + x]! << 24);
        di += q;
      }
    }
  }
}

/**
 * COCO RLE → bitmap of 0/1 in `order` (row-major by default: index y*w + x). Pass `out`
 * (h*w bytes) to reuse a buffer: every byte of it is overwritten.
 * @example
 * ```ts
 * Array.from(decodeToBitmap({ size: [3, 4], counts: '11110O30' })); // → [0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1]
 * // Column-major, as numpy's order='F' (what pycocotools' decode returns).
 * Array.from(decodeToBitmap({ size: [3, 4], counts: '11110O30' }, 'col')); // → [0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 1]
 * ```
 */
export function decodeToBitmap(rle: CocoRle, order: Order = 'row', out?: Uint8Array): Uint8Array {
  // The counts are painted before anything else reads a count string: a view, not a copy.
  const p = parseRleAs(rle, [], true);
  const h = p.height, w = p.width, total = h * w;
  if (order !== 'row' && order !== 'col') throw new RleError('INVALID_OPTION', 'Invalid order', { path: ['order'], expected: '"row" or "col"', received: describeValue(order) });
  if (out === undefined) out = new Uint8Array(total);
  else if (!(out instanceof Uint8Array) || out.length !== total) {
    throw new RleError('INVALID_BITMAP', 'Output buffer length is not height * width', { expected: String(total), received: describeValue((out as { length?: unknown })?.length) });
  }
  if (total === 0) return out;
  if (order === 'col' || w === 1 || h === 1) {
    if (p.counts.length * DENSE > total) paintToggles(p.counts, out);
    else paintRuns(p.counts, out);
  } else if (p.counts.length * DENSE > total) {
    paintDense(p.counts, h, w, out);
  } else {
    // A Mask keeps its runs: a copy of the view.
    const c = p.counts.slice();
    const m = p.canonical ? Mask.fromCanonicalRuns(c, { height: h, width: w }, 'col') : Mask.fromRuns(c, { height: h, width: w }, 'col');
    paintRuns(m.runsView('row'), out);
  }
  return out;
}

let posScratch = new Uint32Array(0);

/**
 * Run lengths of a bitmap in memory order (non-zero = foreground), background first, without
 * data-dependent branches: every position is stored and the cursor advances only where the
 * value changes, four bytes per step (noise masks change value every other pixel). `bytes`
 * must start 4-byte aligned. Returns a view into a scratch buffer.
 */
function denseRuns(bytes: Uint8Array, total: number): Uint32Array {
  if (posScratch.length < total + 2) posScratch = new Uint32Array(total + 2);
  const pos = posScratch;
  const nw = total >>> 2;
  const w = new Uint32Array(bytes.buffer, bytes.byteOffset, nw);
  let n = 0, prev = 0;
  for (let k = 0; k < nw; k++) {
    const x = w[k]!;
    // High bit of each byte set iff the byte is non-zero.
    const nz = (((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) & 0x80808080;
    const b0 = (nz >>> 7) & 1, b1 = (nz >>> 15) & 1, b2 = (nz >>> 23) & 1, b3 = nz >>> 31;
    const i = k << 2;
    pos[n] = i; n += b0 ^ prev;
    pos[n] = i + 1; n += b1 ^ b0;
    pos[n] = i + 2; n += b2 ^ b1;
    pos[n] = i + 3; n += b3 ^ b2;
    prev = b3;
  }
  for (let i = nw << 2; i < total; i++) {
    const b = bytes[i]!;
    const v = (b | -b) >>> 31;
    pos[n] = i;
    n += v ^ prev;
    prev = v;
  }
  // Run starts → run lengths, in place; the last run ends at `total`.
  let last = 0;
  for (let k = 0; k < n; k++) {
    const p = pos[k]!;
    pos[k] = p - last;
    last = p;
  }
  pos[n++] = total - last;
  return pos.subarray(0, n);
}

/**
 * Estimates whether runs are shorter than DENSE pixels on average from 64 evenly spaced windows
 * of 64 consecutive bytes: as many neighbour pairs as scattered samples would give, from 64
 * cache lines instead of thousands (scattered samples took ~3% of an SA-1B-like encode).
 */
function looksDense(bytes: Uint8Array, total: number): boolean {
  const windows = 64, span = 64;
  if (total < windows * span * 4) return false;
  const step = Math.floor((total - span) / (windows - 1));
  let changes = 0;
  for (let k = 0, start = 0; k < windows; k++, start += step) {
    let prev = bytes[start] !== 0;
    for (let i = start + 1; i < start + span; i++) {
      const v = bytes[i] !== 0;
      if (v !== prev) changes++;
      prev = v;
    }
  }
  return changes * DENSE > windows * (span - 1);
}

/**
 * Bitmap (row-major by default; any non-zero byte is foreground) → compressed COCO RLE,
 * without building a Mask. Unlike pycocotools' `encode`, input need not be Fortran-ordered
 * nor strictly 0/1.
 * @example
 * ```ts
 * encodeBitmap(Uint8Array.from([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1]), 3, 4); // → { size: [3, 4], counts: '11110O30' }
 * ```
 */
export function encodeBitmap(bitmap: Uint8Array, height: number, width: number, order: Order = 'row'): CompressedRle {
  const total = checkSize({ height, width });
  if (!(bitmap instanceof Uint8Array) || bitmap.length !== total) {
    throw new RleError('INVALID_BITMAP', 'Bitmap length is not height * width', { expected: String(total), received: describeValue((bitmap as { length?: unknown })?.length) });
  }
  if (order !== 'row' && order !== 'col') throw new RleError('INVALID_OPTION', 'Invalid order', { path: ['order'], expected: '"row" or "col"', received: describeValue(order) });
  if (total === 0) return { size: [height, width], counts: '0' };
  if (order === 'col' || height === 1 || width === 1) return { size: [height, width], counts: countsToString(Mask.fromBitmap(bitmap, { height, width }, 'col').runsView('col')) };
  let col: Uint32Array;
  if (looksDense(bitmap, total)) {
    const buf = scratchOf(total);
    transposeBytes(bitmap, buf, height, width);
    col = denseRuns(buf, total);
  } else {
    // Long runs: core's word-skipping scan, then the runs transposed.
    col = Mask.fromBitmap(bitmap, { height, width }, 'row').runsView('col');
  }
  return { size: [height, width], counts: countsToString(col) };
}
