/**
 * rlekit-json streamed (`readStream`) against the whole-text read (parseRlekitJson): the same
 * images, categories, masks and order, or the same error (code, path, byte offset), for the
 * writer's files, every field the format carries, and files garbled, cut short or laid out
 * otherwise; read in one pass where the writer's layout allows, two where it does not.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dialect, formatRlekitJson, mergeRlekitJson, parseRlekitJson, writeRlekitJsonChunks, type RlekitJsonPartInfo } from '../src/rlekit-json/index.js';
import { textVariant as variant } from './rlekit-json-variants.js';
import { byteSources, maskBitsArb, plainDataset, reusedRangeSource, seekableSource } from './read-support.js';
import { bytesSource, collectDataset, decodeUtf8, encodeUtf8, isRleError, JSON_HEAD, Mask, readAllBytes, shardDataset, shardRange, type ByteSource, type ImageInfo, type MaskDataset } from '../src/index.js';

const wholeText = async (bytes: Uint8Array): Promise<MaskDataset> => parseRlekitJson(decodeUtf8(await readAllBytes(bytes, 0x1fffffe8, { head: JSON_HEAD })));

/** The dataset as plain values, or the error: code, path, and offset in bytes of `text` (the whole-text read counts characters). */
async function outcome(read: () => Promise<MaskDataset>, text?: string): Promise<unknown> {
  try {
    return plainDataset(await read());
  } catch (e) {
    if (!isRleError(e)) throw e;
    const offset = e.offset === undefined || text === undefined ? e.offset : encodeUtf8(text.slice(0, e.offset)).length;
    return { code: e.code, path: e.path, offset };
  }
}

const streamed = async (input: Uint8Array | ByteSource): Promise<MaskDataset> => collectDataset(await dialect.readStream!(input));

const dataset = fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 })).filter(([h, w]) => h !== w), { minLength: 1, maxLength: 3 }).chain((sizes) => fc.record({
  sizes: fc.constant(sizes),
  masks: fc.array(fc.nat(sizes.length - 1).chain((k) => fc.tuple(
    fc.constant(k),
    maskBitsArb(sizes[k]![0], sizes[k]![1]),
    fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined }),
    fc.option(fc.boolean(), { nil: undefined }),
    fc.oneof(fc.nat(), fc.string({ maxLength: 4 })),
  )), { maxLength: 6 }),
})).map(({ sizes, masks }): MaskDataset => ({
  images: sizes.map(([height, width], i) => ({ id: i === 1 ? 'two' : i + 1, height, width, ...(i === 0 ? { fileName: 'a é.png', attributes: { split: 'train' } } : {}) })),
  categories: [{ id: 1, name: 'a' }, { id: 'b', name: 'b', supercategory: 's', color: [1, 2, 3], attributes: { hue: 'ü' } }],
  annotations: masks.map(([k, bits, attribute, score, crowd, id]) => {
    const [height, width] = sizes[k]!;
    const mask = Mask.fromBitmap(bits, { height, width });
    return {
      id, imageId: k === 1 ? 'two' : k + 1, ...(id === 0 ? {} : { categoryId: typeof id === 'number' && id % 2 ? 'b' : 1 }), mask,
      ...(attribute !== undefined ? { attributes: { x: attribute } } : {}), ...(score !== undefined ? { score } : {}), ...(crowd !== undefined ? { iscrowd: crowd } : {}),
    };
  }),
}));


