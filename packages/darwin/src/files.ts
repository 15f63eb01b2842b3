/**
 * Darwin JSON 2.0 files: `{ version, schema_ref, item: { name, path, slots }, annotations }`, one
 * file per item (an export is a folder of them). Read into and written from core's MaskDataset.
 *
 * Images: one per image slot, and one per annotated frame of a video (or other frame-based) slot.
 * Masks come from the slot's (or frame's) `__raster_layer__`; polygons are rasterized (all paths
 * of one polygon together, even-odd, as Darwin's own upolygon fills them); boxes on request.
 * Categories are annotation `name`s (Darwin files carry no class ids). Everything else of a
 * Darwin file is carried as attributes, so reading then writing gives the same annotations back;
 * what a plain image would be written as is not stored again, so plain data comes back plain.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { isJsonObject, setOwnKey, withoutKeys, annotationsByImage, DatasetBuilder, JSON_HEAD, parseDialectOptions,
  DEFAULT_MAX_POLYGON_CROSSINGS, MAX_MASK_PIXELS, Mask, RleError, collectDataset, decodeUtf8, encodeUtf8, isFolderSource, notCarried, parseJson,
  rasterizeBox, rasterizePolygon, readAllBytes, readAllFiles, readFileByFile,
  type Annotation, type Category, type Dialect, type DialectContext, type DialectInput, type FileByFileRead, type Id, type ImageInfo, type MaskDataset,
  type MaskDatasetStream, type OutputFile, type RleWarning, type WarningSink,
} from '@rlekit/core';
import { decodeLayer, encode, type RasterLayer } from './codec.js';

type Path = (string | number)[];
type Json = Record<string, unknown>;

export const SCHEMA_REF = 'https://darwin-public.s3.eu-west-1.amazonaws.com/darwin_json/2.0/schema.json';
export const RASTER_LAYER_NAME = '__raster_layer__';

// ---------------------------------------------------------------------------------------------
// Options

export const readOptions = z.object({
  maxBytes: z._default(z.int().check(z.positive()), 0x1fffffe8)
    .register(z.globalRegistry, { description: 'Largest file read into memory, in bytes' }),
  maxPixels: z._default(z.int().check(z.positive(), z.lte(MAX_MASK_PIXELS)), MAX_MASK_PIXELS)
    .register(z.globalRegistry, { description: 'Largest slot (height * width) decoded; larger ones are refused before allocating' }),
  boxes: z._default(z.enum(['skip', 'rasterize']), 'skip')
    .register(z.globalRegistry, { description: 'Bounding-box annotations (without a polygon or mask): skip them (reported as not carried) or rasterize them as masks' }),
  maxPolygonCrossings: z._default(z.int().check(z.positive()), DEFAULT_MAX_POLYGON_CROSSINGS)
    .register(z.globalRegistry, { description: 'Largest number of pixel-column crossings of one polygon path (4 bytes each), refused before rasterizing' }),
});
export type DarwinReadOptions = z.infer<typeof readOptions>;

export const writeOptions = z.object({
  indent: z._default(z.int().check(z.gte(0), z.lte(8)), 2)
    .register(z.globalRegistry, { description: 'Spaces of JSON indentation (0: one line)' }),
  overlap: z._default(z.enum(['error', 'first', 'last']), 'last')
    .register(z.globalRegistry, { description: 'Which mask keeps a pixel claimed by several masks (a raster layer holds one mask per pixel); the pixels lost are reported' }),
  defaultLabel: z._default(z.string().check(z.minLength(1)), 'object')
    .register(z.globalRegistry, { description: 'name (class) of annotations that have no category' }),
});
export type DarwinWriteOptions = z.infer<typeof writeOptions>;

function parseOptions<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  // zod/mini ships no messages: zod's English ones, as the full zod printed them.
  return parseDialectOptions(schema, input, undefined, { error: en().localeError });
}

// ---------------------------------------------------------------------------------------------
// Helpers

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

function need(cond: boolean, path: Path, message: string, expected: string, received?: unknown): asserts cond {
  if (!cond) throw new RleError('INVALID_STRUCTURE', message, { path, expected, received: received === undefined ? undefined : typeName(received) });
}

function sizeOf(slot: Json, path: Path): { height: number; width: number } {
  const { height, width } = slot;
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  need(ok(height), [...path, 'height'], 'A slot with annotations needs its height', 'a non-negative integer', height);
  need(ok(width), [...path, 'width'], 'A slot with annotations needs its width', 'a non-negative integer', width);
  return { height, width };
}

/** Annotation ids that are canonical decimal integers read as numbers, so numeric ids from other dialects come back unchanged. */
function idFromString(s: string): Id {
  return /^(0|[1-9]\d{0,14})$/.test(s) ? Number(s) : s;
}

