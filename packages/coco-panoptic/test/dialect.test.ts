import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as fc from 'fast-check';
import { bytesSource, encodeUtf8, isRleError, LabelMap, Mask, memoryFolder, type Annotation, type ByteSource, type DialectContext, type FolderSource, type MaskDataset, type RleError, type RleWarning } from '@rlekit/core';
import { decodeSegmentIds, dialect, encodeSegmentIds, id2rgb, rgb2id } from '../src/index.js';

const VECTORS = join(import.meta.dirname, '../../../conformance/vectors/coco-panoptic');
const vector = (p: string): Uint8Array => new Uint8Array(readFileSync(join(VECTORS, p)));

function vectorFolder(): FolderSource {
  return memoryFolder({
    'panoptic_tiny.json': vector('panoptic_tiny.json'),
    'panoptic_tiny/img_a.png': vector('panoptic_tiny/img_a.png'),
    'panoptic_tiny/img_b.png': vector('panoptic_tiny/img_b.png'),
  }, 'vectors');
}

function collect(): { warnings: RleWarning[]; ctx: DialectContext } {
  const warnings: RleWarning[] = [];
  return { warnings, ctx: { warn: (w) => warnings.push(w) } };
}

async function errorOf(p: Promise<unknown>): Promise<RleError> {
  try {
    await p;
  } catch (e) {
    if (isRleError(e)) return e;
    throw e;
  }
  throw new Error('expected an RleError');
}

async function writeFolder(d: MaskDataset, options: Record<string, unknown> = {}, ctx: DialectContext = { warn: () => {} }): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for await (const f of dialect.writeFiles!(d, options, ctx)) files[f.path] = f.bytes;
  return files;
}

const fromPixels = (size: { height: number; width: number }, pixels: number[]): Mask => {
  const bits = new Uint8Array(size.height * size.width);
  for (const p of pixels) bits[p] = 1;
  return Mask.fromBitmap(bits, size, 'row');
};

describe('rgb2id / id2rgb (panopticapi utils.py)', () => {
  it('are inverse over the 24-bit range and match the reference formula', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffff }), (id) => {
      const [r, g, b] = id2rgb(id);
      expect([r, g, b]).toEqual([id % 256, Math.floor(id / 256) % 256, Math.floor(id / 65536) % 256]);
      expect(rgb2id(r, g, b)).toBe(id);
    }));
  });

  it('id2rgb refuses ids that need more than 24 bits', () => {
    for (const bad of [0x1000000, -1, 1.5]) expect(() => id2rgb(bad)).toThrow(/24 bits/);
  });
});

describe('reading the Pillow-written vectors (conformance/vectors/coco-panoptic)', () => {
  const expected = JSON.parse(readFileSync(join(VECTORS, 'expected.json'), 'utf8')) as { image_id: number; id: number; size: [number, number]; pixels: number[] }[];

  it('gives one annotation per segment with its pixels, category, crowd flag and id', async () => {
    const { warnings, ctx } = collect();
    const d = await dialect.read(vectorFolder(), {}, ctx);
    expect(warnings).toEqual([]);
    expect(d.annotations.map((a) => [a.imageId, a.id])).toEqual(expected.map((e) => [e.image_id, e.id]));
    for (const e of expected) {
      const a = d.annotations.find((x) => x.imageId === e.image_id && x.id === e.id)!;
      expect(a.mask.equals(fromPixels({ height: e.size[0], width: e.size[1] }, e.pixels))).toBe(true);
    }
    const crowd = d.annotations.find((a) => a.id === 16777215)!;
    expect(crowd.iscrowd).toBe(true);
    expect(crowd.categoryId).toBe(3);
    expect(d.images.map((i) => [i.id, i.fileName, i.height, i.width])).toEqual([[100, 'img_a.jpg', 6, 9], [101, 'img_b.jpg', 4, 3]]);
    const sky = d.categories.find((c) => c.id === 184)!;
    expect(sky.color).toEqual([70, 130, 180]);
    expect(sky.attributes).toEqual({ isthing: 0 });
  });

  it('finds the PNG folder beside a JSON file by COCO\'s convention, or where --png-folder says', async () => {
    const opened: string[] = [];
    const ctx: DialectContext = {
      warn: () => {},
      open: async (p) => {
        opened.push(p);
        const f = vectorFolder();
        return { ...f, open: (x: string) => f.open(`panoptic_tiny/${x}`) };
      },
    };
    const src: ByteSource = { ...bytesSource(vector('panoptic_tiny.json'), 'panoptic_tiny.json'), path: '/data/annotations/panoptic_tiny.json' };
    expect((await dialect.read(src, {}, ctx)).annotations).toHaveLength(5);
    expect(opened).toEqual(['/data/annotations/panoptic_tiny']);
    expect((await dialect.read(vector('panoptic_tiny.json'), { pngFolder: 'elsewhere/pngs' }, ctx)).annotations).toHaveLength(5);
    expect(opened[1]).toBe('elsewhere/pngs');
  });

  it('without a way to its PNGs, says what is needed', async () => {
    const e = await errorOf(dialect.read(vector('panoptic_tiny.json')));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.path).toEqual(['pngFolder']);
  });

  it('reads a palette PNG and an RGBA PNG the same as RGB', () => {
    // Hand-made: 2x3 palette PNG would need a writer; decode our RGB output and an RGBA re-encoding instead.
    const map = LabelMap.fromArray(Uint32Array.of(0, 5, 5, 70000, 70000, 0xffffff), { height: 2, width: 3 });
    const back = decodeSegmentIds(encodeSegmentIds(map));
    expect([...back.data]).toEqual([...map.data]);
  });
});

