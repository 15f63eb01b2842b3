/**
 * Single-image codecs: PNG bytes ↔ Mask and PNG bytes ↔ LabelMap.
 */
import { checkPaintPixels, checkSize, DEFAULT_MAX_RUNS, LabelMap, Mask, RleError, RunBuilder, type LabelArray, type RleWarning, type WarningSink } from '@rlekit/core';
import { DEFAULT_MAX_PIXELS, readHeader, readPngPacked, readPngReused, writePng, type Pass, type PngHeader, type RawPng } from './png.js';
import { vocPalette, type ColorMapEntry, type Rgb } from './palette.js';

export interface DecodeMaskOptions {
  /**
   * Which sample decides foreground. `'auto'` (default): alpha for grey+alpha and RGBA images,
   * otherwise the grey value, the palette index, or the largest of R, G, B. `'alpha'` also works
   * for palette images with tRNS and grey/RGB images with a tRNS colour key.
   */
  channel?: 'auto' | 'value' | 'alpha';
  /** Foreground when the sample is above this (default 0: any non-zero sample). Raw sample scale: 0..65535 for 16-bit. */
  threshold?: number;
  /** Largest width × height accepted, checked from the header before inflating. */
  maxPixels?: number;
  /** Receives `channel-chosen` when `'auto'` finds alpha constant and takes the colour channels. */
  warn?: WarningSink;
  /** Largest number of runs of the mask (default DEFAULT_MAX_RUNS): an image of stripes is refused while it is read. */
  maxRuns?: number;
}

/** A colour → label table: a map, a record, or colour map entries. */
export type Colors = ReadonlyMap<number, Rgb> | Readonly<Record<number, Rgb>> | readonly ColorMapEntry[];

export interface DecodeLabelMapOptions {
  /** For RGB(A) images: label → [r, g, b]. Without it, the label is the packed colour (see `rgbOrder`). */
  colors?: Colors;
  /** Packing of RGB without `colors`: `'rgb'` (default) is (R << 16) | (G << 8) | B; `'bgr'` is R + 256 G + 65536 B (COCO panoptic). */
  rgbOrder?: 'rgb' | 'bgr';
  /** A colour not in `colors`: `'error'` (default, INVALID_TOKEN) or `'background'` (label 0, reported to `warn`). */
  unknownColor?: 'error' | 'background';
  /** For images with alpha: pixels with alpha 0 are label 0 (`'background'`, default) or keep their colour's label (`'keep'`). */
  transparent?: 'background' | 'keep';
  warn?: WarningSink;
  maxPixels?: number;
  /**
   * Decode into this array, reused from one image to the next: at least height × width elements,
   * of a type that holds the image's labels (Uint8Array for 8-bit grey and palette images, a wider
   * one for 16-bit grey and RGB). The map returned views its first height × width elements, so it
   * is only good until the next decode into it. Otherwise every call returns fresh memory, whose
   * first touch can cost more than the decode (a few hundred µs for a 480 × 640 map).
   */
  into?: LabelArray;
}

export interface EncodeMaskOptions {
  /** 1 (default): 1-bit greyscale, foreground white. 8: 8-bit greyscale with `foreground` as its value. */
  bitDepth?: 1 | 8;
  /** Foreground value of an 8-bit mask: 255 (default) or 1. */
  foreground?: 1 | 255;
  /** Largest width × height painted (default 2^28), checked before the scanlines are allocated. */
  maxPixels?: number;
}

export interface EncodeLabelMapOptions {
  /**
   * `'palette'` (default): 8-bit indexed colour, `palette` or the VOC palette; `'gray8'`, `'gray16'`:
   * greyscale samples; `'rgb'`: 8-bit RGB from `colors`, or the packed label (see `rgbOrder`).
   */
  format?: 'palette' | 'gray8' | 'gray16' | 'rgb';
  /** Palette for `'palette'`: RGB triplets (bytes) or a list of colours; padded with VOC colours up to the largest label. */
  palette?: Uint8Array | readonly Rgb[];
  colors?: Colors;
  rgbOrder?: 'rgb' | 'bgr';
  /** Labels above 255 in a `'palette'`/`'gray8'` image: write 16-bit greyscale instead of throwing LIMIT_EXCEEDED. */
  allow16?: boolean;
}

type Path = (string | number)[];

function option<T>(value: T | undefined, allowed: readonly T[], name: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) {
    throw new RleError('INVALID_OPTION', `Invalid ${name}`, { path: [name], expected: allowed.map((a) => JSON.stringify(a)).join(', '), received: String(value) });
  }
  return value;
}

function maxPixelsOption(v: number | undefined): number {
  if (v === undefined) return DEFAULT_MAX_PIXELS;
  if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new RleError('INVALID_OPTION', 'Invalid maxPixels', { path: ['maxPixels'], expected: 'a non-negative number', received: String(v) });
  return v;
}

function toRaw(png: Uint8Array | RawPng, maxPixels: number): RawPng {
  // Every caller reads the scanlines out before it returns.
  if (png instanceof Uint8Array) return readPngReused(png, maxPixels);
  if (png && typeof png === 'object' && 'passes' in png) {
    checkSize({ height: png.header.height, width: png.header.width }, maxPixels, ['IHDR']);
    return png;
  }
  throw new RleError('INVALID_OPTION', 'Expected PNG bytes (a Uint8Array)', { received: Object.prototype.toString.call(png) });
}

/** What a row extraction yields per pixel. */
type Sample = 'value' | 'alpha' | 'packed-rgb' | 'packed-bgr';

