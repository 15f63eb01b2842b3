/**
 * The Open Images mask encoding that three Kaggle competitions reuse (Open Images 2019 Instance
 * Segmentation, HPA Single-Cell Classification 2021, HuBMAP Hacking the Human Vasculature 2023):
 * one row per image, `PredictionString` = `label confidence mask ...`, mask = base64(zlib(COCO
 * count string)). The reference encoder (Open Images' `encode_binary_mask`, copied by the other two
 * competitions) is `base64.b64encode(zlib.compress(coco_mask.encode(mask)[0]['counts'],
 * zlib.Z_BEST_COMPRESSION))`: standard base64 alphabet with padding, zlib level 9 (header 78 DA).
 * zlib is fflate's (pure JavaScript, browsers too).
 */
import { unzlibSync, Unzlib, zlibSync } from 'fflate';
import {
  base64ToBytes, bytesSource, bytesToBase64, checkSize, collectDataset, countHeader, countsToBytes, DEFAULT_MAX_RUNS, isFolderSource, Mask, notCarried, readCountString, RleError, silentContext, tallyAnnotation,
  type Annotation, type ByteSource, type Category, type DialectCapabilities, type DialectContext, type DialectInput, type Id, type ImageInfo,
  type MaskDataset, type MaskDatasetStream, type Size,
} from '@rlekit/core';
import { csvBytes, csvRecords } from './csv.js';
import type { Preset } from './presets.js';

type Path = readonly (string | number)[];

/** Bytes of a standard base64 mask (padding optional, no whitespace inside): core's decoder. */
const base64Decode = (s: string, path: Path = []): Uint8Array => base64ToBytes(s, { path, what: 'A mask' });

/** Mask → the Open Images text: base64(zlib level 9(COCO count string)). */
export function encodeOpenImagesMask(mask: Mask): string {
  if (!(mask instanceof Mask)) throw new RleError('INVALID_OPTION', 'encode needs a Mask', { path: ['mask'], received: typeof mask });
  // pycocotools encodes a mask of no pixels as the single count 0.
  const counts = mask.pixels === 0 ? new Uint32Array(1) : mask.runsView('col');
  return bytesToBase64(zlibSync(countsToBytes(counts), { level: 9 }));
}

/**
 * The Open Images text of one mask → Mask of `size`. The inflated count string is capped at what
 * `maxRuns` counts can take (a small zlib stream can claim gigabytes); the counts must sum to
 * height × width (RUNS_SUM_MISMATCH), as every COCO RLE in rlekit.
 */
export function decodeOpenImagesMask(text: string, size: Size, options: { maxRuns?: number; maxPixels?: number; path?: Path } = {}): Mask {
  const path = options.path ?? [];
  const total = checkSize(size, options.maxPixels, path);
  const zipped = base64Decode(text, path);
  const maxCounts = Math.min(total + 1, options.maxRuns ?? DEFAULT_MAX_RUNS);
  // At most 7 characters per count (35 bits).
  const cap = 7 * maxCounts + 16;
  let counts: Uint8Array;
  if (zipped.length * 1032 <= cap) {
    // Deflate expands at most about 1032:1: this stream cannot pass the cap.
    counts = inflate(zipped, path);
  } else {
    const parts: Uint8Array[] = [];
    let got = 0;
    const u = new Unzlib((chunk) => {
      got += chunk.length;
      if (got > cap) throw new RleError('LIMIT_EXCEEDED', 'A zlib mask inflates past the counts its image can hold', { path, expected: `at most ${cap} bytes of count string`, received: `more than ${cap}` });
      parts.push(chunk);
    });
    try {
      u.push(zipped, true);
    } catch (e) {
      if (e instanceof RleError) throw e;
      throw new RleError('CORRUPT', 'A mask is not a valid zlib stream', { path, expected: 'base64 of zlib-compressed COCO counts', cause: e });
    }
    counts = new Uint8Array(got);
    let o = 0;
    for (const p of parts) (counts.set(p, o), (o += p.length));
  }
  const scan = readCountString(counts, path, maxCounts);
  if (scan.sum !== total) {
    throw new RleError('RUNS_SUM_MISMATCH', 'Mask counts do not sum to height * width', { path, expected: `${total} (${size.height}x${size.width})`, received: String(scan.sum) });
  }
  if (total === 0) return Mask.empty(size);
  const runs = scan.counts.slice(0, scan.length);
  return scan.canonical ? Mask.fromCanonicalRuns(runs, size, 'col') : Mask.fromRuns(runs, size, 'col');
}

