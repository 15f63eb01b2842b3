/**
 * @rlekit/darwin: V7 Darwin JSON 2.0 — the raster layer's `dense_rle` codec and Darwin files
 * (image, video and multi-slot items; mask, polygon and box annotations) read into and written
 * from rlekit's MaskDataset.
 */
export { decode, decodeLayer, encode } from './codec.js';
export type { DecodeOptions, EncodeOptions, RasterLayer } from './codec.js';
export {
  dialect, capabilities, readOptions, writeOptions, parseDarwinJson, formatDarwinJson, buildDarwinFiles, SCHEMA_REF, RASTER_LAYER_NAME,
} from './files.js';
export type { DarwinImageAttributes, DarwinReadOptions, DarwinWriteOptions } from './files.js';
