import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesSource, Mask, RleError, type MaskDataset, type RleWarning } from '@rlekit/core';
import { dialect, dicomLabToRgb, readSeg, rgbToDicomLab } from '../src/index.js';
import { bitsArb, sizeArb } from './helpers.js';

const DIR = join(import.meta.dirname, '../../../conformance/vectors/dicom');
const vector = (f: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, f)));
const collect = (): { warnings: RleWarning[]; ctx: { warn: (w: RleWarning) => void } } => {
  const warnings: RleWarning[] = [];
  return { warnings, ctx: { warn: (w) => warnings.push(w) } };
};

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RleError);
    expect((e as RleError).code).toBe(code);
    return;
  }
  throw new Error(`expected RleError ${code}`);
}

describe('dicom dialect: read', () => {
  it('maps segments to categories, planes to images and non-empty frames to annotations', async () => {
    const d = await dialect.read(vector('seg_binary_2seg_3f_48x64_rle.dcm'));
    const seg = await readSeg(vector('seg_binary_2seg_3f_48x64_rle.dcm'));
    expect(d.categories.map((c) => [c.id, c.name])).toEqual(seg.segments.map((s) => [s.number, s.label]));
    // Frames: (seg 1, pos 1), (seg 1, pos 2), (seg 2, pos 1) → 2 images.
    expect(d.images.length).toBe(2);
    expect(d.images.every((im) => im.height === 48 && im.width === 64)).toBe(true);
    expect(d.annotations.map((a) => [a.imageId, a.categoryId])).toEqual([[1, 1], [2, 1], [1, 2]]);
    d.annotations.forEach((a, k) => expect(a.mask.equals(seg.frames[k]!.mask)).toBe(true));
  });

  it('reads a LABELMAP SEG as one annotation per label and frame, without the background segment', async () => {
    const d = await dialect.read(vector('external/highdicom_seg_image_sm_control_labelmap.dcm'));
    expect(d.categories.some((c) => c.id === 0)).toBe(false);
    expect(d.images.length).toBe(20);
    expect(d.annotations.length).toBeGreaterThan(0);
  });

  it('groups frames of slide microscopy SEGs by their non-segment dimension indices', async () => {
    const d = await dialect.read(vector('external/highdicom_seg_image_sm_control.dcm'));
    const seg = await readSeg(vector('external/highdicom_seg_image_sm_control.dcm'));
    expect(seg.segmentDimension).toBe(0);
    expect((await readSeg(vector('external/highdicom_seg_image_sm_control_labelmap.dcm'))).segmentDimension).toBe(-1);
    const planes = new Set(seg.frames.map((f) => f.dimensionIndexValues!.slice(1).join(',')));
    expect(d.images.length).toBe(planes.size);
  });

  it('warns when thresholding real fractions and when reading the legacy 1-bit layout', async () => {
    const fractional = collect();
    await dialect.read(vector('external/highdicom_seg_image_ct_binary_fractional.dcm'), {}, fractional.ctx);
    const raw = await readSeg(vector('external/highdicom_seg_image_ct_binary_fractional.dcm'));
    expect(fractional.warnings.filter((w) => w.code === 'thresholded').length).toBe(raw.thresholdedFrames ? 1 : 0);
    const binary = collect();
    await dialect.read(vector('seg_fractional_2seg_3f_48x64_rle.dcm'), {}, binary.ctx);
    expect(binary.warnings).toEqual([]);
    const legacy = collect();
    await dialect.read(vector('external/pydicom-data_liver_rle_LEGACY_bitpacked.dcm'), {}, legacy.ctx);
    expect(legacy.warnings.map((w) => w.code)).toEqual(['legacy-layout']);
  });

  it('warns for every FRACTIONAL frame with values between 0 and the maximum', async () => {
    const size = { height: 3, width: 4 };
    const bytes = await dialect.write({ images: [{ id: 1, ...size }], categories: [{ id: 1, name: 'p' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask: Mask.full(size) }] }, { segmentationType: 'FRACTIONAL' });
    // Patch one stored 255 to 100 (native FRACTIONAL pixel data is the last 12 bytes, padded to even).
    const patched = bytes.slice();
    patched[patched.length - 1] = 100;
    const seen = collect();
    const d = await dialect.read(patched, { threshold: 0.5 }, seen.ctx);
    expect(seen.warnings.map((w) => [w.code, w.count])).toEqual([['thresholded', 1]]);
    expect(d.annotations[0]!.mask.area()).toBe(11);
  });

  it('reads from a ByteSource and sniffs SEG files', async () => {
    const bytes = vector('seg_binary_2seg_3f_11x13_native.dcm');
    const d = await dialect.read(bytesSource(bytes, 'x.dcm'));
    expect(d.annotations.length).toBe(3);
    expect(dialect.sniff(bytes.subarray(0, 4096))).toBe(1);
    expect(dialect.sniff(vector('rle_u8_1f_23x37.dcm').subarray(0, 4096))).toBeLessThan(1);
    expect(dialect.sniff(new TextEncoder().encode('{"images": []}'))).toBe(0);
  });

  it('refuses bad options and non-DICOM input with RleError', async () => {
    await rejects(dialect.read(new Uint8Array(300)), 'INVALID_STRUCTURE');
    await rejects(dialect.read(vector('seg_binary_2seg_3f_11x13_native.dcm'), { threshold: 2 }), 'INVALID_OPTION');
    await rejects(dialect.read(vector('seg_binary_2seg_3f_11x13_native.dcm'), { maxBytes: 100 }), 'LIMIT_EXCEEDED');
    await rejects(dialect.read(vector('seg_binary_2seg_3f_11x13_native.dcm'), { maxPixels: 10 }), 'LIMIT_EXCEEDED');
  });
});

