import { checkSize, copyU32, DEFAULT_MAX_RUNS, Mask, MAX_MASK_PIXELS, RleError, RunBuilder, tooManyRuns, writeUint, type Size, type TextOut, type WarningSink } from '@rlekit/core';
import { resolvePreset, type Preset } from './presets.js';
import { decodeOpenImagesMask, encodeOpenImagesMask } from './open-images.js';

export interface DecodeOptions {
  /**
   * Accept any whitespace between and around tokens, zero lengths (dropped), runs that come
   * out of order (sorted) and runs that touch or overlap (merged); every change is reported to `warn`.
   */
  lenient?: boolean;
  /** Receives `merged-runs` / `reordered-runs` / `zero-length-runs` warnings. */
  warn?: WarningSink;
  /** Refuse masks larger than this many pixels before building anything. */
  maxPixels?: number;
  /** Refuse masks of more runs than this (default DEFAULT_MAX_RUNS), before their buffers grow past it. */
  maxRuns?: number;
}

/**
 * Encodes a mask in the preset's canonical form: maximal runs, ascending, single spaces,
 * the preset's empty text for an all-background mask. Works on runs only (no bitmap).
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * // Airbus: 1-based starts, column-major (top to bottom, then left to right).
 * encode(mask, 'airbus-ship-detection'); // → '2 1 4 2 7 1 12 1'
 * // Carvana: 1-based starts, row-major.
 * encode(mask, 'carvana-image-masking'); // → '2 2 5 2 12 1'
 * ```
 */
export function encode(mask: Mask, preset: string | Preset): string {
  const p = resolvePreset(preset);
  if (p.encoding === 'open-images') return encodeOpenImagesMask(mask);
  if (!(mask instanceof Mask)) throw new RleError('INVALID_OPTION', 'encode needs a Mask', { path: ['mask'], received: typeof mask });
  const runs = mask.runsView(p.order);
  const pairs = runs.length >> 1;
  if (pairs === 0 || (pairs === 1 && runs[1] === 0)) return p.empty;
  // ASCII digits written straight into bytes: string concatenation costs ~10x more on masks with many runs.
  const buf = new Uint8Array(pairs * 22);
  const o = writePairs(buf, 0, runs, p);
  return o === 0 ? p.empty : ascii.decode(buf.subarray(0, o - 1));
}

const ascii = new TextDecoder('latin1');

/** Writes "start length " for each foreground run (22 bytes of room per run) from `o`; returns the end. */
function writePairs(buf: Uint8Array, o: number, runs: Uint32Array, p: Preset): number {
  const relative = p.pairing === 'relative';
  let pos = 0, prevEnd = -1;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    if ((k & 1) === 1 && r > 0) {
      const first = relative ? (prevEnd < 0 ? pos + p.base : pos - prevEnd) : pos + p.base;
      o = writeUint(buf, o, first);
      buf[o++] = SPACE;
      o = writeUint(buf, o, r);
      buf[o++] = SPACE;
      prevEnd = pos + r;
    }
    pos += r;
  }
  return o;
}

/**
 * Writes the text of {@link encode} for a mask with foreground into `out` (for writers that build
 * their output in one buffer); returns false, writing nothing, for an all-background mask (whose
 * text is the preset's empty text). Not for Open Images.
 */
export function encodeInto(out: TextOut, mask: Mask, p: Preset): boolean {
  const runs = mask.runsView(p.order);
  const pairs = runs.length >> 1;
  if (pairs === 0 || (pairs === 1 && runs[1] === 0)) return false;
  const buf = out.reserve(pairs * 22);
  const start = out.length;
  const o = writePairs(buf, start, runs, p);
  if (o === start) return false;
  out.length = o - 1;
  return true;
}

/**
 * The text of {@link encode} as ASCII bytes in pieces of about `chunkBytes`: a mask of millions of
 * runs is written without one giant string (V8 caps strings at 2^29 characters, and each copy of
 * a string that size costs a gigabyte). Exactly the bytes of `encode(mask, preset)`.
 * @example
 * ```ts
 * // The same text as encode, in UTF-8 pieces of at most chunkBytes: for masks of gigapixel slides.
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * [...encodeChunks(mask, 'carvana-image-masking', 4)].map((c) => decodeUtf8(c)).join(''); // → '2 2 5 2 12 1'
 * ```
 */
