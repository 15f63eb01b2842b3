import { RleError, describeValue } from './errors.js';
import { isDatasetStream, type Annotation, type Id, type ImageInfo, type MaskDataset, type MaskDatasetStream } from './dataset.js';

/** One image with all of its annotations, in their input order. */
export interface ImageGroup {
  image: ImageInfo;
  annotations: Annotation[];
}

export interface GroupOptions {
  /**
   * Most run values (plus 16 per annotation) held while grouping a stream. A stream whose
   * annotations are in image order is passed on as it comes once this is reached; one in any other
   * order must fit (masks are held as runs, so a budget of 2^26 holds millions of typical masks).
   */
  maxBufferedRuns?: number;
}

/** Default of {@link GroupOptions.maxBufferedRuns}: 2^26 run values, 256 MiB of Uint32 runs. */
export const DEFAULT_MAX_BUFFERED_RUNS = 1 << 26;

/**
 * Every image in `images` order with its annotations (an image without any gets an empty list),
 * for writers that need an image's annotations together (one CSV row per image, one PNG per image).
 *
 * An in-memory dataset is grouped directly. A stream that says it is in image order
 * (`inImageOrder`) is passed on image by image. Another stream is held (as runs) up to `maxBufferedRuns`,
 * so any order is grouped when it fits; past the budget, a stream that has been in image order so
 * far goes on streaming, and one that is not is a LIMIT_EXCEEDED error that says what to do. A
 * writer's need for grouping is never the user's error as long as the data fits.
 * @example
 * ```ts
 * const size = { height: 1, width: 2 };
 * const dataset = {
 *   images: [{ id: 'a', ...size }, { id: 'b', ...size }],
 *   categories: [],
 *   annotations: [{ id: 1, imageId: 'b', mask: Mask.full(size) }, { id: 2, imageId: 'a', mask: Mask.full(size) }, { id: 3, imageId: 'b', mask: Mask.empty(size) }],
 * };
 * const groups: string[] = [];
 * for await (const g of groupByImage(dataset)) groups.push(`${g.image.id}: ${g.annotations.map((a) => a.id).join(' ')}`);
 * groups; // → ['a: 2', 'b: 1 3']
 * ```
 */
export async function* groupByImage(d: MaskDataset | MaskDatasetStream, options: GroupOptions = {}): AsyncGenerator<ImageGroup> {
  const index = new Map<Id, number>();
  d.images.forEach((im, i) => index.set(im.id, i));
  const at = (a: Annotation): number => {
    const i = index.get(a.imageId);
    if (i === undefined) {
      throw new RleError('DANGLING_REFERENCE', `Annotation ${String(a.id)} refers to image ${String(a.imageId)}, which is not in images`, { path: ['annotations', String(a.id), 'imageId'] });
    }
    return i;
  };
  const held = new Map<number, Annotation[]>();
  const add = (i: number, a: Annotation): void => {
    const list = held.get(i);
    if (list) list.push(a);
    else held.set(i, [a]);
  };
  let next = 0;
  // Images before `end` in order, each with what is held for it.
  const flush = function* (end: number): Generator<ImageGroup> {
    for (; next < end; next++) {
      yield { image: d.images[next]!, annotations: held.get(next) ?? [] };
      held.delete(next);
    }
  };
  if (!isDatasetStream(d)) {
    for (const a of d.annotations) add(at(a), a);
    yield* flush(d.images.length);
    return;
  }
  const budget = options.maxBufferedRuns ?? DEFAULT_MAX_BUFFERED_RUNS;
  // A stream in image order needs no holding: each image is complete once the next one's begin.
  let used = 0, last = -1, sorted = true, streaming = d.inImageOrder === true;
  for await (const a of d.annotations) {
    const i = at(a);
    if (streaming) {
      if (i < last) {
        throw new RleError('LIMIT_EXCEEDED', `Annotations of image ${String(a.imageId)} come after those of a later image, in a stream too large to group in memory`, {
          path: ['annotations', String(a.id)], expected: `annotations in image order, or a grouping budget above ${budget} runs (maxBufferedRuns)`,
        });
      }
      if (i > last) {
        yield* flush(i);
        last = i;
      }
      add(i, a);
      continue;
    }
    if (i < last) sorted = false;
    last = Math.max(last, i);
    add(i, a);
    used += a.mask.heldRuns + 16;
    if (used > budget) {
      if (!sorted) {
        throw new RleError('LIMIT_EXCEEDED', `Annotations are not in image order, and grouping them by image needs more than ${budget} runs in memory`, {
          path: ['annotations', String(a.id)], expected: 'annotations in image order, or a larger maxBufferedRuns',
        });
      }
      // In order so far: everything before the current image is complete.
      streaming = true;
      yield* flush(last);
    }
  }
  yield* flush(d.images.length);
}

/**
 * A dataset's annotations by image id, in order, each with its position in `annotations` (for
 * error paths): what writers that write one file or item per image start from. An annotation of
 * an image the dataset lacks is DANGLING_REFERENCE.
 * @example
 * ```ts
 * const size = { height: 1, width: 1 };
 * const dataset = { images: [{ id: 'a', ...size }], categories: [], annotations: [{ id: 1, imageId: 'a', mask: Mask.full(size) }, { id: 2, imageId: 'a', mask: Mask.empty(size) }] };
 * annotationsByImage(dataset).get('a')?.map(({ a, i }) => [a.id, i]); // → [[1, 0], [2, 1]]
 * ```
 */
export function annotationsByImage(dataset: MaskDataset): Map<Id, { a: Annotation; i: number }[]> {
  const known = new Set<Id>(dataset.images.map((im) => im.id));
  const byImage = new Map<Id, { a: Annotation; i: number }[]>();
  dataset.annotations.forEach((a, i) => {
    if (!known.has(a.imageId)) throw new RleError('DANGLING_REFERENCE', `Annotation refers to image ${describeValue(a.imageId)}, which is not in images`, { path: ['annotations', i, 'imageId'] });
    let list = byImage.get(a.imageId);
    if (!list) byImage.set(a.imageId, (list = []));
    list.push({ a, i });
  });
  return byImage;
}
