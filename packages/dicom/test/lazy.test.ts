import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { Mask } from '@rlekit/core';
import { decodeRleFrame, encodeRleFrame, readSeg, writeSeg } from '../src/index.js';
import { expectCodeAsync } from './helpers.js';

// dcmjs is loaded on first use (#19 browser weight): counted here through a pass-through mock.
const dcmjs = vi.hoisted(() => ({ loads: 0 }));
vi.mock('dcmjs', async (importOriginal) => {
  dcmjs.loads++;
  return importOriginal();
});

describe('dcmjs is loaded on first use', () => {
  it('not by importing the package, nor by the RLE codec, nor for bytes that are not Part 10', async () => {
    const info = { rows: 2, columns: 3, bitsAllocated: 8 };
    expect(Array.from(decodeRleFrame(encodeRleFrame(Uint8Array.of(0, 1, 2, 3, 3, 3), info), info))).toEqual([0, 1, 2, 3, 3, 3]);
    const e = await expectCodeAsync(readSeg(new Uint8Array(200)), 'INVALID_STRUCTURE');
    expect(e.offset).toBe(128);
    expect(dcmjs.loads).toBe(0);
  });

  it('once, by the first read or write', async () => {
    const mask = Mask.fromBitmap(Uint8Array.of(0, 1, 1, 0, 0, 1), { height: 2, width: 3 });
    const bytes = await writeSeg({ rows: 2, columns: 3, segments: [{ number: 1, label: 'a' }], frames: [{ segmentNumber: 1, mask }] });
    expect(dcmjs.loads).toBe(1);
    expect((await readSeg(bytes)).frames[0]!.mask.equals(mask)).toBe(true);
    const vector = new Uint8Array(readFileSync(new URL('../../../conformance/vectors/dicom/seg_binary_2seg_3f_48x64_rle.dcm', import.meta.url)));
    expect((await readSeg(vector)).frames.length).toBe(3);
    expect(dcmjs.loads).toBe(1);
  });
});