export function* encodeChunks(mask: Mask, preset: string | Preset, chunkBytes = 1 << 20): Generator<Uint8Array> {
  const p = resolvePreset(preset);
  if (p.encoding === 'open-images') {
    yield new TextEncoder().encode(encodeOpenImagesMask(mask));
    return;
  }
  if (!(mask instanceof Mask)) throw new RleError('INVALID_OPTION', 'encode needs a Mask', { path: ['mask'], received: typeof mask });
  const runs = mask.runsView(p.order);
  const pairs = runs.length >> 1;
  if (pairs === 0 || (pairs === 1 && runs[1] === 0)) {
    yield new TextEncoder().encode(p.empty);
    return;
  }
  const size = Math.max(64, chunkBytes);
  let buf = new Uint8Array(size + 44);
  const relative = p.pairing === 'relative';
  let o = 0, pos = 0, prevEnd = -1, any = false;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    if ((k & 1) === 1 && r > 0) {
      const first = relative ? (prevEnd < 0 ? pos + p.base : pos - prevEnd) : pos + p.base;
      if (any) buf[o++] = SPACE;
      any = true;
      o = writeUint(buf, o, first);
      buf[o++] = SPACE;
      o = writeUint(buf, o, r);
      prevEnd = pos + r;
      if (o >= size) {
        yield buf.subarray(0, o);
        buf = new Uint8Array(size + 44);
        o = 0;
      }
    }
    pos += r;
  }
  if (!any) yield new TextEncoder().encode(p.empty);
  else if (o > 0) yield buf.subarray(0, o);
}

const SPACE = 32;

function isWhitespace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xa0 || c === 0xfeff;
}

function show(text: string, at: number): string {
  const s = text.slice(at, at + 12);
  return JSON.stringify(at + 12 < text.length ? `${s}...` : s);
}

/**
 * Decodes one RLE string of the preset into a Mask in the preset's order (column-major
 * presets give column runs directly, so COCO conversions never touch pixels).
 * Strict by default: integer tokens separated by single spaces, complete pairs, positive
 * lengths, ascending non-overlapping runs inside the image; else an RleError naming the token.
 */
export function decode(text: string, size: Size, preset: string | Preset, options?: DecodeOptions): Mask;
/** The same with the size as two numbers (the shared vectors' README spells it so). */
export function decode(text: string, height: number, width: number, preset: string | Preset, options?: DecodeOptions): Mask;
/**
 * @example
 * ```ts
 * const mask = decode('2 2 5 2 12 1', { height: 3, width: 4 }, 'carvana-image-masking');
 * Array.from(mask.toBitmap('row')); // → [0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1]
 * // Strict by default: runs out of order are an error naming the pair and its offset.
 * const error = (() => { try { decode('5 2 2 2', { height: 3, width: 4 }, 'carvana-image-masking'); } catch (e) { return e as RleError; } })();
 * error?.code; // → 'INVALID_INTERVALS'
 * decode('5 2 2 2', { height: 3, width: 4 }, 'carvana-image-masking', { lenient: true }).area(); // → 4
 * ```
 */