/** Frame-based slot types: their annotations are keyed by frame. */
const FRAME_SLOTS = new Set(['video', 'dicom', 'nifti']);

/** Keys of an annotation (or a frame of one) that the model holds elsewhere. */
const MODEL_KEYS = ['id', 'name', 'slot_names', 'mask', 'raster_layer', 'polygon', 'bounding_box', 'frames', 'ranges'];

/** The shapes that are not masks, by the key that holds them; reported as not carried. */
const OTHER_SHAPES = ['tag', 'keypoint', 'line', 'ellipse', 'cuboid', 'skeleton', 'directional_vector', 'string', 'graph', 'table', 'simple_table'];

/** What Darwin-specific structure an image carries (under `ImageInfo.attributes.darwin`). */
export interface DarwinImageAttributes {
  /** Top-level keys of the file other than `item` and `annotations` (version, schema_ref, ...). */
  file?: Json;
  /** The item without `slots`. */
  item?: Json;
  /** The image's slot. */
  slot?: Json;
  /** The frame of a frame-based slot. */
  frame?: number;
  /** The raster layer annotation's id and other keys. */
  rasterLayer?: Json;
  /** Annotations that are not masks (tags, keypoints, skipped boxes, ...), kept for a Darwin writer. */
  otherAnnotations?: unknown[];
}

/** The id of a raster layer written for a slot whose layer had none (Darwin's own are UUIDs). */
function rasterLayerId(slotName: string): string {
  return slotName === '0' ? RASTER_LAYER_NAME : `${RASTER_LAYER_NAME}:${slotName}`;
}

/** The file skeleton a plain image (no Darwin attributes) is written as. */
function plainFile(image: ImageInfo): { file: Json; item: Json; slot: Json } {
  const name = image.fileName ?? String(image.id);
  const slot: Json = { type: 'image', slot_name: '0', width: image.width, height: image.height, source_files: [{ file_name: name }] };
  return { file: { version: '2.0', schema_ref: SCHEMA_REF }, item: { name, path: '/' }, slot };
}

// ---------------------------------------------------------------------------------------------
// Read

interface SlotFrame {
  slotIndex: number;
  frame: number | undefined;
  /** Mask, polygon and box annotations in file order: the annotation, the body holding the shape, its path. */
  shapes: { ann: Json; body: Json; path: Path; kind: 'mask' | 'polygon' | 'box' }[];
  layer?: { layer: unknown; path: Path; ann: Json };
  others: unknown[];
}

class Reader extends DatasetBuilder {
  private frameImages = 0;

  constructor(private readonly options: DarwinReadOptions, private readonly warn: WarningSink) {
    super();
  }

  finish(): void {
    this.reportSkipped(this.warn, (kind, n) => `rlekit reads masks, polygons${this.options.boxes === 'rasterize' ? ' and boxes' : ''} from Darwin files: ${n} ${kind} annotations were not read${kind === 'bounding_box' ? ' (boxes: "rasterize" reads them as masks)' : ''}`);
  }

