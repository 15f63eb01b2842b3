/**
 * rlekit-json: core's own neutral, readable run format, and the first dialect of the matrix.
 *
 * ```json
 * { "format": "rlekit-json", "version": 1,
 *   "images": [{ "id": 1, "height": 3, "width": 4 }],
 *   "categories": [{ "id": 1, "name": "cell" }],
 *   "annotations": [{ "id": 7, "imageId": 1, "categoryId": 1,
 *                     "height": 3, "width": 4, "order": "row", "runs": [5, 2, 5] }] }
 * ```
 * A bare mask `{ "height", "width", "order", "runs" }` is read as a dataset of one image.
 */
import { describeValue, RleError, type RleWarning } from './errors.js';
import { Mask } from './mask.js';
import { checkSize } from './runs.js';
import { copyU32 } from './slab.js';
import type { Order } from './runs.js';
import type { Annotation, Category, Id, ImageInfo, MaskDataset, MaskDatasetStream } from './dataset.js';
import { collectDataset, toDatasetStream } from './dataset.js';
import type { Dialect, DialectContext, MergeContext, OptionsSchema, SniffResult } from './dialect.js';
import { jsonOutline, outlineMember } from './sniff.js';
import { joinElements, jsonArrayParts } from './merge.js';
import type { ByteSource } from './source.js';
import { bytesSource, decodeUtf8, encodeUtf8, isFolderSource, JSON_HEAD, parseJson, readAllBytes, stringifyJson, type DialectInput } from './source.js';
import { firstJsonByte, isWs, JsonScanner, parseJsonBytes, replayHeads } from './json-scan.js';
import { TextOut, writeUint } from './text-out.js';
import { shardRange, type Shard } from './shard.js';

export interface JsonReadOptions {
  /** Largest file read into memory, in bytes. */
  maxBytes: number;
}

export interface JsonWriteOptions {
  /** Order of the runs written. */
  order: Order;
  /** Spaces of indentation; 0 writes one line per annotation. */
  indent: number;
}

type Path = (string | number)[];

function fail(path: Path, expected: string, received: unknown): never {
  throw new RleError('INVALID_STRUCTURE', 'Invalid rlekit-json', { path, expected, received: short(received) });
}

const short = describeValue;

function obj(v: unknown, path: Path): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
  return v as Record<string, unknown>;
}

function id(v: unknown, path: Path): Id {
  if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return v;
  return fail(path, 'a number or string id', v);
}

function int(v: unknown, path: Path): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  return fail(path, 'a non-negative integer', v);
}

function optionalRecord(v: unknown, path: Path): Record<string, unknown> | undefined {
  return v === undefined ? undefined : obj(v, path);
}

/** `cut`: the runs already read from the bytes (see trailingRuns), in place of `a.runs`. */
function parseMask(a: Record<string, unknown>, path: Path, cut?: TrailingRuns): Mask {
  const height = int(a.height, [...path, 'height']);
  const width = int(a.width, [...path, 'width']);
  const order = a.order;
  if (order !== 'row' && order !== 'col') fail([...path, 'order'], '"row" or "col"', order);
  if (cut === undefined && !Array.isArray(a.runs)) fail([...path, 'runs'], 'an array of run lengths', a.runs);
  try {
    // Runs that are canonical and sum right are what fromRuns would keep: copied into the shared slab.
    if (cut !== undefined && cut.canonical && cut.sum === checkSize({ height, width }) && cut.sum > 0) return Mask.fromCanonicalRuns(copyU32(cut.runs, cut.runs.length), { height, width }, order);
    return Mask.fromRuns(cut?.runs ?? (a.runs as number[]), { height, width }, order);
  } catch (e) {
    throw e instanceof RleError ? e.at(...path, 'runs') : e;
  }
}

/** Parses rlekit-json text into a dataset. */
export function parseRlekitJson(text: string, recover?: (e: RleError) => void): MaskDataset {
  const root = parseJson(text, 'rlekit-json');
  const r = obj(root, []);
  const h = headerOf(r);
  if ('dataset' in h) return h.dataset;
  const { images, categories, refs } = h;
  const annotations: Annotation[] = [];
  // With a recover hook (`rlekit check`) a bad annotation is reported and skipped, not fatal.
  (r.annotations as unknown[]).forEach((v, i) => {
    if (!recover) return void annotations.push(annotationOf(v, i, refs));
    try {
      annotations.push(annotationOf(v, i, refs));
    } catch (e) {
      if (!(e instanceof RleError)) throw e;
      recover(e);
    }
  });
  return { images, categories, annotations };
}

interface Header { images: ImageInfo[]; categories: Category[]; refs: References }

/**
 * What the root object says besides its annotations, checked in the order the whole-text read
 * checks it (a bare mask is a dataset of one image): shared by that read and the streamed one.
 */
