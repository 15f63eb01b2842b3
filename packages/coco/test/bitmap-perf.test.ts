/**
 * encodeBitmap / decodeToBitmap on the shapes their fast paths are tuned for (few runs per row:
 * word-skipping scan + line-difference transposition; many: byte transposition), against a
 * naive reference: column-major runs counted per pixel and coded as maskApi.c's rleToString
 * does, written here from the format description. Sizes are non-square, around the path
 * thresholds, 1×N and N×1; bitmaps start at byte offsets that are not multiples of 8 and use
 * foreground values other than 1 (non-zero is foreground), including 0x80.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { naiveCocoCounts, naiveString } from './reference.js';
import { countsToString, decodeToBitmap, encodeBitmap } from '../src/index.js';



/** `bits` copied to byte `offset` of a larger buffer, so the view starts unaligned. */
function at(bits: Uint8Array, offset: number): Uint8Array {
  const buf = new Uint8Array(bits.length + offset + 9);
  buf.set(bits, offset);
  return buf.subarray(offset, offset + bits.length);
}

/** A few ellipses and boxes (blob-like: SA-1B masks), foreground bytes cycling through `values`. */
function blobs(h: number, w: number, shapes: number[][], values: readonly number[]): Uint8Array {
  const bits = new Uint8Array(h * w);
  for (const [cx, cy, rx, ry, box] of shapes) {
    const X = cx! * w, Y = cy! * h, RX = rx! * w + 0.5, RY = ry! * h + 0.5;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const dx = (x - X) / RX, dy = (y - Y) / RY;
        if (box! > 0.5 ? Math.abs(dx) <= 1 && Math.abs(dy) <= 1 : dx * dx + dy * dy <= 1) bits[y * w + x] = values[(x + y) % values.length]!;
      }
    }
  }
  return bits;
}

/** Noise of a density, foreground bytes from `values`. */
function noise(h: number, w: number, density: number, values: readonly number[], seed: number): Uint8Array {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Uint8Array.from({ length: h * w }, (_, i) => (rand() < density ? values[i % values.length]! : 0));
}

const sizeArb = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 })),
  fc.integer({ min: 1, max: 400 }).chain((n) => fc.constantFrom<[number, number]>([1, n], [n, 1])),
  // Large enough for the sampled density estimate (64 Ki pixels) to choose between the paths.
  fc.tuple(fc.integer({ min: 180, max: 260 }), fc.integer({ min: 300, max: 420 })).chain(([a, b]) => fc.constantFrom<[number, number]>([a, b], [b, a])),
).filter(([h, w]) => h !== w);

const valuesArb = fc.constantFrom([1], [255], [128], [0x80, 1], [1, 2, 255]);

function check(bits: Uint8Array, h: number, w: number, offset: number): void {
  const view = at(bits, offset);
  const counts = naiveCocoCounts(bits, h, w);
  const rle = encodeBitmap(view, h, w);
  expect(rle.size).toEqual([h, w]);
  expect(rle.counts).toBe(naiveString(counts));
  expect(countsToString(counts)).toBe(rle.counts);
  const back = decodeToBitmap(rle, 'row', at(new Uint8Array(h * w).fill(7), (offset + 3) % 16));
  for (let i = 0; i < bits.length; i++) if (back[i] !== (bits[i] !== 0 ? 1 : 0)) throw new Error(`decoded pixel ${i} differs`);
}

describe('encodeBitmap against a naive column-major encoder', () => {
  it('blob-like masks, any foreground values and byte offsets', () => {
    fc.assert(
      fc.property(
        sizeArb,
        fc.array(fc.array(fc.double({ min: -0.2, max: 1.2, noNaN: true }), { minLength: 5, maxLength: 5 }), { maxLength: 5 }),
        valuesArb,
        fc.integer({ min: 0, max: 15 }),
        ([h, w], shapes, values, offset) => check(blobs(h, w, shapes, values), h, w, offset),
      ),
      { numRuns: 150 },
    );
  });

  it('noise from empty to full, any foreground values and byte offsets', () => {
    fc.assert(
      fc.property(sizeArb, fc.constantFrom(0, 0.01, 0.3, 0.5, 0.9, 1), valuesArb, fc.integer({ min: 0, max: 15 }), fc.integer(), ([h, w], d, values, offset, seed) =>
        check(noise(h, w, d, values, seed), h, w, offset)),
      { numRuns: 150 },
    );
  });

  it('first and last pixel, lone 0x80 bytes in long background, SA-like size', () => {
    const h = 1500, w = 2250;
    const bits = blobs(h, w, [[0.3, 0.4, 0.1, 0.15, 0], [0.7, 0.6, 0.05, 0.2, 1]], [1]);
    bits[0] = 1;
    bits[h * w - 1] = 255;
    for (let i = 7; i < 50_000; i += 4099) bits[i] = 0x80;
    check(bits, h, w, 0);
    check(bits, h, w, 5);
  });
});
