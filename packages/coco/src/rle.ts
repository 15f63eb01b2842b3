/**
 * COCO RLE: the compressed string code, decode/encode, and pycocotools' run-level
 * operations (area, toBbox, iou, merge), all on column-major runs without decoding pixels.
 */
import { checkSize, combineRuns, countsToString, describeValue, putCountCode, Mask, MAX_MASK_PIXELS, readCountString, RleError } from '@rlekit/core';

// The character coding itself lives in core (Encord's rleString uses it too); COCO's API names it.
export { countsToBytes, countsToString, stringToCounts } from '@rlekit/core';

type Path = readonly (string | number)[];

/** An RLE object exactly as in COCO JSON: `size` is `[height, width]`. */
export interface CocoRle {
  size: readonly [number, number] | readonly number[];
  /** Compressed string, its bytes, or uncompressed run lengths (column-major, background first). */
  counts: string | Uint8Array | ArrayLike<number>;
}

/** Compressed RLE, what `encode` and `merge` return. */
export interface CompressedRle {
  size: [number, number];
  counts: string;
}

/** Uncompressed RLE, as COCO writes for `iscrowd: 1` annotations. */
export interface UncompressedRle {
  size: [number, number];
  counts: number[];
}

/** A validated RLE: its size and its counts exactly as given (zero runs kept). */
export interface ParsedRle {
  height: number;
  width: number;
  counts: Uint32Array;
  /** No zero run except possibly the first: usable as a Mask's runs as is. */
  canonical: boolean;
}

const MAX_U32 = 0xffffffff;
function checkCountValues(counts: ArrayLike<number>, path: Path): number {
  if (counts == null || typeof counts !== 'object' || typeof counts.length !== 'number') {
    throw new RleError('INVALID_STRUCTURE', 'COCO RLE counts must be a string, bytes or a list of run lengths', { path, received: typeof counts });
  }
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    const r = counts[i]!;
    if (!(typeof r === 'number' && r >= 0 && r <= MAX_U32 && Number.isInteger(r))) {
      throw new RleError('INVALID_RUNS', 'Invalid COCO RLE count', { path: [...path, i], expected: 'an integer from 0 to 2^32-1', received: describeValue(r) });
    }
    sum += r;
  }
  return sum;
}

const COUNTS_PATH = ['counts'] as const;

function parseSize(size: unknown, path: Path): { height: number; width: number } {
  if (!Array.isArray(size) || size.length !== 2) {
    throw new RleError('INVALID_STRUCTURE', 'COCO RLE size must be [height, width]', { path: [...path, 'size'], expected: '[height, width]', received: short(size) });
  }
  const s = { height: size[0] as number, width: size[1] as number };
  try {
    checkSize(s);
  } catch (e) {
    throw e instanceof RleError ? e.at(...path, 'size') : e;
  }
  return s;
}

const short = describeValue;

/**
 * Validates an RLE object in any of its forms: size `[h, w]` of non-negative integers,
 * counts as a compressed string/bytes or a run-length list, values in 0..2^32-1, summing to h*w.
 * Zero-length runs are allowed (and reported through `canonical`).
 * @example
 * ```ts
 * parseRle({ size: [3, 4], counts: '11110O30' }).counts; // → [1, 1, 1, 2, 1, 1, 4, 1]
 * // Counts that do not fill the image are an RleError with a stable code.
 * const error = (() => { try { parseRle({ size: [3, 4], counts: [1, 2] }); } catch (e) { return e as RleError; } })();
 * error?.code; // → 'RUNS_SUM_MISMATCH'
 * ```
 */
export function parseRle(rle: CocoRle, path: Path = []): ParsedRle {
  return parseRleAs(rle, path, false);
}

/**
 * parseRle, where `view` lets a compressed string's counts be a view of core's shared scratch
 * (no copy): for a caller that is done with them before anything else reads a count string.
 * @internal
 */
export function parseRleAs(rle: CocoRle, path: Path, view: boolean): ParsedRle {
  if (rle == null || typeof rle !== 'object') {
    throw new RleError('INVALID_STRUCTURE', 'A COCO RLE is an object { size, counts }', { path, received: short(rle) });
  }
  const { height, width } = parseSize(rle.size, path);
  const total = height * width;
  const c = rle.counts;
  let counts: Uint32Array, sum: number, canonical: boolean;
  if (typeof c === 'string' || c instanceof Uint8Array) {
    const r = readCountString(c, path.length === 0 ? COUNTS_PATH : [...path, 'counts']);
    counts = view ? r.counts.subarray(0, r.length) : r.counts.slice(0, r.length);
    sum = r.sum;
    canonical = r.canonical;
  } else {
    sum = checkCountValues(c as ArrayLike<number>, [...path, 'counts']);
    counts = Uint32Array.from(c as ArrayLike<number>);
    canonical = true;
    for (let i = 1; i < counts.length; i++) if (counts[i] === 0) { canonical = false; break; }
  }
  if (sum !== total) {
    throw new RleError('RUNS_SUM_MISMATCH', 'COCO RLE counts do not sum to height * width', { path: [...path, 'counts'], expected: String(total), received: describeValue(sum) });
  }
  return { height, width, counts, canonical };
}

