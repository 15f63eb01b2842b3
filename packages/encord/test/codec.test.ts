import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask, RleError, type RleWarning } from '@rlekit/core';
import { cocoToEncord, decode, encode, encodeBitmask, countsToString, encordToCoco, stringToCounts } from '../src/index.js';

interface Vector {
  name: string;
  height: number;
  width: number;
  pixels_set: number;
  rows?: string[];
  runs?: number[];
  encoded: { rleString: string; top: number; left: number; width: number; height: number };
  counts: number[];
  coco_rle?: { size: [number, number]; counts: string };
}

const vectors: Vector[] = JSON.parse(readFileSync(fileURLToPath(new URL('../../../conformance/vectors/encord/vectors.json', import.meta.url)), 'utf8'));

function vectorMask(v: Vector): Mask {
  const size = { height: v.height, width: v.width };
  if (v.rows) return Mask.fromBitmap(Uint8Array.from(v.rows.join(''), (c) => (c === '1' ? 1 : 0)), size, 'row');
  return Mask.fromRuns(v.runs!, size, 'row');
}

import { expectCode } from '../../core/test/support.js';
export { expectCode };

/** Naive reference of the pycocotools string coding, with BigInt so no step can overflow. */
function referenceString(counts: number[]): string {
  let s = '';
  counts.forEach((c, i) => {
    let x = BigInt(i > 2 ? c - counts[i - 2]! : c);
    for (;;) {
      let g = Number(x & 31n);
      x >>= 5n;
      const more = g & 16 ? x !== -1n : x !== 0n;
      if (more) g |= 32;
      s += String.fromCharCode(g + 48);
      if (!more) break;
    }
  });
  return s;
}

/** Random bitmap of a non-square size, row-major. */
const bitmapArb = (maxSide = 20) =>
  fc
    .record({ height: fc.integer({ min: 1, max: maxSide }), width: fc.integer({ min: 1, max: maxSide }), density: fc.constantFrom(0, 0.05, 0.5, 0.95, 1) })
    .filter(({ height, width }) => height !== width)
    .chain(({ height, width, density }) =>
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: height * width, maxLength: height * width })
        .map((r) => ({ height, width, bits: Uint8Array.from(r, (x) => (x < density ? 1 : 0)) })),
    );

function naiveRowRuns(bits: Uint8Array): number[] {
  const runs: number[] = [];
  let cur = 0, len = 0;
  for (const b of bits) {
    if (b === cur) len++;
    else { runs.push(len); cur = b; len = 1; }
  }
  if (bits.length > 0) runs.push(len);
  return runs;
}

describe('shared vectors', () => {
  it('has the cases the README promises', () => {
    expect(vectors.length).toBe(25);
    expect(vectors.some((v) => v.width === 0)).toBe(true);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s: encode, decode, counts and COCO agree', (_n, v) => {
    const mask = vectorMask(v);
    expect(mask.area()).toBe(v.pixels_set);
    expect(encode(mask)).toBe(v.encoded.rleString);
    expect(encodeBitmask(mask)).toStrictEqual(v.encoded);
    expect([...stringToCounts(v.encoded.rleString)]).toEqual(v.counts);
    expect(countsToString(v.counts)).toBe(v.encoded.rleString);
    const back = decode(v.encoded.rleString, { height: v.encoded.height, width: v.encoded.width });
    expect(back.height).toBe(v.height);
    expect(back.width).toBe(v.width);
    expect(back.equals(mask)).toBe(true);
    if (v.coco_rle) {
      expect(encordToCoco(v.encoded.rleString, v)).toStrictEqual(v.coco_rle);
      expect(cocoToEncord(v.coco_rle)).toBe(v.encoded.rleString);
      // The identity Encord's own COCO exporter relies on: same string as COCO of the transpose.
      expect(encordToCoco(v.encoded.rleString, v).counts).toBe(v.coco_rle.counts);
      expect(countsToString(mask.transpose().runs('col'))).toBe(v.encoded.rleString);
    }
  });
});

