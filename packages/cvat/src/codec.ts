/**
 * CVAT's mask encoding: runs over the row-major flattening of the mask's box, starting with
 * background, plus the box. Two spellings of the same thing:
 * - XML (`<mask rle="0, 3, 5" left top width height>`): runs joined by ", ", box origin and size;
 * - REST/SDK `points`: `[r0, r1, ..., left, top, right, bottom]` with right/bottom inclusive.
 */
import { Mask, copyU32, describeValue, RleError, RunBuilder, checkSize, placeRowRuns, runsArea, type Size, type WarningSink } from '@rlekit/core';

type Path = readonly (string | number)[];

/** The `<mask>` attribute values that carry pixels, as CVAT writes them (strings). */
export interface CvatMaskAttributes {
  rle: string;
  left: string;
  top: string;
  width: string;
  height: string;
}

/** What {@link decode} accepts: the XML attribute strings, or the same values as numbers. */
export interface CvatMaskInput {
  rle: string | ArrayLike<number>;
  left: string | number;
  top: string | number;
  width: string | number;
  height: string | number;
}

/** A box as CVAT's points store it: `[left, top, right, bottom]`, right and bottom inclusive. */
export type InclusiveBox = readonly [left: number, top: number, right: number, bottom: number];

export interface DecodeOptions {
  /**
   * Runs that stop short of the box are an error by default; true pads them with background
   * (what cvat-core's `rle2Mask` does) and reports it to `warn`.
   */
  padShortRuns?: boolean;
  /** Receives `clipped` (foreground outside the image) and `padded-runs` warnings. */
  warn?: WarningSink;
  /** Largest image accepted, checked before anything is built. */
  maxPixels?: number;
  /** Prefix for error paths (the reader passes the element's path). */
  path?: Path;
  /** Character offset of the element, for error messages. */
  offset?: number;
}

/** The form CVAT's server gives an empty mask: one background pixel in a 1×1 box at the origin. */
const EMPTY: CvatMaskAttributes = { rle: '1', left: '0', top: '0', width: '1', height: '1' };

interface PlainBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The box to encode over: the given one (checked to hold every foreground pixel) or the tight one. */
function chooseBox(mask: Mask, box: InclusiveBox | undefined): PlainBox | undefined {
  if (box === undefined) {
    if (mask.isEmpty()) return undefined;
    const b = mask.bbox();
    return { left: b.x, top: b.y, width: b.width, height: b.height };
  }
  if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => Number.isSafeInteger(v))) {
    throw new RleError('INVALID_OPTION', 'Invalid box', { path: ['box'], expected: '[left, top, right, bottom] integers, right/bottom inclusive', received: describeValue(box) });
  }
  const [left, top, right, bottom] = box;
  const width = right - left + 1, height = bottom - top + 1;
  if (width < 1 || height < 1) {
    throw new RleError('INVALID_OPTION', 'Box is empty', { path: ['box'], expected: 'right >= left and bottom >= top', received: `[${box.join(', ')}]` });
  }
  checkSize({ height, width }, undefined, ['box']);
  if (!mask.isEmpty()) {
    const t = mask.bbox();
    if (t.x < left || t.y < top || t.x + t.width - 1 > right || t.y + t.height - 1 > bottom) {
      throw new RleError('INVALID_OPTION', 'Box does not hold every foreground pixel of the mask', {
        path: ['box'], expected: `a box containing [${t.x}, ${t.y}, ${t.x + t.width - 1}, ${t.y + t.height - 1}]`, received: `[${box.join(', ')}]`,
      });
    }
  }
  return { left, top, width, height };
}

function boxRuns(mask: Mask, b: PlainBox): Uint32Array {
  if (b.left === 0 && b.top === 0 && b.width === mask.width && b.height === mask.height) return mask.runsView('row');
  return mask.crop({ x: b.left, y: b.top, width: b.width, height: b.height }).runsView('row');
}

/**
 * The `<mask>` attributes of `mask`: runs over the tight box (or `box`, `[left, top, right,
 * bottom]` inclusive, which must hold every foreground pixel). An empty mask without a box
 * gives CVAT's empty form `rle="1"` over a 1×1 box at the origin.
 * @example
 * ```ts
 * // CVAT's mask shape: runs over its box, row-major, starting with background; the box inclusive.
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * encode(mask); // → { rle: '1, 2, 1, 2, 5, 1', left: '0', top: '0', width: '4', height: '3' }
 * ```
 */
