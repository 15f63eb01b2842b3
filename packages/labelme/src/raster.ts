/**
 * LabelMe's `shape_to_mask` without Python: each shape drawn as Pillow 9.4's `ImageDraw` draws
 * it on an 8-bit image with `fill=1, outline=1` (equal inks, so only the fill is drawn), then
 * read back as runs. Written from the behaviour of Pillow's Draw.c (scan-line polygon filler,
 * integer ellipse stepper, inclusive rectangles) and checked pixel for pixel against Debian's
 * Pillow 9.4 (test/pillow.test.ts); docs/dialects/labelme.md explains the rules.
 *
 * Pillow's arithmetic is reproduced where it matters: vertices are cut to C ints, polygon
 * crossings are computed in 32-bit floats (`Math.fround` after every operation), and the ellipse
 * stepper's 64-bit products are exact (BigInt once doubles could lose bits).
 */
import { Mask, RleError, RunBuilder, checkSize, describeValue, type Size } from '@rlekit/core';

type Path = readonly (string | number)[];

const f32 = Math.fround;

/** |coordinate| must stay below this: C ints, with room for differences of two of them. */
export const COORD_LIMIT = 2 ** 30;
/**
 * Largest circle box side (in pixels) accepted. Pillow's ellipse stepper multiplies four sides in
 * 64-bit integers and overflows beyond about 46 000; the stepper also walks every row of the
 * circle, so a larger one is refused (LIMIT_EXCEEDED) rather than drawn wrong or slowly.
 */
export const MAX_ELLIPSE_SIDE = 32768;

/** C's `(int)` of a checked coordinate. */
function cInt(v: number): number {
  return Math.trunc(v);
}

/** Draw.c's ROUND_UP on a float (positive side in float arithmetic, negative in double, as C promotes). */
function roundUp(f: number): number {
  return f >= 0 ? Math.floor(f32(f + 0.5)) : -Math.floor(Math.abs(f) + 0.5);
}

/** Draw.c's ROUND_DOWN on a float. */
function roundDown(f: number): number {
  return f >= 0 ? Math.ceil(f32(f - 0.5)) : -Math.ceil(Math.abs(f) - 0.5);
}

export function checkCoordinate(c: unknown, path: Path): number {
  if (typeof c !== 'number' || !Number.isFinite(c)) {
    throw new RleError('INVALID_TOKEN', 'A point coordinate is not a finite number', { path, expected: 'a finite number', received: describeValue(c) });
  }
  if (!(c > -COORD_LIMIT && c < COORD_LIMIT)) {
    throw new RleError('LIMIT_EXCEEDED', 'A point coordinate is too far from the image', { path, expected: `|coordinate| < ${COORD_LIMIT}`, received: describeValue(c) });
  }
  return c;
}

/**
 * Collects horizontal spans row by row (rows visited in increasing order), clipped to the image
 * as Pillow's hline clips, merged, and written as row-major runs.
 */
class RowSpans {
  private readonly builder = new RunBuilder();
  /** The current row's spans as [x0, x1] pairs, reused across rows. */
  private spans: number[] = [];
  private count = 0;
  private row = -1;

  constructor(private readonly height: number, private readonly width: number) {}

  /** A span [x0, x1] (inclusive) of row y; rows must come in increasing order. */
  add(x0: number, y: number, x1: number): void {
    if (y < 0 || y >= this.height) return;
    // Pillow 9.4's hline swaps reversed ends: a crossing pair whose inward-rounded ends cross
    // (0.5 and 0.5 give 1..0) draws 0..1, not nothing.
    if (x0 > x1) {
      const t = x0;
      x0 = x1;
      x1 = t;
    }
    if (x0 < 0) x0 = 0;
    else if (x0 >= this.width) return;
    if (x1 < 0) return;
    if (x1 >= this.width) x1 = this.width - 1;
    if (y !== this.row) {
      this.flush();
      this.row = y;
    }
    // Insertion by start: a row holds a handful of spans, mostly in order already.
    const s = this.spans;
    let k = this.count++;
    while (k > 0 && s[2 * k - 2]! > x0) {
      s[2 * k] = s[2 * k - 2]!;
      s[2 * k + 1] = s[2 * k - 1]!;
      k--;
    }
    s[2 * k] = x0;
    s[2 * k + 1] = x1;
  }

