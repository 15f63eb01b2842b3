/**
 * The rasterizer itself (pycocotools' rleFrPoly, bit for bit) is tested in packages/core/test/polygon.test.ts,
 * on the reference cases of conformance/vectors/cvat/coco_polygons.json among others. Here: what CVAT adds.
 */
import { describe, expect, it } from 'vitest';
import * as core from '@rlekit/core';
import { DEFAULT_MAX_POLYGON_CROSSINGS, rasterizeBox, rasterizePolygon } from '../src/index.js';
import { expectCode, readJson } from './helpers.js';

interface PolygonCase { id: string; size: [number, number]; polygons: number[][] }

describe("CVAT's polygon and box rasterization", () => {
  it("is core's rasterizer: the same masks on the reference polygons, the same limit", () => {
    const cases = readJson<{ polygons: PolygonCase[] }>('coco_polygons.json').polygons.filter((c) => c.polygons.every((p) => p.length % 2 === 0));
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const c of cases) {
      const size = { height: c.size[0], width: c.size[1] };
      for (const xy of c.polygons) expect(rasterizePolygon(xy, size).equals(core.rasterizePolygon(xy, size))).toBe(true);
    }
    expect(rasterizeBox).toBe(core.rasterizeBox);
    expect(DEFAULT_MAX_POLYGON_CROSSINGS).toBe(core.DEFAULT_MAX_POLYGON_CROSSINGS);
    expectCode(() => rasterizePolygon([0, 0, 20, 0, 0, 5], { height: 10, width: 20 }, { maxCrossings: 10 }), 'LIMIT_EXCEEDED');
  });

  it('refuses an odd number of coordinates (CVAT points are pairs; pycocotools would drop the last)', () => {
    const e = expectCode(() => rasterizePolygon([0, 0, 4, 0, 2, 3, 1], { height: 5, width: 6 }, { path: ['polygon', 2, 'points'] }), 'INVALID_TOKEN');
    expect(e.path).toEqual(['polygon', 2, 'points']);
    expect(core.rasterizePolygon([0, 0, 4, 0, 2, 3, 1], { height: 5, width: 6 }).area()).toBeGreaterThan(0);
  });
});
