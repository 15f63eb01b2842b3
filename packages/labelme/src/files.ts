/**
 * LabelMe JSON files (one per image) and folders of them, read into and written from core's
 * MaskDataset.
 *
 * Reading: polygon (also `oriented_rectangle`), rectangle, circle and mask shapes become masks as
 * LabelMe's `shapes_to_label` makes them; shapes that share a label and a `group_id` are one
 * instance (a shape without `group_id` is an instance of its own); labels are the categories.
 * Points, lines and line strips are areas only by LabelMe's stroke width: they are kept aside
 * (for a LabelMe writer) and reported.
 *
 * Writing: each instance's connected parts as polygons whose vertices sit on boundary pixel
 * centres, checked by drawing them back as Pillow does; a part a polygon cannot give exactly (a
 * hole, pixels touching at a corner) becomes a `mask` shape (`shapes: 'auto'`). One file per
 * image, LabelMe's field order, `imageData: null` unless asked.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { isJsonObject, setOwnKey, annotationsByImage, DatasetBuilder, readAllFiles, readFileByFile,
  JSON_HEAD, MAX_MASK_PIXELS, Mask, RleError, checkSize, collectDataset, decodeUtf8, describeValue, encodeUtf8, isFolderSource,
  notCarried, parseDialectOptions, parseJson, polygonize, rasterizePolygon, readAllBytes,
  type Annotation, type ByteSource, type Category, type Dialect, type DialectContext, type DialectInput, type FileByFileRead, type FolderSource, type Id,
  type ImageInfo, type MaskDataset, type MaskDatasetStream, type OutputFile, type WarningSink,
} from '@rlekit/core';
import { DEFAULT_MAX_MASK_PIXELS, encodeMaskPng, toBase64 } from './mask-shape.js';
import { drawPolygon } from './raster.js';
import { shapeToMask } from './shapes.js';
import { sniffLabelMe } from './sniff.js';

/** zod/mini carries no messages: zod's English ones, for INVALID_OPTION errors users read. */
const ZOD_MESSAGES = { error: en().localeError };

type Path = (string | number)[];
type Json = Record<string, unknown>;

export const readOptions = z.object({
  maxBytes: z._default(z.number().check(z.int(), z.positive(), z.describe('Largest JSON file (all files of a folder together) read into memory, in bytes')), 0x1fffffe8),
  maxPixels: z._default(z.number().check(z.int(), z.positive(), z.maximum(MAX_MASK_PIXELS), z.describe('Largest image (imageHeight * imageWidth) accepted')), MAX_MASK_PIXELS),
  maxMaskPixels: z._default(z.number().check(z.int(), z.positive(), z.maximum(MAX_MASK_PIXELS), z.describe('Largest mask-shape PNG (its width * height) decoded; its samples are held in memory once')), DEFAULT_MAX_MASK_PIXELS),
});
export type LabelMeReadOptions = z.infer<typeof readOptions>;

export const writeOptions = z.object({
  shapes: z._default(z.enum(['auto', 'polygon', 'mask']).check(z.describe('auto: a polygon per part where it draws back exactly, else a mask shape; polygon: polygons only (holes filled, reported); mask: one mask shape per instance')), 'auto'),
  imageData: z._default(z.boolean().check(z.describe('Embed each image (base64) as LabelMe\'s imageData, read from the images folder')), false),
  images: z.optional(z.string().check(z.minLength(1), z.describe('Folder of the images, for imageData'))),
  fileVersion: z._default(z.string().check(z.minLength(1), z.describe('The version field written, for files read without one (mask shapes came with the AI-mask mode of LabelMe, late 2023)')), '5.5.0'),
  defaultLabel: z._default(z.string().check(z.minLength(1), z.describe('Label of annotations without a category')), 'object'),
  indent: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(8), z.describe('Spaces of JSON indentation (LabelMe writes 2)')), 2),
});
export type LabelMeWriteOptions = z.infer<typeof writeOptions>;

function need(cond: boolean, path: Path, message: string, expected: string, received?: unknown): asserts cond {
  if (!cond) throw new RleError('INVALID_STRUCTURE', message, { path, expected, received: describeValue(received) });
}

