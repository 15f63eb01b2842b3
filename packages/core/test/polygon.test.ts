import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_MAX_POLYGON_CROSSINGS, Mask, RleError, rasterizeBox, rasterizePolygon } from '../src/index.js';

const vectors = (dialect: string, name: string): unknown =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../../conformance/vectors/${dialect}/${name}`, import.meta.url)), 'utf8'));

interface PolygonCase { id: string; size: [number, number]; polygons: number[][]; per_polygon: { counts: number[] }[]; merged: { counts: number[] }; area: number }
interface BboxCase { id: string; size: [number, number]; bbox_in: [number, number, number, number]; counts: number[]; area: number }
interface RandomCases {
  polygons: { size: [number, number]; polygons: number[][]; per_polygon: string[]; merged: string; area: number }[];
  bboxes: { size: [number, number]; bbox_in: [number, number, number, number]; compressed: string }[];
}

// pycocotools' own results (x86-64 wheels): the hand-made COCO set, its copy in the CVAT set, and 1,600 random cases.
const coco = vectors('coco', 'masks.json') as { polygons: PolygonCase[]; bboxes: BboxCase[] };
const cvat = vectors('cvat', 'coco_polygons.json') as { polygons: PolygonCase[]; bboxes: BboxCase[] };
const random = vectors('coco', 'pycocotools-random.json') as RandomCases;

const sizeOf = ([height, width]: [number, number]) => ({ height, width });
const boxOf = ([x, y, width, height]: [number, number, number, number]) => ({ x, y, width, height });

function codeOf(fn: () => unknown): RleError | string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RleError);
    return e as RleError;
  }
  return 'no error';
}
const expectCode = (fn: () => unknown, code: string) => expect((codeOf(fn) as RleError).code).toBe(code);

/** A wide (1–12 × 60–400) or tall image and a polygon of 2–6 vertices on it, a few pixels outside included. */
const wideOrTall = (() => {
  const coord = (max: number) => fc.oneof(
    { weight: 5, arbitrary: fc.double({ min: -4, max: max + 4, noNaN: true }) },
    { weight: 1, arbitrary: fc.integer({ min: -2, max: max + 2 }) },
  );
  return fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 60, max: 400 }), fc.boolean(), fc.array(fc.tuple(coord(400), coord(400)), { minLength: 2, maxLength: 6 })).map(([a, b, tall, pts]) => {
    const h = tall ? b : a, w = tall ? a : b;
    return { h, w, xy: pts.map(([x, y]) => [tall ? x % (w + 3) : x, tall ? y : y % (h + 3)]).flat() };
  });
})();

describe("pycocotools' rleFrPoly / rleFrBbox results, bit for bit", () => {
  for (const [set, V] of [['coco', coco], ['cvat', cvat]] as const) {
    it(`${set}: every polygon (per polygon and their union) and every box`, () => {
      expect(V.polygons.length).toBeGreaterThanOrEqual(40);
      expect(V.polygons.some((c) => c.id.includes('self_intersecting'))).toBe(true);
      for (const c of V.polygons) {
        const size = sizeOf(c.size);
        let merged = Mask.empty(size);
        c.polygons.forEach((xy, i) => {
          const m = rasterizePolygon(xy, size);
          expect([...m.runs('col')], `${c.id} #${i}`).toEqual(canonical(c.per_polygon[i]!.counts));
          merged = merged.union(m);
        });
        expect([...merged.runs('col')], c.id).toEqual(canonical(c.merged.counts));
        expect(merged.area()).toBe(c.area);
      }
      expect(V.bboxes.length).toBeGreaterThanOrEqual(20);
      for (const c of V.bboxes) {
        const m = rasterizeBox(boxOf(c.bbox_in), sizeOf(c.size));
        expect([...m.runs('col')], c.id).toEqual(canonical(c.counts));
        expect(m.area()).toBe(c.area);
      }
    });
  }

  it('an odd trailing coordinate is ignored, as pycocotools does', () => {
    expect(coco.polygons.find((c) => c.id === 'odd_length_coords')!.polygons[0]!.length % 2).toBe(1);
    const size = { height: 7, width: 9 };
    expect(rasterizePolygon([1, 1, 8, 1, 4, 6, 123], size).equals(rasterizePolygon([1, 1, 8, 1, 4, 6], size))).toBe(true);
  });

  it('random polygons and boxes from pycocotools 2.0.11', () => {
    expect(random.polygons.length).toBeGreaterThan(500);
    for (const v of random.polygons) {
      const size = sizeOf(v.size);
      let merged = Mask.empty(size);
      v.polygons.forEach((xy, i) => {
        const m = rasterizePolygon(xy, size);
        expect([...m.runs('col')]).toEqual(canonical(naiveCounts(v.per_polygon[i]!)));
        merged = merged.union(m);
      });
      expect([...merged.runs('col')]).toEqual(canonical(naiveCounts(v.merged)));
      expect(merged.area()).toBe(v.area);
    }
    expect(random.bboxes.length).toBeGreaterThan(100);
    for (const v of random.bboxes) {
      expect([...rasterizeBox(boxOf(v.bbox_in), sizeOf(v.size)).runs('col')]).toEqual(canonical(naiveCounts(v.compressed)));
    }
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
          const size = { height: h, width: w };
          const m = rasterizePolygon(pts.flat(), size);
          const want = new Uint8Array(h * w);
          for (let y = Math.max(0, y0); y < Math.min(h, y1); y++) for (let x = Math.max(0, x0); x < Math.min(w, x1); x++) want[y * w + x] = 1;
          expect(m.toBitmap()).toEqual(want);
          // The same rectangle as a box.
          expect(rasterizeBox({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, size).equals(m)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('first and last pixels, the full image, empty polygons and images without pixels', () => {
    const size = { height: 3, width: 5 };
    expect(rasterizePolygon([0, 0, 1, 0, 1, 1, 0, 1], size).toBitmap()[0]).toBe(1);
    const last = rasterizePolygon([4, 2, 5, 2, 5, 3, 4, 3], size);
    expect(last.area()).toBe(1);
    expect(last.toBitmap()[14]).toBe(1);
    expect(rasterizePolygon([0, 0, 5, 0, 5, 3, 0, 3], size).equals(Mask.full(size))).toBe(true);
    expect(rasterizeBox({ x: -1, y: -1, width: 9, height: 9 }, size).equals(Mask.full(size))).toBe(true);
    expect(rasterizePolygon([], size).isEmpty()).toBe(true);
    expect(rasterizePolygon([2.5], size).isEmpty()).toBe(true);
    expect(rasterizePolygon([0, 0, 5, 3], size).isEmpty()).toBe(true);
    expect(rasterizePolygon(Float64Array.of(0, 0, 5, 0, 5, 3), size).area()).toBeGreaterThan(0);
    expect(rasterizePolygon([0, 0, 5, 0, 5, 3], { height: 0, width: 5 }).pixels).toBe(0);
    expect(rasterizePolygon([0, 0, 5, 0, 5, 3], { height: 4, width: 0 }).pixels).toBe(0);
  });

  it('far-away vertices cost neither time nor memory (no walk along the boundary)', () => {
    const size = { height: 10, width: 20 };
    // The wedge (0,0) (1e8,0) (0,5) is 5 px tall across the whole 20 px: rows 0..4.
    const want = Uint8Array.from({ length: 200 }, (_, i) => (i < 100 ? 1 : 0));
    expect(rasterizePolygon([0, 0, 1e8, 0, 0, 5], size).toBitmap()).toEqual(want);
    expect(rasterizePolygon([0, 0, 0, 5, -1e8, 2], size).isEmpty()).toBe(true);
    expect(rasterizePolygon([-1e7, -1e7, 1e7, -1e7, 1e7, 1e7, -1e7, 1e7], { height: 30, width: 40 }).area()).toBe(1200);
    // Long steep edges through the image: only the columns they cross are computed.
    const tall = rasterizePolygon([10.5, -2e8, 20.5, 2e8, 30.5, -2e8], { height: 30, width: 40 });
    // At the image rows the spike spans x in (15.5, 25.5): pixel centres 16..25.
    expect(tall.bbox()).toEqual({ x: 16, y: 0, width: 10, height: 30 });
    expect(tall.area()).toBe(300);
    expect(rasterizePolygon([-5, -1e7, -4, 1e7, -3, 0], { height: 30, width: 40 }).area()).toBe(0);
    // Far enough for the literal port to walk it in a test: the same runs.
    const far = [-3e4, 1.3, 2e4, 7.7, 9.2, 4e4, 3.3, -2e4];
    expect([...rasterizePolygon(far, size).runs('col')]).toEqual(literalRleFrPoly(far, 10, 20));
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
        expect([...rasterizePolygon(xy, { height: h, width: w }).runs('col')]).toEqual(literalRleFrPoly(xy, h, w));
      }),
      { numRuns: 1500 },
    );
  });

  it('matches the literal port on wide and tall images, sparse and dense columns, with scratch buffers reused between calls', () => {
    // Wide images with few vertices take the in-place sort of the crossings, narrow ones the
    // per-column buckets; each case rasterises a big polygon first so the small one reuses
    // scratch buffers that still hold the big one's values.
    fc.assert(
      fc.property(wideOrTall, ({ h, w, xy }) => {
        const big = [0, 0, w, 0, w, h, 0, h * 0.5];
        expect([...rasterizePolygon(big, { height: h, width: w }).runs('col')]).toEqual(literalRleFrPoly(big, h, w));
        expect([...rasterizePolygon(xy, { height: h, width: w }).runs('col')]).toEqual(literalRleFrPoly(xy, h, w));
      }),
      { numRuns: 300 },
    );
  });

  it('a coordinate getter that rasterises another polygon does not disturb the outer one', () => {
    const size = { height: 7, width: 11 };
    const inner = [1, 1, 9, 2, 4, 6];
    const outer = [0.5, 0.2, 10.4, 3.1, 6.2, 6.9, 0.1, 5.5];
    const tricky: number[] = outer.slice();
    let nested: number[] | undefined;
    Object.defineProperty(tricky, 5, { get: () => ((nested = [...rasterizePolygon(inner, size).runs('col')]), outer[5]) });
    expect([...rasterizePolygon(tricky, size).runs('col')]).toEqual(literalRleFrPoly(outer, 7, 11));
    expect(nested).toEqual(literalRleFrPoly(inner, 7, 11));
  });

  it('the crossing limit counts before allocating: a polygon at the limit passes, one over it is refused', () => {
    const size = { height: 10, width: 20 };
    const xy = [0, 0, 20, 0, 0, 5];
    // Edges (0,0)-(20,0) and (20,0)-(0,5) cross all 20 column centres; the vertical edge none.
    expect(rasterizePolygon(xy, size, { maxCrossings: 40 }).area()).toBeGreaterThan(0);
    const e = codeOf(() => rasterizePolygon(xy, size, { maxCrossings: 39, path: ['polygon', 3] })) as RleError;
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(e.path).toEqual(['polygon', 3]);
    expect(DEFAULT_MAX_POLYGON_CROSSINGS).toBe(50_000_000);
    // A million-vertex zigzag across a wide image would need 10^10 crossings: refused at once.
    const zigzag = Float64Array.from({ length: 2_000_000 }, (_, i) => (i % 2 === 0 ? ((i >> 1) & 1) * 1e4 : i / 2));
    expectCode(() => rasterizePolygon(zigzag, { height: 1000, width: 10_000 }), 'LIMIT_EXCEEDED');
  });
});

