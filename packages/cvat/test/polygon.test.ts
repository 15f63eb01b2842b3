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

  it('refuses odd coordinate lists, non-finite values and walks beyond the limit', () => {
    const size = { height: 10, width: 20 };
    expectCode(() => rasterizePolygon([0, 0, 1, 1, 2], size), 'INVALID_TOKEN');
    expectCode(() => rasterizePolygon([0, 0, NaN, 1, 2, 2], size), 'INVALID_TOKEN');
    expectCode(() => rasterizePolygon([0, 0, Infinity, 1, 2, 2], size), 'INVALID_TOKEN');
    expectCode(() => rasterizePolygon([0, 0, 1e12, 1, 2, 2], size), 'INVALID_TOKEN');
    // A vertex 1e8 px away would walk 5e8 grid points: refused up front, not a hang.
    expectCode(() => rasterizePolygon([0, 0, 1e8, 0, 0, 5], size), 'LIMIT_EXCEEDED');
    expectCode(() => rasterizePolygon([0, 0, 100, 0, 0, 5], size, { maxSteps: 100 }), 'LIMIT_EXCEEDED');
    expectCode(() => rasterizePolygon([0, 0, 1, 0, 1, 1], { height: -1, width: 2 }), 'INVALID_SIZE');
  });
});

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