  readFile(root: unknown, filePath: Path): void {
    need(isJsonObject(root), filePath, 'A Darwin JSON file is an object', 'an object', root);
    const version = root.version;
    if (!(typeof version === 'string' && /^2(\.|$)/.test(version))) {
      if (isJsonObject(root.image)) throw new RleError('UNSUPPORTED', 'Darwin JSON 1.0 files (with "image") are not read; export Darwin JSON 2.0', { path: [...filePath, 'version'], expected: '"2.0"' });
      throw new RleError('INVALID_STRUCTURE', 'Not a Darwin JSON 2.0 file', { path: [...filePath, 'version'], expected: '"2.0"', received: typeof version === 'string' ? version.slice(0, 20) : typeName(version) });
    }
    const item = root.item;
    need(isJsonObject(item), [...filePath, 'item'], 'A Darwin file needs its item', 'an object', item);
    need(typeof item.name === 'string', [...filePath, 'item', 'name'], 'An item needs its name', 'a string', item.name);
    const slots = item.slots;
    need(Array.isArray(slots), [...filePath, 'item', 'slots'], 'An item needs its slots', 'an array', slots);
    const annotations = root.annotations ?? [];
    need(Array.isArray(annotations), [...filePath, 'annotations'], 'annotations is a list', 'an array', annotations);
    const slotIndex = new Map<string, number>();
    slots.forEach((s, i) => {
      need(isJsonObject(s), [...filePath, 'item', 'slots', i], 'A slot is an object', 'an object', s);
      need(typeof s.slot_name === 'string', [...filePath, 'item', 'slots', i, 'slot_name'], 'A slot needs its slot_name', 'a string', s.slot_name);
      if (!slotIndex.has(s.slot_name)) slotIndex.set(s.slot_name, i);
    });
    const isFrameSlot = (i: number): boolean => FRAME_SLOTS.has(String((slots[i] as Json).type));
    // Every image slot is an image (with or without masks); frame slots give one image per annotated frame.
    const places = new Map<string, SlotFrame>();
    const place = (i: number, frame: number | undefined): SlotFrame => {
      const key = `${i}:${frame ?? ''}`;
      let p = places.get(key);
      if (!p) places.set(key, (p = { slotIndex: i, frame, shapes: [], others: [] }));
      return p;
    };
    slots.forEach((_s, i) => {
      if (!isFrameSlot(i)) place(i, undefined);
    });
    annotations.forEach((raw, ai) => {
      const path = [...filePath, 'annotations', ai];
      need(isJsonObject(raw), path, 'An annotation is an object', 'an object', raw);
      const names = raw.slot_names;
      let si = 0;
      if (names !== undefined) {
        need(Array.isArray(names) && names.length > 0 && typeof names[0] === 'string', [...path, 'slot_names'], 'slot_names names the annotation\'s slot', 'a non-empty list of strings', names);
        const found = slotIndex.get(names[0] as string);
        if (found === undefined) throw new RleError('DANGLING_REFERENCE', 'An annotation names a slot the item does not have', { path: [...path, 'slot_names', 0], expected: [...slotIndex.keys()].slice(0, 5).join(', ') });
        si = found;
      } else if (slots.length === 0) throw new RleError('DANGLING_REFERENCE', 'An annotation on an item without slots', { path, expected: 'an item with a slot' });
      if (raw.frames !== undefined) {
        need(isJsonObject(raw.frames), [...path, 'frames'], 'frames maps frame numbers to shapes', 'an object', raw.frames);
        const keys = Object.keys(raw.frames).sort((a, b) => Number(a) - Number(b));
        for (const k of keys) {
          need(/^(0|[1-9]\d{0,8})$/.test(k), [...path, 'frames', k], 'A frame key is a frame number', 'a non-negative integer');
          const body = raw.frames[k];
          need(isJsonObject(body), [...path, 'frames', k], 'A frame of an annotation is an object', 'an object', body);
          this.sort(place(si, Number(k)), raw, body, [...path, 'frames', k]);
        }
      } else {
        if (isFrameSlot(si)) {
          // Nothing on a frame: no image to put it on (a video-level tag, say).
          this.skip('frameless');
          return;
        }
        this.sort(place(si, undefined), raw, raw, path);
      }
    });
    const ordered = [...places.values()].sort((a, b) => a.slotIndex - b.slotIndex || (a.frame ?? -1) - (b.frame ?? -1));
    const rootExtra = withoutKeys(root, ['item', 'annotations']);
    const itemExtra = withoutKeys(item, ['slots']);
    for (const p of ordered) this.readPlace(p, slots[p.slotIndex] as Json, [...filePath, 'item', 'slots', p.slotIndex], rootExtra, itemExtra);
  }

