/**
 * The rings the writer chooses, drawn back by fillPoly (equal to cv2.fillPoly: fillpoly-oracle.test.ts),
 * give the mask back exactly: every one-part mask, with or without holes, on random non-square
 * sizes, touching the border, single pixels, one-pixel lines, pinch points.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { components, fillHoles, Mask } from '@rlekit/core';
import { fillPoly } from '../src/fillpoly.js';
import { instanceRing } from '../src/rings.js';

function drawn(ring: number[], mask: Mask): Mask {
  return fillPoly(ring.filter((_, i) => i % 2 === 0), ring.filter((_, i) => i % 2 === 1), mask.size);
}

/** Random masks reduced to their largest 8-connected part. */
const onePart = fc
  .record({ h: fc.integer({ min: 1, max: 24 }), w: fc.integer({ min: 1, max: 24 }), density: fc.double({ min: 0.2, max: 0.95, noNaN: true }), seed: fc.integer() })
  .filter(({ h, w }) => h !== w)
  .map(({ h, w, density, seed }) => {
    let s = seed >>> 0;
    const bits = new Uint8Array(h * w);
    for (let i = 0; i < bits.length; i++) bits[i] = ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) < density ? 1 : 0;
    if (seed & 1) { bits[0] = 1; bits[bits.length - 1] = 1; }
    const mask = Mask.fromBitmap(bits, { height: h, width: w });
    const parts = components(mask, { connectivity: 8 });
    let best = Mask.empty(mask.size);
    for (const p of parts) if (p.area() > best.area()) best = p;
    return best;
  });

describe('instanceRing', () => {
  it('hole-free one-part masks come back exactly', () => {
    fc.assert(fc.property(onePart, (m) => {
      const mask = fillHoles(m);
      const r = instanceRing(mask);
      if (mask.isEmpty()) { expect(r.ring).toEqual([]); return; }
      expect(r.partsJoined).toBe(0);
      expect(drawn(r.ring, mask).equals(mask)).toBe(true);
    }), { numRuns: 800 });
  });

  it('one-part masks with holes come back exactly (holes bridged along foreground columns)', () => {
    fc.assert(fc.property(onePart, (mask) => {
      const r = instanceRing(mask);
      if (mask.isEmpty()) return;
      const back = drawn(r.ring, mask);
      expect(back.equals(mask), `${mask.toString()}\n${JSON.stringify(r.ring)}\n${back.toString()}`).toBe(true);
    }), { numRuns: 800 });
  });

  it('single pixels, lines, full masks and pinch points', () => {
    const cases = [
      Mask.fromBitmap([0, 0, 0, 0, 1, 0], { height: 2, width: 3 }),
      Mask.fromBitmap([1, 1, 1, 1, 0, 0, 0, 0], { height: 2, width: 4 }),
      Mask.fromBitmap([1, 0, 1, 0, 1, 0], { height: 3, width: 2 }).union(Mask.fromBitmap([1, 0, 1, 0, 1, 0], { height: 3, width: 2 })),
      Mask.full({ height: 3, width: 5 }),
      Mask.fromBitmap([1, 0, 0, 0, 1, 0, 0, 0, 1], { height: 3, width: 3 }),
      Mask.fromBitmap([1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 0], { height: 3, width: 4 }),
    ];
    for (const m of cases) {
      const r = instanceRing(m);
      expect(r.ring.length).toBeGreaterThanOrEqual(6);
      expect(drawn(r.ring, m).equals(m), m.toString()).toBe(true);
    }
  });
});
