import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask, RleError, bytesSource, encodeUtf8, memoryFolder, type DialectContext, type MaskDataset, type RleWarning } from '@rlekit/core';
import { decode, dialect, encode, countsToString, looksInverted, snakeCase } from '../src/index.js';

const dir = new URL('../../../conformance/vectors/encord/', import.meta.url);
const exampleText = readFileSync(fileURLToPath(new URL('example_label_rows.json', dir)), 'utf8');
const exampleMasks: { height: number; width: number; masks: Record<string, string[]> } = JSON.parse(readFileSync(fileURLToPath(new URL('example_masks.json', dir)), 'utf8'));

const sampleMask = (name: string): Mask =>
  Mask.fromBitmap(Uint8Array.from(exampleMasks.masks[name]!.join(''), (c) => (c === '1' ? 1 : 0)), exampleMasks);

function collect(): { warnings: RleWarning[]; ctx: DialectContext } {
  const warnings: RleWarning[] = [];
  return { warnings, ctx: { warn: (w) => warnings.push(w) } };
}

async function read(json: unknown, options = {}, ctx?: DialectContext): Promise<MaskDataset> {
  return dialect.read(encodeUtf8(typeof json === 'string' ? json : JSON.stringify(json)), options, ctx);
}

async function write(d: MaskDataset, options = {}, ctx?: DialectContext): Promise<unknown> {
  return JSON.parse(new TextDecoder().decode(await dialect.write(d, options, ctx)));
}

import { expectCodeAsync as expectCode, hostileValues, withEachLeafReplaced } from '../../core/test/support.js';

const example = (): any[] => JSON.parse(exampleText);

describe('the example export', () => {
  it('reads every bitmask object into the right image, category and instance', async () => {
    const { warnings, ctx } = collect();
    const d = await read(exampleText, {}, ctx);
    expect(warnings).toEqual([]);
    expect(d.images.map((i) => [i.id, i.fileName, i.height, i.width])).toEqual([
      ['00000000-0000-4000-8000-00000000bbbb', 'image_0001.png', 8, 10],
      ['00000000-0000-4000-8000-00000000eeee#0', 'clip.mp4#0', 8, 10],
      ['00000000-0000-4000-8000-00000000eeee#3', 'clip.mp4#3', 8, 10],
    ]);
    expect(d.categories).toEqual([
      { id: 'aB3dFeat', name: 'Blob', color: [0xd3, 0x31, 0x15] },
      { id: 'xY9zFeat', name: 'Edge Line', color: [0xd3, 0x31, 0x15] },
    ]);
    expect(d.annotations.map((a) => [a.id, a.imageId, a.categoryId, a.score])).toEqual([
      ['obj00001', d.images[0]!.id, 'aB3dFeat', undefined],
      ['obj00002', d.images[0]!.id, 'xY9zFeat', undefined],
      ['obj00001', d.images[1]!.id, 'aB3dFeat', undefined],
      ['obj00001', d.images[2]!.id, 'aB3dFeat', undefined],
      ['obj00002', d.images[2]!.id, 'xY9zFeat', undefined],
    ]);
    const first = sampleMask('first'), second = sampleMask('second');
    expect(d.annotations.map((a) => (a.mask.equals(first) ? 'first' : a.mask.equals(second) ? 'second' : 'other'))).toEqual(['first', 'second', 'first', 'first', 'second']);
    expect(d.annotations[0]!.attributes).toEqual({ createdAt: 'Thu, 01 Jan 2026 00:00:00 GMT', createdBy: 'annotator@example.com' });
    expect((d.images[1]!.attributes!.encord as { frame: string }).frame).toBe('0');
  });

  it('writes back every field unchanged', async () => {
    const d = await read(exampleText);
    expect(await write(d)).toStrictEqual(example());
    expect(await write(await read(await write(d)))).toStrictEqual(example());
  });

  it('writes the same text, key order included (but for Python\'s "25.0" floats)', async () => {
    const text = new TextDecoder().decode(await dialect.write(await read(exampleText)));
    expect(text).toBe(exampleText.replace('25.0', '25').replace('4.0', '4'));
  });

  it('accepts a single label row object', async () => {
    const d = await read(example()[1]);
    expect(d.images.length).toBe(2);
    expect(await write(d)).toStrictEqual([example()[1]]);
  });

  it('reads from a ByteSource and refuses folders', async () => {
    const d = await dialect.read(bytesSource(encodeUtf8(exampleText), 'export.json'));
    expect(d.annotations.length).toBe(5);
    await expectCode(dialect.read(memoryFolder({})), 'INVALID_OPTION');
  });

  it('sniffs label rows and not other JSON', () => {
    expect(dialect.sniff(encodeUtf8(exampleText))).toBeGreaterThanOrEqual(0.9);
    expect(dialect.sniff(encodeUtf8('{"format": "rlekit-json"}'))).toBe(0);
    expect(dialect.sniff(encodeUtf8('{"images": [], "annotations": []}'))).toBe(0);
  });
});