describe('rlekit-json streamed read', () => {
  it('gives the whole-text read\'s dataset, or its error with the same code, path and byte offset', async () => {
    let refused = 0;
    await fc.assert(fc.asyncProperty(dataset, fc.integer({ min: 0, max: 3 }), fc.constantFrom('row', 'col'), variant, async (d, indent, order, change) => {
      const text = change(formatRlekitJson(d, { indent, order }));
      const bytes = encodeUtf8(text);
      const expected = await outcome(() => wholeText(bytes), text) as { code?: string; offset?: number };
      for (const source of [...byteSources(bytes), () => reusedRangeSource(bytes)]) {
        const got = await outcome(() => streamed(source())) as { code?: string; path?: unknown[]; offset?: number };
        // A dataset key again after the streamed annotations: refused (JSON.parse lets the last win).
        if (got.code === 'UNSUPPORTED') {
          expect(got.path?.length).toBe(1);
          expect(text.lastIndexOf(`"${String(got.path![0])}"`)).toBeGreaterThan(text.indexOf('"annotations"'));
          refused++;
          continue;
        }
        // The whole-text read has no offset for some faults ("Unexpected token"); the stream gives the byte.
        if (expected.code !== undefined && expected.offset === undefined) expect(got).toEqual({ ...expected, offset: got.offset });
        else expect(got).toEqual(expected);
      }
    }), { numRuns: 1500 });
    expect(refused).toBeGreaterThan(0);
  });

  it('with a recover hook (rlekit check): the whole-text read\'s dataset and the same bad annotations reported and skipped, or its error', async () => {
    const whole = async (bytes: Uint8Array, recover: (e: unknown) => void): Promise<MaskDataset> => parseRlekitJson(decodeUtf8(await readAllBytes(bytes, 0x1fffffe8, { head: JSON_HEAD })), recover);
    const sayOf = (e: unknown): unknown => (isRleError(e) ? { code: e.code, path: e.path } : e);
    let recovered = 0;
    await fc.assert(fc.asyncProperty(dataset, fc.integer({ min: 0, max: 3 }), variant, fc.nat(), async (d, indent, change, at) => {
      // One annotation's runs made wrong (their sum is not the mask's area): reported, not fatal.
      let text = formatRlekitJson(d, { indent });
      const runs = [...text.matchAll(/"runs": ?\[/g)];
      if (runs.length > 0) {
        const i = runs[at % runs.length]!.index! + runs[at % runs.length]![0].length;
        text = `${text.slice(0, i)}7,${text.slice(i)}`;
      }
      text = change(text);
      const bytes = encodeUtf8(text);
      const expectedSaid: unknown[] = [], said: unknown[] = [];
      const expected = await outcome(() => whole(bytes, (e) => expectedSaid.push(sayOf(e))), text) as { code?: string; offset?: number };
      for (const source of [...byteSources(bytes), () => reusedRangeSource(bytes)]) {
        said.length = 0;
        const got = await outcome(async () => collectDataset(await dialect.readStream!(source(), {}, { warn: () => {}, recover: (e) => said.push(sayOf(e)) }))) as { code?: string; offset?: number };
        if (got.code === 'UNSUPPORTED') continue; // a dataset key again after the streamed annotations, as above
        if (expected.code !== undefined && expected.offset === undefined) expect(got).toEqual({ ...expected, offset: got.offset });
        else expect(got).toEqual(expected);
        // The whole-text read stops at bad JSON before it checks an annotation; the stream has reported those before it.
        if (expected.code === undefined) expect(said).toEqual(expectedSaid);
        recovered += said.length;
      }
    }), { numRuns: 800 });
    expect(recovered).toBeGreaterThan(0);
  });

  it('reads the writer\'s files in one pass, handing on the first annotation before the source has ended, with or without a recover hook', async () => {
    await fc.assert(fc.asyncProperty(dataset.filter((d) => d.annotations.length > 1), fc.integer({ min: 0, max: 3 }), async (d, indent) => {
      const text = formatRlekitJson(d, { indent });
      const bytes = encodeUtf8(text);
      let passes = 0, pulled = 0;
      const cut = text.indexOf('"annotations"') + 1;
      const source = { ...bytesSource(bytes, 'x.json'), async *stream() {
        passes++;
        // The header and annotations up to past the first one's end, then the rest.
        const firstEnd = encodeUtf8(text.slice(0, text.indexOf('}', text.indexOf('"runs"', cut)) + 2)).length;
        for (const part of [bytes.subarray(0, firstEnd), bytes.subarray(firstEnd)]) (pulled++, yield part);
      } };
      // With a recover hook too (`rlekit check` streams rlekit-json as convert does).
      const s = await dialect.readStream!(source, {}, indent % 2 ? { warn: () => {}, recover: () => {} } : undefined);
      const it = s.annotations[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.done).toBe(false);
      expect(pulled).toBe(1);
      const rest = [first.value];
      for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
      expect(plainDataset({ ...s, annotations: rest })).toEqual(plainDataset(await wholeText(bytes)));
      expect(passes).toBe(1);
    }), { numRuns: 100 });
  });

  it('annotations before the images: two passes over a file, one over a pipe (which keeps the annotations\' bytes, up to maxBytes)', async () => {
    const d = { images: [{ id: 1, height: 2, width: 3 }], categories: [], annotations: [{ id: 1, imageId: 1, mask: Mask.fromRuns([0, 5, 1], { height: 2, width: 3 }, 'col') }, { id: 2, imageId: 1, mask: Mask.fromRuns([6], { height: 2, width: 3 }, 'row') }] };
    const r = JSON.parse(formatRlekitJson(d)) as Record<string, unknown>;
    const bytes = encodeUtf8(JSON.stringify({ annotations: r.annotations, format: 'rlekit-json', version: 1, images: r.images, categories: r.categories }));
    let passes = 0;
    const file = { ...bytesSource(bytes, 'x.json'), async *stream() { passes++; yield bytes; } };
    expect(await outcome(() => streamed(file))).toEqual(plainDataset(d));
    expect(passes).toBe(2);
    const pipe = { kind: 'bytes' as const, name: 'stdin', async *stream() { yield bytes; } };
    expect(await outcome(() => streamed(pipe))).toEqual(plainDataset(d));
    expect(await outcome(async () => collectDataset(await dialect.readStream!(pipe, { maxBytes: 20 })))).toEqual(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
  });

  it('a bad annotation is not the error while bad JSON follows it (the whole-text read meets the JSON first)', async () => {
    const good = formatRlekitJson({ images: [{ id: 1, height: 1, width: 2 }], categories: [], annotations: [
      { id: 1, imageId: 1, mask: Mask.fromRuns([1, 1], { height: 1, width: 2 }, 'row') },
      { id: 2, imageId: 1, mask: Mask.fromRuns([2], { height: 1, width: 2 }, 'row') },
    ] });
    const badMask = good.replace('"runs":[1,1]', '"runs":[1,2]');
    for (const text of [badMask, badMask.replace('"id":2', '"id":2 x'), badMask.slice(0, -4)]) {
      const bytes = encodeUtf8(text);
      const expected = await outcome(() => wholeText(bytes), text);
      expect(await outcome(() => streamed(bytes))).toEqual(expected);
    }
    expect(await outcome(() => streamed(encodeUtf8(badMask)))).toEqual(expect.objectContaining({ path: ['annotations', 0, 'runs'] }));
    expect(await outcome(() => streamed(encodeUtf8(badMask.slice(0, -4))))).toEqual({ code: 'INVALID_STRUCTURE', path: [], offset: badMask.length - 4 });
  });

  it('a bad annotation in a list that a later annotations list replaces is not the error: the last list counts, as in the whole-text read', async () => {
    const d = { images: [{ id: 1, height: 2, width: 3 }], categories: [{ id: 1, name: 'c' }], annotations: [{ id: 2, imageId: 1, mask: Mask.fromRuns([1, 4, 1], { height: 2, width: 3 }, 'row') }] };
    const good = formatRlekitJson(d);
    const lists = (first: string, tail = '') => good.replace('"annotations":', `"annotations": [${first}],${tail} "annotations":`);
    const texts = [
      lists('{"id":1,"name":"not an annotation"}'), // streamed first, fails at once
      lists('{"id":1,"imageId":1,"height":2,"width":3,"order":"row","runs":[7]}'), // its runs do not sum to the size
      lists('{"id":1,"imageId":9,"height":2,"width":3,"order":"row","runs":[6]}', ' "images": [{"id": 1, "height": 2, "width": 3}],'), // the images given again, the last list good
    ];
    for (const text of texts) {
      const bytes = encodeUtf8(text);
      const expected = await outcome(() => wholeText(bytes), text);
      expect(expected, text).toEqual(plainDataset(d));
      // Met before the stream is handed on (the file's first chunk holds it): read as the whole text reads it.
      expect(await outcome(() => streamed(bytes), text), text).toEqual(expected);
      // Met once annotations are being handed on (7-byte chunks): the dataset, or refused as a key given again (never another error).
      const chunked = await outcome(() => streamed(byteSources(bytes)[1]!()), text);
      if (!('images' in (chunked as object))) expect(chunked, text).toEqual({ code: 'UNSUPPORTED', path: [text.includes('"images": [{') ? 'images' : 'annotations'], offset: undefined });
      else expect(chunked, text).toEqual(expected);
    }
    // A pipe is read once: a later list is kept while the bad one drains, and read from there.
    const pipe = (bytes: Uint8Array) => ({ kind: 'bytes' as const, name: 'stdin', async *stream() { yield bytes; } });
    expect(await outcome(() => streamed(pipe(encodeUtf8(texts[0]!))))).toEqual(plainDataset(d));
    // Without a later list the bad annotation is the error, as before.
    expect(await outcome(() => streamed(encodeUtf8(good.replace('"runs":[1,4,1]', '"runs":[1,4,2]'))))).toEqual(expect.objectContaining({ code: 'RUNS_SUM_MISMATCH' }));
  });

  it('a bare mask, a root list, a scalar and an empty file are read as the whole-text read reads them', async () => {
    const ws = ' '.repeat(30); // past a few of the reused range buffer's chunks before the first byte
    for (const t of ['{"height": 2, "width": 3, "order": "col", "runs": [1, 4, 1]}', '[1, 2]', '"x"', '{}', '', '  ', 'x', `${ws}[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]`, `${ws}{"height": 2, "width": 3, "order": "col", "runs": [1, 4, 1]}`]) {
      const bytes = encodeUtf8(t);
      const expected = await outcome(() => wholeText(bytes), t);
      expect(await outcome(() => streamed(bytes)), t).toEqual(expected);
      // A file read by range into one reused buffer reads as one read in fresh chunks of that size.
      expect(await outcome(() => streamed(reusedRangeSource(bytes, 4))), t).toEqual(await outcome(() => streamed(seekableSource(bytes, 4)), t));
    }
  });
});

describe('rlekit-json --jobs parts merged by the ranges their writer described', () => {
  const inOrder = dataset.map((d) => ({ ...d, annotations: [...d.annotations].sort((a, b) => d.images.findIndex((im) => im.id === a.imageId) - d.images.findIndex((im) => im.id === b.imageId)) }));
  const bytesOf = async (chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> => {
    const all: number[] = [];
    for await (const c of chunks) all.push(...c);
    return Uint8Array.from(all);
  };

  it('gives the bytes of one write, reading no part past its annotations (never scanned)', async () => {
    await fc.assert(fc.asyncProperty(inOrder, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom('row', 'col'), async (d, count, indent, order) => {
      const parts: Uint8Array[] = [], info: RlekitJsonPartInfo[] = [];
      for (let index = 0; index < count; index++) {
        parts.push(await bytesOf(writeRlekitJsonChunks(shardDataset(d, { index, count }), { indent, order }, (p) => info.push(p))));
      }
      // A part whose stream refuses to go past the annotations the writer described (4-byte chunks).
      const guarded = parts.map((b, k) => ({ ...bytesSource(b, `part-${k}`), async *stream() {
        for (let i = 0; i < b.length; i += 4) {
          if (i > info[k]!.end) throw new Error('read past the described annotations');
          yield b.subarray(i, i + 4);
        }
      } }));
      const merged = decodeUtf8(await bytesOf(mergeRlekitJson(guarded, { ownParts: true, partInfo: info })));
      expect(merged).toBe(formatRlekitJson(d, { indent, order }));
      // The scanning merge (parts from elsewhere) gives the same bytes, and reads every part to its end.
      expect(decodeUtf8(await bytesOf(mergeRlekitJson(parts.map((b) => bytesSource(b)))))).toBe(merged);
      if (d.annotations.length > 0) await expect(bytesOf(mergeRlekitJson(guarded))).rejects.toThrow(/read past/);
    }), { numRuns: 150 });
  });

  it('without a description for every part, the parts are scanned', async () => {
    const d = { images: [{ id: 1, height: 2, width: 3 }], categories: [], annotations: [{ id: 1, imageId: 1, mask: Mask.fromRuns([1, 4, 1], { height: 2, width: 3 }, 'row') }] };
    const part = await bytesOf(writeRlekitJsonChunks(d));
    for (const partInfo of [undefined, [], [{ start: 'x' }], [{ start: 5, end: 2, annotations: 1 }]]) {
      expect(decodeUtf8(await bytesOf(mergeRlekitJson([bytesSource(part)], { ownParts: true, ...(partInfo ? { partInfo } : {}) })))).toBe(formatRlekitJson(d));
    }
  });
});

describe('rlekit-json --jobs plans (planShards): each worker reads only its shard\'s bytes', () => {
  // As a file's range reads: one buffer, overwritten by the next chunk.
  const seekable = (bytes: Uint8Array): ByteSource => ({ ...bytesSource(bytes, 'x.json'), async *range(start: number, end: number) {
    const buffer = new Uint8Array(5);
    for (let i = start; i < end; i += 5) {
      const c = bytes.subarray(i, Math.min(end, i + 5));
      buffer.set(c);
      yield buffer.subarray(0, c.length);
    }
  } });
  const byImage = (d: MaskDataset): MaskDataset => ({ ...d, annotations: [...d.annotations].sort((a, b) => d.images.findIndex((im) => im.id === a.imageId) - d.images.findIndex((im) => im.id === b.imageId)) });

  it('a file in image order: the shards\' planned reads are the shards of one streamed read, in order, errors included', async () => {
    await fc.assert(fc.asyncProperty(dataset.map(byImage), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 2 }), fc.option(fc.nat(), { nil: undefined }), async (d, count, indent, garble) => {
      let text = formatRlekitJson(d, { indent });
      // A fault inside one annotation (bad JSON or a bad mask) the shard that owns it must meet.
      if (garble !== undefined && d.annotations.length > 0) {
        const k = garble % d.annotations.length;
        const at = text.indexOf('"runs":[', text.indexOf('"annotations"'));
        let p = at;
        for (let j = 0; j < k; j++) p = text.indexOf('"runs":[', p + 1);
        text = text.slice(0, p + 8) + (garble % 2 ? '9' : 'x') + text.slice(p + 8);
      }
      const bytes = encodeUtf8(text);
      const shards = Array.from({ length: count }, (_, index) => ({ index, count }));
      const plans = await dialect.planShards!(seekable(bytes), {}, shards);
      if (garble !== undefined && garble % 2 === 0 && d.annotations.length > 0) {
        // Bad JSON inside an annotation is not seen by the plan (it parses none): the owner meets it.
        expect(plans).toBeDefined();
      }
      if (plans === undefined) return;
      const whole = await outcome(async () => {
        const s = await dialect.readStream!(bytes);
        return collectDataset(s);
      }, text) as { annotations?: unknown[]; code?: string };
      const parts: unknown[] = [];
      let error: unknown;
      for (const [j, shard] of shards.entries()) {
        const got = await outcome(async () => collectDataset(await dialect.readStream!(seekable(bytes), {}, { warn: () => {}, plan: plans[j], shard })), text) as { annotations?: unknown[]; code?: string };
        if (got.code !== undefined) {
          error = got;
          break;
        }
        // A later shard's plan holds its own images only; through shardDataset (as convert takes it) they are the shard's of one read.
        const wholeImages = (whole as { images?: ImageInfo[] }).images;
        if (wholeImages !== undefined) {
          const [lo, hi] = shardRange(shard, wholeImages.length);
          expect((got as { images: unknown }).images).toEqual(j > 0 ? wholeImages.slice(lo, hi) : wholeImages);
          expect((plans[j] as { cut?: unknown }).cut).toEqual(j > 0 ? shard : undefined);
          expect(shardDataset(got as MaskDataset, shard).images).toEqual(wholeImages.slice(lo, hi));
        }
        parts.push(...got.annotations!);
      }
      if (whole.code !== undefined) expect(error).toEqual(whole);
      else {
        expect(error).toBeUndefined();
        expect(parts).toEqual(whole.annotations);
      }
    }), { numRuns: 300 });
  });

  it('a bad mask in one shard and bad JSON in a later one: the first shard\'s error in order is the one read\'s (the JSON error)', async () => {
    const size = { height: 2, width: 3 };
    const d: MaskDataset = { images: [{ id: 1, ...size }, { id: 2, ...size }], categories: [], annotations: [
      { id: 1, imageId: 1, mask: Mask.fromRuns([0, 6], size, 'row') }, { id: 2, imageId: 2, mask: Mask.fromRuns([6], size, 'row') },
    ] };
    // The first annotation's runs overrun its mask (a check that fails), the second is not JSON (a literal the scan does not look into).
    const text = formatRlekitJson(d).replace('"runs":[0,6]', '"runs":[0,7]').replace('"runs":[6]', '"runs":[6], "x": tru');
    const bytes = encodeUtf8(text);
    const whole = await outcome(async () => collectDataset(await dialect.readStream!(bytes)), text) as { code?: string };
    expect(whole.code).toBeDefined();
    const shards = [{ index: 0, count: 2 }, { index: 1, count: 2 }];
    const plans = await dialect.planShards!(seekable(bytes), {}, shards);
    let first: unknown;
    for (const [j, shard] of shards.entries()) {
      const got = await outcome(async () => collectDataset(await dialect.readStream!(seekable(bytes), {}, { warn: () => {}, ...(plans ? { plan: plans[j] } : {}), shard })), text) as { code?: string };
      if (got.code !== undefined) {
        first = got;
        break;
      }
    }
    expect(first).toEqual(whole);
  });

  it('no plan where the shards\' annotations are not consecutive or the layout is not the writer\'s', async () => {
    const size = { height: 2, width: 3 };
    const d: MaskDataset = { images: [{ id: 1, ...size }, { id: 2, ...size }], categories: [], annotations: [
      { id: 1, imageId: 2, mask: Mask.fromRuns([6], size, 'row') }, { id: 2, imageId: 1, mask: Mask.fromRuns([0, 6], size, 'row') },
    ] };
    const shards = [{ index: 0, count: 2 }, { index: 1, count: 2 }];
    const text = formatRlekitJson(d);
    expect(await dialect.planShards!(seekable(encodeUtf8(text)), {}, shards)).toBeUndefined();
    const ordered = formatRlekitJson(byImage(d));
    expect(await dialect.planShards!(seekable(encodeUtf8(ordered)), {}, shards)).toHaveLength(2);
    for (const t of [ordered.replace(/\}\s*$/, ', "images": []}'), ordered.replace(/\}\s*$/, ', "x": [1,}'), ordered.replace('"imageId":1', '"imageId":3'), ordered.replace('"version": 1', '"version": 2')]) {
      expect(await dialect.planShards!(seekable(encodeUtf8(t)), {}, shards), t).toBeUndefined();
    }
    expect(await dialect.planShards!(bytesSource(encodeUtf8(ordered)), {}, shards)).toBeUndefined(); // no range
  });
});

