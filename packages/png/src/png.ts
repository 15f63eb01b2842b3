/**
 * The PNG container: chunks, CRCs, IHDR/PLTE/tRNS, scanline filters and Adam7 passes.
 * Decoding stops at raw (unfiltered) scanlines; the codecs read samples from them row by row.
 */
import { checkSize, RleError } from '@rlekit/core';
import { deflateZlib, inflateZlibInto, nativeCrc32 } from './zlib.js';

// Typed `Uint8Array`, not the inferred `Uint8Array<ArrayBuffer>` that TypeScript before 5.7 cannot read in the .d.ts.
export const PNG_SIGNATURE: Uint8Array = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

/** Default limit on decoded pixels: 2^28 (about 16k × 16k). */
export const DEFAULT_MAX_PIXELS = 268_435_456;

/** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
export type ColorType = 0 | 2 | 3 | 4 | 6;

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: ColorType;
  interlaced: boolean;
}

/** One Adam7 pass (or the whole image): where its scanlines sit in `data`. */
export interface Pass {
  width: number;
  height: number;
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  /** Offset in `data` of the first scanline's filter byte. */
  offset: number;
  /** Bytes per scanline, without the filter byte. */
  rowBytes: number;
}

export interface RawPng {
  header: PngHeader;
  /** RGB triplets, when there is a PLTE chunk. */
  palette?: Uint8Array;
  /** The tRNS chunk's bytes, if any. */
  transparency?: Uint8Array;
  /** Unfiltered scanlines, each still preceded by its (now meaningless) filter byte. */
  data: Uint8Array;
  passes: Pass[];
}

/** Samples per pixel of each colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const ADAM7 = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
] as const;

/** The CRC-32 (ISO 3309, reflected polynomial 0xedb88320) of every byte value. */
const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c;
}

/** CRC-32 of bytes[start, end), as PNG chunks use it. */
export function crc32(bytes: Uint8Array, start: number, end: number): number {
  const fast = nativeCrc32(bytes.subarray(start, end));
  if (fast !== undefined) return fast;
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function chunkName(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
}

/**
 * @example
 * ```ts
 * isPng(encodeMask(Mask.empty({ height: 1, width: 1 }))); // → true
 * isPng(encodeUtf8('GIF89a')); // → false
 * ```
 */
export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return false;
  return true;
}

/** Bits per pixel of a header. */
export function bitsPerPixel(h: Pick<PngHeader, 'bitDepth' | 'colorType'>): number {
  return CHANNELS[h.colorType]! * h.bitDepth;
}

/** Scanline layout of every pass, and the total size of the inflated data. */
export function layout(h: PngHeader): { passes: Pass[]; size: number } {
  const bpp = bitsPerPixel(h);
  const passes: Pass[] = [];
  let offset = 0;
  const add = (x0: number, y0: number, dx: number, dy: number): void => {
    const width = Math.ceil((h.width - x0) / dx), height = Math.ceil((h.height - y0) / dy);
    if (width <= 0 || height <= 0) return; // an empty pass has no scanlines at all, not even filter bytes
    const rowBytes = Math.ceil((width * bpp) / 8);
    passes.push({ width, height, x0, y0, dx, dy, offset, rowBytes });
    offset += height * (rowBytes + 1);
  };
  if (h.interlaced) for (const [x0, y0, dx, dy] of ADAM7) add(x0, y0, dx, dy);
  else add(0, 0, 1, 1);
  return { passes, size: offset };
}

/**
 * Reads only the header (for `inspect`-like uses and to check limits); throws like {@link readPng}.
 * @example
 * ```ts
 * readHeader(encodeMask(Mask.empty({ height: 3, width: 4 }))); // → { width: 4, height: 3, bitDepth: 1, colorType: 0, interlaced: false }
 * ```
 */
