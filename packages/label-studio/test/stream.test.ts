/**
 * Label Studio streamed (`readStream`, `writeStream`) against the whole read and write: the same
 * images, categories, masks, ids, order and warnings, or the same error (code, path, byte offset),
 * for exports of every result kind, garbled and cut short, read from memory, from a file in 7-byte
 * chunks and from a pipe; and the same bytes written.
 */
import fc from 'fast-check';
import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import {
  bytesSource, collectDataset, decodeUtf8, encodeUtf8, isRleError, JSON_HEAD, Mask, readAllBytes, shardDataset, toDatasetStream,
  type ByteSource, type MaskDataset, type MaskDatasetStream, type RleWarning, type Shard,
} from '@rlekit/core';
import { byteSources, reusedRangeSource, datasetsWritersRefuse, expectFirstAnnotationEarly, expectShardedReads, expectStreamedOutcome, refusalOf, maskBitsArb, plainDataset, readOutcome, seekableSource, textVariantArb, cutGuessesArb, expectSplitPlans } from '../../core/test/read-support.js';
import { dialect, encode, formatLabelStudioExport, parseLabelStudioExport, writeLabelStudioChunks, type LabelStudioReadOptions, type LabelStudioWriteOptions } from '../src/index.js';

const whole = async (bytes: Uint8Array, options: Partial<LabelStudioReadOptions>, warn: (w: RleWarning) => void): Promise<MaskDataset> =>
  parseLabelStudioExport(decodeUtf8(await readAllBytes(bytes, 0x1fffffe8, { head: JSON_HEAD })), options, { warn });

const streamed = async (input: Uint8Array | ByteSource, options: Partial<LabelStudioReadOptions>, warn: (w: RleWarning) => void): Promise<MaskDataset> =>
  collectDataset(await dialect.readStream!(input, options, { warn }));

const dataUrl = (bits: Uint8Array, height: number, width: number): string => {
  const rgba = new Uint8Array(height * width * 4);
  bits.forEach((b, p) => { if (b) rgba[4 * p + 3] = 255; });
  return `data:image/png;base64,${Buffer.from(encodePng({ width, height, data: rgba, channels: 4, depth: 8 })).toString('base64')}`;
};

const regionId = fc.oneof(fc.constantFrom('a', 'b', 'r1', '3', '007'), fc.integer({ min: 0, max: 5 }), fc.constant(undefined));
const labels = fc.oneof(fc.constant(undefined), fc.array(fc.constantFrom('Cat', 'Dog', 'Édith'), { maxLength: 2 }));
const percent = fc.double({ min: -5, max: 105, noNaN: true });

/** One result of a task of `size` (now and then of another size, or not a mask). */
const result = (height: number, width: number) => fc.tuple(
  fc.constantFrom('brush', 'brush', 'polygon', 'rectangle', 'bitmask', 'keypoint', 'labels', 'flat'),
  regionId, labels, maskBitsArb(height, width), fc.array(fc.tuple(percent, percent), { minLength: 0, maxLength: 5 }),
  fc.tuple(percent, percent, percent, percent, fc.constantFrom(0, 0, 30, 90)),
  fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, fc.constantFrom('mismatch', 'unsized', 'badFormat', 'extra')),
  fc.constantFrom<'converter' | 'web'>('converter', 'web'),
).map(([kind, id, names, bits, points, [x, y, w, h, rotation], oddity, style]) => {
  const mask = Mask.fromBitmap(bits, { height, width });
  const sized = oddity === 'unsized' ? {} : oddity === 'mismatch' ? { original_width: width + 1, original_height: height } : { original_width: width, original_height: height };
  const r: Record<string, unknown> = { ...(id !== undefined ? { id } : {}), from_name: 'tag', to_name: 'image', ...sized, ...(oddity === 'extra' ? { readonly: false, image_rotation: 0 } : {}) };
  const named = (key: string): Record<string, unknown> => (names === undefined ? {} : { [key]: names });
  switch (kind) {
    case 'brush': return { ...r, type: 'brushlabels', value: { format: oddity === 'badFormat' ? 'png' : 'rle', rle: encode(mask, { style }), ...named('brushlabels'), ...(oddity === 'extra' ? { opacity: 0.5 } : {}) } };
    case 'flat': return { ...r, type: 'BrushLabels', format: 'rle', rle: encode(mask, { style }), ...named('brushlabels') };
    case 'polygon': return { ...r, type: 'polygonlabels', value: { points, closed: true, ...named('polygonlabels') } };
    case 'rectangle': return { ...r, type: 'rectanglelabels', value: { x, y, width: w, height: h, rotation, ...named('rectanglelabels') } };
    case 'bitmask': return { ...r, type: 'bitmasklabels', value: { imageDataURL: dataUrl(bits, height, width), ...named('bitmasklabels') } };
    case 'keypoint': return { ...r, type: 'keypointlabels', value: { x, y, keypointlabels: ['Cat'] } };
    default: return { ...r, type: 'labels', value: { labels: names ?? ['Dog'] } };
  }
});

