import type { RleWarning, WarningSink } from './errors.js';
import type { Annotation, Category, ImageInfo, MaskDataset, MaskDatasetStream } from './dataset.js';
import type { ByteSource, DialectInput, FolderSource } from './source.js';

/** What a dialect can carry through a read and a write. Used for loss reports and the conformance table. */
export interface DialectCapabilities {
  /** Category ids on annotations. */
  categories: boolean;
  /** Category names (not just ids). */
  categoryNames: boolean;
  /** Annotation (instance) ids that survive a round trip. */
  instanceIds: boolean;
  scores: boolean;
  /** COCO's iscrowd flag. */
  crowd: boolean;
  /** Free-form per-annotation attributes. */
  attributes: boolean;
  /** More than one image per file. */
  multipleImages: boolean;
  /** Masks of one image that overlap each other. */
  overlap: boolean;
  /** An image with no masks at all. */
  emptyImages: boolean;
  /** Image file names. */
  fileNames: boolean;
}

export const CAPABILITY_NAMES: Record<keyof DialectCapabilities, string> = {
  categories: 'category ids',
  categoryNames: 'category names',
  instanceIds: 'instance ids',
  scores: 'scores',
  crowd: 'crowd flags',
  attributes: 'attributes',
  multipleImages: 'several images',
  overlap: 'overlapping masks',
  emptyImages: 'images without masks',
  fileNames: 'file names',
};

/**
 * A validator for options. Dialects pass zod schemas; core only needs `parse`, so it
 * keeps no runtime dependency on zod.
 */
export interface OptionsSchema<O> {
  parse(input: unknown): O;
  /** For schemas that are not zod: a JSON Schema of the options, so the CLI can list them as flags. */
  jsonSchema?: { properties: Record<string, { type: string; enum?: readonly string[]; description?: string; default?: unknown }> };
}

/** What a sniffer found. */
export interface SniffResult {
  /** 0..1, as `sniff` returns. */
  confidence: number;
  /** Why, in words ("top-level images, categories and annotations lists"). */
  reason?: string;
  /** More bytes could decide (or raise the confidence); the detector reads further when nothing is sure yet. */
  more?: boolean;
}

/** Passed to read and write: where warnings go, and how option values that name files are opened. */
export interface DialectContext {
  warn: WarningSink;
  /**
   * Opens a file or folder named by an option (a sizes CSV, a folder of images, a labelmap.txt).
   * The CLI provides one over the file system; in a browser the application may provide its own.
   * Absent: such options are an INVALID_OPTION error.
   */
  open?: (path: string) => Promise<ByteSource | FolderSource>;
}

/** One file of a multi-file output (a folder of PNGs). */
export interface OutputFile {
  path: string;
  bytes: Uint8Array;
}

/**
 * The contract every dialect package implements, exported as `dialect`.
 * Single-mask codecs (`encode`, `decode`, ...) are plain functions beside it.
 */