  private flush(): void {
    const n = this.count;
    if (n === 0) return;
    const s = this.spans, base = this.row * this.width;
    let lo = s[0]!, hi = s[1]!;
    for (let k = 1; k < n; k++) {
      const a = s[2 * k]!, b = s[2 * k + 1]!;
      if (a <= hi + 1) {
        if (b > hi) hi = b;
      } else {
        this.builder.addInterval(base + lo, base + hi + 1);
        lo = a;
        hi = b;
      }
    }
    this.builder.addInterval(base + lo, base + hi + 1);
    this.count = 0;
  }

  finish(): Mask {
    this.flush();
    const size = { height: this.height, width: this.width };
    return Mask.fromCanonicalRuns(this.builder.finish(this.height * this.width), size, 'row');
  }
}

interface Edge {
  x0: number;
  y0: number;
  xmin: number;
  xmax: number;
  ymin: number;
  ymax: number;
  /** Float32 slope dx/dy (0 for horizontal edges). */
  dx: number;
}

function makeEdge(x0: number, y0: number, x1: number, y1: number): Edge {
  return {
    x0, y0,
    xmin: Math.min(x0, x1), xmax: Math.max(x0, x1),
    ymin: Math.min(y0, y1), ymax: Math.max(y0, y1),
    dx: y0 === y1 ? 0 : f32(f32(x1 - x0) / f32(y1 - y0)),
  };
}

/** Where an edge crosses row y, in Pillow's float arithmetic. */
function crossing(e: Edge, y: number): number {
  return f32(f32(f32(y - e.y0) * e.dx) + f32(e.x0));
}

/**
 * A filled polygon `[[x, y], ...]` (at least one point) as Pillow 9.4's `draw.polygon(xy, fill=1)`:
 * vertices cut to ints, horizontal edges drawn as lines, each row filled between pairs of sorted
 * edge crossings (ends rounded inwards), with Pillow's corner rules (a crossing doubled at an
 * edge's lower end; acute corners stretched to meet the next row).
 * @example
 * ```ts
 * // Pillow's ImageDraw.polygon with fill and outline: boundary pixels included.
 * drawPolygon([0, 0, 2, 0, 2, 1, 0, 1], { height: 3, width: 4 }).area(); // → 6
 * ```
 */
export function drawPolygon(xy: ArrayLike<number>, size: Size): Mask {
  checkSize(size);
  const h = size.height, w = size.width;
  const out = new RowSpans(h, w);
  const count = Math.floor(xy.length / 2);
  if (count === 0 || h * w === 0) return out.finish();
  const X = new Int32Array(count), Y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    X[i] = cInt(xy[2 * i]!);
    Y[i] = cInt(xy[2 * i + 1]!);
  }
  const edges: Edge[] = [];
  for (let i = 0; i < count - 1; i++) edges.push(makeEdge(X[i]!, Y[i]!, X[i + 1]!, Y[i + 1]!));
  if (X[count - 1] !== X[0] || Y[count - 1] !== Y[0]) edges.push(makeEdge(X[count - 1]!, Y[count - 1]!, X[0]!, Y[0]!));

  let ymin = h - 1, ymax = 0;
  const table: Edge[] = [];
  // Horizontal edges are drawn as they are met, before the scan: bucketed by row here.
  const flat = new Map<number, number[]>();
  for (const e of edges) {
    if (ymin > e.ymin) ymin = e.ymin;
    if (ymax < e.ymax) ymax = e.ymax;
    if (e.ymin === e.ymax) {
      if (e.ymin >= 0 && e.ymin < h) {
        const l = flat.get(e.ymin);
        if (l) l.push(e.xmin, e.xmax);
        else flat.set(e.ymin, [e.xmin, e.xmax]);
      }
      continue;
    }
    table.push(e);
  }
  if (ymin < 0) ymin = 0;
  if (ymax > h) ymax = h;

  // Pillow keeps one crossing buffer for the whole scan (its corner rule can write past the
  // current row's crossings, into slots a later row reuses), so this one persists across rows too.
  const xx = new Float32Array(Math.max(1, table.length * 2));
  // Edges by first row; the active ones in table order (the corner rule looks at earlier edges first).
  const byStart = table.map((_, i) => i).sort((a, b) => table[a]!.ymin - table[b]!.ymin);
  let next = 0;
  const active: number[] = [];
  for (let y = ymin; y <= ymax; y++) {
    // Leave the edges that ended above this row, in place; then add the ones starting here, in table order.
    let kept = 0;
    for (let a = 0; a < active.length; a++) if (table[active[a]!]!.ymax >= y) active[kept++] = active[a]!;
    active.length = kept;
    while (next < byStart.length && table[byStart[next]!]!.ymin <= y) {
      const e = byStart[next++]!;
      // An edge wholly above the image (the scan starts at row 0) is never active.
      if (table[e]!.ymax < y) continue;
      let k = active.length;
      active.push(e);
      while (k > 0 && active[k - 1]! > e) {
        active[k] = active[k - 1]!;
        k--;
      }
      active[k] = e;
    }
    let j = 0;
    for (let ai = 0; ai < active.length; ai++) {
      const i = active[ai]!;
      const cur = table[i]!;
      const x = crossing(cur, y);
      xx[j++] = x;
      if (y === cur.ymax && y < ymax) {
        xx[j] = xx[j - 1]!;
        j++;
      } else if (cur.dx !== 0 && Number.isInteger(x)) {
        // Pillow 9.2-11.0's "connect discontiguous corners": the first earlier edge going the same
        // way that meets this one here, at this row's top or bottom, moves a crossing towards the
        // next (or, on the last row, previous) row. It writes at the other edge's table index,
        // which is not always that edge's crossing: kept as is, it is what Pillow draws.
        for (let ak = 0; ak < ai; ak++) {
          const k = active[ak]!;
          const other = table[k]!;
          if ((cur.dx > 0 && other.dx <= 0) || (cur.dx < 0 && other.dx >= 0)) continue;
          if (((y === cur.ymin && y === other.ymin) || (y === cur.ymax && y === other.ymax)) && xx[j - 1] === crossing(other, y)) {
            const offset = y === ymax ? -1 : 1;
            const a = crossing(cur, y + offset), b = crossing(other, y + offset);
            if (y === cur.ymax) xx[k] = cur.dx > 0 ? f32(Math.max(a, b) + 1) : f32(Math.min(a, b) - 1);
            else xx[k] = cur.dx > 0 ? Math.min(a, b) : f32(Math.max(a, b) + 1);
            break;
          }
        }
      }
    }
    if (y >= h) continue;
    const f = flat.get(y);
    if (f) for (let k = 0; k < f.length; k += 2) out.add(f[k]!, y, f[k + 1]!);
    if (j > 1) {
      const sorted = xx.subarray(0, j).sort();
      for (let k = 1; k < j; k += 2) out.add(roundUp(sorted[k - 1]!), y, roundDown(sorted[k]!));
    }
  }
  return out.finish();
}

