/**
 * Encord JSON exports: a list of label rows → data_units → labels → objects with
 * `shape: "bitmask"`. Read into and written from core's MaskDataset.
 *
 * Mapping: `featureHash` (+ `name`, `value`, `color`) → Category, `objectHash` → Annotation id,
 * `confidence` → score. Everything else is carried as attributes so an Encord → Encord round
 * trip writes it back: object fields on the Annotation, label-row / data-unit / frame fields
 * under `ImageInfo.attributes.encord`. What a plain dataset would be written as is not stored
 * again, so plain data comes back plain.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { isJsonObject, withoutKeys, annotationsByImage, JSON_HEAD, parseDialectOptions, bytesSource, collectDataset, countHeader, decodeUtf8, encodeUtf8, groupByImageAt, isDatasetStream, isFolderSource, jsonListChunks, Mask, notCarried, parseJson, planJsonList, readAllBytes, readJsonListPlanned, scanJsonListPiece, describeValue, RleError, streamJsonList, tallyAnnotation, type Annotation, type JsonListReader, type RecordImages, type RecordPlan, type Shard, type ByteSource, type Category, type Dialect, type DialectCapabilities, type DialectContext, type DialectInput, type Id, type ImageInfo, type MaskDataset, type MaskDatasetStream, type RleWarning } from '@rlekit/core';
import { decode, encode } from './codec.js';
import { sniffEncord } from './sniff.js';

type Path = (string | number)[];
type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Options

export const readOptions = z.object({
  maxBytes: z._default(z.int().check(z.positive()), 0x1fffffe8)
    .register(z.globalRegistry, { description: 'Largest export read into memory, in bytes' }),
  maxPixels: z._default(z.int().check(z.positive()), 0xffffffff)
    .register(z.globalRegistry, { description: 'Largest frame (height * width) decoded; larger frames are refused before allocating' }),
  strictSum: z._default(z.boolean(), false)
    .register(z.globalRegistry, { description: 'Reject rleStrings covering fewer pixels than the frame (Encord\'s SDK pads them with background)' }),
  repairInverted: z._default(z.boolean(), false)
    .register(z.globalRegistry, { description: 'Complement masks that look written by the inverting SDK v0.1.153-0.1.157 (edited Dec 2024 - Mar 2025, over half the frame, pixel (0,0) clear)' }),
});
export type EncordReadOptions = z.infer<typeof readOptions>;

/** What objects without provenance get, so that the output is reproducible and Encord's SDK (which requires both) loads it. */
export const DEFAULT_CREATED_BY = 'rlekit';
export const DEFAULT_CREATED_AT = 'Thu, 01 Jan 1970 00:00:00 GMT';

/**
 * The feature that annotations without a category are written with: Encord's SDK looks every object
 * up in the project's ontology by `featureHash` and cannot load one without it. Read back as no category.
 */
export const DEFAULT_FEATURE_HASH = 'rlekit-no-category';
export const DEFAULT_FEATURE_NAME = 'object';

export const writeOptions = z.object({
  indent: z._default(z.int().check(z.gte(0), z.lte(8)), 1)
    .register(z.globalRegistry, { description: 'Spaces of JSON indentation (0: one line); Encord\'s own exports use 1' }),
  createdBy: z._default(z.string(), DEFAULT_CREATED_BY)
    .register(z.globalRegistry, { description: 'createdBy of objects that come without one (Encord requires it)' }),
  createdAt: z._default(z.string(), DEFAULT_CREATED_AT)
    .register(z.globalRegistry, { description: 'createdAt of objects that come without one (Encord requires it; "now" for the current time; the default, the Unix epoch, keeps output reproducible)' }),
  defaultFeatureHash: z._default(z.string().check(z.minLength(1)), DEFAULT_FEATURE_HASH)
    .register(z.globalRegistry, { description: 'featureHash of annotations without a category (Encord requires one on every object; give the hash of a feature of your ontology); the default placeholder reads back as no category' }),
  defaultLabel: z._default(z.string().check(z.minLength(1)), DEFAULT_FEATURE_NAME)
    .register(z.globalRegistry, { description: 'name (and, snake_cased, value) written with defaultFeatureHash' }),
});
export type EncordWriteOptions = z.infer<typeof writeOptions>;

function parseOptions<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  // zod/mini ships no messages: zod's English ones, as the full zod printed them.
  return parseDialectOptions(schema, input, undefined, { error: en().localeError });
}

// ---------------------------------------------------------------------------------------------
// Structure (zod validates each level where it is read, so errors carry the full path)

const bitmaskSchema = z.looseObject({
  rleString: z.string(),
  top: z.int().check(z.nonnegative()),
  left: z.int().check(z.nonnegative()),
  width: z.int().check(z.nonnegative()),
  height: z.int().check(z.nonnegative()),
});

const objectSchema = z.looseObject({
  shape: z.string(),
  objectHash: z.string(),
  featureHash: z.optional(z.string()),
  name: z.optional(z.string()),
  value: z.optional(z.string()),
  color: z.optional(z.string()),
  confidence: z.optional(z.number()),
});

const labelsSchema = z.looseObject({
  objects: z.optional(z.array(z.unknown())),
  classifications: z.optional(z.array(z.unknown())),
});

const dataUnitSchema = z.looseObject({
  data_hash: z.optional(z.string()),
  data_title: z.optional(z.string()),
  width: z.int().check(z.nonnegative()),
  height: z.int().check(z.nonnegative()),
  labels: z.record(z.string(), z.unknown()),
});

