/**
 * Shards: a deterministic part of a dataset's images, so a conversion can be split over
 * processes or machines and the parts joined again (a dialect's `merge`) into exactly what one
 * run writes.
 *
 * Shard `index` of `count` holds the images at positions [floor(index·N/count),
 * floor((index+1)·N/count)) of the input's image list (N images): a contiguous range, by index.
 * Why by index and not by a hash of the image id: the parts of a run in image order are then
 * consecutive pieces of its output, so joining them is concatenation — streamed, without parsing
 * a mask or holding an index of the images — and every shard gets the same number of images
 * (±1). The input's own bytes decide the split, so it is the same on every machine; an input
 * whose images come in another order is a different input (a hash would survive that, but its
 * merge would need the input's image order, which only the input has).
 */
import { RleError } from './errors.js';
import { isDatasetStream, type Annotation, type Id, type MaskDataset, type MaskDatasetStream } from './dataset.js';

/** Shard `index` (0-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * Parses `i/n` (0 ≤ i < n): shard i of n, 0-based as SLURM_ARRAY_TASK_ID (--array=0-(n-1)) and JOB_COMPLETION_INDEX count.
 * @example
 * ```ts
 * parseShard('2/4'); // → { index: 2, count: 4 }
 * ```
 */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d{1,9})\s*\/\s*(\d{1,9})\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new RleError('INVALID_OPTION', 'Invalid --shard', { path: ['shard'], expected: 'i/n with 0 <= i < n (shard 0/4 is the first of four)', received: text.length > 40 ? `${text.slice(0, 40)}...` : text });
  }
  return { index, count };
}

/**
 * The image positions [start, end) of a shard of `images` images.
 * @example
 * ```ts
 * // Shard 1 of 3 over 10 images: positions 3 to 5, contiguous, the same on every machine.
 * shardRange({ index: 1, count: 3 }, 10); // → [3, 6]
 * ```
 */
export function shardRange(shard: Shard, images: number): [number, number] {
  return [Math.floor((shard.index * images) / shard.count), Math.floor(((shard.index + 1) * images) / shard.count)];
}

/**
 * Which shard's reader owns the annotation of an image at `position` (-1: an image the dataset
 * lacks). Annotations that refer to no image go to shard 0, whose run reports them as one run would.
 * @example
 * ```ts
 * inShard({ index: 1, count: 3 }, 10, 4); // → true
 * // Annotations of no image go to shard 0, whose run reports them.
 * inShard({ index: 0, count: 3 }, 10, -1); // → true
 * ```
 */
export function inShard(shard: Shard, images: number, position: number): boolean {
  if (position < 0) return shard.index === 0;
  const [start, end] = shardRange(shard, images);
  return position >= start && position < end;
}

export interface ShardDatasetOptions {
  /**
   * The annotations must come in image order (a writer that writes them in the order they come:
   * the shards' outputs are consecutive pieces of one run's only then). An annotation of an
   * earlier image after a later one is an UNSUPPORTED error.
   */
  requireImageOrder?: boolean;
}

// A shard's image list → the whole input's, for what a dialect keeps beside the list it read (COCO's top-level fields).
const wholeLists = new WeakMap<object, object>();

/**
 * The image list a shard's list was cut from (by {@link shardDataset}), if it was.
 * @example
 * ```ts
 * const size = { height: 1, width: 1 };
 * const dataset = { images: [{ id: 1, ...size }, { id: 2, ...size }], categories: [], annotations: [] };
 * const part = shardDataset(dataset, { index: 1, count: 2 });
 * shardOrigin(part.images) === dataset.images; // → true
 * ```
 */
export function shardOrigin<T extends object>(images: T): T | undefined {
  return wholeLists.get(images) as T | undefined;
}

// Image lists a planned reader was handed already cut to one shard (a --jobs plan gives each worker
// only its own images: a copy of every image per thread was most of a worker's memory at 1 GB).
// Marked on the list itself under a registered symbol, not in a WeakMap of this module: a reader
// and shardDataset from two copies of the package must agree, or a cut list would be cut again.
const CUT = Symbol.for('@rlekit/core:shard-cut');
const cutOf = (images: object): Shard | undefined => (images as { [CUT]?: Shard })[CUT];

