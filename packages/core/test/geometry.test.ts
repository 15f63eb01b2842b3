import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Mask, components, fillHoles, splitParts, nearestIndexMap, polygonize, polygonizeDetailed, rasterizeParts, rasterizePolygon, resize,
  type MaskPolygon, type RleWarning,
} from '../src/index.js';
import { bitmapArb, expectCode } from './support.js';
import { naiveFillHoles, naiveLabels, shoelace2, structuredArb } from './geometry-support.js';

const masksArb = fc.oneof(bitmapArb(18), structuredArb(22));

function bitmap(rows: string[]): Mask {
  const h = rows.length, w = rows[0]!.length;
  return Mask.fromBitmap(Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0)), { height: h, width: w });
}

/** The naive components of a bitmap as masks, in row-major order of first pixel. */
function naiveComponents(bits: Uint8Array, h: number, w: number, conn: 4 | 8): Mask[] {
  const { labels, count } = naiveLabels(bits, h, w, conn);
  return Array.from({ length: count }, (_, k) => Mask.fromBitmap(Array.from(labels, (l) => (l === k + 1 ? 1 : 0)), { height: h, width: w }));
}

/** Exactness as the issue states it, part by part: outer minus holes is the part; all parts are the mask. */
function checkExact(m: Mask, polys: MaskPolygon[], parts: Mask[]): void {
  expect(polys.length).toBe(parts.length);
  let all = Mask.empty(m.size);
  polys.forEach((p, i) => {
    let part = rasterizePolygon(p.outer, m.size);
    for (const h of p.holes) part = part.difference(rasterizePolygon(h, m.size));
    expect(part.equals(parts[i]!)).toBe(true);
    all = all.union(part);
    expect(shoelace2(p.outer)).toBeGreaterThan(0);
    for (const h of p.holes) expect(shoelace2(h)).toBeLessThan(0);
    for (const ring of [p.outer, ...p.holes]) {
      expect(ring.length % 2).toBe(0);
      for (let k = 0; k < ring.length; k += 2) {
        expect(Number.isInteger(ring[k]) && ring[k]! >= 0 && ring[k]! <= m.width).toBe(true);
        expect(Number.isInteger(ring[k + 1]) && ring[k + 1]! >= 0 && ring[k + 1]! <= m.height).toBe(true);
      }
    }
  });
  expect(all.equals(m)).toBe(true);
  expect(rasterizeParts(polys, m.size).equals(m)).toBe(true);
}