export function readHeader(bytes: Uint8Array): PngHeader {
  if (!isPng(bytes)) {
    throw new RleError('INVALID_STRUCTURE', 'Not a PNG file', { offset: 0, expected: 'the 8-byte PNG signature' });
  }
  if (bytes.length < 33) throw new RleError('TRUNCATED', 'PNG ends inside the IHDR chunk', { offset: bytes.length, expected: 'at least 33 bytes' });
  if (chunkName(bytes, 12) !== 'IHDR' || u32(bytes, 8) !== 13) {
    throw new RleError('INVALID_STRUCTURE', 'PNG does not start with a 13-byte IHDR chunk', { offset: 8, expected: 'IHDR', received: chunkName(bytes, 12) });
  }
  if (crc32(bytes, 12, 29) !== u32(bytes, 29)) throw new RleError('CORRUPT', 'CRC mismatch in chunk IHDR', { offset: 29, path: ['IHDR'] });
  const width = u32(bytes, 16), height = u32(bytes, 20);
  const bitDepth = bytes[24]!, colorType = bytes[25]!, compression = bytes[26]!, filter = bytes[27]!, interlace = bytes[28]!;
  const bad = (field: string, expected: string, received: number, offset: number): never => {
    throw new RleError('INVALID_STRUCTURE', `Invalid IHDR ${field}`, { path: ['IHDR', field], offset, expected, received: String(received) });
  };
  if (width === 0 || width > 0x7fffffff) bad('width', '1 to 2^31-1', width, 16);
  if (height === 0 || height > 0x7fffffff) bad('height', '1 to 2^31-1', height, 20);
  if (!(colorType in DEPTHS)) bad('colorType', '0, 2, 3, 4 or 6', colorType, 25);
  if (!DEPTHS[colorType]!.includes(bitDepth)) bad('bitDepth', `one of ${DEPTHS[colorType]!.join(', ')} for colour type ${colorType}`, bitDepth, 24);
  if (compression !== 0) bad('compression', '0', compression, 26);
  if (filter !== 0) bad('filter', '0', filter, 27);
  if (interlace > 1) bad('interlace', '0 or 1', interlace, 28);
  return { width, height, bitDepth, colorType: colorType as ColorType, interlaced: interlace === 1 };
}

/**
 * Parses a PNG down to unfiltered scanlines. The header is checked against `maxPixels` before
 * any image data is inflated. Throws RleError: INVALID_STRUCTURE, CORRUPT (CRC, zlib), TRUNCATED
 * (missing IEND, short IDAT), LIMIT_EXCEEDED, UNSUPPORTED (unknown critical chunk).
 * @example
 * ```ts
 * const raw = readPng(encodeMask(Mask.empty({ height: 3, width: 4 })));
 * [raw.header.width, raw.header.height]; // → [4, 3]
 * ```
 */
export function readPng(bytes: Uint8Array, maxPixels: number = DEFAULT_MAX_PIXELS): RawPng {
  return readRaw(bytes, maxPixels, false);
}

/**
 * {@link readPng} into this thread's scratch memory: the scanlines are only good until the next
 * read that reuses it, so only for callers that read them out before they return or await. @internal
 */
export function readPngReused(bytes: Uint8Array, maxPixels: number = DEFAULT_MAX_PIXELS): RawPng {
  return readRaw(bytes, maxPixels, true);
}

function readRaw(bytes: Uint8Array, maxPixels: number, reuse: boolean): RawPng {
  const c = readChunks(bytes, maxPixels);
  const { passes, size } = layout(c.header);
  const raw = inflateIdat(c, size, reuse);
  const bpp = Math.max(1, bitsPerPixel(c.header) >> 3);
  for (const p of passes) unfilter(raw, p, bpp);
  const out: RawPng = { header: c.header, data: raw, passes };
  if (c.palette) out.palette = c.palette;
  if (c.transparency) out.transparency = c.transparency;
  return out;
}

/** A non-interlaced PNG's unfiltered scanlines packed back to back, without filter bytes. @internal */
export interface PackedPng {
  header: PngHeader;
  palette?: Uint8Array;
  transparency?: Uint8Array;
  /**
   * height × rowBytes bytes: row y at y × rowBytes. A view at offset 0 of the inflated buffer
   * (which is `height` bytes longer), or of this thread's scratch memory when read `reused`.
   */
  rows: Uint8Array;
  rowBytes: number;
}

/**
 * {@link readPng} for non-interlaced images, with the scanlines unfiltered and packed in one pass
 * over the inflated buffer itself: no second buffer, no copy per row, and 8-bit grey or palette
 * rows are the label array as they stand. Throws like readPng, and UNSUPPORTED for interlaced
 * images (callers check the header first). @internal
 */
