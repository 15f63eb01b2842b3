/**
 * `--jobs` planning with pass 1 split over helper threads (plan.ts): whatever the cuts' guesses
 * (inside strings that hold `},{`, inside other arrays, past the end) and whatever the input
 * (garbled, cut short, duplicate keys), the plans are the serial scan's — the same shards, offsets
 * and lengths — or the error is the serial scan's, with the same code, message and offset.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ByteSource, Shard, SplitHelpers } from '@rlekit/core';
import { recordCut } from '@rlekit/core';
import { planCocoShards, type CocoShardPlan } from '../src/read-stream.js';
import { scanPiece, type ScanFound, type ScanPiece } from '../src/plan.js';
import { isTouchPiece, touchPages } from '../src/touch.js';
import { prng } from '../../core/test/support.js';
import { reusedRangeSource } from '../../core/test/read-support.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A seekable source handing out small chunks of one reused buffer (as a file's `range` may), stale chunks holding `}`: a scanner that kept the view would cut wrongly. */
const seekable = (bytes: Uint8Array): ByteSource => reusedRangeSource(bytes, 17, 0x7d, 'in.json');

/**
 * A COCO file whose annotations hold the cut's pattern in strings (`}, {`, `},{`, escaped quotes),
 * nested objects, RLE and polygon masks; sometimes the images after the annotations, a second
 * `annotations` key, or a results list.
 */
function cocoText(seed: number): string {
  const rand = prng(seed);
  const n = 1 + Math.floor(rand() * 6);
  const images = Array.from({ length: n }, (_, i) => ({ id: i + 1, file_name: `im${i}.png`, height: 3 + (i % 4), width: 5 + (i % 3) }));
  const tricky = ['}, {', '},{', '"}, {"id": 1}', '\\"},{\\"', '}\n,\n{', ']}, {"annotations": [{'];
  const annotation = (k: number): Record<string, unknown> => {
    const im = images[Math.floor(rand() * n)]!;
    const segmentation = rand() < 0.5 ? [[0.5, 0.5, im.width - 0.5, 0.5, im.width - 0.5, im.height - 0.5]] : { size: [im.height, im.width], counts: [1, 2, im.height * im.width - 3] };
    return {
      id: k + 1, image_id: rand() < 0.05 ? 99 : rand() < 0.03 ? String(im.id) : rand() < 0.02 ? -0 : im.id, category_id: rand() < 0.1 ? 7 : rand() < 0.02 ? [k] : 1 + Math.floor(rand() * 2), segmentation,
      ...(rand() < 0.4 ? { note: tricky[Math.floor(rand() * tricky.length)]! } : {}),
      ...(rand() < 0.2 ? { extra: { a: [{ b: '}, {' }, { c: 2 }] } } : {}),
    };
  };
  const annotations = Array.from({ length: Math.floor(rand() * 40) }, (_, k) => annotation(k));
  const categories = [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }];
  const indent = Math.floor(rand() * 3);
  if (rand() < 0.1) return JSON.stringify(annotations.map((a) => ({ ...a, score: 0.5 })), null, indent);
  const head = rand() < 0.5;
  const parts = [
    '"info": {"note": "}, {"}',
    ...(head ? [`"images": ${JSON.stringify(images, null, indent)}`, `"categories": ${JSON.stringify(categories)}`] : []),
    `"annotations": ${JSON.stringify(annotations, null, indent)}`,
    ...(rand() < 0.15 ? [`"annotations": ${JSON.stringify(annotations.slice(0, 3), null, indent)}`] : []),
    ...(!head ? [`"images": ${JSON.stringify(images, null, indent)}`, `"categories": ${JSON.stringify(categories)}`] : []),
  ];
  return `{${parts.join(', ')}}`;
}

/** Garbles a file: bytes replaced by structural ones, removed, or the file cut short. */
function garble(bytes: Uint8Array, seed: number): Uint8Array {
  const rand = prng(seed);
  let b = Array.from(bytes);
  const edits = Math.floor(rand() * 3);
  const pick = [0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x22, 0x5c, 0x3a, 0x20, 0x78];
  for (let e = 0; e < edits && b.length > 0; e++) {
    const at = Math.floor(rand() * b.length), kind = rand();
    if (kind < 0.5) b[at] = pick[Math.floor(rand() * pick.length)]!;
    else if (kind < 0.8) b.splice(at, 1);
    else b = b.slice(0, at);
  }
  return Uint8Array.from(b);
}