describe('rleString codec', () => {
  it('round trips random non-square masks and matches a naive reference', () => {
    fc.assert(
      fc.property(bitmapArb(), ({ height, width, bits }) => {
        const mask = Mask.fromBitmap(bits, { height, width });
        const s = encode(mask);
        const runs = naiveRowRuns(bits);
        expect(s).toBe(referenceString(runs));
        const back = decode(s, { height, width });
        expect(back.toBitmap('row')).toEqual(bits);
        // A transposed decode would give a mask of the other size, or other pixels.
        expect(back.toBitmap('col')).toEqual(mask.toBitmap('col'));
      }),
      { numRuns: 300 },
    );
  });

  it('codes arbitrary counts exactly, including values past 2^31 and negative deltas', () => {
    const count = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 15, 16, 31, 32, 2 ** 30, 2 ** 31, 2 ** 32 - 1));
    fc.assert(
      fc.property(fc.array(count, { maxLength: 12 }), (counts) => {
        const s = countsToString(counts);
        expect(s).toBe(referenceString(counts));
        expect([...stringToCounts(s)]).toEqual(counts);
        expect(/^[0-o]*$/.test(s)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('handles foreground at the first and last pixel, empty and full masks', () => {
    for (const [h, w] of [[3, 5], [5, 3], [1, 9], [9, 1]] as const) {
      const bits = new Uint8Array(h * w);
      bits[0] = 1;
      bits[h * w - 1] = 1;
      const m = Mask.fromBitmap(bits, { height: h, width: w });
      const s = encode(m);
      expect(s.startsWith('0')).toBe(true);
      expect(decode(s, { height: h, width: w }).toBitmap()).toEqual(bits);
      expect(encode(Mask.empty({ height: h, width: w }))).toBe(countsToString([h * w]));
      expect(encode(Mask.full({ height: h, width: w }))).toBe(countsToString([0, h * w]));
      expect(decode(countsToString([0, h * w]), { height: h, width: w }).equals(Mask.full({ height: h, width: w }))).toBe(true);
    }
  });

  it('decodes a 60000x70000 frame from runs alone (no bitmap)', () => {
    const size = { height: 60000, width: 70000 }; // 4.2e9 pixels: counts above 2^31
    const s = countsToString([3, 5, size.height * size.width - 8 - 7, 7]);
    const m = decode(s, size);
    expect(m.area()).toBe(12);
    expect([...m.runsView('row')]).toEqual([3, 5, size.height * size.width - 15, 7]);
    expect(encode(m)).toBe(s);
  });
});

describe('bad input', () => {
  const size = { height: 3, width: 4 };

  it('rejects characters outside "0".."o" with their offset', () => {
    const e = expectCode(() => decode('01p', size), 'INVALID_TOKEN');
    expect(e.offset).toBe(2);
    expectCode(() => decode('0 1', size), 'INVALID_TOKEN');
    expectCode(() => decode('é', size), 'INVALID_TOKEN');
    expectCode(() => stringToCounts(42 as unknown as string), 'INVALID_STRUCTURE');
  });

  it('rejects a string that ends inside a value', () => {
    const e = expectCode(() => decode('1P', size), 'TRUNCATED');
    expect(e.offset).toBe(1);
  });

  it('rejects negative and oversized counts and overlong values', () => {
    // "O" = -1 as the first count.
    expectCode(() => decode('O', size), 'INVALID_RUNS');
    // Count 3 minus 5 = -2.
    const e = expectCode(() => decode(countsToString([1, 1, 5]) + referenceString([0, 0, 0, -2]).slice(3), size), 'INVALID_RUNS');
    expect(e.offset).toBe(3);
    expect(e.message).toMatch(/Count 3 /);
    expect(expectCode(() => decode(`${countsToString([1, 40, 2])}${referenceString([0, 0, 0, -50]).slice(3)}`, size), 'INVALID_RUNS').offset).toBe(countsToString([1, 40, 2]).length);
    expectCode(() => stringToCounts(referenceString([2 ** 32])), 'INVALID_RUNS');
    // More than 7 characters in one value: pycocotools' own limit (35 bits), a bad token as in COCO.
    expectCode(() => stringToCounts('`'.repeat(40) + '0'), 'INVALID_TOKEN');
    expectCode(() => countsToString([1, -1]), 'INVALID_RUNS');
    expectCode(() => countsToString([1.5]), 'INVALID_RUNS');
  });

  it('rejects counts past the frame; pads short ones (SDK behaviour) unless strictSum', () => {
    expectCode(() => decode(countsToString([5, 8]), size), 'RUNS_SUM_MISMATCH');
    const warnings: RleWarning[] = [];
    const m = decode(countsToString([2, 3]), { ...size, warn: (w) => warnings.push(w) });
    expect([...m.runsView('row')]).toEqual([2, 3, 7]);
    expect(warnings.map((w) => w.code)).toEqual(['padded-runs']);
    expectCode(() => decode(countsToString([2, 3]), { ...size, strictSum: true }), 'RUNS_SUM_MISMATCH');
    expectCode(() => decode('1', { height: 0, width: 4 }), 'RUNS_SUM_MISMATCH');
  });

  it('refuses a long string for a tiny frame before allocating for it', () => {
    const e = expectCode(() => decode('0'.repeat(1_000_000), { height: 1, width: 2 }), 'INVALID_RUNS');
    expect(e.offset).toBe(6);
  });

  it('a warn callback that decodes another string does not change the mask being decoded', () => {
    // The counts live in core's shared scratch buffer: padded-runs is said while they are still read.
    const other = countsToString([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const m = decode(countsToString([2, 3, 1, 2]), { ...size, warn: () => { decode(other, size); } });
    expect([...m.runsView('row')]).toEqual([2, 3, 1, 2, 4]);
  });

  it('merges zero-length runs inside the string', () => {
    const m = decode(countsToString([2, 0, 3, 7]), size);
    expect([...m.runsView('row')]).toEqual([5, 7]);
  });

  it('checks sizes and limits before allocating', () => {
    expectCode(() => decode('', { height: -1, width: 4 }), 'INVALID_SIZE');
    expectCode(() => decode('', { height: 1.5, width: 4 }), 'INVALID_SIZE');
    expectCode(() => decode('<', { height: 100000, width: 100000 }), 'INVALID_SIZE');
    expectCode(() => decode('<', { height: 3, width: 4, maxPixels: 10 }), 'LIMIT_EXCEEDED');
    expectCode(() => decode('<', undefined as never), 'INVALID_OPTION');
    expectCode(() => encode({} as Mask), 'INVALID_OPTION');
  });

  it('rejects COCO RLEs without a size or with a wrong sum', () => {
    expectCode(() => cocoToEncord({ counts: '<' } as never), 'INVALID_STRUCTURE');
    expectCode(() => cocoToEncord({ size: [3, 4], counts: '5' }), 'RUNS_SUM_MISMATCH');
  });
});

describe('the examples in docs/dialects/encord.md', () => {
  const size = { height: 3, width: 4 };
  const bits = (rows: string) => Uint8Array.from(rows.replaceAll('/', ''), (c) => (c === '#' ? 1 : 0));

  it('shows one mask in both orders', () => {
    const m = Mask.fromBitmap(bits('.##./.#../##..'), size);
    expect(encode(m)).toBe('122O010');
    expect([...m.runs('row')]).toEqual([1, 2, 2, 1, 2, 2, 2]);
    expect([...m.runs('col')]).toEqual([2, 5, 5]);
    expect(encordToCoco('122O010', size)).toStrictEqual({ size: [3, 4], counts: '255' });
  });

  it('shows the inverted-mask bug', () => {
    const intended = Mask.fromBitmap(bits('##../.#../##..'), size);
    expect(encode(intended)).toBe('023OO10');
    const buggy = countsToString(intended.runsView('row').subarray(1));
    expect(buggy).toBe('231O10');
    expect(decode(buggy, size).toBitmap()).toEqual(bits('..##/#.##/..##'));
  });
});
