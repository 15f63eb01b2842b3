/** rlekit-json streamed in bounded memory (`readStream`), and the `--jobs` plans that let each worker read only its shard's bytes. */
import { RleError } from '../errors.js';
import type { Annotation, Category, Id, ImageInfo, MaskDatasetStream } from '../dataset.js';
import { toDatasetStream } from '../dataset.js';
import type { ByteSource } from '../source.js';
import { encodeUtf8, readsByRange, sourceChunks } from '../source.js';
import { closeQuietly, firstJsonByte, JsonScanner, parseJsonBytes, replayHeads } from '../json-scan.js';
import { markShardImages, planImages, shardRange, type Shard } from '../shard.js';
import { annotationFromBytes, annotationOf, asWholeRead, checkJsonOf, HEADER_KEYS, headerOf, readRlekitJson, references, trailingRunsOf, type Header } from './read.js';

const STEP = 1 << 20;
/**
 * Where annotations are handed on, the input is fed in pieces this small. After each 1 MiB
 * (~900 annotations at once, alive across young-generation GCs) V8 pretenured their allocation
 * sites in some runs and not others: 1.46 GB read in 15–18 s of CPU, 330 MB promoted and 24
 * full GCs, or in 11 s, 100 MB and 2. After each 64 KiB: 11.1–11.9 s in every run (2026-12-07).
 */
const HANDOVER = 64 << 10;

/**
 * rlekit-json streamed in bounded memory (`readStream`): the masks, their order, and the error
 * (code, path, byte offset) of the whole-text read ({@link parseRlekitJson}), one annotation at a
 * time. Where the file is laid out as the writer lays it out (format, version, images and
 * categories, then annotations), one pass: the header is checked when the annotations begin,
 * and each annotation is parsed, checked and handed on as the bytes arrive. An annotation that
 * fails its checks is not the error yet: the rest of the file is still read as JSON, because
 * the whole-text read meets bad JSON anywhere before it checks a single annotation. Where the
 * annotations come before what they are checked against (another writer's key order), two
 * passes, as COCO's reader does: the first checks the JSON and reads the header, the second
 * parses the last annotations list (a pipe, which cannot be read again, keeps the annotations'
 * bytes, up to maxBytes). A dataset key given again after the streamed annotations (JSON.parse
 * would let it replace what was streamed) is UNSUPPORTED at the end of the stream.
 */
export async function streamRlekitJson(source: ByteSource, maxBytes: number, recover?: (e: RleError) => void): Promise<MaskDatasetStream> {
  const it = sourceChunks(source)[Symbol.asyncIterator]();
  try {
    return await streamFrom(source, it, maxBytes, recover);
  } catch (e) {
    // A read that failed before its stream was handed on closes the source's (a file's handle).
    await closeQuietly(it);
    throw e;
  }
}

