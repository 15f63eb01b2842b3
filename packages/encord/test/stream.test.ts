/**
 * Encord streamed (`readStream`, `writeStream`) against the whole read and write: the same images,
 * categories, masks, order and warnings, or the same error (code, path, byte offset), for exports
 * of image, video and image-group rows, garbled and cut short, read from memory, from a file in
 * 7-byte chunks and from a pipe; and the same bytes written.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  collectDataset, decodeUtf8, encodeUtf8, JSON_HEAD, Mask, readAllBytes, shardDataset, toDatasetStream,
  type ByteSource, type MaskDataset, type MaskDatasetStream, type RleWarning, type Shard,
} from '@rlekit/core';
import { byteSources, reusedRangeSource, datasetsWritersRefuse, expectFirstAnnotationEarly, expectShardedReads, expectStreamedOutcome, refusalOf, maskBitsArb, plainDataset, readOutcome, seekableSource, textVariantArb, cutGuessesArb, expectSplitPlans } from '../../core/test/read-support.js';
import { dialect, encode, formatEncordExport, parseEncordExport, writeEncordChunks, type EncordReadOptions, type EncordWriteOptions } from '../src/index.js';

const exampleText = readFileSync(fileURLToPath(new URL('../../../conformance/vectors/encord/example_label_rows.json', import.meta.url)), 'utf8');

const whole = async (bytes: Uint8Array, options: Partial<EncordReadOptions>, warn: (w: RleWarning) => void): Promise<MaskDataset> =>
  parseEncordExport(decodeUtf8(await readAllBytes(bytes, 0x1fffffe8, { head: JSON_HEAD })), options, { warn });

const streamed = async (input: Uint8Array | ByteSource, options: Partial<EncordReadOptions>, warn: (w: RleWarning) => void): Promise<MaskDataset> =>
  collectDataset(await dialect.readStream!(input, options, { warn }));

/** One object of a frame: a bitmask (whole frame, or a box at an offset, or of another size), or a polygon. */
const object = (height: number, width: number) => fc.tuple(
  fc.constantFrom('bitmask', 'bitmask', 'bitmask', 'box', 'polygon'),
  maskBitsArb(height, width),
  fc.constantFrom('o1', 'o2', '17', 'x'),
  fc.option(fc.constantFrom('fA', 'fB', '3', 'rlekit-no-category'), { nil: undefined }),
  fc.option(fc.constantFrom('Blob', 'Edge Line'), { nil: undefined }),
  fc.option(fc.constantFrom(1, 0.5), { nil: undefined }),
  fc.option(fc.boolean(), { nil: undefined }),
  fc.constantFrom('Thu, 01 Jan 2026 00:00:00 GMT', 'Mon, 13 Jan 2025 10:00:00 GMT'),
).map(([kind, bits, objectHash, featureHash, name, confidence, manual, createdAt]) => {
  const base = {
    ...(name !== undefined ? { name } : {}), color: '#D33115', value: name === undefined ? undefined : name.toLowerCase(), createdAt, createdBy: 'a@b.c',
    ...(confidence !== undefined ? { confidence } : {}), objectHash, ...(featureHash !== undefined ? { featureHash } : {}), ...(manual !== undefined ? { manualAnnotation: manual } : {}),
  };
  if (kind === 'polygon') return { ...base, shape: 'polygon', polygon: { 0: { x: 0.1, y: 0.2 } } };
  const mask = Mask.fromBitmap(bits, { height, width });
  if (kind === 'box') {
    // A box at an offset: placed into the frame (with a warning), or not fitting it (an error).
    const h = Math.max(1, height - 1), w = width;
    return { ...base, shape: 'bitmask', bitmask: { rleString: encode(Mask.full({ height: h, width: w })), top: 1, left: bits[0] ?? 0, width: w, height: h } };
  }
  return { ...base, shape: 'bitmask', bitmask: { rleString: encode(mask), top: 0, left: 0, width, height } };
});

const size = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 7 })).filter(([h, w]) => h !== w);

const labels = (height: number, width: number) => fc.record({
  objects: fc.array(object(height, width), { maxLength: 3 }),
  classifications: fc.constantFrom([], [{ name: 'Weather', classificationHash: 'c1' }]),
});