/** Fills `out[0..p.width)` with one sample per pixel of scanline `y` of pass `p`. */
function extractRow(raw: RawPng, p: Pass, y: number, what: Sample, out: Uint8Array | Uint16Array | Uint32Array): void {
  const d = raw.data;
  const s = p.offset + y * (p.rowBytes + 1) + 1;
  const w = p.width;
  const { bitDepth: bd, colorType: ct } = raw.header;
  if (what === 'alpha' && ct === 2 && bd === 16) {
    // A 16-bit colour key is compared on all six bytes (packing the colour would need 8-bit-scaled colours).
    const t = raw.transparency;
    for (let x = 0, i = s; x < w; x++, i += 6) {
      out[x] = t !== undefined && t.length >= 6 && d[i] === t[0] && d[i + 1] === t[1] && d[i + 2] === t[2] && d[i + 3] === t[3] && d[i + 4] === t[4] && d[i + 5] === t[5] ? 0 : 0xffff;
    }
    return;
  }
  if (what === 'alpha' && (ct === 0 || ct === 2 || ct === 3)) {
    extractRow(raw, p, y, ct === 2 ? 'packed-rgb' : 'value', out);
    alphaFromTrns(raw, out, w);
    return;
  }
  if (ct === 0 || ct === 3 || (ct === 4 && what === 'value')) {
    const step = ct === 4 ? 2 : 1;
    if (bd < 8) {
      const mask = (1 << bd) - 1;
      for (let x = 0; x < w; x++) {
        const bit = x * bd;
        out[x] = (d[s + (bit >> 3)]! >> (8 - bd - (bit & 7))) & mask;
      }
    } else if (bd === 8) {
      for (let x = 0; x < w; x++) out[x] = d[s + x * step]!;
    } else {
      for (let x = 0, i = s; x < w; x++, i += 2 * step) out[x] = (d[i]! << 8) | d[i + 1]!;
    }
    return;
  }
  if (ct === 4 || ct === 6) {
    if (what === 'alpha') {
      const n = ct === 4 ? 2 : 4;
      if (bd === 8) for (let x = 0, i = s + n - 1; x < w; x++, i += n) out[x] = d[i]!;
      else for (let x = 0, i = s + 2 * n - 2; x < w; x++, i += 2 * n) out[x] = (d[i]! << 8) | d[i + 1]!;
      return;
    }
  }
  // RGB or RGBA colour samples.
  const n = ct === 2 ? 3 : 4;
  if (bd === 8) {
    if (what === 'value') for (let x = 0, i = s; x < w; x++, i += n) out[x] = Math.max(d[i]!, d[i + 1]!, d[i + 2]!);
    else if (what === 'packed-rgb') for (let x = 0, i = s; x < w; x++, i += n) out[x] = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
    else for (let x = 0, i = s; x < w; x++, i += n) out[x] = d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16);
    return;
  }
  for (let x = 0, i = s; x < w; x++, i += 2 * n) {
    if (what === 'value') {
      out[x] = Math.max((d[i]! << 8) | d[i + 1]!, (d[i + 2]! << 8) | d[i + 3]!, (d[i + 4]! << 8) | d[i + 5]!);
    } else {
      // A 16-bit colour is a label only when it is an 8-bit colour scaled by 257 (what tools write); anything else would be cut.
      if (d[i] !== d[i + 1] || d[i + 2] !== d[i + 3] || d[i + 4] !== d[i + 5]) {
        throw new RleError('UNSUPPORTED', '16-bit RGB label colours must be 8-bit colours scaled by 257', { path: ['IDAT'], expected: 'equal high and low bytes', received: `row ${y}, pixel ${x}` });
      }
      out[x] = what === 'packed-rgb' ? (d[i]! << 16) | (d[i + 2]! << 8) | d[i + 4]! : d[i]! | (d[i + 2]! << 8) | (d[i + 4]! << 16);
    }
  }
}

/** Turns palette indices or grey/RGB samples into alpha using tRNS (opaque when absent). */
function alphaFromTrns(raw: RawPng, row: Uint8Array | Uint16Array | Uint32Array, w: number): void {
  const t = raw.transparency;
  const { colorType: ct, bitDepth: bd } = raw.header;
  const opaque = bd === 16 ? 0xffff : 255;
  if (ct === 3) {
    for (let x = 0; x < w; x++) {
      const i = row[x]!;
      row[x] = t && i < t.length ? t[i]! : 255;
    }
    return;
  }
  let key = -1;
  if (t && ct === 0 && t.length >= 2) key = (t[0]! << 8) | t[1]!;
  if (t && ct === 2 && t.length >= 6) {
    if (bd === 16 && (t[0] !== t[1] || t[2] !== t[3] || t[4] !== t[5])) key = -2; // a key no 8-bit-scaled colour matches
    else key = bd === 16 ? (t[0]! << 16) | (t[2]! << 8) | t[4]! : (t[1]! << 16) | (t[3]! << 8) | t[5]!;
  }
  for (let x = 0; x < w; x++) row[x] = row[x] === key ? 0 : opaque;
}

function scatter(dst: Uint8Array | Uint16Array | Uint32Array, row: Uint32Array, p: Pass, y: number, width: number): void {
  const base = (p.y0 + y * p.dy) * width + p.x0;
  if (p.dx === 1) {
    dst.set(row.subarray(0, p.width), base);
    return;
  }
  for (let x = 0, i = base; x < p.width; x++, i += p.dx) dst[i] = row[x]!;
}

