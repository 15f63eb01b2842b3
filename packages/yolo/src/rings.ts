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

/** Vertices of the rings placed so far, bucketed in square cells, for nearest-vertex queries. */
class VertexGrid {
  private readonly cells = new Map<number, number[]>();
  private readonly rings: number[][] = [];
  constructor(private readonly cell: number, private readonly cols: number) {}
  add(ring: number[]): void {
    const r = this.rings.length;
    this.rings.push(ring);
    for (let k = 0; k < ring.length; k += 2) {
      const key = Math.floor(ring[k + 1]! / this.cell) * this.cols + Math.floor(ring[k]! / this.cell);
      const list = this.cells.get(key);
      if (list) list.push(r, k);
      else this.cells.set(key, [r, k]);
    }
  }
  /** The placed vertex nearest to (x, y): cells are searched in growing squares until none can be nearer. */
  nearest(x: number, y: number): { ring: number; at: number } {
    const cx = Math.floor(x / this.cell), cy = Math.floor(y / this.cell);
    let best = { ring: 0, at: 0 }, bd = Infinity;
    for (let r = 0; ; r++) {
      for (let j = cy - r; j <= cy + r; j++) {
        for (let i = cx - r; i <= cx + r; i++) {
          if (Math.max(Math.abs(i - cx), Math.abs(j - cy)) !== r || i < 0 || j < 0 || i >= this.cols) continue;
          const list = this.cells.get(j * this.cols + i);
          if (!list) continue;
          for (let t = 0; t < list.length; t += 2) {
            const ring = this.rings[list[t]!]!, k = list[t + 1]!;
            const dx = ring[k]! - x, dy = ring[k + 1]! - y;
            const d = dx * dx + dy * dy;
            if (d < bd) { bd = d; best = { ring: list[t]!, at: k }; }
          }
        }
      }
      // Every vertex beyond this square is at least r * cell away.
      if (bd <= (r * this.cell) ** 2 || r > 1 + (this.cols + this.cells.size) * 4) return best;
    }
  }
}

/** A ring hung on another at a point of its edge k (t along the edge), walked there and back. */
interface Hang { t: number; x: number; y: number; child: number }

/** `ring` rotated to start at (x, y), inserted on the edge that holds it if it is no vertex. */
function rotateTo(ring: number[], x: number, y: number): number[] {
  const n = ring.length >> 1;
  for (let k = 0; k < n; k++) {
    if (ring[2 * k] === x && ring[2 * k + 1] === y) return [...ring.slice(2 * k), ...ring.slice(0, 2 * k)];
  }
  for (let k = 0; k < n; k++) {
    const k2 = (k + 1) % n;
    const ax = ring[2 * k]!, ay = ring[2 * k + 1]!, bx = ring[2 * k2]!, by = ring[2 * k2 + 1]!;
    if ((ay === y && by === y && Math.min(ax, bx) < x && x < Math.max(ax, bx)) || (ax === x && bx === x && Math.min(ay, by) < y && y < Math.max(ay, by))) {
      return [x, y, ...ring.slice(2 * k2), ...ring.slice(0, 2 * k2)];
    }
  }
  throw new Error('rotateTo: the point is not on the ring');
}

/**
 * The rings as one: each ring after the first hangs on a point of an earlier one (`hangs[r]`: edge
 * index → hangs), and is walked from that point around and back. Assembled in one pass with an
 * explicit stack, so long chains of holes or parts cannot overflow the call stack.
 */
