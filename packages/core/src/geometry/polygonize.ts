import { RleError, type WarningSink } from '../errors.js';
import { Mask } from '../mask.js';
import { rasterizePolygon } from '../polygon.js';
import type { Size } from '../runs.js';
import { checkConnectivity, checkNonNegative } from './options.js';
import { labelIntervals, rowIntervals } from './rows.js';
import { simplifyParts } from './simplify.js';
import { traceIntervals } from './trace.js';
import { S, scratchI32 } from './scratch.js';

/**
 * One connected part of a mask as polygons in pixel-corner coordinates (pixel (x, y) is the
 * square [x, x+1] × [y, y+1]): flat `[x0, y0, x1, y1, ...]` rings, the last vertex joining the
 * first. `outer` runs clockwise on screen (x right, y down; a positive shoelace sum), each hole
 * counter-clockwise.
 */
export interface MaskPolygon {
  outer: number[];
  holes: number[][];
}

export type HolesMode = 'keep' | 'fill' | 'bridge';

export interface PolygonizeOptions {
  /** 8 (default): pixels touching at a corner are one part; 4: only pixels sharing a side. */
  connectivity?: 4 | 8;
  /** Largest distance, in pixels, a simplified ring may stray from the traced one. 0 (default) is exact. */
  tolerance?: number;
  /** Most vertices per ring (at least 4); rings above it are simplified further, topology kept. */
  maxPoints?: number;
  /** Parts with fewer pixels are left out, reported as `dropped-parts`. */
  minArea?: number;
  /**
   * `'keep'` (default): holes as rings of their own. `'fill'`: no holes (their pixels become
   * part of the outer ring's area). `'bridge'`: each hole joined to the outer ring by a
   * zero-width cut along a pixel edge, so one ring carries the whole part.
   */
  holes?: HolesMode;
  /** Receives `dropped-parts`, `pixels-changed` and `max-points-exceeded` warnings. */
  warn?: WarningSink;
}

export interface PolygonizeResult {
  polygons: MaskPolygon[];
  /** Parts left out by minArea, and their pixels. */
  dropped: { parts: number; pixels: number };
  /** Holes (of kept parts) that were filled by `holes: 'fill'`. */
  filledHoles: number;
  /** Holes (of kept parts) joined to their outer ring by `holes: 'bridge'`. */
  bridgedHoles: number;
  /**
   * Pixels where the polygons, rasterized as pycocotools does, differ from the mask (dropped
   * parts not counted), and the IoU of the two. 0 and 1 unless fill or simplification changed
   * something: only computed then.
   */
  pixelsChanged: number;
  iou: number;
  /** Rings still above `maxPoints` (no further removal was safe for the topology). */
  overBudget: number;
}

/**
 * The polygons of each connected part of `mask`: see {@link polygonizeDetailed}.
 * @example
 * ```ts
 * // Pixel-corner rings: outer rings clockwise on screen, holes counter-clockwise.
 * const ring = Mask.fromBitmap([1, 1, 1, 1, 0, 1, 1, 1, 1], { height: 3, width: 3 }, 'row');
 * const [part] = polygonize(ring);
 * [part.outer.length / 2, part.holes.length]; // → [4, 1]
 * polygonize(ring, { holes: 'fill' })[0].holes.length; // → 0
 * ```
 */
export function polygonize(mask: Mask, options: PolygonizeOptions = {}): MaskPolygon[] {
  return polygonizeDetailed(mask, options).polygons;
}

/**
 * The polygons of each connected part of `mask`, one entry per part in row-major order of the
 * part's first pixel, and what (if anything) they do not carry.
 *
 * With `tolerance: 0` and no `maxPoints` the rings follow pixel edges, with vertices at integer
 * corners only: pycocotools' rasterizer (`rasterizePolygon`) turns each outer ring back into the
 * part with its holes filled, and each hole ring into that hole, pixel for pixel.
 * @example
 * ```ts
 * const ring = Mask.fromBitmap([1, 1, 1, 1, 0, 1, 1, 1, 1], { height: 3, width: 3 }, 'row');
 * const result = polygonizeDetailed(ring, { holes: 'bridge' });
 * [result.polygons.length, result.bridgedHoles]; // → [1, 1]
 * rasterizeParts(result.polygons, ring.size).equals(ring); // → true
 * ```
 */
