/**
 * One YOLO ring per instance, with vertices chosen to survive Ultralytics' reading: truncation
 * to integers, then cv2.fillPoly, which draws every edge's pixels and fills between edges.
 *
 * core's polygonize traces rings along pixel edges, with vertices on pixel corners: drawn by
 * fillPoly (boundary included) such a ring is one pixel too big on its right and bottom. So each
 * ring is moved half a pixel inwards onto the centres of its boundary pixels, written as pixel
 * centres ((c + 0.5) / w, so a 6-decimal value times w truncates to c with half a pixel to spare).
 * For a hole-free, one-part mask the ring then draws exactly the mask: its edges run through
 * foreground pixels only, along rows and columns (an 8-connected pinch becomes a one-pixel
 * diagonal step, which fillPoly draws as its two pixels). Holes are moved the same way (into the
 * foreground around them) and joined to the ring above them by a zero-width cut along a column
 * of foreground pixels, so they stay exact too. Parts are joined by a segment between their
 * nearest vertices, drawn by fillPoly through background pixels: that is the one lossy step,
 * and the writer measures it (re-rasterized IoU).
 */
import { Mask, polygonizeDetailed, type Size } from '@rlekit/core';

export interface InstanceRing {
  /** Pixel-centre integer coordinates [x0, y0, x1, y1, ...], at least 3 points. Empty for an empty mask. */
  ring: number[];
  holesBridged: number;
  /** Parts joined to the first (parts - 1). */
  partsJoined: number;
  /** Parts left out by minArea, and their pixels. */
  droppedParts: number;
  droppedPixels: number;
}