describe('objects that are not bitmasks, and frame structure', () => {
  it('reports polygons and boxes as not carried and writes them back in place', async () => {
    const rows = example();
    const objects = rows[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects;
    const polygon = { name: 'Road', shape: 'polygon', objectHash: 'poly0001', featureHash: 'pF', polygon: { '0': { x: 0.1, y: 0.2 } } };
    const box = { name: 'Car', shape: 'bounding_box', objectHash: 'box00001', featureHash: 'bF', boundingBox: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 } };
    objects.splice(1, 0, polygon);
    objects.push(box, { ...box, objectHash: 'box00002' });
    const { warnings, ctx } = collect();
    const d = await read(rows, {}, ctx);
    expect(d.annotations.length).toBe(5);
    expect(warnings.filter((w) => w.code === 'not-carried').map((w) => [w.count, w.message.includes('bounding_box') || w.message.includes('polygon')])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(await write(d)).toStrictEqual(rows);
  });

  it('keeps classifications, extra label keys and empty videos', async () => {
    const rows = example();
    const unit = rows[1].data_units['00000000-0000-4000-8000-00000000eeee'];
    unit.labels['3'].classifications = [{ name: 'Weather', value: 'weather', classificationHash: 'c1' }];
    unit.labels['3'].extraKey = 7;
    rows.push({ ...rows[1], label_hash: 'other', data_hash: 'vid2', data_units: { vid2: { ...unit, data_hash: 'vid2', labels: {} } } });
    const d = await read(rows);
    expect(d.images.length).toBe(4);
    expect(d.images[3]!.id).toBe('vid2');
    expect(await write(d)).toStrictEqual(rows);
  });

  it('keeps per-object names, values and colours that differ from their category, and objects without featureHash', async () => {
    const rows = example();
    const objects = rows[1].data_units['00000000-0000-4000-8000-00000000eeee'].labels['3'].objects;
    objects[0].color = '#d33115';
    objects[0].value = 'blob_v2';
    delete objects[1].featureHash;
    const d = await read(rows);
    const a = d.annotations.filter((x) => String(x.imageId).endsWith('#3'));
    expect(a[0]!.categoryId).toBe('aB3dFeat');
    expect(a[0]!.attributes).toMatchObject({ color: '#d33115', value: 'blob_v2' });
    expect(a[1]!.categoryId).toBeUndefined();
    expect(a[1]!.attributes).toMatchObject({ name: 'Edge Line', value: 'edge_line', color: '#D33115' });
    // Encord's SDK cannot load an object without featureHash: it is written with the placeholder feature, and said.
    const { warnings, ctx } = collect();
    const out = await write(d, {}, ctx);
    objects[1].featureHash = 'rlekit-no-category';
    expect(out).toStrictEqual(rows);
    expect(warnings.filter((w) => w.code === 'default-category').map((w) => w.count)).toEqual([1]);
    // ... which reads back as no category again, so a second trip changes nothing.
    expect(await write(await read(out))).toStrictEqual(rows);
  });

  it('reads frame-keyed labels of data types it does not list (pdf pages, newer types), and writes them back', async () => {
    const m = Mask.fromBitmap(Uint8Array.from([0, 1, 1, 0, 0, 1]), { height: 2, width: 3 });
    const obj = { name: 'A', shape: 'bitmask', objectHash: 'o1', featureHash: 'f1', bitmask: { rleString: encode(m), top: 0, left: 0, width: 3, height: 2 } };
    const rows = [{ label_hash: 'L', data_hash: 'D', data_type: 'pdf', data_units: { D: { data_hash: 'D', width: 3, height: 2, labels: { '0': { objects: [obj], classifications: [] }, '4': { objects: [{ ...obj, objectHash: 'o2' }], classifications: [] } } } } }];
    const d = await read(rows);
    expect(d.annotations.map((a) => [a.id, a.imageId])).toEqual([['o1', 'D#0'], ['o2', 'D#4']]);
    expect(d.annotations.every((a) => a.mask.equals(m))).toBe(true);
    const out = (await write(d)) as any[];
    expect(Object.keys(out[0].data_units.D.labels)).toEqual(['0', '4']);
    expect(out[0].data_units.D.labels['4'].objects[0].bitmask.rleString).toBe(encode(m));
  });

  it('keeps a "__proto__" field of an object and of a label row as a field', async () => {
    const rows = JSON.parse(exampleText.replace('"label_hash": "00000000-0000-4000-8000-00000000aaaa",', '"__proto__": {"p": 1}, "label_hash": "00000000-0000-4000-8000-00000000aaaa",').replace('"objectHash": "obj00001",', '"__proto__": {"q": 2}, "objectHash": "obj00001",'));
    const d = await read(rows);
    expect(Object.hasOwn(d.annotations[0]!.attributes!, '__proto__')).toBe(true);
    const out = (await write(d)) as any[];
    const text = JSON.stringify(out);
    expect(text).toContain('"__proto__":{"p":1}');
    expect(text).toContain('"__proto__":{"q":2}');
  });

  it('reads an img_group row: one image per data unit', async () => {
    const rows = example();
    const unit = rows[0].data_units['00000000-0000-4000-8000-00000000bbbb'];
    rows[0].data_type = 'img_group';
    rows[0].data_units = { u1: { ...unit, data_hash: 'u1', data_sequence: 0 }, u2: { ...unit, data_hash: 'u2', data_sequence: 1, height: 8, width: 10 } };
    const d = await read([rows[0]]);
    expect(d.images.map((i) => i.id)).toEqual(['u1', 'u2']);
    expect(d.annotations.filter((a) => a.imageId === 'u2').length).toBe(2);
    expect(await write(d)).toStrictEqual([rows[0]]);
  });

  it('places a bitmask with a top/left offset as a box, and says so', async () => {
    const rows = example();
    const obj = rows[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects[0];
    obj.bitmask = { rleString: countsToString([0, 1, 5]), top: 2, left: 3, width: 3, height: 2 };
    const { warnings, ctx } = collect();
    const d = await read(rows, {}, ctx);
    const m = d.annotations[0]!.mask;
    expect(m.height).toBe(8);
    expect(m.width).toBe(10);
    expect(m.area()).toBe(1);
    expect(m.bbox()).toEqual({ x: 3, y: 2, width: 1, height: 1 });
    expect(warnings.map((w) => w.code)).toEqual(['bitmask-placed']);
  });
});

describe('plain datasets', () => {
  const datasetArb = fc
    .record({ height: fc.integer({ min: 1, max: 12 }), width: fc.integer({ min: 1, max: 12 }), n: fc.integer({ min: 0, max: 4 }), images: fc.integer({ min: 1, max: 3 }) })
    .filter(({ height, width }) => height !== width)
    .chain(({ height, width, n, images }) =>
      fc.array(
        fc.record({
          bits: fc.array(fc.boolean(), { minLength: height * width, maxLength: height * width }),
          image: fc.integer({ min: 1, max: images }),
          category: fc.constantFrom(1, 2, 'car'),
          score: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        }),
        { minLength: n, maxLength: n },
      ).map((anns): MaskDataset => {
        const used = new Set(anns.map((a) => a.category));
        return {
          images: Array.from({ length: images }, (_, i) => ({ id: i + 1, fileName: `img${i + 1}.png`, height, width })),
          categories: [{ id: 1, name: 'cell' }, { id: 2, name: 'Big Nucleus', color: [1, 2, 250] as const }, { id: 'car', name: 'car' }].filter((c) => used.has(c.id)),
          annotations: anns.map((a, i) => ({
            id: i + 1,
            imageId: a.image,
            categoryId: a.category,
            mask: Mask.fromBitmap(Uint8Array.from(a.bits, Number), { height, width }),
            ...(a.score === undefined ? {} : { score: a.score }),
          })),
        };
      }),
    );

  it('come back identical: ids, categories, scores, masks, and no added attributes', async () => {
    await fc.assert(
      fc.asyncProperty(datasetArb, async (d) => {
        const bytes = await dialect.write(d);
        const back = await dialect.read(bytes);
        expect(back.images).toEqual(d.images);
        const strip = (x: MaskDataset) => x.annotations.map(({ mask, ...rest }) => ({ ...rest, runs: [...mask.runsView('row')], size: mask.size }));
        // Encord holds objects per image: annotations come back grouped by image, in order within each.
        const grouped = { ...d, annotations: d.images.flatMap((im) => d.annotations.filter((a) => a.imageId === im.id)) };
        expect(strip(back)).toEqual(strip(grouped));
        // Categories in order of first use, as Encord keeps them on objects.
        const order = [...new Set(grouped.annotations.map((a) => a.categoryId))];
        expect(back.categories).toEqual(order.map((id) => d.categories.find((c) => c.id === id)));
        expect(await dialect.write(back)).toEqual(bytes);
      }),
      { numRuns: 150 },
    );
  });

  it('writes image label rows Encord can load: full-frame bitmasks, featureHash, objectHash, answers', async () => {
    const mask = Mask.fromRuns([0, 1, 13, 1], { height: 3, width: 5 }, 'row');
    const rows = (await write({
      images: [{ id: 9, fileName: 'a.png', height: 3, width: 5 }],
      categories: [{ id: 4, name: 'Big Cell' }],
      annotations: [{ id: 'o1', imageId: 9, categoryId: 4, mask, score: 0.5 }],
    })) as any[];
    expect(rows).toStrictEqual([
      {
        data_hash: '9', data_title: 'a.png', data_type: 'image', object_answers: { o1: { classifications: [], objectHash: 'o1' } }, classification_answers: {}, object_actions: {},
        data_units: {
          '9': {
            data_hash: '9', data_title: 'a.png', data_sequence: 0, width: 5, height: 3,
            labels: {
              objects: [{
                name: 'Big Cell', shape: 'bitmask', value: 'big_cell', createdAt: 'Thu, 01 Jan 1970 00:00:00 GMT', createdBy: 'rlekit',
                confidence: 0.5, objectHash: 'o1', featureHash: '4', manualAnnotation: false,
                bitmask: { rleString: encode(mask), top: 0, left: 0, width: 5, height: 3 },
              }],
              classifications: [],
            },
          },
        },
      },
    ]);
  });

  it('gives annotations without a category the featureHash Encord requires (a placeholder feature), says so, and reads it back as none', async () => {
    const size = { height: 3, width: 5 };
    const mask = Mask.fromRuns([1, 4, 10], size, 'row');
    const d: MaskDataset = {
      images: [{ id: 1, height: 3, width: 5 }, { id: 2, height: 3, width: 5 }],
      categories: [{ id: 7, name: 'cell' }],
      annotations: [{ id: 1, imageId: 1, mask }, { id: 2, imageId: 1, categoryId: 7, mask }, { id: 3, imageId: 2, mask, score: 0.5 }],
    };
    const objects = (rows: any) => rows.flatMap((r: any) => Object.values(r.data_units).flatMap((u: any) => u.labels.objects));
    const { warnings, ctx } = collect();
    const out = await write(d, {}, ctx);
    expect(objects(out).map((o: any) => [o.objectHash, o.featureHash, o.name, o.value])).toEqual([
      ['1', 'rlekit-no-category', 'object', 'object'],
      ['2', '7', 'cell', 'cell'],
      ['3', 'rlekit-no-category', 'object', 'object'],
    ]);
    const said = warnings.filter((w) => w.code === 'default-category');
    expect(said.map((w) => [w.count, w.path])).toEqual([[2, ['annotations', 0, 'categoryId']]]);
    expect(said[0]!.message).toMatch(/featureHash/);
    expect(said[0]!.message).toMatch(/rlekit-no-category/);
    // The placeholder is not a category: it reads back as none, and nothing else is added.
    const back = await read(out);
    expect(back.annotations.map((a) => [a.id, a.categoryId, a.attributes])).toEqual([[1, undefined, undefined], [2, 7, undefined], [3, undefined, undefined]]);
    expect(back.categories).toEqual([{ id: 7, name: 'cell' }]);
    expect(await write(back)).toStrictEqual(out);
    // A feature of the user's own ontology instead: written, and read back as that feature.
    const own = await write(d, { defaultFeatureHash: 'f00dCafe', defaultLabel: 'Cell Body' });
    expect(objects(own)[0]).toMatchObject({ featureHash: 'f00dCafe', name: 'Cell Body', value: 'cell_body' });
    const ownBack = await read(own);
    expect(ownBack.annotations.map((a) => a.categoryId)).toEqual(['f00dCafe', 7, 'f00dCafe']);
    expect(ownBack.categories).toEqual([{ id: 'f00dCafe', name: 'Cell Body' }, { id: 7, name: 'cell' }]);
    // No warning when every annotation has a category.
    const quiet = collect();
    await write({ ...d, annotations: [d.annotations[1]!] }, {}, quiet.ctx);
    expect(quiet.warnings.filter((w) => w.code === 'default-category')).toEqual([]);
    await expectCode(dialect.write(d, { defaultFeatureHash: '' }), 'INVALID_OPTION');
    await expectCode(dialect.write(d, { defaultLabel: '' }), 'INVALID_OPTION');
  });

  it('gives objects without provenance the createdAt / createdBy Encord requires, and reads them back as none', async () => {
    const d: MaskDataset = {
      images: [{ id: 1, height: 2, width: 3 }],
      categories: [],
      annotations: [{ id: 1, imageId: 1, mask: Mask.full({ height: 2, width: 3 }) }, { id: 2, imageId: 1, mask: Mask.full({ height: 2, width: 3 }), attributes: { createdBy: 'ann' } }],
    };
    const objects = (rows: any) => rows[0].data_units['1'].labels.objects;
    const out = await write(d, { createdBy: 'bot', createdAt: 'Mon, 02 Feb 2026 10:00:00 GMT' });
    expect(objects(out).map((o: any) => [o.createdBy, o.createdAt])).toEqual([['bot', 'Mon, 02 Feb 2026 10:00:00 GMT'], ['ann', 'Mon, 02 Feb 2026 10:00:00 GMT']]);
    const now = objects(await write(d, { createdAt: 'now' }))[0].createdAt;
    expect(Math.abs(Date.parse(now) - Date.now())).toBeLessThan(60_000);
    const back = await read(await write(d));
    expect(back.annotations.map((a) => a.attributes)).toEqual([undefined, { createdBy: 'ann' }]);
  });

  it('round trips every confidence / manualAnnotation combination', async () => {
    const rows = example();
    const objects = rows[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects;
    const base = objects[0];
    const combos = [
      { confidence: 1, manualAnnotation: true },
      { confidence: 1, manualAnnotation: false },
      { confidence: 0.25, manualAnnotation: true },
      { confidence: 0.25, manualAnnotation: false },
      { confidence: 1 },
      { manualAnnotation: true },
    ];
    objects.length = 0;
    combos.forEach((c, i) => {
      const o = { ...base, objectHash: `o${i}` };
      delete o.confidence;
      delete o.manualAnnotation;
      objects.push({ ...o, ...c });
    });
    rows[0].object_answers = {};
    const d = await read([rows[0]]);
    expect(d.annotations.map((a) => a.score)).toEqual([undefined, 1, 0.25, 0.25, 1, undefined]);
    const out = (await write(d)) as any[];
    const written = out[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects;
    // A missing confidence is written as Encord's default 1; everything else as read.
    expect(written.map((o: any) => [o.confidence, o.manualAnnotation])).toEqual([[1, true], [1, false], [0.25, true], [0.25, false], [1, undefined], [1, true]]);
    expect(Object.keys(out[0].object_answers)).toEqual(['o0', 'o1', 'o2', 'o3', 'o4', 'o5']);
  });

  it('keeps objects without confidence unscored through a second round trip', async () => {
    const rows = example();
    const objects = rows[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects;
    const base = { ...objects[0] };
    delete base.confidence;
    delete base.manualAnnotation;
    objects.length = 0;
    objects.push({ ...base, objectHash: 'n0' }, { ...base, objectHash: 'n1', manualAnnotation: false });
    const first = await read([rows[0]]);
    expect(first.annotations.map((a) => a.score)).toEqual([undefined, undefined]);
    const out = (await write(first)) as any[];
    const written = out[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects;
    // Writing confidence 1 here would read back as a score of 1.
    expect(written.map((o: any) => [o.confidence, o.manualAnnotation])).toEqual([[undefined, undefined], [undefined, false]]);
    const second = await read(out);
    expect(second.annotations.map((a) => a.score)).toEqual([undefined, undefined]);
    expect(second.annotations.map((a) => a.attributes)).toEqual(first.annotations.map((a) => a.attributes));
  });

  it('reports what it cannot carry', async () => {
    const { warnings, ctx } = collect();
    const mask = Mask.empty({ height: 2, width: 3 });
    await write({
      images: [{ id: 1, height: 2, width: 3, attributes: { license: 3 } }],
      categories: [{ id: 1, name: 'a' }, { id: 2, name: 'unused' }],
      annotations: [{ id: 1, imageId: 1, categoryId: 1, mask, iscrowd: true, attributes: { shape: 'x', note: 'kept' } }],
    }, {}, ctx);
    const codes = warnings.map((w) => w.message);
    expect(codes.some((m) => /crowd/.test(m))).toBe(true);
    expect(codes.some((m) => /categories without masks/.test(m))).toBe(true);
    expect(codes.some((m) => /image attributes/.test(m))).toBe(true);
    expect(codes.some((m) => /named like Encord/.test(m))).toBe(true);
  });

  it('rejects masks of the wrong size and dangling references', async () => {
    const mask = Mask.empty({ height: 2, width: 3 });
    const images = [{ id: 1, height: 3, width: 2 }];
    const e = await expectCode(dialect.write({ images, categories: [], annotations: [{ id: 1, imageId: 1, mask }] }), 'SIZE_MISMATCH');
    expect(e.path).toEqual(['annotations', 0]);
    await expectCode(dialect.write({ images, categories: [], annotations: [{ id: 1, imageId: 2, mask }] }), 'DANGLING_REFERENCE');
    await expectCode(dialect.write({ images: [{ id: 1, height: 2, width: 3 }], categories: [], annotations: [{ id: 1, imageId: 1, categoryId: 5, mask }] }), 'DANGLING_REFERENCE');
    await expectCode(dialect.write({ images: [], categories: [], annotations: [] }, { indent: -1 }), 'INVALID_OPTION');
  });
});

describe('the v0.1.153-0.1.157 inverted-mask bug', () => {
  // What the buggy SDK wrote for a mask whose pixel (0,0) is set: the runs without the leading 0.
  function buggy(mask: Mask): string {
    return countsToString(mask.runsView('row').subarray(1));
  }

  it('recognises suspects by date, area and pixel (0,0), warns, and repairs on request', async () => {
    const intended = Mask.fromRuns([0, 3, 77], { height: 8, width: 10 }, 'row');
    const rows = example();
    const obj = rows[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects[0];
    obj.bitmask.rleString = buggy(intended);
    obj.lastEditedAt = 'Mon, 13 Jan 2025 10:00:00 GMT';
    const { warnings, ctx } = collect();
    const d = await read(rows, {}, ctx);
    expect(d.annotations[0]!.mask.equals(intended.complement())).toBe(true);
    expect(looksInverted(d.annotations[0]!.mask)).toBe(true);
    expect(warnings.map((w) => [w.code, w.count])).toEqual([['suspect-inverted', 1]]);
    const fixed = await read(rows, { repairInverted: true });
    expect(fixed.annotations[0]!.mask.equals(intended)).toBe(true);
    // The same string outside the window is taken as written.
    obj.lastEditedAt = 'Mon, 13 Jan 2026 10:00:00 GMT';
    const { warnings: none, ctx: ctx2 } = collect();
    const later = await read(rows, { repairInverted: true }, ctx2);
    expect(later.annotations[0]!.mask.equals(intended.complement())).toBe(true);
    expect(none).toEqual([]);
  });
});

describe('malformed exports', () => {
  const unitPath = [0, 'data_units', '00000000-0000-4000-8000-00000000bbbb'];

  it('reports the path of what is malformed', async () => {
    let rows = example();
    delete rows[0].data_units['00000000-0000-4000-8000-00000000bbbb'].width;
    let e = await expectCode(read(rows), 'INVALID_STRUCTURE');
    expect(e.path).toEqual([...unitPath, 'width']);

    rows = example();
    rows[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects[1].bitmask.top = -1;
    e = await expectCode(read(rows), 'INVALID_STRUCTURE');
    expect(e.path).toEqual([...unitPath, 'labels', 'objects', 1, 'bitmask', 'top']);

    rows = example();
    delete rows[1].data_units['00000000-0000-4000-8000-00000000eeee'].labels['3'].objects[0].objectHash;
    e = await expectCode(read(rows), 'INVALID_STRUCTURE');
    expect(e.path).toEqual([1, 'data_units', '00000000-0000-4000-8000-00000000eeee', 'labels', '3', 'objects', 0, 'objectHash']);

    rows = example();
    delete rows[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects[0].bitmask;
    e = await expectCode(read(rows), 'INVALID_STRUCTURE');
    expect(e.path).toEqual([...unitPath, 'labels', 'objects', 0, 'bitmask']);

    rows = example();
    rows[0].data_units = [];
    await expectCode(read(rows), 'INVALID_STRUCTURE');
  });

  it('reports bad rleStrings with their path and offset', async () => {
    const rows = example();
    rows[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects[1].bitmask.rleString = '0:9G00{';
    const e = await expectCode(read(rows), 'INVALID_TOKEN');
    expect(e.path).toEqual([...unitPath, 'labels', 'objects', 1, 'bitmask', 'rleString']);
    expect(e.offset).toBe(6);
    rows[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects[1].bitmask.rleString = countsToString([81]);
    await expectCode(read(rows), 'RUNS_SUM_MISMATCH');
    rows[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects[1].bitmask.rleString = countsToString([50]);
    const { warnings, ctx } = collect();
    await read(rows, {}, ctx);
    expect(warnings.map((w) => w.code)).toEqual(['padded-runs']);
    await expectCode(read(rows, { strictSum: true }), 'RUNS_SUM_MISMATCH');
  });

  it('refuses bitmasks that do not fit the frame, frames over maxPixels, and oversized input', async () => {
    const rows = example();
    rows[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects[0].bitmask.width = 11;
    await expectCode(read(rows), 'SIZE_MISMATCH');
    await expectCode(read(example(), { maxPixels: 79 }), 'LIMIT_EXCEEDED');
    await expectCode(read(example(), { maxBytes: 100 }), 'LIMIT_EXCEEDED');
    await expectCode(read(example(), { maxPixels: 'x' }), 'INVALID_OPTION');
    const huge = example();
    Object.assign(huge[0].data_units['00000000-0000-4000-8000-00000000bbbb'], { width: 200000, height: 200000 });
    huge[0].data_units['00000000-0000-4000-8000-00000000bbbb'].labels.objects.forEach((o: any) => Object.assign(o.bitmask, { width: 200000, height: 200000 }));
    await expectCode(read(huge), 'INVALID_SIZE');
  });

  it('says where invalid JSON breaks (the end of a truncated export)', async () => {
    const cut = exampleText.slice(0, 700);
    const e = await read(cut).then(() => undefined, (x: unknown) => x as RleError);
    expect(e).toBeInstanceOf(RleError);
    expect(e!.code).toBe('INVALID_STRUCTURE');
    expect(e!.offset).toBe(cut.length);
    const bad = await read('[{"data_units": {},, }]').then(() => undefined, (x: unknown) => x as RleError);
    expect(bad!.code).toBe('INVALID_STRUCTURE');
    expect(bad!.offset).toBe(19);
  });

  it('rejects what is not an export', async () => {
    await expectCode(read('[{'), 'INVALID_STRUCTURE');
    await expectCode(read('42'), 'INVALID_STRUCTURE');
    await expectCode(read({ images: [] }), 'INVALID_STRUCTURE');
    await expectCode(read([7]), 'INVALID_STRUCTURE');
    // Bytes that cannot open JSON are refused at once; JSON that is not UTF-8 at its decode.
    await expectCode(dialect.read(Uint8Array.of(0xff, 0xfe, 0x00)), 'INVALID_STRUCTURE');
    await expectCode(dialect.read(Uint8Array.of(0x5b, 0xff, 0xfe, 0x5d)), 'INVALID_TOKEN');
  });
});

describe('helpers', () => {
  it('snake_cases names like Encord values', () => {
    expect(snakeCase('Edge Line')).toBe('edge_line');
    expect(snakeCase('Blob')).toBe('blob');
    expect(snakeCase(' Big-Cell 2 ')).toBe('big_cell_2');
  });
});

describe('robustness', () => {
  it('any string decodes to a Mask of the frame or fails with an RleError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), (s, height, width) => {
        try {
          const m = decode(s, { height, width });
          expect(m.pixels).toBe(height * width);
        } catch (e) {
          expect(e).toBeInstanceOf(RleError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a mutated export reads or fails with an RleError, never anything else', async () => {
    const values = fc.oneof(fc.constant(null), fc.integer({ min: -3, max: 100 }), fc.double(), fc.string({ maxLength: 8 }), fc.constant([]), fc.constant({}), fc.boolean());
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), values), { minLength: 1, maxLength: 3 }), async (edits) => {
        const rows = example();
        for (const [pick, value] of edits) {
          const slots: [any, string][] = [];
          const walk = (o: any): void => {
            if (o && typeof o === 'object') for (const k of Object.keys(o)) { slots.push([o, k]); walk(o[k]); }
          };
          walk(rows);
          const [parent, key] = slots[pick % slots.length]!;
          parent[key] = value;
        }
        try {
          await read(rows);
        } catch (e) {
          expect(e).toBeInstanceOf(RleError);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('hostile values where numbers and strings are expected', () => {
  it('an object with a toString key anywhere in an export fails with an RleError, never a TypeError', async () => {
    for (const value of hostileValues()) {
      for (const { path, doc } of withEachLeafReplaced(example(), value)) {
        try {
          await read(doc);
        } catch (e) {
          expect(e instanceof RleError, `${JSON.stringify(path)}: ${String(e)}`).toBe(true);
        }
      }
    }
  });

  it('decode and the COCO re-coders refuse hostile sizes and strings with an RleError', () => {
    for (const v of hostileValues()) {
      expect(() => decode('1 2', { height: v as number, width: 3 })).toThrow(RleError);
      expect(() => decode(v as string, { height: 1, width: 3 })).toThrow(RleError);
      expect(() => decode('1 2', v as { height: number; width: number })).toThrow(RleError);
    }
  });
});

describe('point and skeleton objects (issue 12 item 24)', () => {
  it('are reported once per read, however many rows and frames hold them', async () => {
    const rows = example();
    const point = { name: 'Pt', shape: 'point', objectHash: 'pt000001', featureHash: 'pP', point: { '0': { x: 0.1, y: 0.2 } } };
    const skeleton = { name: 'Sk', shape: 'skeleton', objectHash: 'sk000001', featureHash: 'pS', skeleton: { '0': { x: 0.1, y: 0.2, name: 'point_0' } } };
    for (const r of rows) {
      for (const u of Object.values<any>(r.data_units)) {
        for (const f of u.labels.objects ? [u.labels] : Object.values<any>(u.labels)) f.objects.push(point, skeleton);
      }
    }
    const { warnings, ctx } = collect();
    await read(rows, {}, ctx);
    const said = warnings.filter((w) => /"(point|skeleton)"/.test(w.message));
    expect(said.map((w) => [w.code, w.count])).toEqual([['not-carried', 3], ['not-carried', 3]]);
    const { warnings: again, ctx: ctx2 } = collect();
    await write(await read(rows), {}, ctx2);
    expect(again.filter((w) => /point|skeleton/.test(w.message))).toEqual([]);
  });
});
