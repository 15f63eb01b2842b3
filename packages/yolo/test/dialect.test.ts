/**
 * The yolo dialect on datasets built in memory: data.yaml (list and map names), labels/**.txt,
 * images whose headers give the sizes, background images, box and oriented-box lines, bad lines
 * (odd counts, too few points, unknown classes, coordinates outside the image), and the writer's
 * files and report. Masks are non-square; round trips go mask → yolo → mask.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { components, encodeUtf8, fillHoles, Mask, memoryFolder, RleError, type MaskDataset, type RleWarning } from '@rlekit/core';
import { dialect, readYolo, sniffDetail, sniffFolder, writeYolo } from '../src/index.js';

function png(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, width);
  new DataView(b.buffer).setUint32(20, height);
  return b;
}
const t = (s: string): Uint8Array => encodeUtf8(s);

async function code(p: Promise<unknown>): Promise<RleError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RleError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('reading a dataset folder', () => {
  const folder = memoryFolder({
    'data.yaml': t('path: .\ntrain: images/train\nval: images/val\nnames:\n  0: cat\n  1: dog\n'),
    'images/train/a.png': png(10, 4),
    'images/train/b.png': png(6, 8),
    'images/val/c.png': png(5, 3),
    'labels/train/a.txt': t('1 0.05 0.125 0.95 0.125 0.95 0.875\n\n0 0.5 0.5 0.2 0.5\n'),
    'labels/train/b.txt': t(''),
  }, 'ds');

  it('names from data.yaml, sizes from image headers, empty label files and images without labels', async () => {
    const warnings: RleWarning[] = [];
    const d = await readYolo(folder, {}, { warn: (w) => warnings.push(w) });
    expect(d.categories).toEqual([{ id: 0, name: 'cat' }, { id: 1, name: 'dog' }]);
    expect(d.images).toEqual([
      { id: 'train/a', fileName: 'train/a.png', height: 4, width: 10 },
      { id: 'train/b', fileName: 'train/b.png', height: 8, width: 6 },
      { id: 'val/c', fileName: 'val/c.png', height: 3, width: 5 },
    ]);
    expect(d.annotations.map((a) => [a.imageId, a.categoryId])).toEqual([['train/a', 1], ['train/a', 0]]);
    // The triangle: x = 0.05*10 → 0, 0.95*10 → 9; y = 0.125*4 → 0, 0.875*4 → 3 (truncated); fillPoly
    // draws its edges too, so the whole top row and the corner pixel (9, 3) are in (cv2 agrees: oracle.test.ts).
    const tri = d.annotations[0]!.mask;
    expect(tri.bbox()).toEqual({ x: 0, y: 0, width: 10, height: 4 });
    expect(tri.crop({ x: 0, y: 0, width: 10, height: 1 }).area()).toBe(10);
    expect(tri.crop({ x: 9, y: 3, width: 1, height: 1 }).area()).toBe(1);
    expect(tri.crop({ x: 0, y: 3, width: 1, height: 1 }).area()).toBe(0);
    // The box line: cx 0.5 cy 0.5 w 0.2 h 0.5 → x 4..6, y 1..3, inclusive.
    expect(d.annotations[1]!.mask.bbox()).toEqual({ x: 4, y: 1, width: 3, height: 3 });
    expect(warnings.map((w) => w.code)).toEqual(['box-line']);
  });

  it('names as a list, classes.txt, or the names option; classes beyond names are DANGLING_REFERENCE', async () => {
    const labels = { 'labels/a.txt': t('1 0.1 0.1 0.9 0.1 0.5 0.9\n'), 'images/a.png': png(7, 5) };
    expect((await readYolo(memoryFolder({ ...labels, 'data.yaml': t('names: [x, y]\n') }))).categories.map((c) => c.name)).toEqual(['x', 'y']);
    expect((await readYolo(memoryFolder({ ...labels, 'classes.txt': t('p\nq\n') }))).categories.map((c) => c.name)).toEqual(['p', 'q']);
    expect((await readYolo(memoryFolder(labels), { names: 'u, v' })).categories.map((c) => c.name)).toEqual(['u', 'v']);
    const e = await code(readYolo(memoryFolder({ ...labels, 'data.yaml': t('names: [x]\n') })));
    expect(e.code).toBe('DANGLING_REFERENCE');
    expect(e.path).toEqual(['labels/a.txt', 'line', 1, 'class']);
    const warnings: RleWarning[] = [];
    const d = await readYolo(memoryFolder(labels), {}, { warn: (w) => warnings.push(w) });
    expect(d.categories.map((c) => c.name)).toEqual(['0', '1']);
    expect(warnings.map((w) => w.code)).toEqual(['unnamed-classes']);
  });

  it('bad lines are RleErrors naming the file and line', async () => {
    const at = async (line: string): Promise<RleError> => code(readYolo(memoryFolder({ 'labels/x.txt': t(`0 0.1 0.1 0.2 0.1 0.2 0.2\n${line}\n`), 'images/x.png': png(8, 6) }), { names: 'a' }));
    let e = await at('0 0.1 0.1 0.2 0.1 0.2');
    expect([e.code, e.path]).toEqual(['INVALID_POLYGON', ['labels/x.txt', 'line', 2]]);
    e = await at('0 0.1 0.1 0.2 0.1 0.2 0.2 0.3');
    expect([e.code, e.path]).toEqual(['INVALID_POLYGON', ['labels/x.txt', 'line', 2]]);
    e = await at('0 0.1 0.1');
    expect(e.code).toBe('INVALID_POLYGON');
    e = await at('0 0.1 0.1 0.2 0.1 0.2 nan');
    expect([e.code, e.path]).toEqual(['INVALID_TOKEN', ['labels/x.txt', 'line', 2, 6]]);
    e = await at('0 0.1 0.1 0.2 0.1 0.2 1.5');
    expect(e.code).toBe('INVALID_TOKEN');
    e = await at('cat 0.1 0.1 0.2 0.1 0.2 0.2');
    expect([e.code, e.path]).toEqual(['INVALID_TOKEN', ['labels/x.txt', 'line', 2, 'class']]);
    e = await code(readYolo(memoryFolder({ 'data.yaml': t('names: [a\n'), 'labels/x.txt': t('') })));
    expect(e.code).toBe('INVALID_STRUCTURE');
    // No size anywhere: INVALID_OPTION, not a guess.
    expect((await code(readYolo(memoryFolder({ 'labels/x.txt': t('0 0.1 0.1 0.2 0.1 0.2 0.2\n') }), { names: 'a' }))).code).toBe('INVALID_OPTION');
  });

  it('9-number lines are read as their 4-corner polygon, with a warning', async () => {
    const warnings: RleWarning[] = [];
    const d = await readYolo(t('0 0.1 0.1 0.9 0.1 0.9 0.9 0.1 0.9\n'), { size: '10x20', names: 'a' }, { warn: (w) => warnings.push(w) });
    expect(d.annotations[0]!.mask.bbox()).toEqual({ x: 2, y: 1, width: 17, height: 9 });
    expect(warnings.map((w) => w.code)).toEqual(['oriented-box']);
  });

  it('a billion-laughs data.yaml is refused, not expanded', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    bomb.push('names: *l');
    const e = await code(readYolo(memoryFolder({ 'data.yaml': t(bomb.join('\n')), 'labels/x.txt': t('') })));
    expect(e.code).toBe('INVALID_STRUCTURE');
  });
});

describe('writing', () => {
  const size = { height: 6, width: 9 };
  const ring = Mask.fromBitmap([
    0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 0, 0, 0, 0,
    0, 1, 0, 0, 1, 0, 0, 1, 1,
    0, 1, 1, 1, 1, 0, 0, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 1,
  ], size);
  const dataset: MaskDataset = {
    images: [{ id: 7, fileName: 'train/one.jpg', ...size }, { id: 8, fileName: 'train/empty.jpg', ...size }],
    categories: [{ id: 3, name: 'cell' }, { id: 5, name: 'nucleus' }],
    annotations: [{ id: 1, imageId: 7, categoryId: 5, mask: ring }],
  };

  it('one .txt per image (empty without masks), data.yaml names in category order, a report per mask', async () => {
    const warnings: RleWarning[] = [];
    const { files, report } = await writeYolo(dataset, {}, { warn: (w) => warnings.push(w) });
    expect(files.map((f) => f.path)).toEqual(['labels/train/one.txt', 'labels/train/empty.txt', 'data.yaml']);
    expect(new TextDecoder().decode(files[1]!.bytes)).toBe('');
    const yaml = new TextDecoder().decode(files[2]!.bytes);
    expect(yaml).toContain('train: images/train');
    expect(yaml).toMatch(/names:\n {2}- cell\n {2}- nucleus/);
    const line = new TextDecoder().decode(files[0]!.bytes);
    expect(line.startsWith('1 ')).toBe(true);
    expect(line.trim().split('\n')).toHaveLength(1);
    expect(report.holesBridged).toBe(1);
    expect(report.partsJoined).toBe(2);
    expect(report.masks).toHaveLength(1);
    expect(report.masks[0]!.iou).toBeLessThan(1);
    expect(warnings.map((w) => w.code).sort()).toEqual(['not-carried', 'pixels-changed', 'polygonized']);
    // Read back: the hole survives (bridged exactly); the parts are joined by drawn segments.
    const back = await readYolo(memoryFolder(Object.fromEntries(files.map((f) => [f.path, f.bytes]))), { size: '6x9' });
    expect(back.annotations[0]!.mask.difference(ring).area()).toBeGreaterThan(0);
    expect(ring.difference(back.annotations[0]!.mask).area()).toBe(0);
    expect(back.images.map((i) => i.id)).toEqual(['train/empty', 'train/one']); // listing order
  });

  it('parts: split writes one exact line per part; minArea drops fragments and says so', async () => {
    const { files, report } = await writeYolo(dataset, { parts: 'split' });
    expect(new TextDecoder().decode(files[0]!.bytes).trim().split('\n')).toHaveLength(3);
    expect(report.masks[0]!.iou).toBe(1);
    const back = await readYolo(memoryFolder(Object.fromEntries(files.map((f) => [f.path, f.bytes]))), { size: '6x9' });
    let union = Mask.empty(size);
    for (const a of back.annotations) union = union.union(a.mask);
    expect(union.equals(ring)).toBe(true);
    const dropped = await writeYolo(dataset, { parts: 'split', minArea: 2 });
    expect(dropped.report.droppedParts).toBe(1);
    expect(dropped.report.masks[0]!.droppedPixels).toBe(1);
  });

  it('file names cannot leave the output folder', async () => {
    const { files } = await writeYolo({ images: [{ id: 1, fileName: '../../etc/x.png', height: 2, width: 3 }], categories: [], annotations: [] });
    expect(files[0]!.path).toBe('labels/etc/x.txt');
  });

  it('mask → yolo → mask keeps every hole-free one-part mask (property, non-square)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer(), fc.double({ min: 0.3, max: 0.95, noNaN: true }),
      async (h, w, seed, density) => {
        if (h === w) w++;
        let s = seed >>> 0;
        const bits = new Uint8Array(h * w).map(() => (((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) < density ? 1 : 0));
        if (seed & 1) { bits[0] = 1; bits[bits.length - 1] = 1; }
        const parts = components(Mask.fromBitmap(bits, { height: h, width: w }), { connectivity: 8 });
        if (parts.length === 0) return;
        const mask = fillHoles(parts.reduce((a, b) => (b.area() > a.area() ? b : a)));
        const d: MaskDataset = { images: [{ id: 'im', height: h, width: w }], categories: [{ id: 0, name: 'a' }], annotations: [{ id: 1, imageId: 'im', categoryId: 0, mask }] };
        const bytes = await dialect.write(d);
        const back = await dialect.read(bytes, { size: `${h}x${w}`, names: 'a' });
        expect(back.annotations[0]!.mask.equals(mask)).toBe(true);
      },
    ), { numRuns: 300 });
  });
});

describe('sniffing', () => {
  it('a folder with data.yaml and labels/, a label file, not other text', () => {
    expect(sniffFolder(['data.yaml', 'images/train/a.jpg', 'labels/train/a.txt']).confidence).toBeGreaterThan(0.9);
    expect(sniffFolder(['labels/a.txt']).confidence).toBeGreaterThanOrEqual(0.5);
    expect(sniffFolder(['ann/a.json', 'img/a.png']).confidence).toBe(0);
    expect(sniffDetail(t('0 0.1 0.2 0.3 0.4 0.5 0.6\n1 0.5 0.5 0.1 0.1\n'), 'a.txt').confidence).toBeGreaterThan(0.5);
    expect(sniffDetail(t('hello world\n'), 'a.txt').confidence).toBe(0);
    expect(sniffDetail(t('ImageId,EncodedPixels\n'), 'a.csv').confidence).toBe(0);
  });
});