/** A label row: an image, a video (frames), or an image group; data hashes repeat (branches). */
const row = size.chain(([height, width]) => fc.tuple(
  fc.constantFrom('image', 'image', 'video', 'img_group', undefined),
  fc.constantFrom('D1', 'D2', '12'),
  fc.array(labels(height, width), { minLength: 1, maxLength: 3 }),
  fc.array(fc.constantFrom('0', '3', '7'), { maxLength: 3 }),
).map(([type, hash, units, frames]) => {
  const unit = (h: string, l: unknown) => ({ data_hash: h, data_title: `${h}.png`, data_sequence: 0, width, height, labels: l });
  const dataUnits: Record<string, unknown> = {};
  if (type === 'video') dataUnits[hash] = unit(hash, Object.fromEntries([...new Set(frames)].map((f, k) => [f, units[k % units.length]])));
  else if (type === 'img_group') units.forEach((l, k) => { dataUnits[`${hash}-${k}`] = unit(`${hash}-${k}`, l); });
  else dataUnits[hash] = unit(hash, units[0]);
  return { label_hash: `L${hash}`, branch_name: 'main', data_hash: hash, data_title: `${hash}.png`, ...(type !== undefined ? { data_type: type } : {}), object_answers: {}, data_units: dataUnits };
}));

const readOptionsArb = fc.record({ strictSum: fc.boolean(), repairInverted: fc.boolean() }, { requiredKeys: [] });

/** Masks of a dataset on non-square images, with ids, categories and scores (none from Encord). */
const dataset = fc.array(size, { minLength: 0, maxLength: 4 }).chain((sizes) => fc.record({
  sizes: fc.constant(sizes),
  masks: fc.array(fc.nat(Math.max(0, sizes.length - 1)).chain((k) => fc.tuple(
    fc.constant(k), maskBitsArb(sizes[k]?.[0] ?? 1, sizes[k]?.[1] ?? 1),
    fc.option(fc.constantFrom(1, 2, 'car'), { nil: undefined }),
    fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    fc.oneof(fc.nat(9), fc.constantFrom('r', 's')),
    fc.option(fc.constantFrom<Record<string, unknown>>({ note: 'n' }, { shape: 'clash' }), { nil: undefined }),
  )), { maxLength: sizes.length === 0 ? 0 : 6 }),
})).map(({ sizes, masks }): MaskDataset => ({
  images: sizes.map(([height, width], i) => ({ id: i === 1 ? 'two' : i + 1, height, width, ...(i === 0 ? { fileName: 'a é.png', attributes: { split: 'train' } } : {}) })),
  categories: [{ id: 1, name: 'cell' }, { id: 2, name: 'Big Nucleus', color: [1, 2, 250] }, { id: 'car', name: 'car', supercategory: 'v' }, { id: 4, name: 'unused' }],
  annotations: masks.map(([k, bits, categoryId, score, id, attributes]) => {
    const [height, width] = sizes[k]!;
    return {
      id, imageId: k === 1 ? 'two' : k + 1, mask: Mask.fromBitmap(bits, { height, width }),
      ...(categoryId !== undefined ? { categoryId } : {}), ...(score !== undefined ? { score } : {}), ...(attributes !== undefined ? { attributes } : {}),
    };
  }),
}));

async function written(d: MaskDataset | MaskDatasetStream, options: Partial<EncordWriteOptions>, warn: (w: RleWarning) => void): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const c of writeEncordChunks(d, options, { warn })) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

