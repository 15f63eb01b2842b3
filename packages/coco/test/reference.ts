// Naive references the COCO tests compare the fast code with: straight from the spec, no shortcuts.
import { expect } from 'vitest';
import { RleError } from '@rlekit/core';
import { naiveRuns, toColumnMajor } from '../../core/test/support.js';

/** COCO counts of a row-major bitmap (any non-zero byte is foreground): column-major runs, pixel by pixel. */
export function naiveCocoCounts(bits: Uint8Array, h: number, w: number): number[] {
  return naiveRuns(toColumnMajor(bits, h, w));
}

/** The compressed string: from the 4th count on, the difference to the count two back; 5-bit groups, low first, +48. Exact BigInt arithmetic. */
export function naiveString(counts: number[]): string {
  let s = '';
  counts.forEach((c, i) => {
    let x = BigInt(c) - (i > 2 ? BigInt(counts[i - 2]!) : 0n);
    for (;;) {
      let ch = Number(x & 0x1fn);
      x >>= 5n;
      const more = ch & 0x10 ? x !== -1n : x !== 0n;
      if (more) ch |= 0x20;
      s += String.fromCharCode(ch + 48);
      if (!more) break;
    }
  });
  return s;
}

/** The RleError code `fn` throws, or 'no error'. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RleError);
    return (e as RleError).code;
  }
  return 'no error';
}