describe('detection', () => {
  const json = vector('panoptic_tiny.json');

  it('a panoptic JSON is sniffed as coco-panoptic, with why (COCO, below it, is in packages/cli/test/detect.test.ts)', () => {
    expect(dialect.sniff(json)).toBeGreaterThanOrEqual(0.9);
    expect(dialect.sniffDetail!(json).reason).toMatch(/segments_info/);
  });

  it('an instances file is not', () => {
    const instances = encodeUtf8(JSON.stringify({ images: [{ id: 1, height: 2, width: 2 }], annotations: [{ id: 1, image_id: 1, category_id: 1, segmentation: { size: [2, 2], counts: '04' } }], categories: [] }));
    expect(dialect.sniff(instances)).toBe(0);
  });
});

describe('checks against the PNG', () => {
  const base = JSON.parse(readFileSync(join(VECTORS, 'panoptic_tiny.json'), 'utf8'));
  const folderWith = (json: unknown, pngs: Record<string, Uint8Array> = {}): FolderSource => memoryFolder({
    'p.json': encodeUtf8(JSON.stringify(json)),
    'p/img_a.png': vector('panoptic_tiny/img_a.png'),
    'p/img_b.png': vector('panoptic_tiny/img_b.png'),
    ...pngs,
  });
  const edit = (f: (j: typeof base) => void): unknown => {
    const j = structuredClone(base);
    f(j);
    return j;
  };

  it('an area or bbox that disagrees with the pixels is reported, and the pixels win', async () => {
    const { warnings, ctx } = collect();
    const d = await dialect.read(folderWith(edit((j) => {
      j.annotations[0].segments_info[2].area = 7;
      j.annotations[0].segments_info[2].bbox = [0, 0, 1, 1];
    })), {}, ctx);
    expect(warnings.map((w) => w.code).sort()).toEqual(['area-mismatch', 'bbox-mismatch']);
    expect(warnings.find((w) => w.code === 'area-mismatch')!.message).toMatch(/segment 3226956 of img_a.png: 7 in the JSON, 6 in the PNG/);
    expect(d.annotations.find((a) => a.id === 3226956)!.mask.area()).toBe(6);
  });

  it('segments without pixels and colours without a segment are reported, not read', async () => {
    const { warnings, ctx } = collect();
    const d = await dialect.read(folderWith(edit((j) => {
      j.annotations[0].segments_info.splice(0, 1); // id 1 (the first pixel) no longer listed
      j.annotations[1].segments_info.push({ id: 42, category_id: 1, iscrowd: 0, bbox: [0, 0, 1, 1], area: 1 });
    })), {}, ctx);
    expect(warnings.map((w) => w.code).sort()).toEqual(['missing-segment', 'unlisted-segment']);
    expect(warnings.find((w) => w.code === 'unlisted-segment')!.message).toMatch(/1 colours .* \(1 pixels, first: colour id 1 in img_a.png\)/);
    expect(d.annotations.map((a) => a.id)).not.toContain(42);
    expect(d.annotations.map((a) => a.id)).not.toContain(1);
  });

  it('VOID (0) is never a segment', async () => {
    const d = await dialect.read(vectorFolder());
    const b = d.annotations.filter((a) => a.imageId === 101);
    expect(b).toHaveLength(1);
    expect(b[0]!.mask.area()).toBe(11);
  });
});