export function readPngPacked(bytes: Uint8Array, maxPixels: number = DEFAULT_MAX_PIXELS, reused = false): PackedPng {
  const c = readChunks(bytes, maxPixels);
  if (c.header.interlaced) throw new RleError('UNSUPPORTED', 'Interlaced PNG where packed rows were asked for', { offset: 28, path: ['IHDR', 'interlace'] });
  const { passes, size } = layout(c.header);
  const raw = inflateIdat(c, size, reused);
  const p = passes[0]!;
  unfilterPacked(raw, p.height, p.rowBytes, Math.max(1, bitsPerPixel(c.header) >> 3));
  const out: PackedPng = { header: c.header, rows: raw.subarray(0, p.height * p.rowBytes), rowBytes: p.rowBytes };
  if (c.palette) out.palette = c.palette;
  if (c.transparency) out.transparency = c.transparency;
  return out;
}

interface Chunks {
  header: PngHeader;
  palette?: Uint8Array;
  transparency?: Uint8Array;
  idat: Uint8Array[];
  idatBytes: number;
}

/** Walks and checks the chunks (CRCs, order, sizes, limits) up to IEND; inflates nothing. */
function readChunks(bytes: Uint8Array, maxPixels: number): Chunks {
  const header = readHeader(bytes);
  if (header.width * header.height > maxPixels) {
    // The limit is the user's choice, so it is reported as such even when 32-bit runs could not hold the image either.
    throw new RleError('LIMIT_EXCEEDED', `PNG of ${header.width}x${header.height} exceeds maxPixels`, { path: ['IHDR'], offset: 16, expected: `at most ${maxPixels} pixels`, received: String(header.width * header.height) });
  }
  checkSize({ height: header.height, width: header.width }, maxPixels, ['IHDR']);
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let o = 33;
  let ended = false;
  while (o < bytes.length) {
    if (o + 8 > bytes.length) throw new RleError('TRUNCATED', 'PNG ends inside a chunk header', { offset: o, expected: 'an 8-byte chunk header' });
    const length = u32(bytes, o);
    const name = chunkName(bytes, o + 4);
    if (length > 0x7fffffff) throw new RleError('CORRUPT', `Chunk ${name} has an invalid length`, { offset: o, expected: 'at most 2^31-1', received: String(length) });
    if (o + 12 + length > bytes.length) {
      throw new RleError('TRUNCATED', `PNG ends inside chunk ${name}`, { offset: o, path: [name], expected: `${length + 12} bytes`, received: `${bytes.length - o}` });
    }
    const data = o + 8, end = data + length;
    if (crc32(bytes, o + 4, end) !== u32(bytes, end)) throw new RleError('CORRUPT', `CRC mismatch in chunk ${name}`, { offset: end, path: [name] });
    if (name === 'IEND') {
      ended = true;
      break;
    } else if (name === 'IDAT') {
      idat.push(bytes.subarray(data, end));
      idatBytes += length;
    } else if (name === 'PLTE') {
      if (length % 3 !== 0 || length === 0 || length > 768) {
        throw new RleError('INVALID_STRUCTURE', 'Invalid PLTE chunk length', { offset: o, path: ['PLTE'], expected: 'a multiple of 3, at most 768', received: String(length) });
      }
      palette = bytes.subarray(data, end);
    } else if (name === 'tRNS') {
      transparency = bytes.subarray(data, end);
    } else if (name === 'IHDR') {
      throw new RleError('INVALID_STRUCTURE', 'Second IHDR chunk', { offset: o, path: ['IHDR'] });
    } else if ((bytes[o + 4]! & 0x20) === 0) {
      // Upper-case first letter: a critical chunk we cannot interpret, so the image may mean something else.
      throw new RleError('UNSUPPORTED', `Unknown critical PNG chunk ${name}`, { offset: o, path: [name] });
    }
    o = end + 4;
  }
  if (!ended) throw new RleError('TRUNCATED', 'PNG has no IEND chunk', { offset: bytes.length, expected: 'an IEND chunk' });
  if (header.colorType === 3 && !palette) throw new RleError('INVALID_STRUCTURE', 'Palette image without a PLTE chunk', { path: ['PLTE'], expected: 'a PLTE chunk' });
  if (idat.length === 0) throw new RleError('TRUNCATED', 'PNG has no IDAT chunk', { expected: 'image data' });
  const out: Chunks = { header, idat, idatBytes };
  if (palette) out.palette = palette;
  if (transparency) out.transparency = transparency;
  return out;
}

/**
 * Scanline memory one thread reuses from one image to the next, for decodes that read it out
 * before they return: fresh memory for every image costs more in first-touch page faults than the
 * inflate itself (JavaScript frees it only at a later GC, so the allocator cannot hand the same
 * pages back as it does to Pillow). Kept up to SCRATCH_KEEP bytes; a larger image gets its own.
 */