/** Point lookup on a mask's row-major foreground intervals, by binary search (no bitmap). */
class PixelTest {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  constructor(mask: Mask) {
    const runs = mask.runsView('row');
    const n = runs.length >> 1;
    this.starts = new Float64Array(n);
    this.ends = new Float64Array(n);
    let pos = 0, k = 0;
    for (let i = 0; i < runs.length; i++) {
      if (i & 1) {
        this.starts[k] = pos;
        this.ends[k++] = pos + runs[i]!;
      }
      pos += runs[i]!;
    }
    this.width = mask.width;
    this.height = mask.height;
  }
  private readonly width: number;
  private readonly height: number;
  has(x: number, y: number): boolean {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return false;
    const p = y * this.width + x;
    let lo = 0, hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! > p) hi = mid - 1;
      else if (this.ends[mid]! <= p) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

const sign = (v: number): number => (v > 0 ? 1 : v < 0 ? -1 : 0);

/**
 * A corner ring (pixel edges, foreground on the right on screen) moved onto the centres of the
 * foreground pixels along it. Each vertex v with incoming direction d and outgoing e (unit axis
 * steps) and right-hand normals n(d) = (-d.y, d.x) goes to v + (n(d) + n(e)) / 2 - (1/2, 1/2):
 * the pixel in the corner's inner quadrant. At a left turn that pixel may be background (an
 * 8-connected pinch: the two other pixels touch at the corner only); there the ring steps
 * diagonally from the last pixel of the incoming side to the first of the outgoing one.
 */
function toCentres(ring: readonly number[], px: PixelTest): number[] {
  const n = ring.length >> 1;
  const out: number[] = [];
  const push = (x: number, y: number): void => {
    const m = out.length;
    if (m >= 2 && out[m - 2] === x && out[m - 1] === y) return;
    out.push(x, y);
  };
  for (let k = 0; k < n; k++) {
    const p = (k + n - 1) % n, q = (k + 1) % n;
    const vx = ring[2 * k]!, vy = ring[2 * k + 1]!;
    const dx = sign(vx - ring[2 * p]!), dy = sign(vy - ring[2 * p + 1]!);
    const ex = sign(ring[2 * q]! - vx), ey = sign(ring[2 * q + 1]! - vy);
    // Doubled: (n(d) + n(e) - (1, 1)) with n(d) = (-dy, dx); all halves become integers at the end.
    const cx = (2 * vx - dy - ey - 1) / 2, cy = (2 * vy + dx + ex - 1) / 2;
    const left = dx * ey - dy * ex < 0;
    if (left && !px.has(cx, cy)) {
      push((2 * vx - dy - dx - 1) / 2, (2 * vy + dx - dy - 1) / 2);
      push((2 * vx - ey + ex - 1) / 2, (2 * vy + ex + ey - 1) / 2);
    } else {
      push(cx, cy);
    }
  }
  if (out.length >= 4 && out[0] === out[out.length - 2] && out[1] === out[out.length - 1]) out.length -= 2;
  return out;
}

/** `ring` with the point (x, y) inserted on the first horizontal edge that holds it, rotated to start there. */
function startAt(ring: number[], x: number, y: number): number[] {
  const n = ring.length >> 1;
  for (let k = 0; k < n; k++) {
    const ax = ring[2 * k]!, ay = ring[2 * k + 1]!;
    const k2 = (k + 1) % n;
    const bx = ring[2 * k2]!, by = ring[2 * k2 + 1]!;
    if (ax === x && ay === y) return [...ring.slice(2 * k), ...ring.slice(0, 2 * k)];
    if (ay === y && by === y && Math.min(ax, bx) < x && x < Math.max(ax, bx)) {
      return [x, y, ...ring.slice(2 * k2), ...ring.slice(0, 2 * k2)];
    }
  }
  return [];
}

/**
 * Joins a hole (already in centre coordinates) to `ring`: from P, the pixel above the hole's
 * first pixel (hx, hy - 1), straight up column hx to the first point of `ring`. In corner space
 * the nearest eastward edge above the hole crossing column hx bounds a column of foreground
 * pixels down to P, and its centre-space copy holds the pixel at its top, so every pixel the cut
 * passes is foreground: walked down and back up, the cut adds no pixel.
 */
function bridge(ring: number[], hole: number[], hx: number, hy: number): number[] | undefined {
  const px = hx, py = hy - 1;
  const n = ring.length >> 1;
  let bestY = -Infinity, at = -1, onVertex = false;
  for (let k = 0; k < n; k++) {
    const ax = ring[2 * k]!, ay = ring[2 * k + 1]!;
    const k2 = (k + 1) % n;
    const bx = ring[2 * k2]!, by = ring[2 * k2 + 1]!;
    if (ax === px && ay <= py && ay > bestY) {
      bestY = ay; at = k; onVertex = true;
    }
    let y = -Infinity;
    if (ax === px && bx === px) y = Math.min(Math.max(ay, by), py); // along the column
    else if (ay === by && Math.min(ax, bx) < px && px < Math.max(ax, bx)) y = ay; // across it
    if (y <= py && y > bestY && y >= Math.min(ay, by)) {
      bestY = y; at = k; onVertex = false;
    }
  }
  if (at < 0) return undefined;
  const holeRing = startAt(hole, px, py);
  if (holeRing.length === 0) return undefined;
  const head = ring.slice(0, 2 * at + 2);
  const tail = ring.slice(2 * at + 2);
  const q = onVertex ? [] : [px, bestY];
  return [...head, ...q, ...holeRing, px, py, px, bestY, ...tail];
}

/** Inserts `part` into `ring` by a there-and-back segment between their nearest vertices. */
function join(ring: number[], part: number[]): number[] {
  const n = ring.length >> 1, m = part.length >> 1;
  // Nearest pair; on huge rings only every s-th vertex is tried (the join is lossy either way).
  const s = Math.max(1, Math.ceil((n * m) / 4e6));
  let bi = 0, bj = 0, bd = Infinity;
  for (let i = 0; i < n; i += s) {
    const x = ring[2 * i]!, y = ring[2 * i + 1]!;
    for (let j = 0; j < m; j++) {
      const dx = part[2 * j]! - x, dy = part[2 * j + 1]! - y;
      const d = dx * dx + dy * dy;
      if (d < bd) { bd = d; bi = i; bj = j; }
    }
  }
  const rotated = [...part.slice(2 * bj), ...part.slice(0, 2 * bj), part[2 * bj]!, part[2 * bj + 1]!];
  return [...ring.slice(0, 2 * bi + 2), ...rotated, ...ring.slice(2 * bi)];
}

export interface RingOptions {
  /** Parts with fewer pixels are left out (reported). Default 0. */
  minArea?: number;
}

/** The one ring that stands for `mask` in a YOLO label line (see the module comment). */
export function instanceRing(mask: Mask, options: RingOptions = {}): InstanceRing {
  const r = polygonizeDetailed(mask, { holes: 'keep', connectivity: 8, minArea: options.minArea ?? 0 });
  const px = new PixelTest(mask);
  let ring: number[] = [];
  let holesBridged = 0, partsJoined = 0;
  for (const poly of r.polygons) {
    let partRing = toCentres(poly.outer, px);
    const holes = poly.holes.slice().sort((a, b) => a[1]! - b[1]! || a[0]! - b[0]!);
    for (const hole of holes) {
      const joined = bridge(partRing, toCentres(hole, px), hole[0]!, hole[1]!);
      if (joined === undefined) throw new Error('instanceRing: no ring edge above a hole');
      partRing = joined;
      holesBridged++;
    }
    if (ring.length === 0) ring = partRing;
    else {
      ring = join(ring, partRing);
      partsJoined++;
    }
  }
  // Consecutive duplicates (from cuts of zero length) are dropped; Ultralytics needs 3 points.
  const out: number[] = [];
  for (let k = 0; k < ring.length; k += 2) {
    const m = out.length;
    if (m >= 2 && out[m - 2] === ring[k] && out[m - 1] === ring[k + 1]) continue;
    out.push(ring[k]!, ring[k + 1]!);
  }
  while (out.length >= 4 && out[0] === out[out.length - 2] && out[1] === out[out.length - 1]) out.length -= 2;
  while (out.length > 0 && out.length < 6) out.push(out[out.length - 2]!, out[out.length - 1]!);
  return { ring: out, holesBridged, partsJoined, droppedParts: r.dropped.parts, droppedPixels: r.dropped.pixels };
}

/** Normalised text of a pixel-centre coordinate c on an axis of `n` pixels: (c + 0.5) / n, 6 decimals. */
export function normalised(c: number, n: number): string {
  return ((c + 0.5) / n).toFixed(6);
}

export type { Size };
