import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRleFrame, readFrames, readSeg } from '../src/index.js';

const DIR = join(import.meta.dirname, '../../../conformance/vectors/dicom');

interface VectorFrame {
  rows?: string[];
  runs?: number[];
  count1?: number;
  sha256_u8?: string;
  values?: number[][];
  sha256_le?: string;
}
interface Vector {
  transferSyntaxUID: string;
  rows: number;
  columns: number;
  numberOfFrames: number;
  bitsAllocated: number;
  frames: VectorFrame[];
  encapsulation?: { fragmentsHex?: string[] };
  seg?: { segmentationType: string; segments: { number: number; label: string }[]; frames: { referencedSegmentNumber: number; imagePositionPatient?: number[] }[] };
}

const files = [
  ...readdirSync(DIR).filter((f) => f.endsWith('.dcm')),
  ...readdirSync(join(DIR, 'quirks')).filter((f) => f.endsWith('.dcm')).map((f) => `quirks/${f}`),
];
const load = (f: string): [Uint8Array, Vector] => [new Uint8Array(readFileSync(join(DIR, f))), JSON.parse(readFileSync(join(DIR, `${f}.json`), 'utf8')) as Vector];
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const le = (a: Uint8Array | Uint16Array | Uint32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('shared DICOM vectors: readFrames', () => {
  it('finds every vector', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });
  for (const f of files) {
    it(`${f} decodes to its JSON`, async () => {
      const [bytes, v] = load(f);
      const r = await readFrames(bytes);
      expect(r.rows).toBe(v.rows);
      expect(r.columns).toBe(v.columns);
      expect(r.numberOfFrames).toBe(v.numberOfFrames);
      expect(r.bitsAllocated).toBe(v.bitsAllocated);
      expect(r.frames.length).toBe(v.frames.length);
      r.frames.forEach((px, k) => {
        const want = v.frames[k]!;
        if (v.bitsAllocated === 1) {
          expect(sha(px as Uint8Array)).toBe(want.sha256_u8);
          if (want.rows) expect(Array.from({ length: v.rows }, (_, y) => Array.from(px.subarray(y * v.columns, (y + 1) * v.columns)).join(''))).toEqual(want.rows);
        } else if (want.sha256_le === undefined) {
          // FRACTIONAL SEG: the JSON gives the thresholded mask (value > 0).
          expect(Array.from({ length: v.rows }, (_, y) => Array.from(px.subarray(y * v.columns, (y + 1) * v.columns), (x) => (x > 0 ? 1 : 0)).join(''))).toEqual(want.rows);
        } else {
          expect(sha(le(px))).toBe(want.sha256_le);
          if (want.values) expect(Array.from(px)).toEqual(want.values.flat());
        }
      });
    });
  }
  it('decodes the documented fragments byte for byte', () => {
    const [, v] = load('rle_u8_1f_23x37.dcm');
    const frag = Uint8Array.from(Buffer.from(v.encapsulation!.fragmentsHex![0]!, 'hex'));
    expect(Array.from(decodeRleFrame(frag, { rows: 23, columns: 37, bitsAllocated: 8 }))).toEqual(v.frames[0]!.values!.flat());
  });
});

describe('shared DICOM vectors: readSeg', () => {
  for (const f of files.filter((x) => x.startsWith('seg_'))) {
    it(`${f} gives its segments, frame references and masks`, async () => {
      const [bytes, v] = load(f);
      const seg = await readSeg(bytes);
      expect(seg.segmentationType).toBe(v.seg!.segmentationType);
      expect(seg.segments.map((s) => ({ number: s.number, label: s.label }))).toEqual(v.seg!.segments.map((s) => ({ number: s.number, label: s.label })));
      expect(seg.frames.map((fr) => fr.segmentNumber)).toEqual(v.seg!.frames.map((fr) => fr.referencedSegmentNumber));
      seg.frames.forEach((fr, k) => {
        expect(Array.from(fr.mask.runs('row'))).toEqual(v.frames[k]!.runs);
        if (v.seg!.frames[k]!.imagePositionPatient) expect(fr.imagePositionPatient).toEqual(v.seg!.frames[k]!.imagePositionPatient);
      });
    });
  }
});

interface ExternalVector {
  rows: number;
  columns: number;
  numberOfFrames: number;
  bitsAllocated: number;
  segmentationType: string;
  oneBitLayout?: string;
  segments?: { number: number; label: string }[];
  frames: { referencedSegmentNumber?: number; count1?: number; sha256_u8?: string; values?: number[][] }[];
}

describe('external SEGs (highdicom, pydicom-data): pixels as pydicom decodes them', () => {
  const ext = readdirSync(join(DIR, 'external')).filter((f) => f.endsWith('.dcm'));
  it('finds the 6 external files', () => expect(ext.length).toBe(6));
  for (const f of ext) {
    it(`${f}: readFrames and readSeg agree with its JSON`, async () => {
      const bytes = new Uint8Array(readFileSync(join(DIR, 'external', f)));
      const v = JSON.parse(readFileSync(join(DIR, 'external', `${f}.json`), 'utf8')) as ExternalVector;
      const r = await readFrames(bytes);
      expect([r.rows, r.columns, r.numberOfFrames, r.bitsAllocated]).toEqual([v.rows, v.columns, v.numberOfFrames, v.bitsAllocated]);
      r.frames.forEach((px, k) => {
        const want = v.frames[k]!;
        if (want.sha256_u8 !== undefined) expect(sha(px as Uint8Array)).toBe(want.sha256_u8);
        else expect(Array.from(px)).toEqual(want.values!.flat());
      });
      const seg = await readSeg(bytes);
      expect(seg.segmentationType).toBe(v.segmentationType);
      if (v.segments) expect(seg.segments.map((s) => ({ number: s.number, label: s.label }))).toEqual(v.segments);
      if (v.oneBitLayout) expect(seg.oneBitRleLayout).toBe(v.oneBitLayout);
      if (v.segmentationType === 'LABELMAP') {
        // One mask per label present on each frame.
        const expected: [number, number, number][] = [];
        v.frames.forEach((fr, k) => {
          const flat = fr.values!.flat();
          for (const label of [...new Set(flat)].filter((x) => x !== 0).sort((a, b) => a - b)) expected.push([k, label, flat.filter((x) => x === label).length]);
        });
        expect(seg.frames.map((fr) => [fr.frameIndex, fr.segmentNumber, fr.mask.area()])).toEqual(expected);
        return;
      }
      expect(seg.frames.length).toBe(v.numberOfFrames);
      seg.frames.forEach((fr, k) => {
        const want = v.frames[k]!;
        if (want.referencedSegmentNumber !== undefined) expect(fr.segmentNumber).toBe(want.referencedSegmentNumber);
        const bits = fr.mask.toBitmap('row');
        if (want.sha256_u8 !== undefined) {
          expect(sha(bits)).toBe(want.sha256_u8);
          expect(fr.mask.area()).toBe(want.count1);
        } else {
          // FRACTIONAL, default threshold 0.5 of MaximumFractionalValue.
          const max = seg.maximumFractionalValue!;
          expect(Array.from(bits)).toEqual(want.values!.flat().map((x) => (x > 0.5 * max ? 1 : 0)));
        }
      });
    });
  }
});
