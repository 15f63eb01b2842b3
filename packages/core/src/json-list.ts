/**
 * Streamed reads and writes of JSON exports that are a list of records, each of which makes
 * images and their annotations (Label Studio's tasks, Encord's label rows): what such a dialect
 * needs to read a file larger than memory with the results of its whole-text read, and to write
 * the bytes of its whole write one record at a time.
 */
import { isDatasetStream, toDatasetStream, type Annotation, type Category, type Id, type ImageInfo, type MaskDataset, type MaskDatasetStream } from './dataset.js';
import { describeValue, RleError } from './errors.js';
import { annotationsByImage, groupByImage } from './group.js';
import { closeQuietly, firstJsonByte, JsonScanner, parseJsonBytes, replayHeads, type JsonScanHandler } from './json-scan.js';
import { inShard, shardRange, type Shard } from './shard.js';
import { alignedChunks, splitCuts, type SplitHelpers } from './split-cuts.js';
import { decodeUtf8, encodeUtf8, isFolderSource, JSON_HEAD, readAllBytes, readsByRange, sourceChunks, type ByteSource, type DialectInput } from './source.js';

/**
 * The images a record makes annotations of, as the first pass found them: positions [start, end)
 * in the header's image list (start = end: none; such a record is read by shard 0, as core's
 * inShard gives annotations of no image to shard 0).
 */
export type RecordImages = readonly [start: number, end: number];

/** What the second pass tells `read` of a record, when the first pass gave every record's images and met no fault. */
export interface RecordPlan {
  /** The record's images, as `scan` gave them. */
  start: number;
  end: number;
  /**
   * With a shard: whether the image at a position is the shard's (-1, a record of no image: shard
   * 0's, as core's inShard says). The reader says nothing of the others (no warning, no count) and
   * need not decode their masks: out of image order, where every record is read, it may hand on
   * undecoded stand-ins for their annotations, which core's shardDataset (that the caller applies
   * either way) looks at for their image's order only, then drops.
   */
  mine?(position: number): boolean;
}

/** What a dialect gives {@link streamJsonList}: its two passes over the records, and its whole read. */
export interface JsonListReader {
  /**
   * First pass: one record as it arrives, to learn what the stream must say before its first
   * annotation (images, categories, how ids are numbered), decoding no mask. An RleError stops the
   * first pass's reading of records (the JSON is still checked to the end): the second pass meets
   * the same fault, or an earlier one, where the whole read does. Returns the record's images (for a
   * shard's read to skip the records of other shards' images), or nothing (every record is read).
   */
  scan(record: unknown, index: number): RecordImages | void;
  /** After the first pass: the header, and the second pass. */
  begin(): {
    images: ImageInfo[];
    categories: Category[];
    inImageOrder?: boolean;
    /**
     * One record again, its masks decoded: the annotations it makes, in the whole read's order.
     * `plan`: what the first pass found of it (absent after a first-pass fault, or when `scan` gave no images).
     */
    read(record: unknown, index: number, plan?: RecordPlan): Annotation[];
    /** Once every record is read: warnings the whole read gives at its end. */
    end?(): void;
  };
  /** For `--jobs` planning ({@link planJsonList}), after `begin`: the state the second pass starts from, structured-cloneable (for a worker thread). */
  save?(): unknown;
  /** What `begin` gives, from what `save` gave (a worker's read of its planned shard). */
  resume?(state: unknown): ReturnType<JsonListReader['begin']>;
  /** The whole-text read, for a root that is not a list (one record, or not an export at all). */
  whole(text: string): MaskDataset;
  /**
   * For a first pass split over threads ({@link planJsonList} with helpers): on a helper's thread
   * ({@link scanJsonListPiece}), a fresh first pass over a piece of the list, its records numbered
   * from 0 at the piece's cut; `found` is what it found (structured-cloneable, small: no record
   * crosses threads), for `absorb`.
   */
  piece?(): { scan(record: unknown, index: number): RecordImages | void; found(): unknown };
  /**
   * In the main thread, its first pass just before record `first` (the piece's first): joins what a
   * piece's pass found, as if this pass had scanned its records, and makes `spans` (the piece's
   * records' images, [start, end) per record, as the piece numbered them) what this pass's `scan`
   * would have given. False when it cannot (the piece depends on what came before it: an id used
   * before, a number given by count): the main thread then scans the piece itself.
   */
  absorb?(found: unknown, first: number, spans: Int32Array): boolean;
}

const STEP = 1 << 20;

/** Errors of the records themselves (a mask's stream cut short is TRUNCATED too), thrown through the scanner as they are. */
const ofRecords = new WeakSet<object>();

function recordStep<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (typeof e === 'object' && e !== null) ofRecords.add(e);
    throw e;
  }
}

/** The scanner's "ends early" as the whole-text read says it (JSON.parse: not valid JSON, at the end). */
function asWholeRead(e: unknown, expected: string): unknown {
  if (e instanceof RleError && e.code === 'TRUNCATED' && !ofRecords.has(e)) {
    return new RleError('INVALID_STRUCTURE', 'Not valid JSON: the export ends before the document is complete', { ...(e.offset === undefined ? {} : { offset: e.offset }), expected });
  }
  return e;
}

