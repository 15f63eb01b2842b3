/**
 * @rlekit/yolo: Ultralytics YOLO segmentation labels. Lines are read as Ultralytics builds its
 * training masks (float32, truncated, cv2.fillPoly) and written with vertices that survive it.
 */
export { COORDINATE_MAX, COORDINATE_MIN, decode, encode, parseLine, rasterize } from './codec.js';
export type { EncodedLine, EncodeOptions, LineKind, ParsedLine } from './codec.js';
export { fillPoly } from './fillpoly.js';
export { instanceRing } from './rings.js';
export type { InstanceRing, RingOptions } from './rings.js';
export { dialect, readOptions, readYolo, sniffDetail, sniffFolder, writeOptions, writeYolo } from './dialect.js';
export type { MaskReport, YoloReadOptions, YoloWriteOptions, YoloWriteReport } from './dialect.js';
