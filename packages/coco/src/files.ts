/**
 * COCO files: instances JSON (images, categories, annotations), results JSON (a list of
 * detections) and SA-1B per-image JSON, read in memory or streamed (files past V8's longest
 * string), and written in one piece or as a stream of chunks.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { annotationRefs, REFS, scanPiece, shardPlans, splitScan, type PlanHelpers, type ScanPiece } from './plan.js';
import { parseDialectOptions, checkSize, collectDataset, decodeUtf8, describeValue, encodeUtf8, hasCategoryAttributes, isFolderSource, JsonScanner, Mask, MAX_JSON_DEPTH, MAX_MASK_PIXELS, parseJson, parseJsonBytes, polygonize, rasterizeParts, readAllBytes, RleError, stringifyJson, TextOut, inShard, shardOrigin, shardRange, type Shard, type Annotation, type ByteSource, type Category, type Dialect, type DialectCapabilities, type DialectContext, type DialectInput, type Id, type ImageInfo, type JsonScanHandler, type JsonValueKind, type MaskDataset, type MaskDatasetStream, type RleWarning, type Order } from '@rlekit/core';
import { countsToString, decode, type CocoRle } from './rle.js';
import { cocoJoin, mergeCoco, SHARD_ID_KEY, SHARD_IDS_FIELD } from './merge.js';
import { sniffCoco } from './sniff.js';
import { polygonCounts, polygonsToMask } from './polygon.js';
import { parseAnnotationBytes } from './annotation-json.js';

type Path = (string | number)[];
type Json = Record<string, unknown>;

export type CocoFormat = 'instances' | 'results' | 'sa1b';

export const readOptionsSchema = z.object({
  format: z._default(z.enum(['auto', 'instances', 'results', 'sa1b']), 'auto')
    .register(z.globalRegistry, { description: 'File layout: auto (sniffed from the JSON structure), instances (COCO/LVIS), results (a list of detections) or sa1b (SA-1B per-image JSON)' }),
  inMemoryBytes: z._default(z.int().check(z.positive()), 256 * 1024 * 1024)
    .register(z.globalRegistry, { description: 'Files up to this many bytes are parsed in memory; larger ones are stream-parsed' }),
  groupByImage: z._default(z.boolean(), true)
    .register(z.globalRegistry, { description: 'Streamed reads yield each image\'s annotations together, in image order (per-image writers such as Kaggle need it; a file that scatters them holds masks until their image is complete); false: file order, bounded memory' }),
});
export type CocoReadOptions = z.infer<typeof readOptionsSchema>;

export const writeOptionsSchema = z.object({
  format: z._default(z.enum(['instances', 'results', 'sa1b']), 'instances')
    .register(z.globalRegistry, { description: 'File layout written: instances (COCO), results (a list of detections) or sa1b (SA-1B, one image)' }),
  rle: z._default(z.enum(['compressed', 'uncompressed']), 'compressed')
    .register(z.globalRegistry, { description: 'Segmentation form: compressed (counts string) or uncompressed (counts list)' }),
  iscrowd: z._default(z.enum(['preserve', '0', '1']), 'preserve')
    .register(z.globalRegistry, { description: 'iscrowd written: preserve (the annotation flag, 0 when absent), or 0 / 1 for every annotation' }),
  polygons: z._default(z.enum(['keep', 'rle']), 'keep')
    .register(z.globalRegistry, { description: 'keep: masks read from COCO polygons (and unchanged) are written back as those polygons; rle: always write RLE' }),
  segmentation: z._default(z.enum(['rle', 'polygons', 'auto']), 'rle')
    .register(z.globalRegistry, { description: 'Other masks (instances format): rle; polygons (traced from the mask, one ring per part); auto: polygons where they are exact (no holes), else RLE' }),
  polygonHoles: z._default(z.enum(['bridge', 'fill']), 'bridge')
    .register(z.globalRegistry, { description: 'With segmentation polygons, a mask with holes: bridge (each hole joined to its part\'s ring by a zero-width cut; pycocotools draws it back exactly) or fill (holes dropped, reported)' }),
});
export type CocoWriteOptions = z.infer<typeof writeOptionsSchema>;

function parseOptions<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  // zod/mini ships no messages: zod's English ones, as the full zod printed them.
  return parseDialectOptions(schema, input, undefined, { error: en().localeError });
}

// Polygons a Mask was rasterised from, so a COCO → COCO conversion can write them back.
// Keyed by the immutable Mask: any operation that changes pixels makes a new Mask. A streamed
// read keeps them as the Float64Arrays it parsed them into; they are lists again when asked for.
// They hang off the mask under a private symbol (non-enumerable, read-only) rather than in a
// WeakMap: a million-entry WeakMap is an ephemeron table every GC walks (4 % of a conversion).
const POLYGONS = Symbol('rlekit.coco.polygons');
type WithPolygons = Mask & { [POLYGONS]?: readonly ArrayLike<number>[] };
const polygonSource = {
  set(mask: Mask, polygons: readonly ArrayLike<number>[]): void {
    Object.defineProperty(mask, POLYGONS, { value: polygons });
  },
  get(mask: Mask): number[][] | undefined {
    const p = (mask as WithPolygons)[POLYGONS];
    return p === undefined ? undefined : p.map((q) => (Array.isArray(q) ? q : Array.from(q)));
  },
};
// Top-level fields (info, licenses) that the dataset model has no place for; only a COCO writer uses them.
const datasetExtras = new WeakMap<object, Json>();

const short = describeValue;

function fail(path: Path, expected: string, received: unknown): never {
  throw new RleError('INVALID_STRUCTURE', 'Invalid COCO JSON', { path, expected, received: short(received) });
}

function obj(v: unknown, path: Path): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
  return v as Json;
}

function id(v: unknown, path: Path): Id {
  if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return v;
  return fail(path, 'a number or string id', v);
}

/** id() with the path built only for the error (an annotation's ids are read a million times). */
function idAt(v: unknown, path: Path, key: string): Id {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) ? v : id(v, [...path, key]);
}

function dim(v: unknown, path: Path): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  // As every size check in rlekit (core's checkSize) codes it.
  throw new RleError('INVALID_SIZE', `Invalid ${path[path.length - 1] === 0 ? 'height' : path[path.length - 1] === 1 ? 'width' : String(path[path.length - 1])}`, { path, expected: 'a non-negative integer', received: short(v) });
}

/**
 * COCO panoptic files look like instances files, but their annotations are one per image, a PNG
 * `file_name` with `segments_info`: refused with what to do, not read as masks without a segmentation.
 */
function refusePanoptic(annotation: unknown, path: Path): void {
  if (typeof annotation !== 'object' || annotation === null) return;
  const a = annotation as Json;
  if (Array.isArray(a.segments_info) && typeof a.file_name === 'string' && a.segmentation === undefined) {
    throw new RleError('UNSUPPORTED', 'This is a COCO panoptic file (annotations are PNG file names with segments_info, masks live in the PNGs): read it with --from coco-panoptic', {
      path: [...path, 'segments_info'],
      expected: 'COCO instances, results or SA-1B JSON; a panoptic JSON with its PNG folder is the coco-panoptic dialect (--from coco-panoptic)',
    });
  }
}

function rest(o: Json, known: readonly string[]): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(o)) {
    if (known.includes(k)) continue;
    (out ??= {})[k] = o[k];
  }
  return out;
}

const IMAGE_KEYS = ['id', 'file_name', 'height', 'width'];
const CATEGORY_KEYS = ['id', 'name', 'supercategory'];
const ANNOTATION_KEYS = ['id', 'image_id', 'category_id', 'segmentation', 'area', 'bbox', 'iscrowd', 'score'];
const SA1B_IMAGE_KEYS = ['image_id', 'file_name', 'height', 'width'];
// `score` and `category_id` are not in SA-1B's layout; rlekit writes a mask's score and category
// there as results files spell them, and reads them back.
const SA1B_ANNOTATION_KEYS = ['id', 'segmentation', 'area', 'bbox', 'score', 'category_id'];

/**
 * Annotation ids seen so far, to report duplicates: non-negative integers below 2^27 (COCO's ids)
 * as one bit each, any other id in a Set. A Set of a million ids is a hash table whose every
 * lookup misses the cache (2 % of a streamed conversion); the bits of 1.3 million ids are 160 KB.
 */
class SeenIds {
  private bits = new Uint32Array(1024);
  private readonly others = new Set<Id>();

  /** Adds `id`; false when it was there already (0 and -0 are one id, as in a Set). */
  add(id: Id): boolean {
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < 2 ** 27) {
      const w = id >>> 5, m = 1 << (id & 31);
      if (w >= this.bits.length) {
        const grown = new Uint32Array(Math.max(w + 1, this.bits.length * 2));
        grown.set(this.bits);
        this.bits = grown;
      }
      const v = this.bits[w]!;
      if ((v & m) !== 0) return false;
      this.bits[w] = v | m;
      return true;
    }
    if (this.others.has(id)) return false;
    this.others.add(id);
    return true;
  }
}

/** Turns parsed COCO JSON values into the dataset model, keeping counts for summary warnings. */
class Reader {
  readonly images: ImageInfo[] = [];
  readonly categories: Category[] = [];
  readonly imageById = new Map<Id, ImageInfo>();
  readonly categoryIds = new Set<Id>();
  readonly counts = { polygonArea: 0, rleArea: 0, polygonBox: 0, rleBox: 0, pythonBytes: 0, noMask: 0, crowdRle: 0, duplicateIds: 0, missingCategories: 0, oddPolygons: 0, fewPoints: 0, outside: 0 };
  // Annotation ids read from the file, to report duplicates (pycocotools indexes only the last of each).
  private readonly annotationIds = new SeenIds();
  private firstDuplicate: Path | undefined;
  /** The id the next annotation of a results or SA-1B file gets (a shard's reader starts where one run's would be). */
  nextId = 1;

  /** valuesOnly: annotations are handed on as their parsed JSON values, no mask built (readCocoJson). */
  /** maskOrder: the run order polygons are rasterised in (the writer's, DialectContext.maskOrder). */
  constructor(readonly format: CocoFormat, private readonly warn: (w: RleWarning) => void, private readonly recover?: (e: RleError) => void, private readonly valuesOnly = false, private readonly maskOrder: Order = 'col') {}

  /**
   * Runs one record's read. With a recover hook (`rlekit check`) a bad record is handed to it and
   * skipped, so the next one is still read; without one its error stops the read.
   */
  guard<T>(read: () => T): T | undefined {
    if (!this.recover) return read();
    try {
      return read();
    } catch (e) {
      if (!(e instanceof RleError)) throw e;
      this.recover(e);
      return undefined;
    }
  }

  image(v: unknown, path: Path): void {
    this.guard(() => this.readImage(v, path));
  }

