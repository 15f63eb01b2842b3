/**
 * The RLE Lossless codec of DICOM PS3.5 Annex G: a 64-byte header of 16 little-endian
 * uint32 (segment count, then segment offsets), then one PackBits-coded segment per byte
 * plane, most significant byte plane first, sample by sample.
 */
import { describeValue, RleError, RunBuilder } from '@rlekit/core';

/** What a frame's pixels look like; the same values the data set's Image Pixel module holds. */
export interface FrameInfo {
  rows: number;
  columns: number;
  /** 1, 8, 16 or 32. 1-bit pixels are one byte (0/1) per pixel, as CP-2301 reads Annex G. */
  bitsAllocated: number;
  /** 1 (grey) or 3 (colour); default 1. */
  samplesPerPixel?: number;
}

/** Decoded pixels: samples interleaved by pixel, row-major; one byte per pixel for 1-bit. */
export type FramePixels = Uint8Array | Uint16Array | Uint32Array;

const HEADER = 64;
const MAX_SEGMENTS = 15;

/** Checks frame geometry and returns [pixels, samples, bytes per sample]. */
export function checkFrameInfo(info: FrameInfo, path: (string | number)[] = []): [number, number, number] {
  const { rows, columns, bitsAllocated } = info ?? ({} as FrameInfo);
  const samples = info?.samplesPerPixel ?? 1;
  if (!Number.isSafeInteger(rows) || rows < 0 || rows > 0xffff) {
    throw new RleError('INVALID_SIZE', 'Invalid Rows', { path: [...path, 'rows'], expected: 'an integer from 0 to 65535', received: describeValue(rows) });
  }
  if (!Number.isSafeInteger(columns) || columns < 0 || columns > 0xffff) {
    throw new RleError('INVALID_SIZE', 'Invalid Columns', { path: [...path, 'columns'], expected: 'an integer from 0 to 65535', received: describeValue(columns) });
  }
  if (bitsAllocated !== 1 && bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) {
    throw new RleError('UNSUPPORTED', 'Unsupported BitsAllocated', { path: [...path, 'bitsAllocated'], expected: '1, 8, 16 or 32', received: describeValue(bitsAllocated) });
  }
  if (!Number.isSafeInteger(samples) || samples < 1 || samples > 4) {
    throw new RleError('UNSUPPORTED', 'Unsupported SamplesPerPixel', { path: [...path, 'samplesPerPixel'], expected: 'an integer from 1 to 4', received: describeValue(samples) });
  }
  if (bitsAllocated === 1 && samples !== 1) {
    throw new RleError('UNSUPPORTED', '1-bit frames have one sample per pixel', { path: [...path, 'samplesPerPixel'], expected: '1', received: describeValue(samples) });
  }
  const bytes = bitsAllocated === 1 ? 1 : bitsAllocated / 8;
  if (samples * bytes > MAX_SEGMENTS) {
    throw new RleError('UNSUPPORTED', 'RLE Lossless holds at most 15 byte segments', { path, expected: 'SamplesPerPixel * BitsAllocated/8 <= 15', received: describeValue(samples * bytes) });
  }
  return [rows * columns, samples, bytes];
}

/** Reads the 64-byte header and returns the [start, end) of each segment, checked against the fragment. */
export function segmentBounds(fragment: Uint8Array, expectedSegments: number): Uint32Array {
  if (fragment.length < HEADER) {
    throw new RleError('TRUNCATED', 'RLE fragment is shorter than its 64-byte header', { offset: 0, expected: 'at least 64 bytes', received: describeValue(fragment.length) });
  }
  const view = new DataView(fragment.buffer, fragment.byteOffset, HEADER);
  const n = view.getUint32(0, true);
  if (n !== expectedSegments) {
    throw new RleError('INVALID_STRUCTURE', 'RLE header has the wrong number of segments', { offset: 0, expected: `${expectedSegments} (SamplesPerPixel * BitsAllocated/8)`, received: describeValue(n) });
  }
  const bounds = new Uint32Array(n * 2);
  for (let s = 0; s < n; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    if (start < HEADER || start > fragment.length) {
      throw new RleError('CORRUPT', `RLE segment ${s + 1} offset is outside the fragment`, { offset: 4 + 4 * s, expected: `64..${fragment.length}`, received: describeValue(start) });
    }
    if (s > 0 && start < bounds[2 * s - 2]!) {
      throw new RleError('CORRUPT', `RLE segment ${s + 1} starts before segment ${s}`, { offset: 4 + 4 * s, expected: `>= ${bounds[2 * s - 2]}`, received: describeValue(start) });
    }
    bounds[2 * s] = start;
    if (s > 0) bounds[2 * s - 1] = start;
  }
  if (n > 0) bounds[2 * n - 1] = fragment.length;
  return bounds;
}

