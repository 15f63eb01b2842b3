/**
 * `--jobs` planning for COCO (planCocoShards in read-stream.ts): the plans handed to the workers, and
 * pass 1 split over the threads.
 *
 * Pass 1 (one scan of the whole file) is serial, and at 1 GB it takes seconds. Split: the main
 * thread scans from the start, and each helper thread scans from a cut — a place in the file where
 * `}`, `,` and `{` (with any whitespace) suggest that an element of the `annotations` array
 * starts — cutting elements and noting each one's image, category, offset and length, until it
 * reaches the next cut or the array ends. A guess can be wrong (the bytes inside a string, or in
 * some other array), so nothing a helper found is used until the scan before it proves the cut:
 * it meets an element of the top-level `annotations` list starting exactly there. Its scanner is
 * then in the very state the helper's started in (core's `JsonScanner.inArray`), and scanning is
 * deterministic, so the helper's elements are the ones the serial scan would have noted. The main
 * thread then takes them and goes on after the last one (the end of the array, the images and
 * categories that follow it). A cut not proved, a helper that stopped early (bad JSON, a value
 * larger than it holds, an element it could not read), or one that failed: the main thread scans
 * that part itself, so every error is the serial scan's, at the same offset, whatever the guess.
 */
import { alignedChunks, JsonScanner, objectFields, parseJsonBytes, planImages, shardRange, splitCuts, type ByteSource, type Category, type ImageInfo, type JsonScanHandler, type Shard, type SplitHelpers } from '@rlekit/core';
import type { CocoFormat } from './options.js';
import type { CocoShardPlan } from './read-stream.js';

/** The fields pass 1 reads from each annotation's bytes. */
export const REFS = ['image_id', 'category_id'];

/**
 * An annotation's image_id and category_id from its bytes (`found`: as the scanner found them
 * while cutting), or from its parsed value when they cannot be read from the bytes (bad JSON is
 * an RleError at its offset).
 */
export function annotationRefs(bytes: Uint8Array, offset: number, found: unknown[] | undefined): [unknown, unknown] {
  const refs = found ?? objectFields(bytes, REFS);
  if (refs !== undefined) return [refs[0], refs[1]];
  const v = parseJsonBytes(bytes, offset, 'COCO JSON');
  const o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  return [o?.image_id, o?.category_id];
}

// ---------------------------------------------------------------- the plans

/** What pass 1 found that every shard's plan is made of. */
export interface PlanInputs {
  shards: readonly Shard[];
  format: CocoFormat;
  images: ImageInfo[];
  categories: Category[];
  missingCategories: number;
  extras: Record<string, unknown> | undefined;
  size: number;
  /** Each shard's window budget (shardWindow). */
  window: number;
  /** Each annotation's image position (-1: none of the file's). */
  at: Int32Array;
  offsets: Float64Array;
  sizes: Uint32Array;
  /** The order one run yields them in (image order when regrouping), or file order. */
  order: Uint32Array | undefined;
  /** The shards split the annotations by image (else every shard reads them all). */
  splits: boolean;
  /** Each shard's window buffer, its pages touched ahead (windowBuffers). */
  buffers?: readonly SharedArrayBuffer[];
  firstId(s: Shard): number;
}

/**
 * Each shard's plan: its annotations in the order its reader yields them, with where they are in
 * the file. One pass over the annotations counts each plan's (their shard looked up by image),
 * a second fills the plans.
 */