/** Feeds `chunks` to a scanner in pieces of at most 1 MiB, pausing between pieces; the scanner's faults as the whole-text read gives them. */
async function* feed(scanner: JsonScanner, chunks: AsyncIterable<Uint8Array>, expected: string): AsyncGenerator<void> {
  for await (const c of chunks) {
    for (let i = 0; i < c.length; i += STEP) {
      try {
        scanner.write(c.length <= STEP ? c : c.subarray(i, i + STEP));
      } catch (e) {
        throw asWholeRead(e, expected);
      }
      yield;
    }
  }
  try {
    scanner.end();
  } catch (e) {
    // A value that never closed: its first fault, if it has one before the end.
    const open = scanner.openPiece();
    if (open !== undefined) parseJsonBytes(open.bytes, open.offset, expected);
    throw asWholeRead(e, expected);
  }
}

/**
 * A JSON list of records streamed in two passes (as COCO's reader reads a file): the first parses
 * each record as its bytes arrive for what the stream must know up front (`reader.scan`); the
 * second parses them again and hands on their annotations one record at a time (`reader.begin`).
 * Bad JSON anywhere is the first pass's error, as JSON.parse of the whole text meets it before any
 * record; a fault of a record is the second pass's, met in the whole read's order. A pipe (no
 * size: readable once) keeps the records' bytes between the passes, up to `maxBytes`; a file of
 * any size is read twice and held one record at a time. A root that is not a list is read whole
 * (`reader.whole`), its error offsets made byte offsets as the stream gives them.
 *
 * With `options.shard` (`--shard`, `--jobs`), when `scan` gave every record's images, the first
 * pass met no fault and the records come in image order, the second pass reads only the shard's
 * records (a file that can seek: only the bytes from its first to its last; others are scanned
 * past, not parsed) and tells `read` which images are the shard's: the shard's annotations, in
 * one run's order, as core's shardDataset keeps them of the whole read. Out of image order every
 * record is read (see RecordPlan.mine), so that shardDataset meets the order it refuses.
 * @example
 * ```ts
 * const names: string[] = [];
 * const stream = await streamJsonList(bytesSource(encodeUtf8('[{"name": "a"}, {"name": "b"}]')), {
 *   scan: (record) => {
 *     names.push((record as { name: string }).name);
 *   },
 *   begin: () => ({ images: [], categories: [], read: () => [] }),
 *   whole: () => ({ images: [], categories: [], annotations: [] }),
 * }, { maxBytes: 1 << 20, expected: 'a list of records' });
 * (await collectDataset(stream)).annotations.length; // → 0
 * names; // → ['a', 'b']
 * ```
 */