function inflate(zipped: Uint8Array, path: Path): Uint8Array {
  try {
    return unzlibSync(zipped);
  } catch (e) {
    throw new RleError('CORRUPT', 'A mask is not a valid zlib stream', { path, expected: 'base64 of zlib-compressed COCO counts', cause: e });
  }
}

/** Python's `str(b'...')` of the base64 bytes, which submissions written without `.decode()` hold. */
const PY_BYTES = /^b'([^']*)'$/;

interface Layout {
  id: number;
  width: number;
  height: number;
  predictions: number;
}

function layoutOf(header: string[], p: Preset, name: string, line: number): Layout {
  const find = (col: string | undefined): number => {
    if (col === undefined) return -1;
    const exact = header.indexOf(col);
    return exact >= 0 ? exact : header.findIndex((h) => h.toLowerCase() === col.toLowerCase());
  };
  const l = { id: find(p.csv.id), width: find(p.csv.width), height: find(p.csv.height), predictions: find(p.csv.rle) };
  if (Object.values(l).some((v) => v < 0)) {
    throw new RleError('INVALID_STRUCTURE', `${name} does not have the columns of preset ${p.id}`, { path: ['line', line], expected: `a header with ${p.csv.columns.join(',')}`, received: header.join(',') });
  }
  return l;
}

function sizeCell(v: string | undefined, column: string, line: number): number {
  if (v === undefined || !/^\d{1,9}$/.test(v.trim())) throw new RleError('INVALID_SIZE', `Invalid ${column}`, { path: ['line', line, column], expected: 'a non-negative integer', received: JSON.stringify(v ?? '') });
  return Number(v.trim());
}

function classKey(text: string): Id {
  return /^(0|[1-9]\d{0,14})$/.test(text) ? Number(text) : text;
}

/** Splits a PredictionString into (label, confidence, mask) triples, with their token index. */
function* triples(text: string, line: number, column: string, warn: DialectContext['warn'] | undefined): Generator<{ label: string; score: number; mask: string; at: number }> {
  const tokens = text.split(/\s+/).filter((t) => t !== '');
  if (tokens.length % 3 !== 0) {
    throw new RleError('INVALID_STRUCTURE', `A ${column} holds ${tokens.length} tokens, not label-confidence-mask triples`, { path: ['line', line, column], expected: 'a multiple of 3 tokens: label confidence mask ...', received: `${tokens.length} tokens` });
  }
  for (let k = 0; k < tokens.length; k += 3) {
    const score = Number(tokens[k + 1]);
    if (!Number.isFinite(score) || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(tokens[k + 1]!)) {
      throw new RleError('INVALID_TOKEN', 'A confidence is not a number', { path: ['line', line, column, k + 1], expected: 'a decimal number', received: JSON.stringify(tokens[k + 1]!.slice(0, 40)) });
    }
    let mask = tokens[k + 2]!;
    const py = PY_BYTES.exec(mask);
    if (py) {
      mask = py[1]!;
      warn?.({ code: 'python-bytes-counts', message: `Masks written as Python bytes (b'...', the encoder's output without .decode()) were read as their contents`, path: ['line', line, column, k + 2] });
    }
    yield { label: tokens[k]!, score, mask, at: k };
  }
}

export interface OpenImagesReadOptions {
  maxPixels: number;
  maxRuns: number;
}

