export { decodeLabelMap, decodeMask, encodeLabelMap, encodeMask } from './codec.js';
export type { Colors, DecodeLabelMapOptions, DecodeMaskOptions, EncodeLabelMapOptions, EncodeMaskOptions } from './codec.js';
export { DEFAULT_MAX_PIXELS, isPng, readHeader, readPng } from './png.js';
export type { ColorType, Pass, PngHeader, RawPng } from './png.js';
export { formatLabelmapTxt, parseColorMap, parseColorMapJson, parseLabelmapTxt, vocColorMap, vocPalette, VOC_CLASSES } from './palette.js';
export type { ColorMapEntry, Rgb } from './palette.js';
export { deflateZlib, inflateZlib } from './zlib.js';
export { classRule, dialect, readPngDataset, readPngIncrementally, readSchema, writeSchema } from './dialect.js';
export type { PngReadOptions, PngWriteOptions } from './dialect.js';