export function encode(mask: Mask, box?: InclusiveBox): CvatMaskAttributes {
  const b = chooseBox(mask, box);
  if (b === undefined) return { ...EMPTY };
  // Canonical runs start with background (a leading 0 when the box's first pixel is set) and have no trailing zero: CVAT's form.
  const runs = boxRuns(mask, b);
  return { rle: formatRuns(runs), left: String(b.left), top: String(b.top), width: String(b.width), height: String(b.height) };
}

const ascii = new TextDecoder('utf-8');

/** Runs joined by ", ", written as bytes: several times faster than joining numbers into a string. */
export function formatRuns(runs: Uint32Array): string {
  const n = runs.length;
  if (n === 0) return '';
  const buf = new Uint8Array(n * 12);
  let o = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      buf[o++] = 44;
      buf[o++] = 32;
    }
    let v = runs[i]!;
    if (v < 10) {
      buf[o++] = 48 + v;
      continue;
    }
    // Digits backwards, then reversed in place.
    const st = o;
    while (v > 0) {
      const q = Math.floor(v / 10);
      buf[o++] = 48 + (v - q * 10);
      v = q;
    }
    for (let a = st, z = o - 1; a < z; a++, z--) {
      const t = buf[a]!;
      buf[a] = buf[z]!;
      buf[z] = t;
    }
  }
  return ascii.decode(buf.subarray(0, o));
}

/**
 * The REST/SDK form: `[r0, r1, ..., left, top, right, bottom]`, right/bottom inclusive.
 * @example
 * ```ts
 * // The `points` form CVAT's server keeps: the runs, then left, top, right, bottom (inclusive).
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * encodePoints(mask); // → [1, 2, 1, 2, 5, 1, 0, 0, 3, 2]
 * ```
 */
export function encodePoints(mask: Mask, box?: InclusiveBox): number[] {
  const b = chooseBox(mask, box);
  if (b === undefined) return [1, 0, 0, 0, 0];
  const runs = boxRuns(mask, b);
  const out = new Array<number>(runs.length + 4);
  for (let i = 0; i < runs.length; i++) out[i] = runs[i]!;
  out[runs.length] = b.left;
  out[runs.length + 1] = b.top;
  out[runs.length + 2] = b.left + b.width - 1;
  out[runs.length + 3] = b.top + b.height - 1;
  return out;
}

/** Parses an integer attribute (`"12"`, also `"12.0"`: CVAT's API truncates floats, its XML writes integers). */
function intValue(v: unknown, path: Path, key: string, offset: number | undefined, min: number): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*[+-]?\d+(\.0*)?\s*$/.test(v)) n = Number(v);
  else throw new RleError(v === undefined ? 'INVALID_STRUCTURE' : 'INVALID_TOKEN', v === undefined ? 'Missing attribute' : 'Invalid integer', { path: under(path, key), offset, expected: `an integer >= ${min}`, received: short(v) });
  if (!Number.isSafeInteger(n) || n < min) throw new RleError('INVALID_TOKEN', 'Invalid integer', { path: under(path, key), offset, expected: `an integer >= ${min}`, received: short(v) });
  return n;
}

