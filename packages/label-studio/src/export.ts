/**
 * Label Studio JSON: a list of tasks (or one task), each `{ id, data: { image }, annotations: [{ result }],
 * predictions: [{ result }] }`. Mask results are read into core's MaskDataset; everything is written
 * as brush RLE results.
 *
 * Mapping: one task → one image (`data.image` → file name), one region (result) → one annotation,
 * its label (`value.brushlabels[0]`, ...) → a category by name, `score` → score, `from_name` /
 * `to_name` and any other result fields → attributes. What a plain dataset is written as is not
 * stored again on reading, so plain data comes back plain.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { isJsonObject, setOwnKey, withoutKeys, annotationsByImage, JSON_HEAD, parseDialectOptions,
  Mask, RleError, bytesSource, collectDataset, countHeader, decodeUtf8, encodeUtf8, groupByImageAt, isDatasetStream, isFolderSource, jsonListChunks, notCarried, tallyAnnotation, parseJson, planJsonList, polygonizeDetailed, rasterizeBox, rasterizePolygon, readAllBytes, readJsonListPlanned, scanJsonListPiece, streamJsonList,
  type Annotation, type ByteSource, type Category, type Dialect, type DialectContext, type DialectInput, type Id, type ImageInfo, type MaskDataset,
  type JsonListReader, type MaskDatasetStream, type RleWarning, type Shard, type WarningSink,
} from '@rlekit/core';
import { decodeBitmask } from './bitmask.js';
import { MAX_BRUSH_PIXELS, decode, encode, shown } from './codec.js';

type Path = (string | number)[];
type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Options

export const readOptions = z.object({
  maxBytes: z._default(z.int().check(z.positive()), 0x1fffffe8)
    .register(z.globalRegistry, { description: 'Largest export read into memory, in bytes' }),
  maxPixels: z._default(z.int().check(z.positive(), z.lte(MAX_BRUSH_PIXELS)), MAX_BRUSH_PIXELS)
    .register(z.globalRegistry, { description: 'Largest image (original_width * original_height) decoded; larger ones are refused before allocating' }),
  threshold: z._default(z.number().check(z.gte(0), z.lte(255)), 0)
    .register(z.globalRegistry, { description: 'Alpha above which a brush or bitmask pixel is foreground (0: any visible pixel; 127 drops faint antialiased edges)' }),
  results: z._default(z.enum(['all', 'annotations', 'predictions']), 'all')
    .register(z.globalRegistry, { description: 'Which results to read: those of annotations, of predictions, or both' }),
  dataKey: z._default(z.string().check(z.minLength(1)), 'image')
    .register(z.globalRegistry, { description: 'Key of task.data holding the image URL (the $variable of the <Image> tag)' }),
  cancelled: z._default(z.boolean(), false)
    .register(z.globalRegistry, { description: 'Also read annotations marked was_cancelled (skipped tasks), which Label Studio\'s own converter ignores' }),
});
export type LabelStudioReadOptions = z.infer<typeof readOptions>;

export const DEFAULT_FROM_NAME = 'tag';
export const DEFAULT_TO_NAME = 'image';

export const writeOptions = z.object({
  kind: z.optional(z.enum(['predictions', 'annotations']))
    .register(z.globalRegistry, { description: 'Write results as predictions (pre-annotations to correct; the default for masks from other dialects) or as annotations; unset: results read from Label Studio go back where they came from' }),
  style: z._default(z.enum(['converter', 'web']), 'converter')
    .register(z.globalRegistry, { description: 'Brush RLE bytes as Label Studio\'s Python converter writes them (converter) or as its web app does (web); both load the same' }),
  shape: z._default(z.enum(['brush', 'polygon']), 'brush')
    .register(z.globalRegistry, { description: 'Result type written: brush (brushlabels RLE, exact); polygon (polygonlabels, one per connected part, holes bridged by zero-width cuts: exact under COCO\'s polygon rules)' }),
  imageUrl: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Template of task.data.image: {fileName} and {id} are replaced (e.g. "/data/local-files/?d=images/{fileName}"); unset: the URL read from Label Studio, else the file name' }),
  fromName: z.optional(z.string().check(z.minLength(1)))
    .register(z.globalRegistry, { description: `from_name of every result (the name of the <BrushLabels> tag); unset: the one read, else "${DEFAULT_FROM_NAME}"` }),
  toName: z.optional(z.string().check(z.minLength(1)))
    .register(z.globalRegistry, { description: `to_name of every result (the name of the <Image> tag); unset: the one read, else "${DEFAULT_TO_NAME}"` }),
  dataKey: z._default(z.string().check(z.minLength(1)), 'image')
    .register(z.globalRegistry, { description: 'Key of task.data written with the image URL' }),
  modelVersion: z.optional(z.string())
    .register(z.globalRegistry, { description: 'model_version of written predictions' }),
  indent: z._default(z.int().check(z.gte(0), z.lte(8)), 0)
    .register(z.globalRegistry, { description: 'Spaces of JSON indentation (0: one line; brush byte lists are long)' }),
});
export type LabelStudioWriteOptions = z.infer<typeof writeOptions>;

function parseOptions<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  // zod/mini ships no messages: zod's English ones, as the full zod printed them.
  return parseDialectOptions(schema, input, undefined, { error: en().localeError });
}

// ---------------------------------------------------------------------------------------------
// Shared conventions

/** Ids that are canonical decimal integers read as numbers, so numeric ids of other dialects survive. */
function idOf(v: unknown): Id | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && v !== '') return /^(0|[1-9]\d{0,14})$/.test(v) ? Number(v) : v;
  return undefined;
}

/**
 * The image file name of a task URL: the `d` parameter of local-files URLs, else the last path
 * segment (query and fragment removed, %-escapes decoded).
 * @example
 * ```ts
 * fileNameOf('/data/local-files/?d=images%2Fleaf%201.png'); // → 'images/leaf 1.png'
 * fileNameOf('http://host/data/upload/1/leaf.png?token=x'); // → 'leaf.png'
 * ```
 */
