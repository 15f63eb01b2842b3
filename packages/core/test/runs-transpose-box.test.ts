/**
 * The box path of transposeRuns (a bitset over the foreground's box, walked output line by
 * output line) against a per-pixel bitmap oracle and against the sweep and band paths, both
 * directions, on non-square masks whose foreground fills a box placed anywhere in the image.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { transposeRuns, transposeRunsVia } from '../src/runs.js';
import { naiveRuns, toColumnMajor } from './support.js';

function firstMismatch(a: ArrayLike<number> | undefined, b: ArrayLike<number>): string | undefined {
  if (a === undefined) return 'undefined';
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}: ${Array.from(a).slice(0, 12)} vs ${Array.from(b).slice(0, 12)}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return undefined;
}
const eqRuns = (a: ArrayLike<number> | undefined, b: ArrayLike<number>) => expect(firstMismatch(a, b)).toBeUndefined();

/** Widths around multiples of 32 (the bitset's word size), small ones and a few odd ones. */
const sideArb = fc.oneof(
  fc.constantFrom(1, 2, 31, 32, 33, 63, 64, 65, 95, 96, 97),
  fc.integer({ min: 1, max: 140 }),
);

interface Case { height: number; width: number; bits: Uint8Array }

/**
 * A mask whose foreground lies in a box [y0, y0 + bh) × [x0, x0 + bw) of the image: pixels in
 * the box are noise of a given density in cells (cell 1: salt and pepper; large: blobs), and the
 * box's corners can be forced on so the foreground touches every edge of the box.
 */
const caseOf = (heightArb: fc.Arbitrary<number>, widthArb: fc.Arbitrary<number>): fc.Arbitrary<Case> => fc.record({
  height: heightArb,
  width: widthArb,
  box: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
  cell: fc.constantFrom(1, 1, 2, 3, 7, 33),
  density: fc.constantFrom(0, 0.1, 0.5, 0.9, 1),
  corners: fc.boolean(),
  seed: fc.integer(),
}).map(({ height, width, box: [fy, fx, fh, fw], cell, density, corners, seed }) => {
  const y0 = Math.floor(fy * (height - 1)), x0 = Math.floor(fx * (width - 1));
  const bh = 1 + Math.floor(fh * (height - y0 - 1)), bw = 1 + Math.floor(fw * (width - x0 - 1));
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const cw = Math.ceil(bw / cell), ch = Math.ceil(bh / cell);
  const cells = Uint8Array.from({ length: cw * ch }, () => (rand() < density ? 1 : 0));
  const bits = new Uint8Array(height * width);
  for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) bits[(y0 + y) * width + x0 + x] = cells[Math.floor(y / cell) * cw + Math.floor(x / cell)]!;
  if (corners) for (const [y, x] of [[y0, x0], [y0, x0 + bw - 1], [y0 + bh - 1, x0], [y0 + bh - 1, x0 + bw - 1]] as const) bits[y * width + x] = 1;
  return { height, width, bits };
});
const caseArb = caseOf(sideArb, sideArb);

/** Both run forms of a case, from the bitmap (the oracle). */
function forms({ height, width, bits }: Case): { row: Uint32Array; col: Uint32Array } {
  return { row: Uint32Array.from(naiveRuns(bits)), col: Uint32Array.from(naiveRuns(toColumnMajor(bits, height, width))) };
}

