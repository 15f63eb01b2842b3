import { deflate, inflate } from 'pako';
import { decode, encode, encodePngMask, fromBase64 } from '@rlekit/supervisely';
import { fillCase, noiseMask, runCases, saLikeMask, type BenchRow } from './kit.js';

/** The PNG's inflated image data: rows of a filter byte and the packed bits (what the IDAT holds). */
function rawRows(bitmap: Uint8Array, height: number, width: number): Uint8Array {
  const stride = ((width + 7) >> 3) + 1;
  const raw = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (bitmap[y * width + x]) raw[y * stride + 1 + (x >> 3)]! |= 0x80 >> (x & 7);
  return raw;
}

// Supervisely's bitmap codec on the shared bench masks, next to the zlib work it cannot avoid:
// deflate/inflate of the PNG's image data (level 6, memLevel 9) and of the PNG itself (level 6).
export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, { mask }] of [['SA-1B-like 1500x2250', saLikeMask()], ['noise 1000x1000', noiseMask()]] as const) {
    const size = mask.size;
    const mpx = mask.pixels / 1e6;
    const bitmap = encode(mask);
    const crop = mask.crop(mask.bbox());
    const raw = rawRows(crop.toBitmap(), crop.height, crop.width);
    const idat = deflate(raw, { level: 6, memLevel: 9 });
    const png = encodePngMask(crop);
    const outer = fromBase64(bitmap.data);
    rows.push(
      ...(await runCases(`supervisely ${label} (crop ${crop.height}x${crop.width}, data ${(bitmap.data.length / 1024).toFixed(0)} KiB)`, [
        fillCase(mask.pixels),
        { name: 'encode', work: mpx, unit: 'Mpx', fn: () => encode(mask) },
        { name: '  of which: deflate image data (level 6, memLevel 9)', work: mpx, unit: 'Mpx', fn: () => deflate(raw, { level: 6, memLevel: 9 }) },
        { name: '  of which: deflate the PNG (level 6)', work: mpx, unit: 'Mpx', fn: () => deflate(png, { level: 6 }) },
        { name: 'decode', work: mpx, unit: 'Mpx', fn: () => decode(bitmap, size) },
        { name: '  of which: inflate the PNG', work: mpx, unit: 'Mpx', fn: () => inflate(outer) },
        { name: '  of which: inflate image data', work: mpx, unit: 'Mpx', fn: () => inflate(idat) },
      ])),
    );
  }
  return rows;
}
