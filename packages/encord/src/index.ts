/**
 * @rlekit/encord: Encord's bitmask `rleString` (COCO's character coding over the row-major
 * flattening of the whole frame) and Encord JSON label-row exports.
 */
export { decode, encode, encodeBitmask, countsToString, stringToCounts, encordToCoco, cocoToEncord } from './codec.js';
export type { CocoRle, DecodeOptions, EncordBitmask } from './codec.js';
export {
  dialect, capabilities, readOptions, writeOptions, parseEncordExport, formatEncordExport, buildEncordExport, writeEncordChunks, looksInverted, snakeCase,
  DEFAULT_CREATED_AT, DEFAULT_CREATED_BY, DEFAULT_FEATURE_HASH, DEFAULT_FEATURE_NAME,
} from './export.js';
export type { EncordImageAttributes, EncordReadOptions, EncordWriteOptions } from './export.js';
