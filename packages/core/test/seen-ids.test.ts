import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeenIds } from '../src/index.js';

describe('SeenIds', () => {
  it('answers as a Set does, for small and large integers, negatives, fractions, strings, -0', () => {
    const id = fc.oneof(
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 2 ** 27 - 3, max: 2 ** 27 + 3 }),
      fc.integer({ min: -5, max: 5 }),
      fc.constantFrom(-0, 0.5, Number.MAX_SAFE_INTEGER, 1e300),
      fc.integer({ min: 0, max: 20 }).map(String),
    );
    fc.assert(fc.property(fc.array(id, { maxLength: 200 }), (ids) => {
      const seen = new SeenIds(), set = new Set<unknown>();
      for (const v of ids) {
        const fresh = !set.has(v);
        set.add(v);
        expect(seen.add(v)).toBe(fresh);
      }
    }), { numRuns: 300 });
  });

  it('grows for an id far past its first words', () => {
    const seen = new SeenIds();
    expect(seen.add(2 ** 27 - 1)).toBe(true);
    expect(seen.add(2 ** 27 - 1)).toBe(false);
    expect(seen.add(31)).toBe(true);
  });
});
