import { describe, expect, it } from 'vitest';
import { bytesSource, collectDataset, isRleError } from '@rlekit/core';
import { area, bboxToMask, decode, dialect, fromPolygons, iou, merge, toBbox } from '../src/index.js';
import { hostileValues, withEachLeafReplaced } from '../../core/test/support.js';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

// 2 x 3, non-square; one RLE, one polygon, one uncompressed RLE.
const doc = {
  info: { year: 2026 },
  images: [{ id: 1, file_name: 'a.png', height: 2, width: 3 }],
  categories: [{ id: 1, name: 'c', supercategory: 's' }],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, segmentation: { size: [2, 3], counts: '1213' }, area: 2, bbox: [0, 0, 2, 2], iscrowd: 0 },
    { id: 2, image_id: 1, category_id: 1, segmentation: [[0, 0, 2, 0, 2, 1, 0, 1]], area: 2, bbox: [0, 0, 2, 1], iscrowd: 0 },
    { id: 3, image_id: 1, category_id: 1, segmentation: { size: [2, 3], counts: [1, 2, 3] }, area: 2, bbox: [0, 0, 2, 2], iscrowd: 1, score: 0.5 },
  ],
};

async function expectReadOrRleError(run: () => Promise<unknown>, where: string): Promise<void> {
  try {
    await run();
  } catch (e) {
    expect(isRleError(e), `${where}: ${String(e)}`).toBe(true);
  }
}

describe('hostile values where numbers and strings are expected', () => {
  it('an object with a toString key in any field of a COCO file fails with an RleError (in memory and streamed)', async () => {
    for (const value of hostileValues()) {
      for (const { path, doc: d } of withEachLeafReplaced(doc, value)) {
        const bytes = enc(d);
        await expectReadOrRleError(() => dialect.read(bytes), `read ${JSON.stringify(path)}`);
        await expectReadOrRleError(async () => collectDataset(await dialect.readStream!(bytesSource(bytes))), `readStream ${JSON.stringify(path)}`);
      }
    }
  });

  it('the codec functions refuse hostile sizes, counts and polygons with an RleError', () => {
    for (const v of hostileValues()) {
      const h = v as number;
      for (const run of [
        () => decode({ size: [h, 3], counts: '6' }),
        () => decode({ size: [2, 3], counts: [h, 6] as number[] }),
        () => decode({ size: v as [number, number], counts: '6' }),
        () => fromPolygons([[0, 0, h, 0, 2, 1]], 2, 3),
        () => fromPolygons([v as number[]], 2, 3),
        () => fromPolygons([[0, 0, 2, 0, 2, 1]], h, 3),
        () => bboxToMask([0, 0, h, 1], 2, 3),
        () => iou([[0, 0, h, 1]], [[0, 0, 1, 1]]),
        () => area({ size: [2, h], counts: '6' }),
        () => toBbox({ size: [2, 3], counts: [h] as number[] }),
        () => merge([{ size: [2, 3], counts: '6' }, { size: [h, 3], counts: '6' }]),
      ]) {
        try {
          run();
        } catch (e) {
          expect(isRleError(e), String(e)).toBe(true);
        }
      }
    }
  });
});
