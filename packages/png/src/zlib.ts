/**
 * zlib (RFC 1950) for PNG image data: Node's own zlib (the C library) where it exists, fflate
 * (browser-safe, synchronous) elsewhere and for every stream the native path does not take
 * cleanly. This file only adds what PNG needs around it: the exact output size the header
 * promises, the zlib header and Adler-32 checks (fflate's `unzlibSync` skips the checksum), and
 * RleErrors.
 */
import { RleError } from '@rlekit/core';
import { Inflate, inflateSync, zlibSync } from 'fflate';

/** The part of node:zlib used here. */
interface NativeZlib {
  deflateSync(data: Uint8Array, options: { level: number; strategy: number }): Uint8Array;
  inflateSync(data: Uint8Array, options: { maxOutputLength: number; chunkSize: number; info: true }): { buffer: Uint8Array; engine: { bytesWritten: number } };
  constants: { Z_RLE: number; Z_DEFAULT_STRATEGY: number; Z_FINISH: number };
  Inflate: new () => NativeInflater;
  /** Node 20.15+. */
  crc32?: (data: Uint8Array) => number;
}

/**
 * node:zlib through process.getBuiltinModule (Node 20.16+), so a browser bundle neither imports
 * nor polyfills it. The C code deflates label maps 10 to 20 times faster than fflate, and
 * inflates 2 to 4 times faster.
 */
const nodeZlib: NativeZlib | undefined = (() => {
  try {
    const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const z = p?.getBuiltinModule?.('node:zlib') as NativeZlib | undefined;
    return typeof z?.deflateSync === 'function' && typeof z.inflateSync === 'function' ? z : undefined;
  } catch {
    return undefined;
  }
})();

let native = nodeZlib;

/**
 * The part of a node:zlib Inflate stream used to inflate into memory of our own: its handle's
 * synchronous write (what inflateSync calls underneath) and the state that write leaves. Not
 * public API, so every piece is checked before use and any surprise falls back to inflateSync.
 */
interface NativeInflater {
  _handle: { writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, out: Uint8Array, outOffset: number, outLength: number): void } | null;
  /** [output bytes left, input bytes left] after the last write. */
  _writeState: Uint32Array;
  destroyed: boolean;
  reset(): void;
  on(event: 'error', listener: () => void): unknown;
}

/** One inflater per thread, reset after each stream; null once this Node has shown it lacks the internals. */
let inflater: NativeInflater | null | undefined;

/** Tests: whether inflating into given memory has the C inflater on this Node (it reads internals that could change). @internal */
export function nativeInflaterState(): 'not yet made' | 'ready' | 'unavailable' {
  return inflater === null ? 'unavailable' : inflater === undefined ? 'not yet made' : 'ready';
}

/**
 * Inflates `input` into `out[0, outSize]` with the C inflater, into memory that is already the
 * caller's: inflateSync would hand back a fresh buffer, and on this kind of VM faulting its
 * pages in costs 10 times the inflate itself (370 µs against 30 µs for 300 KB of scanlines).
 * True only when the stream ended cleanly there: exactly `outSize` bytes (`out` has one more to
 * show a longer stream), the whole input consumed (so the Adler-32 it checked is the last 4
 * bytes). False for anything else, which the caller hands to the path that says what is wrong.
 */
function nativeInflateInto(input: Uint8Array, out: Uint8Array, outSize: number): boolean {
  if (native === undefined || inflater === null) return false;
  try {
    if (inflater === undefined) {
      const i = new native.Inflate();
      if (typeof i._handle?.writeSync !== 'function' || !(i._writeState instanceof Uint32Array) || typeof i.reset !== 'function') {
        inflater = null;
        return false;
      }
      // A failed write destroys the stream, which then emits its error: listened to, so it never reaches the process.
      i.on('error', () => {});
      inflater = i;
    }
    const i = inflater;
    // A state the write must overwrite: one it left untouched reads as input left over, never as success.
    i._writeState[0] = 0;
    i._writeState[1] = 1;
    i._handle!.writeSync(native.constants.Z_FINISH, input, 0, input.length, out, 0, outSize + 1);
    // A data error, a bad checksum or a short stream destroy the stream: the next call makes another.
    if (i.destroyed || i._handle === null) {
      inflater = undefined;
      return false;
    }
    const outLeft = i._writeState[0]!, inLeft = i._writeState[1]!;
    i.reset();
    return outSize + 1 - outLeft === outSize && inLeft === 0;
  } catch {
    inflater = undefined;
    return false;
  }
}

/** CRC-32 of a chunk through Node's zlib (8 to 16 bytes a cycle), when present and long enough to pay for the call; undefined otherwise. @internal */
export function nativeCrc32(bytes: Uint8Array): number | undefined {
  return native?.crc32 !== undefined && bytes.length >= 256 ? native.crc32(bytes) >>> 0 : undefined;
}

