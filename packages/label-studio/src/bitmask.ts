/**
 * `bitmasklabels` results: a base64 PNG data URL (black pixels on a transparent background, as the
 * web app's canvas writes it). Foreground = alpha > threshold, what the canvas shows.
 *
 * PNG decoding is fast-png's (MIT, pure JavaScript over fflate, works in browsers): core has no
 * PNG decoder and a dialect may not depend on @rlekit/png.
 */
import { decode as decodePng } from 'fast-png';
import { Mask, RleError, base64ToBytes, checkSize, type Size } from '@rlekit/core';

type Path = (string | number)[];

const PREFIX = /^data:image\/png(;[^,]*)?;base64,/i;

/**
 * Decodes a Label Studio bitmask (`data:image/png;base64,...`) of an image of `size`. The PNG must
 * have that size (SIZE_MISMATCH); its header is checked against `maxPixels` before anything is inflated.
 * @example
 * ```ts
 * // The `bitmask` result format: a PNG data URL whose alpha marks the mask.
 * // A 4×3 RGBA PNG (drawn by Pillow) with 5 opaque pixels.
 * const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAYAAAC09K7GAAAAGklEQVR4nGXHsQEAAAjDIP5/Ou6VDRBFXlZ0JB0J9zkgGRwAAAAASUVORK5CYII=';
 * decodeBitmask(png, { height: 3, width: 4 }).area(); // → 5
 * ```
 */
export function decodeBitmask(dataUrl: string, size: Size, options: { threshold?: number; maxPixels?: number; path?: Path } = {}): Mask {
  const path = options.path ?? [];
  const total = checkSize(size, options.maxPixels, path);
  if (typeof dataUrl !== 'string') throw new RleError('INVALID_STRUCTURE', 'A bitmask is a PNG data URL', { path, expected: 'a string "data:image/png;base64,..."', received: typeof dataUrl });
  const m = PREFIX.exec(dataUrl.slice(0, 200));
  if (!m) throw new RleError('INVALID_STRUCTURE', 'A bitmask is a base64 PNG data URL', { path, expected: '"data:image/png;base64,..."', received: JSON.stringify(dataUrl.slice(0, 30)) });
  // Offsets in errors count from the data after the prefix.
  const png = base64ToBytes(dataUrl.slice(m[0].length), { path, what: 'Bitmask data', whitespace: true });
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (png.length < 33 || sig.some((b, i) => png[i] !== b)) throw new RleError('INVALID_STRUCTURE', 'Bitmask data is not a PNG', { path, expected: 'a PNG signature and IHDR', received: `${png.length} bytes` });
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const width = dv.getUint32(16), height = dv.getUint32(20);
  if (width !== size.width || height !== size.height) {
    throw new RleError('SIZE_MISMATCH', 'Bitmask PNG size differs from original_width x original_height', { path, expected: `${size.width}x${size.height}`, received: `${width}x${height}` });
  }
  let img: ReturnType<typeof decodePng>;
  try {
    img = decodePng(png, { checkCrc: true });
  } catch (e) {
    throw new RleError('CORRUPT', 'Bitmask PNG cannot be decoded', { path, expected: 'a valid PNG', received: e instanceof Error ? e.message.slice(0, 80) : 'an error', cause: e });
  }
  const threshold = options.threshold ?? 0;
  const { data, channels, depth, palette, transparency } = img;
  const fg = new Uint8Array(total);
  const max = (1 << depth) - 1;
  // Alpha scaled to 0..255, so one threshold serves every bit depth.
  const scale = 255 / max;
  if (palette && channels === 1) {
    const alphas = palette.map((c) => (c[3] ?? 255) > threshold);
    const rowBytes = Math.ceil((width * depth) / 8);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const idx = depth === 8 ? data[y * width + x]! : (data[y * rowBytes + (bit >>> 3)]! >>> (8 - depth - (bit & 7))) & max;
      fg[y * width + x] = alphas[idx] ? 1 : 0;
    }
  } else if (channels === 2 || channels === 4) {
    for (let p = 0; p < total; p++) fg[p] = data[p * channels + channels - 1]! * scale > threshold ? 1 : 0;
  } else {
    // No alpha: opaque everywhere except a tRNS colour key.
    const key = transparency && transparency.length === channels ? transparency : undefined;
    const opaque = 255 > threshold ? 1 : 0;
    if (!key) fg.fill(opaque);
    else if (depth >= 8) {
      for (let p = 0; p < total; p++) {
        let same = true;
        for (let c = 0; c < channels; c++) if (data[p * channels + c] !== key[c]) same = false;
        fg[p] = same ? 0 : opaque;
      }
    } else {
      const rowBytes = Math.ceil((width * depth) / 8);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
        const bit = x * depth;
        const v = (data[y * rowBytes + (bit >>> 3)]! >>> (8 - depth - (bit & 7))) & max;
        fg[y * width + x] = v === key[0] ? 0 : opaque;
      }
    }
  }
  return Mask.fromBitmap(fg, size, 'row');
}