export async function streamJsonList(source: ByteSource, reader: JsonListReader, options: { maxBytes: number; expected: string; shard?: Shard }): Promise<MaskDatasetStream> {
  const { maxBytes, expected } = options;
  // By range where it can (sourceChunks): the scanner copies what it keeps, a whole read copies every chunk.
  const ranged = readsByRange(source);
  const it = sourceChunks(source)[Symbol.asyncIterator]();
  const heads: Uint8Array[] = [];
  const whole = async (): Promise<MaskDatasetStream> => {
    const text = decodeUtf8(await readAllBytes(replayHeads(source.name, heads, it, ranged), maxBytes, { head: JSON_HEAD }));
    try {
      return toDatasetStream(reader.whole(text));
    } catch (e) {
      // JSON.parse counts characters; a streamed read gives byte offsets.
      if (!(e instanceof RleError) || e.offset === undefined) throw e;
      const offset = encodeUtf8(text.slice(0, e.offset)).length;
      if (offset === e.offset) throw e;
      throw new RleError(e.code, e.reason, { path: e.path, offset, ...(e.expected === undefined ? {} : { expected: e.expected }), ...(e.received === undefined ? {} : { received: e.received }), cause: e.cause });
    }
  };
  // The first bytes decide: a root that is not a list is read whole, as before.
  const list = (await firstJsonByte(it, heads)) === 0x5b;
  if (!list) return whole();

  const seekable = source.size !== undefined;
  const pass = await firstPass(source, replayHeads(source.name, heads, it).stream(), reader, seekable, maxBytes, expected);
  const { records, offsets, spans } = pass;
  let kept = pass.kept;
  pass.kept = [];
  const second = reader.begin();
  const failed = pass.fault;
  const shard = options.shard;
  const n = second.images.length;
  const mine = spans !== undefined && shard !== undefined ? (p: number): boolean => inShard(shard, n, p) : undefined;
  // Records are skipped only in image order: then the shard's annotations are a consecutive piece
  // of one run's; in another order shardDataset must see every image's turn to refuse what cannot join.
  const skip = mine !== undefined && second.inImageOrder === true;
  const wanted = skip ? recordsOf(spans!, shard!, n) : (): boolean => true;
  const planOf = (k: number): RecordPlan | undefined => (spans !== undefined ? { start: spans[3 * k + 1]!, end: spans[3 * k + 2]!, ...(mine === undefined ? {} : { mine }) } : undefined);
  const annotations = async function* (): AsyncGenerator<Annotation> {
    let out: Annotation[] = [];
    const read = (b: Uint8Array, offset: number, k: number): void => {
      for (const a of second.read(parseJsonBytes(b, offset, expected), k, planOf(k))) out.push(a);
    };
    const take = (): Annotation[] => {
      const q = out;
      out = [];
      return q;
    };
    if (!seekable) {
      const list = kept;
      kept = [];
      for (let k = 0; k < list.length; k++) {
        const [b, offset] = list[k]!;
        list[k] = undefined as unknown as [Uint8Array, number]; // the record's bytes go as it is read
        if (!wanted(k)) continue;
        read(b, offset, k);
        yield* take();
      }
    } else if (skip && source.range !== undefined) {
      // Only the shard's records, by the offsets of the first pass: the bytes from its first record to its last.
      const ks: number[] = [];
      for (let k = 0; k < records; k++) if (wanted(k)) ks.push(k);
      for await (const _ of rangeRecords(source, ks.length, (e) => offsets![ks[e]!]!, (e) => spans![3 * ks[e]!]!, (b, offset, e) => read(b, offset, ks[e]!))) yield* take();
    } else {
      let seen = 0;
      const again = new JsonScanner({
        raw: true,
        // Another shard's record is scanned past, not parsed.
        want: (_key, k) => ((seen = k + 1), wanted(k)),
        element: (_key, k, v, offset) => recordStep(() => read(v as Uint8Array, offset, k)),
      }, expected);
      // Each record is read before the next chunk (sourceChunks may reuse its buffer).
      for await (const _ of feed(again, sourceChunks(source), expected)) yield* take();
      yield* take();
      if (seen !== records) throw new RleError('IO', `${source.name} changed between reads`);
    }
    // The same records read the same way: the second pass has met the first pass's fault (or an earlier one) unless the file changed.
    if (failed !== undefined) throw failed;
    second.end?.();
  };
  return { images: second.images, categories: second.categories, annotations: annotations(), ...(second.inImageOrder === true ? { inImageOrder: true } : {}) };
}

/** What the first pass found: how many records, its fault, each record's offset and [length, start, end] (while every record gave its images), a pipe's records. */
interface FirstPass {
  records: number;
  fault: RleError | undefined;
  offsets?: Float64Array;
  spans?: Int32Array;
  kept: [Uint8Array, number][];
}

/** What the first pass notes of each record, as it comes (in the main thread, or absorbed from a helper's piece): {@link FirstPass} as it grows. */
class PassNotes {
  records = 0;
  fault: RleError | undefined;
  // Each record's byte offset, and its length and images [start, end) (while every record gives them).
  offsets = new Float64Array(1024);
  spans = new Int32Array(3 * 1024);
  planned = true;

  constructor(private readonly reader: JsonListReader) {}

  /** Record `i` (parsed), `length` bytes at `offset`. */
  note(record: unknown, i: number, offset: number, length: number): void {
    this.records = i + 1;
    if (this.fault !== undefined) return;
    let images: RecordImages | void;
    try {
      images = this.reader.scan(record, i);
    } catch (e) {
      if (!(e instanceof RleError)) throw e;
      this.fault = e;
      return;
    }
    if (images === undefined || !this.planned) {
      this.planned = false;
      return;
    }
    if (i >= this.offsets.length) {
      const o = new Float64Array(this.offsets.length * 2), sp = new Int32Array(this.spans.length * 2);
      o.set(this.offsets);
      sp.set(this.spans);
      (this.offsets = o), (this.spans = sp);
    }
    this.offsets[i] = offset;
    (this.spans[3 * i] = length), (this.spans[3 * i + 1] = images[0]), (this.spans[3 * i + 2] = images[1]);
  }

  /** A helper's records `i` … from `i`, as `note` would have noted them (their images already made this pass's by the reader's absorb). */
  take(i: number, count: number, offsets: Float64Array, lengths: Uint32Array, spans: Int32Array): void {
    const end = i + count;
    if (end > this.offsets.length) {
      let n = this.offsets.length;
      while (n < end) n *= 2;
      const o = new Float64Array(n), sp = new Int32Array(3 * n);
      o.set(this.offsets);
      sp.set(this.spans);
      (this.offsets = o), (this.spans = sp);
    }
    this.offsets.set(offsets, i);
    for (let e = 0; e < count; e++) (this.spans[3 * (i + e)] = lengths[e]!), (this.spans[3 * (i + e) + 1] = spans[2 * e]!), (this.spans[3 * (i + e) + 2] = spans[2 * e + 1]!);
    if (count > 0) this.records = end;
  }

