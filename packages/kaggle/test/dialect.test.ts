import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bytesSource, collectDataset, encodeUtf8, Mask, memoryFolder, RleError,
  type Annotation, type ByteSource, type DialectContext, type MaskDataset, type MaskDatasetStream, type RleWarning,
} from '@rlekit/core';
import { decode, dialect, encode, presetIds, presets, resolveOverlaps } from '../src/index.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const size = (height: number, width: number) => ({ height, width });

/** A source that hands out its bytes `step` at a time (splitting lines, quotes and UTF-8 sequences) and counts what was pulled. */
function chunked(s: string | Uint8Array, step: number, pulled?: number[]): ByteSource {
  const bytes = typeof s === 'string' ? encodeUtf8(s) : s;
  return {
    kind: 'bytes', name: 'chunked.csv', size: bytes.length,
    async *stream() {
      const k = pulled ? pulled.push(0) - 1 : -1;
      for (let o = 0; o < bytes.length; o += step) {
        if (pulled) pulled[k]! += 1;
        yield bytes.subarray(o, o + step);
      }
    },
  };
}

function collector(): { ctx: DialectContext; warnings: RleWarning[] } {
  const warnings: RleWarning[] = [];
  return { ctx: { warn: (w) => warnings.push(w) }, warnings };
}

import { expectCodeAsync as expectCode } from '../../core/test/support.js';

function bits(rows: string[]): Mask {
  const h = rows.length, w = rows[0]!.length;
  return Mask.fromBitmap(Uint8Array.from(rows.join(''), (c) => (c === '1' ? 1 : 0)), size(h, w));
}