/** Keys of a LabelMe file the model holds (or LabelMe writes itself). */
const FILE_KEYS = ['version', 'flags', 'shapes', 'imagePath', 'imageData', 'imageHeight', 'imageWidth'];
/** Keys of a shape the model holds. */
const SHAPE_KEYS = ['label', 'points', 'group_id', 'description', 'shape_type', 'flags', 'mask'];
/** Area shapes: drawn as masks. `oriented_rectangle` (LabelMe 6) is drawn as its polygon. */
const AREAS = new Set(['polygon', 'rectangle', 'circle', 'mask', 'oriented_rectangle']);

/** What LabelMe-specific structure an image carries (`ImageInfo.attributes.labelme`). */
export interface LabelMeImageAttributes {
  version?: string;
  /** Image-level flags. */
  flags?: Json;
  /** imagePath as written, when it is not the file name's last part. */
  imagePath?: string;
  /** Top-level keys LabelMe keeps as otherData. */
  other?: Json;
  /** Shapes that are not areas (points, lines, line strips), with their place in `shapes`. */
  otherShapes?: { at: number; shape: unknown }[];
}

// ---------------------------------------------------------------------------------------------
// Read

class Reader extends DatasetBuilder {
  private imageData = 0;

  constructor(private readonly options: LabelMeReadOptions, private readonly warn: WarningSink) {
    super();
  }

  finish(): void {
    this.reportSkipped(this.warn, (kind, n) => `rlekit reads LabelMe's area shapes (polygon, rectangle, circle, mask) as masks: ${n} ${kind} shapes were not read (LabelMe draws them only as strokes: lines 10 px wide, points as discs of radius 5)`);
    if (this.imageData > 0) this.warn({ code: 'not-carried', message: `the images embedded as imageData were not read (${this.imageData} images): write with imageData and an images folder to embed them again`, count: this.imageData });
  }