describe('dicom dialect: write', () => {
  const datasetArb = sizeArb(16, 24).chain(({ rows, columns }) =>
    fc.array(fc.array(fc.tuple(bitsArb(rows, columns), fc.constantFrom(1, 2, 3)), { maxLength: 3 }), { minLength: 1, maxLength: 4 }).map((imgs): MaskDataset => {
      const size = { height: rows, width: columns };
      let id = 0;
      return {
        images: imgs.map((_, i) => ({ id: `img${i}`, ...size })),
        categories: [{ id: 1, name: 'liver', color: [200, 40, 40] }, { id: 2, name: 'spleen' }, { id: 3, name: 'kidney' }],
        annotations: imgs.flatMap((anns, i) => anns.map(([bits, c]) => ({ id: ++id, imageId: `img${i}`, categoryId: c, mask: Mask.fromBitmap(bits, size) }))),
      };
    }),
  );

  for (const transferSyntax of ['explicit', 'rle'] as const) {
    for (const segmentationType of ['BINARY', 'FRACTIONAL'] as const) {
      it(`keeps the union per image and category (${transferSyntax}, ${segmentationType})`, async () => {
        await fc.assert(
          fc.asyncProperty(datasetArb, async (d) => {
            const back = await dialect.read(await dialect.write(d, { transferSyntax, segmentationType }));
            expect(back.images.length).toBe(d.images.length);
            expect(back.categories.map((c) => c.name)).toEqual(['liver', 'spleen', 'kidney']);
            d.images.forEach((im, i) => {
              for (const c of [1, 2, 3]) {
                const size = { height: im.height, width: im.width };
                const want = d.annotations.filter((a) => a.imageId === im.id && a.categoryId === c).reduce((m, a) => m.union(a.mask), Mask.empty(size));
                const got = back.annotations.filter((a) => a.imageId === back.images[i]!.id && a.categoryId === c);
                expect(got.length).toBeLessThanOrEqual(1);
                expect((got[0]?.mask ?? Mask.empty(size)).equals(want)).toBe(true);
              }
            });
          }),
          { numRuns: 30 },
        );
      });
    }
  }

  it('says what it cannot carry: merged instances, scores, file names, categories it has no id for', async () => {
    const size = { height: 3, width: 5 };
    const m = Mask.fromBitmap(Uint8Array.from({ length: 15 }, (_, i) => (i % 4 === 0 ? 1 : 0)), size);
    const { warnings, ctx } = collect();
    await dialect.write({
      images: [{ id: 1, fileName: 'a.png', ...size }],
      categories: [{ id: 1, name: 'cell' }],
      annotations: [
        { id: 1, imageId: 1, categoryId: 1, mask: m, score: 0.9 },
        { id: 2, imageId: 1, categoryId: 1, mask: m.complement() },
        { id: 3, imageId: 1, mask: m },
        { id: 4, imageId: 1, categoryId: 1, mask: Mask.empty(size) },
      ],
    }, {}, ctx);
    const codes = warnings.map((w) => w.code);
    expect(codes).toContain('merged-instances');
    expect(warnings.find((w) => w.code === 'merged-instances')!.count).toBe(2);
    expect(warnings.some((w) => /scores/.test(w.message))).toBe(true);
    expect(warnings.some((w) => /file names/.test(w.message))).toBe(true);
    expect(warnings.some((w) => /unlabelled/.test(w.message))).toBe(true);
    expect(warnings.some((w) => /empty masks/.test(w.message))).toBe(true);
  });

  it('keeps images without masks as planes and category colours through CIELab', async () => {
    const size = { height: 4, width: 6 };
    const bytes = await dialect.write({
      images: [{ id: 1, ...size }, { id: 2, ...size }],
      categories: [{ id: 5, name: 'bone', color: [230, 220, 190] }],
      annotations: [{ id: 1, imageId: 2, categoryId: 5, mask: Mask.full(size) }],
    });
    const back = await dialect.read(bytes);
    expect(back.images.length).toBe(2);
    expect(back.annotations.map((a) => a.imageId)).toEqual([2]);
    const c = back.categories[0]!.color!;
    [230, 220, 190].forEach((v, i) => expect(Math.abs(c[i]! - v)).toBeLessThanOrEqual(1));
  });

  it('converts sRGB ↔ DICOM CIELab within one step for any colour', () => {
    fc.assert(fc.property(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)), (rgb) => {
      const back = dicomLabToRgb(rgbToDicomLab(rgb));
      rgb.forEach((v, i) => expect(Math.abs(back[i]! - v)).toBeLessThanOrEqual(1));
    }));
    expect(rgbToDicomLab([255, 255, 255])[0]).toBe(65535);
  });

  it('writes the same bytes for the same dataset with a fixed content date', async () => {
    const size = { height: 3, width: 7 };
    const d: MaskDataset = { images: [{ id: 1, ...size }], categories: [{ id: 1, name: 'x' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask: Mask.full(size) }] };
    const a = await dialect.write(d, { contentDateTime: '20250102030405' });
    const b = await dialect.write(d, { contentDateTime: '20250102030405' });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).includes(Buffer.from('20250102'))).toBe(true);
  });

  it('keeps source image references, spacing and orientation through SEG → dataset → SEG', async () => {
    const bytes = vector('external/highdicom_seg_image_ct_binary.dcm');
    const src = await readSeg(bytes);
    const again = await readSeg(await dialect.write(await dialect.read(bytes)));
    expect(again.referencedSeriesInstanceUID).toBe(src.referencedSeriesInstanceUID);
    expect(again.pixelSpacing).toEqual(src.pixelSpacing);
    expect(again.imageOrientationPatient).toEqual(src.imageOrientationPatient);
    expect(again.frameOfReferenceUID).toBe(src.frameOfReferenceUID);
    expect(again.studyInstanceUID).toBe(src.studyInstanceUID);
    const key = (f: { imagePositionPatient?: readonly number[]; sourceImage?: unknown }) => JSON.stringify([f.imagePositionPatient, f.sourceImage]);
    expect(again.frames.map(key).sort()).toEqual(src.frames.filter((f) => !f.mask.isEmpty()).map(key).sort());
  });

  it('refuses what a SEG cannot hold', async () => {
    const m = Mask.full({ height: 2, width: 3 });
    await rejects(dialect.write({ images: [], categories: [], annotations: [] }), 'INVALID_STRUCTURE');
    await rejects(dialect.write({ images: [{ id: 1, height: 2, width: 3 }, { id: 2, height: 3, width: 2 }], categories: [], annotations: [] }), 'SIZE_MISMATCH');
    await rejects(dialect.write({ images: [{ id: 1, height: 2, width: 3 }], categories: [], annotations: [{ id: 1, imageId: 9, mask: m }] }), 'DANGLING_REFERENCE');
    await rejects(dialect.write({ images: [{ id: 1, height: 2, width: 4 }], categories: [], annotations: [{ id: 1, imageId: 1, mask: m }] }), 'SIZE_MISMATCH');
    await rejects(dialect.write({ images: [{ id: 1, height: 2, width: 3 }], categories: [], annotations: [] }, { transferSyntax: 'jpeg' as 'rle' }), 'INVALID_OPTION');
    await rejects(dialect.write({ images: [{ id: 1, height: 2, width: 3 }], categories: [], annotations: [] }, { contentDateTime: '20251340000000' }), 'INVALID_OPTION');
  });
});
