/**
 * Every problem of a dataset at once, instead of the first: what the masks, ids and references
 * say about themselves, checked one annotation at a time so a stream of any size is checked in
 * bounded memory (ids are kept, masks are not).
 */
import type { Annotation, Id, MaskDataset, MaskDatasetStream } from './dataset.js';
import { isDatasetStream } from './dataset.js';
import { components } from './geometry/components.js';
import type { Mask } from './mask.js';

/** How bad a problem is: an `error` breaks a reader or a metric, a `warning` is suspicious. */
export type ProblemSeverity = 'error' | 'warning';

/** One problem found by {@link checkDataset}. */
export interface Problem {
  /** Stable code (`empty-mask`, `duplicate-annotation-id`, ...); see docs/cli.md. */
  code: string;
  severity: ProblemSeverity;
  message: string;
  /**
   * Where: `['annotations', 'id=7']`, `['images', 'id=1']`, ... — by id, since a stream has no
   * positions (a reader's own errors give the position instead: `['annotations', 6, 'segmentation']`).
   */
  path: (string | number)[];
  /** What `--fix` does about it, when it is safe to do automatically. */
  fix?: 'drop-annotation' | 'renumber-id';
}

export interface CheckOptions {
  /** The target forbids overlapping masks on one image (a Kaggle preset with `overlap: forbidden`, PNG label maps, ...). */
  overlapForbidden?: boolean;
  /** Parts smaller than this many pixels in a multi-part mask are reported as fragments (default 4). */
  fragmentArea?: number;
  /** Connectivity of parts (default 8). */
  connectivity?: 4 | 8;
  /** Report at most this many problems per code (default 1000; the count goes on). */
  maxPerCode?: number;
}

export interface CheckReport {
  problems: Problem[];
  /** Problems per code, including those past `maxPerCode`. */
  counts: Record<string, { severity: ProblemSeverity; count: number }>;
  images: number;
  annotations: number;
}

const key = (id: Id) => `${typeof id}:${String(id)}`;

/**
 * A mask looks inverted when its foreground reaches all four borders and covers most of the image:
 * a background/foreground swap (Encord's v0.1.153–157 exports, a PNG read with the wrong polarity).
 */
function looksInverted(m: Mask): boolean {
  const b = m.bbox();
  return m.area() > 0.5 * m.height * m.width && b.x === 0 && b.y === 0 && b.x + b.width === m.width && b.y + b.height === m.height;
}

/**
 * What {@link checkShard} found in one shard of a dataset's annotations: everything except what
 * needs every shard (duplicate annotation ids, unused categories), which {@link mergeCheckShards}
 * works out from the ids and category keys kept here.
 */
export interface CheckShard {
  /** The first shard's: the header's problems (duplicate image and category ids), the image count and the categories. */
  header?: { problems: Problem[]; images: number; categories: { id: Id; name: string }[] };
  /** Each annotation's id, in order. */
  ids: Id[];
  /** Keys of the category ids the annotations use. */
  used: string[];
  /** The annotations' own problems in order, at most `maxPerCode` per code; `at[k]` is the annotation (index into `ids`) of `problems[k]`. */
  problems: Problem[];
  at: number[];
  /** Problems per code, including those past `maxPerCode`. */
  counts: Record<string, { severity: ProblemSeverity; count: number }>;
}

/**
 * Checks one shard of a dataset: `dataset` gives the whole input's images and categories (ids
 * are looked up there), `annotations` the shard's, in the order one check would meet them.
 * Shards of consecutive images, checked side by side and merged in order by
 * {@link mergeCheckShards}, report exactly what {@link checkDataset} reports for the whole.
 * Only each annotation's id is kept, not its mask (bounded memory on a stream).
 * @example
 * ```ts
 * const size = { height: 2, width: 3 };
 * const dataset = { images: [{ id: 1, ...size }, { id: 2, ...size }], categories: [] };
 * const one = { id: 7, imageId: 1, mask: Mask.fromBitmap([1, 0, 0, 0, 0, 0], size, 'row') };
 * const two = { id: 7, imageId: 2, mask: Mask.fromBitmap([0, 0, 0, 0, 1, 1], size, 'row') };
 * // Image 1 in the first shard, image 2 in the second: each sees one annotation of id 7.
 * const first = await checkShard(dataset, [one], { header: true });
 * const second = await checkShard(dataset, [two]);
 * [first.ids, second.problems.length]; // → [[7], 0]
 * ```
 */