export function fileNameOf(url: string): string {
  let s = url;
  const q = s.indexOf('?');
  if (q >= 0) {
    const d = /(?:^|&)d=([^&#]*)/.exec(s.slice(q + 1));
    s = d ? d[1]! : s.slice(0, q);
  }
  const h = s.indexOf('#');
  if (h >= 0) s = s.slice(0, h);
  s = s.slice(s.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function urlOf(template: string, image: ImageInfo): string {
  return template.replace(/\{(fileName|id)\}/g, (_m, k: string) => (k === 'id' ? String(image.id) : (image.fileName ?? String(image.id))));
}

/** Result types that hold a mask, by the key of their label list. */
const MASK_TYPES: Record<string, string> = {
  brushlabels: 'brushlabels', brush: 'brushlabels',
  bitmasklabels: 'bitmasklabels', bitmask: 'bitmasklabels',
  polygonlabels: 'polygonlabels', polygon: 'polygonlabels',
  rectanglelabels: 'rectanglelabels', rectangle: 'rectanglelabels',
};

/** Result keys the model holds itself; any other key is kept as an attribute. */
const RESULT_KEYS = ['id', 'type', 'value', 'from_name', 'to_name', 'original_width', 'original_height', 'score'];
/** Value keys of each shape; any other value key is kept under the `valueExtra` attribute. */
const VALUE_KEYS = ['format', 'rle', 'brushlabels', 'bitmasklabels', 'polygonlabels', 'rectanglelabels', 'labels', 'points', 'closed', 'x', 'y', 'width', 'height', 'rotation', 'imageDataURL', 'score'];
/** Fields of a JSON-MIN record that are the annotation's, not the task's data. */
const MIN_RECORD_KEYS = ['id', 'annotator', 'annotation_id', 'created_at', 'updated_at', 'lead_time', 'agreement'];
/** Attribute names the writer fills itself. */
const WRITER_KEYS = new Set(['labelStudio', 'labels', 'valueExtra', 'resultId']);

/** Where an annotation came from: the task's `annotations` or `predictions` list, and that entry's other fields. */
export interface LabelStudioSource {
  in: 'annotations' | 'predictions';
  /** Index in that list, so results of one annotation are written back together. */
  index: number;
  /** The annotation's or prediction's fields other than `result` (completed_by, model_version, ...). */
  fields?: Json;
}

/** What Label Studio structure an image keeps (`ImageInfo.attributes.labelStudio`). */
export interface LabelStudioImageAttributes {
  /** `data[dataKey]` when it is not the file name itself (an upload path, a URL). */
  url?: string;
  /** Other keys of `task.data`. */
  data?: Json;
  /** Other task fields (meta, created_at, ...). */
  task?: Json;
}

// ---------------------------------------------------------------------------------------------
// Read

interface Counts {
  polygons: number; rectangles: number; rotated: number; bitmasks: number; cancelled: number; unsized: number;
  other: Map<string, number>;
}

const newCounts = (): Counts => ({ polygons: 0, rectangles: 0, rotated: 0, bitmasks: 0, cancelled: 0, unsized: 0, other: new Map() });

/**
 * What a streamed read's first pass found about region ids, so the second numbers each annotation
 * as it comes exactly as the whole read does once it has seen them all.
 */
interface IdPlan {
  /** Region ids that are numbers: the free numbers given to the others skip them. */
  numeric: Set<number>;
  /** Region ids given more than once: only their first use keeps them. */
  dups: Set<Id>;
  /** The task (its index in the list) of each repeated id's first use: a shard's read that skips it knows the id is taken. */
  dupFirst: Map<Id, number>;
  /** Per task: how many annotations before it get a free number (a shard's read starts numbering there). */
  freeAt: number[];
  /** Per image: the task that makes it (a later task of the same image adds to it, as the converter's items do). */
  firstTask: number[];
}

/**
 * How a Reader runs. 'whole': every annotation kept, ids given at the end. 'scan' (a streamed read's
 * first pass): images, categories and region ids only, no mask decoded. 'stream' (its second pass):
 * annotations numbered as they come (from the first pass's IdPlan), the first pass's images reused.
 */
type ReadMode = { kind: 'whole' } | { kind: 'scan' } | { kind: 'stream'; plan: IdPlan; images: readonly ImageInfo[] };

/** Where the task a second pass reads is, when its first pass met no fault: its index, its image's position (-1: none), and whether it is the shard's. */
interface TaskAt {
  task: number;
  image: number;
  mine: boolean;
}

/** What a shard's read hands on for a mask of another shard's image, not decoded (core's shardDataset drops it). */
const STAND_IN = Mask.empty({ height: 0, width: 0 });

/** What a piece's first pass found (a --jobs helper thread's, structured-cloned), for Reader.absorb. */
interface PieceFound {
  images: ImageInfo[];
  labels: string[];
  /** Region ids met, and the task (from the piece's first) of each one's first use. */
  seen: Id[];
  seenTasks: Int32Array;
  dups: Id[];
  numeric: number[];
  freeAt: Int32Array;
  free: number;
  firstTask: Int32Array;
  merged: boolean;
  autoIds: boolean;
}

class Reader {
  readonly images: ImageInfo[] = [];
  readonly categories: Category[] = [];
  readonly annotations: Annotation[] = [];
  private readonly byName = new Map<string, Category>();
  private readonly imageById = new Map<Id, ImageInfo>();
  /** 'scan': each image's position, for the tasks that add to it. */
  private readonly positionById = new Map<Id, number>();
  private readonly annotationIds = new Set<Id>();
  private pending: { a: Annotation; wanted: Id | undefined; raw: string | undefined; done: boolean }[] = [];
  counts: Counts = newCounts();
  /** Whether the task being read is the shard's (another's is not decoded, nor counted). */
  private ours = true;
  /** Some task added results to an earlier task's image (the converter's items): annotations are then not in image order. */
  merged = false;
  // 'scan': every region id seen (with its first task), and the plan. 'stream': repeated ids already given, the next free number.
  private seen = new Map<Id, number>();
  readonly plan: IdPlan = { numeric: new Set(), dups: new Set(), dupFirst: new Map(), freeAt: [], firstTask: [] };
  private next = 1;
  /** Annotations given a free number so far ('scan': that will be), to number a shard's first from the plan. */
  private free = 0;
  /** The task being read (its index in the list). */
  private task = 0;
  /** Some image's id was given by count (a task without an id). */
  private autoIds = false;

  constructor(private readonly o: LabelStudioReadOptions, private readonly warn: WarningSink, private readonly mode: ReadMode = { kind: 'whole' }) {}

  /** A piece's first pass (a --jobs helper thread): what it found, for the main thread's {@link absorb}; ids and numbers as typed arrays and lists. */
  found(): PieceFound {
    return {
      images: this.images, labels: this.categories.map((c) => c.name), seen: [...this.seen.keys()], seenTasks: Int32Array.from(this.seen.values()),
      dups: [...this.plan.dups], numeric: [...this.plan.numeric], freeAt: Int32Array.from(this.plan.freeAt), free: this.free,
      firstTask: Int32Array.from(this.plan.firstTask), merged: this.merged, autoIds: this.autoIds,
    };
  }

  /**
   * The main thread's first pass: a piece's (its tasks from `first` on, after this pass's last), as
   * if this pass had read its tasks: images after this pass's, labels numbered on, region ids and
   * free numbers counted on; `spans` made positions in this pass's list. False where the piece
   * depends on what came before it (a task id or region id used before, an image id given by
   * count): its pass could not know, so the main thread reads it.
   */
  absorb(f: PieceFound, first: number, spans: Int32Array): boolean {
    if (f.autoIds || f.images.some((im) => this.imageById.has(im.id)) || f.seen.some((id) => this.seen.has(id))) return false;
    const shift = this.images.length;
    f.images.forEach((im, k) => (this.images.push(im), this.imageById.set(im.id, im), this.positionById.set(im.id, shift + k)));
    for (const t of f.firstTask) this.plan.firstTask.push(t + first);
    for (const name of f.labels) {
      if (this.byName.has(name)) continue;
      const c = { id: this.categories.length + 1, name };
      (this.categories.push(c), this.byName.set(name, c));
    }
    f.seen.forEach((id, k) => this.seen.set(id, f.seenTasks[k]! + first));
    for (const d of f.dups) this.plan.dups.add(d);
    for (const n of f.numeric) this.plan.numeric.add(n);
    f.freeAt.forEach((v, e) => (this.plan.freeAt[first + e] = this.free + v));
    this.free += f.free;
    if (f.merged) this.merged = true;
    // A task of no image keeps [0, 0].
    for (let e = 0; e < spans.length; e += 2) if (spans[e] !== spans[e + 1]) (spans[e]! += shift, (spans[e + 1]! += shift));
    return true;
  }

  /** The first pass's labels, numbered as the whole read numbers them: a second pass that skips tasks still gives them those ids. */
  seedCategories(categories: readonly Category[]): void {
    for (const c of categories) (this.categories.push(c), this.byName.set(c.name, c));
  }

  /**
   * A streamed read's task `index` (the first pass: the position of the image it makes
   * annotations of, -1: none). `at` (the second pass, when the first met no fault): where the
   * first pass found it, so that tasks before it may have been skipped (another shard's).
   */
  streamTask(raw: unknown, index: number, at?: TaskAt): number {
    this.task = index;
    if (this.mode.kind === 'scan') this.plan.freeAt[index] = this.free;
    else if (this.mode.kind === 'stream') {
      // The free numbers the skipped tasks before this one would have given.
      const target = this.mode.plan.freeAt[index];
      if (target !== undefined) while (this.free < target) (this.freeNumber(this.mode.plan), this.free++);
    }
    if (at === undefined || at.mine) return this.readTask(raw, [index], at);
    // Another shard's task (read at all only out of image order): stand-ins for its masks, its counts not kept.
    const counts = this.counts;
    (this.ours = false), (this.counts = newCounts());
    try {
      return this.readTask(raw, [index], at);
    } finally {
      (this.ours = true), (this.counts = counts);
    }
  }

  readRoot(root: unknown): void {
    if (Array.isArray(root)) root.forEach((t, i) => this.readTask(t, [i]));
    else if (isJsonObject(root)) this.readTask(root, []);
    else throw new RleError('INVALID_STRUCTURE', 'A Label Studio export is a list of tasks or one task', { expected: 'a JSON array or object', received: root === null ? 'null' : typeof root });
    this.assignIds();
  }

  private category(labels: unknown, path: Path): { id?: Id; extra?: string[] } {
    if (labels === undefined) return {};
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) {
      throw new RleError('INVALID_STRUCTURE', 'Labels are a list of strings', { path, expected: 'a list of label names', received: Array.isArray(labels) ? 'a list with non-strings' : typeof labels });
    }
    if (labels.length === 0) return {};
    const name = labels[0] as string;
    let c = this.byName.get(name);
    if (!c) {
      c = { id: this.categories.length + 1, name };
      this.categories.push(c);
      this.byName.set(name, c);
    }
    return { id: c.id, extra: labels.length > 1 ? (labels as string[]) : undefined };
  }

  readTask(raw: unknown, path: Path, at?: TaskAt): number {
    if (!isJsonObject(raw)) throw new RleError('INVALID_STRUCTURE', 'A task is an object', { path, expected: 'an object with data and annotations or predictions', received: raw === null ? 'null' : typeof raw });
    let data = isJsonObject(raw.data) ? raw.data : isJsonObject(raw.input) ? raw.input : undefined;
    // Results first: the image's size is theirs.
    const results: { r: Json; path: Path; source: LabelStudioSource | undefined; fromName?: string }[] = [];
    let minKeys: string[] | undefined;
    if (data === undefined && !('annotations' in raw) && !('completions' in raw) && !('predictions' in raw) && !('output' in raw)) {
      // JSON-MIN: the task's data keys beside, per from_name, a list of flattened results without `type`.
      minKeys = Object.keys(raw).filter((k) => {
        const v = raw[k];
        return Array.isArray(v) && v.length > 0 && v.every((x) => isJsonObject(x) && maskType(x) !== undefined);
      });
      if (minKeys.length === 0) throw new RleError('INVALID_STRUCTURE', 'A task has data and annotations or predictions', { path: [...path, 'data'], expected: 'an object' });
      data = withoutKeys(raw, [...minKeys, ...MIN_RECORD_KEYS]);
      for (const k of minKeys) (raw[k] as Json[]).forEach((r, j) => results.push({ r, path: [...path, k, j], source: undefined, fromName: k }));
    }
    for (const key of ['annotations', 'completions', 'predictions'] as const) {
      const list = raw[key];
      if (list === undefined || list === null) continue;
      const kind = key === 'predictions' ? 'predictions' : 'annotations';
      if (this.o.results !== 'all' && this.o.results !== kind) continue;
      if (!Array.isArray(list)) throw new RleError('INVALID_STRUCTURE', `${key} is a list`, { path: [...path, key], expected: 'a list' });
      list.forEach((ann, j) => {
        const p = [...path, key, j];
        if (!isJsonObject(ann)) throw new RleError('INVALID_STRUCTURE', `An entry of ${key} is an object`, { path: p, expected: 'an object with result' });
        if (kind === 'annotations' && (ann.was_cancelled === true || ann.skipped === true) && !this.o.cancelled) {
          this.counts.cancelled++;
          return;
        }
        const res = ann.result ?? [];
        if (!Array.isArray(res)) throw new RleError('INVALID_STRUCTURE', 'result is a list', { path: [...p, 'result'], expected: 'a list of results' });
        const fields = withoutKeys(ann, ['result']);
        const source: LabelStudioSource | undefined = kind === 'predictions' && j === 0 && isPlainPrediction(fields) ? undefined : { in: kind, index: j, ...(Object.keys(fields).length > 0 ? { fields } : {}) };
        res.forEach((r, k) => {
          if (!isJsonObject(r)) throw new RleError('INVALID_STRUCTURE', 'A result is an object', { path: [...p, 'result', k], expected: 'an object' });
          results.push({ r, path: [...p, 'result', k], source });
        });
      });
    }
    // The converter's items: output = { from_name: [flattened results] }.
    if (isJsonObject(raw.output)) {
      for (const [fromName, list] of Object.entries(raw.output)) {
        if (!Array.isArray(list)) continue;
        list.forEach((r, k) => {
          if (isJsonObject(r)) results.push({ r, path: [...path, 'output', fromName, k], source: undefined, fromName });
        });
      }
    }
    // Labels of regions given by a separate <Labels> tag: a `labels` result with the region's id.
    const labelsById = new Map<string, unknown>();
    for (const { r } of results) if (r.type === 'labels' && typeof r.id === 'string' && isJsonObject(r.value)) labelsById.set(r.id, r.value.labels);

    let size: { height: number; width: number } | undefined;
    const meta = isJsonObject(raw.meta) ? raw.meta : undefined;
    for (const { r } of results) {
      if (typeof r.original_width === 'number' && typeof r.original_height === 'number') {
        size = { height: r.original_height, width: r.original_width };
        break;
      }
    }
    if (!size && meta && typeof meta.original_width === 'number' && typeof meta.original_height === 'number') size = { height: meta.original_height, width: meta.original_width };
    const hasMasks = results.some(({ r }) => maskType(r) !== undefined);
    if (!size) {
      if (hasMasks) throw new RleError('INVALID_STRUCTURE', 'A mask result needs original_width and original_height', { path: results.find(({ r }) => maskType(r) !== undefined)!.path, expected: 'original_width and original_height' });
      this.counts.unsized++;
      return -1;
    }
    for (const k of ['width', 'height'] as const) {
      const v = size[k];
      if (!Number.isSafeInteger(v) || v < 0) throw new RleError('INVALID_SIZE', `Invalid original_${k}`, { path: [...path, `original_${k}`], expected: 'a non-negative integer', received: String(v) });
    }
    if (size.height * size.width > this.o.maxPixels) {
      throw new RleError('LIMIT_EXCEEDED', `An image of ${size.height}x${size.width} exceeds maxPixels`, { path, expected: `at most ${this.o.maxPixels} pixels`, received: String(size.height * size.width) });
    }

    if (at !== undefined && at.image >= 0 && this.mode.kind === 'stream') {
      // As the first pass found it: a task that makes its image, or adds to an earlier task's.
      const image = this.mode.images[at.image]!;
      if (this.mode.plan.firstTask[at.image] !== at.task) this.merged = true;
      this.readResults(results, labelsById, image);
      return at.image;
    }
    let id = idOf(raw.id);
    if (id === undefined) {
      this.autoIds = true;
      id = this.images.length + 1;
      while (this.imageById.has(id)) id = (id as number) + 1;
    } else if (this.imageById.has(id)) {
      // The converter writes one item per annotation of a task: they share the task's image.
      const existing = this.imageById.get(id)!;
      if (!isJsonObject(raw.output)) throw new RleError('INVALID_STRUCTURE', `Duplicate task id ${JSON.stringify(id)}`, { path: [...path, 'id'], expected: 'unique task ids' });
      this.merged = true;
      this.readResults(results, labelsById, existing);
      return this.positionById.get(id) ?? -1;
    }
    const image: ImageInfo = { id, height: size.height, width: size.width };
    const ls: LabelStudioImageAttributes = {};
    if (data) {
      const url = data[this.o.dataKey];
      if (typeof url === 'string') {
        image.fileName = fileNameOf(url);
        if (url !== image.fileName) ls.url = url;
      }
      const rest = withoutKeys(data, [this.o.dataKey]);
      if (Object.keys(rest).length > 0) ls.data = rest;
    }
    const taskRest = minKeys ? {} : withoutKeys(raw, ['id', 'data', 'input', 'output', 'annotations', 'completions', 'predictions', 'meta']);
    if (meta) {
      const m = withoutKeys(meta, ['original_width', 'original_height']);
      if (Object.keys(m).length > 0) taskRest.meta = meta;
    }
    if (Object.keys(taskRest).length > 0) ls.task = taskRest;
    if (Object.keys(ls).length > 0) image.attributes = { labelStudio: ls };
    // A second pass holds the first pass's image (the same values), not a copy.
    const kept = this.mode.kind === 'stream' ? (this.mode.images[this.images.length] ?? image) : image;
    this.images.push(kept);
    this.imageById.set(id, kept);
    if (this.mode.kind === 'scan') (this.positionById.set(id, this.images.length - 1), this.plan.firstTask.push(this.task));
    this.readResults(results, labelsById, kept);
    return this.images.length - 1;
  }

  private readResults(results: { r: Json; path: Path; source: LabelStudioSource | undefined; fromName?: string }[], labelsById: Map<string, unknown>, image: ImageInfo): void {
    const size = { height: image.height, width: image.width };
    for (const { r, path, source, fromName } of results) {
      const type = maskType(r);
      if (type === undefined) {
        if (r.type !== 'labels') {
          const t = typeof r.type === 'string' ? r.type : 'untyped';
          this.counts.other.set(t, (this.counts.other.get(t) ?? 0) + 1);
        }
        continue;
      }
      // The flattened form (converter output, JSON-MIN) has the value's keys on the result itself.
      const value = isJsonObject(r.value) ? r.value : r;
      const valuePath = isJsonObject(r.value) ? [...path, 'value'] : path;
      const w = r.original_width, h = r.original_height;
      if ((w !== undefined || h !== undefined) && (w !== image.width || h !== image.height)) {
        throw new RleError('SIZE_MISMATCH', 'Results of one task give different image sizes', { path, expected: `original_width ${image.width}, original_height ${image.height}`, received: `${shown(w)} x ${shown(h)}` });
      }
      let mask: Mask | undefined;
      if (this.mode.kind === 'scan') {
        // The first pass of a streamed read decodes nothing: the second meets any fault of a mask first.
      } else if (!this.ours) {
        mask = STAND_IN;
      } else if (type === 'brushlabels') {
        if (value.format !== undefined && value.format !== 'rle') {
          throw new RleError('UNSUPPORTED', 'Brush results are read in format "rle" only', { path: [...valuePath, 'format'], expected: '"rle"', received: typeof value.format === 'string' ? JSON.stringify(value.format.slice(0, 20)) : typeof value.format });
        }
        if (!Array.isArray(value.rle)) throw new RleError('INVALID_STRUCTURE', 'A brush result has value.rle, a list of bytes', { path: [...valuePath, 'rle'], expected: 'a list of bytes' });
        try {
          mask = decode(value.rle, { ...size, threshold: this.o.threshold, maxPixels: this.o.maxPixels, warn: (wr) => this.warn({ ...wr, path: [...valuePath, 'rle'] }) });
        } catch (e) {
          throw e instanceof RleError ? e.at(...valuePath, 'rle') : e;
        }
      } else if (type === 'bitmasklabels') {
        const url = value.imageDataURL;
        mask = decodeBitmask(url as string, size, { threshold: this.o.threshold, maxPixels: this.o.maxPixels, path: [...valuePath, 'imageDataURL'] });
        this.counts.bitmasks++;
      } else if (type === 'polygonlabels') {
        mask = polygonMask(value.points, size, [...valuePath, 'points']);
        this.counts.polygons++;
      } else {
        const rot = value.rotation ?? 0;
        mask = rectangleMask(value, size, valuePath);
        this.counts.rectangles++;
        if (rot !== 0) this.counts.rotated++;
      }
      const labelKey = typeof r.type === 'string' ? r.type.toLowerCase() : type;
      const labels = value[labelKey] ?? value[type] ?? value.labels ?? (typeof r.id === 'string' ? labelsById.get(r.id) : undefined);
      const cat = this.category(labels, [...valuePath, type]);
      if (mask === undefined) {
        this.note(idOf(r.id));
        continue;
      }
      const a: Annotation = { id: 0, imageId: image.id, mask };
      if (cat.id !== undefined) a.categoryId = cat.id;
      const score = typeof r.score === 'number' ? r.score : isJsonObject(r.value) && typeof r.value.score === 'number' ? r.value.score : undefined;
      if (score !== undefined) a.score = score;
      const attributes: Json = {};
      const from = fromName ?? r.from_name;
      if (typeof from === 'string' && from !== DEFAULT_FROM_NAME) attributes.from_name = from;
      if (typeof r.to_name === 'string' && r.to_name !== DEFAULT_TO_NAME) attributes.to_name = r.to_name;
      if (isJsonObject(r.value)) {
        for (const [k, v] of Object.entries(withoutKeys(r, RESULT_KEYS))) {
          // What the writer puts on every result is not data.
          if (k === 'image_rotation' && v === 0) continue;
          setOwnKey(attributes, k, v);
        }
        const extra = withoutKeys(r.value, VALUE_KEYS);
        if (Object.keys(extra).length > 0) attributes.valueExtra = extra;
      }
      if (cat.extra) attributes.labels = cat.extra;
      if (source) attributes.labelStudio = source;
      if (Object.keys(attributes).length > 0) a.attributes = attributes;
      this.annotations.push(a);
      if (this.mode.kind === 'stream') this.give(a, idOf(r.id), typeof r.id === 'string' ? r.id : undefined, this.mode.plan);
      else this.pending.push({ a, wanted: idOf(r.id), raw: typeof r.id === 'string' ? r.id : undefined, done: false });
    }
  }

  /** The first pass is over: only the plan is kept. */
  endScan(): void {
    for (const d of this.plan.dups) this.plan.dupFirst.set(d, this.seen.get(d)!);
    this.seen = new Map();
  }

  /** First pass: a region id, for the plan. */
  private note(wanted: Id | undefined): void {
    // No id, or one used before: a free number (the second pass gives it).
    if (wanted === undefined) {
      this.free++;
      return;
    }
    if (this.seen.has(wanted)) (this.plan.dups.add(wanted), this.free++);
    else this.seen.set(wanted, this.task);
    if (typeof wanted === 'number') this.plan.numeric.add(wanted);
  }

  /** The next number no region id uses. */
  private freeNumber(plan: IdPlan): number {
    while (plan.numeric.has(this.next)) this.next++;
    return this.next++;
  }

  /** Second pass: assignIds' answer for one annotation, given the plan of the whole file. */
  private give(a: Annotation, wanted: Id | undefined, raw: string | undefined, plan: IdPlan): void {
    // A repeated id is taken once its first use has been read, or skipped (a task before this one).
    const taken = wanted !== undefined && plan.dups.has(wanted) && (this.annotationIds.has(wanted) || plan.dupFirst.get(wanted)! < this.task);
    if (wanted !== undefined && !taken) {
      a.id = wanted;
      if (plan.dups.has(wanted)) this.annotationIds.add(wanted);
      return;
    }
    a.id = this.freeNumber(plan);
    this.free++;
    if (raw !== undefined) a.attributes = { ...(a.attributes ?? {}), resultId: raw };
  }

  /** Region ids become annotation ids; a repeated one (a prediction accepted as an annotation keeps its ids) gets a free number and keeps the original as `resultId`. */
  private assignIds(): void {
    for (const p of this.pending) if (p.wanted !== undefined && !this.annotationIds.has(p.wanted)) {
      p.a.id = p.wanted;
      this.annotationIds.add(p.wanted);
      p.done = true;
    }
    let next = 1;
    for (const p of this.pending) {
      if (p.done) continue;
      while (this.annotationIds.has(next)) next++;
      p.a.id = next;
      this.annotationIds.add(next);
      if (p.raw !== undefined) p.a.attributes = { ...(p.a.attributes ?? {}), resultId: p.raw };
    }
    this.pending = [];
  }
}

/** A prediction as the writer makes it for plain masks: nothing but (optionally) model_version. */
function isPlainPrediction(fields: Json): boolean {
  return Object.keys(fields).length === 0;
}

function maskType(r: Json): string | undefined {
  if (typeof r.type === 'string') return MASK_TYPES[r.type.toLowerCase()];
  // JSON-MIN drops `type`: tell the shape by its value keys.
  const v = isJsonObject(r.value) ? r.value : r;
  if (Array.isArray(v.rle)) return 'brushlabels';
  if (typeof v.imageDataURL === 'string') return 'bitmasklabels';
  if (Array.isArray(v.points) && (v.polygonlabels !== undefined || v.closed !== undefined || r.original_width !== undefined)) return 'polygonlabels';
  if (typeof v.x === 'number' && typeof v.width === 'number' && (v.rectanglelabels !== undefined || r.original_width !== undefined)) return 'rectanglelabels';
  return undefined;
}

function percent(v: unknown, path: Path, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RleError('INVALID_STRUCTURE', `Invalid ${name}`, { path, expected: 'a number (percent of the image size)', received: typeof v === 'number' ? String(v) : typeof v });
  return v;
}

/** `points` in percent of the image → pixel polygon, rasterized with COCO's rules (core). */
function polygonMask(points: unknown, size: { height: number; width: number }, path: Path): Mask {
  if (!Array.isArray(points)) throw new RleError('INVALID_STRUCTURE', 'A polygon has value.points, a list of [x, y]', { path, expected: 'a list of [x, y] in percent' });
  const xy = new Float64Array(points.length * 2);
  points.forEach((p, i) => {
    if (!Array.isArray(p) || p.length < 2) throw new RleError('INVALID_STRUCTURE', 'A polygon point is [x, y]', { path: [...path, i], expected: '[x, y] in percent' });
    xy[2 * i] = (percent(p[0], [...path, i, 0], 'x') * size.width) / 100;
    xy[2 * i + 1] = (percent(p[1], [...path, i, 1], 'y') * size.height) / 100;
  });
  return rasterizePolygon(xy, size, { path });
}

/** A rectangle in percent, rotated by `rotation` degrees clockwise about its top-left corner (Label Studio's convention). */
function rectangleMask(v: Json, size: { height: number; width: number }, path: Path): Mask {
  const x = (percent(v.x, [...path, 'x'], 'x') * size.width) / 100;
  const y = (percent(v.y, [...path, 'y'], 'y') * size.height) / 100;
  const w = (percent(v.width, [...path, 'width'], 'width') * size.width) / 100;
  const h = (percent(v.height, [...path, 'height'], 'height') * size.height) / 100;
  const rot = v.rotation === undefined ? 0 : percent(v.rotation, [...path, 'rotation'], 'rotation');
  if (rot === 0) return rasterizeBox({ x, y, width: w, height: h }, size, { path });
  const t = (rot * Math.PI) / 180, c = Math.cos(t), s = Math.sin(t);
  return rasterizePolygon([x, y, x + w * c, y + w * s, x + w * c - h * s, y + w * s + h * c, x - h * s, y + h * c], size, { path });
}

/**
 * Parses the text of a Label Studio JSON export (a list of tasks, one task, or the converter's items).
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const text = formatLabelStudioExport({ images: [{ id: 1, height: 3, width: 4, fileName: 'leaf.png' }], categories: [{ id: 1, name: 'leaf' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] });
 * parseLabelStudioExport(text).annotations[0].mask.equals(mask); // → true
 * ```
 */
export function parseLabelStudioExport(text: string, options: Partial<LabelStudioReadOptions> = {}, context?: DialectContext): MaskDataset {
  const o = parseOptions(readOptions, options);
  const warn = context?.warn ?? (() => {});
  const reader = new Reader(o, warn);
  reader.readRoot(parseJson(text, EXPECTED));
  summarize(reader.counts, warn);
  return { images: reader.images, categories: reader.categories, annotations: reader.annotations };
}

const EXPECTED = 'a Label Studio JSON export';

/** What a read did besides reading masks, said once it is done. */
function summarize(c: Counts, warn: WarningSink): void {
  if (c.polygons > 0) warn({ code: 'polygon-rasterized', message: `${c.polygons} polygonlabels results were rasterized into masks (COCO's polygon rules)`, count: c.polygons });
  if (c.rectangles > 0) warn({ code: 'box-rasterized', message: `${c.rectangles} rectanglelabels results were rasterized into masks`, count: c.rectangles });
  // Its own warning (one number a message): the shards of a --jobs run each count theirs, and the counts add up.
  if (c.rotated > 0) warn({ code: 'box-rasterized', message: `${c.rotated} rotated rectanglelabels results were rasterized as the polygons of their corners`, count: c.rotated });
  if (c.cancelled > 0) warn({ code: 'not-carried', message: `${c.cancelled} cancelled (skipped) annotations were not read, as Label Studio's converter does (read option cancelled)`, count: c.cancelled });
  if (c.unsized > 0) warn({ code: 'not-carried', message: `${c.unsized} tasks have no result with original_width/original_height, so their image size is unknown: not read`, count: c.unsized });
  for (const [t, n] of c.other) warn({ code: 'not-carried', message: `${n} ${t} results are not masks and were not read`, count: n });
}

/**
 * A Label Studio export (a list of tasks) streamed with core's streamJsonList: the dataset,
 * warnings and error (code, path, byte offset) of the whole-text read, one task's annotations at
 * a time. The images (one per task, sized by its results) and the categories (labels numbered in
 * order of first use) must be known before the first annotation, so the first pass reads each
 * task without decoding a mask, for the images, the labels and the region ids (a repeated or
 * non-numeric one is numbered from what the whole file uses); the second decodes the masks.
 * An export that is one task (an object) is read whole.
 */
function streamLabelStudio(source: ByteSource, o: LabelStudioReadOptions, context?: DialectContext): Promise<MaskDatasetStream> {
  return streamJsonList(source, taskList(o, context), { maxBytes: o.maxBytes, expected: EXPECTED, ...(context?.shard === undefined ? {} : { shard: context.shard }) });
}

/** What the second pass starts from: the first pass's images, labels, order and id plan (a --jobs plan carries it to a worker). */
interface TaskListState {
  images: ImageInfo[];
  categories: Category[];
  merged: boolean;
  plan: IdPlan;
}

/** The two passes of a streamed read over the tasks, for core's streamJsonList (and planJsonList). */
function taskList(o: LabelStudioReadOptions, context?: DialectContext): JsonListReader {
  const warn = context?.warn ?? (() => {});
  const first = new Reader(o, () => {}, { kind: 'scan' });
  const second = ({ images, categories, merged, plan }: TaskListState): ReturnType<JsonListReader['begin']> => {
    const reader = new Reader(o, warn, { kind: 'stream', plan, images });
    reader.seedCategories(categories);
    return {
      images,
      categories,
      // Converter items that add to an earlier task's image break the order.
      ...(merged ? {} : { inImageOrder: true }),
      // A task has one image: core skips the tasks of other shards' images (their masks are never decoded).
      read(task, i, at) {
        const image = at === undefined || at.start === at.end ? -1 : at.start;
        reader.streamTask(task, i, at === undefined ? undefined : { task: i, image, mine: at.mine === undefined || at.mine(image) });
        return reader.annotations.splice(0);
      },
      end: () => summarize(reader.counts, warn),
    };
  };
  const state = (): TaskListState => ({ images: first.images, categories: first.categories, merged: first.merged, plan: first.plan });
  return {
    scan(task, i) {
      const p = first.streamTask(task, i);
      return p < 0 ? [0, 0] : [p, p + 1];
    },
    begin() {
      first.endScan();
      return second(state());
    },
    save: state,
    resume: (s) => second(s as TaskListState),
    whole: (text) => parseLabelStudioExport(text, o, context),
    // --jobs: a piece of the first pass on a helper thread, joined to the main thread's (core's planJsonList).
    piece: () => {
      const pass = new Reader(o, () => {}, { kind: 'scan' });
      return {
        scan(task, i) {
          const p = pass.streamTask(task, i);
          return p < 0 ? [0, 0] : [p, p + 1];
        },
        found: () => pass.found(),
      };
    },
    absorb: (found, at, spans) => first.absorb(found as PieceFound, at, spans),
  };
}

// ---------------------------------------------------------------------------------------------
// Write

function encodeAt(mask: Mask, style: 'converter' | 'web', path: Path): number[] {
  try {
    return encode(mask, { style });
  } catch (e) {
    throw e instanceof RleError ? e.at(...path, 'mask') : e;
  }
}

/**
 * Builds the tasks of a dataset.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const [task] = buildLabelStudioTasks({ images: [{ id: 1, height: 3, width: 4, fileName: 'leaf.png' }], categories: [{ id: 1, name: 'leaf' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] });
 * // Masks from other dialects are written as predictions, to correct (`kind: 'annotations'` otherwise).
 * (task as { predictions: { result: { type: string }[] }[] }).predictions[0].result[0].type; // → 'brushlabels'
 * ```
 */
export function buildLabelStudioTasks(dataset: MaskDataset, options: Partial<LabelStudioWriteOptions> = {}, warn: (w: RleWarning) => void = () => {}): Json[] {
  const o = parseOptions(writeOptions, options);
  for (const w of notCarried(dataset, capabilities, 'label-studio')) warn(w);
  const writer = new TaskWriter(o, dataset.categories);
  const byImage = annotationsByImage(dataset);
  const tasks = dataset.images.map((image) => writer.task(image, byImage.get(image.id) ?? []));
  writer.finish(dataset, warn);
  return tasks;
}

/**
 * Builds tasks one image at a time (the whole write holds them all, the streamed one one), and
 * tallies what it could not carry, said once every task is built.
 */
class TaskWriter {
  private readonly categoryById: Map<Id, Category>;
  private unlabeled = 0;
  private droppedImageAttrs = 0;
  private droppedAttrs = 0;
  private splitMasks = 0;
  private bridgedHoles = 0;
  private readonly usedCategories = new Set<Id>();
  /** Label names in order of first use in the output (what reading numbers them by). */
  private readonly firstUse = new Map<string, number>();

  constructor(private readonly o: LabelStudioWriteOptions, categories: readonly Category[]) {
    this.categoryById = new Map(categories.map((c) => [c.id, c]));
  }

  /** The task of one image, from its annotations with their positions in the dataset (for error paths). */
  task(image: ImageInfo, list: readonly { a: Annotation; i: number }[]): Json {
    const o = this.o;
    const attrs = image.attributes ?? {};
    const ls = (isJsonObject(attrs.labelStudio) ? attrs.labelStudio : {}) as LabelStudioImageAttributes;
    if (Object.keys(attrs).some((k) => k !== 'labelStudio')) this.droppedImageAttrs++;
    const url = o.imageUrl !== undefined ? urlOf(o.imageUrl, image) : (ls.url ?? image.fileName ?? String(image.id));
    const task: Json = { id: image.id, data: { [o.dataKey]: url, ...(isJsonObject(ls.data) ? ls.data : {}) } };
    if (isJsonObject(ls.task)) for (const [k, v] of Object.entries(ls.task)) if (!(k in task)) setOwnKey(task, k, v);
    // Groups: one per (list, index); plain masks go to the first prediction (or annotation).
    const groups = new Map<string, { in: 'annotations' | 'predictions'; index: number; fields: Json; result: Json[] }>();
    for (const { a, i } of list) {
      const path = ['annotations', i];
      if (a.mask.height !== image.height || a.mask.width !== image.width) {
        throw new RleError('SIZE_MISMATCH', 'Mask size differs from its image', { path, expected: `${image.height}x${image.width}`, received: `${a.mask.height}x${a.mask.width}` });
      }
      const at = a.attributes ?? {};
      const src = isJsonObject(at.labelStudio) ? (at.labelStudio as unknown as LabelStudioSource) : undefined;
      const where = o.kind ?? src?.in ?? 'predictions';
      const index = src && src.in === where && Number.isSafeInteger(src.index) ? src.index : 0;
      const key = `${where}:${index}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { in: where, index, fields: src && src.in === where && isJsonObject(src.fields) ? src.fields : {}, result: [] }));
      let labels: string[] = [];
      if (a.categoryId !== undefined) {
        const c = this.categoryById.get(a.categoryId);
        if (!c) throw new RleError('DANGLING_REFERENCE', `Annotation refers to category ${JSON.stringify(a.categoryId)}, which is not in categories`, { path: [...path, 'categoryId'] });
        this.usedCategories.add(c.id);
        labels = Array.isArray(at.labels) && at.labels[0] === c.name && at.labels.every((l) => typeof l === 'string') ? (at.labels as string[]) : [c.name];
      } else this.unlabeled++;
      // Brush: the mask's RLE. Polygon: one polygonlabels result per connected part, holes joined
      // to their outline by zero-width cuts, in percent of the image (Label Studio holds no holes).
      const values: Json[] = [];
      if (o.shape === 'polygon') {
        const traced = polygonizeDetailed(a.mask, { holes: 'bridge' });
        if (traced.polygons.length > 1) this.splitMasks++;
        this.bridgedHoles += traced.bridgedHoles;
        for (const p of traced.polygons) {
          const points: number[][] = [];
          for (let k = 0; k < p.outer.length; k += 2) points.push([(p.outer[k]! / image.width) * 100, (p.outer[k + 1]! / image.height) * 100]);
          values.push({ points, closed: true, polygonlabels: labels, ...(isJsonObject(at.valueExtra) ? at.valueExtra : {}) });
        }
      } else values.push({ format: 'rle', rle: encodeAt(a.mask, o.style, path), brushlabels: labels, ...(isJsonObject(at.valueExtra) ? at.valueExtra : {}) });
      values.forEach((value, k) => {
        const baseId = typeof at.resultId === 'string' ? at.resultId : String(a.id);
        const r: Json = {
          id: k === 0 ? baseId : `${baseId}_${k}`,
          type: o.shape === 'polygon' ? 'polygonlabels' : 'brushlabels',
          from_name: o.fromName ?? (typeof at.from_name === 'string' ? at.from_name : DEFAULT_FROM_NAME),
          to_name: o.toName ?? (typeof at.to_name === 'string' ? at.to_name : DEFAULT_TO_NAME),
          original_width: image.width,
          original_height: image.height,
          image_rotation: 0,
          value,
        };
        if (a.score !== undefined) r.score = a.score;
        for (const [key, v] of Object.entries(at)) {
          if (WRITER_KEYS.has(key) || key === 'from_name' || key === 'to_name') continue;
          if (RESULT_KEYS.includes(key)) {
            if (k === 0) this.droppedAttrs++;
            continue;
          }
          setOwnKey(r, key, v);
        }
        g.result.push(r);
      });
    }
    const lists: Record<'annotations' | 'predictions', { index: number; entry: Json }[]> = { annotations: [], predictions: [] };
    for (const g of groups.values()) {
      const entry: Json = { ...g.fields };
      if (g.in === 'predictions' && o.modelVersion !== undefined) entry.model_version = o.modelVersion;
      entry.result = g.result;
      lists[g.in].push({ index: g.index, entry });
    }
    for (const k of ['annotations', 'predictions'] as const) {
      if (lists[k].length > 0) task[k] = lists[k].sort((p, q) => p.index - q.index).map((x) => x.entry);
    }
    if (groups.size === 0) {
      // No result carries the size: say it in meta, so the task reads back as an image.
      task.meta = { ...(isJsonObject(task.meta) ? task.meta : {}), original_width: image.width, original_height: image.height };
      task[o.kind ?? 'predictions'] = [];
    }
    // Labels are names: reading numbers them 1, 2, ... in order of first use (annotations' results, then predictions').
    for (const k of ['annotations', 'predictions'] as const) for (const e of (task[k] as Json[] | undefined) ?? []) for (const r of e.result as Json[]) {
      const v = r.value as Json;
      const name = ((v.brushlabels ?? v.polygonlabels) as string[])[0];
      if (name !== undefined && !this.firstUse.has(name)) this.firstUse.set(name, this.firstUse.size + 1);
    }
    return task;
  }

  /** What the tasks could not carry, once all are built. */
  finish(header: { images: readonly ImageInfo[]; categories: readonly Category[] }, warn: (w: RleWarning) => void): void {
    const o = this.o;
    const { unlabeled, splitMasks, bridgedHoles, usedCategories, firstUse, droppedAttrs, droppedImageAttrs } = this;
    if (unlabeled > 0) warn({ code: 'not-carried', message: `${unlabeled} masks without a category were written with no label (${o.shape === 'polygon' ? 'polygonlabels' : 'brushlabels'}: [])`, count: unlabeled });
    if (splitMasks > 0) warn({ code: 'not-carried', message: `${splitMasks} masks of several parts were written as one polygon per part: they read back as separate annotations`, count: splitMasks, capability: 'instanceIds' });
    if (bridgedHoles > 0) warn({ code: 'holes-bridged', message: `${bridgedHoles} holes were joined to their polygon by zero-width cuts (drawn back exactly; the cut shows when editing in Label Studio)`, count: bridgedHoles });
    const unused = header.categories.filter((c) => !usedCategories.has(c.id)).length;
    if (unused > 0) warn({ code: 'not-carried', message: `label-studio cannot carry categories without masks: ${unused} categories lost`, count: unused, capability: 'unusedCategories' });
    let renumbered = 0, merged = 0;
    const seenNames = new Set<string>();
    for (const c of header.categories) {
      if (!usedCategories.has(c.id)) continue;
      if (seenNames.has(c.name)) merged++;
      seenNames.add(c.name);
      if (c.id !== firstUse.get(c.name)) renumbered++;
    }
    if (merged > 0) warn({ code: 'merged-categories', message: `${merged} categories share a name with another; Label Studio labels are names, so they read back as one`, count: merged });
    if (renumbered > 0) warn({ code: 'not-carried', message: `label-studio carries label names, not category ids: ${renumbered} categories will read back with other ids (1, 2, ... in order of use)`, count: renumbered, capability: 'categoryIds' });
    if (droppedAttrs > 0) warn({ code: 'not-carried', message: `${droppedAttrs} annotation attributes named like Label Studio's own result fields (id, type, value, ...) were not written`, count: droppedAttrs });
    // The file name read back is the last part of the path: folders are lost.
    const foldered = header.images.filter((im) => im.fileName?.includes('/')).length;
    if (foldered > 0) warn({ code: 'not-carried', message: `label-studio keeps only the last part of a file name: ${foldered} file names lose their folder`, count: foldered, capability: 'fileNames' });
    if (droppedImageAttrs > 0) warn({ code: 'not-carried', message: `label-studio cannot carry image attributes (other than its own): ${droppedImageAttrs} images' attributes lost`, count: droppedImageAttrs, capability: 'imageAttributes' });
  }
}

/**
 * The bytes of {@link formatLabelStudioExport}, one task at a time: holds one image's masks and
 * one task's text (plus a chunk of up to 1 MiB of output), never the dataset. A stream goes
 * through core's groupByImage (a stream in image order, as COCO's and Label Studio's streamed
 * reads give, passes image by image; another is held as runs up to its budget). The warnings are
 * those of the whole write; for a stream, the generic losses come at the end, known only then.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const chunks: Uint8Array[] = [];
 * for await (const c of writeLabelStudioChunks({ images: [{ id: 1, height: 3, width: 4 }], categories: [], annotations: [{ id: 1, imageId: 1, mask }] })) chunks.push(c);
 * JSON.parse(new TextDecoder().decode(chunks[0])).length; // → 1
 * ```
 */
export async function* writeLabelStudioChunks(dataset: MaskDataset | MaskDatasetStream, options: Partial<LabelStudioWriteOptions> = {}, context?: DialectContext): AsyncGenerator<Uint8Array> {
  const o = parseOptions(writeOptions, options);
  const warn = context?.warn ?? (() => {});
  const writer = new TaskWriter(o, dataset.categories);
  const stream = isDatasetStream(dataset);
  const counts = countHeader(dataset.images, dataset.categories, capabilities);
  if (!stream) for (const w of notCarried(dataset, capabilities, 'label-studio')) warn(w);
  const tasks = async function* (): AsyncGenerator<Json> {
    for await (const { image, annotations } of groupByImageAt(dataset, stream ? (a) => tallyAnnotation(counts, a) : undefined)) yield writer.task(image, annotations);
  };
  yield* jsonListChunks(tasks(), o.indent);
  if (stream) for (const w of notCarried(counts, capabilities, 'label-studio')) warn(w);
  writer.finish(dataset, warn);
}

/**
 * Serialises a dataset as a Label Studio JSON list of tasks.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * JSON.parse(formatLabelStudioExport({ images: [{ id: 1, height: 3, width: 4 }], categories: [], annotations: [{ id: 1, imageId: 1, mask }] })).length; // → 1
 * ```
 */
export function formatLabelStudioExport(dataset: MaskDataset, options: Partial<LabelStudioWriteOptions> = {}, context?: DialectContext): string {
  const o = parseOptions(writeOptions, options);
  return `${JSON.stringify(buildLabelStudioTasks(dataset, o, context?.warn), null, o.indent)}\n`;
}

// ---------------------------------------------------------------------------------------------
// Dialect

export const capabilities = {
  categories: true, categoryNames: true, instanceIds: true, scores: true, crowd: false, attributes: true,
  multipleImages: true, overlap: true, emptyImages: true, fileNames: true,
  // Category ids read back as 1, 2, ... in order of use: the writer reports when that changes them.
  categoryIds: true, categoryAttributes: false, unusedCategories: false, imageIds: true, imageAttributes: true,
};

export const dialect: Dialect<LabelStudioReadOptions, LabelStudioWriteOptions> = {
  id: 'label-studio',
  title: 'Label Studio JSON (brush RLE, bitmask, polygon and rectangle results)',
  extensions: ['.json'],
  capabilities,
  readOptions,
  writeOptions,
  input: 'file',
  output: 'file',
  // The streamed read honours context.shard (tasks of other shards' images are not parsed): --jobs divides the reading.
  readsShards: true,
  sniff(head: Uint8Array): number {
    const text = new TextDecoder().decode(head.subarray(0, 4096));
    if (!/^\s*[[{]/.test(text)) return 0;
    if (/"format"\s*:\s*"rlekit-json"/.test(text)) return 0;
    const sized = /"original_width"\s*:/.test(text) && /"original_height"\s*:/.test(text);
    if (sized && /"format"\s*:\s*"rle"/.test(text)) return 0.95;
    if (/"from_name"\s*:/.test(text) && /"to_name"\s*:/.test(text)) return 0.95;
    if (/"(brush|bitmask|polygon|rectangle)labels"\s*:/.test(text) && (sized || /"result"\s*:/.test(text))) return 0.95;
    if (sized && /"image_rotation"\s*:/.test(text)) return 0.9;
    if (/"data"\s*:\s*\{/.test(text) && /"(annotations|predictions)"\s*:\s*\[/.test(text)) return 0.85;
    return 0;
  },
  async read(input: DialectInput, options?: Partial<LabelStudioReadOptions>, context?: DialectContext): Promise<MaskDataset> {
    const o = parseOptions(readOptions, options);
    if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'label-studio reads a JSON file, not a folder', { received: input.name });
    return parseLabelStudioExport(decodeUtf8(await readAllBytes(input, o.maxBytes, { head: JSON_HEAD })), o, context);
  },
  // Two passes over a file, one task at a time: the dataset, warnings and errors of `read`, in memory of the images and labels.
  async readStream(input: DialectInput, options?: Partial<LabelStudioReadOptions>, context?: DialectContext): Promise<MaskDatasetStream> {
    const o = parseOptions(readOptions, options);
    if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'label-studio reads a JSON file, not a folder', { received: input.name });
    // A --jobs worker's shard, planned once for all (planShards): only its tasks' bytes, no first pass.
    if (context?.plan !== undefined && !(input instanceof Uint8Array)) return readJsonListPlanned(input, taskList(o, context), context.plan, { expected: EXPECTED });
    return streamLabelStudio(input instanceof Uint8Array ? bytesSource(input) : input, o, context);
  },
  // --jobs: the first pass once, in the main thread, instead of in every worker (docs/scale.md).
  async planShards(input: DialectInput, options: Partial<LabelStudioReadOptions> | undefined, shards: readonly Shard[], context?: DialectContext): Promise<unknown[] | undefined> {
    const o = parseOptions(readOptions, options);
    if (isFolderSource(input) || input instanceof Uint8Array) return undefined;
    return planJsonList(input, taskList(o), shards, { maxBytes: o.maxBytes, expected: EXPECTED, ...(context?.planHelpers === undefined ? {} : { helpers: context.planHelpers, pieceOptions: o }) });
  },
  // --jobs: a piece of that first pass on a worker's thread, while the workers start (core's scanJsonListPiece).
  planPiece: (input: DialectInput, piece: unknown): Promise<unknown> => scanJsonListPiece(input, piece, (options) => taskList(parseOptions(readOptions, options)), EXPECTED),
  async write(dataset: MaskDataset | MaskDatasetStream, options?: Partial<LabelStudioWriteOptions>, context?: DialectContext): Promise<Uint8Array> {
    return encodeUtf8(formatLabelStudioExport(await collectDataset(dataset), options, context));
  },
  // The bytes of `write`, one task at a time (a 1 GB dataset is not held, nor its text).
  writeStream(dataset: MaskDataset | MaskDatasetStream, options?: Partial<LabelStudioWriteOptions>, context?: DialectContext): AsyncIterable<Uint8Array> {
    return writeLabelStudioChunks(dataset, options, context);
  },
};