describe('the example of docs/dialects/rlekit-json.md', () => {
  it('reads as the page says: runs [5, 2, 5] in row order on 3×4 are pixels 5 and 6 (row 1, columns 1 and 2)', async () => {
    const page = readFileSync(new URL('../../../docs/dialects/rlekit-json.md', import.meta.url), 'utf8');
    const json = /```json\n([\s\S]*?)```/.exec(page)![1]!;
    const d = await streamed(encodeUtf8(json));
    const a = d.annotations[0]!;
    expect([a.id, a.categoryId, a.score, a.mask.height, a.mask.width]).toEqual([7, 1, 0.9, 3, 4]);
    expect(Array.from(a.mask.toBitmap('row'))).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    expect(d.categories[0]).toEqual({ id: 1, name: 'cell', supercategory: 'tissue', color: [255, 0, 0] });
    expect(plainDataset(d)).toEqual(plainDataset(parseRlekitJson(json)));
  });
});

describe('bad JSON that never closes a value', () => {
  it('is not gathered past maxBytes: LIMIT_EXCEEDED at the value\'s start, as the whole-file read refuses the file', async () => {
    const size = { height: 1, width: 3 };
    const d = { images: [{ id: 1, ...size }], categories: [], annotations: Array.from({ length: 50 }, (_, i) => ({ id: i, imageId: 1, mask: Mask.fromRuns([1, 1, 1], size, 'row') })) };
    const text = formatRlekitJson(d).replace('"order":"row"', '"order":"row'); // a quote short: the string runs on
    const bytes = encodeUtf8(text);
    const chunked = { ...bytesSource(bytes, 'x.json'), async *stream() { for (let i = 0; i < bytes.length; i += 64) yield bytes.subarray(i, i + 64); } };
    const got = await outcome(async () => collectDataset(await dialect.readStream!(chunked, { maxBytes: 300 }))) as { code: string; offset: number };
    expect(got.code).toBe('LIMIT_EXCEEDED');
    expect(got.offset).toBe(text.indexOf('{"id":0'));
    expect((await outcome(() => dialect.read(bytes, { maxBytes: 300 })) as { code: string }).code).toBe('LIMIT_EXCEEDED');
    // With room for the whole file, the fault is found where JSON.parse finds it.
    expect(await outcome(() => streamed(chunked), text)).toEqual(await outcome(() => wholeText(bytes), text));
  });

  it('is not gathered past maxBytes by the --jobs planning scan either (no plan, the rest of the file not read)', async () => {
    const size = { height: 1, width: 3 };
    const d = { images: [{ id: 1, ...size }, { id: 2, ...size }], categories: [], annotations: Array.from({ length: 400 }, (_, i) => ({ id: i, imageId: 1 + (i % 2 && 1), mask: Mask.fromRuns([1, 1, 1], size, 'row') })) };
    const text = formatRlekitJson(d).replace('"fileName"', '"fileName').replace('"images": [', '"images": ["x'); // a string that runs on from the images
    const bytes = encodeUtf8(text);
    let read = 0;
    const source: ByteSource = { ...bytesSource(bytes, 'x.json'), async *stream() { for (let i = 0; i < bytes.length; i += 64) (read += Math.min(64, bytes.length - i), yield bytes.subarray(i, i + 64)); }, async *range() {} };
    expect(await dialect.planShards!(source, { maxBytes: 1000 }, [{ index: 0, count: 2 }, { index: 1, count: 2 }])).toBeUndefined();
    expect(bytes.length).toBeGreaterThan(10_000);
    expect(read).toBeLessThan(2000);
  });
});
