/**
 * For the tests, in every package, that hold a streamed read equal to the whole read: the same
 * bytes from memory, in small chunks and as a pipe; masks of every kind; texts garbled or cut short.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { bytesSource, encodeUtf8, isRleError, JsonScanner, Mask, shardDataset, type Annotation, type ByteSource, type Dialect, type MaskDataset, type MaskDatasetStream, type RleWarning, type Shard } from '../src/index.js';

/** A dataset as plain values (each mask as height, width and row-major runs), for toEqual. */
export const plainDataset = (d: MaskDataset): unknown => ({ ...d, annotations: d.annotations.map((a) => ({ ...a, mask: [a.mask.height, a.mask.width, Array.from(a.mask.runsView('row'))] })) });

/** Sources of the same bytes: in memory, a file in 7-byte chunks, a pipe (no size: readable once). */
export function byteSources(bytes: Uint8Array): (() => Uint8Array | ByteSource)[] {
  return [
    () => bytes,
    () => ({ ...bytesSource(bytes, 'x.json'), async *stream() { for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7); } }),
    () => {
      let passes = 0;
      return { kind: 'bytes' as const, name: 'stdin', async *stream() { if (++passes > 1) throw new Error('a pipe read twice'); for (let i = 0; i < bytes.length; i += 5) yield bytes.slice(i, i + 5); } };
    },
  ];
}

/** Masks of a non-square image: empty, full, foreground at the first and last pixel, random. */
export const maskBitsArb = (height: number, width: number) => fc.oneof(
  fc.constant(new Uint8Array(height * width)),
  fc.constant(new Uint8Array(height * width).fill(1)),
  fc.constant(Uint8Array.from({ length: height * width }, (_, p) => +(p === 0 || p === height * width - 1))),
  fc.uint8Array({ min: 0, max: 1, minLength: height * width, maxLength: height * width }),
);

/** One to three printable characters set, inserted or deleted. */
export const garbleArb = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0x20, max: 0x7e }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 3 }).map((edits) => (t: string) => {
  const b = t.split('');
  for (const [at, c, op] of edits) {
    const i = at % (b.length + 1);
    if (op === 'set') b[Math.min(i, b.length - 1)] = String.fromCharCode(c);
    else if (op === 'insert') b.splice(i, 0, String.fromCharCode(c));
    else b.splice(i, 1);
  }
  return b.join('');
});

/** The text cut short anywhere. */
export const cutShortArb = fc.nat().map((at) => (t: string) => t.slice(0, at % (t.length + 1)));

/** The text as it is, garbled, or cut short. */
export const textVariantArb = fc.oneof({ weight: 3, arbitrary: fc.constant((t: string) => t) }, garbleArb, cutShortArb);

/**
 * A read's outcome: the dataset as plain values with the warnings said, or the error's code, path
 * and offset in bytes of `text` (a whole-text read counts characters).
 */
export async function readOutcome(read: (warn: (w: RleWarning) => void) => Promise<MaskDataset>, text?: string): Promise<unknown> {
  const warnings: RleWarning[] = [];
  try {
    return { dataset: plainDataset(await read((w) => warnings.push(w))), warnings };
  } catch (e) {
    if (!isRleError(e)) throw e;
    const offset = e.offset === undefined || text === undefined ? e.offset : encodeUtf8(text.slice(0, e.offset)).length;
    return { code: e.code, path: e.path, offset };
  }
}

/**
 * Reads `bytes` from each of {@link byteSources} with `streamed` and expects `expected`, the whole
 * read's {@link readOutcome}; where the whole read gave an error without an offset (`JSON.parse`
 * says "Unexpected token" without one), any offset: the stream names the byte.
 */
