import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encode as encodePng } from 'fast-png';
import { Mask, rasterizeBox, rasterizePolygon, type MaskDataset, type RleWarning } from '@rlekit/core';
import { bitmapArb, expectCode, expectCodeAsync } from '../../core/test/support.js';
import { decode, decodeBitmask, dialect, encode, fileNameOf, formatLabelStudioExport, parseLabelStudioExport } from '../src/index.js';

const dir = new URL('../../../conformance/vectors/label-studio/', import.meta.url);
const exampleText = readFileSync(fileURLToPath(new URL('example_tasks.json', dir)), 'utf8');
const exampleMasks = JSON.parse(readFileSync(fileURLToPath(new URL('example_masks.json', dir)), 'utf8')) as { height: number; width: number; masks: Record<string, string[]> };

function maskOf(rows: string[]): Mask {
  return Mask.fromBitmap(Uint8Array.from(rows.join(''), (c) => (c === '1' ? 1 : 0)), { height: rows.length, width: rows[0]!.length });
}

function collect(): { warn: (w: RleWarning) => void; warnings: RleWarning[] } {
  const warnings: RleWarning[] = [];
  return { warn: (w) => warnings.push(w), warnings };
}

const enc = new TextEncoder();

/** A plain dataset: a non-square image, two categories, foreground at the first and last pixel. */
function plain(): MaskDataset {
  const size = { height: 5, width: 9 };
  const bits = new Uint8Array(45);
  bits[0] = 1;
  bits[44] = 1;
  const second = new Uint8Array(45);
  second.fill(1, 10, 25);
  return {
    images: [{ id: 7, fileName: 'a b.png', ...size }],
    categories: [{ id: 1, name: 'cell' }, { id: 2, name: 'nucleus' }],
    annotations: [
      { id: 1, imageId: 7, categoryId: 1, mask: Mask.fromBitmap(bits, size) },
      { id: 2, imageId: 7, categoryId: 2, mask: Mask.fromBitmap(second, size), score: 0.75 },
    ],
  };
}

describe('reading the example export (bytes as the web app writes them)', () => {
  it('reads both brush results with their labels, ids, file name and provenance', async () => {
    const d = await dialect.read(enc.encode(exampleText));
    expect(d.images).toEqual([{ id: 1, fileName: 'image_0001.png', height: 8, width: 10, attributes: { labelStudio: { url: '/data/upload/1/image_0001.png' } } }]);
    expect(d.categories).toEqual([{ id: 1, name: 'Blob' }, { id: 2, name: 'Edge' }]);
    expect(d.annotations.map((a) => [a.id, a.categoryId])).toEqual([['r1abcdef', 1], ['r2abcdef', 2]]);
    expect(d.annotations[0]!.mask.equals(maskOf(exampleMasks.masks.first!))).toBe(true);
    expect(d.annotations[1]!.mask.equals(maskOf(exampleMasks.masks.second!))).toBe(true);
    const attrs = d.annotations[0]!.attributes!;
    expect(attrs.origin).toBe('manual');
    expect(attrs.labelStudio).toMatchObject({ in: 'annotations', index: 0, fields: { id: 1, completed_by: 1, lead_time: 12.5 } });
    expect(attrs.from_name).toBeUndefined(); // "tag" and "image" are the defaults, not data
  });

  it('writes it back as Label Studio had it: same tasks, annotations, URL, ids and converter bytes', async () => {
    const d = await dialect.read(enc.encode(exampleText));
    const out = JSON.parse(new TextDecoder().decode(await dialect.write(d)));
    const original = JSON.parse(exampleText);
    expect(out[0].data).toEqual(original[0].data);
    expect(out[0].id).toBe(1);
    expect(out[0].predictions).toBeUndefined();
    const ann = out[0].annotations[0];
    expect(ann).toMatchObject({ id: 1, completed_by: 1, was_cancelled: false, lead_time: 12.5, task: 1 });
    expect(ann.result.map((r: { id: string }) => r.id)).toEqual(['r1abcdef', 'r2abcdef']);
    for (let k = 0; k < 2; k++) {
      const r = ann.result[k], o = original[0].annotations[0].result[k];
      expect(r.value.brushlabels).toEqual(o.value.brushlabels);
      expect([r.type, r.from_name, r.to_name, r.original_width, r.original_height, r.origin]).toEqual([o.type, o.from_name, o.to_name, o.original_width, o.original_height, o.origin]);
      // The web app's bytes come back as the converter writes them, or byte for byte with style web.
      expect(decode(r.value.rle, { height: 8, width: 10 }).equals(decode(o.value.rle, { height: 8, width: 10 }))).toBe(true);
    }
    const web = JSON.parse(new TextDecoder().decode(await dialect.write(d, { style: 'web' })));
    expect(web[0].annotations[0].result.map((r: { value: { rle: number[] } }) => r.value.rle)).toEqual(original[0].annotations[0].result.map((r: { value: { rle: number[] } }) => r.value.rle));
  });

  it('reads the single-task form like a list of one', async () => {
    const one = JSON.stringify(JSON.parse(exampleText)[0]);
    const d = await dialect.read(enc.encode(one));
    expect(d.annotations.length).toBe(2);
    expect(d.annotations[1]!.mask.equals(maskOf(exampleMasks.masks.second!))).toBe(true);
  });
});

