import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deflateZlib, inflateZlib } from '../src/index.js';
import { codeLengths } from '../src/zlib.js';
import { expectCode } from './helpers.js';

// Byte strings with long runs (like mask scanlines) and random stretches.
const bytesArb = fc.array(
  fc.oneof(
    fc.record({ v: fc.integer({ min: 0, max: 255 }), n: fc.integer({ min: 1, max: 700 }) }).map(({ v, n }) => new Uint8Array(n).fill(v)),
    fc.uint8Array({ maxLength: 300 }),
  ),
  { maxLength: 30 },
).map((parts) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
});

describe('zlib', () => {
  it('our deflate is read by node:zlib and by our inflate', () => {
    fc.assert(fc.property(bytesArb, (data) => {
      const z = deflateZlib(data);
      expect(new Uint8Array(inflateSync(z))).toEqual(data);
      expect(inflateZlib(z, data.length)).toEqual(data);
    }), { numRuns: 200 });
  });

  it('reads node:zlib streams at every level (stored, fixed and dynamic blocks)', () => {
    fc.assert(fc.property(bytesArb, fc.integer({ min: 0, max: 9 }), (data, level) => {
      const z = new Uint8Array(deflateSync(data, { level }));
      expect(inflateZlib(z, data.length)).toEqual(data);
    }), { numRuns: 200 });
  });

  it('reads a large stream of many dynamic blocks with far distances', () => {
    const data = new Uint8Array(300_000);
    let s = 1;
    for (let i = 0; i < data.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      data[i] = i % 5000 < 2500 ? (s >>> 24) & 7 : data[i - 2500]!;
    }
    // Buffer.equals: vitest's deep equality is slow on large typed arrays.
    expect(Buffer.from(inflateZlib(new Uint8Array(deflateSync(data, { level: 9 })), data.length)).equals(data)).toBe(true);
    expect(inflateSync(deflateZlib(data)).equals(data)).toBe(true);
  });

  it('limits Huffman code lengths and keeps codes complete (Fibonacci frequencies would need 25 bits)', () => {
    const fib = [1, 1];
    while (fib.length < 26) fib.push(fib.at(-1)! + fib.at(-2)!);
    const freq = new Uint32Array(286);
    fib.forEach((f, i) => (freq[i * 7] = f));
    for (const max of [15, 9, 7]) {
      const lengths = codeLengths(freq, max);
      let kraft = 0;
      for (let s = 0; s < 286; s++) {
        expect(lengths[s]! > 0).toBe(freq[s]! > 0);
        expect(lengths[s]!).toBeLessThanOrEqual(max);
        if (lengths[s]) kraft += 2 ** -lengths[s]!;
      }
      expect(kraft).toBe(1);
    }
    // One symbol (or none) still gives a complete two-code tree.
    expect([...codeLengths(Uint32Array.of(0, 0, 5), 15)].filter((l) => l > 0)).toEqual([1, 1]);
    expect([...codeLengths(new Uint32Array(30), 15)].filter((l) => l > 0)).toEqual([1, 1]);
    // The same skew in bytes: a stream of many dynamic blocks that node:zlib reads back.
    let s = 7;
    const bytes: number[] = [];
    fib.slice(0, 20).forEach((f, i) => { for (let k = 0; k < f; k++) bytes.push(i * 11); });
    for (let i = bytes.length - 1; i > 0; i--) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const j = s % (i + 1);
      [bytes[i], bytes[j]] = [bytes[j]!, bytes[i]!];
    }
    const data = Uint8Array.from(bytes);
    expect(inflateSync(deflateZlib(data)).equals(data)).toBe(true);
  });

  it('rejects corrupt, truncated and oversized streams with RleErrors', () => {
    const data = new Uint8Array(5000).map((_, i) => (i * 7) % 13);
    const z = new Uint8Array(deflateSync(data));
    expectCode(() => inflateZlib(z.subarray(0, z.length - 2), data.length), 'TRUNCATED');
    expectCode(() => inflateZlib(z.subarray(0, 20), data.length), 'TRUNCATED');
    expectCode(() => inflateZlib(z.subarray(0, 1), data.length), 'TRUNCATED');
    expectCode(() => inflateZlib(z, data.length - 1), 'CORRUPT'); // more data than promised
    expectCode(() => inflateZlib(z, data.length + 1), 'TRUNCATED'); // less data than promised
    const badSum = z.slice();
    badSum[badSum.length - 1]! ^= 1;
    expectCode(() => inflateZlib(badSum, data.length), 'CORRUPT');
    const badHeader = z.slice();
    badHeader[1]! ^= 1;
    expectCode(() => inflateZlib(badHeader, data.length), 'CORRUPT');
    // Block type 3 is reserved.
    expectCode(() => inflateZlib(Uint8Array.of(0x78, 0x01, 0b111), 10), 'CORRUPT');
    // A distance reaching before the first byte: fixed block, literal 'a', then length 3 distance 2.
    const far = deflateSync(Buffer.from('aaaaaaaa'), { level: 1 });
    expect(new Uint8Array(inflateSync(far))).toEqual(new Uint8Array(8).fill(97));
  });

  it('never throws anything but RleError on mutated streams, and never over-allocates', () => {
    const data = new Uint8Array(3000).map((_, i) => (i % 97 < 50 ? 0 : i & 255));
    const z = new Uint8Array(deflateSync(data, { level: 6 }));
    fc.assert(fc.property(fc.integer({ min: 0, max: z.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
      const bad = z.slice();
      bad[at]! ^= x;
      try {
        const out = inflateZlib(bad, data.length);
        expect(out.length).toBe(data.length);
      } catch (e) {
        expect((e as Error).name).toBe('RleError');
      }
    }), { numRuns: 500 });
  });
});
