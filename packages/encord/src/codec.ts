/**
 * Encord's bitmask `rleString`: pycocotools' 6-bit character coding of alternating run lengths
 * (background first), taken over the ROW-major flattening of the whole frame.
 *
 * The coding is implemented here rather than imported from @rlekit/coco so that this adapter can
 * be used alone. Arithmetic is exact (multiplication and Math.floor, never 32-bit shifts) because
 * counts go up to 2^32 - 1 and their deltas need 34 bits.
 */
import { Mask, RleError, RunBuilder, checkSize, type Order, type Size, type WarningSink } from '@rlekit/core';

/** Options of {@link decode}. */
export interface DecodeOptions extends Size {
  /**
   * When false (default), counts summing to less than height * width leave trailing background,
   * as Encord's SDK does; when true that is a RUNS_SUM_MISMATCH error.
   */
  strictSum?: boolean;
  /** Refuse frames larger than this many pixels before decoding (LIMIT_EXCEEDED). */
  maxPixels?: number;
  /** Told when a short string was padded with background. */
  warn?: WarningSink;
}

/** The `bitmask` object of an Encord label row, as the SDK writes it. */
export interface EncordBitmask {
  rleString: string;
  top: number;
  left: number;
  width: number;
  height: number;
}

/** A pycocotools compressed RLE: `size` is [height, width], runs column-major. */
export interface CocoRle {
  size: [number, number];
  counts: string;
}

// 7 groups of 5 bits hold any count below 2^32 and any delta of two such counts (34 bits + sign).
const MAX_GROUPS = 7;
const MAX_COUNT = 0xffffffff;

/** Writes run lengths with the pycocotools string coding (delta to the count two before, from index 3). */
export function encodeCounts(counts: ArrayLike<number>): string {
  const n = counts.length;
  if (n === 0) return '';
  const out = new Uint8Array(n * MAX_GROUPS);
  let o = 0;
  // Uint32Array values (every Mask's runs) are valid by construction.
  const trusted = counts instanceof Uint32Array;
  for (let i = 0; i < n; i++) {
    const c = counts[i]!;
    if (!trusted && !(Number.isInteger(c) && c >= 0 && c <= MAX_COUNT)) {
      throw new RleError('INVALID_RUNS', 'Invalid run length', { path: [i], expected: 'an integer from 0 to 2^32-1', received: String(c) });
    }
    let x = i > 2 ? c - counts[i - 2]! : c;
    if (x >= -16 && x < 16) {
      // One character: the 5 low bits in two's complement; small enough for a 32-bit mask.
      out[o++] = (x & 31) + 48;
      continue;
    }
    for (;;) {
      // Floor division keeps the arithmetic shift's semantics for negative deltas.
      const q = Math.floor(x / 32);
      let g = x - q * 32;
      x = q;
      const more = (g & 16) !== 0 ? x !== -1 : x !== 0;
      if (more) g |= 32;
      out[o++] = g + 48;
      if (!more) break;
    }
  }
  return latin1(out, o);
}

// Every byte is ASCII 48..111, so any ASCII-compatible decoder gives the string; the native one is fastest.
const ascii = new TextDecoder('latin1');
function latin1(bytes: Uint8Array, length: number): string {
  return ascii.decode(bytes.subarray(0, length));
}

/**
 * Reads the run lengths of a pycocotools-coded string, exactly as written (zero runs kept).
 * Throws INVALID_TOKEN (a character outside `0`..`o`), TRUNCATED (the last value is unfinished),
 * INVALID_RUNS (a value that is negative or above 2^32-1 after the delta), each with the character offset.
 */
export function parseCounts(rleString: string): Uint32Array {
  if (typeof rleString !== 'string') {
    throw new RleError('INVALID_TOKEN', 'rleString is not a string', { expected: 'a string', received: typeof rleString });
  }
  // Every value takes at least one character, so the string length bounds the count.
  const counts = new Uint32Array(rleString.length);
  const n = readCounts(rleString, counts);
  return counts.slice(0, n);
}

function readCounts(s: string, counts: Uint32Array): number {
  const len = s.length;
  let n = 0, p = 0;
  // Hot loop kept small: one-character values inline, longer ones and errors out of line.
  const cap = counts.length;
  while (p < len) {
    if (n === cap) {
      throw new RleError('INVALID_RUNS', 'rleString has more runs than its frame can hold', { offset: p, expected: `at most ${cap} counts`, received: `more (string of ${len} characters)` });
    }
    const ch = s.charCodeAt(p) - 48;
    let x: number;
    if (ch >= 0 && ch < 32) {
      x = ch < 16 ? ch : ch - 32;
      p++;
    } else {
      x = readLongValue(s, p);
      p = cursor;
    }
    if (n > 2) x += counts[n - 2]!;
    if (x < 0 || x > MAX_COUNT) badCount(s, counts, n);
    counts[n++] = x;
  }
  return n;
}

/** Where {@link readLongValue} stopped (a module variable, so the hot loop allocates nothing). */
let cursor = 0;