  result(kept: [Uint8Array, number][]): FirstPass {
    const known = this.fault === undefined && this.planned;
    return { records: this.records, fault: this.fault, kept, ...(known ? { offsets: this.offsets, spans: this.spans } : {}) };
  }
}

/** The first pass of {@link streamJsonList} over `chunks` (the whole list). */
async function firstPass(source: ByteSource, chunks: AsyncIterable<Uint8Array>, reader: JsonListReader, seekable: boolean, maxBytes: number, expected: string): Promise<FirstPass> {
  const kept: [Uint8Array, number][] = [];
  let keptBytes = 0;
  const notes = new PassNotes(reader);
  const scanner = new JsonScanner({
    raw: true,
    element: (_key, i, v, offset) => recordStep(() => {
      const b = v as Uint8Array;
      if (!seekable) {
        keptBytes += b.length;
        if (keptBytes > maxBytes) throw new RleError('LIMIT_EXCEEDED', `${source.name} is too large to read into memory`, { expected: `at most ${maxBytes} bytes (a pipe is read once: give a file to stream it)` });
        kept.push([b.slice(), offset]);
      }
      notes.note(parseJsonBytes(b, offset, expected), i, offset, b.length);
    }),
    // No record larger than the whole-file read would take: bad JSON that never closes one is not gathered past it.
    maxPiece: maxBytes,
  }, expected);
  for await (const _ of feed(scanner, chunks, expected));
  return notes.result(kept);
}

/** Whether record k (its images in `spans`) holds an image of the shard (one of none: shard 0's). */
function recordsOf(spans: Int32Array, shard: Shard, images: number): (k: number) => boolean {
  const [lo, hi] = shardRange(shard, images);
  return (k) => {
    const start = spans[3 * k + 1]!, end = spans[3 * k + 2]!;
    return start === end ? shard.index === 0 : start < hi && end > lo && lo < hi;
  };
}

/**
 * Records `0 … count-1` of a file that seeks, each at `offsetOf(e)` for `lengthOf(e)` bytes (in
 * file order): one read of the span from the first to the last, each record handed to `read`
 * where it lies in the chunk (gathered when a chunk's end cuts it). Pauses after each chunk.
 */
async function* rangeRecords(source: ByteSource, count: number, offsetOf: (e: number) => number, lengthOf: (e: number) => number, read: (bytes: Uint8Array, offset: number, e: number) => void): AsyncGenerator<void> {
  if (count === 0) return;
  const from = offsetOf(0), to = offsetOf(count - 1) + lengthOf(count - 1);
  let e = 0, pos = from, cut = new Uint8Array(0);
  for await (const c of source.range!(from, to)) {
    const end = pos + c.length;
    while (e < count) {
      const s0 = offsetOf(e), s1 = s0 + lengthOf(e);
      if (s0 >= end) break;
      let bytes: Uint8Array;
      if (s0 >= pos && s1 <= end) bytes = c.subarray(s0 - pos, s1 - pos);
      else {
        // A record cut by the chunk's end: gathered (the chunk may be overwritten by the next).
        if (cut.length < s1 - s0) cut = new Uint8Array(Math.max(s1 - s0, cut.length * 2));
        const a = Math.max(s0, pos), b = Math.min(s1, end);
        cut.set(c.subarray(a - pos, b - pos), a - s0);
        if (s1 > end) break;
        bytes = cut.subarray(0, s1 - s0);
      }
      read(bytes, s0, e++);
    }
    pos = end;
    yield;
  }
  if (pos !== to || e !== count) throw new RleError('IO', `${source.name} changed between reads`);
}

/** One shard's share of a JSON list (`--jobs`), from {@link planJsonList}: structured-cloneable, opaque to callers. */
interface JsonListPlan {
  /** What the reader's `save` gave after the first pass. */
  state: unknown;
  shard: Shard;
  /** How many images the list makes. */
  images: number;
  /** The shard's records: their indexes, offsets and [length, start, end]. */
  records: Int32Array;
  offsets: Float64Array;
  spans: Int32Array;
}

/**
 * `--jobs` planning (a dialect's `planShards`): {@link streamJsonList}'s first pass once, for every
 * shard, so the workers do not each repeat it: each shard's plan holds the reader's state after the
 * first pass (`reader.save`) and where its records lie. Undefined where a worker must read the
 * file itself: not a file that seeks, not a list, records out of image order or without their
 * images, or a fault in the first pass (each worker then meets it as one run does).
 *
 * With `options.helpers` (a dialect's `context.planHelpers`, when the reader has `piece` and
 * `absorb`) the first pass is split over the helpers' threads, each running
 * {@link scanJsonListPiece} on a piece of the list (see {@link splitFirstPass}), given
 * `options.pieceOptions` (the read options, for the reader it makes there): the same plans, faster.
 * @example
 * ```ts
 * // Two records, one image each, planned for two shards: the second shard reads only its record.
 * const bytes = encodeUtf8('[{"image": 0}, {"image": 1}]');
 * const source: ByteSource = { ...bytesSource(bytes, 'list.json'), async *range(from: number, to: number) { yield bytes.subarray(from, to); } };
 * const images = [{ id: 'a', height: 1, width: 2 }, { id: 'b', height: 1, width: 2 }];
 * const at = (r: unknown) => (r as { image: number }).image;
 * const reader: JsonListReader = {
 *   scan: (r) => [at(r), at(r) + 1],
 *   begin: () => ({ images, categories: [], inImageOrder: true, read: (r) => [{ id: at(r), imageId: images[at(r)]!.id, mask: Mask.empty({ height: 1, width: 2 }) }] }),
 *   save: () => null,
 *   resume: () => reader.begin(),
 *   whole: () => ({ images: [], categories: [], annotations: [] }),
 * };
 * const plans = await planJsonList(source, reader, [{ index: 0, count: 2 }, { index: 1, count: 2 }], { maxBytes: 1 << 20, expected: 'a list' });
 * plans?.length; // → 2
 * ```
 */
