// Defects found by running rlekit on real exports and hostile input (issue #12); each test failed first.
import { describe, expect, it } from 'vitest';
import { Mask, type RleWarning } from '@rlekit/core';
import { decodeMask, dialect } from '../src/index.js';
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

export { expectCode, expectCodeAsync };
