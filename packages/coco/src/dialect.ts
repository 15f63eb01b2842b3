/**
 * The COCO dialect: instances JSON (images, categories, annotations), results JSON (a list of
 * detections) and SA-1B per-image JSON, read in memory or streamed (files past V8's longest
 * string), and written in one piece or as a stream of chunks.
 */
import { scanPiece, type ScanPiece } from './plan.js';
import { collectBytes, collectDataset, decodeUtf8, isFolderSource, Mask, parseJson, readAllBytes, RleError, type Shard, type ByteSource, type Dialect, type DialectContext, type DialectInput, type MaskDataset, type MaskDatasetStream, type RleWarning } from '@rlekit/core';
import { cocoJoin, mergeCoco } from './merge.js';
import { sniffCoco } from './sniff.js';
import { polygonCounts } from './polygon.js';
import { parseOptions, readOptionsSchema, writeOptionsSchema, type CocoReadOptions, type CocoWriteOptions } from './options.js';
import { datasetFromJson, duplicateIdWarning, polygonSource } from './read.js';
import { MAX_VALUE_BYTES, planCocoShards, readCocoPlanned, readCocoStream, REGROUP_BYTES, type CocoShardPlan } from './read-stream.js';
import { writeCocoChunks } from './write.js';

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
  repeatedIdsWarning: duplicateIdWarning,
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
    if (context?.plan !== undefined && context.recover === undefined && !(input instanceof Uint8Array)) return readCocoPlanned(input, context.plan as CocoShardPlan, warnOf(context), context.maskOrder, context.scratch);
    return readCocoStream(toSource(input), o.format, warnOf(context), o.groupByImage, REGROUP_BYTES, context?.shard, context?.recover, false, context?.maskOrder, MAX_VALUE_BYTES, context?.scratch);
  },
  async planShards(input: DialectInput, options: Partial<CocoReadOptions> | undefined, shards: readonly Shard[], context?: DialectContext): Promise<unknown[] | undefined> {
    const o = parseOptions(readOptionsSchema, options);
    if (isFolderSource(input) || input instanceof Uint8Array || context?.recover !== undefined) return undefined;
    return planCocoShards(input, o.format, o.groupByImage, shards, context?.planHelpers, context?.scratch !== undefined);
  },
  async planPiece(input: DialectInput, piece: unknown): Promise<unknown> {
    if (isFolderSource(input) || input instanceof Uint8Array || input.range === undefined || input.size === undefined) throw new RleError('IO', 'A plan piece needs a seekable file');
    const { isTouchPiece, touchPages } = await import('./touch.js');
    if (isTouchPiece(piece)) return touchPages(piece);
    return scanPiece(input, piece as ScanPiece);
  },
  async write(dataset: MaskDataset | MaskDatasetStream, options?: Partial<CocoWriteOptions>, context?: DialectContext): Promise<Uint8Array> {
    return collectBytes(writeCocoChunks(dataset, parseOptions(writeOptionsSchema, options), warnOf(context), context?.shard));
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