const labelRowSchema = z.looseObject({
  data_hash: z.nullish(z.string()),
  label_hash: z.nullish(z.string()),
  data_type: z.nullish(z.string()),
  data_units: z.record(z.string(), z.unknown()),
});

function pathKey(k: PropertyKey): string | number {
  return typeof k === 'number' ? k : String(k);
}

function check<T>(schema: z.ZodMiniType<T>, value: unknown, path: Path, what: string): T {
  const r = schema.safeParse(value, { error: en().localeError });
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const at = [...path, ...issue.path.map(pathKey)];
  throw new RleError('INVALID_STRUCTURE', `Invalid Encord ${what}: ${issue.message}`, { path: at, expected: expectedOf(issue) });
}

function expectedOf(issue: z.core.$ZodIssue): string {
  if ('expected' in issue && typeof issue.expected === 'string') return issue.expected === 'int' ? 'an integer' : issue.expected;
  return issue.message;
}

// ---------------------------------------------------------------------------------------------
// Shared conventions of reader and writer

/**
 * Hashes that are canonical decimal integers read as numbers, so numeric ids from other dialects
 * survive Encord unchanged; `String(id)` writes the same characters back.
 */
function idFromHash(s: string): Id {
  return /^(0|[1-9]\d{0,14})$/.test(s) ? Number(s) : s;
}

/**
 * Encord's `value`: the snake_case of the name.
 * @example
 * ```ts
 * snakeCase('Leaf Type'); // → 'leaf_type'
 * ```
 */
export function snakeCase(name: string): string {
  return name.trim().toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '_').replace(/^_+|_+$/g, '');
}