/** Reads an Open Images style CSV in two passes: images, sizes and labels first, then the masks row by row. */
export async function readOpenImages(input: DialectInput, p: Preset, o: OpenImagesReadOptions, context: DialectContext = silentContext): Promise<MaskDatasetStream> {
  if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'kaggle reads a CSV file, not a folder', { received: input.name });
  const src: ByteSource = input instanceof Uint8Array ? bytesSource(input) : input;
  const images = new Map<string, ImageInfo>();
  const categories = new Map<string, Category>();
  let layout: Layout | undefined;
  const column = p.csv.rle;
  for await (const r of csvRecords(src, src.name)) {
    if (!layout) {
      layout = layoutOf(r.fields, p, src.name, r.line);
      continue;
    }
    const imageId = r.fields[layout.id] ?? '';
    const size = { height: sizeCell(r.fields[layout.height], p.csv.height!, r.line), width: sizeCell(r.fields[layout.width], p.csv.width!, r.line) };
    checkSize(size, o.maxPixels, ['line', r.line]);
    const known = images.get(imageId);
    if (known) {
      if (known.height !== size.height || known.width !== size.width) {
        throw new RleError('SIZE_MISMATCH', `Rows of image "${imageId}" disagree on its size`, { path: ['line', r.line], expected: `${known.height}x${known.width}`, received: `${size.height}x${size.width}` });
      }
    } else images.set(imageId, { id: imageId, ...size });
    for (const t of triples(r.fields[layout.predictions] ?? '', r.line, column, undefined)) {
      if (!categories.has(t.label)) categories.set(t.label, { id: classKey(t.label), name: t.label });
    }
  }
  if (!layout) throw new RleError('INVALID_STRUCTURE', `${src.name} is empty`, { expected: `a header with ${p.csv.columns.join(',')}` });
  const l = layout;
  const annotations = (async function* (): AsyncGenerator<Annotation> {
    let first = true;
    let n = 0;
    for await (const r of csvRecords(src, src.name)) {
      if (first) {
        first = false;
        continue;
      }
      const image = images.get(r.fields[l.id] ?? '');
      if (!image) throw new RleError('INVALID_STRUCTURE', `${src.name} changed between the two passes over it`, { path: ['line', r.line], expected: 'a source that reads the same each time' });
      // HPA repeats one mask with each of its labels: decode each text once per row.
      const decoded = new Map<string, Mask>();
      for (const t of triples(r.fields[l.predictions] ?? '', r.line, column, context.warn)) {
        let mask = decoded.get(t.mask);
        if (!mask) decoded.set(t.mask, (mask = decodeOpenImagesMask(t.mask, image, { maxRuns: o.maxRuns, path: ['line', r.line, column, t.at + 2] })));
        const category = categories.get(t.label);
        if (!category) throw new RleError('INVALID_STRUCTURE', `${src.name} changed between the two passes over it`, { path: ['line', r.line], expected: 'a source that reads the same each time' });
        yield { id: ++n, imageId: image.id, categoryId: category.id, mask, score: t.score };
      }
    }
  })();
  return { images: [...images.values()], categories: [...categories.values()], annotations };
}

export async function readOpenImagesDataset(input: DialectInput, p: Preset, o: OpenImagesReadOptions, context?: DialectContext): Promise<MaskDataset> {
  return collectDataset(await readOpenImages(input, p, o, context));
}

/**
 * Writes one row per image: its id, size and `label confidence mask` for every non-empty mask, in
 * the dataset's order. Labels are category names (Open Images MIDs, HPA class numbers, HuBMAP's 0);
 * masks without a score are written with confidence 1, without a category with label 0, each reported.
 */
