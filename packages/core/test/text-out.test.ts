/**
 * TextOut writes output text as UTF-8 bytes; its JSON values must be exactly JSON.stringify's
 * text (writers rely on that to stay byte-identical), and its count strings exactly countsToString's.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countsToString, decodeUtf8, encodeCounts, TextOut, writeJsonNumber, writeUint } from '../src/index.js';
import { expectCode } from './support.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const text = (out: TextOut): string => utf8.decode(out.take());

/** Strings of any UTF-16 code units: lone surrogates, controls, quotes, backslashes, astral pairs. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 24 }).map((u) => String.fromCharCode(...u)),
  fc.array(fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', '\udfff', 'é', '😀', 'a'), { maxLength: 12 }).map((p) => p.join('')),
);
const anyNumber = fc.oneof(
  fc.double(), fc.integer(), fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 1e21, -1e21, 5e-324, 9, 10, 99, 100),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

describe('TextOut', () => {
  it('writes strings exactly as JSON.stringify, in UTF-8 as TextEncoder gives it', () => {
    fc.assert(fc.property(anyString, (s) => {
      const out = new TextOut(4);
      out.jsonString(s);
      const bytes = out.take();
      expect(bytes).toEqual(new TextEncoder().encode(JSON.stringify(s)));
      out.text(s);
      expect(out.take()).toEqual(new TextEncoder().encode(s));
    }), { numRuns: 2000 });
  });

  it('writes numbers exactly as JSON.stringify (-0 as 0, non-finite as null)', () => {
    fc.assert(fc.property(anyNumber, (v) => {
      const out = new TextOut(1);
      out.jsonNumber(v);
      expect(text(out)).toBe(JSON.stringify(v));
    }), { numRuns: 3000 });
    const out = new TextOut(1);
    for (const v of [0, 7, 10, 12345, 4294967295, 4294967296, 2 ** 53 - 1]) {
      out.uint(v);
      out.byte(0x2c);
    }
    expect(text(out)).toBe('0,7,10,12345,4294967295,4294967296,9007199254740991,');
  });

  it('writes any value exactly as JSON.stringify, and nothing where it writes nothing', () => {
    const value = fc.oneof(
      fc.jsonValue(),
      fc.anything({ withBoxedValues: true, withNullPrototype: true, withSparseArray: true, withDate: true }),
      fc.dictionary(anyString, fc.oneof(anyNumber, anyString, fc.constant(undefined))),
      fc.constantFrom(undefined, () => 1, Symbol('s'), [undefined, () => 1], { toJSON: () => 'x' }),
    );
    fc.assert(fc.property(value, (v) => {
      const out = new TextOut(2);
      out.ascii('[');
      const wrote = out.json(v);
      const expected = JSON.stringify(v);
      expect(wrote).toBe(expected !== undefined);
      expect(text(out)).toBe(`[${expected ?? ''}`);
    }), { numRuns: 2000 });
  });

  it('gives stringifyJson\'s typed errors for circular, BigInt and too deep values', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(expectCode(() => new TextOut().json(circular, ['a', 1]), 'INVALID_STRUCTURE').path).toEqual(['a', 1]);
    expectCode(() => new TextOut().json({ n: 1n }), 'INVALID_STRUCTURE');
    let deep: unknown = 1;
    for (let i = 0; i < 20000; i++) deep = [deep];
    expectCode(() => new TextOut().json(deep), 'LIMIT_EXCEEDED');
  });

  it('writes count strings exactly as JSON.stringify(countsToString(counts)), backslashes escaped, across buffer growth', () => {
    // 76 codes as "\\L" (92 = 48 + 12 + 32, then 2): count strings hold backslashes.
    expect(countsToString([76])).toBe('\\2');
    const count = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(76, 12 + 32 * 33, 44), fc.integer({ min: 0, max: 0xffffffff }));
    fc.assert(fc.property(fc.array(fc.array(count, { maxLength: 60 }), { maxLength: 8 }), (lists) => {
      const out = new TextOut(3);
      for (const c of lists) {
        out.jsonCountString(Uint32Array.from(c));
        out.byte(0x20);
      }
      expect(text(out)).toBe(lists.map((c) => `${JSON.stringify(countsToString(c))} `).join(''));
    }), { numRuns: 1000 });
  });

  it('writes long non-ASCII text in pieces, exactly as TextEncoder, and drops a buffer grown for it', () => {
    for (const unit of ['é', '😀', '\ud800', 'aé😀\udc00"', '中']) {
      const s = 'ab' + unit.repeat(5000) + 'z';
      const out = new TextOut(16);
      out.text(s);
      expect(out.take()).toEqual(new TextEncoder().encode(s));
      expect(out.buf.length).toBe(16);
      out.jsonString(s);
      expect(text(out)).toBe(JSON.stringify(s));
    }
  });

  it('hands out chunks that later writes do not change', () => {
    const out = new TextOut(2);
    out.ascii('abc');
    const first = out.take();
    out.ascii('xyz');
    expect(utf8.decode(first)).toBe('abc');
    expect(text(out)).toBe('xyz');
  });

  it('encodeCounts refuses counts that are not a Uint32Array and a buffer without room', () => {
    expectCode(() => encodeCounts([1, 2] as unknown as Uint32Array, new Uint8Array(64), 0), 'INVALID_STRUCTURE');
    expectCode(() => encodeCounts(Uint32Array.of(1, 2), new Uint8Array(13), 0), 'LIMIT_EXCEEDED');
  });

  it('writeUint writes the digits String gives, at any offset, for every length up to 2^53 - 1', () => {
    const buf = new Uint8Array(40).fill(33);
    const check = (v: number, o: number): void => {
      const end = writeUint(buf, o, v);
      expect(utf8.decode(buf.subarray(o, end))).toBe(String(v));
      expect(buf[end]).toBe(33);
      buf.fill(33);
    };
    for (let p = 1; p <= 2 ** 53; p *= 10) for (const v of [p - 1, p, p + 1, 2 * p - 1]) if (v <= Number.MAX_SAFE_INTEGER) check(v, 3);
    for (const v of [0, 9, 10, 99, 100, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 32, Number.MAX_SAFE_INTEGER]) check(v, 0);
    fc.assert(fc.property(fc.oneof(fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), fc.maxSafeNat()), fc.nat(20), (v, o) => check(v, o)), { numRuns: 2000 });
  });
});

describe('numbers as JSON.stringify writes them (writeJsonNumber, jsonNumber, jsonNumbers)', () => {
  const written = (v: number): string => {
    const out = new TextOut(8);
    out.jsonNumber(v);
    return decodeUtf8(out.take());
  };
  // Decimals as COCO polygons have them (m / 10^d), every size and sign, and the edges of the fast path.
  const decimal = fc.tuple(fc.integer({ min: 0, max: 15 }), fc.double({ min: 0, max: 1e15, noNaN: true }), fc.boolean())
    .map(([d, x, neg]) => (neg ? -1 : 1) * Math.round(x) / 10 ** d);
  const edges = fc.constantFrom(0, -0, 1e-6, 9.99e-7, 1e-7, 1.5e-6, 1e15 - 0.5, 1e15, 1e15 + 2, 999999999999999.9, 1e21, 1e21 - 65536, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 0.1 + 0.2, 5e-324, Number.MAX_VALUE, NaN, Infinity, -Infinity, 4.35, 0.000123, 123456.789012);

  it('every double: the same text as JSON.stringify', () => {
    fc.assert(fc.property(fc.oneof(fc.double(), decimal, edges, fc.integer().map((i) => i / 100)), (v) => {
      expect(written(v)).toBe(JSON.stringify(v));
    }), { numRuns: 20000 });
  });

  it('the fast path takes short decimals and leaves 16- and 17-digit ones to String', () => {
    const buf = new Uint8Array(24);
    expect(decodeUtf8(buf.subarray(0, writeJsonNumber(buf, 0, 130.14)))).toBe('130.14');
    expect(decodeUtf8(buf.subarray(0, writeJsonNumber(buf, 0, -0.05)))).toBe('-0.05');
    expect(decodeUtf8(buf.subarray(0, writeJsonNumber(buf, 0, -0)))).toBe('0');
    expect(writeJsonNumber(buf, 0, 0.1 + 0.2)).toBe(-1);
    expect(writeJsonNumber(buf, 0, 1e-7)).toBe(-1);
    expect(writeJsonNumber(buf, 0, NaN)).toBe(-1);
  });

  it('a list of numbers as JSON.stringify writes the array', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.double(), decimal)), (list) => {
      const out = new TextOut(4);
      out.jsonNumbers(Float64Array.from(list));
      expect(decodeUtf8(out.take())).toBe(JSON.stringify(list.map((v) => (Object.is(v, -0) ? 0 : v))));
    }), { numRuns: 2000 });
  });
});
