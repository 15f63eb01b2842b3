/**
 * The `coco-panoptic` dialect: a JSON (`images`, `categories` with `isthing`, one `annotations`
 * entry per image naming its PNG and listing `segments_info`) beside a folder of RGB PNGs whose
 * colour is the segment id (panoptic_val2017.json next to panoptic_val2017/).
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import {
  checkPaintPixels, collectDataset, countHeader, tallyAnnotation, DEFAULT_MAX_RUNS, decodeUtf8, describeValue, encodeUtf8, groupByImage, isFolderSource, isRleError,
  JSON_HEAD, jsonOutline, LabelMap, notCarried, outlineMember, parseDialectOptions, parseJson, readAllBytes, RleError, silentContext, stringifyJson,
  type Annotation, type ByteSource, type Category, type Dialect, type DialectCapabilities, type DialectContext, type DialectInput,
  type FolderSource, type Id, type OptionsSchema, type ImageInfo, type Mask, type MaskDataset, type MaskDatasetStream, type OutputFile, type SniffResult,
} from '@rlekit/core';
import { DEFAULT_MAX_PIXELS, decodeSegmentIds, encodeSegmentIds, MAX_SEGMENT_ID, rgb2id } from './png.js';

/** zod/mini carries no messages: zod's English ones, for INVALID_OPTION errors users read. */
const ZOD_MESSAGES = { error: en().localeError };

const describe = z.describe;

/** Read options of `coco-panoptic` (the CLI derives its flags from it). */
export const readSchema = z.object({
  pngFolder: z._default(z.string(), '').check(describe('Folder of the segment PNGs; empty: the folder beside the JSON named like it (panoptic_val2017.json → panoptic_val2017/)')),
  maxPixels: z._default(z.int().check(z.positive()), DEFAULT_MAX_PIXELS).check(describe('Largest width * height of one PNG, checked from its header before inflating')),
  maxBytes: z._default(z.int().check(z.positive()), 0x7fffffff).check(describe('Largest JSON or PNG file read into memory, in bytes')),
  maxRuns: z._default(z.int().check(z.positive()), DEFAULT_MAX_RUNS).check(describe('Largest number of runs of all segments of one PNG together')),
});

/** Write options of `coco-panoptic`. */
export const writeSchema = z.object({
  name: z._default(z.string(), 'panoptic').check(describe('Base name of the output: <name>.json and the PNG folder <name>/ (COCO: panoptic_val2017)')),
  overlap: z._default(z.enum(['error', 'first', 'last']), 'last').check(describe('A pixel claimed by several masks (a panoptic PNG holds one segment per pixel): error, or the first or last mask keeps it (resolved overlaps are reported)')),
  maxPixels: z._default(z.int().check(z.positive()), DEFAULT_MAX_PIXELS).check(describe('Largest width * height of one image painted, checked for every image before any is painted')),
});

export type PanopticReadOptions = z.output<typeof readSchema>;
export type PanopticWriteOptions = z.output<typeof writeSchema>;

type Path = (string | number)[];
type Json = Record<string, unknown>;

const short = describeValue;

function fail(path: Path, expected: string, received: unknown): never {
  throw new RleError('INVALID_STRUCTURE', 'Invalid COCO panoptic JSON', { path, expected, received: short(received) });
}

function obj(v: unknown, path: Path): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
  return v as Json;
}

function list(v: unknown, path: Path): unknown[] {
  if (!Array.isArray(v)) fail(path, 'a list', v);
  return v;
}

function id(v: unknown, path: Path): Id {
  if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return v;
  return fail(path, 'a number or string id', v);
}

function dim(v: unknown, path: Path): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new RleError('INVALID_SIZE', `Invalid ${String(path[path.length - 1])}`, { path, expected: 'a non-negative integer', received: short(v) });
}

function rest(o: Json, known: readonly string[]): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(o)) if (!known.includes(k)) (out ??= {})[k] = o[k];
  return out;
}

