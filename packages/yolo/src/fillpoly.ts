/**
 * OpenCV's `cv2.fillPoly(mask, [pts], 1)` for one contour of integer points (lineType LINE_8,
 * shift 0), ported from modules/imgproc/src/drawing.cpp as Debian's OpenCV 4.6 runs it (CollectPolyEdges, FillEdgeCollection,
 * LineIterator, clipLine) with the same integer arithmetic, and checked against Debian's cv2 in
 * test/oracle.test.ts. Every edge is drawn as an 8-connected line (boundary pixels included) and
 * the inside is filled by even-odd pairs of edges per row. The result is collected as row spans,
 * never as a bitmap: the cost follows the rows and edges crossed, not the image area.
 */
import { Mask, type Size } from '@rlekit/core';

const XY_SHIFT = 16;
const XY_ONE = 65536;
/** `v >> XY_SHIFT` on a 64-bit integer held in a double (exact below 2^53). */
const shr = (v: number): number => Math.floor(v / XY_ONE);

interface Pt { x: number; y: number }

/** cv::clipLine(Size2l, Point2l&, Point2l&): moves the points onto the image; false when the line misses it. */
function clipLine(w: number, h: number, p1: Pt, p2: Pt): boolean {
  if (w <= 0 || h <= 0) return false;
  const right = w - 1, bottom = h - 1;
  let c1 = (p1.x < 0 ? 1 : 0) + (p1.x > right ? 2 : 0) + (p1.y < 0 ? 4 : 0) + (p1.y > bottom ? 8 : 0);
  let c2 = (p2.x < 0 ? 1 : 0) + (p2.x > right ? 2 : 0) + (p2.y < 0 ? 4 : 0) + (p2.y > bottom ? 8 : 0);
  if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
    let a: number;
    if (c1 & 12) {
      a = c1 < 8 ? 0 : bottom;
      p1.x += Math.trunc(((a - p1.y) * (p2.x - p1.x)) / (p2.y - p1.y));
      p1.y = a;
      c1 = (p1.x < 0 ? 1 : 0) + (p1.x > right ? 2 : 0);
    }
    if (c2 & 12) {
      a = c2 < 8 ? 0 : bottom;
      p2.x += Math.trunc(((a - p2.y) * (p2.x - p1.x)) / (p2.y - p1.y));
      p2.y = a;
      c2 = (p2.x < 0 ? 1 : 0) + (p2.x > right ? 2 : 0);
    }
    if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
      if (c1) {
        a = c1 === 1 ? 0 : right;
        p1.y += Math.trunc(((a - p1.x) * (p2.y - p1.y)) / (p2.x - p1.x));
        p1.x = a;
        c1 = 0;
      }
      if (c2) {
        a = c2 === 1 ? 0 : right;
        p2.y += Math.trunc(((a - p2.x) * (p2.y - p1.y)) / (p2.x - p1.x));
        p2.x = a;
        c2 = 0;
      }
    }
  }
  return (c1 | c2) === 0;
}

/** Row spans [x1, x2] (inclusive) collected in flat growing arrays. */
class Spans {
  y = new Int32Array(64);
  a = new Int32Array(64);
  b = new Int32Array(64);
  n = 0;
  add(y: number, a: number, b: number): void {
    if (this.n === this.y.length) {
      const grow = (v: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const t = new Int32Array(v.length * 2);
        t.set(v);
        return t;
      };
      this.y = grow(this.y); this.a = grow(this.a); this.b = grow(this.b);
    }
    this.y[this.n] = y; this.a[this.n] = a; this.b[this.n] = b;
    this.n++;
  }
}