  /** Files an annotation body by what it holds. */
  private sort(p: SlotFrame, ann: Json, body: Json, path: Path): void {
    if (body.raster_layer !== undefined || ann.name === RASTER_LAYER_NAME) {
      if (p.layer) throw new RleError('INVALID_STRUCTURE', 'A slot (or frame) has two raster layers', { path, expected: 'one __raster_layer__ annotation per slot and frame' });
      p.layer = { layer: body.raster_layer, path: [...path, 'raster_layer'], ann };
    } else if (body.mask !== undefined) p.shapes.push({ ann, body, path, kind: 'mask' });
    else if (body.polygon !== undefined) p.shapes.push({ ann, body, path, kind: 'polygon' });
    else if (body.bounding_box !== undefined && this.options.boxes === 'rasterize') p.shapes.push({ ann, body, path, kind: 'box' });
    else {
      const kind = body.bounding_box !== undefined ? 'bounding_box' : OTHER_SHAPES.find((k) => body[k] !== undefined) ?? 'other';
      this.skip(kind);
      // Kept whole (once, with the frame it was on) for a Darwin writer.
      if (ann === body || p.others.indexOf(ann) < 0) p.others.push(ann);
    }
  }

  private readPlace(p: SlotFrame, slot: Json, slotPath: Path, rootExtra: Json, itemExtra: Json): void {
    const hasPixels = p.shapes.length > 0 || p.layer !== undefined;
    const size = hasPixels || typeof slot.width === 'number' ? sizeOf(slot, slotPath) : { height: 0, width: 0 };
    if (hasPixels && size.height * size.width > this.options.maxPixels) {
      throw new RleError('LIMIT_EXCEEDED', `Slot of ${size.height}x${size.width} exceeds maxPixels`, { path: slotPath, expected: `at most ${this.options.maxPixels} pixels`, received: String(size.height * size.width) });
    }
    const id = this.images.length + 1;
    const image: ImageInfo = { id, ...size };
    const sourceFiles = slot.source_files;
    const first = Array.isArray(sourceFiles) && isJsonObject(sourceFiles[0]) ? sourceFiles[0].file_name : undefined;
    if (p.frame === undefined) image.fileName = typeof first === 'string' ? first : (itemExtra.name as string);
    const darwin: DarwinImageAttributes = {};
    let masks: Map<string, Mask> | undefined;
    if (p.layer) {
      const { layer, path, ann } = p.layer;
      try {
        masks = decodeLayer(layer as RasterLayer, size, { maxPixels: this.options.maxPixels });
      } catch (e) {
        throw e instanceof RleError ? e.at(...path) : e;
      }
      const extra = withoutKeys(ann, ['frames', 'ranges', 'slot_names', 'raster_layer']);
      if (ann.name === RASTER_LAYER_NAME) delete extra.name;
      // The id the writer gives a layer that came without one is not an id.
      if (extra.id === rasterLayerId(String(slot.slot_name))) delete extra.id;
      if (Object.keys(extra).length > 0) darwin.rasterLayer = extra;
    }
    const maskIds = new Set<string>();
    for (const s of p.shapes) {
      const annId = s.ann.id;
      need(typeof annId === 'string', [...s.path.slice(0, s.ann === s.body ? undefined : -2), 'id'], 'An annotation needs its id', 'a string', annId);
      let mask: Mask;
      if (s.kind === 'mask') {
        if (!masks) throw new RleError('DANGLING_REFERENCE', 'A mask annotation without a __raster_layer__ on its slot', { path: [...s.path, 'mask'], expected: 'a __raster_layer__ annotation on the same slot and frame' });
        maskIds.add(annId);
        // A mask the layer does not map has no pixels.
        mask = masks.get(annId) ?? Mask.empty(size);
      } else if (s.kind === 'polygon') mask = this.polygon(s.body.polygon, size, [...s.path, 'polygon']);
      else mask = this.box(s.body.bounding_box, size, [...s.path, 'bounding_box']);
      const a: Annotation = { id: idFromString(annId), imageId: id, mask };
      if (typeof s.ann.name === 'string') a.categoryId = this.category(s.ann.name).id;
      const attributes = withoutKeys(s.ann, MODEL_KEYS);
      if (Object.keys(attributes).length > 0) a.attributes = attributes;
      this.annotations.push(a);
    }
    if (masks) {
      for (const k of masks.keys()) {
        if (!maskIds.has(k)) throw new RleError('DANGLING_REFERENCE', 'The raster layer maps an id that is no mask annotation of its slot', { path: [...p.layer!.path, 'mask_annotation_ids_mapping', k], expected: 'ids of mask annotations' });
      }
    }
    if (p.frame !== undefined) {
      darwin.frame = p.frame;
      this.frameImages++;
    }
    if (p.others.length > 0) darwin.otherAnnotations = p.others;
    const plain = plainFile(image);
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
    if (!same(rootExtra, plain.file)) darwin.file = rootExtra;
    if (!same(itemExtra, plain.item)) darwin.item = itemExtra;
    if (!same(slot, plain.slot) || darwin.file || darwin.item) darwin.slot = slot;
    if (darwin.slot && !darwin.item) darwin.item = itemExtra;
    if (Object.keys(darwin).length > 0) image.attributes = { darwin };
    this.images.push(image);
  }