const stem = (s: string): string => {
  const base = s.slice(s.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? s.slice(0, s.length - base.length + dot) : s;
};
const dirOf = (p: string): string => {
  const at = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return at < 0 ? '' : p.slice(0, at + 1);
};

/**
 * COCO panoptic by structure: annotations whose first entry has `segments_info` (and no `segmentation`).
 * @example
 * ```ts
 * sniffPanoptic(encodeUtf8('{"annotations": [{"file_name": "1.png", "image_id": 1, "segments_info": []}]}')).confidence > 0.5; // → true
 * sniffPanoptic(encodeUtf8('{"annotations": [{"image_id": 1, "segmentation": [[1, 2, 3, 4, 5, 6]]}]}')).confidence; // → 0
 * ```
 */
export function sniffPanoptic(head: Uint8Array): SniffResult {
  const o = jsonOutline(head);
  if (o.root !== 'object') return { confidence: 0 };
  const annotations = outlineMember(o, 'annotations');
  if (annotations?.kind === 'array' && annotations.keys.includes('segments_info') && !annotations.keys.includes('segmentation')) {
    // Sure: no other format has segments_info. 1 also wins, by registry order, over the png dialect's 1 for the PNGs of a folder holding both.
    return { confidence: 1, reason: 'annotations with segments_info and a PNG file_name (COCO panoptic)' };
  }
  // An annotation seen without segments_info (COCO instances, LVIS with its annotations first):
  // not panoptic, however much more is read.
  const seen = annotations !== undefined && (annotations.kind !== 'array' || annotations.keys.length > 0);
  return { confidence: 0, more: !o.complete && !o.invalid && !seen };
}

// Top-level fields (info, licenses) the dataset model has no place for; only this writer uses them.
const extras = new WeakMap<object, Json>();

type Opener = (file: string, path: Path) => Promise<Uint8Array>;

/** Reads a PNG through `open`, turning file system failures into IO errors that name it. */
function opener(open: (f: string) => ByteSource, where: string, maxBytes: number): Opener {
  return async (file, path) => {
    if (file.split(/[/\\]/).some((s) => s === '..') || file.startsWith('/')) {
      throw new RleError('INVALID_STRUCTURE', 'A PNG file_name leaves its folder', { path, expected: 'a name inside the PNG folder', received: short(file) });
    }
    try {
      return await readAllBytes(open(file), maxBytes);
    } catch (e) {
      if (isRleError(e) && e.code !== 'IO') throw e.path.length === 0 ? e.at(...path) : e;
      throw new RleError('IO', `Cannot read the segment PNG ${file} in ${where}`, { path, expected: 'a PNG for every annotation', cause: e });
    }
  };
}

/** The JSON's bytes and how to open its PNGs, for each kind of input. */
async function locate(input: DialectInput, o: PanopticReadOptions, context: DialectContext): Promise<{ json: Uint8Array; open: Opener }> {
  const openFolder = async (path: string, why: string): Promise<FolderSource> => {
    if (!context.open) throw new RleError('INVALID_OPTION', 'coco-panoptic needs its PNG folder, and nothing can open files here', { path: ['pngFolder'], expected: 'a DialectContext with open(), or a folder input', received: path });
    let src: ByteSource | FolderSource;
    try {
      src = await context.open(path);
    } catch (e) {
      throw new RleError('IO', `The PNG folder ${path} cannot be opened (${why})`, { path: ['pngFolder'], expected: 'the folder of segment PNGs (--png-folder)', cause: e });
    }
    if (src.kind !== 'folder') throw new RleError('IO', `${path} is not a folder (${why})`, { path: ['pngFolder'], expected: 'the folder of segment PNGs' });
    return src;
  };
  if (isFolderSource(input)) {
    const files = await input.list();
    const jsons = files.filter((f) => !f.includes('/') && /\.json$/i.test(f));
    const withPngs = jsons.filter((j) => files.some((f) => f.startsWith(`${stem(j)}/`)));
    const pick = o.pngFolder !== '' && jsons.length === 1 ? jsons : withPngs.length > 0 ? withPngs : jsons;
    if (pick.length !== 1) {
      throw new RleError('INVALID_STRUCTURE', `${input.name} should hold one panoptic JSON beside its PNG folder`, { expected: 'x.json and x/ (panoptic_val2017.json, panoptic_val2017/)', received: jsons.length === 0 ? 'no JSON file' : jsons.join(', ') });
    }
    const name = pick[0]!;
    const json = await readAllBytes(input.open(name), o.maxBytes, { head: JSON_HEAD });
    const folder = o.pngFolder !== '' ? o.pngFolder.replace(/\/+$/, '') : stem(name);
    return { json, open: opener((f) => input.open(`${folder}/${f}`), `${input.name}/${folder}`, o.maxBytes) };
  }
  const json = await readAllBytes(input, o.maxBytes, { head: JSON_HEAD });
  let folder: FolderSource;
  if (o.pngFolder !== '') folder = await openFolder(o.pngFolder, 'given by --png-folder');
  else if (!(input instanceof Uint8Array) && input.path !== undefined) {
    folder = await openFolder(`${dirOf(input.path)}${stem(input.name)}`, `the folder beside ${input.name}, named like it`);
  } else {
    throw new RleError('INVALID_OPTION', 'coco-panoptic needs the folder of segment PNGs', { path: ['pngFolder'], expected: '--png-folder <dir>, or a JSON file with its folder beside it, or the folder holding both', received: 'bytes without a path' });
  }
  return { json, open: opener((f) => folder.open(f), folder.name, o.maxBytes) };
}

interface Segment {
  id: number;
  categoryId: Id;
  iscrowd: boolean;
  area?: number;
  bbox?: readonly number[];
  attributes?: Record<string, unknown>;
  path: Path;
}

function segmentOf(v: unknown, path: Path, categories: ReadonlyMap<Id, Category>): Segment {
  const s = obj(v, path);
  const sid = s.id;
  if (typeof sid !== 'number' || !Number.isSafeInteger(sid) || sid < 1 || sid > MAX_SEGMENT_ID) {
    fail([...path, 'id'], `an integer from 1 to ${MAX_SEGMENT_ID} (R + 256G + 65536B of a non-black colour)`, sid);
  }
  const categoryId = id(s.category_id, [...path, 'category_id']);
  if (!categories.has(categoryId)) {
    throw new RleError('DANGLING_REFERENCE', `Segment ${sid} has category ${String(categoryId)}, which is not in categories`, { path: [...path, 'category_id'], received: short(categoryId) });
  }
  const out: Segment = { id: sid, categoryId, iscrowd: s.iscrowd === 1 || s.iscrowd === true, path };
  if (typeof s.area === 'number') out.area = s.area;
  if (Array.isArray(s.bbox) && s.bbox.length === 4 && s.bbox.every((x) => typeof x === 'number')) out.bbox = s.bbox as number[];
  const more = rest(s, ['id', 'category_id', 'iscrowd', 'area', 'bbox']);
  if (more) out.attributes = more;
  return out;
}

/** One image's PNG into annotations, checking the JSON against the pixels. */
interface Tally {
  areas: number;
  boxes: number;
  missing: number;
  unlisted: number;
  unlistedPixels: number;
  first: Partial<Record<'areas' | 'boxes' | 'missing' | 'unlisted', string>>;
}

async function* readStreamAnnotations(
  entries: readonly { image: ImageInfo; file: string; segments: Segment[]; path: Path }[],
  open: Opener, o: PanopticReadOptions, warn: DialectContext['warn'],
): AsyncGenerator<Annotation> {
  const t: Tally = { areas: 0, boxes: 0, missing: 0, unlisted: 0, unlistedPixels: 0, first: {} };
  const note = (k: keyof Tally['first'], what: string): void => {
    t.first[k] ??= what;
  };
  for (const { image, file, segments, path } of entries) {
    const bytes = await open(file, [...path, 'file_name']);
    const map = decodeSegmentIds(bytes, { maxPixels: o.maxPixels, path: [...path, 'file_name'] });
    if (map.height !== image.height || map.width !== image.width) {
      throw new RleError('SIZE_MISMATCH', `The PNG ${file} is ${map.height}x${map.width} (height x width), its image ${String(image.id)} ${image.height}x${image.width}`, { path: [...path, 'file_name'], expected: `${image.height}x${image.width}`, received: `${map.height}x${map.width}` });
    }
    const masks = map.masks({ maxRuns: o.maxRuns });
    for (const s of segments) {
      const mask = masks.get(s.id);
      if (mask === undefined) {
        t.missing++;
        note('missing', `segment ${s.id} of ${file}`);
        continue;
      }
      masks.delete(s.id);
      const area = mask.area();
      if (s.area !== undefined && s.area !== area) {
        t.areas++;
        note('areas', `segment ${s.id} of ${file}: ${s.area} in the JSON, ${area} in the PNG`);
      }
      const b = mask.bbox();
      if (s.bbox !== undefined && (s.bbox[0] !== b.x || s.bbox[1] !== b.y || s.bbox[2] !== b.width || s.bbox[3] !== b.height)) {
        t.boxes++;
        note('boxes', `segment ${s.id} of ${file}: [${s.bbox.join(', ')}] in the JSON, [${b.x}, ${b.y}, ${b.width}, ${b.height}] in the PNG`);
      }
      const a: Annotation = { id: s.id, imageId: image.id, categoryId: s.categoryId, mask, iscrowd: s.iscrowd };
      if (s.attributes) a.attributes = s.attributes;
      yield a;
    }
    for (const [sid, m] of masks) {
      t.unlisted++;
      t.unlistedPixels += m.area();
      note('unlisted', `colour id ${sid} in ${file}`);
    }
  }
  if (t.areas > 0) warn({ code: 'area-mismatch', message: `${t.areas} segments have an area in the JSON that differs from their pixels in the PNG (first: ${t.first.areas}); the PNG is what was read`, count: t.areas });
  if (t.boxes > 0) warn({ code: 'bbox-mismatch', message: `${t.boxes} segments have a bbox in the JSON that differs from their pixels in the PNG (first: ${t.first.boxes}); the PNG is what was read`, count: t.boxes });
  if (t.missing > 0) warn({ code: 'missing-segment', message: `${t.missing} segments of segments_info have no pixels in their PNG and were not read (first: ${t.first.missing})`, count: t.missing });
  if (t.unlisted > 0) warn({ code: 'unlisted-segment', message: `${t.unlisted} colours in the PNGs are not in segments_info (${t.unlistedPixels} pixels, first: ${t.first.unlisted}); they were not read`, count: t.unlisted });
}

async function readStream(input: DialectInput, options: Partial<PanopticReadOptions> = {}, context: DialectContext = silentContext): Promise<MaskDatasetStream> {
  const o = parseDialectOptions(readSchema, options, 'coco-panoptic', ZOD_MESSAGES);
  const { json, open } = await locate(input, o, context);
  const root = obj(parseJson(decodeUtf8(json), 'COCO panoptic JSON'), []);
  const categories = new Map<Id, Category>();
  for (const [k, v] of list(root.categories ?? [], ['categories']).entries()) {
    const c = obj(v, ['categories', k]);
    const cid = id(c.id, ['categories', k, 'id']);
    const cat: Category = { id: cid, name: typeof c.name === 'string' ? c.name : String(cid) };
    if (typeof c.supercategory === 'string') cat.supercategory = c.supercategory;
    const color = c.color;
    if (Array.isArray(color) && color.length === 3 && color.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 255)) cat.color = color as unknown as [number, number, number];
    const attrs = rest(c, ['id', 'name', 'supercategory', 'color']);
    if (attrs) cat.attributes = attrs;
    categories.set(cid, cat);
  }
  const images = new Map<Id, ImageInfo>();
  for (const [k, v] of list(root.images ?? [], ['images']).entries()) {
    const im = obj(v, ['images', k]);
    const iid = id(im.id, ['images', k, 'id']);
    const info: ImageInfo = { id: iid, height: dim(im.height, ['images', k, 'height']), width: dim(im.width, ['images', k, 'width']) };
    if (typeof im.file_name === 'string') info.fileName = im.file_name;
    const attrs = rest(im, ['id', 'file_name', 'height', 'width']);
    if (attrs) info.attributes = attrs;
    images.set(iid, info);
  }
  const entries: { image: ImageInfo; file: string; segments: Segment[]; path: Path }[] = [];
  const seen = new Set<Id>();
  for (const [k, v] of list(root.annotations, ['annotations']).entries()) {
    const path: Path = ['annotations', k];
    const a = obj(v, path);
    const iid = id(a.image_id, [...path, 'image_id']);
    const image = images.get(iid);
    if (!image) throw new RleError('DANGLING_REFERENCE', `Annotation ${k} refers to image ${String(iid)}, which is not in images`, { path: [...path, 'image_id'], received: short(iid) });
    if (seen.has(iid)) fail([...path, 'image_id'], 'one annotations entry per image', iid);
    seen.add(iid);
    if (typeof a.file_name !== 'string' || a.file_name === '') fail([...path, 'file_name'], 'the PNG file name', a.file_name);
    const segments = list(a.segments_info, [...path, 'segments_info']).map((s, j) => segmentOf(s, [...path, 'segments_info', j], categories));
    const ids = new Set<number>();
    for (const s of segments) {
      if (ids.has(s.id)) fail([...s.path, 'id'], 'segment ids unique within their image', s.id);
      ids.add(s.id);
    }
    // The PNG name COCO would give this image is implied; any other is kept for the writer.
    if (a.file_name !== `${stem(image.fileName ?? String(image.id))}.png`) image.attributes = { ...image.attributes, panoptic_file_name: a.file_name };
    const more = rest(a, ['image_id', 'file_name', 'segments_info']);
    if (more) image.attributes = { ...image.attributes, panoptic_annotation: more };
    entries.push({ image, file: a.file_name, segments, path });
  }
  const dataset: MaskDatasetStream = {
    images: [...images.values()],
    categories: [...categories.values()],
    annotations: readStreamAnnotations(entries, open, o, context.warn),
  };
  const top = rest(root, ['images', 'annotations', 'categories']);
  if (top) extras.set(dataset, top);
  return dataset;
}

