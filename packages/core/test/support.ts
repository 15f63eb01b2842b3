import { expect } from 'vitest';
import { RleError } from '../src/index.js';
import fc from 'fast-check';

/** A random bitmap of a non-square size (h != w), row-major, with a chosen density. */
export const bitmapArb = (maxSide = 24) =>
  fc
    .record({ height: fc.integer({ min: 1, max: maxSide }), width: fc.integer({ min: 1, max: maxSide }), density: fc.constantFrom(0, 0.05, 0.5, 0.95, 1) })
    .filter(({ height, width }) => height !== width)
    .chain(({ height, width, density }) =>
      fc
        .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: height * width, maxLength: height * width })
        .map((r) => ({ height, width, bits: Uint8Array.from(r, (x) => (x < density ? 1 : 0)) })),
    );

/** Naive reference: transpose a row-major bitmap to column-major. */
export function toColumnMajor(bits: Uint8Array, height: number, width: number): Uint8Array {
  const out = new Uint8Array(bits.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[x * height + y] = bits[y * width + x]!;
  return out;
}

/** Naive reference: runs of a bitmap in memory order, as a plain list. */
export function naiveRuns(bits: ArrayLike<number>): number[] {
  const runs: number[] = [];
  let cur = 0, len = 0;
  for (let i = 0; i < bits.length; i++) {
    const v = bits[i] ? 1 : 0;
    if (v === cur) len++;
    else { runs.push(len); cur = v; len = 1; }
  }
  runs.push(len);
  return runs;
}

/** Runs `fn` and asserts it throws an RleError with `code`; returns the error for further checks. */
export function expectCode(fn: () => unknown, code: string): RleError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RleError);
    expect((e as RleError).code).toBe(code);
    return e as RleError;
  }
  throw new Error(`expected RleError ${code}`);
}

/** The same for a promise. */
export async function expectCodeAsync(p: Promise<unknown>, code: string): Promise<RleError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RleError);
    expect((e as RleError).code).toBe(code);
    return e as RleError;
  }
  throw new Error(`expected RleError ${code}`);
}
