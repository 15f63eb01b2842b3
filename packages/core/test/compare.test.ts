import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareDatasets, Mask, type MaskDataset } from '../src/index.js';

const rect = (size: { height: number; width: number }, x: number, y: number, w: number, h: number) => {
  const bm = new Uint8Array(size.height * size.width);
  for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) bm[yy * size.width + xx] = 1;
  return Mask.fromBitmap(bm, size, 'row');
};

function dataset(masks: { mask: Mask; categoryId?: number; imageId?: number }[], size = { height: 6, width: 6 }, images = [1]): MaskDataset {
  return {
    images: images.map((id) => ({ id, height: size.height, width: size.width })),
    categories: [{ id: 1, name: 'leaf' }, { id: 2, name: 'stem' }],
    annotations: masks.map((m, i) => ({ id: i + 1, imageId: m.imageId ?? 1, mask: m.mask, ...(m.categoryId !== undefined ? { categoryId: m.categoryId } : {}) })),
  };
}

describe('compareDatasets', () => {
  it('works the seed example: 16 px against 16 px overlapping in 9 → IoU 9/23, Dice 0.5625', () => {
    const s = { height: 6, width: 6 };
    const r = compareDatasets(dataset([{ mask: rect(s, 0, 0, 4, 4) }]), dataset([{ mask: rect(s, 1, 1, 4, 4) }]), { metric: 'dice' });
    expect(r.total).toMatchObject({ areaA: 16, areaB: 16, intersection: 9, tp: 0, fp: 1, fn: 1 });
    expect(r.total.iou).toBeCloseTo(9 / 23, 12);
    expect(r.total.dice).toBe(0.5625);
    expect(r.metric).toMatchObject({ name: 'dice', value: 0.5625 });
  });

  it('matches instances one to one, highest IoU first, per category, on a non-square image', () => {
    const s = { height: 5, width: 9 };
    const a = dataset([{ mask: rect(s, 0, 0, 3, 3), categoryId: 1 }, { mask: rect(s, 5, 1, 4, 4), categoryId: 1 }, { mask: rect(s, 0, 4, 9, 1), categoryId: 2 }], s);
    const b = dataset([{ mask: rect(s, 0, 0, 3, 2), categoryId: 1 }, { mask: rect(s, 6, 1, 3, 4), categoryId: 1 }, { mask: rect(s, 0, 4, 9, 1), categoryId: 1 }], s);
    const r = compareDatasets(a, b);
    const leaf = r.categories.find((c) => c.category === 1)!, stem = r.categories.find((c) => c.category === 2)!;
    // 6/9 and 12/16 match; the stem-shaped mask labelled leaf in b is a false positive there, and the stem is missed.
    expect(leaf).toMatchObject({ tp: 2, fp: 1, fn: 0 });
    expect(leaf.meanMatchedIou).toBeCloseTo((6 / 9 + 12 / 16) / 2, 12);
    expect(stem).toMatchObject({ tp: 0, fp: 0, fn: 1, areaA: 9, areaB: 0, iou: 0, dice: 0 });
  });

  it('compares by category name when asked (two formats numbering classes differently)', () => {
    const s = { height: 4, width: 7 };
    const a = dataset([{ mask: rect(s, 1, 1, 3, 2), categoryId: 1 }], s);
    const b: MaskDataset = { ...dataset([{ mask: rect(s, 1, 1, 3, 2), categoryId: 7 }], s), categories: [{ id: 7, name: 'leaf' }] };
    expect(compareDatasets(a, b).categories.map((c) => c.iou)).toEqual([0, 0]);
    expect(compareDatasets(a, b, { categoriesBy: 'name' }).categories).toMatchObject([{ category: 'leaf', iou: 1, tp: 1 }]);
  });

  it('scores IoU-mAP and F2 over thresholds 0.5…0.95 as the Kaggle kernels do, and 1 for empty against empty', () => {
    const s = { height: 10, width: 10 };
    // IoU 80/100 = 0.8: a hit at thresholds 0.5 … 0.75 (6 of 10).
    const a = dataset([{ mask: rect(s, 0, 0, 10, 10) }, { mask: rect(s, 0, 0, 1, 1), imageId: 2 }], s, [1, 2, 3]);
    const b = dataset([{ mask: rect(s, 0, 0, 10, 8) }], s, [1, 2, 3]);
    const map = compareDatasets(a, b, { metric: 'iou-map' }).metric!.value;
    // image 1: 6 thresholds with 1/(1) and 4 with 0/(0+1+1); image 2: missed (0); image 3: empty-empty (1).
    expect(map).toBeCloseTo((0.6 + 0 + 1) / 3, 12);
    const f2 = compareDatasets(a, b, { metric: 'f2' }).metric!.value;
    expect(f2).toBeCloseTo((0.6 + 0 + 1) / 3, 12);
  });

  it('pairs images by file name when both sides name every image, else by id, and reports the unpaired', () => {
    const s = { height: 3, width: 5 };
    const a: MaskDataset = { images: [{ id: 1, fileName: 'x.png', ...s }, { id: 2, fileName: 'y.png', ...s }], categories: [], annotations: [] };
    const b: MaskDataset = { images: [{ id: 9, fileName: 'x.png', ...s }], categories: [], annotations: [] };
    const r = compareDatasets(a, b);
    expect(r.matchedBy).toBe('fileName');
    expect(r.images.map((i) => [i.a, i.b])).toEqual([[1, 9], [2, 2]]);
    expect(r.onlyInA).toEqual([2]);
    expect(compareDatasets(a, b, { matchBy: 'id' }).onlyInB).toEqual([9]);
  });

  it('refuses images of different sizes and a threshold outside (0, 1] with typed errors', () => {
    const a = dataset([], { height: 4, width: 5 });
    const b = dataset([], { height: 5, width: 4 });
    expect(() => compareDatasets(a, b)).toThrow(expect.objectContaining({ code: 'SIZE_MISMATCH' }));
    expect(() => compareDatasets(a, a, { iouThreshold: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it('agrees with a per-pixel count on random non-square masks', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 9 }), fc.uint8Array({ minLength: 72, maxLength: 72 }), fc.uint8Array({ minLength: 72, maxLength: 72 }), (h, w, x, y) => {
      const s = { height: h, width: w };
      const bx = x.subarray(0, h * w).map((v) => v & 1), by = y.subarray(0, h * w).map((v) => v & 1);
      const r = compareDatasets(dataset([{ mask: Mask.fromBitmap(bx, s, 'row') }], s), dataset([{ mask: Mask.fromBitmap(by, s, 'row') }], s));
      let i = 0, u = 0;
      for (let k = 0; k < h * w; k++) {
        i += bx[k]! & by[k]!;
        u += bx[k]! | by[k]!;
      }
      expect(r.total.intersection).toBe(i);
      expect(r.total.iou).toBe(u === 0 ? 1 : i / u);
    }), { seed: 3, numRuns: 200 });
  });
});
