/**
 * LabelMe's `mask` shapes (LabelMe's AI-mask mode, labelme #1358, late 2023): `mask` is a base64 PNG of the
 * shape's box, 8-bit greyscale with values 0 and 1 as LabelMe writes it
 * (`img_arr_to_b64(mask.astype(np.uint8))`), and `points` is the box `[[x1, y1], [x2, y2]]`.
 * LabelMe reads the PNG with Pillow and numpy (`img_b64_to_arr(...).astype(bool)`: any non-zero
 * grey or palette index is foreground) and pastes it with its top-left pixel at
 * `round(points[0])` (numpy's round: halves to even), clipped to the image; the PNG's own size is
 * the patch's size (earlier LabelMe versions required it to equal the box `x1..x2, y1..y2`).
 *
 * PNG decoding is fast-png's, after a bounded inflate (fflate) has checked that the image data
 * does not inflate past what its header declares: a small string cannot become gigabytes.
 */
import { decode as decodePng, encode as encodePng } from 'fast-png';
import { Unzlib } from 'fflate';
import { Mask, RleError, base64ToBytes, bytesToBase64, checkSize, describeValue, type Size } from '@rlekit/core';

type Path = readonly (string | number)[];

/** Bytes of a base64 mask; whitespace (older LabelMe wrote `encodebytes`, with newlines) is skipped. */
export function fromBase64(s: string, path: Path): Uint8Array {
  return base64ToBytes(s, { path, what: 'A mask', whitespace: true });
}

/** Padded standard base64, as Python's `base64.b64encode`. */
export const toBase64 = bytesToBase64;

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/**
 * Header checks before anything is inflated: the signature, IHDR, the pixel limit, a greyscale
 * or palette image (what numpy turns into a 2-D array; LabelMe fails on others), and image data
 * that inflates to no more than its rows need.
 */
function checkPng(png: Uint8Array, maxPixels: number | undefined, path: Path): Size {
  if (png.length < 33 || SIGNATURE.some((b, i) => png[i] !== b)) {
    throw new RleError('INVALID_STRUCTURE', 'A mask is not a PNG', { path, expected: 'a base64 PNG (signature and IHDR)', received: `${png.length} bytes` });
  }
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const width = dv.getUint32(16), height = dv.getUint32(20);
  const depth = png[24]!, colour = png[25]!, interlace = png[28]!;
  const size = { height, width };
  try {
    checkSize(size, maxPixels);
  } catch (e) {
    throw e instanceof RleError ? e.at(...path) : e;
  }
  if (colour !== 0 && colour !== 3) {
    throw new RleError('UNSUPPORTED', 'A mask PNG is not greyscale or palette (LabelMe reads masks as 2-D arrays; its paste fails on colour or alpha)', { path, expected: 'PNG colour type 0 or 3', received: `colour type ${colour}` });
  }
  // Bytes the rows take (Adam7 adds at most a filter byte and a partial byte per pass row).
  const rowBytes = Math.ceil((width * Math.max(1, depth)) / 8) + 1;
  const limit = rowBytes * height * (interlace ? 2 : 1) + 64;
  let inflated = 0;
  const unzlib = new Unzlib((chunk) => {
    inflated += chunk.length;
    if (inflated > limit) throw new RleError('LIMIT_EXCEEDED', 'A mask PNG\'s image data inflates past the size its header declares', { path, expected: `at most ${limit} bytes`, received: `more than ${limit}` });
  });
  let at = 8;
  while (at + 12 <= png.length) {
    const len = dv.getUint32(at);
    const type = String.fromCharCode(png[at + 4]!, png[at + 5]!, png[at + 6]!, png[at + 7]!);
    if (at + 12 + len > png.length) break;
    if (type === 'IDAT') {
      // Small pieces: each push inflates at most about 1000 times its input.
      for (let p = 0; p < len; p += 1024) {
        try {
          unzlib.push(png.subarray(at + 8 + p, at + 8 + Math.min(len, p + 1024)), false);
        } catch (e) {
          if (e instanceof RleError) throw e;
          throw new RleError('CORRUPT', 'A mask PNG\'s image data is not a valid zlib stream', { path, expected: 'zlib data', cause: e });
        }
      }
    }
    if (type === 'IEND') break;
    at += 12 + len;
  }
  return size;
}

