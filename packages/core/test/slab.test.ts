/** Carved arrays (slab.ts): zero-filled, 8-byte aligned, and never sharing values with another view. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allocU32, copyU32 } from '../src/slab.js';

describe('allocU32', () => {
  it('gives zeroed, aligned, disjoint views of the requested length (small ones carved, large ones own)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 60 }), (sizes) => {
        const views = sizes.map((n) => allocU32(n));
        views.forEach((v, k) => {
          expect(v.length).toBe(sizes[k]);
          expect(v.byteOffset % 8).toBe(0);
          expect(v.every((x) => x === 0)).toBe(true);
          v.fill(k + 1);
        });
        // Filling each with its own mark left every other view's marks intact.
        views.forEach((v, k) => expect(v.every((x) => x === k + 1)).toBe(true));
        // Large arrays are not carved from the shared block.
        views.forEach((v) => { if (v.length * 4 > 4096) expect(v.byteOffset === 0 && v.buffer.byteLength === v.byteLength).toBe(true); });
      }),
      { numRuns: 100 },
    );
  });

  it('interleaves with copyU32 without overlap', () => {
    const a = allocU32(3), b = copyU32(Uint32Array.of(7, 8, 9), 3), c = allocU32(5);
    a.fill(1); c.fill(2);
    expect(Array.from(b)).toEqual([7, 8, 9]);
    expect(Array.from(a)).toEqual([1, 1, 1]);
  });
});
