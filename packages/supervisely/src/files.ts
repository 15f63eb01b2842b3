/**
 * Supervisely annotation JSON (`{ size, objects, tags, description, customBigData }`, one per
 * image) and projects (`meta.json` + `<dataset>/ann/<image>.json`), read into and written from
 * core's MaskDataset.
 *
 * Objects: `bitmap` (decoded), `polygon` (exterior and interiors, rasterized even-odd with core's
 * rasterizer), `rectangle` (inclusive pixel corners); other geometries are reported and kept for
 * a Supervisely writer. Classes: `classTitle` (+ meta.json's colours). What a plain image or
 * object would be written as is not stored again, so plain data comes back plain.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { isJsonObject, setOwnKey, withoutKeys, annotationsByImage, DatasetBuilder, JSON_HEAD, parseDialectOptions, readAllFiles, readFileByFile,
  DEFAULT_MAX_POLYGON_CROSSINGS, MAX_MASK_PIXELS, Mask, RleError, checkSize, collectDataset, decodeUtf8, encodeUtf8, isFolderSource, notCarried,
  parseJson, rasterizePolygon, readAllBytes,
  type Annotation, type Category, type Dialect, type DialectContext, type DialectInput, type FileByFileRead, type FolderSource, type Id, type ImageInfo,
  type MaskDataset, type MaskDatasetStream, type OutputFile, type WarningSink,
} from '@rlekit/core';
import { DEFAULT_MAX_PNG_BYTES, decode, encode } from './codec.js';

type Path = (string | number)[];
type Json = Record<string, unknown>;

export const readOptions = z.object({
  maxBytes: z._default(z.int().check(z.positive()), 0x1fffffe8)
    .register(z.globalRegistry, { description: 'Largest JSON file read into memory, in bytes' }),
  maxPixels: z._default(z.int().check(z.positive(), z.lte(MAX_MASK_PIXELS)), MAX_MASK_PIXELS)
    .register(z.globalRegistry, { description: 'Largest image (height * width) accepted' }),
  maxPngBytes: z._default(z.int().check(z.positive()), DEFAULT_MAX_PNG_BYTES)
    .register(z.globalRegistry, { description: 'Largest PNG a bitmap\'s zlib layer may inflate to, in bytes' }),
  maxPolygonCrossings: z._default(z.int().check(z.positive()), DEFAULT_MAX_POLYGON_CROSSINGS)
    .register(z.globalRegistry, { description: 'Largest number of pixel-column crossings of one polygon ring (4 bytes each), refused before rasterizing' }),
});
export type SuperviselyReadOptions = z.infer<typeof readOptions>;

export const writeOptions = z.object({
  indent: z._default(z.int().check(z.gte(0), z.lte(8)), 4)
    .register(z.globalRegistry, { description: 'Spaces of JSON indentation (0: one line); Supervisely\'s SDK writes 4' }),
  dataset: z._default(z.string().check(z.minLength(1)), 'ds0')
    .register(z.globalRegistry, { description: 'Dataset folder of images written without one (project output)' }),
  defaultLabel: z._default(z.string().check(z.minLength(1)), 'object')
    .register(z.globalRegistry, { description: 'classTitle of annotations that have no category' }),
});
export type SuperviselyWriteOptions = z.infer<typeof writeOptions>;

function parseOptions<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  // zod/mini ships no messages: zod's English ones, as the full zod printed them.
  return parseDialectOptions(schema, input, undefined, { error: en().localeError });
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

function need(cond: boolean, path: Path, message: string, expected: string, received?: unknown): asserts cond {
  if (!cond) throw new RleError('INVALID_STRUCTURE', message, { path, expected, received: received === undefined ? undefined : typeName(received) });
}

function hexColor(c: readonly [number, number, number]): string {
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('').toUpperCase()}`;
}

function parseColor(s: unknown): [number, number, number] | undefined {
  if (typeof s !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(s)) return undefined;
  return [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16)];
}

/** Object keys the model holds elsewhere. */
const MODEL_KEYS = ['id', 'classTitle', 'bitmap', 'points', 'geometryType', 'shape'];
/** What the writer puts on every object; values equal to these are not kept as attributes. */
const OBJECT_DEFAULTS: Json = { description: '', tags: [], nnCreated: false, nnUpdated: false };
const OBJECT_KEY_ORDER = ['id', 'classId', 'description', 'tags', 'classTitle', 'bitmap', 'points', 'geometryType', 'shape', 'nnCreated', 'nnUpdated'];
const ANNOTATION_DEFAULTS: Json = { description: '', tags: [], customBigData: {} };

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** What Supervisely-specific structure an image carries (under `ImageInfo.attributes.supervisely`). */
export interface SuperviselyImageAttributes {
  /** The dataset folder the annotation came from. */
  dataset?: string;
  /** Annotation-level keys other than `size` and `objects` that differ from the defaults (description, tags, customBigData, ...). */
  annotation?: Json;
  /** Objects that are not masks (points, lines, graphs, ...), with their place in `objects`. */
  otherObjects?: { at: number; object: unknown }[];
}

