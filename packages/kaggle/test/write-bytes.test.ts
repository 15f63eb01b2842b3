/**
 * The Kaggle writer writes rows as bytes (encodeInto straight into one buffer) and unites an
 * image's masks with Mask.unionAll. Checked here against references that share neither: encode's
 * text, and the union and the CSV row built per pixel and per field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mask, TextOut, type MaskDataset } from '@rlekit/core';
import { encodeInto } from '../src/codec.js';
import { csvField } from '../src/csv.js';
import { dialect, encode, presets, type Preset } from '../src/index.js';

const rlePresets = Object.values(presets).filter((p) => p.encoding !== 'open-images') as Preset[];
const relative = { ...rlePresets.find((p) => p.order === 'row')!, id: 'relative-test', pairing: 'relative' as const };

// Non-square masks: random, empty, full, and foreground at the first and last pixel.
const maskOf = (height: number, width: number) => fc.record({ bits: fc.array(fc.boolean(), { minLength: height * width, maxLength: height * width }), kind: fc.constantFrom('random', 'random', 'empty', 'full', 'ends') })
  .map(({ bits, kind }) => Mask.fromBitmap(bits.map((b, i) => (kind === 'empty' ? 0 : kind === 'full' ? 1 : kind === 'ends' ? +(i === 0 || i === bits.length - 1) : +b)), { height, width }));
const sizeArb = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })).filter(([h, w]) => h !== w);

describe('Kaggle writer: rows as bytes', () => {
  it('encodeInto writes encode\'s text for every RLE preset (and relative pairing), nothing for an empty mask', () => {
    fc.assert(fc.property(sizeArb.chain(([h, w]) => maskOf(h, w)), fc.constantFrom(...rlePresets, relative), (mask, p) => {
      const out = new TextOut(2);
      out.ascii('x');
      const wrote = encodeInto(out, mask, p);
      const text = new TextDecoder().decode(out.take());
      expect(wrote).toBe(!mask.isEmpty());
      expect(text).toBe(mask.isEmpty() ? 'x' : `x${encode(mask, p)}`);
    }), { numRuns: 1500 });
  });

  it('Mask.unionAll is the per-pixel OR of any masks of one size, whatever order each was made in', () => {
    fc.assert(fc.property(sizeArb.chain(([h, w]) => fc.tuple(fc.constant({ height: h, width: w }), fc.array(fc.tuple(maskOf(h, w), fc.boolean()), { maxLength: 9 }))), ([size, entries]) => {
      // Some masks have their row runs cached only: the union goes in the order most have.
      const masks = entries.map(([m, row]) => (row ? Mask.fromRuns(m.runs('row'), size, 'row') : m));
      const or = new Uint8Array(size.height * size.width);
      for (const m of masks) m.toBitmap('row').forEach((v, i) => (or[i] = or[i]! | v));
      const u = Mask.unionAll(masks, size);
      expect(Array.from(u.toBitmap('row'))).toEqual(Array.from(or));
      expect(Array.from(u.runs('col'))).toEqual(Array.from(Mask.fromBitmap(or, size).runs('col')));
    }), { numRuns: 800 });
    expect(() => Mask.unionAll([Mask.empty({ height: 2, width: 3 })], { height: 3, width: 2 })).toThrow(expect.objectContaining({ code: 'SIZE_MISMATCH' }));
  });

  it('a one-row-per-image preset writes each image\'s per-pixel union as encode\'s text, ids quoted as CSV quotes them', async () => {
    const ids = fc.constantFrom('a.jpg', 'b,c.jpg', 'd"e.png', 'f\ng.jpg', 'h.jpg', 'é.jpg');
    const datasetArb = sizeArb.chain(([h, w]) => fc.uniqueArray(ids, { minLength: 1, maxLength: 5 }).chain((names) =>
      fc.array(fc.tuple(fc.integer({ min: 0, max: names.length - 1 }), maskOf(h, w)), { maxLength: 12 }).map((anns): MaskDataset => ({
        images: names.map((fileName, i) => ({ id: i + 1, fileName, height: h, width: w })),
        categories: [],
        annotations: anns.map(([i, mask], k) => ({ id: k + 1, imageId: i + 1, mask })),
      }))));
    await fc.assert(fc.asyncProperty(datasetArb, async (d) => {
      const p = presets['carvana-image-masking']!;
      const got = new TextDecoder().decode(await dialect.write(d, { preset: p.id }));
      const lines = [p.csv.columns.join(',')];
      for (const im of d.images) {
        const or = new Uint8Array(im.height * im.width);
        for (const a of d.annotations) if (a.imageId === im.id) a.mask.toBitmap('row').forEach((v, i) => (or[i] = or[i]! | v));
        lines.push(`${csvField(im.fileName!)},${csvField(encode(Mask.fromBitmap(or, im), p))}`);
      }
      expect(got).toBe(`${lines.join('\n')}\n`);
    }), { numRuns: 300 });
  });

  it('a mask of more runs than one piece holds is streamed between its row\'s fields, the same bytes', async () => {
    // 2^17 + runs: a 600 × 500 mask of alternating pixels in row order has 150,000 foreground runs.
    const size = { height: 600, width: 501 };
    const bits = new Uint8Array(size.height * size.width).map((_, i) => i & 1);
    const mask = Mask.fromBitmap(bits, size);
    const small = Mask.fromBitmap(new Uint8Array(size.height * size.width).map((_, i) => +(i === 7)), size);
    const d: MaskDataset = { images: [{ id: 1, fileName: 'x,1.jpg', ...size }, { id: 2, fileName: 'y.jpg', ...size }], categories: [], annotations: [{ id: 1, imageId: 1, mask }, { id: 2, imageId: 2, mask: small }] };
    const p = presets['carvana-image-masking']!;
    const got = new TextDecoder().decode(await dialect.write(d, { preset: p.id }));
    expect(got).toBe(`img,rle_mask\n"x,1.jpg",${encode(mask, p)}\ny.jpg,8 1\n`);
  });
});