/** cv::Line with LINE_8: LineIterator(img, pt1, pt2, 8, leftToRight = true), clipped to the image. */
function line8(w: number, h: number, p1: Pt, p2: Pt, out: Spans): void {
  const q1 = { x: p1.x, y: p1.y }, q2 = { x: p2.x, y: p2.y };
  if (q1.x < 0 || q1.x >= w || q2.x < 0 || q2.x >= w || q1.y < 0 || q1.y >= h || q2.y < 0 || q2.y >= h) {
    // The int overload of clipLine: results cast to int, as the clipped points are ints already.
    if (!clipLine(w, h, q1, q2)) return;
  }
  let dx = q2.x - q1.x, dy = q2.y - q1.y;
  let sx = 1, sy = 1;
  let x = q1.x, y = q1.y;
  if (dx < 0) {
    dx = -dx;
    dy = -dy;
    x = q2.x;
    y = q2.y;
  }
  if (dy < 0) {
    dy = -dy;
    sy = -1;
  }
  const vert = dy > dx;
  if (vert) {
    const t = dx; dx = dy; dy = t;
  }
  let err = dx - (dy + dy);
  const plus = dx + dx, minus = -(dy + dy);
  const count = dx + 1;
  if (!vert) {
    // x moves every step, y when err < 0: pixels of one row are one span.
    let start = x;
    for (let i = 0; i < count; i++) {
      if (i === count - 1) {
        out.add(y, start, x);
        break;
      }
      const step = err < 0;
      err += minus + (step ? plus : 0);
      if (step) {
        out.add(y, start, x);
        x += sx;
        y += sy;
        start = x;
      } else {
        x += sx;
      }
    }
  } else {
    // y moves every step, x when err < 0.
    for (let i = 0; i < count; i++) {
      out.add(y, x, x);
      const step = err < 0;
      err += minus + (step ? plus : 0);
      y += sy;
      if (step) x += sx;
    }
  }
}

interface Edge { y0: number; y1: number; x: number; dx: number; next: number }

/**
 * The mask cv2.fillPoly draws for the closed contour (xs[i], ys[i]) on an image of `size`
 * (color 1, LINE_8, shift 0). Coordinates must be integers of magnitude below 2^31.
 * @example
 * ```ts
 * // OpenCV's cv2.fillPoly (LINE_8) on integer vertices: the boundary pixels are filled too.
 * fillPoly([1, 3, 3, 1], [0, 0, 2, 2], { height: 3, width: 4 }).area(); // → 9
 * ```
 */
export function fillPoly(xs: ArrayLike<number>, ys: ArrayLike<number>, size: Size): Mask {
  const w = size.width, h = size.height;
  const count = xs.length;
  const spans = new Spans();
  const edges: Edge[] = [];
  if (count > 0 && w > 0 && h > 0) {
    let p0x = xs[count - 1]! * XY_ONE, p0y = ys[count - 1]!;
    for (let i = 0; i < count; i++) {
      const p1x = xs[i]! * XY_ONE, p1y = ys[i]!;
      const t0 = { x: shr(p0x + (XY_ONE >> 1)), y: p0y }, t1 = { x: shr(p1x + (XY_ONE >> 1)), y: p1y };
      line8(w, h, t0, t1, spans);
      // OpenCV 4.6 (Debian's, the oracle) builds the edge from the unclipped points; later releases
      // move it to the clipped ones ("use clipped endpoints"), which changes edges that leave the image.
      const c0x = t0.x * XY_ONE, c1x = t1.x * XY_ONE, c0y = p0y, c1y = p1y;
      if (p0y !== p1y) {
        const dx = Math.trunc((c1x - c0x) / (c1y - c0y));
        if (p0y < p1y) edges.push({ y0: p0y, y1: p1y, x: c0x + (p0y - c0y) * dx, dx, next: -1 });
        else edges.push({ y0: p1y, y1: p0y, x: c1x + (p1y - c1y) * dx, dx, next: -1 });
      }
      p0x = p1x;
      p0y = p1y;
    }
    fillEdges(edges, w, h, spans);
  }
  return spansToMask(spans, size);
}

