import { describe, expect, it } from 'vitest';
import { LabelMap, Mask, memoryFolder, type MaskDataset, type OutputFile, type RleWarning } from '@rlekit/core';
import { decodeLabelMap, dialect, encodeLabelMap } from '../src/index.js';

async function collect(files: AsyncIterable<OutputFile>): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for await (const f of files) out[f.path] = f.bytes;
  return out;
}

// 3x4, non-square; label 2 at the first pixel, label 1 at the last.
const A = [2, 0, 0, 1, 0, 2, 0, 1, 0, 0, 1, 1];

describe('review: palette images with duplicate palette colours', () => {
  it('labels are indices, so a colour table sharing a colour between labels does not matter for palette images', () => {
    const palette = [[0, 0, 0], [128, 0, 0], [128, 0, 0]] as const;
    const png = encodeLabelMap(LabelMap.fromArray(Uint8Array.from(A), { height: 3, width: 4 }), { palette });
    const lm = decodeLabelMap(png, { colors: { 1: [128, 0, 0], 2: [128, 0, 0] } });
    expect(Array.from(lm.data)).toEqual(A);
  });

  it('a folder rlekit wrote from such an image (labelmap.txt with a repeated colour) reads back', async () => {
    const palette = [[0, 0, 0], [128, 0, 0], [128, 0, 0]] as const;
    const png = encodeLabelMap(LabelMap.fromArray(Uint8Array.from(A), { height: 3, width: 4 }), { palette });
    const d = await dialect.read(memoryFolder({ 'x.png': png }));
    const files = await collect(dialect.writeFiles!(d, {}));
    expect(Object.keys(files).sort()).toEqual(['labelmap.txt', 'x.png']);
    const back = await dialect.read(memoryFolder(files));
    expect(back.annotations.map((a) => [a.categoryId, a.mask.area()])).toEqual([[1, 4], [2, 2]]);
    expect(Array.from(back.annotations[1]!.mask.toBitmap())).toEqual(A.map((v) => (v === 2 ? 1 : 0)));
  });
});

describe('review: an instance labelled 255 is not read back as VOC void', () => {
  // 16x20 with instances 1..255 (16-bit input, so 255 is an instance there); the last pixel is background.
  const values = new Uint16Array(16 * 20);
  for (let i = 0; i < 255; i++) values[i] = i + 1;
  const input = () => dialect.read(memoryFolder({ 'x.png': encodeLabelMap(LabelMap.fromArray(values, { height: 16, width: 20 }), { format: 'gray16' }) }), { mode: 'instance' });

  it('instance mode: 255 instances come back as 255 instances without categories', async () => {
    const d = await input();
    expect(d.annotations.length).toBe(255);
    expect(d.categories).toEqual([]);
    const files = await collect(dialect.writeFiles!(d, { mode: 'instance' }));
    const back = await dialect.read(memoryFolder(files), { mode: 'instance' });
    expect(back.categories).toEqual([]);
    expect(back.annotations.length).toBe(255);
    expect(back.annotations.every((a) => a.categoryId === undefined && a.mask.area() === 1)).toBe(true);
    const dropped = await dialect.read(memoryFolder(files), { mode: 'instance', dropVoid: true });
    expect(dropped.annotations.length).toBe(255);
  });

  it('layout voc: instance 255 keeps its class', async () => {
    const d = await input();
    for (const a of d.annotations) a.categoryId = 1;
    d.categories = [{ id: 1, name: 'cell' }];
    const files = await collect(dialect.writeFiles!(d, { layout: 'voc' }));
    const back = await dialect.read(memoryFolder(files), { mode: 'instance' });
    expect(back.annotations.length).toBe(255);
    expect(back.annotations.every((a) => a.categoryId === 1)).toBe(true);
    expect(back.categories.map((c) => c.name)).toEqual(['cell']);
  });
});