/** Canonical column-major runs of a parsed RLE (zero runs merged away). */
function canonicalCol(p: ParsedRle): Uint32Array {
  const total = p.height * p.width;
  if (total === 0) return new Uint32Array(0);
  if (p.canonical) return p.counts;
  return Mask.fromRuns(p.counts, { height: p.height, width: p.width }, 'col').runsView('col');
}

/**
 * COCO RLE (compressed string, bytes or uncompressed counts) → Mask.
 * @example
 * ```ts
 * // Counts alternate background and foreground, column by column (column-major).
 * const mask = decode({ size: [3, 4], counts: [1, 1, 1, 2, 1, 1, 4, 1] });
 * mask.area(); // → 5
 * Array.from(mask.toBitmap('row')); // → [0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1]
 * decode({ size: [3, 4], counts: '11110O30' }).equals(mask); // → true
 * ```
 */
export function decode(rle: CocoRle): Mask {
  const p = parseRle(rle);
  const size = { height: p.height, width: p.width };
  if (p.height * p.width === 0) return Mask.empty(size);
  return p.canonical ? Mask.fromCanonicalRuns(p.counts, size, 'col') : Mask.fromRuns(p.counts, size, 'col');
}

/** Column-major runs of a Mask as COCO writes them: `[0]` for a mask of no pixels, like `rleEncode`. */
function maskCounts(mask: Mask): Uint32Array {
  if (!(mask instanceof Mask)) throw new RleError('INVALID_STRUCTURE', 'encode expects a Mask', { received: short(mask) });
  return mask.pixels === 0 ? new Uint32Array(1) : mask.runsView('col');
}

/**
 * Mask → compressed COCO RLE, byte-identical to pycocotools' `encode`.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * encode(mask); // → { size: [3, 4], counts: '11110O30' }
 * ```
 */
export function encode(mask: Mask): CompressedRle {
  return { size: [mask.height, mask.width], counts: countsToString(maskCounts(mask)) };
}

/**
 * Mask → uncompressed COCO RLE (the `iscrowd: 1` form of COCO JSON).
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * encodeUncompressed(mask); // → { size: [3, 4], counts: [1, 1, 1, 2, 1, 1, 4, 1] }
 * ```
 */
export function encodeUncompressed(mask: Mask): UncompressedRle {
  return { size: [mask.height, mask.width], counts: Array.from(maskCounts(mask)) };
}

/**
 * Any RLE → compressed, keeping its counts as they are (no pixels touched).
 * @example
 * ```ts
 * compress({ size: [3, 4], counts: [1, 1, 1, 2, 1, 1, 4, 1] }); // → { size: [3, 4], counts: '11110O30' }
 * ```
 */
export function compress(rle: CocoRle): CompressedRle {
  const p = parseRle(rle);
  // Re-encoded even from a string, as pycocotools does: a non-minimal code comes out minimal.
  return { size: [p.height, p.width], counts: countsToString(p.counts) };
}

/**
 * Any RLE → uncompressed, keeping its counts as they are (no pixels touched).
 * @example
 * ```ts
 * decompress({ size: [3, 4], counts: '11110O30' }); // → { size: [3, 4], counts: [1, 1, 1, 2, 1, 1, 4, 1] }
 * ```
 */
export function decompress(rle: CocoRle): UncompressedRle {
  const p = parseRle(rle);
  return { size: [p.height, p.width], counts: Array.from(p.counts) };
}

// ---------------------------------------------------------------------------------------------
// Run-level operations. The hot path reads a compressed string once into a reused buffer,
// validating exactly what core's readCountString and parseRle's sum check validate, and sums the
// area on the way. On anything else (bytes, run lists, any invalid input) it reports failure and
// the caller takes the general path through parseRle, which raises the exact RleError or
// handles the form. Boxes come from the stored counts, only where they are needed.

let scanBuf = new Uint32Array(4096);

/** Room for `n` counts in the reused scan buffer, keeping its first `keep` values. */
function scanRoom(n: number, keep: number): Uint32Array {
  if (scanBuf.length < n) {
    const grown = new Uint32Array(Math.max(n, scanBuf.length * 2));
    grown.set(scanBuf.subarray(0, keep));
    scanBuf = grown;
  }
  return scanBuf;
}

/** Total pixels of a valid `[height, width]` (checkSize's rules), or -1: the general path judges it. */
function fastTotal(size: unknown): number {
  if (!Array.isArray(size) || size.length !== 2) return -1;
  const h = size[0] as number, w = size[1] as number;
  if (!Number.isSafeInteger(h) || !Number.isSafeInteger(w) || h < 0 || w < 0) return -1;
  const total = h * w;
  return total <= MAX_MASK_PIXELS ? total : -1;
}

// Height and width mergeTotal read (each element read once: the merges use these, not a second read).
let sizeH = 0, sizeW = 0;