export function shardPlans(p: PlanInputs): CocoShardPlan[] {
  const count = p.at.length, n = p.shards.length;
  const images = p.images.length;
  // Which plan takes the annotations of each image (shards of one --jobs run do not overlap): a
  // table by image position, so each annotation's plan is one lookup (at 1.1 GB, 1.2 million
  // annotations: this ran on the main thread while every worker waited).
  const imageOwner = new Int32Array(images).fill(-1);
  for (let j = n - 1; j >= 0; j--) {
    const [lo, hi] = shardRange(p.shards[j]!, images);
    imageOwner.fill(j, lo, hi);
  }
  // An annotation of no image goes to shard 0's plan (whose run reports it), if it has one.
  const noImage = p.shards.findIndex((s) => s.index === 0);
  const sa1b = p.format === 'sa1b';
  const ownerOf = (pos: number): number => (sa1b ? imageOwner[0] ?? -1 : pos < 0 ? noImage : imageOwner[pos]!);
  const counts = new Uint32Array(n);
  if (!p.splits) counts.fill(count);
  else for (let i = 0; i < count; i++) {
    const j = ownerOf(p.at[i]!);
    if (j >= 0) counts[j]!++;
  }
  const plans = p.shards.map((s, j): CocoShardPlan => ({
    format: p.format, categories: p.categories,
    // A later shard's plan holds its own images only where the shards split the annotations by image.
    ...(p.splits ? planImages(p.images, s, j === 0) : { images: p.images }), missingCategories: j === 0 ? p.missingCategories : 0, size: p.size,
    window: p.window, inImageOrder: p.splits,
    ...(p.buffers?.[j] !== undefined ? { buffer: p.buffers[j] } : {}),
    index: new Uint32Array(counts[j]!), offset: new Float64Array(counts[j]!), length: new Uint32Array(counts[j]!), firstId: p.firstId(s),
    ...(p.format === 'instances' && p.extras !== undefined && Object.keys(p.extras).length > 0 ? { extras: p.extras } : {}),
  }));
  const filled = new Uint32Array(n);
  const order = p.order;
  for (let k = 0; k < count; k++) {
    const i = order === undefined ? k : order[k]!;
    for (let j = p.splits ? ownerOf(p.at[i]!) : 0, last = p.splits ? j : n - 1; j >= 0 && j <= last; j++) {
      const plan = plans[j]!, m = filled[j]!++;
      plan.index[m] = i;
      plan.offset[m] = p.offsets[i]!;
      plan.length[m] = p.sizes[i]!;
    }
  }
  return plans;
}

// ---------------------------------------------------------------- pass 1 split over threads

/**
 * The main thread's head start: it scans from the start while the worker threads start (about half
 * a second each here, at about 300 MB/s of scanning).
 */
export const SPLIT_HEAD_START = 128 << 20;
/** Below this much for each helper, a split costs more than it saves (passing the helpers' notes back, their start). */
export const SPLIT_MIN_BYTES = 64 << 20;
/** A helper gathers at most this much of one element; a larger one is left to the main thread, whose limit is the serial scan's. */
const HELPER_MAX_PIECE = 64 << 20;
/** Where a cut is looked for after its guess: a COCO annotation is far smaller. */
const CUT_WINDOW = 1 << 20;
const CHUNK = 1 << 20;

/** A helper's range: from `cut` (the guess of an element's start) to the next helper's cut. */
export interface ScanPiece {
  cut: number;
  /** The next helper's cut, which this helper proves (or not) as the main thread proves `cut`. */
  next?: number;
  /** One flag per helper (set: its result will not be used, so it stops), shared by the threads. */
  flags: SharedArrayBuffer;
  slot: number;
}

/** What a helper noted: its elements (from `cut`, in file order) up to where it stopped. */
export interface ScanFound {
  count: number;
  /** Each element's image_id: numbers in a typed array (they cross threads as one copy), else a list. */
  imageIds: Float64Array | unknown[];
  /** Each category id's first element (an index from the cut's), in order of first appearance. */
  categories: [unknown, number][];
  offsets: Float64Array;
  lengths: Uint32Array;
  /** The next cut begins an element of the same array (its scan proved it). */
  provedNext: boolean;
}

const STOP = new Error('stop');

/** The helper's side (a worker thread): notes the elements from `piece.cut` on, as pass 1 would from there. */
export async function scanPiece(source: ByteSource, piece: ScanPiece): Promise<ScanFound> {
  const flags = new Int32Array(piece.flags);
  let ids = new Float64Array(1024), other: unknown[] | undefined;
  const categories = new Map<unknown, number>();
  let offsets = new Float64Array(1024), lengths = new Uint32Array(1024), count = 0;
  let provedNext = false, next = piece.next;
  const scanner = JsonScanner.inArray({
    // The array ended: what follows is the main thread's.
    field: () => {
      throw STOP;
    },
    raw: true,
    fields: REFS,
    maxPiece: HELPER_MAX_PIECE,
    element(_key, _i, v, offset, length, found) {
      if (next !== undefined && offset >= next) {
        if (offset === next) {
          provedNext = true;
          throw STOP;
        }
        // Past the next cut without an element there: the next helper's guess was wrong.
        Atomics.store(flags, piece.slot + 1, 1);
        next = undefined;
      }
      const [imageId, cid] = annotationRefs(v as Uint8Array, offset, found as unknown[] | undefined);
      if (count === offsets.length) {
        const o = new Float64Array(count * 2), l = new Uint32Array(count * 2), d = new Float64Array(count * 2);
        (o.set(offsets), l.set(lengths), d.set(ids), (offsets = o), (lengths = l), (ids = d));
      }
      if (other === undefined && typeof imageId === 'number') ids[count] = imageId;
      else (other ??= Array.from(ids.subarray(0, count))).push(imageId);
      (offsets[count] = offset, (lengths[count] = length));
      if (cid !== undefined && !categories.has(cid)) categories.set(cid, count);
      count++;
    },
  }, 'COCO JSON', { offset: piece.cut, key: 'annotations', index: 0, after: false });
  try {
    for await (const c of alignedChunks(source, piece.cut, source.size!, CHUNK)) {
      if (Atomics.load(flags, piece.slot) !== 0) break;
      scanner.write(c);
    }
  } catch {
    // Stopped: the array ended, the next cut was reached, or bad JSON (the main thread meets it itself).
  }
  if (!provedNext && piece.next !== undefined) Atomics.store(flags, piece.slot + 1, 1);
  return { count, imageIds: other ?? ids.slice(0, count), categories: [...categories], offsets: offsets.slice(0, count), lengths: lengths.slice(0, count), provedNext };
}

