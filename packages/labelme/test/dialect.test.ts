import { crc32, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mask, RleError, memoryFolder, type MaskDataset, type RleWarning } from '@rlekit/core';
import { centreRing, decodeMaskPng, dialect, encodeMaskPng, parseLabelMeJson, roundHalfEven, sniffLabelMe } from '../src/index.js';

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function file(shapes: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: '5.5.0', flags: {}, shapes, imagePath: 'img.jpg', imageData: null, imageHeight: 6, imageWidth: 9, ...extra };
}

function shape(label: string, points: number[][], more: Record<string, unknown> = {}): Record<string, unknown> {
  return { label, points, group_id: null, description: '', shape_type: 'polygon', flags: {}, mask: null, ...more };
}

function single(mask: Mask, name = 'thing'): MaskDataset {
  return { images: [{ id: 1, fileName: 'img.png', ...mask.size }], categories: [{ id: 1, name }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] };
}

async function rejects(p: Promise<unknown> | (() => unknown)): Promise<RleError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(RleError);
    return e as RleError;
  }
  throw new Error('expected an RleError');
}

/** Non-square masks with foreground at the first and last pixel, as row-major bitmaps. */
const maskArb = fc.record({ height: fc.integer({ min: 1, max: 12 }), width: fc.integer({ min: 1, max: 17 }) })
  .filter(({ height, width }) => height !== width)
  .chain(({ height, width }) => fc.record({
    height: fc.constant(height), width: fc.constant(width),
    bits: fc.uint8Array({ minLength: height * width, maxLength: height * width, max: 1 }),
    ends: fc.boolean(),
  }))
  .map(({ height, width, bits, ends }) => {
    if (ends) {
      bits[0] = 1;
      bits[bits.length - 1] = 1;
    }
    return Mask.fromBitmap(bits, { height, width });
  });