/** Tests: take the fflate path, as browsers do (false), or Node's zlib again (true). @internal */
export function useNativeZlib(on: boolean): void {
  native = on ? nodeZlib : undefined;
}

/**
 * fflate: level 1. On the bench masks fflate takes the same time at levels 1 to 6 (it hashes
 * every byte) and level 6 is 2-5% smaller, but on busy label maps and noise level 6 is 2 to 7
 * times slower.
 */
const DEFLATE_LEVEL = 1;
/**
 * Native: level 6 with the Z_RLE strategy (matches at distance 1 only). Up-filtered mask and label
 * rows are runs of zeros and of one value, which is all Z_RLE looks for: on the bench masks it is
 * smaller than fflate's level 1 and than zlib's default strategy at level 1, 4 to 15 times faster
 * than zlib's default level 6 (Pillow's setting), and as fast as level 1.
 */
const NATIVE_LEVEL = 6;
/**
 * Native, for busy data (most rows noise or texture, written unfiltered), deflated this way too
 * and kept when smaller: level 4 with the default strategy. Z_RLE finds no runs there and writes
 * nearly all literals; where there are matches to find (two-label noise) level 4 is smaller and
 * inflates 3 times faster: 162 KB against 176 KB for 1000×1000 (Pillow 157 KB), 0.9 ms against
 * 2.8 ms. With four labels and more it is larger, and Z_RLE's stream is kept.
 */
const NATIVE_BUSY_LEVEL = 4;

/** Deflate cannot expand more than 1032:1 (a 258-byte match costs at least 2 bits). */
const MAX_RATIO = 1032;
/** Bytes a hostile stream may inflate past the promised size before it is caught: bounds the wasted work. */
const OVERRUN = 1 << 24;
/** Smallest piece of deflate data handed to fflate's streaming inflater at once. */
const MIN_PIECE = 1 << 14;