export function decode(text: string, ...rest: unknown[]): Mask {
  if (typeof rest[0] === 'number') rest = [{ height: rest[0], width: rest[1] }, ...rest.slice(2)];
  const [size, preset, options = {}] = rest as [Size, string | Preset, DecodeOptions | undefined];
  if (typeof size !== 'object' || size === null) throw new RleError('INVALID_SIZE', 'decode needs the image size', { path: ['size'], expected: '{ height, width }', received: String(size) });
  const p = resolvePreset(preset);
  if (p.encoding === 'open-images') return decodeOpenImagesMask(text, size, { ...(options.maxRuns !== undefined ? { maxRuns: options.maxRuns } : {}), ...(options.maxPixels !== undefined ? { maxPixels: options.maxPixels } : {}) });
  const total = checkSize(size, options.maxPixels ?? MAX_MASK_PIXELS);
  if (typeof text !== 'string') throw new RleError('INVALID_TOKEN', 'RLE text must be a string', { expected: 'a string', received: typeof text });
  const lenient = options.lenient === true;
  const dims = { height: size.height, width: size.width };
  // Blank is zero pairs in every preset; the preset's own empty text (`-1`, `-`, `1 0`) is matched exactly.
  if (text === '' || text === p.empty) return Mask.fromCanonicalRuns(total === 0 ? new Uint32Array(0) : Uint32Array.of(total), dims, p.order);
  if (lenient && text.length <= 64) {
    const squeezed = text.trim().split(/\s+/).join(' ');
    if (squeezed === '' || squeezed === p.empty) return Mask.fromCanonicalRuns(total === 0 ? new Uint32Array(0) : Uint32Array.of(total), dims, p.order);
  }

  const n = text.length;
  const relative = p.pairing === 'relative';
  const base = p.base;
  const maxRuns = options.maxRuns ?? DEFAULT_MAX_RUNS;
  const strictBuilder = lenient ? undefined : new RunBuilder(Math.min(1 << 20, (n >> 2) + 4), maxRuns);
  // Lenient mode collects intervals first so it can sort and merge them.
  let starts = lenient ? new Float64Array(64) : undefined;
  let ends = lenient ? new Float64Array(64) : undefined;
  let count = 0;
  let touching = 0, zeros = 0, reordered = 0;
  let prevEnd = 0;
  let cursor = -1;
  let start = 0, startOffset = 0;
  let tok = 0;
  let i = 0;
  if (lenient) while (i < n && isWhitespace(text.charCodeAt(i))) i++;
  while (i < n) {
    const from = i;
    let v = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      i++;
    }
    if (i === from) {
      throw new RleError('INVALID_TOKEN', `Token ${tok} is not a non-negative integer`, { offset: from, expected: 'digits 0-9', received: show(text, from) });
    }
    if (i - from > 15) {
      throw new RleError('INVALID_INTERVALS', `Token ${tok} is too large`, { offset: from, expected: `at most ${total}`, received: show(text, from) });
    }
    if (i < n) {
      const c = text.charCodeAt(i);
      if (lenient) {
        if (!isWhitespace(c)) throw new RleError('INVALID_TOKEN', `Token ${tok} is not a non-negative integer`, { offset: from, expected: 'digits 0-9 then whitespace', received: show(text, from) });
        while (i < n && isWhitespace(text.charCodeAt(i))) i++;
      } else {
        if (c !== SPACE) throw new RleError('INVALID_TOKEN', `Token ${tok} is followed by an unexpected character`, { offset: i, expected: 'a single space between tokens (use lenient for other whitespace)', received: show(text, i) });
        i++;
        if (i === n || text.charCodeAt(i) === SPACE) {
          throw new RleError('INVALID_TOKEN', `Extra space after token ${tok}`, { offset: i - 1, expected: 'single spaces between tokens and none at the end (use lenient)', received: show(text, i - 1) });
        }
      }
    }
    if ((tok & 1) === 0) {
      start = v;
      startOffset = from;
      tok++;
      continue;
    }
    tok++;
    const length = v;
    const pair = (tok >> 1) - 1;
    let s0: number;
    if (relative && cursor >= 0) s0 = cursor + start;
    else {
      s0 = start - base;
      if (s0 < 0) {
        throw new RleError('INVALID_INTERVALS', `Pair ${pair} starts before the first pixel`, { offset: startOffset, expected: `a start >= ${base} (${base}-based)`, received: String(start) });
      }
    }
    const end = s0 + length;
    if (relative) cursor = end;
    if (length === 0) {
      if (!lenient) throw new RleError('INVALID_INTERVALS', `Pair ${pair} has length 0`, { offset: startOffset, expected: 'a positive length (use lenient to drop zero lengths)', received: `${start} 0` });
      zeros++;
      continue;
    }
    if (end > total) {
      throw new RleError('INVALID_INTERVALS', `Pair ${pair} runs past the last pixel`, { offset: startOffset, expected: `start - ${base} + length <= ${total} (${size.height}x${size.width})`, received: `${start} ${length}` });
    }
    if (strictBuilder) {
      if (s0 < prevEnd) {
        throw new RleError('INVALID_INTERVALS', `Pair ${pair} overlaps or precedes the previous run`, { offset: startOffset, expected: `a start >= ${prevEnd + base} (use lenient to merge)`, received: String(start) });
      }
      if (s0 === prevEnd && count > 0) touching++;
      strictBuilder.addInterval(s0, end);
      prevEnd = end;
      count++;
    } else {
      if (count === starts!.length) {
        // Each pair is two runs: the lenient buffers (16 bytes a pair) stop growing at the limit too.
        if (2 * count > maxRuns) throw tooManyRuns(maxRuns);
        const ns = new Float64Array(count * 2), ne = new Float64Array(count * 2);
        ns.set(starts!);
        ne.set(ends!);
        starts = ns;
        ends = ne;
      }
      starts![count] = s0;
      ends![count] = end;
      count++;
    }
  }
  if ((tok & 1) === 1) {
    throw new RleError('TRUNCATED', `Token ${tok - 1} is a start without a length`, { offset: startOffset, expected: 'start/length pairs (an even number of tokens)', received: show(text, startOffset) });
  }

  let runs: Uint32Array;
  if (strictBuilder) runs = strictBuilder.finish(total);
  else {
    const b = new RunBuilder(count * 2 + 2, maxRuns);
    let order: Uint32Array | undefined;
    // Pairs that start before the pair read before them: sorting changes the file's order, reported.
    for (let k = 1; k < count; k++) if (starts![k]! < starts![k - 1]!) reordered++;
    if (reordered > 0) order = Uint32Array.from({ length: count }, (_, j) => j).sort((x, y) => starts![x]! - starts![y]!);
    let curS = -1, curE = -1;
    for (let k = 0; k < count; k++) {
      const j = order ? order[k]! : k;
      const s = starts![j]!, e = ends![j]!;
      if (curE >= 0 && s <= curE) {
        touching++;
        if (e > curE) curE = e;
        continue;
      }
      if (curE >= 0) b.addInterval(curS, curE);
      curS = s;
      curE = e;
    }
    if (curE >= 0) b.addInterval(curS, curE);
    runs = b.finish(total);
  }
  if (reordered > 0) {
    options.warn?.({ code: 'reordered-runs', message: `${reordered} pairs started before the pair before them; the runs were sorted into ascending order`, count: reordered });
  }
  if (touching > 0) {
    options.warn?.({ code: 'merged-runs', message: `${touching} touching${lenient ? ' or overlapping' : ''} runs were merged into their neighbours`, count: touching });
  }
  if (zeros > 0) options.warn?.({ code: 'zero-length-runs', message: `${zeros} zero-length pairs were dropped`, count: zeros });
  return Mask.fromCanonicalRuns(runs, dims, p.order);
}