describe('round trips', () => {
  it('keeps every mask exactly with shapes auto and mask (fast-check, non-square, first/last pixel)', async () => {
    await fc.assert(fc.asyncProperty(maskArb, fc.constantFrom('auto' as const, 'mask' as const), async (mask, shapes) => {
      const back = await dialect.read(await dialect.write(single(mask), { shapes }));
      if (mask.isEmpty()) expect(back.annotations).toHaveLength(0);
      else {
        expect(back.annotations).toHaveLength(1);
        expect(back.annotations[0]!.mask.equals(mask)).toBe(true);
        expect(back.categories.map((c) => c.name)).toEqual(['thing']);
      }
    }), { numRuns: 300 });
  });

  it('with shapes polygon, reports exactly the masks it changed', async () => {
    await fc.assert(fc.asyncProperty(maskArb, async (mask) => {
      const warnings: RleWarning[] = [];
      const bytes = await dialect.write(single(mask), { shapes: 'polygon' }, { warn: (w) => warnings.push(w) });
      const f = JSON.parse(text(bytes)) as { shapes: { shape_type: string }[] };
      expect(f.shapes.every((s) => s.shape_type === 'polygon')).toBe(true);
      const back = await dialect.read(bytes);
      const same = mask.isEmpty() || back.annotations[0]!.mask.equals(mask);
      expect(warnings.some((w) => w.code === 'pixels-changed')).toBe(!same);
    }), { numRuns: 200 });
  });

  it('writes hole-free 4-connected parts as polygons on boundary pixel centres, exactly', async () => {
    const bits = new Uint8Array(7 * 13);
    for (let y = 1; y <= 5; y++) for (let x = 2; x <= 9; x++) bits[y * 13 + x] = 1;
    bits[3 * 13 + 10] = 1;
    const mask = Mask.fromBitmap(bits, { height: 7, width: 13 });
    const f = JSON.parse(text(await dialect.write(single(mask)))) as { shapes: { shape_type: string; points: number[][] }[] };
    expect(f.shapes).toHaveLength(1);
    expect(f.shapes[0]!.shape_type).toBe('polygon');
    expect(f.shapes[0]!.points).toEqual([[2, 1], [9, 1], [9, 3], [10, 3], [9, 3], [9, 5], [2, 5]]);
    expect((await dialect.read(enc(f))).annotations[0]!.mask.equals(mask)).toBe(true);
  });

  it('embeds imageData only when asked, from the images folder', async () => {
    const d = single(Mask.full({ height: 2, width: 3 }));
    expect(JSON.parse(text(await dialect.write(d))).imageData).toBeNull();
    const photo = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const open = async (path: string) => (path === 'photos' ? memoryFolder({ 'img.png': photo }) : Promise.reject(new Error(path)));
    const f = JSON.parse(text(await dialect.write(d, { imageData: true, images: 'photos' }, { warn: () => {}, open })));
    expect(Buffer.from(f.imageData, 'base64')).toEqual(Buffer.from(photo));
    const warnings: RleWarning[] = [];
    await dialect.read(enc(f), {}, { warn: (w) => warnings.push(w) });
    expect(warnings.some((w) => /imageData were not read \(1 images\)/.test(w.message))).toBe(true);
  });

  it('keeps empty and full masks, and an image without masks', async () => {
    const full = Mask.full({ height: 5, width: 8 });
    expect((await dialect.read(await dialect.write(single(full)))).annotations[0]!.mask.equals(full)).toBe(true);
    const warnings: RleWarning[] = [];
    const empty = await dialect.read(await dialect.write(single(Mask.empty({ height: 5, width: 8 })), {}, { warn: (w) => warnings.push(w) }));
    expect(empty.images).toHaveLength(1);
    expect(empty.annotations).toHaveLength(0);
    expect(warnings.some((w) => w.code === 'not-carried' && /empty masks/.test(w.message))).toBe(true);
  });

  it('writes an instance of several parts as shapes sharing a group_id, and reads them as one', async () => {
    const bits = new Uint8Array(4 * 11);
    bits[0] = 1;
    bits[4 * 11 - 1] = 1;
    bits[13] = bits[14] = 1;
    const mask = Mask.fromBitmap(bits, { height: 4, width: 11 });
    const other = Mask.fromBitmap(bits.map((v, i) => (i === 20 ? 1 : 0)), { height: 4, width: 11 });
    const d: MaskDataset = {
      images: [{ id: 1, fileName: 'a.png', height: 4, width: 11 }],
      categories: [{ id: 1, name: 'a' }],
      annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }, { id: 2, imageId: 1, categoryId: 1, mask: other }],
    };
    const f = JSON.parse(text(await dialect.write(d))) as { shapes: { group_id: number | null }[] };
    expect(f.shapes.map((s) => s.group_id)).toEqual([0, 0, 0, null]);
    const back = await dialect.read(enc(f));
    expect(back.annotations.map((a) => a.mask.area())).toEqual([4, 1]);
    expect(back.annotations[0]!.mask.equals(mask)).toBe(true);
  });

  it('writes LabelMe\'s field order and keeps version, flags, other fields and non-area shapes in place', async () => {
    const point = shape('tip', [[1, 1]], { shape_type: 'point' });
    const src = file([shape('a', [[0, 0], [4, 0], [4, 3]]), point, shape('b', [[5, 1], [8, 4]], { shape_type: 'rectangle', group_id: 7, flags: { occluded: true }, description: 'left' })], { version: '4.5.6', flags: { night: true }, extra: 1 });
    const warnings: RleWarning[] = [];
    const d = await dialect.read(enc(src), {}, { warn: (w) => warnings.push(w) });
    expect(warnings.map((w) => w.message).join()).toMatch(/1 point shapes were not read/);
    const out = JSON.parse(text(await dialect.write(d)));
    expect(Object.keys(out)).toEqual(['version', 'flags', 'shapes', 'imagePath', 'imageData', 'imageHeight', 'imageWidth', 'extra']);
    expect(out.version).toBe('4.5.6');
    expect(out.flags).toEqual({ night: true });
    expect(out.shapes[1]).toEqual(point);
    expect(Object.keys(out.shapes[0])).toEqual(['label', 'points', 'group_id', 'description', 'shape_type', 'flags', 'mask']);
    expect(out.shapes[2]).toMatchObject({ label: 'b', group_id: 7, description: 'left', flags: { occluded: true } });
    expect(out.imageData).toBeNull();
  });
});

