import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupByImage, Mask, isRleError, type Annotation, type MaskDatasetStream } from '../src/index.js';

const images = [0, 1, 2, 3].map((id) => ({ id, height: 2, width: 3 }));
// Non-square masks, each with a distinct foreground pixel, so the groups can be checked by content.
const ann = (id: number, imageId: number): Annotation => ({ id, imageId, mask: Mask.fromBitmap([...Array(6)].map((_, k) => (k === id % 6 ? 1 : 0)), { height: 2, width: 3 }) });
const stream = (list: Annotation[]): MaskDatasetStream => ({ images, categories: [], annotations: (async function* () { yield* list; })() });
async function groups(list: Annotation[], maxBufferedRuns?: number) {
  const out: [unknown, unknown[]][] = [];
  for await (const g of groupByImage(stream(list), maxBufferedRuns === undefined ? {} : { maxBufferedRuns })) out.push([g.image.id, g.annotations.map((a) => a.id)]);
  return out;
}

describe('groupByImage', () => {
  it('groups a stream in any order, every image in images order, keeping each image\'s annotation order', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 20 }), async (imageIds) => {
      const list = imageIds.map((im, k) => ann(k, im));
      const expected = images.map((im) => [im.id, list.filter((a) => a.imageId === im.id).map((a) => a.id)]);
      expect(await groups(list)).toEqual(expected);
    }), { seed: 3, numRuns: 100 });
  });

  it('streams past its budget when the input is in image order, and refuses (LIMIT_EXCEEDED) when it is not', async () => {
    const sorted = [ann(1, 0), ann(2, 0), ann(3, 2), ann(4, 2), ann(5, 3)];
    expect(await groups(sorted, 1)).toEqual([[0, [1, 2]], [1, []], [2, [3, 4]], [3, [5]]]);
    const late = [ann(1, 0), ann(2, 2), ann(3, 1)];
    const e = await groups(late, 1).catch((x: unknown) => x);
    expect(isRleError(e) && e.code).toBe('LIMIT_EXCEEDED');
    // The same order within the budget is grouped.
    expect(await groups(late)).toEqual([[0, [1]], [1, [3]], [2, [2]], [3, []]]);
  });

  it('refuses an annotation of an unknown image (DANGLING_REFERENCE)', async () => {
    const e = await groups([ann(1, 9)]).catch((x: unknown) => x);
    expect(isRleError(e) && e.code).toBe('DANGLING_REFERENCE');
  });
});