describe('encord streamed read', () => {
  it('gives the whole read\'s dataset and warnings, or its error with the same code, path and byte offset (image, video and group rows, garbled, cut short)', async () => {
    let read = 0, failed = 0;
    await fc.assert(fc.asyncProperty(fc.array(row, { maxLength: 4 }), fc.integer({ min: 0, max: 2 }), textVariantArb, readOptionsArb, async (rows, indent, change, options) => {
      const text = change(JSON.stringify(rows, null, indent));
      const bytes = encodeUtf8(text);
      const expected = await readOutcome((warn) => whole(bytes, options, warn), text) as { code?: string; offset?: number };
      if (expected.code === undefined) read++;
      else failed++;
      await expectStreamedOutcome(expected, bytes, (source, warn) => streamed(source, options, warn));
    }), { numRuns: 500 });
    expect(Math.min(read, failed)).toBeGreaterThan(80);
  });

  it('reads the example export, and what the writer wrote, exactly as the whole read does, from every source', async () => {
    const texts = [exampleText];
    await fc.assert(fc.asyncProperty(dataset, fc.integer({ min: 0, max: 2 }), async (d, indent) => {
      texts.push(formatEncordExport(d, { indent }));
    }), { numRuns: 100 });
    for (const text of texts) {
      const bytes = encodeUtf8(text);
      const expected = await readOutcome((warn) => whole(bytes, {}, warn), text);
      for (const source of [...byteSources(bytes), () => reusedRangeSource(bytes)]) expect(await readOutcome((warn) => streamed(source(), {}, warn))).toEqual(expected);
    }
  });

  it('reads one label row (an object) as the whole read does, and says the annotations come in image order', async () => {
    const rows = JSON.parse(exampleText) as unknown[];
    const one = encodeUtf8(JSON.stringify(rows[1]));
    expect(await readOutcome((warn) => streamed(one, {}, warn))).toEqual(await readOutcome((warn) => whole(one, {}, warn)));
    expect((await dialect.readStream!(encodeUtf8(exampleText))).inImageOrder).toBe(true);
  });
  it('hands on the first annotation before the second pass has read the file, and holds no more than a record of it', async () => {
    await expectFirstAnnotationEarly(dialect, (d) => formatEncordExport(d));
  });
});

describe('encord sharded streamed read (context.shard: --shard, --jobs)', () => {
  const sharded = (options: Partial<EncordReadOptions>) => (source: Uint8Array | ByteSource, warn: (w: RleWarning) => void, shard?: Shard, plan?: unknown): Promise<MaskDatasetStream> =>
    dialect.readStream!(source, options, { warn, ...(shard === undefined ? {} : { shard }), ...(plan === undefined ? {} : { plan }) });
  // --jobs: the first pass once (planShards), each shard read from its plan; counted, to see it plans.
  let plannedInputs = 0;
  const planned = (options: Partial<EncordReadOptions>) => async (source: ByteSource, shards: Shard[]): Promise<unknown[] | undefined> => {
    const plans = await dialect.planShards!(source, options, shards);
    if (plans !== undefined) plannedInputs++;
    return plans;
  };

  it('each shard i/n, by image (a video\'s frames, a group\'s images split between shards), yields what core\'s shardDataset keeps of the full read; the shards\' warnings together the full read\'s; a failing read fails first in the shard whose error one run meets', async () => {
    let read = 0, failed = 0;
    await fc.assert(fc.asyncProperty(fc.array(row, { maxLength: 6 }), fc.integer({ min: 0, max: 1 }), textVariantArb, readOptionsArb, fc.integer({ min: 2, max: 6 }), async (rows, indent, change, options, count) => {
      const bytes = encodeUtf8(change(JSON.stringify(rows, null, indent)));
      if (await expectShardedReads(bytes, [1, count], sharded(options), planned(options))) failed++;
      else read++;
    }), { numRuns: Number(process.env.ENCORD_RUNS ?? 250) });
    expect(Math.min(read, failed)).toBeGreaterThan(40);
    expect(plannedInputs).toBeGreaterThan(40);
  });

  it('the example export and what the writer wrote: each shard as shardDataset keeps it', async () => {
    expect(await expectShardedReads(encodeUtf8(exampleText), [2, 3, 5], sharded({}), planned({}))).toBe(false);
    await fc.assert(fc.asyncProperty(dataset, fc.integer({ min: 2, max: 4 }), async (d, count) => {
      expect(await expectShardedReads(encodeUtf8(formatEncordExport(d)), [count], sharded({}), planned({}))).toBe(false);
    }), { numRuns: 100 });
  });

  it('decodes no mask of another shard\'s image, in another row or in the same video, and reads only its rows of a file that seeks', async () => {
    const size = { height: 2, width: 3 };
    const frame = (rleString: string) => ({ objects: [{ shape: 'bitmask', objectHash: `o${rleString.length}`, featureHash: 'f', name: 'blob', bitmask: { rleString, top: 0, left: 0, ...size } }], classifications: [] });
    const good = encode(Mask.fromBitmap([1, 0, 0, 0, 0, 1], size));
    const unit = (hash: string, labels: unknown) => ({ data_hash: hash, data_title: `${hash}.mp4`, width: 3, height: 2, labels });
    // 39 one-image rows, then a video of 2 frames whose last frame's rleString is not RLE.
    const rows: unknown[] = Array.from({ length: 39 }, (_, k) => ({ data_hash: `d${k}`, data_type: 'image', data_units: { [`d${k}`]: unit(`d${k}`, frame(good)) } }));
    rows.push({ data_hash: 'v', data_type: 'video', data_units: { v: unit('v', { 0: frame(good), 1: frame('!!') }) } });
    const bytes = encodeUtf8(JSON.stringify(rows));
    await expect(collectDataset(await dialect.readStream!(bytes))).rejects.toMatchObject({ path: [39, 'data_units', 'v', 'labels', '1', 'objects', 0, 'bitmask', 'rleString'] });
    const file = seekableSource(bytes, 64);
    const first = await collectDataset(shardDataset(await dialect.readStream!(file, {}, { warn: () => {}, shard: { index: 0, count: 4 } }), { index: 0, count: 4 }));
    expect(first.annotations.map((a) => a.imageId)).toEqual(Array.from({ length: 10 }, (_, k) => `d${k}`));
    // Pass 1 reads the file once; pass 2 about a quarter of it.
    expect(file.served).toBeLessThan(bytes.length * 1.4);
    // 41 images in 41 shards: the video's first frame (image 39) is shard 39's, its last (image 40) shard 40's.
    const frameShard = await collectDataset(shardDataset(await dialect.readStream!(bytes, {}, { warn: () => {}, shard: { index: 39, count: 41 } }), { index: 39, count: 41 }));
    expect(frameShard.annotations.map((a) => a.imageId)).toEqual(['v#0']);
    await expect(collectDataset(await dialect.readStream!(bytes, {}, { warn: () => {}, shard: { index: 40, count: 41 } }))).rejects.toMatchObject({ path: [39, 'data_units', 'v', 'labels', '1', 'objects', 0, 'bitmask', 'rleString'] });
  });
});