describe('hostile input', () => {
  const base = JSON.parse(readFileSync(join(VECTORS, 'panoptic_tiny.json'), 'utf8'));
  const read = (json: unknown, pngs: Record<string, Uint8Array>, options = {}) =>
    dialect.read(memoryFolder({ 'p.json': encodeUtf8(JSON.stringify(json)), ...pngs }), options);
  const pngs = { 'p/img_a.png': vector('panoptic_tiny/img_a.png'), 'p/img_b.png': vector('panoptic_tiny/img_b.png') };

  it('a missing PNG is an IO error at its annotation', async () => {
    const e = await errorOf(read(base, { 'p/img_a.png': pngs['p/img_a.png'] }));
    expect(e.code).toBe('IO');
    expect(e.path).toEqual(['annotations', 1, 'file_name']);
    expect(e.message).toMatch(/img_b.png/);
  });

  it('a PNG whose size differs from its image is SIZE_MISMATCH', async () => {
    const e = await errorOf(read(base, { ...pngs, 'p/img_b.png': pngs['p/img_a.png'] }));
    expect(e.code).toBe('SIZE_MISMATCH');
    expect(e.expected).toBe('4x3');
    expect(e.received).toBe('6x9');
  });

  it('segment ids past 24 bits, 0 or fractional are INVALID_STRUCTURE with the path', async () => {
    for (const bad of [0x1000000, 0, 2.5, -3, '7']) {
      const j = structuredClone(base);
      j.annotations[0].segments_info[1].id = bad;
      const e = await errorOf(read(j, pngs));
      expect(e.code).toBe('INVALID_STRUCTURE');
      expect(e.path).toEqual(['annotations', 0, 'segments_info', 1, 'id']);
    }
  });

  it('a category or image that is not defined is DANGLING_REFERENCE; two entries for one image are refused', async () => {
    const j1 = structuredClone(base);
    j1.annotations[0].segments_info[0].category_id = 999;
    expect((await errorOf(read(j1, pngs))).code).toBe('DANGLING_REFERENCE');
    const j2 = structuredClone(base);
    j2.annotations[1].image_id = 5;
    expect((await errorOf(read(j2, pngs))).code).toBe('DANGLING_REFERENCE');
    const j3 = structuredClone(base);
    j3.annotations[1].image_id = 100;
    expect((await errorOf(read(j3, pngs))).code).toBe('INVALID_STRUCTURE');
  });

  it('a file_name that leaves the PNG folder is refused', async () => {
    const j = structuredClone(base);
    j.annotations[0].file_name = '../../etc/passwd';
    const e = await errorOf(read(j, pngs));
    expect(e.code).toBe('INVALID_STRUCTURE');
    expect(e.path).toEqual(['annotations', 0, 'file_name']);
  });

  it('a PNG header claiming 60k x 60k is refused before inflating; a bomb IDAT is refused at the cap', async () => {
    const big = vector('panoptic_tiny/img_a.png').slice();
    const dv = new DataView(big.buffer);
    dv.setUint32(16, 60_000);
    dv.setUint32(20, 60_000);
    const e = await errorOf(read(base, { ...pngs, 'p/img_a.png': big }));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    // A 6x9 header over 8 MB of zeros (deflate makes it about 8 KB).
    const { zlibSync } = await import('fflate');
    const idat = zlibSync(new Uint8Array(8 << 20));
    const head = vector('panoptic_tiny/img_a.png').subarray(0, 33);
    const chunk = (type: string, data: Uint8Array): Uint8Array => {
      const out = new Uint8Array(12 + data.length);
      const v = new DataView(out.buffer);
      v.setUint32(0, data.length);
      for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
      out.set(data, 8);
      return out;
    };
    const bomb = new Uint8Array([...head, ...chunk('IDAT', idat), ...chunk('IEND', new Uint8Array(0))]);
    const e2 = await errorOf(read(base, { ...pngs, 'p/img_a.png': bomb }));
    expect(e2.code).toBe('CORRUPT');
    expect(e2.message).toMatch(/inflates past/);
  });

  it('bytes that are not a PNG, or end early, are typed errors', async () => {
    const e = await errorOf(read(base, { ...pngs, 'p/img_a.png': encodeUtf8('hello, not a png at all, really not') }));
    expect(e.code).toBe('INVALID_STRUCTURE');
    const cut = vector('panoptic_tiny/img_a.png').subarray(0, 60);
    const e2 = await errorOf(read(base, { ...pngs, 'p/img_a.png': cut }));
    expect(['TRUNCATED', 'CORRUPT']).toContain(e2.code);
  });

  it('a JSON that is not JSON is refused at its first bytes', async () => {
    const e = await errorOf(dialect.read(memoryFolder({ 'p.json': vector('panoptic_tiny/img_a.png'), ...pngs })));
    expect(e.code).toBe('INVALID_STRUCTURE');
  });
});

