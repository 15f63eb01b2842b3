/**
 * Boundary tracing on row intervals. Every boundary between a foreground and a background
 * pixel is a unit "crack" on the pixel-corner grid; this sweep builds the rings those cracks
 * form, directly with their corners only, in one pass over the rows.
 *
 * Orientation: each crack is walked with the foreground on its right as seen on screen
 * (x right, y down). Outer rings therefore run clockwise on screen (positive shoelace sum
 * over the raw coordinates) and holes counter-clockwise.
 *
 * At a corner where two foreground pixels touch only diagonally (a saddle), four cracks meet;
 * the vertex is split in two and paired by the connectivity: with 8 the ring passes from one
 * diagonal pixel to the other (one part), with 4 it turns back (two parts, each ring touching
 * the other at that point). Background then has the dual connectivity (4 with 8 and vice versa),
 * so each ring separates exactly one part from one background region.
 */
import type { RowIntervals } from './rows.js';
import { S, scratchI32, scratchU32 } from './scratch.js';

export interface Trace {
  /** Vertex coordinates. */
  vx: Uint32Array;
  vy: Uint32Array;
  /** The next vertex along the ring. */
  next: Int32Array;
  /** The interval whose side (vertical crack) ends at this vertex: its part is the vertex's part. */
  vrun: Int32Array;
  count: number;
}

export function traceIntervals(r: RowIntervals, connectivity: 4 | 8): Trace {
  const { height: h, rowStart, xs, xe } = r;
  // Each vertex ends exactly one vertical crack run, and each interval has two sides with two
  // ends each: at most 4 vertices per interval.
  const cap = 4 * r.count + 4;
  const vx = scratchU32(S.vx, cap), vy = scratchU32(S.vy, cap);
  const next = scratchI32(S.next, cap), vrun = scratchI32(S.vrun, cap);
  // The upper vertex of the open vertical crack run on each interval's left / right side.
  const openL = scratchI32(S.openL, r.count), openR = scratchI32(S.openR, r.count);
  const eight = connectivity === 8;
  let nv = 0;
  // Lines outside [y0, y1] have no foreground on either side.
  for (let y = r.y0; y <= r.y1 && r.count > 0; y++) {
    const ia = y > 0 ? rowStart[y - 1]! : 0, ib = y > 0 ? rowStart[y]! : 0;
    const ja = y < h ? rowStart[y]! : 0, jb = y < h ? rowStart[y + 1]! : 0;
    const na = 2 * (ib - ia), nb = 2 * (jb - ja);
    let pa = 0, pb = 0;
    let above = false, below = false;
    // The vertex owning the horizontal crack run that extends right of the current point.
    let hv = -1;
    let east = false;
    while (pa < na || pb < nb) {
      const ai = ia + (pa >> 1), bj = ja + (pb >> 1);
      const xa = pa < na ? ((pa & 1) === 0 ? xs[ai]! : xe[ai]!) : Infinity;
      const xb = pb < nb ? ((pb & 1) === 0 ? xs[bj]! : xe[bj]!) : Infinity;
      if (xa === xb) {
        const sa = pa & 1, sb = pb & 1;
        pa++;
        pb++;
        if (sa === sb) {
          // A side continues straight down: no vertex, the open run carries over.
          if (sa === 0) openL[bj] = openL[ai]!;
          else openR[bj] = openR[ai]!;
          above = !above;
          below = !below;
          continue;
        }
        const v1 = nv++, v2 = nv++;
        vx[v1] = vx[v2] = xa;
        vy[v1] = vy[v2] = y;
        if (sa === 1) {
          // ↘ saddle: foreground above-left and below-right. Arriving: down the upper pixel's
          // right side (v1) and up the lower pixel's left side (v2); leaving west and east.
          const u = openR[ai]!;
          next[u] = v1;
          vrun[v1] = ai;
          vrun[v2] = bj;
          openL[bj] = v2;
          if (eight) {
            // down → east, up → west
            next[v2] = hv;
            hv = v1;
          } else {
            // down → west, up → east
            next[v1] = hv;
            hv = v2;
          }
          east = true;
        } else {
          // ↗ saddle: foreground above-right and below-left. Arriving from the west (v1) and
          // from the east (v2); leaving up the upper pixel's left side and down the lower
          // pixel's right side.
          const u = openL[ai]!;
          next[hv] = v1;
          vrun[v1] = eight ? ai : bj;
          vrun[v2] = eight ? bj : ai;
          if (eight) {
            // west → up, east → down
            next[v1] = u;
            openR[bj] = v2;
          } else {
            // west → down, east → up
            openR[bj] = v1;
            next[v2] = u;
          }
          hv = v2;
          east = false;
        }
        above = !above;
        below = !below;
        continue;
      }
      const v = nv++;
      vy[v] = y;
      if (xa < xb) {
        vx[v] = xa;
        vrun[v] = ai;
        // Left sides run up, right sides down.
        if ((pa & 1) === 0) next[v] = openL[ai]!;
        else next[openR[ai]!] = v;
        pa++;
        above = !above;
      } else {
        vx[v] = xb;
        vrun[v] = bj;
        if ((pb & 1) === 0) openL[bj] = v;
        else openR[bj] = v;
        pb++;
        below = !below;
      }
      if (above !== below) {
        // A horizontal run starts here; it runs east where the foreground is below.
        hv = v;
        east = below;
      } else if (east) next[hv] = v;
      else next[v] = hv;
    }
  }
  return { vx, vy, next, vrun, count: nv };
}
