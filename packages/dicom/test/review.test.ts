import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { Mask, type MaskDataset, type RleWarning } from '@rlekit/core';
import { decodeRleFrame, dialect } from '../src/index.js';
import { expectCode } from './helpers.js';

const collect = (): { warnings: RleWarning[]; ctx: { warn: (w: RleWarning) => void } } => {
  const warnings: RleWarning[] = [];
  return { warnings, ctx: { warn: (w) => warnings.push(w) } };
};

// 4x5, non-square; foreground at the first and last pixel.
const bits = Uint8Array.from({ length: 20 }, (_, i) => (i === 0 || i === 19 || i === 7 ? 1 : 0));

describe('review: category ids become segment numbers 1..N', () => {
  it('reports the renumbering when category ids are not 1, 2, 3, ... in order', async () => {
    const mask = Mask.fromBitmap(bits, { height: 4, width: 5 }, 'row');
    const dataset: MaskDataset = {
      images: [{ id: 7, height: 4, width: 5 }],
      categories: [{ id: 5, name: 'liver' }, { id: 9, name: 'tumor' }],
      annotations: [{ id: 1, imageId: 7, categoryId: 9, mask }],
    };
    const w = collect();
    const bytes = await dialect.write(dataset, { contentDateTime: '20240101000000' }, w.ctx);
    const back = await dialect.read(bytes);
    expect(back.categories.map((c) => [c.id, c.name])).toEqual([[1, 'liver'], [2, 'tumor']]);
    expect(back.annotations.map((a) => a.categoryId)).toEqual([2]);
    expect(back.annotations[0]!.mask.equals(mask)).toBe(true);
    expect(w.warnings.filter((x) => x.code === 'not-carried' && /category ids/.test(x.message))).toEqual([expect.objectContaining({ count: 2 })]);
  });

  it('says nothing when category ids already are 1, 2, 3, ...', async () => {
    const mask = Mask.fromBitmap(bits, { height: 4, width: 5 }, 'row');
    const dataset: MaskDataset = {
      images: [{ id: 1, height: 4, width: 5 }],
      categories: [{ id: 1, name: 'liver' }, { id: 2, name: 'tumor' }],
      annotations: [{ id: 1, imageId: 1, categoryId: 2, mask }],
    };
    const w = collect();
    await dialect.write(dataset, { contentDateTime: '20240101000000' }, w.ctx);
    expect(w.warnings.filter((x) => /category ids/.test(x.message))).toEqual([]);
  });
});

describe('review: non-ASCII segment labels', () => {
  it('come back as written (UTF-8, ISO_IR 192), inside the SegmentSequence too', async () => {
    const { readSeg, writeSeg } = await import('../src/index.js');
    const mask = Mask.fromBitmap(bits, { height: 4, width: 5 }, 'row');
    const bytes = await writeSeg({
      rows: 4, columns: 5, patientName: 'Müller^Jörg',
      segments: [{ number: 1, label: 'Leber ü 肝臓', description: 'desc é', category: { value: '1', scheme: 'X', meaning: 'Gewebe ä' } }],
      frames: [{ segmentNumber: 1, mask }],
    });
    const seg = await readSeg(bytes);
    expect(seg.patientName).toBe('Müller^Jörg');
    expect(seg.segments[0]).toMatchObject({ label: 'Leber ü 肝臓', description: 'desc é', category: { meaning: 'Gewebe ä' } });
    const d = await dialect.read(bytes);
    expect(d.categories.map((c) => c.name)).toEqual(['Leber ü 肝臓']);
  });
});

