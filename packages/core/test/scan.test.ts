/**
 * The word-skipping bitmap scan (float64 words, where a word of zero bytes but for a top 0x80 reads as -0) and the
 * sparse run transposition (line differences, counting or comparison sort) against naive
 * per-pixel references: byte offsets not multiple of 8, foreground values other than 1
 * (including a lone 0x80 in the top byte of a word, which reads as -0), long stretches, and
 * blob-like, striped and one-line masks of non-square sizes around the thresholds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask } from '../src/index.js';
import { bitmapToRuns, scanTransitions, transposeRuns, useScanKernel } from '../src/runs.js';
import { naiveRuns, toColumnMajor } from './support.js';

/** Element-wise equality reporting the first mismatch (deep toEqual is slow on large typed arrays). */
function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): string | undefined {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return undefined;
}

/** Naive runs, none for an empty bitmap (as bitmapToRuns). */
function refRuns(bits: ArrayLike<number>): number[] {
  return bits.length === 0 ? [] : naiveRuns(bits);
}

/** Bytes as alternating stretches (background first) of the given lengths; foreground bytes cycle through `values`. */
function stretches(lengths: number[], values: readonly number[]): number[] {
  const out: number[] = [];
  lengths.forEach((l, k) => {
    for (let i = 0; i < l; i++) out.push(k & 1 ? values[(out.length + i) % values.length]! : 0);
  });
  return out;
}

/** `bytes` placed at byte `offset` of a fresh buffer (so views start at any alignment). */
function at(bytes: ArrayLike<number>, offset: number): Uint8Array {
  const buf = new Uint8Array(offset + bytes.length + 11);
  buf.set(bytes, offset);
  return buf.subarray(offset, offset + bytes.length);
}

const fgValues = fc.constantFrom([1], [255], [128], [0x80], [1, 255, 2], [1, 1, 1, 0x80]);

// Every scan test runs on both kernels: the JavaScript one (float64 words) and the WebAssembly
// SIMD one that large bitmaps take, forced here for every length.
describe.each(['js', 'wasm'] as const)('bitmapToRuns (%s scan)', (kernel) => {
  beforeAll(() => useScanKernel(kernel));
  afterAll(() => useScanKernel('auto'));

  it('matches the naive runs for any stretches, values and byte offsets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 10, max: 300 })), { maxLength: 24 }),
        fgValues,
        fc.integer({ min: 0, max: 15 }),
        fc.boolean(),
        (lengths, values, offset, clamped) => {
          const bytes = at(stretches(lengths, values), offset);
          const data = clamped ? new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.length) : bytes;
          expect(firstMismatch(bitmapToRuns(data, data.length), refRuns(data))).toBeUndefined();
        },
      ),
      { numRuns: 400 },
    );
  });

  it('sees a lone 0x80 in the top byte of an aligned word inside long zero stretches (a -0 float64)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 15 }), fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 6 }), (words, offset, picks) => {
        const len = words * 8 + 64;
        const buf = new Uint8Array(len + 16);
        const view = buf.subarray(offset, offset + len);
        // Top bytes of 8-byte words of the underlying buffer: absolute index ≡ 7 (mod 8).
        for (const p of picks) {
          const abs = (Math.floor((offset + (p % len)) / 8) * 8) + 7;
          if (abs >= offset && abs < offset + len) buf[abs] = 0x80;
        }
        expect(firstMismatch(bitmapToRuns(view, len), naiveRuns(view))).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('stays exact on large zero/foreground stretches once optimised, -0 words included', () => {
    const n = 1 << 16;
    const plain = new Uint8Array(n), neg = new Uint8Array(n), wide = new Uint8Array(n);
    plain.fill(1, 20_000, 30_001);
    neg.set(plain);
    neg[40_007] = 0x80; // top byte of an aligned word, all alone
    wide.fill(255, 100, 50_000);
    wide[777] = 0;
    for (let rep = 0; rep < 200; rep++) {
      for (const b of [plain, neg, wide]) expect(bitmapToRuns(b, n).length).toBe(naiveRuns(b).length);
    }
    for (const b of [plain, neg, wide]) expect(firstMismatch(bitmapToRuns(b, n), naiveRuns(b))).toBeUndefined();
    expect(Array.from(bitmapToRuns(neg, n))).toEqual([20_000, 10_001, 40_007 - 30_001, 1, n - 40_008]);
  });

  it('handles empty, first-pixel and last-pixel foreground, and 1..70 byte inputs', () => {
    for (let len = 1; len <= 70; len++) {
      for (const fgAt of [0, len - 1, len >> 1]) {
        for (const v of [1, 0x80, 255]) {
          const b = at(new Uint8Array(len), len % 8);
          b[fgAt] = v;
          expect(firstMismatch(bitmapToRuns(b, len), naiveRuns(b))).toBeUndefined();
          b.fill(v);
          expect(Array.from(bitmapToRuns(b, len))).toEqual([0, len]);
        }
      }
    }
    expect(bitmapToRuns(new Uint8Array(0), 0).length).toBe(0);
  });
});

