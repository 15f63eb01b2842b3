/**
 * @rlekit/labelme: LabelMe's per-image JSON (polygon, rectangle, circle and mask shapes) read into
 * and written from rlekit's MaskDataset, rasterized exactly as LabelMe's `shape_to_mask` does.
 */
export { drawEllipse, drawPolygon, drawRectangle, COORD_LIMIT, MAX_ELLIPSE_SIDE } from './raster.js';
export { shapeToMask } from './shapes.js';