function hexColor(c: readonly [number, number, number]): string {
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('').toUpperCase()}`;
}

function parseColor(s: unknown): [number, number, number] | undefined {
  if (typeof s !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(s)) return undefined;
  return [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16)];
}

/** Types of label rows whose `labels` are keyed by frame number. */
const FRAME_TYPES = new Set(['video', 'dicom', 'nifti', 'dicom_study']);
/** Types whose `labels` are `{ objects, classifications }`; any other type is told by its labels' shape. */
const FLAT_TYPES = new Set(['image', 'img_group']);

/** What the writer makes of an image that came without Encord attributes: one image label row. */
function plainRow(image: ImageInfo, objectHashes: string[]): { row: Json; unit: Json } {
  const hash = String(image.id);
  const title = image.fileName === undefined ? {} : { data_title: image.fileName };
  const answers: Json = {};
  for (const h of objectHashes) answers[h] = { classifications: [], objectHash: h };
  const row: Json = { data_hash: hash, ...title, data_type: 'image', object_answers: answers, classification_answers: {}, object_actions: {} };
  const unit: Json = { data_hash: hash, ...title, data_sequence: 0, width: image.width, height: image.height };
  return { row, unit };
}

/** What Encord-specific structure an image carries (under `ImageInfo.attributes.encord`). */
export interface EncordImageAttributes {
  /** The label row without `data_units`. */
  labelRow?: Json;
  /** The data unit without `labels`. */
  dataUnit?: Json;
  /** The frame key of a video / DICOM frame; null for a frame-keyed data unit with no labelled frame. */
  frame?: string | null;
  /** The `classifications` of the image or frame. */
  classifications?: unknown[];
  /** Other keys of the image's or frame's labels object. */
  labelsExtra?: Json;
  /** Objects that are not bitmasks (polygons, boxes, ...), with their place in `objects`. */
  otherObjects?: { at: number; object: unknown }[];
}

const OBJECT_KEY_ORDER = ['name', 'color', 'shape', 'value', 'createdAt', 'createdBy', 'confidence', 'objectHash', 'featureHash', 'lastEditedAt', 'lastEditedBy', 'manualAnnotation'];

// Keys of an object that the model holds elsewhere.
const MODEL_KEYS = ['shape', 'bitmask', 'objectHash', 'featureHash', 'confidence'];

// ---------------------------------------------------------------------------------------------
// Read

const BUG_FROM = Date.UTC(2024, 11, 1), BUG_TO = Date.UTC(2025, 3, 1);

function inBugWindow(o: Json): boolean {
  for (const k of ['lastEditedAt', 'createdAt']) {
    const t = typeof o[k] === 'string' ? Date.parse(o[k] as string) : NaN;
    if (t >= BUG_FROM && t < BUG_TO) return true;
  }
  return false;
}

/**
 * Whether a decoded mask looks like one inverted by SDK v0.1.153–0.1.157: see docs/dialects/encord.md.
 * @example
 * ```ts
 * // Background first and most pixels set: the mark of SDK v0.1.153–157's inverted exports.
 * looksInverted(Mask.full({ height: 3, width: 4 }).difference(Mask.fromBitmap([1], { height: 1, width: 1 }).paste({ height: 3, width: 4 }))); // → true
 * looksInverted(Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row')); // → false
 * ```
 */
export function looksInverted(mask: Mask): boolean {
  const row = mask.runsView('row');
  return mask.pixels > 0 && row[0]! > 0 && mask.area() * 2 > mask.pixels;
}

/**
 * How a Reader runs. 'whole': every annotation kept. 'scan' (a streamed read's first pass): images
 * and categories only, no mask decoded. 'stream' (its second pass): the first pass's images reused.
 */
type ReadMode = { kind: 'whole' } | { kind: 'scan' } | { kind: 'stream'; images: readonly ImageInfo[] };

/** What the first pass of a streamed read holds where a mask would be (it decodes none). */
const UNREAD = Mask.empty({ height: 0, width: 0 });

/** What a piece's first pass found (a --jobs helper thread's, structured-cloned): its images and categories. */
interface PieceFound {
  images: ImageInfo[];
  categories: Category[];
}

class Reader {
  readonly images: ImageInfo[] = [];
  readonly categories: Category[] = [];
  readonly annotations: Annotation[] = [];
  private readonly categoryById = new Map<Id, Category>();
  private readonly imageIds = new Set<Id>();
  private readonly notMasks = new Map<string, number>();
  private suspects = 0;
  private repaired = 0;
  /** 'stream': the position of the next image in the first pass's list (a shard's read starts a row at the row's first). */
  private position = 0;
  /** 'stream', reading a shard: whether the image at a position is the shard's (others' objects are not read). */
  private mine: ((position: number) => boolean) | undefined;

  constructor(private readonly options: EncordReadOptions, private readonly warn: (w: RleWarning) => void, private readonly mode: ReadMode = { kind: 'whole' }) {}

  /** A piece's first pass (a --jobs helper thread): what it found, for the main thread's {@link absorb}. */
  found(): PieceFound {
    return { images: this.images, categories: this.categories };
  }

  /**
   * The main thread's first pass: a piece's (the rows after this pass's last), as if this pass had
   * read its rows; `spans` (its rows' images) made positions in this pass's list. False where an
   * image id of the piece was used before it (the piece's pass gave it, not the next free one).
   */
  absorb(found: PieceFound, spans: Int32Array): boolean {
    if (found.images.some((im) => this.imageIds.has(im.id))) return false;
    const shift = this.images.length;
    for (const im of found.images) (this.images.push(im), this.imageIds.add(im.id));
    // Categories in order of first meeting: the piece's new ones after this pass's.
    for (const c of found.categories) if (!this.categoryById.has(c.id)) (this.categoryById.set(c.id, c), this.categories.push(c));
    for (let k = 0; k < spans.length; k++) spans[k]! += shift;
    return true;
  }

  readRoot(root: unknown): void {
    // A single label row (what `to_encord_dict()` gives) is read as a list of one.
    const rows = Array.isArray(root) ? root : isJsonObject(root) && 'data_units' in root ? [root] : undefined;
    if (rows === undefined) {
      throw new RleError('INVALID_STRUCTURE', 'Not an Encord export', { path: [], expected: 'a list of label rows (objects with data_units)' });
    }
    const single = !Array.isArray(root);
    rows.forEach((r, i) => this.readRow(r, single ? [] : [i]));
    this.summarize();
  }

  /** What the read did besides reading masks, said once it is done. */
  summarize(): void {
    for (const [shape, count] of this.notMasks) {
      this.warn({ code: 'not-carried', message: `${count} "${shape}" objects are not masks: not converted (an Encord writer puts them back)`, count });
    }
    if (this.suspects > 0) {
      // One number a message (repairInverted complements every suspect): the shards of a --jobs run each count theirs, and the counts add up.
      this.warn({
        code: 'suspect-inverted',
        message: `${this.suspects} masks edited Dec 2024 - Mar 2025 cover over half the frame with pixel (0,0) clear: possibly inverted by Encord SDK v0.1.153-0.1.157${this.repaired > 0 ? '; complemented (repairInverted)' : ' (see repairInverted)'}`,
        count: this.suspects,
      });
    }
  }

  /** The first pass's categories: a second pass that skips rows still finds each feature as the whole read first met it. */
  seedCategories(categories: readonly Category[]): void {
    for (const c of categories) this.categoryById.set(c.id, c);
  }

  /**
   * A streamed read's row (the first pass: the positions [start, end) of the images it makes).
   * `plan` (the second pass, when the first met no fault): where its images are, and which are the shard's.
   */
  streamRow(raw: unknown, index: number, plan?: RecordPlan): RecordImages {
    const start = this.images.length;
    if (plan !== undefined) (this.position = plan.start), (this.mine = plan.mine);
    this.readRow(raw, [index]);
    return [start, this.images.length];
  }

  readRow(raw: unknown, path: Path): void {
    const row = check(labelRowSchema, raw, path, 'label row');
    const rowAttrs = withoutKeys(raw as Json, ['data_units']);
    const units = Object.entries(row.data_units);
    for (const [key, u] of units) {
      const upath = [...path, 'data_units', key];
      const unit = check(dataUnitSchema, u, upath, 'data unit');
      const unitAttrs = withoutKeys(u as Json, ['labels']);
      const base = { labelRow: rowAttrs, dataUnit: unitAttrs };
      const hash = unit.data_hash ?? key;
      const labels = unit.labels;
      // Types this reader does not know (pdf pages, newer ones) go by shape, so frame-keyed bitmasks are never skipped.
      const flat = row.data_type && FLAT_TYPES.has(row.data_type) ? true
        : row.data_type && FRAME_TYPES.has(row.data_type) ? false
          : 'objects' in labels || 'classifications' in labels || Object.keys(labels).length === 0;
      if (flat) {
        this.readLabels(labels, [...upath, 'labels'], hash, unit.data_title, unit, base, undefined, units.length === 1);
      } else {
        const frames = Object.keys(labels);
        if (frames.length === 0) this.addImage(hash, unit.data_title, unit, { ...base, frame: null });
        for (const f of frames) {
          this.readLabels(labels[f], [...upath, 'labels', f], `${hash}#${f}`, unit.data_title === undefined ? undefined : `${unit.data_title}#${f}`, unit, base, f, false);
        }
      }
    }
  }

  private addImage(hash: string, title: string | undefined, size: { width: number; height: number }, encord: EncordImageAttributes): ImageInfo {
    let id = idFromHash(hash);
    // Branches of one data item share its data_hash: keep image ids unique.
    for (let n = 2; this.imageIds.has(id); n++) id = `${hash}~${n}`;
    this.imageIds.add(id);
    // A second pass holds the first pass's image (the same values), not a copy.
    const first = this.mode.kind === 'stream' ? this.mode.images[this.position++] : undefined;
    if (first !== undefined) {
      this.images.push(first);
      return first;
    }
    const image: ImageInfo = { id, height: size.height, width: size.width };
    if (title !== undefined) image.fileName = title;
    image.attributes = { encord };
    this.images.push(image);
    return image;
  }

  private readLabels(
    raw: unknown, path: Path, hash: string, title: string | undefined, size: { width: number; height: number },
    base: EncordImageAttributes, frame: string | undefined, maybePlain: boolean,
  ): void {
    const labels = check(labelsSchema, raw, path, 'labels');
    const encord: EncordImageAttributes = { ...base };
    if (frame !== undefined) encord.frame = frame;
    if (labels.classifications !== undefined) encord.classifications = labels.classifications;
    const extra = withoutKeys(raw as Json, ['objects', 'classifications']);
    if (Object.keys(extra).length > 0) encord.labelsExtra = extra;
    const at = this.position;
    const image = this.addImage(hash, title, size, encord);
    // Another shard's image: its objects are neither decoded nor counted (the first pass checked them).
    if (this.mine !== undefined && !this.mine(at)) return;
    const hashes: string[] = [];
    const others: { at: number; object: unknown }[] = [];
    (labels.objects ?? []).forEach((o, i) => {
      const a = this.readObject(o, [...path, 'objects', i], image);
      if (a) hashes.push(String(a.id));
      else others.push({ at: i, object: o });
    });
    if (others.length > 0) encord.otherObjects = others;
    // Elide what the writer would make of a plain image anyway.
    if (maybePlain && labels.objects !== undefined && labels.classifications?.length === 0 && encord.labelsExtra === undefined && others.length === 0) {
      const plain = plainRow(image, hashes);
      if (JSON.stringify(plain.row) === JSON.stringify(base.labelRow) && JSON.stringify(plain.unit) === JSON.stringify(base.dataUnit)) {
        delete image.attributes;
      }
    }
  }

  private readObject(raw: unknown, path: Path, image: ImageInfo): Annotation | undefined {
    const o = check(objectSchema, raw, path, 'object');
    if (o.shape !== 'bitmask') {
      this.notMasks.set(o.shape, (this.notMasks.get(o.shape) ?? 0) + 1);
      return undefined;
    }
    const bm = check(bitmaskSchema, o.bitmask, [...path, 'bitmask'], 'bitmask');
    // The first pass of a streamed read decodes nothing: the second meets any fault of a mask first.
    let mask = this.mode.kind === 'scan' ? UNREAD : this.decodeBitmask(bm, image, [...path, 'bitmask']);
    if (inBugWindow(o) && looksInverted(mask)) {
      this.suspects++;
      if (this.options.repairInverted) {
        mask = mask.complement();
        this.repaired++;
      }
    }
    const a: Annotation = { id: idFromHash(o.objectHash), imageId: image.id, mask };
    const attributes = withoutKeys(raw as Json, MODEL_KEYS);
    if (o.featureHash === DEFAULT_FEATURE_HASH) {
      // The writer's placeholder for an annotation without a category is not a category.
      if (o.name === DEFAULT_FEATURE_NAME) delete attributes.name;
      if (o.value === snakeCase(DEFAULT_FEATURE_NAME)) delete attributes.value;
    } else if (o.featureHash !== undefined) {
      const cid = idFromHash(o.featureHash);
      a.categoryId = cid;
      let c = this.categoryById.get(cid);
      if (c === undefined) {
        c = { id: cid, name: o.name ?? o.featureHash };
        const color = parseColor(o.color);
        if (color) c.color = color;
        if (o.value !== undefined && o.value !== snakeCase(c.name)) c.attributes = { value: o.value };
        this.categoryById.set(cid, c);
        this.categories.push(c);
      }
      // Kept on the object only where it differs from what its category writes.
      if (o.name === c.name) delete attributes.name;
      if (o.value !== undefined && o.value === categoryValue(c)) delete attributes.value;
      if (o.color !== undefined && c.color && o.color === hexColor(c.color)) delete attributes.color;
    }
    // A manual annotation's confidence 1 is not a prediction score.
    const manual = o.manualAnnotation;
    if (o.confidence !== undefined && !(o.confidence === 1 && manual === true)) a.score = o.confidence;
    if (manual === (a.score === undefined)) delete attributes.manualAnnotation;
    else attributes.manualAnnotation = manual ?? null;
    // The writer's defaults for objects without provenance are not provenance.
    if (attributes.createdBy === DEFAULT_CREATED_BY) delete attributes.createdBy;
    if (attributes.createdAt === DEFAULT_CREATED_AT) delete attributes.createdAt;
    const extra = withoutKeys(o.bitmask as Json, ['rleString', 'top', 'left', 'width', 'height']);
    if (Object.keys(extra).length > 0) attributes.bitmaskExtra = extra;
    if (Object.keys(attributes).length > 0) a.attributes = attributes;
    if (mask !== UNREAD) this.annotations.push(a);
    return a;
  }

  private decodeBitmask(bm: z.infer<typeof bitmaskSchema>, image: ImageInfo, path: Path): Mask {
    const { top, left, width, height } = bm;
    if (left + width > image.width || top + height > image.height) {
      throw new RleError('SIZE_MISMATCH', 'Bitmask does not fit in its frame', { path, expected: `within ${image.height}x${image.width}`, received: `${height}x${width} at (${left}, ${top})` });
    }
    let mask: Mask;
    try {
      mask = decode(bm.rleString, { height, width, strictSum: this.options.strictSum, maxPixels: this.options.maxPixels, warn: (w) => this.warn({ ...w, path }) });
    } catch (e) {
      throw e instanceof RleError ? e.at(...path, 'rleString') : e;
    }
    if (top === 0 && left === 0 && width === image.width && height === image.height) return mask;
    // Encord's SDK always writes the whole frame and ignores top/left; anything else is placed as a box.
    this.warn({ code: 'bitmask-placed', message: `A ${height}x${width} bitmask at (${left}, ${top}) was placed into its ${image.height}x${image.width} frame; Encord's SDK would ignore top/left`, path, count: 1 });
    return mask.paste(image, { x: left, y: top });
  }
}

