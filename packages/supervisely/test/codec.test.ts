import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask, isRleError } from '@rlekit/core';
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

// ---------------------------------------------------------------------------------------------
// PNG flavours made here with an independent writer (node's zlib, every filter, Adam7).

import { deflateSync } from 'node:zlib';

function crc(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

function pngChunk(type: string, body: Uint8Array): number[] {
  const t = [...type].map((c) => c.charCodeAt(0));
  const be = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return [...be(body.length), ...t, ...body, ...be(crc(Uint8Array.from([...t, ...body])))];
}

/** Pixels (samples per pixel, each `depth` bits) → a PNG with the given filter per row and optional Adam7. */
function makePng(opts: { width: number; height: number; depth: number; colorType: number; samples: number[][]; filter: (row: number) => number; interlace?: boolean; plte?: number[]; trns?: number[] }): Uint8Array {
  const { width, height, depth, colorType, samples } = opts;
  const channels = samples[0]!.length;
  const bpp = Math.max(1, (channels * depth) >> 3);
  const passes = opts.interlace ? [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] : [[0, 0, 1, 1]];
  const out: number[] = [];
  let rowIndex = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = width > x0! ? Math.ceil((width - x0!) / dx!) : 0, ph = height > y0! ? Math.ceil((height - y0!) / dy!) : 0;
    if (pw === 0) continue;
    const rowBytes = Math.ceil((pw * channels * depth) / 8);
    let prev = new Array<number>(rowBytes).fill(0);
    for (let j = 0; j < ph; j++) {
      const bits: number[] = [];
      for (let i = 0; i < pw; i++) for (const s of samples[(y0! + j * dy!) * width + x0! + i * dx!]!) for (let b = depth - 1; b >= 0; b--) bits.push((s >> b) & 1);
      const row = new Array<number>(rowBytes).fill(0);
      bits.forEach((b, k) => { if (b) row[k >> 3]! |= 0x80 >> (k & 7); });
      const f = opts.filter(rowIndex++);
      const enc = row.map((x, k) => {
        const a = k >= bpp ? row[k - bpp]! : 0, up = prev[k]!, c = k >= bpp ? prev[k - bpp]! : 0;
        const p = a + up - c, pa = Math.abs(p - a), pb = Math.abs(p - up), pc = Math.abs(p - c);
        const pred = [0, a, up, (a + up) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? up : c][f]!;
        return (x - pred) & 255;
      });
      out.push(f, ...enc);
      prev = row;
    }
  }
  const ihdr = [0, 0, width >> 8, width & 255, 0, 0, height >> 8, height & 255, depth, colorType, 0, 0, opts.interlace ? 1 : 0];
  return Uint8Array.from([
    137, 80, 78, 71, 13, 10, 26, 10,
    ...pngChunk('IHDR', Uint8Array.from(ihdr)),
    ...(opts.plte ? pngChunk('PLTE', Uint8Array.from(opts.plte)) : []),
    ...(opts.trns ? pngChunk('tRNS', Uint8Array.from(opts.trns)) : []),
    ...pngChunk('IDAT', deflateSync(Uint8Array.from(out))),
    ...pngChunk('IEND', new Uint8Array(0)),
  ]);
}

const b64 = (png: Uint8Array, zlib: boolean): string => toBase64(zlib ? deflateSync(png) : png);