function headerOf(r: Record<string, unknown>): Header | { dataset: MaskDataset } {
  if (r.format === undefined && 'runs' in r) {
    const mask = parseMask(r, []);
    return { dataset: { images: [{ id: 0, height: mask.height, width: mask.width }], categories: [], annotations: [{ id: 0, imageId: 0, mask }] } };
  }
  checkHeader(r.format, r.version);
  for (const k of ['images', 'categories', 'annotations']) if (!Array.isArray(r[k])) fail([k], 'an array', r[k]);
  const images = (r.images as unknown[]).map(imageOf);
  const categories = (r.categories as unknown[]).map(categoryOf);
  return { images, categories, refs: references(images, categories) };
}

function checkHeader(format: unknown, version: unknown): void {
  if (format !== 'rlekit-json') fail(['format'], '"rlekit-json"', format);
  if (version !== 1) fail(['version'], '1', version);
}

function imageOf(v: unknown, i: number): ImageInfo {
  const o = obj(v, ['images', i]);
  const img: ImageInfo = { id: id(o.id, ['images', i, 'id']), height: int(o.height, ['images', i, 'height']), width: int(o.width, ['images', i, 'width']) };
  if (o.fileName !== undefined) img.fileName = typeof o.fileName === 'string' ? o.fileName : fail(['images', i, 'fileName'], 'a string', o.fileName);
  const attributes = optionalRecord(o.attributes, ['images', i, 'attributes']);
  if (attributes) img.attributes = attributes;
  return img;
}

function categoryOf(v: unknown, i: number): Category {
  const o = obj(v, ['categories', i]);
  const c: Category = { id: id(o.id, ['categories', i, 'id']), name: typeof o.name === 'string' ? o.name : fail(['categories', i, 'name'], 'a string', o.name) };
  if (o.supercategory !== undefined) c.supercategory = typeof o.supercategory === 'string' ? o.supercategory : fail(['categories', i, 'supercategory'], 'a string', o.supercategory);
  if (o.color !== undefined) {
    const col = o.color;
    if (!Array.isArray(col) || col.length !== 3 || !col.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) fail(['categories', i, 'color'], '[r, g, b] of 0..255', col);
    c.color = col as unknown as [number, number, number];
  }
  const attributes = optionalRecord(o.attributes, ['categories', i, 'attributes']);
  if (attributes) c.attributes = attributes;
  return c;
}

interface References { imageById: Map<Id, ImageInfo>; categoryIds: Set<Id> }

function references(images: ImageInfo[], categories: Category[]): References {
  return { imageById: new Map(images.map((im) => [im.id, im])), categoryIds: new Set(categories.map((c) => c.id)) };
}

function annotationOf(v: unknown, i: number, { imageById, categoryIds }: References, cut?: TrailingRuns): Annotation {
  const path = ['annotations', i];
  const o = obj(v, path);
  const imageId = id(o.imageId, [...path, 'imageId']);
  const image = imageById.get(imageId);
  if (!image) throw new RleError('DANGLING_REFERENCE', `Annotation refers to image ${short(imageId)}, which is not in images`, { path: [...path, 'imageId'] });
  const mask = parseMask(o, path, cut);
  if (mask.height !== image.height || mask.width !== image.width) {
    throw new RleError('SIZE_MISMATCH', 'Mask size differs from its image', { path, expected: `${image.height}x${image.width}`, received: `${mask.height}x${mask.width}` });
  }
  const a: Annotation = { id: id(o.id, [...path, 'id']), imageId, mask };
  if (o.categoryId !== undefined) {
    a.categoryId = id(o.categoryId, [...path, 'categoryId']);
    if (!categoryIds.has(a.categoryId)) throw new RleError('DANGLING_REFERENCE', `Annotation refers to category ${short(a.categoryId)}, which is not in categories`, { path: [...path, 'categoryId'] });
  }
  if (o.iscrowd !== undefined) a.iscrowd = typeof o.iscrowd === 'boolean' ? o.iscrowd : fail([...path, 'iscrowd'], 'true or false', o.iscrowd);
  if (o.score !== undefined) a.score = typeof o.score === 'number' ? o.score : fail([...path, 'score'], 'a number', o.score);
  const attributes = optionalRecord(o.attributes, [...path, 'attributes']);
  if (attributes) a.attributes = attributes;
  return a;
}

/**
 * rlekit-json as the writer lays it out (format and version, images and categories, then
 * annotations) parsed piece by piece as the source streams in: each annotation is parsed on
 * its own and made a mask at once, so neither the file's text nor its whole JSON tree is ever
 * held (the whole-text parse ran at about 20 MB/s, mostly in the collector). Anything else —
 * another key order, a key given twice, a bare mask, a file larger than maxBytes, any error —
 * answers undefined, and the caller reads the file whole with {@link parseRlekitJson}, so
 * results and errors are exactly that function's.
 */