export async function checkShard(
  dataset: Pick<MaskDataset, 'images' | 'categories'>,
  annotations: Iterable<Annotation> | AsyncIterable<Annotation>,
  options: CheckOptions & { header?: boolean } = {},
): Promise<CheckShard> {
  const maxPerCode = options.maxPerCode ?? 1000;
  const fragmentArea = options.fragmentArea ?? 4;
  const problems: Problem[] = [];
  const at: number[] = [];
  const counts: CheckShard['counts'] = {};
  let index = -1;
  const report = (p: Problem) => {
    const c = (counts[p.code] ??= { severity: p.severity, count: 0 });
    c.count++;
    if (c.count <= maxPerCode) (problems.push(p), at.push(index));
  };
  const images = new Map<string, { height: number; width: number; id: Id }>();
  const headerProblems: Problem[] = [];
  for (const im of dataset.images) {
    if (images.has(key(im.id))) headerProblems.push({ code: 'duplicate-image-id', severity: 'error', message: `Image id ${String(im.id)} is used by more than one image`, path: ['images', `id=${String(im.id)}`] });
    else images.set(key(im.id), { height: im.height, width: im.width, id: im.id });
  }
  const categories = new Set<string>();
  for (const c of dataset.categories) {
    if (categories.has(key(c.id))) headerProblems.push({ code: 'duplicate-category-id', severity: 'error', message: `Category id ${String(c.id)} is used by more than one category`, path: ['categories', `id=${String(c.id)}`] });
    categories.add(key(c.id));
  }
  const ids: Id[] = [];
  const used = new Set<string>();
  // Masks of the image being read, for the overlap check: annotations come grouped by image in
  // most files, so only the current image's masks are kept (memory stays bounded on a stream; an
  // interleaved file is checked within each consecutive group). A shard starts a new group: its
  // first image differs from the previous shard's last.
  let current = '';
  let imageMasks: Mask[] = [];
  const check = (a: Annotation) => {
    index++;
    ids.push(a.id);
    const where = ['annotations', `id=${String(a.id)}`];
    const image = images.get(key(a.imageId));
    if (!image) report({ code: 'dangling-image', severity: 'error', message: `Annotation ${String(a.id)} refers to image ${String(a.imageId)}, which the file does not define`, path: [...where, 'imageId'] });
    else if (image.height !== a.mask.height || image.width !== a.mask.width) {
      report({ code: 'size-mismatch', severity: 'error', message: `Annotation ${String(a.id)} is ${a.mask.height}x${a.mask.width}, its image ${image.height}x${image.width}`, path: where });
    }
    if (a.categoryId !== undefined) {
      used.add(key(a.categoryId));
      if (!categories.has(key(a.categoryId))) report({ code: 'dangling-category', severity: 'error', message: `Annotation ${String(a.id)} refers to category ${String(a.categoryId)}, which the file does not define`, path: [...where, 'categoryId'] });
    }
    const m = a.mask;
    const area = m.area();
    if (area === 0) {
      report({ code: 'empty-mask', severity: 'warning', message: `Annotation ${String(a.id)} has no pixels`, path: where, fix: 'drop-annotation' });
      return;
    }
    if (looksInverted(m)) report({ code: 'looks-inverted', severity: 'warning', message: `Annotation ${String(a.id)} covers ${((100 * area) / (m.height * m.width)).toFixed(0)}% of its image and touches all four borders: foreground and background may be swapped`, path: where });
    const parts = components(m, { connectivity: options.connectivity ?? 8 });
    if (parts.length > 1) {
      const tiny = parts.filter((p) => p.area() < fragmentArea).length;
      report({ code: 'multi-part', severity: 'warning', message: `Annotation ${String(a.id)} has ${parts.length} separate parts`, path: where });
      if (tiny > 0) report({ code: 'tiny-fragments', severity: 'warning', message: `Annotation ${String(a.id)} has ${tiny} part${tiny === 1 ? '' : 's'} smaller than ${fragmentArea} pixels`, path: where });
    }
    // A mask of another size than its image (reported above) is compared with nothing: overlap needs one grid.
    if (options.overlapForbidden && image && !a.iscrowd && image.height === m.height && image.width === m.width) {
      const k = key(a.imageId);
      if (k !== current) {
        current = k;
        imageMasks = [];
      }
      const box = m.bbox();
      for (const o of imageMasks) {
        const ob = o.bbox();
        if (box.x >= ob.x + ob.width || ob.x >= box.x + box.width || box.y >= ob.y + ob.height || ob.y >= box.y + box.height) continue;
        const { intersection } = m.overlap(o);
        if (intersection > 0) {
          report({ code: 'overlap', severity: 'error', message: `Annotation ${String(a.id)} overlaps another mask of image ${String(a.imageId)} in ${intersection} pixels, which the target forbids`, path: where });
          break;
        }
      }
      imageMasks.push(m);
    }
  };
  if (Symbol.asyncIterator in annotations) for await (const a of annotations) check(a);
  else for (const a of annotations) check(a);
  return {
    ...(options.header ? { header: { problems: headerProblems, images: dataset.images.length, categories: dataset.categories.map((c) => ({ id: c.id, name: c.name })) } } : {}),
    ids, used: [...used], problems, at, counts,
  };
}

