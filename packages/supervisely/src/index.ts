/**
 * @rlekit/supervisely: Supervisely's `bitmap` geometry (base64 · zlib · PNG, origin [x, y]) and
 * Supervisely annotation JSON / project folders read into and written from rlekit's MaskDataset.
 */
export { decode, decodeData, encode, fromBase64, toBase64, DEFAULT_MAX_PNG_BYTES, DEFAULT_MAX_PNG_PIXELS } from './codec.js';
export type { DecodeOptions, SuperviselyBitmap } from './codec.js';
export { decodePngMask, encodePngMask } from './png.js';
export { dialect, capabilities, readOptions, writeOptions, parseSuperviselyJson, buildSupervisely } from './files.js';
export type { SuperviselyImageAttributes, SuperviselyReadOptions, SuperviselyWriteOptions } from './files.js';