async function readRlekitJsonPieces(source: ByteSource, maxBytes: number): Promise<MaskDataset | undefined> {
  let format: unknown, version: unknown;
  const seen = new Set<string>();
  const lists: { images?: unknown[]; categories?: unknown[] } = {};
  let refs: References | undefined;
  let images: ImageInfo[] = [], categories: Category[] = [];
  const annotations: Annotation[] = [];
  let exact = true; // whether the pieces give what parseRlekitJson would
  const scanner = new JsonScanner({
    field(key, kind) {
      const known = HEADER_KEYS.includes(key);
      if (known && seen.has(key)) exact = false; // the last of a duplicated key wins: read whole
      seen.add(key);
      if (!exact) return 'skip';
      if ((key === 'images' || key === 'categories') && kind === 'array') {
        lists[key] = [];
        return 'elements';
      }
      if (key === 'annotations') {
        // Everything the annotations are checked against has come before them, as the writer puts it.
        if (kind !== 'array' || !seen.has('format') || !seen.has('version') || lists.images === undefined || lists.categories === undefined) {
          exact = false;
          return 'skip';
        }
        checkHeader(format, version);
        images = lists.images.map(imageOf);
        categories = lists.categories.map(categoryOf);
        refs = references(images, categories);
        return 'elements';
      }
      if (key === 'images' || key === 'categories') exact = false;
      // Other keys are parsed too (and dropped), so bad JSON anywhere is found as the whole-text parse finds it.
      return 'value';
    },
    value(key, v) {
      if (key === 'format') format = v;
      else if (key === 'version') version = v;
    },
    // Annotations come as bytes: the runs that end each (as the writer puts them) are read straight from them.
    raw: (key) => key === 'annotations',
    element(key, i, v, offset) {
      if (key === 'annotations') {
        const b = v as Uint8Array;
        const cut = trailingRuns(b);
        annotations.push(cut === undefined ? annotationOf(parseJsonBytes(b, offset, 'rlekit-json'), i, refs!) : annotationOf(cut.rest, i, refs!, cut));
      } else if (key === 'images' || key === 'categories') lists[key]!.push(v);
      else exact = false; // a root array
    },
  }, 'rlekit-json');
  let bytes = 0;
  for await (const chunk of source.stream()) {
    bytes += chunk.length;
    if (bytes > maxBytes) return undefined;
    for (let i = 0; i < chunk.length && exact; i += 1 << 20) scanner.write(chunk.length <= 1 << 20 ? chunk : chunk.subarray(i, i + (1 << 20)));
    if (!exact) return undefined;
  }
  scanner.end();
  return exact && refs !== undefined && scanner.rootKind === 'object' ? { images, categories, annotations } : undefined;
}

const HEADER_KEYS = ['format', 'version', 'images', 'categories', 'annotations'];

let runScratch = new Uint32Array(1024);

/** Runs read from an annotation's bytes: their sum, and whether they are canonical (no inner zero, not the lone 0). */
interface TrailingRuns { rest: unknown; runs: Uint32Array; sum: number; canonical: boolean }

/**
 * An annotation's bytes that end as the writer ends them, `"runs":[5,2,5]}` (any JSON
 * whitespace), read without JSON.parse going through thousands of numbers: the runs (plain
 * integers below 2^32, as JSON.parse reads them) straight into a Uint32Array (a view of a
 * scratch buffer, copied by Mask.fromRuns), and the rest parsed with an empty list in their
 * place (a later "runs" wins over an earlier one in JSON.parse too). Undefined for anything else
 * (another number form, another layout, bad JSON), which is parsed whole.
 */
function trailingRuns(b: Uint8Array): TrailingRuns | undefined {
  let e = b.length - 1;
  while (e >= 0 && isWs(b[e]!)) e--;
  if (e < 0 || b[e] !== 0x7d) return undefined;
  e--;
  while (e >= 0 && isWs(b[e]!)) e--;
  if (e < 0 || b[e] !== 0x5d) return undefined;
  const close = e;
  // The last [ (the numbers are checked below, so nothing else may sit between it and the ]).
  const open = b.lastIndexOf(0x5b, close);
  if (open < 0) return undefined;
  let k = open - 1;
  while (k >= 0 && isWs(b[k]!)) k--;
  if (k < 0 || b[k] !== 0x3a) return undefined;
  k--;
  while (k >= 0 && isWs(b[k]!)) k--;
  // "runs", then the comma or brace before the key.
  if (k < 5 || b[k] !== 0x22 || b[k - 1] !== 0x73 || b[k - 2] !== 0x6e || b[k - 3] !== 0x75 || b[k - 4] !== 0x72 || b[k - 5] !== 0x22) return undefined;
  k -= 6;
  while (k >= 0 && isWs(b[k]!)) k--;
  if (k < 0 || (b[k] !== 0x2c && b[k] !== 0x7b)) return undefined;
  // The numbers: [ws] digits [ws] (, [ws] digits [ws])*, no leading zeros, each below 2^32.
  const most = ((close - open) >>> 1) + 1;
  if (runScratch.length < most) runScratch = new Uint32Array(Math.max(most, runScratch.length * 2));
  const runs = runScratch;
  let n = 0, i = open + 1, sum = 0, zero = false;
  while (i < close && isWs(b[i]!)) i++;
  if (i < close) {
    for (;;) {
      const start = i;
      let v = 0;
      while (i < close) {
        const d = b[i]! - 0x30;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        i++;
      }
      const digits = i - start;
      if (digits === 0 || digits > 10 || (digits > 1 && b[start] === 0x30) || v > 0xffffffff) return undefined;
      if (v === 0 && n > 0) zero = true;
      sum += v;
      runs[n++] = v;
      while (i < close && isWs(b[i]!)) i++;
      if (i === close) break;
      if (b[i] !== 0x2c) return undefined;
      i++;
      while (i < close && isWs(b[i]!)) i++;
      if (i === close) return undefined; // a trailing comma
    }
  }
  // The rest: the bytes with [] where the numbers were.
  const rest = new Uint8Array(open + 2 + (b.length - close - 1));
  rest.set(b.subarray(0, open + 1));
  rest[open + 1] = 0x5d;
  rest.set(b.subarray(close + 1), open + 2);
  // Bad JSON there throws, and the caller reads the file whole.
  return { rest: parseJsonBytes(rest, 0, 'rlekit-json'), runs: runs.subarray(0, n), sum, canonical: !zero && n > 0 && !(n === 1 && runs[0] === 0) };
}

