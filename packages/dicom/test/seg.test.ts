import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRleError, Mask } from '@rlekit/core';
import { readFrames, readSeg, writeSeg, type SegFrame, type WriteSegInput } from '../src/index.js';
import { bitsArb, expectCodeAsync, sizeArb } from './helpers.js';

const DIR = join(import.meta.dirname, '../../../conformance/vectors/dicom');
const vector = (f: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, f)));

const combos = [
  { transferSyntax: 'explicit', segmentationType: 'BINARY' },
  { transferSyntax: 'rle', segmentationType: 'BINARY' },
  { transferSyntax: 'explicit', segmentationType: 'FRACTIONAL' },
  { transferSyntax: 'rle', segmentationType: 'FRACTIONAL' },
] as const;

/** A random SEG: non-square frames, 1-3 segments, 1-5 frames. */
const segArb = sizeArb(20, 30).chain(({ rows, columns }) =>
  fc.record({
    nseg: fc.integer({ min: 1, max: 3 }),
    frames: fc.array(fc.tuple(bitsArb(rows, columns), fc.nat(), fc.integer({ min: -5, max: 5 })), { minLength: 1, maxLength: 5 }),
  }).map(({ nseg, frames }): WriteSegInput => ({
    rows,
    columns,
    segments: Array.from({ length: nseg }, (_, i) => ({ number: i + 1, label: `segment ${i + 1}` })),
    frames: frames.map(([bits, s, z]): SegFrame => ({
      segmentNumber: (s % nseg) + 1,
      imagePositionPatient: [0, 0, z],
      mask: Mask.fromBitmap(bits, { height: rows, width: columns }),
    })),
  })),
);