/**
 * PackBits-decodes `src[start, end)` into `out[0, size)` and returns the bytes produced.
 * Stops at `size` (trailing pad bytes, even non-zero ones, are ignored); 0x80 is a no-op.
 * A run that would write past `size` breaks pixels: CORRUPT.
 */
export function unpackBits(src: Uint8Array, start: number, end: number, out: Uint8Array, size: number, segment = 1): number {
  let i = start, o = 0;
  while (o < size && i < end) {
    const n = src[i++]!;
    // A header byte that ends the segment is its even-length pad (any value): nothing follows it.
    if (i === end) break;
    if (n < 128) {
      const count = n + 1;
      if (i + count > end) throw new RleError('TRUNCATED', `RLE segment ${segment}: literal run ends past the segment`, { offset: i - 1, expected: `${count} bytes`, received: describeValue(end - i) });
      if (o + count > size) throw new RleError('CORRUPT', `RLE segment ${segment}: literal run overflows the segment`, { offset: i - 1, expected: `at most ${size - o} bytes`, received: describeValue(count) });
      // Short literals are copied by hand: a subarray per run costs more than the bytes.
      if (count < 16) for (let k = 0; k < count; k++) out[o + k] = src[i + k]!;
      else out.set(src.subarray(i, i + count), o);
      i += count;
      o += count;
    } else if (n > 128) {
      const count = 257 - n;
      if (i >= end) throw new RleError('TRUNCATED', `RLE segment ${segment}: replicate run has no byte`, { offset: i - 1, expected: '1 byte' });
      if (o + count > size) throw new RleError('CORRUPT', `RLE segment ${segment}: replicate run overflows the segment`, { offset: i - 1, expected: `at most ${size - o} bytes`, received: describeValue(count) });
      const v = src[i++]!;
      if (count < 16) for (let k = 0; k < count; k++) out[o + k] = v;
      else out.fill(v, o, o + count);
      o += count;
    }
  }
  return o;
}

/**
 * PackBits-decodes a segment of 0/non-zero bytes straight into runs (non-zero = foreground),
 * without a pixel buffer. Returns the number of pixels produced (may be short).
 */
export function unpackBitsToRuns(src: Uint8Array, start: number, end: number, b: RunBuilder, size: number, isSet: (v: number) => boolean): number {
  let i = start, o = 0;
  while (o < size && i < end) {
    const n = src[i++]!;
    // A header byte that ends the segment is its even-length pad (any value): nothing follows it.
    if (i === end) break;
    if (n < 128) {
      const count = n + 1;
      if (i + count > end) throw new RleError('TRUNCATED', 'RLE segment: literal run ends past the segment', { offset: i - 1, expected: `${count} bytes`, received: describeValue(end - i) });
      if (o + count > size) throw new RleError('CORRUPT', 'RLE segment: literal run overflows the segment', { offset: i - 1, expected: `at most ${size - o} bytes`, received: describeValue(count) });
      for (let k = 0; k < count; k++) b.append(isSet(src[i + k]!), 1);
      i += count;
      o += count;
    } else if (n > 128) {
      const count = 257 - n;
      if (i >= end) throw new RleError('TRUNCATED', 'RLE segment: replicate run has no byte', { offset: i - 1, expected: '1 byte' });
      if (o + count > size) throw new RleError('CORRUPT', 'RLE segment: replicate run overflows the segment', { offset: i - 1, expected: `at most ${size - o} bytes`, received: describeValue(count) });
      b.append(isSet(src[i++]!), count);
      o += count;
    }
  }
  return o;
}