type Outcome = { plans: CocoShardPlan[] | undefined } | { error: { code?: unknown; message: string; offset?: unknown; path?: unknown } };

/** The plans, their window buffers aside (a split plan's helpers touch them; windows.ts). */
async function outcome(run: () => Promise<CocoShardPlan[] | undefined>): Promise<Outcome> {
  try {
    return { plans: (await run())?.map(({ buffer: _, ...plan }) => plan) };
  } catch (e) {
    const r = e as { code?: unknown; message: string; offset?: unknown; path?: unknown };
    return { error: { code: r.code, message: r.message, offset: r.offset, path: r.path } };
  }
}

const shardsOf = (count: number): Shard[] => Array.from({ length: count }, (_, index) => ({ index, count }));

/** Helpers run in this thread (the worker's code, without the thread): tallies what they found. */
function helpersOf(bytes: Uint8Array, count: number, guesses: number[], seen: { found: number }): SplitHelpers {
  return {
    count, guesses, minBytes: 1, headStart: 0,
    run: async (piece) => {
      if (isTouchPiece(piece)) return touchPages(piece);
      const r: ScanFound = await scanPiece(seekable(bytes), structuredClone(piece as ScanPiece));
      seen.found += r.count;
      return structuredClone(r);
    },
  };
}

describe('COCO --jobs plan: pass 1 split over helper threads', () => {
  it('gives the serial scan\'s plans, or its error at the same offset, for any cut guesses on fuzzed and garbled files', async () => {
    const seen = { found: 0 };
    let proved = 0, failed = 0;
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1e9 }), fc.boolean(), fc.integer({ min: 1, max: 3 }), fc.array(fc.double({ min: 0, max: 1.1, noNaN: true }), { minLength: 1, maxLength: 3 }), fc.boolean(),
      async (seed, garbled, jobs, fractions, groupByImage) => {
        const clean = enc(cocoText(seed));
        const bytes = garbled ? garble(clean, seed + 1) : clean;
        const guesses = fractions.map((f) => Math.floor(f * bytes.length)).sort((a, b) => a - b);
        const shards = shardsOf(jobs);
        const serial = await outcome(() => planCocoShards(seekable(bytes), 'auto', groupByImage, shards));
        const before = seen.found;
        const split = await outcome(() => planCocoShards(seekable(bytes), 'auto', groupByImage, shards, helpersOf(bytes, guesses.length, guesses, seen)));
        expect(split).toEqual(serial);
        if ('error' in serial) failed++;
        else if (seen.found > before) proved++;
      }), { numRuns: 300 });
    // The property held where the helpers' notes were used, and where the input was bad.
    expect(proved).toBeGreaterThan(30);
    expect(failed).toBeGreaterThan(20);
  });

  it('a guess at every byte of a file with `},{` in its strings: the plans are the serial scan\'s', async () => {
    const doc = {
      images: [{ id: 1, height: 2, width: 3 }, { id: 2, height: 3, width: 2 }],
      annotations: [0, 1, 2, 3, 4, 5].map((k) => ({ id: k + 1, image_id: 1 + (k % 2), category_id: 1, note: k % 2 ? '}, {"image_id": 2' : '},{', segmentation: { size: [2, 3], counts: [1, 2, 3] } })),
      categories: [{ id: 1, name: 'x' }],
    };
    for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 1)]) {
      const bytes = enc(text);
      const serial = await outcome(() => planCocoShards(seekable(bytes), 'auto', true, shardsOf(2)));
      expect('plans' in serial).toBe(true);
      let used = 0;
      for (let g = 0; g < bytes.length; g++) {
        const seen = { found: 0 };
        expect(await outcome(() => planCocoShards(seekable(bytes), 'auto', true, shardsOf(2), helpersOf(bytes, 1, [g], seen)))).toEqual(serial);
        if (seen.found > 0) used++;
      }
      expect(used).toBeGreaterThan(0);
    }
  });

  it('a bad annotation after a proved cut is the serial scan\'s error, at its offset', async () => {
    const good = (k: number): string => `{"id": ${k}, "image_id": 1, "segmentation": {"size": [2, 3], "counts": [6]}}`;
    const text = `{"images": [{"id": 1, "height": 2, "width": 3}], "annotations": [${good(1)}, ${good(2)}, ${good(3)}, {"id": 4, "image_id": 1} 7, ${good(5)}]}`;
    const bytes = enc(text);
    const serial = await outcome(() => planCocoShards(seekable(bytes), 'auto', true, shardsOf(2)));
    expect('error' in serial).toBe(true);
    const cut = text.indexOf(good(2));
    const seen = { found: 0 };
    expect(await outcome(() => planCocoShards(seekable(bytes), 'auto', true, shardsOf(2), helpersOf(bytes, 1, [cut - 1], seen)))).toEqual(serial);
    expect(seen.found).toBeGreaterThan(0);
  });

  it('a bad category id a helper noted is the serial scan\'s error, at the annotation\'s index', async () => {
    const ann = (k: number, c: unknown): string => `{"id": ${k}, "image_id": 1, "category_id": ${JSON.stringify(c)}, "segmentation": {"size": [2, 3], "counts": [6]}}`;
    const list = [ann(1, 1), ann(2, 1), ann(3, 2), ann(4, [4]), ann(5, 1)];
    const text = `{"images": [{"id": 1, "height": 2, "width": 3}], "annotations": [${list.join(', ')}]}`;
    const bytes = enc(text);
    const serial = await outcome(() => planCocoShards(seekable(bytes), 'auto', true, shardsOf(2)));
    expect(serial).toMatchObject({ error: { code: 'INVALID_STRUCTURE', path: ['annotations', 3, 'category_id'] } });
    const seen = { found: 0 };
    expect(await outcome(() => planCocoShards(seekable(bytes), 'auto', true, shardsOf(2), helpersOf(bytes, 1, [text.indexOf(list[1]!) - 1], seen)))).toEqual(serial);
    expect(seen.found).toBe(3); // list[2] on: the first `}, {` after the guess ends list[1]
  });

  it('images named by strings: a helper\'s image ids (not all numbers) are the serial scan\'s, and are used', async () => {
    const ann = (k: number, im: string): string => `{"id": ${k}, "image_id": "${im}", "segmentation": {"size": [2, 3], "counts": [6]}}`;
    const doc = (last: string): string => `{"images": [{"id": "a", "height": 2, "width": 3}, {"id": "b", "height": 2, "width": 3}], "annotations": [${[1, 2, 3, 4, 5].map((k) => ann(k, k % 2 ? 'b' : 'a')).join(', ')}, ${ann(6, last)}]}`;
    const bytes = enc(doc('a'));
    const guess = doc('a').indexOf(ann(3, 'b'));
    const serial = await outcome(() => planCocoShards(seekable(bytes), 'auto', true, shardsOf(2)));
    expect('plans' in serial).toBe(true);
    const seen = { found: 0 };
    expect(await outcome(() => planCocoShards(seekable(bytes), 'auto', true, shardsOf(2), helpersOf(bytes, 1, [guess], seen)))).toEqual(serial);
    // The helper reading a file whose last annotation names the other image: the plans follow it, so its notes were used.
    const other = enc(doc('b'));
    const tampered: SplitHelpers = { ...helpersOf(other, 1, [guess], seen), run: async (piece) => (isTouchPiece(piece) ? touchPages(piece) : structuredClone(await scanPiece(seekable(other), structuredClone(piece as ScanPiece)))) };
    expect(await outcome(() => planCocoShards(seekable(bytes), 'auto', true, shardsOf(2), tampered))).toEqual(await outcome(() => planCocoShards(seekable(other), 'auto', true, shardsOf(2))));
  });

  it('finds a cut at the `{` after `}` `,` (whitespace allowed), or none', () => {
    expect(recordCut(enc('1}, {"a"'))).toBe(4);
    expect(recordCut(enc('}\n ,\n\t{'))).toBe(6);
    expect(recordCut(enc('}]}, [{'))).toBe(-1);
    expect(recordCut(enc('}, 1, {'))).toBe(-1);
  });
});