describe('writeSeg → readSeg', () => {
  for (const options of combos) {
    it(`round-trips random masks (${options.transferSyntax}, ${options.segmentationType})`, async () => {
      await fc.assert(
        fc.asyncProperty(segArb, async (input) => {
          const seg = await readSeg(await writeSeg(input, options));
          expect(seg.segmentationType).toBe(options.segmentationType);
          expect([seg.rows, seg.columns]).toEqual([input.rows, input.columns]);
          expect(seg.segments.map((s) => s.label)).toEqual(input.segments.map((s) => s.label));
          expect(seg.frames.length).toBe(input.frames.length);
          seg.frames.forEach((f, k) => {
            expect(f.segmentNumber).toBe(input.frames[k]!.segmentNumber);
            expect(f.imagePositionPatient).toEqual(input.frames[k]!.imagePositionPatient);
            expect(f.mask.equals(input.frames[k]!.mask)).toBe(true);
          });
        }),
        { numRuns: 60 },
      );
    });
  }

  it('packs native BINARY bits continuously across frames, exactly as the 11x13 vector stores them', async () => {
    const src = await readSeg(vector('seg_binary_2seg_3f_11x13_native.dcm'));
    const v = JSON.parse(readFileSync(join(DIR, 'seg_binary_2seg_3f_11x13_native.dcm.json'), 'utf8'));
    const out = await writeSeg({ rows: src.rows, columns: src.columns, segments: src.segments, frames: src.frames });
    const file = dcmjs.data.DicomMessage.readFile(out.buffer.slice(out.byteOffset, out.byteOffset + out.length));
    const px = new Uint8Array(file.dict['7FE00010'].Value[0]);
    expect(Buffer.from(px).toString('hex')).toBe(v.nativePixelData.hex);
    expect(file.meta['00020010'].Value[0]).toBe('1.2.840.10008.1.2.1');
  });

  it('writes BINARY RLE as one byte per pixel, one fragment per frame', async () => {
    const src = await readSeg(vector('seg_binary_2seg_3f_48x64_native.dcm'));
    const out = await writeSeg({ rows: src.rows, columns: src.columns, segments: src.segments, frames: src.frames }, { transferSyntax: 'rle' });
    const frames = await readFrames(out);
    expect(frames.transferSyntaxUID).toBe('1.2.840.10008.1.2.5');
    const seg = await readSeg(out);
    expect(seg.oneBitRleLayout).toBe('byte');
    frames.frames.forEach((px, k) => expect(Array.from(px)).toEqual(Array.from(src.frames[k]!.mask.toBitmap('row'))));
  });

  it('gives the same UIDs for the same content (reproducible files)', async () => {
    const src = await readSeg(vector('seg_binary_2seg_3f_48x64_native.dcm'));
    const input: WriteSegInput = { rows: src.rows, columns: src.columns, segments: src.segments, frames: src.frames, contentDateTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) };
    expect(Buffer.from(await writeSeg(input)).equals(Buffer.from(await writeSeg(input)))).toBe(true);
    const other = { ...input, frames: [...input.frames].reverse() };
    const a = await readSeg(await writeSeg(input)), b = await readSeg(await writeSeg(other));
    expect(a.sopInstanceUID).not.toBe(b.sopInstanceUID);
    // Same masks for another study, patient or date: other UIDs.
    const base = (await readSeg(await writeSeg(input))).sopInstanceUID;
    expect((await readSeg(await writeSeg({ ...input, studyInstanceUID: '1.2.3' }))).sopInstanceUID).not.toBe(base);
    expect((await readSeg(await writeSeg({ ...input, patientID: 'P2' }))).sopInstanceUID).not.toBe(base);
    expect((await readSeg(await writeSeg({ ...input, contentDateTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 6)) }))).sopInstanceUID).not.toBe(base);
  });

  it('references source images through Derivation Image and Common Instance Reference', async () => {
    const mask = Mask.fromBitmap(Uint8Array.of(1, 0, 0, 1, 1, 0), { height: 2, width: 3 });
    const out = await writeSeg({
      rows: 2, columns: 3, segments: [{ number: 1, label: 'a' }], referencedSeriesInstanceUID: '1.2.3.4',
      frames: [{ segmentNumber: 1, mask, sourceImage: { sopClassUID: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUID: '1.2.3.4.5' } }],
    });
    const seg = await readSeg(out);
    expect(seg.frames[0]!.sourceImage).toEqual({ sopClassUID: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUID: '1.2.3.4.5' });
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(out.buffer.slice(out.byteOffset, out.byteOffset + out.length)).dict);
    expect(ds.ReferencedSeriesSequence[0].SeriesInstanceUID).toBe('1.2.3.4');
    expect(ds.ReferencedSeriesSequence[0].ReferencedInstanceSequence[0].ReferencedSOPInstanceUID).toBe('1.2.3.4.5');
  });
});

