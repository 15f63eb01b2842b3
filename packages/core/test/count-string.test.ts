/**
 * pycocotools' character coding of run lengths, shared by COCO and Encord: the worked example
 * from maskApi.c's rules, exact 35-bit values both ways, and errors with offsets.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countsToBytes, countsToString, readCountString, stringToCounts, type RleError } from '../src/index.js';
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

  it('encodes the counts it validated, even when reading them runs code (getters, proxies) that encodes too', () => {
    const plain = [5, 3, 7, 100, 2];
    let reads = 0;
    // Index 3 re-enters countsToString while the outer call is encoding, and changes on its second read.
    const tricky = new Proxy(plain, {
      get(target, key, receiver) {
        if (key === '3') {
          countsToString([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
          if (++reads > 1) return 2 ** 40;
        }
        return Reflect.get(target, key, receiver);
      },
    });
    expect(countsToString(tricky)).toBe(countsToString(plain));
    reads = 0;
    expect(new TextDecoder().decode(countsToBytes(tricky))).toBe(countsToString(plain));
  });

  it('with a count limit, reports the first fault in the string, as reading it value by value does', () => {
    // A bad character, an over-long value or a bad delta before value maxCounts + 1 is that error,
    // not "more counts than its frame can hold" further on.
    expect(expectCode(() => readCountString('1x00000', [], 3), 'INVALID_TOKEN').offset).toBe(1);
    expect(expectCode(() => readCountString('~~~~~', [], 4), 'INVALID_TOKEN').offset).toBe(0);
    expect(expectCode(() => readCountString('1' + 'P'.repeat(9) + '0000', [], 3), 'INVALID_TOKEN').offset).toBe(1);
    expect(expectCode(() => readCountString('3O0000', [], 3), 'INVALID_RUNS').message).toMatch(/Count 1 /);
    // Too many counts before any other fault: the limit, at the first value past it, as before.
    expect(expectCode(() => readCountString('0000x', [], 3), 'INVALID_RUNS').offset).toBe(3);
    expect(expectCode(() => readCountString('00P0' + '0x', [], 2), 'INVALID_RUNS').offset).toBe(2);
    // Random strings: what reading value by value gives, checking the limit at the start of each value.
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('0', '1', 'O', 'P', '`', 'o', 'x', ' ', '~'), maxLength: 14 }), fc.integer({ min: 0, max: 8 }), (s, max) => {
        const starts = valueStarts(s);
        const cut = starts.length > max ? starts[max]! : s.length;
        // A fault while reading values 0 .. max-1 comes first; then the limit; else the string's own outcome.
        const reference = outcome(s.slice(0, cut), Infinity) ?? (cut < s.length ? `INVALID_RUNS ${cut}` : undefined);
        expect(outcome(s, max)).toBe(reference);
      }),
      { numRuns: 2000 },
    );
  });
  it('codes strings past the kept scratch size (one-off buffers) exactly, and small ones after them', () => {
    // 5M counts: a 20 MB count buffer and a 35 MB worst-case byte buffer, both above what is kept.
    const counts = Uint32Array.from({ length: 5_000_000 }, (_, i) => (i * 7919) % 40);
    const s = countsToString(counts);
    const back = stringToCounts(s);
    expect(back.length).toBe(counts.length);
    let same = true;
    for (let i = 0; i < counts.length; i++) if (back[i] !== counts[i]) { same = false; break; }
    expect(same).toBe(true);
    expect(countsToBytes(counts).length).toBe(s.length);
    expect(countsToString([8, 12, 6, 15])).toBe('8<63');
    expect(Array.from(stringToCounts('8<63'))).toEqual([8, 12, 6, 15]);
  });
});

/** Where each value of a count string starts, by the continuation bit alone (for well-formed prefixes). */
function valueStarts(s: string): number[] {
  const starts: number[] = [];
  let inValue = false;
  for (let p = 0; p < s.length; p++) {
    if (!inValue) starts.push(p);
    inValue = ((s.charCodeAt(p) - 48) & 0x20) !== 0;
  }
  return starts;
}

/** The error (code and offset) readCountString gives, if any. */
function outcome(s: string, maxCounts: number): string | undefined {
  try {
    readCountString(s, [], maxCounts);
    return undefined;
  } catch (e) {
    return `${(e as RleError).code} ${(e as RleError).offset}`;
  }
}