export async function expectStreamedOutcome(expected: unknown, bytes: Uint8Array, streamed: (source: Uint8Array | ByteSource, warn: (w: RleWarning) => void) => Promise<MaskDataset>): Promise<void> {
  const e = expected as { code?: string; offset?: number };
  for (const source of byteSources(bytes)) {
    const got = await readOutcome((warn) => streamed(source(), warn));
    if (e.code !== undefined && e.offset === undefined) expect(got).toEqual({ ...e, offset: (got as { offset?: number }).offset });
    else expect(got).toEqual(expected);
  }
}

/** Datasets a writer refuses, each for one reason: a mask of another size than its image, an unknown category, an unknown image. */
export function datasetsWritersRefuse(): MaskDataset[] {
  const size = { height: 2, width: 3 };
  const base: MaskDataset = { images: [{ id: 1, ...size }], categories: [], annotations: [{ id: 1, imageId: 1, mask: Mask.full(size) }] };
  return [
    { ...base, annotations: [...base.annotations, { id: 2, imageId: 1, mask: Mask.full({ height: 3, width: 2 }) }] },
    { ...base, annotations: [...base.annotations, { id: 2, imageId: 1, categoryId: 9, mask: Mask.full(size) }] },
    { ...base, annotations: [...base.annotations, { id: 2, imageId: 7, mask: Mask.full(size) }] },
  ];
}

/** What `write` throws: an RleError's code and path (anything else as it is), or undefined. */
export function refusalOf(write: () => unknown): unknown {
  try {
    write();
  } catch (e) {
    return isRleError(e) ? { code: e.code, path: e.path } : e;
  }
  return undefined;
}

/**
 * A two-pass streamed read hands on the first annotation while its second pass has read less than
 * a quarter of the file: 200 one-mask images written by `format`, read by `dialect.readStream` from
 * a file served in 64-byte chunks.
 */
export async function expectFirstAnnotationEarly(dialect: Dialect, format: (d: MaskDataset) => string): Promise<void> {
  const size = { height: 2, width: 3 };
  const n = 200;
  const d: MaskDataset = { images: Array.from({ length: n }, (_, k) => ({ id: k + 1, ...size })), categories: [], annotations: Array.from({ length: n }, (_, k) => ({ id: k + 1, imageId: k + 1, mask: Mask.fromBitmap([1, 0, 0, 0, 0, 1], size) })) };
  const bytes = encodeUtf8(format(d));
  let served = 0;
  const file: ByteSource = { ...bytesSource(bytes, 'x.json'), async *stream() { served = 0; for (let i = 0; i < bytes.length; i += 64) { served += 64; yield bytes.subarray(i, i + 64); } } };
  const s = await dialect.readStream!(file);
  expect(s.images).toHaveLength(n);
  const it = s.annotations[Symbol.asyncIterator]();
  expect((await it.next()).value?.id).toBe(1);
  expect(served).toBeLessThan(bytes.length / 4);
}

/** A file that can seek (as the CLI's): its stream and any range [start, end), in `chunk`-byte pieces; `served` counts the bytes handed out. */
export function seekableSource(bytes: Uint8Array, chunk = 7): ByteSource & { served: number } {
  const source = {
    ...bytesSource(bytes, 'x.json'),
    served: 0,
    async *stream() {
      yield* source.range(0, bytes.length);
    },
    async *range(start: number, end: number) {
      for (let i = start; i < end; i += chunk) {
        const piece = bytes.slice(i, Math.min(end, i + chunk));
        source.served += piece.length;
        yield piece;
      }
    },
  };
  return source;
}

/**
 * A file read as the CLI's file source reads one by range: one buffer of `chunk` bytes for every
 * chunk, scribbled over with `fill` once the next is asked for, so a reader that keeps a chunk's
 * bytes past it reads garbage (pick a byte that matters to the format: `]` or `}` for JSON, `<`
 * for XML). Its stream() gives fresh 5-byte chunks (the other readers of the file may use it).
 */