/**
 * PNG → Mask. Foreground is a non-zero grey sample or palette index, any non-zero channel of an
 * RGB image, or alpha ≠ 0 for images with alpha (see {@link DecodeMaskOptions}).
 * @example
 * ```ts
 * const png = encodeMask(Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row'));
 * decodeMask(png).area(); // → 5
 * ```
 */
export function decodeMask(png: Uint8Array | RawPng, options: DecodeMaskOptions = {}): Mask {
  const raw = toRaw(png, maxPixelsOption(options.maxPixels));
  const channel = option(options.channel, ['auto', 'value', 'alpha'] as const, 'channel', 'auto');
  const threshold = options.threshold ?? 0;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new RleError('INVALID_OPTION', 'Invalid threshold', { path: ['threshold'], expected: 'a number', received: String(threshold) });
  }
  const mask = maskFromRaw(raw, channel, threshold, options.maxRuns ?? DEFAULT_MAX_RUNS);
  if (mask.channel === 'colour') options.warn?.(colourChannelWarning(raw.header.colorType, 1));
  return mask.mask;
}

/** The `channel-chosen` warning for `count` images with alpha but constant alpha. */
export function colourChannelWarning(colorType: number, count: number): RleWarning {
  return {
    code: 'channel-chosen',
    message: `${count === 1 ? 'The image has' : `${count} images have`} an alpha channel that is the same everywhere, which cannot tell foreground: foreground was taken from the colour channels instead (${colorType === 4 ? 'the grey sample' : 'the largest of R, G, B'} above the threshold; --channel alpha to use alpha anyway)`,
    count,
  };
}

/** Whether every alpha sample of the image has one value (opaque masks saved as RGBA): then alpha says nothing. */
function constantAlpha(raw: RawPng): boolean {
  const { width } = raw.header;
  const row = new Uint32Array(width);
  let first = -1;
  for (const p of raw.passes) {
    for (let y = 0; y < p.height; y++) {
      extractRow(raw, p, y, 'alpha', row);
      if (first < 0) first = row[0]!;
      for (let x = 0; x < p.width; x++) if (row[x] !== first) return false;
    }
  }
  return true;
}

/**
 * The mask of a raw PNG, and which samples decided foreground: `'auto'` takes alpha for images with
 * alpha, unless alpha is constant (it then carries no shape) and the colour channels are used.
 */
export function maskFromRaw(raw: RawPng, channel: 'auto' | 'value' | 'alpha', threshold: number, maxRuns: number = DEFAULT_MAX_RUNS): { mask: Mask; channel: 'alpha' | 'value' | 'colour' } {
  const ct = raw.header.colorType;
  let what: Sample = channel === 'alpha' || (channel === 'auto' && (ct === 4 || ct === 6)) ? 'alpha' : 'value';
  let used: 'alpha' | 'value' | 'colour' = what;
  if (channel === 'auto' && what === 'alpha' && constantAlpha(raw)) {
    what = 'value';
    used = 'colour';
  }
  return { mask: maskOf(raw, what, threshold, maxRuns), channel: used };
}

function maskOf(raw: RawPng, what: Sample, threshold: number, maxRuns: number): Mask {
  const { width, height, colorType: ct, bitDepth: bd } = raw.header;
  const size = { height, width };
  const total = width * height;
  if (raw.passes.length === 1 && raw.passes[0]!.x0 === 0 && !raw.header.interlaced) {
    const p = raw.passes[0]!;
    const b = new RunBuilder(256, maxRuns);
    const stride = p.rowBytes + 1;
    if (what === 'value' && ct === 0 && bd === 1 && threshold >= 0 && threshold < 1) {
      // 1-bit masks, the default output: whole bytes of 0x00 or 0xff are 8 pixels at once.
      const d = raw.data;
      for (let y = 0; y < height; y++) {
        const s = p.offset + y * stride + 1;
        const full = width >> 3;
        for (let k = 0; k < full; k++) {
          const v = d[s + k]!;
          if (v === 0) b.append(false, 8);
          else if (v === 0xff) b.append(true, 8);
          else for (let j = 7; j >= 0; j--) b.append(((v >> j) & 1) === 1, 1);
        }
        const v = d[s + full]!;
        for (let j = 0, n = width & 7; j < n; j++) b.append(((v >> (7 - j)) & 1) === 1, 1);
      }
      return Mask.fromCanonicalRuns(b.finish(total), size, 'row');
    }
    if (what === 'value' && ct === 0 && bd === 8 && threshold === 0 && (raw.data.byteOffset & 3) === 0) {
      // Non-zero bytes are foreground: skip four bytes at a time while a word is all zero (background)
      // or has no zero byte (foreground).
      const d = raw.data;
      const w32 = new Uint32Array(d.buffer, d.byteOffset, d.length >> 2);
      for (let y = 0; y < height; y++) {
        const s = p.offset + y * stride + 1, e = s + width;
        let i = s;
        while (i < e) {
          const start = i;
          const fg = d[i] !== 0;
          i++;
          for (;;) {
            while (i < e && (i & 3) !== 0 && (d[i] !== 0) === fg) i++;
            if (i >= e || (d[i] !== 0) !== fg) break;
            let k = i >> 2;
            const kEnd = e >> 2;
            if (fg) {
              while (k < kEnd) {
                const x = w32[k]!;
                if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
                k++;
              }
            } else while (k < kEnd && w32[k] === 0) k++;
            i = k << 2;
            while (i < e && (d[i] !== 0) === fg) i++;
            break;
          }
          b.append(fg, i - start);
        }
      }
      return Mask.fromCanonicalRuns(b.finish(total), size, 'row');
    }
    if (what === 'value' && ct === 0 && bd === 8) {
      const d = raw.data;
      for (let y = 0; y < height; y++) {
        const s = p.offset + y * stride + 1, e = s + width;
        let i = s;
        while (i < e) {
          const start = i;
          if (d[i]! > threshold) {
            while (i < e && d[i]! > threshold) i++;
            b.append(true, i - start);
          } else {
            while (i < e && d[i]! <= threshold) i++;
            b.append(false, i - start);
          }
        }
      }
      return Mask.fromCanonicalRuns(b.finish(total), size, 'row');
    }
    const row = new Uint32Array(width);
    for (let y = 0; y < height; y++) {
      extractRow(raw, p, y, what, row);
      let x = 0;
      while (x < width) {
        const start = x;
        if (row[x]! > threshold) {
          while (x < width && row[x]! > threshold) x++;
          b.append(true, x - start);
        } else {
          while (x < width && row[x]! <= threshold) x++;
          b.append(false, x - start);
        }
      }
    }
    return Mask.fromCanonicalRuns(b.finish(total), size, 'row');
  }
  // Adam7: passes interleave, so pixels are gathered into a bitmap first.
  const bits = new Uint8Array(total);
  const row = new Uint32Array(width);
  for (const p of raw.passes) {
    for (let y = 0; y < p.height; y++) {
      extractRow(raw, p, y, what, row);
      for (let x = 0; x < p.width; x++) row[x] = row[x]! > threshold ? 1 : 0;
      scatter(bits, row, p, y, width);
    }
  }
  return Mask.fromBitmap(bits, size, 'row');
}

