// A planned reader may be handed only its shard's images (a --jobs plan): shardDataset must then
// keep them as they are, and still keep exactly the annotations one run's shard keeps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markShardImages, Mask, shardDataset, shardRange, type Annotation, type ImageInfo } from '../src/index.js';

const size = { height: 1, width: 2 };
const imageList = (n: number): ImageInfo[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, ...size }));

describe('markShardImages', () => {
  it('a list cut for a shard gives, through shardDataset, what the whole list gives', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 0, max: 14 }), { maxLength: 30 }), (n, count, refs) => {
      const whole = imageList(n);
      // Annotations of images 1..n in image order, and of ids no image has (0, n+1, …).
      const annotations: Annotation[] = [...refs].sort((a, b) => a - b).map((imageId, k) => ({ id: k, imageId, mask: Mask.full(size) }));
      for (let index = 0; index < count; index++) {
        const shard = { index, count };
        const expected = shardDataset({ images: whole, categories: [], annotations }, shard) as { images: ImageInfo[]; annotations: Annotation[] };
        const [from, to] = shardRange(shard, n);
        const cut = whole.slice(from, to);
        markShardImages(cut, shard);
        // The planned reader yields its own images' annotations, and (the first shard) those of no image.
        const own = annotations.filter((a) => cut.some((im) => im.id === a.imageId) || (index === 0 && !whole.some((im) => im.id === a.imageId)));
        const got = shardDataset({ images: cut, categories: [], annotations: own }, shard) as { images: ImageInfo[]; annotations: Annotation[] };
        expect(got.images).toBe(cut);
        expect(got.images).toEqual(expected.images);
        expect(got.annotations).toEqual(expected.annotations);
      }
    }));
  });

  it('a list cut for one shard is refused for another', () => {
    const cut = imageList(3);
    markShardImages(cut, { index: 1, count: 4 });
    expect(() => shardDataset({ images: cut, categories: [], annotations: [] }, { index: 2, count: 4 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it('an annotation of an image outside the cut list is left out, except by the first shard (which reports it, as one run does)', () => {
    const cut = imageList(2);
    const stray: Annotation = { id: 9, imageId: 77, mask: Mask.full(size) };
    markShardImages(cut, { index: 1, count: 2 });
    expect((shardDataset({ images: cut, categories: [], annotations: [stray] }, { index: 1, count: 2 }) as { annotations: Annotation[] }).annotations).toEqual([]);
    const first = imageList(2);
    markShardImages(first, { index: 0, count: 2 });
    expect((shardDataset({ images: first, categories: [], annotations: [stray] }, { index: 0, count: 2 }) as { annotations: Annotation[] }).annotations).toEqual([stray]);
  });

  it('the mark is seen by another copy of the module (two installed copies of core must agree, or a cut list is cut again)', async () => {
    const other = (await import('../src/shard.js?second-copy' as string)) as typeof import('../src/shard.js');
    expect(other.shardDataset).not.toBe(shardDataset);
    const cut = imageList(3);
    markShardImages(cut, { index: 1, count: 3 });
    const got = other.shardDataset({ images: cut, categories: [], annotations: [] }, { index: 1, count: 3 }) as { images: ImageInfo[] };
    expect(got.images).toBe(cut);
    // Not carried by copies of the list (JSON, a structured clone): a planned reader marks the list it was handed.
    expect(Object.keys(cut)).toEqual(['0', '1', '2']);
    expect(structuredClone(cut)).toEqual(cut);
    expect(() => shardDataset({ images: structuredClone(cut), categories: [], annotations: [] }, { index: 2, count: 3 })).not.toThrow();
  });
});
