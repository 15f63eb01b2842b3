export {
  area, compress, countsToBytes, countsToString, decode, decompress, encode, encodeUncompressed, iou, merge, parseRle,
  stringToCounts, toBbox,
} from './rle.js';
export type { BoxXywh, CocoRle, CompressedRle, ParsedRle, UncompressedRle } from './rle.js';
export { bboxToMask, fromBboxes, fromPolygons, polygonCounts, polygonsToMask } from './polygon.js';
export { dialect, datasetFromJson, formatCocoJson, polygonsOf, readCocoJson, readCocoStream, readOptionsSchema, writeCocoChunks, writeOptionsSchema } from './files.js';
export type { CocoFormat, CocoReadOptions, CocoWriteOptions } from './files.js';
export { decodeToBitmap, encodeBitmap } from './bitmap.js';