describe('polygonize (exact, tolerance 0)', () => {
  for (const conn of [4, 8] as const) {
    it(`rasterizes back pixel for pixel, part by part, with ${conn}-connectivity`, () => {
      fc.assert(
        fc.property(masksArb, ({ height, width, bits }) => {
          const m = Mask.fromBitmap(bits, { height, width });
          const parts = naiveComponents(bits, height, width, conn);
          checkExact(m, polygonize(m, { connectivity: conn }), parts);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('defaults to 8-connectivity: diagonal contacts are one part whose ring passes the pinch point', () => {
    const m = bitmap(['#..', '.#.', '..#', '.#.']);
    const p8 = polygonize(m);
    expect(p8).toHaveLength(1);
    expect(p8[0]!.outer).toEqual([0, 0, 1, 0, 1, 1, 2, 1, 2, 2, 3, 2, 3, 3, 2, 3, 2, 4, 1, 4, 1, 3, 2, 3, 2, 2, 1, 2, 1, 1, 0, 1]);
    checkExact(m, p8, naiveComponents(m.toBitmap(), 4, 3, 8));
    const p4 = polygonize(m, { connectivity: 4 });
    expect(p4.map((p) => p.outer)).toEqual([[0, 0, 1, 0, 1, 1, 0, 1], [1, 1, 2, 1, 2, 2, 1, 2], [2, 2, 3, 2, 3, 3, 2, 3], [1, 3, 2, 3, 2, 4, 1, 4]]);
  });

  it('keeps holes and islands inside holes, parts in row-major order of their first pixel', () => {
    const m = bitmap([
      '#######.',
      '#.....#.',
      '#.###.#.',
      '#.#.#.#.',
      '#.###.#.',
      '#.....#.',
      '#######.',
      '.......#',
    ]);
    const p = polygonize(m);
    // The outer frame (touching the single pixel at the corner diagonally: one part with 8),
    // then the island ring inside its hole.
    expect(p).toHaveLength(2);
    expect(p[0]!.holes).toHaveLength(1);
    expect(p[1]!.holes).toEqual([[3, 3, 3, 4, 4, 4, 4, 3]]);
    checkExact(m, p, naiveComponents(m.toBitmap(), 8, 8, 8));
    const p4 = polygonize(m, { connectivity: 4 });
    expect(p4).toHaveLength(3);
    expect(p4[2]!.outer).toEqual([7, 7, 8, 7, 8, 8, 7, 8]);
  });

  it('handles empty, full, single-pixel, one-row and one-column masks', () => {
    expect(polygonize(Mask.empty({ height: 3, width: 5 }))).toEqual([]);
    expect(polygonize(Mask.empty({ height: 0, width: 5 }))).toEqual([]);
    expect(polygonize(Mask.full({ height: 3, width: 5 }))).toEqual([{ outer: [0, 0, 5, 0, 5, 3, 0, 3], holes: [] }]);
    expect(polygonize(bitmap(['..', '.#', '..']))).toEqual([{ outer: [1, 1, 2, 1, 2, 2, 1, 2], holes: [] }]);
    expect(polygonize(bitmap(['#.##']))).toEqual([{ outer: [0, 0, 1, 0, 1, 1, 0, 1], holes: [] }, { outer: [2, 0, 4, 0, 4, 1, 2, 1], holes: [] }]);
    expect(polygonize(Mask.fromBitmap([1, 1, 0, 1], { height: 4, width: 1 }))).toEqual([{ outer: [0, 0, 1, 0, 1, 2, 0, 2], holes: [] }, { outer: [0, 3, 1, 3, 1, 4, 0, 4], holes: [] }]);
  });

  it('drops parts below minArea and says so', () => {
    const m = bitmap(['##..#', '##...', '.....']);
    const warnings: RleWarning[] = [];
    const r = polygonizeDetailed(m, { minArea: 2, warn: (w) => warnings.push(w) });
    expect(r.polygons).toHaveLength(1);
    expect(r.dropped).toEqual({ parts: 1, pixels: 1 });
    expect(warnings.map((w) => [w.code, w.count])).toEqual([['dropped-parts', 1]]);
    expect(r.pixelsChanged).toBe(0);
  });

  it('fills holes when asked, reporting the pixels and IoU', () => {
    const m = bitmap(['###.', '#.#.', '###.']);
    const warnings: RleWarning[] = [];
    const r = polygonizeDetailed(m, { holes: 'fill', warn: (w) => warnings.push(w) });
    expect(r.polygons).toEqual([{ outer: [0, 0, 3, 0, 3, 3, 0, 3], holes: [] }]);
    expect(r.pixelsChanged).toBe(1);
    expect(r.iou).toBeCloseTo(8 / 9, 12);
    expect(warnings.map((w) => w.code)).toEqual(['pixels-changed']);
  });

  for (const conn of [4, 8] as const) {
    it(`bridge puts every hole on the outer ring by zero-width cuts and stays exact (${conn})`, () => {
      fc.assert(
        fc.property(masksArb, ({ height, width, bits }) => {
          const m = Mask.fromBitmap(bits, { height, width });
          const r = polygonizeDetailed(m, { connectivity: conn, holes: 'bridge' });
          const parts = naiveComponents(bits, height, width, conn);
          expect(r.polygons.length).toBe(parts.length);
          r.polygons.forEach((p, i) => {
            expect(p.holes).toEqual([]);
            expect(rasterizePolygon(p.outer, m.size).equals(parts[i]!)).toBe(true);
          });
          expect(r.pixelsChanged).toBe(0);
          expect(r.iou).toBe(1);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('rejects bad options with RleError', () => {
    const m = bitmap(['#.']);
    expectCode(() => polygonize(m, { connectivity: 6 as 4 }), 'INVALID_OPTION');
    expectCode(() => polygonize(m, { tolerance: -1 }), 'INVALID_OPTION');
    expectCode(() => polygonize(m, { tolerance: Number.NaN }), 'INVALID_OPTION');
    expectCode(() => polygonize(m, { maxPoints: 3 }), 'INVALID_OPTION');
    expectCode(() => polygonize(m, { maxPoints: 4.5 }), 'INVALID_OPTION');
    expectCode(() => polygonize(m, { holes: 'drop' as 'keep' }), 'INVALID_OPTION');
    expectCode(() => polygonize(m, { minArea: -2 }), 'INVALID_OPTION');
  });
});

/** Proper crossings or touching away from shared vertices between any two edges of all rings. */
function crossings(polys: MaskPolygon[]): number {
  const segs: number[][] = [];
  for (const p of polys) for (const r of [p.outer, ...p.holes]) {
    const n = r.length >> 1;
    for (let i = 0; i < n; i++) { const j = (i + 1) % n; segs.push([r[2 * i]!, r[2 * i + 1]!, r[2 * j]!, r[2 * j + 1]!]); }
  }
  const orient = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number) => Math.sign((bx - ax) * (cy - ay) - (by - ay) * (cx - ax));
  let bad = 0;
  for (let i = 0; i < segs.length; i++) for (let j = i + 1; j < segs.length; j++) {
    const [a, b, c, d] = segs[i]!, [e, f, g, k] = segs[j]!;
    const o1 = orient(a!, b!, c!, d!, e!, f!), o2 = orient(a!, b!, c!, d!, g!, k!);
    const o3 = orient(e!, f!, g!, k!, a!, b!), o4 = orient(e!, f!, g!, k!, c!, d!);
    if (o1 * o2 < 0 && o3 * o4 < 0) bad++;
  }
  return bad;
}

describe('polygonize with simplification', () => {
  it('keeps traced corners only, never crosses rings, and reports the IoU it measured', () => {
    fc.assert(
      fc.property(structuredArb(20), fc.constantFrom(0.5, 1, 1.5, 3), fc.boolean(), ({ height, width, bits }, tolerance, budget) => {
        const m = Mask.fromBitmap(bits, { height, width });
        const exact = polygonize(m);
        const warnings: RleWarning[] = [];
        const r = polygonizeDetailed(m, { tolerance, maxPoints: budget ? 6 : undefined, warn: (w) => warnings.push(w) });
        expect(r.polygons.length).toBe(exact.length);
        expect(crossings(r.polygons)).toBe(0);
        r.polygons.forEach((p, i) => {
          const corners = new Set<string>();
          for (const ring of [exact[i]!.outer, ...exact[i]!.holes]) for (let k = 0; k < ring.length; k += 2) corners.add(`${ring[k]},${ring[k + 1]}`);
          for (const ring of [p.outer, ...p.holes]) {
            expect(ring.length).toBeGreaterThanOrEqual(8);
            for (let k = 0; k < ring.length; k += 2) expect(corners.has(`${ring[k]},${ring[k + 1]}`)).toBe(true);
          }
          expect(p.holes.length).toBe(exact[i]!.holes.length);
        });
        const back = rasterizeParts(r.polygons, m.size);
        const o = back.overlap(m);
        expect(r.pixelsChanged).toBe(o.union - o.intersection);
        expect(r.iou).toBeCloseTo(o.union === 0 ? 1 : o.intersection / o.union, 12);
        expect(warnings.some((w) => w.code === 'pixels-changed')).toBe(r.pixelsChanged > 0);
      }),
      { numRuns: 150 },
    );
  });

  it('meets a point budget on a staircase', () => {
    const rows: string[] = [];
    for (let y = 0; y < 30; y++) rows.push('#'.repeat(y + 1) + '.'.repeat(40 - y - 1));
    const m = bitmap(rows);
    const exact = polygonize(m);
    expect(exact[0]!.outer.length / 2).toBe(62);
    const r = polygonizeDetailed(m, { maxPoints: 8 });
    expect(r.polygons[0]!.outer.length / 2).toBeLessThanOrEqual(8);
    expect(r.overBudget).toBe(0);
    expect(polygonizeDetailed(m, { maxPoints: 8, tolerance: 0 }).overBudget).toBe(0);
    expect(r.iou).toBeGreaterThan(0.9);
    expect(r.iou).toBeLessThan(1);
    const t = polygonizeDetailed(m, { tolerance: 1 });
    expect(t.polygons[0]!.outer.length / 2).toBeLessThan(10);
  });
});

describe('components', () => {
  for (const conn of [4, 8] as const) {
    it(`matches a flood fill, in row-major order of first pixel (${conn})`, () => {
      fc.assert(
        fc.property(masksArb, ({ height, width, bits }) => {
          const m = Mask.fromBitmap(bits, { height, width });
          const got = components(m, { connectivity: conn });
          const want = naiveComponents(bits, height, width, conn);
          expect(got.length).toBe(want.length);
          got.forEach((c, i) => expect(c.equals(want[i]!)).toBe(true));
        }),
        { numRuns: 300 },
      );
    });
  }

  it('leaves out parts below minArea and reports them', () => {
    const m = bitmap(['#..##', '...##', '#....']);
    const warnings: RleWarning[] = [];
    const got = components(m, { minArea: 2, warn: (w) => warnings.push(w) });
    expect(got.map((c) => c.area())).toEqual([4]);
    expect(warnings.map((w) => [w.code, w.count])).toEqual([['dropped-parts', 2]]);
    expectCode(() => components(m, { connectivity: 2 as 4 }), 'INVALID_OPTION');
  });
});

describe('splitParts', () => {
  it('turns each mask into its parts, one annotation each, keeping what the annotation carried', () => {
    fc.assert(
      fc.property(fc.array(masksArb, { minLength: 1, maxLength: 3 }), fc.constantFrom(4 as const, 8 as const), (list, conn) => {
        const images = list.map((m, i) => ({ id: i + 1, height: m.height, width: m.width }));
        const annotations = list.map((m, i) => ({ id: `a${i}`, imageId: i + 1, categoryId: 3, score: 0.5, mask: Mask.fromBitmap(m.bits, m) }));
        const out = splitParts({ images, categories: [{ id: 3, name: 'leaf' }], annotations }, { connectivity: conn });
        const want = annotations.flatMap((a) => components(a.mask, { connectivity: conn }).map((part) => ({ part, a })));
        expect(out.annotations.length).toBe(want.length);
        out.annotations.forEach((got, k) => {
          expect(got.mask.equals(want[k]!.part)).toBe(true);
          expect(got).toMatchObject({ id: k + 1, imageId: want[k]!.a.imageId, categoryId: 3, score: 0.5, attributes: { source_id: want[k]!.a.id } });
        });
        expect(out.images).toBe(images);
      }),
      { numRuns: 100 },
    );
  });

  it('splits two leaves touching at a corner only with 4-connectivity', () => {
    const leaves = bitmap(['##...', '.#...', '..##.', '...#.', '.....']);
    const one = { images: [{ id: 1, height: 5, width: 5 }], categories: [], annotations: [{ id: 1, imageId: 1, mask: leaves }] };
    expect(splitParts(one, { connectivity: 4 }).annotations.map((a) => a.mask.area())).toEqual([3, 3]);
    expect(splitParts(one, { connectivity: 8 }).annotations.map((a) => a.mask.area())).toEqual([6]);
  });
});

describe('fillHoles', () => {
  it('matches a 4-connected flood fill from the border', () => {
    fc.assert(
      fc.property(masksArb, ({ height, width, bits }) => {
        const m = Mask.fromBitmap(bits, { height, width });
        expect(Array.from(fillHoles(m).toBitmap())).toEqual(Array.from(naiveFillHoles(bits, height, width)));
      }),
      { numRuns: 300 },
    );
  });

  it('fills a hole whose background touches the outside only diagonally', () => {
    const m = bitmap(['.###', '#..#', '###.']);
    expect(Array.from(fillHoles(m).toBitmap()).join('')).toBe('011111111110');
  });
});

describe('resize', () => {
  it('maps each target pixel through the index maps (checked per pixel)', () => {
    fc.assert(
      fc.property(masksArb, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom('nearest' as const, 'nearest-exact' as const), ({ height, width, bits }, H, W, method) => {
        const m = Mask.fromBitmap(bits, { height, width });
        const out = resize(m, { height: H, width: W }, { method }).toBitmap();
        const ym = nearestIndexMap(height, H, method), xm = nearestIndexMap(width, W, method);
        for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) expect(out[y * W + x]).toBe(bits[ym[y]! * width + xm[x]!]);
      }),
      { numRuns: 200 },
    );
  });

  it('3 → 5: OpenCV repeats the first source pixels, Pillow centres them', () => {
    expect(Array.from(nearestIndexMap(3, 5, 'nearest'))).toEqual([0, 0, 1, 1, 2]);
    expect(Array.from(nearestIndexMap(3, 5, 'nearest-exact'))).toEqual([0, 0, 1, 2, 2]);
  });

  it('follows the tools where the textbook formulas do not', () => {
    // OpenCV multiplies by 1 / (m / n), which can round below n / m (the oracle test checks the tools themselves).
    let differs = 0;
    for (let n = 1; n < 200; n++) for (let m = 1; m < 200; m++) {
      const map = nearestIndexMap(n, m, 'nearest');
      for (let x = 0; x < m; x++) if (map[x] !== Math.min(Math.floor((x * n) / m), n - 1)) { differs++; break; }
    }
    expect(differs).toBeGreaterThan(0);
  });

  it('resizes a 40000 × 30000 mask with a few blobs on its runs', () => {
    const size = { height: 40000, width: 30000 };
    const starts: number[] = [], lengths: number[] = [];
    for (let y = 10000; y < 10100; y++) { starts.push(y * 30000 + 500); lengths.push(300); }
    for (let y = 39990; y < 40000; y++) { starts.push(y * 30000 + 29000); lengths.push(1000); }
    const m = Mask.fromIntervals(starts, lengths, size, 'row');
    const small = resize(m, { height: 400, width: 300 });
    expect(small.bbox()).toEqual({ x: 5, y: 100, width: 3, height: 1 });
    const big = resize(m, { height: 80000, width: 50000 }, { method: 'nearest-exact' });
    const ym = nearestIndexMap(40000, 80000, 'nearest-exact'), xm = nearestIndexMap(30000, 50000, 'nearest-exact');
    const hits = (map: Uint32Array, lo: number, hi: number) => map.filter((v) => v >= lo && v < hi).length;
    expect(big.area()).toBe(hits(ym, 10000, 10100) * hits(xm, 500, 800) + hits(ym, 39990, 40000) * hits(xm, 29000, 30000));
    expect(big.bbox()).toEqual({ x: xm.indexOf(500), y: ym.indexOf(10000), width: 50000 - xm.indexOf(500), height: 80000 - ym.indexOf(10000) });
    expect(components(m)).toHaveLength(2);
    expect(polygonize(m).map((p) => p.outer.length)).toEqual([8, 8]);
    expect(fillHoles(m).equals(m)).toBe(true);
  });

  it('rejects bad targets with RleError', () => {
    const m = bitmap(['#.']);
    expectCode(() => resize(m, { height: 0, width: 3 }), 'INVALID_SIZE');
    expectCode(() => resize(m, { height: 2.5, width: 3 }), 'INVALID_SIZE');
    expectCode(() => resize(m, { height: -1, width: 3 }), 'INVALID_SIZE');
    expectCode(() => resize(m, { height: 100, width: 100 }, { maxPixels: 9999 }), 'LIMIT_EXCEEDED');
    expectCode(() => resize(m, { height: 70000, width: 70000 }), 'INVALID_SIZE');
    expectCode(() => resize(m, { height: 2, width: 2 }, { method: 'bilinear' as 'nearest' }), 'INVALID_OPTION');
    expectCode(() => resize(Mask.empty({ height: 0, width: 4 }), { height: 2, width: 2 }), 'INVALID_SIZE');
  });
});
