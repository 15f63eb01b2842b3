import { describe, expect, it } from 'vitest';
import { bytesSource, collectDataset, Mask, MAX_JSON_DEPTH, RleError, toDatasetStream, type MaskDataset, type RleWarning } from '@rlekit/core';
import { dialect } from '../src/index.js';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function collector() {
  const warnings: RleWarning[] = [];
  return { warnings, context: { warn: (w: RleWarning) => warnings.push(w) } };
}

async function errorOf(p: Promise<unknown>): Promise<RleError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RleError);
    return e as RleError;
  }
  throw new Error('no error');
}

/** Both reads: in memory, and streamed in small chunks. */
async function bothReads(bytes: Uint8Array, context?: { warn: (w: RleWarning) => void }): Promise<MaskDataset[]> {
  const chunked = { kind: 'bytes' as const, name: 'x.json', async *stream() { for (let i = 0; i < bytes.length; i += 5) yield bytes.slice(i, i + 5); } };
  return [await dialect.read(bytes, {}, context), await collectDataset(await dialect.readStream!(chunked, {}, context))];
}

// 2 x 3, non-square, foreground at the first and the last pixel.
const mask = Mask.fromBitmap(Uint8Array.of(1, 0, 0, 0, 0, 1), { height: 2, width: 3 });

describe('unique annotation ids in what the COCO writer writes (issue 12 item 6)', () => {
  // An Encord video object: one objectHash on frames 0 and 1.
  const dataset = (): MaskDataset => ({
    images: [{ id: 'v#0', height: 2, width: 3 }, { id: 'v#1', height: 2, width: 3 }],
    categories: [{ id: 'f', name: 'cell' }],
    annotations: [
      { id: 'obj1', imageId: 'v#0', categoryId: 'f', mask },
      { id: 'obj1', imageId: 'v#1', categoryId: 'f', mask },
      { id: 7, imageId: 'v#1', categoryId: 'f', mask },
      { id: 7, imageId: 'v#1', categoryId: 'f', mask },
    ],
  });

  for (const [name, input] of [['in memory', () => dataset()], ['streamed', () => toDatasetStream(dataset())]] as const) {
    it(`gives repeated and non-integer ids new integer ids, keeps the old id as source_id and says so (${name})`, async () => {
      const { warnings, context } = collector();
      const out = JSON.parse(dec(await dialect.write(input(), {}, context)));
      const ids = out.annotations.map((a: { id: unknown }) => a.id);
      expect(new Set(ids).size).toBe(4);
      expect(ids.every((x: unknown) => Number.isSafeInteger(x))).toBe(true);
      // In memory every id is known first, so a new id is above all of them; a stream cannot look ahead.
      if (name === 'in memory') expect(ids).toEqual([8, 9, 7, 10]);
      expect(out.annotations.map((a: { source_id?: unknown }) => a.source_id)).toEqual(['obj1', 'obj1', undefined, 7]);
      expect(warnings.filter((w) => w.code === 'renumbered-ids')).toEqual([expect.objectContaining({ count: 3 })]);
    });
  }

  it('a streamed write never reuses an id that comes later', async () => {
    const d = dataset();
    d.annotations = [1, 1, 2, 2].map((id) => ({ id, imageId: 'v#0', mask }));
    const out = JSON.parse(dec(await dialect.write(toDatasetStream(d))));
    const ids = out.annotations.map((a: { id: number }) => a.id);
    expect(new Set(ids).size).toBe(4);
  });

  it('unique ids are written unchanged, without a warning', async () => {
    const { warnings, context } = collector();
    const d = dataset();
    d.annotations = [{ ...d.annotations[0]!, id: 1 }, d.annotations[2]!];
    const out = JSON.parse(dec(await dialect.write(d, {}, context)));
    expect(out.annotations.map((a: { id: unknown }) => a.id)).toEqual([1, 7]);
    expect(warnings.filter((w) => w.code === 'renumbered-ids')).toEqual([]);
  });
});

const file = (annotations: unknown[], categories: unknown[] = [{ id: 1, name: 'a' }]) => ({
  images: [{ id: 1, height: 2, width: 3 }, { id: 2, height: 2, width: 3 }],
  categories,
  annotations,
});
const rle = { size: [2, 3], counts: [0, 1, 4, 1] };