describe('review: semantic maps written as RGB read back through their labelmap.txt', () => {
  const mask = (bits: number[]) => Mask.fromBitmap(Uint8Array.from(bits), { height: 3, width: 4 }, 'row');
  // 3x4, non-square; category 2 at the first pixel, category 1 at the last.
  const one = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 1];
  const two = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];

  it('pixels are painted with the labelmap.txt colours, so the folder reads back', async () => {
    const d: MaskDataset = {
      images: [{ id: 'x', height: 3, width: 4 }],
      categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog', color: [10, 20, 30] }],
      annotations: [{ id: 1, imageId: 'x', categoryId: 1, mask: mask(one) }, { id: 2, imageId: 'x', categoryId: 2, mask: mask(two) }],
    };
    const files = await collect(dialect.writeFiles!(d, { format: 'rgb' }));
    const back = await dialect.read(memoryFolder(files));
    expect(back.categories.map((c) => [c.id, c.name, c.color])).toEqual([[1, 'cat', [128, 0, 0]], [2, 'dog', [10, 20, 30]]]);
    expect(back.annotations.map((a) => [a.categoryId, Array.from(a.mask.toBitmap())])).toEqual([[1, one], [2, two]]);
  });

  it('repeated or black category colours get colours of their own (reported); layout voc too', async () => {
    const d: MaskDataset = {
      images: [{ id: 'x', height: 3, width: 4 }],
      categories: [{ id: 1, name: 'cat', color: [5, 5, 5] }, { id: 2, name: 'dog', color: [5, 5, 5] }, { id: 3, name: 'night', color: [0, 0, 0] }],
      annotations: [{ id: 1, imageId: 'x', categoryId: 1, mask: mask(one) }, { id: 2, imageId: 'x', categoryId: 2, mask: mask(two) }, { id: 3, imageId: 'x', categoryId: 3, mask: mask([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }],
    };
    const list: RleWarning[] = [];
    for (const layout of ['flat', 'voc'] as const) {
      const files = await collect(dialect.writeFiles!(d, { format: 'rgb', layout }, { warn: (w) => list.push(w) }));
      const back = await dialect.read(memoryFolder(files));
      expect(back.categories.map((c) => c.name)).toEqual(['cat', 'dog', 'night']);
      expect(back.annotations.map((a) => [a.categoryId, a.mask.area()])).toEqual([[1, 4], [2, 2], [3, 1]]);
    }
    expect(list.filter((w) => w.code === 'not-carried' && /colour/.test(w.message)).map((w) => w.count)).toEqual([2, 2]);
  });
});

