import { describe, expect, it } from 'vitest';
import { Mask } from '@rlekit/core';
import { contactSheet, renderOverlay } from '../src/index.js';

const size = { height: 6, width: 10 };
const rect = (x: number, y: number, w: number, h: number) => {
  const bm = new Uint8Array(size.height * size.width);
  for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) bm[yy * size.width + xx] = 1;
  return Mask.fromBitmap(bm, size, 'row');
};
const at = (img: { width: number; data: Uint8ClampedArray }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

describe('renderOverlay', () => {
  it('fills the mask, outlines it, leaves the rest as canvas, without transposing a non-square mask', () => {
    const img = renderOverlay(size, [{ mask: rect(2, 1, 5, 4) }], [], { legend: false });
    expect([img.width, img.height]).toEqual([10, 6]);
    const canvas = at(img, 0, 0), edge = at(img, 2, 1), inside = at(img, 4, 2);
    expect(canvas).toEqual([40, 40, 40, 255]);
    expect(inside).not.toEqual(canvas);
    expect(edge).not.toEqual(inside);
    // (1, 2) is left of the mask and (7, 1) right of it: canvas; (6, 4) its last pixel: outline.
    expect(at(img, 1, 2)).toEqual(canvas);
    expect(at(img, 7, 1)).toEqual(canvas);
    expect(at(img, 6, 4)).toEqual(edge);
    const plain = renderOverlay(size, [{ mask: rect(2, 1, 5, 4) }], [], { legend: false, outline: false });
    expect(at(plain, 2, 1)).toEqual(at(plain, 4, 2));
  });

  it('blends over a photo and draws a legend of the categories used, on the right', () => {
    const photo = { width: 10, height: 6, data: new Uint8ClampedArray(240).fill(200) };
    const cats = [{ id: 1, name: 'leaf' }, { id: 2, name: 'unused' }];
    const img = renderOverlay(size, [{ mask: rect(0, 0, 2, 2), categoryId: 1 }], cats, { background: photo, alpha: 0.5 });
    expect(img.width).toBeGreaterThan(10);
    expect(at(img, 9, 5)).toEqual([200, 200, 200, 255]);
    // Legend text is dark on white: some legend pixel is dark.
    let dark = 0;
    for (let y = 0; y < img.height; y++) for (let x = 10; x < img.width; x++) if (at(img, x, y)[0]! < 60) dark++;
    expect(dark).toBeGreaterThan(5);
  });

  it('refuses masks and photos of another size, and drawings past maxPixels, with typed errors', () => {
    expect(() => renderOverlay({ height: 10, width: 6 }, [{ mask: rect(0, 0, 1, 1) }])).toThrow(expect.objectContaining({ code: 'SIZE_MISMATCH' }));
    expect(() => renderOverlay(size, [], [], { background: { width: 6, height: 10, data: new Uint8ClampedArray(240) } })).toThrow(expect.objectContaining({ code: 'SIZE_MISMATCH' }));
    expect(() => renderOverlay(size, [], [], { maxPixels: 10 })).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
  });

  it('lays drawings out in a captioned grid', () => {
    const a = renderOverlay(size, [], [], { legend: false });
    const sheet = contactSheet([{ image: a, caption: 'a' }, { image: a, caption: 'b' }, { image: a, caption: 'c' }], { columns: 2 });
    expect(sheet.width).toBeGreaterThanOrEqual(2 * 10);
    expect(sheet.height).toBeGreaterThanOrEqual(2 * 6);
  });
});
