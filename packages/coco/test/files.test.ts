import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { collectDataset, Mask, RleError, type Annotation, type ByteSource, type MaskDataset, type RleWarning } from '@rlekit/core';
import { decode, dialect, encode, encodeUncompressed, polygonsOf } from '../src/index.js';
import { MAX_VALUE_BYTES, readCocoStream, REGROUP_BYTES } from '../src/read-stream.js';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** A ByteSource that delivers its bytes in small chunks, as a file stream would. */
function chunked(bytes: Uint8Array, size = 7): ByteSource {
  return {
    kind: 'bytes',
    name: 'chunked.json',
    async *stream() {
      for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
    },
  };
}

function collector() {
  const warnings: RleWarning[] = [];
  return { warnings, context: { warn: (w: RleWarning) => warnings.push(w) } };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RleError);
    return (e as RleError).code;
  }
  return 'no error';
}

// 30 x 40 (h x w): non-square, so a transposed decode shows.
const H = 30, W = 40;
const blob = (() => {
  const bits = new Uint8Array(H * W);
  for (let y = 3; y < 9; y++) for (let x = 20; x < 31; x++) bits[y * W + x] = 1;
  bits[0] = 1;
  bits[H * W - 1] = 1;
  return Mask.fromBitmap(bits, { height: H, width: W });
})();

const instances = {
  info: { description: 'tiny' },
  licenses: [{ id: 1, name: 'x' }],
  images: [
    { id: 1, file_name: 'a.jpg', height: H, width: W, license: 1 },
    { id: 2, file_name: 'b.jpg', height: 20, width: 10 },
  ],
  categories: [{ id: 7, name: 'cat', supercategory: 'animal' }, { id: 8, name: 'dog', supercategory: 'animal', synset: 'dog.n.01' }],
  annotations: [
    { id: 10, image_id: 1, category_id: 7, segmentation: [[2, 2, 12, 2, 12, 10, 2, 10]], area: 80.5, bbox: [2, 2, 10, 8], iscrowd: 0 },
    { id: 11, image_id: 1, category_id: 8, segmentation: encode(blob), area: blob.area(), bbox: [0, 0, W, H + 1], iscrowd: 0, extra: 'kept' },
    { id: 12, image_id: 2, category_id: 7, segmentation: encodeUncompressed(Mask.full({ height: 20, width: 10 })), area: 200, bbox: [0, 0, 10, 20], iscrowd: 1 },
    { id: 13, image_id: 2, category_id: 7, bbox: [1, 1, 2, 2], area: 4, iscrowd: 0 },
  ],
};