function colorTable(colors: Colors | undefined): Map<number, number> | undefined {
  if (colors === undefined) return undefined;
  const out = new Map<number, number>();
  const add = (label: number, c: Rgb, path: Path): void => {
    if (!Number.isInteger(label) || label < 0 || label > 0xffffffff) throw new RleError('INVALID_OPTION', 'Invalid label in colors', { path, expected: 'an integer from 0 to 2^32-1', received: String(label) });
    if (!Array.isArray(c) || c.length !== 3 || !c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
      throw new RleError('INVALID_OPTION', 'Invalid colour in colors', { path, expected: '[r, g, b] of 0..255', received: JSON.stringify(c)?.slice(0, 40) });
    }
    const key = (c[0] << 16) | (c[1] << 8) | c[2];
    const prev = out.get(key);
    if (prev !== undefined && prev !== label) throw new RleError('INVALID_OPTION', `Labels ${prev} and ${label} share the colour ${c.join(',')}`, { path, expected: 'one colour per label' });
    out.set(key, label);
  };
  if (colors instanceof Map) for (const [l, c] of colors) add(l, c, ['colors', l]);
  else if (Array.isArray(colors)) (colors as readonly ColorMapEntry[]).forEach((e, i) => add(e.label, e.color, ['colors', i]));
  else if (typeof colors === 'object' && colors !== null) for (const [k, c] of Object.entries(colors)) add(Number(k), c as Rgb, ['colors', k]);
  else throw new RleError('INVALID_OPTION', 'Invalid colors', { path: ['colors'], expected: 'a Map, a record or colour map entries' });
  // Black is background unless the table says otherwise (colour maps often leave label 0 out).
  if (!out.has(0) && ![...out.values()].includes(0)) out.set(0, 0);
  return out;
}

/**
 * PNG → LabelMap: palette indices for palette images (never the displayed colours), grey samples
 * of any bit depth (16-bit labels survive), and for RGB the packed colour or the label `colors` gives it.
 * @example
 * ```ts
 * const map = LabelMap.fromArray(Uint8Array.from([0, 1, 1, 2, 0, 1, 2, 2]), { height: 2, width: 4 });
 * decodeLabelMap(encodeLabelMap(map)).labels(); // → [1, 2]
 * ```
 */
export function decodeLabelMap(png: Uint8Array | RawPng, options: DecodeLabelMapOptions = {}): LabelMap {
  return decodeLabelMapWithHeader(png, options).labelMap;
}