/**
 * Decodes start/length text from ASCII bytes (a CSV row's field, never made a string) when it is
 * the common case: strict, absolute pairs, single spaces, ascending runs that neither touch nor
 * overlap, within the size and the run limit. Then it gives exactly what {@link decode} gives for
 * the same text; for anything else (any error, any warning, lenient, relative pairing, the empty
 * text) it gives undefined, and the caller decodes the text with {@link decode}, which says what is
 * wrong. The runs are built in one scratch buffer kept between masks (fresh memory is dear) and
 * copied out at their exact length (carved from a shared block when small, as core's readers do).
 */
export class RleBytesDecoder {
  private scratch = new Uint32Array(1 << 12);
  private readonly empty: Uint8Array;

  constructor(private readonly p: Preset, private readonly options: DecodeOptions) {
    this.empty = new TextEncoder().encode(p.empty);
  }

  /** Whether the fast path can serve this preset and these options at all. */
  get usable(): boolean {
    return this.p.encoding !== 'open-images' && this.p.pairing === 'absolute' && this.options.lenient !== true;
  }

  decode(b: Uint8Array, from: number, to: number, size: Size): Mask | undefined {
    const total = checkSize(size, this.options.maxPixels ?? MAX_MASK_PIXELS);
    if (to === from || this.isEmptyText(b, from, to)) return undefined;
    const base = this.p.base;
    const maxRuns = this.options.maxRuns ?? DEFAULT_MAX_RUNS;
    let runs = this.scratch;
    let n = 0, pos = 0;
    let i = from;
    while (i < to) {
      // The start, one space, the length, then one space before the next pair or the end.
      let d = i, start = 0;
      for (; i < to; i++) {
        const c = b[i]!;
        if (c < 48 || c > 57) break;
        start = start * 10 + (c - 48);
      }
      if (i === d || i - d > 15 || i === to || b[i] !== SPACE) return undefined;
      i++;
      d = i;
      let length = 0;
      for (; i < to; i++) {
        const c = b[i]!;
        if (c < 48 || c > 57) break;
        length = length * 10 + (c - 48);
      }
      if (i === d || i - d > 15) return undefined;
      if (i < to) {
        if (b[i] !== SPACE || i + 1 === to || b[i + 1] === SPACE) return undefined;
        i++;
      }
      const s0 = start - base;
      // Before the first pixel, zero length, past the last pixel, overlapping or touching the run before: decode says which.
      if (s0 < pos || (s0 === pos && n > 0) || length === 0 || s0 + length > total) return undefined;
      // Two runs more, and the trailing background: past the limit decode says so.
      if (n + 3 > maxRuns) return undefined;
      if (n + 3 > runs.length) {
        const grown = new Uint32Array(runs.length * 2);
        grown.set(runs);
        runs = this.scratch = grown;
      }
      runs[n++] = s0 - pos;
      runs[n++] = length;
      pos = s0 + length;
    }
    if (pos < total) runs[n++] = total - pos;
    return Mask.fromCanonicalRuns(copyU32(runs, n), { height: size.height, width: size.width }, this.p.order);
  }

  private isEmptyText(b: Uint8Array, from: number, to: number): boolean {
    const e = this.empty;
    if (e.length !== to - from) return false;
    for (let k = 0; k < e.length; k++) if (b[from + k] !== e[k]) return false;
    return true;
  }
}
