/**
 * pycocotools' polygon and box entry points (`frPyObjects`, `annToRLE`), on core's rasterizer
 * (`rasterizePolygon` / `rasterizeBox`: `rleFrPoly` / `rleFrBbox` bit for bit). This file only
 * checks COCO's list shapes and turns masks into COCO counts.
 */
import { checkSize, combineRuns, Mask, rasterizeBox, rasterizePolygon, describeValue, RleError, type Order } from '@rlekit/core';
import { countsToString, type CompressedRle } from './rle.js';

type Path = readonly (string | number)[];

/**
 * Counts of one polygon `[x1, y1, x2, y2, ...]` rasterised on an h x w image, exactly
 * `rleFrPoly` (an odd trailing number is ignored, as in pycocotools).
 * @example
 * ```ts
 * // A triangle rasterized as pycocotools' frPyObjects does: column-major counts.
 * Array.from(polygonCounts([0.5, 0.5, 3.5, 0.5, 3.5, 2.5], 3, 4)); // → [7, 1, 2, 1, 1]
 * ```
 */
export function polygonCounts(xy: ArrayLike<number>, h: number, w: number, path: Path = []): Uint32Array {
  const size = { height: h, width: w };
  const total = checkSize(size);
  const runs = rasterizePolygon(xy, size, { path }).runsView('col');
  // pycocotools gives the single count 0 for an image without pixels.
  return total === 0 ? Uint32Array.of(0) : runs;
}

function checkPolygonList(polygons: unknown, name: string, path: Path = []): readonly (readonly number[])[] {
  if (!Array.isArray(polygons)) throw new RleError('INVALID_STRUCTURE', `${name} must be a list of lists of numbers`, { path, received: typeof polygons });
  polygons.forEach((p, i) => {
    if (!Array.isArray(p) && !(ArrayBuffer.isView(p) && !(p instanceof DataView))) {
      throw new RleError('INVALID_STRUCTURE', `${name} entry is not a list of numbers`, { path: [...path, i], expected: 'a flat list [x1, y1, x2, y2, ...]' });
    }
    // Every entry, the ignored odd one too: a nested list ([[[x, y, ...]]]) would otherwise be an empty mask.
    if (Array.isArray(p)) {
      for (let j = 0; j < p.length; j++) {
        if (typeof p[j] !== 'number') throw new RleError('INVALID_TOKEN', 'Polygon coordinate is not a number', { path: [...path, i, j], expected: 'a number', received: describeValue(p[j]) });
      }
    }
  });
  return polygons as readonly (readonly number[])[];
}

/**
 * pycocotools' `frPyObjects(polygons, h, w)` for a list of polygons: one compressed RLE per
 * polygon, not merged. Unlike pycocotools, a first polygon of 4 numbers is still a polygon
 * (pycocotools mistakes it for a box and raises TypeError).
 * @example
 * ```ts
 * fromPolygons([[0.5, 0.5, 3.5, 0.5, 3.5, 2.5]], 3, 4); // → [{ size: [3, 4], counts: '7120O' }]
 * ```
 */
export function fromPolygons(polygons: readonly (readonly number[])[], h: number, w: number): CompressedRle[] {
  checkSize({ height: h, width: w });
  return checkPolygonList(polygons, 'polygons').map((p, i) => ({ size: [h, w], counts: countsToString(polygonCounts(p, h, w, [i])) }));
}

/**
 * The union of a COCO `segmentation` polygon list as a Mask: what `COCO.annToRLE` gives. `order`
 * is the run order to make it in (the pixels are the same; 'row' spares a writer of row-major
 * runs the transposition).
 * @example
 * ```ts
 * // The union of a segmentation's polygons, as COCO.annToRLE gives it.
 * polygonsToMask([[0.5, 0.5, 3.5, 0.5, 3.5, 2.5]], 3, 4).area(); // → 2
 * ```
 */
export function polygonsToMask(polygons: readonly ArrayLike<number>[], h: number, w: number, path: Path = [], order: Order = 'col'): Mask {
  const size = { height: h, width: w };
  const total = checkSize(size);
  const list = checkPolygonList(polygons, 'polygons', path);
  if (total === 0) return Mask.empty(size);
  // One polygon (most annotations): its mask is the union.
  if (list.length === 1) return rasterizePolygon(list[0]!, size, { path: [...path, 0], order });
  let acc: Uint32Array | undefined;
  for (let i = 0; i < list.length; i++) {
    const c = rasterizePolygon(list[i]!, size, { path: [...path, i], order }).runsView(order);
    acc = acc === undefined ? c : combineRuns(acc, c, 0b1110, total);
  }
  return acc === undefined ? Mask.empty(size) : Mask.fromCanonicalRuns(acc, size, order);
}

/** The mask `rleFrBbox` makes of a box `[x, y, w, h]`. */
function boxMask(bb: readonly number[], h: number, w: number, path: Path): Mask {
  if (!Array.isArray(bb) || bb.length !== 4) {
    throw new RleError('INVALID_STRUCTURE', 'A box is [x, y, width, height]', { path, expected: 'four numbers', received: describeValue(bb) });
  }
  return rasterizeBox({ x: bb[0]!, y: bb[1]!, width: bb[2]!, height: bb[3]! }, { height: h, width: w }, { path });
}

/**
 * pycocotools' `frPyObjects(boxes, h, w)` (rleFrBbox): one compressed RLE per `[x, y, w, h]`.
 * @example
 * ```ts
 * fromBboxes([[1, 0, 2, 2]], 3, 4); // → [{ size: [3, 4], counts: '32103' }]
 * ```
 */
export function fromBboxes(bboxes: readonly (readonly number[])[], h: number, w: number): CompressedRle[] {
  const total = checkSize({ height: h, width: w });
  return checkPolygonList(bboxes, 'bboxes').map((bb, i) => {
    const runs = boxMask(bb, h, w, [i]).runsView('col');
    return { size: [h, w], counts: countsToString(total === 0 ? Uint32Array.of(0) : runs) };
  });
}

/**
 * A box `[x, y, w, h]` rasterised as pycocotools does, as a Mask.
 * @example
 * ```ts
 * bboxToMask([1, 0, 2, 2], 3, 4).area(); // → 4
 * ```
 */
export function bboxToMask(bb: readonly number[], h: number, w: number): Mask {
  return boxMask(bb, h, w, []);
}
