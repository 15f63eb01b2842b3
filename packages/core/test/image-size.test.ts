/**
 * Image sizes from headers (PNG, JPEG with and without EXIF orientation, BMP, GIF, WebP) against
 * Pillow (Debian's python3-pil, installed by scripts/ci-setup.sh), and hostile headers: cut,
 * zero, giant, broken, or a JPEG whose frame never comes. None may allocate from its numbers.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bytesSource, imageHeaderSize, MAX_IMAGE_HEADER, memoryFolder, parseSize, readImageSize, RleError, SizeResolver, type ByteSource } from '../src/index.js';

const PY = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./image-size.py', import.meta.url));

interface Case { format: string; height: number; width: number; orientation?: number; lossless?: boolean }
const cases: Case[] = [];
let s = 777;
const rnd = (n: number): number => 1 + ((s = (s * 1103515245 + 12345) >>> 0) % n);
for (const format of ['PNG', 'JPEG', 'BMP', 'GIF', 'WEBP']) {
  for (let k = 0; k < 4; k++) {
    const height = rnd(300), width = height + rnd(200); // never square: a swapped size must show
    cases.push({ format, height, width, ...(format === 'JPEG' ? { orientation: [1, 6, 8, 3][k]! } : {}), ...(format === 'WEBP' ? { lossless: k % 2 === 1 } : {}) });
  }
}
const answers = JSON.parse(execFileSync(PY, [SCRIPT], { input: JSON.stringify(cases), maxBuffer: 1 << 28 }).toString()) as { hex: string; size: [number, number]; shown: [number, number] }[];
const bytesOf = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RleError) return e.code;
    throw e;
  }
  return 'none';
}

describe('image sizes from headers', () => {
  it('match Pillow for PNG, JPEG, BMP, GIF and WebP; EXIF quarter turns swap the shown size', async () => {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!, a = answers[i]!;
      const file = bytesSource(bytesOf(a.hex), `x.${c.format.toLowerCase()}`);
      const stored = await readImageSize(file);
      expect([stored.height, stored.width], `${c.format} ${c.height}x${c.width}`).toEqual(a.size);
      const shown = await readImageSize(file, { orientation: true });
      expect([shown.height, shown.width], `${c.format} orientation ${c.orientation}`).toEqual(a.shown);
    }
  });

  it('a JPEG whose EXIF pushes the frame header past the first read is read further', async () => {
    const jpeg = bytesOf(answers.find((_, i) => cases[i]!.format === 'JPEG')!.hex);
    // An APP2 segment of 65533 bytes, three times, between SOI and the rest.
    const app = new Uint8Array(4 + 65531);
    app.set([0xff, 0xe2, 0xff, 0xfd]);
    const big = new Uint8Array(2 + 3 * app.length + jpeg.length - 2);
    big.set([0xff, 0xd8]);
    for (let k = 0; k < 3; k++) big.set(app, 2 + k * app.length);
    big.set(jpeg.subarray(2), 2 + 3 * app.length);
    const size = await readImageSize(bytesSource(big, 'big.jpg'));
    expect([size.height, size.width]).toEqual(answers.find((_, i) => cases[i]!.format === 'JPEG')!.size);
  });
});

function png(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, width);
  new DataView(b.buffer).setUint32(20, height);
  return b;
}

describe('hostile image headers', () => {
  it('a giant or empty size is INVALID_SIZE, read from 24 bytes', async () => {
    expect(await code(readImageSize(bytesSource(png(0xffffffff, 0xffffffff), 'giant.png')))).toBe('INVALID_SIZE');
    expect(await code(readImageSize(bytesSource(png(100000, 100000), 'big.png')))).toBe('INVALID_SIZE');
    expect(await code(readImageSize(bytesSource(png(0, 10), 'zero.png')))).toBe('INVALID_SIZE');
    const ok = await readImageSize(bytesSource(png(7, 3), 'ok.png'));
    expect(ok).toEqual({ height: 3, width: 7 });
  });

  it('cut headers are TRUNCATED, broken ones CORRUPT, other files UNSUPPORTED', async () => {
    expect(await code(readImageSize(bytesSource(png(7, 3).subarray(0, 20), 'cut.png')))).toBe('TRUNCATED');
    expect(await code(readImageSize(bytesSource(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0x00), 'cut.jpg')))).toBe('TRUNCATED');
    expect(await code(readImageSize(bytesSource(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0, 0), 'len.jpg')))).toBe('CORRUPT');
    expect(await code(readImageSize(bytesSource(Uint8Array.of(0xff, 0xd8, 0xff, 0xda, 0x00, 0x04, 0, 0), 'sos.jpg')))).toBe('CORRUPT');
    expect(await code(readImageSize(bytesSource(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x02, 0x12, 0x34, 0, 0), 'nomarker.jpg')))).toBe('CORRUPT');
    const bmp = new Uint8Array(26);
    bmp.set([0x42, 0x4d]);
    new DataView(bmp.buffer).setUint32(14, 40, true);
    new DataView(bmp.buffer).setInt32(18, -5, true);
    expect(await code(readImageSize(bytesSource(bmp, 'neg.bmp')))).toBe('CORRUPT');
    expect(await code(readImageSize(bytesSource(new TextEncoder().encode('hello'), 'a.txt')))).toBe('UNSUPPORTED');
    const e = await readImageSize(bytesSource(png(7, 3).subarray(0, 20), 'dir/cut.png')).catch((x: unknown) => x as RleError);
    expect((e as RleError).path).toEqual(['dir/cut.png']);
  });

  it('a JPEG of endless segments stops at MAX_IMAGE_HEADER (TRUNCATED), reading no more than that', async () => {
    let served = 0;
    const endless: ByteSource = {
      kind: 'bytes', name: 'endless.jpg',
      async *stream() {
        const seg = new Uint8Array(65537);
        seg.set([0xff, 0xe2, 0xff, 0xff]);
        yield Uint8Array.of(0xff, 0xd8);
        for (;;) {
          served += seg.length;
          yield seg;
        }
      },
    };
    served = 0;
    expect(await code(readImageSize(endless))).toBe('TRUNCATED');
    // Each attempt reads at most MAX_IMAGE_HEADER (plus the chunk in flight).
    expect(served).toBeLessThan(3 * MAX_IMAGE_HEADER);
  });

  it('imageHeaderSize asks for more bytes instead of guessing', () => {
    expect(imageHeaderSize(png(7, 3).subarray(0, 10))).toEqual({ need: 24 });
    expect(imageHeaderSize(new TextEncoder().encode('GIF89a'))).toEqual({ need: 10 });
  });
});

describe('SizeResolver', () => {
  it('finds sizes by id, file name or stem from inline sizes, a sizes CSV, a folder, then --size', async () => {
    const folder = memoryFolder({ 'img/a.png': png(5, 2), 'sizes.csv': new TextEncoder().encode('image_id,height,width\nb,4,9\n') });
    const ctx = { warn: () => {}, open: async (p: string) => (p === 'img' ? { ...folder, list: async () => ['img/a.png'] } : folder.open(p)) };
    const r = await SizeResolver.create({ sizes: 'sizes.csv', images: 'img', size: '3x8', imageSizes: 'c=1x2' }, 'image_id', ctx);
    expect(await r.sizeOf('a.jpg')).toEqual({ height: 2, width: 5 });
    expect(await r.sizeOf('b')).toEqual({ height: 4, width: 9 });
    expect(await r.sizeOf('c')).toEqual({ height: 1, width: 2 });
    expect(await r.sizeOf('zzz')).toEqual({ height: 3, width: 8 });
    expect(parseSize('2x3')).toEqual({ height: 2, width: 3 });
    expect(() => parseSize('2by3')).toThrow(RleError);
  });
});