let scratch: Uint8Array | undefined;
const SCRATCH_KEEP = 1 << 26;

function scratchFor(size: number): Uint8Array {
  if (scratch !== undefined && scratch.length >= size) return scratch;
  const b = new Uint8Array(size);
  if (size <= SCRATCH_KEEP) scratch = b;
  return b;
}

/** The IDAT chunks' zlib stream inflated to exactly `size` bytes (into the scratch memory when `reuse`). */
function inflateIdat({ idat, idatBytes }: Chunks, size: number, reuse: boolean): Uint8Array {
  let z: Uint8Array;
  if (idat.length === 1) z = idat[0]!;
  else {
    z = new Uint8Array(idatBytes);
    let p = 0;
    for (const c of idat) {
      z.set(c, p);
      p += c.length;
    }
  }
  // Deflate cannot expand more than 1032:1 (a 258-byte match costs at least 2 bits), so a header
  // promising more than that is refused before the output buffer is allocated.
  if (size > idatBytes * 1032 + 1024) {
    throw new RleError('TRUNCATED', 'Image data is too short for the size in IHDR', { path: ['IDAT'], expected: `at least ${Math.ceil((size - 1024) / 1032)} compressed bytes for ${size} bytes of scanlines`, received: `${idatBytes} bytes` });
  }
  try {
    // One byte more than the scanlines: how the inflater sees a stream that runs past them.
    return inflateZlibInto(z, size, reuse ? scratchFor(size + 1) : undefined);
  } catch (e) {
    throw e instanceof RleError ? e.at('IDAT') : e;
  }
}

/**
 * Undoes the scanline filters of a non-interlaced image (`height` rows of `rowBytes` after their
 * filter byte) and packs the rows: row y moves from y × (rowBytes + 1) + 1 to y × rowBytes. In
 * place and in one forward pass: a row's destination always lies before its unread source, and
 * the row above (what Up, Average and Paeth read) is already final.
 */
