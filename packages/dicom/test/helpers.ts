import fc from 'fast-check';
import { expect } from 'vitest';
import { RleError } from '@rlekit/core';

export { expectCode, expectCodeAsync } from '../../core/test/support.js';

/** Non-square sizes only: a transposed decode of a square frame would pass silently. */
export const sizeArb = (maxRows = 24, maxCols = 40): fc.Arbitrary<{ rows: number; columns: number }> =>
  fc.record({ rows: fc.integer({ min: 1, max: maxRows }), columns: fc.integer({ min: 1, max: maxCols }) }).filter((s) => s.rows !== s.columns);

/** Values with long equal stretches (replicate runs), short repeats and noise (literals). */
export function valuesArb(count: number, maxValue: number): fc.Arbitrary<number[]> {
  const piece = fc.tuple(fc.integer({ min: 0, max: maxValue }), fc.oneof(fc.constant(1), fc.constant(2), fc.constant(3), fc.integer({ min: 1, max: 300 })));
  return fc.array(piece, { minLength: 1, maxLength: 64 }).map((pieces) => {
    const out: number[] = [];
    let k = 0;
    while (out.length < count) {
      const [v, n] = pieces[k++ % pieces.length]!;
      for (let i = 0; i < n && out.length < count; i++) out.push(v);
    }
    return out;
  });
}

/** A random 0/1 frame with foreground at the first and/or last pixel sometimes, and empty/full cases. */
export function bitsArb(rows: number, columns: number): fc.Arbitrary<Uint8Array> {
  const n = rows * columns;
  return fc.oneof(
    fc.constant(new Uint8Array(n)),
    fc.constant(new Uint8Array(n).fill(1)),
    valuesArb(n, 1).map((v) => Uint8Array.from(v)),
    valuesArb(n, 1).map((v) => {
      const a = Uint8Array.from(v);
      a[0] = 1;
      a[n - 1] = 1;
      return a;
    }),
  );
}

/**
 * Parses one RLE segment and asserts Annex G's encoder rules: no 0x80, no run crossing a row,
 * 3+ repeats never inside a literal, even length with a 0x00 pad. Returns the decoded bytes.
 */
export function checkCleanSegment(seg: Uint8Array, columns: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let i = 0, o = 0;
  while (o < size) {
    const n = seg[i++]!;
    expect(n).not.toBe(0x80);
    const count = n < 128 ? n + 1 : 257 - n;
    expect(Math.floor(o / columns)).toBe(Math.floor((o + count - 1) / columns));
    if (n < 128) {
      for (let k = 2; k < count; k++) expect(seg[i + k] === seg[i + k - 1] && seg[i + k] === seg[i + k - 2]).toBe(false);
      out.set(seg.subarray(i, i + count), o);
      i += count;
    } else {
      out.fill(seg[i]!, o, o + count);
      i += 1;
    }
    o += count;
  }
  expect(o).toBe(size);
  // Only the even-length pad may follow, and it is 0x00.
  expect(seg.length - i).toBeLessThanOrEqual(1);
  if (seg.length > i) expect(seg[i]).toBe(0);
  expect(seg.length % 2).toBe(0);
  return out;
}