  private readImage(v: unknown, path: Path): void {
    const o = obj(v, path);
    const img: ImageInfo = { id: id(o.id, [...path, 'id']), height: dim(o.height, [...path, 'height']), width: dim(o.width, [...path, 'width']) };
    // An image no mask could have (over 2^32 - 1 pixels) is refused at once, masks or not.
    checkSize(img, MAX_MASK_PIXELS, path);
    if (o.file_name !== undefined) img.fileName = typeof o.file_name === 'string' ? o.file_name : fail([...path, 'file_name'], 'a string', o.file_name);
    const attributes = rest(o, IMAGE_KEYS);
    if (attributes) img.attributes = attributes;
    this.addImage(img, path);
  }

  sa1bImage(v: unknown, path: Path): void {
    const o = obj(v, path);
    // image_id names the image; an `id` next to it is another field, kept as an attribute.
    const hasImageId = o.image_id !== undefined;
    const img: ImageInfo = { id: id(hasImageId ? o.image_id : o.id, [...path, hasImageId ? 'image_id' : 'id']), height: dim(o.height, [...path, 'height']), width: dim(o.width, [...path, 'width']) };
    checkSize(img, MAX_MASK_PIXELS, path);
    if (o.file_name !== undefined) img.fileName = typeof o.file_name === 'string' ? o.file_name : fail([...path, 'file_name'], 'a string', o.file_name);
    const attributes = rest(o, hasImageId ? SA1B_IMAGE_KEYS : [...SA1B_IMAGE_KEYS, 'id']);
    if (attributes) img.attributes = attributes;
    this.addImage(img, path);
  }

  private addImage(img: ImageInfo, path: Path): void {
    if (this.imageById.has(img.id)) throw new RleError('INVALID_STRUCTURE', `Image id ${short(img.id)} appears twice`, { path: [...path, 'id'] });
    this.images.push(img);
    this.imageById.set(img.id, img);
  }

  category(v: unknown, path: Path): void {
    this.guard(() => this.readCategory(v, path));
  }

  private readCategory(v: unknown, path: Path): void {
    const o = obj(v, path);
    const c: Category = { id: id(o.id, [...path, 'id']), name: typeof o.name === 'string' ? o.name : fail([...path, 'name'], 'a string', o.name) };
    if (typeof o.supercategory === 'string') c.supercategory = o.supercategory;
    else if (o.supercategory !== undefined) fail([...path, 'supercategory'], 'a string', o.supercategory);
    const attributes = rest(o, CATEGORY_KEYS);
    if (attributes) c.attributes = attributes;
    this.categories.push(c);
    this.categoryIds.add(c.id);
  }

  /** First pass over a results file: one image per image_id, sized by its RLEs. */
  resultImage(v: unknown, path: Path): void {
    this.guard(() => this.readResultImage(v, path));
  }

  private readResultImage(v: unknown, path: Path): void {
    const o = obj(v, path);
    const imageId = id(o.image_id, [...path, 'image_id']);
    const seg = o.segmentation;
    if (seg === undefined || seg === null || Array.isArray(seg)) return;
    const s = obj(seg, [...path, 'segmentation']).size;
    if (!Array.isArray(s) || s.length !== 2) fail([...path, 'segmentation', 'size'], '[height, width]', s);
    const height = dim(s[0], [...path, 'segmentation', 'size', 0]), width = dim(s[1], [...path, 'segmentation', 'size', 1]);
    const known = this.imageById.get(imageId);
    if (known === undefined) this.addImage({ id: imageId, height, width }, path);
    else if (known.height !== height || known.width !== width) {
      throw new RleError('SIZE_MISMATCH', `Image ${short(imageId)} has RLEs of different sizes`, { path: [...path, 'segmentation', 'size'], expected: `[${known.height}, ${known.width}]`, received: `[${height}, ${width}]` });
    }
    this.categoryOf(o.category_id, [...path, 'category_id']);
  }

  /**
   * A category id that the categories list lacks: pycocotools loads such files (COCOeval skips
   * the category), so it is read as a category named by its id, and reported once per id.
   */
  missingCategory(cid: Id): void {
    if (this.categoryIds.has(cid)) return;
    this.categoryOf(cid, []);
    this.counts.missingCategories++;
  }

  /** A category named by its id, for files without a categories list (results, SA-1B). */
  categoryOf(v: unknown, path: Path): void {
    if (v === undefined || this.categoryIds.has(v as Id)) return;
    const cid = id(v, path);
    this.categories.push({ id: cid, name: String(cid) });
    this.categoryIds.add(cid);
  }

  /** One annotation (instances, results or SA-1B), or undefined when it has no mask (reported). */
  annotation(v: unknown, path: Path): Annotation | undefined {
    if (this.valuesOnly) return v as Annotation;
    return this.recover ? this.guard(() => this.readAnnotation(v, path)) : this.readAnnotation(v, path);
  }

  private readAnnotation(v: unknown, path: Path): Annotation | undefined {
    const o = obj(v, path);
    const sa1b = this.format === 'sa1b';
    // SA-1B has no categories list: category ids make one (as results files' do), mask or not.
    if (sa1b) this.categoryOf(o.category_id, [...path, 'category_id']);
    // Mask or not, as a streamed read's first pass registers them.
    if (this.format === 'instances' && o.category_id !== undefined) this.missingCategory(idAt(o.category_id, path, 'category_id'));
    const seg = o.segmentation;
    if (seg === undefined || seg === null) {
      this.counts.noMask++;
      return undefined;
    }
    const segPath = [...path, 'segmentation'];
    let image: ImageInfo;
    if (sa1b) {
      image = this.images[0]!;
    } else {
      const imageId = idAt(o.image_id, path, 'image_id');
      const found = this.imageById.get(imageId);
      if (found === undefined && this.format === 'results' && Array.isArray(seg)) {
        throw new RleError('UNSUPPORTED', 'A polygon result needs its image size, which a results file does not give', { path: segPath });
      }
      if (found === undefined) throw new RleError('DANGLING_REFERENCE', `Annotation refers to image ${short(imageId)}, which is not in images`, { path: [...path, 'image_id'] });
      image = found;
    }
    let mask: Mask;
    let polygon = false;
    if (Array.isArray(seg)) {
      mask = polygonsToMask(seg as ArrayLike<number>[], image.height, image.width, segPath, this.maskOrder);
      // Read as pycocotools reads them (a last odd number ignored), but worth a word.
      for (const p of seg as unknown[]) {
        if (!Array.isArray(p) && !(p instanceof Float64Array)) continue;
        if (p.length % 2 === 1) this.counts.oddPolygons++;
        if (p.length < 6) this.counts.fewPoints++;
        for (let k = 0; k + 1 < p.length; k += 2) {
          const x = p[k] as number, y = p[k + 1] as number;
          if (x < 0 || y < 0 || x > image.width || y > image.height) {
            this.counts.outside++;
            break;
          }
        }
      }
      polygonSource.set(mask, seg as ArrayLike<number>[]);
      polygon = true;
    } else {
      const s = obj(seg, segPath);
      let counts = s.counts;
      if (typeof counts === 'string' && counts.startsWith("b'") && counts.endsWith("'") && counts.length >= 3) {
        // A Python bytes repr written by str(rle['counts']): the code between the quotes, backslashes unescaped.
        counts = counts.slice(2, -1).replace(/\\\\/g, '\\');
        this.counts.pythonBytes++;
      }
      try {
        mask = decode({ size: s.size as number[], counts: counts as CocoRle['counts'] });
      } catch (e) {
        throw e instanceof RleError ? e.at(...segPath) : e;
      }
      if (Array.isArray(counts) && o.iscrowd !== 1 && o.iscrowd !== true) this.counts.crowdRle++;
      if (mask.height !== image.height || mask.width !== image.width) {
        throw new RleError('SIZE_MISMATCH', 'RLE size differs from its image', { path: [...segPath, 'size'], expected: `[${image.height}, ${image.width}]`, received: `[${mask.height}, ${mask.width}]` });
      }
    }
    const a: Annotation = { id: sa1b || this.format === 'results' ? this.nextId++ : idAt(o.id, path, 'id'), imageId: image.id, mask };
    if (sa1b && o.id !== undefined) a.id = id(o.id, [...path, 'id']);
    if (o.category_id !== undefined) {
      a.categoryId = idAt(o.category_id, path, 'category_id');
    }
    if (!(this.format === 'results')) {
      if (!this.annotationIds.add(a.id)) {
        this.counts.duplicateIds++;
        this.firstDuplicate ??= [...path, 'id'];
      }
    }
    if (o.iscrowd !== undefined) {
      // 0 is the default (absent flag): only a crowd is recorded, so other dialects see no difference.
      if (o.iscrowd === 1 || o.iscrowd === true) a.iscrowd = true;
      else if (o.iscrowd !== 0 && o.iscrowd !== false) fail([...path, 'iscrowd'], '0 or 1', o.iscrowd);
    }
    if (o.score !== undefined) a.score = typeof o.score === 'number' ? o.score : fail([...path, 'score'], 'a number', o.score);
    // area and bbox are recomputed from the mask on write; a disagreement is reported, not kept.
    // A pixel count and a pixel box are integers: a given area or box that is not (COCO's polygon
    // areas and extents are floats) differs without the mask's being worked out here.
    if (o.area !== undefined && (!Number.isInteger(o.area) || o.area !== mask.area())) this.counts[polygon ? 'polygonArea' : 'rleArea']++;
    if (o.bbox !== undefined) {
      const given = o.bbox;
      if (!Array.isArray(given) || given.length !== 4 || !given.every(Number.isInteger)) this.counts[polygon ? 'polygonBox' : 'rleBox']++;
      else {
        const b = mask.bbox();
        if (given[0] !== b.x || given[1] !== b.y || given[2] !== b.width || given[3] !== b.height) this.counts[polygon ? 'polygonBox' : 'rleBox']++;
      }
    }
    const attributes = rest(o, sa1b ? SA1B_ANNOTATION_KEYS : ANNOTATION_KEYS);
    if (attributes) a.attributes = attributes;
    return a;
  }