/** `[...path, key]` (`path` itself without a key): made for an error only, not for every mask read. */
function under(path: Path, key: string | undefined): Path {
  return key === undefined ? path : [...path, key];
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Runs parsed by the calls below, reused (each call copies its runs out). */
let scratchRuns = new Uint32Array(1024);
let scratchBytes = new Uint8Array(1 << 16);
const encoder = new TextEncoder();
let fastSum = 0, fastCanonical = true;

/**
 * The plain case of {@link rleTextRuns}, read from bytes (the text copied into a reused buffer:
 * about 2.5x faster than reading it a character at a time): the number of runs put in
 * scratchRuns (their sum in fastSum), or -1 for anything else (a character that is not ASCII, a
 * fault, runs past the box), which the character loop then reads, errors included.
 */
function rleBytes(rle: string, boxTotal: number): number {
  const n = rle.length;
  if (scratchBytes.length < n + 1) scratchBytes = new Uint8Array(2 * n + 1);
  const b = scratchBytes;
  if (encoder.encodeInto(rle, b).written !== n) return -1;
  b[n] = 0; // stops the loops below at the end
  const out = scratchRuns;
  let i = 0, count = 0, sum = 0, canonical = true;
  for (;;) {
    let c = b[i]!;
    while (c === 32 || c === 9 || c === 10 || c === 13) c = b[++i]!;
    if (i >= n) {
      if (count > 0) return -1;
      break;
    }
    const start = i;
    // At most 9 digits here, so v stays a small integer (an int32 add and store, not a double's);
    // longer numbers (runs of 10^9 pixels or more, zeros in front) are the character loop's.
    let v = 0;
    while (c >= 48 && c <= 57) {
      v = (v * 10 + (c - 48)) | 0;
      c = b[++i]!;
    }
    if (i === start || i - start > 9) return -1;
    while (c === 32 || c === 9 || c === 10 || c === 13) c = b[++i]!;
    sum += v;
    if (sum > boxTotal) return -1;
    if (v === 0 && count > 0) canonical = false;
    out[count++] = v;
    if (i >= n) break;
    if (c !== 44) return -1;
    i++;
  }
  fastSum = sum;
  fastCanonical = canonical;
  return count;
}

/**
 * Reads CVAT's `rle` text straight into box runs: integers separated by commas, spaces allowed
 * around them (CVAT's importer splits on "," and int()s each token). Tokens go into one
 * typed array sized from the text (a token takes at least 2 characters with its comma); runs
 * that are already canonical are used as they are. `fromBytes` false (tests): the character loop only.
 */
export function rleTextRuns(rle: string, boxTotal: number, pad: boolean, path: Path, offset: number | undefined, fromBytes = true): { runs: Uint32Array; padded: number } {
  const count = readRleText(rle, boxTotal, pad, path, offset, fromBytes);
  const out = scratchRuns;
  if (parsedCanonical && parsedPadding === 0 && count > 0 && !(count === 1 && out[0] === 0)) return { runs: out.slice(0, count), padded: parsedPadding };
  // (out is reused by the next call: the runs are copied out of it, by slice or by the builder.)
  // Zero runs inside, padding, or no runs at all: let the builder merge them.
  const b = new RunBuilder(count + 2);
  for (let k = 0; k < count; k++) b.append((k & 1) === 1, out[k]!);
  return { runs: b.finish(boxTotal), padded: parsedPadding };
}

/** What the last {@link readRleText} found: whether its runs are canonical, and how many pixels of background pad them to the box. */
let parsedCanonical = true, parsedPadding = 0;

/**
 * The runs of CVAT's `rle` text (as {@link rleTextRuns} reads them, errors included) left in
 * scratchRuns, their number returned (parsedCanonical and parsedPadding set): for a caller that
 * places them at once, without copying them out. Errors are at `[...parent, key]` (`parent`
 * without a key).
 */
function readRleText(rle: string, boxTotal: number, pad: boolean, parent: Path, offset: number | undefined, fromBytes = true, key?: string): number {
  const n = rle.length;
  if (scratchRuns.length < (n >>> 1) + 1) scratchRuns = new Uint32Array((n >>> 1) + 1 + 1024);
  const out = scratchRuns;
  let i = 0, count = 0, sum = 0, canonical = true;
  const fast = fromBytes ? rleBytes(rle, boxTotal) : -1;
  if (fast >= 0) {
    count = fast;
    sum = fastSum;
    canonical = fastCanonical;
  } else for (;;) {
    let c = rle.charCodeAt(i);
    while (c === 32 || c === 9 || c === 10 || c === 13) c = rle.charCodeAt(++i);
    if (i >= n) {
      if (count > 0) throw new RleError('TRUNCATED', 'rle ends after a comma', { path: under(parent, key), offset, expected: 'a run length after the last ","' });
      break;
    }
    const start = i;
    let v = 0;
    while (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      c = rle.charCodeAt(++i);
    }
    if (i === start) {
      throw new RleError('INVALID_TOKEN', 'Invalid character in rle', { path: under(parent, key), offset, expected: 'a non-negative integer run length', received: `${JSON.stringify(rle[i])} at character ${i} of rle` });
    }
    if (v > 0xffffffff) throw new RleError('INVALID_RUNS', 'Run length too large', { path: [...under(parent, key), count], offset, expected: 'an integer from 0 to 2^32-1', received: rle.slice(start, i) });
    while (c === 32 || c === 9 || c === 10 || c === 13) c = rle.charCodeAt(++i);
    sum += v;
    if (sum > boxTotal) throw new RleError('RUNS_SUM_MISMATCH', 'Runs extend past the box', { path: under(parent, key), offset, expected: `runs summing to width * height = ${boxTotal}`, received: `more than ${boxTotal} by run ${count}` });
    if (v === 0 && count > 0) canonical = false;
    out[count++] = v;
    if (i >= n) break;
    if (c !== 44) throw new RleError('INVALID_TOKEN', 'Invalid character in rle', { path: under(parent, key), offset, expected: '"," between run lengths', received: `${JSON.stringify(rle[i])} at character ${i} of rle` });
    i++;
  }
  if (count > 0 && sum < boxTotal && !pad) {
    throw new RleError('RUNS_SUM_MISMATCH', 'Runs do not fill the box', { path: under(parent, key), offset, expected: `runs summing to width * height = ${boxTotal}`, received: describeValue(sum) });
  }
  parsedPadding = count > 0 ? boxTotal - sum : 0;
  parsedCanonical = canonical;
  return count;
}

function arrayRuns(rle: ArrayLike<number>, boxTotal: number, pad: boolean, path: Path, offset: number | undefined): { runs: Uint32Array; padded: number } {
  const b = new RunBuilder(rle.length + 2);
  let sum = 0;
  for (let k = 0; k < rle.length; k++) {
    const v = rle[k]!;
    if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) throw new RleError('INVALID_RUNS', 'Invalid run length', { path: [...path, k], offset, expected: 'an integer from 0 to 2^32-1', received: describeValue(v) });
    sum += v;
    if (sum > boxTotal) throw new RleError('RUNS_SUM_MISMATCH', 'Runs extend past the box', { path, offset, expected: `runs summing to width * height = ${boxTotal}`, received: `more than ${boxTotal} by run ${k}` });
    b.append((k & 1) === 1, v);
  }
  return finishBox(b, sum, boxTotal, rle.length > 0, pad, path, offset);
}