  private polygon(polygon: unknown, size: { height: number; width: number }, path: Path): Mask {
    need(isJsonObject(polygon) && Array.isArray(polygon.paths), [...path, 'paths'], 'A polygon has paths', '{ paths: [[{ x, y }, ...], ...] }', polygon);
    let mask: Mask | undefined;
    polygon.paths.forEach((points, pi) => {
      need(Array.isArray(points), [...path, 'paths', pi], 'A polygon path is a list of points', 'an array of { x, y }', points);
      const xy = new Float64Array(points.length * 2);
      points.forEach((pt, i) => {
        need(isJsonObject(pt), [...path, 'paths', pi, i], 'A point is { x, y }', 'an object', pt);
        for (const [k, o] of [['x', 0], ['y', 1]] as const) {
          const c = pt[k];
          if (typeof c !== 'number' || !Number.isFinite(c)) throw new RleError('INVALID_TOKEN', 'A polygon coordinate is not a finite number', { path: [...path, 'paths', pi, i, k], expected: 'a finite number', received: typeName(c) });
          xy[2 * i + o] = c;
        }
      });
      const m = rasterizePolygon(xy, size, { maxCrossings: this.options.maxPolygonCrossings, path: [...path, 'paths', pi] });
      // Even-odd over all paths (Darwin's upolygon fills so): holes are paths inside others.
      mask = mask === undefined ? m : mask.xor(m);
    });
    return mask ?? Mask.empty(size);
  }

  private box(box: unknown, size: { height: number; width: number }, path: Path): Mask {
    need(isJsonObject(box), path, 'A bounding box is { x, y, w, h }', 'an object', box);
    return rasterizeBox({ x: box.x as number, y: box.y as number, width: box.w as number, height: box.h as number }, size, { path, maxCrossings: this.options.maxPolygonCrossings });
  }

}

/**
 * Parses the text of one Darwin JSON 2.0 file.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const text = formatDarwinJson({ images: [{ id: 1, height: 3, width: 4, fileName: 'leaf.png' }], categories: [{ id: 1, name: 'leaf' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] });
 * parseDarwinJson(text).annotations[0].mask.equals(mask); // → true
 * ```
 */
export function parseDarwinJson(text: string, options: Partial<DarwinReadOptions> = {}, context?: DialectContext): MaskDataset {
  const opts = parseOptions(readOptions, options);
  const reader = new Reader(opts, context?.warn ?? (() => {}));
  reader.readFile(parseJson(text, 'a Darwin JSON 2.0 file'), []);
  reader.finish();
  return { images: reader.images, categories: reader.categories, annotations: reader.annotations };
}

/** The input's Darwin files, read one per step into `reader` (an export's .json files in path order, within maxBytes in all). */
async function darwinFiles(input: DialectInput, reader: Reader, maxBytes: number): Promise<AsyncGenerator<void>> {
  if (!isFolderSource(input)) {
    return (async function* () {
      reader.readFile(parseJson(decodeUtf8(await readAllBytes(input, maxBytes, { head: JSON_HEAD })), 'a Darwin JSON 2.0 file'), []);
      yield;
    })();
  }
  // An export: every .json file below the folder, one item each, in path order.
  const files = (await input.list()).filter((f) => f.toLowerCase().endsWith('.json'));
  return (async function* () {
    let total = 0;
    for (const f of files) {
      const bytes = await readAllBytes(input.open(f), maxBytes - total, { head: JSON_HEAD });
      total += bytes.length;
      reader.readFile(parseJsonAt(decodeUtf8(bytes), f), [f]);
      yield;
    }
  })();
}

