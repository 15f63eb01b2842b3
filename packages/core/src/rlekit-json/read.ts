/**
 * rlekit-json read whole: the checks every read makes (header, images, categories, each
 * annotation's mask), the whole-text parse, and the piece-by-piece read of a file in the writer's
 * layout, which gives the same dataset without one string of the whole file.
 */
import { describeValue, RleError } from '../errors.js';
import { Mask } from '../mask.js';
import { checkSize } from '../runs.js';
import { copyU32 } from '../slab.js';
import type { Annotation, Category, Id, ImageInfo, MaskDataset } from '../dataset.js';
import type { ByteSource } from '../source.js';
import { bytesSource, decodeUtf8, JSON_HEAD, parseJson, readAllBytes, sourceChunks } from '../source.js';
import { isWs, JsonScanner, parseJsonBytes } from '../json-scan.js';

export type Path = (string | number)[];

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

export interface Header { images: ImageInfo[]; categories: Category[]; refs: References }

/**
 * What the root object says besides its annotations, checked in the order the whole-text read
 * checks it (a bare mask is a dataset of one image): shared by that read and the streamed one.
 */
export function headerOf(r: Record<string, unknown>): Header | { dataset: MaskDataset } {
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

export interface References { imageById: Map<Id, ImageInfo>; categoryIds: Set<Id> }

export function references(images: ImageInfo[], categories: Category[]): References {
  return { imageById: new Map(images.map((im) => [im.id, im])), categoryIds: new Set(categories.map((c) => c.id)) };
}

export function annotationOf(v: unknown, i: number, { imageById, categoryIds }: References, cut?: TrailingRuns): Annotation {
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
  // (The scanner copies what it keeps: sourceChunks may reuse its buffer.)
  for await (const chunk of sourceChunks(source)) {
    bytes += chunk.length;
    if (bytes > maxBytes) return undefined;
    for (let i = 0; i < chunk.length && exact; i += 1 << 20) scanner.write(chunk.length <= 1 << 20 ? chunk : chunk.subarray(i, i + (1 << 20)));
    if (!exact) return undefined;
  }
  scanner.end();
  return exact && refs !== undefined && scanner.rootKind === 'object' ? { images, categories, annotations } : undefined;
}

export const HEADER_KEYS = ['format', 'version', 'images', 'categories', 'annotations'];

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
export async function readRlekitJson(input: Uint8Array | ByteSource, maxBytes: number, recover?: (e: RleError) => void): Promise<MaskDataset> {
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
export function trailingRunsOf(b: Uint8Array): TrailingRuns | undefined {
  try {
    return trailingRuns(b);
  } catch (e) {
    if (e instanceof RleError) return undefined;
    throw e;
  }
}

/** An annotation's bytes parsed and checked (the writer's trailing runs read straight from them). */
export function annotationFromBytes(b: Uint8Array, i: number, offset: number, refs: References): Annotation {
  const cut = trailingRunsOf(b);
  return cut === undefined ? annotationOf(parseJsonBytes(b, offset, 'rlekit-json'), i, refs) : annotationOf(cut.rest, i, refs, cut);
}

/** An annotation's bytes checked as JSON only (bad JSON throws at its byte offset), not as an annotation. */
export function checkJsonOf(b: Uint8Array, offset: number): void {
  if (trailingRunsOf(b) === undefined) parseJsonBytes(b, offset, 'rlekit-json');
}

/** The scanner's "ends early" as the whole-text read says it (JSON.parse: not valid JSON, at the end). */
export function asWholeRead(e: unknown): unknown {
  if (e instanceof RleError && e.code === 'TRUNCATED') return new RleError('INVALID_STRUCTURE', 'Not valid JSON: rlekit-json ends before the document is complete', { ...(e.offset === undefined ? {} : { offset: e.offset }), expected: 'rlekit-json' });
  return e;
}