async function streamFrom(source: ByteSource, it: AsyncIterator<Uint8Array>, maxBytes: number, recover?: (e: RleError) => void): Promise<MaskDatasetStream> {
  // By range where it can (sourceChunks): the scanner copies what it keeps, a whole read copies every chunk.
  const ranged = readsByRange(source);
  // The first bytes decide: a root that is not an object (a list, a scalar, nothing) is read whole, as before.
  const heads: Uint8Array[] = [];
  const first = await firstJsonByte(it, heads);
  if (first !== undefined && first !== 0x7b) return toDatasetStream(await readRlekitJson(replayHeads(source.name, heads, it, ranged), maxBytes, recover));
  if (heads.length === 0 || heads.every((h) => h.length === 0)) return toDatasetStream(await readRlekitJson(replayHeads(source.name, heads, it, ranged), maxBytes, recover));

  const values = new Map<string, unknown>();
  const tooLarge = (): RleError => new RleError('LIMIT_EXCEEDED', `${source.name} is too large to read into memory`, { expected: `at most ${maxBytes} bytes of annotations before the images (a pipe is read once; give a file, or put images first)` });
  let lists = 0; // annotations keys so far
  // Set inside the scanner's callbacks (TypeScript cannot see that): no narrowing.
  let phase = 'header' as 'header' | 'stream' | 'collect' | 'drain';
  let header: Header | undefined;
  let streamed = 0; // which annotations list is streamed (1-based)
  let deferred: RleError | undefined; // the first failed check, said once the JSON is known good
  let after: string | undefined; // a dataset key given again after the streamed annotations
  let queue: Annotation[] = [];
  // A pipe in two passes: the last annotations list's bytes, with their offsets.
  const seekable = source.size !== undefined;
  let kept: [Uint8Array, number][] = [];
  let keptBytes = 0;
  // A dataset key given twice: the last wins, as in the whole-file read. A streamed list that
  // failed may then not be the one that counts (see the drain below).
  const given = new Set<string>();
  let repeated = false;
  // While draining, a later list is kept as `collect` keeps one; past maxBytes it is dropped, and
  // LIMIT_EXCEEDED said only if it turns out to be needed.
  let keptOver = false;
  const scanner = new JsonScanner({
    field(key, kind) {
      if (header !== undefined && HEADER_KEYS.includes(key)) after ??= key;
      if (HEADER_KEYS.includes(key)) (repeated ||= given.has(key), given.add(key));
      if (key !== 'annotations' || kind !== 'array') {
        if (key === 'annotations') lists++;
        return 'value';
      }
      lists++;
      values.set('annotations', []); // its elements are parsed one by one; the header checks only that it is a list
      kept = [];
      keptBytes = 0;
      keptOver = false;
      if (phase === 'header' && lists === 1 && ['format', 'version', 'images', 'categories'].every((k) => values.has(k))) {
        try {
          header = headerOf(Object.fromEntries(values)) as Header; // format is there: not a bare mask
          phase = 'stream';
          streamed = lists;
        } catch (e) {
          if (!(e instanceof RleError)) throw e;
          deferred = e;
          phase = 'drain';
        }
      } else if (phase === 'header') phase = 'collect';
      return 'elements';
    },
    value(key, v) {
      values.set(key, v);
    },
    raw: (key) => key === 'annotations',
    element(key, i, v, offset) {
      if (key !== 'annotations') return; // the root is an object
      const b = v as Uint8Array;
      if (phase === 'stream' && lists === streamed) {
        const cut = trailingRunsOf(b);
        // Bad JSON throws here: the first in the file, as JSON.parse of the whole text meets it.
        const parsed = cut === undefined ? parseJsonBytes(b, offset, 'rlekit-json') : cut.rest;
        try {
          queue.push(annotationOf(parsed, i, header!.refs, cut));
        } catch (e) {
          if (!(e instanceof RleError)) throw e;
          if (recover !== undefined) return recover(e); // `rlekit check`: reported, skipped, read on
          deferred = e;
          phase = 'drain';
        }
        return;
      }
      checkJsonOf(b, offset);
      // A pipe's list is kept for the second pass: in `collect`, and while draining a list after the streamed one.
      if (!seekable && !keptOver && (phase === 'collect' || (phase === 'drain' && lists !== streamed))) {
        keptBytes += b.length;
        if (keptBytes > maxBytes) {
          if (phase === 'collect') throw tooLarge();
          (keptOver = true, (kept = []));
          return;
        }
        kept.push([b.slice(), offset]);
      }
    },
    // No value larger than the whole-file read would take: bad JSON that never closes one is not gathered past it.
    maxPiece: maxBytes,
  }, 'rlekit-json');

  let chunk: Uint8Array | undefined, at = 0;
  let pending: AsyncIterator<Uint8Array> | undefined = it;
  /** Feeds the scanner at most 64 KiB (HANDOVER); false once the source has ended (and the scanner with it). */
  const step = async (): Promise<boolean> => {
    while (chunk === undefined || at >= chunk.length) {
      const next = heads.shift();
      if (next !== undefined) (chunk = next, at = 0);
      else {
        const r = await pending!.next();
        if (r.done) {
          pending = undefined;
          try {
            scanner.end();
          } catch (e) {
            // A value that never closed: its first fault, if it has one before the end.
            const open = scanner.openPiece();
            if (open !== undefined) parseJsonBytes(open.bytes, open.offset, 'rlekit-json');
            throw asWholeRead(e);
          }
          return false;
        }
        (chunk = r.value, at = 0);
      }
    }
    const piece = at === 0 && chunk.length <= HANDOVER ? chunk : chunk.subarray(at, at + HANDOVER);
    at += piece.length;
    try {
      scanner.write(piece);
    } catch (e) {
      throw asWholeRead(e);
    }
    return true;
  };

  // Up to the annotations, or to the end when the layout needs a second pass.
  while (phase !== 'stream') if (!(await step())) break;
  // The failed check stands unless a dataset key came again: then the last of each counts, as
  // the whole-file read has it, and the file is read as `collect` reads it (its JSON is checked).
  // A pipe whose last list is the streamed one cannot read it again: its failure stands.
  if (phase === 'drain' && (!repeated || (!seekable && lists === streamed))) throw deferred!;
  if (phase === 'drain' && keptOver) throw tooLarge();
  if (phase === 'stream') {
    const h = header!;
    return {
      images: h.images,
      categories: h.categories,
      annotations: (async function* () {
        try {
          for (;;) {
            const q = queue;
            queue = [];
            yield* q;
            if (!(await step())) break;
          }
        } finally {
          // Stopped early or failed: the source's read is closed (a file's handle), not left to GC.
          if (pending !== undefined) await closeQuietly(pending);
        }
        yield* queue;
        if (after !== undefined) {
          throw new RleError('UNSUPPORTED', `"${after}" is given again after the annotations: a streamed read has handed on annotations checked against the first (the whole-file read lets the last win)`, { path: [after], expected: 'each of format, version, images, categories and annotations once, annotations last (as rlekit writes it)' });
        }
        if (deferred !== undefined) throw deferred;
      })(),
    };
  }
  // The whole file was read once, its JSON checked: the header as the whole-text read checks it.
  const h = headerOf(Object.fromEntries(values));
  if ('dataset' in h) return toDatasetStream(h.dataset);
  const last = lists;
  // With a recover hook a bad annotation is reported and skipped, as the whole-text read does.
  const take = (out: Annotation[], b: Uint8Array, i: number, offset: number): void => {
    if (recover === undefined) return void out.push(annotationFromBytes(b, i, offset, h.refs));
    try {
      out.push(annotationFromBytes(b, i, offset, h.refs));
    } catch (e) {
      if (!(e instanceof RleError)) throw e;
      recover(e);
    }
  };
  const secondPass = async function* (): AsyncGenerator<Annotation> {
    if (!seekable) {
      const list = kept;
      kept = [];
      const out: Annotation[] = [];
      for (const [i, [b, offset]] of list.entries()) {
        take(out, b, i, offset);
        yield* out.splice(0);
      }
      return;
    }
    let n = 0, out: Annotation[] = [];
    const again = new JsonScanner({
      field: (key, kind) => (key === 'annotations' && ++n === last && kind === 'array' ? 'elements' : 'skip'),
      raw: true,
      element: (_key, i, v, offset) => take(out, v as Uint8Array, i, offset),
    }, 'rlekit-json');
    for await (const c of source.stream()) {
      for (let i = 0; i < c.length; i += HANDOVER) {
        again.write(c.length <= HANDOVER ? c : c.subarray(i, i + HANDOVER));
        const q = out;
        out = [];
        yield* q;
      }
    }
    again.end();
    yield* out;
    if (n !== last) throw new RleError('IO', `${source.name} changed between reads`);
  };
  return { images: h.images, categories: h.categories, annotations: secondPass() };
}

