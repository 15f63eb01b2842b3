export {
  area, compress, countsToBytes, countsToString, decode, decompress, encode, encodeUncompressed, iou, merge, parseRle,
  stringToCounts, toBbox,
} from './rle.js';
export type { BoxXywh, CocoRle, CompressedRle, ParsedRle, UncompressedRle } from './rle.js';
export { bboxToMask, fromBboxes, fromPolygons, polygonCounts, polygonsToMask } from './polygon.js';
export { dialect, polygonsOf } from './dialect.js';
export { datasetFromJson } from './read.js';
export { MAX_VALUE_BYTES, readCocoJson, readCocoStream } from './read-stream.js';
export { formatCocoJson, writeCocoChunks } from './write.js';
export { readOptionsSchema, writeOptionsSchema } from './options.js';
export type { CocoFormat, CocoReadOptions, CocoWriteOptions } from './options.js';
export { decodeToBitmap, encodeBitmap } from './bitmap.js';
