// Defects found by running rlekit on real exports and hostile input (issue #12); each test failed first.
import { describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { LabelMap, Mask, type MaskDataset, type RleWarning } from '@rlekit/core';
import { decodeMask, dialect, encodeLabelMap, encodeMask } from '../src/index.js';
import { chunk, concat } from './reference.js';
import { expectCode, expectCodeAsync } from './helpers.js';
import { refPng } from './reference.js';

function warnings(): { list: RleWarning[]; ctx: { warn: (w: RleWarning) => void } } {
  const list: RleWarning[] = [];
  return { list, ctx: { warn: (w) => list.push(w) } };
}

describe('void applies to 8-bit grey and palette maps only (#12 item 7)', () => {
  // A 3x4 RGB semantic map: a pure blue object (0, 0, 255) packs to label 255.
  const blue = refPng({ width: 4, height: 3, bitDepth: 8, colorType: 2, sample: (x, y) => (x >= 1 && x <= 2 && y >= 1 ? [0, 0, 255] : x === 3 && y === 0 ? [255, 0, 0] : [0, 0, 0]) });

  it('a pure blue object in an RGB map is category 255, not void, and --drop-void keeps it', async () => {
    const w = warnings();
    const d = await dialect.read(blue, { dropVoid: true }, w.ctx);
    const obj = d.annotations.find((a) => a.categoryId === 255);
    expect(obj?.mask.area()).toBe(4);
    expect(d.categories.find((c) => c.id === 255)?.name).toBe('255');
    expect(w.list.map((x) => x.code)).not.toContain('dropped-void');
  });

  it('16-bit grey semantic maps have no void label either', async () => {
    const g16 = refPng({ width: 3, height: 2, bitDepth: 16, colorType: 0, sample: (x) => [x === 0 ? 255 : x === 1 ? 300 : 0] });
    const d = await dialect.read(g16, { dropVoid: true });
    expect(d.annotations.map((a) => a.categoryId)).toEqual([255, 300]);
    expect(d.categories.find((c) => c.id === 255)?.name).toBe('255');
  });

  it('8-bit palette and grey maps keep their void label', async () => {
    const pal = refPng({ width: 3, height: 2, bitDepth: 8, colorType: 3, palette: Array.from({ length: 256 }, (_, i) => [i, i, i]), sample: (x) => [x === 0 ? 255 : 1] });
    const w = warnings();
    const d = await dialect.read(pal, { dropVoid: true }, w.ctx);
    expect(d.annotations.map((a) => a.categoryId)).toEqual([1]);
    expect(w.list.map((x) => x.code)).toContain('dropped-void');
    const grey = refPng({ width: 3, height: 2, bitDepth: 8, colorType: 0, sample: (x) => [x === 0 ? 255 : 1] });
    expect((await dialect.read(grey)).categories.find((c) => c.id === 255)?.name).toBe('void');
  });

  it('an RGB map read through a colour map keeps the void the map names (VOC colours)', async () => {
    const voc = refPng({ width: 2, height: 2, bitDepth: 8, colorType: 2, sample: (x) => (x === 0 ? [224, 224, 192] : [128, 0, 0]) });
    const w = warnings();
    const d = await dialect.read(voc, { colorMap: 'voc', dropVoid: true }, w.ctx);
    expect(d.annotations.map((a) => a.categoryId)).toEqual([1]);
    expect(w.list.map((x) => x.code)).toContain('dropped-void');
  });
});

describe('RGBA masks whose alpha carries nothing use the colour channels (#12 item 8)', () => {
  // pycococreator's sample masks: RGBA, alpha 255 everywhere, the shape in white on black.
  const shape = (x: number, y: number): boolean => x >= 2 && x < 5 && y >= 1 && y < 3;
  const opaque = refPng({ width: 7, height: 4, bitDepth: 8, colorType: 6, sample: (x, y) => (shape(x, y) ? [255, 255, 255, 255] : [0, 0, 0, 255]) });

  it('decodeMask: constant alpha → foreground from R, G, B, and says so', () => {
    const w = warnings();
    const m = decodeMask(opaque, { warn: w.ctx.warn });
    expect(m.area()).toBe(6);
    expect(m.bbox()).toEqual({ x: 2, y: 1, width: 3, height: 2 });
    expect(w.list).toEqual([expect.objectContaining({ code: 'channel-chosen' })]);
    expect(w.list[0]!.message).toMatch(/colour/);
  });

  it('grey + alpha with constant alpha, and a fully transparent image, too', () => {
    const ga = refPng({ width: 5, height: 3, bitDepth: 8, colorType: 4, sample: (x, y) => [x === 4 && y === 2 ? 200 : 0, 0] });
    const m = decodeMask(ga);
    expect(m.area()).toBe(1);
    expect(m.toBitmap('row')[14]).toBe(1);
  });

  it('alpha that varies still decides (even with colour everywhere)', () => {
    const alpha = refPng({ width: 7, height: 4, bitDepth: 8, colorType: 6, sample: (x, y) => [200, 10, 10, shape(x, y) ? 255 : 0] });
    const w = warnings();
    expect(decodeMask(alpha, { warn: w.ctx.warn }).area()).toBe(6);
    expect(w.list).toEqual([]);
    // channel 'alpha' given explicitly is obeyed even when alpha is constant.
    expect(decodeMask(opaque, { channel: 'alpha' }).area()).toBe(28);
  });

  it('the binary read reports the files once, with the channel used', async () => {
    const w = warnings();
    const d = await dialect.read(opaque, { mode: 'binary' }, w.ctx);
    expect(d.annotations[0]!.mask.area()).toBe(6);
    expect(w.list.filter((x) => x.code === 'channel-chosen')).toHaveLength(1);
    const f = await dialect.read(opaque, { mode: 'foreground' });
    expect(f.annotations[0]!.mask.equals(Mask.fromBitmap(Uint8Array.from({ length: 28 }, (_, i) => (shape(i % 7, Math.floor(i / 7)) ? 1 : 0)), { height: 4, width: 7 }))).toBe(true);
  });
});


describe('label maps with alpha that says nothing', () => {
  it('an RGBA label map transparent everywhere keeps its colours (alpha constant), one with real alpha does not', async () => {
    const clear = refPng({ width: 3, height: 2, bitDepth: 8, colorType: 6, sample: (x) => (x === 1 ? [255, 0, 0, 0] : [0, 0, 0, 0]) });
    expect((await dialect.read(clear)).annotations.map((a) => [a.categoryId, a.mask.area()])).toEqual([[0xff0000, 2]]);
    const cut = refPng({ width: 3, height: 2, bitDepth: 8, colorType: 6, sample: (x, y) => (x === 1 ? [255, 0, 0, y === 0 ? 0 : 255] : [0, 0, 0, 255]) });
    expect((await dialect.read(cut)).annotations.map((a) => [a.categoryId, a.mask.area()])).toEqual([[0xff0000, 1]]);
  });
});

describe('the PNG writer checks maxPixels before painting (#12 item 11)', () => {
  // What a 213-byte COCO file with one full 65535x65535 mask (or Kaggle --size 65535x65535) gives.
  const huge = (): MaskDataset => {
    const size = { height: 65535, width: 65535 };
    return { images: [{ id: 1, ...size }], categories: [{ id: 1, name: 'a' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask: Mask.full(size) }] };
  };

  it.each(['semantic', 'instance', 'binary', 'foreground'] as const)('%s: a 65535x65535 image is LIMIT_EXCEEDED at once, nothing painted', async (mode) => {
    const t0 = performance.now();
    const files = dialect.writeFiles!(huge(), { mode });
    const e = await expectCodeAsync((async () => { for await (const f of files) void f; })(), 'LIMIT_EXCEEDED');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(e.path).toEqual(['images', 0]);
    expect(e.message).toMatch(/65535x65535/);
  });

  it('a raised maxPixels lets a larger image through; the codec has the same check', async () => {
    const d: MaskDataset = { images: [{ id: 1, height: 3, width: 5 }], categories: [], annotations: [{ id: 1, imageId: 1, mask: Mask.full({ height: 3, width: 5 }) }] };
    await expectCodeAsync(dialect.write(d, { mode: 'foreground', maxPixels: 14 }), 'LIMIT_EXCEEDED');
    expect(decodeMask(await dialect.write(d, { mode: 'foreground', maxPixels: 15 })).area()).toBe(15);
    expectCode(() => encodeMask(Mask.full({ height: 65535, width: 65535 })), 'LIMIT_EXCEEDED');
    expectCode(() => encodeMask(Mask.full({ height: 3, width: 5 }), { maxPixels: 10 }), 'LIMIT_EXCEEDED');
  });
});

describe('reading bounds runs, not just pixels (#12 item 14)', () => {
  /** A 1-bit grey PNG of one row of `width` pixels alternating 0, 1 (a run per pixel), deflated. */
  function stripes(width: number): Uint8Array {
    const row = new Uint8Array(1 + Math.ceil(width / 8)).fill(0x55);
    row[0] = 0;
    const ihdr = new Uint8Array(13);
    new DataView(ihdr.buffer).setUint32(0, width);
    new DataView(ihdr.buffer).setUint32(4, 1);
    ihdr.set([1, 0, 0, 0, 0], 8);
    return concat([Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', ihdr), chunk('IDAT', new Uint8Array(deflateSync(row))), chunk('IEND', new Uint8Array(0))]);
  }

  it('a 33 KB PNG of 1 x 2^28 stripes is LIMIT_EXCEEDED (the 522 KB file of the issue, better compressed)', async () => {
    const png = stripes(1 << 28);
    expect(png.length).toBeLessThan(40_000);
    // Refused as soon as the runs pass the limit (lowered here to keep the test fast; the default,
    // DEFAULT_MAX_RUNS = 2^25, refuses this file the same way after 2^25 runs: core's limits test).
    const t0 = performance.now();
    const e = await expectCodeAsync(dialect.read(png, { mode: 'binary', maxRuns: 1 << 16 }), 'LIMIT_EXCEEDED');
    expect(e.message).toMatch(/maxRuns/);
    expect(e.path).toEqual(['image.png']);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('label maps of stripes: all labels together are bounded by maxRuns', async () => {
    // Vertical stripes of labels 1 and 2, 40 x 64: 2560 runs.
    const lm = LabelMap.fromArray(Uint8Array.from({ length: 40 * 64 }, (_, i) => 1 + (i & 1)), { height: 40, width: 64 });
    const png = encodeLabelMap(lm);
    expect((await dialect.read(png)).annotations).toHaveLength(2);
    await expectCodeAsync(dialect.read(png, { maxRuns: 2000 }), 'LIMIT_EXCEEDED');
    await expectCodeAsync(dialect.read(png, { mode: 'instance', maxRuns: 2000 }), 'LIMIT_EXCEEDED');
    expect((await dialect.read(stripes(64), { mode: 'binary', maxRuns: 64 })).annotations[0]!.mask.area()).toBe(32);
    expectCode(() => decodeMask(stripes(64), { maxRuns: 40 }), 'LIMIT_EXCEEDED');
  });
});