const capabilities: DialectCapabilities = {
  categories: true, categoryIds: true, categoryNames: true, categoryAttributes: true, unusedCategories: true,
  instanceIds: true, scores: false, crowd: true, attributes: true,
  imageIds: true, imageAttributes: true, multipleImages: true, overlap: false, emptyImages: true, fileNames: true,
};

/** Deterministic segment ids for annotations whose id cannot be kept: the category colour first, then colours near it. */
class IdPicker {
  private readonly taken = new Set<number>();
  private state = 0x9e3779b9;

  constructor(private readonly colourOf: (categoryId: Id | undefined) => readonly [number, number, number] | undefined) {}

  keep(v: number): boolean {
    if (this.taken.has(v)) return false;
    this.taken.add(v);
    return true;
  }

  next(categoryId: Id | undefined): number {
    const c = this.colourOf(categoryId);
    if (c && this.keep(rgb2id(c[0], c[1], c[2])) && rgb2id(c[0], c[1], c[2]) !== 0) return rgb2id(c[0], c[1], c[2]);
    for (let tries = 0; tries < 64; tries++) {
      // xorshift32: the same input gives the same ids on every run.
      let s = this.state;
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      this.state = s >>> 0;
      const jitter = (k: number): number => ((this.state >>> (k * 8)) & 0x3f) - 32;
      const clamp = (v: number): number => Math.min(255, Math.max(0, v));
      const v = c ? rgb2id(clamp(c[0] + jitter(0)), clamp(c[1] + jitter(1)), clamp(c[2] + jitter(2))) : this.state & MAX_SEGMENT_ID;
      if (v !== 0 && this.keep(v)) return v;
    }
    for (let v = 1; ; v++) if (this.keep(v)) return v;
  }
}

