import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRleError, Mask } from '@rlekit/core';
import { decodeRleFrame, encodeRleFrame } from '../src/index.js';
import { encodeRunsFrame } from '../src/rle.js';
import { bitsArb, checkCleanSegment, expectCode, sizeArb, valuesArb } from './helpers.js';

const DIR = join(import.meta.dirname, '../../../conformance/vectors/dicom');
const header = (frag: Uint8Array): number[] => Array.from({ length: 16 }, (_, k) => new DataView(frag.buffer, frag.byteOffset).getUint32(4 * k, true));

const frameArb = fc.record({
  size: sizeArb(),
  bitsAllocated: fc.constantFrom(1, 8, 16, 32),
  samplesPerPixel: fc.constantFrom(1, 1, 3),
}).chain(({ size, bitsAllocated, samplesPerPixel }) => {
  const max = bitsAllocated === 1 ? 1 : bitsAllocated === 32 ? 0xffffffff : 2 ** bitsAllocated - 1;
  const spp = bitsAllocated === 1 ? 1 : samplesPerPixel;
  const n = size.rows * size.columns * spp;
  return valuesArb(n, max).map((values) => ({ info: { ...size, bitsAllocated, samplesPerPixel: spp }, values }));
});

describe('encodeRleFrame / decodeRleFrame', () => {
  it('round-trip random non-square frames of 1/8/16/32 bits and 1 or 3 samples', () => {
    fc.assert(
      fc.property(frameArb, ({ info, values }) => {
        const Arr = info.bitsAllocated <= 8 ? Uint8Array : info.bitsAllocated === 16 ? Uint16Array : Uint32Array;
        const pixels = Arr.from(values);
        const frag = encodeRleFrame(pixels, info);
        const back = decodeRleFrame(frag, info);
        expect(back).toBeInstanceOf(Arr);
        expect(Array.from(back)).toEqual(values);
      }),
      { numRuns: 300 },
    );
  });

  it('write spec-clean fragments: header, MSB-first planes, rows never crossed, even 0x00-padded segments', () => {
    fc.assert(
      fc.property(frameArb, ({ info, values }) => {
        const Arr = info.bitsAllocated <= 8 ? Uint8Array : info.bitsAllocated === 16 ? Uint16Array : Uint32Array;
        const frag = encodeRleFrame(Arr.from(values), info);
        const h = header(frag);
        const bytes = info.bitsAllocated === 1 ? 1 : info.bitsAllocated / 8;
        const nseg = info.samplesPerPixel * bytes;
        expect(h[0]).toBe(nseg);
        expect(h[1]).toBe(64);
        for (let k = nseg + 1; k < 16; k++) expect(h[k]).toBe(0);
        const size = info.rows * info.columns;
        for (let s = 0; s < nseg; s++) {
          const seg = frag.subarray(h[s + 1]!, s + 1 < nseg ? h[s + 2]! : frag.length);
          const plane = checkCleanSegment(seg, info.columns, size);
          // Segment s holds byte (bytes-1-s%bytes), most significant first, of sample floor(s/bytes).
          const sample = Math.floor(s / bytes), shift = 8 * (bytes - 1 - (s % bytes));
          const want = Array.from({ length: size }, (_, p) => (values[p * info.samplesPerPixel + sample]! >>> shift) & 0xff);
          expect(Array.from(plane)).toEqual(want);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reproduce the documented encoding of the vectors byte for byte (same run policy)', () => {
    for (const f of ['rle_u8_1f_23x37.dcm', 'rle_u8_3f_23x37.dcm', 'rle_u16_2f_17x31.dcm', 'seg_binary_2seg_3f_11x13_rle.dcm']) {
      const v = JSON.parse(readFileSync(join(DIR, `${f}.json`), 'utf8'));
      const info = { rows: v.rows, columns: v.columns, bitsAllocated: v.bitsAllocated };
      v.encapsulation.fragmentsHex.forEach((hex: string, k: number) => {
        const frag = Uint8Array.from(Buffer.from(hex, 'hex'));
        const pixels = decodeRleFrame(frag, info);
        expect(Buffer.from(encodeRleFrame(pixels, info)).toString('hex'), `${f} frame ${k}`).toBe(hex);
      });
    }
  });

  it('encode a mask from its runs to the same bytes as from its bitmap (FRACTIONAL 255 and BINARY 1)', () => {
    fc.assert(
      fc.property(sizeArb(20, 300).chain((size) => fc.tuple(fc.constant(size), bitsArb(size.rows, size.columns))), fc.constantFrom(1, 255), ([size, bits], value) => {
        const mask = Mask.fromBitmap(bits, { height: size.rows, width: size.columns });
        const fromRuns = encodeRunsFrame(mask.runsView('row'), size.rows, size.columns, value);
        const fromBitmap = encodeRleFrame(Uint8Array.from(bits, (b) => b * value), { ...size, bitsAllocated: 8 });
        expect(Buffer.from(fromRuns).equals(Buffer.from(fromBitmap))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('16-bit: segment 1 holds the most significant bytes', () => {
    const info = { rows: 1, columns: 3, bitsAllocated: 16 };
    const frag = encodeRleFrame(Uint16Array.of(0x0102, 0x0304, 0x0506), info);
    const h = header(frag);
    expect(h[0]).toBe(2);
    expect(Array.from(frag.subarray(h[1]!, h[1]! + 4))).toEqual([2, 1, 3, 5]);
    expect(Array.from(frag.subarray(h[2]!, h[2]! + 4))).toEqual([2, 2, 4, 6]);
  });

  it('split long rows at 128 and keep 2-byte repeats inside a pending literal', () => {
    const frag = encodeRleFrame(new Uint8Array(300).fill(7), { rows: 1, columns: 300, bitsAllocated: 8 });
    expect(Array.from(frag.subarray(64))).toEqual([0x81, 7, 0x81, 7, 0xd5, 7]);
    const lit = encodeRleFrame(Uint8Array.of(1, 2, 2, 3), { rows: 1, columns: 4, bitsAllocated: 8 });
    expect(Array.from(lit.subarray(64))).toEqual([3, 1, 2, 2, 3, 0]);
  });

  it('decode tolerantly: non-zero pad, the -128 no-op, trailing bytes', () => {
    const info = { rows: 1, columns: 3, bitsAllocated: 8 };
    const mk = (body: number[]): Uint8Array => {
      const f = new Uint8Array(64 + body.length);
      new DataView(f.buffer).setUint32(0, 1, true);
      new DataView(f.buffer).setUint32(4, 64, true);
      f.set(body, 64);
      return f;
    };
    expect(Array.from(decodeRleFrame(mk([0x80, 0xfe, 9]), info))).toEqual([9, 9, 9]);
    expect(Array.from(decodeRleFrame(mk([0xfe, 9, 0x01]), info))).toEqual([9, 9, 9]);
    expect(Array.from(decodeRleFrame(mk([0xfe, 9, 0x05, 1, 2, 3, 4, 5, 6]), info))).toEqual([9, 9, 9]);
    // 1-bit: any non-zero byte is a set pixel.
    expect(Array.from(decodeRleFrame(mk([2, 0, 0xff, 1, 0]), { rows: 1, columns: 3, bitsAllocated: 1 }))).toEqual([0, 1, 1]);
  });

  it('decode the superseded bit-packed 1-bit layout by its length', () => {
    // 3x4 = 12 pixels → 2 packed bytes, LSB first.
    const f = new Uint8Array(68);
    new DataView(f.buffer).setUint32(0, 1, true);
    new DataView(f.buffer).setUint32(4, 64, true);
    f.set([1, 0b00000101, 0b00001000, 0], 64);
    expect(Array.from(decodeRleFrame(f, { rows: 3, columns: 4, bitsAllocated: 1 }))).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('refuse what breaks pixels with RleError codes', () => {
    const info = { rows: 2, columns: 3, bitsAllocated: 8 };
    const good = encodeRleFrame(Uint8Array.of(1, 2, 3, 4, 5, 6), info);
    expectCode(() => decodeRleFrame(good.subarray(0, 40), info), 'TRUNCATED');
    expectCode(() => decodeRleFrame(good, { ...info, bitsAllocated: 16 }), 'INVALID_STRUCTURE');
    const badOffset = good.slice();
    new DataView(badOffset.buffer).setUint32(4, 5000, true);
    expectCode(() => decodeRleFrame(badOffset, info), 'CORRUPT');
    const lowOffset = good.slice();
    new DataView(lowOffset.buffer).setUint32(4, 10, true);
    expectCode(() => decodeRleFrame(lowOffset, info), 'CORRUPT');
    expectCode(() => decodeRleFrame(good.subarray(0, good.length - 3), info), 'TRUNCATED');
    expectCode(() => decodeRleFrame(good, { rows: 3, columns: 3, bitsAllocated: 8 }), 'TRUNCATED');
    const overflow = new Uint8Array(66);
    new DataView(overflow.buffer).setUint32(0, 1, true);
    new DataView(overflow.buffer).setUint32(4, 64, true);
    overflow.set([0x81, 1], 64);
    expectCode(() => decodeRleFrame(overflow, info), 'CORRUPT');
    const decreasing = encodeRleFrame(Uint16Array.of(1, 2, 3), { rows: 1, columns: 3, bitsAllocated: 16 });
    const dv = new DataView(decreasing.buffer);
    dv.setUint32(8, 64, true);
    dv.setUint32(4, 70, true);
    expectCode(() => decodeRleFrame(decreasing, { rows: 1, columns: 3, bitsAllocated: 16 }), 'CORRUPT');
    expectCode(() => decodeRleFrame(good, { rows: -1, columns: 3, bitsAllocated: 8 }), 'INVALID_SIZE');
    expectCode(() => decodeRleFrame(good, { rows: 2, columns: 3, bitsAllocated: 12 }), 'UNSUPPORTED');
    expectCode(() => decodeRleFrame(good, { rows: 2, columns: 3, bitsAllocated: 32, samplesPerPixel: 4 }), 'UNSUPPORTED');
    expectCode(() => decodeRleFrame([1, 2] as unknown as Uint8Array, info), 'INVALID_OPTION');
    expectCode(() => encodeRleFrame(new Uint8Array(5), info), 'INVALID_BITMAP');
    expectCode(() => encodeRleFrame(new Uint8Array(6), { rows: 70000, columns: 1, bitsAllocated: 8 }), 'INVALID_SIZE');
  });

  it('never throw anything but RleError on random fragments', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.constantFrom(1, 8, 16), sizeArb(6, 6), (bytes, bitsAllocated, size) => {
        const f = new Uint8Array(Math.max(64, bytes.length));
        f.set(bytes);
        // Make the header plausible half of the time so the segment decoder is reached.
        if (bytes.length > 8 && bytes[0]! & 1) {
          new DataView(f.buffer).setUint32(0, bitsAllocated === 16 ? 2 : 1, true);
          new DataView(f.buffer).setUint32(4, 64, true);
          if (bitsAllocated === 16) new DataView(f.buffer).setUint32(8, 64 + ((bytes[1]! % 40) & ~1), true);
        }
        try {
          const out = decodeRleFrame(f, { ...size, bitsAllocated });
          expect(out.length).toBe(size.rows * size.columns);
        } catch (e) {
          expect(isRleError(e)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
