/**
 * pycocotools' character coding of run lengths (maskApi.c `rleToString` / `rleFrString`), the
 * "count string" that COCO's compressed RLE and Encord's `rleString` both use: each count, from
 * the 4th on as the difference to the count two before, in little-endian 5-bit groups, one
 * character (48 + group, plus 32 when more groups follow) per group, the last group's bit 4
 * being the sign. Arithmetic is exact up to 35 bits: counts go to 2^32 - 1 and their deltas need
 * 34 bits, where pycocotools' 32-bit shifts mis-decode deltas below -2^29.
 */
import { describeValue, RleError } from './errors.js';

type Path = readonly (string | number)[];

const MAX_COUNT = 0xffffffff;
/** 7 groups of 5 bits hold any count below 2^32 and any difference of two such counts. */
const MAX_GROUPS = 7;
// 32^k for k = 0..8: the place value of the k-th 5-bit group.
const POW32 = [1, 32, 1024, 32768, 1048576, 33554432, 1073741824, 34359738368, 1099511627776];

let scratchCounts = new Uint32Array(1024);
let scratchBytes = new Uint8Array(8192);
/**
 * Scratch buffers are kept between calls up to this many bytes; larger ones (a huge mask's
 * string) are allocated for the call and left to the collector, so idle memory stays bounded.
 */
const SCRATCH_KEEP = 1 << 24;
/** The buffer the last encodeScratch wrote: scratchBytes, or a one-off larger one. */
let encoded = scratchBytes;

/** What {@link readCountString} found. `counts` is a shared buffer: read it before the next call. */
export interface CountStringScan {
  /** Counts 0 .. length-1 as written (zero runs kept). */
  counts: Uint32Array;
  length: number;
  sum: number;
  /** No zero count except possibly the first. */
  canonical: boolean;
}

function badChar(code: number, offset: number, path: Path): never {
  throw new RleError('INVALID_TOKEN', 'Invalid character in an RLE count string', {
    path, offset, expected: "a character from '0' to 'o'", received: code >= 32 && code < 127 ? JSON.stringify(String.fromCharCode(code)) : `code ${code}`,
  });
}

function truncated(start: number, path: Path): never {
  throw new RleError('TRUNCATED', 'RLE count string ends inside a value', { path, offset: start, expected: "a final character from '0' to 'O' (no continuation bit)", received: 'end of string' });
}

function tooLong(start: number, path: Path): never {
  throw new RleError('INVALID_TOKEN', 'Value in an RLE count string is longer than 7 characters', { path, offset: start, expected: 'at most 7 characters per value (35 bits)' });
}

function badValue(value: number, index: number, start: number, path: Path): never {
  throw new RleError('INVALID_RUNS', `Count ${index} of an RLE count string is out of range`, { path, offset: start, expected: 'a count from 0 to 2^32-1 after adding the delta', received: describeValue(value) });
}

function tooMany(max: number, start: number, path: Path): never {
  throw new RleError('INVALID_RUNS', 'RLE count string has more counts than its frame can hold', { path, offset: start, expected: `at most ${max} counts` });
}

/**
 * Where value maxCounts + 1 starts (the string's length if it has no such value), by the
 * continuation bits alone. Exact while the characters before it are valid; a bad one among them
 * is found by the decoding loop, which stops here, so the earlier fault is the one reported.
 */
function countLimitEnd(s: string | Uint8Array, maxCounts: number): number {
  let values = 0;
  for (let p = 0; p < s.length; p++) {
    if (values === maxCounts) return p;
    const c = (typeof s === 'string' ? s.charCodeAt(p) : s[p]!) - 48;
    // A character without the continuation bit ends a value (bad characters are found later).
    if ((c & 0x20) === 0) values++;
  }
  return s.length;
}

/**
 * Reads a count string (or its ASCII bytes) into a shared buffer, validating every character and
 * value (INVALID_TOKEN, TRUNCATED, INVALID_RUNS, each with the character offset and `path`); the
 * sum is the caller's to check. More than `maxCounts` values is INVALID_RUNS at the start of the
 * first value past the limit, unless a fault comes before it, and nothing past it is read or
 * allocated for (a frame of n pixels needs at most n + 1 counts). For dialect packages; see
 * {@link stringToCounts}.
 * @example
 * ```ts
 * const scan = readCountString('11110O30');
 * Array.from(scan.counts.subarray(0, scan.length)); // → [1, 1, 1, 2, 1, 1, 4, 1]
 * ```
 */