// Round trips: non-overlapping masks on non-square images, first and last pixel, empty and full.
const arbImage = fc.record({ height: fc.integer({ min: 1, max: 9 }), width: fc.integer({ min: 1, max: 9 }) })
  .filter((s) => s.height !== s.width)
  .chain((size) => fc.record({
    size: fc.constant(size),
    labels: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: size.height * size.width, maxLength: size.height * size.width }),
  }));

function datasetOf(images: { size: { height: number; width: number }; labels: number[] }[], ids: (img: number, label: number) => number): MaskDataset {
  const annotations: Annotation[] = [];
  images.forEach((im, k) => {
    const map = LabelMap.fromArray(Uint8Array.from(im.labels), im.size);
    for (const [label, mask] of map.masks()) {
      annotations.push({ id: ids(k, label), imageId: k + 1, categoryId: label, mask, iscrowd: label === 3 });
    }
  });
  return {
    images: images.map((im, k) => ({ id: k + 1, fileName: `im${k}.jpg`, height: im.size.height, width: im.size.width })),
    categories: [1, 2, 3].map((c) => ({ id: c, name: `c${c}`, attributes: { isthing: c === 2 ? 0 : 1 } })),
    annotations,
  };
}

describe('round trips (property)', () => {
  it('write then read gives the same masks, ids, categories and crowd flags', async () => {
    await fc.assert(fc.asyncProperty(fc.array(arbImage, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 0xffff }), async (images, salt) => {
      const d = datasetOf(images, (k, label) => (salt % 0x3fff) * 1024 + label * 16 + k + 1);
      const { warnings, ctx } = collect();
      const files = await writeFolder(d, {}, ctx);
      expect(warnings).toEqual([]);
      const back = await dialect.read(memoryFolder(files));
      expect(back.images.map((i) => [i.id, i.height, i.width, i.fileName])).toEqual(d.images.map((i) => [i.id, i.height, i.width, i.fileName]));
      expect(back.annotations).toHaveLength(d.annotations.length);
      for (const a of d.annotations) {
        const b = back.annotations.find((x) => x.imageId === a.imageId && x.id === a.id)!;
        expect(b.mask.equals(a.mask)).toBe(true);
        expect(b.categoryId).toBe(a.categoryId);
        expect(b.iscrowd).toBe(a.iscrowd);
      }
      expect(back.categories.map((c) => c.attributes?.isthing)).toEqual([1, 0, 1]);
    }), { numRuns: 60 });
  });

  it('first and last pixel, empty and full images survive', async () => {
    const size = { height: 3, width: 5 };
    const first = fromPixels(size, [0]), last = fromPixels(size, [14]);
    const d: MaskDataset = {
      images: [{ id: 1, fileName: 'a.jpg', ...size }, { id: 2, fileName: 'b.jpg', ...size }, { id: 3, fileName: 'c.jpg', ...size }],
      categories: [{ id: 1, name: 'x' }],
      annotations: [
        { id: 10, imageId: 1, categoryId: 1, mask: first },
        { id: 11, imageId: 1, categoryId: 1, mask: last },
        { id: 12, imageId: 3, categoryId: 1, mask: Mask.full(size) },
      ],
    };
    const back = await dialect.read(memoryFolder(await writeFolder(d)));
    expect(back.annotations.map((a) => [a.imageId, a.id, a.mask.area()])).toEqual([[1, 10, 1], [1, 11, 1], [3, 12, 15]]);
    expect(back.annotations[0]!.mask.equals(first)).toBe(true);
    expect(back.annotations[1]!.mask.equals(last)).toBe(true);
    expect(back.images).toHaveLength(3);
  });

  it('reading the Pillow vectors and writing them again gives the same JSON and the same pixels', async () => {
    const d = await dialect.read(vectorFolder());
    const files = await writeFolder(d, { name: 'panoptic_tiny' });
    expect(JSON.parse(new TextDecoder().decode(files['panoptic_tiny.json']))).toEqual(JSON.parse(readFileSync(join(VECTORS, 'panoptic_tiny.json'), 'utf8')));
    for (const f of ['img_a.png', 'img_b.png']) {
      expect([...decodeSegmentIds(files[`panoptic_tiny/${f}`]!).data]).toEqual([...decodeSegmentIds(vector(`panoptic_tiny/${f}`)).data]);
    }
  });
});