/**
 * Pillow's filled `draw.rectangle(((x0, y0), (x1, y1)))` with x0 <= x1, y0 <= y1: corners cut to ints, both inclusive.
 * @example
 * ```ts
 * drawRectangle(1, 0, 2, 1, { height: 3, width: 4 }).bbox(); // → { x: 1, y: 0, width: 2, height: 2 }
 * ```
 */
export function drawRectangle(x0: number, y0: number, x1: number, y1: number, size: Size): Mask {
  checkSize(size);
  const h = size.height, w = size.width;
  const out = new RowSpans(h, w);
  let ya = cInt(y0), yb = cInt(y1);
  const xa = cInt(x0), xb = cInt(x1);
  if (ya > yb) [ya, yb] = [yb, ya];
  if (ya < 0) ya = 0;
  else if (ya >= h) return out.finish();
  if (yb < 0) return out.finish();
  if (yb > h) yb = h;
  for (let y = ya; y <= yb; y++) out.add(xa, y, xb);
  return out.finish();
}

/**
 * Pillow's filled `draw.ellipse(((x0, y0), (x1, y1)))`: the box cut to ints, then its integer
 * stepper (Pillow >= 8.3), which walks a quarter of the ellipse on a doubled grid and mirrors it.
 * A box that is one pixel (a = b = 0) draws nothing, as in Pillow.
 * @example
 * ```ts
 * drawEllipse(0, 0, 2, 2, { height: 3, width: 4 }).bbox(); // → { x: 0, y: 0, width: 3, height: 3 }
 * ```
 */