describe('reading submission and training CSVs', () => {
  it("SIIM's train-rle.csv: BOM, ' EncodedPixels' header, ' -1' values, several rows per image, any chunking", async () => {
    const csv = '\ufeffImageId, EncodedPixels\n1.2.276.0.7230010.3.1.4.8323329.5597.1517875188.959090, -1\n1.2.276.é, 4 1 2 1 2 1\n1.2.276.é, 20 3\n';
    for (const step of [1, 2, 5, 64]) {
      const d = await dialect.read(chunked(csv, step), { preset: 'siim-acr-pneumothorax', size: '4x6' });
      expect(d.images.map((i) => i.id)).toEqual(['1.2.276.0.7230010.3.1.4.8323329.5597.1517875188.959090', '1.2.276.é']);
      expect(d.annotations.length).toBe(2);
      expect(d.annotations[0]!.mask.equals(decode('4 1 2 1 2 1', size(4, 6), 'siim-acr-pneumothorax'))).toBe(true);
      expect(d.annotations[1]!.mask.runs('col')).toEqual(Uint32Array.of(20, 3, 1));
    }
  });

  it('Severstal composite ids ImageId_ClassId: classes become categories', async () => {
    const csv = 'ImageId_ClassId,EncodedPixels\n0002cc93b.jpg_1,1 3\n0002cc93b.jpg_2,\n0002cc93b.jpg_3,5 2\n0002cc93b.jpg_4,\n';
    const d = await dialect.read(encodeUtf8(csv), { preset: 'severstal-steel-defect', size: '2x5' });
    expect(d.images).toEqual([{ id: '0002cc93b.jpg', fileName: '0002cc93b.jpg', height: 2, width: 5 }]);
    expect(d.categories).toEqual([{ id: 1, name: '1' }, { id: 2, name: '2' }, { id: 3, name: '3' }, { id: 4, name: '4' }]);
    expect(d.annotations.map((a) => a.categoryId)).toEqual([1, 3]);
    const out = text(await dialect.write(d, { preset: 'severstal-steel-defect' }));
    expect(out).toBe(csv);
  });

  it("UW-Madison's train.csv (segmentation column) with sizes from a sizes CSV, written as a submission", async () => {
    const train = 'id,class,segmentation\ncase1_day0_slice_0001,large_bowel,2 3\ncase1_day0_slice_0001,stomach,\ncase2_day0_slice_0002,small_bowel,1 1 6 2\n';
    const sizes = 'id,img_height,img_width\ncase1_day0_slice_0001,2,4\ncase2_day0_slice_0002,3,5\n';
    const ctx: DialectContext = { warn: () => {}, open: async (p) => memoryFolder({ 'sizes.csv': encodeUtf8(sizes) }).open(p) };
    const d = await dialect.read(encodeUtf8(train), { preset: 'uw-madison-gi-tract', sizes: 'sizes.csv' }, ctx);
    expect(d.images.map((i) => [i.id, i.height, i.width])).toEqual([['case1_day0_slice_0001', 2, 4], ['case2_day0_slice_0002', 3, 5]]);
    // Row-major: "2 3" on a 2x4 image is pixels 1..3 of the first row.
    expect(d.annotations[0]!.mask.toBitmap('row')).toEqual(Uint8Array.of(0, 1, 1, 1, 0, 0, 0, 0));
    const out = text(await dialect.write(d, { preset: 'uw-madison-gi-tract' }));
    expect(out).toBe('id,class,predicted\ncase1_day0_slice_0001,large_bowel,2 3\ncase1_day0_slice_0001,small_bowel,\ncase1_day0_slice_0001,stomach,\n'
      + 'case2_day0_slice_0002,large_bowel,\ncase2_day0_slice_0002,small_bowel,1 1 6 2\ncase2_day0_slice_0002,stomach,\n');
    // An id repeated with the same size is fine (one row per class); with another size it is not silently overwritten.
    const sizesOf = (t: string): DialectContext => ({ warn: () => {}, open: async (p) => memoryFolder({ 'sizes.csv': encodeUtf8(t) }).open(p) });
    const repeated = await dialect.read(encodeUtf8(train), { preset: 'uw-madison-gi-tract', sizes: 'sizes.csv' }, sizesOf(`${sizes}case1_day0_slice_0001,2,4\n`));
    expect(repeated.images[0]).toMatchObject({ height: 2, width: 4 });
    await expectCode(dialect.read(encodeUtf8(train), { preset: 'uw-madison-gi-tract', sizes: 'sizes.csv' }, sizesOf(`${sizes}case1_day0_slice_0001,4,2\n`)), 'SIZE_MISMATCH');
  });

  it('class texts that are the same number written differently stay different categories', async () => {
    const d = await dialect.read(encodeUtf8('ImageId,EncodedPixels,Height,Width,ClassId\nA,1 2,2,3,7\nA,4 1,2,3,07\n'), { preset: 'imaterialist-fashion-2019' });
    expect(d.categories.map((c) => [c.id, c.name])).toEqual([[7, '7'], ['07', '07']]);
    expect(d.annotations.map((a) => a.categoryId)).toEqual([7, '07']);
  });

  it('iMaterialist: sizes from the Height/Width columns of each row', async () => {
    const csv = 'ImageId,EncodedPixels,Height,Width,ClassId\na.jpg,1 2,3,2,6_28\na.jpg,5 1,3,2,31\nb.jpg,2 1,1,4,6_28\n';
    const d = await dialect.read(encodeUtf8(csv), { preset: 'imaterialist-fashion-2019' });
    expect(d.images.map((i) => [i.id, i.height, i.width])).toEqual([['a.jpg', 3, 2], ['b.jpg', 1, 4]]);
    expect(d.categories.map((c) => c.name)).toEqual(['6_28', '31']);
    expect(text(await dialect.write(d, { preset: 'imaterialist-fashion-2019' }))).toBe(csv);
    await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels,Height,Width,ClassId\na.jpg,1 2,3,2,1\na.jpg,1 2,3,3,1\n'), { preset: 'imaterialist-fashion-2019' }), 'SIZE_MISMATCH');
  });

  it('sizes from a folder of images, read from their PNG/JPEG headers only', async () => {
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 7, 0, 0, 0, 3, 8, 0, 0, 0, 0);
    // SOI, an APP1 segment to skip, then SOF0 with height 2, width 9.
    const jpg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe1, 0, 6, 1, 2, 3, 4, 0xff, 0xc0, 0, 11, 8, 0, 2, 0, 9, 1, 1, 0x11, 0, 0xff, 0xd9);
    const folder = memoryFolder({ 'train/x1.png': png, 'train/y2.jpg': jpg });
    const ctx: DialectContext = { warn: () => {}, open: async () => folder };
    const csv = 'img,rle_mask\nx1.png,7 2\ny2.jpg,1 1\n';
    const d = await dialect.read(encodeUtf8(csv), { preset: 'carvana-image-masking', images: 'train' }, ctx);
    expect(d.images.map((i) => [i.id, i.height, i.width])).toEqual([['x1.png', 3, 7], ['y2.jpg', 2, 9]]);
    // Stems match too (TGS ids have no extension).
    const t = await dialect.read(encodeUtf8('id,rle_mask\nx1,1 1\n'), { preset: 'tgs-salt-identification', images: 'train' }, ctx);
    expect(t.images[0]).toMatchObject({ height: 3, width: 7 });
    // A stem shared by files of different sizes is not resolved by listing order; one size is fine.
    const two = memoryFolder({ 'train/x1.jpg': jpg, 'train/x1.png': png, 'masks/y2.png': png, 'train/y2.png': png });
    const twoCtx: DialectContext = { warn: () => {}, open: async () => two };
    await expectCode(dialect.read(encodeUtf8('id,rle_mask\nx1,1 1\n'), { preset: 'tgs-salt-identification', images: 'train' }, twoCtx), 'INVALID_OPTION');
    const same = await dialect.read(encodeUtf8('id,rle_mask\ny2,1 1\n'), { preset: 'tgs-salt-identification', images: 'train' }, twoCtx);
    expect(same.images[0]).toMatchObject({ height: 3, width: 7 });
    await expectCode(dialect.read(encodeUtf8('id,rle_mask\nzz,1 1\n'), { preset: 'tgs-salt-identification', images: 'train' }, ctx), 'INVALID_OPTION');
    const broken = memoryFolder({ 'q.png': Uint8Array.of(1, 2, 3) });
    await expectCode(dialect.read(encodeUtf8('id,rle_mask\nq,1 1\n'), { preset: 'tgs-salt-identification', images: 'x' }, { warn: () => {}, open: async () => broken }), 'UNSUPPORTED');
  });

  it('quoted fields and ids with commas survive a round trip', async () => {
    const d: MaskDataset = {
      images: [{ id: 'a,"b"', height: 2, width: 3 }],
      categories: [],
      annotations: [{ id: 1, imageId: 'a,"b"', mask: bits(['010', '011']) }],
    };
    const out = await dialect.write(d, { preset: 'tgs-salt-identification' });
    expect(text(out)).toBe('id,rle_mask\n"a,""b""",3 2 6 1\n');
    const back = await dialect.read(out, { preset: 'tgs-salt-identification', size: '2x3' });
    expect(back.images[0]!.id).toBe('a,"b"');
    expect(back.annotations[0]!.mask.equals(d.annotations[0]!.mask)).toBe(true);
  });

  it('the lenient option reaches the codec and its warnings reach the context', async () => {
    const csv = 'ImageId,EncodedPixels\nx.jpg,"3 2  1 3"\n';
    await expectCode(dialect.read(encodeUtf8(csv), { preset: 'airbus-ship-detection', size: '2x4' }), 'INVALID_TOKEN');
    const { ctx, warnings } = collector();
    const d = await dialect.read(encodeUtf8(csv), { preset: 'airbus-ship-detection', size: '2x4', lenient: true }, ctx);
    expect(d.annotations[0]!.mask.area()).toBe(4);
    expect(warnings.map((w) => w.code)).toEqual(['reordered-runs', 'merged-runs']);
  });

  it('bad input: every failure is an RleError with a code and a place', async () => {
    const air = { preset: 'airbus-ship-detection', size: '3x4' };
    const e = await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\na.jpg,1 2\nb.jpg,1 2 x\n'), air), 'INVALID_TOKEN');
    expect(e.path).toEqual(['line', 3, 'EncodedPixels']);
    await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\na.jpg,1 13\n'), air), 'INVALID_INTERVALS');
    await expectCode(dialect.read(encodeUtf8('ImageId,Pixels\na.jpg,1 2\n'), air), 'INVALID_STRUCTURE');
    await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\n"a.jpg,1 2\n'), air), 'INVALID_STRUCTURE');
    await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\na.jpg,1 2,extra\n'), air), 'INVALID_STRUCTURE');
    await expectCode(dialect.read(Uint8Array.of(0x49, 0x64, 0xff, 0xfe), air), 'INVALID_TOKEN');
    await expectCode(dialect.read(encodeUtf8(''), air), 'INVALID_STRUCTURE');
    // A preset of one native size reads without --size (#12 item 25); one of several sizes still needs it.
    await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\na.jpg,1 2\n'), { preset: 'data-science-bowl-2018' }), 'INVALID_OPTION');
    await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\na.jpg,1 2\n'), { size: '3x4' }), 'INVALID_OPTION');
    await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\na.jpg,1 2\n'), { preset: 'kaggle-2099', size: '3x4' }), 'INVALID_OPTION');
    await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\na.jpg,1 2\n'), { ...air, size: '3 by 4' }), 'INVALID_OPTION');
    await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\na.jpg,1 2\n'), { ...air, sizes: 'sizes.csv' }), 'INVALID_OPTION');
    await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\na.jpg,1 2\n'), { ...air, size: '100000x100000' }), 'INVALID_SIZE');
    await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\na.jpg,1 2\n'), { ...air, size: '1000x1000', maxPixels: 1000 }), 'LIMIT_EXCEEDED');
    await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\na.jpg,1 2\n'), { ...air, lenient: 'yes' } as never), 'INVALID_OPTION');
    await expectCode(dialect.read(encodeUtf8('ImageId_ClassId,EncodedPixels\nnoclass,1 2\n'), { preset: 'severstal-steel-defect', size: '3x4' }), 'INVALID_STRUCTURE');
    await expectCode(dialect.read(memoryFolder({}), air), 'INVALID_OPTION');
  });

  it('streams: the second pass decodes row by row without reading the whole source first', async () => {
    let csv = 'ImageId,EncodedPixels\n';
    for (let i = 0; i < 2000; i++) csv += `img${i}.jpg,${1 + (i % 7)} 3 ${20 + (i % 5)} 2\n`;
    const pulled: number[] = [];
    const s = await dialect.readStream!(chunked(csv, 256, pulled), { preset: 'airbus-ship-detection', size: '5x9' });
    expect(s.images.length).toBe(2000);
    const it = s.annotations[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(pulled[1]).toBeLessThan(pulled[0]! / 10);
    let n = 1;
    while (!(await it.next()).done) n++;
    expect(n).toBe(2000);
  });

  it('rows of one image scattered through the file: the stream yields them together, in image order, and converts', async () => {
    const csv = 'ImageId,EncodedPixels\nA,1 2\nB,3 1\nA,5 1\nC,\nB,6 1\n';
    const s = await dialect.readStream!(chunked(csv, 5), { preset: 'airbus-ship-detection', size: '2x3' });
    expect(s.images.map((im) => im.id)).toEqual(['A', 'B', 'C']);
    const d = await collectDataset(s);
    expect(d.annotations.map((a) => [a.imageId, a.mask.area()])).toEqual([['A', 2], ['A', 1], ['B', 1], ['B', 1]]);
    // Stream to stream, as the CLI converts: every row written, the empty image kept.
    const again = await dialect.readStream!(chunked(csv, 5), { preset: 'airbus-ship-detection', size: '2x3' });
    const out = await dialect.write(again, { preset: 'airbus-ship-detection' });
    expect(text(out)).toBe('ImageId,EncodedPixels\nA,1 2\nA,5 1\nB,3 1\nB,6 1\nC,\n');
  });
});

