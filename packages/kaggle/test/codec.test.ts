import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask, RleError, type RleWarning } from '@rlekit/core';
import { decode, encode, getPreset, presetIds, presets, type Preset } from '../src/index.js';

const size = (height: number, width: number) => ({ height, width });

import { expectCode } from '../../core/test/support.js';

/** A random non-square bitmap (row-major), with densities from empty to full. */
const bitmapArb = fc
  .record({ height: fc.integer({ min: 1, max: 23 }), width: fc.integer({ min: 1, max: 23 }), density: fc.constantFrom(0, 0.05, 0.5, 0.95, 1) })
  .filter(({ height, width }) => height !== width)
  .chain(({ height, width, density }) =>
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: height * width, maxLength: height * width })
      .map((r) => ({ height, width, bits: Uint8Array.from(r, (x) => (x < density ? 1 : 0)) })));

/** Naive reference encoder: flatten the bitmap pixel by pixel in the preset's order and write the runs. */
function naiveEncode(bits: Uint8Array, height: number, width: number, p: Preset): string {
  const flat: number[] = [];
  if (p.order === 'row') for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) flat.push(bits[y * width + x]!);
  else for (let x = 0; x < width; x++) for (let y = 0; y < height; y++) flat.push(bits[y * width + x]!);
  const tokens: number[] = [];
  let prevEnd = -1;
  for (let i = 0; i < flat.length; i++) {
    if (flat[i] && (i === 0 || !flat[i - 1])) {
      let j = i;
      while (j < flat.length && flat[j]) j++;
      if (p.pairing === 'relative') tokens.push(prevEnd < 0 ? i + p.base : i - prevEnd, j - i);
      else tokens.push(i + p.base, j - i);
      prevEnd = j;
    }
  }
  return tokens.length === 0 ? p.empty : tokens.join(' ');
}

// Start/length presets; the Open Images ones (base64 zlib COCO strings) are tested in open-images.test.ts.
const startLengthIds = presetIds.filter((id) => presets[id]!.encoding === undefined);
const presetArb = fc.constantFrom(...startLengthIds);

describe('encode / decode properties (random non-square masks, every preset)', () => {
  it('encode equals a naive per-pixel encoder and decode inverts it', () => {
    fc.assert(
      fc.property(bitmapArb, presetArb, ({ height, width, bits }, id) => {
        const p = getPreset(id);
        const mask = Mask.fromBitmap(bits, size(height, width));
        const text = encode(mask, id);
        expect(text).toBe(naiveEncode(bits, height, width, p));
        const back = decode(text, size(height, width), id);
        expect(back.toBitmap('row')).toEqual(bits);
      }),
      { numRuns: 400 },
    );
  });

  it('decoding with the other order gives a different mask whenever the mask is not order-symmetric', () => {
    fc.assert(
      fc.property(bitmapArb, ({ height, width, bits }) => {
        const mask = Mask.fromBitmap(bits, size(height, width));
        const text = encode(mask, 'airbus-ship-detection');
        const asRow = decode(text, size(height, width), { ...presets['airbus-ship-detection']!, order: 'row' });
        const sameFlat = encode(mask, { ...presets['airbus-ship-detection']!, order: 'row' }) === text;
        expect(asRow.equals(mask)).toBe(sameFlat);
      }),
    );
  });

  it('column-major presets keep column runs: the decoded mask holds exactly the runs written', () => {
    fc.assert(
      fc.property(bitmapArb, ({ height, width, bits }) => {
        const mask = Mask.fromBitmap(bits, size(height, width));
        const m = decode(encode(mask, 'tgs-salt-identification'), size(height, width), 'tgs-salt-identification');
        expect([...m.runsView('col')]).toEqual([...mask.runs('col')]);
      }),
    );
  });

  it('lenient decoding of split, shuffled, padded runs gives the same mask and reports the merges', () => {
    fc.assert(
      fc.property(bitmapArb, fc.constantFrom(...startLengthIds.filter((id) => presets[id]!.pairing === 'absolute')), fc.nat(), ({ height, width, bits }, id, seed) => {
        const p = getPreset(id);
        const mask = Mask.fromBitmap(bits, size(height, width));
        const pairs: [number, number][] = [];
        const tokens = encode(mask, id) === p.empty ? [] : encode(mask, id).split(' ').map(Number);
        for (let k = 0; k < tokens.length; k += 2) {
          const s = tokens[k]!, l = tokens[k + 1]!;
          if (l > 1) pairs.push([s, 1], [s + 1, l - 1]);
          else pairs.push([s, l]);
        }
        // Rotate the pair list and repeat one pair: out of order and overlapping.
        const r = pairs.length === 0 ? 0 : seed % pairs.length;
        const messy = [...pairs.slice(r), ...pairs.slice(0, r), ...(pairs.length ? [pairs[0]!] : [])];
        const text = `  ${messy.map(([s, l]) => `${s}\t${l}`).join('  \n ')} `;
        const warnings: RleWarning[] = [];
        const back = decode(text, size(height, width), id, { lenient: true, warn: (w) => warnings.push(w) });
        expect(back.equals(mask)).toBe(true);
        if (messy.length > tokens.length / 2) expect(warnings.map((w) => w.code)).toContain('merged-runs');
      }),
    );
  });
});