function unfilterPacked(d: Uint8Array, height: number, rowBytes: number, bpp: number): void {
  const stride = rowBytes + 1;
  const w32 = new Uint32Array(d.buffer, d.byteOffset, d.byteOffset & 3 ? 0 : d.length >> 2);
  for (let y = 0; y < height; y++) {
    const f = y * stride, s = f + 1, e = s + rowBytes;
    const o = y * rowBytes, u = o - rowBytes; // this row's and the row above's packed start
    const type = d[f]!;
    const first = y === 0;
    switch (type) {
      case 0:
        d.copyWithin(o, s, e);
        break;
      case 1: {
        const head = Math.min(bpp, rowBytes);
        for (let i = 0; i < head; i++) d[o + i] = d[s + i]!;
        for (let i = head; i < rowBytes; i++) d[o + i] = d[s + i]! + d[o + i - bpp]!;
        break;
      }
      case 2:
        if (first) d.copyWithin(o, s, e);
        else upPacked(d, w32, s, o, u, rowBytes);
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? d[o + i - bpp]! : 0, b = first ? 0 : d[u + i]!;
          d[o + i] = d[s + i]! + ((a + b) >> 1);
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? d[o + i - bpp]! : 0, b = first ? 0 : d[u + i]!, c = first || i < bpp ? 0 : d[u + i - bpp]!;
          const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
          d[o + i] = d[s + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        break;
      default:
        throw new RleError('CORRUPT', `Invalid scanline filter type ${type}`, { path: ['IDAT'], expected: '0 to 4', received: String(type) });
    }
  }
}

/** Undoes the scanline filters of one pass in place. */
function unfilter(d: Uint8Array, p: Pass, bpp: number): void {
  const stride = p.rowBytes + 1;
  const w32 = new Uint32Array(d.buffer, d.byteOffset, d.byteOffset & 3 ? 0 : d.length >> 2);
  for (let y = 0; y < p.height; y++) {
    const f = p.offset + y * stride;
    const s = f + 1, e = s + p.rowBytes;
    const type = d[f]!;
    const first = y === 0;
    switch (type) {
      case 0:
        break;
      case 1:
        for (let i = s + bpp; i < e; i++) d[i] = (d[i]! + d[i - bpp]!) & 0xff;
        break;
      case 2:
        if (first) break;
        if (zeroRow(d, w32, s, e)) d.copyWithin(s, s - stride, e - stride); // an unchanged row: a plain copy
        else for (let i = s; i < e; i++) d[i] = (d[i]! + d[i - stride]!) & 0xff;
        break;
      case 3:
        for (let i = s; i < e; i++) {
          const a = i - bpp >= s ? d[i - bpp]! : 0, b = first ? 0 : d[i - stride]!;
          d[i] = (d[i]! + ((a + b) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let i = s; i < e; i++) {
          const a = i - bpp >= s ? d[i - bpp]! : 0, b = first ? 0 : d[i - stride]!, c = first || i - bpp < s ? 0 : d[i - bpp - stride]!;
          const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
          d[i] = (d[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
        }
        break;
      default:
        throw new RleError('CORRUPT', `Invalid scanline filter type ${type}`, { path: ['IDAT'], expected: '0 to 4', received: String(type) });
    }
  }
}

/**
 * One Up-filtered row into place: the row above copied where the differences are zero (found a
 * word at a time: a label map's changed row differs from the one above in a few places), added
 * where they are not. Writes below `o + i` never reach the unread differences at `s + i` on.
 */
function upPacked(d: Uint8Array, w32: Uint32Array, s: number, o: number, u: number, rowBytes: number): void {
  const e = s + rowBytes;
  let i = 0;
  // A busy row (noise) has more stretches than skipping pays for: the rest of it is added plainly.
  for (let budget = (rowBytes >> 6) + 2; i < rowBytes && budget > 0; budget--) {
    const j = nextNonZero(d, w32, s + i, e) - s;
    if (j - i >= 16) d.copyWithin(o + i, u + i, u + j);
    else for (let k = i; k < j; k++) d[o + k] = d[u + k]!;
    i = j;
    // Differences up to the next zero; a lone zero among them is cheaper to add than to skip.
    for (; i < rowBytes && (d[s + i] !== 0 || (i + 1 < rowBytes && d[s + i + 1] !== 0)); i++) d[o + i] = d[s + i]! + d[u + i]!;
  }
  for (; i < rowBytes; i++) d[o + i] = d[s + i]! + d[u + i]!;
}

/** The first index in [i, e) where d is not zero, or e; aligned words of `w32` (viewing `d` from its start) at a time where it can. */
function nextNonZero(d: Uint8Array, w32: Uint32Array, i: number, e: number): number {
  for (; i < e && (i & 3) !== 0; i++) if (d[i] !== 0) return i;
  for (const k = Math.min(w32.length, e >> 2); i >> 2 < k && w32[i >> 2] === 0; ) i += 4;
  for (; i < e; i++) if (d[i] !== 0) return i;
  return e;
}

/** Whether d[s, e) is all zero, checking aligned words (`w32` views `d` from its start) where it can. */
function zeroRow(d: Uint8Array, w32: Uint32Array, s: number, e: number): boolean {
  let i = s;
  for (; i < e && (i & 3) !== 0; i++) if (d[i] !== 0) return false;
  for (const k = Math.min(w32.length, e >> 2); i >> 2 < k; i += 4) if (w32[i >> 2] !== 0) return false;
  for (; i < e; i++) if (d[i] !== 0) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------

function chunk(name: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = name.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/**
 * Writes a non-interlaced PNG from scanlines laid out as `layout` gives them. Unless `filtered`
 * (the caller already set filter bytes), every row but the first gets the Up filter: rows equal
 * to the one above become zeros, which is what makes mask and label PNGs small. `busy`: most rows
 * are noise or texture, not runs (see deflateZlib).
 */
export function writePng(header: Omit<PngHeader, 'interlaced'>, raw: Uint8Array, extra: { palette?: Uint8Array; transparency?: Uint8Array } = {}, filtered = false, busy = false): Uint8Array {
  if (!filtered) {
    const stride = Math.ceil((header.width * bitsPerPixel(header)) / 8) + 1;
    for (let y = header.height - 1; y > 0; y--) {
      const f = y * stride;
      raw[f] = 2;
      for (let i = f + 1, e = f + stride; i < e; i++) raw[i] = (raw[i]! - raw[i - stride]!) & 0xff;
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, header.width);
  v.setUint32(4, header.height);
  ihdr[8] = header.bitDepth;
  ihdr[9] = header.colorType;
  const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr)];
  if (extra.palette) parts.push(chunk('PLTE', extra.palette));
  if (extra.transparency) parts.push(chunk('tRNS', extra.transparency));
  parts.push(chunk('IDAT', deflateZlib(raw, busy)), chunk('IEND', new Uint8Array(0)));
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}