// Defaults are `any` so a registry can hold dialects with different option types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Dialect<ReadOptions = any, WriteOptions = ReadOptions> {
  /** Stable id used by the CLI: `coco`, `kaggle`, ... */
  readonly id: string;
  readonly title: string;
  /** File extensions, lower case with the dot: `['.json']`. */
  readonly extensions: readonly string[];
  readonly capabilities: DialectCapabilities;
  /** Validates (and defaults) the options of read. */
  readonly readOptions: OptionsSchema<ReadOptions>;
  /** Validates (and defaults) the options of write. */
  readonly writeOptions: OptionsSchema<WriteOptions>;
  /** Whether input is a file, a folder, or either. */
  readonly input: 'file' | 'folder' | 'either';
  /** Whether `write` produces one file or `writeFiles` a folder. */
  readonly output: 'file' | 'folder';
  /** How sure (0..1) the dialect is that a file starting with `head` is its own. */
  sniff(head: Uint8Array, name?: string): number;
  /**
   * The same judgement with its reason, and whether more of the file could change it (the head
   * ended inside the structure the dialect looks at). Detection then reads further, up to a cap.
   * Optional: `sniff` alone is enough for a dialect whose first bytes always decide.
   */
  sniffDetail?(head: Uint8Array, name?: string): SniffResult;
  read(input: DialectInput, options?: Partial<ReadOptions>, context?: DialectContext): Promise<MaskDataset>;
  /** Streaming read, for dialects whose files can be larger than memory. */
  readStream?(input: DialectInput, options?: Partial<ReadOptions>, context?: DialectContext): Promise<MaskDatasetStream>;
  write(dataset: MaskDataset | MaskDatasetStream, options?: Partial<WriteOptions>, context?: DialectContext): Promise<Uint8Array>;
  /** Streaming write: chunks of one output file. */
  writeStream?(dataset: MaskDataset | MaskDatasetStream, options?: Partial<WriteOptions>, context?: DialectContext): AsyncIterable<Uint8Array>;
  /** Folder output: one entry per file. */
  writeFiles?(dataset: MaskDataset | MaskDatasetStream, options?: Partial<WriteOptions>, context?: DialectContext): AsyncIterable<OutputFile>;
}

/** A context that drops warnings (for callers that do not care). Prefer passing your own. */
export const silentContext: DialectContext = { warn: () => {} };

/** How many of each carriable feature a dataset uses; tallied one annotation at a time so streams can be counted. */
export interface FeatureCounts {
  images: number;
  fileNames: number;
  categoryNames: number;
  annotations: number;
  scores: number;
  crowd: number;
  attributes: number;
  /** Distinct category ids seen on annotations. */
  categoryIds: Set<unknown>;
}

export function countHeader(images: readonly ImageInfo[], categories: readonly Category[]): FeatureCounts {
  return {
    images: images.length,
    fileNames: images.filter((i) => i.fileName !== undefined).length,
    categoryNames: categories.filter((c) => c.name !== String(c.id)).length,
    annotations: 0, scores: 0, crowd: 0, attributes: 0, categoryIds: new Set(),
  };
}

export function tallyAnnotation(counts: FeatureCounts, a: Annotation): void {
  counts.annotations++;
  if (a.score !== undefined) counts.scores++;
  if (a.iscrowd === true) counts.crowd++;
  if (a.attributes && Object.keys(a.attributes).length > 0) counts.attributes++;
  if (a.categoryId !== undefined) counts.categoryIds.add(a.categoryId);
}

export function countFeatures(dataset: MaskDataset): FeatureCounts {
  const c = countHeader(dataset.images, dataset.categories);
  for (const a of dataset.annotations) tallyAnnotation(c, a);
  return c;
}

/** What a dataset uses that a dialect with `target` capabilities cannot carry, as warnings. */
export function notCarried(used: FeatureCounts | MaskDataset, target: DialectCapabilities, targetId: string, alreadyReported: ReadonlySet<string> = new Set()): RleWarning[] {
  const c = 'annotations' in used && Array.isArray(used.annotations) ? countFeatures(used as MaskDataset) : (used as FeatureCounts);
  const out: RleWarning[] = [];
  const say = (cap: keyof DialectCapabilities, count: number, what: string): void => {
    if (count > 0 && !target[cap] && !alreadyReported.has(cap)) {
      out.push({ code: 'not-carried', message: `${targetId} cannot carry ${CAPABILITY_NAMES[cap]}: ${count} ${what} lost`, count, capability: cap });
    }
  };
  say('scores', c.scores, 'scores');
  say('crowd', c.crowd, 'crowd flags');
  say('attributes', c.attributes, "annotations' attributes");
  say('categoryNames', c.categoryNames, 'category names');
  say('categories', c.categoryIds.size > 1 ? c.annotations : 0, 'category assignments');
  say('multipleImages', c.images > 1 ? c.images - 1 : 0, 'images beyond the first');
  say('fileNames', c.fileNames, 'file names');
  return out;
}
