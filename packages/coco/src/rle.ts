/**
 * COCO RLE: the compressed string code, decode/encode, and pycocotools' run-level
 * operations (area, toBbox, iou, merge), all on column-major runs without decoding pixels.
 */
import { checkSize, combineRuns, Mask, RleError } from '@rlekit/core';

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
// 32^k for k = 0..8: the place value of the k-th 5-bit group.
const POW32 = [1, 32, 1024, 32768, 1048576, 33554432, 1073741824, 34359738368, 1099511627776];

let scratchCounts = new Uint32Array(1024);
let scratchBytes = new Uint8Array(8192);

function growCounts(n: number): Uint32Array {
  if (scratchCounts.length < n) scratchCounts = new Uint32Array(Math.max(n, scratchCounts.length * 2));
  return scratchCounts;
}

function badChar(code: number, offset: number, path: Path): never {
  throw new RleError('INVALID_TOKEN', 'Invalid character in a COCO RLE string', {
    path, offset, expected: "a character from '0' to 'o'", received: code >= 32 && code < 127 ? JSON.stringify(String.fromCharCode(code)) : `code ${code}`,
  });
}

function truncated(offset: number, path: Path): never {
  throw new RleError('TRUNCATED', 'COCO RLE string ends inside a value', { path, offset, expected: "a final character from '0' to 'O'", received: 'end of string' });
}

function tooLong(offset: number, path: Path): never {
  throw new RleError('INVALID_TOKEN', 'COCO RLE value longer than 7 characters', { path, offset, expected: 'at most 7 characters per value (35 bits)' });
}

function badValue(value: number, index: number, offset: number, path: Path): never {
  throw new RleError('INVALID_RUNS', `COCO RLE count ${index} is out of range`, { path, offset, expected: 'a count from 0 to 2^32-1 after adding the delta', received: String(value) });
}

/**
 * Decodes a compressed COCO string (or its ASCII bytes) into counts, with exact 35-bit signed
 * arithmetic (pycocotools' 32-bit shifts mis-decode negative deltas below -2^29). Validates
 * every character and value; does not check the sum (see {@link parseRle}).
 * Returns a view into a shared scratch buffer: copy it before the next call.
 */
function decodeCountsScratch(s: string | Uint8Array, path: Path): { counts: Uint32Array; m: number; sum: number; canonical: boolean } {
  const len = s.length;
  const cnts = growCounts(len);
  let p = 0, m = 0, sum = 0, canonical = true;
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
          if (p >= len) truncated(p, path);
          c = s.charCodeAt(p) - 48;
          if (c < 0 || c > 63) badChar(c + 48, p, path);
          p++;
          if (k === 7) tooLong(start, path);
          x += (c & 0x1f) * POW32[k]!;
          k++;
          if ((c & 0x20) === 0) {
            if ((c & 0x10) !== 0) x -= POW32[k]!;
            break;
          }
        }
      }
      if (m > 2) x += cnts[m - 2]!;
      if (x < 0 || x > MAX_U32) badValue(x, m, start, path);
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
          if (p >= len) truncated(p, path);
          c = s[p]! - 48;
          if (c < 0 || c > 63) badChar(c + 48, p, path);
          p++;
          if (k === 7) tooLong(start, path);
          x += (c & 0x1f) * POW32[k]!;
          k++;
          if ((c & 0x20) === 0) {
            if ((c & 0x10) !== 0) x -= POW32[k]!;
            break;
          }
        }
      }
      if (m > 2) x += cnts[m - 2]!;
      if (x < 0 || x > MAX_U32) badValue(x, m, start, path);
      if (x === 0 && m > 0) canonical = false;
      cnts[m++] = x;
      sum += x;
    }
  }
  return { counts: cnts, m, sum, canonical };
}

/** Compressed COCO string → counts (validated characters and values; the sum is not checked). */
export function stringToCounts(s: string | Uint8Array): Uint32Array {
  if (typeof s !== 'string' && !(s instanceof Uint8Array)) {
    throw new RleError('INVALID_STRUCTURE', 'COCO RLE counts must be a string or bytes', { received: typeof s });
  }
  const r = decodeCountsScratch(s, []);
  return r.counts.slice(0, r.m);
}

