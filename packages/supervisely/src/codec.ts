/**
 * Supervisely's `bitmap` geometry: `{ origin: [x, y], data }` where `data` is base64 of the zlib
 * stream of a PNG of the mask cropped to its tight bounding box, and `origin` is that box's
 * top-left pixel, COLUMN first.
 */
import { deflate } from 'pako';
import { Mask, RleError, base64ToBytes, bytesToBase64, checkSize, type Size } from '@rlekit/core';
import { decodePngMask, encodePngMask, inflateBounded, isPng } from './png.js';

/** The `bitmap` object of a Supervisely object. */
export interface SuperviselyBitmap {
  /** [x, y]: column, then row, of the stored PNG's top-left pixel in the image. */
  origin: [number, number];
  /** base64 of zlib(PNG); a plain base64 PNG is read too. */
  data: string;
}

export interface DecodeOptions {
  /** Refuse PNGs larger than this many pixels (checked from IHDR, before inflating its image data); `decodeData` defaults to 2^28. */
  maxPixels?: number;
  /** Refuse `data` whose zlib layer inflates to more than this many bytes (default 256 MiB). */
  maxPngBytes?: number;
}

export const DEFAULT_MAX_PNG_BYTES = 256 * 1024 * 1024;

/**
 * base64 (standard alphabet; padding optional, whitespace refused) to bytes: core's decoder.
 * @example
 * ```ts
 * Array.from(fromBase64('AQL6')); // → [1, 2, 250]
 * ```
 */
export function fromBase64(s: string): Uint8Array {
  return base64ToBytes(s, { path: ['data'], what: 'bitmap data' });
}

/**
 * Bytes to padded standard base64, as Python's `base64.b64encode` (core's encoder).
 * @example
 * ```ts
 * toBase64(Uint8Array.from([1, 2, 250])); // → 'AQL6'
 * ```
 */
export function toBase64(bytes: Uint8Array): string {
  return bytesToBase64(bytes);
}

function checkOrigin(origin: unknown): [number, number] {
  if (!Array.isArray(origin) || origin.length !== 2 || !origin.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) {
    throw new RleError('INVALID_STRUCTURE', 'bitmap origin is [x, y]', { path: ['origin'], expected: '[x, y] (two integers, column first)', received: Array.isArray(origin) ? `a list of ${origin.length}` : typeof origin });
  }
  return origin as [number, number];
}

/**
 * The mask of a Supervisely bitmap over an image of `size`: the PNG's foreground (alpha > 0
 * where it has alpha or tRNS, else any channel > 0) placed at `origin` = [x, y]. A crop that
 * does not fit inside the image is SIZE_MISMATCH.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * decode(encode(mask), { height: 3, width: 4 }).equals(mask); // → true
 * ```
 */
export function decode(bitmap: SuperviselyBitmap, size: Size, options: DecodeOptions = {}): Mask {
  checkSize(size, options.maxPixels);
  if (bitmap == null || typeof bitmap !== 'object') {
    throw new RleError('INVALID_STRUCTURE', 'A bitmap is { origin: [x, y], data }', { expected: 'an object', received: bitmap === null ? 'null' : typeof bitmap });
  }
  const [x, y] = checkOrigin(bitmap.origin);
  if (x < 0 || y < 0 || x >= size.width || y >= size.height) {
    throw new RleError('SIZE_MISMATCH', 'The bitmap\'s origin is outside its image', { path: ['origin'], expected: `[x, y] inside ${size.height}x${size.width}`, received: `[${x}, ${y}]` });
  }
  let crop: Mask;
  try {
    crop = decodeCrop(bitmap.data, options, { width: size.width - x, height: size.height - y });
  } catch (e) {
    // The PNG is fine; where it was put is not.
    if (e instanceof RleError && e.code === 'SIZE_MISMATCH') throw new RleError('SIZE_MISMATCH', 'The bitmap does not fit in its image', { path: ['origin'], expected: `a crop that fits inside ${size.height}x${size.width} from [${x}, ${y}]`, received: e.received });
    throw e;
  }
  if (x < 0 || y < 0 || x + crop.width > size.width || y + crop.height > size.height) {
    throw new RleError('SIZE_MISMATCH', 'The bitmap does not fit in its image', { path: ['origin'], expected: `a ${crop.height}x${crop.width} crop at [x, y] inside ${size.height}x${size.width}`, received: `[${x}, ${y}]` });
  }
  // A crop that is the whole image needs no placing.
  return x === 0 && y === 0 && crop.width === size.width && crop.height === size.height ? crop : crop.paste(size, { x, y });
}

/** Default limit of {@link decodeData} on the PNG's pixels: 2^28 (16k × 16k), as @rlekit/png's. */
export const DEFAULT_MAX_PNG_PIXELS = 268_435_456;

/**
 * The cropped mask in `data` alone (the PNG's size), without placing it.
 * @example
 * ```ts
 * // The bitmap's data alone: base64 of zlib of a PNG cropped to the mask's box.
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * decodeData(encode(mask).data).bbox(); // → { x: 0, y: 0, width: 4, height: 3 }
 * ```
 */
export function decodeData(data: string, options: DecodeOptions = {}): Mask {
  return decodeCrop(data, { maxPixels: DEFAULT_MAX_PNG_PIXELS, ...options }, undefined);
}

function decodeCrop(data: string, options: DecodeOptions, fits: { width: number; height: number } | undefined): Mask {
  const bytes = fromBase64(data);
  // Since SDK v6.72.200 a payload that is not zlib is read as a plain PNG (the labeling tool's).
  const png = isPng(bytes) ? bytes : inflateData(bytes, options.maxPngBytes ?? DEFAULT_MAX_PNG_BYTES);
  try {
    return decodePngMask(png, options.maxPixels ?? 0xffffffff, fits);
  } catch (e) {
    throw e instanceof RleError ? e.at('data') : e;
  }
}

function inflateData(bytes: Uint8Array, limit: number): Uint8Array {
  try {
    return inflateBounded(bytes, limit, 'bitmap data');
  } catch (e) {
    throw e instanceof RleError ? e.at('data') : e;
  }
}

/**
 * The Supervisely bitmap of a mask, as the SDK writes it: the tight crop as a 1-bit palette PNG
 * with tRNS (pako with zlib's settings, so byte-identical), zlib level 6, base64. An empty mask
 * has no crop and no bitmap: Supervisely's SDK refuses it, and so does this (UNSUPPORTED).
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0], { height: 3, width: 4 }, 'row');
 * // origin is [x, y] of the cropped PNG's top-left pixel.
 * encode(mask).origin; // → [1, 1]
 * ```
 */
export function encode(mask: Mask): SuperviselyBitmap {
  if (!(mask instanceof Mask)) throw new RleError('INVALID_OPTION', 'encode needs a Mask', { expected: 'a Mask', received: typeof mask });
  if (mask.isEmpty()) {
    throw new RleError('UNSUPPORTED', 'An empty mask cannot be a Supervisely bitmap (the SDK refuses one)', { expected: 'a mask with at least one pixel' });
  }
  const box = mask.bbox();
  const crop = box.x === 0 && box.y === 0 && box.width === mask.width && box.height === mask.height ? mask : mask.crop(box);
  return { origin: [box.x, box.y], data: toBase64(deflate(encodePngMask(crop), { level: 6 })) };
}