/**
 * Marks `images` as already the images of `shard` (a reader read by a plan that held only them):
 * {@link shardDataset} then keeps the list as it is instead of cutting it again.
 * @example
 * ```ts
 * const size = { height: 1, width: 1 };
 * const images = [{ id: 'c', ...size }, { id: 'd', ...size }];
 * markShardImages(images, { index: 1, count: 2 });
 * const part = shardDataset({ images, categories: [], annotations: [{ id: 1, imageId: 'd', mask: Mask.full(size) }] }, { index: 1, count: 2 }) as { images: unknown[]; annotations: unknown[] };
 * [part.images === images, part.annotations.length]; // → [true, 1]
 * ```
 */
export function markShardImages(images: object, shard: Shard): void {
  // Not enumerable: JSON, copies and structured clones of the list do not carry it.
  Object.defineProperty(images, CUT, { value: { index: shard.index, count: shard.count }, configurable: true });
}

/**
 * The images a `--jobs` plan hands a shard's reader: a later shard's own only, with the shard as
 * `cut` (its reader marks the list with {@link markShardImages}); the first shard's, every image
 * (its reader answers for the whole file where one run would: check's and inspect's header).
 * @example
 * ```ts
 * const size = { height: 1, width: 1 };
 * const images = [{ id: 1, ...size }, { id: 2, ...size }, { id: 3, ...size }, { id: 4, ...size }];
 * planImages(images, { index: 1, count: 2 }, false).images.map((im) => im.id); // → [3, 4]
 * planImages(images, { index: 0, count: 2 }, true).images.length; // → 4
 * ```
 */
export function planImages<T>(images: T[], shard: Shard, first: boolean): { images: T[]; cut?: Shard } {
  if (first) return { images };
  const [start, end] = shardRange(shard, images.length);
  return { images: images.slice(start, end), cut: shard };
}

/**
 * The shard's images (in input order) and the annotations of those images (in the order they come).
 * A reader given the shard in its context may already have left the other annotations out.
 * @example
 * ```ts
 * const size = { height: 1, width: 1 };
 * const dataset = {
 *   images: [{ id: 'a', ...size }, { id: 'b', ...size }, { id: 'c', ...size }, { id: 'd', ...size }],
 *   categories: [],
 *   annotations: [{ id: 1, imageId: 'a', mask: Mask.full(size) }, { id: 2, imageId: 'c', mask: Mask.full(size) }],
 * };
 * const part = shardDataset(dataset, { index: 1, count: 2 }) as typeof dataset;
 * [part.images.map((im) => im.id), part.annotations.map((a) => a.id)]; // → [['c', 'd'], [2]]
 * ```
 */
export function shardDataset(d: MaskDataset | MaskDatasetStream, shard: Shard, options: ShardDatasetOptions = {}): MaskDataset | MaskDatasetStream {
  const n = d.images.length;
  const cut = cutOf(d.images);
  if (cut !== undefined && (cut.index !== shard.index || cut.count !== shard.count)) {
    throw new RleError('INVALID_OPTION', `These images were cut for shard ${cut.index}/${cut.count}, not ${shard.index}/${shard.count}`, { path: ['shard'] });
  }
  const position = new Map<Id, number>();
  d.images.forEach((im, i) => position.set(im.id, i));
  let last = -1;
  const keep = (a: Annotation): boolean => {
    const p = position.get(a.imageId) ?? -1;
    if (options.requireImageOrder === true && p >= 0) {
      if (p < last) {
        throw new RleError('UNSUPPORTED', `Annotation ${String(a.id)} of image ${String(a.imageId)} comes after annotations of a later image: shards of an input in this order cannot be joined into what one run writes`, {
          path: ['annotations', String(a.id)], expected: 'annotations in image order (COCO: leave --group-by-image at true), or no --shard / --jobs 1',
        });
      }
      last = p;
    }
    // Already the shard's images: all of them are kept, and an annotation of none of them is the first shard's (as inShard says).
    return cut !== undefined ? p >= 0 || shard.index === 0 : inShard(shard, n, p);
  };
  const images = cut !== undefined ? d.images : d.images.slice(...shardRange(shard, n));
  if (cut === undefined) wholeLists.set(images, d.images);
  if (!isDatasetStream(d)) return { images, categories: d.categories, annotations: d.annotations.filter(keep) };
  const source = d.annotations;
  return {
    images,
    categories: d.categories,
    // A piece of a stream in image order is in the order of the shard's images.
    ...(d.inImageOrder === true ? { inImageOrder: true } : {}),
    annotations: (async function* () {
      for await (const a of source) if (keep(a)) yield a;
    })(),
  };
}