/**
 * fastTotal for the merges' string paths, which also keeps the height and width read, and -1
 * from 2^31 pixels on: the two-string sweep stores its sentinel (total + 1) in 32 bits and its
 * code writer tests deltas with 32-bit arithmetic, both exact only below that. Larger masks take
 * the general path.
 */
function mergeTotal(size: unknown): number {
  if (!Array.isArray(size) || size.length !== 2) return -1;
  const h = size[0] as number, w = size[1] as number;
  if (!Number.isSafeInteger(h) || !Number.isSafeInteger(w) || h < 0 || w < 0) return -1;
  const total = h * w;
  if (total > 0x7fffffff) return -1;
  (sizeH = h), (sizeW = w);
  return total;
}

/** Whether `size` is exactly `[h, w]`, as parseSize would read it. */
function isSize(size: unknown, h: number, w: number): boolean {
  return Array.isArray(size) && size.length === 2 && size[0] === h && size[1] === w;
}

// Number of counts of the last scan (module state: the hot path allocates nothing).
let scanM = 0;

/**
 * One pass over a compressed string: stores its counts at `buf[off..]` (the caller makes room
 * for `s.length` values) and returns the area, or -1 for anything readCountString rejects
 * and for a sum other than `total`.
 */
function scanString(s: string, total: number, buf: Uint32Array, off: number): number {
  const len = s.length;
  // back2 is the value two back, which index 3 on is delta-coded against.
  let p = 0, m = 0, sum = 0, area = 0, back2 = 0, back1 = 0;
  while (p < len) {
    let c = s.charCodeAt(p++) - 48;
    if (c >>> 0 > 63) return -1;
    let x: number;
    if (c < 32) {
      x = c - ((c & 16) << 1);
    } else {
      x = c & 31;
      let k = 1, place = 32;
      for (;;) {
        if (p >= len || k === 7) return -1;
        c = s.charCodeAt(p++) - 48;
        if (c >>> 0 > 63) return -1;
        x += (c & 31) * place;
        place *= 32;
        k++;
        if (c < 32) {
          if ((c & 16) !== 0) x -= place;
          break;
        }
      }
    }
    if (m > 2) x += back2;
    // No test for x > 2^32-1 needed: the other values are >= 0, so the sum check fails then.
    if (x < 0) return -1;
    back2 = back1;
    back1 = x;
    buf[off + m] = x;
    if ((m & 1) === 1) area += x;
    sum += x;
    m++;
  }
  if (sum !== total) return -1;
  scanM = m;
  return area;
}

/** Scans `rle` into the scan buffer at `off` (one pass for strings, parseRle for the rest) and returns its area; errors carry `path`. */
function scanRle(rle: CocoRle, off: number, path: Path): number {
  if (rle != null && typeof rle === 'object') {
    const s = rle.counts, total = fastTotal(rle.size);
    if (typeof s === 'string' && total >= 0) {
      const a = scanString(s, total, scanRoom(off + s.length, off), off);
      if (a >= 0) return a;
    }
  }
  const c = parseRle(rle, path).counts;
  scanRoom(off + c.length, off).set(c, off);
  scanM = c.length;
  let a = 0;
  for (let i = 1; i < c.length; i += 2) a += c[i]!;
  return a;
}

// Box of the last boxOf/columnsOf call: columns x0..x1 and rows y0..y1; x1 < 0 when empty.
let boxX0 = 0, boxX1 = -1, boxY0 = 0, boxY1 = -1;

/**
 * Columns of the first and last foreground pixel of `m` counts at `c[off..]` (height `h`, summing
 * to `total`), walking in from both ends: O(1) for masks without long runs of zero-length runs.
 */
function columnsOf(c: Uint32Array, off: number, m: number, h: number, total: number): void {
  let pos = 0, k = 1;
  for (; k < m; k += 2) {
    pos += c[off + k - 1]!;
    if (c[off + k]! > 0) break;
  }
  if (k >= m) {
    boxX0 = 0;
    boxX1 = -1;
    return;
  }
  boxX0 = Math.floor(pos / h);
  // The last foreground run ends where everything after it begins.
  let after = 0, j = m - 1;
  if ((j & 1) === 0) after += c[off + j--]!;
  while (j > k && c[off + j] === 0) {
    after += c[off + j - 1]!;
    j -= 2;
  }
  boxX1 = Math.floor((total - after - 1) / h);
}

/** Tight box of `m` counts at `c[off..]` of height `h`, in one pass; zero-length runs are ignored. */
function boxOf(c: Uint32Array, off: number, m: number, h: number): void {
  let first = -1, last = -1, y0 = h, y1 = -1, pos = 0, row = 0;
  for (let k = 0; k < m; k++) {
    const r = c[off + k]!;
    if ((k & 1) === 1 && r > 0) {
      if (first < 0) first = pos;
      last = pos + r - 1;
      const ye = row + r - 1;
      if (ye < h) {
        if (row < y0) y0 = row;
        if (ye > y1) y1 = ye;
      } else {
        // Spans a column boundary: every row is covered somewhere.
        y0 = 0;
        y1 = h - 1;
      }
    }
    pos += r;
    // row = pos mod h, kept by subtraction: a division only when a run skips whole columns.
    row += r;
    if (row >= h) row = row < 2 * h ? row - h : row - Math.floor(row / h) * h;
  }
  if (first < 0) {
    boxX0 = boxY0 = 0;
    boxX1 = boxY1 = -1;
  } else {
    boxX0 = Math.floor(first / h);
    boxX1 = Math.floor(last / h);
    boxY0 = y0;
    boxY1 = y1;
  }
}