describe('encord streamed write', () => {
  it('writes the bytes and warnings of the whole write, from a dataset in memory', async () => {
    await fc.assert(fc.asyncProperty(dataset, fc.integer({ min: 0, max: 2 }), async (d, indent) => {
      const warnings: RleWarning[] = [], streamedWarnings: RleWarning[] = [];
      const expected = formatEncordExport(d, { indent }, { warn: (w) => warnings.push(w) });
      expect(await written(d, { indent }, (w) => streamedWarnings.push(w))).toBe(expected);
      expect(streamedWarnings).toEqual(warnings);
    }), { numRuns: 200 });
  });

  it('writes the same bytes and warnings (the losses said last) from a stream, in image order or not', async () => {
    await fc.assert(fc.asyncProperty(dataset, fc.boolean(), async (d, reverse) => {
      const input: MaskDataset = { ...d, annotations: reverse ? [...d.annotations].reverse() : d.annotations };
      const warnings: RleWarning[] = [], streamedWarnings: RleWarning[] = [];
      const expected = formatEncordExport(input, {}, { warn: (w) => warnings.push(w) });
      expect(await written(toDatasetStream(input), {}, (w) => streamedWarnings.push(w))).toBe(expected);
      const key = (w: RleWarning): string => JSON.stringify(w);
      expect(streamedWarnings.map(key).sort()).toEqual(warnings.map(key).sort());
    }), { numRuns: 150 });
  });

  it('writes label rows of several images (video frames, groups) back as the whole write does, also when their images are not together', async () => {
    const texts = [exampleText];
    await fc.assert(fc.asyncProperty(fc.array(row, { maxLength: 4 }), async (rows) => {
      texts.push(JSON.stringify(rows));
    }), { numRuns: 100 });
    for (const text of texts) {
      let d: MaskDataset;
      try {
        d = parseEncordExport(text);
      } catch {
        continue; // an export the generator made invalid (a box that does not fit)
      }
      // Each image's objects, read from a stream, and with the images of one row apart (the last image first).
      const moved: MaskDataset = { ...d, images: d.images.length > 1 ? [d.images.at(-1)!, ...d.images.slice(0, -1)] : d.images };
      for (const input of [d, moved]) {
        const expected = formatEncordExport(input, {});
        expect(await written(input, {}, () => {})).toBe(expected);
        expect(await written(toDatasetStream(input), {}, () => {})).toBe(expected);
      }
      expect(await written(await dialect.readStream!(encodeUtf8(text)), {}, () => {})).toBe(formatEncordExport(d));
    }
  });

  it('refuses what the whole write refuses, with its path: a mask of another size, an unknown category or image', async () => {
    for (const d of datasetsWritersRefuse()) {
      const expected = refusalOf(() => formatEncordExport(d));
      expect(expected).toBeDefined();
      for (const input of [d, toDatasetStream(d)]) await expect(written(input, {}, () => {})).rejects.toMatchObject(expected as object);
    }
  });
});