/** {@link decodeLabelMap}, and the header and palette it read (for dataset readers). @internal */
export function decodeLabelMapWithHeader(png: Uint8Array | RawPng, options: DecodeLabelMapOptions = {}): { labelMap: LabelMap; header: PngHeader; palette?: Uint8Array } {
  const maxPixels = maxPixelsOption(options.maxPixels);
  const rgbOrder = option(options.rgbOrder, ['rgb', 'bgr'] as const, 'rgbOrder', 'rgb');
  const unknownColor = option(options.unknownColor, ['error', 'background'] as const, 'unknownColor', 'error');
  const transparent = option(options.transparent, ['background', 'keep'] as const, 'transparent', 'background');
  const into = options.into;
  if (into !== undefined && !(into instanceof Uint8Array || into instanceof Uint16Array || into instanceof Uint32Array)) {
    throw new RleError('INVALID_OPTION', 'The array to decode into is not a label array', { path: ['into'], expected: 'a Uint8Array, Uint16Array or Uint32Array', received: Object.prototype.toString.call(into) });
  }
  if (png instanceof Uint8Array) {
    const h = readHeader(png);
    if (!h.interlaced && (h.colorType === 0 || h.colorType === 3) && h.bitDepth >= 8) {
      // Grey and palette samples of 8 and 16 bits are the labels: unfiltered straight into place
      // (into scratch memory and copied out when the caller gives the array).
      const total = h.height * h.width;
      const target = into === undefined ? undefined : labelsInto(into, total, h.bitDepth === 16 ? 0xffff : 0xff);
      const { rows, palette } = readPngPacked(png, maxPixels, target !== undefined);
      const size = { height: h.height, width: h.width };
      let data: LabelArray = rows;
      if (h.bitDepth === 16) {
        data = target ?? new Uint16Array(total);
        for (let i = 0, j = 0; i < total; i++, j += 2) data[i] = (rows[j]! << 8) | rows[j + 1]!;
      } else if (target !== undefined) {
        target.set(rows.subarray(0, total));
        data = target;
      }
      return withHeader(LabelMap.fromArray(data, size), h, palette);
    }
  }
  const raw = toRaw(png, maxPixels);
  const { width, height, colorType: ct, bitDepth: bd } = raw.header;
  const total = width * height;
  const rgb = ct === 2 || ct === 6;
  // Colours only mean labels in RGB images: grey samples and palette indices are labels already,
  // so a colour map that repeats a colour (as palettes may) is not even checked for them.
  const table = rgb ? colorTable(options.colors) : undefined;
  let maxLabel = rgb ? 0xffffff : bd === 16 ? 0xffff : 0xff;
  if (rgb && table) maxLabel = Math.max(0, ...table.values());
  // Every pixel below is written, across passes when interlaced, so a reused array needs no clearing.
  const data: LabelArray = into !== undefined ? labelsInto(into, total, maxLabel)
    : maxLabel <= 0xff ? new Uint8Array(total) : maxLabel <= 0xffff ? new Uint16Array(total) : new Uint32Array(total);
  const what: Sample = rgb ? (table || rgbOrder === 'rgb' ? 'packed-rgb' : 'packed-bgr') : 'value';
  if (!raw.header.interlaced && (ct === 0 || ct === 3) && bd >= 8) {
    // Samples are the labels: copy them row by row (a byte copy for 8-bit).
    const p = raw.passes[0]!, d = raw.data, stride = p.rowBytes + 1;
    for (let y = 0; y < height; y++) {
      const s = p.offset + y * stride + 1;
      if (bd === 8) data.set(d.subarray(s, s + width), y * width);
      else for (let x = 0, i = s, o = y * width; x < width; x++, i += 2, o++) data[o] = (d[i]! << 8) | d[i + 1]!;
    }
    return withHeader(LabelMap.fromArray(data, { height, width }), raw.header, raw.palette);
  }
  if (!raw.header.interlaced && (ct === 0 || ct === 3) && bd < 8) {
    // 1, 2 and 4-bit samples are the labels too: unpacked straight into the label array (a row
    // buffer of 32-bit samples would take 4 bytes a pixel: 1 GB for one row of 2^28 pixels).
    const p = raw.passes[0]!;
    for (let y = 0; y < height; y++) extractRow(raw, p, y, 'value', data.subarray(y * width, (y + 1) * width));
    return withHeader(LabelMap.fromArray(data, { height, width }), raw.header, raw.palette);
  }
  const row = new Uint32Array(width);
  // Alpha that is the same everywhere marks nothing (a fully transparent export would otherwise read as empty).
  const alpha = (ct === 4 || ct === 6) && transparent === 'background' && !constantAlpha(raw) ? new Uint32Array(width) : undefined;
  let unknown = 0;
  let firstUnknown = '';
  for (const p of raw.passes) {
    for (let y = 0; y < p.height; y++) {
      extractRow(raw, p, y, what, row);
      if (table) {
        let lastKey = -1, lastLabel = 0;
        for (let x = 0; x < p.width; x++) {
          const key = row[x]!;
          if (key !== lastKey) {
            lastKey = key;
            const l = table.get(key);
            if (l === undefined) {
              if (unknownColor === 'error') {
                throw new RleError('INVALID_TOKEN', `Colour ${(key >> 16) & 255},${(key >> 8) & 255},${key & 255} is not in the colour map`, {
                  path: ['IDAT'], expected: 'a colour listed in colors', received: `pixel (${p.x0 + x * p.dx}, ${p.y0 + y * p.dy})`,
                });
              }
              lastLabel = -1;
            } else lastLabel = l;
          }
          if (lastLabel < 0) {
            if (unknown === 0) firstUnknown = `${(key >> 16) & 255},${(key >> 8) & 255},${key & 255}`;
            unknown++;
            row[x] = 0;
          } else row[x] = lastLabel;
        }
      }
      if (alpha) {
        extractRow(raw, p, y, 'alpha', alpha);
        for (let x = 0; x < p.width; x++) if (alpha[x] === 0) row[x] = 0;
      }
      scatter(data, row, p, y, width);
    }
  }
  if (unknown > 0) {
    options.warn?.({ code: 'unknown-color', message: `${unknown} pixels had colours not in the colour map (first ${firstUnknown}) and became background`, count: unknown });
  }
  return withHeader(LabelMap.fromArray(data, { height, width }), raw.header, raw.palette);
}

/** The first `total` elements of the caller's `into`, or INVALID_OPTION when it is too short or too narrow for `maxLabel`. */
function labelsInto(into: LabelArray, total: number, maxLabel: number): LabelArray {
  const holds = into instanceof Uint8Array ? 0xff : into instanceof Uint16Array ? 0xffff : 0xffffffff;
  if (into.length < total || holds < maxLabel) {
    throw new RleError('INVALID_OPTION', 'The array to decode into does not fit this image', {
      path: ['into'], expected: `at least ${total} elements of a type that holds label ${maxLabel}`, received: `${into.length} elements of ${into.constructor.name}`,
    });
  }
  return into.subarray(0, total);
}