describe('writing', () => {
  it('writes predictions with converter bytes, file names and labels, and reads them back plain', async () => {
    const d = plain();
    const { warn, warnings } = collect();
    const text = formatLabelStudioExport(d, {}, { warn });
    const tasks = JSON.parse(text);
    expect(tasks).toHaveLength(1);
    expect(tasks[0].id).toBe(7);
    expect(tasks[0].data).toEqual({ image: 'a b.png' });
    expect(tasks[0].annotations).toBeUndefined();
    const results = tasks[0].predictions[0].result;
    expect(results[0]).toEqual({
      id: '1', type: 'brushlabels', from_name: 'tag', to_name: 'image', original_width: 9, original_height: 5, image_rotation: 0,
      value: { format: 'rle', rle: encode(d.annotations[0]!.mask), brushlabels: ['cell'] },
    });
    expect(results[1].score).toBe(0.75);
    expect(warnings).toEqual([]);
    const back = parseLabelStudioExport(text);
    expect(back.images).toEqual(d.images);
    expect(back.categories).toEqual(d.categories);
    expect(back.annotations.map(({ mask: _m, ...rest }) => rest)).toEqual(d.annotations.map(({ mask: _m, ...rest }) => rest));
    back.annotations.forEach((a, i) => expect(a.mask.equals(d.annotations[i]!.mask)).toBe(true));
  });

  it('round-trips random non-square masks exactly, in both styles', () => {
    fc.assert(fc.property(bitmapArb(16), fc.constantFrom('converter' as const, 'web' as const), ({ height, width, bits }, style) => {
      const mask = Mask.fromBitmap(bits, { height, width });
      const d: MaskDataset = { images: [{ id: 1, fileName: 'x.png', height, width }], categories: [{ id: 1, name: 'object' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] };
      const back = parseLabelStudioExport(formatLabelStudioExport(d, { style }));
      expect(back.annotations[0]!.mask.equals(mask)).toBe(true);
      expect(back.images[0]).toEqual(d.images[0]);
    }), { numRuns: 100 });
  });

  it('round-trips random datasets: several images, categories, scores, ids and empty images', () => {
    const ann = fc.record({ cat: fc.constantFrom(undefined, 1, 2), score: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }), seed: fc.integer({ min: 0, max: 1e6 }) });
    const img = fc.record({ height: fc.integer({ min: 1, max: 9 }), width: fc.integer({ min: 1, max: 9 }), anns: fc.array(ann, { maxLength: 3 }) }).filter((i) => i.height !== i.width);
    fc.assert(fc.property(fc.array(img, { minLength: 1, maxLength: 3 }), fc.constantFrom('predictions' as const, 'annotations' as const), (imgs, kind) => {
      const d: MaskDataset = { images: [], categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }], annotations: [] };
      let nextId = 1;
      imgs.forEach((im, i) => {
        d.images.push({ id: i + 1, fileName: `f${i}.png`, height: im.height, width: im.width });
        for (const a of im.anns) {
          let x = a.seed;
          const bits = Uint8Array.from({ length: im.height * im.width }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 1);
          d.annotations.push({ id: nextId++, imageId: i + 1, mask: Mask.fromBitmap(bits, im), ...(a.cat === undefined ? {} : { categoryId: a.cat }), ...(a.score === undefined ? {} : { score: a.score }) });
        }
      });
      const back = parseLabelStudioExport(formatLabelStudioExport(d, { kind }));
      expect(back.images).toEqual(d.images);
      const nameOf = (ds: MaskDataset, id: unknown) => ds.categories.find((c) => c.id === id)?.name;
      expect(back.annotations.length).toBe(d.annotations.length);
      back.annotations.forEach((a, k) => {
        const e = d.annotations[k]!;
        expect([a.id, a.imageId, a.score, nameOf(back, a.categoryId)]).toEqual([e.id, e.imageId, e.score, nameOf(d, e.categoryId)]);
        expect(a.mask.equals(e.mask)).toBe(true);
      });
    }), { numRuns: 100 });
  });

  it('writes annotations on request, the image URL template, from_name/to_name and model_version', () => {
    const tasks = JSON.parse(formatLabelStudioExport(plain(), { kind: 'annotations', imageUrl: '/data/local-files/?d=images/{fileName}&id={id}', fromName: 'mask', toName: 'img' }));
    expect(tasks[0].predictions).toBeUndefined();
    expect(tasks[0].data.image).toBe('/data/local-files/?d=images/a b.png&id=7');
    expect(tasks[0].annotations[0].result[0]).toMatchObject({ from_name: 'mask', to_name: 'img' });
    const back = parseLabelStudioExport(JSON.stringify(tasks));
    expect(back.images[0]!.fileName).toBe('a b.png');
    expect(back.annotations[0]!.attributes).toEqual({ from_name: 'mask', to_name: 'img', labelStudio: { in: 'annotations', index: 0 } });
    const pred = JSON.parse(formatLabelStudioExport(plain(), { modelVersion: 'sam-1' }));
    expect(pred[0].predictions[0].model_version).toBe('sam-1');
  });

  it('keeps images without masks (their size in meta) and says what it cannot carry', () => {
    const d = plain();
    d.images.push({ id: 8, fileName: 'empty.png', height: 3, width: 4 });
    d.annotations[0] = { ...d.annotations[0]!, iscrowd: true };
    d.annotations[1] = { ...d.annotations[1]!, categoryId: undefined, attributes: { type: 'polygon', occluded: true } };
    const { warn, warnings } = collect();
    const text = formatLabelStudioExport(d, {}, { warn });
    const back = parseLabelStudioExport(text);
    expect(back.images[1]).toEqual({ id: 8, fileName: 'empty.png', height: 3, width: 4 });
    expect(warnings.map((w) => w.message).join('\n')).toMatch(/crowd flags[\s\S]*without a category[\s\S]*categories without masks[\s\S]*1 annotation attributes named like/);
    expect(back.annotations[1]!.categoryId).toBeUndefined();
    expect(back.annotations[1]!.attributes).toEqual({ occluded: true });
  });

  it('refuses bad options', async () => {
    await expectCodeAsync(dialect.write(plain(), { style: 'png' as never }), 'INVALID_OPTION');
  });

  it('writes polygonlabels (one per part, holes bridged) that read back to the same pixels, non-square', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 13 }), fc.uint8Array({ minLength: 117, maxLength: 117 }), (h, w, bytes) => {
      const bits = bytes.subarray(0, h * w).map((b) => (b < 100 ? 1 : 0));
      const mask = Mask.fromBitmap(bits, { height: h, width: w }, 'row');
      const d: MaskDataset = { images: [{ id: 1, fileName: 'a.png', height: h, width: w }], categories: [{ id: 1, name: 'leaf' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] };
      const { warn, warnings } = collect();
      const back = parseLabelStudioExport(formatLabelStudioExport(d, { shape: 'polygon' }, { warn }));
      // Each part reads back as its own annotation; together they are the mask.
      let union = Mask.empty({ height: h, width: w });
      for (const a of back.annotations) union = union.union(a.mask);
      expect(union.equals(mask)).toBe(true);
      if (back.annotations.length > 1) expect(warnings.some((x) => /one polygon per part/.test(x.message))).toBe(true);
    }), { seed: 5, numRuns: 150 });
  });

  it('says when holes were bridged into polygonlabels', () => {
    const bits = new Uint8Array(5 * 7).fill(1);
    bits[2 * 7 + 3] = 0;
    const mask = Mask.fromBitmap(bits, { height: 5, width: 7 }, 'row');
    const d: MaskDataset = { images: [{ id: 1, height: 5, width: 7 }], categories: [{ id: 1, name: 'ring' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] };
    const { warn, warnings } = collect();
    const back = parseLabelStudioExport(formatLabelStudioExport(d, { shape: 'polygon' }, { warn }));
    expect(back.annotations[0]!.mask.equals(mask)).toBe(true);
    expect(warnings.find((x) => x.code === 'holes-bridged')?.count).toBe(1);
  });

  it('refuses masks whose size differs from their image, and dangling references', async () => {
    const d = plain();
    d.annotations[0] = { ...d.annotations[0]!, mask: Mask.empty({ height: 9, width: 5 }) };
    await expectCodeAsync(dialect.write(d), 'SIZE_MISMATCH');
    const e = plain();
    e.annotations[0] = { ...e.annotations[0]!, categoryId: 99 };
    await expectCodeAsync(dialect.write(e), 'DANGLING_REFERENCE');
  });
});