  /** One LabelMe file; `dir` is its folder inside the dataset ('' for none), for the image's file name. */
  read(root: unknown, path: Path, dir: string): void {
    need(isJsonObject(root), path, 'A LabelMe file is a JSON object', 'an object', root);
    need(Array.isArray(root.shapes), [...path, 'shapes'], 'A LabelMe file has a shapes list', 'a list', root.shapes);
    for (const k of ['imageHeight', 'imageWidth']) {
      const v = root[k];
      if (typeof v !== 'number') throw new RleError('INVALID_STRUCTURE', `A LabelMe file needs ${k} (LabelMe 3.x files without it: open and save them in LabelMe)`, { path: [...path, k], expected: 'an integer', received: describeValue(v) });
    }
    const size = { height: root.imageHeight as number, width: root.imageWidth as number };
    try {
      checkSize(size, this.options.maxPixels);
    } catch (e) {
      throw e instanceof RleError ? e.at(...path, 'imageHeight') : e;
    }
    const id = this.images.length + 1;
    const image: ImageInfo = { id, ...size };
    const lm: LabelMeImageAttributes = {};
    const imagePath = root.imagePath;
    if (typeof imagePath === 'string' && imagePath !== '') {
      image.fileName = joinPath(dir, imagePath.replace(/\\/g, '/'));
      const last = image.fileName.split('/').pop()!;
      if (imagePath !== last) lm.imagePath = imagePath;
    }
    if (typeof root.version === 'string') lm.version = root.version;
    if (isJsonObject(root.flags) && Object.keys(root.flags).length > 0) lm.flags = root.flags;
    if (typeof root.imageData === 'string' && root.imageData !== '') this.imageData++;
    const other: Json = {};
    for (const k of Object.keys(root)) if (!FILE_KEYS.includes(k)) setOwnKey(other, k, root[k]);
    if (Object.keys(other).length > 0) lm.other = other;

    // Instances in order of their first shape: (label, group_id), or the shape alone.
    const instances: { label: string; mask: Mask; attributes: Json }[] = [];
    const byGroup = new Map<string, number>();
    const others: { at: number; shape: unknown }[] = [];
    root.shapes.forEach((s: unknown, i: number) => {
      const sp = [...path, 'shapes', i];
      need(isJsonObject(s), sp, 'A shape is an object', 'an object', s);
      need(typeof s.label === 'string', [...sp, 'label'], 'A shape has a label', 'a string', s.label);
      const type = s.shape_type ?? 'polygon';
      need(typeof type === 'string', [...sp, 'shape_type'], 'shape_type is a string', 'a string', type);
      if (!AREAS.has(type)) {
        this.skip(type);
        others.push({ at: i, shape: s });
        return;
      }
      const groupId = s.group_id ?? null;
      need(groupId === null || (typeof groupId === 'number' && Number.isSafeInteger(groupId)), [...sp, 'group_id'], 'group_id is an integer or null', 'an integer or null', groupId);
      const mask = shapeToMask({ shape_type: type === 'oriented_rectangle' ? 'polygon' : type, points: s.points, mask: s.mask }, size, { maxPixels: Math.min(this.options.maxPixels, this.options.maxMaskPixels), path: sp });
      const key = groupId === null ? undefined : `${groupId}\u0000${s.label}`;
      const at = key === undefined ? undefined : byGroup.get(key);
      if (at !== undefined) {
        const inst = instances[at]!;
        inst.mask = inst.mask.union(mask);
        return;
      }
      const attributes: Json = {};
      if (groupId !== null) attributes.group_id = groupId;
      if (typeof s.description === 'string' && s.description !== '') attributes.description = s.description;
      if (isJsonObject(s.flags) && Object.keys(s.flags).length > 0) attributes.flags = s.flags;
      for (const k of Object.keys(s)) if (!SHAPE_KEYS.includes(k)) setOwnKey(attributes, k, s[k]);
      if (key !== undefined) byGroup.set(key, instances.length);
      instances.push({ label: s.label, mask, attributes });
    });
    for (const inst of instances) {
      const a: Annotation = { id: this.annotations.length + 1, imageId: id, categoryId: this.category(inst.label).id, mask: inst.mask };
      if (Object.keys(inst.attributes).length > 0) a.attributes = inst.attributes;
      this.annotations.push(a);
    }
    if (others.length > 0) lm.otherShapes = others;
    if (Object.keys(lm).length > 0) image.attributes = { labelme: lm };
    this.images.push(image);
  }
}