describe('reading', () => {
  it('groups shapes by label and group_id; a shape without group_id is an instance of its own', async () => {
    const d = parseLabelMeJson(JSON.stringify(file([
      shape('a', [[0, 0], [1, 0], [1, 1]], { group_id: 1 }),
      shape('a', [[6, 4], [8, 4], [8, 5]], { group_id: 1 }),
      shape('b', [[3, 3], [4, 3], [4, 4]], { group_id: 1 }),
      shape('a', [[0, 4], [1, 4], [1, 5]]),
      shape('a', [[0, 2], [1, 2], [1, 3]]),
    ])));
    expect(d.annotations.map((a) => d.categories.find((c) => c.id === a.categoryId)!.name)).toEqual(['a', 'b', 'a', 'a']);
    // Pillow's fill includes the boundary: the two triangles are 3 and 4 pixels.
    expect(d.annotations[0]!.mask.area()).toBe(3 + 4);
    expect(d.annotations[0]!.attributes).toEqual({ group_id: 1 });
    expect(d.annotations[2]!.attributes).toBeUndefined();
  });

  it('reads rectangles and circles (LabelMe\'s corner order does not matter; the shape_type null is a polygon)', () => {
    const d = parseLabelMeJson(JSON.stringify(file([
      shape('r', [[4.7, 3.2], [1.2, 1.9]], { shape_type: 'rectangle' }),
      shape('c', [[4, 3], [4, 5]], { shape_type: 'circle' }),
      shape('p', [[0, 0], [2, 0], [0, 2]], { shape_type: null }),
    ])));
    expect(d.annotations[0]!.mask.bbox()).toEqual({ x: 1, y: 1, width: 4, height: 3 });
    expect(d.annotations[1]!.mask.bbox()).toEqual({ x: 2, y: 1, width: 5, height: 5 });
    expect(d.annotations[2]!.mask.area()).toBe(6);
  });

  it('places a mask shape at round(points[0]) (halves to even, as numpy) and clips it to the image', () => {
    const patch = Mask.fromBitmap([1, 1, 0, 1, 0, 1], { height: 2, width: 3 });
    const b64 = Buffer.from(encodeMaskPng(patch)).toString('base64');
    const at = (x: number, y: number) => parseLabelMeJson(JSON.stringify(file([shape('m', [[x, y], [x + 2, y + 1]], { shape_type: 'mask', mask: b64 })]))).annotations[0]!.mask;
    expect(at(2.5, 1).equals(patch.paste({ height: 6, width: 9 }, { x: 2, y: 1 }))).toBe(true);
    expect(at(3.5, 1).equals(patch.paste({ height: 6, width: 9 }, { x: 4, y: 1 }))).toBe(true);
    expect(at(7, 5).equals(patch.paste({ height: 6, width: 9 }, { x: 7, y: 5 }))).toBe(true);
    expect(at(-1, -1).area()).toBe(1);
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 0, -2, 2, 3]);
  });

  it('reads 1-bit mask PNGs by non-zero value, as numpy does', () => {
    // 1-bit greyscale 3x2, rows 101 / 011, as Pillow 9.4 writes a bool array (mode "1").
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAMAAAACAQAAAAC1D1u3AAAADElEQVR4nGNYwHQAAAKoAWOa7lh0AAAAAElFTkSuQmCC', 'base64');
    expect(decodeMaskPng(png).equals(Mask.fromBitmap([1, 0, 1, 0, 1, 1], { height: 2, width: 3 }))).toBe(true);
  });

  it('reads a folder: one image per file, file names relative to it', async () => {
    const folder = memoryFolder({
      'train/a.json': enc(file([shape('x', [[0, 0], [3, 0], [3, 3]])], { imagePath: 'a.jpg' })),
      'train/b.json': enc(file([], { imagePath: '..\\images\\b.jpg', imageHeight: 4 })),
      'train/a.jpg': new Uint8Array([0xff, 0xd8]),
    });
    const d = await dialect.read(folder);
    expect(d.images.map((i) => [i.fileName, i.height])).toEqual([['train/a.jpg', 6], ['images/b.jpg', 4]]);
    const out: Record<string, Uint8Array> = {};
    for await (const f of dialect.writeFiles!(d)) out[f.path] = f.bytes;
    expect(Object.keys(out)).toEqual(['train/a.json', 'images/b.json']);
    expect(JSON.parse(text(out['images/b.json']!)).imagePath).toBe('..\\images\\b.jpg');
    const again = await dialect.read(memoryFolder(out));
    expect(again.annotations[0]!.mask.equals(d.annotations[0]!.mask)).toBe(true);
  });

  it('is recognised by its shapes list', () => {
    expect(sniffLabelMe(enc(file([shape('a', [[0, 0], [1, 0], [1, 1]])]))).confidence).toBeGreaterThanOrEqual(0.9);
    expect(sniffLabelMe(enc(file([]))).confidence).toBeGreaterThanOrEqual(0.9);
    const head = enc({ version: '5', flags: {}, shapes: [shape('a', [[0, 0], [1, 0], [1, 1]])] }).subarray(0, 60);
    expect(sniffLabelMe(head).confidence).toBeGreaterThanOrEqual(0.9);
    expect(sniffLabelMe(enc({ images: [], annotations: [], categories: [] })).confidence).toBe(0);
    expect(sniffLabelMe(enc({ objects: [], size: { height: 1, width: 1 } })).confidence).toBe(0);
  });
});

