import { deflateSync, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RleError } from '@rlekit/core';
import { deflateZlib, inflateZlib } from '../src/index.js';
import { adler32, inflateZlibInto, nativeInflaterState, useNativeZlib } from '../src/zlib.js';
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

/** Pseudo-random bytes: they barely compress, so their stream is inflated in pieces (more than 16 KiB of deflate data). */
function noise(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Adler-32 by its definition (RFC 1950), one byte at a time. */
function adlerReference(data: Uint8Array): number {
  let a = 1, b = 0;
  for (const x of data) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * A zlib stream of one fixed-Huffman block: a literal 0, then `pairs` copies of 258 bytes at
 * distance 1 (13 bits each). It inflates to 1 + 258 * pairs bytes, the most deflate allows.
 */
function bomb(pairs: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((3 + 8 + 13 * pairs + 7) / 8) + 6);
  let n = 2, buf = 0, cnt = 0;
  // Bits go in least significant first; Huffman codes are stored bit-reversed, so they read most significant first.
  const put = (bits: number, len: number): void => {
    buf |= bits << cnt;
    for (cnt += len; cnt >= 8; cnt -= 8) {
      out[n++] = buf & 0xff;
      buf >>>= 8;
    }
  };
  const reversed = (code: number, len: number): number => {
    let r = 0;
    for (let i = 0; i < len; i++) r |= ((code >> i) & 1) << (len - 1 - i);
    return r;
  };
  out[0] = 0x78; out[1] = 0x01;
  put(0b011, 3); // final block, fixed Huffman codes
  put(reversed(0x30, 8), 8); // literal 0
  const pair = reversed(0xc5, 8) | (reversed(0, 5) << 8); // length code 285 (258 bytes), distance code 0 (distance 1)
  for (let i = 0; i < pairs; i++) put(pair, 13);
  put(0, 7); // end of block
  if (cnt > 0) out[n++] = buf;
  return out.subarray(0, n + 4); // the Adler-32 is never reached
}

// Every case runs on both paths: Node's zlib (with fflate behind it for what it does not take
// cleanly) and fflate alone, as in a browser.
describe.each([['node:zlib where present', true], ['fflate only, as in browsers', false]])('zlib, %s', (_, nativeOn) => {
  beforeAll(() => useNativeZlib(nativeOn));
  afterAll(() => useNativeZlib(true));

  it('our deflate is read by node:zlib and by our inflate', () => {
    fc.assert(fc.property(bytesArb, (data) => {
      const z = deflateZlib(data);
      expect(new Uint8Array(inflateSync(z))).toEqual(data);
      expect(inflateZlib(z, data.length)).toEqual(data);
    }), { numRuns: 200 });
  });

  it('deflates the same bytes to the same stream', () => {
    const data = noise(50_000).map((x, i) => (i % 1000 < 700 ? 0 : x));
    expect(deflateZlib(data)).toEqual(deflateZlib(data.slice()));
  });

  it('reads node:zlib streams at every level (stored, fixed and dynamic blocks)', () => {
    fc.assert(fc.property(bytesArb, fc.integer({ min: 0, max: 9 }), (data, level) => {
      const z = new Uint8Array(deflateSync(data, { level }));
      expect(inflateZlib(z, data.length)).toEqual(data);
    }), { numRuns: 200 });
  });

  it('reads streams too long for one call, in pieces, at every level', () => {
    fc.assert(fc.property(fc.integer({ min: 17_000, max: 120_000 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 9 }), (n, seed, level) => {
      // Stretches of noise and of zeros, so pieces end inside literals and inside matches.
      const data = noise(n, seed).map((x, i) => (i % 7001 < 5000 ? x : 0));
      const z = new Uint8Array(deflateSync(data, { level }));
      expect(Buffer.from(inflateZlib(z, n)).equals(data)).toBe(true);
    }), { numRuns: 25 });
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

  it('computes chunk CRC-32s as node:zlib does, short and long, at any offset', async () => {
    const { crc32 } = await import('../src/png.js');
    const { crc32: reference } = await import('node:zlib');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(40), fc.nat(40), (data, a, b) => {
      const start = Math.min(a, data.length), end = Math.max(start, data.length - b);
      expect(crc32(data, start, end)).toBe(reference(data.subarray(start, end)) >>> 0);
    }), { numRuns: 300 });
  });

  it('computes Adler-32 as RFC 1950 defines it', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 10_000 }), (data) => {
      expect(adler32(data)).toBe(adlerReference(data));
    }));
    const ff = new Uint8Array(100_000).fill(255); // the largest sums, across many 1500-byte blocks
    expect(adler32(ff)).toBe(adlerReference(ff));
    expect(adler32(ff)).toBe(new DataView(deflateSync(ff).buffer).getUint32(deflateSync(ff).length - 4));
  });

  it.each([
    ['in one call', new Uint8Array(5000).map((_, i) => (i * 7) % 13)],
    ['in pieces', noise(60_000)],
  ])('rejects corrupt, truncated and oversized streams with RleErrors (%s)', (_, data) => {
    const z = new Uint8Array(deflateSync(data));
    expectCode(() => inflateZlib(z.subarray(0, z.length - 2), data.length), 'TRUNCATED');
    expectCode(() => inflateZlib(z.subarray(0, 20), data.length), 'TRUNCATED');
    expectCode(() => inflateZlib(z.subarray(0, 6), data.length), 'TRUNCATED');
    expectCode(() => inflateZlib(z.subarray(0, 1), data.length), 'TRUNCATED');
    expect(expectCode(() => inflateZlib(z, data.length - 1), 'CORRUPT').message).toMatch(/more bytes/);
    expect(expectCode(() => inflateZlib(z, data.length + 1), 'TRUNCATED').message).toMatch(/fewer bytes/);
    const badSum = z.slice();
    badSum[badSum.length - 1]! ^= 1;
    expect(expectCode(() => inflateZlib(badSum, data.length), 'CORRUPT').offset).toBe(z.length - 4);
    const badHeader = z.slice();
    badHeader[1]! ^= 1;
    expect(expectCode(() => inflateZlib(badHeader, data.length), 'CORRUPT').offset).toBe(0);
    const withDictionary = z.slice();
    withDictionary[1] = 0xbb; // FDICT set, header check still valid: 0x78bb % 31 === 0
    expectCode(() => inflateZlib(withDictionary, data.length), 'UNSUPPORTED');
  });

  it('inflates into memory it is given, reused and scribbled, as into its own', () => {
    const out = new Uint8Array(30_000);
    fc.assert(fc.property(bytesArb, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 255 }), (data, level, junk) => {
      fc.pre(data.length < out.length);
      out.fill(junk);
      const z = new Uint8Array(deflateSync(data, { level }));
      const got = inflateZlibInto(z, data.length, out);
      expect(got.buffer).toBe(out.buffer);
      expect(got).toEqual(data);
      expect(got).toEqual(inflateZlib(z, data.length));
    }), { numRuns: 200 });
    // On Node the C inflater does it (this Node's internals are what it expects), not the fallback.
    if (nativeOn) expect(nativeInflaterState()).toBe('ready');
    const big = noise(60_000), room = new Uint8Array(big.length + 1).fill(9); // pieces, on the fflate path
    expect(Buffer.from(inflateZlibInto(new Uint8Array(deflateSync(big)), big.length, room)).equals(big)).toBe(true);
  });

  it('into given memory: every bad stream fails as into its own, and the next good one still inflates', async () => {
    const data = new Uint8Array(5000).map((_, i) => (i * 7) % 13), z = new Uint8Array(deflateSync(data));
    const out = new Uint8Array(data.length + 2);
    const badSum = z.slice();
    badSum[badSum.length - 1]! ^= 1;
    const reserved = Uint8Array.of(0x78, 0x01, 0b111, 0, 0, 0, 0, 0);
    const trailing = Uint8Array.of(...z, 0, 0, 0);
    const cases: [Uint8Array, number][] = [
      [z.subarray(0, z.length - 2), data.length], [z.subarray(0, 20), data.length], [z, data.length - 1],
      [z, data.length + 1], [badSum, data.length], [reserved, 10], [trailing, data.length], [bomb(20_000), 10],
    ];
    for (const [bad, n] of cases) {
      let own: RleError | undefined;
      try {
        inflateZlib(bad, n);
      } catch (e) {
        own = e as RleError;
      }
      expect(own).toBeInstanceOf(RleError);
      const given = expectCode(() => inflateZlibInto(bad, n, out), own!.code);
      expect([given.message, given.offset]).toEqual([own!.message, own!.offset]);
      expect(inflateZlibInto(z, data.length, out)).toEqual(data);
    }
    if (nativeOn) expect(nativeInflaterState()).toBe('ready'); // a new one after each failure
    expect(() => inflateZlibInto(z, data.length, new Uint8Array(data.length))).toThrow(RangeError);
    // A failed native write destroys its stream, which emits the error a tick later: nothing may reach the process.
    await new Promise((resolve) => setTimeout(resolve, 20));
  });

  it('rejects invalid deflate data as CORRUPT', () => {
    // Block type 3 is reserved.
    expectCode(() => inflateZlib(Uint8Array.of(0x78, 0x01, 0b111, 0, 0, 0, 0, 0), 10), 'CORRUPT');
    // A fixed block whose first symbol is a match (length 3, distance 1) reaching before the first byte.
    expectCode(() => inflateZlib(Uint8Array.of(0x78, 0x01, 0x03, 0x02, 0x00, 0, 0, 0, 0), 10), 'CORRUPT');
  });

  it('stops a stream that inflates far past the promised size (5 GB from 33 MB) with CORRUPT', () => {
    // Inflating all of it would take minutes: the test timeout catches an inflater that does not stop.
    const z = bomb(20_000_000);
    expect(expectCode(() => inflateZlib(z, 10), 'CORRUPT').message).toMatch(/more bytes/);
    expectCode(() => inflateZlib(z, 100_000_000), 'CORRUPT');
    // The same construction, small enough to inflate, is a valid stream.
    const small = bomb(3);
    expect(inflateSync(small.subarray(0, small.length - 4), { finishFlush: 2 }).length).toBe(1 + 3 * 258);
  });

  it('never throws anything but RleError on mutated streams, and never over-allocates', () => {
    for (const [data, runs] of [[new Uint8Array(3000).map((_, i) => (i % 97 < 50 ? 0 : i & 255)), 500], [noise(40_000).map((x, i) => (i % 300 < 100 ? 0 : x)), 60]] as const) {
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
      }), { numRuns: runs });
    }
  });
});