export function polygonizeDetailed(mask: Mask, options: PolygonizeOptions = {}): PolygonizeResult {
  const connectivity = checkConnectivity(options.connectivity);
  const tolerance = checkNonNegative(options.tolerance, 'tolerance', 0);
  const minArea = checkNonNegative(options.minArea, 'minArea', 0);
  const maxPoints = options.maxPoints;
  if (maxPoints !== undefined && (typeof maxPoints !== 'number' || !Number.isInteger(maxPoints) || maxPoints < 4)) {
    throw new RleError('INVALID_OPTION', 'Invalid maxPoints', { path: ['maxPoints'], expected: 'an integer >= 4', received: typeof maxPoints === 'number' ? String(maxPoints) : typeof maxPoints });
  }
  const holesMode = options.holes ?? 'keep';
  if (holesMode !== 'keep' && holesMode !== 'fill' && holesMode !== 'bridge') {
    throw new RleError('INVALID_OPTION', 'Invalid holes mode', { path: ['holes'], expected: '"keep", "fill" or "bridge"', received: typeof holesMode === 'string' ? JSON.stringify(holesMode).slice(0, 40) : typeof holesMode });
  }
  const r = rowIntervals(mask);
  const { labels, count: parts } = labelIntervals(r, connectivity);
  const area = new Float64Array(parts);
  for (let i = 0; i < r.count; i++) area[labels[i]!]! += r.xe[i]! - r.xs[i]!;
  const t = traceIntervals(r, connectivity);
  const { vx, vy, next, vrun } = t;
  const byPart: (MaskPolygon | undefined)[] = new Array(parts);
  const seen = scratchI32(S.seen, t.count);
  seen.fill(0, 0, t.count);
  let filledHoles = 0;
  for (let v = 0; v < t.count; v++) {
    if (seen[v] === 1) continue;
    const part = labels[vrun[v]!]!;
    // The first vertex met of a ring is its top-left corner: an outer ring leaves it eastwards,
    // a hole southwards.
    const outer = vy[next[v]!] === vy[v];
    const keep = area[part]! >= minArea;
    let u = v, len = 0;
    do {
      seen[u] = 1;
      len++;
      u = next[u]!;
    } while (u !== v);
    if (!keep) continue;
    // Sized up front: cheaper than growing by push.
    const ring: number[] = new Array<number>(2 * len);
    for (let k = 0; k < 2 * len; k += 2) {
      ring[k] = vx[u]!;
      ring[k + 1] = vy[u]!;
      u = next[u]!;
    }
    if (outer) byPart[part] = { outer: ring, holes: [] };
    else if (holesMode === 'fill') filledHoles++;
    else byPart[part]!.holes.push(ring);
  }
  const polygons: MaskPolygon[] = [];
  let droppedParts = 0, droppedPixels = 0;
  for (let p = 0; p < parts; p++) {
    const poly = byPart[p];
    if (poly === undefined) { droppedParts++; droppedPixels += area[p]!; }
    else polygons.push(poly);
  }
  let changed = filledHoles > 0;
  if (tolerance > 0 || maxPoints !== undefined) {
    if (simplifyParts(polygons, tolerance, maxPoints)) changed = true;
  }
  let overBudget = 0;
  if (maxPoints !== undefined) {
    for (const p of polygons) for (const ring of [p.outer, ...p.holes]) if (ring.length / 2 > maxPoints) overBudget++;
  }
  let bridgedHoles = 0;
  if (holesMode === 'bridge') for (const p of polygons) {
    bridgedHoles += p.holes.length;
    bridgeHoles(p);
  }
  let pixelsChanged = 0, iou = 1;
  if (changed) {
    // The reference: the mask without dropped parts.
    const kept = droppedParts > 0 ? keptMask(mask, r, labels, area, minArea) : mask;
    const back = rasterizeParts(polygons, mask.size);
    const o = back.overlap(kept);
    pixelsChanged = o.union - o.intersection;
    iou = o.union === 0 ? 1 : o.intersection / o.union;
  }
  const warn = options.warn;
  if (warn !== undefined) {
    if (droppedParts > 0) {
      warn({ code: 'dropped-parts', message: `${droppedParts} part(s) smaller than minArea ${minArea} left out (${droppedPixels} pixels)`, count: droppedParts });
    }
    if (overBudget > 0) {
      warn({ code: 'max-points-exceeded', message: `${overBudget} ring(s) keep more than maxPoints ${maxPoints} vertices: removing more would make rings cross`, count: overBudget });
    }
    if (pixelsChanged > 0) {
      const why = [filledHoles > 0 ? `${filledHoles} hole(s) filled` : '', tolerance > 0 || maxPoints !== undefined ? 'simplified' : ''].filter((s) => s !== '').join(', ');
      warn({ code: 'pixels-changed', message: `Polygons differ from the mask in ${pixelsChanged} pixel(s), IoU ${iou.toFixed(6)} (${why})`, count: pixelsChanged });
    }
  }
  return { polygons, dropped: { parts: droppedParts, pixels: droppedPixels }, filledHoles, bridgedHoles, pixelsChanged, iou, overBudget };
}