/** `dir` + a relative path, with `.` and `..` resolved (never above the dataset's folder). */
function joinPath(dir: string, rel: string): string {
  if (rel.startsWith('/') || /^[a-zA-Z]:\//.test(rel)) return rel.split('/').pop()!;
  const parts = dir === '' ? [] : dir.split('/');
  for (const p of rel.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return parts.join('/');
}

function parseAt(text: string, file: string | undefined): unknown {
  try {
    return parseJson(text, 'a LabelMe JSON file');
  } catch (e) {
    throw e instanceof RleError && file !== undefined ? e.at(file) : e;
  }
}

/**
 * Parses the text of one LabelMe file.
 * @example
 * ```ts
 * const text = JSON.stringify({
 *   version: '5.5.0', flags: {}, imagePath: 'leaf.png', imageData: null, imageHeight: 3, imageWidth: 4,
 *   shapes: [{ label: 'leaf', points: [[1, 0], [2, 0], [2, 1], [1, 1]], group_id: null, shape_type: 'polygon', flags: {} }],
 * });
 * const dataset = parseLabelMeJson(text);
 * [dataset.categories[0].name, dataset.annotations[0].mask.area()]; // → ['leaf', 4]
 * ```
 */
export function parseLabelMeJson(text: string, options: Partial<LabelMeReadOptions> = {}, context?: DialectContext): MaskDataset {
  const opts = parseDialectOptions(readOptions, options, 'labelme', ZOD_MESSAGES);
  const reader = new Reader(opts, context?.warn ?? (() => {}));
  reader.read(parseAt(text, undefined), [], '');
  reader.finish();
  return { images: reader.images, categories: reader.categories, annotations: reader.annotations };
}

/** The input's LabelMe files, read one per step into `reader` (a folder's in path order, within maxBytes in all). */
async function labelMeFiles(input: DialectInput, reader: Reader, maxBytes: number): Promise<AsyncGenerator<void>> {
  if (!isFolderSource(input)) {
    return (async function* () {
      reader.read(parseAt(decodeUtf8(await readAllBytes(input, maxBytes, { head: JSON_HEAD })), undefined), [], '');
      yield;
    })();
  }
  const files = (await input.list()).filter((f) => f.toLowerCase().endsWith('.json'));
  if (files.length === 0) throw new RleError('INVALID_STRUCTURE', 'No LabelMe JSON files in the folder', { expected: '<image>.json files' });
  return (async function* () {
    let budget = maxBytes;
    for (const f of files) {
      const bytes = await readAllBytes(input.open(f), budget, { head: JSON_HEAD });
      budget -= bytes.length;
      const slash = f.lastIndexOf('/');
      reader.read(parseAt(decodeUtf8(bytes), f), [f], slash < 0 ? '' : f.slice(0, slash));
      yield;
    }
  })();
}

/** A LabelMe read file by file: `read` reads it to the end, `readIncrementally` (`inspect --limit`) may stop. */
async function openLabelMeRead(input: DialectInput, options: Partial<LabelMeReadOptions> | undefined, context: DialectContext | undefined): Promise<FileByFileRead> {
  const opts = parseDialectOptions(readOptions, options ?? {}, 'labelme', ZOD_MESSAGES);
  const reader = new Reader(opts, context?.warn ?? (() => {}));
  return { dataset: reader, files: await labelMeFiles(input, reader, opts.maxBytes), finish: () => reader.finish() };
}

// ---------------------------------------------------------------------------------------------
// Write

/**
 * A pixel-edge ring (pixel corners, clockwise on screen, as core's polygonize gives) moved half a
 * pixel inwards: its vertices land on the centres of the boundary pixels, where Pillow's filled
 * polygon (boundary included) draws exactly the ring's pixels when the part allows it.
 * @example
 * ```ts
 * // The corners of a 2×2 block of pixels → the centres of its four pixels, which Pillow (and
 * // LabelMe) put at integer coordinates.
 * centreRing([0, 0, 2, 0, 2, 2, 0, 2]); // → [0, 0, 1, 0, 1, 1, 0, 1]
 * ```
 */
export function centreRing(ring: readonly number[]): number[] {
  const n = ring.length / 2;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = (i + n - 1) % n, q = (i + 1) % n;
    const x = ring[2 * i]!, y = ring[2 * i + 1]!;
    const dxIn = Math.sign(x - ring[2 * p]!), dyIn = Math.sign(y - ring[2 * p + 1]!);
    const dxOut = Math.sign(ring[2 * q]! - x), dyOut = Math.sign(ring[2 * q + 1]! - y);
    // Inward normal of a clockwise (screen) edge (dx, dy) is (-dy, dx); the offset corner moves by half of each.
    const cx = x + 0.5 * (-dyIn - dyOut) - 0.5, cy = y + 0.5 * (dxIn + dxOut) - 0.5;
    const m = out.length;
    if (m >= 2 && out[m - 2] === cx && out[m - 1] === cy) continue;
    out.push(cx, cy);
  }
  while (out.length >= 4 && out[0] === out[out.length - 2] && out[1] === out[out.length - 1]) out.length -= 2;
  return out;
}

function pairs(xy: readonly number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < xy.length; i += 2) out.push([xy[i]!, xy[i + 1]!]);
  return out;
}

interface Piece {
  shape_type: 'polygon' | 'mask';
  points: number[][];
  mask?: string;
}

/** A mask shape of `mask`'s pixels inside its bounding box, as LabelMe writes one. */
function maskPiece(mask: Mask): Piece {
  const b = mask.bbox();
  const crop = mask.crop(b);
  return { shape_type: 'mask', points: [[b.x, b.y], [b.x + b.width - 1, b.y + b.height - 1]], mask: toBase64(encodeMaskPng(crop)) };
}

interface WriteStats {
  changedMasks: number;
  changedPixels: number;
  worstIou: number;
  filledHoles: number;
}