/** Unpacks `count` bits LSB-first starting at bit `bitOffset` of `src` into 0/1 bytes. */
export function unpackBitsLsb(src: Uint8Array, bitOffset: number, count: number, out: Uint8Array = new Uint8Array(count)): Uint8Array {
  for (let p = 0; p < count; p++) {
    const bit = bitOffset + p;
    out[p] = (src[bit >>> 3]! >>> (bit & 7)) & 1;
  }
  return out;
}

/**
 * Decodes one RLE Lossless frame (one fragment). 1-bit frames come back as one byte (0/1) per
 * pixel; the superseded bit-packed 1-bit layout (a segment of ceil(R*C/8) bytes) is recognised
 * by its length and unpacked LSB first.
 * @example
 * ```ts
 * const info = { rows: 3, columns: 4, bitsAllocated: 8 };
 * const fragment = encodeRleFrame(Uint8Array.from([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1]), info);
 * Array.from(decodeRleFrame(fragment, info)); // → [0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1]
 * ```
 */
export function decodeRleFrame(fragment: Uint8Array, info: FrameInfo): FramePixels {
  if (!(fragment instanceof Uint8Array)) {
    throw new RleError('INVALID_OPTION', 'fragment must be a Uint8Array', { received: Object.prototype.toString.call(fragment) });
  }
  const [pixels, samples, bytes] = checkFrameInfo(info);
  const nseg = samples * bytes;
  const bounds = segmentBounds(fragment, nseg);
  // PackBits expands at most 64-fold (2 bytes → 128), so a segment too short to fill its plane is
  // refused before the plane is allocated: a small file cannot reserve gigabytes.
  const need = info.bitsAllocated === 1 ? Math.ceil(pixels / 8) : pixels;
  for (let seg = 0; seg < nseg; seg++) {
    const length = bounds[2 * seg + 1]! - bounds[2 * seg]!;
    if (length * 64 < need) {
      throw new RleError('TRUNCATED', `RLE segment ${seg + 1} is too short to decode to Rows * Columns bytes`, { offset: bounds[2 * seg], expected: `at least ${Math.ceil(need / 64)} bytes`, received: describeValue(length) });
    }
  }
  if (info.bitsAllocated === 1 || (bytes === 1 && samples === 1)) {
    const out = new Uint8Array(pixels);
    const got = unpackBits(fragment, bounds[0]!, bounds[1]!, out, pixels);
    if (got === pixels) {
      if (info.bitsAllocated === 1) for (let p = 0; p < pixels; p++) out[p] = out[p] === 0 ? 0 : 1;
      return out;
    }
    if (info.bitsAllocated === 1 && got === Math.ceil(pixels / 8)) return unpackBitsLsb(out.slice(0, got), 0, pixels);
    throw new RleError('TRUNCATED', 'RLE segment 1 decodes to fewer bytes than Rows * Columns', { offset: bounds[0], expected: String(pixels), received: describeValue(got) });
  }
  const planes: Uint8Array[] = [];
  for (let seg = 0; seg < nseg; seg++) {
    const plane = new Uint8Array(pixels);
    const got = unpackBits(fragment, bounds[2 * seg]!, bounds[2 * seg + 1]!, plane, pixels, seg + 1);
    if (got !== pixels) {
      throw new RleError('TRUNCATED', `RLE segment ${seg + 1} decodes to fewer bytes than Rows * Columns`, { offset: bounds[2 * seg], expected: String(pixels), received: describeValue(got) });
    }
    planes.push(plane);
  }
  // One monomorphic loop per sample type: planes are MSB first, samples interleaved by pixel.
  if (bytes === 1) {
    const out = new Uint8Array(pixels * samples);
    for (let s = 0; s < samples; s++) {
      const a = planes[s]!;
      for (let p = 0, q = s; p < pixels; p++, q += samples) out[q] = a[p]!;
    }
    return out;
  }
  if (bytes === 2) {
    const out = new Uint16Array(pixels * samples);
    for (let s = 0; s < samples; s++) {
      const hi = planes[2 * s]!, lo = planes[2 * s + 1]!;
      for (let p = 0, q = s; p < pixels; p++, q += samples) out[q] = (hi[p]! << 8) | lo[p]!;
    }
    return out;
  }
  const out = new Uint32Array(pixels * samples);
  for (let s = 0; s < samples; s++) {
    const b0 = planes[4 * s]!, b1 = planes[4 * s + 1]!, b2 = planes[4 * s + 2]!, b3 = planes[4 * s + 3]!;
    for (let p = 0, q = s; p < pixels; p++, q += samples) out[q] = ((b0[p]! << 24) | (b1[p]! << 16) | (b2[p]! << 8) | b3[p]!) >>> 0;
  }
  return out;
}