// ---------------------------------------------------------------------------------------------
// Read

class Reader extends DatasetBuilder {
  private nextAnnotationId = 1;
  private usedIds = new Set<Id>();

  constructor(private readonly options: SuperviselyReadOptions, private readonly warn: WarningSink) {
    super();
  }

  readMeta(meta: unknown, path: Path): void {
    need(isJsonObject(meta) && Array.isArray(meta.classes), [...path, 'classes'], 'meta.json lists its classes', '{ classes: [...] }', isJsonObject(meta) ? meta.classes : meta);
    meta.classes.forEach((c, i) => {
      need(isJsonObject(c) && typeof c.title === 'string', [...path, 'classes', i, 'title'], 'A class has a title', 'a string', isJsonObject(c) ? c.title : c);
      const cat = this.category(c.title);
      const color = parseColor(c.color);
      if (color) cat.color = color;
      const extra = withoutKeys(c, ['title', 'color', 'id']);
      if (Object.keys(extra).length > 0) cat.attributes = extra;
    });
  }

  finish(): void {
    this.reportSkipped(this.warn, (kind, n) => `rlekit reads bitmaps, polygons and rectangles from Supervisely: ${n} ${kind} objects were not read`);
  }

  readAnnotation(root: unknown, path: Path, fileName: string | undefined, dataset: string | undefined): void {
    need(isJsonObject(root), path, 'A Supervisely annotation is an object', 'an object', root);
    const size = root.size;
    need(isJsonObject(size), [...path, 'size'], 'An annotation needs its image size', '{ height, width }', size);
    const dims = { height: size.height as number, width: size.width as number };
    checkSize(dims, this.options.maxPixels, [...path, 'size']);
    const objects = root.objects ?? [];
    need(Array.isArray(objects), [...path, 'objects'], 'objects is a list', 'an array', objects);
    const id = this.images.length + 1;
    const image: ImageInfo = { id, ...dims };
    if (fileName !== undefined) image.fileName = fileName;
    const sv: SuperviselyImageAttributes = {};
    if (dataset !== undefined) sv.dataset = dataset;
    const extra = withoutKeys(root, ['size', 'objects']);
    if (!same(extra, ANNOTATION_DEFAULTS)) sv.annotation = extra;
    const others: { at: number; object: unknown }[] = [];
    objects.forEach((o, i) => {
      const op = [...path, 'objects', i];
      need(isJsonObject(o), op, 'An object is an object', 'an object', o);
      const geometry = typeof o.geometryType === 'string' ? o.geometryType : o.bitmap !== undefined ? 'bitmap' : o.shape;
      let mask: Mask;
      try {
        if (geometry === 'bitmap') mask = decode(o.bitmap as never, dims, { maxPixels: this.options.maxPixels, maxPngBytes: this.options.maxPngBytes });
        else if (geometry === 'polygon') mask = this.polygon(o.points, dims, [...op, 'points']);
        else if (geometry === 'rectangle') mask = this.rectangle(o.points, dims, [...op, 'points']);
        else {
          const kind = typeof geometry === 'string' ? geometry : 'unknown';
          this.skip(kind);
          others.push({ at: i, object: o });
          return;
        }
      } catch (e) {
        throw e instanceof RleError && geometry === 'bitmap' && !e.path.includes('points') ? e.at(...op, 'bitmap') : e;
      }
      let aid: Id;
      if (typeof o.id === 'number' && Number.isSafeInteger(o.id) && !this.usedIds.has(o.id)) aid = o.id;
      else {
        while (this.usedIds.has(this.nextAnnotationId)) this.nextAnnotationId++;
        aid = this.nextAnnotationId;
      }
      this.usedIds.add(aid);
      const a: Annotation = { id: aid, imageId: id, mask };
      if (typeof o.classTitle === 'string') a.categoryId = this.category(o.classTitle).id;
      const attributes = withoutKeys(o, MODEL_KEYS);
      for (const [k, v] of Object.entries(OBJECT_DEFAULTS)) if (k in attributes && same(attributes[k], v)) delete attributes[k];
      // A geometry rlekit reads as a mask is written back as a bitmap: say what it was.
      if (geometry !== 'bitmap') attributes.supervisely_geometry = geometry;
      if (o.id !== undefined && o.id !== aid) attributes.supervisely_id = o.id;
      if (Object.keys(attributes).length > 0) a.attributes = attributes;
      this.annotations.push(a);
    });
    if (others.length > 0) sv.otherObjects = others;
    if (Object.keys(sv).length > 0) image.attributes = { supervisely: sv };
    this.images.push(image);
  }