/** The shapes of one instance under the `shapes` policy. */
function pieces(mask: Mask, policy: 'auto' | 'polygon' | 'mask', stats: WriteStats): Piece[] {
  if (mask.isEmpty()) return [];
  if (policy === 'mask') return [maskPiece(mask)];
  const size = mask.size;
  const out: Piece[] = [];
  let drawn = Mask.empty(size);
  for (const part of polygonize(mask)) {
    const ring = centreRing(part.outer);
    // One pixel, or a one-pixel line: fewer than three corners are left; LabelMe wants three points.
    while (ring.length < 6) ring.push(ring[0]!, ring[1]!);
    // The part's pixels: its outer ring (holes filled) less its holes, by the polygon rules the rings follow.
    let pixels = rasterizePolygon(part.outer, size);
    for (const hole of part.holes) pixels = pixels.xor(rasterizePolygon(hole, size));
    const exact = part.holes.length === 0 && drawPolygon(ring, size).equals(pixels);
    if (exact || policy === 'polygon') {
      out.push({ shape_type: 'polygon', points: pairs(ring) });
      if (policy === 'polygon') {
        drawn = drawn.union(drawPolygon(ring, size));
        stats.filledHoles += part.holes.length;
      }
    } else {
      out.push(maskPiece(pixels));
    }
  }
  if (policy === 'polygon') {
    const o = drawn.overlap(mask);
    const changed = o.union - o.intersection;
    if (changed > 0) {
      stats.changedMasks++;
      stats.changedPixels += changed;
      stats.worstIou = Math.min(stats.worstIou, o.union === 0 ? 1 : o.intersection / o.union);
    }
  }
  return out;
}

interface BuiltFile {
  image: ImageInfo;
  json: Json;
}

/**
 * One LabelMe object per image. `imageBytes` gives an image's bytes when imageData is asked for.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0], { height: 3, width: 4 }, 'row');
 * const [file] = await buildLabelMe({ images: [{ id: 1, height: 3, width: 4, fileName: 'leaf.png' }], categories: [{ id: 1, name: 'leaf' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] });
 * (file.json as { shapes: { shape_type: string; label: string }[] }).shapes.map((s) => [s.label, s.shape_type]); // → [['leaf', 'polygon']]
 * ```
 */