export async function planJsonList(source: ByteSource, reader: JsonListReader, shards: readonly Shard[], options: { maxBytes: number; expected: string; helpers?: SplitHelpers; pieceOptions?: unknown }): Promise<unknown[] | undefined> {
  if (source.size === undefined || source.range === undefined || reader.save === undefined) return undefined;
  const it = sourceChunks(source)[Symbol.asyncIterator]();
  const heads: Uint8Array[] = [];
  try {
    if ((await firstJsonByte(it, heads)) !== 0x5b) return undefined;
    const helpers = reader.absorb === undefined ? undefined : options.helpers;
    const cuts = helpers === undefined ? [] : await splitCuts(source, helpers, { expected: options.expected, window: CUT_WINDOW, headStart: LIST_SPLIT_HEAD_START, minBytes: LIST_SPLIT_MIN_BYTES, trialBytes: CUT_WINDOW });
    let pass: FirstPass;
    if (cuts.length > 0) {
      await closeQuietly(it); // not needed while the helpers scan
      pass = await splitFirstPass(source, reader, helpers!, cuts, options.maxBytes, options.expected, options.pieceOptions);
    } else pass = await firstPass(source, replayHeads(source.name, heads, it).stream(), reader, true, options.maxBytes, options.expected);
    if (pass.fault !== undefined || pass.spans === undefined) return undefined;
    const second = reader.begin();
    if (second.inImageOrder !== true) return undefined;
    const state = reader.save();
    const n = second.images.length, spans = pass.spans, offsets = pass.offsets!;
    return shards.map((shard): JsonListPlan => {
      const wanted = recordsOf(spans, shard, n);
      const ks: number[] = [];
      for (let k = 0; k < pass.records; k++) if (wanted(k)) ks.push(k);
      const plan: JsonListPlan = { state, shard, images: n, records: Int32Array.from(ks), offsets: new Float64Array(ks.length), spans: new Int32Array(3 * ks.length) };
      ks.forEach((k, e) => {
        plan.offsets[e] = offsets[k]!;
        plan.spans.set(spans.subarray(3 * k, 3 * k + 3), 3 * e);
      });
      return plan;
    });
  } catch (e) {
    // Bad JSON: each worker's own read meets it, as one run does.
    if (e instanceof RleError) return undefined;
    throw e;
  } finally {
    // Whichever way the plan ends, the first pass's read is closed (a file's handle).
    await closeQuietly(it);
  }
}

// ---------------------------------------------------------------- the first pass split over threads

/**
 * The main thread's head start. It parses every record of its range and runs the reader's scan
 * on it (about 60–80 MB/s here), and a worker thread takes about half a second to start.
 */
export const LIST_SPLIT_HEAD_START = 32 << 20;
/** Below this much for each helper, a split costs more than it saves. */
export const LIST_SPLIT_MIN_BYTES = 16 << 20;
/** A helper gathers at most this much of one record; a larger one is left to the main thread, whose limit is the serial pass's. */
const HELPER_MAX_PIECE = 64 << 20;
/** Where a cut is looked for after its guess, and how far its trial scan runs: several records of a list. */
const CUT_WINDOW = 4 << 20;

/** A helper's range of the list: from `cut` (the guess of a record's start) to the next helper's cut. */
export interface JsonListPiece {
  cut: number;
  /** The next helper's cut, which this helper proves (or not) as the main thread proves `cut`. */
  next?: number;
  /** One flag per helper (set: its result will not be used, so it stops), shared by the threads. */
  flags: SharedArrayBuffer;
  slot: number;
  /** The read options (planJsonList's `pieceOptions`), for the reader the helper makes. */
  options?: unknown;
}

/** What a helper found of the records from its cut on (in file order), up to where it stopped: typed arrays, and its reader's `found`. */
export interface JsonListFound {
  count: number;
  offsets: Float64Array;
  lengths: Uint32Array;
  /** Each record's images, [start, end), as the piece's pass numbered them. */
  spans: Int32Array;
  /** The piece reader's `found()`; undefined: the piece failed (a fault, bad JSON: the main thread scans it and meets it). */
  state: unknown;
  /** The next cut begins a record of the list (this helper's scan met one there). */
  provedNext: boolean;
}

