/** COCO JSON written from the dataset model: in one piece or as a stream of chunks, and each shard's part for --jobs. */
import { collectBytes, concatBytes, decodeUtf8, encodeUtf8, hasCategoryAttributes, Mask, polygonize, rasterizeParts, RleError, stringifyJson, TextOut, shardOrigin, type Shard, type Annotation, type Category, type DialectCapabilities, type Id, type ImageInfo, type MaskDataset, type MaskDatasetStream, type RleWarning } from '@rlekit/core';
import { countsToString } from './rle.js';
import { SHARD_ID_KEY, SHARD_IDS_FIELD } from './merge.js';
import { parseOptions, writeOptionsSchema, type CocoWriteOptions } from './options.js';
import { datasetExtras, polygonSource, short, type Json, type Path } from './read.js';

function crowdValue(a: Annotation, mode: CocoWriteOptions['iscrowd']): 0 | 1 {
  if (mode === '0') return 0;
  if (mode === '1') return 1;
  return a.iscrowd ? 1 : 0;
}

/** What polygon writes changed: annotations, pixels, and the worst IoU. */
interface PolygonLoss { annotations: number; pixels: number; worstIou: number }

/** The polygons to write for `mask`, or undefined where it is written as RLE. */
function polygonsFor(mask: Mask, o: CocoWriteOptions, loss?: PolygonLoss): readonly ArrayLike<number>[] | undefined {
  if (o.polygons === 'keep') {
    const polys = polygonSource.raw(mask);
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
  if (polys !== undefined) return polys.map((q) => (Array.isArray(q) ? q : Array.from(q)));
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
      // The numbers as JSON.stringify writes them, from the Float64Arrays the read kept (no arrays made).
      out.byte(0x5b);
      for (let k = 0; k < polys.length; k++) {
        if (k > 0) out.byte(0x2c);
        out.jsonNumbers(polys[k]!);
      }
      out.byte(0x5d);
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
  /** Where the head's parts are (instances), so a join splices the heads instead of parsing them (merge.ts). */
  head?: CocoHeadLayout;
}

/**
 * Byte ranges [start, end) in an instances part's head: its images list's elements ("\n{…},\n{…}",
 * empty for none) and the shard-ids line a shard's part opens with.
 */
export interface CocoHeadLayout {
  images: [number, number];
  shardLine?: [number, number];
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
  let head: string | Uint8Array[];
  let sep: string;
  let headLayout: CocoHeadLayout | undefined;
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
    const shardLine = shard !== undefined ? `${JSON.stringify(SHARD_IDS_FIELD)}: ${JSON.stringify(list ? 'list' : 'stream')},\n` : '';
    let h = `{${shardLine}`;
    for (const [k, v] of Object.entries(extras)) h += `${JSON.stringify(k)}: ${stringifyJson(v, [k])},\n`;
    h += '"images": [';
    const images = dataset.images.map((im, i) => imageJson(im, false, ['images', i]));
    const categories = dataset.categories.map(categoryJson);
    // Encoded piece by piece (each ends at an ASCII character): the byte ranges a --jobs join splices.
    const pieces = [encodeUtf8(h), encodeUtf8(`${images.length ? '\n' : ''}${images.join(',\n')}`), encodeUtf8(`],\n"categories": [${categories.length ? '\n' : ''}${categories.join(',\n')}],\n"annotations": [`)];
    const before = pieces[0]!.length;
    headLayout = { images: [before, before + pieces[1]!.length], ...(shardLine ? { shardLine: [1, 1 + encodeUtf8(shardLine).length] } : {}) };
    head = pieces;
    sep = '\n';
  }
  const headBytes = typeof head === 'string' ? encodeUtf8(head) : concatBytes(head);
  let written = headBytes.length;
  // The head first (a --jobs join builds the output's head from the parts' heads while they write on).
  if (describe !== undefined && o.format !== 'sa1b') describe({ start: headBytes.length, ...(headLayout ? { head: headLayout } : {}) });
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
  if (kept !== undefined) describe!({ start: headBytes.length, end: written + out.length, ...(headLayout ? { head: headLayout } : {}), ...(ids ? (ids.renumbered === 0 ? { ids: kept.subarray(0, n) } : { renumbered: true }) : {}) });
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
  if (ids !== undefined && ids.renumbered > 0) warn(renumberedIdsWarning(ids.renumbered));
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
  return decodeUtf8(await collectBytes(writeCocoChunks(dataset, parseOptions(writeOptionsSchema, options), warn)));
}

/** What a write says of the ids it renumbered (the merge of shards says it too: one run's numbering is known only there). */
export function renumberedIdsWarning(count: number): RleWarning {
  return { code: 'renumbered-ids', message: `${count} annotations have an id that is not an integer or repeats one written before (COCO ids are unique integers): given new ids, the old id kept as source_id`, count };
}
