import type { RleError, RleWarning, WarningSink } from './errors.js';
import type { SplitHelpers } from './split-cuts.js';
import type { Annotation, Category, ImageInfo, MaskDataset, MaskDatasetStream } from './dataset.js';
import type { Mask } from './mask.js';
import type { Order } from './runs.js';
import type { ByteSource, DialectInput, FolderSource, ScratchFile } from './source.js';
import type { Shard } from './shard.js';

/**
 * What a dialect can carry through a read and a write. Used for loss reports and the conformance table.
 * `false`: never carried, and the generic report (`notCarried`) says so whenever a dataset uses it.
 * `true`: carried for some datasets or options; the writer itself reports (with `capability` set)
 * every case it cannot carry — a preset without a class column, ids it renumbers, names it replaces.
 */
export interface DialectCapabilities {
  /** Which category each mask belongs to. */
  categories: boolean;
  /** Category ids as they are (300 stays 300, not renumbered or replaced by names). */
  categoryIds: boolean;
  /** Category names (not just ids). */
  categoryNames: boolean;
  /** Category fields beyond id and name: supercategory, colour, attributes. */
  categoryAttributes: boolean;
  /** Categories that no mask uses. */
  unusedCategories: boolean;
  /** Annotation (instance) ids that survive a round trip. */
  instanceIds: boolean;
  scores: boolean;
  /** COCO's iscrowd flag. */
  crowd: boolean;
  /** Free-form per-annotation attributes. */
  attributes: boolean;
  /** Image ids as they are. */
  imageIds: boolean;
  /** Image fields beyond id, file name and size (COCO license, coco_url; CVAT subset). */
  imageAttributes: boolean;
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
  categories: 'categories',
  categoryIds: 'category ids',
  categoryNames: 'category names',
  categoryAttributes: 'category attributes',
  unusedCategories: 'categories without masks',
  instanceIds: 'instance ids',
  scores: 'scores',
  crowd: 'crowd flags',
  attributes: 'annotation attributes',
  imageIds: 'image ids',
  imageAttributes: 'image attributes',
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
  /**
   * Set by checkers (`rlekit check`): a reader that meets a bad record (an annotation, a CSV row)
   * hands its error here and goes on with the next record, so every fault of a file is reported
   * at once. Absent, the first bad record stops the read: a conversion never writes a dataset with
   * records silently missing. Faults of the whole file (not JSON, no header) always stop it.
   */
  recover?: (error: RleError) => void;
  /**
   * Only this shard's images will be kept (`--shard`, `--jobs`): a reader may skip decoding the
   * annotations of other images (the caller filters with core's `shardDataset` either way).
   * A reader that skips must still yield the shard's annotations in the order one run would.
   */
  shard?: Shard;
  /**
   * What the dialect's `planShards` found for this context's shard (`--jobs`): the reader takes
   * its shard's share from it instead of reading the whole input again. Opaque to callers.
   */
  plan?: unknown;
  /**
   * `--jobs` planning (`planShards`): other threads to run pieces of the plan's work on, each by
   * this dialect's `planPiece` there (COCO splits its first pass over them). `minBytes` and
   * `headStart` tune when and how a dialect splits (tests make them small). Opaque pieces.
   */
  planHelpers?: SplitHelpers;
  /**
   * The run order the writer will ask every mask for (its `maskOrder`), as a hint: a reader that
   * makes masks itself (rasterising COCO polygons) makes them in this order, so none is transposed.
   */
  maskOrder?: Order;
  /**
   * Set for a `--jobs` part: a writer may describe how it laid the part out (opaque to callers),
   * and the caller hands that to the dialect's `merge` (MergeContext.partInfo), which can then
   * copy the part's bytes without scanning them. It may describe more than once (its head as soon
   * as it is out, then the whole part before the last chunk): the last description is the part's.
   */
  describePart?: (info: unknown) => void;
  /**
   * Opens a ScratchFile for a reader that would otherwise read its input more than twice (COCO's
   * regrouping by image sets its later windows aside). The CLI's is a file beside the output,
   * removed when closed. Absent, or failing to open, the reader reads its input again instead.
   */
  scratch?: () => Promise<ScratchFile>;
}