/** A task: a Label Studio task with annotations and predictions, a converter item (output), or one without results. */
const task = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 7 })).filter(([h, w]) => h !== w).chain(([height, width]) => fc.tuple(
  fc.constantFrom('task', 'task', 'task', 'item', 'empty'),
  fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom('x', '2'), fc.constant(undefined)),
  fc.array(fc.tuple(fc.array(result(height, width), { maxLength: 3 }), fc.boolean(), fc.boolean()), { maxLength: 2 }),
  fc.array(result(height, width), { maxLength: 3 }),
  fc.constantFrom('pic.png', '/data/local-files/?d=images%2Fa%20b.png', 'http://host/data/upload/1/c.jpg?token=x'),
)).map(([kind, id, annotations, predictions, url]) => {
  const withId = id === undefined ? {} : { id };
  if (kind === 'item') return { ...withId, input: { image: url }, output: { tag: predictions.map((r: Record<string, unknown>) => ({ ...r, ...((r.value as object | undefined) ?? {}), value: undefined })) }, annotation_id: 1 };
  if (kind === 'empty') return { ...withId, data: { image: url, caption: 'c' }, annotations: [] };
  return {
    ...withId, data: { image: url }, meta: { source: 's' },
    annotations: annotations.map(([result, cancelled, byHand]) => ({ result, ...(cancelled ? { was_cancelled: true } : {}), ...(byHand ? { completed_by: 1 } : {}) })),
    predictions: predictions.length > 0 ? [{ model_version: 'm', result: predictions }] : [],
  };
});

const readOptionsArb = fc.record({
  threshold: fc.constantFrom(0, 127),
  results: fc.constantFrom<LabelStudioReadOptions['results']>('all', 'annotations', 'predictions'),
  cancelled: fc.boolean(),
}, { requiredKeys: [] });

