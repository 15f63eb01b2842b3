/**
 * COCO panoptic PNGs: an RGB image whose colour is the segment id, id = R + 256·G + 256²·B
 * (panopticapi `rgb2id`; `id2rgb` is its inverse), 0 (black) is VOID.
 *
 * Decoding and encoding are fast-png's (MIT, pure JavaScript over fflate, works in browsers; the
 * label-studio package uses it too): a dialect may not depend on @rlekit/png, and core has no zlib.
 * What fast-png does not guard, this file does before calling it: the size from IHDR is checked
 * against `maxPixels`, the image data is inflated once with a cap (a small IDAT can claim
 * gigabytes), and ancillary chunks (a compressed ICC profile is another bomb) are left out.
 */
import { decode as decodePng, encode as encodePng } from 'fast-png';
import { Unzlib } from 'fflate';
import { checkSize, LabelMap, RleError, type Size } from '@rlekit/core';

/** Largest segment id a 24-bit RGB colour holds. */
export const MAX_SEGMENT_ID = 0xffffff;

/** Default limit on the pixels of one PNG: 2^28 (about 16k × 16k). */
export const DEFAULT_MAX_PIXELS = 268_435_456;

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/**
 * panopticapi's `rgb2id`: R + 256·G + 256²·B.
 * @example
 * ```ts
 * // panopticapi's rule: segment id = R + 256·G + 256²·B.
 * rgb2id(3, 1, 0); // → 259
 * ```
 */
export function rgb2id(r: number, g: number, b: number): number {
  return r + 256 * g + 65536 * b;
}

/**
 * panopticapi's `id2rgb`: [id % 256, id // 256 % 256, id // 256² % 256]; ids above 2^24 − 1 do not fit (INVALID_OPTION).
 * @example
 * ```ts
 * id2rgb(259); // → [3, 1, 0]
 * ```
 */
export function id2rgb(id: number): [number, number, number] {
  if (!Number.isSafeInteger(id) || id < 0 || id > MAX_SEGMENT_ID) {
    throw new RleError('INVALID_OPTION', 'A panoptic segment id must fit in 24 bits (R + 256G + 65536B)', { expected: `an integer from 0 to ${MAX_SEGMENT_ID}`, received: String(id) });
  }
  return [id & 0xff, (id >>> 8) & 0xff, (id >>> 16) & 0xff];
}

type Path = readonly (string | number)[];

/** Bytes of the raw (filtered) image data a PNG of this header holds, for the inflate cap. */
function rawBytes(width: number, height: number, bitDepth: number, colorType: number, interlaced: boolean): number {
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType] ?? 4;
  const row = (w: number): number => (w === 0 ? 0 : 1 + Math.ceil((w * channels * bitDepth) / 8));
  if (!interlaced) return height * row(width);
  let total = 0;
  for (const [x0, y0, dx, dy] of [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const) {
    const w = Math.ceil((width - x0) / dx), h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) total += h * row(w);
  }
  return total;
}

/**
 * Reads a panoptic PNG into a label map of segment ids (row-major Uint32). RGB and RGBA (alpha
 * ignored, as panopticapi's `np.array(Image.open(...), dtype=np.uint32)[..., :3]` does not look at it)
 * and 8-bit palette images are read; other kinds are UNSUPPORTED.
 * @example
 * ```ts
 * const map = LabelMap.fromArray(Uint32Array.from([0, 259, 259, 7, 0, 259]), { height: 2, width: 3 });
 * decodeSegmentIds(encodeSegmentIds(map)).labels(); // → [7, 259]
 * ```
 */