describe('writing', () => {
  const size34 = size(3, 4);
  const a = bits(['1100', '1100', '0000']);
  const b = bits(['0110', '0110', '0110']);
  const overlapping: MaskDataset = {
    images: [{ id: 'p.jpg', height: 3, width: 4 }, { id: 'q.jpg', height: 3, width: 4 }],
    categories: [],
    annotations: [{ id: 1, imageId: 'p.jpg', mask: a }, { id: 2, imageId: 'p.jpg', mask: b }],
  };

  it('Airbus: an image without masks gets one blank row; overlaps follow the named policy', async () => {
    await expectCode(dialect.write(overlapping, { preset: 'airbus-ship-detection' }), 'OVERLAP');
    const rows = async (policy: 'first' | 'last' | 'largest') => {
      const { ctx, warnings } = collector();
      const out = text(await dialect.write(overlapping, { preset: 'airbus-ship-detection', overlapPolicy: policy }, ctx));
      return { out, warnings };
    };
    const first = await rows('first');
    expect(first.out).toBe(`ImageId,EncodedPixels\np.jpg,${encode(a, 'airbus-ship-detection')}\np.jpg,${encode(b.difference(a), 'airbus-ship-detection')}\nq.jpg,\n`);
    expect(first.warnings).toContainEqual(expect.objectContaining({ code: 'overlap-resolved', count: 2 }));
    const last = await rows('last');
    expect(last.out).toBe(`ImageId,EncodedPixels\np.jpg,${encode(a.difference(b), 'airbus-ship-detection')}\np.jpg,${encode(b, 'airbus-ship-detection')}\nq.jpg,\n`);
    const largest = await rows('largest');
    expect(largest.out).toBe(last.out);
    // Presets that allow overlap write both masks untouched.
    const dsb = text(await dialect.write(overlapping, { preset: 'data-science-bowl-2018', overlap: 'allowed' }));
    expect(dsb).toBe(`ImageId,EncodedPixels\np.jpg,${encode(a, 'airbus-ship-detection')}\np.jpg,${encode(b, 'airbus-ship-detection')}\nq.jpg,\n`);
  });

  it('per-image presets merge instances and say so; empty images get the preset\'s empty text', async () => {
    const { ctx, warnings } = collector();
    const out = text(await dialect.write(overlapping, { preset: 'siim-acr-pneumothorax' }, ctx));
    expect(out).toBe(`ImageId,EncodedPixels\np.jpg,${encode(a.union(b), 'siim-acr-pneumothorax')}\nq.jpg,-1\n`);
    expect(warnings).toContainEqual(expect.objectContaining({ code: 'merged-instances', count: 1 }));
    expect(text(await dialect.write(overlapping, { preset: 'google-contrails' }))).toMatch(/\nq\.jpg,-\n$/);
    expect(text(await dialect.write(overlapping, { preset: 'sennet-hoa-vasculature' }))).toMatch(/\nq\.jpg,1 0\n$/);
  });

  it('image × class presets take a category by name, else by id (COCO "defect_2" with id 2 is Severstal class 2)', async () => {
    const m = bits(['010', '000']);
    const d: MaskDataset = {
      images: [{ id: 'i.jpg', height: 2, width: 3 }], categories: [{ id: 2, name: 'defect_2' }, { id: 9, name: '4' }, { id: 7, name: 'other' }],
      annotations: [{ id: 1, imageId: 'i.jpg', categoryId: 2, mask: m }, { id: 2, imageId: 'i.jpg', categoryId: 9, mask: m }, { id: 3, imageId: 'i.jpg', categoryId: 7, mask: m }],
    };
    const { ctx, warnings } = collector();
    const out = text(await dialect.write(d, { preset: 'severstal-steel-defect' }, ctx));
    expect(out).toBe('ImageId_ClassId,EncodedPixels\ni.jpg_1,\ni.jpg_2,3 1\ni.jpg_3,\ni.jpg_4,3 1\n');
    expect(warnings).toContainEqual(expect.objectContaining({ code: 'not-carried', count: 1 }));
  });

  it('what a preset cannot carry is reported', async () => {
    const d: MaskDataset = {
      images: [{ id: 7, fileName: 'dir/frame 7.png', height: 3, width: 4 }],
      categories: [{ id: 1, name: 'ship' }],
      annotations: [{ id: 9, imageId: 7, categoryId: 1, score: 0.5, mask: a }, { id: 10, imageId: 7, categoryId: 1, mask: Mask.empty(size34) }],
    };
    const { ctx, warnings } = collector();
    const out = text(await dialect.write(d, { preset: 'airbus-ship-detection' }, ctx));
    // Numeric ids defer to the file name (Airbus ids are file names, TGS ids are stems).
    expect(out).toBe(`ImageId,EncodedPixels\nframe 7.png,${encode(a, 'airbus-ship-detection')}\n`);
    expect(text(await dialect.write(d, { preset: 'tgs-salt-identification' }))).toMatch(/^id,rle_mask\nframe 7,/);
    expect(text(await dialect.write(d, { preset: 'tgs-salt-identification', imageId: 'id' }))).toMatch(/^id,rle_mask\n7,/);
    const codes = warnings.map((w) => `${w.code}:${w.count}`);
    expect(codes).toEqual(expect.arrayContaining(['not-carried:1', 'not-carried:2', 'empty-mask:1']));
    expect(warnings.some((w) => /scores/.test(w.message))).toBe(true);
    expect(warnings.some((w) => /category/.test(w.message))).toBe(true);
  });

  it('a custom preset from flat options (as the CLI passes them)', async () => {
    const d: MaskDataset = { images: [{ id: 'x', height: 2, width: 3 }], categories: [], annotations: [{ id: 1, imageId: 'x', mask: bits(['011', '001']) }] };
    const opts = { order: 'row' as const, base: 0, empty: 'none', idColumn: 'name', rleColumn: 'mask', rowsPer: 'image' as const };
    const out = text(await dialect.write(d, opts));
    expect(out).toBe('name,mask\nx,1 2 5 1\n');
    const back = await dialect.read(encodeUtf8(out), { ...opts, size: '2x3' });
    expect(back.annotations[0]!.mask.equals(d.annotations[0]!.mask)).toBe(true);
    // Overriding one field of a named preset.
    expect(text(await dialect.write(d, { preset: 'tgs-salt-identification', order: 'row' }))).toBe('id,rle_mask\nx,2 2 6 1\n');
    await expectCode(dialect.write(d, { preset: 'tgs-salt-identification', columns: 'a,b' }), 'INVALID_OPTION');
  });

  it('bad datasets are refused with codes', async () => {
    const d: MaskDataset = { images: [{ id: 'x', height: 2, width: 3 }], categories: [], annotations: [{ id: 1, imageId: 'y', mask: bits(['011', '001']) }] };
    await expectCode(dialect.write(d, { preset: 'tgs-salt-identification' }), 'DANGLING_REFERENCE');
    const wrong: MaskDataset = { ...d, annotations: [{ id: 1, imageId: 'x', mask: bits(['01', '00']) }] };
    await expectCode(dialect.write(wrong, { preset: 'tgs-salt-identification' }), 'SIZE_MISMATCH');
    // Two images whose file names share a stem would become one image on reading back.
    const twins: MaskDataset = {
      images: [{ id: 1, height: 2, width: 3, fileName: 'a/x.jpg' }, { id: 2, height: 2, width: 3, fileName: 'b/x.jpg' }], categories: [],
      annotations: [{ id: 1, imageId: 1, mask: bits(['100', '000']) }, { id: 2, imageId: 2, mask: bits(['000', '001']) }],
    };
    await expectCode(dialect.write(twins, { preset: 'tgs-salt-identification' }), 'INVALID_OPTION');
    expect(text(await dialect.write(twins, { preset: 'tgs-salt-identification', imageId: 'id' }))).toBe('id,rle_mask\n1,1 1\n2,6 1\n');
    const stream: MaskDatasetStream = {
      images: [{ id: 'x', height: 2, width: 2 }, { id: 'y', height: 2, width: 2 }], categories: [],
      annotations: (async function* (): AsyncGenerator<Annotation> {
        yield { id: 1, imageId: 'x', mask: bits(['01', '00']) };
        yield { id: 2, imageId: 'y', mask: bits(['01', '00']) };
        yield { id: 3, imageId: 'x', mask: bits(['00', '01']) };
      })(),
    };
    // Interleaved images in a stream are grouped (core's groupByImage), not refused: x's two masks make one row.
    expect(text(await dialect.write(stream, { preset: 'tgs-salt-identification' }))).toBe('id,rle_mask\nx,3 2\ny,3 1\n');
  });

  it('writeStream from a stream keeps image order, empty images in place, in bounded batches', async () => {
    const n = 3000;
    const images = Array.from({ length: n }, (_, i) => ({ id: `im${i}`, height: 2, width: 5 }));
    const stream: MaskDatasetStream = {
      images, categories: [],
      annotations: (async function* (): AsyncGenerator<Annotation> {
        for (let i = 0; i < n; i += 2) yield { id: i, imageId: `im${i}`, mask: bits(['10000', '00001']) };
      })(),
    };
    const chunks: Uint8Array[] = [];
    for await (const c of dialect.writeStream!(stream, { preset: 'vesuvius-ink-detection' })) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(2);
    const lines = chunks.map(text).join('').split('\n');
    expect(lines[0]).toBe('Id,Predicted');
    expect(lines[1]).toBe('im0,1 1 10 1');
    expect(lines[2]).toBe('im1,');
    expect(lines.length).toBe(n + 2);
  });
});

