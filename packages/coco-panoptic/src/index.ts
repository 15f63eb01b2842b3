export { DEFAULT_MAX_PIXELS, MAX_SEGMENT_ID, decodeSegmentIds, encodeSegmentIds, id2rgb, pngSize, rgb2id } from './png.js';
export { dialect, readSchema, sniffPanoptic, writeSchema } from './dialect.js';
export type { PanopticReadOptions, PanopticWriteOptions } from './dialect.js';