/**
 * An rlekit-json file read: piece by piece ({@link readRlekitJsonPieces}) where that gives
 * exactly the whole-text parse's result, else (and for every error, with a recover hook, whose
 * reports follow the whole-text order, and for a source of unknown size) the whole text through
 * {@link parseRlekitJson}.
 */
async function readRlekitJson(input: Uint8Array | ByteSource, maxBytes: number, recover?: (e: RleError) => void): Promise<MaskDataset> {
  // Only where a second read is cheap and sure: bytes, or a source of known size (a file). A pipe
  // (no size) may not be read again once read past what it retains, so it is read whole at once.
  if (recover === undefined && (input instanceof Uint8Array || input.size !== undefined)) {
    const source = input instanceof Uint8Array ? bytesSource(input) : input;
    // Whatever goes wrong is left to the whole-text read, which reports it as it always has.
    const d = await readRlekitJsonPieces(source, maxBytes).catch(() => undefined);
    if (d !== undefined) return d;
  }
  return parseRlekitJson(decodeUtf8(await readAllBytes(input, maxBytes, { head: JSON_HEAD })), recover);
}

/** trailingRuns, or undefined where it cannot answer or the rest is bad JSON (whose error the caller gets, at the right offset, from parsing the whole element). */
function trailingRunsOf(b: Uint8Array): TrailingRuns | undefined {
  try {
    return trailingRuns(b);
  } catch (e) {
    if (e instanceof RleError) return undefined;
    throw e;
  }
}

/** An annotation's bytes parsed and checked (the writer's trailing runs read straight from them). */
function annotationFromBytes(b: Uint8Array, i: number, offset: number, refs: References): Annotation {
  const cut = trailingRunsOf(b);
  return cut === undefined ? annotationOf(parseJsonBytes(b, offset, 'rlekit-json'), i, refs) : annotationOf(cut.rest, i, refs, cut);
}

/** An annotation's bytes checked as JSON only (bad JSON throws at its byte offset), not as an annotation. */
function checkJsonOf(b: Uint8Array, offset: number): void {
  if (trailingRunsOf(b) === undefined) parseJsonBytes(b, offset, 'rlekit-json');
}

/** The scanner's "ends early" as the whole-text read says it (JSON.parse: not valid JSON, at the end). */
function asWholeRead(e: unknown): unknown {
  if (e instanceof RleError && e.code === 'TRUNCATED') return new RleError('INVALID_STRUCTURE', 'Not valid JSON: rlekit-json ends before the document is complete', { ...(e.offset === undefined ? {} : { offset: e.offset }), expected: 'rlekit-json' });
  return e;
}