/** Masks of a dataset on non-square images, with ids, categories, scores and attributes (Label Studio's and others). */
const dataset = fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 })).filter(([h, w]) => h !== w), { minLength: 0, maxLength: 4 }).chain((sizes) => fc.record({
  sizes: fc.constant(sizes),
  masks: fc.array(fc.nat(Math.max(0, sizes.length - 1)).chain((k) => fc.tuple(
    fc.constant(k), maskBitsArb(sizes[k]?.[0] ?? 1, sizes[k]?.[1] ?? 1),
    fc.option(fc.constantFrom(1, 2, 3), { nil: undefined }),
    fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    fc.oneof(fc.nat(9), fc.constantFrom('r', 's')),
    fc.option(fc.constantFrom<Record<string, unknown>>({ labelStudio: { in: 'annotations', index: 1, fields: { completed_by: 2 } } }, { from_name: 'brush', note: 'n' }, { id: 'clash' }), { nil: undefined }),
  )), { maxLength: sizes.length === 0 ? 0 : 6 }),
})).map(({ sizes, masks }): MaskDataset => ({
  images: sizes.map(([height, width], i) => ({ id: i === 1 ? 'two' : i + 1, height, width, ...(i === 0 ? { fileName: 'dir/a é.png', attributes: { split: 'train' } } : {}) })),
  categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b', supercategory: 's' }, { id: 3, name: 'a' }, { id: 4, name: 'unused' }],
  annotations: masks.map(([k, bits, categoryId, score, id, attributes]) => {
    const [height, width] = sizes[k]!;
    return {
      id, imageId: k === 1 ? 'two' : k + 1, mask: Mask.fromBitmap(bits, { height, width }),
      ...(categoryId !== undefined ? { categoryId } : {}), ...(score !== undefined ? { score } : {}), ...(attributes !== undefined ? { attributes } : {}),
    };
  }),
}));

const writeOptionsArb = fc.record({
  indent: fc.constantFrom(0, 0, 1, 2),
  shape: fc.constantFrom<LabelStudioWriteOptions['shape']>('brush', 'polygon'),
  style: fc.constantFrom<LabelStudioWriteOptions['style']>('converter', 'web'),
  kind: fc.constantFrom<LabelStudioWriteOptions['kind']>(undefined, 'annotations', 'predictions'),
}, { requiredKeys: [] });

async function written(d: MaskDataset | MaskDatasetStream, options: Partial<LabelStudioWriteOptions>, warn: (w: RleWarning) => void): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const c of writeLabelStudioChunks(d, options, { warn })) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