function withHeader(labelMap: LabelMap, header: PngHeader, palette: Uint8Array | undefined): { labelMap: LabelMap; header: PngHeader; palette?: Uint8Array } {
  return palette === undefined ? { labelMap, header } : { labelMap, header, palette };
}

/** Up to this many bytes, the 8-bit scanline buffer is kept for the next image (a folder of label maps paints thousands). */
const SCRATCH_MAX = 1 << 24;
let scratch: Uint8Array | undefined;

/** {@link rowBuffer} for 8-bit samples, zeroed, reusing one buffer between calls: the caller must be done with it before the next call (deflate copies it). */
function scratchRowBuffer(width: number, height: number): { raw: Uint8Array; stride: number } {
  const stride = width + 1, n = stride * height;
  if (n > SCRATCH_MAX || width === 0 || height === 0) return rowBuffer(width, height, 8);
  checkSize({ height, width });
  if (scratch === undefined || scratch.length < n) scratch = new Uint8Array(Math.max(n, 1 << 16));
  else scratch.fill(0, 0, n);
  return { raw: scratch.subarray(0, n), stride };
}

function rowBuffer(width: number, height: number, bitsPerPixel: number): { raw: Uint8Array; stride: number } {
  checkSize({ height, width });
  if (width === 0 || height === 0) {
    throw new RleError('INVALID_SIZE', 'PNG images cannot be empty', { expected: 'width and height of at least 1', received: `${height}x${width}` });
  }
  const stride = Math.ceil((width * bitsPerPixel) / 8) + 1;
  return { raw: new Uint8Array(stride * height), stride };
}

/**
 * Foreground segments of each row: row y's boundaries are bounds[ptr[y] .. ptr[y + 1]), as
 * ascending start, end pairs (x within the row). Built from the row runs in one pass.
 */
function rowSegments(runs: Uint32Array, width: number, height: number): { bounds: Uint32Array; ptr: Uint32Array } {
  let bounds = new Uint32Array(Math.max(16, runs.length + 8));
  const ptr = new Uint32Array(height + 1);
  let n = 0, row = 0, pos = 0;
  const push = (v: number): void => {
    if (n === bounds.length) {
      const next = new Uint32Array(bounds.length * 2);
      next.set(bounds);
      bounds = next;
    }
    bounds[n++] = v;
  };
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    if ((k & 1) === 1 && r > 0) {
      let s = pos;
      const e = pos + r;
      while (s < e) {
        const y = Math.floor(s / width), rowStart = y * width;
        while (row < y) ptr[++row] = n;
        const segEnd = Math.min(e, rowStart + width);
        push(s - rowStart);
        push(segEnd - rowStart);
        s = segEnd;
      }
    }
    pos += r;
  }
  while (row < height) ptr[++row] = n;
  return { bounds, ptr };
}

function sameRow(bounds: Uint32Array, ptr: Uint32Array, y: number): boolean {
  const a = ptr[y - 1]!, b = ptr[y]!, c = ptr[y + 1]!;
  if (c - b !== b - a) return false;
  for (let i = 0; i < b - a; i++) if (bounds[a + i] !== bounds[b + i]) return false;
  return true;
}

/**
 * Mask → PNG: 1-bit greyscale by default, or 8-bit greyscale with foreground 1 or 255.
 * Scanlines are written already Up-filtered from the runs: a row equal to the one above stays
 * zeros, and a changed row is only touched where it changed.
 * @example
 * ```ts
 * const png = encodeMask(Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row'));
 * readHeader(png); // → { width: 4, height: 3, bitDepth: 1, colorType: 0, interlaced: false }
 * ```
 */
export function encodeMask(mask: Mask, options: EncodeMaskOptions = {}): Uint8Array {
  if (!(mask instanceof Mask)) throw new RleError('INVALID_OPTION', 'encodeMask expects a Mask', { received: Object.prototype.toString.call(mask) });
  const bitDepth = option(options.bitDepth, [1, 8] as const, 'bitDepth', 1);
  const fg = option(options.foreground, [1, 255] as const, 'foreground', 255);
  const { width, height } = mask;
  checkPaintPixels(width * height, maxPixelsOption(options.maxPixels), `Mask of ${height}x${width}`);
  const { raw, stride } = rowBuffer(width, height, bitDepth);
  const { bounds, ptr } = rowSegments(mask.runsView('row'), width, height);
  if (bitDepth === 8) {
    const neg = (256 - fg) & 0xff;
    for (let y = 0; y < height; y++) {
      const o = y * stride + 1;
      if (y === 0) {
        for (let i = ptr[0]!; i < ptr[1]!; i += 2) raw.fill(fg, o + bounds[i]!, o + bounds[i + 1]!);
        continue;
      }
      raw[o - 1] = 2;
      if (sameRow(bounds, ptr, y)) continue;
      // Symmetric difference of this row's segments and the previous row's: +fg where a pixel
      // turned on, -fg where it turned off (mod 256), zero elsewhere.
      let p = ptr[y]!, q = ptr[y - 1]!;
      const pEnd = ptr[y + 1]!, qEnd = ptr[y]!;
      let inCur = false, inPrev = false, at = 0;
      while (p < pEnd || q < qEnd) {
        const bp = p < pEnd ? bounds[p]! : Infinity, bq = q < qEnd ? bounds[q]! : Infinity;
        const x = bp < bq ? bp : bq;
        if (inCur !== inPrev && x > at) raw.fill(inCur ? fg : neg, o + at, o + x);
        if (bp === x) { inCur = !inCur; p++; }
        if (bq === x) { inPrev = !inPrev; q++; }
        at = x;
      }
    }
    return writePng({ width, height, bitDepth, colorType: 0 }, raw, {}, true);
  }
  // 1-bit: paint each changed row's bits into a scratch row and store its difference from the row above.
  const rowBytes = stride - 1;
  let cur = new Uint8Array(rowBytes), prev = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const o = y * stride + 1;
    if (y > 0) {
      raw[o - 1] = 2;
      if (sameRow(bounds, ptr, y)) continue; // cur still holds the painted row above
      [cur, prev] = [prev, cur];
      cur.fill(0);
    }
    for (let i = ptr[y]!; i < ptr[y + 1]!; i += 2) setBits(cur, 0, bounds[i]!, bounds[i + 1]!);
    if (y === 0) raw.set(cur, o);
    else for (let i = 0; i < rowBytes; i++) raw[o + i] = (cur[i]! - prev[i]!) & 0xff;
  }
  return writePng({ width, height, bitDepth, colorType: 0 }, raw, {}, true);
}