  private ring(points: unknown, path: Path): Float64Array {
    need(Array.isArray(points), path, 'A ring is a list of [x, y] points', 'an array', points);
    const xy = new Float64Array(points.length * 2);
    points.forEach((p, i) => {
      need(Array.isArray(p) && p.length === 2, [...path, i], 'A point is [x, y]', '[x, y]', p);
      for (let k = 0; k < 2; k++) {
        const c = p[k];
        if (typeof c !== 'number' || !Number.isFinite(c)) throw new RleError('INVALID_TOKEN', 'A point coordinate is not a finite number', { path: [...path, i, k], expected: 'a finite number', received: typeName(c) });
        xy[2 * i + k] = c;
      }
    });
    return xy;
  }

  private polygon(points: unknown, size: { height: number; width: number }, path: Path): Mask {
    need(isJsonObject(points), path, 'A polygon has points { exterior, interior }', '{ exterior, interior }', points);
    const opts = (p: Path) => ({ maxCrossings: this.options.maxPolygonCrossings, path: p });
    let mask = rasterizePolygon(this.ring(points.exterior, [...path, 'exterior']), size, opts([...path, 'exterior']));
    const interior = points.interior ?? [];
    need(Array.isArray(interior), [...path, 'interior'], 'interior is a list of rings', 'an array', interior);
    // Holes cut out of the exterior (even-odd over the rings).
    interior.forEach((r, i) => {
      mask = mask.xor(rasterizePolygon(this.ring(r, [...path, 'interior', i]), size, opts([...path, 'interior', i])));
    });
    return mask;
  }

  /** `exterior: [[left, top], [right, bottom]]`, corners inclusive (Supervisely's Rectangle). */
  private rectangle(points: unknown, size: { height: number; width: number }, path: Path): Mask {
    need(isJsonObject(points), path, 'A rectangle has points { exterior: [[left, top], [right, bottom]] }', 'an object', points);
    const xy = this.ring(points.exterior, [...path, 'exterior']);
    need(xy.length === 4, [...path, 'exterior'], 'A rectangle has two corners', '[[left, top], [right, bottom]]');
    const left = Math.round(Math.min(xy[0]!, xy[2]!)), right = Math.round(Math.max(xy[0]!, xy[2]!));
    const top = Math.round(Math.min(xy[1]!, xy[3]!)), bottom = Math.round(Math.max(xy[1]!, xy[3]!));
    const x0 = Math.max(0, left), y0 = Math.max(0, top), x1 = Math.min(size.width - 1, right), y1 = Math.min(size.height - 1, bottom);
    if (x1 < x0 || y1 < y0) return Mask.empty(size);
    return Mask.full({ height: y1 - y0 + 1, width: x1 - x0 + 1 }).paste(size, { x: x0, y: y0 });
  }

}

/**
 * Parses the text of one Supervisely annotation JSON.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const text = JSON.stringify({ size: { height: 3, width: 4 }, objects: [{ classTitle: 'leaf', geometryType: 'bitmap', bitmap: encode(mask) }] });
 * parseSuperviselyJson(text, {}, undefined, 'leaf.png.json').annotations[0].mask.equals(mask); // → true
 * ```
 */
