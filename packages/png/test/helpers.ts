import fc from 'fast-check';
import { expect } from 'vitest';
import { RleError } from '@rlekit/core';

/** A random bitmap of a non-square size (h != w), row-major, with runs of varied lengths. */
export const bitmapArb = (maxSide = 40) =>
  fc
    .record({ height: fc.integer({ min: 1, max: maxSide }), width: fc.integer({ min: 1, max: maxSide }), density: fc.constantFrom(0, 0.05, 0.5, 0.95, 1) })
    .filter(({ height, width }) => height !== width)
    .chain(({ height, width, density }) =>
      fc
        .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: height * width, maxLength: height * width })
        .map((r) => ({ height, width, bits: Uint8Array.from(r, (x) => (x < density ? 1 : 0)) })),
    );

/** A random non-square label image with labels below `maxLabel`. */
export const labelsArb = (maxLabel: number, maxSide = 30) =>
  fc
    .record({ height: fc.integer({ min: 1, max: maxSide }), width: fc.integer({ min: 1, max: maxSide }) })
    .filter(({ height, width }) => height !== width)
    .chain(({ height, width }) =>
      fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: maxLabel })), { minLength: height * width, maxLength: height * width })
        .map((values) => ({ height, width, values })),
    );

export { expectCode, expectCodeAsync } from '../../core/test/support.js';

/** Offsets of chunks in a PNG: [{ name, offset (of the length field), length }]. */
export function chunks(png: Uint8Array): { name: string; offset: number; length: number }[] {
  const out = [];
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let o = 8; o + 8 <= png.length; ) {
    const length = v.getUint32(o);
    const name = String.fromCharCode(...png.subarray(o + 4, o + 8));
    out.push({ name, offset: o, length });
    o += 12 + length;
  }
  return out;
}
