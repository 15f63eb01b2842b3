import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupByImage, Mask, isRleError, shardDataset, type Annotation, type MaskDatasetStream } from '../src/index.js';

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

  it('passes each image on as soon as the next image\'s annotations begin when the stream says it is in image order', async () => {
    // How many annotations the source had handed out when each group arrived.
    const list = [ann(1, 0), ann(2, 0), ann(3, 2), ann(4, 3)];
    let pulled = 0;
    const ordered: MaskDatasetStream = { images, categories: [], inImageOrder: true, annotations: (async function* () { for (const a of list) (pulled++, yield a); })() };
    const seen: [unknown, unknown[], number][] = [];
    for await (const g of groupByImage(ordered)) seen.push([g.image.id, g.annotations.map((a) => a.id), pulled]);
    expect(seen).toEqual([[0, [1, 2], 3], [1, [], 3], [2, [3], 4], [3, [4], 4]]);
    // Without the promise the whole stream is held first (within the budget).
    pulled = 0;
    const unsaid: MaskDatasetStream = { images, categories: [], annotations: (async function* () { for (const a of list) (pulled++, yield a); })() };
    const first = await groupByImage(unsaid).next();
    expect([first.value?.image.id, pulled]).toEqual([0, 4]);
  });

  it('a shard of a stream in image order says so too (its images are a piece of the order)', () => {
    const said = (inImageOrder: boolean | undefined) => {
      const s = { ...stream([ann(1, 0)]), ...(inImageOrder === undefined ? {} : { inImageOrder }) };
      return (shardDataset(s, { index: 1, count: 2 }) as MaskDatasetStream).inImageOrder;
    };
    expect([said(true), said(false), said(undefined)]).toEqual([true, undefined, undefined]);
  });

  it('refuses an annotation of an unknown image (DANGLING_REFERENCE)', async () => {
    const e = await groups([ann(1, 9)]).catch((x: unknown) => x);
    expect(isRleError(e) && e.code).toBe('DANGLING_REFERENCE');
  });
});
