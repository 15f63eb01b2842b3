/**
 * Label Studio's brush RLE (`value.rle` of a `brushlabels` result): thi.ng `rle-pack`'s bit stream
 * over the RGBA bytes of the whole image (4 bytes per pixel, row-major), stored as a JSON array of
 * bytes. Decoding and encoding work on runs: the 4·H·W RGBA buffer is never built.
 *
 * Stream (MSB first): num (32 bits) · wordSize − 1 (5) · four run-length field widths − 1 (4 each),
 * then chunks until num words are out: flag (1: repeat, 0: literal) · size class t (2) ·
 * n − 1 (rleSizes[t] bits) · one word (repeat) or n words (literal). Zero bits pad the last byte.
 */
import { Mask, RleError, checkSize, type Size, type WarningSink } from '@rlekit/core';

/** Largest image whose stream length 4·H·W fits the 32-bit `num` field. */
export const MAX_BRUSH_PIXELS = Math.floor(0xffffffff / 4);

/** The header of a brush stream. */
export interface BrushHeader {
  /** Number of words (bytes, for Label Studio) the stream holds: 4·H·W for an RGBA mask. */
  num: number;
  /** Bits per word: 8 in every stream Label Studio writes. */
  wordSize: number;
  /** Bits of the run-length field of each size class: [3, 4, 8, 16] in Label Studio. */
  rleSizes: [number, number, number, number];
}

/** Options of {@link decode}. */
export interface DecodeOptions extends Size {
  /**
   * A pixel is foreground when its alpha byte is greater than this (default 0: any non-zero alpha,
   * as the web app shows it). Antialiased brush edges have intermediate alphas; 127 keeps the
   * pixels drawn at least half opaque.
   */
  threshold?: number;
  /** Refuse images larger than this many pixels before decoding (LIMIT_EXCEEDED). */
  maxPixels?: number;
  /** Told about bytes after the last chunk beyond the padding Label Studio's encoders write. */
  warn?: WarningSink;
}

/**
 * `'converter'`: label_studio_sdk's `mask2rle` (Python converter, SDK imports, ML backends);
 * `'web'`: the web app's `@thi.ng/rle-pack` `encode`. Both decode to the same mask.
 */
export type EncodeStyle = 'converter' | 'web';

/** Options of {@link encode}. */
export interface EncodeOptions {
  style?: EncodeStyle;
  /** The byte written for foreground in all four channels (default 255; alpha 1 would be nearly invisible in the UI). */
  value?: number;
}

const HEADER_BITS = 32 + 5 + 16;

/** A value for an error's `received`, without calling into it (no toString of user objects). */
export function shown(v: unknown): string {
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : v === null ? 'null' : typeof v;
}

/**
 * The bytes of `rle`, copied with 4 zero bytes after them so bit reads need no bounds test
 * (callers check against the real length); a number[] is checked value by value.
 */
function toBytes(rle: ArrayLike<number>): { b: Uint8Array; length: number } {
  if (rle instanceof Uint8Array) {
    const b = new Uint8Array(rle.length + 4);
    b.set(rle);
    return { b, length: rle.length };
  }
  if (rle == null || typeof rle !== 'object' || typeof rle.length !== 'number') {
    throw new RleError('INVALID_STRUCTURE', 'Brush RLE is not a list of bytes', { expected: 'number[] or Uint8Array', received: rle === null ? 'null' : typeof rle });
  }
  const n = rle.length;
  const out = new Uint8Array(n + 4);
  for (let i = 0; i < n; i++) {
    const v = rle[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 255) || Math.floor(v) !== v) {
      throw new RleError('INVALID_TOKEN', 'Brush RLE value is not a byte', { path: [i], offset: i, expected: 'an integer from 0 to 255', received: typeof v === 'number' ? String(v) : typeof v });
    }
    out[i] = v;
  }
  return { b: out, length: n };
}