describe('label-studio streamed read', () => {
  it('gives the whole read\'s dataset and warnings, or its error with the same code, path and byte offset (every result kind, garbled, cut short)', async () => {
    let read = 0, failed = 0;
    await fc.assert(fc.asyncProperty(fc.array(task, { maxLength: 5 }), fc.integer({ min: 0, max: 2 }), textVariantArb, readOptionsArb, async (tasks, indent, change, options) => {
      const text = change(JSON.stringify(tasks, null, indent));
      const bytes = encodeUtf8(text);
      const expected = await readOutcome((warn) => whole(bytes, options, warn), text) as { code?: string; offset?: number };
      if (expected.code === undefined) read++;
      else failed++;
      await expectStreamedOutcome(expected, bytes, (source, warn) => streamed(source, options, warn));
    }), { numRuns: Number(process.env.LS_RUNS ?? 600) });
    // Both kinds of outcome were met, often.
    expect(Math.min(read, failed)).toBeGreaterThan(100);
  });

  it('reads what the writer wrote exactly as the whole read does, from every source', async () => {
    await fc.assert(fc.asyncProperty(dataset, writeOptionsArb, async (d, options) => {
      const text = formatLabelStudioExport(d, options);
      const bytes = encodeUtf8(text);
      const expected = await readOutcome((warn) => whole(bytes, {}, warn), text);
      for (const source of [...byteSources(bytes), () => reusedRangeSource(bytes)]) expect(await readOutcome((warn) => streamed(source(), {}, warn))).toEqual(expected);
    }), { numRuns: 200 });
  });

  it('says the annotations come in image order, except when converter items add to an earlier task\'s image', async () => {
    const mask = Mask.fromBitmap(Uint8Array.of(1, 0, 0, 0, 0, 1), { height: 2, width: 3 });
    const flat = { type: 'brushlabels', format: 'rle', rle: encode(mask), original_width: 3, original_height: 2 };
    const ordered = await dialect.readStream!(encodeUtf8(formatLabelStudioExport({ images: [{ id: 1, height: 2, width: 3 }], categories: [], annotations: [{ id: 1, imageId: 1, mask }] })));
    expect(ordered.inImageOrder).toBe(true);
    const items = [{ id: 1, input: { image: 'a.png' }, output: { tag: [flat] } }, { id: 2, input: { image: 'b.png' }, output: { tag: [flat] } }, { id: 1, input: { image: 'a.png' }, output: { tag: [flat] } }];
    const s = await dialect.readStream!(encodeUtf8(JSON.stringify(items)));
    expect(s.inImageOrder).toBeUndefined();
    expect((await collectDataset(s)).annotations.map((a) => a.imageId)).toEqual([1, 2, 1]);
  });

  it('streams a file larger than maxBytes (the whole read refuses it), and keeps a pipe\'s tasks only up to maxBytes', async () => {
    const size = { height: 2, width: 3 };
    const d: MaskDataset = { images: [1, 2, 3].map((id) => ({ id, ...size })), categories: [], annotations: [1, 2, 3].map((id) => ({ id, imageId: id, mask: Mask.full(size) })) };
    const bytes = encodeUtf8(formatLabelStudioExport(d));
    const maxBytes = Math.ceil(bytes.length / 2);
    const file = bytesSource(bytes, 'big.json');
    await expect(dialect.read(file, { maxBytes })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(plainDataset(await collectDataset(await dialect.readStream!(file, { maxBytes })))).toEqual(plainDataset(await dialect.read(bytes)));
    const pipe: ByteSource = { kind: 'bytes', name: 'stdin', async *stream() { yield bytes; } };
    await expect(dialect.readStream!(pipe, { maxBytes })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  it('reads one task (an object) and a file that is not a list as the whole read does', async () => {
    const one = encodeUtf8(JSON.stringify({ data: { image: 'x.png' }, meta: { original_width: 3, original_height: 2 }, annotations: [] }));
    expect(plainDataset(await streamed(one, {}, () => {}))).toEqual(plainDataset(await whole(one, {}, () => {})));
    for (const text of ['', '   ', '7', 'null', '"x"', '\ufeff[]', '[]']) {
      const bytes = encodeUtf8(text);
      expect(await readOutcome((warn) => streamed(bytes, {}, warn))).toEqual(await readOutcome((warn) => whole(bytes, {}, warn), text));
    }
  });
  it('hands on the first annotation before the second pass has read the file, and holds no more than a record of it', async () => {
    await expectFirstAnnotationEarly(dialect, (d) => formatLabelStudioExport(d));
  });
});

describe('label-studio sharded streamed read (context.shard: --shard, --jobs)', () => {
  const sharded = (options: Partial<LabelStudioReadOptions>) => (source: Uint8Array | ByteSource, warn: (w: RleWarning) => void, shard?: Shard, plan?: unknown): Promise<MaskDatasetStream> =>
    dialect.readStream!(source, options, { warn, ...(shard === undefined ? {} : { shard }), ...(plan === undefined ? {} : { plan }) });
  // --jobs: the first pass once (planShards), each shard read from its plan; counted, to see it plans.
  let plannedInputs = 0;
  const planned = (options: Partial<LabelStudioReadOptions>) => async (source: ByteSource, shards: Shard[]): Promise<unknown[] | undefined> => {
    const plans = await dialect.planShards!(source, options, shards);
    if (plans !== undefined) plannedInputs++;
    return plans;
  };

  it('each shard i/n yields what core\'s shardDataset keeps of the full read (annotations, order, ids), the shards\' warnings together the full read\'s; a failing read fails first in the shard whose error one run meets', async () => {
    let read = 0, failed = 0;
    await fc.assert(fc.asyncProperty(fc.array(task, { maxLength: 9 }), fc.integer({ min: 0, max: 1 }), textVariantArb, readOptionsArb, fc.integer({ min: 2, max: 5 }), async (tasks, indent, change, options, count) => {
      const bytes = encodeUtf8(change(JSON.stringify(tasks, null, indent)));
      if (await expectShardedReads(bytes, [1, count], sharded(options), planned(options))) failed++;
      else read++;
    }), { numRuns: Number(process.env.LS_RUNS ?? 250) });
    expect(Math.min(read, failed)).toBeGreaterThan(40);
    expect(plannedInputs).toBeGreaterThan(40);
  });

  it('what the writer wrote (one task per image, in image order): each shard as shardDataset keeps it', async () => {
    await fc.assert(fc.asyncProperty(dataset, writeOptionsArb, fc.integer({ min: 2, max: 4 }), async (d, options, count) => {
      expect(await expectShardedReads(encodeUtf8(formatLabelStudioExport(d, options)), [count], sharded({}), planned({}))).toBe(false);
    }), { numRuns: 100 });
  });

  it('converter items that add to an earlier task\'s image (out of image order): every shard reads every item, says only its own images\' warnings, and shardDataset still refuses the order for a writer that keeps it', async () => {
    const mask = Mask.fromBitmap(Uint8Array.of(1, 0, 0, 0, 0, 1), { height: 2, width: 3 });
    const brush = { type: 'brushlabels', format: 'rle', rle: encode(mask), original_width: 3, original_height: 2 };
    const polygon = { type: 'polygonlabels', points: [[0, 0], [100, 0], [0, 100]], original_width: 3, original_height: 2 };
    const item = (id: number, image: string) => ({ id, input: { image }, output: { tag: [brush, polygon], note: [{ type: 'textarea', original_width: 3, original_height: 2 }] } });
    const items = [item(1, 'a.png'), item(2, 'b.png'), item(3, 'c.png'), item(1, 'a.png'), { id: 9, data: { image: 'u.png' }, annotations: [] }, item(4, 'd.png'), item(2, 'b.png')];
    const bytes = encodeUtf8(JSON.stringify(items));
    expect((await dialect.readStream!(bytes)).inImageOrder).toBeUndefined();
    expect(await expectShardedReads(bytes, [2, 3, 4], sharded({}), planned({}))).toBe(false);
    // One run reads images a, b, c, a again: shards of it cannot join for a writer that keeps the order.
    const part = shardDataset(await dialect.readStream!(bytes, {}, { warn: () => {}, shard: { index: 1, count: 2 } }), { index: 1, count: 2 }, { requireImageOrder: true });
    await expect(collectDataset(part)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });

  it('decodes no mask of another shard\'s task (a bad brush RLE there is not met), and reads only its span of a file that seeks', async () => {
    const size = { height: 2, width: 3 };
    const n = 40;
    const d: MaskDataset = { images: Array.from({ length: n }, (_, k) => ({ id: k + 1, ...size })), categories: [], annotations: Array.from({ length: n }, (_, k) => ({ id: k + 1, imageId: k + 1, mask: Mask.fromBitmap([1, 0, 0, 0, 0, 1], size) })) };
    const tasks = JSON.parse(formatLabelStudioExport(d)) as { predictions: { result: { value: { rle: number[] } }[] }[] }[];
    // The last task's brush RLE cut short: an error where it is decoded.
    tasks[n - 1]!.predictions[0]!.result[0]!.value.rle = [0, 0];
    const bytes = encodeUtf8(JSON.stringify(tasks));
    await expect(collectDataset(await dialect.readStream!(bytes))).rejects.toMatchObject({ code: expect.any(String) });
    const file = seekableSource(bytes, 64);
    const first = await collectDataset(shardDataset(await dialect.readStream!(file, {}, { warn: () => {}, shard: { index: 0, count: 4 } }), { index: 0, count: 4 }));
    expect(first.annotations.map((a) => a.id)).toEqual(Array.from({ length: n / 4 }, (_, k) => k + 1));
    // Pass 1 reads the file once; pass 2 about a quarter of it.
    expect(file.served).toBeLessThan(bytes.length * 1.4);
    await expect(collectDataset(await dialect.readStream!(bytes, {}, { warn: () => {}, shard: { index: 3, count: 4 } }))).rejects.toMatchObject({ path: [n - 1, 'predictions', 0, 'result', 0, 'value', 'rle'] });
  });
});

describe('label-studio streamed write', () => {
  it('writes the bytes and warnings of the whole write, from a dataset in memory', async () => {
    await fc.assert(fc.asyncProperty(dataset, writeOptionsArb, async (d, options) => {
      const warnings: RleWarning[] = [], streamedWarnings: RleWarning[] = [];
      let expected: string | { code: string; path: unknown };
      try {
        expected = formatLabelStudioExport(d, options, { warn: (w) => warnings.push(w) });
      } catch (e) {
        if (!isRleError(e)) throw e;
        expected = { code: e.code, path: e.path };
      }
      const got = await written(d, options, (w) => streamedWarnings.push(w)).catch((e: unknown) => {
        if (!isRleError(e)) throw e;
        return { code: e.code, path: e.path };
      });
      expect(got).toEqual(expected);
      if (typeof expected === 'string') expect(streamedWarnings).toEqual(warnings);
    }), { numRuns: 300 });
  });

  it('writes the same bytes and warnings (the losses said last) from a stream, in image order or not', async () => {
    await fc.assert(fc.asyncProperty(dataset, writeOptionsArb, fc.boolean(), async (d, options, reverse) => {
      const warnings: RleWarning[] = [], streamedWarnings: RleWarning[] = [];
      // Reversed, each image's masks come in the other order: the whole write of the reversed list is the reference.
      const input: MaskDataset = { ...d, annotations: reverse ? [...d.annotations].reverse() : d.annotations };
      const expected = formatLabelStudioExport(input, options, { warn: (w) => warnings.push(w) });
      const text = await written(toDatasetStream(input), options, (w) => streamedWarnings.push(w));
      expect(text).toBe(expected);
      const key = (w: RleWarning): string => JSON.stringify(w);
      expect(streamedWarnings.map(key).sort()).toEqual(warnings.map(key).sort());
    }), { numRuns: 200 });
  });

  it('refuses what the whole write refuses, with its path: a mask of another size, an unknown category or image', async () => {
    for (const d of datasetsWritersRefuse()) {
      const expected = refusalOf(() => formatLabelStudioExport(d));
      expect(expected).toBeDefined();
      for (const input of [d, toDatasetStream(d)]) await expect(written(input, {}, () => {})).rejects.toMatchObject(expected as object);
    }
  });
});

describe('label-studio --jobs planning with its first pass split over the threads (planPiece)', () => {
  it('plans made with helpers scanning from random cuts (inside strings, inside a task, at the very start and end) equal the serial plans exactly, or both are none (garbled, cut short, converter items)', async () => {
    let planned = 0, proved = 0;
    await fc.assert(fc.asyncProperty(fc.array(task, { minLength: 1, maxLength: 8 }), fc.constantFrom('none', 'tasks', 'all'), fc.integer({ min: 0, max: 2 }), textVariantArb, readOptionsArb, cutGuessesArb, fc.integer({ min: 1, max: 3 }), fc.constantFrom(7, 64, 1 << 20), fc.constantFrom(0, 0, 40, undefined), async (tasks, fresh, indent, change, options, guesses, n, chunk, trial) => {
      // Fresh ids: task ids (and region ids, repeated within a task only: 'all') that no earlier task used, so a piece's pass joins the main thread's.
      if (fresh === 'tasks') tasks = tasks.map((t, i) => ({ ...t, id: 100 + i }));
      if (fresh === 'all') tasks = tasks.map((t, i) => JSON.parse(JSON.stringify({ ...t, id: 100 + i }), (k, v) => (k === 'id' && typeof v === 'number' && v < 100 ? v + 10 * i : k === 'id' && typeof v === 'string' ? `${v}-${i}` : v)));
      const bytes = encodeUtf8(change(JSON.stringify(tasks, null, indent)));
      const found = await expectSplitPlans(dialect, bytes, options, guesses, n, chunk, trial);
      if (found > 0) (planned++, (proved += found));
    }), { numRuns: Number(process.env.LS_RUNS ?? 400) });
    // The helpers' records were taken (a cut at a task's start, proved) in many runs.
    expect(planned).toBeGreaterThan(60);
  });

  // Tasks of one brush mask each, joined by ',': the cut at task 4, found from a guess just before it.
  const brush = encode(Mask.fromBitmap([0, 1, 1, 0, 0, 1], { height: 2, width: 3 }));
  const good = (i: number): string => JSON.stringify({ id: i + 1, data: { image: `${i}.png` }, annotations: [{ result: [{ id: `r${i}`, type: 'brushlabels', from_name: 'tag', to_name: 'image', original_width: 3, original_height: 2, value: { format: 'rle', rle: brush, brushlabels: [i % 2 ? 'Cat' : 'Dog'] } }] }] });
  const bads = {
    // The first pass's fault: a mask without its image's size.
    fault: (i: number) => JSON.stringify({ id: i + 1, data: { image: `${i}.png` }, annotations: [{ result: [{ id: `r${i}`, type: 'brushlabels', value: { format: 'rle', rle: brush, brushlabels: ['Cat'] } }] }] }),
    // Bad JSON inside a task.
    json: (i: number) => good(i).replace('"data":{', '"data":{]'),
  };
  const exportOf = (bad?: { at: number; make: (i: number) => string }) => {
    const records = Array.from({ length: 9 }, (_, i) => (bad?.at === i ? bad.make(i) : good(i)));
    const text = `[${records.join(',')}]`;
    return { bytes: encodeUtf8(text), cut: text.length - `${records.slice(4).join(',')}]`.length };
  };

  it('what becomes an image\'s attributes crosses the threads whole: JSON-MIN tasks whose data holds a list like results (its RLE kept)', async () => {
    const min = (i: number): string => JSON.stringify({ id: i + 1, image: `${i}.png`, tag: [{ original_width: 3, original_height: 2, rle: brush, brushlabels: ['Cat'] }], other: [{ rle: brush, original_width: 3 }, 5], annotator: 1 });
    const text = `[${Array.from({ length: 9 }, (_, i) => (i >= 4 ? min(i) : good(i))).join(',')}]`;
    const cut = text.indexOf(min(4));
    const bytes = encodeUtf8(text);
    expect(await expectSplitPlans(dialect, bytes, {}, [(cut - 2) / bytes.length], 2)).toBe(1);
  });

  it('a bad task before, at and after the cut: no plan, as the serial pass (each worker then meets one job\'s error); none: the helper\'s tasks taken', async () => {
    const { bytes, cut } = exportOf();
    expect(await expectSplitPlans(dialect, bytes, {}, [(cut - 2) / bytes.length], 2)).toBe(1);
    for (const [kind, make] of Object.entries(bads)) {
      for (const at of [1, 3, 4, 5, 8]) {
        const bad = exportOf({ at, make });
        const guess = (bad.cut - 2) / bad.bytes.length;
        expect(await dialect.planShards!(seekableSource(bad.bytes), {}, [{ index: 0, count: 2 }, { index: 1, count: 2 }]), `${kind} at ${at}`).toBeUndefined();
        // Without a trial scan the helper starts at the cut whatever follows; with one (to the end: these are small) a cut before bad JSON is not tried.
        for (const trial of [0, undefined]) {
          await expectSplitPlans(dialect, bad.bytes, {}, [guess], 2, 7, trial);
          await expectSplitPlans(dialect, bad.bytes, {}, [guess, Math.min(1, guess + 0.2)], 3, 7, trial);
        }
      }
    }
  });
});
