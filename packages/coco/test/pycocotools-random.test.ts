/**
 * A second oracle: random polygons, boxes, masks, iou matrices and merges computed by PyPI
 * pycocotools 2.0.11 (x86-64) with conformance/vectors/coco/pycocotools-random.py.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Mask } from '@rlekit/core';
import { area, decode, encode, fromBboxes, fromPolygons, iou, merge, polygonsToMask, toBbox } from '../src/index.js';

interface Random {
  polygons: { size: [number, number]; polygons: number[][]; per_polygon: string[]; merged: string; area: number; bbox: number[] }[];
  bboxes: { size: [number, number]; bbox_in: number[]; compressed: string }[];
  masks: { size: [number, number]; row_major: number[]; compressed: string; area: number; bbox: number[] }[];
  iou: { dt: { size: [number, number]; counts: string }[]; gt: { size: [number, number]; counts: string }[]; iscrowd: number[]; iou: number[][] }[];
  merges: { inputs: { size: [number, number]; counts: string }[]; intersect: number; result: string }[];
}

const R = JSON.parse(readFileSync(fileURLToPath(new URL('../../../conformance/vectors/coco/pycocotools-random.json', import.meta.url)), 'utf8')) as Random;

describe('random cases from pycocotools 2.0.11', () => {
  it('polygons: every per-polygon RLE and the union, bit for bit', () => {
    expect(R.polygons.length).toBeGreaterThan(500);
    for (const v of R.polygons) {
      const [h, w] = v.size;
      expect(fromPolygons(v.polygons, h, w).map((r) => r.counts)).toEqual(v.per_polygon);
      const m = polygonsToMask(v.polygons, h, w);
      expect(encode(m).counts).toBe(v.merged);
      expect(m.area()).toBe(v.area);
      expect(toBbox({ size: v.size, counts: v.merged })).toEqual(v.bbox);
    }
  });

  it("polygons made row-major (order 'row', what a row-major writer asks the reader for): the same pixels, made without a transposition", () => {
    let multi = 0;
    for (const v of R.polygons) {
      const [h, w] = v.size;
      const col = polygonsToMask(v.polygons, h, w);
      const row = polygonsToMask(v.polygons, h, w, [], 'row');
      const held = row.heldRuns;
      expect([...row.runs('row')]).toEqual([...col.runs('row')]);
      // Asking for the row-major runs added nothing: the mask was made in that order.
      if (col.area() > 0) expect(row.heldRuns).toBe(held);
      expect(encode(row).counts).toBe(v.merged);
      if (v.polygons.length > 1) multi++;
    }
    expect(multi).toBeGreaterThan(50);
  });

  it('boxes', () => {
    for (const v of R.bboxes) expect(fromBboxes([v.bbox_in], v.size[0], v.size[1])[0]!.counts).toBe(v.compressed);
  });

  it('masks: encode, decode, area, toBbox', () => {
    for (const v of R.masks) {
      const [h, w] = v.size;
      const bits = new Uint8Array(h * w);
      for (const i of v.row_major) bits[i] = 1;
      const m = Mask.fromBitmap(bits, { height: h, width: w });
      expect(encode(m).counts).toBe(v.compressed);
      expect(decode({ size: v.size, counts: v.compressed }).equals(m)).toBe(true);
      expect(area({ size: v.size, counts: v.compressed })).toBe(v.area);
      expect(toBbox({ size: v.size, counts: v.compressed })).toEqual(v.bbox);
    }
  });

  it('iou matrices with crowd flags and size mismatches', () => {
    for (const v of R.iou) expect(iou(v.dt, v.gt, v.iscrowd)).toEqual(v.iou);
  });

  it('merges', () => {
    for (const v of R.merges) expect(merge(v.inputs, v.intersect).counts).toBe(v.result);
  });
});