/** Bits [pos, pos + n) of a padded `b`, MSB first, for n ≤ 25 (callers check the end is within the stream). */
function bits(b: Uint8Array, pos: number, n: number): number {
  const i = pos >>> 3;
  return ((((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) << (pos & 7)) >>> 0) >>> (32 - n);
}

/** Bits [pos, pos + n) for n ≤ 32. */
function bits32(b: Uint8Array, pos: number, n: number): number {
  if (n <= 25) return bits(b, pos, n);
  const hi = n - 16;
  return bits(b, pos, hi) * 65536 + bits(b, pos + hi, 16);
}

/** The field that starts at bit `start` needs bits up to `end`; offset = the byte where it starts. */
function truncated(what: string, start: number, end: number, totalBits: number): RleError {
  return new RleError('TRUNCATED', `Brush RLE ends inside ${what} starting at bit ${start}`, {
    offset: start >>> 3, expected: `at least ${Math.ceil(end / 8)} bytes (up to bit ${end})`, received: `${totalBits / 8} bytes`,
  });
}

/**
 * Reads and checks the 53-bit header of a brush stream.
 * @example
 * ```ts
 * // The brush RLE's header: pixel count (RGBA bytes), word size and the four size classes.
 * readHeader(encode(Mask.full({ height: 3, width: 4 }))); // → { num: 48, wordSize: 8, rleSizes: [3, 4, 8, 16] }
 * ```
 */
export function readHeader(rle: ArrayLike<number>): BrushHeader {
  const { b, length } = toBytes(rle);
  return header(b, length);
}

function header(b: Uint8Array, length: number): BrushHeader {
  const totalBits = length * 8;
  if (totalBits < HEADER_BITS) throw truncated('its header (num, word size, run-length sizes)', 0, HEADER_BITS, totalBits);
  const num = bits32(b, 0, 32);
  const wordSize = bits(b, 32, 5) + 1;
  const rleSizes: [number, number, number, number] = [bits(b, 37, 4) + 1, bits(b, 41, 4) + 1, bits(b, 45, 4) + 1, bits(b, 49, 4) + 1];
  return { num, wordSize, rleSizes };
}

/**
 * Decodes a brush RLE (`value.rle`: bytes as `number[]` or `Uint8Array`) of a `height` × `width`
 * image into a Mask: pixel (x, y) is foreground when its alpha byte (word 4·(y·W + x) + 3) is
 * greater than `threshold`. Decodes straight into row runs.
 *
 * Errors: `num` ≠ 4·H·W (SIZE_MISMATCH), a stream that ends early (TRUNCATED, byte offset and bit),
 * a chunk running past `num` (RUNS_SUM_MISMATCH), bytes that are not 0..255 (INVALID_TOKEN).
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * decode(encode(mask), { height: 3, width: 4 }).equals(mask); // → true
 * ```
 */
export function decode(rle: ArrayLike<number>, options: DecodeOptions): Mask {
  if (options == null || typeof options !== 'object') {
    throw new RleError('INVALID_OPTION', 'decode needs { height, width }', { expected: '{ height, width }', received: options === null ? 'null' : typeof options });
  }
  const size = { height: options.height, width: options.width };
  const total = checkSize(size, Math.min(options.maxPixels ?? MAX_BRUSH_PIXELS, MAX_BRUSH_PIXELS));
  const threshold = options.threshold ?? 0;
  if (typeof threshold !== 'number' || !(threshold >= 0)) {
    throw new RleError('INVALID_OPTION', 'Invalid threshold', { path: ['threshold'], expected: 'a number >= 0', received: shown(threshold) });
  }
  const { b, length } = toBytes(rle);
  const { num, wordSize: ws, rleSizes } = header(b, length);
  if (num !== 4 * total) {
    const hint = num === total ? ' (one word per pixel: a single-channel stream, not the 4-channel RGBA Label Studio expects)' : '';
    throw new RleError('SIZE_MISMATCH', `Brush RLE holds ${num} values, not 4 per pixel of a ${size.height}x${size.width} image${hint}`, {
      offset: 0, expected: `num = 4 * ${size.height} * ${size.width} = ${4 * total}`, received: String(num),
    });
  }
  const totalBits = length * 8;
  const s0 = rleSizes[0], s1 = rleSizes[1], s2 = rleSizes[2], s3 = rleSizes[3];
  // Runs are built inline (one branch per chunk): `fg` is the value of the open run of `len` pixels.
  // A chunk takes at least 14 bits and ends at most one run (a literal: one per 32 bits), so this
  // bound, proportional to the input, is never outgrown for a valid stream.
  let runs: Uint32Array = new Uint32Array(Math.min(total + 2, Math.floor(totalBits / 14) + 2));
  let nr = 0, fg = false, len = 0;
  let pos = HEADER_BITS;
  let i = 0;
  // Pixels [i >>> 2, j >>> 2) have their alpha (index 4p + 3) inside a chunk of values [i, j).
  while (i < num) {
    // Flag, class and length in one read: at most 7 + 3 + 16 bits of one 32-bit word.
    const q = pos >>> 3;
    const w = (((b[q]! << 24) | (b[q + 1]! << 16) | (b[q + 2]! << 8) | b[q + 3]!) << (pos & 7)) >>> 0;
    const t = (w >>> 29) & 3;
    const sz = t === 0 ? s0 : t === 1 ? s1 : t === 2 ? s2 : s3;
    if (pos + 3 + sz > totalBits) {
      if (pos + 3 > totalBits) throw truncated(`a chunk header (value ${i} of ${num})`, pos, pos + 3, totalBits);
      throw truncated(`a run length (value ${i} of ${num})`, pos + 3, pos + 3 + sz, totalBits);
    }
    const n = (((w << 3) >>> 0) >>> (32 - sz)) + 1;
    pos += 3 + sz;
    const j = i + n;
    if (j > num) {
      throw new RleError('RUNS_SUM_MISMATCH', 'Brush RLE chunk runs past the number of values in its header', {
        offset: (pos - sz) >>> 3, expected: `at most ${num - i} values`, received: String(n),
      });
    }
    if (w >>> 31) {
      if (pos + ws > totalBits) throw truncated(`a repeated value (value ${i} of ${num})`, pos, pos + ws, totalBits);
      const on = (ws === 8 ? bits(b, pos, 8) : bits32(b, pos, ws)) > threshold;
      pos += ws;
      const count = (j >>> 2) - (i >>> 2);
      if (count > 0) {
        if (on === fg) len += count;
        else {
          if (nr + 1 >= runs.length) runs = grow(runs);
          runs[nr++] = len;
          fg = on;
          len = count;
        }
      }
    } else {
      if (pos + n * ws > totalBits) throw truncated(`a literal run of ${n} values (value ${i} of ${num})`, pos, pos + n * ws, totalBits);
      // Only every fourth value (alpha) matters; the first alpha at or after i is at index i | 3.
      for (let k = i | 3; k < j; k += 4) {
        const on = bits32(b, pos + (k - i) * ws, ws) > threshold;
        if (on === fg) len++;
        else {
          if (nr + 1 >= runs.length) runs = grow(runs);
          runs[nr++] = len;
          fg = on;
          len = 1;
        }
      }
      pos += n * ws;
    }
    i = j;
  }
  // Label Studio's encoders pad 0..8 zero bits; anything longer or non-zero is not theirs.
  const rest = totalBits - pos;
  if (rest > 8 || (rest > 0 && bits(b, pos, Math.min(rest, 8)) !== 0)) {
    options.warn?.({ code: 'trailing-bytes', message: `Brush RLE has ${rest} bits after its last chunk, more than Label Studio's padding; they were ignored`, count: 1 });
  }
  if (total === 0) return Mask.empty(size);
  runs[nr++] = len;
  return Mask.fromCanonicalRuns(runs.slice(0, nr), size, 'row');
}

function grow(a: Uint32Array): Uint32Array {
  const next = new Uint32Array(a.length * 2);
  next.set(a);
  return next;
}

/**
 * Encodes a Mask as a brush RLE byte stream (every channel of a foreground pixel = `value`, of a
 * background pixel 0), byte-exact with the chosen encoder, from the row runs.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * encodeBytes(mask).length; // → 18
 * ```
 */
export function encodeBytes(mask: Mask, options: EncodeOptions = {}): Uint8Array {
  if (!(mask instanceof Mask)) throw new RleError('INVALID_OPTION', 'encode needs a Mask', { expected: 'a Mask', received: typeof mask });
  const style = options.style ?? 'converter';
  if (style !== 'converter' && style !== 'web') {
    throw new RleError('INVALID_OPTION', 'Unknown brush RLE style', { path: ['style'], expected: '"converter" or "web"', received: shown(style) });
  }
  const value = options.value ?? 255;
  if (!Number.isInteger(value) || value < 1 || value > 255) {
    throw new RleError('INVALID_OPTION', 'Invalid foreground value', { path: ['value'], expected: 'an integer from 1 to 255', received: shown(value) });
  }
  const total = mask.pixels;
  if (total > MAX_BRUSH_PIXELS) {
    throw new RleError('LIMIT_EXCEEDED', `A ${mask.height}x${mask.width} mask is too large for a brush RLE`, { expected: `at most ${MAX_BRUSH_PIXELS} pixels (4 bytes each must fit the 32-bit length)`, received: String(total) });
  }
  const converter = style === 'converter';
  const runs = mask.runsView('row');
  // Every run is 4·r equal bytes (r ≥ 1), so neither encoder ever writes a literal chunk here,
  // and rle-pack's lost-last-value bug (a final run of 65536·k + 1) cannot occur.
  let chunks = 0;
  for (let k = 0; k < runs.length; k++) if (runs[k]! > 0) chunks += Math.ceil(runs[k]! / 16384);
  const out = new Uint8Array(Math.ceil((HEADER_BITS + chunks * 27) / 8) + 2);
  const num = 4 * total;
  // Header: num (32), wordSize − 1 = 7 (5), size classes 3, 4, 8, 16 bits as 2, 3, 7, 15 (4 each);
  // its 53 bits leave 5 bits pending in acc.
  out[0] = num >>> 24;
  out[1] = num >>> 16;
  out[2] = num >>> 8;
  out[3] = num;
  out[4] = 0b00111001; // 00111 (7) · 001 of 0010 (2)
  out[5] = 0b00011011; // 0 of 0010 · 0011 (3) · 011 of 0111 (7)
  let o = 6, acc = 0b11111, nacc = 5; // 1 of 0111 · 1111 (15)
  // Written inline (no closure) in two pieces per chunk, flag·class·length (≤ 19 bits) then the
  // word (8), so at most 7 pending bits + 19 stay below 2^26.
  for (let k = 0; k < runs.length; k++) {
    let len = 4 * runs[k]!;
    if (len === 0) continue;
    const v = k & 1 ? value : 0;
    // Both encoders split runs into 65536-value repeats; the remainder is 1..65536 values.
    const big = converter && len > 256;
    while (len > 65536) {
      acc = (acc << 19) | 0b1110000000000000000 | 0xffff;
      nacc += 19;
      while (nacc >= 8) { nacc -= 8; out[o++] = acc >>> nacc; }
      acc = (acc << 8) | v;
      out[o++] = acc >>> nacc;
      acc &= (1 << nacc) - 1;
      len -= 65536;
    }
    const m = len - 1;
    let head: number, sz: number;
    if (big) { head = 0b111; sz = 16; } else if (converter ? len <= 8 : m < 8) { head = 0b100; sz = 3; } else if (converter ? len <= 16 : m < 16) { head = 0b101; sz = 4; } else if (converter ? len <= 256 : m < 256) { head = 0b110; sz = 8; } else { head = 0b111; sz = 16; }
    acc = (acc << (3 + sz)) | (head << sz) | m;
    nacc += 3 + sz;
    while (nacc >= 8) { nacc -= 8; out[o++] = acc >>> nacc; }
    acc = (acc << 8) | v;
    out[o++] = acc >>> nacc;
    acc &= (1 << nacc) - 1;
  }
  // The converter pads 1..8 zero bits (a whole byte when aligned); the web app 0..7.
  if (nacc > 0) out[o++] = acc << (8 - nacc);
  else if (converter) out[o++] = 0;
  return out.slice(0, o);
}

/**
 * {@link encodeBytes} as the JSON array of bytes Label Studio stores in `value.rle`.
 * @example
 * ```ts
 * // The brush result's `rle` list: a bit stream of RGBA bytes, run-length coded.
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * encode(mask).length; // → 18
 * ```
 */
export function encode(mask: Mask, options: EncodeOptions = {}): number[] {
  const bytes = encodeBytes(mask, options);
  const out = new Array<number>(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]!;
  return out;
}