/** Writes the COCO code of `counts` into the scratch bytes; returns the length. */
function encodeCountsScratch(counts: ArrayLike<number>): number {
  const m = counts.length;
  if (scratchBytes.length < m * 7) scratchBytes = new Uint8Array(Math.max(m * 7, scratchBytes.length * 2));
  const out = scratchBytes;
  let p = 0;
  for (let i = 0; i < m; i++) {
    let x = counts[i]!;
    // Only index 3 on is delta-coded (maskApi.c: i > 2), against the run two back.
    if (i > 2) x -= counts[i - 2]!;
    if (x >= -16 && x < 16) {
      // One character (the common case for deltas): no data-dependent branch on the sign.
      out[p++] = 48 + (x & 0x1f);
    } else if (x >= -0x40000000 && x < 0x40000000) {
      // |x| < 2^30: 32-bit arithmetic shifts are exact.
      for (;;) {
        let c = x & 0x1f;
        x >>= 5;
        const more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
        if (more) c |= 0x20;
        out[p++] = c + 48;
        if (!more) break;
      }
    } else {
      // Up to ±(2^32-1): 35 bits, so floor division instead of 32-bit shifts.
      for (;;) {
        const q = Math.floor(x / 32);
        let c = x - q * 32;
        x = q;
        const more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
        if (more) c |= 0x20;
        out[p++] = c + 48;
        if (!more) break;
      }
    }
  }
  return p;
}

const latin1 = new TextDecoder('latin1');

/** ASCII bytes → a flat string (fromCharCode chunks would build a slow-to-index cons string). */
function asciiToString(bytes: Uint8Array, n: number): string {
  return latin1.decode(bytes.subarray(0, n));
}

/**
 * Counts → compressed COCO string, exactly as pycocotools' `rleToString` (correct also for
 * deltas past ±2^31, where a 32-bit port breaks). Counts must be integers from 0 to 2^32-1.
 */
export function countsToString(counts: ArrayLike<number>): string {
  if (!(counts instanceof Uint32Array)) checkCountValues(counts, []);
  const n = encodeCountsScratch(counts); // may replace scratchBytes: call before reading it
  return asciiToString(scratchBytes, n);
}

/** The same code as ASCII bytes (no JSON escaping needed but for the backslash). */
export function countsToBytes(counts: ArrayLike<number>): Uint8Array {
  if (!(counts instanceof Uint32Array)) checkCountValues(counts, []);
  const n = encodeCountsScratch(counts);
  return scratchBytes.slice(0, n);
}