export function parseSuperviselyJson(text: string, options: Partial<SuperviselyReadOptions> = {}, context?: DialectContext, fileName?: string): MaskDataset {
  const opts = parseOptions(readOptions, options);
  const reader = new Reader(opts, context?.warn ?? (() => {}));
  reader.readAnnotation(parseJson(text, 'a Supervisely annotation JSON'), [], fileName, undefined);
  reader.finish();
  return { images: reader.images, categories: reader.categories, annotations: reader.annotations };
}

function parseAt(text: string, file: string): unknown {
  try {
    return parseJson(text, 'Supervisely JSON');
  } catch (e) {
    throw e instanceof RleError ? e.at(file) : e;
  }
}

/** `a/b/ds0/ann/img.png.json` → dataset `ds0`, image `img.png`; a bare `x.json` → no dataset, image `x`. */
function annotationPlace(path: string): { dataset?: string; image: string } | undefined {
  const parts = path.split('/');
  const file = parts[parts.length - 1]!;
  if (!file.toLowerCase().endsWith('.json')) return undefined;
  const image = file.slice(0, -5);
  if (parts.length >= 3 && parts[parts.length - 2] === 'ann') return { dataset: parts[parts.length - 3]!, image };
  if (parts.length === 1 && file !== 'meta.json' && file !== 'key_id_map.json') return { image };
  return undefined;
}

/**
 * The input's annotation files, read one per step into `reader`: a folder's project meta.json
 * first (before the first step), then its annotations in path order, within maxBytes in all.
 */
async function superviselyFiles(input: DialectInput, reader: Reader, maxBytes: number): Promise<AsyncGenerator<void>> {
  if (!isFolderSource(input)) {
    return (async function* () {
      const name = input instanceof Uint8Array ? undefined : input.name.split(/[\\/]/).pop();
      const root = parseJson(decodeUtf8(await readAllBytes(input, maxBytes, { head: JSON_HEAD })), 'a Supervisely annotation JSON');
      reader.readAnnotation(root, [], name?.toLowerCase().endsWith('.json') && name.length > 5 && /\.[a-z0-9]+\.json$/i.test(name) ? name.slice(0, -5) : undefined, undefined);
      yield;
    })();
  }
  const files = await input.list();
  let budget = maxBytes;
  const text = async (f: string): Promise<unknown> => {
    const bytes = await readAllBytes(input.open(f), budget, { head: JSON_HEAD });
    budget -= bytes.length;
    return parseAt(decodeUtf8(bytes), f);
  };
  // The shallowest meta.json is the project's.
  const meta = files.filter((f) => f === 'meta.json' || f.endsWith('/meta.json')).sort((a, b) => a.split('/').length - b.split('/').length)[0];
  if (meta !== undefined) reader.readMeta(await text(meta), [meta]);
  const anns = files.map((f) => ({ f, place: annotationPlace(f) })).filter((x) => x.place !== undefined);
  if (anns.length === 0) throw new RleError('INVALID_STRUCTURE', 'No Supervisely annotations in the folder', { expected: '<dataset>/ann/<image>.json files' });
  return (async function* () {
    for (const { f, place } of anns) {
      reader.readAnnotation(await text(f), [f], place!.image, place!.dataset);
      yield;
    }
  })();
}

/** A Supervisely read file by file: `read` reads it to the end, `readIncrementally` (`inspect --limit`) may stop. */
async function openSuperviselyRead(input: DialectInput, options: Partial<SuperviselyReadOptions> | undefined, context: DialectContext | undefined): Promise<FileByFileRead> {
  const opts = parseOptions(readOptions, options);
  const reader = new Reader(opts, context?.warn ?? (() => {}));
  return { dataset: reader, files: await superviselyFiles(input, reader, opts.maxBytes), finish: () => reader.finish() };
}

// ---------------------------------------------------------------------------------------------
// Write

interface Built {
  meta: Json;
  files: { dataset: string; image: string; annotation: Json }[];
}

/**
 * Builds meta.json and one annotation per image.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const built = buildSupervisely({ images: [{ id: 1, height: 3, width: 4, fileName: 'leaf.png' }], categories: [{ id: 1, name: 'leaf' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] });
 * built.files.map((f) => f.image); // → ['leaf.png']
 * (built.meta as { classes: { title: string }[] }).classes[0].title; // → 'leaf'
 * ```
 */