describe('edges', () => {
  const h = 3, w = 5;
  it('empty and full masks in every preset', () => {
    for (const id of startLengthIds) {
      const p = getPreset(id);
      expect(encode(Mask.empty(size(h, w)), id)).toBe(p.empty);
      expect(decode(p.empty, size(h, w), id).isEmpty()).toBe(true);
      const full = encode(Mask.full(size(h, w)), id);
      expect(full).toBe(p.pairing === 'relative' ? `${p.base} 15` : `${p.base} 15`);
      expect(decode(full, size(h, w), id).area()).toBe(15);
    }
  });

  it('foreground at the first and last pixel', () => {
    const bits = new Uint8Array(h * w);
    bits[0] = 1;
    bits[h * w - 1] = 1;
    const m = Mask.fromBitmap(bits, size(h, w));
    expect(encode(m, 'airbus-ship-detection')).toBe('1 1 15 1');
    expect(encode(m, 'carvana-image-masking')).toBe('1 1 15 1');
    expect(encode(m, 'siim-acr-pneumothorax')).toBe('0 1 13 1');
    expect(decode('0 1 13 1', size(h, w), 'siim-acr-pneumothorax').equals(m)).toBe(true);
  });

  it('"1 1" is one pixel, not an empty mask; "1 0" is empty only for SenNet', () => {
    expect(decode('1 1', size(h, w), 'tgs-salt-identification').area()).toBe(1);
    expect(decode('1 0', size(h, w), 'sennet-hoa-vasculature').isEmpty()).toBe(true);
    expectCode(() => decode('1 0', size(h, w), 'vesuvius-ink-detection'), 'INVALID_INTERVALS');
    const warnings: RleWarning[] = [];
    expect(decode('1 0', size(h, w), 'vesuvius-ink-detection', { lenient: true, warn: (x) => warnings.push(x) }).isEmpty()).toBe(true);
    expect(warnings[0]?.code).toBe('zero-length-runs');
  });

  it('row and column presets place a non-square pixel differently', () => {
    // Pixel (row 0, col 1) of a 3x5 image: column-major index 3, row-major index 1.
    const m = decode('4 1', size(h, w), 'airbus-ship-detection');
    expect(m.toBitmap('row')[1]).toBe(1);
    const r = decode('2 1', size(h, w), 'carvana-image-masking');
    expect(r.toBitmap('row')[1]).toBe(1);
  });

  it('a blank cell is an empty mask in every preset', () => {
    for (const id of startLengthIds) expect(decode('', size(2, 7), id).isEmpty()).toBe(true);
  });

  it('touching runs are accepted strictly and reported as merged', () => {
    const warnings: RleWarning[] = [];
    const m = decode('1 2 3 2', size(h, w), 'airbus-ship-detection', { warn: (x) => warnings.push(x) });
    expect([...m.runs('col')]).toEqual([0, 4, 11]);
    expect(warnings).toEqual([expect.objectContaining({ code: 'merged-runs', count: 1 })]);
  });
});