function categoryValue(c: Category): string {
  const v = c.attributes?.value;
  return typeof v === 'string' ? v : snakeCase(c.name);
}

/**
 * Parses the text of an Encord JSON export.
 * @example
 * ```ts
 * const text = JSON.stringify([buildEncordExport({
 *   images: [{ id: 'a', height: 3, width: 4, fileName: 'leaf.png' }],
 *   categories: [{ id: 'c', name: 'leaf' }],
 *   annotations: [{ id: 'o', imageId: 'a', categoryId: 'c', mask: decode('12104O', { height: 3, width: 4 }) }],
 * })[0]]);
 * parseEncordExport(text).annotations[0].mask.area(); // → 5
 * ```
 */
export function parseEncordExport(text: string, options: Partial<EncordReadOptions> = {}, context?: DialectContext): MaskDataset {
  const opts = parseOptions(readOptions, options);
  const root = parseJson(text, EXPECTED);
  const reader = new Reader(opts, context?.warn ?? (() => {}));
  reader.readRoot(root);
  return { images: reader.images, categories: reader.categories, annotations: reader.annotations };
}

const EXPECTED = 'an Encord JSON export';

/**
 * An Encord export (a list of label rows) streamed with core's streamJsonList: the dataset,
 * warnings and error (code, path, byte offset) of the whole-text read, one label row's
 * annotations at a time. The first pass reads each row without decoding a mask, for the images
 * (one per data unit or frame) and the categories (features in order of first use); the second
 * decodes the masks. An export that is one label row (an object) is read whole.
 */