describe('other result types', () => {
  const size = { height: 20, width: 40 };
  const task = (result: unknown[]) => JSON.stringify([{ id: 3, data: { image: 'http://host/img/p%20q.jpg?x=1' }, predictions: [{ model_version: 'm', score: 0.5, result }] }]);
  const common = { from_name: 'label', to_name: 'image', original_width: 40, original_height: 20 };

  it('rasterizes polygons from percent coordinates (x of width, y of height)', () => {
    const { warn, warnings } = collect();
    const d = parseLabelStudioExport(task([{ ...common, id: 'p', type: 'polygonlabels', value: { points: [[10, 10], [60, 15], [30, 90]], polygonlabels: ['Car'] } }]), {}, { warn });
    expect(d.annotations[0]!.mask.equals(rasterizePolygon([4, 2, 24, 3, 12, 18], size))).toBe(true);
    expect(d.images[0]!.fileName).toBe('p q.jpg');
    expect(d.categories).toEqual([{ id: 1, name: 'Car' }]);
    expect(warnings.map((w) => w.code)).toContain('polygon-rasterized');
  });

  it('rasterizes rectangles, rotated ones as the polygon of their corners (clockwise about the top-left corner)', () => {
    const d = parseLabelStudioExport(task([
      { ...common, id: 'a', type: 'rectanglelabels', value: { x: 10, y: 20, width: 50, height: 25, rotation: 0, rectanglelabels: ['Box'] } },
      { ...common, id: 'b', type: 'rectanglelabels', value: { x: 50, y: 10, width: 40, height: 25, rotation: 90, rectanglelabels: ['Box'] } },
    ]));
    expect(d.annotations[0]!.mask.equals(rasterizeBox({ x: 4, y: 4, width: 20, height: 5 }, size))).toBe(true);
    // 90°: the 16 px wide, 5 px high box at (20, 2) turns to cover x in [15, 20], y in [2, 18].
    const rotated = d.annotations[1]!.mask;
    expect(rotated.bbox()).toEqual({ x: 15, y: 2, width: 5, height: 16 });
    expect(rotated.area()).toBe(80);
  });

  it('reads bitmasklabels PNG data URLs by alpha (RGBA and 1-bit palette with tRNS)', () => {
    const h = 3, w = 5;
    const bits = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1);
    const rgba = new Uint8Array(h * w * 4);
    bits.forEach((b, p) => { if (b) rgba[4 * p + 3] = 255; });
    const url = (png: Uint8Array) => `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
    const expected = Mask.fromBitmap(bits, { height: h, width: w });
    const rgbaUrl = url(encodePng({ width: w, height: h, data: rgba, channels: 4, depth: 8 }));
    expect(decodeBitmask(rgbaUrl, { height: h, width: w }).equals(expected)).toBe(true);
    const packed = Uint8Array.of(0b10000000, 0b00100000, 0b00001000);
    const palUrl = url(encodePng({ width: w, height: h, data: packed, channels: 1, depth: 1, palette: [[0, 0, 0, 0], [0, 0, 0, 255]] }));
    expect(decodeBitmask(palUrl, { height: h, width: w }).equals(expected)).toBe(true);
    const d = parseLabelStudioExport(JSON.stringify({ data: { image: 'x.png' }, annotations: [{ result: [{ id: 'b', type: 'bitmasklabels', original_width: w, original_height: h, value: { imageDataURL: rgbaUrl, bitmasklabels: ['Cat'] } }] }] }));
    expect(d.annotations[0]!.mask.equals(expected)).toBe(true);
    // 16-bit gray + alpha: alpha scaled to 0..255 before the threshold.
    const ga = new Uint16Array(h * w * 2);
    bits.forEach((b, p) => { ga[2 * p + 1] = b ? 40000 : 100; });
    const gaUrl = url(encodePng({ width: w, height: h, data: ga, channels: 2, depth: 16 }));
    expect(decodeBitmask(gaUrl, { height: h, width: w }).area()).toBe(15);
    expect(decodeBitmask(gaUrl, { height: h, width: w }, { threshold: 127 }).equals(expected)).toBe(true);
    // No alpha at all: opaque everywhere, as a canvas draws it.
    const grayUrl = url(encodePng({ width: w, height: h, data: new Uint8Array(h * w), channels: 1, depth: 8 }));
    expect(decodeBitmask(grayUrl, { height: h, width: w }).area()).toBe(15);
    expectCode(() => decodeBitmask(rgbaUrl, { height: w, width: h }), 'SIZE_MISMATCH');
    expectCode(() => decodeBitmask('data:image/jpeg;base64,AAAA', { height: h, width: w }), 'INVALID_STRUCTURE');
    expectCode(() => decodeBitmask('data:image/png;base64,AA*A', { height: h, width: w }), 'INVALID_TOKEN');
    const broken = Buffer.from(encodePng({ width: w, height: h, data: rgba, channels: 4, depth: 8 }));
    broken[40] = broken[40]! ^ 0xff;
    expectCode(() => decodeBitmask(url(broken), { height: h, width: w }), 'CORRUPT');
  });

  it('reads the converter\'s flattened results (output items) and JSON-MIN records', () => {
    const mask = maskOf(exampleMasks.masks.first!);
    const rle = encode(mask);
    const flat = { rle, format: 'rle', brushlabels: ['Blob'], original_width: 10, original_height: 8 };
    const items = [{ id: 5, input: { image: '/data/upload/5/x.png' }, output: { tag: [{ ...flat, type: 'BrushLabels' }] }, annotation_id: 1 }];
    const d = parseLabelStudioExport(JSON.stringify(items));
    expect(d.images[0]).toMatchObject({ id: 5, fileName: 'x.png', height: 8, width: 10 });
    expect(d.annotations[0]!.mask.equals(mask)).toBe(true);
    expect(d.categories).toEqual([{ id: 1, name: 'Blob' }]);
    // JSON-MIN: the data keys and, under the from_name, the flattened values without `type`.
    const min = [{ image: '/data/upload/5/y.png', id: 6, tag: [flat], annotator: 'a@b.c', annotation_id: 3, lead_time: 2 }];
    const m = parseLabelStudioExport(JSON.stringify(min));
    expect(m.images).toEqual([{ id: 6, fileName: 'y.png', height: 8, width: 10, attributes: { labelStudio: { url: '/data/upload/5/y.png' } } }]);
    expect(m.annotations[0]!.mask.equals(mask)).toBe(true);
    expect(m.annotations[0]!.categoryId).toBe(1);
    expectCode(() => parseLabelStudioExport(JSON.stringify([{ image: 'x.png', tag: ['Blob'] }])), 'INVALID_STRUCTURE');
  });

  it('takes a region\'s label from a separate <Labels> result with the same id', () => {
    const mask = maskOf(exampleMasks.masks.second!);
    const d = parseLabelStudioExport(JSON.stringify([{ id: 1, data: { image: 'x.png' }, annotations: [{ result: [
      { id: 'r', type: 'brush', from_name: 'brush', to_name: 'image', original_width: 10, original_height: 8, value: { format: 'rle', rle: encode(mask) } },
      { id: 'r', type: 'labels', from_name: 'labels', to_name: 'image', original_width: 10, original_height: 8, value: { labels: ['Edge'] } },
    ] }] }]));
    expect(d.annotations).toHaveLength(1);
    expect(d.categories).toEqual([{ id: 1, name: 'Edge' }]);
  });

  it('reports results that are not masks and skips cancelled annotations', () => {
    const { warn, warnings } = collect();
    const d = parseLabelStudioExport(JSON.stringify([{ id: 1, data: { image: 'x.png' }, annotations: [
      { was_cancelled: true, result: [{ ...common, id: 'c', type: 'rectanglelabels', value: { x: 0, y: 0, width: 10, height: 10, rectanglelabels: ['A'] } }] },
      { result: [{ ...common, id: 'k', type: 'keypointlabels', value: { x: 1, y: 1, keypointlabels: ['A'] } }, { ...common, id: 'r', type: 'rectanglelabels', value: { x: 0, y: 0, width: 10, height: 10, rectanglelabels: ['A'] } }] },
    ] }]), {}, { warn });
    expect(d.annotations.map((a) => a.id)).toEqual(['r']);
    expect(warnings.map((w) => w.message).join('\n')).toMatch(/1 keypointlabels results are not masks[\s\S]*/);
    expect(warnings.some((w) => /cancelled/.test(w.message))).toBe(true);
  });

  it('gives a repeated region id (a prediction accepted as an annotation) a free id and keeps the original', () => {
    const rle = encode(maskOf(exampleMasks.masks.first!));
    const r = { id: 'same', type: 'brushlabels', from_name: 'tag', to_name: 'image', original_width: 10, original_height: 8, value: { format: 'rle', rle, brushlabels: ['Blob'] } };
    const d = parseLabelStudioExport(JSON.stringify([{ id: 1, data: { image: 'x.png' }, annotations: [{ result: [r] }], predictions: [{ result: [r] }] }]));
    expect(d.annotations.map((a) => a.id)).toEqual(['same', 1]);
    expect(d.annotations[1]!.attributes?.resultId).toBe('same');
    const out = JSON.parse(formatLabelStudioExport(d));
    expect(out[0].annotations[0].result[0].id).toBe('same');
    expect(out[0].predictions[0].result[0].id).toBe('same');
  });
});

describe('labels', () => {
  it('takes the first of several labels as the category and writes the whole list back', () => {
    const rle = encode(maskOf(exampleMasks.masks.first!));
    const text = JSON.stringify([{ id: 1, data: { image: 'x.png' }, predictions: [{ result: [
      { id: 'a', type: 'brushlabels', from_name: 'tag', to_name: 'image', original_width: 10, original_height: 8, value: { format: 'rle', rle, brushlabels: ['Car', 'Red'] } },
      { id: 'b', type: 'brushlabels', from_name: 'tag', to_name: 'image', original_width: 10, original_height: 8, value: { format: 'rle', rle, brushlabels: [] } },
    ] }] }]);
    const d = parseLabelStudioExport(text);
    expect(d.categories).toEqual([{ id: 1, name: 'Car' }]);
    expect(d.annotations[0]!.attributes).toEqual({ labels: ['Car', 'Red'] });
    expect(d.annotations[1]!.categoryId).toBeUndefined();
    const out = JSON.parse(formatLabelStudioExport(d));
    expect(out[0].predictions[0].result.map((r: { value: { brushlabels: string[] } }) => r.value.brushlabels)).toEqual([['Car', 'Red'], []]);
  });
});

describe('bad input', () => {
  const base = (r: object) => JSON.stringify([{ id: 1, data: { image: 'x.png' }, annotations: [{ result: [r] }] }]);
  const brush = { id: 'r', type: 'brushlabels', original_width: 10, original_height: 8, value: { format: 'rle', rle: encode(Mask.empty({ height: 8, width: 10 })), brushlabels: ['A'] } };

  it('gives the path of a brush stream whose num is not 4 * H * W', () => {
    const e = expectCode(() => parseLabelStudioExport(base({ ...brush, original_width: 8, original_height: 10 }).replace('"original_width":8', '"original_width":9')), 'SIZE_MISMATCH');
    expect(e.path).toEqual([0, 'annotations', 0, 'result', 0, 'value', 'rle']);
  });

  it('refuses mask results without sizes, non-object results, bad points, unknown brush formats and mixed sizes', () => {
    const { original_width: _w, ...unsized } = brush;
    expectCode(() => parseLabelStudioExport(base(unsized)), 'INVALID_STRUCTURE');
    expectCode(() => parseLabelStudioExport(JSON.stringify([{ data: {}, annotations: [{ result: [3] }] }])), 'INVALID_STRUCTURE');
    expectCode(() => parseLabelStudioExport(base({ id: 'p', type: 'polygonlabels', original_width: 10, original_height: 8, value: { points: [[1, 'a']] } })), 'INVALID_STRUCTURE');
    expectCode(() => parseLabelStudioExport(base({ ...brush, value: { ...brush.value, format: 'png' } })), 'UNSUPPORTED');
    expectCode(() => parseLabelStudioExport(base({ ...brush, value: { format: 'rle', rle: 'abc' } })), 'INVALID_STRUCTURE');
    expectCode(() => parseLabelStudioExport(JSON.stringify([{ data: {}, annotations: [{ result: [brush, { ...brush, id: 's', original_width: 5 }] }] }])), 'SIZE_MISMATCH');
    const sized = { id: 1, data: {}, annotations: [], meta: { original_width: 1, original_height: 1 } };
    expectCode(() => parseLabelStudioExport(JSON.stringify([sized, sized])), 'INVALID_STRUCTURE');
    expectCode(() => parseLabelStudioExport('3'), 'INVALID_STRUCTURE');
    expectCode(() => parseLabelStudioExport('{"a":'), 'INVALID_STRUCTURE');
  });

  it('refuses images over maxPixels before decoding', () => {
    expectCode(() => parseLabelStudioExport(base({ ...brush, original_width: 100000, original_height: 100000 }), { maxPixels: 1000 }), 'LIMIT_EXCEEDED');
  });
});

describe('sniff and file names', () => {
  it('recognises exports, single tasks and converter items', () => {
    expect(dialect.sniff(enc.encode(exampleText))).toBeGreaterThanOrEqual(0.9);
    expect(dialect.sniff(enc.encode(JSON.stringify({ data: { image: 'x' }, predictions: [] })))).toBeGreaterThan(0.5);
    expect(dialect.sniff(enc.encode('{"images": [], "annotations": [], "categories": []}'))).toBe(0);
    expect(dialect.sniff(enc.encode('id,rle\n1,2 3\n'))).toBe(0);
  });

  it('takes the file name from upload paths, URLs and local-files ?d=', () => {
    expect(fileNameOf('/data/upload/1/abc-image.png')).toBe('abc-image.png');
    expect(fileNameOf('/data/local-files/?d=images/sub/x%20y.png')).toBe('x y.png');
    expect(fileNameOf('s3://bucket/a/b.jpg')).toBe('b.jpg');
    expect(fileNameOf('https://h/p/q.jpg?sig=1#f')).toBe('q.jpg');
    expect(fileNameOf('plain.png')).toBe('plain.png');
  });
});