/** FillEdgeCollection: the active edge list walked row by row, spans between pairs of edges. */
function fillEdges(edges: Edge[], w: number, h: number, out: Spans): void {
  const total = edges.length;
  if (total < 2) return;
  let yMin = Infinity, yMax = -Infinity, xMin = Infinity, xMax = -Infinity;
  for (const e of edges) {
    const x1 = e.x + (e.y1 - e.y0) * e.dx;
    yMin = Math.min(yMin, e.y0);
    yMax = Math.max(yMax, e.y1);
    xMin = Math.min(xMin, e.x, x1);
    xMax = Math.max(xMax, e.x, x1);
  }
  if (yMax < 0 || yMin >= h || xMax < 0 || xMin >= w * XY_ONE) return;
  edges.sort((a, b) => (a.y0 !== b.y0 ? a.y0 - b.y0 : a.x !== b.x ? a.x - b.x : a.dx - b.dx));
  // Index `total` is the list head (OpenCV's tmp) and the sentinel with y0 = INT_MAX.
  const HEAD = total;
  edges.push({ y0: 2147483647, y1: 0, x: 0, dx: 0, next: -1 });
  const delta = XY_ONE - 1;
  let i = 0;
  let e = 0;
  yMax = Math.min(yMax, h);
  // The rows above the image are walked without drawing (their x's still advance), as OpenCV does;
  // coordinates are bounded by the reader, so this stays within about one image height.
  for (let y = edges[0]!.y0; y < yMax; y++) {
    let draw = false;
    const clipline = y < 0;
    let prelast = HEAD;
    let last = edges[HEAD]!.next;
    let keep = HEAD;
    while (last >= 0 || edges[e]!.y0 === y) {
      if (last >= 0 && edges[last]!.y1 === y) {
        edges[prelast]!.next = edges[last]!.next;
        last = edges[last]!.next;
        continue;
      }
      keep = prelast;
      if (last >= 0 && (edges[e]!.y0 > y || edges[last]!.x < edges[e]!.x)) {
        prelast = last;
        last = edges[last]!.next;
      } else if (i < total) {
        edges[prelast]!.next = e;
        edges[e]!.next = last;
        prelast = e;
        e = ++i;
      } else break;
      if (draw) {
        const k = edges[keep]!, p = edges[prelast]!;
        if (!clipline) {
          let x1: number, x2: number;
          if (k.x > p.x) {
            x1 = shr(p.x + delta);
            x2 = shr(k.x);
          } else {
            x1 = shr(k.x + delta);
            x2 = shr(p.x);
          }
          if (x1 < w && x2 >= 0) {
            if (x1 < 0) x1 = 0;
            if (x2 >= w) x2 = w - 1;
            if (x1 <= x2) out.add(y, x1, x2);
          }
        }
        k.x += k.dx;
        p.x += p.dx;
      }
      draw = !draw;
    }
    // Bubble sort of the active list by x, as OpenCV does after each row.
    let stop = -1;
    for (;;) {
      prelast = HEAD;
      last = edges[HEAD]!.next;
      let exchanged = -1;
      while (last !== stop && last >= 0 && edges[last]!.next >= 0) {
        const te = edges[last]!.next;
        if (edges[last]!.x > edges[te]!.x) {
          edges[prelast]!.next = te;
          edges[last]!.next = edges[te]!.next;
          edges[te]!.next = last;
          prelast = te;
          exchanged = prelast;
        } else {
          prelast = last;
          last = te;
        }
      }
      if (exchanged < 0) break;
      stop = exchanged;
      if (stop === edges[HEAD]!.next || stop === HEAD) break;
    }
  }
}

/** Row spans (unordered, overlapping) → a mask: sorted by row and start, merged, as row-major runs. */
function spansToMask(s: Spans, size: Size): Mask {
  const n = s.n, w = size.width;
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  const ys = s.y, as = s.a, bs = s.b;
  order.sort((p, q) => ys[p]! - ys[q]! || as[p]! - as[q]!);
  const starts: number[] = [], lengths: number[] = [];
  let cy = -1, ca = 0, cb = -2;
  const flush = (): void => {
    if (cy >= 0) {
      starts.push(cy * w + ca);
      lengths.push(cb - ca + 1);
    }
  };
  for (let k = 0; k < n; k++) {
    const j = order[k]!;
    const y = ys[j]!, a = as[j]!, b = bs[j]!;
    if (y === cy && a <= cb + 1) {
      if (b > cb) cb = b;
      continue;
    }
    flush();
    cy = y; ca = a; cb = b;
  }
  flush();
  return Mask.fromIntervals(starts, lengths, size, 'row');
}
