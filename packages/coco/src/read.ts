/**
 * COCO JSON into the dataset model: the checks every COCO read makes (images, categories,
 * annotations of instances, results and SA-1B files), shared by the in-memory read here and the
 * streamed read (read-stream.ts).
 */
import { checkSize, describeValue, Mask, MAX_MASK_PIXELS, RleError, SeenIds, type Annotation, type Category, type Id, type ImageInfo, type MaskDataset, type RleWarning, type Order } from '@rlekit/core';
import { decode, type CocoRle } from './rle.js';
import { polygonsToMask } from './polygon.js';
import type { CocoFormat } from './options.js';

export type Path = (string | number)[];
export type Json = Record<string, unknown>;
// Polygons a Mask was rasterised from, so a COCO → COCO conversion can write them back.
// Keyed by the immutable Mask: any operation that changes pixels makes a new Mask. A streamed
// read keeps them as the Float64Arrays it parsed them into; they are lists again when asked for.
// They hang off the mask under a private symbol (non-enumerable, read-only) rather than in a
// WeakMap: a million-entry WeakMap is an ephemeron table every GC walks (4 % of a conversion).
const POLYGONS = Symbol('rlekit.coco.polygons');
type WithPolygons = Mask & { [POLYGONS]?: readonly ArrayLike<number>[] };
export const polygonSource = {
  set(mask: Mask, polygons: readonly ArrayLike<number>[]): void {
    Object.defineProperty(mask, POLYGONS, { value: polygons });
  },
  get(mask: Mask): number[][] | undefined {
    const p = (mask as WithPolygons)[POLYGONS];
    return p === undefined ? undefined : p.map((q) => (Array.isArray(q) ? q : Array.from(q)));
  },
  /** As read (Float64Arrays): for a writer that writes the numbers itself. */
  raw(mask: Mask): readonly ArrayLike<number>[] | undefined {
    return (mask as WithPolygons)[POLYGONS];
  },
};
// Top-level fields (info, licenses) that the dataset model has no place for; only a COCO writer uses them.
export const datasetExtras = new WeakMap<object, Json>();

export const short = describeValue;

export function fail(path: Path, expected: string, received: unknown): never {
  throw new RleError('INVALID_STRUCTURE', 'Invalid COCO JSON', { path, expected, received: short(received) });
}

function obj(v: unknown, path: Path): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
  return v as Json;
}

export function id(v: unknown, path: Path): Id {
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
export function refusePanoptic(annotation: unknown, path: Path): void {
  if (typeof annotation !== 'object' || annotation === null) return;
  const a = annotation as Json;
  if (Array.isArray(a.segments_info) && typeof a.file_name === 'string' && a.segmentation === undefined) {
    throw new RleError('UNSUPPORTED', 'This is a COCO panoptic file (annotations are PNG file names with segments_info, masks live in the PNGs): read it with --from coco-panoptic', {
      path: [...path, 'segments_info'],
      expected: 'COCO instances, results or SA-1B JSON; a panoptic JSON with its PNG folder is the coco-panoptic dialect (--from coco-panoptic)',
    });
  }
}

export function rest(o: Json, known: readonly string[]): Record<string, unknown> | undefined {
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

/** Turns parsed COCO JSON values into the dataset model, keeping counts for summary warnings. */
export class Reader {
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
    if (c.duplicateIds > 0) this.warn({ ...duplicateIdWarning(c.duplicateIds), ...(this.firstDuplicate === undefined ? {} : { path: this.firstDuplicate }) });
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

export function keepExtras(images: object, extras: Json | undefined, warn: (w: RleWarning) => void): void {
  if (extras === undefined) return;
  datasetExtras.set(images, extras);
  const keys = Object.keys(extras);
  warn({ code: 'not-carried', message: `top-level ${keys.join(', ')} ${keys.length === 1 ? 'is' : 'are'} carried only to a COCO output of the same conversion`, count: keys.length });
}

/** What a read says of annotations whose id was used before in the file (the merge of shards says it too: ids can repeat across shards). */
export function duplicateIdWarning(count: number): RleWarning {
  return { code: 'duplicate-id', message: `${count} annotations have an id used before in the file (pycocotools keeps only the last of each); kept as they are`, count };
}