/**
 * Foreground pixel count, from the counts: pycocotools' `area`.
 * @example
 * ```ts
 * area({ size: [3, 4], counts: '11110O30' }); // → 5
 * ```
 */
export function area(rle: CocoRle): number {
  return scanRle(rle, 0, []);
}

/**
 * The tight pixel box `[x, y, w, h]` (pycocotools 2.0.x `toBbox`), `[0, 0, 0, 0]` when empty.
 * @example
 * ```ts
 * // [x, y, width, height] of the foreground, from the counts alone.
 * toBbox({ size: [3, 4], counts: '11110O30' }); // → [0, 0, 4, 3]
 * ```
 */
export function toBbox(rle: CocoRle): [number, number, number, number] {
  scanRle(rle, 0, []);
  boxOf(scanBuf, 0, scanM, (rle.size as readonly number[])[0]!);
  return boxX1 < 0 ? [0, 0, 0, 0] : [boxX0, boxY0, boxX1 - boxX0 + 1, boxY1 - boxY0 + 1];
}

/** A box `[x, y, w, h]` as pycocotools' `iou` accepts in place of RLEs. */
export type BoxXywh = readonly [number, number, number, number] | readonly number[];

function isBoxList(list: readonly unknown[]): boolean {
  return list.length > 0 && Array.isArray(list[0]);
}

function checkBox(b: unknown, path: Path): readonly number[] {
  if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new RleError('INVALID_STRUCTURE', 'A box is [x, y, width, height]', { path, expected: 'four finite numbers', received: short(b) });
  }
  return b as number[];
}

/** bbIou of maskApi.c: continuous boxes; crowd divides by the detection's box area. */
function bbIou(D: readonly number[], G: readonly number[], crowd: boolean): number {
  const ga = G[2]! * G[3]!, da = D[2]! * D[3]!;
  const w = Math.min(D[2]! + D[0]!, G[2]! + G[0]!) - Math.max(D[0]!, G[0]!);
  if (w <= 0) return 0;
  const h = Math.min(D[3]! + D[1]!, G[3]! + G[1]!) - Math.max(D[1]!, G[1]!);
  if (h <= 0) return 0;
  const i = w * h;
  const u = crowd ? da : da + ga - i;
  return i / u;
}

// iou's record per RLE (dt first, then gt), META numbers each, in a reused buffer.
const META = 9;
const M_H = 0, M_W = 1, M_AREA = 2, M_X0 = 3, M_X1 = 4, M_Y0 = 5, M_Y1 = 6, M_OFF = 7, M_M = 8;
let scanMeta = new Float64Array(16 * META);

/** Parses each RLE of `list` once into the scan buffer from `off`, its record at `rec`; returns the next free offset. */
function scanList(list: readonly CocoRle[], name: string, rec: number, off: number): number {
  for (let i = 0; i < list.length; i++) {
    const rle = list[i]!;
    let a: number;
    try {
      a = scanRle(rle, off, []);
    } catch (e) {
      throw e instanceof RleError ? e.at(name, i) : e;
    }
    const size = rle.size as readonly number[], h = size[0]!, w = size[1]!, r = (rec + i) * META;
    columnsOf(scanBuf, off, scanM, h, h * w);
    const M = scanMeta;
    M[r + M_H] = h;
    M[r + M_W] = w;
    M[r + M_AREA] = a;
    M[r + M_X0] = boxX0;
    M[r + M_X1] = boxX1;
    M[r + M_Y1] = NaN; // rows on demand (rowsOf)
    M[r + M_OFF] = off;
    M[r + M_M] = scanM;
    off += scanM;
  }
  return off;
}

/** Fills in the rows of record `r` from its stored counts, once. */
function rowsOf(r: number): void {
  const M = scanMeta;
  if (!Number.isNaN(M[r + M_Y1])) return;
  boxOf(scanBuf, M[r + M_OFF]!, M[r + M_M]!, M[r + M_H]!);
  M[r + M_Y0] = boxY0;
  M[r + M_Y1] = boxY1;
}

/**
 * pycocotools' `iou(dt, gt, iscrowd)`: `result[d][g]`. A crowd gt scores |dt∩gt| / |dt|. Pairs
 * whose boxes do not overlap score 0 without a sweep; masks of different sizes score -1 where
 * their boxes overlap. Accepts RLEs (any form) or boxes `[x, y, w, h]` (both lists the same kind).
 * Returns `[]` when either list is empty, as pycocotools does.
 * @example
 * ```ts
 * const a = { size: [3, 4], counts: '11110O30' }; // 5 pixels
 * const b = { size: [3, 4], counts: '3210000' };  // 6 pixels, 3 of them shared with a
 * iou([a], [b]); // → [[0.375]]
 * // A crowd ground truth divides by the detection's area instead: 3 / 5.
 * iou([a], [b], [1]); // → [[0.6]]
 * ```
 */