/** What `merge` is told besides the parts. */
export interface MergeContext extends Partial<DialectContext> {
  /**
   * The parts were written a moment ago by this process's own workers (`--jobs`), not handed in
   * by a user: a merge may then trust the writer's framing and copy the elements without scanning them.
   */
  ownParts?: boolean;
  /** What the writer said of each part (DialectContext.describePart), in part order, where it said anything. */
  partInfo?: readonly unknown[];
  /**
   * The merged output is itself one shard's part (`--shard i/n` with `--jobs`): it keeps the notes
   * a shard's writer makes for `rlekit merge` (COCO's id numbering), as one job of that shard writes them.
   */
  shardPart?: boolean;
}

/**
 * How a dialect's `--jobs` parts join while their writers still run (Dialect.joinParts): each
 * part is a head, a body and a closing, as its writer described it (DialectContext.describePart);
 * the output is one head made from the parts' heads, then every body as written, then a closing.
 * So the first part can be written into the output directly, and a later one copied as soon as
 * the parts before it are complete, while its worker still writes it.
 */
export interface PartJoin {
  /** Where a part's body starts and, once its writer said so, ends (what follows is the part's closing); undefined until the writer described its head. Without an end the body runs to the part's end. */
  body(info: unknown): { start: number; end?: number } | undefined;
  /**
   * From each part's head (its bytes before the body) and what its writer described last: the
   * output's head, what goes between two non-empty bodies, and the closing (given how many bodies
   * were not empty).
   */
  open(heads: readonly Uint8Array[], info?: readonly unknown[]): Promise<{ head: Uint8Array; between: Uint8Array; close(bodies: number): Uint8Array }>;
  /** Whether the bodies as written make one run's output, from what each writer described last; false: the parts go through `merge`. */
  accept(info: readonly unknown[]): boolean;
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
  /**
   * For folder dialects: how sure the dialect is that a folder with these files (relative paths,
   * sorted) is its own, from the layout alone (YOLO: labels/**.txt beside a data.yaml). Detection
   * prefers a layout it recognises to a sample file another dialect recognises (a PNG in images/).
   */
  sniffFolder?(files: readonly string[]): SniffResult;
  read(input: DialectInput, options?: Partial<ReadOptions>, context?: DialectContext): Promise<MaskDataset>;
  /** Streaming read, for dialects whose files can be larger than memory. */
  readStream?(input: DialectInput, options?: Partial<ReadOptions>, context?: DialectContext): Promise<MaskDatasetStream>;
  /**
   * A read file by file (a folder of masks), for a caller that may stop early (`inspect --limit`):
   * `images` and `categories` hold what the files read so far gave, and are whole once
   * `annotations` ends; stopping reads no further file. Unlike readStream's, its images and
   * categories are not known up front, so a writer is never given it: `read` is this, read to the end.
   */
  readIncrementally?(input: DialectInput, options?: Partial<ReadOptions>, context?: DialectContext): Promise<MaskDatasetStream>;
  write(dataset: MaskDataset | MaskDatasetStream, options?: Partial<WriteOptions>, context?: DialectContext): Promise<Uint8Array>;
  /**
   * The run order `write` asks each mask for with these options (a Kaggle preset's, rlekit-json's
   * `order`), when it asks for one: callers pass it to the reader as DialectContext.maskOrder.
   */
  maskOrder?(options: Partial<WriteOptions> | undefined): Order | undefined;
  /** Streaming write: chunks of one output file. */
  writeStream?(dataset: MaskDataset | MaskDatasetStream, options?: Partial<WriteOptions>, context?: DialectContext): AsyncIterable<Uint8Array>;
  /**
   * True when the writer puts each image's masks together in image order whatever order the
   * annotations come in (one CSV row per image, one PNG per image): shards of any input join then.
   */
  readonly writesByImage?: boolean;
  /**
   * True when the reader honours `context.shard` by skipping the parsing and decoding of other
   * shards' images, so `--jobs` divides the reading between workers. Otherwise every worker reads
   * the whole input, and more jobs pay only where the per-image writing is dear (a folder of PNGs).
   */
  readonly readsShards?: boolean;
  /**
   * The warning the reader says for `count` annotations whose id was used before in the file
   * (COCO's `duplicate-id`), where it says one. A `--jobs` shard's reader sees only its own
   * shard's ids, so a caller that merges the shards' warnings counts the ids of all of them and
   * says this in place of the shards' sum.
   */
  repeatedIdsWarning?(count: number): RleWarning;
  /**
   * One look at the whole input for `--jobs`: what each of `shards` needs to read only its own
   * share (handed to its reader as `context.plan`), so the workers do not each repeat the reader's
   * first pass. Undefined when this input cannot be planned (the workers then read it themselves).
   */
  planShards?(input: DialectInput, options: Partial<ReadOptions> | undefined, shards: readonly Shard[], context?: DialectContext): Promise<unknown[] | undefined>;
  /** The other threads' side of `planShards` (its `context.planHelpers`): one piece of the plan's work, on the input opened there. */
  planPiece?(input: DialectInput, piece: unknown): Promise<unknown>;
  /**
   * Joins outputs this dialect wrote for the shards 0/n … (n-1)/n of one input (`--shard`), given
   * in shard order, into the bytes one write of the whole input gives. Streamed: holds no part.
   */
  merge?(parts: readonly ByteSource[], context?: MergeContext): AsyncIterable<Uint8Array>;
  /** `--jobs`: how this writer's parts (with these options) join while they are written, where it can say; `merge` stays the fallback. */
  joinParts?(options: Partial<WriteOptions>, context?: Pick<MergeContext, 'shardPart'>): PartJoin | undefined;
  /** Folder output: one entry per file. */
  writeFiles?(dataset: MaskDataset | MaskDatasetStream, options?: Partial<WriteOptions>, context?: DialectContext): AsyncIterable<OutputFile>;
}