export function readCountString(s: string | Uint8Array, path: Path = [], maxCounts: number = Infinity): CountStringScan {
  // Every value takes a character, so only a string longer than maxCounts can hold too many. Where
  // the first value past the limit starts is found up front and the loops decode up to there (no
  // per-value test in them); any fault before it is reported first, then the limit, in string order.
  const len = maxCounts < s.length ? countLimitEnd(s, maxCounts) : s.length;
  let cnts = scratchCounts;
  if (cnts.length < len) {
    cnts = new Uint32Array(Math.max(len, cnts.length * 2));
    if (cnts.length * 4 <= SCRATCH_KEEP) scratchCounts = cnts;
  }
  let p = 0, m = 0, sum = 0, canonical = true;
  // Two copies of one loop: charCodeAt on strings, indexing on bytes (each stays monomorphic).
  if (typeof s === 'string') {
    while (p < len) {
      const start = p;
      let c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) badChar(c + 48, p, path);
      p++;
      let x: number;
      if ((c & 0x20) === 0) {
        // One character, the common case: sign-extend bit 4 without a branch (noise masks flip signs at random).
        x = c - ((c & 0x10) << 1);
      } else {
        x = c & 0x1f;
        let k = 1;
        for (;;) {
          if (p >= len) truncated(start, path);
          c = s.charCodeAt(p) - 48;
          if (c < 0 || c > 63) badChar(c + 48, p, path);
          p++;
          if (k === MAX_GROUPS) tooLong(start, path);
          x += (c & 0x1f) * POW32[k]!;
          k++;
          if ((c & 0x20) === 0) {
            if ((c & 0x10) !== 0) x -= POW32[k]!;
            break;
          }
        }
      }
      if (m > 2) x += cnts[m - 2]!;
      if (x < 0 || x > MAX_COUNT) badValue(x, m, start, path);
      if (x === 0 && m > 0) canonical = false;
      cnts[m++] = x;
      sum += x;
    }
  } else {
    while (p < len) {
      const start = p;
      let c = s[p]! - 48;
      if (c < 0 || c > 63) badChar(c + 48, p, path);
      p++;
      let x: number;
      if ((c & 0x20) === 0) {
        x = c - ((c & 0x10) << 1);
      } else {
        x = c & 0x1f;
        let k = 1;
        for (;;) {
          if (p >= len) truncated(start, path);
          c = s[p]! - 48;
          if (c < 0 || c > 63) badChar(c + 48, p, path);
          p++;
          if (k === MAX_GROUPS) tooLong(start, path);
          x += (c & 0x1f) * POW32[k]!;
          k++;
          if ((c & 0x20) === 0) {
            if ((c & 0x10) !== 0) x -= POW32[k]!;
            break;
          }
        }
      }
      if (m > 2) x += cnts[m - 2]!;
      if (x < 0 || x > MAX_COUNT) badValue(x, m, start, path);
      if (x === 0 && m > 0) canonical = false;
      cnts[m++] = x;
      sum += x;
    }
  }
  if (len < s.length) tooMany(maxCounts, len, path);
  return { counts: cnts, length: m, sum, canonical };
}

/**
 * Count string (or its ASCII bytes) → counts exactly as written (zero runs kept). Validates
 * characters and values; the sum is not checked.
 * @example
 * ```ts
 * // pycocotools' compressed counts string → the counts.
 * Array.from(stringToCounts('11110O30')); // → [1, 1, 1, 2, 1, 1, 4, 1]
 * ```
 */
export function stringToCounts(s: string | Uint8Array, path: Path = []): Uint32Array {
  if (typeof s !== 'string' && !(s instanceof Uint8Array)) {
    throw new RleError('INVALID_STRUCTURE', 'An RLE count string must be a string or its bytes', { path, expected: 'a string', received: typeof s });
  }
  const r = readCountString(s, path);
  return r.counts.slice(0, r.length);
}

/** Writes the code of `counts` into the scratch bytes; returns its length. */
function encodeScratch(counts: ArrayLike<number>): number {
  const m = counts.length;
  let out = scratchBytes;
  if (out.length < m * MAX_GROUPS) {
    out = new Uint8Array(Math.max(m * MAX_GROUPS, out.length * 2));
    if (out.length <= SCRATCH_KEEP) scratchBytes = out;
  }
  encoded = out;
  return encodeInto(counts, out, 0);
}

/**
 * Writes the count string of `counts` (valid counts: a Uint32Array's) as ASCII bytes into `out`
 * from `at`, which must have room for 7 bytes per count; returns the end offset. For writers that
 * build their output in one buffer (no string per mask).
 * @example
 * ```ts
 * const out = new Uint8Array(64);
 * decodeUtf8(out.subarray(0, encodeCounts(Uint32Array.of(1, 1, 1, 2, 1, 1, 4, 1), out, 0))); // → '11110O30'
 * ```
 */