export function buildSupervisely(dataset: MaskDataset, options: Partial<SuperviselyWriteOptions> = {}, warn: WarningSink = () => {}): Built {
  const opts = parseOptions(writeOptions, options);
  for (const w of notCarried(dataset, capabilities, 'supervisely')) warn(w);
  const categoryById = new Map(dataset.categories.map((c) => [c.id, c]));
  const byImage = annotationsByImage(dataset);
  let empty = 0, uncategorised = 0, stringIds = 0, imageAttributesDropped = 0;
  const files: Built['files'] = [];
  for (const image of dataset.images) {
    const attrs = image.attributes ?? {};
    if (Object.keys(attrs).some((k) => k !== 'supervisely')) imageAttributesDropped++;
    const sv = (isJsonObject(attrs.supervisely) ? attrs.supervisely : {}) as SuperviselyImageAttributes;
    const objects: unknown[] = [];
    for (const { a, i } of byImage.get(image.id) ?? []) {
      const path = ['annotations', i];
      if (a.mask.height !== image.height || a.mask.width !== image.width) {
        throw new RleError('SIZE_MISMATCH', 'Mask size differs from its image', { path, expected: `${image.height}x${image.width}`, received: `${a.mask.height}x${a.mask.width}` });
      }
      if (a.mask.isEmpty()) {
        empty++;
        continue;
      }
      let title = opts.defaultLabel;
      if (a.categoryId === undefined) uncategorised++;
      else {
        const c = categoryById.get(a.categoryId);
        if (!c) throw new RleError('DANGLING_REFERENCE', `Annotation refers to category ${String(a.categoryId)}, which is not in categories`, { path: [...path, 'categoryId'] });
        title = c.name;
      }
      const v: Json = {};
      const attributes = a.attributes ?? {};
      const svId = attributes.supervisely_id;
      if (svId !== undefined) v.id = svId;
      else if (typeof a.id === 'number') v.id = a.id;
      else stringIds++;
      Object.assign(v, OBJECT_DEFAULTS, { tags: [] });
      v.classTitle = title;
      v.bitmap = encode(a.mask);
      v.geometryType = 'bitmap';
      v.shape = 'bitmap';
      for (const [k, x] of Object.entries(attributes)) if (!MODEL_KEYS.includes(k) && k !== 'supervisely_id' && k !== 'supervisely_geometry') setOwnKey(v, k, x);
      const o: Json = {};
      for (const k of OBJECT_KEY_ORDER) if (k in v) o[k] = v[k];
      for (const k of Object.keys(v)) if (!Object.hasOwn(o, k)) setOwnKey(o, k, v[k]);
      objects.push(o);
    }
    for (const { at, object } of sv.otherObjects ?? []) objects.splice(Math.min(at, objects.length), 0, object);
    const annotation: Json = { description: '', size: { height: image.height, width: image.width }, tags: [], objects, customBigData: {} };
    for (const [k, x] of Object.entries(sv.annotation ?? {})) setOwnKey(annotation, k, x);
    files.push({ dataset: typeof sv.dataset === 'string' ? sv.dataset : opts.dataset, image: image.fileName ?? `${String(image.id)}.png`, annotation });
  }
  if (empty > 0) warn({ code: 'not-carried', message: `Supervisely cannot store an empty bitmap: ${empty} empty masks were not written`, count: empty });
  if (uncategorised > 0) warn({ code: 'default-category', message: `supervisely objects need a classTitle: ${uncategorised} annotations without a category were written as "${opts.defaultLabel}"`, count: uncategorised });
  if (stringIds > 0) warn({ code: 'not-carried', message: `Supervisely object ids are integers: ${stringIds} annotation ids were not written`, count: stringIds, capability: 'instanceIds' });
  // Annotation files are named after the image in one folder: a file name's folders are folded into it (train/a.jpg → train_a.jpg).
  const foldered = dataset.images.filter((im) => im.fileName?.includes('/')).length;
  if (foldered > 0) warn({ code: 'not-carried', message: `supervisely names each annotation file after its image in one folder: ${foldered} file names have their folders folded in (train/a.jpg → train_a.jpg)`, count: foldered, capability: 'fileNames' });
  if (imageAttributesDropped > 0) warn({ code: 'not-carried', message: `supervisely cannot carry image attributes (other than its own): ${imageAttributesDropped} images' attributes lost`, count: imageAttributesDropped, capability: 'imageAttributes' });
  const titles = new Set<string>();
  const classes: Json[] = [];
  const addClass = (name: string, color?: readonly [number, number, number], extra?: Record<string, unknown>): void => {
    if (titles.has(name)) return;
    titles.add(name);
    classes.push({ title: name, shape: 'bitmap', color: hexColor(color ?? [0, 0, 0]), geometry_config: {}, ...(extra ?? {}) });
  };
  for (const c of dataset.categories) addClass(c.name, c.color, c.attributes);
  if (uncategorised > 0) addClass(opts.defaultLabel);
  return { meta: { classes, tags: [], projectType: 'images' }, files };
}