function readLongValue(s: string, start: number): number {
  const len = s.length;
  let p = start, x = 0, scale = 1, k = 0, ch = 0;
  do {
    if (p >= len) throw new RleError('TRUNCATED', 'rleString ends inside a value', { offset: start, expected: 'a final character without the continuation bit (below "P")' });
    if (k === MAX_GROUPS) throw new RleError('INVALID_RUNS', 'Value in rleString is too long', { offset: start, expected: `at most ${MAX_GROUPS} characters per value` });
    ch = s.charCodeAt(p) - 48;
    if (ch < 0 || ch > 63) {
      throw new RleError('INVALID_TOKEN', 'Invalid character in rleString', { offset: p, expected: 'characters "0" to "o"', received: JSON.stringify(s[p]) });
    }
    x += (ch & 31) * scale;
    scale *= 32;
    k++;
    p++;
  } while ((ch & 32) !== 0);
  if ((ch & 16) !== 0) x -= scale; // sign-extend from the last group
  cursor = p;
  return x;
}

/** Throws for the value at index `n`, re-reading the string to find its offset (errors only). */
function badCount(s: string, counts: Uint32Array, n: number): never {
  let p = 0;
  for (let i = 0; i < n; i++) {
    while (((s.charCodeAt(p) - 48) & 32) !== 0) p++;
    p++;
  }
  let x = readLongValue(s, p);
  if (n > 2) x += counts[n - 2]!;
  throw new RleError('INVALID_RUNS', 'Run length in rleString is out of range', { offset: p, path: [n], expected: 'a run length from 0 to 2^32-1', received: String(x) });
}

/** Canonical runs of `counts` over `total` pixels: the shared tail of decode and decodeCoco. */
function countsToRuns(counts: Uint32Array, n: number, total: number, strictSum: boolean, warn: WarningSink | undefined): Uint32Array {
  let sum = 0;
  let canonical = !(n === 1 && counts[0] === 0);
  for (let i = 0; i < n; i++) {
    const c = counts[i]!;
    if (c === 0 && i > 0) canonical = false;
    sum += c;
  }
  if (sum > total || (strictSum && sum < total)) {
    throw new RleError('RUNS_SUM_MISMATCH', sum > total ? 'rleString covers more pixels than the frame' : 'rleString covers fewer pixels than the frame', {
      expected: strictSum ? `runs summing to ${total}` : `runs summing to at most ${total}`,
      received: String(sum),
    });
  }
  if (total === 0) return new Uint32Array(0);
  if (canonical && sum === total) return counts.slice(0, n);
  if (sum < total) {
    warn?.({ code: 'padded-runs', message: `rleString covers ${sum} of ${total} pixels; the rest was read as background (as Encord's SDK does)`, count: 1 });
  }
  const b = new RunBuilder(n + 2);
  for (let i = 0; i < n; i++) b.append((i & 1) === 1, counts[i]!);
  return b.finish(total);
}

function decodeString(rleString: string, size: Size, order: Order, options: Omit<DecodeOptions, 'height' | 'width'>): Mask {
  const total = checkSize(size, options.maxPixels);
  if (typeof rleString !== 'string') {
    throw new RleError('INVALID_TOKEN', 'RLE string is not a string', { expected: 'a string', received: typeof rleString });
  }
  // A frame of `total` pixels has at most total + 1 canonical runs; allow as many zero runs
  // again, and refuse more before allocating for them (a long string for a tiny frame).
  const cap = Math.min(rleString.length, 2 * total + 2);
  const counts = new Uint32Array(cap);
  const n = readCounts(rleString, counts);
  return Mask.fromCanonicalRuns(countsToRuns(counts, n, total, options.strictSum ?? false, options.warn), size, order);
}

/**
 * Decodes an Encord `rleString` of a `height` × `width` frame (row-major) to a Mask.
 * Malformed strings are RleErrors with the character offset.
 */
export function decode(rleString: string, options: DecodeOptions): Mask {
  if (options == null || typeof options !== 'object') {
    throw new RleError('INVALID_OPTION', 'decode needs { height, width }', { expected: '{ height, width }', received: String(options) });
  }
  return decodeString(rleString, { height: options.height, width: options.width }, 'row', options);
}

/** Encodes a Mask as an Encord `rleString` (row-major runs of the whole frame). */
export function encode(mask: Mask): string {
  if (!(mask instanceof Mask)) throw new RleError('INVALID_OPTION', 'encode needs a Mask', { expected: 'a Mask', received: typeof mask });
  return encodeCounts(mask.runsView('row'));
}

/** The `bitmask` object Encord's SDK writes for a mask: the whole frame, top/left 0. */
export function encodeBitmask(mask: Mask): EncordBitmask {
  return { rleString: encode(mask), top: 0, left: 0, width: mask.width, height: mask.height };
}

/**
 * Re-codes an Encord `rleString` as the pycocotools RLE of the same mask (column-major),
 * from the runs, without a bitmap.
 */
export function encordToCoco(rleString: string, size: Size, options: Omit<DecodeOptions, 'height' | 'width'> = {}): CocoRle {
  const mask = decodeString(rleString, size, 'row', options);
  return { size: [mask.height, mask.width], counts: encodeCounts(mask.runsView('col')) };
}

/** Re-codes a pycocotools compressed RLE (`size` = [height, width]) as an Encord `rleString`. */
export function cocoToEncord(rle: CocoRle, options: Omit<DecodeOptions, 'height' | 'width'> = {}): string {
  const size = rle?.size;
  if (!Array.isArray(size) || size.length !== 2) {
    throw new RleError('INVALID_STRUCTURE', 'COCO RLE needs size [height, width]', { path: ['size'], expected: '[height, width]', received: String(size) });
  }
  // pycocotools refuses sums other than h*w; so do we here.
  const mask = decodeString(rle.counts, { height: size[0], width: size[1] }, 'col', { strictSum: true, ...options });
  return encodeCounts(mask.runsView('row'));
}
