import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesSource, LabelMap, Mask, memoryFolder, type MaskDataset, type OutputFile, type RleWarning } from '@rlekit/core';
import { decodeLabelMap, decodeMask, dialect, encodeLabelMap, encodeMask, readHeader, vocPalette } from '../src/index.js';
import { globTest } from '../src/dialect.js';
import { bitmapArb, expectCodeAsync } from './helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const lm8 = (values: number[], height: number, width: number): LabelMap => LabelMap.fromArray(Uint8Array.from(values), { height, width });

async function collect(files: AsyncIterable<OutputFile>): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for await (const f of files) out[f.path] = f.bytes;
  return out;
}

function warnings(): { list: RleWarning[]; ctx: { warn: (w: RleWarning) => void } } {
  const list: RleWarning[] = [];
  return { list, ctx: { warn: (w) => list.push(w) } };
}

// 3x4, non-square; label 2 at the first pixel, label 1 at the last.
const A = [2, 0, 0, 1, 0, 2, 0, 1, 0, 0, 1, 1];
const B = [0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0];

describe('png dialect: reading', () => {
  it('a folder of palette label maps with a CVAT labelmap.txt: one annotation per label and image, names from the map', async () => {
    const folder = memoryFolder({
      'a.png': encodeLabelMap(lm8(A, 3, 4)),
      'sub/b.png': encodeLabelMap(lm8(B, 3, 4)),
      'labelmap.txt': enc('# label:color_rgb:parts:actions\nbackground:0,0,0::\ncat:128,0,0::\ndog:0,128,0::\nbird:128,128,0::\n'),
      'notes.txt': enc('hello'),
    });
    const w = warnings();
    const d = await dialect.read(folder, {}, w.ctx);
    expect(d.images).toEqual([
      { id: 'a', fileName: 'a.png', height: 3, width: 4 },
      { id: 'sub/b', fileName: 'sub/b.png', height: 3, width: 4 },
    ]);
    expect(d.categories).toEqual([
      { id: 1, name: 'cat', color: [128, 0, 0] }, { id: 2, name: 'dog', color: [0, 128, 0] }, { id: 3, name: 'bird', color: [128, 128, 0] },
    ]);
    expect(d.annotations.map((a) => [a.imageId, a.categoryId, a.mask.area()])).toEqual([['a', 1, 4], ['a', 2, 2], ['sub/b', 3, 2]]);
    expect(Array.from(d.annotations[1]!.mask.toBitmap())).toEqual(A.map((v) => (v === 2 ? 1 : 0)));
    expect(w.list).toEqual([expect.objectContaining({ code: 'skipped-files', count: 1 })]);
  });

  it('RGB colour-coded class maps through a colour map (CVAT exports); unknown colours are errors or reported', async () => {
    const colors = { 1: [128, 0, 0], 2: [0, 128, 0] } as const;
    const png = encodeLabelMap(lm8(A, 3, 4), { format: 'rgb', colors });
    expect(readHeader(png).colorType).toBe(2);
    const map = enc('background:0,0,0::\ncat:128,0,0::\ndog:0,128,0::\n');
    const d = await dialect.read(memoryFolder({ 'x.png': png, 'labelmap.txt': map }));
    expect(d.annotations.map((a) => [a.categoryId, a.mask.area()])).toEqual([[1, 4], [2, 2]]);
    const onlyCat = enc('background:0,0,0::\ncat:128,0,0::\n');
    await expectCodeAsync(dialect.read(memoryFolder({ 'x.png': png, 'labelmap.txt': onlyCat })), 'INVALID_TOKEN');
    const w = warnings();
    const d2 = await dialect.read(memoryFolder({ 'x.png': png, 'labelmap.txt': onlyCat }), { unknownColor: 'background' }, w.ctx);
    expect(d2.annotations.map((a) => a.categoryId)).toEqual([1]);
    expect(w.list).toEqual([expect.objectContaining({ code: 'unknown-color', count: 2 })]);
  });

  it('VOC: names from the VOC palette; the void label 255 is kept as a category or dropped with a warning', async () => {
    const png = encodeLabelMap(lm8([15, 15, 255, 0, 0, 255], 2, 3));
    const kept = await dialect.read(png, { colorMap: 'voc' });
    expect(kept.categories.find((c) => c.id === 15)).toEqual({ id: 15, name: 'person', color: [192, 128, 128] });
    expect(kept.annotations.map((a) => [a.categoryId, a.mask.area()])).toEqual([[15, 2], [255, 2]]);
    expect(kept.categories.find((c) => c.id === 255)?.name).toBe('void');
    const w = warnings();
    const dropped = await dialect.read(png, { colorMap: 'voc', dropVoid: true }, w.ctx);
    expect(dropped.annotations.map((a) => a.categoryId)).toEqual([15]);
    expect(dropped.categories.some((c) => c.id === 255)).toBe(false);
    expect(w.list).toEqual([expect.objectContaining({ code: 'dropped-void', count: 2 })]);
    // Without a colour map the void label still gets a name, and the palette gives colours.
    const plain = await dialect.read(png);
    expect(plain.categories).toEqual([{ id: 15, name: '15', color: [192, 128, 128] }, { id: 255, name: 'void', color: [224, 224, 192] }]);
  });

  it('a colour map named by path is opened through the context; without file access it is an error', async () => {
    const png = encodeLabelMap(lm8(A, 3, 4));
    const json = enc(JSON.stringify({ 1: { name: 'road', color: [1, 2, 3] }, 2: [4, 5, 6] }));
    const ctx = { warn: () => {}, open: async (p: string) => bytesSource(json, p) };
    const d = await dialect.read(png, { colorMap: 'maps/cityscapes.json' }, ctx);
    expect(d.categories).toEqual([{ id: 1, name: 'road', color: [1, 2, 3] }, { id: 2, name: '2', color: [4, 5, 6] }]);
    await expectCodeAsync(dialect.read(png, { colorMap: 'maps/cityscapes.json' }), 'INVALID_OPTION');
    const bad = { warn: () => {}, open: async (p: string) => bytesSource(enc('{"1": [1, 2]}'), p) };
    const e = await expectCodeAsync(dialect.read(png, { colorMap: 'x.json' }, bad), 'INVALID_STRUCTURE');
    expect(e.path[0]).toBe('colorMap');
  });

  it('16-bit instance maps with the Cityscapes rule: id // 1000 is the class, ids below 1000 are the class itself', async () => {
    const ids = Uint16Array.of(26001, 26001, 0, 26002, 24000, 7, 7, 0);
    const png = encodeLabelMap(LabelMap.fromArray(ids, { height: 2, width: 4 }), { format: 'gray16' });
    const d = await dialect.read(png, { mode: 'instance', classes: 'cityscapes' });
    expect(d.annotations.map((a) => [a.id, a.categoryId, a.mask.area()])).toEqual([[7, 7, 2], [24000, 24, 1], [26001, 26, 2], [26002, 26, 1]]);
    expect(d.categories.map((c) => c.id)).toEqual([7, 24, 26]);
    const plain = await dialect.read(png, { mode: 'instance' });
    expect(plain.annotations.every((a) => a.categoryId === undefined)).toBe(true);
    const div = await dialect.read(png, { mode: 'instance', classes: '//1000' });
    expect(div.annotations.map((a) => a.categoryId)).toEqual([undefined, 24, 26, 26]);
    await expectCodeAsync(dialect.read(png, { mode: 'instance', classes: 'id % 7' }), 'INVALID_OPTION');
  });

  it('VOC SegmentationObject: instances 1..N and the 255 border as void, kept or dropped', async () => {
    const png = encodeLabelMap(lm8([1, 1, 255, 2, 255, 0], 2, 3));
    const d = await dialect.read(png, { mode: 'instance' });
    expect(d.annotations.map((a) => [a.id, a.categoryId, a.mask.area()])).toEqual([[1, undefined, 2], [2, undefined, 1], [255, 255, 2]]);
    expect(d.categories).toEqual([{ id: 255, name: 'void' }]);
    const w = warnings();
    const dropped = await dialect.read(png, { mode: 'instance', dropVoid: true }, w.ctx);
    expect(dropped.annotations.map((a) => a.id)).toEqual([1, 2]);
    expect(w.list).toEqual([expect.objectContaining({ code: 'dropped-void', count: 2 })]);
    // 16-bit instance maps have no void label: 255 is an instance like any other.
    const ids16 = encodeLabelMap(LabelMap.fromArray(Uint16Array.of(255, 1000, 0, 0), { height: 2, width: 2 }), { format: 'gray16' });
    expect((await dialect.read(ids16, { mode: 'instance', dropVoid: true })).annotations.map((a) => a.id)).toEqual([255, 1000]);
  });

  it('a folder of maps of many sizes reads as each map alone (one label array is reused from map to map)', async () => {
    const mapArb = fc.record({
      height: fc.integer({ min: 1, max: 30 }), width: fc.integer({ min: 1, max: 30 }), seed: fc.integer({ min: 1, max: 1e9 }),
      format: fc.constantFrom('palette', 'gray8', 'gray16'),
    }).filter(({ height, width }) => height !== width);
    await fc.assert(fc.asyncProperty(fc.array(mapArb, { minLength: 2, maxLength: 6 }), async (maps) => {
      const files: Record<string, Uint8Array> = {};
      maps.forEach(({ height, width, seed, format }, k) => {
        let st = seed;
        const values = Array.from({ length: height * width }, () => ((st = (Math.imul(st, 1664525) + 1013904223) >>> 0) >>> 29) % 4);
        values[0] = 3; // foreground at the first and last pixel
        values[values.length - 1] = 2;
        files[`m${k}.png`] = encodeLabelMap(lm8(values, height, width), { format: format as 'palette' | 'gray8' | 'gray16' });
      });
      const d = await dialect.read(memoryFolder(files));
      const want = Object.entries(files).flatMap(([name, png]) => [...decodeLabelMap(png).masks()].map(([label, m]) => [name.slice(0, -4), label, Array.from(m.toBitmap())]));
      expect(d.annotations.map((a) => [a.imageId, a.categoryId, Array.from(a.mask.toBitmap())])).toEqual(want);
    }), { numRuns: 60 });
    // Instance maps with class maps, the second image smaller than the first.
    const big = [1, 1, 0, 2, 2, 0, 1, 0, 2, 2], small = [0, 2, 2, 0, 0, 1];
    const voc = memoryFolder({
      'SegmentationObject/a.png': encodeLabelMap(lm8(big, 2, 5)), 'SegmentationClass/a.png': encodeLabelMap(lm8(big.map((v) => v * 5), 2, 5)),
      'SegmentationObject/b.png': encodeLabelMap(lm8(small, 3, 2)), 'SegmentationClass/b.png': encodeLabelMap(lm8(small.map((v) => v * 7), 3, 2)),
    });
    const inst = await dialect.read(voc, { mode: 'instance' });
    expect(inst.annotations.map((a) => [a.id, a.categoryId, a.mask.height, a.mask.width, a.mask.area()])).toEqual([
      ['a:1', 5, 2, 5, 3], ['a:2', 10, 2, 5, 4], ['b:1', 7, 3, 2, 1], ['b:2', 14, 3, 2, 2],
    ]);
  });

  it('VOC / CVAT "Segmentation mask 1.1" folders: class maps for semantic, instance maps with their class for instance', async () => {
    // 3x5. Two cats (instances 1, 2; class 8) and a dog (instance 3; class 12), a 255 border.
    const cls = [8, 8, 255, 12, 12, 0, 255, 8, 12, 12, 0, 0, 8, 0, 0];
    const obj = [1, 1, 255, 3, 3, 0, 255, 2, 3, 3, 0, 0, 2, 0, 0];
    const names = 'background:0,0,0::\n' + Array.from({ length: 12 }, (_, i) => `${['aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow', 'diningtable', 'dog'][i]}:${i + 1},0,0::\n`).join('');
    const voc = memoryFolder({
      'SegmentationClass/2007_000032.png': encodeLabelMap(lm8(cls, 3, 5)),
      'SegmentationObject/2007_000032.png': encodeLabelMap(lm8(obj, 3, 5)),
      'ImageSets/Segmentation/default.txt': enc('2007_000032\n'),
      'labelmap.txt': enc(names),
    });
    const sem = await dialect.read(voc, { mode: 'semantic' });
    expect(sem.images).toEqual([{ id: '2007_000032', fileName: 'SegmentationClass/2007_000032.png', height: 3, width: 5 }]);
    expect(sem.annotations.map((a) => [a.categoryId, a.mask.area()])).toEqual([[8, 4], [12, 4], [255, 2]]);
    expect(sem.categories.map((c) => c.name)).toEqual(['cat', 'dog', 'void']);
    const w = warnings();
    const inst = await dialect.read(voc, { mode: 'instance', dropVoid: true }, w.ctx);
    expect(inst.images.map((i) => i.id)).toEqual(['2007_000032']);
    expect(inst.annotations.map((a) => [a.id, a.categoryId, a.mask.area()])).toEqual([['2007_000032:1', 8, 2], ['2007_000032:2', 8, 2], ['2007_000032:3', 12, 4]]);
    expect(inst.categories).toEqual([{ id: 8, name: 'cat', color: [8, 0, 0] }, { id: 12, name: 'dog', color: [12, 0, 0] }]);
    expect(w.list.map((x) => x.code)).toEqual(['dropped-void']);
    // CVAT writes both as RGB: classes in labelmap.txt colours, instances in colours of their own.
    const palette = (labels: number[], colorOf: (l: number) => number[]) => encodeLabelMap(LabelMap.fromArray(Uint8Array.from(labels), { height: 3, width: 5 }), {
      format: 'rgb', colors: Object.fromEntries([...new Set(labels)].filter((l) => l > 0).map((l) => [l, colorOf(l)])) as never,
    });
    const cvat = memoryFolder({
      'SegmentationClass/frame_0.png': palette(cls.map((v) => (v === 255 ? 0 : v)), (l) => [l, 0, 0]),
      'SegmentationObject/frame_0.png': palette(obj.map((v) => (v === 255 ? 0 : v)), (l) => [0, 50 * l, 200]),
      'labelmap.txt': enc(names),
    });
    const ci = await dialect.read(cvat, { mode: 'instance' });
    expect(ci.annotations.map((a) => [a.categoryId, a.mask.area()])).toEqual([[8, 2], [8, 2], [12, 4]]);
    const missing = memoryFolder({ 'SegmentationObject/x.png': encodeLabelMap(lm8(obj, 3, 5)) });
    const w2 = warnings();
    await dialect.read(missing, { mode: 'instance' }, w2.ctx);
    expect(w2.list.map((x) => x.code)).toEqual(['no-class-map']);
    await expectCodeAsync(dialect.read(missing, { mode: 'semantic' }), 'INVALID_STRUCTURE');
  });

  it('--files picks the PNGs of one kind from a Cityscapes-style folder', async () => {
    const ids = encodeLabelMap(LabelMap.fromArray(Uint16Array.of(26001, 26002, 7, 0), { height: 2, width: 2 }), { format: 'gray16' });
    const folder = memoryFolder({
      'aachen/aachen_000000_000019_gtFine_instanceIds.png': ids,
      'aachen/aachen_000000_000019_gtFine_labelIds.png': encodeLabelMap(lm8([26, 26, 7, 0], 2, 2), { format: 'gray8' }),
      'aachen/aachen_000000_000019_gtFine_color.png': encodeLabelMap(lm8([1, 1, 2, 0], 2, 2), { format: 'rgb' }),
    });
    const d = await dialect.read(folder, { mode: 'instance', classes: 'cityscapes', files: '*_instanceIds.png' });
    expect(d.images.map((i) => i.id)).toEqual(['aachen/aachen_000000_000019_gtFine_instanceIds']);
    expect(d.annotations.map((a) => a.categoryId)).toEqual([7, 26, 26]);
    const t = globTest('**/masks/*_?.png');
    expect([t('a/b/masks/x_1.png'), t('masks/x_1.png'), t('a/masks/sub/x_1.png'), t('a/masks/x_12.png')]).toEqual([true, true, false, false]);
    expect(globTest('*.PNG')('deep/dir/A.png')).toBe(true);
    expect(globTest('a+b(1).png')('a+b(1).png')).toBe(true);
  });

  it('COCO panoptic style RGB instance maps: R + 256 G + 65536 B', async () => {
    const ids = Uint32Array.of(0, 300, 300, 70000, 0, 1);
    const png = encodeLabelMap(LabelMap.fromArray(ids, { height: 3, width: 2 }), { format: 'rgb', rgbOrder: 'bgr' });
    const d = await dialect.read(png, { mode: 'instance', rgbOrder: 'bgr' });
    expect(d.annotations.map((a) => [a.id, a.mask.area()])).toEqual([[1, 1], [300, 2], [70000, 1]]);
  });

  it('readIncrementally: file by file, stopping reads no further file; read to the end it is read()', async () => {
    // Labels found out of order (7 before 3), non-square maps, foreground at the first and last pixel.
    const files: Record<string, Uint8Array> = {
      'a.png': encodeLabelMap(lm8([7, 0, 0, 0, 0, 7], 2, 3)),
      'b.png': encodeLabelMap(lm8([3, 3, 0, 7, 0, 1], 3, 2), { format: 'gray8' }),
      'c.png': encodeLabelMap(lm8([0, 0, 0, 0, 0, 0], 1, 6)), // no annotation
      'd.png': encodeLabelMap(lm8([5, 0, 0, 0, 0, 0, 0, 5], 2, 4), { format: 'gray16' }),
    };
    const opened: string[] = [];
    const counted = (): ReturnType<typeof memoryFolder> => {
      const folder = memoryFolder(files);
      return { ...folder, open: (p) => (opened.push(p), folder.open(p)) };
    };
    const r = await dialect.readIncrementally!(counted());
    expect(opened).toEqual([]); // listed, not read
    const seen: unknown[] = [];
    for await (const a of r.annotations) {
      seen.push(a.id);
      if (seen.length === 1) {
        // One file read: its image and its one category, nothing of the others.
        expect(opened).toEqual(['a.png']);
        expect(r.images.map((i) => [i.id, i.height, i.width])).toEqual([['a', 2, 3]]);
        expect(r.categories.map((c) => c.id)).toEqual([7]);
        break;
      }
    }
    expect(opened).toEqual(['a.png']);
    // Read to the end: the same images, categories (sorted by id) and masks as read().
    opened.length = 0;
    const all = await dialect.readIncrementally!(counted());
    const annotations = [];
    for await (const a of all.annotations) annotations.push(a);
    const whole = await dialect.read(memoryFolder(files));
    expect(opened).toEqual(['a.png', 'b.png', 'c.png', 'd.png']);
    expect(all.images).toEqual(whole.images);
    expect(all.categories).toEqual(whole.categories);
    expect(all.categories.map((c) => c.id)).toEqual([1, 3, 5, 7]);
    expect(annotations.map((a) => [a.id, a.imageId, a.categoryId, Array.from(a.mask.toBitmap())])).toEqual(whole.annotations.map((a) => [a.id, a.imageId, a.categoryId, Array.from(a.mask.toBitmap())]));
    expect(annotations.map((a) => a.id)).toEqual(['a:7', 'b:1', 'b:3', 'b:7', 'd:5']);
    // The other modes too: binary masks (one per file) and foreground.
    const m1 = Mask.fromBitmap(Uint8Array.of(1, 0, 0, 0, 0, 1), { height: 2, width: 3 });
    const binary = memoryFolder({ 'x_1.png': encodeMask(m1), 'x_2.png': encodeMask(m1.transpose().transpose()), 'y_1.png': encodeMask(m1) });
    for (const mode of ['binary', 'foreground'] as const) {
      const inc = await dialect.readIncrementally!(binary, { mode });
      const got = [];
      for await (const a of inc.annotations) got.push([a.id, a.imageId, a.mask.area()]);
      const want = await dialect.read(binary, { mode });
      expect(got).toEqual(want.annotations.map((a) => [a.id, a.imageId, a.mask.area()]));
      expect(inc.images).toEqual(want.images);
    }
  });

  it('an RGB instance map of 200,000 colours reads as 200,000 annotations (no argument list of them)', async () => {
    const h = 400, w = 500, labels = new Uint32Array(h * w);
    for (let i = 0; i < labels.length; i++) labels[i] = i + 1;
    const png = encodeLabelMap(LabelMap.fromArray(labels, { height: h, width: w }), { format: 'rgb' });
    const d = await dialect.read(memoryFolder({ 'a.png': png }), { mode: 'instance', classes: 'none' });
    expect(d.annotations).toHaveLength(h * w);
    const last = d.annotations[h * w - 1]!;
    expect([last.id, last.mask.area(), last.mask.bbox()]).toEqual([`a:${h * w}`, 1, { x: w - 1, y: h - 1, width: 1, height: 1 }]);
  });

  it('a folder of one binary PNG per instance, by file name pattern', async () => {
    const m1 = Mask.fromBitmap(Uint8Array.of(1, 0, 0, 0, 0, 1), { height: 2, width: 3 });
    const m2 = Mask.fromBitmap(Uint8Array.of(1, 1, 0, 0, 0, 0), { height: 2, width: 3 }); // overlaps m1
    const folder = memoryFolder({
      'img1_1.png': encodeMask(m1), 'img1_2.png': encodeMask(m2, { bitDepth: 8 }), 'img2_7.png': encodeMask(m2), 'lonely.png': encodeMask(m1),
    });
    const w = warnings();
    const d = await dialect.read(folder, { mode: 'binary' }, w.ctx);
    expect(d.images.map((i) => i.id)).toEqual(['img1', 'img2', 'lonely']);
    expect(d.annotations.map((a) => [a.id, a.imageId])).toEqual([['img1_1', 'img1'], ['img1_2', 'img1'], ['img2_7', 'img2'], ['lonely_1', 'lonely']]);
    expect(d.annotations[1]!.mask.equals(m2)).toBe(true);
    expect(w.list).toEqual([expect.objectContaining({ code: 'unmatched-name', count: 1 })]);
    const custom = await dialect.read(memoryFolder({ 'masks/im-3.png': encodeMask(m1) }), { mode: 'binary', instanceFiles: 'masks/{image}-{n}.png' });
    expect(custom.annotations.map((a) => [a.id, a.imageId])).toEqual([['im_3', 'im']]);
    const mismatch = memoryFolder({ 'a_1.png': encodeMask(m1), 'a_2.png': encodeMask(m1.transpose()) });
    await expectCodeAsync(dialect.read(mismatch, { mode: 'binary' }), 'SIZE_MISMATCH');
    await expectCodeAsync(dialect.read(folder, { mode: 'binary', instanceFiles: '{image}.png' }), 'INVALID_OPTION');
  });

  it('checks maxPixels before inflating and names the file in errors', async () => {
    const big = encodeMask(Mask.full({ height: 30, width: 40 }));
    const e = await expectCodeAsync(dialect.read(memoryFolder({ 'x/big.png': big }), { maxPixels: 1000 }), 'LIMIT_EXCEEDED');
    expect(e.path[0]).toBe('x/big.png');
    const cut = await expectCodeAsync(dialect.read(memoryFolder({ 'cut.png': big.subarray(0, big.length - 5) })), 'TRUNCATED');
    expect(cut.path[0]).toBe('cut.png');
    await expectCodeAsync(dialect.read(big, { mode: 'fancy' } as never), 'INVALID_OPTION');
  });

  it('sniffs PNG signatures', () => {
    expect(dialect.sniff(encodeMask(Mask.full({ height: 1, width: 2 })))).toBe(1);
    expect(dialect.sniff(enc('{"format": "rlekit-json"}'))).toBe(0);
    expect(dialect.sniff(enc('garbage'), 'x.png')).toBeLessThan(0.5);
  });
});