describe("rasterizePolygon with order 'row': row-major runs made from the column crossings, the same pixels", () => {
  /** The literal port's pixels as row-major runs, through a bitmap (no run transposition of ours). */
  function literalRows(xy: number[], h: number, w: number): number[] {
    const bits = new Uint8Array(h * w);
    let pos = 0, fg = false;
    for (const c of literalRleFrPoly(xy, h, w)) {
      if (fg) for (let i = pos; i < pos + c; i++) bits[(i % h) * w + Math.floor(i / h)] = 1;
      pos += c;
      fg = !fg;
    }
    const runs: number[] = [];
    let cur = 0, len = 0;
    for (const b of bits) {
      if (b === cur) len++;
      else (runs.push(len), (cur = b), (len = 1));
    }
    runs.push(len);
    return runs;
  }
  /** Checks the row runs against the literal port; true when the mask was made row-major (not transposed after). */
  function rowsMatch(xy: number[], h: number, w: number): boolean {
    const m = rasterizePolygon(xy, { height: h, width: w }, { order: 'row' });
    const held = m.heldRuns;
    expect([...m.runs('row')]).toEqual(literalRows(xy, h, w));
    expect([...m.runs('col')]).toEqual(literalRleFrPoly(xy, h, w));
    return m.heldRuns === held + literalRleFrPoly(xy, h, w).length;
  }

  it('random polygons, vertices far outside, on pixel edges and half-way, on non-square images', () => {
    const coord = fc.oneof(
      { weight: 6, arbitrary: fc.double({ min: -8, max: 40, noNaN: true }) },
      { weight: 3, arbitrary: fc.integer({ min: -5, max: 40 }).map((v) => v / 2) },
      { weight: 1, arbitrary: fc.double({ min: -3000, max: 3000, noNaN: true }) },
    );
    let direct = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 33 }), fc.integer({ min: 1, max: 33 }), fc.array(fc.tuple(coord, coord), { minLength: 1, maxLength: 12 }), (h, w, pts) => {
        fc.pre(h !== w);
        if (rowsMatch(pts.flat(), h, w)) direct++;
      }),
      { numRuns: 1500 },
    );
    // Most polygons cross a column centre, and those are made row-major directly.
    expect(direct).toBeGreaterThan(500);
  });

  it('wide and tall images, with the box bitsets reused after a large polygon', () => {
    fc.assert(
      fc.property(wideOrTall, ({ h, w, xy }) => {
        expect(rowsMatch([0, 0, w, 0, w, h, 0, h * 0.5], h, w)).toBe(true);
        rowsMatch(xy, h, w);
      }),
      { numRuns: 300 },
    );
  });

  it('degenerate polygons, first and last pixels, the full image', () => {
    const [h, w] = [5, 8];
    for (const xy of [[], [2.5, 1], [1, 1, 6, 4], [1, 1, 6, 1, 3, 1], [-9, -9, -1, -9, -1, -1], [9, 6, 20, 6, 20, 20], [0, 0, 1, 0, 1, 1, 0, 1],
      [7, 4, 8, 4, 8, 5, 7, 5], [0, 0, 8, 0, 8, 5, 0, 5], [-3, -3, 11, -3, 11, 8, -3, 8], [0, 5, 8, 5, 4, 0], [1, 1, 7, 4, 1, 4, 7, 1]]) {
      rowsMatch(xy, h, w);
      rowsMatch(xy, w, h);
    }
    expect(rowsMatch([0, 0, 1, 0, 1, 1, 0, 1], h, w)).toBe(true);
    expect(rasterizePolygon([0, 0, 1, 0, 1, 1, 0, 1], { height: h, width: w }, { order: 'row' }).toBitmap()[0]).toBe(1);
    expect(rasterizePolygon([7, 4, 8, 4, 8, 5, 7, 5], { height: h, width: w }, { order: 'row' }).toBitmap()[h * w - 1]).toBe(1);
    expect(rasterizePolygon([0, 0, 8, 0, 8, 5, 0, 5], { height: h, width: w }, { order: 'row' }).equals(Mask.full({ height: h, width: w }))).toBe(true);
    expect(rasterizePolygon([1, 1, 6, 1], { height: 0, width: 3 }, { order: 'row' }).pixels).toBe(0);
  });

  it('a box too large for the bitsets, or too tall, is made column-major and transposed: the same runs', () => {
    // (h + 1) × 63 words of bitset rows is over the box path's 2^18.
    expect(rowsMatch([0.3, 0.2, 2000, 10, 1500, 5000, 2, 4000], 5000, 2000)).toBe(false);
    expect(rowsMatch([0.3, 0.2, 2, 60000, 0.5, 70000], 70000, 3)).toBe(false);
  });

  it('a coordinate getter that rasterises another polygon row-major does not disturb the outer one', () => {
    const size = { height: 7, width: 11 };
    const inner = [1, 1, 9, 2, 4, 6];
    const outer = [0.5, 0.2, 10.4, 3.1, 6.2, 6.9, 0.1, 5.5];
    const tricky: number[] = outer.slice();
    let nested: number[] | undefined;
    Object.defineProperty(tricky, 5, { get: () => ((nested = [...rasterizePolygon(inner, size, { order: 'row' }).runs('row')]), outer[5]) });
    expect([...rasterizePolygon(tricky, size, { order: 'row' }).runs('row')]).toEqual(literalRows(outer, 7, 11));
    expect(nested).toEqual(literalRows(inner, 7, 11));
  });
});

