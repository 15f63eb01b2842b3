/**
 * @rlekit/cvat: CVAT's mask encoding (box-relative row-major runs) and the
 * "CVAT for images 1.1" XML dialect (masks, polygons rasterized with COCO's rules, boxes).
 */
export { decode, decodePoints, encode, encodePoints, toCocoUncompressed } from './codec.js';
export type { CvatMaskAttributes, CvatMaskInput, DecodeOptions, InclusiveBox } from './codec.js';
export { rasterizeBox, rasterizePolygon, DEFAULT_MAX_POLYGON_CROSSINGS } from './polygon.js';
export type { RasterizeOptions } from './polygon.js';
export { dialect, formatCvatXml, parseCvatXml, parsePoints, readOptionsSchema, writeOptionsSchema } from './dialect.js';
export type { CvatAttributeSpec, CvatReadOptions, CvatWriteOptions } from './dialect.js';
export { flattenByZOrder } from './flatten.js';