function finishBox(b: RunBuilder, sum: number, boxTotal: number, any: boolean, pad: boolean, path: Path, offset: number | undefined): { runs: Uint32Array; padded: number } {
  // An empty run list is an empty mask (cvat-core treats it so); short runs are an error unless padding is asked for.
  if (any && sum < boxTotal && !pad) {
    throw new RleError('RUNS_SUM_MISMATCH', 'Runs do not fill the box', { path, offset, expected: `runs summing to width * height = ${boxTotal}`, received: describeValue(sum) });
  }
  return { runs: b.finish(boxTotal), padded: any ? boxTotal - sum : 0 };
}

/**
 * The mask of an image of `size` from CVAT's `<mask>` attributes (strings as in the XML, or
 * numbers; `rle` may also be a list of run lengths). Any box is accepted, tight or loose, and
 * clipped to the image (foreground that falls outside is reported to `options.warn`).
 * Throws RUNS_SUM_MISMATCH when the runs do not fill the box exactly.
 * @example
 * ```ts
 * const mask = decode({ rle: '1, 2, 1, 2, 5, 1', left: '0', top: '0', width: '4', height: '3' }, { height: 3, width: 4 });
 * Array.from(mask.toBitmap('row')); // → [0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1]
 * ```
 */
export function decode(encoded: CvatMaskInput, size: Size, options: DecodeOptions = {}): Mask {
  const path = options.path ?? [];
  const offset = options.offset;
  checkSize(size, options.maxPixels);
  if (typeof encoded !== 'object' || encoded === null) {
    throw new RleError('INVALID_STRUCTURE', 'Expected the mask attributes', { path, offset, expected: '{ rle, left, top, width, height }', received: short(encoded) });
  }
  const left = intValue(encoded.left, path, 'left', offset, -Infinity);
  const top = intValue(encoded.top, path, 'top', offset, -Infinity);
  const width = intValue(encoded.width, path, 'width', offset, 0);
  const height = intValue(encoded.height, path, 'height', offset, 0);
  const boxTotal = checkSize({ height, width }, undefined, path);
  const rle = encoded.rle;
  let res: { runs: Uint32Array; padded: number };
  if (typeof rle === 'string') {
    // The runs placed from the reused buffer they were read into: no copy of them, no box mask.
    const count = readRleText(rle, boxTotal, options.padShortRuns === true, path, offset, true, 'rle');
    if (parsedPadding > 0) options.warn?.({ code: 'padded-runs', message: `Runs stopped ${parsedPadding} pixels short of their box; the rest was read as background`, path, count: 1 });
    return placeRead(count, { left, top, width, height }, size, options.warn, path);
  } else if (rle !== null && typeof rle === 'object' && typeof (rle as ArrayLike<number>).length === 'number') res = arrayRuns(rle, boxTotal, options.padShortRuns === true, [...path, 'rle'], offset);
  else throw new RleError('INVALID_STRUCTURE', 'Missing rle', { path: [...path, 'rle'], offset, expected: 'run lengths joined by ", "', received: short(rle) });
  if (res.padded > 0) options.warn?.({ code: 'padded-runs', message: `Runs stopped ${res.padded} pixels short of their box; the rest was read as background`, path, count: 1 });
  return place(res.runs, { left, top, width, height }, size, options.warn, path);
}