export async function buildLabelMe(
  dataset: MaskDataset, options: Partial<LabelMeWriteOptions> = {}, warn: WarningSink = () => {},
  imageBytes?: (image: ImageInfo) => Promise<Uint8Array>,
): Promise<BuiltFile[]> {
  const opts = parseDialectOptions(writeOptions, options, 'labelme', ZOD_MESSAGES);
  for (const w of notCarried(dataset, capabilities, 'labelme')) warn(w);
  const categoryById = new Map(dataset.categories.map((c) => [c.id, c]));
  const byImage = annotationsByImage(dataset);
  const stats: WriteStats = { changedMasks: 0, changedPixels: 0, worstIou: 1, filledHoles: 0 };
  let empty = 0, uncategorised = 0, maskShapes = 0, imageAttributesDropped = 0;
  const files: BuiltFile[] = [];
  for (const image of dataset.images) {
    const attrs = image.attributes ?? {};
    if (Object.keys(attrs).some((k) => k !== 'labelme')) imageAttributesDropped++;
    const lm = (isJsonObject(attrs.labelme) ? attrs.labelme : {}) as LabelMeImageAttributes;
    const list = byImage.get(image.id) ?? [];
    // group_ids: kept where they were given and stay unique per label; new ones above every kept one.
    const used = new Set<string>();
    let nextGroup = 0;
    for (const { a } of list) {
      const g = a.attributes?.group_id;
      if (typeof g === 'number' && Number.isSafeInteger(g)) nextGroup = Math.max(nextGroup, g + 1);
    }
    const shapes: unknown[] = [];
    for (const { a, i } of list) {
      const path = ['annotations', i];
      if (a.mask.height !== image.height || a.mask.width !== image.width) {
        throw new RleError('SIZE_MISMATCH', 'Mask size differs from its image', { path, expected: `${image.height}x${image.width}`, received: `${a.mask.height}x${a.mask.width}` });
      }
      let label = opts.defaultLabel;
      if (a.categoryId === undefined) uncategorised++;
      else {
        const c = categoryById.get(a.categoryId);
        if (!c) throw new RleError('DANGLING_REFERENCE', `Annotation refers to category ${String(a.categoryId)}, which is not in categories`, { path: [...path, 'categoryId'] });
        label = c.name;
      }
      const ps = pieces(a.mask, opts.shapes, stats);
      if (ps.length === 0) {
        empty++;
        continue;
      }
      const at = a.attributes ?? {};
      let group: number | null = null;
      const given = at.group_id;
      if (typeof given === 'number' && Number.isSafeInteger(given) && !used.has(`${given}\u0000${label}`)) group = given;
      else if (ps.length > 1) {
        while (used.has(`${nextGroup}\u0000${label}`)) nextGroup++;
        group = nextGroup++;
      }
      if (group !== null) used.add(`${group}\u0000${label}`);
      for (const p of ps) {
        if (p.shape_type === 'mask') maskShapes++;
        const s: Json = {};
        s.label = label;
        s.points = p.points;
        s.group_id = group;
        s.description = typeof at.description === 'string' ? at.description : '';
        s.shape_type = p.shape_type;
        s.flags = isJsonObject(at.flags) ? at.flags : {};
        s.mask = p.mask ?? null;
        for (const k of Object.keys(at)) if (!SHAPE_KEYS.includes(k)) setOwnKey(s, k, at[k]);
        shapes.push(s);
      }
    }
    for (const { at, shape } of lm.otherShapes ?? []) shapes.splice(Math.min(at, shapes.length), 0, shape);
    const json: Json = {};
    json.version = typeof lm.version === 'string' ? lm.version : opts.fileVersion;
    json.flags = isJsonObject(lm.flags) ? lm.flags : {};
    json.shapes = shapes;
    json.imagePath = typeof lm.imagePath === 'string' ? lm.imagePath : (image.fileName ?? `${String(image.id)}.png`).split('/').pop();
    json.imageData = null;
    if (opts.imageData) {
      if (!imageBytes) throw new RleError('INVALID_OPTION', 'imageData needs the images folder', { path: ['images'], expected: '--images <folder>' });
      json.imageData = toBase64(await imageBytes(image));
    }
    json.imageHeight = image.height;
    json.imageWidth = image.width;
    for (const [k, v] of Object.entries(lm.other ?? {})) if (!FILE_KEYS.includes(k)) setOwnKey(json, k, v);
    files.push({ image, json });
  }
  if (empty > 0) warn({ code: 'not-carried', message: `LabelMe has no empty shape: ${empty} empty masks were not written`, count: empty });
  if (uncategorised > 0) warn({ code: 'default-category', message: `LabelMe shapes need a label: ${uncategorised} annotations without a category were written as "${opts.defaultLabel}"`, count: uncategorised });
  if (imageAttributesDropped > 0) warn({ code: 'not-carried', message: `labelme cannot carry image attributes (other than its own): ${imageAttributesDropped} images' attributes lost`, count: imageAttributesDropped, capability: 'imageAttributes' });
  if (stats.changedMasks > 0) {
    warn({ code: 'pixels-changed', message: `LabelMe polygons cannot hold holes or every pixel shape: ${stats.changedMasks} masks changed by ${stats.changedPixels} pixels (${stats.filledHoles} holes filled; worst IoU ${stats.worstIou.toFixed(4)}); shapes: 'auto' keeps them exact with mask shapes`, count: stats.changedMasks });
  }
  if (opts.shapes === 'auto' && maskShapes > 0) warn({ code: 'mask-shapes', message: `${maskShapes} parts were written as mask shapes (a hole, or pixels a polygon cannot draw exactly); LabelMe reads them since its AI-mask mode (late 2023)`, count: maskShapes });
  return files;
}

function jsonBytes(v: unknown, indent: number): Uint8Array {
  return encodeUtf8(`${JSON.stringify(v, null, indent)}\n`);
}

