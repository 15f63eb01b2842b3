// Defects found by running rlekit on real files and hostile input (issue #12); each test failed first.
import { describe, expect, it } from 'vitest';
import { encodeUtf8, type DialectContext, type RleWarning } from '@rlekit/core';
import { dialect } from '../src/index.js';
import { expectCodeAsync as expectCode } from '../../core/test/support.js';

function collector(): { ctx: DialectContext; warnings: RleWarning[] } {
  const warnings: RleWarning[] = [];
  return { ctx: { warn: (w) => warnings.push(w) }, warnings };
}

describe('one-size competitions need no --size (#12 item 25)', () => {
  it('TGS (101x101) reads at its native size, says so, and --size still overrides', async () => {
    const { ctx, warnings } = collector();
    const d = await dialect.read(encodeUtf8('id,rle_mask\nabc,1 3\n'), { preset: 'tgs-salt-identification' }, ctx);
    expect(d.images).toEqual([{ id: 'abc', height: 101, width: 101 }]);
    expect(d.annotations[0]!.mask.area()).toBe(3);
    expect(warnings).toEqual([expect.objectContaining({ code: 'native-size' })]);
    expect(warnings[0]!.message).toMatch(/101x101/);
    const { ctx: c2, warnings: w2 } = collector();
    const o = await dialect.read(encodeUtf8('id,rle_mask\nabc,1 3\n'), { preset: 'tgs-salt-identification', size: '4x5' }, c2);
    expect(o.images[0]).toMatchObject({ height: 4, width: 5 });
    expect(w2.map((w) => w.code)).not.toContain('native-size');
  });

  it('Severstal reads at 256x1600 (height first), Carvana at 1280x1918', async () => {
    const s = await dialect.read(encodeUtf8('ImageId_ClassId,EncodedPixels\na.jpg_1,1 256\n'), { preset: 'severstal-steel-defect' });
    expect(s.images[0]).toMatchObject({ height: 256, width: 1600 });
    // Column-major: the first 256 pixels are the whole first column.
    expect(s.annotations[0]!.mask.bbox()).toEqual({ x: 0, y: 0, width: 1, height: 256 });
    const c = await dialect.read(encodeUtf8('img,rle_mask\na.jpg,1 1918\n'), { preset: 'carvana-image-masking' });
    expect(c.annotations[0]!.mask.bbox()).toEqual({ x: 0, y: 0, width: 1918, height: 1 });
  });

  it('competitions of several sizes still need a size (Clouds: train 1400x2100, submissions 350x525; HuBMAP)', async () => {
    await expectCode(dialect.read(encodeUtf8('Image_Label,EncodedPixels\na.jpg_Fish,1 3\n'), { preset: 'understanding-clouds' }), 'INVALID_OPTION');
    await expectCode(dialect.read(encodeUtf8('id,rle\na,1 3\n'), { preset: 'hubmap-organ-segmentation' }), 'INVALID_OPTION');
  });
});

describe('messages quote the CSV as written (#12 item 24)', () => {
  it('an unknown header is quoted with its own case', async () => {
    const e = await expectCode(dialect.read(encodeUtf8('ImageID,RLE_Pixels\na,1 2\n'), { size: '2x3' }), 'INVALID_OPTION');
    expect(e.received).toBe('header ImageID,RLE_Pixels');
    const ambiguous = await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\na,1 2\n'), { size: '2x3' }), 'INVALID_OPTION');
    expect(ambiguous.received).toBe('header ImageId,EncodedPixels');
  });
});
