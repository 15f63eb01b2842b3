/**
 * Row intervals: a mask's row-major runs cut at row ends, so that every geometry operation
 * (components, polygons, resize, hole filling) walks runs row by row instead of pixels.
 * The arrays cost O(runs + height), never O(pixels).
 */
import { Mask } from '../mask.js';
import { RunBuilder } from '../runs.js';
import { S, scratchI32, scratchU32 } from './scratch.js';

export interface RowIntervals {
  height: number;
  width: number;
  /** Intervals of row y are indices [rowStart[y], rowStart[y + 1]); length height + 1. */
  rowStart: Uint32Array;
  /** First column of each interval. */
  xs: Uint32Array;
  /** One past the last column of each interval. */
  xe: Uint32Array;
  count: number;
  /** First row holding an interval, and one past the last (both 0 when there are none). */
  y0: number;
  y1: number;
}

/**
 * The foreground intervals of each row, in row-major order. Touching intervals never occur in one
 * row. The arrays are reused scratch: valid until the next call.
 */
export function rowIntervals(mask: Mask): RowIntervals {
  const h = mask.height, w = mask.width;
  const runs = mask.runsView('row');
  let fg = 0;
  for (let k = 1; k < runs.length; k += 2) fg++;
  // A run that spans k rows gives k intervals: at most one extra per row boundary.
  const cap = fg + h;
  // Transient: valid until the next call (see scratch.ts).
  const xs = scratchU32(S.xs, cap), xe = scratchU32(S.xe, cap);
  const rowStart = scratchU32(S.rowStart, h + 1);
  let n = 0, pos = 0, row = 0, y0 = 0, y1 = 0;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    if ((k & 1) === 1 && r > 0) {
      let p = pos;
      const q = pos + r;
      let y = Math.floor(p / w);
      if (n === 0) y0 = y;
      while (row <= y) rowStart[row++] = n;
      while (p < q) {
        const rs = y * w;
        const e = q < rs + w ? q : rs + w;
        xs[n] = p - rs;
        xe[n] = e - rs;
        n++;
        p = e;
        y++;
        y1 = y;
        if (p < q) rowStart[row++] = n;
      }
    }
    pos += r;
  }
  while (row <= h) rowStart[row++] = n;
  return { height: h, width: w, rowStart, xs, xe, count: n, y0, y1 };
}

/** The background intervals of each row (the complement of `fg` within [0, width)). */
export function backgroundIntervals(fg: RowIntervals): RowIntervals {
  const { height: h, width: w, rowStart, xs, xe } = fg;
  const cap = fg.count + h;
  const bs = scratchU32(S.bxs, cap), be = scratchU32(S.bxe, cap);
  const start = scratchU32(S.browStart, h + 1);
  let n = 0;
  for (let y = 0; y < h; y++) {
    start[y] = n;
    let x = 0;
    for (let i = rowStart[y]!; i < rowStart[y + 1]!; i++) {
      if (xs[i]! > x) { bs[n] = x; be[n] = xs[i]!; n++; }
      x = xe[i]!;
    }
    if (x < w) { bs[n] = x; be[n] = w; n++; }
  }
  start[h] = n;
  return { height: h, width: w, rowStart: start, xs: bs, xe: be, count: n, y0: 0, y1: h };
}

/**
 * Union-find over intervals: intervals of consecutive rows that touch (4: share a column;
 * 8: also diagonally) join. Returns each interval's part label, numbered in row-major order of
 * each part's first pixel, and the number of parts. The root of a set is always its first
 * interval, so labels come out in that order in one pass.
 */
export function labelIntervals(r: RowIntervals, connectivity: 4 | 8): { labels: Int32Array; count: number } {
  const { height: h, rowStart, xs, xe, count } = r;
  const parent = scratchI32(S.parent, count);
  for (let i = 0; i < count; i++) parent[i] = i;
  const d = connectivity === 8 ? 1 : 0;
  for (let y = Math.max(1, r.y0); y < r.y1; y++) {
    let i = rowStart[y - 1]!, j = rowStart[y]!;
    const ie = rowStart[y]!, je = rowStart[y + 1]!;
    while (i < ie && j < je) {
      if (xs[i]! < xe[j]! + d && xs[j]! < xe[i]! + d) {
        // union: the smaller root (earlier interval) wins
        let a = i, b = j;
        while (parent[a] !== a) { parent[a] = parent[parent[a]!]!; a = parent[a]!; }
        while (parent[b] !== b) { parent[b] = parent[parent[b]!]!; b = parent[b]!; }
        if (a < b) parent[b] = a;
        else if (b < a) parent[a] = b;
      }
      if (xe[i]! < xe[j]!) i++;
      else j++;
    }
  }
  const labels = scratchI32(S.labels, count);
  let n = 0;
  for (let i = 0; i < count; i++) {
    let a = i;
    while (parent[a] !== a) a = parent[a]!;
    parent[i] = a;
    labels[i] = a === i ? n++ : labels[a]!;
  }
  return { labels, count: n };
}

/** A mask from row intervals (rows in order, intervals ascending within a row). */
export function maskFromIntervals(h: number, w: number, rowStart: ArrayLike<number>, xs: ArrayLike<number>, xe: ArrayLike<number>): Mask {
  const b = new RunBuilder(2 * (rowStart[h] as number) + 4);
  for (let y = 0; y < h; y++) {
    const base = y * w;
    for (let i = rowStart[y]!; i < rowStart[y + 1]!; i++) b.addInterval(base + xs[i]!, base + xe[i]!);
  }
  return Mask.fromCanonicalRuns(b.finish(h * w), { height: h, width: w }, 'row');
}
