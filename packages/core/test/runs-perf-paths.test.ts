/**
 * Every fast path of runs.ts (word-skipping scan, boundary-toggle fill, band transposition,
 * sparse sweep, interval overlap) against naive per-pixel references, on non-square masks of
 * several densities and sizes chosen around the path thresholds.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask } from '../src/index.js';
import {
  bitmapToRuns, canonicalRuns, combineRuns, complementRuns, overlapAreas, runsToBitmap, runsToTransposedBitmap, transposeRuns, unionAllRuns,
} from '../src/runs.js';
import { naiveRuns, prng, toColumnMajor } from './support.js';

/** Mirrors the thresholds in runs.ts, only to check that both sides are exercised. */
const DENSE_PIXELS_PER_RUN = 32;
const TOGGLE_PIXELS_PER_RUN = 16;

/** Cell noise: cells of `cell`×`cell` pixels, each foreground with probability `density`. */
function cellBitmap(height: number, width: number, cell: number, density: number, seed: number): Uint8Array {
  const rand = prng(seed);
  const cw = Math.ceil(width / cell), ch = Math.ceil(height / cell);
  const cells = Uint8Array.from({ length: cw * ch }, () => (rand() < density ? 1 : 0));
  const bits = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) bits[y * width + x] = cells[Math.floor(y / cell) * cw + Math.floor(x / cell)]!;
  return bits;
}

const sizeArb = fc.oneof(
  // small non-square
  fc.tuple(fc.integer({ min: 1, max: 48 }), fc.integer({ min: 1, max: 48 })).filter(([h, w]) => h !== w),
  // 1×N and N×1
  fc.integer({ min: 1, max: 3000 }).chain((n) => fc.constantFrom<[number, number]>([1, n], [n, 1])),
  // more than one band of 1024 output lines, widths with and without 4-byte alignment
  fc.tuple(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 1000, max: 2600 })).chain(([a, b]) => fc.constantFrom<[number, number]>([a, b], [b, a])),
  // medium, around the dense/sparse crossover
  fc.tuple(fc.integer({ min: 20, max: 140 }), fc.integer({ min: 20, max: 140 })).filter(([h, w]) => h !== w),
);

const maskArb = fc.record({
  size: sizeArb,
  cell: fc.constantFrom(1, 1, 2, 3, 5, 8, 16, 40, 200),
  density: fc.constantFrom(0, 0.03, 0.3, 0.5, 0.5, 0.9, 1),
  seed: fc.integer(),
}).map(({ size: [height, width], cell, density, seed }) => ({ height, width, bits: cellBitmap(height, width, cell, density, seed) }));

/** Element-wise equality reporting the first mismatch (deep toEqual is slow on large typed arrays). */
function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): string | undefined {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return undefined;
}
const eqRuns = (a: ArrayLike<number>, b: ArrayLike<number>) => expect(firstMismatch(a, b)).toBeUndefined();
const eqBytes = eqRuns;