/**
 * PackBits writer with the policy of Annex G and the vectors: replicate runs for 3+ equal
 * bytes, and for 2 when no literal is pending; literals otherwise; runs of at most 128; the
 * caller ends each row so no run crosses a row boundary.
 */
export class PackBitsWriter {
  buf: Uint8Array;
  length = 0;
  /** Start of the pending literal's count byte, or -1. */
  private lit = -1;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends `count` copies of byte `v` (within the current row). */
  repeat(v: number, count: number): void {
    if (count >= 3 || (count === 2 && this.lit < 0)) {
      this.lit = -1;
      this.reserve(2 * Math.ceil(count / 128));
      const buf = this.buf;
      while (count > 0) {
        const c = count > 128 ? 128 : count;
        if (c === 1) {
          buf[this.length++] = 0;
        } else {
          buf[this.length++] = 257 - c;
        }
        buf[this.length++] = v;
        count -= c;
      }
      return;
    }
    this.reserve(4);
    for (let k = 0; k < count; k++) {
      if (this.lit < 0 || this.buf[this.lit] === 127) {
        this.lit = this.length;
        this.buf[this.length++] = 0xff; // becomes 0 on the first byte
      }
      this.buf[this.lit] = (this.buf[this.lit]! + 1) & 0xff;
      this.buf[this.length++] = v;
    }
  }

  /** Closes the pending literal: runs never cross a row boundary. */
  endRow(): void {
    this.lit = -1;
  }

  /** Pads to even length with 0x00, as G.4 requires. */
  padEven(): void {
    if (this.length & 1) {
      this.reserve(1);
      this.buf[this.length++] = 0;
      this.lit = -1;
    }
  }
}

/**
 * PackBits-codes a byte plane row by row with {@link PackBitsWriter}'s policy, inlined for speed;
 * returns the segment padded to even length with 0x00.
 */
export function packPlane(plane: Uint8Array, rows: number, columns: number): Uint8Array {
  let out = new Uint8Array(rows * columns + rows * 4 + 64);
  let o = 0;
  for (let r = 0; r < rows; r++) {
    // Worst case for one row: a count byte per byte.
    if (o + 2 * columns + 2 > out.length) {
      const next = new Uint8Array(Math.max(out.length * 2, o + 2 * columns + 2));
      next.set(out.subarray(0, o));
      out = next;
    }
    const end = (r + 1) * columns;
    let i = r * columns, litStart = -1, litN = 0;
    while (i < end) {
      const v = plane[i]!;
      let j = i + 1;
      while (j < end && plane[j] === v) j++;
      let n = j - i;
      if (n >= 3 || (n === 2 && litN === 0)) {
        if (litN > 0) { out[litStart] = litN - 1; litN = 0; }
        while (n > 0) {
          const c = n > 128 ? 128 : n;
          out[o++] = c === 1 ? 0 : 257 - c;
          out[o++] = v;
          n -= c;
        }
      } else {
        for (let k = 0; k < n; k++) {
          if (litN === 0 || litN === 128) {
            if (litN > 0) out[litStart] = 127;
            litStart = o++;
            litN = 0;
          }
          out[o++] = v;
          litN++;
        }
      }
      i = j;
    }
    if (litN > 0) out[litStart] = litN - 1;
  }
  if (o & 1) out[o++] = 0;
  return out.slice(0, o);
}

/** Assembles a fragment from a header and segments. */
export function assembleFragment(segments: Uint8Array[]): Uint8Array {
  let total = HEADER;
  for (const s of segments) total += s.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, segments.length, true);
  let o = HEADER;
  segments.forEach((s, k) => {
    view.setUint32(4 + 4 * k, o, true);
    out.set(s, o);
    o += s.length;
  });
  return out;
}