/** Naive transition positions of `bits`, offset by base (pixel -1 is background). */
function naiveTransitions(bits: ArrayLike<number>, base: number): number[] {
  const out: number[] = [];
  let prev = 0;
  for (let j = 0; j < bits.length; j++) {
    const v = bits[j] !== 0 ? 1 : 0;
    if (v !== prev) out.push(base + j);
    prev = v;
  }
  return out;
}

describe('the WebAssembly scan kernel', () => {
  beforeAll(() => useScanKernel('wasm'));
  afterAll(() => useScanKernel('auto'));

  it('is exact across its 64 KiB chunks, 64-byte blocks and 16-byte vectors', () => {
    const chunk = 1 << 16;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 * chunk + 40 }),
        fc.array(fc.oneof(
          // Positions at and around chunk, block and vector edges.
          fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(-17, -16, -15, -1, 0, 1, 15, 16, 63, 64, 65)).map(([c, d]) => c * chunk + d),
          fc.integer({ min: 0, max: 3 * chunk + 40 }),
        ), { maxLength: 12 }),
        fc.constantFrom(1, 255, 0x80),
        fc.boolean(),
        (len, cuts, value, startFull) => {
          const bits = new Uint8Array(len);
          // Alternate stretches between the sorted cut positions, optionally starting with foreground.
          const edges = [...new Set(cuts.filter((c) => c >= 0 && c <= len))].sort((a, b) => a - b);
          let v = startFull ? value : 0, from = 0;
          for (const e of [...edges, len]) { bits.fill(v, from, e); from = e; v = v === 0 ? value : 0; }
          expect(firstMismatch(scanTransitions(bits, 0), naiveTransitions(bits, 0))).toBeUndefined();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reports positions past 2^31 exactly (it adds in 32 bits; the u32 read back is unsigned)', () => {
    const bits = new Uint8Array(70_000);
    bits.fill(1, 3, 40);
    bits.fill(7, 65_530, 65_560);
    bits[69_999] = 1;
    for (const base of [2 ** 31 - 65_536, 2 ** 31 + 5, 2 ** 32 - 1 - bits.length]) {
      expect(Array.from(scanTransitions(bits, base))).toEqual(naiveTransitions(bits, base));
    }
  });

  it('agrees with the JavaScript scan on noise of any byte values', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 5000 }), fc.integer({ min: 0, max: 15 }), (bytes, offset) => {
        const view = at(bytes, offset);
        const wasm = scanTransitions(view, 9);
        useScanKernel('js');
        const js = scanTransitions(view, 9);
        useScanKernel('wasm');
        expect(firstMismatch(wasm, js)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});

/** h×w row-major bitmap of a few axis-aligned ellipses and rectangles (blob-like: few runs per line). */
function blobs(h: number, w: number, shapes: { cx: number; cy: number; rx: number; ry: number; box: boolean }[]): Uint8Array {
  const bits = new Uint8Array(h * w);
  for (const s of shapes) {
    const cx = s.cx * w, cy = s.cy * h, rx = s.rx * w + 0.5, ry = s.ry * h + 0.5;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const dx = (x - cx) / rx, dy = (y - cy) / ry;
        if (s.box ? Math.abs(dx) <= 1 && Math.abs(dy) <= 1 : dx * dx + dy * dy <= 1) bits[y * w + x] = 1;
      }
    }
  }
  return bits;
}