function streamEncord(source: ByteSource, opts: EncordReadOptions, context?: DialectContext): Promise<MaskDatasetStream> {
  return streamJsonList(source, rowList(opts, context), { maxBytes: opts.maxBytes, expected: EXPECTED, ...(context?.shard === undefined ? {} : { shard: context.shard }) });
}

/** The two passes of a streamed read over the label rows, for core's streamJsonList (and planJsonList). */
function rowList(opts: EncordReadOptions, context?: DialectContext): JsonListReader {
  const warn = context?.warn ?? (() => {});
  const first = new Reader(opts, () => {}, { kind: 'scan' });
  // What the second pass starts from (a --jobs plan carries it to a worker): the first pass's images and categories.
  const second = ({ images, categories }: { images: ImageInfo[]; categories: Category[] }): ReturnType<JsonListReader['begin']> => {
    const reader = new Reader(opts, warn, { kind: 'stream', images });
    reader.seedCategories(categories);
    return {
      images,
      categories,
      // Each image's objects come with it.
      inImageOrder: true,
      // A row's images (frames, a group's images) may fall in two shards: only the shard's objects are read.
      read(row, i, plan) {
        reader.streamRow(row, i, plan);
        return reader.annotations.splice(0);
      },
      end: () => reader.summarize(),
    };
  };
  const state = () => ({ images: first.images, categories: first.categories });
  return {
    scan: (row, i) => first.streamRow(row, i),
    begin: () => second(state()),
    save: state,
    resume: (s) => second(s as ReturnType<typeof state>),
    whole: (text) => parseEncordExport(text, opts, context),
    // --jobs: a piece of the first pass on a helper thread, joined to the main thread's (core's planJsonList).
    piece: () => {
      const pass = new Reader(opts, () => {}, { kind: 'scan' });
      return { scan: (row, i) => pass.streamRow(row, i), found: () => pass.found() };
    },
    absorb: (found, _first, spans) => first.absorb(found as PieceFound, spans),
  };
}

// ---------------------------------------------------------------------------------------------
// Write

interface UnitOut {
  unit: Json;
  frames: boolean;
  labels: Json;
}

interface RowOut {
  row: Json;
  units: Map<string, UnitOut>;
  hashes: string[];
}

interface Defaults {
  createdAt: string;
  createdBy: string;
  featureHash: string;
  label: string;
}