/**
 * What a `--jobs` worker reads instead of the whole file (planShards): the header the planning
 * pass read and checked, and where the shard's annotations lie — consecutive elements of the
 * annotations list, as a file in image order has them.
 */
export interface RlekitJsonShardPlan {
  size: number;
  /** The file's images, or only the shard's where `cut` says so. */
  images: ImageInfo[];
  /** The shard whose images `images` are (markShardImages): a later shard's plan carries no other images, as it crosses to a worker. */
  cut?: Shard;
  categories: Category[];
  /** The bytes from the shard's first annotation to the end of its last (empty: none). */
  start: number;
  end: number;
  /** The first one's index in the list, and how many. */
  first: number;
  count: number;
}

/**
 * One scan of the file for every shard (`--jobs`), cheap as it parses no annotation: each
 * annotation's imageId is read from its bytes while the scanner cuts it. A plan only where the
 * shards' annotations are consecutive and the workers' reads give what one read gives: the
 * writer's layout (header first, each key once), the header good, every annotation's image in
 * the list and the annotations in image order. Otherwise undefined, and each worker reads the
 * file itself (and meets its faults as one run does).
 */
export async function planRlekitJson(source: ByteSource, shards: readonly Shard[], maxBytes: number): Promise<RlekitJsonShardPlan[] | undefined> {
  if (source.size === undefined || source.range === undefined) return undefined;
  const values = new Map<string, unknown>();
  const seen = new Set<string>();
  let header: Header | undefined;
  let position = new Map<Id, number>();
  let ok = true, last = -1;
  // Per annotation: its image's position, offset and end (what the shards' ranges are cut from).
  let at: number[] = [], from: number[] = [], to: number[] = [];
  const scanner = new JsonScanner({
    field(key, kind) {
      if (seen.has(key) && HEADER_KEYS.includes(key)) ok = false;
      seen.add(key);
      // Parsed, after the annotations too: bad JSON there is no plan (one run fails on it).
      if (key !== 'annotations') return ok ? 'value' : 'skip';
      if (kind !== 'array' || !['format', 'version', 'images', 'categories'].every((k) => values.has(k))) {
        ok = false;
        return 'skip';
      }
      try {
        header = headerOf(Object.fromEntries([...values, ['annotations', []]])) as Header;
      } catch {
        ok = false;
        return 'skip';
      }
      position = new Map(header.images.map((im, k) => [im.id, k]));
      return 'elements';
    },
    value(key, v) {
      if (header === undefined) values.set(key, v);
    },
    want: () => ok,
    raw: true,
    fields: ['imageId'],
    element(key, _i, _v, offset, length, found) {
      if (key !== 'annotations') return;
      const p = found === undefined ? undefined : position.get(found[0] as Id);
      if (p === undefined || p < last) return void (ok = false);
      last = p;
      (at.push(p), from.push(offset), to.push(offset + length));
    },
    // As the streamed read: bad JSON that never closes a value is not gathered past maxBytes (no plan then).
    maxPiece: maxBytes,
  }, 'rlekit-json');
  try {
    for await (const c of source.stream()) {
      for (let i = 0; i < c.length && ok; i += STEP) scanner.write(c.length <= STEP ? c : c.subarray(i, i + STEP));
      if (!ok) return undefined;
    }
    scanner.end();
  } catch {
    return undefined; // bad JSON: each worker meets it as one run does
  }
  if (!ok || header === undefined) return undefined;
  const h = header;
  const n = at.length;
  const plans = shards.map((shard, j): RlekitJsonShardPlan => {
    const [lo, hi] = shardRange(shard, h.images.length);
    let first = 0;
    while (first < n && at[first]! < lo) first++;
    let end = first;
    while (end < n && at[end]! < hi) end++;
    const count = end - first;
    return { size: source.size!, ...planImages(h.images, shard, j === 0), categories: h.categories, first, count, start: count > 0 ? from[first]! : 0, end: count > 0 ? to[end - 1]! : 0 };
  });
  (at = [], from = [], to = []);
  return plans;
}

