/**
 * placeRowRuns (one pass into a reused buffer) against the RunBuilder placement it replaced
 * (placeRowRunsBuilt) and a per-pixel reference: canonical and non-canonical runs, boxes inside,
 * touching and past every edge of the frame, sides of 1, square and not, empty and full.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { placeRowRuns, placeRowRunsBuilt } from '../src/runs.js';
import { naiveRuns } from './support.js';

const boxArb = fc
  .record({ h: fc.integer({ min: 1, max: 12 }), w: fc.integer({ min: 1, max: 12 }), density: fc.constantFrom(0, 0.05, 0.5, 0.95, 1) })
  .chain(({ h, w, density }) =>
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: h * w, maxLength: h * w })
      .map((r) => ({ h, w, bits: Uint8Array.from(r, (x) => (x < density ? 1 : 0)) })));

/** The same pixels in a non-canonical spelling: runs split around zero runs, the last background dropped. */
function respell(runs: number[], cuts: number[], dropLast: boolean): number[] {
  const out: number[] = [];
  runs.forEach((r, k) => {
    const c = cuts[k % cuts.length]!;
    if (c > 0 && r > 1) out.push(r - 1, 0, 1);
    else out.push(r);
  });
  if (dropLast && out.length % 2 === 1 && out.length > 1) out.pop();
  return out;
}

function pixels(bits: Uint8Array, h: number, w: number, H: number, W: number, dx: number, dy: number): number[] {
  if (H * W === 0) return []; // (naiveRuns gives [0] for no pixels; canonical runs of no pixels are none)
  const at = (x: number, y: number) => (x >= 0 && y >= 0 && x < w && y < h ? bits[y * w + x]! : 0);
  return naiveRuns(Uint8Array.from({ length: H * W }, (_, i) => at((i % W) - dx, Math.floor(i / W) - dy)));
}

describe('placeRowRuns', () => {
  it('gives the builder\'s placement and the pixels a bitmap gives, for any runs and offsets', () => {
    let clipped = 0, inside = 0;
    fc.assert(
      fc.property(
        boxArb, fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 14 }), fc.integer({ min: -14, max: 16 }), fc.integer({ min: -14, max: 16 }),
        fc.array(fc.nat(3), { minLength: 1, maxLength: 5 }), fc.boolean(), fc.nat(3),
        ({ h, w, bits }, H, W, dx, dy, cuts, dropLast, extra) => {
          const canonical = naiveRuns(bits);
          const expected = pixels(bits, h, w, H, W, dx, dy);
          expect(Array.from(placeRowRunsBuilt(Uint32Array.from(canonical), w, H, W, dx, dy))).toEqual(expected);
          expect(Array.from(placeRowRuns(Uint32Array.from(canonical), w, H, W, dx, dy))).toEqual(expected);
          // A reused buffer: only the first `count` numbers are read.
          const spelled = respell(canonical, cuts, dropLast);
          const buffer = Uint32Array.from([...spelled, ...Array.from({ length: extra }, () => 7)]);
          expect(Array.from(placeRowRuns(buffer, w, H, W, dx, dy, spelled.length))).toEqual(expected);
          if (dx < 0 || dy < 0 || dx + w > W || dy + h > H) clipped++;
          else inside++;
        },
      ),
      { numRuns: 3000 },
    );
    expect(clipped).toBeGreaterThan(100);
    expect(inside).toBeGreaterThan(20);
  });

  it('a full-width box and whole rows merge into one run; a box past every edge leaves background', () => {
    // 3x4 full box into a 5x4 frame at row 1: one run.
    expect(Array.from(placeRowRuns(Uint32Array.of(0, 12), 4, 5, 4, 0, 1))).toEqual([4, 12, 4]);
    // Wider than the frame on both sides: each row clipped to the frame's width, rows merged.
    expect(Array.from(placeRowRuns(Uint32Array.of(0, 18), 6, 3, 4, -1, 0))).toEqual([0, 12]);
    for (const [dx, dy] of [[-3, 0], [4, 0], [0, -3], [0, 3]]) expect(Array.from(placeRowRuns(Uint32Array.of(0, 9), 3, 3, 4, dx!, dy!))).toEqual([12]);
    expect(Array.from(placeRowRuns(Uint32Array.of(0, 9), 3, 0, 4, 0, 0))).toEqual([]);
  });

  it('skips the rows above the frame without walking them (a tall box cropped low)', () => {
    // 1 x 2^31 column, full: the crop of its last 2 rows. Walking the rows above would take seconds.
    const tall = 2 ** 31;
    expect(Array.from(placeRowRuns(Uint32Array.of(0, tall), 1, 2, 1, 0, -(tall - 2)))).toEqual([0, 2]);
    expect(Array.from(placeRowRuns(Uint32Array.of(tall - 1, 1), 1, 2, 3, 1, -(tall - 2)))).toEqual([4, 1, 1]);
  });
});