/** The file an image's JSON goes to: its file name with .json for the extension (LabelMe saves beside the image). */
function jsonPath(image: ImageInfo): string {
  const name = (image.fileName ?? `${String(image.id)}.png`).replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.' && p !== '..').join('/');
  const dot = name.lastIndexOf('.');
  return `${dot > name.lastIndexOf('/') ? name.slice(0, dot) : name}.json`;
}

async function imageReader(opts: LabelMeWriteOptions, context: DialectContext | undefined): Promise<((image: ImageInfo) => Promise<Uint8Array>) | undefined> {
  if (!opts.imageData) return undefined;
  if (opts.images === undefined) throw new RleError('INVALID_OPTION', 'imageData needs the images folder', { path: ['images'], expected: '--images <folder>' });
  if (!context?.open) throw new RleError('INVALID_OPTION', 'imageData needs a way to open the images folder (context.open)', { path: ['images'] });
  const folder = await context.open(opts.images);
  if (!isFolderSource(folder)) throw new RleError('INVALID_OPTION', 'images is not a folder', { path: ['images'], expected: 'a folder' });
  return async (image) => {
    if (image.fileName === undefined) throw new RleError('INVALID_OPTION', 'imageData needs file names: an image has none', { path: ['images'], received: `image ${String(image.id)}` });
    return readAllBytes(folder.open(image.fileName) as ByteSource, 0x1fffffe8);
  };
}

// ---------------------------------------------------------------------------------------------
// Dialect

export const capabilities = {
  categories: true, categoryNames: true, attributes: true, multipleImages: true, overlap: true, emptyImages: true, fileNames: true, imageAttributes: true,
  // Labels are names; instances are shapes (group_id), not ids; an image is a file.
  categoryIds: false, categoryAttributes: false, unusedCategories: false, instanceIds: false, scores: false, crowd: false, imageIds: false,
};

export const dialect: Dialect<LabelMeReadOptions, LabelMeWriteOptions> = {
  id: 'labelme',
  title: 'LabelMe JSON (polygon, rectangle, circle and mask shapes), one file per image or a folder',
  extensions: ['.json'],
  capabilities,
  readOptions,
  writeOptions,
  input: 'either',
  output: 'folder',
  sniff: (head) => sniffLabelMe(head).confidence,
  sniffDetail: (head) => sniffLabelMe(head),
  read: async (input, options, context) => readAllFiles(await openLabelMeRead(input, options, context)),
  readIncrementally: async (input, options, context) => readFileByFile(await openLabelMeRead(input, options, context)),
  async write(dataset: MaskDataset | MaskDatasetStream, options?: Partial<LabelMeWriteOptions>, context?: DialectContext): Promise<Uint8Array> {
    const opts = parseDialectOptions(writeOptions, options ?? {}, 'labelme', ZOD_MESSAGES);
    const d = await collectDataset(dataset);
    if (d.images.length !== 1) {
      throw new RleError('INVALID_OPTION', `A LabelMe file holds one image; this dataset has ${d.images.length}`, { expected: 'one image (write a folder, -o <folder>, for several)', received: String(d.images.length) });
    }
    const files = await buildLabelMe(d, opts, context?.warn, await imageReader(opts, context));
    return jsonBytes(files[0]!.json, opts.indent);
  },
  async *writeFiles(dataset: MaskDataset | MaskDatasetStream, options?: Partial<LabelMeWriteOptions>, context?: DialectContext): AsyncIterable<OutputFile> {
    const opts = parseDialectOptions(writeOptions, options ?? {}, 'labelme', ZOD_MESSAGES);
    const files = await buildLabelMe(await collectDataset(dataset), opts, context?.warn, await imageReader(opts, context));
    const seen = new Set<string>();
    for (const f of files) {
      const base = jsonPath(f.image);
      let path = base;
      for (let k = 2; seen.has(path.toLowerCase()); k++) path = `${base.slice(0, -5)}-${k}.json`;
      seen.add(path.toLowerCase());
      yield { path, bytes: jsonBytes(f.json, opts.indent) };
    }
  },
};