describe('round trips through every preset (random non-square datasets)', () => {
  const maskArb = (h: number, w: number) => fc.array(fc.boolean(), { minLength: h * w, maxLength: h * w }).map((b) => Mask.fromBitmap(Uint8Array.from(b, Number), size(h, w)));
  const datasetArb = fc
    .array(fc.record({ h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }) }).filter(({ h, w }) => h !== w), { minLength: 1, maxLength: 3 })
    .chain((sizes) => fc.tuple(...sizes.map(({ h, w }) => fc.tuple(fc.constant({ h, w }), fc.array(maskArb(h, w), { maxLength: 3 })))));

  it('pixels per image (and per instance, for instance presets with overlaps resolved first) survive write → read', async () => {
    await fc.assert(
      fc.asyncProperty(datasetArb, fc.constantFrom(...presetIds), async (imgs, id) => {
        const p = presets[id]!;
        const categories = (p.csv.classes ?? ['c1']).map((name, k) => ({ id: k + 1, name }));
        const d: MaskDataset = { images: [], categories, annotations: [] };
        imgs.forEach(([{ h, w }, masks], i) => {
          d.images.push({ id: `img${i}.png`, height: h, width: w });
          // Instances of one image made disjoint so the forbidding presets accept them.
          let seen = Mask.empty(size(h, w));
          masks.forEach((m, k) => {
            const own = m.difference(seen);
            seen = seen.union(m);
            d.annotations.push({ id: d.annotations.length + 1, imageId: `img${i}.png`, categoryId: categories[k % categories.length]!.id, mask: own });
          });
        });
        const imageSizes = d.images.map((im) => `${im.id}=${im.height}x${im.width}`).join(';');
        const out = await dialect.write(d, { preset: id });
        const back = await collectDataset(await dialect.readStream!(out, { preset: id, imageSizes }));
        expect(back.images.map((im) => [im.id, im.height, im.width])).toEqual(d.images.map((im) => [im.id, im.height, im.width]));
        for (const im of d.images) {
          const want = d.annotations.filter((a) => a.imageId === im.id && !a.mask.isEmpty());
          const got = back.annotations.filter((a) => a.imageId === im.id);
          const u = (l: typeof want) => l.reduce((acc, a) => acc.union(a.mask), Mask.empty(im));
          expect(u(got).equals(u(want))).toBe(true);
          if (p.csv.rowsPer === 'instance') {
            expect(got.map((a) => encode(a.mask, 'carvana-image-masking'))).toEqual(want.map((a) => encode(a.mask, 'carvana-image-masking')));
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('maskOrder: the order the writer asks masks in, for the reader to make them in', () => {
  it("is each preset's order (COCO counts for Open Images), an override's, and undefined for options write refuses", () => {
    for (const id of presetIds) {
      const p = presets[id]!;
      expect(dialect.maskOrder!({ preset: id }), id).toBe(p.encoding === 'open-images' ? 'col' : p.order);
      expect(dialect.maskOrder!({ preset: id, order: 'col' }), id).toBe('col');
    }
    expect(dialect.maskOrder!({ order: 'row' })).toBe('row');
    expect(dialect.maskOrder!({})).toBeUndefined();
    expect(dialect.maskOrder!({ preset: 'no-such-preset' })).toBeUndefined();
  });
});

describe('sniff', () => {
  it('recognises preset headers and RLE columns, not other CSVs', () => {
    expect(dialect.sniff(encodeUtf8('ImageId,EncodedPixels\nx,1 1\n'), 'sub.csv')).toBeGreaterThan(0.8);
    expect(dialect.sniff(encodeUtf8('\ufeffid,class,segmentation\n'), 'train.csv')).toBeGreaterThan(0.5);
    expect(dialect.sniff(encodeUtf8('name,age\nbob,3\n'), 'people.csv')).toBe(0);
    expect(dialect.sniff(encodeUtf8('{"format":"rlekit-json"}'), 'x.json')).toBe(0);
  });
});

it('bytesSource inputs work like byte arrays', async () => {
  const d = await dialect.read(bytesSource(encodeUtf8('id,rle\ns_0001,1 0\ns_0002,2 2\n')), { preset: 'sennet-hoa-vasculature', size: '2x3' });
  expect(d.images.length).toBe(2);
  expect(d.annotations.map((x) => x.imageId)).toEqual(['s_0002']);
});

it('an image × class layout without classes is refused rather than writing no rows', async () => {
  const d: MaskDataset = { images: [{ id: 'x', height: 2, width: 2 }], categories: [], annotations: [] };
  await expectCode(dialect.write(d, { order: 'col', rowsPer: 'image-class', classColumn: 'class', columns: 'ImageId,class,EncodedPixels' }), 'INVALID_OPTION');
  expect(text(await dialect.write(d, { order: 'col', rowsPer: 'image-class', classes: 'a,b', classColumn: 'class', columns: 'ImageId,class,EncodedPixels' })))
    .toBe('ImageId,class,EncodedPixels\nx,a,\nx,b,\n');
});

it('without --preset, a header that only one convention uses picks it (and says so); an ambiguous one does not', async () => {
  const { ctx, warnings } = collector();
  const d = await dialect.read(encodeUtf8('img,rle_mask\na.jpg,2 2\n'), { size: '2x3' }, ctx);
  expect(d.annotations[0]!.mask.toBitmap('row')).toEqual(Uint8Array.of(0, 1, 1, 0, 0, 0));
  expect(warnings.map((w) => w.code)).toEqual(['preset-inferred']);
  const uw = await dialect.read(encodeUtf8('id,class,segmentation\ns,stomach,2 2\n'), { size: '2x3' }, ctx);
  expect(uw.annotations[0]!.mask.toBitmap('row')).toEqual(Uint8Array.of(0, 1, 1, 0, 0, 0));
  const e = await expectCode(dialect.read(encodeUtf8('ImageId,EncodedPixels\na.jpg,1 2\n'), { size: '2x3' }), 'INVALID_OPTION');
  expect(e.expected).toMatch(/siim-acr-pneumothorax/);
  await expectCode(dialect.read(encodeUtf8('id,rle\na,1 2\n'), { size: '2x3' }), 'INVALID_OPTION');
});

describe('resolveOverlaps against a per-pixel reference', () => {
  const masksArb = fc.record({ h: fc.integer({ min: 1, max: 8 }), w: fc.integer({ min: 1, max: 8 }) }).filter(({ h, w }) => h !== w).chain(({ h, w }) =>
    fc.array(fc.array(fc.boolean(), { minLength: h * w, maxLength: h * w }), { minLength: 1, maxLength: 4 }).map((l) => ({ h, w, bitmaps: l.map((b) => Uint8Array.from(b, Number)) })));
  it.each(['first', 'last', 'largest'] as const)('%s: every pixel goes to the mask the policy names', (policy) => {
    fc.assert(
      fc.property(masksArb, ({ h, w, bitmaps }) => {
        const masks = bitmaps.map((b) => Mask.fromBitmap(b, size(h, w)));
        const { masks: out, pixels } = resolveOverlaps(masks, policy, 'test');
        const areas = bitmaps.map((b) => b.reduce((s, v) => s + v, 0));
        const rank = bitmaps.map((_, k) => k);
        if (policy === 'last') rank.reverse();
        if (policy === 'largest') rank.sort((a, b) => areas[b]! - areas[a]! || a - b);
        let given = 0;
        const outBits = out.map((m) => m.toBitmap('row'));
        for (let i = 0; i < h * w; i++) {
          const owners = rank.filter((k) => bitmaps[k]![i]);
          if (owners.length > 1) given += owners.length - 1;
          for (let k = 0; k < bitmaps.length; k++) expect(outBits[k]![i]).toBe(owners[0] === k ? 1 : 0);
        }
        expect(pixels).toBe(given);
      }),
    );
  });

  it('error: passes disjoint masks through and names the first mask that overlaps an earlier one', () => {
    // Up to 7 masks (an unbalanced union tree), sparse enough that many sets are disjoint.
    const sparseArb = fc.record({ h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }) }).filter(({ h, w }) => h !== w).chain(({ h, w }) =>
      fc.array(fc.array(fc.integer({ min: 0, max: 9 }).map((v) => (v === 0 ? 1 : 0)), { minLength: h * w, maxLength: h * w }), { minLength: 1, maxLength: 7 }).map((l) => ({ h, w, bitmaps: l.map((b) => Uint8Array.from(b)) })));
    let disjoint = 0, overlapping = 0;
    fc.assert(
      fc.property(sparseArb, ({ h, w, bitmaps }) => {
        const masks = bitmaps.map((b) => Mask.fromBitmap(b, size(h, w)));
        // The first k whose pixels meet any earlier mask's, per pixel.
        let first = -1;
        for (let k = 1; k < bitmaps.length && first < 0; k++) {
          for (let i = 0; i < h * w; i++) if (bitmaps[k]![i] && bitmaps.slice(0, k).some((b) => b[i])) first = k;
        }
        if (first < 0) {
          disjoint++;
          const r = resolveOverlaps(masks, 'error', 'test');
          expect(r.masks).toEqual(masks);
          expect(r.pixels).toBe(0);
        } else {
          overlapping++;
          expect(() => resolveOverlaps(masks, 'error', 'test')).toThrow(`Mask ${first} of test overlaps an earlier mask`);
        }
      }),
      { numRuns: 300 },
    );
    expect(disjoint).toBeGreaterThan(10);
    expect(overlapping).toBeGreaterThan(10);
  });
});

it('a JPEG whose frame header sits behind large APP segments is still sized from its header', async () => {
  const app = (n: number) => { const seg = new Uint8Array(4 + n); seg.set([0xff, 0xe1, (n + 2) >> 8, (n + 2) & 255]); return seg; };
  const sof = Uint8Array.of(0xff, 0xc2, 0, 11, 8, 0x01, 0x2c, 0x00, 0x65, 1, 1, 0x11, 0, 0xff, 0xd9);
  const parts = [Uint8Array.of(0xff, 0xd8), app(60000), app(60000), sof];
  const jpg = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { jpg.set(p, o); o += p.length; }
  const ctx: DialectContext = { warn: () => {}, open: async () => memoryFolder({ 'big.jpg': jpg, 'cut.jpg': jpg.subarray(0, 90000) }) };
  const d = await dialect.read(encodeUtf8('id,rle_mask\nbig,1 1\n'), { preset: 'tgs-salt-identification', images: 'imgs' }, ctx);
  expect(d.images[0]).toMatchObject({ height: 300, width: 101 });
  await expectCode(dialect.read(encodeUtf8('id,rle_mask\ncut,1 1\n'), { preset: 'tgs-salt-identification', images: 'imgs' }, ctx), 'TRUNCATED');
});

describe('submission rules and reading past bad rows', () => {
  it('warns when a one-row-per-image preset repeats an image, or a per-class preset a pair or an unknown class', async () => {
    const { ctx, warnings } = collector();
    await collectDataset(await dialect.read(encodeUtf8('img,rle_mask\na.jpg,1 3\na.jpg,7 2\nb.jpg,\n'), { preset: 'carvana-image-masking', size: '6x8' }, ctx));
    expect(warnings.map((w) => [w.code, w.count])).toEqual([['repeated-rows', 1]]);
    const s = collector();
    await collectDataset(await dialect.read(encodeUtf8('ImageId_ClassId,EncodedPixels\na.jpg_1,1 3\na.jpg_1,7 2\na.jpg_2,1 1\na.jpg_7,1 1\n'), { preset: 'severstal-steel-defect', size: '6x8' }, s.ctx));
    expect(s.warnings.map((w) => [w.code, w.count])).toEqual([['repeated-rows', 1], ['unknown-class', 1]]);
    // One row per instance: repeating an image is the rule, not a fault.
    const i = collector();
    await collectDataset(await dialect.read(encodeUtf8('ImageId,EncodedPixels\na.jpg,1 3\na.jpg,7 2\n'), { preset: 'airbus-ship-detection', size: '6x8' }, i.ctx));
    expect(i.warnings).toEqual([]);
  });

  it('with a recover hook, hands each bad row over (pass 1 and pass 2 faults) and reads the rest in order', async () => {
    const errors: RleError[] = [];
    const csv = 'ImageId,EncodedPixels\na.jpg,1 3 10 2\nb.jpg,1 3 2 2\nc.jpg,5 x\nd.jpg,7 1\ne.jpg,1 999999\na.jpg,20 2\n';
    const ds = await collectDataset(await dialect.read(chunked(csv, 7), { preset: 'airbus-ship-detection', size: '6x8' }, { warn: () => {}, recover: (e) => errors.push(e) }));
    expect(errors.map((e) => [e.code, e.path[1]])).toEqual([['INVALID_INTERVALS', 3], ['INVALID_TOKEN', 4], ['INVALID_INTERVALS', 6]]);
    expect(ds.annotations.map((a) => a.imageId)).toEqual(['a.jpg', 'a.jpg', 'd.jpg']);
    // Without the hook the first bad row stops the read.
    await expect(dialect.read(encodeUtf8(csv), { preset: 'airbus-ship-detection', size: '6x8' }).then(collectDataset)).rejects.toMatchObject({ code: 'INVALID_INTERVALS' });
  });
});
