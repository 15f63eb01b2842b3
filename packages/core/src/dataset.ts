import type { Mask } from './mask.js';

export type Id = number | string;

/** One image (or video frame, or DICOM slice) that masks belong to. */
export interface ImageInfo {
  id: Id;
  fileName?: string;
  height: number;
  width: number;
  /** Fields the source format has that the model does not name, carried for a writer of the same dialect. */
  attributes?: Record<string, unknown>;
}

export interface Category {
  id: Id;
  name: string;
  supercategory?: string;
  /** Display colour, 0..255 each. */
  color?: readonly [number, number, number];
  attributes?: Record<string, unknown>;
}

/** One mask of one object (or one class, for semantic formats) on one image. */
export interface Annotation {
  /** The instance id: COCO annotation id, Encord objectHash, a label-map value, ... */
  id: Id;
  imageId: Id;
  categoryId?: Id;
  mask: Mask;
  /** COCO's crowd flag; never the same thing as the RLE encoding used. */
  iscrowd?: boolean;
  /** Confidence of a prediction. */
  score?: number;
  attributes?: Record<string, unknown>;
}

/** What every dialect reads into and writes from. */
export interface MaskDataset {
  images: ImageInfo[];
  categories: Category[];
  annotations: Annotation[];
}

/**
 * The streaming form, for inputs too large for memory: images and categories up front,
 * annotations one at a time.
 */
export interface MaskDatasetStream {
  images: ImageInfo[];
  categories: Category[];
  annotations: AsyncIterable<Annotation>;
  /**
   * The reader's promise that annotations come in `images` order (each image's together): then
   * {@link groupByImage} passes each image on as soon as the next one's begin, holding one image.
   */
  inImageOrder?: boolean;
}

/**
 * @example
 * ```ts
 * isDatasetStream({ images: [], categories: [], annotations: [] }); // → false
 * ```
 */
export function isDatasetStream(d: MaskDataset | MaskDatasetStream): d is MaskDatasetStream {
  return !Array.isArray(d.annotations);
}

/**
 * Turns a dataset into its streaming form (no copying).
 * @example
 * ```ts
 * const stream = toDatasetStream({ images: [], categories: [], annotations: [] });
 * isDatasetStream(stream); // → true
 * ```
 */
export function toDatasetStream(d: MaskDataset | MaskDatasetStream): MaskDatasetStream {
  if (isDatasetStream(d)) return d;
  const list = d.annotations;
  return {
    images: d.images,
    categories: d.categories,
    annotations: (async function* () {
      yield* list;
    })(),
  };
}

/**
 * Collects a streaming dataset into memory.
 * @example
 * ```ts
 * const stream = toDatasetStream({ images: [{ id: 1, height: 1, width: 2 }], categories: [], annotations: [{ id: 1, imageId: 1, mask: Mask.full({ height: 1, width: 2 }) }] });
 * (await collectDataset(stream)).annotations.length; // → 1
 * ```
 */
export async function collectDataset(d: MaskDataset | MaskDatasetStream): Promise<MaskDataset> {
  if (!isDatasetStream(d)) return d;
  const annotations: Annotation[] = [];
  for await (const a of d.annotations) annotations.push(a);
  return { images: d.images, categories: d.categories, annotations };
}

/**
 * A dialect's read of a folder file by file: the lists its reader appends to, a step per file
 * (each reads one more file into `dataset`), and what it says once every file is read (warnings
 * about the whole set). {@link readFileByFile} passes it on as a stream a caller may stop,
 * {@link readAllFiles} reads it to the end.
 */
export interface FileByFileRead {
  dataset: MaskDataset;
  files: AsyncIterable<void>;
  finish: () => void;
}

/**
 * A read file by file as a stream (a dialect's `readIncrementally`): each file's new annotations
 * are passed on before the next file is read, and `finish` runs after the last. Stopping the
 * iteration reads no further file; `images` and `categories` are the reader's own lists, so they
 * hold what the files read so far gave.
 * @example
 * ```ts
 * const dataset: MaskDataset = { images: [], categories: [], annotations: [] };
 * const files = (async function* () {
 *   for (const id of [1, 2]) {
 *     dataset.images.push({ id, height: 1, width: 2 });
 *     dataset.annotations.push({ id, imageId: id, mask: Mask.full({ height: 1, width: 2 }) });
 *     yield;
 *   }
 * })();
 * const read = readFileByFile({ dataset, files, finish: () => {} });
 * for await (const a of read.annotations) break; // the first file alone
 * read.images.length; // → 1
 * ```
 */
export function readFileByFile({ dataset, files, finish }: FileByFileRead): MaskDatasetStream {
  return {
    images: dataset.images,
    categories: dataset.categories,
    annotations: (async function* () {
      let passed = 0;
      for await (const _ of files) {
        const list = dataset.annotations, n = list.length;
        for (; passed < n; passed++) yield list[passed]!;
      }
      finish();
    })(),
  };
}

/**
 * A read file by file read to the end (a dialect's `read`): every file, then `finish`.
 * @example
 * ```ts
 * const dataset: MaskDataset = { images: [], categories: [], annotations: [] };
 * const files = (async function* () {
 *   dataset.images.push({ id: 1, height: 1, width: 2 });
 *   yield;
 * })();
 * (await readAllFiles({ dataset, files, finish: () => {} })).images.length; // → 1
 * ```
 */
export async function readAllFiles({ dataset, files, finish }: FileByFileRead): Promise<MaskDataset> {
  for await (const _ of files) { /* each step reads one file into dataset */ }
  finish();
  return { images: dataset.images, categories: dataset.categories, annotations: dataset.annotations };
}