describe('supervisely decode: every PNG flavour', () => {
  // 7×11 (non-square, odd sizes, so Adam7 passes are uneven), foreground at the first and last pixel.
  const height = 7, width = 11;
  const on = (i: number) => i === 0 || i === height * width - 1 || (i * 7) % 5 === 0;
  const mask = Mask.fromBitmap(Array.from({ length: height * width }, (_, i) => (on(i) ? 1 : 0)), { height, width });
  const flavours: [string, Omit<Parameters<typeof makePng>[0], 'filter' | 'interlace' | 'width' | 'height'>][] = [
    ['grey 1-bit', { depth: 1, colorType: 0, samples: Array.from({ length: 77 }, (_, i) => [on(i) ? 1 : 0]) }],
    ['grey 4-bit', { depth: 4, colorType: 0, samples: Array.from({ length: 77 }, (_, i) => [on(i) ? 9 : 0]) }],
    ['grey 16-bit', { depth: 16, colorType: 0, samples: Array.from({ length: 77 }, (_, i) => [on(i) ? 256 : 0]) }],
    ['grey 8-bit + tRNS (white transparent)', { depth: 8, colorType: 0, samples: Array.from({ length: 77 }, (_, i) => [on(i) ? 0 : 255]), trns: [0, 255] }],
    ['RGB 8-bit (any channel)', { depth: 8, colorType: 2, samples: Array.from({ length: 77 }, (_, i) => (on(i) ? [0, 0, 3] : [0, 0, 0])) }],
    ['RGB 16-bit + tRNS', { depth: 16, colorType: 2, samples: Array.from({ length: 77 }, (_, i) => (on(i) ? [0, 0, 0] : [9, 9, 9])), trns: [0, 9, 0, 9, 0, 9] }],
    ['grey + alpha 8-bit', { depth: 8, colorType: 4, samples: Array.from({ length: 77 }, (_, i) => [255, on(i) ? 1 : 0]) }],
    ['RGBA 16-bit', { depth: 16, colorType: 6, samples: Array.from({ length: 77 }, (_, i) => [0, 0, 0, on(i) ? 1 : 0]) }],
    ['palette 2-bit, white transparent', { depth: 2, colorType: 3, samples: Array.from({ length: 77 }, (_, i) => [on(i) ? 2 : 1]), plte: [0, 0, 0, 255, 255, 255, 0, 0, 0], trns: [255, 0] }],
  ];
  for (const [name, f] of flavours) {
    for (const interlace of [false, true]) {
      it(`${name}${interlace ? ', Adam7' : ''}, all five filters, zlib and plain`, () => {
        const png = makePng({ ...f, width, height, interlace, filter: (r) => r % 5 });
        for (const zlib of [true, false]) {
          expect(decode({ origin: [2, 1], data: b64(png, zlib) }, { height: 9, width: 14 }).equals(mask.paste({ height: 9, width: 14 }, { x: 2, y: 1 }))).toBe(true);
        }
      });
    }
  }

  it('reads 1-bit palettes either way round, on blocky rows (run by run) and busy rows (unpacked)', () => {
    // 301 wide: 38 bytes a row, 2 of them mixed (under 1 in 16: the run-by-run path).
    const h = 13, w = 301;
    const blocky = (i: number) => (i % w) >= 9 && (i % w) < 290 && Math.floor(i / w) >= 2;
    const busy = (i: number) => ((i * 7) % 3 === 0) || i === h * w - 1;
    for (const on of [blocky, busy]) {
      const m = Mask.fromBitmap(Array.from({ length: h * w }, (_, i) => (on(i) ? 1 : 0)), { height: h, width: w });
      for (const [fgIndex, trns] of [[1, [0]], [0, [255, 0]]] as const) {
        const png = makePng({ width: w, height: h, depth: 1, colorType: 3, samples: Array.from({ length: h * w }, (_, i) => [on(i) === (fgIndex === 1) ? 1 : 0]), plte: [0, 0, 0, 255, 255, 255], trns: [...trns], filter: () => 0 });
        expect(decodeData(b64(png, true)).equals(m)).toBe(true);
      }
    }
  });

  it('refuses a bad CRC, a bad filter, short image data and huge IHDR sizes', () => {
    const png = makePng({ ...flavours[0]![1], width, height, filter: () => 0 });
    const badCrc = png.slice();
    badCrc[29]! ^= 1;
    expectCode(() => decodeData(b64(badCrc, true)), 'CORRUPT');
    expectCode(() => decodeData(b64(makePng({ ...flavours[0]![1], width, height, filter: () => 0 }).slice(0, 40), true)), 'TRUNCATED');
    const wide = makePng({ ...flavours[0]![1], width, height, filter: () => 0 });
    // Claim a 60000×60000 image: refused from IHDR, before the image data is inflated.
    wide.set([0, 0, 234, 96, 0, 0, 234, 96], 16);
    const c = crc(wide.subarray(12, 29));
    wide.set([c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255], 29);
    expectCode(() => decodeData(b64(wide, true), { maxPixels: 1e8 }), 'LIMIT_EXCEEDED');
    expectCode(() => decodeData(b64(wide, true)), 'LIMIT_EXCEEDED');
    // Placed in an image, the crop must fit from its origin: known from IHDR, before inflating.
    const e = expectCode(() => decode({ origin: [0, 0], data: b64(wide, true) }, { height: 100, width: 100 }), 'SIZE_MISMATCH');
    expect(e.path).toEqual(['origin']);
    expect(e.received).toBe('60000x60000');
    expectCode(() => decode({ origin: [100, 0], data: b64(png, true) }, { height: 100, width: 100 }), 'SIZE_MISMATCH');
    expectCode(() => decode({ origin: [-1, 0], data: b64(png, true) }, { height: 100, width: 100 }), 'SIZE_MISMATCH');
    expectCode(() => decodeData(toBase64(deflateSync(new Uint8Array(1 << 20))), { maxPngBytes: 1 << 16 }), 'LIMIT_EXCEEDED');
  });
});