const dataset = (): MaskDataset => {
  const size = { height: 5, width: 8 };
  const box = (x0: number, y0: number, x1: number, y1: number): Mask => {
    const bits = new Uint8Array(40);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) bits[y * 8 + x] = 1;
    return Mask.fromBitmap(bits, size);
  };
  return {
    images: [{ id: 1, fileName: 'photos/one.jpg', ...size }, { id: 2, fileName: 'two.jpg', ...size }, { id: 3, fileName: 'empty.jpg', ...size }],
    categories: [{ id: 1, name: 'cell', color: [10, 20, 30] }, { id: 2, name: 'nucleus' }],
    annotations: [
      { id: 11, imageId: 1, categoryId: 1, mask: box(0, 0, 3, 2) },
      { id: 12, imageId: 1, categoryId: 1, mask: box(5, 3, 8, 5) },
      { id: 13, imageId: 1, categoryId: 2, mask: box(4, 0, 5, 5) },
      { id: 21, imageId: 2, categoryId: 2, mask: box(0, 4, 8, 5) },
    ],
  };
};

describe('png dialect: writing folders', () => {
  it('semantic: one label map per image plus labelmap.txt; names, colours and pixels per category come back', async () => {
    const w = warnings();
    const files = await collect(dialect.writeFiles!(dataset(), {}, w.ctx));
    expect(Object.keys(files).sort()).toEqual(['empty.png', 'labelmap.txt', 'photos/one.png', 'two.png']);
    expect(new TextDecoder().decode(files['labelmap.txt'])).toBe('# label:color_rgb:parts:actions\nbackground:0,0,0::\ncell:10,20,30::\nnucleus:0,128,0::\n');
    const png = files['photos/one.png']!;
    expect(readHeader(png)).toMatchObject({ colorType: 3, bitDepth: 8 });
    expect(w.list.map((x) => x.code)).toContain('merged-instances');
    const back = await dialect.read(memoryFolder(files));
    expect(back.categories).toEqual([{ id: 1, name: 'cell', color: [10, 20, 30] }, { id: 2, name: 'nucleus', color: [0, 128, 0] }]);
    expect(back.images.map((i) => i.id)).toEqual(['empty', 'photos/one', 'two']);
    const d = dataset();
    const one = back.annotations.filter((a) => a.imageId === 'photos/one');
    expect(one.map((a) => a.categoryId)).toEqual([1, 2]);
    expect(one[0]!.mask.equals(d.annotations[0]!.mask.union(d.annotations[1]!.mask))).toBe(true);
    expect(one[1]!.mask.equals(d.annotations[2]!.mask)).toBe(true);
    // Pillow-independent check of the palette: category colour at its label, VOC elsewhere.
    const lm = decodeLabelMap(png);
    expect(lm.labels()).toEqual([1, 2]);
  });

  it('instance maps with a classes rule keep every instance and its category', async () => {
    const files = await collect(dialect.writeFiles!(dataset(), { mode: 'instance', classes: '//1000' }));
    expect(readHeader(files['photos/one.png']!).bitDepth).toBe(16);
    expect(Array.from(new Set(decodeLabelMap(files['photos/one.png']!).data)).sort((a, b) => a - b)).toEqual([0, 1001, 1002, 2001]);
    const back = await dialect.read(memoryFolder(files), { mode: 'instance', classes: '//1000' });
    const d = dataset();
    for (const a of d.annotations) {
      const name = a.imageId === 1 ? 'photos/one' : 'two';
      expect(back.annotations.some((b) => b.imageId === name && b.categoryId === a.categoryId && b.mask.equals(a.mask)), `annotation ${a.id}`).toBe(true);
    }
    expect(back.annotations.length).toBe(4);
    const city = await collect(dialect.writeFiles!(dataset(), { mode: 'instance', classes: 'cityscapes' }));
    expect(Array.from(new Set(decodeLabelMap(city['photos/one.png']!).data)).sort((a, b) => a - b)).toEqual([0, 1000, 1001, 2000]);
    const plain = await collect(dialect.writeFiles!(dataset(), { mode: 'instance' }));
    expect(readHeader(plain['photos/one.png']!).bitDepth).toBe(8);
    expect(decodeLabelMap(plain['photos/one.png']!).labels()).toEqual([1, 2, 3]);
  });

  it('binary: one PNG per instance, overlapping masks survive; images without masks are reported', async () => {
    const d = dataset();
    d.annotations.push({ id: 14, imageId: 1, categoryId: 2, mask: d.annotations[0]!.mask.union(d.annotations[2]!.mask) });
    const w = warnings();
    const files = await collect(dialect.writeFiles!(d, { mode: 'binary' }, w.ctx));
    expect(Object.keys(files)).toEqual(['photos/one_1.png', 'photos/one_2.png', 'photos/one_3.png', 'photos/one_4.png', 'two_1.png']);
    expect(decodeMask(files['photos/one_4.png']!).equals(d.annotations[4]!.mask)).toBe(true);
    expect(w.list.every((x) => x.code === 'not-carried')).toBe(true);
    expect(w.list.map((x) => x.message).join('\n')).toMatch(/category assignments[\s\S]*images without masks: 1 images lost/);
    const back = await dialect.read(memoryFolder(files), { mode: 'binary' });
    expect(back.annotations.map((a) => a.id)).toEqual(['photos/one_1', 'photos/one_2', 'photos/one_3', 'photos/one_4', 'two_1']);
    back.annotations.forEach((a, i) => expect(a.mask.equals(d.annotations[[0, 1, 2, 4, 3][i]!]!.mask)).toBe(true)); // files are per image
    const eight = await collect(dialect.writeFiles!(d, { mode: 'binary', bitDepth: 8, foreground: 1, instanceFiles: '{image}/mask-{n}.png' }));
    expect(Object.keys(eight)[0]).toBe('photos/one/mask-1.png');
    expect(Array.from(new Set(decodeLabelMap(eight['photos/one/mask-1.png']!).data))).toEqual([1, 0]);
    await expectCodeAsync(collect(dialect.writeFiles!(d, { mode: 'binary', bitDepth: 4 })), 'INVALID_OPTION');
    const wrong = dataset();
    wrong.annotations[0]!.mask = wrong.annotations[0]!.mask.transpose();
    for (const mode of ['binary', 'foreground', 'semantic', 'instance'] as const) {
      await expectCodeAsync(collect(dialect.writeFiles!(wrong, { mode })), 'SIZE_MISMATCH');
    }
  });

  it('layout voc: class and instance maps, labelmap.txt and the image list; instances, categories and names come back', async () => {
    const w = warnings();
    const files = await collect(dialect.writeFiles!(dataset(), { layout: 'voc' }, w.ctx));
    expect(Object.keys(files).sort()).toEqual([
      'ImageSets/Segmentation/default.txt', 'SegmentationClass/empty.png', 'SegmentationClass/photos/one.png', 'SegmentationClass/two.png',
      'SegmentationObject/empty.png', 'SegmentationObject/photos/one.png', 'SegmentationObject/two.png', 'labelmap.txt',
    ]);
    expect(new TextDecoder().decode(files['ImageSets/Segmentation/default.txt'])).toBe('photos/one\ntwo\nempty\n');
    expect(w.list.map((x) => x.code)).not.toContain('merged-instances');
    expect(decodeLabelMap(files['SegmentationObject/photos/one.png']!).labels()).toEqual([1, 2, 3]);
    const back = await dialect.read(memoryFolder(files), { mode: 'instance' });
    expect(back.categories).toEqual([{ id: 1, name: 'cell', color: [10, 20, 30] }, { id: 2, name: 'nucleus', color: [0, 128, 0] }]);
    const d = dataset();
    expect(back.annotations.length).toBe(d.annotations.length);
    for (const a of d.annotations) {
      const name = a.imageId === 1 ? 'photos/one' : 'two';
      expect(back.annotations.some((b) => b.imageId === name && b.categoryId === a.categoryId && b.mask.equals(a.mask)), `annotation ${a.id}`).toBe(true);
    }
    const sem = await dialect.read(memoryFolder(files), { mode: 'semantic' });
    expect(sem.annotations.filter((a) => a.imageId === 'photos/one').map((a) => [a.categoryId, a.mask.area()])).toEqual([[1, 12], [2, 5]]);
    await expectCodeAsync(collect(dialect.writeFiles!(dataset(), { layout: 'voc', mode: 'binary' })), 'INVALID_OPTION');
  });

  it('overlaps in label maps follow the overlap option and are reported', async () => {
    const d = dataset();
    d.annotations.push({ id: 15, imageId: 2, categoryId: 1, mask: d.annotations[3]!.mask });
    const w = warnings();
    await collect(dialect.writeFiles!(d, {}, w.ctx));
    expect(w.list.map((x) => x.code)).toContain('overlap-resolved');
    // Said once, by the painting (pixel-exact), not again as a generic not-carried count.
    for (const mode of ['semantic', 'instance'] as const) {
      const wm = warnings();
      await collect(dialect.writeFiles!(d, { mode }, wm.ctx));
      expect(wm.list.filter((x) => x.code === 'overlap-resolved')).toHaveLength(1);
      expect(wm.list.filter((x) => x.capability === 'overlap')).toEqual([]);
    }
    await expectCodeAsync(collect(dialect.writeFiles!(d, { overlap: 'error' })), 'OVERLAP');
  });

  it('labels above 255 go to 16-bit; string category ids are numbered and reported', async () => {
    const d = dataset();
    d.categories = [{ id: 'cell', name: 'cell' }, { id: 'nucleus', name: 'nucleus' }];
    for (const a of d.annotations) a.categoryId = a.categoryId === 1 ? 'cell' : 'nucleus';
    const w = warnings();
    const files = await collect(dialect.writeFiles!(d, {}, w.ctx));
    expect(w.list.find((x) => x.code === 'relabelled')?.count).toBe(2);
    expect(decodeLabelMap(files['two.png']!).labels()).toEqual([2]);
    const big = dataset();
    big.categories[1] = { id: 700, name: 'nucleus' };
    for (const a of big.annotations) if (a.categoryId === 2) a.categoryId = 700;
    const f2 = await collect(dialect.writeFiles!(big, {}));
    expect(readHeader(f2['two.png']!).bitDepth).toBe(16);
    expect(decodeLabelMap(f2['two.png']!).labels()).toEqual([700]);
    await expectCodeAsync(collect(dialect.writeFiles!(big, { format: 'palette' })), 'LIMIT_EXCEEDED');
  });

  it('write() gives one PNG for one image and refuses several', async () => {
    const d = dataset();
    const one: MaskDataset = { ...d, images: [d.images[1]!], annotations: [d.annotations[3]!] };
    const w = warnings();
    const png = await dialect.write(one, {}, w.ctx);
    expect(decodeLabelMap(png).labels()).toEqual([2]);
    expect(w.list.map((x) => x.code)).toContain('not-carried'); // names need labelmap.txt
    await expectCodeAsync(dialect.write(d, {}), 'INVALID_OPTION');
    const fg = await dialect.write(one, { mode: 'foreground' });
    expect(decodeMask(fg).equals(d.annotations[3]!.mask)).toBe(true);
  });

  it('scores and attributes are reported as not carried', async () => {
    const d = dataset();
    d.annotations[0]!.score = 0.5;
    const w = warnings();
    await collect(dialect.writeFiles!(d, {}, w.ctx));
    expect(w.list.some((x) => x.code === 'not-carried' && /scores/.test(x.message))).toBe(true);
  });

  it('random non-square instance sets survive binary and instance folders exactly', async () => {
    await fc.assert(fc.asyncProperty(fc.array(bitmapArb(20), { minLength: 1, maxLength: 4 }), async (list) => {
      const { height, width } = list[0]!;
      const masks = list.map((b) => Mask.fromBitmap(b.height === height && b.width === width ? b.bits : new Uint8Array(height * width).fill(1), { height, width }));
      const d: MaskDataset = {
        images: [{ id: 'im', height, width }],
        categories: [],
        annotations: masks.map((mask, i) => ({ id: i, imageId: 'im', mask })),
      };
      const back = await dialect.read(memoryFolder(await collect(dialect.writeFiles!(d, { mode: 'binary' }))), { mode: 'binary' });
      expect(back.annotations.length).toBe(masks.length);
      back.annotations.forEach((a, i) => expect(a.mask.equals(masks[i]!)).toBe(true));
      // Instance maps cannot hold overlaps: keep the later mask's pixels, as overlap 'last' does.
      const files = await collect(dialect.writeFiles!(d, { mode: 'instance' }));
      const inst = await dialect.read(memoryFolder(files), { mode: 'instance' });
      const painted = LabelMap.fromMasks(masks.map((m, i) => [i + 1, m] as const), { height, width }, { overlap: 'last' }).masks();
      expect(inst.annotations.map((a) => a.id)).toEqual([...painted.keys()].map((l) => `im:${l}`));
      inst.annotations.forEach((a) => expect(a.mask.equals(painted.get(Number(String(a.id).slice(3)))!)).toBe(true));
    }), { numRuns: 60 });
  });

  it('semantic maps of many images of different sizes (one reused paint buffer): each file holds its own image only', async () => {
    await fc.assert(fc.asyncProperty(fc.array(bitmapArb(24), { minLength: 2, maxLength: 6 }), async (list) => {
      const d: MaskDataset = {
        images: list.map((b, i) => ({ id: i + 1, fileName: `im${i}.jpg`, height: b.height, width: b.width })),
        categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
        annotations: list.map((b, i) => ({ id: i + 1, imageId: i + 1, categoryId: 1 + (i % 2), mask: Mask.fromBitmap(b.bits, { height: b.height, width: b.width }) })),
      };
      const files = await collect(dialect.writeFiles!(d, { mode: 'semantic' }));
      list.forEach((b, i) => {
        const lm = decodeLabelMap(files[`im${i}.png`]!);
        expect([lm.height, lm.width]).toEqual([b.height, b.width]);
        expect(Array.from(lm.data)).toEqual(Array.from(b.bits, (v) => v * (1 + (i % 2))));
      });
    }), { numRuns: 60 });
  });
});

it('the default palette is the VOC palette', () => {
  expect(Array.from(vocPalette().subarray(0, 12))).toEqual([0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0]);
});