export function drawEllipse(x0: number, y0: number, x1: number, y1: number, size: Size, path: Path = []): Mask {
  checkSize(size);
  const h = size.height, w = size.width;
  const bx = cInt(x0), by = cInt(y0);
  const a = cInt(x1) - bx, b = cInt(y1) - by;
  const out = new RowSpans(h, w);
  if (a < 0 || b < 0 || h * w === 0) return out.finish();
  if (a > MAX_ELLIPSE_SIDE || b > MAX_ELLIPSE_SIDE) {
    throw new RleError('LIMIT_EXCEEDED', 'A circle is too large to draw as Pillow does', { path, expected: `a box side of at most ${MAX_ELLIPSE_SIDE} pixels`, received: `${a + 1}x${b + 1}` });
  }
  // Per row of the image: the leftmost and rightmost pixel drawn (a filled ellipse's rows are solid).
  const rowLo = new Map<number, number>(), rowHi = new Map<number, number>();
  const seg = (X0: number, Y: number, X1: number): void => {
    const y = by + Math.floor((Y + b) / 2);
    if (y < 0 || y >= h) return;
    const l = bx + Math.floor((X0 + a) / 2), r = bx + Math.floor((X1 + a) / 2);
    const lo = rowLo.get(y);
    if (lo === undefined || l < lo) rowLo.set(y, l);
    const hi = rowHi.get(y);
    if (hi === undefined || r > hi) rowHi.set(y, r);
  };
  ellipseSegments(a, b, a + b, seg);
  for (const y of [...rowLo.keys()].sort((p, q) => p - q)) out.add(rowLo.get(y)!, y, rowHi.get(y)!);
  return out.finish();
}

interface Quarter {
  finished: boolean;
  cx: number;
  cy: number;
  ex: number;
  ey: number;
  delta: (x: number, y: number) => number | bigint;
}

/** |a²y² + b²x² − a²b²|, exact: doubles while the terms fit 2^53, BigInt beyond. */
function deltaFunction(a: number, b: number): (x: number, y: number) => number | bigint {
  if (Math.max(a, 1) * (Math.max(b, 1) + 2) < 2 ** 25) {
    const a2 = a * a, b2 = b * b, a2b2 = a2 * b2;
    return (x, y) => Math.abs(a2 * y * y + b2 * x * x - a2b2);
  }
  const A2 = BigInt(a) * BigInt(a), B2 = BigInt(b) * BigInt(b), A2B2 = A2 * B2;
  return (x, y) => {
    const v = A2 * BigInt(y) * BigInt(y) + B2 * BigInt(x) * BigInt(x) - A2B2;
    return v < 0n ? -v : v;
  };
}

function quarterInit(a: number, b: number): Quarter {
  if (a < 0 || b < 0) return { finished: true, cx: 0, cy: 0, ex: 0, ey: 0, delta: () => 0 };
  return { finished: false, cx: a, cy: b % 2, ex: a % 2, ey: b, delta: deltaFunction(a, b) };
}

/** The next point of the quarter, or undefined when it is done. */
function quarterNext(s: Quarter): [number, number] | undefined {
  if (s.finished) return undefined;
  const ret: [number, number] = [s.cx, s.cy];
  if (s.cx === s.ex && s.cy === s.ey) s.finished = true;
  else {
    let nx = s.cx, ny = s.cy + 2;
    let nd = s.delta(nx, ny);
    if (nx > 1) {
      let d = s.delta(s.cx - 2, s.cy + 2);
      if (nd > d) {
        nx = s.cx - 2;
        ny = s.cy + 2;
        nd = d;
      }
      d = s.delta(s.cx - 2, s.cy);
      if (nd > d) {
        nx = s.cx - 2;
        ny = s.cy;
      }
    }
    s.cx = nx;
    s.cy = ny;
  }
  return ret;
}

/** Every horizontal segment (X0, Y, X1) of Pillow's ellipse of width `width`, on the doubled grid. */
function ellipseSegments(a: number, b: number, width: number, seg: (x0: number, y: number, x1: number) => void): void {
  const leftmost = a % 2;
  const outer = quarterInit(a, b);
  const first = width < 1 ? undefined : quarterNext(outer);
  if (first === undefined) return;
  let [pr, py] = first;
  let pl = leftmost;
  const inner = quarterInit(a - 2 * (width - 1), b - 2 * (width - 1));
  let finished = false;
  while (!finished) {
    const y = py, r = pr;
    let l = pl;
    let p: [number, number] | undefined;
    while ((p = quarterNext(outer)) !== undefined && p[1] <= y) { /* skip to the next row */ }
    if (p === undefined) finished = true;
    else [pr, py] = p;
    let q: [number, number] | undefined;
    while ((q = quarterNext(inner)) !== undefined && q[1] <= y) l = q[0];
    pl = q === undefined ? leftmost : q[0];
    if ((l > 0 || l < r) && y > 0) seg(l === 0 ? 2 : l, y, r);
    if (y > 0) seg(-r, y, -l);
    if (l > 0 || l < r) seg(l === 0 ? 2 : l, -y, r);
    seg(-r, -y, -l);
  }
}
