/**
 * @rlekit/labelme: LabelMe's per-image JSON (polygon, rectangle, circle and mask shapes) read into
 * and written from rlekit's MaskDataset, rasterized exactly as LabelMe's `shape_to_mask` does.
 */
export { drawEllipse, drawPolygon, drawRectangle, COORD_LIMIT, MAX_ELLIPSE_SIDE } from './raster.js';
export { shapeToMask, AREA_SHAPES, STROKE_SHAPES } from './shapes.js';
export type { LabelMeShapeGeometry, ShapeOptions } from './shapes.js';
export { DEFAULT_MAX_MASK_PIXELS, decodeMaskPng, decodeMaskShape, encodeMaskPng, roundHalfEven } from './mask-shape.js';
export { buildLabelMe, capabilities, centreRing, dialect, parseLabelMeJson, readOptions, writeOptions } from './files.js';
export type { LabelMeImageAttributes, LabelMeReadOptions, LabelMeWriteOptions } from './files.js';
export { sniffLabelMe } from './sniff.js';
