export { encode, decode } from './codec.js';
export type { DecodeOptions } from './codec.js';
export { presets, presetIds, getPreset, resolvePreset, checkPreset } from './presets.js';
export type { Preset, CsvLayout, RowsPer, Pairing } from './presets.js';