export function iou(dt: readonly (CocoRle | BoxXywh)[], gt: readonly (CocoRle | BoxXywh)[], iscrowd: readonly (boolean | number)[] = []): number[][] {
  if (!Array.isArray(dt)) throw new RleError('INVALID_STRUCTURE', 'dt must be a list', { path: ['dt'], received: short(dt) });
  if (!Array.isArray(gt)) throw new RleError('INVALID_STRUCTURE', 'gt must be a list', { path: ['gt'], received: short(gt) });
  if (dt.length === 0 || gt.length === 0) return [];
  if (!Array.isArray(iscrowd) || (iscrowd.length !== gt.length && iscrowd.length !== 0)) {
    throw new RleError('INVALID_OPTION', 'iscrowd must have one flag per gt', { path: ['iscrowd'], expected: `${gt.length} flags`, received: describeValue((iscrowd as unknown[])?.length) });
  }
  const nd = dt.length, ng = gt.length, anyCrowd = iscrowd.length > 0;
  const boxes = isBoxList(dt);
  if (boxes !== isBoxList(gt)) {
    throw new RleError('INVALID_STRUCTURE', 'dt and gt must both be RLEs or both be boxes', { path: ['gt'] });
  }
  if (boxes) {
    const D = dt.map((b, i) => checkBox(b, ['dt', i]));
    const G = gt.map((b, i) => checkBox(b, ['gt', i]));
    return D.map((d) => G.map((g, j) => bbIou(d, g, anyCrowd && Boolean(iscrowd[j]))));
  }
  if (scanMeta.length < (nd + ng) * META) scanMeta = new Float64Array((nd + ng) * META);
  scanList(gt as readonly CocoRle[], 'gt', nd, scanList(dt as readonly CocoRle[], 'dt', 0, 0));
  const M = scanMeta, C = scanBuf;
  const out: number[][] = new Array(nd);
  for (let d = 0; d < nd; d++) {
    const a = d * META;
    const row: number[] = new Array(ng);
    for (let g = 0; g < ng; g++) {
      const b = (nd + g) * META;
      // pycocotools' bbox pre-check (bbIou > 0, crowd or not) in two steps: integer pixel boxes
      // overlap iff their columns and their rows do. Columns come almost free; rows only matter
      // for the -1 of a size mismatch, as for masks of one size a sweep of boxes that overlap in
      // columns but not in rows finds 0, which is what the pre-check would have given.
      if (Math.max(M[a + M_X0]!, M[b + M_X0]!) > Math.min(M[a + M_X1]!, M[b + M_X1]!)) { row[g] = 0; continue; }
      if (M[a + M_H] !== M[b + M_H] || M[a + M_W] !== M[b + M_W]) {
        rowsOf(a);
        rowsOf(b);
        row[g] = Math.max(M[a + M_Y0]!, M[b + M_Y0]!) > Math.min(M[a + M_Y1]!, M[b + M_Y1]!) ? 0 : -1;
        continue;
      }
      const inter = intersectionArea(C, M[a + M_OFF]!, M[a + M_M]!, M[b + M_OFF]!, M[b + M_M]!);
      const aArea = M[a + M_AREA]!;
      row[g] = inter === 0 ? 0 : inter / (anyCrowd && Boolean(iscrowd[g]) ? aArea : aArea + M[b + M_AREA]! - inter);
    }
    out[d] = row;
  }
  return out;
}

/**
 * |a ∩ b| of two count lists of the same total, both in `c` (`na` values at `ao`, `nb` at `bo`):
 * a sweep over foreground intervals only, allocating nothing.
 */
function intersectionArea(c: Uint32Array, ao: number, na: number, bo: number, nb: number): number {
  if (na < 2 || nb < 2) return 0;
  const aLast = ao + na, bLast = bo + nb;
  let ia = ao + 1, ib = bo + 1;
  let aS = c[ao]!, bS = c[bo]!;
  let aE = aS + c[ia]!, bE = bS + c[ib]!;
  let inter = 0;
  for (;;) {
    const lo = aS > bS ? aS : bS, hi = aE < bE ? aE : bE;
    if (hi > lo) inter += hi - lo;
    // Advance whichever interval ends first to the next foreground interval.
    if (aE <= bE) {
      if (ia + 2 >= aLast) break;
      aS = aE + c[ia + 1]!;
      ia += 2;
      aE = aS + c[ia]!;
    } else {
      if (ib + 2 >= bLast) break;
      bS = bE + c[ib + 1]!;
      ib += 2;
      bE = bS + c[ib]!;
    }
  }
  return inter;
}