export function decodeSegmentIds(png: Uint8Array, options: { maxPixels?: number; path?: Path } = {}): LabelMap {
  const path = options.path ?? [];
  if (png.length < 33 || SIGNATURE.some((b, i) => png[i] !== b)) {
    throw new RleError('INVALID_STRUCTURE', 'Not a PNG', { path, expected: 'a PNG signature and IHDR', received: `${png.length} bytes` });
  }
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (dv.getUint32(8) !== 13 || dv.getUint32(12) !== 0x49484452) {
    throw new RleError('INVALID_STRUCTURE', 'PNG does not start with IHDR', { path, offset: 8, expected: 'an IHDR chunk of 13 bytes' });
  }
  const width = dv.getUint32(16), height = dv.getUint32(20);
  const bitDepth = png[24]!, colorType = png[25]!, interlaced = png[28] === 1;
  checkSize({ height, width }, options.maxPixels ?? DEFAULT_MAX_PIXELS, path);
  if (!((colorType === 2 || colorType === 6) && bitDepth === 8) && !(colorType === 3 && bitDepth <= 8)) {
    throw new RleError('UNSUPPORTED', 'A panoptic PNG is 8-bit RGB (or RGBA, or a palette)', { path, offset: 24, expected: 'colour type 2, 6 at 8 bits, or 3', received: `colour type ${colorType}, ${bitDepth} bits` });
  }
  // Keep the chunks the pixels need; inflate the image data once, capped at what the header allows.
  const cap = rawBytes(width, height, bitDepth, colorType, interlaced);
  const kept: Uint8Array[] = [png.subarray(0, 8)];
  let inflated = 0;
  const inflate = new Unzlib((chunk) => {
    inflated += chunk.length;
    if (inflated > cap) throw new RleError('CORRUPT', 'PNG image data inflates past the size its header gives', { path, expected: `${cap} bytes for ${width}x${height}`, received: `more than ${cap}` });
  });
  // Deflate expands at most about 1032:1: image data that small cannot inflate past the cap, and
  // is not inflated twice (typical panoptic PNGs compress 20-500:1).
  const checkInflate = png.length * 1032 > cap;
  let p = 8, ended = false;
  while (p + 12 <= png.length) {
    const len = dv.getUint32(p), type = dv.getUint32(p + 4);
    if (len > png.length - p - 12) throw new RleError('TRUNCATED', 'A PNG chunk runs past the end of the file', { path, offset: p, expected: `${len} bytes of data`, received: `${png.length - p - 12}` });
    const name = String.fromCharCode(png[p + 4]!, png[p + 5]!, png[p + 6]!, png[p + 7]!);
    if (name === 'IDAT' && checkInflate) {
      try {
        inflate.push(png.subarray(p + 8, p + 8 + len));
      } catch (e) {
        if (e instanceof RleError) throw e;
        throw new RleError('CORRUPT', 'PNG image data is not a valid zlib stream', { path, offset: p, cause: e });
      }
    }
    if (name === 'IHDR' || name === 'PLTE' || name === 'tRNS' || name === 'IDAT' || name === 'IEND') kept.push(png.subarray(p, p + 12 + len));
    p += 12 + len;
    if (type === 0x49454e44) {
      ended = true;
      break;
    }
  }
  if (!ended) throw new RleError('TRUNCATED', 'PNG ends without IEND', { path, offset: p, expected: 'an IEND chunk' });
  let img: ReturnType<typeof decodePng>;
  try {
    const total = kept.reduce((s, c) => s + c.length, 0);
    const clean = new Uint8Array(total);
    let o = 0;
    for (const c of kept) (clean.set(c, o), (o += c.length));
    img = decodePng(clean, { checkCrc: true });
  } catch (e) {
    throw new RleError('CORRUPT', 'PNG cannot be decoded', { path, expected: 'a valid PNG', received: e instanceof Error ? e.message.slice(0, 80) : 'an error', cause: e });
  }
  const total = width * height;
  const ids = new Uint32Array(total);
  const { data, channels, palette } = img;
  if (data.length < total * (colorType === 3 ? 0 : channels)) throw new RleError('TRUNCATED', 'PNG holds fewer pixels than its header says', { path, expected: `${total} pixels` });
  if (colorType === 3) {
    if (!palette) throw new RleError('INVALID_STRUCTURE', 'Palette PNG without a PLTE chunk', { path });
    const lut = new Uint32Array(256);
    palette.forEach((c, k) => (lut[k] = rgb2id(c[0] ?? 0, c[1] ?? 0, c[2] ?? 0)));
    if (bitDepth === 8) for (let i = 0; i < total; i++) ids[i] = lut[data[i]!]!;
    else {
      const rowBytes = Math.ceil((width * bitDepth) / 8), max = (1 << bitDepth) - 1;
      for (let y = 0, i = 0; y < height; y++) {
        for (let x = 0; x < width; x++, i++) {
          const bit = x * bitDepth;
          ids[i] = lut[(data[y * rowBytes + (bit >>> 3)]! >>> (8 - bitDepth - (bit & 7))) & max]!;
        }
      }
    }
  } else {
    for (let i = 0, j = 0; i < total; i++, j += channels) ids[i] = data[j]! + 256 * data[j + 1]! + 65536 * data[j + 2]!;
  }
  return LabelMap.fromArray(ids, { height, width });
}

/**
 * The size a PNG's IHDR claims, without inflating anything (INVALID_STRUCTURE when it is not a PNG).
 * @example
 * ```ts
 * pngSize(encodeSegmentIds(LabelMap.fromArray(Uint32Array.from([0, 1, 2, 3, 4, 5]), { height: 2, width: 3 }))); // → { height: 2, width: 3 }
 * ```
 */
export function pngSize(png: Uint8Array, path: Path = []): Size {
  if (png.length < 24 || SIGNATURE.some((b, i) => png[i] !== b)) throw new RleError('INVALID_STRUCTURE', 'Not a PNG', { path, expected: 'a PNG signature and IHDR', received: `${png.length} bytes` });
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

/**
 * Writes a label map of segment ids (each below 2^24) as the 8-bit RGB PNG panopticapi writes.
 * @example
 * ```ts
 * // An RGB PNG whose colour is each pixel's segment id.
 * const png = encodeSegmentIds(LabelMap.fromArray(Uint32Array.from([0, 259, 259, 7, 0, 259]), { height: 2, width: 3 }));
 * decodeSegmentIds(png).masks().get(259)?.area(); // → 3
 * ```
 */
export function encodeSegmentIds(map: LabelMap): Uint8Array {
  const { data, width, height } = map;
  const rgb = new Uint8Array(data.length * 3);
  for (let i = 0, j = 0; i < data.length; i++, j += 3) {
    const v = data[i]!;
    if (v > MAX_SEGMENT_ID) throw new RleError('INVALID_OPTION', 'A panoptic segment id must fit in 24 bits', { expected: `at most ${MAX_SEGMENT_ID}`, received: String(v) });
    rgb[j] = v & 0xff;
    rgb[j + 1] = (v >>> 8) & 0xff;
    rgb[j + 2] = v >>> 16;
  }
  return encodePng({ width, height, data: rgb, channels: 3, depth: 8 });
}
