import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decode as rlePackDecode, encode as rlePackEncode } from '@thi.ng/rle-pack';
import { Mask, type RleWarning } from '@rlekit/core';
import { bitmapArb, expectCode } from '../../core/test/support.js';
import { decode, encode, encodeBytes, readHeader } from '../src/index.js';

interface Vector {
  name: string;
  height: number;
  width: number;
  pixels_set: number;
  rows?: string[];
  runs?: number[];
  original_width: number;
  original_height: number;
  encoded: { format: string; rle: number[]; brushlabels: string[] };
  rle_frontend: number[];
  num_values: number;
}

const vectors: Vector[] = JSON.parse(readFileSync(fileURLToPath(new URL('../../../conformance/vectors/label-studio/vectors.json', import.meta.url)), 'utf8'));

function vectorMask(v: Vector): Mask {
  const size = { height: v.height, width: v.width };
  if (v.rows) return Mask.fromBitmap(Uint8Array.from(v.rows.join(''), (c) => (c === '1' ? 1 : 0)), size, 'row');
  return Mask.fromRuns(v.runs!, size, 'row');
}

/** The RGBA buffer both Label Studio encoders see: every channel = 255 for a set pixel (reference only). */
function rgba(bits: Uint8Array, value = 255): Uint8Array {
  const out = new Uint8Array(bits.length * 4);
  for (let i = 0; i < bits.length; i++) if (bits[i]) out.fill(value, 4 * i, 4 * i + 4);
  return out;
}

/** label_studio_sdk's encode_rle, transcribed literally (bit strings and all) as an independent reference. */
function referenceConverter(arr: Uint8Array): number[] {
  let s = arr.length.toString(2).padStart(32, '0') + (7).toString(2).padStart(5, '0') + [3, 4, 8, 16].map((x) => (x - 1).toString(2).padStart(4, '0')).join('');
  const bin = (v: number, n: number) => v.toString(2).padStart(n, '0');
  let i = 0;
  while (i < arr.length) {
    let j = i;
    while (j < arr.length && arr[j] === arr[i]) j++;
    const len = j - i, v = arr[i]!;
    if (len === 1) s += '0' + '00' + '000' + bin(v, 8);
    else if (len <= 8) s += '1' + '00' + bin(len - 1, 3) + bin(v, 8);
    else if (len <= 16) s += '1' + '01' + bin(len - 1, 4) + bin(v, 8);
    else if (len <= 256) s += '1' + '10' + bin(len - 1, 8) + bin(v, 8);
    else {
      let t = len;
      while (t > 65536) { s += '1' + '11' + bin(65535, 16) + bin(v, 8); t -= 65536; }
      s += '1' + '11' + bin(t - 1, 16) + bin(v, 8);
    }
    i = j;
  }
  s += '0'.repeat(8 - (s.length % 8));
  const out: number[] = [];
  for (let k = 0; k < s.length; k += 8) out.push(parseInt(s.slice(k, k + 8), 2));
  return out;
}

describe('label studio vectors', () => {
  it('has the 24 shared cases', () => {
    expect(vectors.length).toBe(24);
  });
  for (const v of vectors) {
    it(`${v.name}: both byte strings decode to the mask, and each style encodes byte-exact`, () => {
      const mask = vectorMask(v);
      expect(mask.area()).toBe(v.pixels_set);
      const size = { height: v.original_height, width: v.original_width };
      expect(decode(v.encoded.rle, size).equals(mask)).toBe(true);
      expect(decode(Uint8Array.from(v.rle_frontend), size).equals(mask)).toBe(true);
      expect(encode(mask)).toEqual(v.encoded.rle);
      expect(encode(mask, { style: 'converter' })).toEqual(v.encoded.rle);
      expect(encode(mask, { style: 'web' })).toEqual(v.rle_frontend);
      expect(readHeader(v.encoded.rle).num).toBe(v.num_values);
    });
  }
});

describe('the worked example of docs/dialects/label-studio.md and the README', () => {
  it('gives the bytes drawn there, field by field', () => {
    const mask = Mask.fromBitmap([1, 1, 0, 0, 0, 1], { height: 2, width: 3 });
    const converter = [0, 0, 0, 24, 57, 27, 252, 255, 246, 192, 35, 255, 0];
    expect(encode(mask)).toEqual(converter);
    expect(encode(mask, { style: 'web' })).toEqual(converter.slice(0, 12));
    const bitString = converter.map((b) => b.toString(2).padStart(8, '0')).join('');
    // [53..66] repeat, class 0, n - 1 = 7, 255; [67..81] repeat, class 1, n - 1 = 11, 0; [82..95] repeat, class 0, n - 1 = 3, 255.
    expect(bitString.slice(53, 96)).toBe('1' + '00' + '111' + '11111111' + '1' + '01' + '1011' + '00000000' + '1' + '00' + '011' + '11111111');
    expect(readHeader(converter)).toEqual({ num: 24, wordSize: 8, rleSizes: [3, 4, 8, 16] });
    const empty = Mask.empty({ height: 6, width: 2731 });
    expect(encode(empty)).toEqual([0, 1, 0, 8, 57, 27, 255, 255, 255, 0, 224, 0, 224, 0]);
    expect(encode(empty, { style: 'web' })).toEqual([0, 1, 0, 8, 57, 27, 255, 255, 255, 0, 156, 0]);
  });
});