/**
 * A shard's annotations from its plan: the bytes of its range only, cut into elements, each parsed
 * and checked as the streamed read parses and checks it (a failed check waits until the range's
 * JSON is read, as there). The categories are the whole file's, as a full read has them; the images
 * too, or the shard's own where the plan was cut (shardDataset then takes them as they are).
 */
export function readRlekitJsonPlanned(source: ByteSource, plan: RlekitJsonShardPlan): MaskDatasetStream {
  if (source.range === undefined || source.size !== plan.size) throw new RleError('IO', `${source.name} changed between reads`);
  const refs = references(plan.images, plan.categories);
  if (plan.cut !== undefined) markShardImages(plan.images, plan.cut);
  async function* annotations(): AsyncGenerator<Annotation> {
    if (plan.count === 0) return;
    let queue: Annotation[] = [];
    let deferred: RleError | undefined, n = 0;
    const scanner = new JsonScanner({
      raw: true,
      element(_key, i, v, offset) {
        n++;
        const b = v as Uint8Array;
        // Offsets in the file: the range's bytes come after one '[' of our own.
        const where = plan.start + offset - 1;
        if (deferred !== undefined) return void checkJsonOf(b, where);
        const cut = trailingRunsOf(b);
        const parsed = cut === undefined ? parseJsonBytes(b, where, 'rlekit-json') : cut.rest;
        try {
          queue.push(annotationOf(parsed, plan.first + i, refs, cut));
        } catch (e) {
          if (!(e instanceof RleError)) throw e;
          deferred = e;
        }
      },
    }, 'rlekit-json');
    scanner.write(encodeUtf8('['));
    let got = 0;
    for await (const read of source.range!(plan.start, plan.end)) {
      // A range's chunk may be overwritten by the next, and the scanner keeps views of an element cut across chunks.
      const c = read.slice();
      got += c.length;
      for (let i = 0; i < c.length; i += HANDOVER) {
        scanner.write(c.length <= HANDOVER ? c : c.subarray(i, i + HANDOVER));
        const q = queue;
        queue = [];
        yield* q;
      }
    }
    scanner.write(encodeUtf8(']'));
    scanner.end();
    yield* queue;
    if (got !== plan.end - plan.start || n !== plan.count) throw new RleError('IO', `${source.name} changed between reads`);
    if (deferred !== undefined) {
      // One read goes on reading the JSON after a failed check, and the plan parsed no annotation:
      // bad JSON in a later shard's annotation is the error (read here, on this rare path only).
      const after = plan.first + plan.count;
      const rest = new JsonScanner({
        field: (key, kind) => (key === 'annotations' && kind === 'array' ? 'elements' : 'skip'),
        raw: true,
        want: (_key, i) => i >= after,
        element: (_key, _i, v, offset) => checkJsonOf(v as Uint8Array, offset),
      }, 'rlekit-json');
      for await (const c of source.stream()) for (let i = 0; i < c.length; i += STEP) rest.write(c.length <= STEP ? c : c.subarray(i, i + STEP));
      rest.end();
      throw deferred;
    }
  }
  return { images: plan.images, categories: plan.categories, annotations: annotations(), inImageOrder: true };
}

/**
 * {@link annotationLine} written as bytes into `out` (a property test holds them equal): no
 * object, JSON text or string of the runs per annotation.
 */