describe('supervisely encode', () => {
  it('round-trips random non-square masks; origin is [x, y] of the tight box (property)', () => {
    fc.assert(fc.property(
      fc.record({ height: fc.integer({ min: 1, max: 40 }), width: fc.integer({ min: 1, max: 40 }), density: fc.constantFrom(0.02, 0.5, 0.98, 1) })
        .filter(({ height, width }) => height !== width)
        .chain(({ height, width, density }) => fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: height * width, maxLength: height * width }).map((r) => ({ height, width, bits: r.map((x) => (x < density ? 1 : 0)) }))),
      ({ height, width, bits }) => {
        const mask = Mask.fromBitmap(bits, { height, width });
        if (mask.isEmpty()) {
          expectCode(() => encode(mask), 'UNSUPPORTED');
          return;
        }
        const bm = encode(mask);
        const box = mask.bbox();
        expect(bm.origin).toEqual([box.x, box.y]);
        expect(decodeData(bm.data).size).toEqual({ height: box.height, width: box.width });
        expect(decode(bm, { height, width }).equals(mask)).toBe(true);
      },
    ), { numRuns: 150 });
  });

  it('cuts large image data into 65536-byte IDAT chunks, as Pillow does', () => {
    // mulberry32: no short period for deflate to find.
    let s = 12345;
    const rand = () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = Math.imul(s ^ (s >>> 15), s | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) & 1;
    };
    const size = { height: 700, width: 1500 };
    const mask = Mask.fromBitmap(Array.from({ length: size.height * size.width }, rand), size);
    const png = encodePngMask(mask);
    const lengths: number[] = [];
    for (let o = 8; o < png.length;) {
      const len = (png[o]! << 24) | (png[o + 1]! << 16) | (png[o + 2]! << 8) | png[o + 3]!;
      if (String.fromCharCode(...png.subarray(o + 4, o + 8)) === 'IDAT') lengths.push(len);
      o += 12 + len;
    }
    expect(lengths.length).toBeGreaterThan(1);
    expect(lengths.slice(0, -1).every((l) => l === 65536)).toBe(true);
    expect(decode(encode(mask), size).equals(mask)).toBe(true);
  });

  it('refuses base64 that atob would refuse, as an RleError', () => {
    for (const bad of ['+AeJw==', 'eJw=a', 'e===', 'eJ=w', 'a']) expectCode(() => fromBase64(bad), 'INVALID_TOKEN');
    expect(fromBase64('eJw')).toEqual(Uint8Array.of(0x78, 0x9c));
  });

  it('base64 helpers agree with node', () => {
    const bytes = Uint8Array.from({ length: 70000 }, (_, i) => (i * 31) & 255);
    expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    expect(fromBase64(Buffer.from(bytes).toString('base64'))).toEqual(bytes);
  });
});

describe('README example', () => {
  it('gives what the README says', () => {
    const size = { height: 3, width: 5 };
    const mask = Mask.fromBitmap([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0], size);
    const bitmap = encode(mask);
    expect(bitmap.origin).toEqual([3, 1]);
    expect(bitmap.data.startsWith('eJzrDPBz5+WS4mJgYOD19HAJAtJMIMzI')).toBe(true);
    expect(decodeData(bitmap.data).size).toEqual({ height: 2, width: 2 });
    expect(decode(bitmap, size).equals(mask)).toBe(true);
    expectCode(() => encode(Mask.empty(size)), 'UNSUPPORTED');
  });
});

describe('supervisely decode on damaged data', () => {
  it('throws only RleErrors, for damage to the zlib layer and to the PNG inside it', () => {
    const mask = Mask.fromBitmap(Array.from({ length: 9 * 14 }, (_, i) => ((i * 7) % 5 === 0 ? 1 : 0)), { height: 9, width: 14 });
    const outer = fromBase64(encode(mask).data);
    const png = encodePngMask(mask.crop(mask.bbox()));
    const damage = (good: Uint8Array) => fc.oneof(
      fc.integer({ min: 0, max: good.length - 1 }).map((n) => good.slice(0, n)),
      fc.tuple(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([i, b]) => { const o = good.slice(); o[i] = b; return o; }),
    );
    let rejected = 0;
    const check = (data: string) => {
      try {
        decode({ origin: [0, 0], data }, mask.size);
      } catch (e) {
        rejected++;
        if (!isRleError(e)) throw e;
      }
    };
    fc.assert(fc.property(damage(outer), (bytes) => check(toBase64(bytes))), { numRuns: 200 });
    fc.assert(fc.property(damage(png), (bytes) => check(toBase64(deflateSync(bytes)))), { numRuns: 200 });
    expect(rejected).toBeGreaterThan(100);
  });
});