// Truth tables for combineRuns: bit (2a + b).
const UNION = 0b1110, INTERSECTION = 0b1000;

/**
 * pycocotools' `merge(rles, intersect)`: union (or intersection) as compressed RLE. No RLEs give
 * `{ size: [0, 0], counts: '' }`; one RLE is copied verbatim (not canonicalised); two or more give
 * canonical runs. Unlike pycocotools, different sizes are a SIZE_MISMATCH error (it returns an
 * empty RLE silently), and zero-length runs never end the sweep early.
 * @example
 * ```ts
 * const a = { size: [3, 4], counts: '11110O30' };
 * const b = { size: [3, 4], counts: '3210000' };
 * area(merge([a, b]));       // → 8
 * area(merge([a, b], true)); // → 3
 * ```
 */
export function merge(rles: readonly CocoRle[], intersect: boolean | number = false): CompressedRle {
  if (!Array.isArray(rles)) throw new RleError('INVALID_STRUCTURE', 'merge expects a list of RLEs', { received: short(rles) });
  if (rles.length === 0) return { size: [0, 0], counts: '' };
  if (rles.length === 2) {
    const fast = mergeTwoStrings(rles[0], rles[1], !!intersect);
    if (fast !== undefined) return fast;
  }
  if (rles.length > 1) {
    const fast = mergeStrings(rles, intersect ? INTERSECTION : UNION);
    if (fast !== undefined) return fast;
  }
  const first = parseRle(rles[0]!, [0]);
  if (rles.length === 1) return compress(rles[0]!);
  const size = { height: first.height, width: first.width };
  const total = size.height * size.width;
  let acc = canonicalCol(first);
  const table = intersect ? INTERSECTION : UNION;
  for (let i = 1; i < rles.length; i++) {
    const p = parseRle(rles[i]!, [i]);
    if (p.height !== size.height || p.width !== size.width) {
      throw new RleError('SIZE_MISMATCH', 'merge of RLEs of different sizes', { path: [i, 'size'], expected: `[${size.height}, ${size.width}]`, received: `[${p.height}, ${p.width}]` });
    }
    acc = combineRuns(acc, canonicalCol(p), table, total);
  }
  return { size: [size.height, size.width], counts: total === 0 ? '0' : countsToString(acc) };
}

/**
 * One pass over a compressed string like scanString, storing where each run ends (the running
 * sum) instead of its length: the foreground runs are then [ends[2i], ends[2i+1]). Returns the
 * number of runs, or -1 for anything scanString rejects. Its own loop, not scanString plus a
 * running sum: the extra pass and the area made merge 15 % slower (7.2 against 6.2 µs a call).
 */
function scanEnds(s: string, total: number, buf: Uint32Array, off: number): number {
  const len = s.length;
  let p = 0, m = 0, sum = 0, back2 = 0, back1 = 0;
  while (p < len) {
    let c = s.charCodeAt(p++) - 48;
    if (c >>> 0 > 63) return -1;
    let x: number;
    if (c < 32) {
      x = c - ((c & 16) << 1);
    } else {
      x = c & 31;
      let k = 1, place = 32;
      for (;;) {
        if (p >= len || k === 7) return -1;
        c = s.charCodeAt(p++) - 48;
        if (c >>> 0 > 63) return -1;
        x += (c & 31) * place;
        place *= 32;
        k++;
        if (c < 32) {
          if ((c & 16) !== 0) x -= place;
          break;
        }
      }
    }
    if (m > 2) x += back2;
    if (x < 0) return -1;
    back2 = back1;
    back1 = x;
    sum += x;
    buf[off + m++] = sum; // past total only on input the check below rejects
  }
  return sum === total ? m : -1;
}

// The bytes of merge's result string (reused). They are ASCII 48..111, which every decoder
// reads 1:1; the UTF-8 one is the fastest (native fast path for ASCII; latin1's costs 0.1-0.2 µs
// more on a 600-byte string, in Node 20).
let mergeBytes = new Uint8Array(4096);
const ascii = new TextDecoder();


/**
 * merge of exactly two valid compressed strings of one size (pycocotools' common call), in three
 * passes over reused buffers: both strings are scanned to run ends, their foreground intervals
 * swept once into the result's intervals, and those written as the result's code. Separate
 * passes, each a short loop, ran faster than one loop writing the code from inside the sweep
 * (pnpm bench coco). The same canonical counts as the general path: touching intervals joined,
 * no zero-length run but a leading one. Undefined for anything else: the other paths decide.
 */
