import { describe, expect, it } from 'vitest';
import { checkDataset, Mask, toDatasetStream, type MaskDataset } from '../src/index.js';

const size = { height: 5, width: 9 };
const px = (...xy: [number, number][]) => {
  const bm = new Uint8Array(size.height * size.width);
  for (const [x, y] of xy) bm[y * size.width + x] = 1;
  return Mask.fromBitmap(bm, size, 'row');
};

function dataset(): MaskDataset {
  return {
    images: [{ id: 1, ...size }, { id: 1, ...size }],
    categories: [{ id: 1, name: 'leaf' }, { id: 2, name: 'stem' }],
    annotations: [
      { id: 1, imageId: 1, categoryId: 1, mask: px([0, 0], [1, 0], [0, 1], [1, 1]) },
      { id: 1, imageId: 1, categoryId: 1, mask: px([1, 1], [8, 4]) },
      { id: 3, imageId: 7, categoryId: 9, mask: Mask.empty(size) },
      { id: 4, imageId: 1, mask: Mask.full(size).difference(px([4, 2])) },
    ],
  };
}

describe('checkDataset', () => {
  it('reports every problem at once, grouped by code, on a non-square image', async () => {
    const r = await checkDataset(dataset(), { overlapForbidden: true });
    expect(Object.fromEntries(Object.entries(r.counts).map(([k, v]) => [k, v.count]))).toEqual({
      'duplicate-image-id': 1,
      'duplicate-annotation-id': 1,
      'dangling-image': 1,
      'dangling-category': 1,
      'empty-mask': 1,
      'multi-part': 1,
      'tiny-fragments': 1,
      overlap: 2,
      'looks-inverted': 1,
      'unused-category': 1,
    });
    expect(r.problems.find((p) => p.code === 'empty-mask')).toMatchObject({ severity: 'warning', path: ['annotations', 'id=3'], fix: 'drop-annotation' });
    expect(r.annotations).toBe(4);
  });

  it('gives the same report for the streamed form', async () => {
    const a = await checkDataset(dataset(), { overlapForbidden: true });
    const b = await checkDataset(toDatasetStream(dataset()), { overlapForbidden: true });
    expect(b.counts).toEqual(a.counts);
  });

  it('finds nothing in a clean dataset, and no overlap unless the target forbids it', async () => {
    const clean: MaskDataset = {
      images: [{ id: 1, ...size }], categories: [{ id: 1, name: 'leaf' }],
      annotations: [{ id: 1, imageId: 1, categoryId: 1, mask: px([0, 0], [1, 0]) }, { id: 2, imageId: 1, categoryId: 1, mask: px([1, 0], [2, 0]) }],
    };
    expect((await checkDataset(clean)).problems).toEqual([]);
    expect((await checkDataset(clean, { overlapForbidden: true })).counts.overlap?.count).toBe(1);
  });

  it('caps the listed problems per code and keeps counting', async () => {
    const many: MaskDataset = { images: [{ id: 1, ...size }], categories: [], annotations: Array.from({ length: 30 }, (_, i) => ({ id: i, imageId: 1, mask: Mask.empty(size) })) };
    const r = await checkDataset(many, { maxPerCode: 5 });
    expect(r.counts['empty-mask']!.count).toBe(30);
    expect(r.problems.filter((p) => p.code === 'empty-mask')).toHaveLength(5);
  });

  it('reports a mask of the wrong size on an image with overlaps forbidden instead of failing on it', async () => {
    const wrong = { height: size.width, width: size.height };
    const r = await checkDataset({
      images: [{ id: 1, ...size }], categories: [],
      annotations: [{ id: 1, imageId: 1, mask: Mask.full(size) }, { id: 2, imageId: 1, mask: Mask.full(wrong) }],
    }, { overlapForbidden: true });
    expect(Object.keys(r.counts)).toEqual(['looks-inverted', 'size-mismatch']);
  });
});

describe('checkShard + mergeCheckShards', () => {
  // Shards of consecutive images, checked apart and merged in order, give checkDataset's report:
  // duplicate ids across shards, per-code caps met inside a shard, overlaps and unused categories included.
  it('merge the shards of any cut into the one report of the whole', async () => {
    const { default: fc } = await import('fast-check');
    const { shardRange } = await import('../src/index.js');
    const { checkShard, mergeCheckShards } = await import('../src/index.js');
    const arb = fc.record({
      images: fc.array(fc.record({ h: fc.integer({ min: 1, max: 4 }), w: fc.integer({ min: 2, max: 6 }) }), { minLength: 1, maxLength: 6 }),
      annotations: fc.array(fc.record({
        image: fc.nat(7), id: fc.integer({ min: 1, max: 6 }), category: fc.integer({ min: 0, max: 3 }), crowd: fc.boolean(),
        bits: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 24, maxLength: 24 }), sized: fc.boolean(),
      }), { maxLength: 14 }),
      dupImage: fc.boolean(), shards: fc.integer({ min: 1, max: 4 }), maxPerCode: fc.integer({ min: 1, max: 4 }), overlap: fc.boolean(),
    });
    await fc.assert(fc.asyncProperty(arb, async (t) => {
      // Non-square images (width > height); an optional duplicate image id.
      const images = t.images.map((s, i) => ({ id: i + 1, height: s.h, width: s.h + s.w }));
      if (t.dupImage) images.push({ id: 1, height: 2, width: 5 });
      const categories = [{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 1, name: 'dup' }];
      // Where each image id's annotations go (the last of a duplicated id, as shardDataset has it).
      const position = new Map(images.map((im, i) => [im.id, i] as const));
      const pos = (imageId: number): number => position.get(imageId) ?? -1;
      // Annotations in image order, dangling ones (of images 7 and 8) first: the order a shard-aware read keeps.
      const sorted = [...t.annotations].sort((a, b) => pos(a.image + 1) - pos(b.image + 1));
      const annotations = sorted.map((a) => {
        const im = images.find((x) => x.id === a.image + 1) ?? { height: 2, width: 3 };
        const size = a.sized ? { height: im.height, width: im.width } : { height: im.width, width: im.height };
        const bm = Uint8Array.from({ length: size.height * size.width }, (_, i) => (a.bits[i % 24] === 0 ? 1 : 0));
        return { id: a.id, imageId: a.image + 1, ...(a.category ? { categoryId: a.category } : {}), mask: Mask.fromBitmap(bm, size, 'row'), ...(a.crowd ? { iscrowd: true } : {}) };
      });
      const dataset: MaskDataset = { images, categories, annotations };
      const options = { maxPerCode: t.maxPerCode, overlapForbidden: t.overlap };
      const whole = await checkDataset(dataset, options);
      const parts = [];
      for (let j = 0; j < t.shards; j++) {
        const [lo, hi] = shardRange({ index: j, count: t.shards }, images.length);
        const mine = annotations.filter((a) => {
          const p = pos(a.imageId);
          return p < 0 ? j === 0 : p >= lo && p < hi;
        });
        parts.push(await checkShard(dataset, mine, { ...options, header: j === 0 }));
      }
      expect(mergeCheckShards(parts, options)).toEqual(whole);
    }), { numRuns: 300 });
  });
});