export function adler32(data: Uint8Array, start = 0, end = data.length): number {
  let a = 1, b = 0;
  let i = start;
  while (i < end) {
    const stop = Math.min(end, i + 1504); // blocks this short keep both sums below 2^30: small integers, fast in V8
    // Eight bytes per step: b gains 8a + 8x0 + 7x1 + ... + x7, a gains their sum.
    for (const stop8 = stop - 7; i < stop8; i += 8) {
      const x0 = data[i]!, x1 = data[i + 1]!, x2 = data[i + 2]!, x3 = data[i + 3]!;
      const x4 = data[i + 4]!, x5 = data[i + 5]!, x6 = data[i + 6]!, x7 = data[i + 7]!;
      b += 8 * a + 8 * x0 + 7 * x1 + 6 * x2 + 5 * x3 + 4 * x4 + 3 * x5 + 2 * x6 + x7;
      a += x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
    }
    for (; i < stop; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Deflate data that can inflate to at most `budget + OVERRUN` bytes, so a piece never runs far past the promised size. */
function pieceFor(budget: number): number {
  return Math.max(MIN_PIECE, Math.floor((budget + OVERRUN) / MAX_RATIO));
}

const tooLong = (outSize: number): RleError =>
  new RleError('CORRUPT', 'Image data inflates to more bytes than the header allows', { expected: `${outSize} bytes` });

/**
 * Inflates a zlib stream into exactly `outSize` bytes. Throws CORRUPT for malformed data, a bad
 * checksum or more output than expected, TRUNCATED when the stream ends early or inflates to
 * fewer bytes. Never allocates much more than `outSize`, and stops soon after a stream runs past it.
 * @example
 * ```ts
 * Array.from(inflateZlib(deflateZlib(Uint8Array.from([1, 2, 3])), 3)); // → [1, 2, 3]
 * ```
 */
export function inflateZlib(input: Uint8Array, outSize: number): Uint8Array {
  return inflateZlibInto(input, outSize, undefined);
}

/**
 * {@link inflateZlib} into `out` (at least `outSize + 1` bytes) when given: the result is its
 * first `outSize` bytes. For scratch memory a decoder reuses from one image to the next. @internal
 */
export function inflateZlibInto(input: Uint8Array, outSize: number, out: Uint8Array | undefined): Uint8Array {
  if (out !== undefined && out.length < outSize + 1) throw new RangeError(`inflateZlibInto: out holds ${out.length} bytes, ${outSize + 1} needed`);
  if (input.length < 2) throw new RleError('TRUNCATED', 'Image data ends before the zlib header', { expected: '2 header bytes', received: `${input.length} bytes` });
  const cmf = input[0]!, flg = input[1]!;
  if ((cmf & 0x0f) !== 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 !== 0) {
    throw new RleError('CORRUPT', 'Invalid zlib header in the image data', { offset: 0, expected: 'deflate with a valid header check', received: `0x${cmf.toString(16)} 0x${flg.toString(16)}` });
  }
  if (flg & 0x20) throw new RleError('UNSUPPORTED', 'zlib preset dictionaries are not allowed in PNG', { offset: 1 });
  // The Adler-32 is the last 4 bytes (as fflate's unzlibSync assumes too): trailing bytes after it read as a bad checksum.
  if (input.length < 7) throw new RleError('TRUNCATED', 'Image data ends inside the zlib stream', { offset: input.length, expected: 'deflate data and a 4-byte Adler-32' });
  if (out !== undefined) {
    if (nativeInflateInto(input, out, outSize)) return out.subarray(0, outSize);
  } else if (native !== undefined) {
    // The C inflater, taken only when it ends cleanly: exactly the promised bytes, and the whole
    // input consumed (so the Adler-32 it verified is the last 4 bytes). Anything else goes down
    // the fflate path, which says exactly what is wrong; maxOutputLength bounds the work first.
    let r: { buffer: Uint8Array; engine: { bytesWritten: number } } | undefined;
    try {
      // One output chunk of the promised size (+1 to see a longer stream): no concatenation of 16 KB pieces.
      r = native.inflateSync(input, { maxOutputLength: outSize + 1, chunkSize: Math.max(64, outSize + 1), info: true });
    } catch {
      r = undefined;
    }
    if (r !== undefined && r.buffer.length === outSize && r.engine.bytesWritten === input.length) {
      const b = r.buffer;
      // A plain Uint8Array at offset 0 (word views of it need alignment; Buffer.slice shares memory).
      return b.byteOffset === 0 ? new Uint8Array(b.buffer, 0, outSize) : new Uint8Array(b);
    }
  }
  const body = input.subarray(2, input.length - 4);
  let result: Uint8Array;
  let n: number;
  try {
    if (body.length <= pieceFor(outSize)) {
      // One call into a buffer one byte larger than promised: fflate silently drops what does not
      // fit, so a full extra byte is how a longer stream shows.
      const buf = out?.subarray(0, outSize + 1) ?? new Uint8Array(outSize + 1);
      n = inflateSync(body, { out: buf }).length;
      result = buf.subarray(0, outSize);
    } else {
      // Data that could expand far past the promised size goes in pieces, checked after each one,
      // so a crafted stream cannot keep the inflater busy for long.
      const buf = out?.subarray(0, outSize) ?? new Uint8Array(outSize);
      result = buf;
      n = 0;
      const pieces = new Inflate((chunk: Uint8Array) => {
        if (n + chunk.length > outSize) throw tooLong(outSize);
        buf.set(chunk, n);
        n += chunk.length;
      });
      for (let p = 0; p < body.length; ) {
        const end = Math.min(body.length, p + pieceFor(outSize - n));
        pieces.push(body.subarray(p, end), end === body.length);
        p = end;
      }
    }
  } catch (e) {
    if (e instanceof RleError) throw e;
    // fflate's errors carry a numeric code; 0 is "unexpected EOF".
    if ((e as { code?: unknown }).code === 0) {
      throw new RleError('TRUNCATED', 'Image data ends inside the deflate stream', { offset: input.length, expected: 'more compressed data (a short or missing IDAT?)' });
    }
    throw new RleError('CORRUPT', `Invalid deflate data in the image data: ${(e as Error).message}`, { expected: 'a valid deflate stream' });
  }
  if (n > outSize) throw tooLong(outSize);
  if (n < outSize) throw new RleError('TRUNCATED', 'Image data inflates to fewer bytes than the header requires', { expected: `${outSize} bytes`, received: `${n} bytes` });
  const at = input.length - 4;
  const sum = ((input[at]! << 24) | (input[at + 1]! << 16) | (input[at + 2]! << 8) | input[at + 3]!) >>> 0;
  if (sum !== adler32(result)) throw new RleError('CORRUPT', 'Adler-32 checksum of the image data does not match', { offset: at });
  return result;
}

/**
 * Compresses `data` into a zlib stream (deterministic: the same bytes give the same stream).
 * `busy`: the data are mostly noise or texture rather than runs, and Node's zlib also tries them as
 * ordinary data (the smaller stream is kept; fflate's one setting serves both).
 * @example
 * ```ts
 * deflateZlib(new Uint8Array(1000)).length < 100; // → true
 * ```
 */
export function deflateZlib(data: Uint8Array, busy = false): Uint8Array {
  if (native !== undefined) {
    let b = native.deflateSync(data, { level: NATIVE_LEVEL, strategy: native.constants.Z_RLE });
    if (busy) {
      const other = native.deflateSync(data, { level: NATIVE_BUSY_LEVEL, strategy: native.constants.Z_DEFAULT_STRATEGY });
      if (other.length < b.length) b = other;
    }
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  }
  return zlibSync(data, { level: DEFLATE_LEVEL });
}
