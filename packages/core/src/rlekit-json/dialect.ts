/**
 * rlekit-json: core's own neutral, readable run format, and the first dialect of the matrix.
 *
 * ```json
 * { "format": "rlekit-json", "version": 1,
 *   "images": [{ "id": 1, "height": 3, "width": 4 }],
 *   "categories": [{ "id": 1, "name": "cell" }],
 *   "annotations": [{ "id": 7, "imageId": 1, "categoryId": 1,
 *                     "height": 3, "width": 4, "order": "row", "runs": [5, 2, 5] }] }
 * ```
 * A bare mask `{ "height", "width", "order", "runs" }` is read as a dataset of one image.
 */
import { RleError } from '../errors.js';
import type { MaskDataset, MaskDatasetStream } from '../dataset.js';
import { collectDataset } from '../dataset.js';
import type { Dialect, DialectContext, MergeContext, SniffResult } from '../dialect.js';
import { jsonOutline, outlineMember } from '../sniff.js';
import type { ByteSource } from '../source.js';
import { bytesSource, encodeUtf8, isFolderSource, type DialectInput } from '../source.js';
import type { Shard } from '../shard.js';
import { readOptions, writeOptions, type JsonReadOptions, type JsonWriteOptions } from './options.js';
import { readRlekitJson } from './read.js';
import { planRlekitJson, readRlekitJsonPlanned, streamRlekitJson, type RlekitJsonShardPlan } from './stream.js';
import { formatRlekitJson, mergeRlekitJson, writeRlekitJsonChunks } from './write.js';

/** A top-level "format": "rlekit-json" wherever it sits, or a bare mask's height and runs. */
function sniffRlekitJson(head: Uint8Array): SniffResult {
  const o = jsonOutline(head);
  if (o.root !== 'object') return { confidence: 0 };
  const format = outlineMember(o, 'format');
  if (format?.value === 'rlekit-json') return { confidence: 1, reason: 'its top level says "format": "rlekit-json"' };
  if (format !== undefined) return { confidence: 0 };
  if (outlineMember(o, 'height')?.kind === 'number' && outlineMember(o, 'runs')?.kind === 'array') return { confidence: 0.6, reason: 'a bare mask: top-level height and runs' };
  // The writer puts "format" first; other writers may put it after the lists.
  const annotations = outlineMember(o, 'annotations');
  const ours = annotations === undefined || (annotations.kind === 'array' && (annotations.keys.length === 0 || annotations.keys.includes('runs')));
  return { confidence: 0, more: !o.complete && !o.invalid && ours };
}

export const dialect: Dialect<JsonReadOptions, JsonWriteOptions> = {
  id: 'rlekit-json',
  title: 'rlekit JSON runs',
  extensions: ['.rlekit.json', '.json'],
  capabilities: {
    categories: true, categoryIds: true, categoryNames: true, categoryAttributes: true, unusedCategories: true,
    instanceIds: true, scores: true, crowd: true, attributes: true,
    multipleImages: true, overlap: true, emptyImages: true, imageIds: true, fileNames: true, imageAttributes: true,
  },
  readOptions,
  writeOptions,
  input: 'file',
  output: 'file',
  sniff(head: Uint8Array): number {
    return sniffRlekitJson(head).confidence;
  },
  sniffDetail: sniffRlekitJson,
  async read(input: DialectInput, options?: Partial<JsonReadOptions>, context?: DialectContext): Promise<MaskDataset> {
    const { maxBytes } = readOptions.parse(options);
    if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'rlekit-json reads a file, not a folder', { received: input.name });
    return readRlekitJson(input, maxBytes, context?.recover);
  },
  // Streamed in bounded memory: the masks, order and errors of `read`. With a recover hook (`rlekit check`) a bad
  // annotation is reported and skipped; those met before bad JSON later in the file are reported too (read stops at the JSON).
  async readStream(input: DialectInput, options?: Partial<JsonReadOptions>, context?: DialectContext): Promise<MaskDatasetStream> {
    const { maxBytes } = readOptions.parse(options);
    if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'rlekit-json reads a file, not a folder', { received: input.name });
    if (context?.plan !== undefined && !(input instanceof Uint8Array)) return readRlekitJsonPlanned(input, context.plan as RlekitJsonShardPlan);
    return streamRlekitJson(input instanceof Uint8Array ? bytesSource(input) : input, maxBytes, context?.recover);
  },
  // One scan for every --jobs worker where the shards' annotations are consecutive (a file in image order).
  async planShards(input: DialectInput, options: Partial<JsonReadOptions> | undefined, shards: readonly Shard[], context?: DialectContext): Promise<unknown[] | undefined> {
    if (isFolderSource(input) || input instanceof Uint8Array || context?.recover !== undefined) return undefined;
    return planRlekitJson(input, shards, readOptions.parse(options ?? {}).maxBytes);
  },
  async write(dataset: MaskDataset | MaskDatasetStream, options?: Partial<JsonWriteOptions>, _context?: DialectContext): Promise<Uint8Array> {
    return encodeUtf8(formatRlekitJson(await collectDataset(dataset), options));
  },
  // Streamed, the writer holds one batch of lines, never the dataset (a 1 GB input took 6.6 GB through write()).
  maskOrder(options) {
    // Bad options are write's to report, with its error.
    try {
      return writeOptions.parse(options).order;
    } catch {
      return undefined;
    }
  },
  writeStream(dataset: MaskDataset | MaskDatasetStream, options?: Partial<JsonWriteOptions>, context?: DialectContext): AsyncIterable<Uint8Array> {
    return writeRlekitJsonChunks(dataset, options, context?.describePart);
  },
  merge(parts: readonly ByteSource[], context?: MergeContext): AsyncIterable<Uint8Array> {
    return mergeRlekitJson(parts, context);
  },
};