describe('transposeRuns: box path', () => {
  it('matches the bitmap oracle and the sweep, both directions, whenever it takes the mask', () => {
    let taken = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const { row, col } = forms(c);
        const { height: h, width: w } = c;
        for (const [runs, outer, inner, want] of [[row, h, w, col], [col, w, h, row]] as const) {
          const box = transposeRunsVia('box', runs, outer, inner);
          if (box !== undefined) {
            taken++;
            eqRuns(box, want);
          }
          eqRuns(transposeRunsVia('sweep', runs, outer, inner), want);
          eqRuns(transposeRuns(runs, outer, inner), want);
        }
      }),
      { numRuns: 1500 },
    );
    // The box path took most cases (it declines only boxes far wider than their runs; see below).
    expect(taken).toBeGreaterThan(2000);
  });

  it('boxes of more than 31 words a line (several summary words), both directions', () => {
    // Columns of the box are input lines: tall masks, row runs in, around 31 and 32 words (992, 1024 columns).
    const tall = fc.constantFrom(961, 992, 993, 1023, 1024, 1025, 1056, 2100);
    let taken = 0;
    fc.assert(
      fc.property(fc.oneof(caseOf(tall, fc.integer({ min: 2, max: 40 })), caseOf(fc.integer({ min: 2, max: 40 }), tall)), (c) => {
        const { row, col } = forms(c);
        for (const [runs, outer, inner, want] of [[row, c.height, c.width, col], [col, c.width, c.height, row]] as const) {
          const box = transposeRunsVia('box', runs, outer, inner);
          if (box !== undefined) {
            taken++;
            eqRuns(box, want);
          }
          eqRuns(transposeRuns(runs, outer, inner), want);
        }
      }),
      { numRuns: 150 },
    );
    expect(taken).toBeGreaterThan(200);
  });

  it('agrees with the band path on dense noise filling the image', () => {
    fc.assert(
      fc.property(sideArb, sideArb, fc.integer(), (height, width, seed) => {
        fc.pre(height !== width);
        let s = seed >>> 0;
        const bits = Uint8Array.from({ length: height * width }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 31));
        const { row, col } = forms({ height, width, bits });
        eqRuns(transposeRunsVia('box', row, height, width), col);
        eqRuns(transposeRunsVia('bands', row, height, width), col);
        eqRuns(transposeRunsVia('box', col, width, height), row);
        eqRuns(transposeRunsVia('bands', col, width, height), row);
      }),
      { numRuns: 200 },
    );
  });

  it('empty, full, first and last pixel, single row and single column, every side around 32', () => {
    const sides = [1, 2, 31, 32, 33, 63, 64, 65];
    for (const height of sides) for (const width of sides) {
      const total = height * width;
      const masks: Uint8Array[] = [new Uint8Array(total), new Uint8Array(total).fill(1)];
      const ends = new Uint8Array(total);
      ends[0] = 1;
      ends[total - 1] = 1;
      masks.push(ends);
      const firstOnly = new Uint8Array(total);
      firstOnly[0] = 1;
      masks.push(firstOnly);
      const lastOnly = new Uint8Array(total);
      lastOnly[total - 1] = 1;
      masks.push(lastOnly);
      // A frame: foreground on every edge of the image, background inside.
      const frame = new Uint8Array(total);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (y === 0 || x === 0 || y === height - 1 || x === width - 1) frame[y * width + x] = 1;
      masks.push(frame);
      for (const bits of masks) {
        const { row, col } = forms({ height, width, bits });
        eqRuns(transposeRunsVia('box', row, height, width), col);
        eqRuns(transposeRunsVia('box', col, width, height), row);
        eqRuns(transposeRuns(row, height, width), col);
        eqRuns(transposeRuns(col, width, height), row);
      }
    }
  });

  it('reads zero-length runs inside the list as the canonical runs they stand for', () => {
    fc.assert(
      fc.property(caseArb, fc.array(fc.nat(), { maxLength: 6 }), (c, cuts) => {
        const { row, col } = forms(c);
        // Split runs into (a, 0, b): the same pixels, with zero-length runs inside the list.
        let runs = Array.from(row);
        for (const cut of cuts) {
          const k = cut % runs.length, r = runs[k]!, a = cut % (r + 1);
          runs = [...runs.slice(0, k), a, 0, r - a, ...runs.slice(k + 1)];
        }
        const input = Uint32Array.from(runs);
        const box = transposeRunsVia('box', input, c.height, c.width);
        if (box !== undefined) eqRuns(box, col);
        eqRuns(transposeRunsVia('sweep', input, c.height, c.width), col);
        // (A single line or column is returned as given, zero-length runs and all.)
        if (c.height > 1 && c.width > 1) eqRuns(transposeRuns(input, c.height, c.width), col);
      }),
      { numRuns: 400 },
    );
  });

  it('declines a wide box of few runs in a tall image, and the other paths answer', () => {
    // Two pixels at opposite corners of a 3000×2500 mask: the box is the whole image.
    const height = 3000, width = 2500, total = height * width;
    const row = Uint32Array.of(0, 1, total - 2, 1);
    expect(transposeRunsVia('box', row, height, width)).toBeUndefined();
    eqRuns(transposeRuns(row, height, width), Uint32Array.of(0, 1, total - 2, 1));
    // A small mask after it still goes through the box path, with its scratch clean.
    const bits = new Uint8Array(5 * 7);
    bits[3] = bits[4] = bits[10] = bits[34] = 1;
    const { row: r2, col: c2 } = forms({ height: 5, width: 7, bits });
    eqRuns(transposeRunsVia('box', r2, 5, 7), c2);
  });
});
