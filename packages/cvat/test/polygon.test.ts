import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask } from '@rlekit/core';
import { rasterizeBox, rasterizePolygon } from '../src/index.js';
import { expectCode, readJson } from './helpers.js';

interface PolygonCase {
  id: string;
  size: [number, number];
  polygons: number[][];
  per_polygon: { counts: number[] }[];
  merged: { counts: number[] };
  area: number;
}
interface BboxCase {
  id: string;
  size: [number, number];
  bbox_in: [number, number, number, number];
  counts: number[];
  area: number;
}

const vectors = readJson<{ polygons: PolygonCase[]; bboxes: BboxCase[] }>('coco_polygons.json');
// pycocotools silently drops a trailing odd coordinate; CVAT points always come in pairs and rlekit refuses odd lists.
const polygons = vectors.polygons.filter((c) => c.polygons.every((p) => p.length % 2 === 0));

describe("COCO's polygon rules (pycocotools rleFrPoly reference results)", () => {
  it('covers the reference cases', () => {
    expect(polygons.length).toBeGreaterThanOrEqual(40);
    expect(polygons.some((c) => c.id.includes('self_intersecting'))).toBe(true);
  });

  it.each(polygons.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const size = { height: c.size[0], width: c.size[1] };
    let merged = Mask.empty(size);
    c.polygons.forEach((xy, i) => {
      const m = rasterizePolygon(xy, size);
      expect([...m.runs('col')]).toEqual(canonical(c.per_polygon[i]!.counts));
      merged = merged.union(m);
    });
    expect([...merged.runs('col')]).toEqual(canonical(c.merged.counts));
    expect(merged.area()).toBe(c.area);
  });

  it.each(vectors.bboxes.map((c) => [c.id, c] as const))('box %s', (_id, c) => {
    const size = { height: c.size[0], width: c.size[1] };
    const [x, y, width, height] = c.bbox_in;
    const m = rasterizeBox({ x, y, width, height }, size);
    expect([...m.runs('col')]).toEqual(canonical(c.counts));
    expect(m.area()).toBe(c.area);
  });
});

describe('rasterizePolygon properties', () => {
  it('an axis-aligned rectangle with integer corners covers exactly its pixels, in any vertex order, on non-square images', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: -3, max: 33 }), fc.integer({ min: -3, max: 33 }), fc.integer({ min: -3, max: 33 }), fc.integer({ min: -3, max: 33 }),
        fc.boolean(), fc.nat(3),
        (h, w, xa, xb, ya, yb, reverse, rot) => {
          fc.pre(h !== w);
          const [x0, x1] = xa < xb ? [xa, xb] : [xb, xa];
          const [y0, y1] = ya < yb ? [ya, yb] : [yb, ya];
          let pts = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
          if (reverse) pts = pts.reverse();
          pts = [...pts.slice(rot), ...pts.slice(0, rot)];
          const m = rasterizePolygon(pts.flat(), { height: h, width: w });
          const want = new Uint8Array(h * w);
          for (let y = Math.max(0, y0); y < Math.min(h, y1); y++) for (let x = Math.max(0, x0); x < Math.min(w, x1); x++) want[y * w + x] = 1;
          expect(m.toBitmap()).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('first and last pixels, the full image and the empty polygon', () => {
    const size = { height: 3, width: 5 };
    expect(rasterizePolygon([0, 0, 1, 0, 1, 1, 0, 1], size).toBitmap()[0]).toBe(1);
    const last = rasterizePolygon([4, 2, 5, 2, 5, 3, 4, 3], size);
    expect(last.area()).toBe(1);
    expect(last.toBitmap()[14]).toBe(1);
    expect(rasterizePolygon([0, 0, 5, 0, 5, 3, 0, 3], size).equals(Mask.full(size))).toBe(true);
    expect(rasterizePolygon([], size).isEmpty()).toBe(true);
    expect(rasterizePolygon([0, 0, 5, 3], size).isEmpty()).toBe(true);
    expect(rasterizePolygon([0, 0, 5, 0, 5, 3], { height: 0, width: 5 }).pixels).toBe(0);
  });

  it('refuses odd coordinate lists, non-finite values and too many crossings', () => {
    const size = { height: 10, width: 20 };
    expectCode(() => rasterizePolygon([0, 0, 1, 1, 2], size), 'INVALID_TOKEN');
    expectCode(() => rasterizePolygon([0, 0, NaN, 1, 2, 2], size), 'INVALID_TOKEN');
    expectCode(() => rasterizePolygon([0, 0, Infinity, 1, 2, 2], size), 'INVALID_TOKEN');
    expectCode(() => rasterizePolygon([0, 0, 1e12, 1, 2, 2], size), 'INVALID_TOKEN');
    expectCode(() => rasterizePolygon([0, 0, 20, 0, 0, 5], size, { maxCrossings: 10 }), 'LIMIT_EXCEEDED');
    expectCode(() => rasterizePolygon([0, 0, 1, 0, 1, 1], { height: -1, width: 2 }), 'INVALID_SIZE');
  });

  it('a vertex 10^8 pixels away costs nothing extra (no walk along the boundary)', () => {
    const size = { height: 10, width: 20 };
    // The wedge (0,0) (1e8,0) (0,5) is 5 px tall across the whole 20 px: rows 0..4.
    const want = Uint8Array.from({ length: 200 }, (_, i) => (i < 100 ? 1 : 0));
    expect(rasterizePolygon([0, 0, 1e8, 0, 0, 5], size).toBitmap()).toEqual(want);
    expect(rasterizePolygon([0, 0, 0, 5, -1e8, 2], size).isEmpty()).toBe(true);
    // Far enough for the literal port to walk it in a test: the same runs.
    const far = [-3e4, 1.3, 2e4, 7.7, 9.2, 4e4, 3.3, -2e4];
    expect([...rasterizePolygon(far, size).runs('col')]).toEqual(canonical(literalRleFrPoly(far, 10, 20)));
  });

  it('matches a literal port of rleFrPoly on random polygons, vertices far outside included, on non-square images', () => {
    const coord = fc.oneof(
      { weight: 6, arbitrary: fc.double({ min: -8, max: 40, noNaN: true }) },
      { weight: 2, arbitrary: fc.integer({ min: -5, max: 40 }).map((v) => v / 2) },
      { weight: 1, arbitrary: fc.double({ min: -3000, max: 3000, noNaN: true }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 33 }), fc.integer({ min: 1, max: 33 }), fc.array(fc.tuple(coord, coord), { minLength: 1, maxLength: 12 }), (h, w, pts) => {
        fc.pre(h !== w);
        const xy = pts.flat();
        const got = rasterizePolygon(xy, { height: h, width: w });
        expect([...got.runs('col')]).toEqual(canonical(literalRleFrPoly(xy, h, w)));
      }),
      { numRuns: 1500 },
    );
  });
});