function objectOut(a: Annotation, category: Category | undefined, path: Path, dropped: { count: number }, defaults: Defaults): Json {
  const attrs = a.attributes ?? {};
  const v: Json = {};
  if (category) {
    v.name = category.name;
    if (category.color) v.color = hexColor(category.color);
    v.value = categoryValue(category);
    v.featureHash = String(category.id);
  } else {
    // Encord links every object to its ontology through featureHash; an object without one cannot be loaded.
    v.name = defaults.label;
    v.value = snakeCase(defaults.label);
    v.featureHash = defaults.featureHash;
  }
  v.shape = 'bitmask';
  v.createdAt = defaults.createdAt;
  v.createdBy = defaults.createdBy;
  v.confidence = a.score ?? 1;
  v.objectHash = String(a.id);
  v.manualAnnotation = a.score === undefined;
  for (const [k, x] of Object.entries(attrs)) {
    if (k === 'bitmaskExtra') continue;
    if (MODEL_KEYS.includes(k)) {
      dropped.count++;
      continue;
    }
    Object.defineProperty(v, k, { value: x, enumerable: true, writable: true, configurable: true });
  }
  // Keys in the order Encord's SDK writes them, then any others as they came.
  const o: Json = {};
  for (const k of OBJECT_KEY_ORDER) if (k in v) o[k] = v[k];
  for (const k of Object.keys(v)) if (!Object.hasOwn(o, k)) Object.defineProperty(o, k, { value: v[k], enumerable: true, writable: true, configurable: true });
  if (o.manualAnnotation === null) delete o.manualAnnotation;
  // Without a score, confidence 1 is only Encord's default for manual objects; on any other object it would read back as a score.
  if (a.score === undefined && o.manualAnnotation !== true) delete o.confidence;
  const extra = isJsonObject(attrs.bitmaskExtra) ? attrs.bitmaskExtra : {};
  const mask = a.mask;
  try {
    o.bitmask = { rleString: encode(mask), top: 0, left: 0, width: mask.width, height: mask.height, ...extra };
  } catch (e) {
    throw e instanceof RleError ? e.at(...path) : e;
  }
  return o;
}

/**
 * Builds the label rows of a dataset.
 * @example
 * ```ts
 * const rows = buildEncordExport({
 *   images: [{ id: 'a', height: 3, width: 4, fileName: 'leaf.png' }],
 *   categories: [{ id: 'c', name: 'leaf' }],
 *   annotations: [{ id: 'o', imageId: 'a', categoryId: 'c', mask: decode('12104O', { height: 3, width: 4 }) }],
 * });
 * rows.length; // → 1
 * ```
 */
export function buildEncordExport(dataset: MaskDataset, warn: (w: RleWarning) => void = () => {}, options: Partial<EncordWriteOptions> = {}): Json[] {
  const opts = parseOptions(writeOptions, options);
  for (const w of notCarried(dataset, capabilities, 'encord')) warn(w);
  const writer = new RowWriter(opts, dataset);
  const byImage = annotationsByImage(dataset);
  const out: Json[] = [];
  dataset.images.forEach((image) => out.push(...writer.image(image, byImage.get(image.id) ?? [])));
  writer.finish(warn);
  return out;
}

/**
 * Builds label rows one image at a time (the whole write holds them all, the streamed one a row
 * until its last image): images of one label row are written into it, rows in order of their
 * first image. What it could not carry is said once every row is built.
 */
class RowWriter {
  private readonly defaults: Defaults;
  private readonly categoryById: Map<Id, Category>;
  private readonly usedCategories = new Set<Id>();
  private readonly uncategorised = { count: 0, first: undefined as Path | undefined };
  private readonly dropped = { count: 0 };
  private imageAttributesDropped = 0;
  /** Rows begun and not yet handed out, in order of their first image. */
  private readonly rows = new Map<string, RowOut>();
  /** Each row's last image (by position), from the header: the row is complete once it is written. */
  private readonly lastImage = new Map<string, number>();
  private readonly rowKeys: string[];
  private readonly done = new Set<string>();
  private next = 0;

  constructor(opts: EncordWriteOptions, private readonly header: { images: readonly ImageInfo[]; categories: readonly Category[] }) {
    this.defaults = {
      createdBy: opts.createdBy, createdAt: opts.createdAt === 'now' ? new Date().toUTCString() : opts.createdAt,
      featureHash: opts.defaultFeatureHash, label: opts.defaultLabel,
    };
    this.categoryById = new Map(header.categories.map((c) => [c.id, c]));
    this.rowKeys = header.images.map((image, ii) => {
      const key = rowKeyOf(image, ii);
      this.lastImage.set(key, ii);
      return key;
    });
  }