describe('review: write errors name the image', () => {
  it('a label that does not fit the chosen format is LIMIT_EXCEEDED at images.<id>', async () => {
    const m = Mask.fromBitmap(Uint8Array.from([1, 0, 0, 0, 0, 0]), { height: 2, width: 3 }, 'row');
    const d: MaskDataset = {
      images: [{ id: 'a', height: 2, width: 3 }, { id: 'b', height: 2, width: 3 }],
      categories: [{ id: 1, name: 'x' }, { id: 300, name: 'y' }],
      annotations: [{ id: 1, imageId: 'a', categoryId: 1, mask: m }, { id: 2, imageId: 'b', categoryId: 300, mask: m }],
    };
    const err = await collect(dialect.writeFiles!(d, { format: 'gray8' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LIMIT_EXCEEDED', path: ['images', 'b'] });
  });
});

describe('review: 16-bit RGB with a tRNS colour key', () => {
  it("decodeMask channel 'alpha' reads the key on full 16-bit colours (not only 8-bit-scaled ones)", async () => {
    const { deflateSync } = await import('node:zlib');
    const { crc32 } = await import('../src/png.js');
    const chunk = (name: string, data: number[] | Uint8Array): number[] => {
      const body = [...name].map((c) => c.charCodeAt(0)).concat(Array.from(data));
      const crc = crc32(Uint8Array.from(body), 0, body.length);
      const len = data.length;
      return [len >>> 24, (len >> 16) & 255, (len >> 8) & 255, len & 255, ...body, crc >>> 24, (crc >> 16) & 255, (crc >> 8) & 255, crc & 255];
    };
    // 3x4, non-square: colours (1000, 2, 3) at the first pixel, (5, 6, 7) (the key) at (1, 1), the rest black.
    const h = 3, w = 4;
    const raw = new Uint8Array(h * (1 + w * 6));
    const put = (x: number, y: number, c: number[]): void => c.forEach((v, k) => { raw[y * (1 + w * 6) + 1 + x * 6 + 2 * k] = v >> 8; raw[y * (1 + w * 6) + 2 + x * 6 + 2 * k] = v & 255; });
    put(0, 0, [1000, 2, 3]);
    put(1, 1, [5, 6, 7]);
    const png = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10,
      ...chunk('IHDR', [0, 0, 0, w, 0, 0, 0, h, 16, 2, 0, 0, 0]), ...chunk('tRNS', [0, 5, 0, 6, 0, 7]),
      ...chunk('IDAT', new Uint8Array(deflateSync(raw))), ...chunk('IEND', [])]);
    const { decodeMask } = await import('../src/index.js');
    expect(Array.from(decodeMask(png, { channel: 'alpha' }).toBitmap())).toEqual([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(decodeMask(png).toBitmap())).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  });
});

describe('review: invalid category colours', () => {
  it('are replaced (reported) instead of wrapping into the palette and an unreadable labelmap.txt', async () => {
    const m = Mask.fromBitmap(Uint8Array.from([1, 0, 0, 0, 0, 1]), { height: 2, width: 3 }, 'row');
    const d = { images: [{ id: 'a', height: 2, width: 3 }], categories: [{ id: 1, name: 'x', color: [300, -1, 2.5] }], annotations: [{ id: 1, imageId: 'a', categoryId: 1, mask: m }] } as unknown as MaskDataset;
    const list: RleWarning[] = [];
    const files = await collect(dialect.writeFiles!(d, {}, { warn: (w) => list.push(w) }));
    const back = await dialect.read(memoryFolder(files));
    expect(back.categories).toEqual([{ id: 1, name: 'x', color: [128, 0, 0] }]);
    expect(Array.from(back.annotations[0]!.mask.toBitmap())).toEqual([1, 0, 0, 0, 0, 1]);
    expect(list.filter((w) => w.code === 'not-carried' && /colour/.test(w.message))).toEqual([expect.objectContaining({ count: 1 })]);
  });
});

describe('review: category names labelmap.txt cannot hold', () => {
  it("':' and line breaks become '_' with a warning", async () => {
    const m = Mask.fromBitmap(Uint8Array.from([1, 0, 0, 0, 0, 1]), { height: 2, width: 3 }, 'row');
    const d: MaskDataset = { images: [{ id: 'a', height: 2, width: 3 }], categories: [{ id: 1, name: 'a:b' }, { id: 2, name: 'c\r\nd' }], annotations: [{ id: 1, imageId: 'a', categoryId: 1, mask: m }] };
    const list: RleWarning[] = [];
    const files = await collect(dialect.writeFiles!(d, {}, { warn: (w) => list.push(w) }));
    const back = await dialect.read(memoryFolder(files));
    expect(back.categories.map((c) => c.name)).toEqual(['a_b']);
    expect(list.filter((w) => w.code === 'not-carried' && /labelmap\.txt/.test(w.message))).toEqual([expect.objectContaining({ count: 2 })]);
  });
});

describe('review: Cityscapes *_instanceIds.png keep their class-only labels', () => {
  // 3x5, non-square. 7 (road) and 11 (building) are stuff: the class id alone. 26 is a crowd of cars
  // (a group: the class id alone), 26000 and 26001 are cars 0 and 1, 24000 is person 0; 0 is unlabeled.
  const ids = [
    7, 7, 26000, 26000, 0,
    7, 26, 26, 26001, 24000,
    11, 11, 0, 26001, 24000,
  ];
  const png = () => encodeLabelMap(LabelMap.fromArray(Uint16Array.from(ids), { height: 3, width: 5 }), { format: 'gray16' });

  it('read → write with classes cityscapes gives the same labels, pixel for pixel', async () => {
    const d = await dialect.read(memoryFolder({ 'aachen_instanceIds.png': png() }), { mode: 'instance', classes: 'cityscapes' });
    const warned: RleWarning[] = [];
    const files = await collect(dialect.writeFiles!(d, { mode: 'instance', classes: 'cityscapes' }, { warn: (w) => warned.push(w) }));
    const back = decodeLabelMap(files['aachen_instanceIds.png']!);
    expect([back.height, back.width]).toEqual([3, 5]);
    expect(Array.from(back.data)).toEqual(ids);
    expect(warned).toEqual([]);
  });

  it('class-only labels are read as crowd regions (as cityscapesScripts and detectron2 do); instances are not', async () => {
    const d = await dialect.read(png(), { mode: 'instance', classes: 'cityscapes' });
    expect(d.annotations.map((a) => [a.id, a.categoryId, a.iscrowd === true])).toEqual([
      [7, 7, true], [11, 11, true], [26, 26, true], [24000, 24, false], [26000, 26, false], [26001, 26, false],
    ]);
  });

  it('writing: crowd masks get the class id alone; two crowd masks of one class share it (reported)', async () => {
    const m = (bits: number[]) => Mask.fromBitmap(Uint8Array.from(bits), { height: 2, width: 3 });
    const d: MaskDataset = {
      images: [{ id: 1, fileName: 'x.png', height: 2, width: 3 }],
      categories: [{ id: 26, name: '26' }],
      annotations: [
        { id: 1, imageId: 1, categoryId: 26, mask: m([1, 0, 0, 0, 0, 0]) },
        { id: 2, imageId: 1, categoryId: 26, iscrowd: true, mask: m([0, 1, 0, 0, 0, 0]) },
        { id: 3, imageId: 1, categoryId: 26, iscrowd: true, mask: m([0, 0, 0, 1, 0, 0]) },
        { id: 4, imageId: 1, categoryId: 26, mask: m([0, 0, 1, 0, 0, 0]) },
        { id: 5, imageId: 1, iscrowd: true, mask: m([0, 0, 0, 0, 0, 1]) },
      ],
    };
    const warned: RleWarning[] = [];
    const files = await collect(dialect.writeFiles!(d, { mode: 'instance', classes: 'cityscapes' }, { warn: (w) => warned.push(w) }));
    // The crowd mask without a category cannot be class-only (label 0 is background): an instance of category 0.
    expect(Array.from(decodeLabelMap(files['x.png']!).data)).toEqual([26000, 26, 26001, 26, 0, 1]);
    // Image id 1 is not the path x, annotation ids 1, 2, ... are not the <image>:<label> a reader makes: both losses are reported too.
    const ids = (w: RleWarning): boolean => w.capability === 'instanceIds' || w.capability === 'imageIds';
    expect(warned.filter(ids).length).toBe(2);
    expect(warned.filter((w) => !ids(w)).map((w) => [w.code, w.count])).toEqual([['merged-instances', 1], ['not-carried', 1], ['not-carried', 1]]);
  });
});

describe('review: Cityscapes crowd labels and masks without a category do not share a label', () => {
  // 2x3, non-square. Without a category a mask is numbered as an instance of category 0 (label 1, 2, ...),
  // the same numbers as the class-only label of a crowd of class 1, 2, ...: painting both under one label
  // would merge them without a word.
  const m = (bits: number[]) => Mask.fromBitmap(Uint8Array.from(bits), { height: 2, width: 3 });
  const d: MaskDataset = {
    images: [{ id: 1, fileName: 'x.png', height: 2, width: 3 }],
    categories: [{ id: 1, name: '1' }, { id: 2, name: '2' }],
    annotations: [
      { id: 1, imageId: 1, mask: m([1, 0, 0, 0, 0, 0]) },
      { id: 2, imageId: 1, categoryId: 1, iscrowd: true, mask: m([0, 1, 0, 0, 0, 0]) },
      { id: 3, imageId: 1, mask: m([0, 0, 1, 0, 0, 0]) },
      { id: 4, imageId: 1, categoryId: 2, iscrowd: true, mask: m([0, 0, 0, 1, 0, 0]) },
      { id: 5, imageId: 1, mask: m([0, 0, 0, 0, 1, 0]) },
    ],
  };

  it('every mask keeps a label of its own; the uncategorised ones skip the crowd labels', async () => {
    const warned: RleWarning[] = [];
    const files = await collect(dialect.writeFiles!(d, { mode: 'instance', classes: 'cityscapes' }, { warn: (w) => warned.push(w) }));
    const labels = Array.from(decodeLabelMap(files['x.png']!).data);
    expect(labels).toEqual([3, 1, 4, 2, 5, 0]);
    expect(new Set(labels.slice(0, 5)).size).toBe(5);
    const ids = (w: RleWarning): boolean => w.capability === 'instanceIds' || w.capability === 'imageIds';
    expect(warned.filter(ids).length).toBe(2);
    expect(warned.filter((w) => !ids(w)).map((w) => [w.code, w.count])).toEqual([['not-carried', 3]]);
    const back = await dialect.read(memoryFolder(files), { mode: 'instance', classes: 'cityscapes' });
    expect(back.annotations.length).toBe(5);
  });
});
