import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Mask, memoryFolder, rasterizePolygon, type MaskDataset, type RleWarning } from '@rlekit/core';
import { dialect, encode, formatDarwinJson, parseDarwinJson, RASTER_LAYER_NAME, SCHEMA_REF } from '../src/index.js';
import { expectCode } from '../../core/test/support.js';

const vectorsDir = new URL('../../../conformance/vectors/', import.meta.url);
const read = (p: string): string => readFileSync(fileURLToPath(new URL(p, vectorsDir)), 'utf8');
const example = read('darwin/example_darwin_2.0.json');
const exampleMasks = JSON.parse(read('darwin/example_masks.json')) as { height: number; width: number; masks: Record<string, string[]> };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function rowsMask(rows: string[]): Mask {
  return Mask.fromBitmap(Uint8Array.from(rows.join(''), (c) => (c === '1' ? 1 : 0)), { height: rows.length, width: rows[0]!.length });
}

/** A 4×6 item: a polygon with a hole, a box, and two masks in the raster layer. */
function file(extra: { annotations?: unknown[]; slots?: unknown[] } = {}): string {
  return JSON.stringify({
    version: '2.0',
    schema_ref: SCHEMA_REF,
    item: { name: 'a.png', path: '/', slots: extra.slots ?? [{ type: 'image', slot_name: '0', width: 6, height: 4, source_files: [{ file_name: 'a.png' }] }] },
    annotations: extra.annotations ?? [],
  });
}