  /** The next image (in `images` order) with its annotations and their positions: the rows it completes. */
  image(image: ImageInfo, anns: readonly { a: Annotation; i: number }[]): Json[] {
    const ii = this.next++;
    const objects: unknown[] = [];
    for (const { a, i } of anns) {
      const path = ['annotations', i];
      if (a.mask.height !== image.height || a.mask.width !== image.width) {
        throw new RleError('SIZE_MISMATCH', 'Mask size differs from its image', { path, expected: `${image.height}x${image.width}`, received: `${a.mask.height}x${a.mask.width}` });
      }
      let category: Category | undefined;
      if (a.categoryId !== undefined) {
        category = this.categoryById.get(a.categoryId);
        if (!category) throw new RleError('DANGLING_REFERENCE', `Annotation refers to category ${String(a.categoryId)}, which is not in categories`, { path: [...path, 'categoryId'] });
        this.usedCategories.add(category.id);
      } else {
        this.uncategorised.count++;
        this.uncategorised.first ??= [...path, 'categoryId'];
      }
      objects.push(objectOut(a, category, path, this.dropped, this.defaults));
    }
    const attrs = image.attributes ?? {};
    const encord = (isJsonObject(attrs.encord) ? attrs.encord : {}) as EncordImageAttributes;
    if (Object.keys(attrs).some((k) => k !== 'encord')) this.imageAttributesDropped++;
    for (const { at, object } of encord.otherObjects ?? []) objects.splice(Math.min(at, objects.length), 0, object);
    const hashes = anns.map(({ a }) => String(a.id));
    const plain = plainRow(image, hashes);
    const rowAttrs = isJsonObject(encord.labelRow) ? encord.labelRow : plain.row;
    const unitAttrs = isJsonObject(encord.dataUnit) ? encord.dataUnit : plain.unit;
    const rowKey = this.rowKeys[ii] ?? rowKeyOf(image, ii);
    let row = this.rows.get(rowKey);
    if (!row) this.rows.set(rowKey, (row = { row: rowAttrs, units: new Map(), hashes: [] }));
    row.hashes.push(...hashes);
    const unitKey = String(unitAttrs.data_hash ?? image.id);
    let unit = row.units.get(unitKey);
    const frames = encord.frame !== undefined;
    if (!unit) row.units.set(unitKey, (unit = { unit: unitAttrs, frames, labels: {} }));
    const labels: Json = { objects, classifications: encord.classifications ?? [], ...(encord.labelsExtra ?? {}) };
    if (!frames) unit.labels = labels;
    else if (typeof encord.frame === 'string') unit.labels[encord.frame] = labels;
    if (this.lastImage.get(rowKey) === ii) this.done.add(rowKey);
    // Complete rows go out in order of their first image: a later one waits for those before it.
    const out: Json[] = [];
    for (const [key, r] of this.rows) {
      if (!this.done.has(key)) break;
      out.push(rowOut(r));
      this.rows.delete(key);
      this.done.delete(key);
    }
    return out;
  }

  /** What the rows could not carry, once all are built. */
  finish(warn: (w: RleWarning) => void): void {
    const { uncategorised, defaults } = this;
    if (uncategorised.count > 0) {
      warn({
        code: 'default-category',
        message: `encord objects need a featureHash (their ontology feature): ${uncategorised.count} annotations without a category were written with featureHash "${defaults.featureHash}" ("${defaults.label}")${defaults.featureHash === DEFAULT_FEATURE_HASH ? ', a placeholder: set defaultFeatureHash to a feature of your ontology before importing' : ''}`,
        path: uncategorised.first,
        count: uncategorised.count,
      });
    }
    // Unused categories are in the generic report. A category is its ontology feature: name, colour, value.
    const categoryAttributesLost = this.header.categories.filter((c) => this.usedCategories.has(c.id) && (c.supercategory !== undefined || Object.keys(c.attributes ?? {}).some((k) => k !== 'value'))).length;
    if (categoryAttributesLost > 0) warn({ code: 'not-carried', message: `encord cannot carry category attributes other than colour and value: ${categoryAttributesLost} categories' supercategory or attributes lost`, count: categoryAttributesLost, capability: 'categoryAttributes' });
    if (this.dropped.count > 0) warn({ code: 'not-carried', message: `${this.dropped.count} annotation attributes named like Encord's own object fields were not written`, count: this.dropped.count, capability: 'attributes' });
    if (this.imageAttributesDropped > 0) warn({ code: 'not-carried', message: `encord cannot carry image attributes (other than Encord's own): ${this.imageAttributesDropped} images' attributes lost`, count: this.imageAttributesDropped, capability: 'imageAttributes' });
  }
}

/** Which label row an image is written into: the one it was read from, else its own. */
function rowKeyOf(image: ImageInfo, ii: number): string {
  const attrs = image.attributes ?? {};
  const encord = (isJsonObject(attrs.encord) ? attrs.encord : {}) as EncordImageAttributes;
  if (!isJsonObject(encord.labelRow)) return `image:${ii}`;
  const r = encord.labelRow;
  return `row:${String(r.label_hash ?? '')}:${String(r.data_hash ?? '')}:${String(r.branch_name ?? '')}`;
}

/** A label row as written: its data units with their labels, and an object_answers entry for every object. */
function rowOut({ row, units, hashes }: RowOut): Json {
  const dataUnits: Json = {};
  for (const [key, u] of units) dataUnits[key] = withLabels(u.unit, u.labels);
  const r: Json = { ...row };
  // Every written object needs its object_answers entry for Encord to load it.
  if (isJsonObject(r.object_answers)) {
    let answers: Json | undefined;
    for (const h of hashes) {
      if (!(h in r.object_answers)) {
        answers ??= { ...r.object_answers };
        answers[h] = { classifications: [], objectHash: h };
      }
    }
    if (answers) r.object_answers = answers;
  }
  r.data_units = dataUnits;
  return r;
}

/**
 * The bytes of {@link formatEncordExport}, one label row at a time: holds the images of one row
 * (rows whose images are not consecutive wait for each other), never the dataset nor its text.
 * A stream goes through core's groupByImage; the warnings are those of the whole write, the
 * generic losses of a stream said at the end, known only then.
 * @example
 * ```ts
 * const chunks: Uint8Array[] = [];
 * for await (const c of writeEncordChunks({ images: [{ id: 'a', height: 3, width: 4 }], categories: [], annotations: [{ id: 'o', imageId: 'a', mask: decode('12104O', { height: 3, width: 4 }) }] })) chunks.push(c);
 * JSON.parse(new TextDecoder().decode(chunks[0])).length; // → 1
 * ```
 */