describe('runs.ts fast paths match naive references', () => {
  it('transposeRuns, both directions, dense and sparse paths', () => {
    let dense = 0, sparse = 0;
    fc.assert(
      fc.property(maskArb, ({ height, width, bits }) => {
        const row = Uint32Array.from(naiveRuns(bits));
        const colBits = toColumnMajor(bits, height, width);
        const col = Uint32Array.from(naiveRuns(colBits));
        if (height > 1 && width > 1) {
          if (height * width <= row.length * DENSE_PIXELS_PER_RUN && height <= row.length) dense++;
          else sparse++;
        }
        eqRuns(transposeRuns(row, height, width), col);
        eqRuns(transposeRuns(col, width, height), row);
      }),
      { numRuns: 400 },
    );
    expect(dense).toBeGreaterThan(30);
    expect(sparse).toBeGreaterThan(30);
  });

  it('runsToTransposedBitmap equals transposing the bitmap', () => {
    fc.assert(
      fc.property(maskArb, ({ height, width, bits }) => {
        const colBits = toColumnMajor(bits, height, width);
        eqBytes(runsToTransposedBitmap(Uint32Array.from(naiveRuns(colBits)), width, height), bits);
        eqBytes(runsToTransposedBitmap(Uint32Array.from(naiveRuns(bits)), height, width), colBits);
      }),
      { numRuns: 300 },
    );
  });

  it('runsToBitmap, toggle and fill paths', () => {
    let toggle = 0, fill = 0;
    fc.assert(
      fc.property(maskArb, ({ height, width, bits }) => {
        const runs = Uint32Array.from(naiveRuns(bits));
        if (runs.length * TOGGLE_PIXELS_PER_RUN > bits.length) toggle++;
        else fill++;
        eqBytes(runsToBitmap(runs, bits.length), bits);
      }),
      { numRuns: 300 },
    );
    expect(toggle).toBeGreaterThan(20);
    expect(fill).toBeGreaterThan(20);
  });

  it('runsToBitmap keeps fill semantics for zero runs and for runs not summing to the size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 60 }), fc.integer({ min: 0, max: 200 }), (list, total) => {
        const expected = new Uint8Array(total);
        let pos = 0;
        list.forEach((r, k) => { if (k & 1) for (let i = pos; i < Math.min(total, pos + r); i++) expected[i] = 1; pos += r; });
        eqBytes(runsToBitmap(Uint32Array.from(list), total), expected);
      }),
      { numRuns: 500 },
    );
  });

  it('bitmapToRuns on any byte values, offsets and array types', () => {
    fc.assert(
      fc.property(
        maskArb, fc.integer({ min: 0, max: 7 }), fc.constantFrom(1, 0x01, 0x80, 0xff, 0x7f, 2), fc.integer(),
        ({ bits }, offset, fgByte, seed) => {
          // Foreground bytes of varied values (including 0x80, which a sign or float test would misread).
          const rand = prng(seed);
          const buf = new Uint8Array(bits.length + offset + 3);
          const view = buf.subarray(offset, offset + bits.length);
          for (let i = 0; i < bits.length; i++) view[i] = bits[i] ? (rand() < 0.5 ? fgByte : 1 + Math.floor(rand() * 255)) : 0;
          const expected = naiveRuns(bits);
          eqRuns(bitmapToRuns(view, bits.length), expected);
          eqRuns(bitmapToRuns(new Uint8ClampedArray(view), bits.length), expected);
          eqRuns(bitmapToRuns(Array.from(view), bits.length), expected);
          eqRuns(bitmapToRuns(Float32Array.from(view, (v) => (v ? -v / 7 : -0)), bits.length), expected);
        },
      ),
      { numRuns: 250 },
    );
  });

  it('combineRuns for every truth table and overlapAreas, in both orders', () => {
    fc.assert(
      fc.property(maskArb, fc.integer(), fc.integer({ min: 0, max: 15 }), ({ height, width, bits }, seed, table) => {
        const other = cellBitmap(height, width, 1 + (Math.abs(seed) % 7), [0, 0.2, 0.5, 1][Math.abs(seed) % 4]!, seed);
        for (const [x, y] of [[bits, other], [toColumnMajor(bits, height, width), toColumnMajor(other, height, width)]] as const) {
          const a = Uint32Array.from(naiveRuns(x)), b = Uint32Array.from(naiveRuns(y));
          const total = x.length;
          const px = Uint8Array.from({ length: total }, (_, i) => (table >> ((x[i]! << 1) | y[i]!)) & 1);
          eqRuns(combineRuns(a, b, table, total), naiveRuns(px));
          let inter = 0, union = 0;
          for (let i = 0; i < total; i++) { inter += x[i]! & y[i]!; union += x[i]! | y[i]!; }
          expect(overlapAreas(a, b, total)).toEqual({ intersection: inter, union });
          expect(overlapAreas(b, a, total)).toEqual({ intersection: inter, union });
        }
      }),
      { numRuns: 250 },
    );
  });

  it('combineRuns and overlapAreas accept zero-length runs anywhere', () => {
    const expand = (list: number[]) => list.flatMap((r, k) => Array<number>(r).fill(k & 1));
    const listArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(listArb, listArb, fc.integer({ min: 0, max: 15 }), (la, lb, table) => {
        const x = expand(la), y = expand(lb);
        const total = Math.max(x.length, y.length);
        // Pad the shorter list with a background run so both sum to `total`.
        const pad = (l: number[], px: number[]) => (px.length < total ? (l.length & 1 ? [...l, 0, total - px.length] : [...l, total - px.length]) : l);
        const a = Uint32Array.from(pad(la, x)), b = Uint32Array.from(pad(lb, y));
        while (x.length < total) x.push(0);
        while (y.length < total) y.push(0);
        const px = x.map((v, i) => (table >> ((v << 1) | y[i]!)) & 1);
        eqRuns(combineRuns(a, b, table, total), total === 0 ? [] : naiveRuns(px));
        let inter = 0, union = 0;
        for (let i = 0; i < total; i++) { inter += x[i]! & y[i]!; union += x[i]! | y[i]!; }
        expect(overlapAreas(a, b, total)).toEqual({ intersection: inter, union });
      }),
      { numRuns: 500 },
    );
  });

  it('canonicalRuns on Uint32Array input: copies canonical runs, merges inner zeros, checks the sum', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 40 }), (list) => {
        const total = list.reduce((s, r) => s + r, 0);
        const typed = Uint32Array.from(list);
        const viaArray = total === 0 ? [] : Array.from(canonicalRuns(list, total));
        expect(Array.from(canonicalRuns(typed, total))).toEqual(viaArray);
        const bits: number[] = [];
        list.forEach((r, i) => { for (let j = 0; j < r; j++) bits.push(i & 1); });
        if (total > 0) expect(viaArray).toEqual(naiveRuns(bits));
        expect(() => canonicalRuns(typed, total + 1)).toThrow();
        const copy = canonicalRuns(typed, total);
        if (copy.length > 0) expect(copy.buffer).not.toBe(typed.buffer);
      }),
    );
  });

  it('Mask conversions through the fast paths', () => {
    fc.assert(
      fc.property(maskArb, ({ height, width, bits }) => {
        const size = { height, width };
        const colBits = toColumnMajor(bits, height, width);
        const col = Mask.fromRuns(Uint32Array.from(naiveRuns(colBits)), size, 'col');
        eqBytes(col.toBitmap('row'), bits);
        eqRuns(col.runs('row'), naiveRuns(bits));
        const row = Mask.fromBitmap(bits, size);
        eqBytes(row.toBitmap('col'), colBits);
        eqRuns(row.runs('col'), naiveRuns(colBits));
        expect(row.equals(col)).toBe(true);
        eqBytes(row.complement().toBitmap(), bits.map((v) => 1 - v));
      }),
      { numRuns: 150 },
    );
  });
});