describe('encode', () => {
  it('matches @thi.ng/rle-pack (web) and a literal transcription of the converter on random non-square masks', () => {
    fc.assert(fc.property(bitmapArb(20), ({ height, width, bits }) => {
      const mask = Mask.fromBitmap(bits, { height, width });
      const buf = rgba(bits);
      expect(encode(mask, { style: 'web' })).toEqual(Array.from(rlePackEncode(buf, buf.length)));
      expect(encode(mask)).toEqual(referenceConverter(buf));
      expect(decode(encode(mask, { style: 'web' }), { height, width }).equals(mask)).toBe(true);
      expect(decode(encode(mask), { height, width }).equals(mask)).toBe(true);
    }), { numRuns: 200 });
  });

  it('splits runs longer than 65536 bytes the way each encoder does (remainders of every size class)', () => {
    // Runs of 16384·k + r pixels: bytes 65536·k + 4r, so the remainder is 4r (4..65536) values.
    for (const r of [1, 2, 3, 4, 63, 64, 65, 16383, 16384]) {
      const height = 3, width = 16384 + r + 7;
      const bits = new Uint8Array(height * width);
      bits.fill(1, 5, 5 + 16384 * 2 + r); // a long foreground run crossing rows
      bits[bits.length - 1] = 1;
      const mask = Mask.fromBitmap(bits, { height, width });
      const buf = rgba(bits);
      expect(encode(mask, { style: 'web' })).toEqual(Array.from(rlePackEncode(buf, buf.length)));
      expect(encode(mask)).toEqual(referenceConverter(buf));
      expect(decode(encode(mask), { height, width }).equals(mask)).toBe(true);
    }
  });

  it('writes the foreground value asked for and refuses bad options', () => {
    const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 0], { height: 2, width: 3 });
    const bytes = encodeBytes(mask, { value: 7 });
    expect(Array.from(rlePackDecode(bytes))).toEqual(Array.from(rgba(Uint8Array.of(0, 1, 1, 0, 1, 0), 7)));
    expectCode(() => encode(mask, { value: 0 }), 'INVALID_OPTION');
    expectCode(() => encode(mask, { style: 'png' as never }), 'INVALID_OPTION');
    expectCode(() => encode({} as Mask), 'INVALID_OPTION');
    // The error message never calls into the value it reports.
    const hostile = { toString: () => { throw new Error('called'); }, toJSON: () => { throw new Error('called'); } };
    expect(expectCode(() => encode(mask, { style: hostile as never }), 'INVALID_OPTION').received).toBe('object');
    expect(expectCode(() => decode([0], { height: 1, width: 1, threshold: hostile as never }), 'INVALID_OPTION').received).toBe('object');
  });

  it('encodes empty and full masks with foreground at the first and last pixel', () => {
    for (const mask of [Mask.empty({ height: 3, width: 7 }), Mask.full({ height: 3, width: 7 }), Mask.fromBitmap([1, 0, 0, 0, 0, 1], { height: 2, width: 3 })]) {
      const bits = mask.toBitmap('row');
      const buf = rgba(bits);
      expect(encode(mask, { style: 'web' })).toEqual(Array.from(rlePackEncode(buf, buf.length)));
      expect(decode(encode(mask), mask.size).equals(mask)).toBe(true);
    }
  });
});

