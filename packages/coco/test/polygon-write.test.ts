import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mask, polygonize, type MaskDataset, type RleWarning } from '@rlekit/core';
import { dialect } from '../src/index.js';

const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function dataset(masks: Mask[]): MaskDataset {
  const { height, width } = masks[0]!;
  return {
    images: [{ id: 1, height, width }],
    categories: [{ id: 1, name: 'thing' }],
    annotations: masks.map((mask, i) => ({ id: i + 1, imageId: 1, categoryId: 1, mask })),
  };
}

const maskArb = fc
  .record({ height: fc.integer({ min: 1, max: 16 }), width: fc.integer({ min: 1, max: 16 }), density: fc.constantFrom(0.2, 0.5, 0.8) })
  .filter(({ height, width }) => height !== width)
  .chain(({ height, width, density }) =>
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: height * width, maxLength: height * width })
      .map((r) => Mask.fromBitmap(r.map((x) => (x < density ? 1 : 0)), { height, width })));

function ring(rows: string[]): Mask {
  return Mask.fromBitmap(Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0)), { height: rows.length, width: rows[0]!.length });
}

describe('COCO writer: segmentation rle | polygons | auto', () => {
  it('polygons: every mask, holes and all, reads back pixel for pixel (holes bridged)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(maskArb, { minLength: 1, maxLength: 3 }).filter((ms) => ms.every((m) => m.height === ms[0]!.height && m.width === ms[0]!.width)), async (masks) => {
        const warnings: RleWarning[] = [];
        const bytes = await dialect.write(dataset(masks), { segmentation: 'polygons' }, { warn: (w) => warnings.push(w) });
        const json = JSON.parse(dec(bytes));
        json.annotations.forEach((a: { segmentation: unknown }, i: number) => expect(Array.isArray(a.segmentation)).toBe(!masks[i]!.isEmpty()));
        const back = await dialect.read(bytes);
        back.annotations.forEach((a, i) => expect(a.mask.equals(masks[i]!)).toBe(true));
        expect(warnings.filter((w) => w.code === 'not-carried')).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('auto: polygons where there are no holes, RLE where there are', async () => {
    const plain = ring(['##....', '##..#.', '.....#']);
    const holed = ring(['###...', '#.#...', '###...']);
    const json = JSON.parse(dec(await dialect.write(dataset([plain, holed]), { segmentation: 'auto' })));
    expect(json.annotations[0].segmentation).toEqual(polygonize(plain).map((p) => p.outer));
    expect(json.annotations[1].segmentation.counts).toBeTypeOf('string');
    const rle = JSON.parse(dec(await dialect.write(dataset([plain, holed]), {})));
    expect(rle.annotations[0].segmentation.counts).toBeTypeOf('string');
  });

  it('polygonHoles fill drops holes and says how much changed', async () => {
    const holed = ring(['###...', '#.#...', '###...']);
    const warnings: RleWarning[] = [];
    const bytes = await dialect.write(dataset([holed]), { segmentation: 'polygons', polygonHoles: 'fill' }, { warn: (w) => warnings.push(w) });
    expect(JSON.parse(dec(bytes)).annotations[0].segmentation).toEqual([[0, 0, 3, 0, 3, 3, 0, 3]]);
    const lost = warnings.filter((w) => w.code === 'not-carried');
    expect(lost).toHaveLength(1);
    expect(lost[0]!.message).toContain('1 pixels changed, worst IoU 0.888889');
    const back = await dialect.read(bytes);
    expect(back.annotations[0]!.mask.area()).toBe(9);
  });

  it('rejects an unknown segmentation value', async () => {
    await expect(dialect.write(dataset([ring(['#.'])]), { segmentation: 'mesh' as 'rle' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});