function mergeTwoStrings(a: CocoRle | undefined, b: CocoRle | undefined, intersect: boolean): CompressedRle | undefined {
  if (a == null || typeof a !== 'object' || b == null || typeof b !== 'object') return undefined;
  const sa = a.counts, sb = b.counts;
  if (typeof sa !== 'string' || typeof sb !== 'string') return undefined;
  const total = mergeTotal(a.size);
  if (total <= 0) return undefined;
  const h = sizeH, w = sizeW;
  if (!isSize(b.size, h, w)) return undefined;
  // Each list is followed by a sentinel interval that starts past the end (the union's sweep
  // then needs no test for a finished list); the result's intervals go after both.
  const bo = sa.length + 2, ro = bo + sb.length + 2;
  const c = scanRoom(ro + sa.length + sb.length + 4, 0);
  const na = scanEnds(sa, total, c, 0);
  if (na < 0) return undefined;
  const nb = scanEnds(sb, total, c, bo);
  if (nb < 0) return undefined;
  const END = total + 1;
  // The sentinel's start is where the first start past the list's last interval would be.
  (c[na - (na & 1)] = END), (c[na - (na & 1) + 1] = END);
  (c[bo + nb - (nb & 1)] = END), (c[bo + nb - (nb & 1) + 1] = END);
  const fa = na - 1, fb = nb - 1; // interval i: start c[2i], end c[2i+1]
  let ia = 0, ib = 0; // index of the next interval's start (even)
  // The pending interval [cs, ce): stored once the next one starts past its end.
  let cs = 0, ce = 0, r = ro;
  if (intersect) {
    while (ia < fa && ib < fb) {
      const as = c[ia]!, ae = c[ia + 1]!, bs = c[bo + ib]!, be = c[bo + ib + 1]!;
      const s = as > bs ? as : bs, e = ae < be ? ae : be;
      if (e > s) {
        if (s <= ce && r > ro) ce = e;
        else {
          (c[r] = cs), (c[r + 1] = ce), (r += 2);
          (cs = s), (ce = e);
        }
      }
      if (ae < be) ia += 2;
      else ib += 2;
    }
  } else {
    while (ia < fa || ib < fb) {
      let s: number, e: number;
      const as = c[ia]!, bs = c[bo + ib]!;
      if (as <= bs) (s = as), (e = c[ia + 1]!), (ia += 2);
      else (s = bs), (e = c[bo + ib + 1]!), (ib += 2);
      if (s <= ce && r > ro) {
        if (e > ce) ce = e;
        continue;
      }
      if (e <= s) continue; // a zero-length foreground run
      (c[r] = cs), (c[r + 1] = ce), (r += 2);
      (cs = s), (ce = e);
    }
  }
  (c[r] = cs), (c[r + 1] = ce), (r += 2);
  // c[ro], c[ro + 1] is the [0, 0) the sweep starts from, not an interval.
  return { size: [h, w], counts: endsCode(c, ro + 2, r, total) };
}

/**
 * The count string of intervals [c[i], c[i+1]) for i = from, from+2, .. < to (sorted, apart,
 * non-empty, the first may start at 0): their gaps and lengths, then the final gap.
 */
function endsCode(c: Uint32Array, from: number, to: number, total: number): string {
  // At most 7 characters per count.
  const room = 7 * (to - from + 1);
  if (mergeBytes.length < room) mergeBytes = new Uint8Array(Math.max(room, mergeBytes.length * 2));
  const out = mergeBytes;
  // Per interval its gap and its length; from the fourth count on each is coded as its difference
  // from the count two back, the previous gap or length (pg, pl). The first interval's counts and
  // the second's gap are coded as they are (pg, pl = 0).
  let p = 0, last = 0, pg = 0, pl = 0;
  for (let i = from; i < to; i += 2) {
    const s = c[i]!, e = c[i + 1]!;
    const g = s - last, l = e - s;
    last = e;
    let x = g - pg;
    // One or two characters (nearly every delta of a smooth mask) written here, longer ones by putCountCode.
    if (x + 16 >>> 0 < 32) out[p++] = 48 + (x & 31);
    else if (x + 512 >>> 0 < 1024) (out[p] = 80 + (x & 31)), (out[p + 1] = 48 + ((x >> 5) & 31)), (p += 2);
    else p = putCountCode(out, p, x);
    x = l - pl;
    if (x + 16 >>> 0 < 32) out[p++] = 48 + (x & 31);
    else if (x + 512 >>> 0 < 1024) (out[p] = 80 + (x & 31)), (out[p + 1] = 48 + ((x >> 5) & 31)), (p += 2);
    else p = putCountCode(out, p, x);
    pg = i === from ? 0 : g;
    pl = l;
  }
  if (from === to || last < total) p = putCountCode(out, p, total - last - pg);
  return ascii.decode(out.subarray(0, p));
}

/**
 * merge of two or more valid compressed strings of one size (the common case): each string is
 * scanned once into the reused buffer and the lists are swept pairwise there, so nothing is
 * allocated but the result. Undefined for anything else: the general path decides.
 */