/** Default bound on a mask PNG's pixels (its decoded samples are held in memory once). */
export const DEFAULT_MAX_MASK_PIXELS = 268_435_456;

/**
 * The foreground (non-zero grey value or palette index) of a mask PNG, as a mask of the PNG's size.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1], { height: 2, width: 3 }, 'row');
 * decodeMaskPng(encodeMaskPng(mask)).equals(mask); // → true
 * ```
 */
export function decodeMaskPng(png: Uint8Array, options: { maxPixels?: number; path?: Path } = {}): Mask {
  const path = options.path ?? [];
  const size = checkPng(png, options.maxPixels ?? DEFAULT_MAX_MASK_PIXELS, path);
  let img: ReturnType<typeof decodePng>;
  try {
    img = decodePng(png, { checkCrc: true });
  } catch (e) {
    throw new RleError('CORRUPT', 'A mask PNG cannot be decoded', { path, expected: 'a valid PNG', received: e instanceof Error ? describeValue(e.message) : 'an error', cause: e });
  }
  const { data, depth, width, height } = img;
  const total = width * height;
  // 8 and 16-bit samples are one per pixel: non-zero is foreground, read as they are.
  if (depth >= 8) return Mask.fromBitmap(data.length === total ? data : data.subarray(0, total), size, 'row');
  // Sub-byte depths stay packed in fast-png's output: rows of ceil(width * depth / 8) bytes.
  const bits = new Uint8Array(total);
  const rowBytes = Math.ceil((width * depth) / 8), max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const bit = x * depth;
    bits[y * width + x] = (data[y * rowBytes + (bit >>> 3)]! >>> (8 - depth - (bit & 7))) & max ? 1 : 0;
  }
  return Mask.fromBitmap(bits, size, 'row');
}

/**
 * A mask as LabelMe writes a `mask` shape's PNG: 8-bit greyscale, 1 on 0.
 * @example
 * ```ts
 * // A 1-bit PNG, as LabelMe keeps a `mask` shape (base64 in the JSON).
 * const png = encodeMaskPng(Mask.full({ height: 2, width: 3 }));
 * Array.from(png.subarray(1, 4)); // → [0x50, 0x4e, 0x47]
 * ```
 */
export function encodeMaskPng(mask: Mask): Uint8Array {
  return encodePng({ width: mask.width, height: mask.height, data: mask.toBitmap('row'), channels: 1, depth: 8 });
}

/**
 * numpy's `round` (halves to even), as LabelMe rounds a mask's origin.
 * @example
 * ```ts
 * // Python's round(), which LabelMe uses for a mask shape's box.
 * [roundHalfEven(0.5), roundHalfEven(1.5), roundHalfEven(2.5)]; // → [0, 2, 2]
 * ```
 */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v), d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * A `mask` shape over an image of `size`: its PNG pasted at `round(points[0])`, clipped to the image.
 * @example
 * ```ts
 * // A `mask` shape: its PNG placed at the box's top-left point in the image.
 * const png = encodeMaskPng(Mask.full({ height: 1, width: 2 }));
 * const b64 = btoa(String.fromCharCode(...png));
 * decodeMaskShape(b64, [1, 2], { height: 3, width: 4 }).bbox(); // → { x: 1, y: 2, width: 2, height: 1 }
 * ```
 */
export function decodeMaskShape(b64: unknown, origin: readonly [number, number], size: Size, options: { maxPixels?: number; path?: Path } = {}): Mask {
  const path = options.path ?? [];
  if (typeof b64 !== 'string') throw new RleError('INVALID_STRUCTURE', 'A mask shape\'s mask is a base64 PNG', { path, expected: 'a string', received: describeValue(b64) });
  const patch = decodeMaskPng(fromBase64(b64, path), options);
  return patch.paste(size, { x: roundHalfEven(origin[0]), y: roundHalfEven(origin[1]) });
}
