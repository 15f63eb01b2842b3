/**
 * The shared pieces of streamed JSON-list dialects (Label Studio, Encord): the list's text one
 * element at a time, and each image's annotations with their positions from a stream. The
 * two-pass reader (streamJsonList) is held to each dialect's whole read in their tests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { annotationsByImage, collectDataset, encodeUtf8, groupByImageAt, inShard, isRleError, jsonListChunks, Mask, streamJsonList, toDatasetStream, type Annotation, type ByteSource, type MaskDataset, type RecordPlan } from '../src/index.js';
import { byteSources, reusedRangeSource, seekableSource } from './read-support.js';

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

describe('streamJsonList with a shard', () => {
  const size = { height: 1, width: 2 };
  // Records in image order, each making 0 to 3 consecutive images.
  const layout = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 12 });

  async function run(source: Uint8Array | ByteSource, counts: number[], shard: { index: number; count: number } | undefined, inImageOrder: boolean) {
    const images = counts.reduce((n, c) => n + c, 0);
    const seen: { index: number; plan?: RecordPlan }[] = [];
    let at = 0;
    const src: ByteSource = source instanceof Uint8Array ? { kind: 'bytes', name: 'x', size: source.length, async *stream() { yield source; } } : source;
    const stream = await streamJsonList(src, {
      scan: (record) => {
        const start = at;
        at += (record as { n: number }).n;
        return [start, at];
      },
      begin: () => ({
        images: Array.from({ length: images }, (_, id) => ({ id, ...size })),
        categories: [],
        ...(inImageOrder ? { inImageOrder: true } : {}),
        read(record, index, plan) {
          seen.push({ index, ...(plan === undefined ? {} : { plan }) });
          const out: Annotation[] = [];
          for (let p = plan!.start; p < plan!.end; p++) if (plan!.mine === undefined || plan!.mine(p)) out.push({ id: p, imageId: p, mask: Mask.full(size) });
          return out;
        },
      }),
      whole: () => ({ images: [], categories: [], annotations: [] }),
    }, { maxBytes: 1 << 20, expected: 'records', ...(shard === undefined ? {} : { shard }) });
    return { ids: (await collectDataset(stream)).annotations.map((a) => a.id), seen, images };
  }

  it('reads, in image order, only the records with an image of the shard (a record of none: shard 0), from memory, a file that seeks and a pipe, and hands on only the shard\'s images', async () => {
    await fc.assert(fc.asyncProperty(layout, fc.integer({ min: 1, max: 5 }), fc.nat(4), async (counts, count, i) => {
      const shard = { index: i % count, count };
      const bytes = encodeUtf8(JSON.stringify(counts.map((n) => ({ n }))));
      for (const source of [byteSources(bytes)[0]!, () => seekableSource(bytes, 5), byteSources(bytes)[2]!]) {
        const { ids, seen, images } = await run(source(), counts, shard, true);
        expect(ids).toEqual(Array.from({ length: images }, (_, p) => p).filter((p) => inShard(shard, images, p)));
        const starts = counts.map((_, k) => counts.slice(0, k).reduce((n, c) => n + c, 0));
        const wanted = counts.map((c, k) => (c === 0 ? shard.index === 0 : Array.from({ length: c }, (_, d) => starts[k]! + d).some((p) => inShard(shard, images, p))));
        expect(seen.map((s) => s.index)).toEqual(wanted.flatMap((w, k) => (w ? [k] : [])));
        for (const s of seen) expect([s.plan?.start, s.plan?.end]).toEqual([starts[s.index], starts[s.index]! + counts[s.index]!]);
      }
    }), { numRuns: 200 });
  });

  it('out of image order reads every record, telling it which images are the shard\'s; without a shard, every image is', async () => {
    await fc.assert(fc.asyncProperty(layout, fc.integer({ min: 1, max: 4 }), async (counts, count) => {
      const bytes = encodeUtf8(JSON.stringify(counts.map((n) => ({ n }))));
      const shard = { index: count - 1, count };
      const out = await run(bytes, counts, shard, false);
      expect(out.seen.map((s) => s.index)).toEqual(counts.map((_, k) => k));
      expect(out.ids).toEqual(Array.from({ length: out.images }, (_, p) => p).filter((p) => inShard(shard, out.images, p)));
      const all = await run(bytes, counts, undefined, true);
      expect(all.seen.every((s) => s.plan !== undefined && s.plan.mine === undefined)).toBe(true);
      expect(all.ids).toEqual(Array.from({ length: all.images }, (_, p) => p));
    }), { numRuns: 100 });
  });
});

describe('streamJsonList from a file read by range into one reused buffer', () => {
  // The reader each dialect gives: a record's n masks on one image each; a root that is not a list is read whole.
  const reader = {
    scan: () => undefined,
    begin: () => ({ images: [], categories: [], read: (record: unknown, index: number) => Array.from({ length: (record as { n: number }).n }, (_, d) => ({ id: `${index}.${d}`, imageId: index, mask: Mask.full({ height: 1, width: 2 }) })) }),
    whole: (t: string) => ({ images: [], categories: [], annotations: [{ id: t.trim(), imageId: 0, mask: Mask.full({ height: 1, width: 1 }) }] }),
  };
  const read = async (source: Uint8Array | ByteSource): Promise<unknown> => {
    try {
      return (await collectDataset(await streamJsonList(source as ByteSource, reader, { maxBytes: 1 << 20, expected: 'records' }))).annotations.map((a) => a.id);
    } catch (e) {
      if (!isRleError(e)) throw e;
      return { code: e.code, offset: e.offset };
    }
  };
  it('reads as fresh chunks of that size read: lists, other roots read whole, leading blanks past a chunk', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 6 }), fc.constantFrom('', ' ', ' '.repeat(25)), fc.constantFrom('list', 'object', 'cut'), fc.integer({ min: 1, max: 9 }), async (counts, blank, root, chunk) => {
      let t = blank + (root === 'object' ? JSON.stringify({ n: counts }) : JSON.stringify(counts.map((n) => ({ n }))));
      if (root === 'cut') t = t.slice(0, Math.max(blank.length + 1, t.length - 3));
      const bytes = encodeUtf8(t);
      expect(await read(reusedRangeSource(bytes, chunk)), t).toEqual(await read(seekableSource(bytes, chunk)));
    }), { numRuns: 300 });
  });
});