/** Sets bits [a, b) of a 1-bit scanline starting at byte `o` (most significant bit first). */
function setBits(raw: Uint8Array, o: number, a: number, b: number): void {
  while (a < b && (a & 7) !== 0) {
    raw[o + (a >> 3)]! |= 0x80 >> (a & 7);
    a++;
  }
  const fullEnd = b & ~7;
  if (a < fullEnd) {
    raw.fill(0xff, o + (a >> 3), o + (fullEnd >> 3));
    a = fullEnd;
  }
  while (a < b) {
    raw[o + (a >> 3)]! |= 0x80 >> (a & 7);
    a++;
  }
}

/**
 * 8-bit labels (values up to 255) → Up-filtered scanlines in `raw` (zeroed, `stride` bytes a row
 * with the filter byte). A label map's row mostly equals the one above (the same row, or one
 * that differs at a few mask edges): rows are compared four labels at a time through a DataView
 * (any width, any alignment), and only words that differ are written; the rest stay zero. Rows
 * that differ almost everywhere are written unfiltered. Returns how many rows were.
 */
function upFiltered8(data: LabelArray, width: number, height: number, raw: Uint8Array, stride: number): number {
  for (let x = 0; x < width; x++) raw[1 + x] = data[x]!;
  const dv = data instanceof Uint8Array ? new DataView(data.buffer, data.byteOffset, data.byteLength) : undefined;
  // Rows a multiple of 4 labels long at an aligned offset: whole words through a Uint32Array, faster than DataView reads.
  const words = data instanceof Uint8Array && (width & 3) === 0 && (data.byteOffset & 3) === 0 ? new Uint32Array(data.buffer, data.byteOffset, data.length >>> 2) : undefined;
  const w4 = width & ~3;
  let busy = 0;
  for (let y = 1; y < height; y++) {
    const o = y * stride + 1, r = y * width, q = r - width;
    raw[o - 1] = 2;
    let x = 0, changed = 0;
    if (words !== undefined) {
      for (let k = r >>> 2, j = q >>> 2, kEnd = k + (width >>> 2); k < kEnd; k++, j++, x += 4) {
        if (words[k] !== words[j]) {
          raw[o + x] = data[r + x]! - data[q + x]!;
          raw[o + x + 1] = data[r + x + 1]! - data[q + x + 1]!;
          raw[o + x + 2] = data[r + x + 2]! - data[q + x + 2]!;
          raw[o + x + 3] = data[r + x + 3]! - data[q + x + 3]!;
          changed++;
        }
      }
    } else if (dv !== undefined) {
      for (; x < w4; x += 4) {
        if (dv.getUint32(r + x, true) !== dv.getUint32(q + x, true)) {
          raw[o + x] = data[r + x]! - data[q + x]!;
          raw[o + x + 1] = data[r + x + 1]! - data[q + x + 1]!;
          raw[o + x + 2] = data[r + x + 2]! - data[q + x + 2]!;
          raw[o + x + 3] = data[r + x + 3]! - data[q + x + 3]!;
          changed++;
        }
      }
    }
    for (; x < width; x++) raw[o + x] = (data[r + x]! - data[q + x]!) & 0xff;
    if (changed * 8 > width) {
      // A row that differs from the one above in more than half its words (noise, texture): its
      // labels as they are (filter None) take fewer distinct bytes than their differences (two
      // labels give three differences), so they deflate smaller, and they decode as a plain copy.
      raw[o - 1] = 0;
      for (x = 0; x < width; x++) raw[o + x] = data[r + x]!;
      busy++;
    }
  }
  return busy;
}

function maxOf(data: LabelArray): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) if (data[i]! > m) m = data[i]!;
  return m;
}

/**
 * LabelMap → PNG: an 8-bit palette image (VOC palette by default), 8- or 16-bit greyscale, or RGB.
 * Labels never wrap: above 255 in an 8-bit format is LIMIT_EXCEEDED unless `allow16`.
 * @example
 * ```ts
 * const map = LabelMap.fromArray(Uint8Array.from([0, 1, 1, 2, 0, 1, 2, 2]), { height: 2, width: 4 });
 * // 8-bit palette PNG with the VOC colours by default.
 * readHeader(encodeLabelMap(map)).colorType; // → 3
 * ```
 */