/** A context that drops warnings (for callers that do not care). Prefer passing your own. */
export const silentContext: DialectContext = { warn: () => {} };

/** How many of each carriable feature a dataset uses; tallied one annotation at a time so streams can be counted. */
export interface FeatureCounts {
  images: number;
  fileNames: number;
  /** Images with attributes. */
  imageAttributes: number;
  categoryNames: number;
  /** Categories with a supercategory, colour or attributes. */
  categoryAttributes: number;
  /** Every category id of the header, to tell which no mask uses. */
  categoryList: readonly unknown[];
  annotations: number;
  /** Annotations with a category. */
  categorized: number;
  scores: number;
  crowd: number;
  attributes: number;
  /** Annotations whose mask overlaps an earlier mask of the same image. */
  overlaps: number;
  /** Distinct category ids seen on annotations. */
  categoryIds: Set<unknown>;
  /** Distinct image ids seen on annotations. */
  imageIds: Set<unknown>;
  /** Unions of the masks of the most recent images, to find overlaps (absent when not looked for). */
  unions?: Map<unknown, Mask>;
}

/** How many images' unions are kept to find overlaps in a stream; streams grouped by image need one. */
const OVERLAP_WINDOW = 64;

/**
 * Counts the header of a dataset. Pass the target's capabilities to skip work it makes
 * unnecessary: overlaps are only looked for when the target cannot carry them.
 * @example
 * ```ts
 * countHeader([{ id: 1, height: 2, width: 2, fileName: 'a.png' }], [{ id: 1, name: 'leaf' }]).fileNames; // → 1
 * ```
 */
export function countHeader(images: readonly ImageInfo[], categories: readonly Category[], target?: DialectCapabilities): FeatureCounts {
  return {
    images: images.length,
    fileNames: images.filter((i) => i.fileName !== undefined).length,
    imageAttributes: images.filter((i) => hasKeys(i.attributes)).length,
    categoryNames: categories.filter((c) => c.name !== String(c.id)).length,
    categoryAttributes: categories.filter(hasCategoryAttributes).length,
    categoryList: categories.map((c) => c.id),
    annotations: 0, categorized: 0, scores: 0, crowd: 0, attributes: 0, overlaps: 0,
    categoryIds: new Set(), imageIds: new Set(),
    ...(target?.overlap === true ? {} : { unions: new Map<unknown, Mask>() }),
  };
}

function hasKeys(o: Record<string, unknown> | undefined): boolean {
  return o !== undefined && o !== null && Object.keys(o).length > 0;
}

/**
 * Whether a category has fields beyond its id and name.
 * @example
 * ```ts
 * hasCategoryAttributes({ id: 1, name: 'leaf', supercategory: 'plant' }); // → true
 * hasCategoryAttributes({ id: 1, name: 'leaf' }); // → false
 * ```
 */
export function hasCategoryAttributes(c: Category): boolean {
  return c.supercategory !== undefined || c.color !== undefined || hasKeys(c.attributes);
}

/**
 * @example
 * ```ts
 * const counts = countHeader([], []);
 * tallyAnnotation(counts, { id: 1, imageId: 1, mask: Mask.full({ height: 1, width: 1 }), score: 0.9 });
 * counts.scores; // → 1
 * ```
 */