describe('darwin files: the shared example', () => {
  it('reads both masks from the raster layer, named by class', async () => {
    const warnings: RleWarning[] = [];
    const d = await dialect.read(bytes(example), {}, { warn: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
    expect(d.images).toEqual([expect.objectContaining({ id: 1, fileName: 'image_0001.png', height: 8, width: 10 })]);
    expect(d.categories).toEqual([{ id: 1, name: 'blob' }, { id: 2, name: 'edge' }]);
    expect(d.annotations.map((a) => [a.id, a.categoryId])).toEqual([['11111111-1111-4111-8111-111111111111', 1], ['22222222-2222-4222-8222-222222222222', 2]]);
    expect(d.annotations[0]!.mask.equals(rowsMask(exampleMasks.masks.first!))).toBe(true);
    expect(d.annotations[1]!.mask.equals(rowsMask(exampleMasks.masks.second!))).toBe(true);
  });

  it('writes back the same item, annotations and raster layer', async () => {
    const d = await dialect.read(bytes(example));
    const again = JSON.parse(text(await dialect.write(d)));
    expect(again).toEqual(JSON.parse(example));
  });

  it('writes the raster layer of a plain dataset exactly as the codec does', async () => {
    const size = { height: exampleMasks.height, width: exampleMasks.width };
    const first = rowsMask(exampleMasks.masks.first!), second = rowsMask(exampleMasks.masks.second!);
    const d: MaskDataset = {
      images: [{ id: 7, fileName: 'x.png', ...size }],
      categories: [{ id: 1, name: 'blob' }, { id: 2, name: 'edge' }],
      annotations: [{ id: 'p', imageId: 7, categoryId: 1, mask: first }, { id: 'q', imageId: 7, categoryId: 2, mask: second }],
    };
    const out = JSON.parse(formatDarwinJson(d));
    expect(out.item).toEqual({ name: 'x.png', path: '/', slots: [{ type: 'image', slot_name: '0', width: 10, height: 8, source_files: [{ file_name: 'x.png' }] }] });
    expect(out.annotations.slice(0, 2)).toEqual([
      { id: 'p', name: 'blob', mask: { sparse_rle: null }, slot_names: ['0'] },
      { id: 'q', name: 'edge', mask: { sparse_rle: null }, slot_names: ['0'] },
    ]);
    expect(out.annotations[2]).toEqual({ id: RASTER_LAYER_NAME, name: RASTER_LAYER_NAME, raster_layer: encode([['p', first], ['q', second]], size), slot_names: ['0'] });
    // The example's layer with its ids renamed: the same pairs.
    const layer = JSON.parse(example).annotations[2].raster_layer;
    expect(out.annotations[2].raster_layer.dense_rle).toEqual(layer.dense_rle);
    const back = await dialect.read(bytes(JSON.stringify(out)));
    expect(back.images).toEqual([{ id: 1, fileName: 'x.png', ...size }]);
    expect(back.annotations.map((a) => a.mask.equals(a.id === 'p' ? first : second))).toEqual([true, true]);
  });
});

describe('darwin files: shapes', () => {
  it('rasterizes a polygon with a hole even-odd, with core\'s rasterizer', () => {
    const outer = [{ x: 0, y: 0 }, { x: 6, y: 0 }, { x: 6, y: 4 }, { x: 0, y: 4 }];
    const hole = [{ x: 2, y: 1 }, { x: 4, y: 1 }, { x: 4, y: 3 }, { x: 2, y: 3 }];
    const d = parseDarwinJson(file({ annotations: [{ id: 'poly', name: 'ring', polygon: { paths: [outer, hole] }, bounding_box: { x: 0, y: 0, w: 6, h: 4 }, slot_names: ['0'] }] }));
    const size = { height: 4, width: 6 };
    const expected = rasterizePolygon([0, 0, 6, 0, 6, 4, 0, 4], size).difference(rasterizePolygon([2, 1, 4, 1, 4, 3, 2, 3], size));
    expect(d.annotations[0]!.mask.equals(expected)).toBe(true);
    expect(d.annotations[0]!.mask.toBitmap()).toEqual(Uint8Array.from('111111' + '110011' + '110011' + '111111', Number));
    // The polygon's bounding box is derived, not kept.
    expect(d.annotations[0]!.attributes).toBeUndefined();
  });

  it('skips boxes (reported) or rasterizes them on request', () => {
    const f = file({ annotations: [{ id: 'b', name: 'car', bounding_box: { x: 1, y: 2, w: 3, h: 1 }, slot_names: ['0'] }, { id: 't', name: 'sunny', tag: {}, slot_names: ['0'] }] });
    const warnings: RleWarning[] = [];
    const skipped = parseDarwinJson(f, {}, { warn: (w) => warnings.push(w) });
    expect(skipped.annotations).toEqual([]);
    expect(warnings.map((w) => [w.code, w.count])).toEqual([['not-carried', 1], ['not-carried', 1]]);
    expect(warnings[0]!.message).toMatch(/bounding_box/);
    const boxes = parseDarwinJson(f, { boxes: 'rasterize' });
    expect(boxes.annotations[0]!.mask.toBitmap()).toEqual(Uint8Array.from('000000' + '000000' + '011100' + '000000', Number));
  });

  it('keeps other annotations for a Darwin writer', async () => {
    const tag = { id: 't', name: 'sunny', tag: {}, slot_names: ['0'] };
    const d = parseDarwinJson(file({ annotations: [tag] }));
    const out = JSON.parse(text(await dialect.write(d)));
    expect(out.annotations).toEqual([tag]);
  });
});

describe('darwin files: video and slots', () => {
  const video = {
    version: '2.0',
    schema_ref: SCHEMA_REF,
    item: { name: 'clip.mp4', path: '/v', slots: [{ type: 'video', slot_name: '0', width: 3, height: 2, frame_count: 10 }] },
    annotations: [
      { id: 'm', name: 'car', frames: { '2': { keyframe: true, mask: { sparse_rle: null } }, '3': { keyframe: true, mask: { sparse_rle: null } } }, ranges: [[2, 4]], slot_names: ['0'] },
      {
        id: 'r', name: RASTER_LAYER_NAME, slot_names: ['0'], ranges: [[2, 4]],
        frames: {
          '2': { keyframe: true, raster_layer: { dense_rle: [1, 2, 0, 4], mask_annotation_ids_mapping: { m: 1 }, total_pixels: 6 } },
          '3': { keyframe: true, raster_layer: { dense_rle: [0, 4, 1, 2], mask_annotation_ids_mapping: { m: 1 }, total_pixels: 6 } },
        },
      },
    ],
  };

  it('reads one image per annotated frame, the same instance id on each', async () => {
    const d = await dialect.read(bytes(JSON.stringify(video)));
    expect(d.images.map((i) => [i.id, i.height, i.width, (i.attributes!.darwin as { frame: number }).frame])).toEqual([[1, 2, 3, 2], [2, 2, 3, 3]]);
    expect(d.annotations.map((a) => [a.id, a.imageId, [...a.mask.toBitmap()].join('')])).toEqual([['m', 1, '110000'], ['m', 2, '000011']]);
  });

  it('writes the frames back into one video item', async () => {
    const d = await dialect.read(bytes(JSON.stringify(video)));
    const out = JSON.parse(text(await dialect.write(d)));
    expect(out.item).toEqual(video.item);
    expect(out.annotations).toEqual([
      { id: 'm', name: 'car', frames: { '2': { keyframe: true, mask: { sparse_rle: null } }, '3': { keyframe: true, mask: { sparse_rle: null } } }, ranges: [[2, 4]], slot_names: ['0'] },
      { id: 'r', name: RASTER_LAYER_NAME, frames: video.annotations[1]!.frames, ranges: [[2, 4]], slot_names: ['0'] },
    ]);
  });

  it('reads several slots as several images, each with its raster layer', () => {
    const slots = [
      { type: 'image', slot_name: 'left', width: 2, height: 1 },
      { type: 'image', slot_name: 'right', width: 1, height: 3 },
    ];
    const d = parseDarwinJson(file({
      slots,
      annotations: [
        { id: 'a', name: 'x', mask: { sparse_rle: null }, slot_names: ['right'] },
        { id: 'L', name: RASTER_LAYER_NAME, raster_layer: { dense_rle: [0, 3], mask_annotation_ids_mapping: {}, total_pixels: 3 }, slot_names: ['right'] },
        { id: 'p', name: 'y', polygon: { paths: [[{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }, { x: 0, y: 1 }]] }, slot_names: ['left'] },
      ],
    }));
    expect(d.images.map((i) => [i.id, i.height, i.width])).toEqual([[1, 1, 2], [2, 3, 1]]);
    expect(d.annotations.map((a) => [a.id, a.imageId, [...a.mask.toBitmap()].join('')])).toEqual([['p', 1, '10'], ['a', 2, '000']]);
  });
});

describe('darwin files: writing what Darwin cannot hold', () => {
  const size = { height: 2, width: 4 };
  const a = Mask.fromBitmap([1, 1, 0, 0, 0, 0, 0, 0], size), b = Mask.fromBitmap([0, 1, 1, 0, 0, 0, 0, 0], size);
  const d: MaskDataset = {
    images: [{ id: 1, ...size }],
    categories: [{ id: 1, name: 'cell' }],
    annotations: [{ id: 1, imageId: 1, categoryId: 1, mask: a, score: 0.5 }, { id: 2, imageId: 1, categoryId: 1, mask: b }],
  };

  it('paints overlaps with the policy and reports the loss and the scores', async () => {
    const warnings: RleWarning[] = [];
    const out = JSON.parse(text(await dialect.write(d, {}, { warn: (w) => warnings.push(w) })));
    expect(out.annotations[2].raster_layer.dense_rle).toEqual([1, 1, 2, 2, 0, 5]);
    // The overlap, the masks that lost pixels, and what Darwin cannot hold (scores; ids, which read back renumbered).
    expect(warnings.filter((w) => w.code === 'overlap-resolved')).toHaveLength(1);
    expect(warnings.every((w) => w.code === 'overlap-resolved' || w.code === 'not-carried')).toBe(true);
    expect(warnings.some((w) => /scores/.test(w.message))).toBe(true);
    expect(JSON.parse(text(await dialect.write(d, { overlap: 'first' }))).annotations[2].raster_layer.dense_rle).toEqual([1, 2, 2, 1, 0, 5]);
    await expect(dialect.write(d, { overlap: 'error' })).rejects.toMatchObject({ code: 'OVERLAP' });
  });

  it('writes a folder, one file per item, and reads it back', async () => {
    const two: MaskDataset = {
      images: [{ id: 1, fileName: 'a.png', ...size }, { id: 2, fileName: 'b.jpg', ...size }],
      categories: [{ id: 1, name: 'cell' }],
      annotations: [{ id: 1, imageId: 1, categoryId: 1, mask: a }, { id: 2, imageId: 2, categoryId: 1, mask: b }],
    };
    await expect(dialect.write(two)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    const files: Record<string, Uint8Array> = {};
    for await (const f of dialect.writeFiles!(two)) files[f.path] = f.bytes;
    expect(Object.keys(files)).toEqual(['a.json', 'b.json']);
    const back = await dialect.read(memoryFolder(files));
    expect(back.images.map((i) => [i.id, i.fileName])).toEqual([[1, 'a.png'], [2, 'b.jpg']]);
    expect(back.annotations.map((x) => [x.id, x.imageId, x.mask.equals(x.id === 1 ? a : b)])).toEqual([[1, 1, true], [2, 2, true]]);
  });
});

describe('darwin files: errors', () => {
  const layer = (l: unknown) => ({ id: 'L', name: RASTER_LAYER_NAME, raster_layer: l, slot_names: ['0'] });
  const mask = { id: 'm', name: 'x', mask: { sparse_rle: null }, slot_names: ['0'] };

  it('refuses Darwin 1.0 files and non-Darwin JSON', () => {
    expectCode(() => parseDarwinJson(JSON.stringify({ image: { width: 1, height: 1 }, annotations: [] })), 'UNSUPPORTED');
    expectCode(() => parseDarwinJson('{"images": []}'), 'INVALID_STRUCTURE');
    expectCode(() => parseDarwinJson('[1]'), 'INVALID_STRUCTURE');
    expectCode(() => parseDarwinJson('{"version": "2.0"'), 'INVALID_STRUCTURE');
  });

  it('refuses bad raster layers with the path to them', () => {
    const e = expectCode(() => parseDarwinJson(file({ annotations: [mask, layer({ dense_rle: [1, 24, 0], mask_annotation_ids_mapping: { m: 1 }, total_pixels: 24 })] })), 'TRUNCATED');
    expect(e.path).toEqual(['annotations', 1, 'raster_layer', 'dense_rle']);
    expectCode(() => parseDarwinJson(file({ annotations: [mask, layer({ dense_rle: [1, 23], mask_annotation_ids_mapping: { m: 1 }, total_pixels: 24 })] })), 'RUNS_SUM_MISMATCH');
    expectCode(() => parseDarwinJson(file({ annotations: [mask, layer({ dense_rle: [1, 20], mask_annotation_ids_mapping: { m: 1 }, total_pixels: 20 })] })), 'SIZE_MISMATCH');
    expectCode(() => parseDarwinJson(file({ annotations: [mask, layer({ dense_rle: [2, 24], mask_annotation_ids_mapping: { m: 1 }, total_pixels: 24 })] })), 'DANGLING_REFERENCE');
    expectCode(() => parseDarwinJson(file({ annotations: [mask, layer({ dense_rle: [1, 24], mask_annotation_ids_mapping: { m: 1, gone: 2 }, total_pixels: 24 })] })), 'DANGLING_REFERENCE');
    expectCode(() => parseDarwinJson(file({ annotations: [mask] })), 'DANGLING_REFERENCE');
    expectCode(() => parseDarwinJson(file({ annotations: [mask, layer({ dense_rle: [1, 24], mask_annotation_ids_mapping: { m: 1 }, total_pixels: 24 })] }), { maxPixels: 23 }), 'LIMIT_EXCEEDED');
  });

  it('refuses bad polygons and slots', () => {
    expectCode(() => parseDarwinJson(file({ annotations: [{ id: 'p', name: 'x', polygon: { paths: [[{ x: 0, y: 'a' }]] } }] })), 'INVALID_TOKEN');
    expectCode(() => parseDarwinJson(file({ annotations: [{ id: 'p', name: 'x', polygon: {} }] })), 'INVALID_STRUCTURE');
    expectCode(() => parseDarwinJson(file({ annotations: [{ id: 'p', name: 'x', polygon: { paths: [] }, slot_names: ['9'] }] })), 'DANGLING_REFERENCE');
    expectCode(() => parseDarwinJson(file({ slots: [{ type: 'image', slot_name: '0' }], annotations: [{ id: 'p', name: 'x', polygon: { paths: [] } }] })), 'INVALID_STRUCTURE');
  });
});

describe('darwin sniffing', () => {
  it('knows Darwin files and no COCO, Encord or Supervisely file (conformance/test/sniff.test.ts checks every pair)', () => {
    expect(dialect.sniff(bytes(example))).toBeGreaterThanOrEqual(0.9);
    expect(dialect.sniff(bytes(read('encord/example_label_rows.json')))).toBe(0);
    expect(dialect.sniff(bytes(readFileSync(fileURLToPath(new URL('../../../samples/coco/instances.json', import.meta.url)), 'utf8')))).toBe(0);
    expect(dialect.sniff(bytes(JSON.stringify({ description: '', size: { height: 8, width: 10 }, tags: [], objects: [] })))).toBe(0);
  });
});