describe('review: writeSeg frames without positions', () => {
  it('several segments of one 2D image share one plane; the k-th frame of a segment is plane k', async () => {
    const { readSeg, writeSeg } = await import('../src/index.js');
    const a = Mask.fromBitmap(bits, { height: 4, width: 5 }, 'row');
    const b = Mask.fromBitmap(bits.map((v) => 1 - v), { height: 4, width: 5 }, 'row');
    const two = await writeSeg({ rows: 4, columns: 5, segments: [{ number: 1, label: 'a' }, { number: 2, label: 'b' }], frames: [{ segmentNumber: 1, mask: a }, { segmentNumber: 2, mask: b }] });
    expect((await readSeg(two)).frames.map((f) => f.imagePositionPatient)).toEqual([[0, 0, 0], [0, 0, 0]]);
    const d = await dialect.read(two);
    expect(d.images.length).toBe(1);
    expect(d.annotations.map((x) => [x.imageId, x.categoryId])).toEqual([[1, 1], [1, 2]]);
    const stack = await writeSeg({ rows: 4, columns: 5, segments: [{ number: 1, label: 'a' }], frames: [{ segmentNumber: 1, mask: a }, { segmentNumber: 1, mask: b }] });
    expect((await readSeg(stack)).frames.map((f) => f.imagePositionPatient)).toEqual([[0, 0, 0], [0, 0, 1]]);
  });
});

describe('review: encodeRleFrame never wraps pixel values', () => {
  it('values that do not fit BitsAllocated are INVALID_BITMAP; fitting ones round-trip', async () => {
    const { decodeRleFrame, encodeRleFrame } = await import('../src/index.js');
    const { RleError } = await import('@rlekit/core');
    const info8 = { rows: 2, columns: 3, bitsAllocated: 8 };
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(RleError);
        return (e as InstanceType<typeof RleError>).code;
      }
      return undefined;
    };
    expect(code(() => encodeRleFrame(Uint16Array.of(0, 1, 2, 3, 4, 300), info8))).toBe('INVALID_BITMAP');
    expect(code(() => encodeRleFrame([0, 1, 2, 3, 4, 1.5], info8))).toBe('INVALID_BITMAP');
    expect(code(() => encodeRleFrame([0, 1, 2, 3, 4, 70000], { ...info8, bitsAllocated: 16 }))).toBe('INVALID_BITMAP');
    expect(Array.from(decodeRleFrame(encodeRleFrame([255, 0, 1, 2, 3, 254], info8), info8))).toEqual([255, 0, 1, 2, 3, 254]);
    // Signed 16-bit samples (PixelRepresentation 1) are stored as their two's complement.
    const info16 = { ...info8, bitsAllocated: 16 };
    expect(Array.from(decodeRleFrame(encodeRleFrame(Int16Array.of(-1, 0, 1, -32768, 32767, 5), info16), info16))).toEqual([65535, 0, 1, 32768, 32767, 5]);
    expect(Array.from(decodeRleFrame(encodeRleFrame([65535, 0, 1, -1, 2, 3], info16), info16))).toEqual([65535, 0, 1, 65535, 2, 3]);
  });
});

describe('review: invalid category colours', () => {
  it('are left out with a warning, never clamped or a serialising error', async () => {
    const mask = Mask.fromBitmap(bits, { height: 4, width: 5 }, 'row');
    for (const color of [[300, -1, 2.5], ['a', 1, 2], [Number.NaN, 0, 0]]) {
      const dataset = { images: [{ id: 1, height: 4, width: 5 }], categories: [{ id: 1, name: 'x', color }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] } as unknown as MaskDataset;
      const w = collect();
      const back = await dialect.read(await dialect.write(dataset, {}, w.ctx));
      expect(back.categories.map((c) => [c.name, c.color])).toEqual([['x', undefined]]);
      expect(back.annotations[0]!.mask.equals(mask)).toBe(true);
      expect(w.warnings.filter((x) => x.code === 'not-carried' && /colour/.test(x.message))).toEqual([expect.objectContaining({ count: 1 })]);
    }
  });
});