export function encodeLabelMap(labelMap: LabelMap, options: EncodeLabelMapOptions = {}): Uint8Array {
  if (!(labelMap instanceof LabelMap)) throw new RleError('INVALID_OPTION', 'encodeLabelMap expects a LabelMap', { received: Object.prototype.toString.call(labelMap) });
  let format = option(options.format, ['palette', 'gray8', 'gray16', 'rgb'] as const, 'format', 'palette');
  const rgbOrder = option(options.rgbOrder, ['rgb', 'bgr'] as const, 'rgbOrder', 'rgb');
  const { width, height, data } = labelMap;
  // The largest label matters for 16-bit data and for a palette short of 256 colours; 8-bit data
  // fits every 8-bit format and the 256-colour palettes as it is, without reading a pixel.
  const fullPalette = options.palette === undefined || (options.palette instanceof Uint8Array ? options.palette.length === 768 : Array.isArray(options.palette) && options.palette.length === 256);
  const max = data instanceof Uint8Array && fullPalette && format !== 'rgb' ? 0 : maxOf(data);
  if ((format === 'palette' || format === 'gray8') && max > 255) {
    if (options.allow16 !== true) {
      throw new RleError('LIMIT_EXCEEDED', `Label ${max} does not fit an 8-bit ${format === 'palette' ? 'palette' : 'greyscale'} PNG`, { expected: 'labels up to 255, or allow16 for 16-bit greyscale', received: String(max) });
    }
    format = 'gray16';
  }
  if (format === 'gray16' && max > 0xffff) {
    throw new RleError('LIMIT_EXCEEDED', `Label ${max} does not fit a 16-bit PNG`, { expected: 'labels up to 65535 (or format "rgb")', received: String(max) });
  }
  if (format === 'palette' || format === 'gray8') {
    const { raw, stride } = scratchRowBuffer(width, height);
    // Mostly busy rows (noise, texture): deflated two ways, the smaller kept (see deflateZlib).
    const busy = upFiltered8(data, width, height, raw, stride) * 2 > height;
    if (format === 'gray8') return writePng({ width, height, bitDepth: 8, colorType: 0 }, raw, {}, true, busy);
    return writePng({ width, height, bitDepth: 8, colorType: 3 }, raw, { palette: paletteBytes(options.palette, max) }, true, busy);
  }
  if (format === 'gray16') {
    const { raw, stride } = rowBuffer(width, height, 16);
    for (let y = 0; y < height; y++) {
      for (let x = 0, i = y * width, o = y * stride + 1; x < width; x++, i++, o += 2) {
        const v = data[i]!;
        raw[o] = v >> 8;
        raw[o + 1] = v & 0xff;
      }
    }
    return writePng({ width, height, bitDepth: 16, colorType: 0 }, raw);
  }
  // RGB
  const table = colorTable(options.colors);
  const byLabel = new Map<number, number>();
  if (table) for (const [key, label] of table) byLabel.set(label, key);
  if (!table && max > 0xffffff) throw new RleError('LIMIT_EXCEEDED', `Label ${max} does not fit a 24-bit RGB colour`, { expected: 'labels up to 2^24-1', received: String(max) });
  const { raw, stride } = rowBuffer(width, height, 24);
  let last = -1, lastKey = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width, o = y * stride + 1; x < width; x++, i++, o += 3) {
      const v = data[i]!;
      if (v !== last) {
        last = v;
        if (table) {
          const k = byLabel.get(v);
          if (k === undefined && v !== 0) throw new RleError('INVALID_OPTION', `Label ${v} has no colour in colors`, { path: ['colors'], expected: `a colour for label ${v}` });
          lastKey = k ?? 0;
        } else lastKey = rgbOrder === 'rgb' ? v : ((v & 0xff) << 16) | (v & 0xff00) | (v >>> 16);
      }
      raw[o] = lastKey >>> 16;
      raw[o + 1] = (lastKey >> 8) & 0xff;
      raw[o + 2] = lastKey & 0xff;
    }
  }
  return writePng({ width, height, bitDepth: 8, colorType: 2 }, raw);
}

function paletteBytes(palette: Uint8Array | readonly Rgb[] | undefined, maxLabel: number): Uint8Array {
  const voc = vocPalette();
  let given: Uint8Array;
  if (palette === undefined) return voc;
  if (palette instanceof Uint8Array) {
    if (palette.length % 3 !== 0 || palette.length > 768) throw new RleError('INVALID_OPTION', 'Invalid palette', { path: ['palette'], expected: 'RGB triplets, at most 256', received: `${palette.length} bytes` });
    given = palette;
  } else if (Array.isArray(palette)) {
    if (palette.length > 256) throw new RleError('INVALID_OPTION', 'Invalid palette', { path: ['palette'], expected: 'at most 256 colours', received: String(palette.length) });
    given = new Uint8Array(palette.length * 3);
    palette.forEach((c, i) => {
      if (!Array.isArray(c) || c.length !== 3 || !c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
        throw new RleError('INVALID_OPTION', 'Invalid palette colour', { path: ['palette', i], expected: '[r, g, b] of 0..255', received: JSON.stringify(c)?.slice(0, 40) });
      }
      given.set(c, i * 3);
    });
  } else throw new RleError('INVALID_OPTION', 'Invalid palette', { path: ['palette'], expected: 'a Uint8Array or a list of [r, g, b]' });
  const n = Math.max(given.length / 3, maxLabel + 1);
  if (n === given.length / 3) return given;
  // Labels beyond the given palette still need an entry (an index past PLTE is invalid PNG).
  const out = voc.slice(0, n * 3);
  out.set(given);
  return out;
}
