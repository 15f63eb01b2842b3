import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Mask, memoryFolder, rasterizePolygon, type MaskDataset, type RleWarning } from '@rlekit/core';
import { dialect, encode, parseSuperviselyJson } from '../src/index.js';
import { expectCode } from '../../core/test/support.js';

const vectorsDir = new URL('../../../conformance/vectors/', import.meta.url);
const read = (p: string): string => readFileSync(fileURLToPath(new URL(p, vectorsDir)), 'utf8');
const example = read('supervisely/example_ann.json');
const exampleMasks = JSON.parse(read('supervisely/example_masks.json')) as { height: number; width: number; masks: Record<string, string[]> };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function rowsMask(rows: string[]): Mask {
  return Mask.fromBitmap(Uint8Array.from(rows.join(''), (c) => (c === '1' ? 1 : 0)), { height: rows.length, width: rows[0]!.length });
}

function ann(objects: unknown[], size = { height: 4, width: 6 }): string {
  return JSON.stringify({ description: '', size, tags: [], objects, customBigData: {} });
}

describe('supervisely files: the shared example', () => {
  it('reads both bitmaps, placed at their origins, named by class', async () => {
    const warnings: RleWarning[] = [];
    const d = await dialect.read(bytes(example), {}, { warn: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
    expect(d.images).toEqual([{ id: 1, height: 8, width: 10 }]);
    expect(d.categories).toEqual([{ id: 1, name: 'blob' }, { id: 2, name: 'edge' }]);
    expect(d.annotations.map((a) => [a.id, a.categoryId])).toEqual([[1000, 1], [1001, 2]]);
    expect(d.annotations[0]!.mask.equals(rowsMask(exampleMasks.masks.first!))).toBe(true);
    expect(d.annotations[1]!.mask.equals(rowsMask(exampleMasks.masks.second!))).toBe(true);
  });

  it('writes back the same JSON, byte for byte with the SDK\'s indent', async () => {
    const d = await dialect.read(bytes(example));
    const out = text(await dialect.write(d));
    expect(JSON.parse(out)).toEqual(JSON.parse(example));
    expect(out).toBe(`${JSON.stringify(JSON.parse(example), null, 4)}\n`);
  });
});

describe('supervisely files: geometries', () => {
  const size = { height: 4, width: 6 };

  it('rasterizes a polygon with its interior as a hole', () => {
    const d = parseSuperviselyJson(ann([{ classTitle: 'ring', geometryType: 'polygon', points: { exterior: [[0, 0], [6, 0], [6, 4], [0, 4]], interior: [[[2, 1], [4, 1], [4, 3], [2, 3]]] } }]));
    const expected = rasterizePolygon([0, 0, 6, 0, 6, 4, 0, 4], size).difference(rasterizePolygon([2, 1, 4, 1, 4, 3, 2, 3], size));
    expect(d.annotations[0]!.mask.equals(expected)).toBe(true);
    expect(d.annotations[0]!.attributes).toEqual({ supervisely_geometry: 'polygon' });
  });

  it('reads a rectangle as its inclusive pixel corners, clipped to the image', () => {
    const d = parseSuperviselyJson(ann([
      { classTitle: 'box', geometryType: 'rectangle', points: { exterior: [[1, 2], [3, 2]], interior: [] } },
      { classTitle: 'box', geometryType: 'rectangle', points: { exterior: [[4, 3], [9, 9]], interior: [] } },
    ]));
    expect([...d.annotations[0]!.mask.toBitmap()].join('')).toBe('000000' + '000000' + '011100' + '000000');
    expect([...d.annotations[1]!.mask.toBitmap()].join('')).toBe('000000' + '000000' + '000000' + '000011');
  });

  it('reports other geometries and keeps them for a Supervisely writer', async () => {
    const point = { classTitle: 'p', geometryType: 'point', points: { exterior: [[1, 1]], interior: [] } };
    const warnings: RleWarning[] = [];
    const d = parseSuperviselyJson(ann([point]), {}, { warn: (w) => warnings.push(w) });
    expect(d.annotations).toEqual([]);
    expect(warnings.map((w) => [w.code, w.count])).toEqual([['not-carried', 1]]);
    expect(JSON.parse(text(await dialect.write(d))).objects).toEqual([point]);
  });

  it('writes an empty mask as nothing, and says so', async () => {
    const d: MaskDataset = { images: [{ id: 1, ...size }], categories: [], annotations: [{ id: 1, imageId: 1, mask: Mask.empty(size) }] };
    const warnings: RleWarning[] = [];
    expect(JSON.parse(text(await dialect.write(d, {}, { warn: (w) => warnings.push(w) }))).objects).toEqual([]);
    expect(warnings.every((w) => w.code === 'not-carried')).toBe(true);
    expect(warnings.some((w) => /empty bitmap/.test(w.message))).toBe(true);
  });
});

describe('supervisely projects', () => {
  const size = { height: 3, width: 5 };
  const a = Mask.fromBitmap([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], size);
  const b = Mask.fromBitmap([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1], size);
  const dataset: MaskDataset = {
    images: [{ id: 1, fileName: 'one.png', ...size }, { id: 2, fileName: 'two.jpg', ...size }],
    categories: [{ id: 1, name: 'cat', color: [255, 0, 0] }, { id: 2, name: 'dog' }],
    annotations: [{ id: 5, imageId: 1, categoryId: 1, mask: a }, { id: 6, imageId: 2, categoryId: 2, mask: b }, { id: 7, imageId: 2, categoryId: 1, mask: a }],
  };

  it('writes meta.json and <dataset>/ann/<image>.json, and reads them back', async () => {
    const files: Record<string, Uint8Array> = {};
    for await (const f of dialect.writeFiles!(dataset)) files[f.path] = f.bytes;
    expect(Object.keys(files)).toEqual(['meta.json', 'ds0/ann/one.png.json', 'ds0/ann/two.jpg.json']);
    expect(JSON.parse(text(files['meta.json']!))).toEqual({
      classes: [{ title: 'cat', shape: 'bitmap', color: '#FF0000', geometry_config: {} }, { title: 'dog', shape: 'bitmap', color: '#000000', geometry_config: {} }],
      tags: [], projectType: 'images',
    });
    const back = await dialect.read(memoryFolder(files));
    expect(back.images).toEqual([
      { id: 1, fileName: 'one.png', ...size, attributes: { supervisely: { dataset: 'ds0' } } },
      { id: 2, fileName: 'two.jpg', ...size, attributes: { supervisely: { dataset: 'ds0' } } },
    ]);
    expect(back.categories).toEqual([{ id: 1, name: 'cat', color: [255, 0, 0], attributes: { shape: 'bitmap', geometry_config: {} } }, { id: 2, name: 'dog', color: [0, 0, 0], attributes: { shape: 'bitmap', geometry_config: {} } }]);
    expect(back.annotations.map((x) => [x.id, x.imageId, x.categoryId, x.mask.equals(x.id === 6 ? b : a)])).toEqual([[5, 1, 1, true], [6, 2, 2, true], [7, 2, 1, true]]);
    expect(JSON.parse(text(files['ds0/ann/two.jpg.json']!)).objects[0].bitmap).toEqual(encode(b));
  });

  it('refuses to write several images as one file', async () => {
    await expect(dialect.write(dataset)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});

describe('supervisely errors', () => {
  const bitmap = (o: unknown) => ann([{ classTitle: 'x', geometryType: 'bitmap', bitmap: o }]);
  const good = JSON.parse(example).objects[0].bitmap;

  it('refuses bitmaps that do not fit, bad origins, bad base64 and bad zlib, with the path', () => {
    const e = expectCode(() => parseSuperviselyJson(bitmap({ ...good, origin: [5, 1] }), {}), 'SIZE_MISMATCH');
    expect(e.path).toEqual(['objects', 0, 'bitmap', 'origin']);
    expectCode(() => parseSuperviselyJson(bitmap({ ...good, origin: [1] })), 'INVALID_STRUCTURE');
    expectCode(() => parseSuperviselyJson(bitmap({ ...good, data: 'eJ*=' })), 'INVALID_TOKEN');
    expectCode(() => parseSuperviselyJson(bitmap({ ...good, data: 'AAAAAAAA' })), 'CORRUPT');
    expectCode(() => parseSuperviselyJson(bitmap({ ...good, data: good.data.slice(0, 40) })), 'TRUNCATED');
  });

  it('refuses annotations without a size, and polygons with bad points', () => {
    expectCode(() => parseSuperviselyJson('{"objects": []}'), 'INVALID_STRUCTURE');
    expectCode(() => parseSuperviselyJson(ann([{ classTitle: 'x', geometryType: 'polygon', points: { exterior: [[0, 'a']] } }])), 'INVALID_TOKEN');
    expectCode(() => parseSuperviselyJson(ann([]), { maxPixels: 10 }), 'LIMIT_EXCEEDED');
  });
});

describe('supervisely sniffing', () => {
  it('knows annotations and meta.json, and no Darwin, COCO or Encord file', () => {
    expect(dialect.sniff(bytes(example))).toBeGreaterThanOrEqual(0.9);
    expect(dialect.sniff(bytes('{"classes": [], "tags": [], "projectType": "images"}'))).toBeGreaterThan(0.3);
    expect(dialect.sniff(bytes(read('darwin/example_darwin_2.0.json')))).toBe(0);
    expect(dialect.sniff(bytes(read('encord/example_label_rows.json')))).toBe(0);
    expect(dialect.sniff(bytes(readFileSync(fileURLToPath(new URL('../../../samples/coco/instances.json', import.meta.url)), 'utf8')))).toBe(0);
  });
});