export async function* writeOpenImages(
  dataset: MaskDataset | MaskDatasetStream, p: Preset, idText: (image: ImageInfo) => string, groups: AsyncIterable<{ image: ImageInfo; annotations: Annotation[] }>,
  capabilities: DialectCapabilities, context: DialectContext = silentContext,
): AsyncGenerator<Uint8Array> {
  const warn = context.warn;
  const cols = p.csv.columns;
  const ci = { id: cols.indexOf(p.csv.id), rle: cols.indexOf(p.csv.rle), height: cols.indexOf(p.csv.height!), width: cols.indexOf(p.csv.width!) };
  const names = new Map<Id, string>(dataset.categories.map((c) => [c.id, c.name]));
  const features = countHeader(dataset.images, dataset.categories, { ...capabilities, overlap: true });
  const count = { noScore: 0, noCategory: 0, empty: 0, crowd: 0, attributes: 0, ids: 0, renamed: new Set<Id>(), imageIds: 0, fileNames: 0 };
  yield csvBytes([cols]);
  const written = new Map<string, Id>();
  for await (const { image, annotations } of groups) {
    const id = idText(image);
    const owner = written.get(id);
    if (owner !== undefined && owner !== image.id) {
      throw new RleError('INVALID_OPTION', `Images ${String(owner)} and ${String(image.id)} would both be written as "${id}"`, { path: ['imageId'], expected: 'distinct id texts (--image-id id, or unique file names)', received: id });
    }
    written.set(id, image.id);
    if (id !== String(image.id)) count.imageIds++;
    if (image.fileName !== undefined) count.fileNames++;
    const parts: string[] = [];
    for (const a of annotations) {
      if (a.mask.height !== image.height || a.mask.width !== image.width) {
        throw new RleError('SIZE_MISMATCH', `Annotation ${String(a.id)} differs in size from image ${String(image.id)}`, { path: ['annotations', String(a.id)], expected: `${image.height}x${image.width}`, received: `${a.mask.height}x${a.mask.width}` });
      }
      tallyAnnotation(features, a);
      count.ids++;
      if (a.iscrowd === true) count.crowd++;
      if (a.attributes && Object.keys(a.attributes).length > 0) count.attributes++;
      if (a.mask.isEmpty()) {
        count.empty++;
        continue;
      }
      let label: string;
      if (a.categoryId === undefined) {
        count.noCategory++;
        label = '0';
      } else {
        label = names.get(a.categoryId) ?? String(a.categoryId);
        if (label === '' || /\s/.test(label)) {
          throw new RleError('INVALID_OPTION', `Category ${String(a.categoryId)} is named "${label}", which cannot be a label of a space-separated ${p.csv.rle}`, { path: ['categories', String(a.categoryId), 'name'], expected: 'a non-empty name without spaces' });
        }
        if (String(a.categoryId) !== label) count.renamed.add(a.categoryId);
      }
      if (a.score === undefined) count.noScore++;
      const score = a.score ?? 1;
      if (!Number.isFinite(score)) throw new RleError('INVALID_OPTION', `Annotation ${String(a.id)} has a score that is not a finite number`, { path: ['annotations', String(a.id), 'score'], received: String(score) });
      parts.push(`${label} ${String(score)} ${encodeOpenImagesMask(a.mask)}`);
    }
    const row = new Array<string>(cols.length).fill('');
    row[ci.id] = id;
    row[ci.height] = String(image.height);
    row[ci.width] = String(image.width);
    row[ci.rle] = parts.join(' ');
    yield csvBytes([row]);
  }
  const reported = new Set<string>(['overlap']);
  const lost = (capability: string, what: string, n: number): void => {
    if (n > 0) warn({ code: 'not-carried', message: `kaggle (${p.id}) cannot carry ${what}: ${n} lost`, count: n, capability });
    reported.add(capability);
  };
  lost('crowd', 'crowd flags', count.crowd);
  lost('attributes', "annotations' attributes", count.attributes);
  lost('instanceIds', 'instance ids (masks are numbered on read)', count.ids);
  lost('categoryIds', 'category ids (the label is the category name, which reads back as the id)', count.renamed.size);
  lost('imageIds', `image ids (the ${p.csv.id} column holds file name stems)`, count.imageIds);
  lost('fileNames', 'file names', count.fileNames);
  if (count.empty > 0) warn({ code: 'empty-mask', message: `${count.empty} empty masks have no prediction of their own`, count: count.empty });
  if (count.noScore > 0) warn({ code: 'default-score', message: `${count.noScore} masks without a score were written with confidence 1`, count: count.noScore });
  if (count.noCategory > 0) warn({ code: 'default-category', message: `${count.noCategory} masks without a category were written with label 0`, count: count.noCategory });
  for (const w of notCarried(features, capabilities, `kaggle (${p.id})`, reported)) warn(w);
}

