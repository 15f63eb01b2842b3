import { describe, expect, it } from 'vitest';
import { countFeatures, countHeader, Mask, notCarried, tallyAnnotation, type DialectCapabilities, type MaskDataset } from '../src/index.js';

const all: DialectCapabilities = {
  categories: true, categoryIds: true, categoryNames: true, categoryAttributes: true, unusedCategories: true,
  instanceIds: true, scores: true, crowd: true, attributes: true,
  multipleImages: true, overlap: true, emptyImages: true, imageIds: true, fileNames: true, imageAttributes: true,
};
const none = Object.fromEntries(Object.keys(all).map((k) => [k, false])) as unknown as DialectCapabilities;
const size = { height: 3, width: 5 };
const box = (from: number, to: number): Mask => Mask.fromCanonicalRuns(Uint32Array.from([from, to - from, 15 - to]), size, 'row');

const lost = (d: MaskDataset, caps: DialectCapabilities): Record<string, number> =>
  Object.fromEntries(notCarried(d, caps, 't').map((w) => [w.capability!, w.count!]));

describe('notCarried', () => {
  it('a one-category dataset loses its category and ids in a target without them', () => {
    const d: MaskDataset = {
      images: [{ id: 5, ...size }],
      categories: [{ id: 9, name: 'cell' }],
      annotations: [{ id: 70, imageId: 5, categoryId: 9, mask: box(0, 4) }],
    };
    expect(lost(d, { ...all, categories: false, instanceIds: false, imageIds: false })).toEqual({ categories: 1, instanceIds: 1, imageIds: 1 });
    expect(lost(d, all)).toEqual({});
  });

  it('counts overlaps, empty images, unused categories and attributes of images and categories', () => {
    const d: MaskDataset = {
      images: [{ id: 1, ...size, attributes: { license: 2 } }, { id: 2, ...size }],
      categories: [{ id: 1, name: 'a', supercategory: 's' }, { id: 2, name: 'b' }],
      annotations: [{ id: 1, imageId: 1, categoryId: 1, mask: box(0, 6) }, { id: 2, imageId: 1, categoryId: 1, mask: box(5, 9) }],
    };
    const l = lost(d, { ...none, categories: true });
    expect(l).toMatchObject({ overlap: 1, emptyImages: 1, unusedCategories: 1, categoryAttributes: 1, imageAttributes: 1, categoryIds: 1, categoryNames: 2, multipleImages: 1 });
    // Without category assignments, what belongs to categories is one loss, not five.
    expect(Object.keys(lost(d, none)).filter((k) => k.startsWith('categor') || k === 'unusedCategories')).toEqual(['categories']);
  });

  it('finds overlaps in a stream whose images interleave, and does no overlap work for a target that carries them', () => {
    const images = [{ id: 1, ...size }, { id: 2, ...size }];
    const c = countHeader(images, []);
    tallyAnnotation(c, { id: 1, imageId: 1, mask: box(0, 6) });
    tallyAnnotation(c, { id: 2, imageId: 2, mask: box(0, 6) });
    tallyAnnotation(c, { id: 3, imageId: 1, mask: box(6, 9) });
    tallyAnnotation(c, { id: 4, imageId: 1, mask: box(8, 10) });
    expect(c.overlaps).toBe(1);
    expect(countHeader(images, [], all).unions).toBeUndefined();
    expect(countFeatures({ images, categories: [], annotations: [] }).imageIds.size).toBe(0);
  });
});