describe('the COCO reader', () => {
  it('warns on annotation ids used twice (pycocotools keeps only the last), in memory and streamed', async () => {
    const { warnings, context } = collector();
    const reads = await bothReads(enc(file([
      { id: 5, image_id: 1, category_id: 1, segmentation: rle },
      { id: 5, image_id: 2, category_id: 1, segmentation: rle },
      { id: 6, image_id: 2, category_id: 1, segmentation: rle },
    ])), context);
    for (const d of reads) expect(d.annotations.map((a) => a.id)).toEqual([5, 5, 6]);
    expect(warnings.filter((w) => w.code === 'duplicate-id')).toEqual([
      expect.objectContaining({ count: 1, path: ['annotations', 1, 'id'] }),
      expect.objectContaining({ count: 1, path: ['annotations', 1, 'id'] }),
    ]);
  });

  it('counts every id used twice, whatever its kind: small and large integers, fractions, negatives, -0 next to 0, strings', async () => {
    const { warnings, context } = collector();
    const ids = [1, 2, 1, 'a', '1', 'a', 2 ** 40, 2 ** 40, 1.5, 1.5, -3, -3, 0, -0, 2 ** 27 + 5, 2 ** 27 + 5, 2 ** 26 - 1, 2 ** 26 - 1, 31, 32, 33];
    // JSON.stringify writes -0 as 0: the text is written out so that the file says -0.
    const text = JSON.stringify(file(ids.map((id, k) => ({ id: k === 13 ? 'MINUS_ZERO' : id, image_id: 1, category_id: 1, segmentation: rle })))).replace('"MINUS_ZERO"', '-0');
    const reads = await bothReads(enc(text), context);
    for (const d of reads) expect(d.annotations.map((a) => a.id)).toEqual(ids);
    expect(warnings.filter((w) => w.code === 'duplicate-id').map((w) => [w.count, w.path])).toEqual([[8, ['annotations', 2, 'id']], [8, ['annotations', 2, 'id']]]);
  });

  it('reads a category id that categories lacks as a category named by its id, with a missing-category warning (as pycocotools loads it)', async () => {
    const { warnings, context } = collector();
    const reads = await bothReads(enc(file([
      { id: 1, image_id: 1, category_id: 1, segmentation: rle },
      { id: 2, image_id: 1, category_id: 99, segmentation: rle },
      { id: 3, image_id: 2, category_id: 99, segmentation: rle },
      { id: 4, image_id: 2, category_id: 7, bbox: [0, 0, 1, 1] }, // no mask: its category is still read (both reads alike)
    ])), context);
    for (const d of reads) {
      expect(d.categories).toEqual([{ id: 1, name: 'a' }, { id: 99, name: '99' }, { id: 7, name: '7' }]);
      expect(d.annotations.map((a) => a.categoryId)).toEqual([1, 99, 99]);
    }
    expect(warnings.filter((w) => w.code === 'missing-category').map((w) => w.count)).toEqual([2, 2]);
  });

  it('codes a negative or fractional image height or width INVALID_SIZE, as the docs say', async () => {
    for (const bad of [-1, 1.5, '2']) {
      const f = file([]);
      (f.images[0] as { height: unknown }).height = bad;
      for (const read of [dialect.read(enc(f)), dialect.readStream!(bytesSource(enc(f))).then(collectDataset)]) {
        const e = await errorOf(read);
        expect(e.code).toBe('INVALID_SIZE');
        expect(e.path).toEqual(['images', 0, 'height']);
      }
    }
  });
});

describe('COCO panoptic files (issue 12 item 10)', () => {
  // The shape of panopticapi's sample panoptic_val2017.json.
  const panoptic = {
    info: { description: 'panoptic' },
    images: [{ id: 139, file_name: '000000000139.jpg', height: 426, width: 640 }],
    annotations: [
      { image_id: 139, file_name: '000000000139.png', segments_info: [{ id: 3226956, category_id: 1, iscrowd: 0, bbox: [413, 158, 53, 138], area: 2840 }] },
      { image_id: 139, file_name: '000000000139.png', segments_info: [] },
    ],
    categories: [{ supercategory: 'person', isthing: 1, id: 1, name: 'person' }],
  };

  it('are refused as panoptic, with what to do, in memory and streamed (not read as masks without a segmentation)', async () => {
    for (const read of [dialect.read(enc(panoptic)), dialect.readStream!(bytesSource(enc(panoptic))).then(collectDataset)]) {
      const e = await errorOf(read);
      expect(e.code).toBe('UNSUPPORTED');
      expect(e.message).toMatch(/panoptic/);
      expect(e.message).toMatch(/--from coco-panoptic/);
      expect(e.message).not.toMatch(/without a segmentation/);
      expect(e.path).toEqual(['annotations', 0, 'segments_info']);
    }
  });

  it('are sniffed as panoptic, below an instances file', () => {
    const instances = file([{ id: 1, image_id: 1, category_id: 1, segmentation: rle }]);
    const p = dialect.sniff(enc(panoptic));
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(dialect.sniff(enc(instances)));
    expect(p).toBeLessThan(0.8);
  });
});

describe('JSON nesting depth (issue 12 item 15)', () => {
  const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
  const text = `{"images": [{"id": 1, "height": 2, "width": 3, "deep": ${deep(100_000)}}], "annotations": []}`;

  it('a 100k-deep attribute is refused on read with LIMIT_EXCEEDED, in memory (with its path) and streamed', async () => {
    const memory = await errorOf(dialect.read(enc(text)));
    expect(memory.code).toBe('LIMIT_EXCEEDED');
    expect(memory.path.slice(0, 5)).toEqual(['images', 0, 'deep', 0, 0]);
    const streamed = await errorOf(dialect.readStream!(bytesSource(enc(text))).then(collectDataset));
    expect(streamed.code).toBe('LIMIT_EXCEEDED');
    expect(streamed.offset).toBe(text.indexOf('[[') + MAX_JSON_DEPTH - 3); // the 257th opening bracket
  });

  it('the writer refuses attributes too deep to write with an RleError, not a stack overflow', async () => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    const d: MaskDataset = { images: [{ id: 1, height: 2, width: 3 }], categories: [], annotations: [{ id: 1, imageId: 1, mask, attributes: { v } }] };
    const e = await errorOf(dialect.write(d));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(e.path).toEqual(['annotations', 0]);
    d.annotations = [];
    d.images[0]!.attributes = { v };
    expect((await errorOf(dialect.write(d))).path).toEqual(['images', 0]);
  });
});
