/**
 * @rlekit/kaggle: every Kaggle competition's start/length RLE convention as a named preset,
 * single-mask `encode`/`decode`, and submission/training CSVs read and written as streams.
 */
export { encode, encodeChunks, decode } from './codec.js';
export type { DecodeOptions } from './codec.js';
export { presets, presetIds, getPreset, resolvePreset, checkPreset } from './presets.js';
export type { Preset, PresetTable, CsvLayout, RowsPer, Pairing } from './presets.js';
export { dialect, readOptions, writeOptions, presetFromOptions, resolveOverlaps } from './dialect.js';
export type { KaggleReadOptions, KaggleWriteOptions } from './dialect.js';
export { imageHeaderSize, parseSize } from './sizes.js';
export { csvRecords } from './csv.js';
export type { CsvRecord } from './csv.js';
export { SizeFitEvidence, sizeFit } from './fit.js';
export type { SizeFit } from './fit.js';