/** A Darwin read file by file: `read` reads it to the end, `readIncrementally` (`inspect --limit`) may stop. */
async function openDarwinRead(input: DialectInput, options: Partial<DarwinReadOptions> | undefined, context: DialectContext | undefined): Promise<FileByFileRead> {
  const opts = parseOptions(readOptions, options);
  const reader = new Reader(opts, context?.warn ?? (() => {}));
  return { dataset: reader, files: await darwinFiles(input, reader, opts.maxBytes), finish: () => reader.finish() };
}

function parseJsonAt(text: string, file: string): unknown {
  try {
    return parseJson(text, 'a Darwin JSON 2.0 file');
  } catch (e) {
    throw e instanceof RleError ? e.at(file) : e;
  }
}

// ---------------------------------------------------------------------------------------------
// Write

interface SlotOut {
  slot: Json;
  /** Non-frame slot: its one image's annotations. Frame slot: per frame. */
  frames: Map<number | undefined, { image: ImageInfo; anns: { a: Annotation; i: number }[]; darwin: DarwinImageAttributes }>;
}

interface ItemOut {
  file: Json;
  item: Json;
  slots: Map<string, SlotOut>;
}

/** A name of the annotation id for every mask, unique within its slot and frame. */
function maskAnnotation(a: Annotation, name: string, slotName: string, frame: boolean, dropped: { count: number }): Json {
  const o: Json = { id: String(a.id), name };
  for (const [k, v] of Object.entries(a.attributes ?? {})) {
    if (MODEL_KEYS.includes(k)) {
      dropped.count++;
      continue;
    }
    setOwnKey(o, k, v);
  }
  if (!frame) o.mask = { sparse_rle: null };
  o.slot_names = [slotName];
  return o;
}

/** [start, end) ranges of consecutive frames, as Darwin's `ranges`. */
function rangesOf(frames: number[]): number[][] {
  const out: number[][] = [];
  for (const f of frames) {
    const last = out[out.length - 1];
    if (last && last[1] === f) last[1] = f + 1;
    else out.push([f, f + 1]);
  }
  return out;
}

/**
 * Builds the Darwin files (one object per item) of a dataset.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * // One Darwin JSON per image.
 * buildDarwinFiles({ images: [{ id: 1, height: 3, width: 4, fileName: 'leaf.png' }], categories: [{ id: 1, name: 'leaf' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] }).length; // → 1
 * ```
 */