function json(v: unknown, indent: number): Uint8Array {
  return encodeUtf8(`${JSON.stringify(v, null, indent)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Dialect

export const capabilities = {
  categories: true, categoryNames: true, instanceIds: true, scores: false, crowd: false, attributes: true,
  multipleImages: true, overlap: true, emptyImages: true, fileNames: true,
  // Classes are names (meta.json lists every class, used or not); image ids are file names.
  categoryIds: false, categoryAttributes: false, unusedCategories: true, imageIds: false, imageAttributes: true,
};

export const dialect: Dialect<SuperviselyReadOptions, SuperviselyWriteOptions> = {
  id: 'supervisely',
  title: 'Supervisely annotation JSON / project (bitmap, polygon, rectangle)',
  extensions: ['.json'],
  capabilities,
  readOptions,
  writeOptions,
  input: 'either',
  output: 'folder',
  sniff(head: Uint8Array): number {
    const text = new TextDecoder().decode(head.subarray(0, 4096));
    if (!/^\s*\{/.test(text)) return 0;
    if (/"objects"\s*:/.test(text) && /"size"\s*:\s*\{/.test(text) && /"classTitle"\s*:|"geometryType"\s*:/.test(text)) return 0.95;
    if (/"bitmap"\s*:\s*\{/.test(text) && /"origin"\s*:/.test(text)) return 0.85;
    if (/"objects"\s*:\s*\[\s*\]/.test(text) && /"size"\s*:\s*\{\s*"height"/.test(text)) return 0.7;
    if (/"classes"\s*:/.test(text) && /"projectType"\s*:/.test(text)) return 0.7;
    return 0;
  },
  read: async (input, options, context) => readAllFiles(await openSuperviselyRead(input, options, context)),
  readIncrementally: async (input, options, context) => readFileByFile(await openSuperviselyRead(input, options, context)),
  async write(dataset: MaskDataset | MaskDatasetStream, options?: Partial<SuperviselyWriteOptions>, context?: DialectContext): Promise<Uint8Array> {
    const opts = parseOptions(writeOptions, options);
    const d = await collectDataset(dataset);
    const built = buildSupervisely(d, opts, context?.warn);
    if (built.files.length !== 1) {
      throw new RleError('INVALID_OPTION', `A Supervisely annotation JSON holds one image; this dataset has ${built.files.length}`, { expected: 'one image (write a project folder, -o <folder>, for several)', received: String(built.files.length) });
    }
    // One annotation file has no meta.json: class colours are lost (a project folder keeps them).
    if (d.categories.some((c) => c.color !== undefined)) context?.warn({ code: 'not-carried', message: 'a single Supervisely annotation cannot carry class colours: write a project folder to keep them in meta.json' });
    if (d.images[0]!.fileName !== undefined) context?.warn({ code: 'not-carried', message: 'a single Supervisely annotation does not name its image (the project folder does: <dataset>/ann/<image>.json): 1 file name lost', count: 1, capability: 'fileNames' });
    return json(built.files[0]!.annotation, opts.indent);
  },
  async *writeFiles(dataset: MaskDataset | MaskDatasetStream, options?: Partial<SuperviselyWriteOptions>, context?: DialectContext): AsyncIterable<OutputFile> {
    const opts = parseOptions(writeOptions, options);
    const built = buildSupervisely(await collectDataset(dataset), opts, context?.warn);
    yield { path: 'meta.json', bytes: json(built.meta, opts.indent) };
    const seen = new Set<string>();
    for (const f of built.files) {
      const safe = (s: string) => s.replace(/[\\/]/g, '_');
      let path = `${safe(f.dataset)}/ann/${safe(f.image)}.json`;
      for (let k = 2; seen.has(path.toLowerCase()); k++) path = `${safe(f.dataset)}/ann/${safe(f.image)}-${k}.json`;
      seen.add(path.toLowerCase());
      yield { path, bytes: json(f.annotation, opts.indent) };
    }
  },
};