describe('centreRing', () => {
  it('moves a clockwise pixel-edge ring half a pixel in, onto pixel centres', () => {
    expect(centreRing([0, 0, 3, 0, 3, 2, 0, 2])).toEqual([0, 0, 2, 0, 2, 1, 0, 1]);
    expect(centreRing([4, 4, 5, 4, 5, 5, 4, 5])).toEqual([4, 4]);
  });
});

describe('hostile input is a typed RleError with its path', () => {
  it('refuses what is not JSON, and a file without shapes or size', async () => {
    expect((await rejects(dialect.read(new TextEncoder().encode('{"shapes": [')))).code).toMatch(/INVALID_STRUCTURE|TRUNCATED/);
    expect((await rejects(dialect.read(new TextEncoder().encode('\u0000\u0001')))).code).toBe('INVALID_STRUCTURE');
    const noSize = await rejects(dialect.read(enc({ shapes: [], imagePath: 'a.png' })));
    expect(noSize.path).toEqual(['imageHeight']);
    expect((await rejects(dialect.read(enc({ imageHeight: 1, imageWidth: 1 })))).path).toEqual(['shapes']);
  });

  it('refuses a huge image before allocating', async () => {
    const e = await rejects(dialect.read(enc(file([], { imageHeight: 100000, imageWidth: 100000 }))));
    expect(e.code).toMatch(/LIMIT_EXCEEDED|INVALID_SIZE/);
    expect(e.path[0]).toBe('imageHeight');
    expect((await rejects(dialect.read(enc(file([], { imageWidth: 1.5 }))))).code).toBe('INVALID_SIZE');
    expect((await rejects(dialect.read(enc(file([])), { maxPixels: 10 }))).code).toBe('LIMIT_EXCEEDED');
  });

  it('refuses bad points and shapes with their path', async () => {
    const bad = async (s: unknown) => rejects(dialect.read(enc(file([shape('a', [[0, 0], [1, 0], [1, 1]]), s]))));
    let e = await bad(shape('a', [[0, 0], [1, 'x' as never], [1, 1]]));
    expect([e.code, e.path]).toEqual(['INVALID_TOKEN', ['shapes', 1, 'points', 1, 1]]);
    e = await bad(shape('a', [[0, 0], [1, 1]]));
    expect([e.code, e.path]).toEqual(['INVALID_STRUCTURE', ['shapes', 1, 'points']]);
    e = await bad(shape('a', [[0, 0], [1e300, 1], [1, 1]]));
    expect([e.code, e.path]).toEqual(['LIMIT_EXCEEDED', ['shapes', 1, 'points', 1, 0]]);
    e = await bad(shape('a', [[0, 0], [1e5, 1]], { shape_type: 'circle' }));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    e = await bad({ label: 3, points: [] });
    expect(e.path).toEqual(['shapes', 1, 'label']);
    e = await bad(shape('a', [[0, 0], [1, 0], [1, 1]], { group_id: 'g' }));
    expect(e.path).toEqual(['shapes', 1, 'group_id']);
  });

  it('refuses bad mask shapes: not base64, not a PNG, a colour PNG, a PNG bomb', async () => {
    const m = async (mask: unknown) => rejects(dialect.read(enc(file([shape('m', [[0, 0], [2, 1]], { shape_type: 'mask', mask })]))));
    let e = await m('iVBOR*w0K');
    expect([e.code, e.path]).toEqual(['INVALID_TOKEN', ['shapes', 0, 'mask']]);
    e = await m(Buffer.from('not a png at all, just some text').toString('base64'));
    expect([e.code, e.path]).toEqual(['INVALID_STRUCTURE', ['shapes', 0, 'mask']]);
    e = await m(null);
    expect(e.code).toBe('INVALID_STRUCTURE');
    // An 8-bit RGB PNG (colour type 2): LabelMe's paste fails on a 3-D array.
    const rgb = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAD0lEQVR4nGNkZGJmZmYGAAA8ABHVfkbmAAAAAElFTkSuQmCC', 'base64');
    e = await m(rgb.toString('base64'));
    expect(e.code).toBe('UNSUPPORTED');
    // A 1 x 8 greyscale PNG whose image data inflates to 1 MiB of zeros.
    e = await m(Buffer.from(bomb()).toString('base64'));
    expect([e.code, e.path]).toEqual(['LIMIT_EXCEEDED', ['shapes', 0, 'mask']]);
    // A header claiming 50k x 50k pixels.
    const big = Buffer.from(encodeMaskPng(Mask.full({ height: 1, width: 2 })));
    big.writeUInt32BE(50000, 16);
    big.writeUInt32BE(50000, 20);
    e = await rejects(dialect.read(enc(file([shape('m', [[0, 0], [2, 1]], { shape_type: 'mask', mask: big.toString('base64') })])), { maxPixels: 1 << 20 }));
    expect(e.code).toBe('LIMIT_EXCEEDED');
  });

  it('refuses several images for one file, and bad options', async () => {
    const m = Mask.full({ height: 2, width: 3 });
    const two: MaskDataset = { images: [{ id: 1, height: 2, width: 3 }, { id: 2, height: 2, width: 3 }], categories: [], annotations: [] };
    expect((await rejects(dialect.write(two))).code).toBe('INVALID_OPTION');
    expect((await rejects(dialect.write(single(m), { shapes: 'rings' as never }))).code).toBe('INVALID_OPTION');
    expect((await rejects(dialect.write(single(m), { imageData: true }))).code).toBe('INVALID_OPTION');
  });
});

/** A PNG header for 1 x 8 greyscale with a zlib stream of 1 MiB of zeros (stored as a few KB). */
function bomb(): Uint8Array {
  const idat = deflateSync(new Uint8Array(1 << 20));
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const b = Buffer.alloc(12 + data.length);
    b.writeUInt32BE(data.length, 0);
    b.write(type, 4, 'latin1');
    Buffer.from(data).copy(b, 8);
    b.writeUInt32BE(crc32(b.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
    return b;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}