describe('strict decoding rejects bad input with the token named', () => {
  const s = size(4, 6);
  it.each([
    ['1 3 x', 'INVALID_TOKEN'],
    ['1 3 -2 1', 'INVALID_TOKEN'],
    ['1.5 3', 'INVALID_TOKEN'],
    ['1  3', 'INVALID_TOKEN'],
    [' 1 3', 'INVALID_TOKEN'],
    ['1 3 ', 'INVALID_TOKEN'],
    ['1\t3', 'INVALID_TOKEN'],
    ['1 3 7', 'TRUNCATED'],
    ['0 3', 'INVALID_INTERVALS'],
    ['5 2 3 1', 'INVALID_INTERVALS'],
    ['1 4 3 2', 'INVALID_INTERVALS'],
    ['20 6', 'INVALID_INTERVALS'],
    ['1 0', 'INVALID_INTERVALS'],
    ['99999999999999999999 1', 'INVALID_INTERVALS'],
    ['-1', 'INVALID_TOKEN'],
    ['-', 'INVALID_TOKEN'],
  ])('%j → %s', (text, code) => {
    expectCode(() => decode(text, s, 'airbus-ship-detection'), code);
  });

  it('errors carry the character offset', () => {
    const e = expectCode(() => decode('1 3 7 x', s, 'airbus-ship-detection'), 'INVALID_TOKEN');
    expect(e.offset).toBe(6);
    expect(e.message).toMatch(/Token 3/);
  });

  it('relative pairing: offsets past the end and truncation', () => {
    expectCode(() => decode('20 3 2 5', s, 'siim-acr-pneumothorax'), 'INVALID_INTERVALS');
    expectCode(() => decode('2 1 2', s, 'siim-acr-pneumothorax'), 'TRUNCATED');
    // -1 is SIIM's empty text, and only SIIM's.
    expect(decode('-1', s, 'siim-acr-pneumothorax').isEmpty()).toBe(true);
    expect(decode('-', s, 'google-contrails').isEmpty()).toBe(true);
    expectCode(() => decode('-', s, 'siim-acr-pneumothorax'), 'INVALID_TOKEN');
  });

  it('sizes and presets are checked before anything is built', () => {
    expectCode(() => decode('1 1', size(-1, 3), 'airbus-ship-detection'), 'INVALID_SIZE');
    expectCode(() => decode('1 1', size(100000, 100000), 'airbus-ship-detection'), 'INVALID_SIZE');
    expectCode(() => decode('1 1', size(1000, 1000), 'airbus-ship-detection', { maxPixels: 1000 }), 'LIMIT_EXCEEDED');
    expectCode(() => decode('1 1', s, 'no-such-competition'), 'INVALID_OPTION');
    expectCode(() => decode('1 1', s, { order: 'diagonal' } as unknown as Preset), 'INVALID_OPTION');
    expectCode(() => encode(Mask.empty(s), 'nope'), 'INVALID_OPTION');
  });

  it('lenient still refuses what it cannot carry', () => {
    expectCode(() => decode('1 3 x', s, 'airbus-ship-detection', { lenient: true }), 'INVALID_TOKEN');
    expectCode(() => decode('20 6', s, 'airbus-ship-detection', { lenient: true }), 'INVALID_INTERVALS');
    expectCode(() => decode('1 3 5', s, 'airbus-ship-detection', { lenient: true }), 'TRUNCATED');
  });
});

describe('presets', () => {
  it('every competition in the notes is a preset, each with a source', () => {
    for (const id of [
      'airbus-ship-detection', 'tgs-salt-identification', 'severstal-steel-defect', 'carvana-image-masking', 'siim-acr-pneumothorax',
      'uw-madison-gi-tract', 'sartorius-cell-instance', 'sennet-hoa-vasculature', 'google-contrails', 'vesuvius-ink-detection',
      'data-science-bowl-2018', 'ultrasound-nerve-segmentation', 'understanding-clouds', 'hubmap-kidney-segmentation',
      'hubmap-organ-segmentation', 'imaterialist-fashion-2019',
    ]) {
      expect(presets[id]?.source.length).toBeGreaterThan(20);
    }
  });

  it('a custom preset object works like a named one', () => {
    const custom: Preset = { ...getPreset('airbus-ship-detection'), id: 'mine', order: 'row', base: 0, empty: 'none' };
    const m = Mask.fromBitmap(Uint8Array.of(0, 1, 1, 0, 0, 1), size(2, 3));
    expect(encode(m, custom)).toBe('1 2 5 1');
    expect(encode(Mask.empty(size(2, 3)), custom)).toBe('none');
    expect(decode('1 2 5 1', size(2, 3), custom).equals(m)).toBe(true);
  });
});

describe('the worked examples of docs/dialects/kaggle.md and the README', () => {
  // . # #
  // . . #
  const m = Mask.fromBitmap(Uint8Array.of(0, 1, 1, 0, 0, 1), size(2, 3));
  it('order, base, pairing, empty', () => {
    expect(encode(m, 'airbus-ship-detection')).toBe('3 1 5 2');
    expect(encode(m, 'carvana-image-masking')).toBe('2 2 6 1');
    expect(encode(m, { ...getPreset('airbus-ship-detection'), base: 0 })).toBe('2 1 4 2');
    expect(encode(m, 'siim-acr-pneumothorax')).toBe('2 1 1 2');
    expect(encode(Mask.empty(m.size), 'sennet-hoa-vasculature')).toBe('1 0');
    expect(decode('3  1 5 2 ', m.size, 'airbus-ship-detection', { lenient: true }).equals(m)).toBe(true);
  });

  it('huge masks are encoded from runs, with flat indices past 2^31', () => {
    const big = size(65536, 65535);
    const last = big.height * big.width - 1;
    const mm = Mask.fromIntervals([0, last], [1, 1], big, 'row');
    expect(encode(mm, 'carvana-image-masking')).toBe(`1 1 ${last + 1} 1`);
    expect(decode(`1 1 ${last + 1} 1`, big, 'carvana-image-masking').equals(mm)).toBe(true);
  });
});