describe('review: category names with a backslash', () => {
  it('are written with "/" (reported) instead of being cut at the backslash on reading', async () => {
    const mask = Mask.fromBitmap(bits, { height: 4, width: 5 }, 'row');
    const dataset: MaskDataset = { images: [{ id: 1, height: 4, width: 5 }], categories: [{ id: 1, name: 'left\\right' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] };
    const w = collect();
    const back = await dialect.read(await dialect.write(dataset, {}, w.ctx));
    expect(back.categories.map((c) => c.name)).toEqual(['left/right']);
    expect(w.warnings.filter((x) => x.code === 'not-carried' && /backslash/.test(x.message))).toEqual([expect.objectContaining({ count: 1 })]);
  });
});

describe('decodeRleFrame refuses before allocating', () => {
  it('a tiny fragment claiming 32768x32768 is TRUNCATED without reserving the frame', () => {
    // Header: one segment at offset 64, then a 4-byte segment (two replicate runs of 128).
    const fragment = new Uint8Array(68);
    const view = new DataView(fragment.buffer);
    view.setUint32(0, 1, true);
    view.setUint32(4, 64, true);
    fragment.set([0x81, 0x00, 0x81, 0x00], 64);
    const e = expectCode(() => decodeRleFrame(fragment, { rows: 32768, columns: 32768, bitsAllocated: 8, samplesPerPixel: 1 }), 'TRUNCATED');
    expect(e.message).toMatch(/too short/);
    // The same segment is enough for a 16x16 frame: 256 bytes from 4.
    expect(Array.from(decodeRleFrame(fragment, { rows: 16, columns: 16, bitsAllocated: 8, samplesPerPixel: 1 }))).toEqual(new Array(256).fill(0));
  });
});

describe('review: writing refuses more than maxPixels before any frame is built', () => {
  // One short run per mask: the masks themselves cost nothing, only frame bitmaps would.
  const dot = (height: number, width: number): Mask => Mask.fromIntervals([width + 1], [3], { height, width }, 'row');
  const big = (images: number, height: number, width: number, categories = 1): MaskDataset => ({
    images: Array.from({ length: images }, (_, i) => ({ id: i + 1, height, width })),
    categories: Array.from({ length: categories }, (_, c) => ({ id: c + 1, name: `s${c + 1}` })),
    annotations: Array.from({ length: images * categories }, (_, k) => ({ id: k + 1, imageId: (k % images) + 1, categoryId: Math.floor(k / images) + 1, mask: dot(height, width) })),
  });

  it('maxPixels is a write option with the read default (2^30), described in the schema', () => {
    const shape = (dialect.writeOptions as unknown as z.ZodMiniObject<Record<string, z.ZodMiniType>>).shape;
    expect(z.globalRegistry.get(shape.maxPixels!)?.description).toMatch(/pixel/i);
    expect(shape.maxPixels!.parse(undefined)).toBe(1 << 30);
  });

  it('images × rows × columns above maxPixels: LIMIT_EXCEEDED at images, with the numbers', async () => {
    // 3 planes of 300x200 (non-square) = 180000 pixels.
    const e = await dialect.write(big(3, 300, 200), { maxPixels: 100000 }).then(() => undefined, (x: unknown) => x);
    expectCode(() => { throw e; }, 'LIMIT_EXCEEDED');
    expect((e as { path: unknown }).path).toEqual(['images']);
    expect((e as { expected: string }).expected).toBe('at most 100000 pixels');
    expect((e as { received: string }).received).toBe('180000');
    expect((e as Error).message).toMatch(/3 frames of 300x200/);
    // Within the limit it writes.
    expect((await dialect.write(big(3, 300, 200), { maxPixels: 180000, contentDateTime: '20240101000000' })).length).toBeGreaterThan(0);
    await expect(dialect.write(big(1, 3, 2), { maxPixels: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('frames are counted per image and segment: two segments on one plane are two frames', async () => {
    const e = await dialect.write(big(1, 300, 200, 2), { maxPixels: 100000 }).then(() => undefined, (x: unknown) => x);
    expectCode(() => { throw e; }, 'LIMIT_EXCEEDED');
    expect((e as { path: unknown }).path).toEqual(['frames']);
    expect((e as { received: string }).received).toBe('120000');
    expect((e as Error).message).toMatch(/2 frames of 300x200/);
  });

  it('40000x30000 masks of a few runs are refused at once, not after gigabytes of frame bitmaps', async () => {
    const e = await dialect.write(big(50, 40000, 30000), { maxPixels: 2 ** 31 }).then(() => undefined, (x: unknown) => x);
    expectCode(() => { throw e; }, 'LIMIT_EXCEEDED');
    expect((e as { path: unknown }).path).toEqual(['images']);
    expect((e as { received: string }).received).toBe(String(50 * 40000 * 30000));
  });
});
