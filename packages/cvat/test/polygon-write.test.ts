import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mask, components, type MaskDataset, type RleWarning } from '@rlekit/core';
import { dialect } from '../src/index.js';

function dataset(masks: Mask[]): MaskDataset {
  const { height, width } = masks[0]!;
  return {
    images: [{ id: 0, height, width }],
    categories: [{ id: 1, name: 'thing' }],
    annotations: masks.map((mask, i) => ({ id: i + 1, imageId: 0, categoryId: 1, mask })),
  };
}

const maskArb = fc
  .record({ height: fc.integer({ min: 1, max: 14 }), width: fc.integer({ min: 1, max: 14 }), density: fc.constantFrom(0.2, 0.6, 0.9) })
  .filter(({ height, width }) => height !== width)
  .chain(({ height, width, density }) =>
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: height * width, maxLength: height * width })
      .map((r) => Mask.fromBitmap(r.map((x) => (x < density ? 1 : 0)), { height, width })));

const ring = (rows: string[]) => Mask.fromBitmap(Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0)), { height: rows.length, width: rows[0]!.length });

describe('CVAT writer: shapes polygon', () => {
  it('writes one <polygon> per part that reads back as that part, pixel for pixel (holes bridged)', async () => {
    await fc.assert(
      fc.asyncProperty(maskArb, async (mask) => {
        const warnings: RleWarning[] = [];
        const xml = await dialect.write(dataset([mask]), { shapes: 'polygon' }, { warn: (w) => warnings.push(w) });
        const text = new TextDecoder().decode(xml);
        expect(text.includes('<mask ')).toBe(false);
        const back = await dialect.read(xml);
        const parts = components(mask);
        expect(back.annotations.length).toBe(parts.length);
        back.annotations.forEach((a, i) => expect(a.mask.equals(parts[i]!)).toBe(true));
        expect(warnings.some((w) => w.code === 'not-carried' && w.message.includes('one <polygon> per part'))).toBe(parts.length > 1);
      }),
      { numRuns: 60 },
    );
  });

  it('reports holes: bridged (exact) by default, filled with pixels and IoU on request', async () => {
    const holed = ring(['###.', '#.#.', '###.']);
    const w1: RleWarning[] = [];
    const back = await dialect.read(await dialect.write(dataset([holed]), { shapes: 'polygon' }, { warn: (w) => w1.push(w) }));
    expect(back.annotations[0]!.mask.equals(holed)).toBe(true);
    expect(w1.filter((w) => w.code === 'holes-bridged').map((w) => w.count)).toEqual([1]);
    const w2: RleWarning[] = [];
    const xml = await dialect.write(dataset([holed]), { shapes: 'polygon', polygonHoles: 'fill' }, { warn: (w) => w2.push(w) });
    expect(new TextDecoder().decode(xml)).toContain('points="0,0;3,0;3,3;0,3"');
    const lost = w2.filter((w) => w.code === 'not-carried');
    expect(lost).toHaveLength(1);
    expect(lost[0]!.message).toContain('1 pixels changed, worst IoU 0.888889');
  });

  it('still writes <mask> by default', async () => {
    const text = new TextDecoder().decode(await dialect.write(dataset([ring(['#.', '.#', '##'])])));
    expect(text).toContain('<mask ');
    expect(text).not.toContain('<polygon ');
  });
});