function checkCountValues(counts: ArrayLike<number>, path: Path): number {
  if (counts == null || typeof counts !== 'object' || typeof counts.length !== 'number') {
    throw new RleError('INVALID_STRUCTURE', 'COCO RLE counts must be a string, bytes or a list of run lengths', { path, received: typeof counts });
  }
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    const r = counts[i]!;
    if (!(typeof r === 'number' && r >= 0 && r <= MAX_U32 && Number.isInteger(r))) {
      throw new RleError('INVALID_RUNS', 'Invalid COCO RLE count', { path: [...path, i], expected: 'an integer from 0 to 2^32-1', received: String(r) });
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

function short(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Validates an RLE object in any of its forms: size `[h, w]` of non-negative integers,
 * counts as a compressed string/bytes or a run-length list, values in 0..2^32-1, summing to h*w.
 * Zero-length runs are allowed (and reported through `canonical`).
 */
export function parseRle(rle: CocoRle, path: Path = []): ParsedRle {
  if (rle == null || typeof rle !== 'object') {
    throw new RleError('INVALID_STRUCTURE', 'A COCO RLE is an object { size, counts }', { path, received: short(rle) });
  }
  const { height, width } = parseSize(rle.size, path);
  const total = height * width;
  const c = rle.counts;
  let counts: Uint32Array, sum: number, canonical: boolean;
  if (typeof c === 'string' || c instanceof Uint8Array) {
    const r = decodeCountsScratch(c, path.length === 0 ? COUNTS_PATH : [...path, 'counts']);
    counts = r.counts.slice(0, r.m);
    sum = r.sum;
    canonical = r.canonical;
  } else {
    sum = checkCountValues(c as ArrayLike<number>, [...path, 'counts']);
    counts = Uint32Array.from(c as ArrayLike<number>);
    canonical = true;
    for (let i = 1; i < counts.length; i++) if (counts[i] === 0) { canonical = false; break; }
  }
  if (sum !== total) {
    throw new RleError('RUNS_SUM_MISMATCH', 'COCO RLE counts do not sum to height * width', { path: [...path, 'counts'], expected: String(total), received: String(sum) });
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

/** COCO RLE (compressed string, bytes or uncompressed counts) → Mask. */
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

/** Mask → compressed COCO RLE, byte-identical to pycocotools' `encode`. */
export function encode(mask: Mask): CompressedRle {
  const n = encodeCountsScratch(maskCounts(mask));
  return { size: [mask.height, mask.width], counts: asciiToString(scratchBytes, n) };
}

/** Mask → uncompressed COCO RLE (the `iscrowd: 1` form of COCO JSON). */
export function encodeUncompressed(mask: Mask): UncompressedRle {
  return { size: [mask.height, mask.width], counts: Array.from(maskCounts(mask)) };
}

/** Any RLE → compressed, keeping its counts as they are (no pixels touched). */
export function compress(rle: CocoRle): CompressedRle {
  const p = parseRle(rle);
  // Re-encoded even from a string, as pycocotools does: a non-minimal code comes out minimal.
  return { size: [p.height, p.width], counts: countsToString(p.counts) };
}

/** Any RLE → uncompressed, keeping its counts as they are (no pixels touched). */
export function decompress(rle: CocoRle): UncompressedRle {
  const p = parseRle(rle);
  return { size: [p.height, p.width], counts: Array.from(p.counts) };
}

/** Foreground pixel count, from the counts: pycocotools' `area`. */
export function area(rle: CocoRle): number {
  const c = parseRle(rle).counts;
  let a = 0;
  for (let i = 1; i < c.length; i += 2) a += c[i]!;
  return a;
}

/** The tight pixel box `[x, y, w, h]` (pycocotools 2.0.x `toBbox`), `[0, 0, 0, 0]` when empty. */
export function toBbox(rle: CocoRle): [number, number, number, number] {
  const p = parseRle(rle);
  return summary(p.counts, p.height).box;
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

/**
 * pycocotools' `iou(dt, gt, iscrowd)`: `result[d][g]`. A crowd gt scores |dt∩gt| / |dt|. Pairs
 * whose boxes do not overlap score 0 without a sweep; masks of different sizes score -1 where
 * their boxes overlap. Accepts RLEs (any form) or boxes `[x, y, w, h]` (both lists the same kind).
 * Returns `[]` when either list is empty, as pycocotools does.
 */
export function iou(dt: readonly (CocoRle | BoxXywh)[], gt: readonly (CocoRle | BoxXywh)[], iscrowd: readonly (boolean | number)[] = []): number[][] {
  if (!Array.isArray(dt)) throw new RleError('INVALID_STRUCTURE', 'dt must be a list', { path: ['dt'], received: short(dt) });
  if (!Array.isArray(gt)) throw new RleError('INVALID_STRUCTURE', 'gt must be a list', { path: ['gt'], received: short(gt) });
  if (dt.length === 0 || gt.length === 0) return [];
  if (!Array.isArray(iscrowd) || (iscrowd.length !== gt.length && iscrowd.length !== 0)) {
    throw new RleError('INVALID_OPTION', 'iscrowd must have one flag per gt', { path: ['iscrowd'], expected: `${gt.length} flags`, received: String((iscrowd as unknown[])?.length) });
  }
  const crowd = (g: number): boolean => iscrowd.length > 0 && Boolean(iscrowd[g]);
  const boxes = isBoxList(dt);
  if (boxes !== isBoxList(gt)) {
    throw new RleError('INVALID_STRUCTURE', 'dt and gt must both be RLEs or both be boxes', { path: ['gt'] });
  }
  if (boxes) {
    const D = dt.map((b, i) => checkBox(b, ['dt', i]));
    const G = gt.map((b, i) => checkBox(b, ['gt', i]));
    return D.map((d) => G.map((g, j) => bbIou(d, g, crowd(j))));
  }
  const D = summarise(dt as readonly CocoRle[], 'dt');
  const G = summarise(gt as readonly CocoRle[], 'gt');
  const out: number[][] = new Array(D.length);
  for (let d = 0; d < D.length; d++) {
    const a = D[d]!;
    const row: number[] = new Array(G.length);
    for (let g = 0; g < G.length; g++) {
      const b = G[g]!;
      const isCrowd = crowd(g);
      if (!(bbIou(a.box, b.box, isCrowd) > 0)) { row[g] = 0; continue; }
      if (a.height !== b.height || a.width !== b.width) { row[g] = -1; continue; }
      const inter = intersectionArea(a.counts, b.counts);
      row[g] = inter === 0 ? 0 : inter / (isCrowd ? a.area : a.area + b.area - inter);
    }
    out[d] = row;
  }
  return out;
}

interface Summary {
  height: number;
  width: number;
  counts: Uint32Array;
  area: number;
  box: [number, number, number, number];
}

/** Parses a list of RLEs once each (the error path names the list and index). */
function summarise(list: readonly CocoRle[], name: string): Summary[] {
  const out: Summary[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    let p: ParsedRle;
    try {
      p = parseRle(list[i]!);
    } catch (e) {
      throw e instanceof RleError ? e.at(name, i) : e;
    }
    const s = summary(p.counts, p.height);
    out[i] = { height: p.height, width: p.width, counts: p.counts, area: s.area, box: s.box };
  }
  return out;
}

/**
 * Area and tight box [x, y, w, h] of column-major counts in one pass; zero-length runs are
 * ignored. Columns are tracked incrementally: a division only when a run skips a column.
 */
function summary(c: Uint32Array, h: number): { area: number; box: [number, number, number, number] } {
  let area = 0, x0 = Infinity, x1 = -1, y0 = Infinity, y1 = -1;
  let pos = 0, x = 0, base = 0;
  for (let k = 0; k < c.length; k++) {
    const r = c[k]!;
    if ((k & 1) === 1 && r > 0) {
      area += r;
      if (pos - base >= h) {
        if (pos - base < 2 * h) { x++; base += h; } else { x = Math.floor(pos / h); base = x * h; }
      }
      const end = pos + r - 1;
      if (x < x0) x0 = x;
      if (end - base < h) {
        const ys = pos - base, ye = end - base;
        if (x > x1) x1 = x;
        if (ys < y0) y0 = ys;
        if (ye > y1) y1 = ye;
      } else {
        // Spans a column boundary: the whole height is covered somewhere.
        const xe = Math.floor(end / h);
        if (xe > x1) x1 = xe;
        y0 = 0;
        y1 = h - 1;
      }
    }
    pos += r;
  }
  if (x1 < 0) return { area: 0, box: [0, 0, 0, 0] };
  return { area, box: [x0, y0, x1 - x0 + 1, y1 - y0 + 1] };
}

/** |a ∩ b| of two count lists of the same total: a sweep over foreground intervals only. */
function intersectionArea(a: Uint32Array, b: Uint32Array): number {
  const na = a.length, nb = b.length;
  let ia = 1, ib = 1;
  let aS = a[0] ?? 0, bS = b[0] ?? 0;
  let aE = ia < na ? aS + a[ia]! : Infinity, bE = ib < nb ? bS + b[ib]! : Infinity;
  let inter = 0;
  while (ia < na && ib < nb) {
    const lo = aS > bS ? aS : bS, hi = aE < bE ? aE : bE;
    if (hi > lo) inter += hi - lo;
    // Advance whichever interval ends first to the next foreground interval.
    if (aE <= bE) {
      if (ia + 2 >= na) break;
      aS = aE + a[ia + 1]!;
      ia += 2;
      aE = aS + a[ia]!;
    } else {
      if (ib + 2 >= nb) break;
      bS = bE + b[ib + 1]!;
      ib += 2;
      bE = bS + b[ib]!;
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
 */
export function merge(rles: readonly CocoRle[], intersect: boolean | number = false): CompressedRle {
  if (!Array.isArray(rles)) throw new RleError('INVALID_STRUCTURE', 'merge expects a list of RLEs', { received: short(rles) });
  if (rles.length === 0) return { size: [0, 0], counts: '' };
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