/**
 * Places the `count` runs {@link readRleText} left in scratchRuns into the image: what {@link place}
 * gives for the canonical runs of the box, read from them as they are (a zero run or runs short
 * of the box change no pixel).
 */
function placeRead(count: number, b: PlainBox, size: Size, warn: WarningSink | undefined, path: Path): Mask {
  const runs = scratchRuns;
  if (b.left === 0 && b.top === 0 && b.width === size.width && b.height === size.height) {
    if (parsedCanonical && parsedPadding === 0 && count > 0 && !(count === 1 && runs[0] === 0)) return Mask.fromCanonicalRuns(copyU32(runs, count), size, 'row');
    const builder = new RunBuilder(count + 2);
    for (let k = 0; k < count; k++) builder.append((k & 1) === 1, runs[k]!);
    return Mask.fromCanonicalRuns(builder.finish(b.width * b.height), size, 'row');
  }
  const out = Mask.fromCanonicalRuns(placeRowRuns(runs, b.width, size.height, size.width, b.left, b.top, count), size, 'row');
  if (warn !== undefined && (b.left < 0 || b.top < 0 || b.left + b.width > size.width || b.top + b.height > size.height)) {
    const lost = runsArea(runs.subarray(0, count)) - out.area();
    if (lost > 0) warn({ code: 'clipped', message: `${lost} foreground pixels of a mask lie outside its ${size.height}x${size.width} image and were clipped`, path, count: lost });
  }
  return out;
}

/** Places box runs into the image, clipping (and reporting) what falls outside. */
function place(runs: Uint32Array, b: PlainBox, size: Size, warn: WarningSink | undefined, path: Path): Mask {
  if (b.left === 0 && b.top === 0 && b.width === size.width && b.height === size.height) return Mask.fromCanonicalRuns(runs, size, 'row');
  const inBox = Mask.fromCanonicalRuns(runs, { height: b.height, width: b.width }, 'row');
  const out = inBox.paste(size, { x: b.left, y: b.top });
  if (warn !== undefined && (b.left < 0 || b.top < 0 || b.left + b.width > size.width || b.top + b.height > size.height)) {
    const lost = runsArea(runs) - out.area();
    if (lost > 0) warn({ code: 'clipped', message: `${lost} foreground pixels of a mask lie outside its ${size.height}x${size.width} image and were clipped`, path, count: lost });
  }
  return out;
}

/**
 * The mask of an image of `size` from CVAT's REST/SDK `points` `[runs..., left, top, right, bottom]` (floats are truncated, as CVAT does).
 * @example
 * ```ts
 * decodePoints([1, 2, 1, 2, 5, 1, 0, 0, 3, 2], { height: 3, width: 4 }).area(); // → 5
 * ```
 */
export function decodePoints(points: ArrayLike<number>, size: Size, options: DecodeOptions = {}): Mask {
  const path = options.path ?? [];
  if (points == null || typeof points.length !== 'number' || points.length < 4) {
    throw new RleError('INVALID_STRUCTURE', 'Mask points too short', { path, expected: 'run lengths followed by left, top, right, bottom', received: short(points) });
  }
  const n = points.length;
  const box: number[] = [];
  for (let k = n - 4; k < n; k++) {
    const v = points[k]!;
    if (!Number.isFinite(v)) throw new RleError('INVALID_TOKEN', 'Invalid box coordinate', { path: [...path, k], expected: 'a finite number', received: describeValue(v) });
    box.push(Math.trunc(v));
  }
  const [left, top, right, bottom] = box as [number, number, number, number];
  const runs = new Float64Array(n - 4);
  for (let k = 0; k < n - 4; k++) runs[k] = Math.trunc(points[k]!);
  return decode({ rle: runs, left, top, width: right - left + 1, height: bottom - top + 1 }, size, { ...options, path });
}

/**
 * COCO's uncompressed RLE of the whole frame (what CVAT's "COCO 1.0" export writes for a mask): column-major counts.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * toCocoUncompressed(mask); // → { counts: [1, 1, 1, 2, 1, 1, 4, 1], size: [3, 4] }
 * ```
 */
export function toCocoUncompressed(mask: Mask): { counts: number[]; size: [number, number] } {
  return { counts: Array.from(mask.runsView('col')), size: [mask.height, mask.width] };
}