const STOP = new Error('stop');

/**
 * A helper thread's side of a split first pass (a dialect's `planPiece`, `piece` a
 * {@link JsonListPiece}): the records of the list from `piece.cut` on, as the first pass would cut
 * them from there if a record starts at the cut (the main thread proves that before it uses any),
 * each parsed and scanned by a fresh first pass (`reader(options).piece()`), until the next cut or
 * the list's end. A fault (bad JSON, a record the pass refuses or gives no images for): no state,
 * the main thread scans the piece itself and meets it.
 * @example
 * ```ts
 * const bytes = encodeUtf8('[{"a": 1}, {"a": 2}, {"a": 3}]');
 * const source: ByteSource = { ...bytesSource(bytes), size: bytes.length, async *range(from: number, to: number) { yield bytes.subarray(from, to); } };
 * const seen: number[] = [];
 * const reader = (): JsonListReader => ({
 *   scan: () => {}, begin: () => ({ images: [], categories: [], read: () => [] }), whole: () => ({ images: [], categories: [], annotations: [] }),
 *   piece: () => ({ scan: (r) => (seen.push((r as { a: number }).a), [0, 0]), found: () => seen }),
 * });
 * const found = await scanJsonListPiece(source, { cut: 11, flags: new SharedArrayBuffer(8), slot: 0 }, reader, 'a list');
 * found.state; // → [2, 3]
 * ```
 */
export async function scanJsonListPiece(input: DialectInput, piece: unknown, reader: (options: unknown) => JsonListReader, expected: string): Promise<JsonListFound> {
  if (input instanceof Uint8Array || isFolderSource(input) || input.range === undefined || input.size === undefined) throw new RleError('IO', 'A plan piece needs a seekable file');
  const source = input;
  const p = piece as JsonListPiece;
  const pass = reader(p.options).piece?.();
  if (pass === undefined) throw new RleError('INVALID_OPTION', 'This reader cannot scan a piece');
  const flags = new Int32Array(p.flags);
  let offsets = new Float64Array(1024), lengths = new Uint32Array(1024), spans = new Int32Array(2048), count = 0;
  let provedNext = false, failed = false, next = p.next;
  const scanner = JsonScanner.inArray({
    raw: true,
    maxPiece: HELPER_MAX_PIECE,
    element(_key, _i, v, offset, length) {
      if (next !== undefined && offset >= next) {
        if (offset === next) {
          provedNext = true;
          throw STOP;
        }
        // Past the next cut without a record there: the next helper's guess was wrong.
        Atomics.store(flags, p.slot + 1, 1);
        next = undefined;
      }
      const images = pass.scan(parseJsonBytes(v as Uint8Array, offset, expected), count);
      if (images === undefined) throw new RleError('UNSUPPORTED', 'A record without its images');
      if (count === offsets.length) {
        const o = new Float64Array(count * 2), l = new Uint32Array(count * 2), sp = new Int32Array(count * 4);
        (o.set(offsets), l.set(lengths), sp.set(spans), (offsets = o), (lengths = l), (spans = sp));
      }
      (offsets[count] = offset, (lengths[count] = length), (spans[2 * count] = images[0]), (spans[2 * count + 1] = images[1]));
      count++;
    },
  }, expected, { offset: p.cut, key: null, index: 0, after: false });
  try {
    for await (const c of alignedChunks(source, p.cut, source.size!, STEP)) {
      if (Atomics.load(flags, p.slot) !== 0) break;
      scanner.write(c);
    }
  } catch (e) {
    // Stopped at the next cut; else a fault (the pass's state may hold part of the record it refused).
    if (e !== STOP) failed = true;
  }
  if (!provedNext && p.next !== undefined) Atomics.store(flags, p.slot + 1, 1);
  if (failed) return { count: 0, offsets: new Float64Array(0), lengths: new Uint32Array(0), spans: new Int32Array(0), state: undefined, provedNext: false };
  return { count, offsets: offsets.slice(0, count), lengths: lengths.slice(0, count), spans: spans.slice(0, 2 * count), state: pass.found(), provedNext };
}

/**
 * {@link firstPass} over a file that seeks, split over `helpers` at `cuts` (not empty): the main thread scans from the
 * start, each helper from a cut (a guessed record start) to the next. A guess can be wrong (inside
 * a string, inside a record's own lists), so nothing a helper found is used until the scan before
 * it proves its cut: it meets a record of the list starting exactly there. Its scanner is then in
 * the very state the helper's started in (JsonScanner.inArray), and scanning is deterministic, so
 * the helper's records are the ones the serial pass cuts. The helper ran a fresh first pass over
 * them (the reader's `piece`); the reader joins what it found to its own pass (`absorb`: images
 * and numbers made this pass's, as if it had scanned them) and the main thread goes on from the
 * last. A cut not proved, a helper that stopped early or failed, a piece the reader cannot join
 * (it depends on what came before it): the main thread scans that part itself, so every plan and
 * fault is the serial pass's.
 */