describe('bad input is an RleError with the path of the value', () => {
  it('coordinates, sizes, options and boxes', () => {
    const size = { height: 10, width: 20 };
    for (const [xy, at, code] of [
      [[0, 0, Number.NaN, 1, 2, 2], 2, 'INVALID_TOKEN'],
      [[0, 0, 1, 1, 2, Infinity], 5, 'INVALID_TOKEN'],
      [[0, '1', 1, 1, 2, 2], 1, 'INVALID_TOKEN'],
      [[0, 0, 1e9, 1, 2, 2], 2, 'LIMIT_EXCEEDED'],
      [[0, 0, 1, -1e12, 2, 2], 3, 'LIMIT_EXCEEDED'],
    ] as const) {
      const e = codeOf(() => rasterizePolygon(xy as unknown as number[], size, { path: ['p', 0] })) as RleError;
      expect(e.code).toBe(code);
      expect(e.path).toEqual(['p', 0, at]);
    }
    // Just inside the limit of 2^30/5: accepted.
    expect(rasterizePolygon([0, 0, 2 ** 30 / 5 - 1, 0, 0, 5], size).area()).toBe(100);
    expectCode(() => rasterizePolygon([0, 0, 1, 0, 1, 1], { height: -1, width: 2 }), 'INVALID_SIZE');
    expectCode(() => rasterizePolygon([0, 0, 1, 0, 1, 1], { height: 2 ** 20, width: 2 ** 20 }), 'INVALID_SIZE');
    expectCode(() => rasterizePolygon(null as unknown as number[], size), 'INVALID_STRUCTURE');
    expectCode(() => rasterizePolygon([0, 0, 1, 0, 1, 1], size, { maxCrossings: Number.NaN }), 'INVALID_OPTION');
    const box = codeOf(() => rasterizeBox({ x: 0, y: Number.NaN, width: 1, height: 1 }, size, { path: ['b'] })) as RleError;
    expect([box.code, box.path]).toEqual(['INVALID_TOKEN', ['b', 'y']]);
    const wide = codeOf(() => rasterizeBox({ x: 2e8, y: 0, width: 2e8, height: 1 }, size)) as RleError;
    expect([wide.code, wide.path]).toEqual(['LIMIT_EXCEEDED', ['width']]);
    expectCode(() => rasterizeBox(undefined as unknown as { x: number; y: number; width: number; height: number }, size), 'INVALID_STRUCTURE');
  });
});

/**
 * The reference algorithm transcribed step by step (every boundary point stored, as maskApi.c
 * does), used as the oracle for the optimised rasterizer. Returns canonical column-major runs.
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
  return canonical(b);
}

/** Counts in canonical form: zero runs merged away (a leading 0 kept when the first pixel is set). */
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

/** COCO's counts string read naively, straight from maskApi.c's rleFrString (exact in doubles). */
function naiveCounts(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0, k = 0, c = 0;
    do {
      c = s.charCodeAt(p++) - 48;
      x += (c & 0x1f) * 32 ** k++;
    } while (c & 0x20);
    if (c & 0x10) x -= 32 ** k;
    if (counts.length > 2) x += counts[counts.length - 2]!;
    counts.push(x);
  }
  return counts;
}
