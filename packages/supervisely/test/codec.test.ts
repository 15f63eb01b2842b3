import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask } from '@rlekit/core';
import { decode, decodeData, encode, encodePngMask, fromBase64, toBase64, type SuperviselyBitmap } from '../src/index.js';
import { expectCode } from '../../core/test/support.js';

interface Vector {
  name: string;
  height: number;
  width: number;
  pixels_set: number;
  rows?: string[];
  runs?: number[];
  encoded: SuperviselyBitmap | null;
  expect_error?: string;
  crop_box?: [number, number, number, number];
  png_hex?: string;
  decode_only?: boolean;
  png_flavour?: string;
}

const vectors: Vector[] = JSON.parse(readFileSync(fileURLToPath(new URL('../../../conformance/vectors/supervisely/vectors.json', import.meta.url)), 'utf8'));

function vectorMask(v: Vector): Mask {
  const size = { height: v.height, width: v.width };
  if (v.rows) return Mask.fromBitmap(Uint8Array.from(v.rows.join(''), (c) => (c === '1' ? 1 : 0)), size, 'row');
  return Mask.fromRuns(v.runs!, size, 'row');
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

const canonical = vectors.filter((v) => v.encoded && !v.decode_only);
const decodeOnly = vectors.filter((v) => v.decode_only);
const empty = vectors.filter((v) => v.expect_error);

describe('supervisely bitmap vectors', () => {
  it('has the cases the README lists', () => {
    expect(canonical.length).toBe(20);
    expect(decodeOnly.map((v) => v.png_flavour).sort()).toEqual(['bilevel_mode1_zlib', 'gray8_zlib', 'rgba_alpha_zlib', 'rgba_plain_base64_no_zlib']);
    expect(empty.length).toBe(4);
  });

  it.each(canonical.map((v) => [v.name, v] as const))('%s: encode is byte-exact (origin and data)', (_n, v) => {
    const mask = vectorMask(v);
    expect(mask.area()).toBe(v.pixels_set);
    expect(encode(mask)).toEqual(v.encoded);
    if (v.png_hex) expect(hex(encodePngMask(mask.crop(mask.bbox())))).toBe(v.png_hex);
    const [l, t, r, b] = v.crop_box!;
    expect(decodeData(v.encoded!.data).size).toEqual({ height: b - t + 1, width: r - l + 1 });
  });

  it.each([...canonical, ...decodeOnly].map((v) => [v.name, v] as const))('%s: decode gives the mask', (_n, v) => {
    expect(decode(v.encoded!, { height: v.height, width: v.width }).equals(vectorMask(v))).toBe(true);
  });

  it.each(empty.map((v) => [v.name, v] as const))('%s: an empty mask cannot be encoded', (_n, v) => {
    expectCode(() => encode(vectorMask(v)), 'UNSUPPORTED');
  });
});
