import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countsToString, Mask } from '@rlekit/core';
import * as kaggle from '@rlekit/kaggle';
import { runCli as run } from './support.js';


/** Two blobs on a non-square 48×64 frame, moved a little per index. */
function blobs(k: number): Mask {
  const h = 48, w = 64;
  const bm = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (((x - 20 - k * 3) / 12) ** 2 + ((y - 15 - k) / 8) ** 2 < 1 || (x > 40 && x < 60 && y > 25 + k && y < 44)) bm[y * w + x] = 1;
    }
  }
  return Mask.fromBitmap(bm, { height: h, width: w }, 'row');
}

const dir = mkdtempSync(join(tmpdir(), 'rlekit-decode-'));

describe('rlekit decode', () => {
  const m = blobs(0);

  it('ranks COCO column-major first for a COCO string, with reasons and a drawing', async () => {
    const r = await run(['decode', countsToString(m.runs('col')), '--size', '48x64']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^#1 coco, column-major, 48x64/m);
    expect(r.out).toContain('runs sum to h·w = 3072');
    expect(r.out).toContain(`area ${m.area()}`);
    expect(r.out).toMatch(/^ {3}\.*#+\.*$/m);
  });

  it('prints the candidates as JSON with the fields the docs name', async () => {
    const r = await run(['decode', kaggle.encode(m, 'carvana-image-masking'), '--size', '48x64', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.candidates[0]).toMatchObject({ dialect: 'kaggle', order: 'row', base: 1, relative: false, size: [48, 64], area: m.area() });
    const b = m.bbox();
    expect(j.candidates[0].bbox).toEqual([b.x, b.y, b.width, b.height]);
    expect(Array.isArray(j.candidates[0].reasons)).toBe(true);
    expect(j.candidates[0].mask).toBeUndefined();
  });

  it('reads the mask from a file, and lists sizes that fit without --size', async () => {
    const f = join(dir, 'mask.txt');
    writeFileSync(f, JSON.stringify(Array.from(m.runs('col'))));
    const r = await run(['decode', f, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.sizes.slice(0, 3)).toContainEqual([48, 64]);
  });

  it('re-encodes the best reading with --to and the target\'s options', async () => {
    const out = join(dir, 'out.csv');
    const r = await run(['decode', countsToString(m.runs('col')), '--size', '48x64', '--to', 'kaggle', '--preset', 'airbus-ship-detection', '-o', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain(kaggle.encode(m, 'airbus-ship-detection'));
  });

  it('draws the shown readings side by side with --png', async () => {
    const { PNG } = await import('pngjs');
    const sheet = join(dir, 'readings.png');
    const r = await run(['decode', countsToString(m.runs('col')), '--size', '48x64', '--top', '3', '--png', sheet]);
    expect(r.code).toBe(0);
    const png = PNG.sync.read(readFileSync(sheet));
    // Three readings in a row: at least 64 + 48 + 64 pixels wide, at least 64 tall (the 64x48 reading).
    expect(png.width).toBeGreaterThanOrEqual(176);
    expect(png.height).toBeGreaterThanOrEqual(64);
  });

  it('exits 2 with INVALID_TOKEN on text that is no mask', async () => {
    const r = await run(['decode', 'hello, world!']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('error [INVALID_TOKEN]');
  });
});

describe('rlekit detect', () => {
  const csv = join(dir, 'train.csv');
  writeFileSync(csv, `ImageId,EncodedPixels\n${[0, 1, 2, 3, 4].map((k) => `img${k}.jpg,${kaggle.encode(blobs(k), 'airbus-ship-detection')}`).join('\n')}\n`);

  it('names the conventions that fit every row, the true one first', async () => {
    const r = await run(['detect', csv, '--size', '48x64', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.headerMatches).toContain('airbus-ship-detection');
    expect(j.conventions[0]).toMatchObject({ order: 'col', base: 1, relative: false, size: [48, 64], fitsEveryRow: true });
    expect(j.conventions[0].presets).toContain('airbus-ship-detection');
    expect(j.sizeWarning).toBeUndefined();
  });

  it('catches a transposed --size: warns, and refuses with --strict', async () => {
    const r = await run(['detect', csv, '--size', '64x48']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('warning [transposed-size]');
    expect(r.err).toContain('--size 48x64');
    const strict = await run(['detect', csv, '--size', '64x48', '--strict']);
    expect(strict.code).toBe(2);
    expect(strict.err).toContain('error [SIZE_MISMATCH]');
  });
});

describe('rlekit compare', () => {
  const a = join(dir, 'truth.csv'), b = join(dir, 'prediction.csv');
  writeFileSync(a, 'img,rle_mask\nsquare.jpg,1 4 7 4 13 4 19 4\nother.jpg,\n');
  writeFileSync(b, 'img,rle_mask\nsquare.jpg,8 4 14 4 20 4 26 4\n');

  it('reports IoU 9/23 and Dice 0.5625 for the seed example, and the preset\'s metric', async () => {
    const r = await run(['compare', a, b, '--preset', 'carvana-image-masking', '--size', '6x6', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.matchedBy).toBe('fileName');
    expect(j.total).toMatchObject({ areaA: 16, areaB: 16, intersection: 9, dice: 0.5625, tp: 0, fp: 1, fn: 1 });
    expect(j.total.iou).toBeCloseTo(9 / 23, 12);
    expect(j.onlyInA).toEqual(['other.jpg']);
    // other.jpg is empty on both sides: Dice 1 there, so the mean over the two images is (0.5625 + 1) / 2.
    expect(j.metric).toMatchObject({ name: 'dice', value: (0.5625 + 1) / 2 });
  });

  it('works the 5x5 leaf example: Dice 10/11, one instance per side, two with --split-parts 4', async () => {
    const samples = fileURLToPath(new URL('../../../samples/compare/', import.meta.url));
    const args = ['compare', join(samples, 'leaves-truth'), join(samples, 'leaves-prediction'), '--json'];
    const whole = JSON.parse((await run(args)).out);
    expect(whole.total).toMatchObject({ areaA: 6, areaB: 5, intersection: 5, tp: 1, fp: 0, fn: 0 });
    expect(whole.total.dice).toBeCloseTo(10 / 11, 12);
    expect(whole.total.iou).toBeCloseTo(5 / 6, 12);
    const split = JSON.parse((await run([...args, '--split-parts', '4'])).out);
    expect(split.total).toMatchObject({ tp: 2, fp: 0, fn: 0 });
    expect(split.total.dice).toBeCloseTo(10 / 11, 12);
    expect(split.total.meanMatchedIou).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect((await run([...args, '--split-parts', '6'])).code).toBe(1);
  });

  it('refuses a flag neither reader takes, and a bad --iou', async () => {
    const r = await run(['compare', a, b, '--preset', 'carvana-image-masking', '--size', '6x6', '--color-map', 'voc']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--color-map is not an option of kaggle or kaggle');
    const bad = await run(['compare', a, b, '--preset', 'carvana-image-masking', '--size', '6x6', '--iou', '1.5']);
    expect(bad.code).toBe(1);
  });
});

describe('rlekit check', () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({
    images: [{ id: 1, file_name: 'a.png', height: 6, width: 8 }],
    categories: [{ id: 1, name: 'leaf' }, { id: 2, name: 'unused' }],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, segmentation: { size: [6, 8], counts: [0, 3, 3, 3, 39] }, iscrowd: 0 },
      { id: 1, image_id: 1, category_id: 1, segmentation: { size: [6, 8], counts: [1, 2, 10, 1, 34] }, iscrowd: 0 },
      { id: 3, image_id: 1, category_id: 1, segmentation: { size: [6, 8], counts: [48] }, iscrowd: 1 },
    ],
  }));

  it('lists every problem grouped by code and exits 2 on errors', async () => {
    const r = await run(['check', bad, '--json']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.out);
    expect(j.counts['duplicate-annotation-id']).toEqual({ severity: 'error', count: 1 });
    expect(j.counts['empty-mask']).toEqual({ severity: 'warning', count: 1 });
    expect(j.counts['unused-category']).toEqual({ severity: 'warning', count: 1 });
    expect(j.counts.overlap).toBeUndefined();
    const dsb = await run(['check', bad, '--preset', 'data-science-bowl-2018', '--json']);
    expect(JSON.parse(dsb.out).counts.overlap).toEqual({ severity: 'error', count: 1 });
  });

  it('--fix writes a repaired copy and lists every change; the copy checks clean of them', async () => {
    const fixed = join(dir, 'fixed.json');
    const r = await run(['check', bad, '--fix', '-o', fixed]);
    expect(r.err).toContain('renumbered annotation 1 on image 1 to 4 (duplicate id)');
    expect(r.err).toContain('dropped annotation 3 (empty mask)');
    const again = await run(['check', fixed, '--json']);
    expect(again.code).toBe(0);
    const j = JSON.parse(again.out);
    expect(j.counts['duplicate-annotation-id']).toBeUndefined();
    expect(j.counts['empty-mask']).toBeUndefined();
    expect(j.annotations).toBe(2);
  });

  it('reports a reader error as a problem of the file, with its code', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ images: [{ id: 1, height: 2, width: 2 }], categories: [], annotations: [{ id: 1, image_id: 1, segmentation: { size: [2, 2], counts: [1, 2] } }] }));
    const r = await run(['check', broken, '--from', 'coco']);
    expect(r.code).toBe(2);
    expect(r.out).toContain('error RUNS_SUM_MISMATCH: 1');
  });

  // Four faults that each stop a conversion, spread over one file, and a polygon pycocotools reads
  // with a shrug: check must name all of them.
  const faulty = {
    images: [{ id: 1, height: 6, width: 8 }, { id: 2, height: 6, width: 8 }],
    categories: [{ id: 1, name: 'leaf' }],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, segmentation: { size: [6, 8], counts: [1, 2] } },
      { id: 2, image_id: 1, category_id: 1, segmentation: [[1, 1, 4, 1, 4]] },
      { id: 8, image_id: 1, category_id: 1, segmentation: [[-1, 0, 4, 0, 4, 7]] },
      { id: 3, image_id: 9, category_id: 1, segmentation: { size: [6, 8], counts: [0, 48] } },
      { id: 4, image_id: 2, category_id: 1, segmentation: { size: [6, 8], counts: [5, 3, 40] } },
      { id: 5, image_id: 2, category_id: 1, segmentation: { size: [8, 6], counts: [5, 3, 40] } },
      { id: 6, image_id: 2, category_id: 1, segmentation: { size: [6, 8], counts: 'not!valid' } },
      { id: 7, image_id: 2, category_id: 1, segmentation: { size: [6, 8], counts: [20, 3, 25] } },
    ],
  };

  it('reads past bad annotations and reports each with its path, in memory and streamed', async () => {
    const file = join(dir, 'faulty.json');
    writeFileSync(file, JSON.stringify(faulty));
    for (const extra of [[], ['--in-memory-bytes', '1']]) {
      const r = await run(['check', file, '--from', 'coco', '--json', ...extra]);
      expect(r.code).toBe(2);
      const j = JSON.parse(r.out);
      const paths = (j.problems as { code: string; path: unknown[] }[]).filter((p) => p.code === p.code.toUpperCase()).map((p) => `${p.code} ${p.path.slice(0, 2).join('.')}`);
      expect(paths).toEqual([
        'RUNS_SUM_MISMATCH annotations.0',
        'DANGLING_REFERENCE annotations.3',
        'SIZE_MISMATCH annotations.5',
        'INVALID_TOKEN annotations.6',
      ]);
      expect(j.counts['polygon-odd-length']).toEqual({ severity: 'warning', count: 1 });
      expect(j.counts['polygon-few-points']).toEqual({ severity: 'warning', count: 1 });
      expect(j.counts['polygon-outside']).toEqual({ severity: 'warning', count: 1 });
      // The readable annotations were still read and checked.
      expect(j.annotations).toBe(4);
    }
  });

  it('refuses --fix when records could not be read, and writes nothing', async () => {
    const file = join(dir, 'faulty2.json');
    writeFileSync(file, JSON.stringify(faulty));
    const out = join(dir, 'faulty-fixed.json');
    const r = await run(['check', file, '--from', 'coco', '--fix', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('4 records could not be read');
    expect(existsSync(out)).toBe(false);
  });

  it('reads past bad rows of a Kaggle CSV, and past bad rlekit-json annotations', async () => {
    const csv = join(dir, 'faulty.csv');
    writeFileSync(csv, 'ImageId,EncodedPixels\na.jpg,1 3 10 2\nb.jpg,1 3 2 2\nc.jpg,5 x\nd.jpg,7 1\ne.jpg,1 999999\n');
    const r = await run(['check', csv, '--preset', 'airbus-ship-detection', '--size', '6x8', '--json']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.out);
    const lines = (j.problems as { code: string; path: unknown[] }[]).filter((p) => p.code === p.code.toUpperCase()).map((p) => p.path[1]);
    expect(lines).toEqual([3, 4, 6]);
    expect(j.annotations).toBe(2);
    const json = join(dir, 'faulty.rlekit.json');
    writeFileSync(json, JSON.stringify({
      format: 'rlekit-json', version: 1, images: [{ id: 1, height: 2, width: 3 }], categories: [],
      annotations: [
        { id: 1, imageId: 1, height: 2, width: 3, order: 'row', runs: [1, 2, 4] },
        { id: 2, imageId: 7, height: 2, width: 3, order: 'row', runs: [6] },
        { id: 3, imageId: 1, height: 2, width: 3, order: 'row', runs: [0, 6] },
      ],
    }));
    const q = JSON.parse((await run(['check', json, '--from', 'rlekit-json', '--json'])).out);
    expect((q.problems as { code: string }[]).map((p) => p.code).filter((c) => c === c.toUpperCase())).toEqual(['RUNS_SUM_MISMATCH', 'DANGLING_REFERENCE']);
    expect(q.annotations).toBe(1);
  });
});

describe('rlekit render', () => {
  it('draws one PNG for one image, over a JPEG photo, and a folder of PNGs otherwise', async () => {
    const { PNG } = await import('pngjs');
    const jpeg = (await import('jpeg-js')).default;
    const out = join(dir, 'harbour.png');
    const sample = fileURLToPath(new URL('../../../samples/coco/instances.json', import.meta.url));
    const r = await run(['render', sample, '-o', out]);
    expect(r.code).toBe(0);
    const png = PNG.sync.read(readFileSync(out));
    expect(png.height).toBe(48);
    expect(png.width).toBeGreaterThan(64);
    const photoPath = join(dir, 'harbour.jpg');
    writeFileSync(photoPath, jpeg.encode({ width: 64, height: 48, data: Buffer.alloc(64 * 48 * 4, 230) }, 90).data);
    const over = await run(['render', sample, '--image', photoPath, '-o', join(dir, 'over.png')]);
    expect(over.code).toBe(0);
    const o = PNG.sync.read(readFileSync(join(dir, 'over.png')));
    // A background pixel of the photo shows through (JPEG rounding aside).
    expect(Math.abs(o.data[0]! - 230)).toBeLessThan(6);
    const folder = join(dir, 'drawings');
    const f = await run(['render', sample, '-o', folder]);
    expect(f.code).toBe(0);
    expect(readdirSync(folder)).toEqual(['harbour.png']);
  });

  it('refuses a photo of another size', async () => {
    const { PNG } = await import('pngjs');
    const p = new PNG({ width: 48, height: 64 });
    const photo = join(dir, 'wrong.png');
    writeFileSync(photo, PNG.sync.write(p));
    const sample = fileURLToPath(new URL('../../../samples/coco/instances.json', import.meta.url));
    const r = await run(['render', sample, '--image', photo, '-o', join(dir, 'never.png')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('SIZE_MISMATCH');
    expect(existsSync(join(dir, 'never.png'))).toBe(false);
  });
});

describe('convert progress', () => {
  it('tells a progress sink how many bytes each pass read and how many annotations went by', async () => {
    const { convert } = await import('../src/convert.js');
    const sample = fileURLToPath(new URL('../../../samples/coco/instances.json', import.meta.url));
    const size = readFileSync(sample).length;
    const starts: [number | undefined, string, number][] = [];
    let last = { done: 0, annotations: 0 }, stopped = 0;
    await convert(sample, {
      to: 'rlekit-json', output: join(dir, 'progress.json'),
      progress: { start: (t, u, p) => starts.push([t, u, p]), update: (done, annotations) => (last = { done, annotations }), stop: () => stopped++ },
    });
    expect(starts.length).toBeGreaterThan(0);
    expect(starts[0]).toEqual([size, 'bytes', 1]);
    expect(last.done).toBe(size);
    expect(stopped).toBe(1);
  });

  it('keeps a file seekable: a streamed COCO read on a terminal takes its path by offsets, and the bar follows it', async () => {
    const { convert, counted } = await import('../src/convert.js');
    const { fileSource } = await import('../src/node-sources.js');
    const sample = fileURLToPath(new URL('../../../samples/coco/instances.json', import.meta.url));
    const size = readFileSync(sample).length;
    const sink = { start: () => {}, update: () => {}, stop: () => {} };
    const source = counted(fileSource(sample, size), sink, () => 0);
    expect(source.kind === 'bytes' && typeof source.range).toBe('function');
    const starts: number[] = [];
    let furthest = 0;
    const out = join(dir, 'progress-streamed.json');
    // Forced through the streamed read (as a file over 256 MiB is): pass 1 and pass 2 by range.
    await convert(sample, {
      to: 'coco', output: out, readOptions: { inMemoryBytes: 1 },
      progress: { start: (_t, _u, p) => starts.push(p), update: (done) => (furthest = Math.max(furthest, done)), stop: () => {} },
    });
    expect(starts).toEqual([1]); // one pass over the file: the second reads by offset
    expect(furthest).toBe(size);
    const plain = join(dir, 'progress-plain.json');
    await convert(sample, { to: 'coco', output: plain, readOptions: { inMemoryBytes: 1 } });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(plain, 'utf8'));
  });
});
