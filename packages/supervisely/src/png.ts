/**
 * The PNG that Supervisely's `bitmap.data` wraps: read as a foreground mask (every bit depth and
 * colour type, all five filters, Adam7), written as the SDK writes it (1-bit palette + tRNS).
 *
 * Why here and not @rlekit/png: dialect packages do not depend on each other, and core has no
 * runtime dependencies while PNG needs zlib. This file keeps to what a foreground mask needs;
 * zlib is pako (zlib's own deflate, so the output is byte-identical to Pillow's).
 */
import { Inflate, deflate } from 'pako';
import { Mask, RleError, RunBuilder, checkSize, concatBytes } from '@rlekit/core';

// Typed `Uint8Array`, not the inferred `Uint8Array<ArrayBuffer>` that TypeScript before 5.7 cannot read in the .d.ts.
export const PNG_SIGNATURE: Uint8Array = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c;
}

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return false;
  return true;
}

/**
 * zlib-inflates `data`, refusing more than `limit` output bytes as soon as they appear (a small
 * stream can claim gigabytes), and streams that are corrupt or end early.
 */
export function inflateBounded(data: Uint8Array, limit: number, what: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inf = new Inflate({ chunkSize: 1 << 16 });
  inf.onData = (chunk: Uint8Array) => {
    total += chunk.length;
    if (total > limit) throw new RleError('LIMIT_EXCEEDED', `${what} inflates to more bytes than allowed`, { expected: `at most ${limit} bytes` });
    chunks.push(chunk);
  };
  inf.push(data, true);
  if (inf.err) throw new RleError('CORRUPT', `${what} is not a valid zlib stream: ${inf.msg}`, { offset: inf.strm.total_in });
  if (!inf.ended) throw new RleError('TRUNCATED', `${what} ends inside its zlib stream`, { offset: data.length });
  return concatBytes(chunks, total);
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/**
 * The foreground of a PNG (alpha > 0 where the image has alpha or tRNS, else any channel > 0),
 * as a Mask of the PNG's size. `maxPixels` and `fits` are checked against IHDR before the image
 * data is inflated, so a small PNG claiming a huge size costs nothing.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * decodePngMask(encodePngMask(mask), 1e6).equals(mask); // → true
 * ```
 */
export function decodePngMask(png: Uint8Array, maxPixels: number, fits?: { width: number; height: number }): Mask {
  if (!isPng(png)) throw new RleError('INVALID_TOKEN', 'Not a PNG (bad signature)', { offset: 0, expected: 'the PNG signature' });
  let o = 8;
  let width = 0, height = 0, depth = 0, colorType = -1, interlaced = false;
  let palette: Uint8Array | undefined, trns: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let ended = false;
  while (!ended) {
    if (o + 12 > png.length) throw new RleError('TRUNCATED', 'PNG ends before its IEND chunk', { offset: o });
    const len = u32(png, o);
    const type = String.fromCharCode(png[o + 4]!, png[o + 5]!, png[o + 6]!, png[o + 7]!);
    if (len > 0x7fffffff || o + 12 + len > png.length) throw new RleError('TRUNCATED', `PNG chunk ${type} runs past the end`, { offset: o });
    const start = o + 8, end = start + len;
    if (crc32(png, o + 4, end) !== u32(png, end)) throw new RleError('CORRUPT', `PNG chunk ${type} fails its CRC`, { offset: end });
    if (o === 8 && type !== 'IHDR') throw new RleError('INVALID_STRUCTURE', 'PNG does not start with IHDR', { offset: o, received: type });
    if (type === 'IHDR') {
      if (len !== 13) throw new RleError('INVALID_STRUCTURE', 'IHDR is not 13 bytes', { offset: o });
      width = u32(png, start);
      height = u32(png, start + 4);
      depth = png[start + 8]!;
      colorType = png[start + 9]!;
      if (!(DEPTHS[colorType] ?? []).includes(depth)) throw new RleError('INVALID_TOKEN', 'Invalid PNG bit depth / colour type', { offset: start + 8, received: `${depth}/${colorType}` });
      if (png[start + 10] !== 0 || png[start + 11] !== 0 || png[start + 12]! > 1) throw new RleError('UNSUPPORTED', 'Unknown PNG compression, filter or interlace method', { offset: start + 10 });
      interlaced = png[start + 12] === 1;
      checkSize({ height, width }, maxPixels, ['png']);
      // Where the crop must fit (its image, from its origin): refused before the image data is inflated.
      if (fits && (width > fits.width || height > fits.height)) {
        throw new RleError('SIZE_MISMATCH', 'The bitmap\'s PNG does not fit in its image at its origin', { offset: start, expected: `at most ${fits.height}x${fits.width}`, received: `${height}x${width}` });
      }
    } else if (type === 'PLTE') palette = png.subarray(start, end);
    else if (type === 'tRNS') trns = png.subarray(start, end);
    else if (type === 'IDAT') {
      idat.push(png.subarray(start, end));
      idatBytes += len;
    } else if (type === 'IEND') ended = true;
    else if ((png[o + 4]! & 0x20) === 0) throw new RleError('UNSUPPORTED', `Unknown critical PNG chunk ${type}`, { offset: o });
    o = end + 4;
  }
  if (colorType === 3 && !palette) throw new RleError('INVALID_STRUCTURE', 'Palette PNG without PLTE');
  if (idat.length === 0) throw new RleError('INVALID_STRUCTURE', 'PNG without IDAT');
  const channels = CHANNELS[colorType]!;
  const bpp = channels * depth;
  // Passes (or the one image) and the exact inflated size they need.
  const passes = (interlaced ? ADAM7 : [[0, 0, 1, 1]] as const).map(([x0, y0, dx, dy]) => {
    const w = width > x0 ? Math.ceil((width - x0) / dx) : 0, h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    return { x0, y0, dx, dy, w, h, rowBytes: Math.ceil((w * bpp) / 8) };
  });
  const rawSize = passes.reduce((s, p) => s + (p.w > 0 ? p.h * (p.rowBytes + 1) : 0), 0);
  let data: Uint8Array;
  if (idat.length === 1) data = idat[0]!;
  else {
    data = new Uint8Array(idatBytes);
    let q = 0;
    for (const c of idat) {
      data.set(c, q);
      q += c.length;
    }
  }
  const raw = inflateBounded(data, rawSize, 'PNG image data');
  if (raw.length !== rawSize) throw new RleError('TRUNCATED', 'PNG image data is shorter than its size needs', { expected: `${rawSize} bytes`, received: String(raw.length) });
  const fg = foregroundOf(colorType, depth, palette, trns);
  const size = { height, width };
  if (!interlaced && depth === 1 && typeof fg !== 'function') return oneBitRuns(raw, width, height, passes[0]!.rowBytes, fg);
  const bitmap = new Uint8Array(width * height);
  let at = 0;
  for (const p of passes) {
    if (p.w === 0) continue;
    unfilter(raw, at, p.h, p.rowBytes, Math.max(1, bpp >> 3));
    for (let j = 0; j < p.h; j++) {
      const row = at + j * (p.rowBytes + 1) + 1;
      const y = p.y0 + j * p.dy;
      for (let i = 0; i < p.w; i++) {
        const on = typeof fg === 'function' ? fg(raw, row, i) : fg[sample(raw, row, i, depth)]!;
        if (on) bitmap[y * width + p.x0 + i * p.dx] = 1;
      }
    }
    at += p.h * (p.rowBytes + 1);
  }
  return Mask.fromBitmap(bitmap, size);
}

function sample(raw: Uint8Array, row: number, i: number, depth: number): number {
  if (depth === 8) return raw[row + i]!;
  const bit = i * depth;
  return (raw[row + (bit >> 3)]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
}

/**
 * Foreground per sample value (a table, for 1-channel images up to 8 bits) or per pixel (a
 * function reading the row). Alpha > 0 where there is alpha or tRNS, else any channel > 0.
 */
function foregroundOf(colorType: number, depth: number, palette: Uint8Array | undefined, trns: Uint8Array | undefined): Uint8Array | ((raw: Uint8Array, row: number, i: number) => boolean) {
  const max = (1 << Math.min(depth, 8));
  if (colorType === 3) {
    const t = new Uint8Array(max);
    const entries = palette!.length / 3;
    for (let v = 0; v < max; v++) {
      // An index past the palette is no colour: background.
      if (v >= entries) continue;
      t[v] = trns ? (v < trns.length ? trns[v]! : 255) > 0 ? 1 : 0 : palette![3 * v]! | palette![3 * v + 1]! | palette![3 * v + 2]! ? 1 : 0;
    }
    return t;
  }
  if (colorType === 0 && depth <= 8) {
    const t = new Uint8Array(max);
    const key = trns && trns.length >= 2 ? ((trns[0]! << 8) | trns[1]!) : -1;
    for (let v = 0; v < max; v++) t[v] = key >= 0 ? (v !== key ? 1 : 0) : v !== 0 ? 1 : 0;
    return t;
  }
  const bytes = depth >> 3;
  const channels = CHANNELS[colorType]!;
  const px = channels * bytes;
  if (colorType === 4 || colorType === 6) {
    const a = (channels - 1) * bytes;
    return bytes === 1 ? (raw, row, i) => raw[row + i * px + a]! !== 0 : (raw, row, i) => (raw[row + i * px + a]! | raw[row + i * px + a + 1]!) !== 0;
  }
  // Grey 16-bit or RGB: tRNS names the one transparent colour; without it, any channel > 0.
  const key = trns && trns.length >= 2 * channels ? trns : undefined;
  return (raw, row, i) => {
    const s = row + i * px;
    if (key) {
      for (let c = 0; c < channels; c++) {
        const v = bytes === 1 ? raw[s + c]! : (raw[s + 2 * c]! << 8) | raw[s + 2 * c + 1]!;
        if (v !== ((key[2 * c]! << 8) | key[2 * c + 1]!)) return true;
      }
      return false;
    }
    for (let k = 0; k < px; k++) if (raw[s + k] !== 0) return true;
    return false;
  };
}

/** PNG's five scanline filters, undone in place. */
function unfilter(raw: Uint8Array, at: number, rows: number, rowBytes: number, bpp: number): void {
  for (let j = 0; j < rows; j++) {
    const f = at + j * (rowBytes + 1);
    const type = raw[f]!;
    const cur = f + 1, prev = j === 0 ? -1 : cur - rowBytes - 1;
    switch (type) {
      case 0: break;
      case 1: for (let i = bpp; i < rowBytes; i++) raw[cur + i] = (raw[cur + i]! + raw[cur + i - bpp]!) & 255; break;
      case 2: if (prev >= 0) for (let i = 0; i < rowBytes; i++) raw[cur + i] = (raw[cur + i]! + raw[prev + i]!) & 255; break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? raw[cur + i - bpp]! : 0, b = prev >= 0 ? raw[prev + i]! : 0;
          raw[cur + i] = (raw[cur + i]! + ((a + b) >> 1)) & 255;
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? raw[cur + i - bpp]! : 0, b = prev >= 0 ? raw[prev + i]! : 0, c = i >= bpp && prev >= 0 ? raw[prev + i - bpp]! : 0;
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          raw[cur + i] = (raw[cur + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
        }
        break;
      default:
        throw new RleError('CORRUPT', 'Unknown PNG filter type', { offset: f, expected: '0 to 4', received: String(type) });
    }
  }
}

/** Runs inside each byte value, MSB first: for byte v, `BYTE_RUNS[v]` lists bit values and lengths. */
const BYTE_RUNS: Uint8Array[] = Array.from({ length: 256 }, (_, v) => {
  const out: number[] = [];
  for (let s = 7; s >= 0; s--) {
    const bit = (v >> s) & 1;
    if (out.length > 0 && out[out.length - 2] === bit) out[out.length - 1]!++;
    else out.push(bit, 1);
  }
  return Uint8Array.from(out);
});

/** A 1-bit image straight to row runs: stretches of 0x00 or 0xFF bytes in one step, other bytes by their runs. */
function oneBitRuns(raw: Uint8Array, width: number, height: number, rowBytes: number, fg: Uint8Array): Mask {
  const size = { height, width };
  const b = new RunBuilder(64);
  const fg0 = fg[0] === 1, fg1 = fg[1] === 1;
  const full = width >> 3, rest = width & 7;
  let filtered = false;
  for (let j = 0; j < height; j++) if (raw[j * (rowBytes + 1)] !== 0) filtered = true;
  if (filtered) unfilter(raw, 0, height, rowBytes, 1);
  // Busy rows (noise, dithering) cost one run-builder call per run: unpacking to bytes and
  // scanning them with core's bitmap scanner is cheaper once many bytes are mixed.
  let mixed = 0;
  for (let j = 0; j < height; j++) {
    const row = j * (rowBytes + 1) + 1;
    for (let k = 0; k < rowBytes; k++) {
      const v = raw[row + k]!;
      if (v !== 0 && v !== 255) mixed++;
    }
  }
  if (mixed * 16 > height * rowBytes) return unpacked(raw, width, height, rowBytes, fg0, fg1);
  for (let j = 0; j < height; j++) {
    const row = j * (rowBytes + 1) + 1;
    for (let k = 0; k < full;) {
      const v = raw[row + k]!;
      if (v === 0 || v === 255) {
        let e = k + 1;
        while (e < full && raw[row + e] === v) e++;
        b.append(v === 0 ? fg0 : fg1, 8 * (e - k));
        k = e;
      } else {
        const r = BYTE_RUNS[v]!;
        for (let q = 0; q < r.length; q += 2) b.append(r[q] === 1 ? fg1 : fg0, r[q + 1]!);
        k++;
      }
    }
    if (rest > 0) {
      const v = raw[row + full]!;
      for (let s = 7; s > 7 - rest; s--) b.append((v >> s) & 1 ? fg1 : fg0, 1);
    }
  }
  return Mask.fromCanonicalRuns(b.finish(width * height), size, 'row');
}

/** Each byte value as 8 pixel bytes (0/1, MSB first), two little-endian words per value. */
const UNPACK = new Uint32Array(512);
for (let v = 0; v < 256; v++) {
  for (let b = 0; b < 8; b++) if ((v >> (7 - b)) & 1) UNPACK[2 * v + (b >> 2)]! |= 1 << (8 * (b & 3));
}
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** 1-bit rows → a byte per pixel → core's scanner (for busy images). */
function unpacked(raw: Uint8Array, width: number, height: number, rowBytes: number, fg0: boolean, fg1: boolean): Mask {
  const bitmap = new Uint8Array(width * height);
  const line = new Uint8Array(rowBytes * 8);
  const words = new Uint32Array(line.buffer);
  for (let j = 0; j < height; j++) {
    const row = j * (rowBytes + 1) + 1;
    if (LITTLE_ENDIAN) {
      for (let k = 0; k < rowBytes; k++) {
        const v = raw[row + k]!;
        words[2 * k] = UNPACK[2 * v]!;
        words[2 * k + 1] = UNPACK[2 * v + 1]!;
      }
    } else {
      for (let i = 0; i < width; i++) line[i] = (raw[row + (i >> 3)]! >> (7 - (i & 7))) & 1;
    }
    bitmap.set(line.subarray(0, width), j * width);
  }
  const mask = Mask.fromBitmap(bitmap, { height, width });
  if (fg1 && !fg0) return mask;
  if (fg0 && !fg1) return mask.complement();
  return fg0 ? Mask.full({ height, width }) : Mask.empty({ height, width });
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  dv.setUint32(8 + body.length, crc32(out, 4, 8 + body.length));
  return out;
}

/** Pillow cuts its zlib stream into IDAT chunks of this many bytes. */
const IDAT_CHUNK = 65536;

/**
 * The PNG Supervisely's SDK writes for a mask (through Pillow): 1-bit palette (black, white),
 * tRNS making index 0 transparent, unfiltered rows deflated at level 6 with memLevel 9.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * Array.from(encodePngMask(mask).subarray(1, 4)); // → [0x50, 0x4e, 0x47]
 * ```
 */
export function encodePngMask(mask: Mask): Uint8Array {
  const { width, height } = mask;
  const rowBytes = (width + 7) >> 3, stride = rowBytes + 1;
  const raw = new Uint8Array(height * stride);
  const runs = mask.runsView('row');
  if (runs.length * 8 > width * height) {
    // Busy masks (many short runs): pack the bitmap 8 pixels at a time instead of run by run.
    const bits = mask.toBitmap('row');
    for (let y = 0; y < height; y++) {
      const src = y * width, dst = y * stride + 1;
      for (let x = 0; x < width; x += 8) {
        let v = 0;
        const n = Math.min(8, width - x);
        for (let b = 0; b < n; b++) v |= bits[src + x + b]! << (7 - b);
        raw[dst + (x >> 3)] = v;
      }
    }
  } else {
    let pos = 0;
    for (let k = 0; k < runs.length; k++) {
      const r = runs[k]!;
      if ((k & 1) === 1) setBits(raw, stride, width, pos, pos + r);
      pos += r;
    }
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 1;
  ihdr[9] = 3;
  const z = deflate(raw, { level: 6, memLevel: 9 });
  const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('PLTE', Uint8Array.of(0, 0, 0, 255, 255, 255)), chunk('tRNS', Uint8Array.of(0))];
  for (let i = 0; i < z.length; i += IDAT_CHUNK) parts.push(chunk('IDAT', z.subarray(i, Math.min(z.length, i + IDAT_CHUNK))));
  parts.push(chunk('IEND', new Uint8Array(0)));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Sets bits [from, to) of the row-major pixel index into MSB-first packed rows after their filter byte. */
function setBits(raw: Uint8Array, stride: number, width: number, from: number, to: number): void {
  let y = Math.floor(from / width), x = from - y * width;
  let left = to - from;
  while (left > 0) {
    const n = Math.min(left, width - x);
    const row = y * stride + 1;
    let a = x, e = x + n;
    // Head bits up to a byte boundary, whole bytes, tail bits.
    while (a < e && (a & 7) !== 0) raw[row + (a >> 3)]! |= 0x80 >> (a & 7), a++;
    if (e - a >= 8) {
      raw.fill(255, row + (a >> 3), row + (e >> 3));
      a = e & ~7;
    }
    while (a < e) raw[row + (a >> 3)]! |= 0x80 >> (a & 7), a++;
    left -= n;
    x = 0;
    y++;
  }
}
