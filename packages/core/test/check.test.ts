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
});
