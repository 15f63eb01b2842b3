/**
 * pycocotools' character coding of run lengths, shared by COCO and Encord: the worked example
 * from maskApi.c's rules, exact 35-bit values both ways, and errors with offsets.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countsToBytes, countsToString, readCountString, stringToCounts } from '../src/index.js';
import { expectCode } from './support.js';

describe('count strings', () => {
  it('codes the worked example: deltas to the count two before from the 4th count on', () => {
    // 8 → "8"; 12 → "<" (12 + 48); 6 → "6"; 15 - 12 = 3 → "3".
    expect(countsToString([8, 12, 6, 15])).toBe('8<63');
    expect(Array.from(stringToCounts('8<63'))).toEqual([8, 12, 6, 15]);
    // 16 needs two groups: alone, its bit 4 would read as the sign, so "`" (48 + 16 + 32, more
    // to come) then "0".
    expect(countsToString([16])).toBe('`0');
  });

  it('round-trips any counts up to 2^32-1, as strings and as bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 40 }), (counts) => {
        const s = countsToString(counts);
        expect(Array.from(stringToCounts(s))).toEqual(counts);
        expect(new TextDecoder().decode(countsToBytes(counts))).toBe(s);
        expect(Array.from(stringToCounts(countsToBytes(counts)))).toEqual(counts);
        const scan = readCountString(s);
        expect(scan.sum).toBe(counts.reduce((a, b) => a + b, 0));
        expect(scan.canonical).toBe(counts.every((c, i) => i === 0 || c > 0));
      }),
      { numRuns: 300 },
    );
  });

  it('reports bad strings with the offset of the character or value', () => {
    expect(expectCode(() => stringToCounts('12x'), 'INVALID_TOKEN').offset).toBe(2);
    expect(expectCode(() => stringToCounts('1P'), 'TRUNCATED').offset).toBe(1);
    expect(expectCode(() => stringToCounts('1' + 'P'.repeat(7) + '0'), 'INVALID_TOKEN').offset).toBe(1);
    // "O" is -1: a negative first count.
    expect(expectCode(() => stringToCounts('3O'), 'INVALID_RUNS').offset).toBe(1);
    expect(expectCode(() => readCountString('0000', ['rle'], 3), 'INVALID_RUNS').offset).toBe(3);
    expect(expectCode(() => readCountString('0x', ['a', 1]), 'INVALID_TOKEN').path).toEqual(['a', 1]);
    expectCode(() => stringToCounts(7 as unknown as string), 'INVALID_STRUCTURE');
    expectCode(() => countsToString([1, -1]), 'INVALID_RUNS');
    expectCode(() => countsToString([2 ** 32]), 'INVALID_RUNS');
    expectCode(() => countsToString([0.5]), 'INVALID_RUNS');
  });
});
