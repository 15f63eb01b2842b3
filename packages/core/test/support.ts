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

/** Values that throw or run code when converted to a primitive: what hostile JSON (or a caller) can put where a number is expected. */
export const hostileValues = (): unknown[] => [
  { toString: 1 },
  { toString: 1, valueOf: 1 },
  { valueOf: 1, toJSON: 1 },
  Object.create(null) as object,
  [{ toString: 1 }],
];

/**
 * Every copy of `doc` with one leaf (number, string, boolean, null) replaced by `value`, with the
 * path of the replaced leaf: to check that readers refuse each with an RleError.
 */
export function* withEachLeafReplaced(doc: unknown, value: unknown): Generator<{ path: (string | number)[]; doc: unknown }> {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    else paths.push(p);
  };
  walk(doc, []);
  for (const p of paths) {
    const copy = structuredClone(doc) as Record<string | number, unknown>;
    let at = copy;
    for (const k of p.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
    at[p[p.length - 1]!] = value;
    yield { path: p, doc: copy };
  }
}

/** A seeded generator (mulberry32) for tests' generated data: the same data on every run. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