const shapeArb = fc.record({
  cx: fc.double({ min: -0.2, max: 1.2, noNaN: true }),
  cy: fc.double({ min: -0.2, max: 1.2, noNaN: true }),
  rx: fc.double({ min: 0, max: 0.8, noNaN: true }),
  ry: fc.double({ min: 0, max: 0.8, noNaN: true }),
  box: fc.boolean(),
});

const blobSizeArb = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 })).filter(([h, w]) => h !== w),
  fc.integer({ min: 1, max: 500 }).chain((n) => fc.constantFrom<[number, number]>([1, n], [n, 1], [2, n], [n, 2])),
  fc.tuple(fc.integer({ min: 100, max: 300 }), fc.integer({ min: 20, max: 90 })).chain(([a, b]) => fc.constantFrom<[number, number]>([a, b], [b, a])),
);

function checkTranspose(bits: Uint8Array, h: number, w: number): void {
  const row = Uint32Array.from(naiveRuns(bits));
  const col = Uint32Array.from(naiveRuns(toColumnMajor(bits, h, w)));
  expect(firstMismatch(transposeRuns(row, h, w), col)).toBeUndefined();
  expect(firstMismatch(transposeRuns(col, w, h), row)).toBeUndefined();
}

describe('transposeRuns (sparse line-difference path)', () => {
  it('matches a naive transposition on blob-like masks of non-square sizes', () => {
    fc.assert(
      fc.property(blobSizeArb, fc.array(shapeArb, { maxLength: 6 }), ([h, w], shapes) => checkTranspose(blobs(h, w, shapes), h, w)),
      { numRuns: 300 },
    );
  });

  it('matches on stripes, full lines, checker cells and single pixels (lines that equal their neighbours, or not at all)', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 })).filter(([h, w]) => h !== w),
        fc.constantFrom('rows', 'cols', 'cells', 'pixel', 'full', 'empty', 'corners', 'diagonal', 'specks'),
        fc.integer({ min: 1, max: 9 }),
        (([h, w], kind, k) => {
          const bits = new Uint8Array(h * w);
          for (let y = 0; y < h; y++) {
            for (let x = 0; x < w; x++) {
              const v = kind === 'rows' ? Math.floor(y / k) & 1 : kind === 'cols' ? Math.floor(x / k) & 1 : kind === 'cells' ? (Math.floor(x / k) + Math.floor(y / k)) & 1
                : kind === 'pixel' ? +(y === (k * 7) % h && x === (k * 13) % w) : kind === 'full' ? 1 : kind === 'corners' ? +((y === 0 || y === h - 1) && (x === 0 || x === w - 1))
                  // Features that jump past each other from one line to the next.
                  : kind === 'diagonal' ? +((x - y * k) % (k + 3) === 0) : kind === 'specks' ? +(((x * 7919 + y * 104729 + k * 31) % 97) < 9) : 0;
              bits[y * w + x] = v;
            }
          }
          checkTranspose(bits, h, w);
        }),
      ),
      { numRuns: 300 },
    );
  });

  it('takes the comparison sort for very long lines with few runs, and agrees on both sides of the threshold', () => {
    for (const inner of [65_535, 65_536, 65_537, 70_001]) {
      for (const outer of [2, 3]) {
        const bits = new Uint8Array(outer * inner);
        bits.fill(1, 5, 9);
        bits.fill(1, inner - 3, inner + 4);
        bits[outer * inner - 1] = 1;
        bits.fill(1, inner + 40_000, inner + 40_010);
        checkTranspose(bits, outer, inner);
      }
    }
  });

  it('gives the same runs as Mask for the SA-like shape of the bench (few runs per line, long lines)', () => {
    const h = 150, w = 225;
    const bits = blobs(h, w, [
      { cx: 0.3, cy: 0.4, rx: 0.2, ry: 0.3, box: false },
      { cx: 0.7, cy: 0.6, rx: 0.25, ry: 0.1, box: false },
      { cx: 0.5, cy: 0.5, rx: 0.05, ry: 0.45, box: true },
    ]);
    const m = Mask.fromBitmap(bits, { height: h, width: w });
    expect(firstMismatch(m.runsView('col'), naiveRuns(toColumnMajor(bits, h, w)))).toBeUndefined();
    expect(firstMismatch(Mask.fromRuns(m.runs('col'), m.size, 'col').runsView('row'), naiveRuns(bits))).toBeUndefined();
  });
});