describe('decode', () => {
  it('reads any rle-pack stream of RGBA bytes by its alpha (literal chunks, channels that differ, odd runs)', () => {
    fc.assert(fc.property(
      fc.record({ height: fc.integer({ min: 1, max: 9 }), width: fc.integer({ min: 1, max: 9 }) }).filter(({ height, width }) => height !== width)
        .chain(({ height, width }) => fc.array(fc.constantFrom(0, 0, 0, 1, 100, 127, 128, 255, 255), { minLength: 4 * height * width, maxLength: 4 * height * width })
          .map((values) => ({ height, width, values: Uint8Array.from(values) }))),
      fc.constantFrom(0, 127),
      ({ height, width, values }, threshold) => {
        const stream = rlePackEncode(values, values.length);
        const expected = Uint8Array.from({ length: height * width }, (_, p) => (values[4 * p + 3]! > threshold ? 1 : 0));
        expect(decode(stream, { height, width, threshold }).equals(Mask.fromBitmap(expected, { height, width }))).toBe(true);
      },
    ), { numRuns: 300 });
  });

  it('keeps pixels whose alpha passes the threshold (antialiased edges)', () => {
    const values = rgba(Uint8Array.of(1, 1, 1, 1), 0);
    values.set([40, 40, 40, 40, 200, 200, 200, 200, 128, 128, 128, 128, 127, 127, 127, 127]);
    const stream = rlePackEncode(values, values.length);
    expect(Array.from(decode(stream, { height: 1, width: 4 }).toBitmap())).toEqual([1, 1, 1, 1]);
    expect(Array.from(decode(stream, { height: 1, width: 4, threshold: 127 }).toBitmap())).toEqual([0, 1, 1, 0]);
  });

  it('refuses a stream whose num is not 4 * H * W, with the expected value', () => {
    const v = vectors.find((x) => x.name === 'two_blobs_8x10')!;
    const e = expectCode(() => decode(v.encoded.rle, { height: 10, width: 7 }), 'SIZE_MISMATCH');
    expect(e.expected).toContain('280');
    expect(e.received).toBe('320');
    // A single-channel stream (encode_rle without the 4x repeat) is named as such.
    const mask = vectorMask(v);
    const single = rlePackEncode(mask.toBitmap('row'), 80);
    expect(expectCode(() => decode(single, { height: 8, width: 10 }), 'SIZE_MISMATCH').message).toContain('single-channel');
  });

  it('refuses streams that end early, at the byte where they end', () => {
    const v = vectors.find((x) => x.name === 'random_12x17_seed1')!;
    const full = v.encoded.rle;
    for (const cut of [0, 3, 6, 7, 20, full.length - 3]) {
      const e = expectCode(() => decode(full.slice(0, cut), { height: 12, width: 17 }), 'TRUNCATED');
      // The offset is where the unfinished field starts: 0 for the 53-bit header, else a byte just before the cut.
      if (cut < 7) expect(e.offset).toBe(0);
      else {
        expect(e.offset).toBeGreaterThanOrEqual(cut - 4);
        expect(e.offset).toBeLessThanOrEqual(cut);
      }
    }
  });

  it('refuses a chunk that runs past num', () => {
    // num = 4 (1x1), then a repeat of 8 values.
    const mask = Mask.full({ height: 1, width: 2 });
    const bytes = encodeBytes(mask);
    bytes[3] = 4; // num 8 → 4
    expectCode(() => decode(bytes, { height: 1, width: 1 }), 'RUNS_SUM_MISMATCH');
  });

  it('refuses values that are not bytes, and bad sizes', () => {
    const rle = [...vectors[0]!.encoded.rle];
    rle[4] = 256;
    expect(expectCode(() => decode(rle, { height: 1, width: 1 }), 'INVALID_TOKEN').path).toEqual([4]);
    rle[4] = 1.5;
    expectCode(() => decode(rle, { height: 1, width: 1 }), 'INVALID_TOKEN');
    expectCode(() => decode('abc' as never, { height: 1, width: 1 }), 'INVALID_STRUCTURE');
    expectCode(() => decode(vectors[0]!.encoded.rle, { height: -1, width: 1 }), 'INVALID_SIZE');
    expectCode(() => decode(vectors[0]!.encoded.rle, { height: 1000, width: 1000, maxPixels: 10 }), 'LIMIT_EXCEEDED');
    expectCode(() => decode(vectors[0]!.encoded.rle, undefined as never), 'INVALID_OPTION');
    expectCode(() => decode(vectors[0]!.encoded.rle, { height: 1, width: 1, threshold: -1 }), 'INVALID_OPTION');
  });

  it('warns about bytes after the padding, not about the padding itself', () => {
    const v = vectors.find((x) => x.name === 'ring_5x5')!;
    const warnings: RleWarning[] = [];
    const warn = (w: RleWarning) => warnings.push(w);
    decode(v.encoded.rle, { height: 5, width: 5, warn });
    decode(v.rle_frontend, { height: 5, width: 5, warn });
    expect(warnings).toEqual([]);
    decode([...v.encoded.rle, 0, 0], { height: 5, width: 5, warn });
    expect(warnings.map((w) => w.code)).toEqual(['trailing-bytes']);
  });

  it('decodes a 0-pixel image from its header alone', () => {
    expect(decode(encode(Mask.empty({ height: 0, width: 5 })), { height: 0, width: 5 }).pixels).toBe(0);
  });
});
