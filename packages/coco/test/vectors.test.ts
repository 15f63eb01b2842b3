/**
 * The shared COCO vectors (made by pycocotools' own C code), every record. Where rlekit
 * deliberately differs from pycocotools (invalid input, its bugs), the test says how.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Mask, RleError } from '@rlekit/core';
import { codeOf } from './reference.js';
import {
  area, decode, decompress, encode, encodeUncompressed, fromBboxes, fromPolygons, iou, merge, polygonsToMask,
  stringToCounts, toBbox, compress, type CocoRle,
} from '../src/index.js';

interface Vectors {
  masks: { id: string; size: [number, number]; row_major_counts: number[]; counts: number[]; compressed: string; area: number; bbox: number[]; tags?: string[]; pycocotools_decoded_counts?: number[] }[];
  pairs: { id: string; size: [number, number]; a: { counts: number[]; compressed: string }; b: { counts: number[]; compressed: string }; iou: number; iou_crowd_b: number; iou_crowd_a: number; union: { counts: number[]; compressed: string; area: number }; intersection: { counts: number[]; compressed: string; area: number } }[];
  iou_matrices: { id: string; dt: { size: [number, number]; counts: number[]; compressed: string }[]; gt: { size: [number, number]; counts: number[]; compressed: string }[]; iscrowd: number[]; iou: number[][] }[];
  merges: { id: string; inputs: { size: [number, number]; counts: number[]; compressed?: string }[]; intersect: number; result: { size: [number, number]; counts: number[]; compressed: string } }[];
  polygons: { id: string; size: [number, number]; polygons: number[][]; per_polygon: { counts: number[]; compressed: string }[]; merged: { counts: number[]; compressed: string }; area: number; bbox: number[] }[];
  bboxes: { id: string; size: [number, number]; bbox_in: number[]; counts: number[]; compressed: string; area: number; bbox: number[] }[];
  strings: { id: string; size: [number, number]; compressed: string; pycocotools_counts: number[]; sums_to_hw: boolean; pycocotools_area: number; pycocotools_bbox: number[] }[];
}

const vectorsPath = fileURLToPath(new URL('../../../conformance/vectors/coco/masks.json', import.meta.url));
const V = JSON.parse(readFileSync(vectorsPath, 'utf8')) as Vectors;


/** Fast byte equality (vitest's deep equality is far too slow on megapixel arrays). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

const isHuge = (tags?: string[]) => (tags ?? []).includes('huge');

describe('masks: encode, decode, area, toBbox', () => {
  it('has the expected number of cases', () => {
    expect(V.masks.length).toBeGreaterThan(100);
  });
  for (const v of V.masks) {
    it(v.id, () => {
      const [h, w] = v.size;
      const size = { height: h, width: w };
      // Reference mask built without the code under test's parser: from row-major runs.
      const ref = Mask.fromRuns(v.row_major_counts, size, 'row');
      expect(encode(ref)).toEqual({ size: [h, w], counts: v.compressed });
      expect(encodeUncompressed(ref)).toEqual({ size: [h, w], counts: v.counts });
      expect([...stringToCounts(v.compressed)]).toEqual(v.counts);
      const fromString = decode({ size: v.size, counts: v.compressed });
      const fromBytes = decode({ size: v.size, counts: new TextEncoder().encode(v.compressed) });
      const fromList = decode({ size: v.size, counts: v.counts });
      expect(fromString.equals(ref)).toBe(true);
      expect(fromBytes.equals(ref)).toBe(true);
      expect(fromList.equals(ref)).toBe(true);
      if (h * w > 0) expect([...fromString.runs('col')]).toEqual(v.counts);
      expect(area({ size: v.size, counts: v.compressed })).toBe(v.area);
      expect(toBbox({ size: v.size, counts: v.compressed })).toEqual(v.bbox);
      expect(compress({ size: v.size, counts: v.counts })).toEqual({ size: v.size, counts: v.compressed });
      expect(decompress({ size: v.size, counts: v.compressed })).toEqual({ size: v.size, counts: v.counts });
      if (!isHuge(v.tags) && h * w <= 20_000_000) {
        // Pixels, row-major: a transposed decode would fail here on these non-square masks.
        expect(sameBytes(fromString.toBitmap('row'), ref.toBitmap('row'))).toBe(true);
      }
      if (v.pycocotools_decoded_counts) {
        // pycocotools' 32-bit shifts mis-decode this string; rlekit gives the encoder's counts.
        expect(v.pycocotools_decoded_counts).not.toEqual(v.counts);
      }
    });
  }
});

describe('pairs: iou (plain and crowd), union, intersection', () => {
  for (const v of V.pairs) {
    it(v.id, () => {
      const a: CocoRle = { size: v.size, counts: v.a.compressed };
      const b: CocoRle = { size: v.size, counts: v.b.compressed };
      expect(iou([a], [b], [0])).toEqual([[v.iou]]);
      expect(iou([a], [b], [1])).toEqual([[v.iou_crowd_b]]);
      expect(iou([b], [a], [1])).toEqual([[v.iou_crowd_a]]);
      expect(merge([a, b], false)).toEqual({ size: v.size, counts: v.union.compressed });
      expect(merge([a, b], true)).toEqual({ size: v.size, counts: v.intersection.compressed });
      expect(area(merge([a, b]))).toBe(v.union.area);
      // Uncompressed input gives the same answers.
      expect(iou([{ size: v.size, counts: v.a.counts }], [{ size: v.size, counts: v.b.counts }], [false])).toEqual([[v.iou]]);
    });
  }
});

describe('iou matrices', () => {
  for (const v of V.iou_matrices) {
    it(v.id, () => {
      const dt = v.dt.map((r) => ({ size: r.size, counts: r.compressed }));
      const gt = v.gt.map((r) => ({ size: r.size, counts: r.compressed }));
      expect(iou(dt, gt, v.iscrowd)).toEqual(v.iou);
    });
  }
  it('empty lists give [] and a wrong iscrowd length is an error', () => {
    const r = { size: [2, 3], counts: [1, 2, 3] };
    expect(iou([], [r], [])).toEqual([]);
    expect(iou([r], [], [])).toEqual([]);
    expect(codeOf(() => iou([r], [r, r], [0]))).toBe('INVALID_OPTION');
  });
});

describe('merges', () => {
  for (const v of V.merges) {
    it(v.id, () => {
      const inputs = v.inputs.map((r) => ({ size: r.size, counts: r.counts }));
      if (v.id === 'merge_size_mismatch') {
        // pycocotools silently returns { size: [0, 0], counts: '' }; rlekit refuses.
        expect(v.result).toEqual({ size: [0, 0], counts: [], compressed: '' });
        expect(codeOf(() => merge(inputs, v.intersect))).toBe('SIZE_MISMATCH');
        return;
      }
      if (v.id === 'merge_noncanonical_self') {
        // pycocotools stops its sweep on the zero runs and returns [2] (sum 2 != 12); rlekit gives the true union.
        const m = decode(inputs[0]!);
        expect(merge(inputs, v.intersect)).toEqual(encode(m));
        expect(decode(merge(inputs, v.intersect)).equals(m)).toBe(true);
        return;
      }
      expect(merge(inputs, v.intersect)).toEqual({ size: v.result.size, counts: v.result.compressed });
      if (v.inputs.every((r) => r.compressed !== undefined)) {
        expect(merge(v.inputs.map((r) => ({ size: r.size, counts: r.compressed! })), Boolean(v.intersect))).toEqual({ size: v.result.size, counts: v.result.compressed });
      }
    });
  }
  it('merge of nothing is the empty RLE of pycocotools', () => {
    expect(merge([])).toEqual({ size: [0, 0], counts: '' });
  });
});

describe('polygons (frPyObjects + merge)', () => {
  for (const v of V.polygons) {
    it(v.id, () => {
      const [h, w] = v.size;
      const per = fromPolygons(v.polygons, h, w);
      expect(per).toEqual(v.per_polygon.map((p) => ({ size: [h, w], counts: p.compressed })));
      const m = polygonsToMask(v.polygons, h, w);
      expect(encode(m)).toEqual({ size: [h, w], counts: v.merged.compressed });
      expect(merge(per)).toEqual({ size: [h, w], counts: v.merged.compressed });
      expect(m.area()).toBe(v.area);
      expect(toBbox(encode(m))).toEqual(v.bbox);
    });
  }
});

describe('boxes (frBbox)', () => {
  for (const v of V.bboxes) {
    it(v.id, () => {
      const [h, w] = v.size;
      const [r] = fromBboxes([v.bbox_in], h, w);
      expect(r).toEqual({ size: [h, w], counts: v.compressed });
      expect(area(r!)).toBe(v.area);
      expect(toBbox(r!)).toEqual(v.bbox);
    });
  }
});

describe('malformed strings: pycocotools garbage, rlekit errors', () => {
  const expected: Record<string, string> = {
    empty_string: 'RUNS_SUM_MISMATCH',
    leading_zeros: 'RUNS_SUM_MISMATCH',
    raw_index2_not_delta: 'INVALID_RUNS',
    chars_above_o: 'INVALID_TOKEN',
    chars_below_0: 'INVALID_TOKEN',
    short_sum: 'RUNS_SUM_MISMATCH',
    long_sum: 'RUNS_SUM_MISMATCH',
    wrap_2pow32: 'INVALID_RUNS',
    zero_fg_run_bbox: 'no error',
    interior_zero_runs: 'RUNS_SUM_MISMATCH',
    seven_char_positive: 'RUNS_SUM_MISMATCH',
    seven_char_negative: 'RUNS_SUM_MISMATCH',
  };
  for (const v of V.strings) {
    it(v.id, () => {
      const rle = { size: v.size, counts: v.compressed };
      expect(expected[v.id]).toBeDefined();
      for (const f of [decode, area, toBbox, compress, decompress] as ((r: CocoRle) => unknown)[]) {
        expect(codeOf(() => f(rle))).toBe(expected[v.id]);
      }
      expect(codeOf(() => merge([rle, rle]))).toBe(expected[v.id]);
      expect(codeOf(() => iou([rle], [rle], [0]))).toBe(expected[v.id]);
      if (v.id === 'zero_fg_run_bbox') {
        expect(area(rle)).toBe(v.pycocotools_area);
        // pycocotools 2.0.x wraps to [2, 2, 4294967295, 4294967295]; the tight box of an empty mask is zeros.
        expect(toBbox(rle)).toEqual([0, 0, 0, 0]);
        expect(decode(rle).isEmpty()).toBe(true);
      }
      if (v.id === 'seven_char_positive' || v.id === 'leading_zeros') {
        expect([...stringToCounts(v.compressed)]).toEqual(v.pycocotools_counts);
      }
      if (v.id === 'seven_char_negative') {
        // The 4th value's 7-char negative delta is exact here; pycocotools gets it wrong.
        const c = [...stringToCounts(v.compressed)];
        expect(c.slice(0, 3)).toEqual(v.pycocotools_counts.slice(0, 3));
        expect(c[3]).not.toBe(v.pycocotools_counts[3]);
        expect(compress({ size: [1, c.reduce((s, x) => s + x, 0)], counts: c }).counts).toBe(v.compressed);
      }
    });
  }
});
