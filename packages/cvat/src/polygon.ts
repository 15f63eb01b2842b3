/**
 * CVAT polygons and boxes become masks with COCO's rules (pycocotools `rleFrPoly` / `rleFrBbox`),
 * the same masks CVAT's own COCO/mask exports (datumaro → pycocotools) produce. The rasterizer
 * lives in @rlekit/core; this file adds CVAT's own rule that points come in x, y pairs.
 */
import { rasterizePolygon as coreRasterizePolygon, RleError, type Mask, type RasterizeOptions, type Size } from '@rlekit/core';

export { DEFAULT_MAX_POLYGON_CROSSINGS, rasterizeBox } from '@rlekit/core';
export type { RasterizeOptions } from '@rlekit/core';

/**
 * The mask of one polygon ring `[x0, y0, x1, y1, ...]` (pixel coordinates, pixel (px, py)
 * covering [px, px+1) × [py, py+1)) over an image of `size`, as pycocotools' `rleFrPoly` makes it.
 * Unlike pycocotools, an odd number of coordinates is refused (INVALID_TOKEN): CVAT points are pairs.
 * @example
 * ```ts
 * rasterizePolygon([0.5, 0.5, 3.5, 0.5, 3.5, 2.5], { height: 3, width: 4 }).area(); // → 2
 * ```
 */
export function rasterizePolygon(xy: ArrayLike<number>, size: Size, options: RasterizeOptions = {}): Mask {
  if (xy != null && xy.length % 2 !== 0) {
    throw new RleError('INVALID_TOKEN', 'Polygon has an odd number of coordinates', { path: options.path ?? [], expected: 'x, y pairs', received: `${xy.length} numbers` });
  }
  return coreRasterizePolygon(xy, size, options);
}
