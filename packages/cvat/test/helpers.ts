import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { expect } from 'vitest';
import { Mask, RleError } from '@rlekit/core';

export const vectorsDir = fileURLToPath(new URL('../../../conformance/vectors/cvat/', import.meta.url));

export function readVector(name: string): Buffer {
  return readFileSync(vectorsDir + name);
}

export function readJson<T>(name: string): T {
  return JSON.parse(readVector(name).toString('utf8')) as T;
}

/** A random bitmap of a non-square size (h != w), row-major, with a chosen density. */
export const bitmapArb = (maxSide = 20) =>
  fc
    .record({ height: fc.integer({ min: 1, max: maxSide }), width: fc.integer({ min: 1, max: maxSide }), density: fc.constantFrom(0, 0.05, 0.5, 0.95, 1) })
    .filter(({ height, width }) => height !== width)
    .chain(({ height, width, density }) =>
      fc
        .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: height * width, maxLength: height * width })
        .map((r) => ({ height, width, bits: Uint8Array.from(r, (x) => (x < density ? 1 : 0)) })),
    );

/** '0'/'1' row strings → row-major bitmap. */
export function rowsToBits(rows: string[]): Uint8Array {
  return Uint8Array.from(rows.join(''), (c) => (c === '1' ? 1 : 0));
}

/** Naive reference: row-major alternating runs → bitmap. */
export function runsToBits(runs: number[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let pos = 0;
  runs.forEach((r, k) => {
    if (k % 2 === 1) out.fill(1, pos, pos + r);
    pos += r;
  });
  return out;
}

/** Naive reference: CVAT rle of the crop [left, left+w) × [top, top+h), row-major, background first. */
export function naiveBoxRuns(bits: Uint8Array, width: number, box: { left: number; top: number; width: number; height: number }): number[] {
  const runs: number[] = [];
  let cur = 0, len = 0;
  for (let y = box.top; y < box.top + box.height; y++) {
    for (let x = box.left; x < box.left + box.width; x++) {
      const v = bits[y * width + x] ? 1 : 0;
      if (v === cur) len++;
      else { runs.push(len); cur = v; len = 1; }
    }
  }
  runs.push(len);
  return runs;
}

export { expectCode, expectCodeAsync } from '../../core/test/support.js';

export function maskOf(bits: Uint8Array, height: number, width: number): Mask {
  return Mask.fromBitmap(bits, { height, width });
}

/** Naive column-major runs of a row-major bitmap. */
export function naiveColRuns(bits: Uint8Array, height: number, width: number): number[] {
  const runs: number[] = [];
  let cur = 0, len = 0;
  for (let x = 0; x < width; x++) for (let y = 0; y < height; y++) {
    const v = bits[y * width + x] ? 1 : 0;
    if (v === cur) len++;
    else { runs.push(len); cur = v; len = 1; }
  }
  runs.push(len);
  return runs;
}