export function buildDarwinFiles(dataset: MaskDataset, options: Partial<DarwinWriteOptions> = {}, warn: WarningSink = () => {}): Json[] {
  const opts = parseOptions(writeOptions, options);
  for (const w of notCarried(dataset, capabilities, 'darwin')) warn(w);
  const categoryById = new Map(dataset.categories.map((c) => [c.id, c]));
  const byImage = annotationsByImage(dataset);
  const items = new Map<string, ItemOut>();
  let imageAttributesDropped = 0;
  dataset.images.forEach((image, ii) => {
    const attrs = image.attributes ?? {};
    if (Object.keys(attrs).some((k) => k !== 'darwin')) imageAttributesDropped++;
    const darwin = (isJsonObject(attrs.darwin) ? attrs.darwin : {}) as DarwinImageAttributes;
    const plain = plainFile(image);
    const file = isJsonObject(darwin.file) ? darwin.file : plain.file;
    const item = isJsonObject(darwin.item) ? darwin.item : plain.item;
    const slot = isJsonObject(darwin.slot) ? darwin.slot : plain.slot;
    const key = isJsonObject(darwin.item) ? `item:${String(item.path ?? '')}\u0000${String(item.name ?? '')}` : `image:${ii}`;
    let out = items.get(key);
    if (!out) items.set(key, (out = { file, item, slots: new Map() }));
    const slotName = String(slot.slot_name ?? '0');
    let s = out.slots.get(slotName);
    if (!s) out.slots.set(slotName, (s = { slot, frames: new Map() }));
    const frame = typeof darwin.frame === 'number' ? darwin.frame : undefined;
    if (s.frames.has(frame)) throw new RleError('INVALID_STRUCTURE', `Two images are slot "${slotName}"${frame === undefined ? '' : ` frame ${frame}`} of one Darwin item`, { path: ['images', ii, 'attributes', 'darwin'] });
    s.frames.set(frame, { image, anns: byImage.get(image.id) ?? [], darwin });
  });
  const used = new Set<Id>();
  const uncategorised = { count: 0 };
  const dropped = { count: 0 };
  const nameOf = (a: Annotation, path: Path): string => {
    if (a.categoryId === undefined) {
      uncategorised.count++;
      return opts.defaultLabel;
    }
    const c = categoryById.get(a.categoryId);
    if (!c) throw new RleError('DANGLING_REFERENCE', `Annotation refers to category ${String(a.categoryId)}, which is not in categories`, { path: [...path, 'categoryId'] });
    used.add(c.id);
    return c.name;
  };
  const files: Json[] = [];
  for (const { file, item, slots } of items.values()) {
    const annotations: unknown[] = [];
    const slotList: Json[] = [];
    for (const [slotName, { slot, frames }] of slots) {
      slotList.push(slot);
      const layers: { frame: number | undefined; layer: RasterLayer; darwin: DarwinImageAttributes }[] = [];
      // Video mask annotations: one per id, with every frame it appears on.
      const tracks = new Map<string, { o: Json; frames: Json }>();
      const frameKeys = [...frames.keys()].sort((a, b) => (a ?? -1) - (b ?? -1));
      for (const f of frameKeys) {
        const { image, anns, darwin } = frames.get(f)!;
        const entries: [string, Mask][] = [];
        for (const { a, i } of anns) {
          const path = ['annotations', i];
          if (a.mask.height !== image.height || a.mask.width !== image.width) {
            throw new RleError('SIZE_MISMATCH', 'Mask size differs from its image', { path, expected: `${image.height}x${image.width}`, received: `${a.mask.height}x${a.mask.width}` });
          }
          const name = nameOf(a, path);
          const id = String(a.id);
          entries.push([id, a.mask]);
          if (f === undefined) annotations.push(maskAnnotation(a, name, slotName, false, dropped));
          else {
            let t = tracks.get(id);
            if (!t) tracks.set(id, (t = { o: maskAnnotation(a, name, slotName, true, dropped), frames: {} }));
            t.frames[String(f)] = { keyframe: true, mask: { sparse_rle: null } };
          }
        }
        if (entries.length > 0) {
          try {
            layers.push({ frame: f, layer: encode(entries, image, { overlap: opts.overlap, warn }), darwin });
          } catch (e) {
            throw e instanceof RleError ? e.at('images', String(image.id)) : e;
          }
        }
        for (const other of darwin.otherAnnotations ?? []) if (!annotations.includes(other)) annotations.push(other);
      }
      for (const { o, frames: fr } of tracks.values()) {
        const { slot_names: sn, ...rest } = o;
        annotations.push({ ...rest, frames: fr, ranges: rangesOf(Object.keys(fr).map(Number)), slot_names: sn });
      }
      if (layers.length === 0) continue;
      const extra = layers[0]!.darwin.rasterLayer ?? {};
      const id = typeof extra.id === 'string' ? extra.id : rasterLayerId(slotName);
      const rest = withoutKeys(extra, ['id']);
      if (layers[0]!.frame === undefined) {
        annotations.push({ id, name: RASTER_LAYER_NAME, ...rest, raster_layer: layers[0]!.layer, slot_names: [slotName] });
      } else {
        const fr: Json = {};
        for (const l of layers) fr[String(l.frame)] = { keyframe: true, raster_layer: l.layer };
        annotations.push({ id, name: RASTER_LAYER_NAME, ...rest, frames: fr, ranges: rangesOf(layers.map((l) => l.frame!)), slot_names: [slotName] });
      }
    }
    files.push({ ...file, item: { ...item, slots: slotList }, annotations });
  }
  if (uncategorised.count > 0) warn({ code: 'default-category', message: `darwin annotations are named by their class: ${uncategorised.count} annotations without a category were named "${opts.defaultLabel}"`, count: uncategorised.count });
  const unused = dataset.categories.filter((c) => !used.has(c.id)).length;
  if (unused > 0) warn({ code: 'not-carried', message: `darwin files name classes only on annotations: ${unused} categories without masks lost`, count: unused });
  const renumbered = dataset.categories.some((c, i) => used.has(c.id) && c.id !== i + 1);
  if (renumbered) warn({ code: 'not-carried', message: 'darwin files carry class names, not category ids: categories read back are numbered 1, 2, ... in order of first use' });
  if (dropped.count > 0) warn({ code: 'not-carried', message: `${dropped.count} annotation attributes named like Darwin's own annotation fields were not written`, count: dropped.count });
  if (imageAttributesDropped > 0) warn({ code: 'not-carried', message: `darwin cannot carry image attributes (other than Darwin's own): ${imageAttributesDropped} images' attributes lost`, count: imageAttributesDropped, capability: 'imageAttributes' });
  return files;
}