export function tallyAnnotation(counts: FeatureCounts, a: Annotation): void {
  counts.annotations++;
  if (a.score !== undefined) counts.scores++;
  if (a.iscrowd === true) counts.crowd++;
  if (hasKeys(a.attributes)) counts.attributes++;
  if (a.categoryId !== undefined) {
    counts.categorized++;
    counts.categoryIds.add(a.categoryId);
  }
  counts.imageIds.add(a.imageId);
  const unions = counts.unions;
  if (unions !== undefined && !a.mask.isEmpty()) {
    const seen = unions.get(a.imageId);
    if (seen === undefined) {
      // Oldest first: dropping the first key keeps the window on the most recent images.
      if (unions.size >= OVERLAP_WINDOW) unions.delete(unions.keys().next().value);
      unions.set(a.imageId, a.mask);
    } else if (seen.width === a.mask.width && seen.height === a.mask.height) {
      if (seen.overlap(a.mask).intersection > 0) counts.overlaps++;
      unions.set(a.imageId, seen.union(a.mask));
    }
  }
}

/**
 * @example
 * ```ts
 * const dataset = { images: [{ id: 1, height: 1, width: 1 }], categories: [], annotations: [{ id: 1, imageId: 1, mask: Mask.full({ height: 1, width: 1 }), iscrowd: true }] };
 * countFeatures(dataset).crowd; // → 1
 * ```
 */
export function countFeatures(dataset: MaskDataset, target?: DialectCapabilities): FeatureCounts {
  const c = countHeader(dataset.images, dataset.categories, target);
  if (c.unions !== undefined) {
    // In memory the window is not needed: group by image so interleaved annotations are compared too.
    const byImage = new Map<unknown, Annotation[]>();
    for (const a of dataset.annotations) {
      const list = byImage.get(a.imageId);
      if (list === undefined) byImage.set(a.imageId, [a]);
      else list.push(a);
    }
    for (const list of byImage.values()) for (const a of list) tallyAnnotation(c, a);
  } else {
    for (const a of dataset.annotations) tallyAnnotation(c, a);
  }
  return c;
}

/**
 * What a dataset uses that a dialect with `target` capabilities cannot carry, as warnings.
 * @example
 * ```ts
 * const dataset = { images: [{ id: 1, height: 1, width: 1 }], categories: [], annotations: [{ id: 1, imageId: 1, mask: Mask.full({ height: 1, width: 1 }), score: 0.9 }] };
 * // A target that carries everything but scores.
 * const target = Object.fromEntries(Object.keys(CAPABILITY_NAMES).map((name) => [name, name !== 'scores'])) as unknown as DialectCapabilities;
 * notCarried(dataset, target, 'a target without scores').map((w) => w.code); // → ['not-carried']
 * ```
 */
export function notCarried(used: FeatureCounts | MaskDataset, target: DialectCapabilities, targetId: string, alreadyReported: ReadonlySet<string> = new Set()): RleWarning[] {
  const c = 'annotations' in used && Array.isArray(used.annotations) ? countFeatures(used as MaskDataset, target) : (used as FeatureCounts);
  const out: RleWarning[] = [];
  const say = (cap: keyof DialectCapabilities, count: number, what: string): void => {
    if (count > 0 && !target[cap] && !alreadyReported.has(cap)) {
      out.push({ code: 'not-carried', message: `${targetId} cannot carry ${CAPABILITY_NAMES[cap]}: ${count} ${what} lost`, count, capability: cap });
    }
  };
  say('scores', c.scores, 'scores');
  say('crowd', c.crowd, 'crowd flags');
  say('attributes', c.attributes, "annotations' attributes");
  say('instanceIds', c.annotations, 'annotation ids');
  say('categories', c.categorized, 'category assignments');
  // Ids and names of categories a target cannot assign are lost with the assignments.
  const assigns = target.categories;
  say('categoryIds', assigns ? c.categoryIds.size : 0, 'category ids');
  say('categoryNames', assigns ? c.categoryNames : 0, 'category names');
  say('categoryAttributes', assigns ? c.categoryAttributes : 0, "categories' fields beyond id and name");
  const unused = c.categoryList.filter((id) => !c.categoryIds.has(id)).length;
  say('unusedCategories', assigns ? unused : 0, 'categories without masks');
  say('overlap', c.overlaps, 'masks overlapping another mask of their image');
  say('multipleImages', c.images > 1 ? c.images - 1 : 0, 'images beyond the first');
  say('emptyImages', c.images - c.imageIds.size, 'images without masks');
  say('imageIds', c.images, 'image ids');
  say('fileNames', c.fileNames, 'file names');
  say('imageAttributes', c.imageAttributes, "images' attributes");
  return out;
}
