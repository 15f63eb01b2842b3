/**
 * One LabelMe shape to a mask, as LabelMe's `shape_to_mask` / `shapes_to_label` make it.
 */
import { Mask, RleError, describeValue, type Size } from '@rlekit/core';
import { decodeMaskShape } from './mask-shape.js';
import { checkCoordinate, drawEllipse, drawPolygon, drawRectangle } from './raster.js';

type Path = readonly (string | number)[];

/** The shape types rlekit reads as masks. */
export const AREA_SHAPES = ['polygon', 'rectangle', 'circle', 'mask'] as const;
/** Shape types LabelMe draws as strokes or dots (`line_width=10`, `point_size=5`): not read as masks. */
export const STROKE_SHAPES = ['point', 'line', 'linestrip', 'points'] as const;

/** What {@link shapeToMask} reads of a shape. */
export interface LabelMeShapeGeometry {
  shape_type?: string | null;
  points: unknown;
  mask?: unknown;
}

export interface ShapeOptions {
  maxPixels?: number;
  /** Prefix of error paths (the shape's place in the file). */
  path?: Path;
}

/** `points` as a flat list [x0, y0, x1, y1, ...], every coordinate checked. */
export function flatPoints(points: unknown, path: Path): number[] {
  if (!Array.isArray(points)) throw new RleError('INVALID_STRUCTURE', 'A shape\'s points are a list of [x, y]', { path, expected: 'a list of [x, y]', received: describeValue(points) });
  const out = new Array<number>(points.length * 2);
  for (let i = 0; i < points.length; i++) {
    const p: unknown = points[i];
    if (!Array.isArray(p) || p.length !== 2) throw new RleError('INVALID_STRUCTURE', 'A point is [x, y]', { path: [...path, i], expected: '[x, y]', received: describeValue(p) });
    out[2 * i] = checkCoordinate(p[0], [...path, i, 0]);
    out[2 * i + 1] = checkCoordinate(p[1], [...path, i, 1]);
  }
  return out;
}

function needPoints(xy: number[], n: number, kind: string, path: Path, atLeast = false): void {
  const k = xy.length / 2;
  if (atLeast ? k < n : k !== n) {
    throw new RleError('INVALID_STRUCTURE', `A ${kind} has ${atLeast ? 'at least ' : ''}${n} points`, { path, expected: `${atLeast ? 'at least ' : ''}${n} points`, received: `${k}` });
  }
}

/**
 * The mask of one LabelMe shape over an image of `size`. `polygon` (or no shape_type): Pillow's
 * filled polygon (more than 2 points); `rectangle`: two corners, any order, inclusive;
 * `circle`: centre and a point on the rim, Pillow's filled ellipse in the box centre ± radius;
 * `mask`: the base64 PNG at round(points[0]). Other types are UNSUPPORTED here (the file reader
 * keeps points and lines aside with a warning).
 * @example
 * ```ts
 * // LabelMe's shape_to_mask: a circle is its centre and a point on it.
 * shapeToMask({ shape_type: 'circle', points: [[2, 2], [2, 3]] }, { height: 5, width: 5 }).area(); // → 5
 * ```
 */
export function shapeToMask(shape: LabelMeShapeGeometry, size: Size, options: ShapeOptions = {}): Mask {
  const path = options.path ?? [];
  const type = shape.shape_type ?? 'polygon';
  const xy = flatPoints(shape.points, [...path, 'points']);
  switch (type) {
    case 'polygon':
      needPoints(xy, 3, 'polygon', [...path, 'points'], true);
      return drawPolygon(xy, size);
    case 'rectangle': {
      needPoints(xy, 2, 'rectangle', [...path, 'points']);
      return drawRectangle(Math.min(xy[0]!, xy[2]!), Math.min(xy[1]!, xy[3]!), Math.max(xy[0]!, xy[2]!), Math.max(xy[1]!, xy[3]!), size);
    }
    case 'circle': {
      needPoints(xy, 2, 'circle', [...path, 'points']);
      const [cx, cy, px, py] = xy as [number, number, number, number];
      const d = Math.sqrt((cx - px) ** 2 + (cy - py) ** 2);
      return drawEllipse(cx - d, cy - d, cx + d, cy + d, size, [...path, 'points']);
    }
    case 'mask':
      needPoints(xy, 2, 'mask shape', [...path, 'points']);
      return decodeMaskShape(shape.mask, [xy[0]!, xy[1]!], size, { maxPixels: options.maxPixels, path: [...path, 'mask'] });
    default:
      throw new RleError('UNSUPPORTED', 'This shape type is not an area rlekit reads as a mask', { path: [...path, 'shape_type'], expected: AREA_SHAPES.join(', '), received: describeValue(type) });
  }
}