  /** Summary warnings, once per read. */
  finish(): void {
    const c = this.counts;
    const say = (n: number, code: string, message: string): void => {
      if (n > 0) this.warn({ code, message: `${n} ${message}`, count: n });
    };
    say(c.rleArea, 'area-mismatch', 'RLE annotations have an area that differs from their mask\'s pixel count; the pixel count is used');
    say(c.polygonArea, 'area-mismatch', 'polygon annotations have an area that differs from the rasterised pixel count (COCO gives polygon areas); the pixel count is used');
    say(c.rleBox, 'bbox-mismatch', 'RLE annotations have a bbox that differs from their mask\'s tight pixel box; the pixel box is used');
    say(c.polygonBox, 'bbox-mismatch', 'polygon annotations have a bbox that differs from the rasterised tight pixel box (COCO gives polygon extents); the pixel box is used');
    say(c.pythonBytes, 'python-bytes-counts', "RLE counts were Python bytes reprs (b'...'); read as their contents, written as plain strings");
    say(c.oddPolygons, 'polygon-odd-length', 'polygons have an odd count of numbers; the last number is ignored, as pycocotools does');
    say(c.fewPoints, 'polygon-few-points', 'polygons have fewer than 3 points and cover no area of their own');
    say(c.outside, 'polygon-outside', 'polygons reach outside their image; the part inside is kept, as pycocotools clips them');
    say(c.noMask, 'not-carried', 'annotations without a segmentation (boxes or keypoints only) were skipped');
    say(c.crowdRle, 'uncompressed-not-crowd', 'annotations have uncompressed RLE but iscrowd 0; the encoding and the crowd flag are kept apart');
    say(c.missingCategories, 'missing-category', 'category ids used by annotations are not in categories; read as categories named by their id');
    if (c.duplicateIds > 0) {
      this.warn({ code: 'duplicate-id', message: `${c.duplicateIds} annotations have an id used before in the file (pycocotools keeps only the last of each); kept as they are`, path: this.firstDuplicate, count: c.duplicateIds });
    }
  }
}

function detectFormat(root: unknown): CocoFormat {
  if (Array.isArray(root)) return 'results';
  if (typeof root === 'object' && root !== null) {
    const r = root as Json;
    // As a streamed read decides (before it has seen values): `image` without `images` is SA-1B.
    if (r.image !== undefined && r.images === undefined) return 'sa1b';
    if (Array.isArray(r.images) || Array.isArray(r.annotations)) return 'instances';
  }
  throw new RleError('INVALID_STRUCTURE', 'Not a COCO instances, results or SA-1B JSON file', { expected: 'an object with images/annotations, an object with image/annotations, or a list of results', received: short(root) });
}

function arrayAt(r: Json, key: string, required: boolean): unknown[] {
  const v = r[key];
  if (v === undefined && !required) return [];
  if (!Array.isArray(v)) fail([key], 'an array', v);
  return v;
}

/**
 * A parsed COCO JSON document → dataset.
 * @example
 * ```ts
 * const dataset = datasetFromJson({
 *   images: [{ id: 1, height: 3, width: 4, file_name: 'a.png' }],
 *   categories: [{ id: 1, name: 'leaf' }],
 *   annotations: [{ id: 7, image_id: 1, category_id: 1, segmentation: { size: [3, 4], counts: '11110O30' }, iscrowd: 0 }],
 * });
 * dataset.annotations[0].mask.area(); // → 5
 * dataset.images[0].fileName; // → 'a.png'
 * ```
 */
export function datasetFromJson(root: unknown, format: CocoFormat | 'auto' = 'auto', warn: (w: RleWarning) => void = () => {}, recover?: (e: RleError) => void): MaskDataset {
  const f = format === 'auto' ? detectFormat(root) : format;
  const reader = new Reader(f, warn, recover);
  const annotations: Annotation[] = [];
  const push = (a: Annotation | undefined): void => {
    if (a) annotations.push(a);
  };
  let extras: Json | undefined;
  if (f === 'results') {
    if (!Array.isArray(root)) fail([], 'a list of results', root);
    root.forEach((v, i) => reader.resultImage(v, [i]));
    root.forEach((v, i) => push(reader.annotation(v, [i])));
  } else {
    const r = obj(root, []);
    if (f === 'sa1b') {
      reader.sa1bImage(r.image, ['image']);
    } else {
      refusePanoptic(Array.isArray(r.annotations) ? r.annotations[0] : undefined, ['annotations', 0]);
      arrayAt(r, 'images', true).forEach((v, i) => reader.image(v, ['images', i]));
      arrayAt(r, 'categories', false).forEach((v, i) => reader.category(v, ['categories', i]));
      extras = rest(r, ['images', 'categories', 'annotations']);
    }
    arrayAt(r, 'annotations', true).forEach((v, i) => push(reader.annotation(v, ['annotations', i])));
  }
  reader.finish();
  const dataset: MaskDataset = { images: reader.images, categories: reader.categories, annotations };
  keepExtras(dataset.images, extras, warn);
  return dataset;
}

function keepExtras(images: object, extras: Json | undefined, warn: (w: RleWarning) => void): void {
  if (extras === undefined) return;
  datasetExtras.set(images, extras);
  const keys = Object.keys(extras);
  warn({ code: 'not-carried', message: `top-level ${keys.join(', ')} ${keys.length === 1 ? 'is' : 'are'} carried only to a COCO output of the same conversion`, count: keys.length });
}

// ---------------------------------------------------------------- streaming read

// Source chunks are fed to the scanner at most this large, so what one write queues stays small.
const CHUNK = 1 << 20;

/**
 * Bytes of annotation JSON one regrouping pass holds (a file that scatters annotations over
 * images, read grouped by image): each pass reads the file once and keeps the annotations of
 * the next images up to this budget, so memory is bounded whatever the file's size or order.
 */
export const REGROUP_BYTES = 128 * 1024 * 1024;
/**
 * The most bytes one value of a streamed file (an annotation, an image, a top-level field) may
 * take: V8's longest string, past which it could not be parsed anyway. Bad JSON that never closes
 * a value (a stray quote) is refused there, at the value's start, instead of gathering the rest of
 * a file of any size into memory.
 */
export const MAX_VALUE_BYTES = 0x1fffffe8;

const KIND_WORDS: Record<JsonValueKind, FieldKind> = { array: 'an array', object: 'an object', string: 'a value', number: 'a value', literal: 'a value' };

/** What a top-level field of a COCO object holds. */
type FieldKind = 'an array' | 'an object' | 'a value';

/**
 * Feeds a source to a scanner in bounded writes; `drain` runs after each write (to yield what it
 * queued). A seekable source is read through its one reused buffer (`range`): a stream's fresh
 * chunk per read is fresh pages, whose first touch costs more than scanning them.
 */
async function* feed(source: ByteSource, scanner: JsonScanner): AsyncGenerator<void> {
  const chunks = source.range !== undefined && source.size !== undefined ? source.range(0, source.size) : source.stream();
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i += CHUNK) {
      scanner.write(chunk.length <= CHUNK ? chunk : chunk.subarray(i, Math.min(chunk.length, i + CHUNK)));
      yield;
    }
  }
  scanner.end();
}

/** An annotation's bytes parsed (polygons as Float64Arrays), or through parseJsonBytes, which reports what is wrong with them. */
function parseAnnotation(bytes: Uint8Array, offset: number): unknown {
  return parseAnnotationBytes(bytes) ?? parseJsonBytes(bytes, offset, 'COCO JSON');
}

/**
 * Pass 1's scan ended (TRUNCATED, or LIMIT_EXCEEDED at the value limit) inside an annotation: bad
 * JSON in it (a stray quote) kept it from closing, and the rest of the file was read as part of
 * it. The error names the annotation (its path, where it starts) and the first byte where it
 * stops being JSON; without such a byte (the file ends inside a good annotation), its start.
 */
function openAnnotationError(scanner: JsonScanner, e: unknown): unknown {
  if (!(e instanceof RleError) || (e.code !== 'TRUNCATED' && e.code !== 'LIMIT_EXCEEDED')) return e;
  const open = scanner.openPiece(0);
  if (open === undefined || open.index === undefined || (open.key !== 'annotations' && open.key !== null)) return e;
  const path = open.key === null ? [open.index] : ['annotations', open.index];
  const where = `annotation ${open.index}, from byte ${open.offset}, never closes`;
  const fault = scanner.openFault();
  if (fault !== undefined) {
    return new RleError(fault.code, `${fault.reason} (${where}: a stray or missing quote, bracket or comma before here?)`, { path, offset: fault.offset, expected: fault.expected ?? 'COCO JSON', cause: e });
  }
  if (e.code === 'LIMIT_EXCEEDED') return new RleError(e.code, `${e.reason} (${where} within the limit)`, { path, offset: open.offset, expected: e.expected ?? 'COCO JSON', cause: e });
  return new RleError('TRUNCATED', `COCO JSON ends at byte ${open.offset + open.length} inside ${where}`, { path, offset: open.offset, expected: 'the rest of the annotation and of the file', cause: e });
}