/** A category's display colour: its own, or one derived from its id (the same every run). */
function categoryColour(c: Category): [number, number, number] {
  if (c.color) return [c.color[0], c.color[1], c.color[2]];
  let h = 2166136261;
  for (const ch of String(c.id)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  h >>>= 0;
  return [64 + (h & 0xbf), 64 + ((h >>> 8) & 0xbf), 64 + ((h >>> 16) & 0xbf)];
}

async function* writeFiles(dataset: MaskDataset | MaskDatasetStream, options: Partial<PanopticWriteOptions> = {}, context: DialectContext = silentContext): AsyncGenerator<OutputFile> {
  const o = parseDialectOptions(writeSchema, options, 'coco-panoptic', ZOD_MESSAGES);
  if (o.name === '' || /[/\\]|^\.\.?$/.test(o.name)) throw new RleError('INVALID_OPTION', 'name is a base name', { path: ['name'], expected: 'a name without slashes (panoptic_val2017)', received: o.name });
  for (const im of dataset.images) checkPaintPixels(im.height * im.width, o.maxPixels, `Image ${String(im.id)}`, ['images', String(im.id)]);
  const warn = context.warn;
  const cats = new Map<Id, Category>(dataset.categories.map((c) => [c.id, c]));
  const colours = new Map<Id, [number, number, number]>(dataset.categories.map((c) => [c.id, categoryColour(c)]));
  const count = { renumbered: 0, empty: 0, lost: 0, noCategory: 0 };
  const features = countHeader(dataset.images, dataset.categories, capabilities);
  const annotations: Json[] = [];
  const pngNames = new Map<string, Id>();
  for await (const { image, annotations: list } of groupByImage(dataset)) {
    const size = { height: image.height, width: image.width };
    const given = image.attributes?.panoptic_file_name;
    const png = typeof given === 'string' && given !== '' && !given.split(/[/\\]/).includes('..') && !given.startsWith('/') ? given : `${stem(image.fileName ?? String(image.id))}.png`;
    const owner = pngNames.get(png);
    if (owner !== undefined) throw new RleError('INVALID_OPTION', `Images ${String(owner)} and ${String(image.id)} would both be written as ${png}`, { path: ['images', String(image.id)], expected: 'distinct file names', received: png });
    pngNames.set(png, image.id);
    const picker = new IdPicker((cid) => (cid === undefined ? undefined : colours.get(cid)));
    // Ids that can be kept (integers that fit 24 bits, unique in the image) are claimed first, so generated ones avoid them.
    const keepable = new Set<Annotation>();
    for (const a of list) {
      if (a.mask.height !== size.height || a.mask.width !== size.width) {
        throw new RleError('SIZE_MISMATCH', `Annotation ${String(a.id)} differs in size from image ${String(image.id)}`, { path: ['annotations', String(a.id)], expected: `${size.height}x${size.width}`, received: `${a.mask.height}x${a.mask.width}` });
      }
      tallyAnnotation(features, a);
      if (typeof a.id === 'number' && Number.isSafeInteger(a.id) && a.id >= 1 && a.id <= MAX_SEGMENT_ID && !a.mask.isEmpty() && picker.keep(a.id)) keepable.add(a);
    }
    const entries: [number, Mask][] = [];
    const byId = new Map<number, Annotation>();
    for (const a of list) {
      if (a.mask.isEmpty()) {
        count.empty++;
        continue;
      }
      if (a.categoryId === undefined) count.noCategory++;
      let sid: number;
      if (keepable.has(a)) sid = a.id as number;
      else {
        sid = picker.next(a.categoryId);
        count.renumbered++;
      }
      entries.push([sid, a.mask]);
      byId.set(sid, a);
    }
    const map = LabelMap.fromMasks(entries, size, { overlap: o.overlap, warn });
    const painted = map.masks();
    const segments: Json[] = [];
    for (const [sid, a] of byId) {
      const m = painted.get(sid);
      if (m === undefined) {
        count.lost++;
        continue;
      }
      const b = m.bbox();
      const s: Json = { id: sid, category_id: a.categoryId ?? 0, iscrowd: a.iscrowd === true ? 1 : 0, bbox: [b.x, b.y, b.width, b.height], area: m.area() };
      if (a.attributes) for (const [k, v] of Object.entries(a.attributes)) if (!(k in s)) s[k] = v;
      segments.push(s);
    }
    const entry: Json = { image_id: image.id, file_name: png, segments_info: segments };
    const more = image.attributes?.panoptic_annotation;
    if (typeof more === 'object' && more !== null && !Array.isArray(more)) for (const [k, v] of Object.entries(more)) if (!(k in entry)) entry[k] = v;
    annotations.push(entry);
    yield { path: `${o.name}/${png}`, bytes: encodeSegmentIds(map) };
  }
  const images = dataset.images.map((im) => {
    const out: Json = { id: im.id };
    if (im.fileName !== undefined) out.file_name = im.fileName;
    out.height = im.height;
    out.width = im.width;
    if (im.attributes) for (const [k, v] of Object.entries(im.attributes)) if (k !== 'panoptic_file_name' && k !== 'panoptic_annotation' && !(k in out)) out[k] = v;
    return out;
  });
  const categories = dataset.categories.map((c) => {
    const out: Json = { id: c.id, name: c.name };
    if (c.supercategory !== undefined) out.supercategory = c.supercategory;
    const thing = c.attributes?.isthing;
    out.isthing = thing === 0 || thing === false ? 0 : 1;
    out.color = colours.get(c.id);
    if (c.attributes) for (const [k, v] of Object.entries(c.attributes)) if (!(k in out)) out[k] = v;
    return out;
  });
  if (count.noCategory > 0) {
    // panopticapi needs a category on every segment: those without one go to category 0, added once.
    if (!cats.has(0)) categories.push({ id: 0, name: 'unlabeled', isthing: 1, color: [128, 128, 128] });
    warn({ code: 'default-category', message: `${count.noCategory} masks without a category were written with category 0 ("unlabeled"${cats.has(0) ? `, the dataset's category 0` : ''})`, count: count.noCategory });
  }
  const top: Json = { ...(extras.get(dataset) ?? {}), images, annotations, categories };
  yield { path: `${o.name}.json`, bytes: encodeUtf8(stringifyJson(top)) };
  if (count.renumbered > 0) warn({ code: 'renumbered-ids', message: `${count.renumbered} annotations were given new segment ids (a panoptic id is an integer from 1 to ${MAX_SEGMENT_ID}, unique in its image)`, count: count.renumbered, capability: 'instanceIds' });
  if (count.empty > 0) warn({ code: 'empty-mask', message: `${count.empty} empty masks have no pixels to hold their segment and were not written`, count: count.empty });
  if (count.lost > 0) warn({ code: 'overlap-resolved', message: `${count.lost} masks lost all their pixels to the "${o.overlap}" policy and were not written`, count: count.lost, capability: 'overlap' });
  const reported = new Set<string>(['overlap', ...(count.renumbered > 0 ? ['instanceIds'] : [])]);
  for (const w of notCarried(features, capabilities, 'coco-panoptic', reported)) warn(w);
}

/**
 * The schema (so the CLI can list its options as flags) whose `parse` throws an INVALID_OPTION
 * RleError: zod/mini's own errors are not classic ZodErrors, which callers match on.
 */
function withRleErrors<T>(schema: z.ZodMiniType<T>): OptionsSchema<T> {
  return Object.assign(Object.create(schema) as object, { parse: (input: unknown): T => parseDialectOptions(schema, input, 'coco-panoptic', ZOD_MESSAGES) }) as OptionsSchema<T>;
}

export const dialect: Dialect<PanopticReadOptions, PanopticWriteOptions> = {
  id: 'coco-panoptic',
  title: 'COCO panoptic (JSON + segment-id PNGs)',
  extensions: ['.json'],
  capabilities,
  readOptions: withRleErrors(readSchema),
  writeOptions: withRleErrors(writeSchema),
  input: 'either',
  output: 'folder',
  sniff: (head) => sniffPanoptic(head).confidence,
  sniffDetail: (head) => sniffPanoptic(head),
  readStream,
  async read(input, options, context) {
    const stream = await readStream(input, options, context);
    const d = await collectDataset(stream);
    const top = extras.get(stream);
    if (top) extras.set(d, top);
    return d;
  },
  async write() {
    throw new RleError('INVALID_OPTION', 'coco-panoptic writes a folder: the JSON and its folder of PNGs', { expected: 'writeFiles (-o <folder>)' });
  },
  writeFiles,
};
