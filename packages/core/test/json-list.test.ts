/**
 * The shared pieces of streamed JSON-list dialects (Label Studio, Encord): the list's text one
 * element at a time, and each image's annotations with their positions from a stream. The
 * two-pass reader (streamJsonList) is held to each dialect's whole read in their tests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { annotationsByImage, groupByImageAt, isRleError, jsonListChunks, Mask, toDatasetStream, type MaskDataset } from '../src/index.js';

async function text(items: unknown[], indent: number): Promise<{ text: string; chunks: number }> {
  const chunks: Uint8Array[] = [];
  for await (const c of jsonListChunks(items, indent)) chunks.push(c);
  return { text: Buffer.concat(chunks).toString('utf8'), chunks: chunks.length };
}

describe('jsonListChunks', () => {
  it('gives the bytes of JSON.stringify(list, null, indent) and a newline', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }), fc.integer({ min: 0, max: 4 }), async (items, indent) => {
      expect((await text(items, indent)).text).toBe(`${JSON.stringify(items, null, indent)}\n`);
    }), { numRuns: 300 });
  });

  it('hands on chunks of about 1 MiB, not the whole text at the end', async () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ i, s: 'x'.repeat(100_000) }));
    const got = await text(items, 1);
    expect(got.text).toBe(`${JSON.stringify(items, null, 1)}\n`);
    expect(got.chunks).toBeGreaterThan(3);
  });
});

describe('groupByImageAt', () => {
  const size = { height: 1, width: 2 };
  const dataset = fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 8 }).map((imageIds): MaskDataset => ({
    images: ['a', 'b', 'c'].map((id) => ({ id, ...size })),
    categories: [],
    annotations: imageIds.map((imageId, n) => ({ id: n, imageId, mask: Mask.full(size) })),
  }));

  it('gives annotationsByImage\'s groups and positions, from memory or a stream in any order', async () => {
    await fc.assert(fc.asyncProperty(dataset, async (d) => {
      const byImage = annotationsByImage(d);
      const expected = d.images.map((im) => [im.id, (byImage.get(im.id) ?? []).map(({ a, i }) => [a.id, i])]);
      for (const input of [d, toDatasetStream(d)]) {
        const seen: unknown[] = [];
        const got: unknown[] = [];
        for await (const { image, annotations } of groupByImageAt(input, (a) => seen.push(a.id))) got.push([image.id, annotations.map(({ a, i }) => [a.id, i])]);
        expect(got).toEqual(expected);
        expect([...seen].sort()).toEqual(d.annotations.map((a) => a.id).sort());
      }
    }), { numRuns: 200 });
  });

  it('refuses an annotation of an unknown image with its position, as annotationsByImage does', async () => {
    const d: MaskDataset = { images: [{ id: 'a', ...size }], categories: [], annotations: [{ id: 1, imageId: 'a', mask: Mask.full(size) }, { id: 2, imageId: 'z', mask: Mask.full(size) }] };
    for (const input of [d, toDatasetStream(d)]) {
      const e = await (async () => {
        for await (const _ of groupByImageAt(input));
      })().catch((x: unknown) => x);
      expect(isRleError(e) && [e.code, e.path]).toEqual(['DANGLING_REFERENCE', ['annotations', 1, 'imageId']]);
    }
  });
});