describe('encord --jobs planning with its first pass split over the threads (planPiece)', () => {
  it('plans made with helpers scanning from random cuts (inside strings, inside a row\'s objects, at the very start and end) equal the serial plans exactly, or both are none (garbled, cut short)', async () => {
    let planned = 0;
    await fc.assert(fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 2 }), textVariantArb, readOptionsArb, cutGuessesArb, fc.integer({ min: 1, max: 3 }), fc.constantFrom(7, 64, 1 << 20), fc.constantFrom(0, 0, 40, undefined), async (rows, indent, change, options, guesses, n, chunk, trial) => {
      const bytes = encodeUtf8(change(JSON.stringify(rows, null, indent)));
      if ((await expectSplitPlans(dialect, bytes, options, guesses, n, chunk, trial)) > 0) planned++;
    }), { numRuns: 400 });
    // The helpers' rows were taken (a cut at a row's start, proved) in many runs.
    expect(planned).toBeGreaterThan(60);
  });

  // Image rows of one bitmask each, joined by ',': the cut at row 4, found from a guess just before it.
  const rle = encode(Mask.fromBitmap([0, 1, 1, 0, 0, 1], { height: 2, width: 3 }));
  const rowOf = (i: number, unit: Record<string, unknown>): string => JSON.stringify({ label_hash: `L${i}`, data_hash: `D${i}`, data_type: 'image', data_units: { [`D${i}`]: { data_hash: `D${i}`, data_title: `${i}.png`, ...unit } } });
  const labels = (i: number) => ({ objects: [{ name: 'Blob', value: 'blob', color: '#D33115', shape: 'bitmask', objectHash: `o${i}`, featureHash: i % 2 ? 'fA' : 'fB', bitmask: { rleString: rle, top: 0, left: 0, width: 3, height: 2 } }], classifications: [] });
  const good = (i: number): string => rowOf(i, { width: 3, height: 2, labels: labels(i) });
  const bads = {
    // The first pass's fault: a data unit without its width.
    fault: (i: number) => rowOf(i, { height: 2, labels: labels(i) }),
    // Bad JSON inside a row.
    json: (i: number) => good(i).replace('"data_units":{', '"data_units":{]'),
  };
  const exportOf = (bad?: { at: number; make: (i: number) => string }) => {
    const records = Array.from({ length: 9 }, (_, i) => (bad?.at === i ? bad.make(i) : good(i)));
    const text = `[${records.join(',')}]`;
    return { bytes: encodeUtf8(text), cut: text.length - `${records.slice(4).join(',')}]`.length };
  };

  it('what becomes an image\'s attributes crosses the threads whole: an image row\'s labels with frame-like extras (bitmasks in them kept)', async () => {
    const extra = (i: number): string => rowOf(i, { width: 3, height: 2, labels: { ...labels(i), 0: labels(i + 100) } });
    const text = `[${Array.from({ length: 9 }, (_, i) => (i >= 4 ? extra(i) : good(i))).join(',')}]`;
    const cut = text.indexOf(extra(4));
    const bytes = encodeUtf8(text);
    expect(await expectSplitPlans(dialect, bytes, {}, [(cut - 2) / bytes.length], 2)).toBe(1);
  });

  it('a bad row before, at and after the cut: no plan, as the serial pass (each worker then meets one job\'s error); none: the helper\'s rows taken', async () => {
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