describe('writing', () => {
  const size = { height: 2, width: 4 };
  const left = fromPixels(size, [0, 1, 4, 5]), middle = fromPixels(size, [1, 2, 5, 6]);
  const overlapping: MaskDataset = {
    images: [{ id: 1, fileName: 'x.jpg', ...size }],
    categories: [{ id: 1, name: 'a', color: [10, 20, 30] }],
    annotations: [{ id: 1, imageId: 1, categoryId: 1, mask: left }, { id: 2, imageId: 1, categoryId: 1, mask: middle }],
  };

  it('overlaps follow the overlap policy of the png dialect: error, first or last (default), reported', async () => {
    const e = await errorOf(writeFolder(overlapping, { overlap: 'error' }));
    expect(e.code).toBe('OVERLAP');
    for (const [policy, firstArea, secondArea] of [['first', 4, 2], ['last', 2, 4]] as const) {
      const { warnings, ctx } = collect();
      const back = await dialect.read(memoryFolder(await writeFolder(overlapping, { overlap: policy }, ctx)));
      expect(back.annotations.map((a) => a.mask.area())).toEqual([firstArea, secondArea]);
      expect(warnings.map((w) => w.code)).toContain('overlap-resolved');
    }
  });

  it('ids that cannot be segment ids get deterministic new ones (category colour first), reported', async () => {
    const d: MaskDataset = { ...overlapping, annotations: [{ id: 'a', imageId: 1, categoryId: 1, mask: fromPixels(size, [0]) }, { id: 0x1000000, imageId: 1, categoryId: 1, mask: fromPixels(size, [7]) }] };
    const { warnings, ctx } = collect();
    const one = await writeFolder(d, {}, ctx);
    const two = await writeFolder(d);
    expect(one).toEqual(two);
    expect(warnings.find((w) => w.code === 'renumbered-ids')?.count).toBe(2);
    const back = await dialect.read(memoryFolder(one));
    expect(back.annotations[0]!.id).toBe(rgb2id(10, 20, 30));
    expect(back.annotations[1]!.id).not.toBe(back.annotations[0]!.id);
  });

  it('scores are reported as not carried; empty masks as not written', async () => {
    const d: MaskDataset = { ...overlapping, annotations: [{ id: 1, imageId: 1, categoryId: 1, mask: left, score: 0.5 }, { id: 2, imageId: 1, categoryId: 1, mask: Mask.empty(size) }] };
    const { warnings, ctx } = collect();
    await writeFolder(d, {}, ctx);
    expect(warnings.find((w) => w.code === 'not-carried' && w.capability === 'scores')).toBeDefined();
    expect(warnings.find((w) => w.code === 'empty-mask')?.count).toBe(1);
  });

  it('write (one file) refuses and says to write a folder', async () => {
    expect((await errorOf(dialect.write(overlapping))).code).toBe('INVALID_OPTION');
  });
});
