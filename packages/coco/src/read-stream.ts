/**
 * COCO files of any size, streamed in two passes: pass 1 reads the header and notes where each
 * annotation is; pass 2 parses them one at a time, in file order or regrouped by image in
 * bounded windows. Also the --jobs plans (a worker reads only its shard's bytes).
 */
import { gatherWindows, shardWindow, windowBuffers, windowShares, type WindowBuffers } from './windows.js';
import { annotationRefs, REFS, shardPlans, splitScan } from './plan.js';
import { JsonScanner, markShardImages, parseJsonBytes, RleError, inShard, shardRange, sourceChunks, type Shard, type Annotation, type ByteSource, type Category, type ImageInfo, type JsonScanHandler, type JsonValueKind, type MaskDatasetStream, type RleWarning, type Order, type ScratchFile, type SplitHelpers } from '@rlekit/core';
import { parseAnnotationBytes } from './annotation-json.js';
import type { CocoFormat } from './options.js';
import { fail, id, keepExtras, Reader, refusePanoptic, type Json, type Path } from './read.js';

// Source chunks are fed to the scanner at most this large, so what one write queues stays small.
const CHUNK = 1 << 20;

/**
 * Bytes of annotation JSON one regrouping pass holds (a file that scatters annotations over
 * images, read grouped by image): each pass reads the file once and keeps the annotations of
 * the next images up to this budget, so memory is bounded whatever the file's size or order.
 */
export const REGROUP_BYTES = 128 * 1024 * 1024;
/**
 * The most bytes one value of a streamed file (an annotation, an image, a top-level field) may
 * take: V8's longest string, past which it could not be parsed anyway. Bad JSON that never closes
 * a value (a stray quote) is refused there, at the value's start, instead of gathering the rest of
 * a file of any size into memory.
 */
export const MAX_VALUE_BYTES = 0x1fffffe8;

const KIND_WORDS: Record<JsonValueKind, FieldKind> = { array: 'an array', object: 'an object', string: 'a value', number: 'a value', literal: 'a value' };

/** What a top-level field of a COCO object holds. */
type FieldKind = 'an array' | 'an object' | 'a value';

/**
 * Feeds a source to a scanner in bounded writes; `drain` runs after each write (to yield what it
 * queued). A file of known size is read through its one reused buffer (sourceChunks).
 */
async function* feed(source: ByteSource, scanner: JsonScanner): AsyncGenerator<void> {
  for await (const chunk of sourceChunks(source)) {
    for (let i = 0; i < chunk.length; i += CHUNK) {
      scanner.write(chunk.length <= CHUNK ? chunk : chunk.subarray(i, Math.min(chunk.length, i + CHUNK)));
      yield;
    }
  }
  scanner.end();
}

/** An annotation's bytes parsed (polygons as Float64Arrays), or through parseJsonBytes, which reports what is wrong with them. */
function parseAnnotation(bytes: Uint8Array, offset: number): unknown {
  return parseAnnotationBytes(bytes) ?? parseJsonBytes(bytes, offset, 'COCO JSON');
}

/**
 * Pass 1's scan ended (TRUNCATED, or LIMIT_EXCEEDED at the value limit) inside an annotation: bad
 * JSON in it (a stray quote) kept it from closing, and the rest of the file was read as part of
 * it. The error names the annotation (its path, where it starts) and the first byte where it
 * stops being JSON; without such a byte (the file ends inside a good annotation), its start.
 */
function openAnnotationError(scanner: JsonScanner, e: unknown): unknown {
  if (!(e instanceof RleError) || (e.code !== 'TRUNCATED' && e.code !== 'LIMIT_EXCEEDED')) return e;
  const open = scanner.openPiece(0);
  if (open === undefined || open.index === undefined || (open.key !== 'annotations' && open.key !== null)) return e;
  const path = open.key === null ? [open.index] : ['annotations', open.index];
  const where = `annotation ${open.index}, from byte ${open.offset}, never closes`;
  const fault = scanner.openFault();
  if (fault !== undefined) {
    return new RleError(fault.code, `${fault.reason} (${where}: a stray or missing quote, bracket or comma before here?)`, { path, offset: fault.offset, expected: fault.expected ?? 'COCO JSON', cause: e });
  }
  if (e.code === 'LIMIT_EXCEEDED') return new RleError(e.code, `${e.reason} (${where} within the limit)`, { path, offset: open.offset, expected: e.expected ?? 'COCO JSON', cause: e });
  return new RleError('TRUNCATED', `COCO JSON ends at byte ${open.offset + open.length} inside ${where}`, { path, offset: open.offset, expected: 'the rest of the annotation and of the file', cause: e });
}

