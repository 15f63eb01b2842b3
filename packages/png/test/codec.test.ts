import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { LabelMap, Mask, type RleError } from '@rlekit/core';
import { decodeLabelMap, decodeMask, deflateZlib, encodeLabelMap, encodeMask, readHeader, readPng, vocPalette } from '../src/index.js';
import { useNativeZlib } from '../src/zlib.js';
import { bitmapArb, chunks, expectCode, labelsArb } from './helpers.js';
import { chunk, concat, refPng } from './reference.js';

const lm8 = (values: number[], height: number, width: number): LabelMap => LabelMap.fromArray(Uint8Array.from(values), { height, width });

const COMBOS: [number, number][] = [
  [0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [2, 8], [2, 16], [3, 1], [3, 2], [3, 4], [3, 8], [4, 8], [4, 16], [6, 8], [6, 16],
];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** A random image for a colour type and depth; 16-bit RGB samples are 8-bit values × 257 so they are labels. */
const imageArb = fc
  .record({
    combo: fc.constantFrom(...COMBOS),
    height: fc.integer({ min: 1, max: 19 }),
    width: fc.integer({ min: 1, max: 19 }),
    interlaced: fc.boolean(),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    zeroBias: fc.constantFrom(0, 0.5, 0.9),
  })
  .filter(({ height, width }) => height !== width)
  .map(({ combo: [colorType, bitDepth], height, width, interlaced, seed, zeroBias }) => {
    let s = seed;
    const rand = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
    const n = CHANNELS[colorType]!;
    const max = (1 << bitDepth) - 1;
    const samples: number[][] = [];
    for (let i = 0; i < height * width; i++) {
      const px: number[] = [];
      const zero = rand() < zeroBias;
      for (let c = 0; c < n; c++) {
        let v = zero ? 0 : Math.floor(rand() * (max + 1));
        if (bitDepth === 16 && (colorType === 2 || colorType === 6) && c < 3) v = (v >> 8) * 257;
        px.push(v);
      }
      samples.push(px);
    }
    // Foreground at the first and last pixel.
    samples[0] = samples[0]!.map(() => max);
    samples[height * width - 1] = samples[height * width - 1]!.map(() => max);
    if (bitDepth === 16 && (colorType === 2 || colorType === 6)) {
      for (const px of [samples[0]!, samples[height * width - 1]!]) for (let c = 0; c < 3; c++) px[c] = 0xffff;
    }
    const palette = colorType === 3 ? Array.from({ length: 1 << bitDepth }, () => [0, 0, 0]) : undefined; // all black: indices must still come through
    return { colorType, bitDepth, height, width, interlaced, samples, palette };
  });

function expected(img: { colorType: number; bitDepth: number; samples: number[][] }): { labels: number[]; fg: number[] } {
  const labels: number[] = [], fg: number[] = [];
  for (const px of img.samples) {
    const [a, b = 0, c = 0] = px;
    const hi = (v: number): number => (img.bitDepth === 16 ? v >> 8 : v);
    switch (img.colorType) {
      case 0: case 3: labels.push(a!); fg.push(a! > 0 ? 1 : 0); break;
      case 4: labels.push(b === 0 ? 0 : a!); fg.push(b > 0 ? 1 : 0); break;
      case 2: labels.push((hi(a!) << 16) | (hi(b) << 8) | hi(c)); fg.push(a! || b || c ? 1 : 0); break;
      case 6: labels.push(px[3] === 0 ? 0 : (hi(a!) << 16) | (hi(b) << 8) | hi(c)); fg.push(px[3]! > 0 ? 1 : 0); break;
    }
  }
  return { labels, fg };
}

describe('decoding every colour type, bit depth and interlace', () => {
  it('label maps and masks match the samples an independent writer put in', () => {
    fc.assert(fc.property(imageArb, fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 }), (img, f0, idatChunks) => {
      const png = refPng({ ...img, sample: (x, y) => img.samples[y * img.width + x]!, filter: (k) => (k + f0) % 5, idatChunks });
      const { labels, fg } = expected(img);
      const lm = decodeLabelMap(png);
      expect([lm.height, lm.width]).toEqual([img.height, img.width]);
      expect(Array.from(lm.data)).toEqual(labels);
      const m = decodeMask(png);
      expect([m.height, m.width]).toEqual([img.height, img.width]);
      expect(Array.from(m.toBitmap())).toEqual(fg);
    }), { numRuns: 400 });
  });

  it('decodes into a reused, scribbled array as into fresh memory; scratch reuse never reaches an earlier result', () => {
    // One array of each type, reused across all runs and filled with junk before each decode.
    const wide = new Uint32Array(400), mid = new Uint16Array(400), narrow = new Uint8Array(400);
    let previous: { raw: ReturnType<typeof readPng>; copy: Uint8Array } | undefined;
    fc.assert(fc.property(imageArb, fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 }), (img, f0, idatChunks) => {
      const png = refPng({ ...img, sample: (x, y) => img.samples[y * img.width + x]!, filter: (k) => (k + f0) % 5, idatChunks });
      const { labels } = expected(img);
      const fresh = decodeLabelMap(png);
      for (const into of [wide, mid, narrow]) {
        const holds = into instanceof Uint8Array ? 0xff : into instanceof Uint16Array ? 0xffff : 0xffffffff;
        into.fill(holds);
        if (holds < Math.max(...Array.from(fresh.data)) || (holds === 0xff && (img.bitDepth === 16 || img.colorType === 2 || img.colorType === 6))) {
          expect(expectCode(() => decodeLabelMap(png, { into }), 'INVALID_OPTION').path).toEqual(['into']);
          continue;
        }
        const lm = decodeLabelMap(png, { into });
        expect(lm.data.buffer).toBe(into.buffer);
        expect([lm.height, lm.width]).toEqual([img.height, img.width]);
        expect(Array.from(lm.data)).toEqual(labels);
      }
      // readPng's scanlines are the caller's: later decodes (which reuse scratch memory) leave them alone.
      if (previous) expect(previous.raw.data).toEqual(previous.copy);
      decodeMask(png);
      const raw = readPng(png);
      previous = { raw, copy: raw.data.slice() };
    }), { numRuns: 400 });
    const png = encodeLabelMap(LabelMap.fromArray(new Uint8Array(12).fill(3), { height: 3, width: 4 }), { format: 'gray8' });
    expect(expectCode(() => decodeLabelMap(png, { into: new Uint8Array(11) }), 'INVALID_OPTION').path).toEqual(['into']);
    expectCode(() => decodeLabelMap(png, { into: new Int8Array(12) as unknown as Uint8Array }), 'INVALID_OPTION');
    expectCode(() => decodeLabelMap(png, { into: [] as unknown as Uint8Array }), 'INVALID_OPTION');
    const g16 = encodeLabelMap(LabelMap.fromArray(new Uint16Array(12).fill(3), { height: 3, width: 4 }), { format: 'gray16' });
    expect(expectCode(() => decodeLabelMap(g16, { into: new Uint8Array(12) }), 'INVALID_OPTION').message).toMatch(/does not fit/);
  });

  it('wide label maps: every filter, rows that change in a few places or everywhere, 8 and 16 bits (rows unfiltered in place)', () => {
    // Widths up to 300 so Up rows mix long unchanged stretches (copied), short gaps and busy rows.
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 300 }), fc.constantFrom(8, 16), fc.constantFrom(0, 3), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 0x7fffffff }),
      (height, width, bitDepth, colorType, filterKind, seed) => {
        fc.pre(height !== width && !(colorType === 3 && bitDepth === 16));
        let st = seed;
        const rand = (): number => (st = (Math.imul(st, 1664525) + 1013904223) >>> 0) / 4294967296;
        const max = bitDepth === 16 ? 65535 : 255;
        const values: number[] = [];
        for (let y = 0; y < height; y++) {
          const busy = rand() < 0.3;
          for (let x = 0; x < width; x++) {
            const above = y > 0 ? values[(y - 1) * width + x]! : 0;
            values.push(busy ? (rand() < 0.5 ? 0 : Math.floor(rand() * (max + 1))) : rand() < 0.03 ? Math.floor(rand() * (max + 1)) : above);
          }
        }
        values[0] = max;
        values[height * width - 1] = 1;
        const png = refPng({
          width, height, bitDepth, colorType, sample: (x, y) => [values[y * width + x]!],
          ...(colorType === 3 ? { palette: Array.from({ length: 256 }, () => [0, 0, 0]) } : {}),
          filter: (k) => (filterKind === 5 ? (k * 7) % 5 : filterKind), idatChunks: 2,
        });
        expect(Array.from(decodeLabelMap(png).data)).toEqual(values);
        const into = bitDepth === 16 ? new Uint16Array(height * width + 5).fill(9) : new Uint8Array(height * width + 5).fill(9);
        expect(Array.from(decodeLabelMap(png, { into }).data)).toEqual(values);
      },
    ), { numRuns: 300 });
  });

  it('16-bit grey labels survive (Cityscapes ids such as 26001)', () => {
    const ids = [0, 26001, 26002, 24000, 7, 65535];
    const png = refPng({ width: 3, height: 2, bitDepth: 16, colorType: 0, sample: (x, y) => [ids[y * 3 + x]!] });
    const lm = decodeLabelMap(png);
    expect(lm.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(lm.data)).toEqual(ids);
  });

  it('palette indices, never the displayed colours, even with tRNS', () => {
    const palette = [[0, 0, 0], [255, 0, 0], [255, 0, 0], [0, 0, 0]];
    const png = refPng({ width: 4, height: 1, bitDepth: 2, colorType: 3, palette, trns: Uint8Array.of(0, 255, 0), sample: (x) => [x] });
    expect(Array.from(decodeLabelMap(png).data)).toEqual([0, 1, 2, 3]);
    expect(Array.from(decodeMask(png).toBitmap())).toEqual([0, 1, 1, 1]);
    // channel 'alpha' reads tRNS: index 2 is transparent, index 3 has no entry (opaque).
    expect(Array.from(decodeMask(png, { channel: 'alpha' }).toBitmap())).toEqual([0, 1, 0, 1]);
  });

  it('RGB: colours map to labels through options.colors; bgr packing; unknown colours', () => {
    const cols = [[0, 0, 0], [128, 0, 0], [0, 128, 0], [1, 2, 3]];
    const png = refPng({ width: 4, height: 3, bitDepth: 8, colorType: 2, sample: (x, y) => cols[(x + y) % 4]! });
    expect(Array.from(decodeLabelMap(png).data.subarray(0, 4))).toEqual([0, 128 << 16, 128 << 8, 0x010203]);
    expect(Array.from(decodeLabelMap(png, { rgbOrder: 'bgr' }).data.subarray(0, 4))).toEqual([0, 128, 128 << 8, 1 + 2 * 256 + 3 * 65536]);
    const colors = new Map<number, [number, number, number]>([[0, [0, 0, 0]], [7, [128, 0, 0]], [300, [0, 128, 0]], [2, [1, 2, 3]]]);
    const lm = decodeLabelMap(png, { colors });
    expect(lm.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(lm.data.subarray(0, 4))).toEqual([0, 7, 300, 2]);
    const partial = new Map<number, [number, number, number]>([[1, [128, 0, 0]]]);
    expectCode(() => decodeLabelMap(png, { colors: partial }), 'INVALID_TOKEN');
    const warnings: { code: string; count?: number }[] = [];
    const lm2 = decodeLabelMap(png, { colors: partial, unknownColor: 'background', warn: (w) => warnings.push(w) });
    expect(lm2.labels()).toEqual([1]);
    expect(warnings).toEqual([expect.objectContaining({ code: 'unknown-color', count: 6 })]); // black is background implicitly
  });

  it('transparent pixels are background in label maps unless asked to keep their colour', () => {
    const png = refPng({ width: 3, height: 2, bitDepth: 8, colorType: 6, sample: (x, y) => [x + 1, y, 0, x === 1 ? 0 : 255] });
    expect(Array.from(decodeLabelMap(png).data)).toEqual([0x010000, 0, 0x030000, 0x010100, 0, 0x030100]);
    expect(Array.from(decodeLabelMap(png, { transparent: 'keep' }).data)).toEqual([0x010000, 0x020000, 0x030000, 0x010100, 0x020100, 0x030100]);
  });

  it('threshold and channel options for anti-aliased masks', () => {
    const png = refPng({ width: 5, height: 2, bitDepth: 8, colorType: 4, sample: (x, y) => [y * 100, x * 60] });
    expect(Array.from(decodeMask(png).toBitmap())).toEqual([0, 1, 1, 1, 1, 0, 1, 1, 1, 1]);
    expect(Array.from(decodeMask(png, { threshold: 127 }).toBitmap())).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 1, 1]);
    expect(Array.from(decodeMask(png, { channel: 'value' }).toBitmap())).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expectCode(() => decodeMask(png, { channel: 'red' as never }), 'INVALID_OPTION');
  });
});