describe('unionAllRuns', () => {
  // Each mask's foreground lies in its own window of pixel positions: windows that do not meet
  // (either order), that touch (one ends where the next starts) and that overlap all occur, and a
  // window may reach the first or the last pixel, or cover everything (full) or nothing (empty).
  const caseArb = fc
    .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }))
    .filter(([h, w]) => h !== w)
    .chain(([height, width]) => {
      const total = height * width;
      const maskArb = fc
        .record({ a: fc.integer({ min: 0, max: total }), b: fc.integer({ min: 0, max: total }), density: fc.constantFrom(0.3, 0.8, 1), seed: fc.integer() })
        .map(({ a, b, density, seed }) => {
          const rand = prng(seed);
          const bits = new Uint8Array(total);
          for (let i = Math.min(a, b); i < Math.max(a, b); i++) bits[i] = rand() < density ? 1 : 0;
          return bits;
        });
      return fc.record({ height: fc.constant(height), width: fc.constant(width), masks: fc.array(maskArb, { minLength: 1, maxLength: 9 }) });
    });

  it('is the pixel-wise OR of any number of masks (disjoint, touching, overlapping, empty, full)', () => {
    fc.assert(
      fc.property(caseArb, ({ height, width, masks }) => {
        const total = height * width;
        const or = new Uint8Array(total);
        for (const m of masks) for (let i = 0; i < total; i++) or[i] = or[i]! | m[i]!;
        eqRuns(unionAllRuns(masks.map((m) => Uint32Array.from(naiveRuns(m))), total), naiveRuns(or));
      }),
      { numRuns: 400 },
    );
  });

  it('concatenates masks whose foregrounds follow each other, touching at the first and last pixel', () => {
    // 3×5: [0, 2) and [2, 15) touch; [0, 1) and [14, 15) are apart; given in both orders.
    const total = 15;
    eqRuns(unionAllRuns([Uint32Array.of(0, 2, 13), Uint32Array.of(2, 13)], total), [0, 15]);
    eqRuns(unionAllRuns([Uint32Array.of(2, 13), Uint32Array.of(0, 2, 13)], total), [0, 15]);
    eqRuns(unionAllRuns([Uint32Array.of(14, 1), Uint32Array.of(0, 1, 14)], total), [0, 1, 13, 1]);
    eqRuns(unionAllRuns([Uint32Array.of(0, 1, 14), Uint32Array.of(15), Uint32Array.of(14, 1)], total), [0, 1, 13, 1]);
  });
});