const STEP = 1 << 20;

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
async function streamRlekitJson(source: ByteSource, maxBytes: number, recover?: (e: RleError) => void): Promise<MaskDatasetStream> {
  const it = source.stream()[Symbol.asyncIterator]();
  // The first bytes decide: a root that is not an object (a list, a scalar, nothing) is read whole, as before.
  const heads: Uint8Array[] = [];
  const first = await firstJsonByte(it, heads);
  if (first !== undefined && first !== 0x7b) return toDatasetStream(await readRlekitJson(replayHeads(source.name, heads, it), maxBytes, recover));
  if (heads.length === 0 || heads.every((h) => h.length === 0)) return toDatasetStream(await readRlekitJson(replayHeads(source.name, heads, it), maxBytes, recover));

  const values = new Map<string, unknown>();
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
  const scanner = new JsonScanner({
    field(key, kind) {
      if (header !== undefined && HEADER_KEYS.includes(key)) after ??= key;
      if (key !== 'annotations' || kind !== 'array') {
        if (key === 'annotations') lists++;
        return 'value';
      }
      lists++;
      values.set('annotations', []); // its elements are parsed one by one; the header checks only that it is a list
      kept = [];
      keptBytes = 0;
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
      if (phase === 'collect' && !seekable) {
        keptBytes += b.length;
        if (keptBytes > maxBytes) throw new RleError('LIMIT_EXCEEDED', `${source.name} is too large to read into memory`, { expected: `at most ${maxBytes} bytes of annotations before the images (a pipe is read once; give a file, or put images first)` });
        kept.push([b.slice(), offset]);
      }
    },
    // No value larger than the whole-file read would take: bad JSON that never closes one is not gathered past it.
    maxPiece: maxBytes,
  }, 'rlekit-json');

  let chunk: Uint8Array | undefined, at = 0;
  let pending: AsyncIterator<Uint8Array> | undefined = it;
  /** Feeds the scanner at most 1 MiB; false once the source has ended (and the scanner with it). */
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
    const piece = at === 0 && chunk.length <= STEP ? chunk : chunk.subarray(at, at + STEP);
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
  if (phase === 'drain') throw deferred!;
  if (phase === 'stream') {
    const h = header!;
    return {
      images: h.images,
      categories: h.categories,
      annotations: (async function* () {
        for (;;) {
          const q = queue;
          queue = [];
          yield* q;
          if (!(await step())) break;
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
      for (let i = 0; i < c.length; i += STEP) {
        again.write(c.length <= STEP ? c : c.subarray(i, i + STEP));
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
  images: ImageInfo[];
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
async function planRlekitJson(source: ByteSource, shards: readonly Shard[], maxBytes: number): Promise<RlekitJsonShardPlan[] | undefined> {
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
  const plans = shards.map((shard): RlekitJsonShardPlan => {
    const [lo, hi] = shardRange(shard, h.images.length);
    let first = 0;
    while (first < n && at[first]! < lo) first++;
    let end = first;
    while (end < n && at[end]! < hi) end++;
    const count = end - first;
    return { size: source.size!, images: h.images, categories: h.categories, first, count, start: count > 0 ? from[first]! : 0, end: count > 0 ? to[end - 1]! : 0 };
  });
  (at = [], from = [], to = []);
  return plans;
}

/**
 * A shard's annotations from its plan: the bytes of its range only, cut into elements, each parsed
 * and checked as the streamed read parses and checks it (a failed check waits until the range's
 * JSON is read, as there). The images and categories are the whole file's, as a full read has them.
 */
function readRlekitJsonPlanned(source: ByteSource, plan: RlekitJsonShardPlan): MaskDatasetStream {
  if (source.range === undefined || source.size !== plan.size) throw new RleError('IO', `${source.name} changed between reads`);
  const refs = references(plan.images, plan.categories);
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
      for (let i = 0; i < c.length; i += STEP) {
        scanner.write(c.length <= STEP ? c : c.subarray(i, i + STEP));
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
export function writeAnnotationLine(out: TextOut, a: Annotation, order: Order, path: (string | number)[]): void {
  let first = true;
  // JSON.stringify leaves out a key whose value it does not write (undefined).
  const field = (k: string, v: unknown): void => {
    const at = out.length;
    out.ascii(first ? '{"' : ',"');
    out.ascii(k);
    out.ascii('":');
    if (out.json(v, path)) first = false;
    else out.length = at;
  };
  field('id', a.id);
  field('imageId', a.imageId);
  if (a.categoryId !== undefined) field('categoryId', a.categoryId);
  if (a.iscrowd !== undefined) field('iscrowd', a.iscrowd);
  if (a.score !== undefined) field('score', a.score);
  if (a.attributes !== undefined) field('attributes', a.attributes);
  out.ascii(first ? '{"height":' : ',"height":');
  out.uint(a.mask.height);
  out.ascii(',"width":');
  out.uint(a.mask.width);
  out.ascii(order === 'row' ? ',"order":"row","runs":[' : ',"order":"col","runs":[');
  const runs = a.mask.runsView(order);
  const n = runs.length;
  // At most 10 digits and a comma per run.
  const buf = out.reserve(n * 11 + 2);
  let o = out.length;
  if (n > 0) o = writeUint(buf, o, runs[0]!);
  for (let i = 1; i < n; i++) {
    buf[o++] = 0x2c;
    o = writeUint(buf, o, runs[i]!);
  }
  buf[o++] = 0x5d;
  buf[o++] = 0x7d;
  out.length = o;
}

/** One annotation's line: fixed key order, runs written from the typed array (no number[] of the mask). */
export function annotationLine(a: Annotation, order: Order, path: (string | number)[]): string {
  const o: Record<string, unknown> = { id: a.id, imageId: a.imageId };
  if (a.categoryId !== undefined) o.categoryId = a.categoryId;
  if (a.iscrowd !== undefined) o.iscrowd = a.iscrowd;
  if (a.score !== undefined) o.score = a.score;
  if (a.attributes !== undefined) o.attributes = a.attributes;
  o.height = a.mask.height;
  o.width = a.mask.width;
  o.order = order;
  // Runs are written from the typed array directly: no number[] of the mask.
  return `${stringifyJson(o, path).slice(0, -1)},"runs":[${a.mask.runsView(order).join(',')}]}`;
}

/**
 * rlekit-json as a stream of chunks: the header, then annotations in batches of about 1 MiB
 * as they come, so a stream of any length is written in bounded memory. The bytes are those
 * of {@link formatRlekitJson}.
 */
export async function* writeRlekitJsonChunks(dataset: MaskDataset | MaskDatasetStream, options: Partial<JsonWriteOptions> = {}, describe?: (part: RlekitJsonPartInfo) => void): AsyncGenerator<Uint8Array> {
  const { order, indent } = writeOptions.parse(options);
  const nl = '\n';
  const pad = ' '.repeat(indent);
  const line = (v: unknown, path: (string | number)[]): string => stringifyJson(v, path);
  const list = (items: string[]): string => (items.length === 0 ? '[]' : `[${nl}${items.map((s) => pad + pad + s).join(`,${nl}`)}${nl}${pad}]`);
  // Fixed key order, so equal datasets give equal bytes whatever order their objects were built in.
  const images = dataset.images.map((i, k) => line({ id: i.id, fileName: i.fileName, height: i.height, width: i.width, attributes: i.attributes }, ['images', k]));
  const categories = dataset.categories.map((c, k) => line({ id: c.id, name: c.name, supercategory: c.supercategory, color: c.color, attributes: c.attributes }, ['categories', k]));
  const head = encodeUtf8(`{${nl}${pad}"format": "rlekit-json",${nl}${pad}"version": 1,${nl}${pad}"images": ${list(images)},${nl}${pad}"categories": ${list(categories)},${nl}${pad}"annotations": `);
  yield head;
  // Lines are written as bytes into one buffer, handed on at about 1 MiB.
  const out = new TextOut(1 << 20 | 1 << 16);
  const lead = `[${nl}${pad}${pad}`, sep = `,${nl}${pad}${pad}`;
  let n = 0, written = head.length;
  for await (const a of dataset.annotations as AsyncIterable<Annotation> | Iterable<Annotation>) {
    out.ascii(n === 0 ? lead : sep);
    writeAnnotationLine(out, a, order, ['annotations', n]);
    n++;
    if (out.length > 1 << 20) {
      const chunk = out.take();
      written += chunk.length;
      yield chunk;
    }
  }
  // The annotations' bytes, from the first's start (after the lead) to the last's end.
  const start = head.length + lead.length;
  describe?.(n === 0 ? { start, end: start, annotations: 0 } : { start, end: written + out.length, annotations: n });
  out.ascii(n === 0 ? `[]${nl}}${nl}` : `${nl}${pad}]${nl}}${nl}`);
  yield out.take();
}

/**
 * What the writer says of a `--jobs` part (DialectContext.describePart): where its annotations'
 * bytes are, from the first's first byte to the last's last, and how many it wrote.
 */
export interface RlekitJsonPartInfo {
  start: number;
  end: number;
  annotations: number;
}

/**
 * Joins rlekit-json files written for consecutive shards of one input (`--shard i/n`) into what
 * one conversion writes: images, then categories (the same in every part), then annotations,
 * elements copied as bytes in the writer's framing (its indent read from the first part). This
 * process's own parts (`--jobs`, described by their writer) have their annotations copied by
 * byte range, never scanned: the writer puts nothing between them but its separator, the same
 * in every part (one indent for the whole run).
 */
export async function* mergeRlekitJson(parts: readonly ByteSource[], context: MergeContext = {}): AsyncGenerator<Uint8Array> {
  if (parts.length === 0) throw new RleError('INVALID_OPTION', 'merge needs at least one part');
  const differ = (part: ByteSource, what: string): never => {
    throw new RleError('INVALID_STRUCTURE', `${part.name} is not a shard of the same conversion as the first part: its ${what} differ`, { expected: 'the outputs of one conversion run with --shard 0/n … (n-1)/n, in that order' });
  };
  // The writer's indent: the spaces before "format" on the second line.
  // (Its first 64 bytes, whatever the chunks.)
  let first: Uint8Array = new Uint8Array(0);
  for await (const c of parts[0]!.stream()) {
    const grown = new Uint8Array(Math.min(64, first.length + c.length));
    grown.set(first);
    grown.set(c.subarray(0, grown.length - first.length), first.length);
    first = grown;
    if (first.length >= 64) break;
  }
  const m = /^\{\n( *)"format": "rlekit-json",\n/.exec(new TextDecoder().decode(first));
  if (!m) throw new RleError('INVALID_STRUCTURE', `${parts[0]!.name} is not rlekit-json written by rlekit`, { offset: 0, expected: '{ then "format": "rlekit-json" on the next line' });
  const pad = m[1]!, nl = '\n';
  const lead = encodeUtf8(`[${nl}${pad}${pad}`), sep = encodeUtf8(`,${nl}${pad}${pad}`);
  const close = (n: number): string => (n === 0 ? '[]' : `${nl}${pad}]`);
  yield encodeUtf8(`{${nl}${pad}"format": "rlekit-json",${nl}${pad}"version": 1,${nl}${pad}"images": `);
  let images = 0;
  let categories: Uint8Array[] | undefined;
  let categoryText = '';
  const decoder = new TextDecoder();
  for (const [k, part] of parts.entries()) {
    const cats: Uint8Array[] = [];
    const values: [string, unknown][] = [];
    for await (const e of jsonArrayParts(part, (key, kind) => (key === 'annotations' ? 'stop' : (key === 'images' || key === 'categories') && kind === 'array' ? 'elements' : 'value'), 'rlekit-json')) {
      if (e.kind === 'value') values.push([e.key, e.value]);
      else if (e.kind === 'elements' && e.key === 'images') {
        yield joinElements(e.elements, images === 0, lead, sep);
        images += e.elements.length;
      } else if (e.kind === 'elements' && e.key === 'categories') cats.push(...e.elements);
    }
    if (JSON.stringify(values) !== JSON.stringify([['format', 'rlekit-json'], ['version', 1]])) differ(part, 'format fields');
    const text = cats.map((b) => decoder.decode(b)).join(nl);
    if (k === 0) (categories = cats, categoryText = text);
    else if (text !== categoryText) differ(part, 'categories');
  }
  yield encodeUtf8(`${close(images)},${nl}${pad}"categories": `);
  if (categories!.length > 0) yield joinElements(categories!, true, lead, sep);
  yield encodeUtf8(`${close(categories!.length)},${nl}${pad}"annotations": `);
  let n = 0;
  const ranges = context.ownParts === true ? partRanges(context.partInfo, parts.length) : undefined;
  if (ranges !== undefined) {
    for (const [k, part] of parts.entries()) {
      const { start, end, annotations } = ranges[k]!;
      if (annotations === 0) continue;
      yield n === 0 ? lead : sep;
      n += annotations;
      let at = start;
      // Views of the part's chunks (each its own buffer, written before the next is read); the header before them is small.
      for await (const c of skipTo(part.stream(), start, end)) {
        yield c;
        at += c.length;
      }
      if (at !== end) throw new RleError('IO', `${part.name} changed while it was merged`);
    }
    yield encodeUtf8(`${close(n)}${nl}}${nl}`);
    return;
  }
  for (const part of parts) {
    for await (const e of jsonArrayParts(part, (key, kind) => (key === 'annotations' && kind === 'array' ? 'elements' : 'skip'), 'rlekit-json')) {
      if (e.kind !== 'elements') continue;
      yield joinElements(e.elements, n === 0, lead, sep);
      n += e.elements.length;
    }
  }
  yield encodeUtf8(`${close(n)}${nl}}${nl}`);
}

/** The writer's descriptions of the parts, when every part has one. */
function partRanges(info: readonly unknown[] | undefined, count: number): RlekitJsonPartInfo[] | undefined {
  if (info === undefined || info.length !== count) return undefined;
  const ok = (p: unknown): p is RlekitJsonPartInfo => typeof p === 'object' && p !== null && Number.isSafeInteger((p as RlekitJsonPartInfo).start) && Number.isSafeInteger((p as RlekitJsonPartInfo).end) && Number.isSafeInteger((p as RlekitJsonPartInfo).annotations) && (p as RlekitJsonPartInfo).end >= (p as RlekitJsonPartInfo).start;
  return info.every(ok) ? (info as RlekitJsonPartInfo[]) : undefined;
}

/** The bytes [start, end) of a stream, as views of its chunks. */
async function* skipTo(chunks: AsyncIterable<Uint8Array>, start: number, end: number): AsyncGenerator<Uint8Array> {
  let at = 0;
  for await (const c of chunks) {
    const from = Math.max(start - at, 0), to = Math.min(end - at, c.length);
    if (to > from) yield c.subarray(from, to);
    at += c.length;
    if (at >= end) return;
  }
}

/** Serialises a dataset as rlekit-json text. */
export function formatRlekitJson(dataset: MaskDataset, options: Partial<JsonWriteOptions> = {}): string {
  const { order, indent } = writeOptions.parse(options);
  const nl = '\n';
  const pad = ' '.repeat(indent);
  const line = (v: unknown, path: (string | number)[]): string => stringifyJson(v, path);
  const list = (items: string[]): string => (items.length === 0 ? '[]' : `[${nl}${items.map((s) => pad + pad + s).join(`,${nl}`)}${nl}${pad}]`);
  const annotations = dataset.annotations.map((a, i) => annotationLine(a, order, ['annotations', i]));
  // Fixed key order, so equal datasets give equal bytes whatever order their objects were built in.
  const images = dataset.images.map((i, k) => line({ id: i.id, fileName: i.fileName, height: i.height, width: i.width, attributes: i.attributes }, ['images', k]));
  const categories = dataset.categories.map((c, k) => line({ id: c.id, name: c.name, supercategory: c.supercategory, color: c.color, attributes: c.attributes }, ['categories', k]));
  return `{${nl}${pad}"format": "rlekit-json",${nl}${pad}"version": 1,${nl}${pad}"images": ${list(images)},${nl}${pad}"categories": ${list(categories)},${nl}${pad}"annotations": ${list(annotations)}${nl}}${nl}`;
}

const readOptions: OptionsSchema<JsonReadOptions> = {
  jsonSchema: { properties: { maxBytes: { type: 'integer', description: 'largest file read into memory, in bytes', default: 0x1fffffe8 } } },
  parse(input: unknown): JsonReadOptions {
    const o = (input ?? {}) as Partial<JsonReadOptions>;
    const maxBytes = o.maxBytes ?? 0x1fffffe8;
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new RleError('INVALID_OPTION', 'Invalid maxBytes', { path: ['maxBytes'], expected: 'a positive integer', received: describeValue(maxBytes) });
    return { maxBytes };
  },
};

const writeOptions: OptionsSchema<JsonWriteOptions> = {
  jsonSchema: {
    properties: {
      order: { type: 'string', enum: ['row', 'col'], description: 'order of the runs written', default: 'row' },
      indent: { type: 'integer', description: 'spaces of indentation (0 to 8)', default: 2 },
    },
  },
  parse(input: unknown): JsonWriteOptions {
    const o = (input ?? {}) as Partial<JsonWriteOptions>;
    const order = o.order ?? 'row';
    if (order !== 'row' && order !== 'col') throw new RleError('INVALID_OPTION', 'Invalid order', { path: ['order'], expected: '"row" or "col"', received: describeValue(order) });
    const indent = o.indent ?? 2;
    if (!Number.isSafeInteger(indent) || indent < 0 || indent > 8) throw new RleError('INVALID_OPTION', 'Invalid indent', { path: ['indent'], expected: 'an integer from 0 to 8', received: describeValue(indent) });
    return { order, indent };
  },
};

/** A top-level "format": "rlekit-json" wherever it sits, or a bare mask's height and runs. */
function sniffRlekitJson(head: Uint8Array): SniffResult {
  const o = jsonOutline(head);
  if (o.root !== 'object') return { confidence: 0 };
  const format = outlineMember(o, 'format');
  if (format?.value === 'rlekit-json') return { confidence: 1, reason: 'its top level says "format": "rlekit-json"' };
  if (format !== undefined) return { confidence: 0 };
  if (outlineMember(o, 'height')?.kind === 'number' && outlineMember(o, 'runs')?.kind === 'array') return { confidence: 0.6, reason: 'a bare mask: top-level height and runs' };
  // The writer puts "format" first; other writers may put it after the lists.
  const annotations = outlineMember(o, 'annotations');
  const ours = annotations === undefined || (annotations.kind === 'array' && (annotations.keys.length === 0 || annotations.keys.includes('runs')));
  return { confidence: 0, more: !o.complete && !o.invalid && ours };
}

export const dialect: Dialect<JsonReadOptions, JsonWriteOptions> = {
  id: 'rlekit-json',
  title: 'rlekit JSON runs',
  extensions: ['.rlekit.json', '.json'],
  capabilities: {
    categories: true, categoryIds: true, categoryNames: true, categoryAttributes: true, unusedCategories: true,
    instanceIds: true, scores: true, crowd: true, attributes: true,
    multipleImages: true, overlap: true, emptyImages: true, imageIds: true, fileNames: true, imageAttributes: true,
  },
  readOptions,
  writeOptions,
  input: 'file',
  output: 'file',
  sniff(head: Uint8Array): number {
    return sniffRlekitJson(head).confidence;
  },
  sniffDetail: sniffRlekitJson,
  async read(input: DialectInput, options?: Partial<JsonReadOptions>, context?: DialectContext): Promise<MaskDataset> {
    const { maxBytes } = readOptions.parse(options);
    if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'rlekit-json reads a file, not a folder', { received: input.name });
    return readRlekitJson(input, maxBytes, context?.recover);
  },
  // Streamed in bounded memory: the masks, order and errors of `read`. With a recover hook (`rlekit check`) a bad
  // annotation is reported and skipped; those met before bad JSON later in the file are reported too (read stops at the JSON).
  async readStream(input: DialectInput, options?: Partial<JsonReadOptions>, context?: DialectContext): Promise<MaskDatasetStream> {
    const { maxBytes } = readOptions.parse(options);
    if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'rlekit-json reads a file, not a folder', { received: input.name });
    if (context?.plan !== undefined && !(input instanceof Uint8Array)) return readRlekitJsonPlanned(input, context.plan as RlekitJsonShardPlan);
    return streamRlekitJson(input instanceof Uint8Array ? bytesSource(input) : input, maxBytes, context?.recover);
  },
  // One scan for every --jobs worker where the shards' annotations are consecutive (a file in image order).
  async planShards(input: DialectInput, options: Partial<JsonReadOptions> | undefined, shards: readonly Shard[], context?: DialectContext): Promise<unknown[] | undefined> {
    if (isFolderSource(input) || input instanceof Uint8Array || context?.recover !== undefined) return undefined;
    return planRlekitJson(input, shards, readOptions.parse(options ?? {}).maxBytes);
  },
  async write(dataset: MaskDataset | MaskDatasetStream, options?: Partial<JsonWriteOptions>, _context?: DialectContext): Promise<Uint8Array> {
    return encodeUtf8(formatRlekitJson(await collectDataset(dataset), options));
  },
  // Streamed, the writer holds one batch of lines, never the dataset (a 1 GB input took 6.6 GB through write()).
  maskOrder(options) {
    // Bad options are write's to report, with its error.
    try {
      return writeOptions.parse(options).order;
    } catch {
      return undefined;
    }
  },
  writeStream(dataset: MaskDataset | MaskDatasetStream, options?: Partial<JsonWriteOptions>, context?: DialectContext): AsyncIterable<Uint8Array> {
    return writeRlekitJsonChunks(dataset, options, context?.describePart);
  },
  merge(parts: readonly ByteSource[], context?: MergeContext): AsyncIterable<Uint8Array> {
    return mergeRlekitJson(parts, context);
  },
};

export type { RleWarning };