async function splitFirstPass(source: ByteSource, reader: JsonListReader, helpers: SplitHelpers, cuts: readonly number[], maxBytes: number, expected: string, options: unknown): Promise<FirstPass> {
  const size = source.size!;
  const notes = new PassNotes(reader);
  const scanAll = (from: number, scanner: JsonScanner): Promise<void> => (async () => {
    for await (const _ of feed(scanner, alignedChunks(source, from, size, STEP), expected));
  })();
  const handler = (check?: (i: number, offset: number) => void): JsonScanHandler => ({
    raw: true,
    element: (_key, i, v, offset) => recordStep(() => {
      check?.(i, offset);
      const b = v as Uint8Array;
      notes.note(parseJsonBytes(b, offset, expected), i, offset, b.length);
    }),
    maxPiece: maxBytes,
  });
  const flags = new Int32Array(new SharedArrayBuffer(4 * (cuts.length + 1)));
  const found = cuts.map((cut, slot) => helpers.run({ cut, ...(slot + 1 < cuts.length ? { next: cuts[slot + 1]! } : {}), flags: flags.buffer as SharedArrayBuffer, slot, ...(options === undefined ? {} : { options }) } satisfies JsonListPiece)
    .then((r) => r as JsonListFound, () => undefined));
  const cut = cuts[0]!;
  let proved: number | undefined, given = false;
  const giveUp = (): void => {
    if (given) return;
    given = true;
    for (let j = 0; j < cuts.length; j++) Atomics.store(flags, j, 1);
  };
  try {
    try {
      await scanAll(0, new JsonScanner(handler((i, offset) => {
        if (given || offset < cut) return;
        // A record of the list starts at the cut: proved (the first record never is one: cuts follow a `}`).
        if (offset === cut && i > 0) {
          proved = i;
          throw STOP;
        }
        giveUp();
      }), expected));
    } catch (e) {
      if (e !== STOP) throw e;
    }
    // A fault or a record without its images before the cut: no plan, whatever follows (the workers read the file themselves).
    if (proved === undefined || notes.fault !== undefined || !notes.planned) return notes.result([]);
    // Proved: the helpers' records, as long as each proved the next cut and its pass joins this one's; then on from the last.
    let index = proved, at = cut, after = false;
    for (let j = 0; j < cuts.length; j++) {
      const r = await found[j]!;
      if (r === undefined || r.state === undefined || !reader.absorb!(r.state, index, r.spans)) break;
      notes.take(index, r.count, r.offsets, r.lengths, r.spans);
      index += r.count;
      if (r.count > 0) (at = r.offsets[r.count - 1]! + r.lengths[r.count - 1]!, (after = true));
      if (!r.provedNext) break;
      (at = cuts[j + 1]!, (after = false));
    }
    giveUp();
    await scanAll(at, JsonScanner.inArray(handler(), expected, { offset: at, key: null, index, after }));
    return notes.result([]);
  } finally {
    giveUp();
    // The helpers' threads are the workers': none is left scanning when the plan is made.
    await Promise.all(found);
  }
}

/**
 * A shard's read from its plan ({@link planJsonList}; a `--jobs` worker): no first pass, only the
 * shard's records read (the span of the file from its first to its last), handed to the reader
 * resumed from the planned state (`reader.resume`): what {@link streamJsonList} with that shard gives.
 * @example
 * ```ts
 * // Two records, one image each, planned for two shards: the second shard reads only its record.
 * const bytes = encodeUtf8('[{"image": 0}, {"image": 1}]');
 * const source: ByteSource = { ...bytesSource(bytes, 'list.json'), async *range(from: number, to: number) { yield bytes.subarray(from, to); } };
 * const images = [{ id: 'a', height: 1, width: 2 }, { id: 'b', height: 1, width: 2 }];
 * const at = (r: unknown) => (r as { image: number }).image;
 * const reader: JsonListReader = {
 *   scan: (r) => [at(r), at(r) + 1],
 *   begin: () => ({ images, categories: [], inImageOrder: true, read: (r) => [{ id: at(r), imageId: images[at(r)]!.id, mask: Mask.empty({ height: 1, width: 2 }) }] }),
 *   save: () => null,
 *   resume: () => reader.begin(),
 *   whole: () => ({ images: [], categories: [], annotations: [] }),
 * };
 * const plans = await planJsonList(source, reader, [{ index: 0, count: 2 }, { index: 1, count: 2 }], { maxBytes: 1 << 20, expected: 'a list' });
 * const ids: unknown[] = [];
 * for await (const a of readJsonListPlanned(source, reader, plans![1], { expected: 'a list' }).annotations) ids.push(a.imageId);
 * ids; // → ['b']
 * ```
 */