export async function* writeEncordChunks(dataset: MaskDataset | MaskDatasetStream, options: Partial<EncordWriteOptions> = {}, context?: DialectContext): AsyncGenerator<Uint8Array> {
  const opts = parseOptions(writeOptions, options);
  const warn = context?.warn ?? (() => {});
  const stream = isDatasetStream(dataset);
  const counts = countHeader(dataset.images, dataset.categories, capabilities);
  if (!stream) for (const w of notCarried(dataset, capabilities, 'encord')) warn(w);
  const writer = new RowWriter(opts, dataset);
  const rows = async function* (): AsyncGenerator<Json> {
    for await (const { image, annotations } of groupByImageAt(dataset, stream ? (a) => tallyAnnotation(counts, a) : undefined)) yield* writer.image(image, annotations);
  };
  yield* jsonListChunks(rows(), opts.indent);
  if (stream) for (const w of notCarried(counts, capabilities, 'encord')) warn(w);
  writer.finish(warn);
}

/** The data unit with its labels where Encord puts them: after `height` (before `data_fps`, ...). */
function withLabels(unit: Json, labels: Json): Json {
  if (!('height' in unit)) return { ...unit, labels };
  const out: Json = {};
  for (const [k, v] of Object.entries(unit)) {
    out[k] = v;
    if (k === 'height') out.labels = labels;
  }
  return out;
}

/**
 * Serialises a dataset as an Encord JSON export (a list of label rows).
 * @example
 * ```ts
 * const text = formatEncordExport({
 *   images: [{ id: 'a', height: 3, width: 4, fileName: 'leaf.png' }],
 *   categories: [{ id: 'c', name: 'leaf' }],
 *   annotations: [{ id: 'o', imageId: 'a', categoryId: 'c', mask: decode('12104O', { height: 3, width: 4 }) }],
 * });
 * text.includes('"rleString": "12104O"'); // → true
 * ```
 */
export function formatEncordExport(dataset: MaskDataset, options: Partial<EncordWriteOptions> = {}, context?: DialectContext): string {
  const opts = parseOptions(writeOptions, options);
  return `${JSON.stringify(buildEncordExport(dataset, context?.warn, opts), null, opts.indent)}\n`;
}

// ---------------------------------------------------------------------------------------------
// Dialect

export const capabilities: DialectCapabilities = {
  categories: true, categoryIds: true, categoryNames: true, categoryAttributes: true, unusedCategories: false,
  instanceIds: true, scores: true, crowd: false, attributes: true,
  multipleImages: true, overlap: true, emptyImages: true, imageIds: true, fileNames: true, imageAttributes: true,
};

export const dialect: Dialect<EncordReadOptions, EncordWriteOptions> = {
  id: 'encord',
  title: 'Encord JSON export (bitmask rleString)',
  extensions: ['.json'],
  capabilities,
  readOptions,
  writeOptions,
  input: 'file',
  output: 'file',
  // The streamed read honours context.shard (rows without the shard's images are not parsed, other shards' frames in a row not decoded): --jobs divides the reading.
  readsShards: true,
  sniff(head: Uint8Array): number {
    return sniffEncord(head).confidence;
  },
  sniffDetail: sniffEncord,
  async read(input: DialectInput, options?: Partial<EncordReadOptions>, context?: DialectContext): Promise<MaskDataset> {
    const opts = parseOptions(readOptions, options);
    if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'encord reads a JSON file, not a folder', { received: input.name });
    return parseEncordExport(decodeUtf8(await readAllBytes(input, opts.maxBytes, { head: JSON_HEAD })), opts, context);
  },
  // Two passes over a file, one label row at a time: the dataset, warnings and errors of `read`, in memory of the images and categories.
  async readStream(input: DialectInput, options?: Partial<EncordReadOptions>, context?: DialectContext): Promise<MaskDatasetStream> {
    const opts = parseOptions(readOptions, options);
    if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'encord reads a JSON file, not a folder', { received: input.name });
    // A --jobs worker's shard, planned once for all (planShards): only its rows' bytes, no first pass.
    if (context?.plan !== undefined && !(input instanceof Uint8Array)) return readJsonListPlanned(input, rowList(opts, context), context.plan, { expected: EXPECTED });
    return streamEncord(input instanceof Uint8Array ? bytesSource(input) : input, opts, context);
  },
  // --jobs: the first pass once, in the main thread, instead of in every worker (docs/scale.md).
  async planShards(input: DialectInput, options: Partial<EncordReadOptions> | undefined, shards: readonly Shard[], context?: DialectContext): Promise<unknown[] | undefined> {
    const opts = parseOptions(readOptions, options);
    if (isFolderSource(input) || input instanceof Uint8Array) return undefined;
    return planJsonList(input, rowList(opts), shards, { maxBytes: opts.maxBytes, expected: EXPECTED, ...(context?.planHelpers === undefined ? {} : { helpers: context.planHelpers, pieceOptions: opts }) });
  },
  // --jobs: a piece of that first pass on a worker's thread, while the workers start (core's scanJsonListPiece).
  planPiece: (input: DialectInput, piece: unknown): Promise<unknown> => scanJsonListPiece(input, piece, (options) => rowList(parseOptions(readOptions, options)), EXPECTED),
  async write(dataset: MaskDataset | MaskDatasetStream, options?: Partial<EncordWriteOptions>, context?: DialectContext): Promise<Uint8Array> {
    return encodeUtf8(formatEncordExport(await collectDataset(dataset), options, context));
  },
  // The bytes of `write`, one label row at a time.
  writeStream(dataset: MaskDataset | MaskDatasetStream, options?: Partial<EncordWriteOptions>, context?: DialectContext): AsyncIterable<Uint8Array> {
    return writeEncordChunks(dataset, options, context);
  },
};