describe('bounded memory on the band path', () => {
  it('very tall dense masks (output lines longer than the band cap) still transpose exactly', () => {
    // 4.2M × 2 noise: its row runs transpose with outer = 4.2M > BAND_BYTES, so the sweep is used.
    const height = 4_200_000, width = 2;
    const bits = cellBitmap(height, width, 1, 0.5, 7);
    const row = bitmapToRuns(bits, bits.length);
    const colBits = toColumnMajor(bits, height, width);
    eqRuns(transposeRuns(row, height, width), bitmapToRuns(colBits, colBits.length));
    eqBytes(runsToTransposedBitmap(row, height, width), colBits);
  });
});

describe('masks of up to 2^32-1 pixels', () => {
  // 65535 × 65537 = 2^32 - 1: positions and run ends reach the top of uint32.
  const height = 65535, width = 65537, total = height * width;

  it('transposes runs touching the first and the last pixel', () => {
    expect(total).toBe(0xffffffff);
    // Row-major: pixel 0, the last 3 pixels of row 0, a 2-pixel stretch across rows 7/8 and the last 5 pixels.
    const row = Uint32Array.of(0, 1, width - 4, 3, 8 * width - 1 - width, 2, total - 8 * width - 1 - 5, 5);
    expect(row.reduce((s, r) => s + r, 0)).toBe(total);
    const col = transposeRuns(row, height, width);
    expect(col.reduce((s, r) => s + r, 0)).toBe(total);
    // Column 0: rows 0 and 8; column width-1: rows 0, 7 and height-1; columns width-5..width-2: row height-1.
    expect(col[0]).toBe(0);
    expect(col[1]).toBe(1);
    expect(col[2]).toBe(7);
    expect(col[3]).toBe(1);
    expect(col[col.length - 1]).toBe(1);
    eqRuns(transposeRuns(col, width, height), row);
    const m = Mask.fromRuns(row, { height, width }, 'row');
    expect(m.area()).toBe(11);
    expect(m.bbox()).toEqual({ x: 0, y: 0, width, height });
  });

  it('combines and overlaps without wrapping', () => {
    const a = Uint32Array.of(0, 0x80000000, 0x7fffffff);
    const b = Uint32Array.of(0x7fffffff, 0x80000000);
    eqRuns(combineRuns(a, b, 0b1110, total), [0, total]);
    eqRuns(combineRuns(a, b, 0b1000, total), [0x7fffffff, 1, 0x7fffffff]);
    eqRuns(combineRuns(a, b, 0b0110, total), [0, 0x7fffffff, 1, 0x7fffffff]);
    expect(overlapAreas(a, b, total)).toEqual({ intersection: 1, union: total });
    eqRuns(complementRuns(a, total), [0x80000000, 0x7fffffff]);
    eqRuns(canonicalRuns(a, total), a);
  });
});