/**
 * Pass 1 over a seekable file with its scan split over `helpers` (see above): the scanner that
 * ended the scan (its `rootKind`), after `handler` saw what a serial scan shows it, except the
 * helpers' elements, which reach it through `absorb` (with the index of the first) instead of
 * `element`. `scansQueued` is called once the helpers' scans are queued (none: no split), so more
 * work for the helpers goes after them.
 */
export async function splitScan(source: ByteSource, handler: JsonScanHandler, helpers: SplitHelpers | undefined, absorb: (found: ScanFound, index: number) => void, explain: (scanner: JsonScanner, e: unknown) => unknown = (_, e) => e, scansQueued: () => void = () => {}): Promise<JsonScanner> {
  const cuts = await splitCuts(source, helpers, { expected: 'COCO JSON', window: CUT_WINDOW, headStart: SPLIT_HEAD_START, minBytes: SPLIT_MIN_BYTES });
  if (cuts.length === 0) {
    scansQueued();
    return scanFrom(source, new JsonScanner(handler, 'COCO JSON'), 0, explain);
  }
  const flags = new Int32Array(new SharedArrayBuffer(4 * (cuts.length + 1)));
  const found = cuts.map((cut, slot) => helpers!.run({ cut, ...(slot + 1 < cuts.length ? { next: cuts[slot + 1]! } : {}), flags: flags.buffer as SharedArrayBuffer, slot } satisfies ScanPiece)
    .then((r) => r as ScanFound, () => undefined));
  scansQueued();
  const cut = cuts[0]!;
  let proved: number | undefined, given = false;
  // Nothing after the cut is the helpers' unless it is proved before the scan passes it.
  const giveUp = (): void => {
    if (given) return;
    given = true;
    for (let j = 0; j < cuts.length; j++) Atomics.store(flags, j, 1);
  };
  const main: JsonScanHandler = {
    ...handler,
    field(key, kind, offset) {
      if (offset > cut) giveUp();
      return handler.field!(key, kind, offset);
    },
    element(key, i, v, offset, length, fields) {
      if (!given && offset >= cut) {
        // An element of the top-level annotations list starts at the cut: proved. (Not the list's
        // first: its first is checked for panoptic segments by the main thread's handler.)
        if (offset === cut && key === 'annotations' && i > 0) {
          proved = i;
          throw STOP;
        }
        giveUp();
      }
      handler.element!(key, i, v, offset, length, fields);
    },
  };
  let scanner = new JsonScanner(main, 'COCO JSON');
  try {
    await scanFrom(source, scanner, 0, (_, e) => e); // explained below, once
  } catch (e) {
    if (e !== STOP) {
      giveUp();
      throw explain(scanner, e);
    }
  }
  if (proved === undefined) {
    giveUp();
    return scanner;
  }
  // Proved: the helpers' elements, as long as each proved the next cut; then on from the last.
  let index = proved, at = cut, after = false;
  for (let j = 0; j < cuts.length; j++) {
    const r = await found[j]!;
    if (r === undefined) break;
    absorb(r, index);
    index += r.count;
    if (r.count > 0) (at = r.offsets[r.count - 1]! + r.lengths[r.count - 1]!, (after = true));
    if (!r.provedNext) break;
    (at = cuts[j + 1]!, (after = false));
  }
  giveUp();
  scanner = JsonScanner.inArray(handler, 'COCO JSON', { offset: at, key: 'annotations', index, after });
  return scanFrom(source, scanner, at, explain);
}

/** Scans on to the end; a fault goes through `explain` with the scanner that met it (what value was open). */
async function scanFrom(source: ByteSource, scanner: JsonScanner, from: number, explain: (scanner: JsonScanner, e: unknown) => unknown): Promise<JsonScanner> {
  try {
    for await (const c of alignedChunks(source, from, source.size!, CHUNK)) scanner.write(c);
    scanner.end();
  } catch (e) {
    throw explain(scanner, e);
  }
  return scanner;
}