describe('encodeMask', () => {
  it('round-trips random non-square masks at 1 and 8 bits, and pngjs reads the same pixels', () => {
    fc.assert(fc.property(bitmapArb(), fc.constantFrom<[1 | 8, 1 | 255]>([1, 255], [8, 1], [8, 255]), ({ height, width, bits }, [bitDepth, foreground]) => {
      const m = Mask.fromBitmap(bits, { height, width });
      const png = encodeMask(m, { bitDepth, foreground });
      expect(readHeader(png)).toEqual({ width, height, bitDepth, colorType: 0, interlaced: false });
      const back = decodeMask(png);
      expect(back.equals(m)).toBe(true);
      expect(Array.from(decodeLabelMap(png).data)).toEqual(Array.from(bits, (b) => (b ? (bitDepth === 1 ? 1 : foreground) : 0)));
      const other = PNG.sync.read(Buffer.from(png));
      const red = Uint8Array.from({ length: height * width }, (_, i) => (other.data[i * 4]! > 0 ? 1 : 0));
      expect(red).toEqual(bits);
    }), { numRuns: 300 });
  });

  it('masks from column runs, first and last pixel, empty and full, widths around byte edges', () => {
    for (const [h, w] of [[3, 5], [5, 3], [1, 8], [8, 1], [2, 9], [9, 16], [4, 17]] as const) {
      const bits = new Uint8Array(h * w);
      bits[0] = 1;
      bits[h * w - 1] = 1;
      const m = Mask.fromRuns(Mask.fromBitmap(bits, { height: h, width: w }).runs('col'), { height: h, width: w }, 'col');
      expect(decodeMask(encodeMask(m)).toBitmap()).toEqual(bits);
      for (const x of [Mask.empty({ height: h, width: w }), Mask.full({ height: h, width: w })]) {
        expect(decodeMask(encodeMask(x)).equals(x)).toBe(true);
        expect(decodeMask(encodeMask(x, { bitDepth: 8 })).equals(x)).toBe(true);
      }
    }
  });

  it('rejects empty images and bad options', () => {
    expectCode(() => encodeMask(Mask.empty({ height: 0, width: 4 })), 'INVALID_SIZE');
    expectCode(() => encodeMask(Mask.empty({ height: 2, width: 4 }), { bitDepth: 4 as never }), 'INVALID_OPTION');
    expectCode(() => encodeMask(Mask.empty({ height: 2, width: 4 }), { bitDepth: 8, foreground: 7 as never }), 'INVALID_OPTION');
    expectCode(() => encodeMask({} as never), 'INVALID_OPTION');
  });
});