export function encodeCounts(counts: Uint32Array, out: Uint8Array, at: number): number {
  if (!(counts instanceof Uint32Array)) throw new RleError('INVALID_STRUCTURE', 'encodeCounts takes a Uint32Array of counts', { received: typeof counts });
  if (out.length - at < counts.length * MAX_GROUPS) throw new RleError('LIMIT_EXCEEDED', 'encodeCounts needs 7 bytes of room per count', { expected: `${counts.length * MAX_GROUPS} bytes from ${at}`, received: `${out.length - at}` });
  return encodeInto(counts, out, at);
}

function encodeInto(counts: ArrayLike<number>, out: Uint8Array, at: number): number {
  const m = counts.length;
  let p = at;
  // Only index 3 on is delta-coded (maskApi.c: i > 2), against the count two back.
  for (let i = 0; i < m; i++) p = putCountCode(out, p, i > 2 ? counts[i]! - counts[i - 2]! : counts[i]!);
  return p;
}

/**
 * Writes the code of one value of a count string (a count, or from the fourth on its difference
 * from the count two back: the caller takes the difference) as ASCII bytes at `at`, which must
 * have room for 7; returns the new end. For code that builds a count string while it computes
 * the counts (a merge writing each run as it finds it).
 * @example
 * ```ts
 * const out = new Uint8Array(7);
 * decodeUtf8(out.subarray(0, putCountCode(out, 0, -3))); // → 'M'
 * putCountCode(out, 0, 1000); // → 3
 * ```
 */
export function putCountCode(out: Uint8Array, at: number, x: number): number {
  let p = at;
  if (x >= -16 && x < 16) {
    // One character (the common case for deltas): no data-dependent branch on the sign.
    out[p] = 48 + (x & 0x1f);
    return p + 1;
  }
  if (x >= -0x40000000 && x < 0x40000000) {
    // |x| < 2^30: 32-bit arithmetic shifts are exact.
    for (;;) {
      let c = x & 0x1f;
      x >>= 5;
      const more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out[p++] = c + 48;
      if (!more) return p;
    }
  }
  // Up to ±(2^32-1): 35 bits, so floor division instead of 32-bit shifts.
  for (;;) {
    const q = Math.floor(x / 32);
    let c = x - q * 32;
    x = q;
    const more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
    if (more) c |= 0x20;
    out[p++] = c + 48;
    if (!more) return p;
  }
}

/**
 * The counts to encode, validated. Uint32Array values (every Mask's runs) are valid by construction;
 * anything else is read once into a copy, so the encoder never reads it again: element reads may
 * run code (getters, proxies) that returns other values the second time or encodes a string itself,
 * which would overwrite the shared scratch bytes mid-encode.
 */
function checkedCounts(counts: ArrayLike<number>, path: Path): ArrayLike<number> {
  if (counts instanceof Uint32Array) return counts;
  if (counts == null || typeof counts !== 'object' || typeof counts.length !== 'number') {
    throw new RleError('INVALID_STRUCTURE', 'Counts must be a list of run lengths', { path, received: typeof counts });
  }
  const copy = new Float64Array(counts.length);
  for (let i = 0; i < copy.length; i++) {
    const r = counts[i]!;
    if (!(typeof r === 'number' && r >= 0 && r <= MAX_COUNT && Number.isInteger(r))) {
      throw new RleError('INVALID_RUNS', 'Invalid run length', { path: [...path, i], expected: 'an integer from 0 to 2^32-1', received: describeValue(r) });
    }
    copy[i] = r;
  }
  return copy;
}

const latin1 = new TextDecoder('latin1');

/**
 * Counts → count string, exactly as pycocotools' `rleToString` (also for deltas past ±2^31,
 * where a 32-bit port breaks). Counts must be integers from 0 to 2^32-1 (INVALID_RUNS).
 * @example
 * ```ts
 * countsToString([1, 1, 1, 2, 1, 1, 4, 1]); // → '11110O30'
 * ```
 */
export function countsToString(counts: ArrayLike<number>, path: Path = []): string {
  const n = encodeScratch(checkedCounts(counts, path));
  // Every byte is ASCII 48..111: the native latin1 decoder gives a flat string fastest.
  const text = latin1.decode(encoded.subarray(0, n));
  encoded = scratchBytes;
  return text;
}

/**
 * The same code as ASCII bytes.
 * @example
 * ```ts
 * decodeUtf8(countsToBytes([1, 1, 1, 2, 1, 1, 4, 1])); // → '11110O30'
 * ```
 */
export function countsToBytes(counts: ArrayLike<number>, path: Path = []): Uint8Array {
  const n = encodeScratch(checkedCounts(counts, path));
  const bytes = encoded.slice(0, n);
  encoded = scratchBytes;
  return bytes;
}
