import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask, RleError } from '@rlekit/core';
import { countsToString, decodeToBitmap, encode, encodeBitmap, encodeUncompressed } from '../src/index.js';

/** Random non-square bitmaps, small and (for the dense paths) large, with values 0/1, 0/255 or mixed. */
const bitmapArb = fc
  .record({
    height: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 120, max: 160 })),
    width: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 121, max: 170 })),
    density: fc.constantFrom(0, 0.02, 0.5, 0.98, 1),
    on: fc.constantFrom(1, 255, 2),
    blocky: fc.boolean(),
    seed: fc.integer(),
  })
  .filter(({ height, width }) => height !== width)
  .map(({ height, width, density, on, blocky, seed }) => {
    let s = seed >>> 0;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const bits = new Uint8Array(height * width);
    // Blocky masks have long runs (the run-transposing paths); noise has short ones (the byte-transposing paths).
    const block = blocky ? 9 : 1;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      const by = Math.floor(y / block), bx = Math.floor(x / block);
      bits[y * width + x] = (blocky ? ((by * 7919 + bx * 104729 + seed) >>> 0) % 1000 / 1000 : rand()) < density ? on : 0;
    }
    return { height, width, bits };
  });

function naiveColumnMajor(bits: Uint8Array, h: number, w: number): Uint8Array {
  const out = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[x * h + y] = bits[y * w + x] ? 1 : 0;
  return out;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

describe('decodeToBitmap and encodeBitmap', () => {
  it('agree with the Mask path and a naive transposition, into a reused dirty buffer', () => {
    fc.assert(
      fc.property(bitmapArb, ({ height, width, bits }) => {
        const m = Mask.fromBitmap(bits, { height, width });
        const rle = encode(m);
        expect(encodeBitmap(bits, height, width)).toEqual(rle);
        const binary = Uint8Array.from(bits, (v) => (v ? 1 : 0));
        const col = naiveColumnMajor(bits, height, width);
        expect(encodeBitmap(col, height, width, 'col')).toEqual(rle);
        const out = new Uint8Array(height * width).fill(7);
        expect(same(decodeToBitmap(rle, 'row', out), binary)).toBe(true);
        expect(same(decodeToBitmap(encodeUncompressed(m)), binary)).toBe(true);
        expect(same(decodeToBitmap(rle, 'col'), col)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('handles foreground at the first and last pixel, empty, full and degenerate shapes', () => {
    for (const [h, w] of [[3, 5], [5, 3], [1, 9], [9, 1], [130, 140]] as const) {
      const bits = new Uint8Array(h * w);
      bits[0] = 1;
      bits[h * w - 1] = 1;
      const rle = encodeBitmap(bits, h, w);
      expect(rle).toEqual(encode(Mask.fromBitmap(bits, { height: h, width: w })));
      expect(same(decodeToBitmap(rle), bits)).toBe(true);
      expect(same(decodeToBitmap(encodeBitmap(new Uint8Array(h * w), h, w)), new Uint8Array(h * w))).toBe(true);
      const full = new Uint8Array(h * w).fill(1);
      expect(encodeBitmap(full, h, w)).toEqual(encode(Mask.full({ height: h, width: w })));
    }
    expect(encodeBitmap(new Uint8Array(0), 0, 4)).toEqual({ size: [0, 4], counts: '0' });
    expect(decodeToBitmap({ size: [0, 4], counts: '0' }).length).toBe(0);
  });

  it('works on a bitmap that is a view at an odd offset (dense paths, rows a multiple of 4 or not)', () => {
    for (const [h, w] of [[140, 131], [129, 131], [131, 128]] as const) {
    const backing = new Uint8Array(h * w + 3);
    for (let i = 0; i < h * w; i++) backing[i + 3] = (i * 2654435761) % 7 < 3 ? 1 : 0;
    const view = backing.subarray(3);
    const rle = encodeBitmap(view, h, w);
    expect(rle).toEqual(encode(Mask.fromBitmap(view, { height: h, width: w })));
    expect(same(decodeToBitmap(rle), view)).toBe(true);
    }
  });

  it('column-order decode of many short runs (the toggle path): zero-length runs, dirty and odd-offset buffers, first/last pixel, empty and full', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.array(fc.nat(3), { minLength: 1, maxLength: 2000 }), fc.nat(3), fc.boolean(),
        (h, w, lengths, offset, asString) => {
          fc.pre(h !== w);
          const total = h * w;
          // Runs (zero-length ones included) cut to sum to h*w, background first.
          const counts: number[] = [];
          let sum = 0;
          for (const r of lengths) {
            const x = Math.min(r, total - sum);
            counts.push(x);
            sum += x;
            if (sum === total) break;
          }
          if (sum < total) counts.push(total - sum);
          const expected = new Uint8Array(total);
          for (let k = 0, p = 0; k < counts.length; p += counts[k]!, k++) expected.fill(k & 1, p, p + counts[k]!);
          const rle = { size: [h, w], counts: asString ? countsToString(counts) : counts };
          const backing = new Uint8Array(total + offset).fill(9);
          const out = backing.subarray(offset);
          expect(same(decodeToBitmap(rle, 'col', out), expected)).toBe(true);
          expect(same(decodeToBitmap(rle, 'col'), expected)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
    for (const [h, w] of [[3, 5], [5, 3], [130, 141]] as const) {
      const total = h * w;
      // Alternating single pixels, foreground at the first and last pixel: every run is short.
      const counts = [0, ...Array.from({ length: total }, () => 1)];
      const expected = Uint8Array.from({ length: total }, (_, i) => (i % 2 === 0 ? 1 : 0));
      if (total % 2 === 0) expected[total - 1] = 0;
      expect(same(decodeToBitmap({ size: [h, w], counts: countsToString(counts) }, 'col', new Uint8Array(total).fill(3)), expected)).toBe(true);
      expect(same(decodeToBitmap({ size: [h, w], counts: countsToString([total]) }, 'col', new Uint8Array(total).fill(3)), new Uint8Array(total))).toBe(true);
      expect(same(decodeToBitmap({ size: [h, w], counts: countsToString([0, total]) }, 'col', new Uint8Array(total)), new Uint8Array(total).fill(1))).toBe(true);
    }
  });

  it('rejects wrong buffers', () => {
    const code = (f: () => unknown) => { try { f(); } catch (e) { expect(e).toBeInstanceOf(RleError); return (e as RleError).code; } return 'none'; };
    expect(code(() => decodeToBitmap({ size: [2, 3], counts: '6' }, 'row', new Uint8Array(5)))).toBe('INVALID_BITMAP');
    expect(code(() => encodeBitmap(new Uint8Array(5), 2, 3))).toBe('INVALID_BITMAP');
    expect(code(() => encodeBitmap(new Uint8Array(6), 2, 3, 'diagonal' as 'row'))).toBe('INVALID_OPTION');
    expect(code(() => decodeToBitmap({ size: [2, 3], counts: '6' }, 'diagonal' as 'row'))).toBe('INVALID_OPTION');
  });
});