export function reusedRangeSource(bytes: Uint8Array, chunk = 11, fill = 0x5d, name = 'x.json'): ByteSource {
  return {
    kind: 'bytes', name, size: bytes.length,
    async *stream() {
      for (let i = 0; i < bytes.length; i += 5) yield bytes.slice(i, i + 5);
    },
    async *range(start: number, end: number) {
      const buffer = new Uint8Array(chunk);
      for (let i = start; i < end; i += chunk) {
        const n = Math.min(chunk, end - i);
        buffer.set(bytes.subarray(i, i + n));
        yield buffer.subarray(0, n);
        buffer.fill(fill);
      }
    },
  };
}

/** A streamed read to its end or its error: the header, the annotations handed on, the error (code, path, offset) and the warnings said. */
async function drain(read: (warn: (w: RleWarning) => void) => Promise<MaskDatasetStream>): Promise<{ header?: unknown; annotations: Annotation[]; error?: unknown; warnings: RleWarning[] }> {
  const warnings: RleWarning[] = [], annotations: Annotation[] = [];
  let header: unknown;
  try {
    const s = await read((w) => warnings.push(w));
    header = { images: s.images, categories: s.categories };
    for await (const a of s.annotations) annotations.push(a);
    return { header, annotations, warnings };
  } catch (e) {
    if (!isRleError(e)) throw e;
    return { header, annotations, error: { code: e.code, path: e.path, offset: e.offset }, warnings };
  }
}

/**
 * Warnings of several shards as one run says them (as `convert --jobs` joins them): those that
 * differ only in their numbers are one, its count summed. Sorted, for toEqual.
 */
export function joinedWarnings(lists: readonly (readonly RleWarning[])[]): unknown[] {
  const said = new Map<string, { code: string; path?: unknown; message: string; count?: number }>();
  for (const w of lists.flat()) {
    const key = JSON.stringify([w.code, w.path, w.message.replace(/\d+/g, '#')]);
    const before = said.get(key);
    if (before === undefined) said.set(key, { code: w.code, ...(w.path === undefined ? {} : { path: w.path }), message: w.message.replace(/\d+/g, '#'), ...(w.count === undefined ? {} : { count: w.count }) });
    else if (w.count !== undefined) before.count = (before.count ?? 0) + w.count;
  }
  return [...said.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, w]) => w);
}

/**
 * Each shard i/n (every i of each n in `counts`) of a streamed read that honours `context.shard`,
 * from memory, a file that seeks and a pipe, against core's shardDataset of the full read: the
 * same images and categories, the shard's annotations in the same order, and the shards' warnings
 * together the full read's. Where the full read fails, the first shard that fails (the one whose
 * error `--jobs` reports) fails with its error, and the shards before it yield first what
 * shardDataset keeps of what the full read yielded before its error. Returns whether the full read failed.
 */