/**
 * The reference algorithm transcribed step by step (every boundary point stored, as maskApi.c
 * does), used as the oracle for the optimised rasterizer. Returns column-major counts.
 */
function literalRleFrPoly(xy: number[], h: number, w: number): number[] {
  const k = xy.length / 2;
  const cint = (v: number) => (Number.isNaN(v) ? -2147483648 : Math.trunc(v));
  const x: number[] = [], y: number[] = [];
  for (let j = 0; j < k; j++) { x.push(cint(5 * xy[2 * j]! + 0.5)); y.push(cint(5 * xy[2 * j + 1]! + 0.5)); }
  x.push(x[0]!); y.push(y[0]!);
  const u: number[] = [], v: number[] = [];
  for (let j = 0; j < k; j++) {
    let xs = x[j]!, xe = x[j + 1]!, ys = y[j]!, ye = y[j + 1]!;
    const dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) { [xs, xe] = [xe, xs]; [ys, ye] = [ye, ys]; }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) for (let d = 0; d <= dx; d++) { const t = flip ? dx - d : d; u.push(t + xs); v.push(cint(ys + s * t + 0.5)); }
    else for (let d = 0; d <= dy; d++) { const t = flip ? dy - d : d; v.push(t + ys); u.push(cint(xs + s * t + 0.5)); }
  }
  const a: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = Math.min(u[j]!, u[j - 1]!);
    xd = (xd + 0.5) / 5 - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = Math.min(v[j]!, v[j - 1]!);
    yd = (yd + 0.5) / 5 - 0.5;
    if (yd < 0) yd = 0; else if (yd > h) yd = h;
    a.push(xd * h + Math.ceil(yd));
  }
  a.push(h * w);
  a.sort((p, q) => p - q);
  const diffs: number[] = [];
  let p = 0;
  for (const t of a) { diffs.push(t - p); p = t; }
  // maskApi.c: a zero difference is dropped together with the next one, which merges into the previous run.
  const b: number[] = [diffs[0]!];
  let j = 1;
  while (j < diffs.length) {
    if (diffs[j]! > 0) b.push(diffs[j++]!);
    else { j++; if (j < diffs.length) b[b.length - 1]! += diffs[j++]!; }
  }
  return b;
}

/** Reference counts in canonical form: zero runs merged away (a leading 0 kept when the first pixel is set). */
function canonical(counts: number[]): number[] {
  const runs: number[] = [];
  let fg = false, last = false;
  for (const c of counts) {
    if (c > 0) {
      if (runs.length === 0) {
        if (fg) runs.push(0);
        runs.push(c);
      } else if (last === fg) runs[runs.length - 1]! += c;
      else runs.push(c);
      last = fg;
    }
    fg = !fg;
  }
  return runs;
}