/**
 * Encodes one frame (samples interleaved by pixel, row-major; 1-bit as one 0/1 byte per pixel)
 * into one RLE Lossless fragment: spec-clean runs, rows never crossed, segments padded to even
 * length with 0x00, unused header offsets 0.
 * @example
 * ```ts
 * // RLE Lossless (PS3.5 Annex G): a 64-byte header, then one PackBits segment per byte plane.
 * const fragment = encodeRleFrame(Uint8Array.from([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1]), { rows: 3, columns: 4, bitsAllocated: 8 });
 * new DataView(fragment.buffer, fragment.byteOffset).getUint32(0, true); // → 1
 * ```
 */
export function encodeRleFrame(pixels: ArrayLike<number>, info: FrameInfo): Uint8Array {
  const [count, samples, bytes] = checkFrameInfo(info);
  if (pixels == null || typeof pixels.length !== 'number' || pixels.length !== count * samples) {
    throw new RleError('INVALID_BITMAP', 'Pixel array length is not Rows * Columns * SamplesPerPixel', { expected: String(count * samples), received: describeValue(pixels?.length) });
  }
  const { rows, columns } = info;
  if (info.bitsAllocated !== 1 && !fitsSamples(pixels, bytes)) {
    // Byte planes keep only the low BitsAllocated bits: a value that does not fit would wrap silently.
    const lo = -(2 ** (bytes * 8 - 1)), hi = 2 ** (bytes * 8) - 1;
    for (let p = 0; p < pixels.length; p++) {
      const v = pixels[p]!;
      if (!Number.isInteger(v) || v < lo || v > hi) {
        throw new RleError('INVALID_BITMAP', `Pixel value does not fit ${bytes * 8} bits`, { path: ['pixels', p], expected: `integers from ${lo} to ${hi}`, received: describeValue(v) });
      }
    }
  }
  const nseg = samples * bytes;
  const plane = new Uint8Array(count);
  const segments: Uint8Array[] = [];
  for (let s = 0; s < samples; s++) {
    for (let k = 0; k < bytes; k++) {
      const shift = 8 * (bytes - 1 - k);
      if (info.bitsAllocated === 1) {
        for (let p = 0; p < count; p++) plane[p] = pixels[p] ? 1 : 0;
      } else if (samples === 1 && shift === 0 && pixels instanceof Uint8Array) {
        plane.set(pixels);
      } else if (pixels instanceof Uint16Array) {
        for (let p = 0, q = s; p < count; p++, q += samples) plane[p] = (pixels[q]! >>> shift) & 0xff;
      } else if (pixels instanceof Uint32Array) {
        for (let p = 0, q = s; p < count; p++, q += samples) plane[p] = (pixels[q]! >>> shift) & 0xff;
      } else {
        for (let p = 0, q = s; p < count; p++, q += samples) plane[p] = (pixels[q]! >>> shift) & 0xff;
      }
      segments.push(packPlane(plane, rows, columns));
    }
  }
  if (segments.length !== nseg) throw new Error('unreachable');
  return assembleFragment(segments);
}

/** Whether every value of a typed array of this kind fits `bytes`-byte samples, so no check is needed. */
function fitsSamples(pixels: ArrayLike<number>, bytes: number): boolean {
  if (pixels instanceof Uint8Array || pixels instanceof Int8Array || pixels instanceof Uint8ClampedArray) return true;
  if (pixels instanceof Uint16Array || pixels instanceof Int16Array) return bytes >= 2;
  if (pixels instanceof Uint32Array || pixels instanceof Int32Array) return bytes >= 4;
  return false;
}

/** Encodes a binary mask's row-major runs as a 1-segment fragment of `value`/0 bytes, from the runs alone. */
export function encodeRunsFrame(rowRuns: Uint32Array, rows: number, columns: number, value: number): Uint8Array {
  const w = new PackBitsWriter(64 + rowRuns.length * 4 + rows * 4);
  let k = 0, left = rowRuns.length > 0 ? rowRuns[0]! : 0;
  for (let r = 0; r < rows; r++) {
    let need = columns;
    while (need > 0) {
      while (left === 0) left = rowRuns[++k]!;
      const take = left < need ? left : need;
      w.repeat((k & 1) === 1 ? value : 0, take);
      left -= take;
      need -= take;
    }
    w.endRow();
  }
  w.padEven();
  return assembleFragment([w.buf.subarray(0, w.length)]);
}