describe('readSeg', () => {
  it('thresholds FRACTIONAL frames at the configured fraction of MaximumFractionalValue', async () => {
    const bytes = vector('external/highdicom_seg_image_ct_binary_fractional.dcm');
    const raw = (await readFrames(bytes)).frames;
    for (const threshold of [0, 0.5, 0.99]) {
      const seg = await readSeg(bytes, { threshold });
      const max = seg.maximumFractionalValue!;
      seg.frames.forEach((f, k) => expect(Array.from(f.mask.toBitmap('row'))).toEqual(Array.from(raw[k]!, (v) => (v > threshold * max ? 1 : 0))));
    }
  });

  it('refuses bad input with RleError codes', async () => {
    const good = vector('seg_binary_2seg_3f_48x64_native.dcm');
    await expectCodeAsync(readSeg(new Uint8Array(10)), 'INVALID_STRUCTURE');
    await expectCodeAsync(readSeg(vector('rle_u8_1f_23x37.dcm')), 'INVALID_STRUCTURE');
    await expectCodeAsync(readSeg(good, { threshold: 1 }), 'INVALID_OPTION');
    await expectCodeAsync(readSeg(good, { maxPixels: 100 }), 'LIMIT_EXCEEDED');
    await expectCodeAsync(readFrames(good, { maxPixels: 100 }), 'LIMIT_EXCEEDED');
  });

  it('refuses a frame that points at a missing segment (DANGLING_REFERENCE)', async () => {
    const good = vector('seg_binary_2seg_3f_48x64_native.dcm');
    const file = dcmjs.data.DicomMessage.readFile(good.buffer.slice(good.byteOffset, good.byteOffset + good.length));
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.dict);
    ds.PerFrameFunctionalGroupsSequence[1].SegmentIdentificationSequence[0].ReferencedSegmentNumber = 9;
    file.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
    const bad = new Uint8Array(file.write());
    const e = await expectCodeAsync(readSeg(bad), 'DANGLING_REFERENCE');
    expect(e.path).toContain(1);
  });

  it('refuses RLE data with fewer fragments than frames (CORRUPT) and short native data (TRUNCATED)', async () => {
    const src = vector('seg_fractional_2seg_3f_48x64_rle.dcm');
    const file = dcmjs.data.DicomMessage.readFile(src.buffer.slice(src.byteOffset, src.byteOffset + src.length));
    file.dict['00280008'].Value = ['4'];
    await expectCodeAsync(readSeg(new Uint8Array(file.write({ fragmentMultiframe: false }))), 'CORRUPT');
    const nat = vector('seg_binary_2seg_3f_48x64_native.dcm');
    const f2 = dcmjs.data.DicomMessage.readFile(nat.buffer.slice(nat.byteOffset, nat.byteOffset + nat.length));
    f2.dict['00280008'].Value = ['40'];
    await expectCodeAsync(readSeg(new Uint8Array(f2.write())), 'TRUNCATED');
  });

  it('throws only RleError on truncated or corrupted files', async () => {
    const files = ['seg_binary_2seg_3f_11x13_rle.dcm', 'seg_binary_2seg_3f_11x13_native.dcm', 'seg_fractional_2seg_3f_48x64_rle.dcm'].map(vector);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...files), fc.nat(), fc.nat(), fc.boolean(), async (good, cut, at, flip) => {
        let bytes: Uint8Array;
        if (flip) {
          bytes = good.slice();
          const i = 132 + (at % (bytes.length - 132));
          bytes[i] = bytes[i]! ^ 0xff;
        } else {
          bytes = good.subarray(0, cut % good.length);
        }
        try {
          await readSeg(bytes);
        } catch (e) {
          if (!isRleError(e)) throw e;
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('writeSeg input checks', () => {
  const mask = Mask.fromBitmap(Uint8Array.of(1, 0, 0, 1, 1, 0), { height: 2, width: 3 });
  const base: WriteSegInput = { rows: 2, columns: 3, segments: [{ number: 1, label: 'a' }], frames: [{ segmentNumber: 1, mask }] };
  it('refuses inconsistent input', async () => {
    await expectCodeAsync(writeSeg({ ...base, frames: [{ segmentNumber: 2, mask }] }), 'DANGLING_REFERENCE');
    await expectCodeAsync(writeSeg({ ...base, frames: [{ segmentNumber: 1, mask: Mask.empty({ height: 3, width: 2 }) }] }), 'SIZE_MISMATCH');
    await expectCodeAsync(writeSeg({ ...base, segments: [{ number: 2, label: 'a' }] }), 'INVALID_STRUCTURE');
    await expectCodeAsync(writeSeg({ ...base, segments: [] }), 'INVALID_STRUCTURE');
    await expectCodeAsync(writeSeg({ ...base, frames: [] }), 'INVALID_STRUCTURE');
    await expectCodeAsync(writeSeg({ ...base, rows: 0 }), 'INVALID_SIZE');
    await expectCodeAsync(writeSeg(base, { transferSyntax: 'jpeg' as 'rle' }), 'INVALID_OPTION');
    await expectCodeAsync(writeSeg(base, { segmentationType: 'LABELMAP' as 'BINARY' }), 'INVALID_OPTION');
    await expectCodeAsync(writeSeg({ ...base, studyInstanceUID: '1.02.x' }), 'INVALID_OPTION');
    await expectCodeAsync(writeSeg({ ...base, frames: [{ segmentNumber: 1, mask, sourceImage: { sopClassUID: '1.2', sopInstanceUID: '1.3' } }] }), 'INVALID_STRUCTURE');
    await expectCodeAsync(writeSeg(base, { maxPixels: 5 }), 'LIMIT_EXCEEDED');
  });
});