export function readJsonListPlanned(source: ByteSource, reader: JsonListReader, plan: unknown, options: { expected: string }): MaskDatasetStream {
  const p = plan as JsonListPlan;
  if (reader.resume === undefined) throw new RleError('INVALID_OPTION', 'This reader cannot read a planned shard');
  const second = reader.resume(p.state);
  const mine = (q: number): boolean => inShard(p.shard, p.images, q);
  const annotations = async function* (): AsyncGenerator<Annotation> {
    let out: Annotation[] = [];
    const read = (b: Uint8Array, offset: number, e: number): void => {
      const at: RecordPlan = { start: p.spans[3 * e + 1]!, end: p.spans[3 * e + 2]!, mine };
      for (const a of second.read(parseJsonBytes(b, offset, options.expected), p.records[e]!, at)) out.push(a);
    };
    for await (const _ of rangeRecords(source, p.records.length, (e) => p.offsets[e]!, (e) => p.spans[3 * e]!, read)) {
      const q = out;
      out = [];
      yield* q;
    }
    second.end?.();
  };
  return { images: second.images, categories: second.categories, annotations: annotations(), ...(second.inImageOrder === true ? { inImageOrder: true } : {}) };
}

/**
 * The text of `JSON.stringify(list, null, indent) + '\n'`, one element at a time, in chunks of
 * about 1 MiB: a writer holds one record and one chunk, not the list nor its text.
 * @example
 * ```ts
 * const chunks: Uint8Array[] = [];
 * for await (const c of jsonListChunks([{ a: 1 }, [2]], 1)) chunks.push(c);
 * new TextDecoder().decode(chunks[0]) === `${JSON.stringify([{ a: 1 }, [2]], null, 1)}\n`; // → true
 * ```
 */
export async function* jsonListChunks(items: AsyncIterable<unknown> | Iterable<unknown>, indent: number): AsyncGenerator<Uint8Array> {
  const pad = ' '.repeat(indent);
  let parts: string[] = [], size = 0, count = 0;
  const flush = (): Uint8Array => {
    const bytes = encodeUtf8(parts.join(''));
    parts = [];
    size = 0;
    return bytes;
  };
  for await (const item of items) {
    // An element one level in: JSON text holds no raw newline inside a string, so each one starts a line to indent.
    const text = indent === 0 ? JSON.stringify(item) : pad + JSON.stringify(item, null, indent).replace(/\n/g, `\n${pad}`);
    parts.push(count++ === 0 ? (indent === 0 ? '[' : '[\n') : indent === 0 ? ',' : ',\n', text);
    size += text.length;
    if (size >= STEP) yield flush();
  }
  parts.push(count === 0 ? '[]\n' : indent === 0 ? ']\n' : '\n]\n');
  yield flush();
}

/**
 * Each image with its annotations and their positions in the dataset (for error paths, as
 * {@link annotationsByImage} gives them), from a dataset in memory or a stream: a stream goes
 * through {@link groupByImage} (image by image when in image order), an annotation of an unknown
 * image is annotationsByImage's DANGLING_REFERENCE where it comes, and `each` sees every
 * annotation once (to tally a stream's losses).
 * @example
 * ```ts
 * const size = { height: 1, width: 1 };
 * const dataset = { images: [{ id: 'a', ...size }], categories: [], annotations: [{ id: 1, imageId: 'a', mask: Mask.full(size) }] };
 * const out: unknown[] = [];
 * for await (const { image, annotations } of groupByImageAt(toDatasetStream(dataset))) out.push([image.id, annotations.map(({ i }) => i)]);
 * out; // → [['a', [0]]]
 * ```
 */
export async function* groupByImageAt(d: MaskDataset | MaskDatasetStream, each?: (a: Annotation) => void): AsyncGenerator<{ image: ImageInfo; annotations: { a: Annotation; i: number }[] }> {
  if (!isDatasetStream(d)) {
    const byImage = annotationsByImage(d);
    for (const image of d.images) {
      const annotations = byImage.get(image.id) ?? [];
      if (each !== undefined) for (const { a } of annotations) each(a);
      yield { image, annotations };
    }
    return;
  }
  const known = new Set<Id>(d.images.map((im) => im.id));
  const position = new Map<Annotation, number[]>();
  const source = d.annotations;
  const numbered: MaskDatasetStream = {
    images: d.images,
    categories: d.categories,
    ...(d.inImageOrder === true ? { inImageOrder: true } : {}),
    annotations: (async function* () {
      let i = 0;
      for await (const a of source) {
        if (!known.has(a.imageId)) throw new RleError('DANGLING_REFERENCE', `Annotation refers to image ${describeValue(a.imageId)}, which is not in images`, { path: ['annotations', i, 'imageId'] });
        const at = position.get(a);
        if (at === undefined) position.set(a, [i]);
        else at.push(i);
        i++;
        yield a;
      }
    })(),
  };
  for await (const { image, annotations } of groupByImage(numbered)) {
    yield {
      image,
      annotations: annotations.map((a) => {
        each?.(a);
        const at = position.get(a)!;
        const i = at.shift()!;
        if (at.length === 0) position.delete(a);
        return { a, i };
      }),
    };
  }
}