it('presets is a list that is also indexed by id', () => {
  expect(presets.length).toBe(presetIds.length);
  expect(presets.map((p) => p.id)).toEqual(presetIds);
  expect(Object.values(presets).length).toBe(presetIds.length);
  expect(presets['google-contrails']!.empty).toBe('-');
  expect([...presets].every((p) => p === getPreset(p.id))).toBe(true);
});

it('decode also takes the size as two numbers', () => {
  const m = decode('2 2 6 1', 2, 3, 'carvana-image-masking');
  expect(m.equals(decode('2 2 6 1', size(2, 3), 'carvana-image-masking'))).toBe(true);
  expect(m.height).toBe(2);
  expectCode(() => decode('1 1', undefined as never, 'carvana-image-masking'), 'INVALID_SIZE');
});

describe('lenient decoding reports runs it puts in order', () => {
  // 3x5, column-major (airbus): 1-based starts.
  const s = size(3, 5);
  it('pairs out of order that neither touch nor overlap are sorted and reported with a count', () => {
    const warnings: RleWarning[] = [];
    const m = decode('13 1 10 1 7 1 1 2', s, 'airbus-ship-detection', { lenient: true, warn: (x) => warnings.push(x) });
    expect(m.equals(decode('1 2 7 1 10 1 13 1', s, 'airbus-ship-detection'))).toBe(true);
    expect(warnings).toEqual([expect.objectContaining({ code: 'reordered-runs', count: 3 })]);
    // Only the pairs that start before the pair read before them count.
    const two: RleWarning[] = [];
    decode('7 1 1 2 13 1 10 1', s, 'airbus-ship-detection', { lenient: true, warn: (x) => two.push(x) });
    expect(two).toEqual([expect.objectContaining({ code: 'reordered-runs', count: 2 })]);
  });

  it('ascending pairs (with any whitespace) are not reported', () => {
    const warnings: RleWarning[] = [];
    decode(' 1 2\t7 1\n10 1  13 1 ', s, 'airbus-ship-detection', { lenient: true, warn: (x) => warnings.push(x) });
    expect(warnings).toEqual([]);
  });

  it('pairs out of order that also overlap are reported both ways', () => {
    const warnings: RleWarning[] = [];
    decode('3 2 1 3', s, 'airbus-ship-detection', { lenient: true, warn: (x) => warnings.push(x) });
    expect(warnings.map((w) => [w.code, w.count])).toEqual([['reordered-runs', 1], ['merged-runs', 1]]);
  });
});

describe('encode writes every number exactly', () => {
  it('starts and lengths of 1 to 10 digits, below and above 2^31, as String() writes them', () => {
    // A 3 × 1,431,655,765 mask (4,294,967,295 pixels, the most a mask has): starts reach 2^32 - 1.
    const size = { height: 3, width: 1431655765 }, total = 3 * 1431655765;
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: total - 1 }), { minLength: 1, maxLength: 12 }), fc.nat({ max: 9 }), (cuts, scale) => {
      // Sorted cut points, alternately a start and an end: intervals of lengths of every magnitude.
      const at = [...cuts].sort((a, b) => a - b).map((c) => Math.floor(c / 10 ** scale) * 10 ** scale);
      const points = [...new Set(at)];
      const starts: number[] = [], lengths: number[] = [];
      for (let k = 0; k + 1 < points.length; k += 2) (starts.push(points[k]!), lengths.push(points[k + 1]! - points[k]!));
      if (points.length % 2 === 1) (starts.push(points.at(-1)!), lengths.push(total - points.at(-1)!));
      const mask = Mask.fromIntervals(starts, lengths, size, 'row');
      const expected = starts.map((s, k) => `${s + 1} ${lengths[k]}`).join(' ');
      expect(encode(mask, 'carvana-image-masking')).toBe(expected);
    }), { seed: 11, numRuns: 300 });
    expect(encode(Mask.fromIntervals([0, 10, 100, 4294967294], [9, 89, 899, 1], size, 'row'), 'carvana-image-masking')).toBe('1 9 11 89 101 899 4294967295 1');
  });
});