export async function expectShardedReads(
  bytes: Uint8Array, counts: readonly number[], read: (source: Uint8Array | ByteSource, warn: (w: RleWarning) => void, shard?: Shard, plan?: unknown) => Promise<MaskDatasetStream>,
  plan?: (source: ByteSource, shards: Shard[]) => Promise<unknown[] | undefined>,
): Promise<boolean> {
  // From a pipe: read record by record, so what it yields before an error does not depend on chunks.
  const full = await drain((warn) => read(byteSources(bytes)[2]!(), warn));
  const plain = (as: readonly Annotation[]): unknown => plainDataset({ images: [], categories: [], annotations: [...as] });
  for (const count of counts) {
    // With `plan`, also each shard's read from its plan (as a --jobs worker gets it: cloned), where the input can be planned.
    const plans = plan === undefined ? undefined : await plan(seekableSource(bytes), Array.from({ length: count }, (_, index) => ({ index, count })));
    const planned = plans === undefined ? [] : [() => seekableSource(bytes)];
    for (const source of [byteSources(bytes)[0]!, () => seekableSource(bytes), byteSources(bytes)[2]!, ...planned]) {
      const withPlan = source === planned[0];
      // As convert takes a shard: the reader's stream, then core's shardDataset keeps the shard's.
      const shards = [];
      for (let index = 0; index < count; index++) {
        shards.push(await drain(async (warn) => shardDataset(await read(source(), warn, { index, count }, withPlan ? structuredClone(plans![index]) : undefined), { index, count }) as MaskDatasetStream));
      }
      const expected = (index: number): MaskDataset => {
        const h = full.header as { images: MaskDataset['images']; categories: MaskDataset['categories'] };
        return shardDataset({ images: h.images, categories: h.categories, annotations: full.annotations }, { index, count }) as MaskDataset;
      };
      const kept = (index: number): Annotation[] => expected(index).annotations;
      if (full.header === undefined) {
        // No stream at all (not JSON, a bad root): every shard meets that error.
        for (const s of shards) expect([s.header, s.error]).toEqual([undefined, full.error]);
        continue;
      }
      shards.forEach((s, index) => expect(s.header).toEqual({ images: expected(index).images, categories: expected(index).categories }));
      const last = full.error === undefined ? count - 1 : shards.findIndex((s) => s.error !== undefined);
      if (full.error !== undefined) {
        expect(last).toBeGreaterThanOrEqual(0);
        expect(shards[last]!.error).toEqual(full.error);
      } else expect(shards.map((s) => s.error)).toEqual(shards.map(() => undefined));
      // A shard that fails has handed on what came before its error in the chunks it read. One before
      // it, everything the full read handed on of its images, and (the full read hands on a record's
      // annotations once the whole record is read) those of the failing record's images before the error.
      for (let index = 0; index < (full.error === undefined ? count : last); index++) {
        const got = shards[index]!.annotations, want = kept(index);
        expect(plain(full.error === undefined ? got : got.slice(0, want.length))).toEqual(plain(want));
      }
      if (full.error === undefined) expect(joinedWarnings(shards.map((s) => s.warnings))).toEqual(joinedWarnings([full.warnings]));
    }
  }
  return full.error !== undefined || full.header === undefined;
}

/** Where a pass 1 split over threads may cut: fractions of the text's length, including its very start and end. */
export const cutGuessesArb = fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1)), { minLength: 1, maxLength: 3 });

/**
 * `--jobs` planning of a JSON list with its first pass split over helpers (the dialect's
 * `planPiece`, run here, each result structured-cloned as a thread's would be), cutting at
 * `fractions` of `bytes` (the cut after each guess; `trialBytes`: its trial scan, 0 none): the plans equal the serial plans exactly, or
 * both are none. Returns how many helpers started at a record of the list (a cut the main thread
 * can prove), so a test can see the helpers' records were taken often.
 */
export async function expectSplitPlans(dialect: Dialect, bytes: Uint8Array, options: unknown, fractions: readonly number[], count: number, chunk = 7, trialBytes?: number): Promise<number> {
  const shards = Array.from({ length: count }, (_, index) => ({ index, count }));
  const serial = await dialect.planShards!(seekableSource(bytes, chunk), options as never, shards);
  const guesses = fractions.map((f) => Math.floor(f * bytes.length)).sort((a, b) => a - b);
  const cuts: number[] = [];
  const helpers = {
    count: guesses.length,
    guesses,
    ...(trialBytes === undefined ? {} : { trialBytes }),
    run: async (piece: unknown) => {
      cuts.push((piece as { cut: number }).cut);
      return structuredClone(await dialect.planPiece!(seekableSource(bytes, chunk), piece));
    },
  };
  const split = await dialect.planShards!(seekableSource(bytes, chunk), options as never, shards, { warn: () => {}, planHelpers: helpers });
  expect(split).toEqual(serial);
  // Each record's offset (as far as the JSON is good), to tell the cuts that start a record.
  const starts = new Set<number>();
  const scanner = new JsonScanner({ raw: true, element: (_key, i, _v, offset) => { if (i > 0) starts.add(offset); } });
  try {
    scanner.write(bytes);
  } catch {
    // bad JSON: the records before it
  }
  return serial === undefined ? 0 : cuts.filter((c) => starts.has(c)).length;
}