function keptMask(mask: Mask, r: ReturnType<typeof rowIntervals>, labels: Int32Array, area: Float64Array, minArea: number): Mask {
  const starts: number[] = [], lengths: number[] = [];
  for (let y = 0; y < r.height; y++) {
    for (let i = r.rowStart[y]!; i < r.rowStart[y + 1]!; i++) {
      if (area[labels[i]!]! >= minArea) { starts.push(y * r.width + r.xs[i]!); lengths.push(r.xe[i]! - r.xs[i]!); }
    }
  }
  return Mask.fromIntervals(starts, lengths, mask.size, 'row');
}

/**
 * The mask the polygons stand for, as pycocotools would draw them: each part is its outer ring
 * rasterized minus its hole rings rasterized; the parts are united.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([1, 1, 0, 0, 0, 1], { height: 2, width: 3 }, 'row');
 * rasterizeParts(polygonize(mask), mask.size).equals(mask); // → true
 * ```
 */
export function rasterizeParts(polygons: readonly MaskPolygon[], size: Size): Mask {
  let out = Mask.empty(size);
  for (const p of polygons) {
    let part = rasterizePolygon(p.outer, size);
    for (const hole of p.holes) part = part.difference(rasterizePolygon(hole, size));
    out = out.union(part);
  }
  return out;
}

/**
 * Joins each hole to the ring above it by a vertical zero-width cut along a pixel edge: from
 * the hole's top-left corner straight up to the first edge of the part's rings above it (the
 * outer ring or an earlier, already joined hole). The cut is walked down and back up; vertical
 * edges never change pycocotools' rasterization, so the result stays exact.
 */
function bridgeHoles(p: MaskPolygon): void {
  if (p.holes.length === 0) return;
  let ring = p.outer;
  // Holes in order of their top-left corner (row-major), as traced.
  const holes = p.holes.slice().sort((a, b) => a[1]! - b[1]! || a[0]! - b[0]!);
  for (const hole of holes) {
    const hx = hole[0]!, hy = hole[1]!;
    // The nearest edge above the corner crossing column hx (between x = hx and hx + 1) and
    // heading east (foreground below it), in the ring built so far.
    let best = -1, bestY = -1;
    const n = ring.length >> 1;
    for (let k = 0; k < n; k++) {
      const ax = ring[2 * k]!, ay = ring[2 * k + 1]!;
      const k2 = k + 1 === n ? 0 : k + 1;
      const bx = ring[2 * k2]!, by = ring[2 * k2 + 1]!;
      if (ay === by && ay < hy && ax <= hx && hx < bx && ay > bestY) { best = k; bestY = ay; }
    }
    if (best < 0) throw new Error('bridgeHoles: no edge above a hole');
    const ax = ring[2 * best]!;
    const head = ring.slice(0, 2 * best + 2);
    const tail = ring.slice(2 * best + 2);
    const cut = ax === hx ? [] : [hx, bestY];
    ring = [...head, ...cut, ...hole, hx, hy, ...(ax === hx ? [ax, bestY] : cut), ...tail];
  }
  p.outer = ring;
  p.holes = [];
}
