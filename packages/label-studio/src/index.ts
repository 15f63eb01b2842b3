/**
 * @rlekit/label-studio: Label Studio's brush RLE (thi.ng rle-pack over RGBA bytes, byte-exact with
 * the Python converter and the web app) and Label Studio JSON exports (brush, bitmask, polygon and
 * rectangle results of annotations and predictions).
 */
export { decode, encode, encodeBytes, readHeader, MAX_BRUSH_PIXELS } from './codec.js';
export type { BrushHeader, DecodeOptions, EncodeOptions, EncodeStyle } from './codec.js';
export { decodeBitmask } from './bitmask.js';
export {
  dialect, capabilities, readOptions, writeOptions, parseLabelStudioExport, formatLabelStudioExport, buildLabelStudioTasks, writeLabelStudioChunks, fileNameOf,
  DEFAULT_FROM_NAME, DEFAULT_TO_NAME,
} from './export.js';
export type { LabelStudioImageAttributes, LabelStudioReadOptions, LabelStudioSource, LabelStudioWriteOptions } from './export.js';