describe('COCO instances JSON', () => {
  it('reads polygons, compressed and uncompressed RLE, keeps iscrowd apart from the encoding', async () => {
    const { warnings, context } = collector();
    const d = await dialect.read(enc(instances), {}, context);
    expect(d.images.map((i) => [i.id, i.fileName, i.height, i.width])).toEqual([[1, 'a.jpg', H, W], [2, 'b.jpg', 20, 10]]);
    expect(d.images[0]!.attributes).toEqual({ license: 1 });
    expect(d.categories[1]).toEqual({ id: 8, name: 'dog', supercategory: 'animal', attributes: { synset: 'dog.n.01' } });
    expect(d.annotations.map((a) => a.id)).toEqual([10, 11, 12]);
    const [poly, rle, crowd] = d.annotations as [Annotation, Annotation, Annotation];
    // The polygon covers the pixel centres inside [2,12] x [2,10]: 10 x 8 pixels.
    expect(poly.mask.area()).toBe(80);
    expect(poly.mask.bbox()).toEqual({ x: 2, y: 2, width: 10, height: 8 });
    expect(polygonsOf(poly.mask)).toEqual([[2, 2, 12, 2, 12, 10, 2, 10]]);
    expect(rle.mask.equals(blob)).toBe(true);
    expect(rle.mask.toBitmap('row')[0]).toBe(1);
    expect(rle.attributes).toEqual({ extra: 'kept' });
    expect(poly.iscrowd).toBeUndefined();
    expect(crowd.iscrowd).toBe(true);
    expect(crowd.mask.area()).toBe(200);
    const codes = warnings.map((w) => w.code).sort();
    expect(codes).toEqual(['area-mismatch', 'bbox-mismatch', 'not-carried', 'not-carried']);
    expect(warnings.find((w) => w.message.includes('without a segmentation'))?.count).toBe(1);
    expect(warnings.find((w) => w.code === 'bbox-mismatch')?.message).toMatch(/RLE/);
  });

  it('counts area and bbox mismatches as the mask says, the float values COCO gives included', async () => {
    // A 3x4 image; the polygon covers 2 pixels (x 2..3, y 0), box {2, 0, 2, 1}.
    const poly = [[2, 0, 4, 0, 4, 1, 2, 1]];
    const value = fc.oneof(fc.constantFrom(2, 0, 1, -0, 2.0000001, 1.5), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -2, max: 5 }));
    const box = fc.oneof(fc.constant([2, 0, 2, 1]), fc.constant([2, 0, 2, 1.0000001]), fc.array(value, { minLength: 3, maxLength: 5 }), fc.tuple(value, value, value, value), fc.constant('x'));
    await fc.assert(fc.asyncProperty(fc.array(fc.record({ area: fc.option(value, { nil: undefined }), bbox: fc.option(box, { nil: undefined }) }), { minLength: 1, maxLength: 6 }), async (given) => {
      const annotations = given.map((g, i) => ({ id: i + 1, image_id: 1, segmentation: poly, ...g }));
      const { warnings, context } = collector();
      const d = await dialect.read(enc({ images: [{ id: 1, height: 3, width: 4 }], annotations }), {}, context);
      const mask = d.annotations[0]!.mask;
      const b = mask.bbox();
      expect([mask.area(), b]).toEqual([2, { x: 2, y: 0, width: 2, height: 1 }]);
      const areas = given.filter((g) => g.area !== undefined && g.area !== 2).length;
      const boxes = given.filter((g) => g.bbox !== undefined && !(Array.isArray(g.bbox) && g.bbox.length === 4 && g.bbox[0] === 2 && g.bbox[1] === 0 && g.bbox[2] === 2 && g.bbox[3] === 1)).length;
      expect(warnings.find((w) => w.code === 'area-mismatch')?.count ?? 0).toBe(areas);
      expect(warnings.find((w) => w.code === 'bbox-mismatch')?.count ?? 0).toBe(boxes);
    }), { numRuns: 300 });
  });

  it('counts each bbox that is not the pixel box: fractional, integer but wrong, or not four numbers', async () => {
    // The polygon's pixel box is x 2, y 2, width 10, height 8 (see above).
    const polygon = [2, 2, 12, 2, 12, 10, 2, 10];
    const boxes: unknown[] = [[2, 2, 10, 8], [2, 2, 10, 8.5], [2.25, 2, 10, 8], [2, 2, 10, 9], [2, 2, 10], 'box', [2, 2, 10, 8]];
    const { warnings, context } = collector();
    await dialect.read(enc({ images: [{ id: 1, height: H, width: W }], annotations: boxes.map((bbox, k) => ({ id: k + 1, image_id: 1, segmentation: [polygon], bbox })) }), {}, context);
    expect(warnings.find((w) => w.code === 'bbox-mismatch')?.count).toBe(5);
  });

  it('writes back what it read: compressed and uncompressed, polygons kept or rasterised', async () => {
    const d = await dialect.read(enc(instances));
    for (const rle of ['compressed', 'uncompressed'] as const) {
      for (const polygons of ['keep', 'rle'] as const) {
        const out = JSON.parse(dec(await dialect.write(d, { rle, polygons })));
        expect(out.info).toEqual(instances.info);
        expect(out.images[0]).toEqual(instances.images[0]);
        expect(out.categories).toEqual(instances.categories);
        const [a, b, c] = out.annotations;
        if (polygons === 'keep') expect(a.segmentation).toEqual(instances.annotations[0]!.segmentation);
        else expect(decode(a.segmentation).equals(d.annotations[0]!.mask)).toBe(true);
        expect(rle === 'compressed' ? typeof b.segmentation.counts : Array.isArray(b.segmentation.counts)).toBe(rle === 'compressed' ? 'string' : true);
        expect(decode(b.segmentation).equals(blob)).toBe(true);
        expect(b).toMatchObject({ id: 11, image_id: 1, category_id: 8, area: blob.area(), bbox: [0, 0, W, H], iscrowd: 0, extra: 'kept' });
        expect(c).toMatchObject({ id: 12, iscrowd: 1, area: 200, bbox: [0, 0, 10, 20] });
        expect(a.area).toBe(80);
        const again = await dialect.read(enc(out));
        expect(again.annotations.map((x) => x.mask.area())).toEqual(d.annotations.map((x) => x.mask.area()));
        again.annotations.forEach((x, i) => expect(x.mask.equals(d.annotations[i]!.mask)).toBe(true));
      }
    }
  });

  it('--iscrowd forces the flag without touching the encoding', async () => {
    const d = await dialect.read(enc(instances));
    for (const [mode, expected] of [['0', [0, 0, 0]], ['1', [1, 1, 1]], ['preserve', [0, 0, 1]]] as const) {
      const out = JSON.parse(dec(await dialect.write(d, { iscrowd: mode, polygons: 'rle' })));
      expect(out.annotations.map((a: { iscrowd: number }) => a.iscrowd)).toEqual(expected);
      expect(out.annotations.every((a: { segmentation: { counts: unknown } }) => typeof a.segmentation.counts === 'string')).toBe(true);
    }
  });

  it("with the writer's maskOrder 'row' in the context, polygons are made row-major: the same pixels, no transposition", async () => {
    const bytes = enc(instances);
    const col = await collectDataset(await dialect.readStream!(chunked(bytes, 5), {}, collector().context));
    const row = await collectDataset(await dialect.readStream!(chunked(bytes, 5), {}, { ...collector().context, maskOrder: 'row' }));
    let polygons = 0;
    row.annotations.forEach((a, i) => {
      const m = col.annotations[i]!.mask;
      if (Array.isArray(polygonsOf(a.mask)) && m.area() > 0) {
        polygons++;
        const held = a.mask.heldRuns;
        expect([...a.mask.runs('row')]).toEqual([...m.runs('row')]);
        expect(a.mask.heldRuns).toBe(held);
      }
      expect(a.mask.equals(m)).toBe(true);
    });
    expect(polygons).toBeGreaterThan(0);
  });

  it('stream-reads in small chunks, with annotations before images, the same as in memory', async () => {
    const reordered = { annotations: instances.annotations, categories: instances.categories, images: instances.images, info: instances.info };
    const bytes = enc(reordered);
    const memory = await dialect.read(bytes);
    const { warnings, context } = collector();
    const stream = await dialect.readStream!(chunked(bytes, 5), {}, context);
    expect(stream.images).toEqual(memory.images);
    const d = await collectDataset(stream);
    expect(d.annotations.length).toBe(memory.annotations.length);
    d.annotations.forEach((a, i) => {
      const m = memory.annotations[i]!;
      expect([a.id, a.imageId, a.categoryId, a.iscrowd]).toEqual([m.id, m.imageId, m.categoryId, m.iscrowd]);
      expect(a.mask.equals(m.mask)).toBe(true);
    });
    expect(warnings.map((w) => w.code).sort()).toEqual(['area-mismatch', 'bbox-mismatch', 'not-carried', 'not-carried']);
    // read() of a file above the in-memory limit takes the streaming path.
    const big = await dialect.read(chunked(bytes, 64), { inMemoryBytes: 100 });
    expect(big.annotations.length).toBe(3);
    const bigBytes = await dialect.read(bytes, { inMemoryBytes: 100 });
    expect(bigBytes.annotations.map((a) => a.mask.area())).toEqual(memory.annotations.map((a) => a.mask.area()));
  });

  it('a stream yields each image\'s annotations together, in image order, when the file scatters them (COCO, LVIS)', async () => {
    // LVIS key order, annotations of images 1 and 2 interleaved and listed before images: a
    // writer that works an image at a time (Kaggle) needs them grouped.
    const m = (k: number) => encode(Mask.fromRuns([k, 1, H * W - k - 1], { height: H, width: W }, 'col'));
    const small = encode(Mask.full({ height: 20, width: 10 }));
    const scattered = {
      annotations: [
        { id: 1, image_id: 2, category_id: 7, segmentation: small },
        { id: 2, image_id: 1, category_id: 7, segmentation: m(0) },
        { id: 3, image_id: 2, category_id: 7, segmentation: small },
        { id: 4, image_id: 1, category_id: 7, bbox: [0, 0, 1, 1] },
        { id: 5, image_id: 1, category_id: 7, segmentation: m(H * W - 1) },
      ],
      images: instances.images,
      categories: instances.categories,
    };
    const s = await collectDataset(await dialect.readStream!(chunked(enc(scattered), 6)));
    expect(s.annotations.map((a) => [a.id, a.imageId])).toEqual([[2, 1], [5, 1], [1, 2], [3, 2]]);
    expect(s.annotations[1]!.mask.toBitmap('row')[H * W - 1]).toBe(1);
    // A results list the same way; a file already in image order keeps its order.
    const results = scattered.annotations.filter((a) => a.segmentation).map((a) => ({ image_id: a.image_id, category_id: 7, segmentation: a.segmentation, score: a.id / 10 }));
    const r = await collectDataset(await dialect.readStream!(chunked(enc(results), 9)));
    expect(r.annotations.map((a) => a.score)).toEqual([0.1, 0.3, 0.2, 0.5]);
    const ordered = { ...scattered, annotations: [scattered.annotations[4]!, scattered.annotations[1]!, scattered.annotations[0]!, scattered.annotations[2]!] };
    const o = await collectDataset(await dialect.readStream!(chunked(enc(ordered), 6)));
    expect(o.annotations.map((a) => a.id)).toEqual([5, 2, 1, 3]);
    // groupByImage false: file order (bounded memory, for writers that take any order).
    const f = await collectDataset(await dialect.readStream!(chunked(enc(scattered), 6), { groupByImage: false }));
    expect(f.annotations.map((a) => a.id)).toEqual([1, 2, 3, 5]);
  });

  it('a streamed read keeps every top-level field the in-memory read keeps (old COCO\'s "type")', async () => {
    const file = { type: 'instances', ...instances, 'x.y': 1 };
    const memory = JSON.parse(dec(await dialect.write(await dialect.read(enc(file)))));
    const { warnings, context } = collector();
    const streamed = JSON.parse(dec(await dialect.write(await collectDataset(await dialect.readStream!(chunked(enc(file), 8), {}, context)))));
    expect(streamed.type).toBe('instances');
    expect(streamed.info).toEqual(instances.info);
    expect(memory.type).toBe('instances');
    // Any key, whatever its spelling, as the in-memory read keeps it.
    expect(streamed['x.y']).toBe(1);
    expect(memory['x.y']).toBe(1);
    expect(warnings.some((w) => w.code === 'not-carried' && w.message.includes('x.y'))).toBe(true);
  });

  // Issue 12, item 17: the streamed read must read what JSON.parse (the in-memory read) reads.
  const both = async (text: string) => {
    const memory = await dialect.read(enc(text));
    const streamed = await collectDataset(await dialect.readStream!(chunked(enc(text), 3)));
    return [memory, streamed] as const;
  };
  const summary = (d: MaskDataset) => ({ images: d.images.map((im) => im.id), categories: d.categories.map((c) => c.name), annotations: d.annotations.map((a) => [a.id, a.imageId, a.mask.area()]) });

  it('a top-level key given twice counts once, with its last value, streamed as in memory', async () => {
    const seg = encode(Mask.full({ height: 2, width: 3 }));
    const text = `{"annotations": [{"id": 1, "image_id": 5, "segmentation": ${JSON.stringify(seg)}}],
      "images": [{"id": 5, "height": 9, "width": 9}], "categories": [{"id": 1, "name": "first"}],
      "annotations": [{"id": 2, "image_id": 6, "segmentation": ${JSON.stringify(seg)}}],
      "images": [{"id": 6, "height": 2, "width": 3}], "categories": [{"id": 1, "name": "last"}], "info": 1, "info": {"v": 2}}`;
    const [memory, streamed] = await both(text);
    expect(summary(memory)).toEqual({ images: [6], categories: ['last'], annotations: [[2, 6, 6]] });
    expect(summary(streamed)).toEqual(summary(memory));
    expect(JSON.parse(dec(await dialect.write(streamed))).info).toEqual({ v: 2 });
  });

  it('an annotations list a later one replaces: bad JSON in it is bad JSON, a bad annotation in good JSON is not read, streamed as in memory', async () => {
    const seg = JSON.stringify(encode(Mask.full({ height: 2, width: 3 })));
    const file = (replaced: string) => `{"images": [{"id": 6, "height": 2, "width": 3}], "categories": [{"id": 1, "name": "c"}],
      "annotations": [${replaced}], "annotations": [{"id": 2, "image_id": 6, "segmentation": ${seg}}]}`;
    // Not JSON (a key without its value): JSON.parse refuses the file, and so does the streamed read, before any annotation.
    const bad = file(`{"id": 1, "image_id": 6, "segmentation": ${seg}}, {"id": 3, "imageeus"}`);
    for (const source of [enc(bad), chunked(enc(bad), 3)]) {
      const memory = await dialect.read(enc(bad)).then(() => undefined, (e: unknown) => e);
      const streamed = await dialect.readStream!(source).then(() => undefined, (e: unknown) => e);
      expect(memory).toBeInstanceOf(RleError);
      expect(streamed).toBeInstanceOf(RleError);
      expect((streamed as RleError).code).toBe((memory as RleError).code);
      // Within the bad element (where V8 says the JSON stops; at its end when it does not say).
      const at = bad.indexOf('{"id": 3');
      expect((streamed as RleError).offset).toBeGreaterThanOrEqual(at);
      expect((streamed as RleError).offset).toBeLessThanOrEqual(at + '{"id": 3, "imageeus"}'.length);
    }
    // Good JSON that is not an annotation (no image_id): the replaced list is never read, either way.
    const [memory, streamed] = await both(file('{"id": 1, "name": "not an annotation"}'));
    expect(summary(memory)).toEqual({ images: [6], categories: ['c'], annotations: [[2, 6, 6]] });
    expect(summary(streamed)).toEqual(summary(memory));
  });

  it('a BOM starts a file in both reads, and a U+FEFF inside a key makes another key in both', async () => {
    const file = JSON.stringify(instances);
    const [m1, s1] = await both(`\uFEFF${file}`);
    expect(summary(s1)).toEqual(summary(m1));
    expect(s1.annotations).toHaveLength(3);
    // "\uFEFFimages" is not "images": the file then has no images list, either way.
    const keyed = file.replace('"images"', '"\uFEFFimages"');
    for (const read of [() => dialect.read(enc(keyed)), async () => collectDataset(await dialect.readStream!(chunked(enc(keyed), 3)))]) {
      const e = await read().then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(RleError);
      expect((e as RleError).path).toEqual(['images']);
    }
    // Next to a real images list, the U+FEFF key is one more top-level field in both.
    const extra = file.replace('"info"', '"\uFEFFinfo"');
    const [m2, s2] = await both(extra);
    expect(JSON.parse(dec(await dialect.write(s2)))['\uFEFFinfo']).toEqual(instances.info);
    expect(JSON.parse(dec(await dialect.write(m2)))['\uFEFFinfo']).toEqual(instances.info);
  });

  it('regrouping a scattered file by image holds a bounded window: many passes give the in-memory grouping', async () => {
    const { readCocoStream } = await import('../src/read-stream.js');
    const rand = (() => { let x = 7; return () => (x = (x * 48271) % 2147483647) / 2147483647; })();
    const images = Array.from({ length: 40 }, (_, i) => ({ id: 100 + i, height: 3 + (i % 4), width: 5 }));
    const annotations = Array.from({ length: 300 }, (_, k) => {
      const img = images[Math.floor(rand() * images.length)]!;
      return { id: k + 1, image_id: img.id, segmentation: encode(Mask.fromRuns([k % 3, 1, img.height * img.width - (k % 3) - 1], { height: img.height, width: img.width }, 'col')) };
    });
    annotations.splice(17, 0, { id: 999, image_id: 100, bbox: [0, 0, 1, 1] } as never); // no mask: skipped, still counted
    const text = JSON.stringify({ annotations, images });
    const position = new Map(images.map((im, i) => [im.id, i]));
    const expected = annotations.filter((a) => a.segmentation).map((a, i) => [position.get(a.image_id)!, i, a.id] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
    for (const budget of [1, 500, 4000, 1 << 30]) {
      const passes: number[] = [];
      const source: ByteSource = { ...chunked(enc(text), 50), stream() { passes.push(1); return chunked(enc(text), 50).stream(); } };
      const d = await collectDataset(await readCocoStream(source, 'auto', () => {}, true, budget));
      expect(d.annotations.map((a) => a.id)).toEqual(expected);
      if (budget === 1) expect(passes.length).toBe(1 + 40); // one pass per image
      // Annotations that fit the budget are kept from pass 1: the file is read once.
      if (budget === 1 << 30) expect(passes.length).toBe(1);
    }
  });

  it('says when its stream is in image order: regrouped, or already so in the file, never a scattered file read as it comes', async () => {
    const { readCocoStream } = await import('../src/read-stream.js');
    const images = [{ id: 1, height: 2, width: 3 }, { id: 2, height: 2, width: 3 }];
    const seg = encode(Mask.fromRuns([1, 2, 3], { height: 2, width: 3 }, 'col'));
    const file = (order: number[]) => enc({ images, annotations: order.map((im, k) => ({ id: k + 1, image_id: im, segmentation: seg })) });
    const said = async (order: number[], grouped: boolean) => (await readCocoStream(chunked(file(order), 9), 'auto', () => {}, grouped)).inImageOrder === true;
    expect(await said([2, 1, 2], true)).toBe(true);
    expect(await said([2, 1, 2], false)).toBe(false);
    expect(await said([1, 2, 2], false)).toBe(true);
    // What it says holds: the annotations come in images order.
    const d = await readCocoStream(chunked(file([2, 1, 2]), 9), 'auto', () => {}, true);
    const got: unknown[] = [];
    for await (const a of d.annotations) got.push(a.imageId);
    expect(got).toEqual([1, 2, 2]);
  });

  it('writeStream chunks concatenate to write()', async () => {
    const d = await dialect.read(enc(instances));
    const parts: Uint8Array[] = [];
    for await (const c of dialect.writeStream!({ ...d, annotations: (async function* () { yield* d.annotations; })() }, {})) parts.push(c);
    expect(parts.length).toBeGreaterThan(1);
    expect(dec(Buffer.concat(parts))).toBe(dec(await dialect.write(d, {})));
  });

  it('accepts counts written as Python bytes reprs, with a warning', async () => {
    const rle = encode(Mask.full({ height: 480, width: 640 }));
    expect(rle.counts).toBe('0PP\\9');
    const repr = `b'${rle.counts.replace(/\\/g, '\\\\')}'`;
    const { warnings, context } = collector();
    const d = await dialect.read(enc({ images: [{ id: 1, height: 480, width: 640 }], annotations: [{ id: 1, image_id: 1, segmentation: { size: [480, 640], counts: repr } }] }), {}, context);
    expect(d.annotations[0]!.mask.area()).toBe(480 * 640);
    expect(warnings.map((w) => w.code)).toEqual(['python-bytes-counts']);
    const out = JSON.parse(dec(await dialect.write(d)));
    expect(out.annotations[0].segmentation.counts).toBe('0PP\\9');
  });

  it('round-trips random datasets through write and (stream) read', async () => {
    const maskArb = fc.record({ h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }) }).filter(({ h, w }) => h !== w);
    await fc.assert(
      fc.asyncProperty(maskArb, fc.array(fc.tuple(fc.array(fc.boolean(), { minLength: 81, maxLength: 81 }), fc.boolean(), fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined })), { maxLength: 5 }), fc.constantFrom('compressed', 'uncompressed') as fc.Arbitrary<'compressed' | 'uncompressed'>, async ({ h, w }, anns, rle) => {
        const d: MaskDataset = {
          images: [{ id: 1, height: h, width: w }],
          categories: [{ id: 1, name: 'thing' }],
          annotations: anns.map(([bits, crowd, score], i) => ({
            id: i + 1, imageId: 1, categoryId: 1, iscrowd: crowd,
            mask: Mask.fromBitmap(bits.slice(0, h * w).map((b) => (b ? 1 : 0)), { height: h, width: w }),
            ...(score === undefined ? {} : { score }),
          })),
        };
        const bytes = await dialect.write(d, { rle });
        for (const back of [await dialect.read(bytes), await collectDataset(await dialect.readStream!(chunked(bytes, 11)))]) {
          expect(back.images).toEqual(d.images);
          expect(back.annotations.length).toBe(d.annotations.length);
          back.annotations.forEach((a, i) => {
            const o = d.annotations[i]!;
            expect(a.mask.equals(o.mask)).toBe(true);
            expect([a.id, a.iscrowd ?? false, a.score]).toEqual([o.id, o.iscrowd, o.score]);
          });
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('results and SA-1B files', () => {
  it('reads and writes a results list (images sized from the RLEs)', async () => {
    const m = Mask.fromBitmap(Uint8Array.from({ length: 12 }, (_, i) => (i % 5 === 0 ? 1 : 0)), { height: 3, width: 4 });
    const results = [
      { image_id: 5, category_id: 2, segmentation: encode(m), score: 0.75 },
      { image_id: 5, category_id: 3, segmentation: encode(m.complement()), score: 0.5 },
      { image_id: 6, category_id: 2, bbox: [0, 0, 1, 1], score: 0.1 },
    ];
    const { warnings, context } = collector();
    const d = await dialect.read(enc(results), {}, context);
    expect(d.images).toEqual([{ id: 5, height: 3, width: 4 }]);
    expect(d.categories).toEqual([{ id: 2, name: '2' }, { id: 3, name: '3' }]);
    expect(d.annotations.map((a) => [a.id, a.categoryId, a.score])).toEqual([[1, 2, 0.75], [2, 3, 0.5]]);
    expect(d.annotations[0]!.mask.equals(m)).toBe(true);
    expect(warnings.map((w) => w.code)).toEqual(['not-carried']);
    const out = JSON.parse(dec(await dialect.write(d, { format: 'results' })));
    expect(out).toEqual([
      { image_id: 5, category_id: 2, segmentation: encode(m), score: 0.75, area: m.area(), bbox: [0, 0, 3, 3] },
      { image_id: 5, category_id: 3, segmentation: encode(m.complement()), score: 0.5, area: m.complement().area(), bbox: [0, 0, 4, 3] },
    ]);
    const streamed = await collectDataset(await dialect.readStream!(chunked(enc(results), 3)));
    expect(streamed.annotations.map((a) => a.mask.area())).toEqual([m.area(), 12 - m.area()]);
  });

  it('reads and writes SA-1B per-image JSON, extra fields as attributes', async () => {
    const m = Mask.fromBitmap(Uint8Array.from({ length: 6 * 9 }, (_, i) => (i % 7 < 3 ? 1 : 0)), { height: 6, width: 9 });
    const file = {
      image: { image_id: 42, width: 9, height: 6, file_name: 'sa_42.jpg' },
      annotations: [{ id: 900, segmentation: encode(m), bbox: [0, 0, 9, 6], area: m.area(), predicted_iou: 0.9, stability_score: 0.95, point_coords: [[1.5, 2.5]], crop_box: [0, 0, 9, 6] }],
    };
    expect(dialect.sniff(enc(file))).toBeGreaterThan(0.5);
    const d = await dialect.read(enc(file));
    expect(d.images).toEqual([{ id: 42, height: 6, width: 9, fileName: 'sa_42.jpg' }]);
    const a = d.annotations[0]!;
    expect(a.id).toBe(900);
    expect(a.mask.equals(m)).toBe(true);
    expect(a.attributes).toEqual({ predicted_iou: 0.9, stability_score: 0.95, point_coords: [[1.5, 2.5]], crop_box: [0, 0, 9, 6] });
    const out = JSON.parse(dec(await dialect.write(d, { format: 'sa1b' })));
    expect(out).toEqual(file);
    const streamed = await collectDataset(await dialect.readStream!(chunked(enc(file), 4)));
    expect(streamed.annotations[0]!.mask.equals(m)).toBe(true);
    expect(await codeOf(dialect.write({ ...d, images: [...d.images, { id: 43, height: 6, width: 9 }] }, { format: 'sa1b' }))).toBe('UNSUPPORTED');
  });
});

describe('SA-1B files: what the model carries survives', () => {
  const m = Mask.fromBitmap(Uint8Array.from({ length: 6 * 9 }, (_, i) => (i % 5 < 2 ? 1 : 0)), { height: 6, width: 9 });

  it('writes scores (results or instances → SA-1B) as a score field and reads them back, without a loss warning', async () => {
    const d: MaskDataset = { images: [{ id: 7, height: 6, width: 9 }], categories: [], annotations: [{ id: 3, imageId: 7, mask: m, score: 0.625 }] };
    const { warnings, context } = collector();
    const bytes = await dialect.write(d, { format: 'sa1b' }, context);
    expect(warnings.filter((w) => /score/.test(w.message))).toEqual([]);
    expect(JSON.parse(dec(bytes)).annotations[0].score).toBe(0.625);
    for (const back of [await dialect.read(bytes), await collectDataset(await dialect.readStream!(chunked(bytes, 5)))]) {
      expect(back.annotations[0]!.score).toBe(0.625);
      expect(back.annotations[0]!.attributes).toBeUndefined();
    }
  });

  it('keeps an image id given next to image_id (image_id names the image; id is kept as an attribute)', async () => {
    const file = { image: { image_id: 42, id: 'sa_42', width: 9, height: 6 }, annotations: [{ id: 1, segmentation: encode(m), bbox: [0, 0, 9, 6], area: m.area() }] };
    for (const d of [await dialect.read(enc(file)), await collectDataset(await dialect.readStream!(chunked(enc(file), 6)))]) {
      expect(d.images[0]!.id).toBe(42);
      expect(d.images[0]!.attributes).toEqual({ id: 'sa_42' });
      expect(JSON.parse(dec(await dialect.write(d, { format: 'sa1b' }))).image).toEqual({ image_id: 42, id: 'sa_42', height: 6, width: 9 });
    }
  });
});

describe('review: SA-1B categories and a top-level image next to images', () => {
  const m = Mask.fromBitmap(Uint8Array.from({ length: 2 * 3 }, (_, i) => (i % 2)), { height: 2, width: 3 });

  it('writes categories to SA-1B as category_id (as results files do), reads them back, and says names are lost', async () => {
    const d: MaskDataset = {
      images: [{ id: 7, height: 2, width: 3 }],
      categories: [{ id: 5, name: 'car' }],
      annotations: [{ id: 1, imageId: 7, categoryId: 5, mask: m }, { id: 2, imageId: 7, mask: m }, { id: 3, imageId: 7, categoryId: 5, mask: m }],
    };
    const { warnings, context } = collector();
    const bytes = await dialect.write(d, { format: 'sa1b' }, context);
    expect(JSON.parse(dec(bytes)).annotations.map((a: { category_id?: unknown }) => a.category_id)).toEqual([5, undefined, 5]);
    expect(warnings.filter((w) => w.code === 'not-carried').map((w) => [w.count, /category names/.test(w.message)])).toEqual([[1, true]]);
    for (const back of [await dialect.read(bytes), await collectDataset(await dialect.readStream!(chunked(bytes, 5)))]) {
      expect(back.categories).toEqual([{ id: 5, name: '5' }]);
      expect(back.annotations.map((a) => [a.categoryId, a.attributes])).toEqual([[5, undefined], [undefined, undefined], [5, undefined]]);
      // Categories named by their id: nothing more to lose on a second write.
      const again = collector();
      await dialect.write(back, { format: 'sa1b' }, again.context);
      expect(again.warnings).toEqual([]);
    }
  });

  it('an instances file with a top-level "image" as well: both reads keep it as a top-level field, not as an image', async () => {
    const file = { image: { image_id: 9, height: 2, width: 3 }, images: [{ id: 1, height: 2, width: 3 }], categories: [], annotations: [{ id: 4, image_id: 1, segmentation: encode(m) }] };
    const memory = await dialect.read(enc(file));
    const streamed = await collectDataset(await dialect.readStream!(chunked(enc(file), 5)));
    for (const d of [memory, streamed]) {
      expect(d.images.map((im) => im.id)).toEqual([1]);
      expect(d.annotations.map((a) => [a.id, a.imageId])).toEqual([[4, 1]]);
      expect(JSON.parse(dec(await dialect.write(d))).image).toEqual(file.image);
    }
  });

  it('--format sa1b ignores an images list, as the in-memory read does', async () => {
    const file = { images: { 1: 'not read' }, image: { image_id: 9, height: 2, width: 3 }, annotations: [{ id: 4, segmentation: encode(m) }] };
    const memory = await dialect.read(enc(file), { format: 'sa1b' });
    const streamed = await collectDataset(await dialect.readStream!(chunked(enc(file), 5), { format: 'sa1b' }));
    for (const d of [memory, streamed]) {
      expect(d.images.map((im) => im.id)).toEqual([9]);
      expect(d.annotations.map((a) => [a.id, a.imageId])).toEqual([[4, 9]]);
    }
  });
});

describe('streamed and in-memory reads agree on the shape of top-level fields', () => {
  const image = { id: 1, height: 2, width: 3 };
  const cases: [string, unknown, (string | number)[]][] = [
    ['images as an object', { images: { 1: image }, annotations: [] }, ['images']],
    ['categories as an object', { images: [image], categories: { 1: { id: 1, name: 'a' } }, annotations: [] }, ['categories']],
    ['annotations as an object', { images: [image], annotations: { 1: { id: 1, image_id: 1, segmentation: { size: [2, 3], counts: [6] } } } }, ['annotations']],
    ['annotations missing', { images: [image] }, ['annotations']],
    ['images as a number', { images: 3, annotations: [] }, ['images']],
    ['SA-1B image as a list', { image: [image], annotations: [] }, ['image']],
    ['SA-1B annotations missing', { image: { image_id: 1, height: 2, width: 3 } }, ['annotations']],
  ];
  for (const [name, file, path] of cases) {
    it(`${name}: INVALID_STRUCTURE at ${JSON.stringify(path)}`, async () => {
      for (const read of [() => dialect.read(enc(file)), async () => collectDataset(await dialect.readStream!(chunked(enc(file), 5)))]) {
        const e = await read().then(() => undefined, (err: unknown) => err);
        expect(e).toBeInstanceOf(RleError);
        expect((e as RleError).code).toBe('INVALID_STRUCTURE');
        expect((e as RleError).path).toEqual(path);
      }
    });
  }

  it('empty images and annotations lists are a valid, empty dataset either way', async () => {
    const file = { images: [], categories: [], annotations: [] };
    for (const d of [await dialect.read(enc(file)), await collectDataset(await dialect.readStream!(chunked(enc(file), 5)))]) {
      expect([d.images.length, d.categories.length, d.annotations.length]).toEqual([0, 0, 0]);
    }
  });
});

describe('sniffing and bad input', () => {
  it('sniffs the three layouts and not others', () => {
    expect(dialect.sniff(enc(instances))).toBeGreaterThan(0.5);
    expect(dialect.sniff(enc([{ image_id: 1, category_id: 1, segmentation: { size: [1, 1], counts: '1' }, score: 1 }]))).toBeGreaterThan(0.5);
    expect(dialect.sniff(enc({ format: 'rlekit-json', images: [] }))).toBe(0);
    expect(dialect.sniff(enc('id,rle\n1,1 2\n'))).toBe(0);
  });

  it('reports bad files with codes and paths', async () => {
    const bad = (patch: (d: typeof instances) => unknown) => enc(patch(JSON.parse(JSON.stringify(instances))));
    expect(await codeOf(dialect.read(enc('{"images": [')))).toBe('INVALID_STRUCTURE');
    expect(await codeOf(dialect.readStream!(chunked(enc('{"images": [{"id": 1, "height": 2, "width": 2}'))))).toBe('TRUNCATED');
    // An explicit layout is kept when streaming too: a list is not read as results behind the user's back.
    const list = enc([{ image_id: 1, segmentation: { size: [2, 3], counts: [6] }, score: 1 }]);
    for (const format of ['instances', 'sa1b'] as const) {
      expect(await codeOf(dialect.read(list, { format }))).toBe('INVALID_STRUCTURE');
      expect(await codeOf(dialect.readStream!(chunked(list), { format }))).toBe('INVALID_STRUCTURE');
    }
    expect(await codeOf(dialect.read(enc('"just a string"')))).toBe('INVALID_STRUCTURE');
    expect(await codeOf(dialect.read(bad((d) => { d.annotations[1]!.image_id = 99; return d; })))).toBe('DANGLING_REFERENCE');
    // A category id missing from categories is read, as pycocotools reads it (hardening.test.ts).
    expect(await codeOf(dialect.read(bad((d) => { d.annotations[1]!.category_id = 99; return d; })))).toBe('no error');
    expect(await codeOf(dialect.read(bad((d) => { d.images[0]!.height = -1; return d; })))).toBe('INVALID_SIZE');
    expect(await codeOf(dialect.read(bad((d) => { (d.annotations[1] as { iscrowd: unknown }).iscrowd = 'yes'; return d; })))).toBe('INVALID_STRUCTURE');
    expect(await codeOf(dialect.read(bad((d) => { (d.annotations[2] as { image_id: number }).image_id = 1; return d; })))).toBe('SIZE_MISMATCH');
    expect(await codeOf(dialect.read({ kind: 'folder', name: 'f', list: async () => [], open: () => { throw new Error(); } }))).toBe('INVALID_OPTION');
    expect(await codeOf(dialect.write({ images: [], categories: [], annotations: [] }, { rle: 'zipped' as 'compressed' }))).toBe('INVALID_OPTION');
    try {
      await dialect.read(bad((d) => { (d.annotations[1]!.segmentation as { counts: string }).counts = '0P!'; return d; }));
      throw new Error('expected an error');
    } catch (e) {
      expect((e as RleError).code).toBe('INVALID_TOKEN');
      expect((e as RleError).path).toEqual(['annotations', 1, 'segmentation', 'counts']);
      expect((e as RleError).offset).toBe(2);
    }
  });
});

describe('robustness', () => {
  it('mutated or truncated files give a dataset or an RleError, in memory and streamed', async () => {
    const text = JSON.stringify(instances);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(text.length - 1), fc.constantFrom('0', '"', '[', ']', '{', '}', ',', '-1', 'null', 'b', ' ', '1e999', '9999999999')), { maxLength: 4 }), fc.option(fc.nat(text.length), { nil: undefined }), async (edits, cut) => {
        let t = text;
        for (const [at, s] of edits) t = t.slice(0, at) + s + t.slice(at + 1);
        if (cut !== undefined) t = t.slice(0, cut);
        for (const read of [() => dialect.read(enc(t)), async () => collectDataset(await dialect.readStream!(chunked(enc(t), 13)))]) {
          try {
            const d = await read();
            for (const a of d.annotations) expect(a.mask).toBeInstanceOf(Mask);
          } catch (e) {
            expect(e).toBeInstanceOf(RleError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('mutated segmentation values give a mask or an RleError', async () => {
    const values = fc.oneof(fc.constant(null), fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.array(fc.oneof(fc.integer({ min: -5, max: 50 }), fc.double(), fc.string()), { maxLength: 8 }), fc.array(fc.array(fc.oneof(fc.double(), fc.integer()), { maxLength: 10 }), { maxLength: 3 }), fc.record({ size: fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 3 }), counts: fc.oneof(fc.string({ maxLength: 10 }), fc.array(fc.integer({ min: -1, max: 1300 }), { maxLength: 5 })) }));
    await fc.assert(
      fc.asyncProperty(values, async (seg) => {
        const d = JSON.parse(JSON.stringify(instances));
        d.annotations[1].segmentation = seg;
        try {
          await dialect.read(enc(d));
        } catch (e) {
          expect(e).toBeInstanceOf(RleError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('a streamed COCO file whose bad JSON never closes a value', () => {
  // A stray quote in the first polygon: the rest of the file reads as one string.
  const text = `{"images": [{"id": 1, "height": 4, "width": 6}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [["1, 1, 5, 1, 5, 3]]}, ${Array.from({ length: 400 }, (_, k) => `{"id": ${k + 2}, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 5, 1, 5, 3]]}`).join(', ')}], "categories": [{"id": 1, "name": "a"}]}`;
  const bytes = new TextEncoder().encode(text);
  const counted = () => {
    let read = 0;
    const source: ByteSource = { kind: 'bytes', name: 'stray.json', async *stream() { for (let i = 0; i < bytes.length; i += 64) (read += Math.min(64, bytes.length - i), yield bytes.slice(i, i + 64)); } };
    return { source, read: () => read };
  };

  // Where JSON.parse of the file stops: the string the stray quote opened ends at the next quote
  // (of "id"), and `id` cannot follow it in a list.
  const fault = text.indexOf('id": 2');
  const start = text.indexOf('{"id": 1, "image_id"');
  const expectNamed = (error: unknown): void => {
    expect(error).toBeInstanceOf(RleError);
    const e = error as RleError;
    expect([e.code, e.path, e.offset]).toEqual(['INVALID_STRUCTURE', ['annotations', 0], fault]);
    expect(e.message).toContain(`annotation 0, from byte ${start}, never closes`);
  };

  it('is refused once the value passes the limit, at the annotation and the first byte where it stops being JSON, not gathered to the end of the file', async () => {
    const { source, read } = counted();
    const error = await readCocoStream(source, 'auto', () => {}, true, REGROUP_BYTES, undefined, undefined, false, 'col', 1000).then(() => undefined, (e: unknown) => e);
    expectNamed(error);
    expect(read()).toBeLessThan(1000 + 64 + start + 64);
    expect(bytes.length).toBeGreaterThan(10_000);
    // As JSON.parse of the whole text says.
    expect(() => JSON.parse(text)).toThrow(`position ${fault}`);
  });

  it('without a limit it is the same error, after reading the file to its end', async () => {
    const { source, read } = counted();
    const error = await readCocoStream(source).then(() => undefined, (e: unknown) => e);
    expectNamed(error);
    expect(read()).toBe(bytes.length);
    expect(MAX_VALUE_BYTES).toBe(0x1fffffe8);
  });

  it('a fault past the first prefixes looked at (64 KiB, 1 MiB) is found too, in a results list', async () => {
    // A long first polygon, the stray quote 1.5 MB into it; a results file (the list is the root).
    const numbers = Array.from({ length: 500_000 }, (_, k) => String(k % 7)).join(', ');
    const at = numbers.length - 1000;
    const bad = `[{"image_id": 1, "segmentation": [[${numbers.slice(0, at)}"${numbers.slice(at)}]]}, {"image_id": 1, "segmentation": {"size": [2, 2], "counts": "04"}}]`;
    const b = new TextEncoder().encode(bad);
    const source: ByteSource = { kind: 'bytes', name: 'r.json', async *stream() { for (let i = 0; i < b.length; i += 4096) yield b.slice(i, i + 4096); } };
    const error = await readCocoStream(source).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RleError);
    const e = error as RleError;
    expect([e.code, e.path]).toEqual(['INVALID_STRUCTURE', [0]]);
    expect(() => JSON.parse(bad)).toThrow(`position ${e.offset}`);
    expect(e.offset).toBeGreaterThan(1 << 20);
  });

  it('a file that ends inside a good annotation is TRUNCATED at that annotation\'s start, with its path', async () => {
    const cut = text.replace('[["1', '[[1').slice(0, text.indexOf('{"id": 3, "image_id"') + 30);
    const b = new TextEncoder().encode(cut);
    const source: ByteSource = { kind: 'bytes', name: 'cut.json', async *stream() { for (let i = 0; i < b.length; i += 64) yield b.slice(i, i + 64); } };
    const error = await readCocoStream(source).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RleError);
    const e = error as RleError;
    expect([e.code, e.path, e.offset]).toEqual(['TRUNCATED', ['annotations', 2], cut.indexOf('{"id": 3, "image_id"')]);
  });
});