/** A typed array that grows by doubling as values are pushed (pass 1's offsets and lengths). */
class GrowList<A extends Float64Array | Uint32Array> {
  data: A;
  length = 0;
  constructor(private readonly make: (n: number) => A) {
    this.data = make(1024);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/**
 * Streams a COCO file of any size. Pass 1 reads images, categories and the other top-level
 * fields, and notes each annotation's image and length; pass 2 yields annotations one at a time,
 * in file order, or — when grouping by image and the file scatters them — image by image, in
 * passes that each hold at most `regroupBytes` of annotation JSON (a seekable file's, 1/16 more:
 * windowShares). A key given twice at the top
 * level counts once, its last value, as JSON.parse has it.
 * @example
 * ```ts
 * const json = '{"images":[{"id":1,"height":3,"width":4}],"annotations":[{"id":7,"image_id":1,"segmentation":{"size":[3,4],"counts":"11110O30"}}]}';
 * const stream = await readCocoStream(bytesSource(encodeUtf8(json), 'instances.json'));
 * stream.images.length; // → 1
 * const areas: number[] = [];
 * for await (const a of stream.annotations) areas.push(a.mask.area());
 * areas; // → [5]
 * ```
 */
export async function readCocoStream(source: ByteSource, format: CocoFormat | 'auto' = 'auto', warn: (w: RleWarning) => void = () => {}, groupByImage = true, regroupBytes = REGROUP_BYTES, shard?: Shard, recover?: (e: RleError) => void, valuesOnly = false, maskOrder: Order = 'col', maxValueBytes = MAX_VALUE_BYTES, scratch?: () => Promise<ScratchFile>): Promise<MaskDatasetStream> {
  return (await readCoco(source, format, warn, groupByImage, regroupBytes, shard, recover, undefined, valuesOnly, maskOrder, maxValueBytes, scratch)) as MaskDatasetStream;
}

/**
 * What a `--jobs` worker's COCO reader needs to read its shard without the first pass: the
 * header pass 1 read, and where its annotations are in the file, in the order it yields them.
 */
export interface CocoShardPlan {
  format: CocoFormat;
  /** The file's images, or only the shard's where `cut` says so. */
  images: ImageInfo[];
  /** The shard whose images `images` are (core's markShardImages): a later shard's plan carries no other images. */
  cut?: Shard;
  categories: Category[];
  /** Reported by the first shard only (one run reports it once). */
  missingCategories: number;
  extras?: Json;
  /** The file's size when planned: a file that changed since is an IO error, as between passes. */
  size: number;
  /** The id its first mask gets in a results file (one run numbers them 1, 2, … in the order it reads them). */
  firstId: number;
  /** Bytes of annotation JSON the shard's reader holds at once (the regrouping budget shared by the shards; 1/16 more, see windowShares). */
  window: number;
  /** The shard's annotations come in image order (as the stream of one run says, `inImageOrder`). */
  inImageOrder: boolean;
  /** The buffer its windows go into, shared with the thread that planned (windowBuffers); else a fresh one. */
  buffer?: SharedArrayBuffer;
  /** Each annotation's index in the file's list, its offset in the file and its length in bytes. */
  index: Uint32Array;
  offset: Float64Array;
  length: Uint32Array;
}

/**
 * Pass 1 once for `shards` (`--jobs`): each shard's plan, or undefined when the file cannot be
 * planned (no size, or a reader that recovers), and each worker then reads the file itself.
 */
export async function planCocoShards(source: ByteSource, format: CocoFormat | 'auto', groupByImage: boolean, shards: readonly Shard[], helpers?: SplitHelpers, spills = false): Promise<CocoShardPlan[] | undefined> {
  if (source.size === undefined || source.range === undefined) return undefined;
  // The shards' window buffers, their pages mapped in by the helpers meanwhile (windows.ts).
  const windows = helpers !== undefined ? windowBuffers(source.size, REGROUP_BYTES, shards.length, helpers, spills) : undefined;
  try {
    return (await readCoco(source, format, () => {}, groupByImage, REGROUP_BYTES, undefined, undefined, { shards, spills, ...(helpers !== undefined ? { helpers } : {}), ...(windows !== undefined ? { windows } : {}) })) as CocoShardPlan[];
  } finally {
    await windows?.stop();
  }
}

async function readCoco(source: ByteSource, format: CocoFormat | 'auto', warn: (w: RleWarning) => void, groupByImage: boolean, regroupBytes: number, shard: Shard | undefined, recover: ((e: RleError) => void) | undefined, plan?: { shards: readonly Shard[]; helpers?: SplitHelpers; windows?: WindowBuffers; spills?: boolean }, valuesOnly = false, maskOrder: Order = 'col', maxValueBytes = MAX_VALUE_BYTES, scratch?: () => Promise<ScratchFile>): Promise<MaskDatasetStream | CocoShardPlan[]> {
  const planning = plan?.shards;
  // Pass 1.
  const fields = new Map<string, { kind: JsonValueKind; value?: unknown; elements?: unknown[] }>();
  let annotationLists = 0; // how many `annotations` keys; pass 2 reads the last
  let imageIds: unknown[] = []; // image_id of each annotation of the latest list
  let lengths = new GrowList((n) => new Uint32Array(n));
  // Every annotation's offset in the file: for errors, for a seekable file's pass 2 and for the
  // --jobs plans (the workers read theirs by it).
  let offsetList = new GrowList((n) => new Float64Array(n));
  // A seekable file's pass 2 reads its annotations by these offsets, never re-scanning it.
  const seekable = source.range !== undefined && source.size !== undefined;
  // A stream's annotations' bytes as pass 1 cut them, back to back, while they fit regroupBytes:
  // then pass 2 parses them from here instead of scanning the stream again. Allocated at the
  // file's size (the pages the file does not fill are never touched). A seekable file's are not
  // copied: reading them again by offset (from the page cache) costs less than fresh pages.
  const keepBytes = planning === undefined && !seekable;
  let kept: Uint8Array | undefined, keptBytes = 0, keeping = keepBytes;
  // The kept buffer once the annotations outgrew it: the first regrouping window reuses its pages.
  let spare: Uint8Array | undefined;
  // Each distinct category_id of the annotations and where it first appears (bounded by the
  // categories, not the annotations), for an SA-1B file, whose categories come from them.
  let annotationCategories = new Map<unknown, number>();
  const probe = new Reader('results', warn, recover);
  let root: 'object' | 'array' | undefined;
  // Results files: which elements have a mask (only those take an id, counted from 1).
  const masked: boolean[] = [];
  const note = (imageId: unknown, cid: unknown, i: number, length: number, offset: number): void => {
    imageIds.push(imageId);
    lengths.push(length);
    offsetList.push(offset);
    if (cid !== undefined && !annotationCategories.has(cid)) annotationCategories.set(cid, i);
  };
  const noteValue = (v: unknown, i: number, length: number, offset: number): void => {
    const o = typeof v === 'object' && v !== null ? (v as Json) : undefined;
    note(o?.image_id, o?.category_id, i, length, offset);
  };
  const pass1Handler: JsonScanHandler = {
    field(key, kind) {
      if (root === undefined) {
        root = 'object';
        if (format === 'results') fail([], 'a list of results', 'an object');
      }
      const entry: { kind: JsonValueKind; elements?: unknown[] } = { kind };
      fields.delete(key); // the last of a duplicated key wins
      fields.set(key, entry);
      if (key === 'annotations') {
        annotationLists++;
        imageIds = [];
        lengths = new GrowList((n) => new Uint32Array(n));
        annotationCategories = new Map();
        (kept = undefined, keptBytes = 0, keeping = keepBytes, offsetList = new GrowList((n) => new Float64Array(n)));
        return kind === 'array' ? 'elements' : 'value';
      }
      if (kind === 'array' && (key === 'images' || key === 'categories')) {
        entry.elements = [];
        return 'elements';
      }
      return 'value';
    },
    value(key, v) {
      fields.get(key)!.value = v;
    },
    // An instances or SA-1B annotation is not parsed here, only its image_id and category_id
    // are read from its bytes (pass 2 parses, and checks, every annotation).
    raw: (key) => key === 'annotations',
    fields: REFS, // found while cutting (no second scan of each annotation's bytes)
    element(key, i, v, offset, length, found) {
      if (key === 'annotations') {
        const bytes = v as Uint8Array;
        if (i === 0) refusePanoptic(parseJsonBytes(bytes, offset, 'COCO JSON'), ['annotations', 0]);
        const [imageId, cid] = annotationRefs(bytes, offset, found);
        note(imageId, cid, i, length, offset);
        if (keeping) {
          if (keptBytes + bytes.length > regroupBytes) (keeping = false, spare = kept, kept = undefined);
          else {
            kept ??= new Uint8Array(Math.min(regroupBytes, Math.max(source.size ?? 0, 1 << 16)));
            if (keptBytes + bytes.length > kept.length) {
              const grown = new Uint8Array(Math.min(regroupBytes, Math.max(keptBytes + bytes.length, kept.length * 2)));
              grown.set(kept.subarray(0, keptBytes));
              kept = grown;
            }
            kept.set(bytes, keptBytes);
            keptBytes += bytes.length;
          }
        }
      }
      else if (key === null) {
        if (root === undefined) {
          root = 'array';
          if (format === 'instances' || format === 'sa1b') fail([], 'an object', 'a list'); // as the in-memory read says
        }
        probe.resultImage(v, [i]);
        noteValue(v, i, length, offset);
        const seg = typeof v === 'object' && v !== null ? (v as Json).segmentation : undefined;
        masked.push(seg !== undefined && seg !== null);
      } else fields.get(key)!.elements!.push(v);
    },
    maxPiece: maxValueBytes,
  };
  let pass1: JsonScanner;
  const windows = plan?.windows;
  if (planning !== undefined && seekable) {
    // --jobs: the scan may be split over the worker threads (plan.ts); their elements come noted.
    pass1 = await splitScan(source, pass1Handler, plan!.helpers, (found, index) => {
      for (let k = 0; k < found.count; k++) (imageIds.push(found.imageIds[k]), lengths.push(found.lengths[k]!), offsetList.push(found.offsets[k]!));
      for (const [cid, k] of found.categories) if (!annotationCategories.has(cid)) annotationCategories.set(cid, index + k);
    }, openAnnotationError, () => windows?.queue());
  } else {
    pass1 = new JsonScanner(pass1Handler, 'COCO JSON');
    try {
      for await (const _ of feed(source, pass1)) { /* the handler does the work */ }
    } catch (e) {
      throw openAnnotationError(pass1, e);
    }
  }
  root = pass1.rootKind;
  // A file with `annotations` twice: pass 2 parses the last list (the one JSON.parse keeps), and
  // pass 1 only cut the others' elements. Bad JSON in them makes the whole file bad JSON, as the
  // in-memory read finds: one more scan parses them (rare: no writer repeats the key).
  if (annotationLists > 1) await checkSupersededLists(source, annotationLists);
  if (root === 'array' && (format === 'instances' || format === 'sa1b')) fail([], 'an object', 'a list');
  if (root === 'object' && format === 'results') fail([], 'a list of results', 'an object');
  let f: CocoFormat = root === 'array' ? 'results' : format === 'auto' ? (fields.has('image') && !fields.has('images') ? 'sa1b' : 'instances') : format;
  const extras: Json = {};
  if (f !== 'results') {
    const checkField = (key: string, expected: FieldKind): void => {
      const field = fields.get(key);
      if (field !== undefined && KIND_WORDS[field.kind] !== expected) throw new RleError('INVALID_STRUCTURE', 'Invalid COCO JSON', { path: [key], expected, received: KIND_WORDS[field.kind] });
    };
    if (f === 'instances' && !fields.has('images')) fail(['images'], 'an array', undefined);
    if (f === 'sa1b' && !fields.has('image')) fail(['image'], 'an object', undefined);
    for (const key of f === 'sa1b' ? ['annotations'] : ['images', 'categories', 'annotations']) checkField(key, 'an array');
    if (f === 'sa1b') checkField('image', 'an object');
    if (!fields.has('annotations')) fail(['annotations'], 'an array', undefined);
    if (f === 'sa1b') {
      probe.sa1bImage(fields.get('image')!.value, ['image']);
      for (const [cid, i] of annotationCategories) probe.guard(() => probe.categoryOf(cid, ['annotations', i, 'category_id']));
    } else {
      (fields.get('images')!.elements ?? []).forEach((v, i) => probe.image(v, ['images', i]));
      (fields.get('categories')?.elements ?? []).forEach((v, i) => probe.category(v, ['categories', i]));
      for (const [key, field] of fields) if (!['images', 'categories', 'annotations'].includes(key)) extras[key] = field.value;
      // Category ids used by annotations but not listed: categories named by their id, before pass 2 hands them out.
      for (const [cid, i] of annotationCategories) probe.guard(() => probe.missingCategory(id(cid, ['annotations', i, 'category_id'])));
    }
  }
  fields.clear();
  annotationCategories.clear();
  const reader = new Reader(f, warn, recover, valuesOnly, maskOrder);
  for (const img of probe.images) (reader.images.push(img), reader.imageById.set(img.id, img));
  for (const c of probe.categories) (reader.categories.push(c), reader.categoryIds.add(c.id));
  reader.counts.missingCategories = probe.counts.missingCategories; // reported once, when pass 2 ends
  const images = reader.images;
  const fmt = f;
  keepExtras(images, fmt === 'instances' && Object.keys(extras).length > 0 ? extras : undefined, warn);
  // Each annotation's image position (-1: not an image of the file, an error at its turn).
  const position = new Map<unknown, number>(images.map((im, k) => [im.id, k]));
  const count = imageIds.length;
  const offsets = offsetList.data.subarray(0, count);
  const at = new Int32Array(count);
  let inImageOrder = true;
  for (let i = 0, prev = -1; i < count; i++) {
    const p = position.get(imageIds[i]) ?? -1;
    at[i] = p;
    if (p >= 0) {
      if (p < prev) inImageOrder = false;
      prev = p;
    }
  }
  imageIds = [];
  position.clear();
  const sizes = lengths.data.subarray(0, count);
  const regroup = groupByImage && !inImageOrder && fmt !== 'sa1b';
  const pathOf = (i: number): Path => (fmt === 'results' ? [i] : ['annotations', i]);
  // Only a shard's annotations are parsed (the others are scanned past), when the order one run
  // yields them in is image order: then the shard's are a consecutive piece of it.
  const skip = shard !== undefined && (regroup || inImageOrder || fmt === 'sa1b');
  const mine = (i: number): boolean => !skip || inShard(shard, images.length, fmt === 'sa1b' ? 0 : at[i]!);
  // A results file's ids are its masks' places in the order one run reads them (1, 2, …): a
  // shard that skips the earlier shards' masks starts after them, as one run numbers it.
  const firstId = (s: Shard | undefined, splits: boolean): number => {
    if (fmt !== 'results' || s === undefined || !splits) return 1;
    const [start] = shardRange(s, images.length);
    let before = 0;
    for (let i = 0; i < count; i++) if (masked[i] && at[i]! >= 0 && at[i]! < start) before++;
    return 1 + before;
  };
  reader.nextId = firstId(shard, skip);
  if (planning !== undefined) {
    const splits = regroup || inImageOrder || fmt === 'sa1b';
    return shardPlans({
      shards: planning, format: fmt, images, categories: reader.categories, missingCategories: reader.counts.missingCategories, extras, size: source.size!, window: shardWindow(regroupBytes, planning.length, plan!.spills === true),
      at, offsets, sizes, order: regroup ? imageOrder(at, images.length) : undefined, splits, firstId: (s) => firstId(s, splits),
      ...(windows !== undefined ? { buffers: windows.buffers } : {}),
    });
  }

  /** One scan of the file (pass 2), handing the last annotations list's wanted elements to `element`. */
  function pass2(want: (i: number) => boolean, raw: boolean, element: (i: number, v: unknown, offset: number) => void): AsyncGenerator<void> {
    let lists = 0;
    let active = fmt === 'results';
    return feed(source, new JsonScanner({
      field(key, kind) {
        if (key !== 'annotations') return 'skip';
        active = ++lists === annotationLists;
        return active && kind === 'array' ? 'elements' : 'skip';
      },
      want: (_key, i) => active && want(i),
      raw,
      element: (_key, i, v, offset) => element(i, v, offset),
    }, 'COCO JSON'));
  }

  // Where each annotation starts in `kept` (file order), when pass 1 kept them all.
  let keptAt: Float64Array | undefined;
  if (kept !== undefined && fmt !== 'results') {
    keptAt = new Float64Array(count);
    for (let i = 0, o = 0; i < count; i++) (keptAt[i] = o, (o += sizes[i]!));
  }
  const fromKept = (i: number): Annotation | undefined => reader.annotation(parseAnnotation(kept!.subarray(keptAt![i]!, keptAt![i]! + sizes[i]!), offsets[i]!), pathOf(i));

  const parseAt = (bytes: Uint8Array, i: number): Annotation | undefined => reader.annotation(parseAnnotation(bytes, offsets[i]!), pathOf(i));

  /**
   * Pass 2 as runs of annotations: each run a sync generator, parsed as it is pulled (so an
   * error comes at its annotation's turn, after the ones before it), and flattened by `flat`:
   * an async generator's round trips per annotation cost more than parsing a small one.
   */
  async function* runs(): AsyncGenerator<Iterable<Annotation | undefined>> {
    if (keptAt !== undefined) {
      // Every annotation is at hand: file order, or image order by a stable sort on positions.
      const order = regroup ? imageOrder(at, images.length) : undefined;
      yield (function* () {
        for (let k = 0; k < count; k++) {
          const i = order === undefined ? k : order[k]!;
          if (!mine(i)) continue; // another shard's: scanned past in pass 1, never parsed
          yield fromKept(i);
        }
      })();
      kept = undefined;
      reader.finish();
      return;
    }
    if (!regroup && !seekable) {
      // The bytes are the chunk's, valid during the call: copied (the compact text, not objects, waits in the queue).
      let queue: [number, Uint8Array, number][] = [];
      for await (const _ of pass2(mine, true, (i, v, offset) => queue.push([i, new Uint8Array(v as Uint8Array), offset]))) {
        const q = queue;
        queue = [];
        yield (function* () {
          for (const [i, v, offset] of q) yield reader.annotation(parseAnnotation(v, offset), pathOf(i));
        })();
      }
      reader.finish();
      return;
    }
    // Regrouping: annotations in image order (a stable counting sort by position; dangling ones
    // first, so their error comes early), then windows of whole images holding at most
    // regroupBytes each.
    let order = regroup ? imageOrder(at, images.length) : new Uint32Array(count);
    if (!regroup) for (let i = 0; i < count; i++) order[i] = i;
    if (skip) order = order.filter(mine);
    const wanted = order.length;
    if (!regroup) {
      // A seekable file read in its own order: one read of the span, each annotation parsed where
      // it lies in the source's chunk (copied only when a chunk boundary cuts it).
      if (wanted === 0) {
        reader.finish();
        return;
      }
      const lo = offsets[order[0]!]!, hi = offsets[order[wanted - 1]!]! + sizes[order[wanted - 1]!]!;
      let e = 0, pos = lo, cut = new Uint8Array(0);
      // The chunk's annotations (the chunk is the source's buffer until the next is asked for: parsed before then).
      function* inChunk(c: Uint8Array): Generator<Annotation | undefined> {
        const end = pos + c.length;
        while (e < wanted) {
          const i = order[e]!, s0 = offsets[i]!, s1 = s0 + sizes[i]!;
          if (s0 >= end) break;
          let bytes: Uint8Array;
          if (s0 >= pos && s1 <= end) bytes = c.subarray(s0 - pos, s1 - pos);
          else {
            if (cut.length < s1 - s0) cut = new Uint8Array(Math.max(s1 - s0, cut.length * 2));
            const a = Math.max(s0, pos), b = Math.min(s1, end);
            cut.set(c.subarray(a - pos, b - pos), a - s0);
            if (s1 > end) break; // the rest of it comes with the next chunk
            bytes = cut.subarray(0, s1 - s0);
          }
          e++;
          yield parseAt(bytes, i);
        }
        pos = end;
      }
      for await (const c of source.range!(lo, hi)) yield inChunk(c);
      if (pos !== hi || e !== wanted) throw new RleError('IO', `${source.name} changed between reads`);
      reader.finish();
      return;
    }
    let total = 0;
    for (let k = 0; k < wanted; k++) total += sizes[order[k]!]!;
    // The windows, each of whole images (never one image's annotations split), filled to an even
    // share of the bytes (a last window of a few images would cost a whole read of the span for
    // them), never past the cap: where each ends in `order`, and the largest one's bytes. A
    // stream's are as large as regroupBytes allows: each costs a scan of the whole stream.
    const { share, cap } = seekable ? windowShares(total, regroupBytes) : { share: Math.ceil(total / Math.max(1, Math.ceil(total / regroupBytes))), cap: regroupBytes };
    const ends: number[] = [];
    let largest = 0;
    for (let from = 0; from < wanted;) {
      let to = from, bytes = 0;
      while (to < wanted) {
        const p = at[order[to]!]!;
        let end = to, b = 0;
        if (regroup) while (end < wanted && at[order[end]!] === p) b += sizes[order[end++]!]!;
        else b = sizes[order[end++]!]!;
        if (to > from && (bytes >= share || bytes + b > cap)) break;
        bytes += b;
        to = end;
      }
      ends.push(to);
      if (bytes > largest) largest = bytes;
      from = to;
    }
    const parseWindow = function* (from: number, to: number, window: Uint8Array, slot: Float64Array): Generator<Annotation | undefined> {
      for (let k = from; k < to; k++) {
        const i = order[k]!, o = slot[i]!;
        yield parseAt(window.subarray(o, o + sizes[i]!), i);
      }
    };
    if (seekable) {
      // Copied by the offsets pass 1 found (windows.ts): no scan. One buffer for every window,
      // sized once for the largest, so no window faults in fresh pages but the first.
      const buffer = spare;
      spare = undefined;
      for await (const { from, to, bytes, slot } of gatherWindows(source, order, offsets, sizes, ends, buffer, scratch)) yield parseWindow(from, to, bytes, slot);
    } else {
      const slot = new Float64Array(count); // an annotation's place in its window's buffer
      // The windows' annotations go into one buffer, each at its place in image order, reused by
      // every window (a window is parsed before the next is read).
      const window = spare !== undefined && spare.length >= largest ? spare : new Uint8Array(largest);
      spare = undefined;
      for (let w = 0, from = 0; w < ends.length; from = ends[w++]!) {
        const to = ends[w]!;
        const lo = from === 0 ? -2 : at[order[from]!]!, hi = at[order[to - 1]!]!;
        for (let k = from, o = 0; k < to; k++) (slot[order[k]!] = o, (o += sizes[order[k]!]!));
        let got = 0;
        for await (const _ of pass2((i) => at[i]! >= lo && at[i]! <= hi && mine(i), true, (i, v, offset) => {
          const b = v as Uint8Array;
          if (b.length !== sizes[i] || offset !== offsets[i]) throw new RleError('IO', `${source.name} changed between reads`, { path: pathOf(i) });
          window.set(b, slot[i]!);
          got++;
        })) { /* collect */ }
        if (got !== to - from) throw new RleError('IO', `${source.name} changed between reads`);
        yield parseWindow(from, to, window, slot);
      }
    }
    reader.finish();
  }
  // Regrouped, or so in the file (SA-1B has one image): a Kaggle or PNG writer then holds one image at a time.
  return { images, categories: reader.categories, annotations: flat(runs()), inImageOrder: regroup || inImageOrder || fmt === 'sa1b' };
}

/**
 * A COCO file read as {@link readCocoStream} reads it (both passes, images and categories
 * checked), except that each annotation comes as its parsed JSON value (polygons as
 * Float64Arrays), with no mask built: the JSON read alone, for callers that want the values
 * and for timing it (`pnpm bench read`).
 * @example
 * ```ts
 * const json = '{"images":[{"id":1,"height":3,"width":4}],"annotations":[{"id":7,"image_id":1,"segmentation":[[0.5,0.5,3.5,0.5,3.5,2.5]]}]}';
 * const stream = await readCocoJson(bytesSource(encodeUtf8(json), 'instances.json'));
 * const ids: unknown[] = [];
 * for await (const a of stream.annotations) ids.push(a.id);
 * ids; // → [7]
 * ```
 */
export async function readCocoJson(source: ByteSource, groupByImage = false, scratch?: () => Promise<ScratchFile>): Promise<{ images: ImageInfo[]; categories: Category[]; annotations: AsyncIterable<Record<string, unknown>> }> {
  const s = await readCocoStream(source, 'auto', () => {}, groupByImage, REGROUP_BYTES, undefined, undefined, true, 'col', MAX_VALUE_BYTES, scratch);
  return { images: s.images, categories: s.categories, annotations: s.annotations as AsyncIterable<unknown> as AsyncIterable<Record<string, unknown>> };
}

/**
 * A shard's read from its plan (`--jobs`, see planCocoShards): no first pass, only its own
 * annotations' bytes taken from the file, parsed and checked exactly as readCocoStream parses
 * and checks them, with the same warnings and errors. The annotations go in windows of at most
 * `plan.window` bytes (in the order the shard yields them); each window's bytes are gathered in
 * one sequential read of the span of the file they lie in (all of it, for a file that scatters
 * an image's annotations, as regrouping reads it; just the window, for a file in image order).
 */
export function readCocoPlanned(source: ByteSource, plan: CocoShardPlan, warn: (w: RleWarning) => void = () => {}, maskOrder: Order = 'col', scratch?: () => Promise<ScratchFile>): MaskDatasetStream {
  if (source.range === undefined || source.size !== plan.size) throw new RleError('IO', `${source.name} changed between reads`);
  const reader = new Reader(plan.format, warn, undefined, false, maskOrder);
  for (const img of plan.images) (reader.images.push(img), reader.imageById.set(img.id, img));
  if (plan.cut !== undefined) markShardImages(reader.images, plan.cut);
  for (const c of plan.categories) (reader.categories.push(c), reader.categoryIds.add(c.id));
  reader.counts.missingCategories = plan.missingCategories;
  reader.nextId = plan.firstId;
  const images = reader.images;
  keepExtras(images, plan.extras, warn);
  const pathOf = (i: number): Path => (plan.format === 'results' ? [i] : ['annotations', i]);
  const { index, offset, length } = plan;
  async function* annotations(): AsyncGenerator<Annotation> {
    const n = index.length;
    // As one job's windows (readCoco), within plan.window; the buffer the plan's, whose pages a helper mapped in.
    let total = 0;
    for (let k = 0; k < n; k++) total += length[k]!;
    const { share, cap } = windowShares(total, plan.window);
    const ends: number[] = [];
    for (let from = 0; from < n;) {
      let to = from, bytes = 0;
      while (to < n && (to === from || (bytes < share && bytes + length[to]! <= cap))) (bytes += length[to]!, to++);
      ends.push(to);
      from = to;
    }
    const order = Uint32Array.from({ length: n }, (_, k) => k);
    for await (const { from, to, bytes, slot } of gatherWindows(source, order, offset, length, ends, plan.buffer !== undefined ? new Uint8Array(plan.buffer) : undefined, scratch)) {
      for (let k = from; k < to; k++) {
        const a = reader.annotation(parseAnnotation(bytes.subarray(slot[k]!, slot[k]! + length[k]!), offset[k]!), pathOf(index[k]!));
        if (a) yield a;
      }
    }
    reader.finish();
  }
  return { images, categories: reader.categories, annotations: annotations(), inImageOrder: plan.inImageOrder };
}

/**
 * The annotations of pass 2's runs (sync generators, see readCoco's `runs`), skipping the
 * undefined ones (no mask, or refused by a recover hook): one resolved promise per annotation.
 * Stopping early (`return`, a `for await` that breaks) closes the run and the runs.
 */
function flat<T>(runs: AsyncGenerator<Iterable<T | undefined>>): AsyncGenerator<T> {
  let run: Iterator<T | undefined> | undefined;
  let reading: Promise<unknown> | undefined; // the next run, being read for a call before this one
  const it = {
    [Symbol.asyncIterator]: () => it,
    async next(): Promise<IteratorResult<T>> {
      // Calls are answered in order, as an async generator answers them.
      while (reading !== undefined) await reading.catch(() => {});
      for (;;) {
        if (run !== undefined) {
          let r: IteratorResult<T | undefined>;
          try {
            r = run.next();
          } catch (e) {
            // An annotation's error ends the read, as it ended the async generator this replaces.
            await it.return();
            throw e;
          }
          if (r.done !== true) {
            if (r.value !== undefined) return r as IteratorResult<T>;
            continue;
          }
          run = undefined;
        }
        const next = runs.next();
        reading = next;
        let n: IteratorResult<Iterable<T | undefined>>;
        try {
          n = await next;
        } finally {
          reading = undefined;
        }
        if (n.done === true) return { value: undefined, done: true };
        run = n.value[Symbol.iterator]();
      }
    },
    async return(value?: unknown): Promise<IteratorResult<T>> {
      const r = run;
      run = undefined;
      r?.return?.();
      await runs.return(undefined);
      return { value: value as T, done: true };
    },
    async throw(e?: unknown): Promise<IteratorResult<T>> {
      await it.return();
      throw e;
    },
  };
  return it as unknown as AsyncGenerator<T>;
}

/** Parses every element of the `annotations` lists before the last (`lists` in all), so bad JSON there is an error. */
async function checkSupersededLists(source: ByteSource, lists: number): Promise<void> {
  let n = 0;
  const scanner = new JsonScanner({
    field: (key, kind) => (key === 'annotations' && ++n < lists && kind === 'array' ? 'elements' : 'skip'),
    raw: true,
    element: (_key, _i, v, offset) => void parseJsonBytes(v as Uint8Array, offset, 'COCO JSON'),
  }, 'COCO JSON');
  for await (const _ of feed(source, scanner)) { /* the handler checks */ }
}

/**
 * The annotations' indices in image order: a stable counting sort by image position `at`
 * (-1, an image the file lacks, sorts first, so its error comes early).
 */
function imageOrder(at: Int32Array, images: number): Uint32Array {
  const count = at.length;
  const starts = new Uint32Array(images + 2);
  for (let i = 0; i < count; i++) starts[at[i]! + 2]!++;
  for (let k = 1; k < starts.length; k++) starts[k]! += starts[k - 1]!;
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[starts[at[i]! + 1]!++] = i;
  return order;
}