/** A typed array that grows by doubling as values are pushed (pass 1's offsets and lengths). */
class GrowList<A extends Float64Array | Uint32Array> {
  data: A;
  length = 0;
  constructor(private readonly make: (n: number) => A) {
    this.data = make(1024);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/**
 * Streams a COCO file of any size. Pass 1 reads images, categories and the other top-level
 * fields, and notes each annotation's image and length; pass 2 yields annotations one at a time,
 * in file order, or — when grouping by image and the file scatters them — image by image, in
 * passes that each hold at most `regroupBytes` of annotation JSON. A key given twice at the top
 * level counts once, its last value, as JSON.parse has it.
 * @example
 * ```ts
 * const json = '{"images":[{"id":1,"height":3,"width":4}],"annotations":[{"id":7,"image_id":1,"segmentation":{"size":[3,4],"counts":"11110O30"}}]}';
 * const stream = await readCocoStream(bytesSource(encodeUtf8(json), 'instances.json'));
 * stream.images.length; // → 1
 * const areas: number[] = [];
 * for await (const a of stream.annotations) areas.push(a.mask.area());
 * areas; // → [5]
 * ```
 */
export async function readCocoStream(source: ByteSource, format: CocoFormat | 'auto' = 'auto', warn: (w: RleWarning) => void = () => {}, groupByImage = true, regroupBytes = REGROUP_BYTES, shard?: Shard, recover?: (e: RleError) => void, valuesOnly = false, maskOrder: Order = 'col', maxValueBytes = MAX_VALUE_BYTES): Promise<MaskDatasetStream> {
  return (await readCoco(source, format, warn, groupByImage, regroupBytes, shard, recover, undefined, valuesOnly, maskOrder, maxValueBytes)) as MaskDatasetStream;
}

/**
 * What a `--jobs` worker's COCO reader needs to read its shard without the first pass: the
 * header pass 1 read, and where its annotations are in the file, in the order it yields them.
 */
export interface CocoShardPlan {
  format: CocoFormat;
  images: ImageInfo[];
  categories: Category[];
  /** Reported by the first shard only (one run reports it once). */
  missingCategories: number;
  extras?: Json;
  /** The file's size when planned: a file that changed since is an IO error, as between passes. */
  size: number;
  /** The id its first mask gets in a results file (one run numbers them 1, 2, … in the order it reads them). */
  firstId: number;
  /** Bytes of annotation JSON the shard's reader holds at once (the regrouping budget shared by the shards). */
  window: number;
  /** The shard's annotations come in image order (as the stream of one run says, `inImageOrder`). */
  inImageOrder: boolean;
  /** Each annotation's index in the file's list, its offset in the file and its length in bytes. */
  index: Uint32Array;
  offset: Float64Array;
  length: Uint32Array;
}

/**
 * Pass 1 once for `shards` (`--jobs`): each shard's plan, or undefined when the file cannot be
 * planned (no size, or a reader that recovers), and each worker then reads the file itself.
 */
export async function planCocoShards(source: ByteSource, format: CocoFormat | 'auto', groupByImage: boolean, shards: readonly Shard[], helpers?: PlanHelpers): Promise<CocoShardPlan[] | undefined> {
  if (source.size === undefined || source.range === undefined) return undefined;
  return (await readCoco(source, format, () => {}, groupByImage, REGROUP_BYTES, undefined, undefined, { shards, ...(helpers !== undefined ? { helpers } : {}) })) as CocoShardPlan[];
}

async function readCoco(source: ByteSource, format: CocoFormat | 'auto', warn: (w: RleWarning) => void, groupByImage: boolean, regroupBytes: number, shard: Shard | undefined, recover: ((e: RleError) => void) | undefined, plan?: { shards: readonly Shard[]; helpers?: PlanHelpers }, valuesOnly = false, maskOrder: Order = 'col', maxValueBytes = MAX_VALUE_BYTES): Promise<MaskDatasetStream | CocoShardPlan[]> {
  const planning = plan?.shards;
  // Pass 1.
  const fields = new Map<string, { kind: JsonValueKind; value?: unknown; elements?: unknown[] }>();
  let annotationLists = 0; // how many `annotations` keys; pass 2 reads the last
  let imageIds: unknown[] = []; // image_id of each annotation of the latest list
  let lengths = new GrowList((n) => new Uint32Array(n));
  // Every annotation's offset in the file: for errors, for a seekable file's pass 2 and for the
  // --jobs plans (the workers read theirs by it).
  let offsetList = new GrowList((n) => new Float64Array(n));
  // A seekable file's pass 2 reads its annotations by these offsets, never re-scanning it.
  const seekable = source.range !== undefined && source.size !== undefined;
  // A stream's annotations' bytes as pass 1 cut them, back to back, while they fit regroupBytes:
  // then pass 2 parses them from here instead of scanning the stream again. Allocated at the
  // file's size (the pages the file does not fill are never touched). A seekable file's are not
  // copied: reading them again by offset (from the page cache) costs less than fresh pages.
  const keepBytes = planning === undefined && !seekable;
  let kept: Uint8Array | undefined, keptBytes = 0, keeping = keepBytes;
  // The kept buffer once the annotations outgrew it: the first regrouping window reuses its pages.
  let spare: Uint8Array | undefined;
  // Each distinct category_id of the annotations and where it first appears (bounded by the
  // categories, not the annotations), for an SA-1B file, whose categories come from them.
  let annotationCategories = new Map<unknown, number>();
  const probe = new Reader('results', warn, recover);
  let root: 'object' | 'array' | undefined;
  // Results files: which elements have a mask (only those take an id, counted from 1).
  const masked: boolean[] = [];
  const note = (imageId: unknown, cid: unknown, i: number, length: number, offset: number): void => {
    imageIds.push(imageId);
    lengths.push(length);
    offsetList.push(offset);
    if (cid !== undefined && !annotationCategories.has(cid)) annotationCategories.set(cid, i);
  };
  const noteValue = (v: unknown, i: number, length: number, offset: number): void => {
    const o = typeof v === 'object' && v !== null ? (v as Json) : undefined;
    note(o?.image_id, o?.category_id, i, length, offset);
  };
  const pass1Handler: JsonScanHandler = {
    field(key, kind) {
      if (root === undefined) {
        root = 'object';
        if (format === 'results') fail([], 'a list of results', 'an object');
      }
      const entry: { kind: JsonValueKind; elements?: unknown[] } = { kind };
      fields.delete(key); // the last of a duplicated key wins
      fields.set(key, entry);
      if (key === 'annotations') {
        annotationLists++;
        imageIds = [];
        lengths = new GrowList((n) => new Uint32Array(n));
        annotationCategories = new Map();
        (kept = undefined, keptBytes = 0, keeping = keepBytes, offsetList = new GrowList((n) => new Float64Array(n)));
        return kind === 'array' ? 'elements' : 'value';
      }
      if (kind === 'array' && (key === 'images' || key === 'categories')) {
        entry.elements = [];
        return 'elements';
      }
      return 'value';
    },
    value(key, v) {
      fields.get(key)!.value = v;
    },
    // An instances or SA-1B annotation is not parsed here, only its image_id and category_id
    // are read from its bytes (pass 2 parses, and checks, every annotation).
    raw: (key) => key === 'annotations',
    fields: REFS, // found while cutting (no second scan of each annotation's bytes)
    element(key, i, v, offset, length, found) {
      if (key === 'annotations') {
        const bytes = v as Uint8Array;
        if (i === 0) refusePanoptic(parseJsonBytes(bytes, offset, 'COCO JSON'), ['annotations', 0]);
        const [imageId, cid] = annotationRefs(bytes, offset, found);
        note(imageId, cid, i, length, offset);
        if (keeping) {
          if (keptBytes + bytes.length > regroupBytes) (keeping = false, spare = kept, kept = undefined);
          else {
            kept ??= new Uint8Array(Math.min(regroupBytes, Math.max(source.size ?? 0, 1 << 16)));
            if (keptBytes + bytes.length > kept.length) {
              const grown = new Uint8Array(Math.min(regroupBytes, Math.max(keptBytes + bytes.length, kept.length * 2)));
              grown.set(kept.subarray(0, keptBytes));
              kept = grown;
            }
            kept.set(bytes, keptBytes);
            keptBytes += bytes.length;
          }
        }
      }
      else if (key === null) {
        if (root === undefined) {
          root = 'array';
          if (format === 'instances' || format === 'sa1b') fail([], 'an object', 'a list'); // as the in-memory read says
        }
        probe.resultImage(v, [i]);
        noteValue(v, i, length, offset);
        const seg = typeof v === 'object' && v !== null ? (v as Json).segmentation : undefined;
        masked.push(seg !== undefined && seg !== null);
      } else fields.get(key)!.elements!.push(v);
    },
    maxPiece: maxValueBytes,
  };
  let pass1: JsonScanner;
  if (planning !== undefined && seekable) {
    // --jobs: the scan may be split over the worker threads (plan.ts); their elements come noted.
    pass1 = await splitScan(source, pass1Handler, plan!.helpers, (found, index) => {
      for (let k = 0; k < found.count; k++) (imageIds.push(found.imageIds[k]), lengths.push(found.lengths[k]!), offsetList.push(found.offsets[k]!));
      for (const [cid, k] of found.categories) if (!annotationCategories.has(cid)) annotationCategories.set(cid, index + k);
    }, openAnnotationError);
  } else {
    pass1 = new JsonScanner(pass1Handler, 'COCO JSON');
    try {
      for await (const _ of feed(source, pass1)) { /* the handler does the work */ }
    } catch (e) {
      throw openAnnotationError(pass1, e);
    }
  }
  root = pass1.rootKind;
  if (root === 'array' && (format === 'instances' || format === 'sa1b')) fail([], 'an object', 'a list');
  if (root === 'object' && format === 'results') fail([], 'a list of results', 'an object');
  let f: CocoFormat = root === 'array' ? 'results' : format === 'auto' ? (fields.has('image') && !fields.has('images') ? 'sa1b' : 'instances') : format;
  const extras: Json = {};
  if (f !== 'results') {
    const checkField = (key: string, expected: FieldKind): void => {
      const field = fields.get(key);
      if (field !== undefined && KIND_WORDS[field.kind] !== expected) throw new RleError('INVALID_STRUCTURE', 'Invalid COCO JSON', { path: [key], expected, received: KIND_WORDS[field.kind] });
    };
    if (f === 'instances' && !fields.has('images')) fail(['images'], 'an array', undefined);
    if (f === 'sa1b' && !fields.has('image')) fail(['image'], 'an object', undefined);
    for (const key of f === 'sa1b' ? ['annotations'] : ['images', 'categories', 'annotations']) checkField(key, 'an array');
    if (f === 'sa1b') checkField('image', 'an object');
    if (!fields.has('annotations')) fail(['annotations'], 'an array', undefined);
    if (f === 'sa1b') {
      probe.sa1bImage(fields.get('image')!.value, ['image']);
      for (const [cid, i] of annotationCategories) probe.guard(() => probe.categoryOf(cid, ['annotations', i, 'category_id']));
    } else {
      (fields.get('images')!.elements ?? []).forEach((v, i) => probe.image(v, ['images', i]));
      (fields.get('categories')?.elements ?? []).forEach((v, i) => probe.category(v, ['categories', i]));
      for (const [key, field] of fields) if (!['images', 'categories', 'annotations'].includes(key)) extras[key] = field.value;
      // Category ids used by annotations but not listed: categories named by their id, before pass 2 hands them out.
      for (const [cid, i] of annotationCategories) probe.guard(() => probe.missingCategory(id(cid, ['annotations', i, 'category_id'])));
    }
  }
  fields.clear();
  annotationCategories.clear();
  const reader = new Reader(f, warn, recover, valuesOnly, maskOrder);
  for (const img of probe.images) (reader.images.push(img), reader.imageById.set(img.id, img));
  for (const c of probe.categories) (reader.categories.push(c), reader.categoryIds.add(c.id));
  reader.counts.missingCategories = probe.counts.missingCategories; // reported once, when pass 2 ends
  const images = reader.images;
  const fmt = f;
  keepExtras(images, fmt === 'instances' && Object.keys(extras).length > 0 ? extras : undefined, warn);
  // Each annotation's image position (-1: not an image of the file, an error at its turn).
  const position = new Map<unknown, number>(images.map((im, k) => [im.id, k]));
  const count = imageIds.length;
  const offsets = offsetList.data.subarray(0, count);
  const at = new Int32Array(count);
  let inImageOrder = true;
  for (let i = 0, prev = -1; i < count; i++) {
    const p = position.get(imageIds[i]) ?? -1;
    at[i] = p;
    if (p >= 0) {
      if (p < prev) inImageOrder = false;
      prev = p;
    }
  }
  imageIds = [];
  position.clear();
  const sizes = lengths.data.subarray(0, count);
  const regroup = groupByImage && !inImageOrder && fmt !== 'sa1b';
  const pathOf = (i: number): Path => (fmt === 'results' ? [i] : ['annotations', i]);
  // Only a shard's annotations are parsed (the others are scanned past), when the order one run
  // yields them in is image order: then the shard's are a consecutive piece of it.
  const skip = shard !== undefined && (regroup || inImageOrder || fmt === 'sa1b');
  const mine = (i: number): boolean => !skip || inShard(shard, images.length, fmt === 'sa1b' ? 0 : at[i]!);
  // A results file's ids are its masks' places in the order one run reads them (1, 2, …): a
  // shard that skips the earlier shards' masks starts after them, as one run numbers it.
  const firstId = (s: Shard | undefined, splits: boolean): number => {
    if (fmt !== 'results' || s === undefined || !splits) return 1;
    const [start] = shardRange(s, images.length);
    let before = 0;
    for (let i = 0; i < count; i++) if (masked[i] && at[i]! >= 0 && at[i]! < start) before++;
    return 1 + before;
  };
  reader.nextId = firstId(shard, skip);
  if (planning !== undefined) {
    const splits = regroup || inImageOrder || fmt === 'sa1b';
    return shardPlans({
      shards: planning, format: fmt, images, categories: reader.categories, missingCategories: reader.counts.missingCategories, extras, size: source.size!, regroupBytes,
      at, offsets, sizes, order: regroup ? imageOrder(at, images.length) : undefined, splits, firstId: (s) => firstId(s, splits),
    });
  }

  /** One scan of the file (pass 2), handing the last annotations list's wanted elements to `element`. */
  function pass2(want: (i: number) => boolean, raw: boolean, element: (i: number, v: unknown, offset: number) => void): AsyncGenerator<void> {
    let lists = 0;
    let active = fmt === 'results';
    return feed(source, new JsonScanner({
      field(key, kind) {
        if (key !== 'annotations') return 'skip';
        active = ++lists === annotationLists;
        return active && kind === 'array' ? 'elements' : 'skip';
      },
      want: (_key, i) => active && want(i),
      raw,
      element: (_key, i, v, offset) => element(i, v, offset),
    }, 'COCO JSON'));
  }

  // Where each annotation starts in `kept` (file order), when pass 1 kept them all.
  let keptAt: Float64Array | undefined;
  if (kept !== undefined && fmt !== 'results') {
    keptAt = new Float64Array(count);
    for (let i = 0, o = 0; i < count; i++) (keptAt[i] = o, (o += sizes[i]!));
  }
  const fromKept = (i: number): Annotation | undefined => reader.annotation(parseAnnotation(kept!.subarray(keptAt![i]!, keptAt![i]! + sizes[i]!), offsets[i]!), pathOf(i));

  const parseAt = (bytes: Uint8Array, i: number): Annotation | undefined => reader.annotation(parseAnnotation(bytes, offsets[i]!), pathOf(i));

  /**
   * Pass 2 as runs of annotations: each run a sync generator, parsed as it is pulled (so an
   * error comes at its annotation's turn, after the ones before it), and flattened by `flat`:
   * an async generator's round trips per annotation cost more than parsing a small one.
   */
  async function* runs(): AsyncGenerator<Iterable<Annotation | undefined>> {
    if (keptAt !== undefined) {
      // Every annotation is at hand: file order, or image order by a stable sort on positions.
      const order = regroup ? imageOrder(at, images.length) : undefined;
      yield (function* () {
        for (let k = 0; k < count; k++) {
          const i = order === undefined ? k : order[k]!;
          if (!mine(i)) continue; // another shard's: scanned past in pass 1, never parsed
          yield fromKept(i);
        }
      })();
      kept = undefined;
      reader.finish();
      return;
    }
    if (!regroup && !seekable) {
      // The bytes are the chunk's, valid during the call: copied (the compact text, not objects, waits in the queue).
      let queue: [number, Uint8Array, number][] = [];
      for await (const _ of pass2(mine, true, (i, v, offset) => queue.push([i, new Uint8Array(v as Uint8Array), offset]))) {
        const q = queue;
        queue = [];
        yield (function* () {
          for (const [i, v, offset] of q) yield reader.annotation(parseAnnotation(v, offset), pathOf(i));
        })();
      }
      reader.finish();
      return;
    }
    // Regrouping: annotations in image order (a stable counting sort by position; dangling ones
    // first, so their error comes early), then windows of whole images holding at most
    // regroupBytes each.
    let order = regroup ? imageOrder(at, images.length) : new Uint32Array(count);
    if (!regroup) for (let i = 0; i < count; i++) order[i] = i;
    if (skip) order = order.filter(mine);
    const wanted = order.length;
    if (!regroup) {
      // A seekable file read in its own order: one read of the span, each annotation parsed where
      // it lies in the source's chunk (copied only when a chunk boundary cuts it).
      if (wanted === 0) {
        reader.finish();
        return;
      }
      const lo = offsets[order[0]!]!, hi = offsets[order[wanted - 1]!]! + sizes[order[wanted - 1]!]!;
      let e = 0, pos = lo, cut = new Uint8Array(0);
      // The chunk's annotations (the chunk is the source's buffer until the next is asked for: parsed before then).
      function* inChunk(c: Uint8Array): Generator<Annotation | undefined> {
        const end = pos + c.length;
        while (e < wanted) {
          const i = order[e]!, s0 = offsets[i]!, s1 = s0 + sizes[i]!;
          if (s0 >= end) break;
          let bytes: Uint8Array;
          if (s0 >= pos && s1 <= end) bytes = c.subarray(s0 - pos, s1 - pos);
          else {
            if (cut.length < s1 - s0) cut = new Uint8Array(Math.max(s1 - s0, cut.length * 2));
            const a = Math.max(s0, pos), b = Math.min(s1, end);
            cut.set(c.subarray(a - pos, b - pos), a - s0);
            if (s1 > end) break; // the rest of it comes with the next chunk
            bytes = cut.subarray(0, s1 - s0);
          }
          e++;
          yield parseAt(bytes, i);
        }
        pos = end;
      }
      for await (const c of source.range!(lo, hi)) yield inChunk(c);
      if (pos !== hi || e !== wanted) throw new RleError('IO', `${source.name} changed between reads`);
      reader.finish();
      return;
    }
    // Windows of a seekable file are read again by offset: each costs one read of the span
    // (cheap, from the page cache), its buffer fresh pages once (dear): about a quarter of the
    // annotations per window balances the two (within regroupBytes).
    let total = 0;
    for (let k = 0; k < wanted; k++) total += sizes[order[k]!]!;
    const windowBytes = seekable ? Math.min(regroupBytes, Math.max(16 << 20, Math.ceil(total / 4))) : regroupBytes;
    // The windows, each of whole images (never one image's annotations split), filled to an even
    // share of the bytes (a last window of a few images would cost a whole read of the span for
    // them), never past regroupBytes: where each ends in `order`, and the largest one's bytes.
    const share = Math.ceil(total / Math.max(1, Math.ceil(total / windowBytes)));
    const ends: number[] = [];
    let largest = 0;
    for (let from = 0; from < wanted;) {
      let to = from, bytes = 0;
      while (to < wanted) {
        const p = at[order[to]!]!;
        let end = to, b = 0;
        if (regroup) while (end < wanted && at[order[end]!] === p) b += sizes[order[end++]!]!;
        else b = sizes[order[end++]!]!;
        if (to > from && (bytes >= share || bytes + b > regroupBytes)) break;
        bytes += b;
        to = end;
      }
      ends.push(to);
      if (bytes > largest) largest = bytes;
      from = to;
    }
    const slot = new Float64Array(count); // an annotation's place in its window's buffer
    // The windows' annotations go into one buffer, each at its place in image order, reused by
    // every window (a window is parsed before the next is read): sized once for the largest, so
    // no window faults in fresh pages but the first (pages never written are never touched).
    const window = spare !== undefined && spare.length >= largest ? spare : new Uint8Array(largest);
    spare = undefined;
    const parseWindow = function* (from: number, to: number): Generator<Annotation | undefined> {
      for (let k = from; k < to; k++) {
        const i = order[k]!, o = slot[i]!;
        yield parseAt(window.subarray(o, o + sizes[i]!), i);
      }
    };
    for (let w = 0, from = 0; w < ends.length; from = ends[w++]!) {
      const to = ends[w]!;
      const lo = from === 0 ? -2 : at[order[from]!]!, hi = at[order[to - 1]!]!;
      for (let k = from, o = 0; k < to; k++) (slot[order[k]!] = o, (o += sizes[order[k]!]!));
      if (seekable) {
        // Copied by the offsets pass 1 found: one read of the span they lie in, no scan.
        // In offset order: an annotation's offset grows with its index, so a numeric sort of the indices.
        const items = order.slice(from, to).sort();
        if (!(await gatherRanges(source, items, offsets, sizes, (i) => slot[i]!, window))) throw new RleError('IO', `${source.name} changed between reads`);
      } else {
        let got = 0;
        for await (const _ of pass2((i) => at[i]! >= lo && at[i]! <= hi && mine(i), true, (i, v, offset) => {
          const b = v as Uint8Array;
          if (b.length !== sizes[i] || offset !== offsets[i]) throw new RleError('IO', `${source.name} changed between reads`, { path: pathOf(i) });
          window.set(b, slot[i]!);
          got++;
        })) { /* collect */ }
        if (got !== to - from) throw new RleError('IO', `${source.name} changed between reads`);
      }
      yield parseWindow(from, to);
    }
    reader.finish();
  }
  // Regrouped, or so in the file (SA-1B has one image): a Kaggle or PNG writer then holds one image at a time.
  return { images, categories: reader.categories, annotations: flat(runs()), inImageOrder: regroup || inImageOrder || fmt === 'sa1b' };
}

/**
 * A COCO file read as {@link readCocoStream} reads it (both passes, images and categories
 * checked), except that each annotation comes as its parsed JSON value (polygons as
 * Float64Arrays), with no mask built: the JSON read alone, for callers that want the values
 * and for timing it (`pnpm bench read`).
 * @example
 * ```ts
 * const json = '{"images":[{"id":1,"height":3,"width":4}],"annotations":[{"id":7,"image_id":1,"segmentation":[[0.5,0.5,3.5,0.5,3.5,2.5]]}]}';
 * const stream = await readCocoJson(bytesSource(encodeUtf8(json), 'instances.json'));
 * const ids: unknown[] = [];
 * for await (const a of stream.annotations) ids.push(a.id);
 * ids; // → [7]
 * ```
 */
export async function readCocoJson(source: ByteSource, groupByImage = false): Promise<{ images: ImageInfo[]; categories: Category[]; annotations: AsyncIterable<Record<string, unknown>> }> {
  const s = await readCocoStream(source, 'auto', () => {}, groupByImage, REGROUP_BYTES, undefined, undefined, true);
  return { images: s.images, categories: s.categories, annotations: s.annotations as AsyncIterable<unknown> as AsyncIterable<Record<string, unknown>> };
}

/**
 * A shard's read from its plan (`--jobs`, see planCocoShards): no first pass, only its own
 * annotations' bytes taken from the file, parsed and checked exactly as readCocoStream parses
 * and checks them, with the same warnings and errors. The annotations go in windows of at most
 * `plan.window` bytes (in the order the shard yields them); each window's bytes are gathered in
 * one sequential read of the span of the file they lie in (all of it, for a file that scatters
 * an image's annotations, as regrouping reads it; just the window, for a file in image order).
 */
export function readCocoPlanned(source: ByteSource, plan: CocoShardPlan, warn: (w: RleWarning) => void = () => {}, maskOrder: Order = 'col'): MaskDatasetStream {
  if (source.range === undefined || source.size !== plan.size) throw new RleError('IO', `${source.name} changed between reads`);
  const reader = new Reader(plan.format, warn, undefined, false, maskOrder);
  for (const img of plan.images) (reader.images.push(img), reader.imageById.set(img.id, img));
  for (const c of plan.categories) (reader.categories.push(c), reader.categoryIds.add(c.id));
  reader.counts.missingCategories = plan.missingCategories;
  reader.nextId = plan.firstId;
  const images = reader.images;
  keepExtras(images, plan.extras, warn);
  const pathOf = (i: number): Path => (plan.format === 'results' ? [i] : ['annotations', i]);
  const { index, offset, length } = plan;
  const changed = (): never => {
    throw new RleError('IO', `${source.name} changed between reads`);
  };
  async function* annotations(): AsyncGenerator<Annotation> {
    const n = index.length;
    let buffer = new Uint8Array(0);
    for (let from = 0; from < n;) {
      let to = from, bytes = 0, sorted = true;
      while (to < n && (to === from || bytes + length[to]! <= plan.window)) {
        if (to > from && offset[to]! < offset[to - 1]! + length[to - 1]!) sorted = false;
        (bytes += length[to]!, to++);
      }
      // Where each annotation goes in the window (yield order), and the order they come in the file.
      // One buffer for every window (a window's bytes are parsed before the next is read).
      if (buffer.length < bytes) buffer = new Uint8Array(bytes);
      const window = buffer;
      const slot = new Float64Array(to - from);
      for (let k = from, o = 0; k < to; k++) (slot[k - from] = o, (o += length[k]!));
      const byOffset = Uint32Array.from({ length: to - from }, (_, k) => k + from);
      if (!sorted) byOffset.sort((x, y) => offset[x]! - offset[y]!);
      if (!(await gatherRanges(source, byOffset, offset, length, (k) => slot[k - from]!, window))) changed();
      for (let k = from; k < to; k++) {
        const at = slot[k - from]!;
        const a = reader.annotation(parseAnnotation(window.subarray(at, at + length[k]!), offset[k]!), pathOf(index[k]!));
        if (a) yield a;
      }
      from = to;
    }
    reader.finish();
  }
  return { images, categories: reader.categories, annotations: annotations(), inImageOrder: plan.inImageOrder };
}

/**
 * The annotations of pass 2's runs (sync generators, see readCoco's `runs`), skipping the
 * undefined ones (no mask, or refused by a recover hook): one resolved promise per annotation.
 * Stopping early (`return`, a `for await` that breaks) closes the run and the runs.
 */
function flat<T>(runs: AsyncGenerator<Iterable<T | undefined>>): AsyncGenerator<T> {
  let run: Iterator<T | undefined> | undefined;
  let reading: Promise<unknown> | undefined; // the next run, being read for a call before this one
  const it = {
    [Symbol.asyncIterator]: () => it,
    async next(): Promise<IteratorResult<T>> {
      // Calls are answered in order, as an async generator answers them.
      while (reading !== undefined) await reading.catch(() => {});
      for (;;) {
        if (run !== undefined) {
          let r: IteratorResult<T | undefined>;
          try {
            r = run.next();
          } catch (e) {
            // An annotation's error ends the read, as it ended the async generator this replaces.
            await it.return();
            throw e;
          }
          if (r.done !== true) {
            if (r.value !== undefined) return r as IteratorResult<T>;
            continue;
          }
          run = undefined;
        }
        const next = runs.next();
        reading = next;
        let n: IteratorResult<Iterable<T | undefined>>;
        try {
          n = await next;
        } finally {
          reading = undefined;
        }
        if (n.done === true) return { value: undefined, done: true };
        run = n.value[Symbol.iterator]();
      }
    },
    async return(value?: unknown): Promise<IteratorResult<T>> {
      const r = run;
      run = undefined;
      r?.return?.();
      await runs.return(undefined);
      return { value: value as T, done: true };
    },
    async throw(e?: unknown): Promise<IteratorResult<T>> {
      await it.return();
      throw e;
    },
  };
  return it as unknown as AsyncGenerator<T>;
}

/**
 * The annotations' indices in image order: a stable counting sort by image position `at`
 * (-1, an image the file lacks, sorts first, so its error comes early).
 */
function imageOrder(at: Int32Array, images: number): Uint32Array {
  const count = at.length;
  const starts = new Uint32Array(images + 2);
  for (let i = 0; i < count; i++) starts[at[i]! + 2]!++;
  for (let k = 1; k < starts.length; k++) starts[k]! += starts[k - 1]!;
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[starts[at[i]! + 1]!++] = i;
  return order;
}

/**
 * Copies annotations' bytes from a seekable file into `window`, each at `slot(k)`: one sequential
 * read of the span `items` (sorted by offset) lie in, through the source's reused buffer.
 * False when the file ended early (it changed since pass 1).
 */
async function gatherRanges(source: ByteSource, items: ArrayLike<number>, offset: ArrayLike<number>, length: ArrayLike<number>, slot: (k: number) => number, window: Uint8Array): Promise<boolean> {
  const n = items.length;
  if (n === 0) return true;
  let lo = Infinity, hi = 0;
  for (let e = 0; e < n; e++) {
    const k = items[e]!;
    if (offset[k]! < lo) lo = offset[k]!;
    if (offset[k]! + length[k]! > hi) hi = offset[k]! + length[k]!;
  }
  let e = 0, pos = lo;
  for await (const c of source.range!(lo, hi)) {
    const end = pos + c.length;
    while (e < n) {
      const k = items[e]!, s0 = offset[k]!, s1 = s0 + length[k]!;
      if (s0 >= end) break;
      const a = Math.max(s0, pos), b = Math.min(s1, end);
      if (b > a) window.set(c.subarray(a - pos, b - pos), slot(k) + (a - s0));
      if (s1 > end) break; // the rest of it comes with the next chunk
      e++;
    }
    pos = end;
  }
  return pos === hi && e === n;
}

// ---------------------------------------------------------------- writing

function crowdValue(a: Annotation, mode: CocoWriteOptions['iscrowd']): 0 | 1 {
  if (mode === '0') return 0;
  if (mode === '1') return 1;
  return a.iscrowd ? 1 : 0;
}

/** What polygon writes changed: annotations, pixels, and the worst IoU. */
interface PolygonLoss { annotations: number; pixels: number; worstIou: number }

/** The polygons to write for `mask`, or undefined where it is written as RLE. */
function polygonsFor(mask: Mask, o: CocoWriteOptions, loss?: PolygonLoss): number[][] | undefined {
  if (o.polygons === 'keep') {
    const polys = polygonSource.get(mask);
    // A first polygon of exactly 4 numbers makes pycocotools' frPyObjects take the list for boxes (TypeError): write RLE then.
    if (polys !== undefined && polys.length > 0 && polys[0]!.length !== 4) return polys;
  }
  // Traced polygons (never 4 numbers: every ring has 4 corners or more). An empty mask has no
  // polygon pycocotools can read: RLE.
  if (o.segmentation !== 'rle' && loss !== undefined && !mask.isEmpty()) {
    const parts = polygonize(mask);
    const holes = parts.some((p) => p.holes.length > 0);
    if (o.segmentation === 'polygons' || !holes) {
      // COCO unites the polygons of a list, and has no holes: bridged rings carry them exactly.
      const rings = holes ? polygonize(mask, { holes: o.polygonHoles }) : parts;
      // Checked, not assumed: what pycocotools draws from the rings against the mask.
      if (holes) {
        const o2 = rasterizeParts(rings, mask.size).overlap(mask);
        if (o2.union !== o2.intersection) {
          loss.annotations++;
          loss.pixels += o2.union - o2.intersection;
          loss.worstIou = Math.min(loss.worstIou, o2.intersection / o2.union);
        }
      }
      return rings.map((r) => r.outer);
    }
  }
  return undefined;
}

/** The counts COCO writes for `mask`: column-major runs (a lone 0 for a mask of no pixels). */
function rleCounts(mask: Mask): Uint32Array {
  return mask.pixels === 0 ? Uint32Array.of(0) : mask.runsView('col');
}

function segmentation(mask: Mask, o: CocoWriteOptions, loss?: PolygonLoss): unknown {
  const polys = polygonsFor(mask, o, loss);
  if (polys !== undefined) return polys;
  const counts = rleCounts(mask);
  return { size: [mask.height, mask.width], counts: o.rle === 'compressed' ? countsToString(counts) : Array.from(counts) };
}

function bboxOf(mask: Mask): number[] {
  const b = mask.bbox();
  return [b.x, b.y, b.width, b.height];
}

/** Keys JSON.stringify would not write in insertion order (array indices come first) or that `k in {}` hides (inherited). */
function plainKey(k: string): boolean {
  if (k in EMPTY) return false;
  const c = k.charCodeAt(0);
  return !(c >= 0x30 && c <= 0x39 && /^(?:0|[1-9][0-9]*)$/.test(k) && Number(k) < 4294967295);
}
const EMPTY = {};

/**
 * One annotation's JSON text written into `out`: the bytes of {@link annotationJson} (a property
 * test holds them equal), without building the object, its string, or the count string. Attributes
 * whose keys JSON.stringify would reorder or the object would not take go the object's way.
 */
export function writeAnnotation(out: TextOut, a: Annotation, o: CocoWriteOptions, path: Path, loss: PolygonLoss, id: Id = a.id, shardPart = false): void {
  const attributes = a.attributes;
  let keys: string[] | undefined;
  if (attributes !== undefined) {
    keys = Object.keys(attributes);
    if (!keys.every(plainKey) || (shardPart && id !== a.id && keys.includes(SHARD_ID_KEY))) {
      out.text(annotationJson(a, o, path, loss, id, shardPart));
      return;
    }
  }
  const mask = a.mask;
  const written: string[] = [];
  let first = true;
  const key = (k: string): void => {
    out.ascii(first ? '{"' : ',"');
    out.ascii(k);
    out.ascii('":');
    first = false;
    written.push(k);
  };
  // A value JSON.stringify leaves out (undefined) leaves its key out too.
  const field = (k: string, v: unknown): void => {
    if (typeof v === 'number' || typeof v === 'string') {
      key(k);
      if (typeof v === 'number') out.jsonNumber(v);
      else out.jsonString(v);
      return;
    }
    const at = out.length, wasFirst = first;
    key(k);
    if (!out.json(v, path)) (out.length = at, (first = wasFirst));
  };
  const seg = (oo: CocoWriteOptions, l?: PolygonLoss): void => {
    const polys = polygonsFor(mask, oo, l);
    key('segmentation');
    if (polys !== undefined) {
      out.json(polys, path);
      return;
    }
    const counts = rleCounts(mask);
    out.ascii('{"size":[');
    out.uint(mask.height);
    out.byte(0x2c);
    out.uint(mask.width);
    out.ascii('],"counts":');
    if (oo.rle === 'compressed') {
      out.jsonCountString(counts);
    } else {
      out.byte(0x5b);
      for (let i = 0; i < counts.length; i++) {
        if (i > 0) out.byte(0x2c);
        out.uint(counts[i]!);
      }
      out.byte(0x5d);
    }
    out.byte(0x7d);
  };
  const box = (): void => {
    const b = mask.bbox();
    key('bbox');
    out.byte(0x5b);
    out.uint(b.x);
    out.byte(0x2c);
    out.uint(b.y);
    out.byte(0x2c);
    out.uint(b.width);
    out.byte(0x2c);
    out.uint(b.height);
    out.byte(0x5d);
  };
  const area = (): void => {
    key('area');
    out.uint(mask.area());
  };
  if (o.format === 'instances') {
    field('id', id);
    field('image_id', a.imageId);
    if (a.categoryId !== undefined) field('category_id', a.categoryId);
    seg(o, loss);
    area();
    box();
    key('iscrowd');
    out.byte(48 + crowdValue(a, o.iscrowd));
    if (a.score !== undefined) field('score', a.score);
  } else if (o.format === 'results') {
    field('image_id', a.imageId);
    if (a.categoryId !== undefined) field('category_id', a.categoryId);
    seg({ ...o, polygons: 'rle' });
    if (a.score !== undefined) field('score', a.score);
    area();
    box();
  } else {
    field('id', id);
    seg({ ...o, polygons: 'rle' });
    area();
    box();
    if (a.score !== undefined) field('score', a.score);
    if (a.categoryId !== undefined) field('category_id', a.categoryId);
  }
  if (keys !== undefined) {
    for (const k of keys) {
      if (written.includes(k)) continue;
      const at = out.length;
      out.ascii(first ? '{' : ',');
      out.jsonString(k);
      out.byte(0x3a);
      // Set on the object even when JSON.stringify leaves it out: it still hides source_id.
      written.push(k);
      if (out.json(attributes![k], path)) first = false;
      else out.length = at;
    }
  }
  // A shard's part leaves source_id to the merge, which knows whether one run renumbers this annotation at all.
  if (id !== a.id && !shardPart && !written.includes('source_id')) field('source_id', a.id);
  // A shard's part says which ids it renumbered, and from what: merge renumbers as one run does (merge.ts).
  if (shardPart && id !== a.id) field(SHARD_ID_KEY, a.id);
  out.ascii(first ? '{}' : '}');
}

/** One annotation as COCO JSON text (known fields first, then its attributes); `id` is the id written. */
export function annotationJson(a: Annotation, o: CocoWriteOptions, path: Path, loss: PolygonLoss, id: Id = a.id, shardPart = false): string {
  const out: Json = {};
  if (o.format === 'instances') {
    out.id = id;
    out.image_id = a.imageId;
    if (a.categoryId !== undefined) out.category_id = a.categoryId;
    out.segmentation = segmentation(a.mask, o, loss);
    out.area = a.mask.area();
    out.bbox = bboxOf(a.mask);
    out.iscrowd = crowdValue(a, o.iscrowd);
    if (a.score !== undefined) out.score = a.score;
  } else if (o.format === 'results') {
    out.image_id = a.imageId;
    if (a.categoryId !== undefined) out.category_id = a.categoryId;
    out.segmentation = segmentation(a.mask, { ...o, polygons: 'rle' });
    if (a.score !== undefined) out.score = a.score;
    out.area = a.mask.area();
    out.bbox = bboxOf(a.mask);
  } else {
    out.id = id;
    out.segmentation = segmentation(a.mask, { ...o, polygons: 'rle' });
    out.area = a.mask.area();
    out.bbox = bboxOf(a.mask);
    if (a.score !== undefined) out.score = a.score;
    if (a.categoryId !== undefined) out.category_id = a.categoryId;
  }
  if (a.attributes) for (const [k, v] of Object.entries(a.attributes)) if (!(k in out)) out[k] = v;
  if (id !== a.id && !shardPart && !('source_id' in out)) out.source_id = a.id;
  // A shard's part says which ids it renumbered, and from what: merge renumbers as one run does (merge.ts).
  if (shardPart && id !== a.id) out[SHARD_ID_KEY] = a.id;
  return stringifyJson(out, path);
}

function imageJson(img: ImageInfo, sa1b: boolean, path: Path = []): string {
  const out: Json = sa1b ? { image_id: img.id } : { id: img.id };
  if (img.fileName !== undefined) out.file_name = img.fileName;
  out.height = img.height;
  out.width = img.width;
  if (img.attributes) for (const [k, v] of Object.entries(img.attributes)) if (!(k in out)) out[k] = v;
  return stringifyJson(out, path);
}

function categoryJson(c: Category, i: number): string {
  const out: Json = { id: c.id, name: c.name };
  if (c.supercategory !== undefined) out.supercategory = c.supercategory;
  if (c.attributes) for (const [k, v] of Object.entries(c.attributes)) if (!(k in out)) out[k] = v;
  return stringifyJson(out, ['categories', i]);
}

/**
 * How the COCO writer laid out a `--jobs` part, for the merge (merge.ts) to copy its annotations
 * without scanning them: the annotation list's elements are bytes [start, end) of the part
 * ("\n{…},\n{…}"), and `ids` the ids written, when none was renumbered (instances). Described
 * twice: `{ start }` once the head is out, then the whole before the closing `\n]}` is yielded.
 */
export interface CocoPartInfo {
  start: number;
  /** Undefined while the writer has described only its head. */
  end?: number;
  ids?: Float64Array;
  renumbered?: boolean;
}

function growF64(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Unique integer annotation ids for the ids a file holds. pycocotools indexes annotations by id,
 * so a repeated id hides a mask (an Encord video object has one id on every frame), and COCOeval
 * stores ids in float arrays, so an id must be a number. The first use of an integer id keeps
 * it; a repeat, or an id that is not a non-negative integer (an Encord objectHash), gets the next
 * integer above every integer id seen (for an in-memory dataset, every id it has), and the writer
 * keeps the old id as `source_id`.
 */
export class IdAssigner {
  private readonly used = new Set<Id>();
  private next = 1;
  renumbered = 0;

  constructor(all?: readonly Annotation[]) {
    if (all) for (const a of all) this.see(a.id);
  }

  /** Notes an id the numbering must stay above (every id of an in-memory dataset, before any is assigned). */
  see(id: Id): void {
    if (typeof id === 'number' && Number.isSafeInteger(id) && id >= this.next) this.next = id + 1;
  }

  assign(id: Id): Id {
    if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 && !this.used.has(id)) {
      this.used.add(id);
      this.see(id);
      return id;
    }
    while (this.used.has(this.next)) this.next++;
    const fresh = this.next++;
    this.used.add(fresh);
    this.renumbered++;
    return fresh;
  }
}

/**
 * Writes a dataset as COCO JSON, chunk by chunk (annotations streamed in batches).
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const dataset = { images: [{ id: 1, height: 3, width: 4 }], categories: [], annotations: [{ id: 1, imageId: 1, mask }] };
 * let text = '';
 * for await (const chunk of writeCocoChunks(dataset, { ...writeOptionsSchema.parse({}) }, () => {})) text += decodeUtf8(chunk);
 * JSON.parse(text).annotations[0].segmentation; // → { size: [3, 4], counts: '11110O30' }
 * ```
 */
export async function* writeCocoChunks(dataset: MaskDataset | MaskDatasetStream, options: CocoWriteOptions, warn: (w: RleWarning) => void, shard?: Shard, describe?: (part: CocoPartInfo) => void): AsyncGenerator<Uint8Array> {
  const o = options;
  const imageById = new Map(dataset.images.map((im) => [im.id, im]));
  const list = Array.isArray(dataset.annotations) ? dataset.annotations : undefined;
  const iterable: AsyncIterable<Annotation> | Iterable<Annotation> = list ?? (dataset.annotations as AsyncIterable<Annotation>);
  const lost = { crowd: 0, ids: 0, noCategory: 0 };
  const polygonLoss: PolygonLoss = { annotations: 0, pixels: 0, worstIou: 1 };
  const withMasks = new Set<Id>();
  const usedCategories = new Set<Id>();
  const check = (a: Annotation, i: number): void => {
    const img = imageById.get(a.imageId);
    if (img === undefined) throw new RleError('DANGLING_REFERENCE', `Annotation refers to image ${short(a.imageId)}, which is not in images`, { path: ['annotations', i, 'imageId'] });
    if (img.height !== a.mask.height || img.width !== a.mask.width) {
      throw new RleError('SIZE_MISMATCH', 'Mask size differs from its image', { path: ['annotations', i], expected: `${img.height}x${img.width}`, received: `${a.mask.height}x${a.mask.width}` });
    }
    withMasks.add(a.imageId);
    if (a.categoryId !== undefined) usedCategories.add(a.categoryId);
    if (a.categoryId === undefined && o.format !== 'sa1b') lost.noCategory++;
    if (o.format === 'results') {
      if (a.iscrowd) lost.crowd++;
      lost.ids++;
    }
    if (o.format === 'sa1b' && a.iscrowd) lost.crowd++;
  };
  let head: string;
  let sep: string;
  if (o.format === 'results') {
    head = '[';
    sep = '\n';
  } else if (o.format === 'sa1b') {
    if (dataset.images.length !== 1) {
      throw new RleError('UNSUPPORTED', 'An SA-1B file holds exactly one image', { expected: '1 image', received: `${dataset.images.length} images` });
    }
    head = `{"image": ${imageJson(dataset.images[0]!, true, ['image'])},\n"annotations": [`;
    sep = '\n';
  } else {
    // A shard's list was cut from the list read (the fields are the whole input's).
    const extras = datasetExtras.get(dataset.images) ?? datasetExtras.get(shardOrigin(dataset.images) ?? {}) ?? {};
    let h = '{';
    if (shard !== undefined) h += `${JSON.stringify(SHARD_IDS_FIELD)}: ${JSON.stringify(list ? 'list' : 'stream')},\n`;
    for (const [k, v] of Object.entries(extras)) h += `${JSON.stringify(k)}: ${stringifyJson(v, [k])},\n`;
    const images = dataset.images.map((im, i) => imageJson(im, false, ['images', i]));
    const categories = dataset.categories.map(categoryJson);
    h += `"images": [${images.length ? '\n' : ''}${images.join(',\n')}],\n"categories": [${categories.length ? '\n' : ''}${categories.join(',\n')}],\n"annotations": [`;
    head = h;
    sep = '\n';
  }
  const headBytes = encodeUtf8(head);
  let written = headBytes.length;
  // The head first (a --jobs join builds the output's head from the parts' heads while they write on).
  if (describe !== undefined && o.format !== 'sa1b') describe({ start: headBytes.length });
  yield headBytes;
  // Annotations are written as bytes into one buffer, handed on at about 1 MiB.
  const out = new TextOut(1 << 20 | 1 << 16);
  let n = 0;
  const ids = o.format === 'results' ? undefined : new IdAssigner(list);
  // For describe (a --jobs part): the ids written, which the merge checks are distinct across the parts.
  let kept: Float64Array | undefined = describe !== undefined && o.format !== 'sa1b' ? new Float64Array(ids ? 1024 : 0) : undefined;
  for await (const a of iterable) {
    check(a, n);
    if (n > 0) out.byte(0x2c);
    out.ascii(sep);
    const id = ids?.assign(a.id);
    if (kept !== undefined && ids !== undefined) {
      if (n === kept.length) kept = growF64(kept);
      kept[n] = id as number; // a number whenever nothing was renumbered (the only case the ids are used)
    }
    writeAnnotation(out, a, o, ['annotations', n], polygonLoss, id, shard !== undefined);
    n++;
    if (out.length > 1 << 20) {
      const chunk = out.take();
      written += chunk.length;
      yield chunk;
    }
  }
  if (kept !== undefined) describe!({ start: headBytes.length, end: written + out.length, ...(ids ? (ids.renumbered === 0 ? { ids: kept.subarray(0, n) } : { renumbered: true }) : {}) });
  out.ascii(o.format === 'results' ? `${n > 0 ? '\n' : ''}]\n` : `${n > 0 ? '\n' : ''}]}\n`);
  yield out.take();
  const say = (count: number, code: string, message: string, capability?: keyof DialectCapabilities): void => {
    if (count > 0) warn({ code, message: `${count} ${message}`, count, ...(capability ? { capability } : {}) });
  };
  if (polygonLoss.annotations > 0) {
    warn({ code: 'not-carried', message: `${polygonLoss.annotations} annotations have holes that COCO polygons cannot hold (polygonHoles fill): ${polygonLoss.pixels} pixels changed, worst IoU ${polygonLoss.worstIou.toFixed(6)}`, count: polygonLoss.annotations });
  }
  if (o.segmentation !== 'rle' && o.format !== 'instances') {
    warn({ code: 'not-carried', message: `segmentation ${o.segmentation} applies to instances files; ${o.format} files are written as RLE` });
  }
  say(lost.noCategory, 'missing-category', 'annotations have no category; written without category_id');
  say(lost.crowd, 'not-carried', `crowd flags cannot be written to ${o.format} files`, 'crowd');
  say(lost.ids, 'not-carried', 'annotation ids cannot be written to results files (COCO assigns 1..n on load)', 'instanceIds');
  if (ids !== undefined) say(ids.renumbered, 'renumbered-ids', 'annotations have an id that is not an integer or repeats one written before (COCO ids are unique integers): given new ids, the old id kept as source_id');
  if (o.format === 'results' || o.format === 'sa1b') {
    // Neither has a categories list: a category is its id.
    say(dataset.categories.filter((c) => usedCategories.has(c.id) && c.name !== String(c.id)).length, 'not-carried', `category names cannot be written to ${o.format} files (categories are ids there)`, 'categoryNames');
    say(dataset.categories.filter((c) => usedCategories.has(c.id) && hasCategoryAttributes(c)).length, 'not-carried', `category attributes (supercategory, colour, ...) cannot be written to ${o.format} files`, 'categoryAttributes');
    say(dataset.categories.filter((c) => !usedCategories.has(c.id)).length, 'not-carried', `categories without masks cannot be written to ${o.format} files`, 'unusedCategories');
  } else {
    // COCO categories have no colour (panoptic's is not read back as one).
    say(dataset.categories.filter((c) => c.color !== undefined).length, 'not-carried', 'category colours cannot be written to COCO files', 'categoryAttributes');
  }
  if (o.format === 'results') {
    say(dataset.images.filter((im) => im.fileName !== undefined).length, 'not-carried', 'image file names cannot be written to results files', 'fileNames');
    say(dataset.images.length - withMasks.size, 'not-carried', 'images without masks cannot be written to results files', 'emptyImages');
    say(dataset.images.filter((im) => im.attributes !== undefined && Object.keys(im.attributes).length > 0).length, 'not-carried', 'image attributes cannot be written to results files', 'imageAttributes');
  }
}

async function collectChunks(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const c of chunks) {
    parts.push(c);
    total += c.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Text of a whole dataset as COCO JSON (small datasets; use writeStream for large ones).
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const text = await formatCocoJson({ images: [{ id: 1, height: 3, width: 4 }], categories: [], annotations: [{ id: 1, imageId: 1, mask }] });
 * const a = JSON.parse(text).annotations[0];
 * [a.area, a.bbox]; // → [5, [0, 0, 4, 3]]
 * ```
 */
export async function formatCocoJson(dataset: MaskDataset | MaskDatasetStream, options: Partial<CocoWriteOptions> = {}, warn: (w: RleWarning) => void = () => {}): Promise<string> {
  return decodeUtf8(await collectChunks(writeCocoChunks(dataset, parseOptions(writeOptionsSchema, options), warn)));
}

// ---------------------------------------------------------------- the dialect

function toSource(input: Uint8Array | ByteSource): ByteSource {
  if (input instanceof Uint8Array) {
    return { kind: 'bytes', name: 'input', size: input.length, async *stream() { yield input; } };
  }
  return input;
}

const warnOf = (context?: DialectContext): ((w: RleWarning) => void) => context?.warn ?? (() => {});

export const dialect: Dialect<CocoReadOptions, CocoWriteOptions> = {
  id: 'coco',
  title: 'COCO RLE JSON (instances, results, SA-1B)',
  extensions: ['.json'],
  capabilities: {
    categories: true, categoryIds: true, categoryNames: true, categoryAttributes: true, unusedCategories: true,
    instanceIds: true, scores: true, crowd: true, attributes: true,
    multipleImages: true, overlap: true, emptyImages: true, imageIds: true, fileNames: true, imageAttributes: true,
  },
  readOptions: readOptionsSchema,
  writeOptions: writeOptionsSchema,
  input: 'file',
  output: 'file',
  readsShards: true,
  sniff(head: Uint8Array): number {
    return sniffCoco(head).confidence;
  },
  sniffDetail: sniffCoco,
  async read(input: DialectInput, options?: Partial<CocoReadOptions>, context?: DialectContext): Promise<MaskDataset> {
    const o = parseOptions(readOptionsSchema, options);
    if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'COCO reads a file, not a folder', { received: input.name });
    const warn = warnOf(context);
    const streamed = async (): Promise<MaskDataset> => collectDataset(await readCocoStream(toSource(input), o.format, warn, o.groupByImage, REGROUP_BYTES, undefined, context?.recover));
    const size = input instanceof Uint8Array ? input.length : input.size;
    if (size !== undefined && size > o.inMemoryBytes) return streamed();
    let bytes: Uint8Array;
    try {
      bytes = await readAllBytes(input, o.inMemoryBytes);
    } catch (e) {
      // Larger than announced: stream-parse instead.
      if (e instanceof RleError && e.code === 'LIMIT_EXCEEDED') return streamed();
      throw e;
    }
    let text: string;
    try {
      text = decodeUtf8(bytes);
    } catch (e) {
      // Past V8's longest string (an inMemoryBytes set above ~512 MiB): stream-parse instead.
      if (e instanceof RangeError) return streamed();
      throw e;
    }
    return datasetFromJson(parseJson(text, 'COCO JSON'), o.format, warn, context?.recover);
  },
  async readStream(input: DialectInput, options?: Partial<CocoReadOptions>, context?: DialectContext): Promise<MaskDatasetStream> {
    const o = parseOptions(readOptionsSchema, options);
    if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'COCO reads a file, not a folder', { received: input.name });
    if (context?.plan !== undefined && context.recover === undefined && !(input instanceof Uint8Array)) return readCocoPlanned(input, context.plan as CocoShardPlan, warnOf(context), context.maskOrder);
    return readCocoStream(toSource(input), o.format, warnOf(context), o.groupByImage, REGROUP_BYTES, context?.shard, context?.recover, false, context?.maskOrder);
  },
  async planShards(input: DialectInput, options: Partial<CocoReadOptions> | undefined, shards: readonly Shard[], context?: DialectContext): Promise<unknown[] | undefined> {
    const o = parseOptions(readOptionsSchema, options);
    if (isFolderSource(input) || input instanceof Uint8Array || context?.recover !== undefined) return undefined;
    return planCocoShards(input, o.format, o.groupByImage, shards, context?.planHelpers as PlanHelpers | undefined);
  },
  async planPiece(input: DialectInput, piece: unknown): Promise<unknown> {
    if (isFolderSource(input) || input instanceof Uint8Array || input.range === undefined || input.size === undefined) throw new RleError('IO', 'A plan piece needs a seekable file');
    return scanPiece(input, piece as ScanPiece);
  },
  async write(dataset: MaskDataset | MaskDatasetStream, options?: Partial<CocoWriteOptions>, context?: DialectContext): Promise<Uint8Array> {
    return collectChunks(writeCocoChunks(dataset, parseOptions(writeOptionsSchema, options), warnOf(context), context?.shard));
  },
  writeStream(dataset: MaskDataset | MaskDatasetStream, options?: Partial<CocoWriteOptions>, context?: DialectContext): AsyncIterable<Uint8Array> {
    return writeCocoChunks(dataset, parseOptions(writeOptionsSchema, options), warnOf(context), context?.shard, context?.describePart);
  },
  merge: (parts, context) => mergeCoco(parts, context),
  // SA-1B files hold one image: nothing to join.
  joinParts: (options, context) => (options.format === 'sa1b' ? undefined : cocoJoin(context?.shardPart === true)),
};

/**
 * True when `mask` was rasterised from COCO polygons that the writer can emit again.
 * @example
 * ```ts
 * // The polygons a mask was read from, kept so a COCO → COCO conversion writes them back as given.
 * const dataset = datasetFromJson({ images: [{ id: 1, height: 3, width: 4 }], annotations: [{ id: 1, image_id: 1, segmentation: [[0.5, 0.5, 3.5, 0.5, 3.5, 2.5]] }] });
 * polygonsOf(dataset.annotations[0].mask); // → [[0.5, 0.5, 3.5, 0.5, 3.5, 2.5]]
 * polygonsOf(Mask.empty({ height: 3, width: 4 })); // → undefined
 * ```
 */
export function polygonsOf(mask: Mask): number[][] | undefined {
  return polygonSource.get(mask);
}

export { polygonCounts };