describe('encodeLabelMap', () => {
  const formats = ['palette', 'gray8', 'gray16', 'rgb'] as const;
  it('round-trips random label maps in every format', () => {
    fc.assert(fc.property(labelsArb(255), fc.constantFrom(...formats), ({ height, width, values }, format) => {
      const lm = LabelMap.fromArray(Uint8Array.from(values), { height, width });
      const png = encodeLabelMap(lm, { format });
      expect(Array.from(decodeLabelMap(png).data)).toEqual(values);
    }), { numRuns: 200 });
  });

  it('round-trips label maps of repeated rows (the equal-row path), word-aligned or not, 8-bit labels in 8- and 16-bit arrays', () => {
    // Rows drawn from a few distinct ones, so many equal the row above; widths multiple of 4 or not,
    // foreground at the first and last pixel, and empty and full maps.
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 40 }), fc.array(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 40, maxLength: 40 }), { minLength: 1, maxLength: 3 }),
      fc.array(fc.nat(2), { minLength: 24, maxLength: 24 }), fc.constantFrom('palette', 'gray8'), fc.boolean(), fc.constantFrom('rows', 'edges', 'empty', 'full'),
      (height, width, rows, pick, format, wide, kind) => {
        fc.pre(height !== width);
        const values = new Array<number>(height * width);
        for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
          values[y * width + x] = kind === 'empty' ? 0 : kind === 'full' ? 7 : rows[pick[y]! % rows.length]![x]!;
        }
        if (kind === 'edges') (values[0] = 255, values[height * width - 1] = 1);
        const lm = LabelMap.fromArray(wide ? Uint16Array.from(values) : Uint8Array.from(values), { height, width });
        expect(Array.from(decodeLabelMap(encodeLabelMap(lm, { format })).data)).toEqual(values);
      },
    ), { numRuns: 300 });
  });

  it('filters a row Up where it mostly equals the row above and None where it differs almost everywhere, and both decode', () => {
    // 9 rows of 44 labels: 0-2 equal, 3 changed at one mask edge, 4-5 noise, 6 = 5, 7 noise, 8 empty
    // (as unlike noise as noise is). 16-bit arrays take the plain path: Up everywhere.
    const height = 9, width = 44;
    const noise = (seed: number): number[] => Array.from({ length: width }, (_, x) => ((x * 7 + seed * 13) ^ (x >> 1)) % 3 === 0 ? 0 : 1 + ((x + seed) % 4));
    const base = Array.from({ length: width }, (_, x) => (x >= 10 && x < 30 ? 3 : 0));
    const edge = base.map((v, x) => (x >= 30 && x < 34 ? 3 : v));
    const rows = [base, base, base, edge, noise(1), noise(2), noise(2), noise(3), new Array<number>(width).fill(0)];
    const values = rows.flat();
    values[0] = 9; // foreground at the first pixel
    for (const wide of [false, true]) {
      const lm = LabelMap.fromArray(wide ? Uint16Array.from(values) : Uint8Array.from(values), { height, width });
      const png = encodeLabelMap(lm);
      const raw = readPng(png);
      expect(Array.from({ length: height }, (_, y) => raw.data[y * (width + 1)])).toEqual(wide ? [0, 2, 2, 2, 2, 2, 2, 2, 2] : [0, 2, 2, 2, 0, 0, 2, 0, 0]);
      expect(Array.from(decodeLabelMap(png).data)).toEqual(values);
    }
  });

  it('busy maps (noise: most rows unfiltered) read back on every path, never larger than their rows deflated as runs', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 60 }), fc.integer({ min: 8, max: 90 }), fc.integer({ min: 1, max: 1e9 }), fc.constantFrom(2, 4, 16), fc.constantFrom('palette', 'gray8'), (height, width, seed, labels, format) => {
      fc.pre(height !== width);
      let st = seed;
      const values = Array.from({ length: height * width }, () => ((st = (Math.imul(st, 1664525) + 1013904223) >>> 0) >>> 20) % labels);
      (values[0] = labels - 1, (values[height * width - 1] = 1));
      const png = encodeLabelMap(lm8(values, height, width), { format: format as 'palette' | 'gray8' });
      expect(Array.from(decodeLabelMap(png).data)).toEqual(values);
      useNativeZlib(false);
      try {
        expect(Array.from(decodeLabelMap(png).data)).toEqual(values);
      } finally {
        useNativeZlib(true);
      }
      if (format === 'gray8') {
        const other = PNG.sync.read(Buffer.from(png));
        expect(Array.from({ length: height * width }, (_, i) => other.data[i * 4]!)).toEqual(values);
      }
    }), { numRuns: 150 });
    // 1000 × 1000 noise: with two labels the ordinary deflate is kept (smaller), with four the runs' one.
    for (const labels of [2, 4]) {
      let st = 7;
      const noise = Uint8Array.from({ length: 1000 * 1000 }, () => ((st = (Math.imul(st, 1664525) + 1013904223) >>> 0) >>> 20) % labels);
      const png = encodeLabelMap(LabelMap.fromArray(noise, { height: 1000, width: 1000 }), { format: 'gray8' });
      const rows = new Uint8Array(1001 * 1000);
      for (let y = 0; y < 1000; y++) rows.set(noise.subarray(y * 1000, (y + 1) * 1000), y * 1001 + 1);
      const asRuns = deflateZlib(rows).length, idat = png.length - 57; // signature, IHDR, IDAT header and CRC, IEND
      if (labels === 2) expect(idat).toBeLessThan(asRuns * 0.95);
      else expect(idat).toBe(asRuns);
      expect(Buffer.from(decodeLabelMap(png).data).equals(noise)).toBe(true);
    }
  });

  it('writes the VOC palette by default, or the given one padded to the largest label', () => {
    const lm = LabelMap.fromArray(Uint8Array.of(0, 1, 15, 255), { height: 2, width: 2 });
    const png = encodeLabelMap(lm);
    const plte = chunks(png).find((c) => c.name === 'PLTE')!;
    expect(plte.length).toBe(768);
    const p = png.subarray(plte.offset + 8, plte.offset + 8 + 768);
    expect([...p.subarray(3, 6)]).toEqual([128, 0, 0]);
    expect([...p.subarray(45, 48)]).toEqual([192, 128, 128]); // person
    expect([...p.subarray(765, 768)]).toEqual([224, 224, 192]); // void
    expect(p).toEqual(vocPalette());
    const small = LabelMap.fromArray(Uint8Array.of(0, 1, 3, 1), { height: 1, width: 4 });
    const png2 = encodeLabelMap(small, { palette: [[1, 2, 3], [4, 5, 6]] });
    const c2 = chunks(png2).find((c) => c.name === 'PLTE')!;
    expect(c2.length).toBe(12);
    expect([...png2.subarray(c2.offset + 8, c2.offset + 14)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(decodeLabelMap(png2).data)).toEqual([0, 1, 3, 1]);
  });

  it('never wraps labels above 255 into 8 bits; 16-bit when allowed; RGB for 24-bit labels', () => {
    const lm = LabelMap.fromArray(Uint16Array.of(0, 26001, 255, 65535, 1, 2), { height: 2, width: 3 });
    expectCode(() => encodeLabelMap(lm), 'LIMIT_EXCEEDED');
    expectCode(() => encodeLabelMap(lm, { format: 'gray8' }), 'LIMIT_EXCEEDED');
    for (const png of [encodeLabelMap(lm, { allow16: true }), encodeLabelMap(lm, { format: 'gray16' })]) {
      expect(readHeader(png).bitDepth).toBe(16);
      expect(Array.from(decodeLabelMap(png).data)).toEqual([0, 26001, 255, 65535, 1, 2]);
    }
    const big = LabelMap.fromArray(Uint32Array.of(0, 0x123456, 70000, 1), { height: 2, width: 2 });
    expectCode(() => encodeLabelMap(big, { format: 'gray16' }), 'LIMIT_EXCEEDED');
    expect(Array.from(decodeLabelMap(encodeLabelMap(big, { format: 'rgb' })).data)).toEqual([0, 0x123456, 70000, 1]);
    expect(Array.from(decodeLabelMap(encodeLabelMap(big, { format: 'rgb', rgbOrder: 'bgr' }), { rgbOrder: 'bgr' }).data)).toEqual([0, 0x123456, 70000, 1]);
    expectCode(() => encodeLabelMap(LabelMap.fromArray(Uint32Array.of(1 << 24), { height: 1, width: 1 }), { format: 'rgb' }), 'LIMIT_EXCEEDED');
  });

  it('RGB with a colour table round-trips through the same table', () => {
    const colors = { 1: [10, 20, 30], 2: [200, 0, 0], 700: [0, 0, 9] } as const;
    const lm = LabelMap.fromArray(Uint16Array.of(0, 1, 2, 700, 700, 1), { height: 3, width: 2 });
    const png = encodeLabelMap(lm, { format: 'rgb', colors });
    expect(Array.from(decodeLabelMap(png, { colors }).data)).toEqual([0, 1, 2, 700, 700, 1]);
    expectCode(() => encodeLabelMap(LabelMap.fromArray(Uint8Array.of(3), { height: 1, width: 1 }), { format: 'rgb', colors }), 'INVALID_OPTION');
    expectCode(() => decodeLabelMap(png, { colors: { 1: [1, 1, 1], 2: [1, 1, 1] } }), 'INVALID_OPTION');
  });
});