/** A file name per item: its name without the extension, `.json`, made unique. */
function fileNames(files: Json[]): string[] {
  const seen = new Set<string>();
  return files.map((f) => {
    const item = f.item as Json;
    const stem = String(item.name ?? 'item').replace(/[\\/]/g, '_').replace(/\.[^.]*$/, '') || 'item';
    let name = `${stem}.json`;
    for (let k = 2; seen.has(name.toLowerCase()); k++) name = `${stem}-${k}.json`;
    seen.add(name.toLowerCase());
    return name;
  });
}

/**
 * Serialises a dataset of one item (one image, or the slots and frames of one Darwin item) as a Darwin JSON 2.0 file.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const text = formatDarwinJson({ images: [{ id: 1, height: 3, width: 4, fileName: 'leaf.png' }], categories: [{ id: 1, name: 'leaf' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] });
 * text.includes('"dense_rle"'); // → true
 * ```
 */
export function formatDarwinJson(dataset: MaskDataset, options: Partial<DarwinWriteOptions> = {}, context?: DialectContext): string {
  const opts = parseOptions(writeOptions, options);
  const files = buildDarwinFiles(dataset, opts, context?.warn);
  if (files.length !== 1) {
    throw new RleError('INVALID_OPTION', `A Darwin JSON file holds one item; this dataset needs ${files.length}`, { expected: 'one item (write a folder, -o <folder>, for several)', received: String(files.length) });
  }
  return `${JSON.stringify(files[0], null, opts.indent)}\n`;
}

// ---------------------------------------------------------------------------------------------
// Dialect

export const capabilities = {
  categories: true, categoryNames: true, instanceIds: true, scores: false, crowd: false, attributes: true,
  multipleImages: true, overlap: false, emptyImages: true, fileNames: true,
  // Labels are names, no ids; category and image attributes are not kept; a writer reports each case itself where it can.
  categoryIds: false, categoryAttributes: false, unusedCategories: false, imageIds: false, imageAttributes: true,
};

export const dialect: Dialect<DarwinReadOptions, DarwinWriteOptions> = {
  id: 'darwin',
  title: 'V7 Darwin JSON 2.0 (raster layer masks, polygons)',
  extensions: ['.json'],
  capabilities,
  readOptions,
  writeOptions,
  input: 'either',
  output: 'folder',
  sniff(head: Uint8Array): number {
    const text = new TextDecoder().decode(head.subarray(0, 4096));
    if (!/^\s*\{/.test(text)) return 0;
    if (/"schema_ref"\s*:\s*"[^"]*darwin/.test(text)) return 0.95;
    if (/"item"\s*:\s*\{/.test(text) && /"slots"\s*:/.test(text)) return 0.9;
    if (/"__raster_layer__"|"dense_rle"\s*:/.test(text)) return 0.8;
    return 0;
  },
  read: async (input, options, context) => readAllFiles(await openDarwinRead(input, options, context)),
  readIncrementally: async (input, options, context) => readFileByFile(await openDarwinRead(input, options, context)),
  async write(dataset: MaskDataset | MaskDatasetStream, options?: Partial<DarwinWriteOptions>, context?: DialectContext): Promise<Uint8Array> {
    return encodeUtf8(formatDarwinJson(await collectDataset(dataset), options, context));
  },
  async *writeFiles(dataset: MaskDataset | MaskDatasetStream, options?: Partial<DarwinWriteOptions>, context?: DialectContext): AsyncIterable<OutputFile> {
    const opts = parseOptions(writeOptions, options);
    const files = buildDarwinFiles(await collectDataset(dataset), opts, context?.warn);
    const names = fileNames(files);
    for (let i = 0; i < files.length; i++) yield { path: names[i]!, bytes: encodeUtf8(`${JSON.stringify(files[i], null, opts.indent)}\n`) };
  },
};

export type { RleWarning };