function assemble(rings: number[][], hangs: Map<number, Hang[]>[]): number[] {
  const out: number[] = [];
  type Frame = { r: number; k: number; list: Hang[] | undefined; h: number };
  const stack: Frame[] = [{ r: 0, k: 0, list: undefined, h: -1 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const ring = rings[top.r]!;
    if (top.h < 0) {
      if (2 * top.k >= ring.length) {
        stack.pop();
        const parent = stack[stack.length - 1];
        if (parent !== undefined) {
          const q = parent.list![parent.h - 1]!;
          out.push(ring[0]!, ring[1]!, q.x, q.y);
        }
        continue;
      }
      out.push(ring[2 * top.k]!, ring[2 * top.k + 1]!);
      const list = hangs[top.r]!.get(top.k);
      if (list !== undefined) list.sort((a, b) => a.t - b.t);
      top.list = list;
      top.h = 0;
      continue;
    }
    if (top.list !== undefined && top.h < top.list.length) {
      const g = top.list[top.h++]!;
      out.push(g.x, g.y);
      stack.push({ r: g.child, k: 0, list: undefined, h: -1 });
      continue;
    }
    top.k++;
    top.h = -1;
  }
  return out;
}

/** Where each lattice point on the rings' edges lies: key y * stride + x → [ring, edge, t, ...]. */
function pointIndex(rings: number[][], stride: number): Map<number, number[]> {
  const index = new Map<number, number[]>();
  const put = (x: number, y: number, r: number, k: number, t: number): void => {
    const key = y * stride + x;
    const list = index.get(key);
    if (list) list.push(r, k, t);
    else index.set(key, [r, k, t]);
  };
  rings.forEach((ring, r) => {
    const n = ring.length >> 1;
    for (let k = 0; k < n; k++) {
      const k2 = (k + 1) % n;
      const ax = ring[2 * k]!, ay = ring[2 * k + 1]!, bx = ring[2 * k2]!, by = ring[2 * k2 + 1]!;
      const steps = Math.max(Math.abs(bx - ax), Math.abs(by - ay));
      // Row and column edges hold every point between their ends; diagonal steps have length 1.
      const sx = Math.sign(bx - ax), sy = Math.sign(by - ay);
      for (let t = 0; t < Math.max(1, steps); t++) put(ax + sx * t, ay + sy * t, r, k, t);
    }
  });
  return index;
}

/**
 * One part's outer ring and holes (centre coordinates) as one ring: each hole hangs on the first
 * point of an already placed ring straight above the pixel over its first pixel (P = (hx, hy - 1)).
 * In corner space the nearest eastward edge above the hole crossing column hx bounds a column of
 * foreground pixels down to P, and its centre-space copy is a placed ring's row there, so every
 * pixel the cut passes is foreground: walked down and back up, the cut adds no pixel.
 */
function bridgeHoles(outer: number[], holes: { ring: number[]; hx: number; hy: number }[], width: number): number[] {
  if (holes.length === 0) return outer;
  const stride = width + 2;
  const rings: number[][] = [outer];
  for (const h of holes) rings.push(rotateTo(h.ring, h.hx, h.hy - 1));
  const index = pointIndex(rings, stride);
  const hangs: Map<number, Hang[]>[] = rings.map(() => new Map());
  for (let i = 0; i < holes.length; i++) {
    const { hx, hy } = holes[i]!;
    let found = false;
    for (let y = hy - 1; y >= 0 && !found; y--) {
      const list = index.get(y * stride + hx);
      if (list === undefined) continue;
      for (let j = 0; j < list.length; j += 3) {
        const r = list[j]!;
        if (r > i) continue; // placed rings only: the outer ring (0) and earlier holes (1..i)
        const k = list[j + 1]!, t = list[j + 2]!;
        const at = hangs[r]!.get(k);
        const g = { t, x: hx, y, child: i + 1 };
        if (at) at.push(g);
        else hangs[r]!.set(k, [g]);
        found = true;
        break;
      }
    }
    if (!found) throw new Error('instanceRing: no ring above a hole');
  }
  return assemble(rings, hangs);
}

/**
 * Joins parts: each part after the first hangs, by a there-and-back segment from its first vertex
 * (its top-left pixel), on the nearest vertex of the parts placed before it.
 */
function joinParts(parts: number[][], size: Size): number[] {
  if (parts.length === 1) return parts[0]!;
  const cell = 16;
  const grid = new VertexGrid(cell, Math.ceil((size.width + 1) / cell) + 1);
  const hangs: Map<number, Hang[]>[] = parts.map(() => new Map());
  grid.add(parts[0]!);
  for (let p = 1; p < parts.length; p++) {
    const part = parts[p]!;
    const { ring, at } = grid.nearest(part[0]!, part[1]!);
    const k = at >> 1;
    const g = { t: 0, x: parts[ring]![at]!, y: parts[ring]![at + 1]!, child: p };
    const list = hangs[ring]!.get(k);
    if (list) list.push(g);
    else hangs[ring]!.set(k, [g]);
    grid.add(part);
  }
  return assemble(parts, hangs);
}

export interface RingOptions {
  /** Parts with fewer pixels are left out (reported). Default 0. */
  minArea?: number;
}

/**
 * The one ring that stands for `mask` in a YOLO label line (see the module comment).
 * @example
 * ```ts
 * // One ring through pixel centres; two parts are joined into it.
 * const mask = Mask.fromBitmap([1, 0, 0, 1, 1, 0, 0, 1], { height: 2, width: 4 }, 'row');
 * const r = instanceRing(mask);
 * [r.partsJoined, r.ring.length >= 6]; // → [1, true]
 * ```
 */
export function instanceRing(mask: Mask, options: RingOptions = {}): InstanceRing {
  const r = polygonizeDetailed(mask, { holes: 'keep', connectivity: 8, minArea: options.minArea ?? 0 });
  const px = new PixelTest(mask);
  const parts: number[][] = [];
  let holesBridged = 0;
  for (const poly of r.polygons) {
    const holes = poly.holes.map((h) => ({ ring: toCentres(h, px), hx: h[0]!, hy: h[1]! })).sort((a, b) => a.hy - b.hy || a.hx - b.hx);
    parts.push(bridgeHoles(toCentres(poly.outer, px), holes, mask.width));
    holesBridged += holes.length;
  }
  const partsJoined = Math.max(0, parts.length - 1);
  const ring = parts.length === 0 ? [] : joinParts(parts, mask.size);
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