describe('bad input', () => {
  const good = encodeMask(Mask.fromBitmap(Uint8Array.from({ length: 60 }, (_, i) => (i % 7 < 3 ? 1 : 0)), { height: 6, width: 10 }));

  function withChunk(png: Uint8Array, edit: (name: string, data: Uint8Array) => Uint8Array | null): Uint8Array {
    const parts = [png.subarray(0, 8)];
    for (const c of chunks(png)) {
      const data = png.subarray(c.offset + 8, c.offset + 8 + c.length);
      const next = edit(c.name, data);
      if (next) parts.push(chunk(c.name, next));
    }
    return concat(parts);
  }

  it('gives RleErrors with codes for each kind of damage', () => {
    expectCode(() => decodeMask(new TextEncoder().encode('not a png at all, sorry')), 'INVALID_STRUCTURE');
    expectCode(() => decodeMask(good.subarray(0, 20)), 'TRUNCATED');
    const badCrc = good.slice();
    const idat = chunks(good).find((c) => c.name === 'IDAT')!;
    badCrc[idat.offset + 8 + idat.length]! ^= 0xff;
    expect(expectCode(() => decodeMask(badCrc), 'CORRUPT').path).toEqual(['IDAT']);
    const noIend = good.subarray(0, good.length - 12);
    expectCode(() => decodeMask(noIend), 'TRUNCATED');
    const shortIdat = withChunk(good, (n, d) => (n === 'IDAT' ? d.subarray(0, d.length - 6) : d));
    expect(expectCode(() => decodeMask(shortIdat), 'TRUNCATED').path[0]).toBe('IDAT');
    expectCode(() => decodeMask(withChunk(good, (n, d) => (n === 'IDAT' ? null : d))), 'TRUNCATED');
    expectCode(() => decodeMask(withChunk(good, (n, d) => (n === 'IHDR' ? Uint8Array.from([...d.subarray(0, 8), 3, 0, 0, 0, 0]) : d))), 'INVALID_STRUCTURE');
    expectCode(() => decodeMask(withChunk(good, (n, d) => (n === 'IHDR' ? Uint8Array.from([...d.subarray(0, 12), 2]) : d))), 'INVALID_STRUCTURE');
    expectCode(() => decodeMask(withChunk(good, (n, d) => (n === 'IHDR' ? Uint8Array.from([0, 0, 0, 0, ...d.subarray(4)]) : d))), 'INVALID_STRUCTURE');
    const withCritical = concat([good.subarray(0, 33), chunk('ABCD', Uint8Array.of(1)), good.subarray(33)]);
    expectCode(() => decodeMask(withCritical), 'UNSUPPORTED');
    const withAncillary = concat([good.subarray(0, 33), chunk('tEXt', new TextEncoder().encode('a\0b')), good.subarray(33)]);
    expect(decodeMask(withAncillary).equals(decodeMask(good))).toBe(true);
    // Palette image without PLTE.
    const pal = refPng({ width: 2, height: 2, bitDepth: 8, colorType: 3, palette: [[0, 0, 0]], sample: () => [0] });
    expectCode(() => decodeLabelMap(withChunk(pal, (n, d) => (n === 'PLTE' ? null : d))), 'INVALID_STRUCTURE');
    // A scanline filter type above 4.
    const badFilter = refPng({ width: 3, height: 2, bitDepth: 8, colorType: 0, sample: () => [1], filter: (k) => (k === 1 ? 7 : 0) });
    expectCode(() => decodeMask(badFilter), 'CORRUPT');
    // The same through the label-map path, which unfilters in place (8-bit grey and palette, 16-bit grey).
    expectCode(() => decodeLabelMap(badFilter), 'CORRUPT');
    expectCode(() => decodeLabelMap(refPng({ width: 5, height: 3, bitDepth: 8, colorType: 3, palette: [[0, 0, 0], [9, 9, 9]], sample: () => [1], filter: (k) => (k === 2 ? 5 : 2) })), 'CORRUPT');
    expectCode(() => decodeLabelMap(refPng({ width: 3, height: 4, bitDepth: 16, colorType: 0, sample: () => [300], filter: (k) => (k === 0 ? 9 : 1) })), 'CORRUPT');
  });

  it('label maps read in place: truncated or mutated files give only RleErrors, and a cut one says where', () => {
    const values = Array.from({ length: 23 * 41 }, (_, i) => ((i * 7) % 11 < 3 ? 0 : 1 + (i % 5)));
    const png = encodeLabelMap(LabelMap.fromArray(Uint8Array.from(values), { height: 23, width: 41 }));
    const cut = png.subarray(0, png.length - 20);
    const e = (() => { try { decodeLabelMap(cut); } catch (err) { return err as RleError; } })();
    expect(e?.code).toBe('TRUNCATED');
    expect(e?.offset).toBeTypeOf('number');
    fc.assert(fc.property(fc.integer({ min: 0, max: png.length }), fc.integer({ min: 0, max: png.length - 1 }), fc.integer({ min: 1, max: 255 }), (n, at, x) => {
      const mutated = png.slice();
      mutated[at]! ^= x;
      for (const input of [png.subarray(0, n), mutated]) {
        try {
          decodeLabelMap(input);
        } catch (err) {
          expect((err as Error).name).toBe('RleError');
        }
      }
    }), { numRuns: 300 });
  });

  it('checks the header against maxPixels before inflating (a small file claiming 100k x 100k)', () => {
    const huge = withChunk(good, (n, d) => {
      if (n !== 'IHDR') return n === 'IDAT' ? Uint8Array.of(1, 2, 3) : d; // the data is garbage: never reached
      const out = d.slice();
      new DataView(out.buffer).setUint32(0, 100_000);
      new DataView(out.buffer).setUint32(4, 100_000);
      return out;
    });
    expect(huge.length).toBeLessThan(100);
    expectCode(() => decodeMask(huge), 'LIMIT_EXCEEDED');
    expectCode(() => decodeLabelMap(huge), 'LIMIT_EXCEEDED');
    expectCode(() => decodeMask(good, { maxPixels: 59 }), 'LIMIT_EXCEEDED');
    // Within maxPixels but far more scanline bytes than 3 bytes of deflate can make: refused before allocating.
    const rgba16 = withChunk(huge, (n, d) => {
      if (n !== 'IHDR') return d;
      const out = d.slice();
      new DataView(out.buffer).setUint32(0, 8000);
      new DataView(out.buffer).setUint32(4, 8000);
      out[8] = 16;
      out[9] = 6;
      return out;
    });
    expect(expectCode(() => decodeMask(rgba16), 'TRUNCATED').path).toEqual(['IDAT']);
    // The bound is not too tight: an all-zero image compresses close to it and still decodes.
    const zeros = encodeMask(Mask.empty({ height: 3000, width: 4000 }), { bitDepth: 8 });
    expect(decodeMask(zeros).isEmpty()).toBe(true);
    expect(decodeMask(good, { maxPixels: 60 }).pixels).toBe(60);
  });

  it('never throws anything but RleError on truncated or mutated files', () => {
    const rich = refPng({ width: 13, height: 7, bitDepth: 8, colorType: 6, interlaced: true, sample: (x, y) => [x * 9, y * 30, 7, (x * y) & 255] });
    fc.assert(fc.property(fc.integer({ min: 0, max: rich.length }), fc.integer({ min: 0, max: rich.length - 1 }), fc.integer({ min: 1, max: 255 }), (cut, at, x) => {
      const mutated = rich.slice();
      mutated[at]! ^= x;
      for (const input of [rich.subarray(0, cut), mutated]) {
        for (const fn of [() => decodeMask(input), () => decodeLabelMap(input)]) {
          try {
            fn();
          } catch (e) {
            expect((e as Error).name).toBe('RleError');
          }
        }
      }
    }), { numRuns: 300 });
  });
});