function mergeStrings(rles: readonly CocoRle[], table: number): CompressedRle | undefined {
  const r0 = rles[0];
  if (r0 == null || typeof r0 !== 'object') return undefined;
  const total = mergeTotal(r0.size);
  if (total <= 0) return undefined;
  const h = sizeH, w = sizeW;
  let off = 0;
  const at: number[] = [];
  for (const r of rles) {
    if (r == null || typeof r !== 'object') return undefined;
    const s = r.counts;
    if (typeof s !== 'string' || !isSize(r.size, h, w)) return undefined;
    if (scanString(s, total, scanRoom(off + s.length, off), off) < 0) return undefined;
    at.push(off, scanM);
    off += scanM;
  }
  let ao = at[0]!, na = at[1]!;
  for (let k = 2; k < at.length; k += 2) {
    const bo = at[k]!, nb = at[k + 1]!;
    const c = scanRoom(off + na + nb + 1, off);
    const m = sweep(c, ao, na, bo, nb, off, table, total);
    ao = off;
    na = m;
    off += m;
  }
  return { size: [h, w], counts: countsToString(scanBuf.subarray(ao, ao + na)) };
}

/**
 * The union (or intersection) of count lists a (`na` at `ao`) and b (`nb` at `bo`) of `c`,
 * both summing to `total`, written as canonical counts at `oo`; returns their number. It walks
 * the two lists' foreground intervals (empty ones skipped), one interval per step, joining
 * intervals that touch, so the result has no zero-length run but a leading one.
 */
function sweep(c: Uint32Array, ao: number, na: number, bo: number, nb: number, oo: number, table: number, total: number): number {
  const END = total + 1;
  // Current interval [s, e) of each list; k its next odd index, p the start of that run. The
  // steps to a list's next interval and the emit are written out in place (no closures: their
  // captured variables would live in a context object, read and written through memory).
  let ka = 1, pa = c[ao]!, aS = END, aE = END;
  let kb = 1, pb = c[bo]!, bS = END, bE = END;
  let m = 0, last = 0;
  while (ka < na && c[ao + ka] === 0) { pa += ka + 1 < na ? c[ao + ka + 1]! : 0; ka += 2; }
  if (ka < na) { aS = pa; aE = pa + c[ao + ka]!; pa = aE + (ka + 1 < na ? c[ao + ka + 1]! : 0); ka += 2; } else aS = aE = END;
  while (kb < nb && c[bo + kb] === 0) { pb += kb + 1 < nb ? c[bo + kb + 1]! : 0; kb += 2; }
  if (kb < nb) { bS = pb; bE = pb + c[bo + kb]!; pb = bE + (kb + 1 < nb ? c[bo + kb + 1]! : 0); kb += 2; } else bS = bE = END;
  if (table === INTERSECTION) {
    while (aS < END && bS < END) {
      const s = aS > bS ? aS : bS, e = aE < bE ? aE : bE;
      if (e > s) {
        if (m > 0 && s === last) c[oo + m - 1] = c[oo + m - 1]! + (e - s);
        else { c[oo + m++] = s - last; c[oo + m++] = e - s; }
        last = e;
      }
      if (aE < bE) {
        while (ka < na && c[ao + ka] === 0) { pa += ka + 1 < na ? c[ao + ka + 1]! : 0; ka += 2; }
        if (ka < na) { aS = pa; aE = pa + c[ao + ka]!; pa = aE + (ka + 1 < na ? c[ao + ka + 1]! : 0); ka += 2; } else aS = aE = END;
      } else {
        while (kb < nb && c[bo + kb] === 0) { pb += kb + 1 < nb ? c[bo + kb + 1]! : 0; kb += 2; }
        if (kb < nb) { bS = pb; bE = pb + c[bo + kb]!; pb = bE + (kb + 1 < nb ? c[bo + kb + 1]! : 0); kb += 2; } else bS = bE = END;
      }
    }
  } else {
    let cs = -1, ce = -1;
    while (aS < END || bS < END) {
      let s: number, e: number;
      if (aS <= bS) {
        s = aS; e = aE;
        while (ka < na && c[ao + ka] === 0) { pa += ka + 1 < na ? c[ao + ka + 1]! : 0; ka += 2; }
        if (ka < na) { aS = pa; aE = pa + c[ao + ka]!; pa = aE + (ka + 1 < na ? c[ao + ka + 1]! : 0); ka += 2; } else aS = aE = END;
      } else {
        s = bS; e = bE;
        while (kb < nb && c[bo + kb] === 0) { pb += kb + 1 < nb ? c[bo + kb + 1]! : 0; kb += 2; }
        if (kb < nb) { bS = pb; bE = pb + c[bo + kb]!; pb = bE + (kb + 1 < nb ? c[bo + kb + 1]! : 0); kb += 2; } else bS = bE = END;
      }
      if (cs < 0) { cs = s; ce = e; } else if (s <= ce) { if (e > ce) ce = e; } else {
        if (m > 0 && cs === last) c[oo + m - 1] = c[oo + m - 1]! + (ce - cs);
        else { c[oo + m++] = cs - last; c[oo + m++] = ce - cs; }
        last = ce;
        cs = s; ce = e;
      }
    }
    if (cs >= 0) {
      if (m > 0 && cs === last) c[oo + m - 1] = c[oo + m - 1]! + (ce - cs);
      else { c[oo + m++] = cs - last; c[oo + m++] = ce - cs; }
      last = ce;
    }
  }
  if (m === 0 || last < total) c[oo + m++] = total - last;
  return m;
}
