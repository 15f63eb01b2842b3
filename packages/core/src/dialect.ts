import type { RleWarning, WarningSink } from './errors.js';
import type { MaskDataset, MaskDatasetStream } from './dataset.js';
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
export interface Dialect<ReadOptions = Record<string, unknown>, WriteOptions = ReadOptions> {
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

/** What `dataset` uses that a dialect with `target` capabilities cannot carry, as warnings. */
export function notCarried(dataset: MaskDataset, target: DialectCapabilities, targetId: string): RleWarning[] {
  const out: RleWarning[] = [];
  const say = (cap: keyof DialectCapabilities, count: number, what: string): void => {
    if (count > 0 && !target[cap]) {
      out.push({ code: 'not-carried', message: `${targetId} cannot carry ${CAPABILITY_NAMES[cap]}: ${count} ${what} lost`, count });
    }
  };
  const a = dataset.annotations;
  say('scores', a.filter((x) => x.score !== undefined).length, 'scores');
  say('crowd', a.filter((x) => x.iscrowd === true).length, 'crowd flags');
  say('attributes', a.filter((x) => x.attributes && Object.keys(x.attributes).length > 0).length, 'annotations\' attributes');
  say('categoryNames', dataset.categories.filter((c) => c.name !== String(c.id)).length, 'category names');
  say('categories', new Set(a.map((x) => x.categoryId).filter((c) => c !== undefined)).size > 1 ? a.length : 0, 'category assignments');
  say('multipleImages', dataset.images.length > 1 ? dataset.images.length - 1 : 0, 'images beyond the first');
  say('fileNames', dataset.images.filter((i) => i.fileName !== undefined).length, 'file names');
  return out;
}