/**
 * Joins the shards' findings, given in shard order (the first with its header), into the report
 * {@link checkDataset} gives for the whole: the same problems in the same order, the same counts.
 * @example
 * ```ts
 * const size = { height: 2, width: 3 };
 * const dataset = { images: [{ id: 1, ...size }, { id: 2, ...size }], categories: [] };
 * const one = { id: 7, imageId: 1, mask: Mask.fromBitmap([1, 0, 0, 0, 0, 0], size, 'row') };
 * const two = { id: 7, imageId: 2, mask: Mask.fromBitmap([0, 0, 0, 0, 1, 1], size, 'row') };
 * const parts = [await checkShard(dataset, [one], { header: true }), await checkShard(dataset, [two])];
 * // The repeated id spans the shards: the merge finds it, as one check of both would.
 * mergeCheckShards(parts).counts; // → { 'duplicate-annotation-id': { severity: 'error', count: 1 } }
 * ```
 */
export function mergeCheckShards(shards: readonly CheckShard[], options: Pick<CheckOptions, 'maxPerCode'> = {}): CheckReport {
  const maxPerCode = options.maxPerCode ?? 1000;
  const header = shards[0]?.header;
  if (!header) throw new TypeError('mergeCheckShards: the first shard must carry the header (checkShard with header: true)');
  const problems: Problem[] = [];
  const counts: CheckReport['counts'] = {};
  const report = (p: Problem) => {
    const c = (counts[p.code] ??= { severity: p.severity, count: 0 });
    c.count++;
    if (c.count <= maxPerCode) problems.push(p);
  };
  for (const p of header.problems) report(p);
  const seen = new Set<string>();
  const used = new Set<string>();
  let annotations = 0;
  for (const s of shards) {
    const kept: Record<string, number> = {};
    let k = 0;
    for (let i = 0; i < s.ids.length; i++) {
      const id = s.ids[i]!;
      // Only the merge sees every id before this one.
      if (seen.has(key(id))) report({ code: 'duplicate-annotation-id', severity: 'error', message: `Annotation id ${String(id)} is used more than once (COCO tools index only one of them)`, path: ['annotations', `id=${String(id)}`], fix: 'renumber-id' });
      seen.add(key(id));
      for (; k < s.at.length && s.at[k] === i; k++) {
        const p = s.problems[k]!;
        kept[p.code] = (kept[p.code] ?? 0) + 1;
        report(p);
      }
    }
    // The shard's problems past its own maxPerCode come after the ones it kept: counted, not listed.
    for (const [code, c] of Object.entries(s.counts)) counts[code]!.count += c.count - (kept[code] ?? 0);
    for (const u of s.used) used.add(u);
    annotations += s.ids.length;
  }
  for (const c of header.categories) {
    if (!used.has(key(c.id))) report({ code: 'unused-category', severity: 'warning', message: `Category ${String(c.id)} (${c.name}) has no masks`, path: ['categories', `id=${String(c.id)}`] });
  }
  return { problems, counts, images: header.images, annotations };
}

/**
 * Checks a dataset (or a stream of one) and reports every problem, grouped by code.
 *
 * @example
 * ```ts
 * const size = { height: 2, width: 3 };
 * const dataset = {
 *   images: [{ id: 1, ...size }],
 *   categories: [{ id: 1, name: 'leaf' }],
 *   annotations: [
 *     { id: 1, imageId: 1, categoryId: 1, mask: Mask.fromBitmap([1, 1, 0, 0, 1, 0], size, 'row') },
 *     { id: 2, imageId: 1, categoryId: 1, mask: Mask.fromBitmap([0, 1, 1, 0, 0, 0], size, 'row') },
 *     { id: 2, imageId: 1, categoryId: 1, mask: Mask.empty(size) },
 *   ],
 * };
 * const report = await checkDataset(dataset, { overlapForbidden: true });
 * Object.keys(report.counts).sort(); // → ['duplicate-annotation-id', 'empty-mask', 'overlap']
 * report.problems[0].path;           // → ['annotations', 'id=2']
 * ```
 */
export async function checkDataset(dataset: MaskDataset | MaskDatasetStream, options: CheckOptions = {}): Promise<CheckReport> {
  // One shard, merged: the report N shards merged give is this one by construction.
  const shard = await checkShard(dataset, isDatasetStream(dataset) ? dataset.annotations : dataset.annotations, { ...options, header: true });
  return mergeCheckShards([shard], options);
}
