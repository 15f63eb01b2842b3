// Detection by structure: files whose first 4 KiB say nothing (long category or image lists first).
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSource, encodeUtf8, type ByteSource } from '@rlekit/core';
import { detect, loadDialects } from '../src/registry.js';
import { runCli as run } from './support.js';


const dir = mkdtempSync(join(tmpdir(), 'rlekit-detect-'));

describe('detection reads the structure, further when the head is inconclusive', () => {
  it('detects an LVIS-style file with 1,230 categories before the first image, and says why', async () => {
    const categories = Array.from({ length: 1230 }, (_, i) => ({
      id: i + 1, name: `category_${i}`, synset: `thing_${i}.n.01`, synonyms: [`category_${i}`, `alias_${i}`],
      def: 'a definition of the category long enough to make the list span a few hundred kilobytes', frequency: 'f', image_count: 10, instance_count: 20,
    }));
    const lvis = { info: { description: 'LVIS-like' }, categories, images: [{ id: 1, height: 2, width: 3, coco_url: 'http://x/1.jpg' }], annotations: [{ id: 1, image_id: 1, category_id: 1, segmentation: [[0, 0, 2, 0, 2, 1, 0, 1]], area: 2, bbox: [0, 0, 2, 1] }] };
    const file = join(dir, 'lvis_v1_val.json');
    writeFileSync(file, JSON.stringify(lvis));
    const r = await run(['convert', file, '--to', 'rlekit-json', '-o', join(dir, 'lvis.rlekit.json')]);
    expect(r.err).toMatch(/detected coco \(confidence [\d.]+\): top-level categories, images, annotations lists/);
    expect(r.code).toBe(0);
  });

  it('detects rlekit\'s own COCO output with 1,500 images without file_name first', async () => {
    const images = Array.from({ length: 1500 }, (_, i) => ({ id: i + 1, height: 3, width: 2 }));
    const src = join(dir, 'many.rlekit.json');
    writeFileSync(src, JSON.stringify({ format: 'rlekit-json', version: 1, images, categories: [{ id: 1, name: 'a' }], annotations: [{ id: 1, imageId: 1500, categoryId: 1, height: 3, width: 2, order: 'row', runs: [0, 1, 5] }] }));
    const coco = join(dir, 'many.json');
    expect((await run(['convert', src, '--to', 'coco', '-o', coco, '-q'])).code).toBe(0);
    expect(readFileSync(coco, 'utf8').slice(0, 4096)).not.toContain('"annotations"');
    const r = await run(['inspect', coco, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.dialect).toBe('coco');
    expect(j.detected).toMatch(/images.*lists/);
    expect(j.annotationCount).toBe(1);
  });

  it('detects a LabelMe file, and a folder of them with images beside, without --from', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'rlekit-labelme-'));
    const shape = (label: string, points: number[][]) => ({ label, points, group_id: null, description: '', shape_type: 'polygon', flags: {}, mask: null });
    for (const [name, shapes] of [['a', [shape('cat', [[1, 1], [6, 1], [6, 4]])]], ['b', []]] as const) {
      writeFileSync(join(folder, `${name}.json`), JSON.stringify({ version: '5.5.0', flags: {}, shapes, imagePath: `${name}.jpg`, imageData: null, imageHeight: 6, imageWidth: 9 }, null, 2));
      writeFileSync(join(folder, `${name}.jpg`), Buffer.from([0xff, 0xd8, 0xff]));
    }
    const one = await run(['inspect', join(folder, 'a.json')]);
    expect(one.out).toMatch(/labelme \(detected: a shapes list whose first shape has label and points/);
    const out = join(dir, 'from-labelme.json');
    const r = await run(['convert', folder, '--to', 'coco', '-o', out]);
    expect(r.err).toMatch(/detected labelme/);
    expect(r.code).toBe(0);
    const coco = JSON.parse(readFileSync(out, 'utf8'));
    expect(coco.images.map((i: { file_name: string }) => i.file_name)).toEqual(['a.jpg', 'b.jpg']);
    expect(coco.annotations).toHaveLength(1);
  });

  it('an LVIS file with its annotations first is COCO from its head: detection reads no further', async () => {
    // LVIS v1 writes annotations before images; the file is 1 GB. Each sniffer that asked for more
    // (panoptic, LabelMe) once made detection read 64 MiB of it.
    const annotations = Array.from({ length: 4000 }, (_, i) => ({ area: 9, id: i + 1, segmentation: [[1, 1, 4, 1, 4, 4, 1, 4]], image_id: 1 + (i % 50), bbox: [1, 1, 3, 3], category_id: 1 }));
    const bytes = encodeUtf8(JSON.stringify({ info: { description: 'LVIS-like' }, annotations, images: Array.from({ length: 50 }, (_, i) => ({ id: i + 1, height: 8, width: 6 })), categories: [{ id: 1, name: 'a' }] }));
    expect(bytes.length).toBeGreaterThan(4 * 64 * 1024);
    let read = 0;
    const inner = bytesSource(bytes, 'lvis_v1_train.json');
    const counted: ByteSource = {
      ...inner,
      async *stream() {
        for (let o = 0; o < bytes.length; o += 16 * 1024) {
          read += Math.min(16 * 1024, bytes.length - o);
          yield bytes.subarray(o, o + 16 * 1024);
        }
      },
    };
    const found = await detect(await loadDialects(), counted);
    expect(found.dialect.id).toBe('coco');
    expect(found.reason).toMatch(/first annotation has image_id and segmentation \(read the first 64 KiB/);
    expect(read).toBeLessThanOrEqual(64 * 1024);
  });

  it('still says it cannot tell, after a bounded look, for JSON no dialect knows', async () => {
    const file = join(dir, 'other.json');
    writeFileSync(file, JSON.stringify({ rows: Array.from({ length: 20000 }, (_, i) => ({ i })) }));
    const r = await run(['inspect', file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error \[UNKNOWN_DIALECT\]: Cannot tell which dialect other\.json is \(looked at/);
  });
});

describe('COCO panoptic (issue 16)', () => {
  const vectors = join(import.meta.dirname, '../../../conformance/vectors/coco-panoptic');

  it('a panoptic JSON is detected as coco-panoptic (its PNG folder found beside it) and converts', async () => {
    const out = join(dir, 'from-panoptic.json');
    const r = await run(['convert', join(vectors, 'panoptic_tiny.json'), '--to', 'coco', '-o', out]);
    expect(r.err).toMatch(/detected coco-panoptic \(confidence [\d.]+\): annotations with segments_info/);
    expect(r.code).toBe(0);
    const coco = JSON.parse(readFileSync(out, 'utf8'));
    // Segment ids are unique per image only: COCO renumbers the second 11829830 (keeping it as source_id).
    expect(coco.annotations.map((a: { area: number }) => a.area)).toEqual([1, 8, 6, 5, 11]);
    expect(coco.annotations.slice(0, 4).map((a: { id: number }) => a.id)).toEqual([1, 11829830, 3226956, 16777215]);
  });

  it('the folder holding the JSON and its PNG folder is detected as coco-panoptic too', async () => {
    // Detection samples a folder's first .json: here the only one.
    const folder = mkdtempSync(join(tmpdir(), 'rlekit-panoptic-'));
    cpSync(join(vectors, 'panoptic_tiny.json'), join(folder, 'panoptic_tiny.json'));
    cpSync(join(vectors, 'panoptic_tiny'), join(folder, 'panoptic_tiny'), { recursive: true });
    const out = join(dir, 'from-panoptic-folder.json');
    const r = await run(['convert', folder, '--to', 'coco', '-o', out]);
    expect(r.err).toMatch(/detected coco-panoptic \(confidence 1\.00\): annotations with segments_info/);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).annotations).toHaveLength(5);
  });

  it('read with --from coco, it is refused with a pointer to --from coco-panoptic', async () => {
    const r = await run(['inspect', join(vectors, 'panoptic_tiny.json'), '--from', 'coco']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/UNSUPPORTED.*--from coco-panoptic/);
    expect(r.err).not.toMatch(/without a segmentation/);
  });

  it('COCO → coco-panoptic writes the JSON and its PNG folder, which read back the same', async () => {
    const out = join(dir, 'pan-out');
    const src = join(dir, 'from-panoptic.json');
    const w = await run(['convert', src, '--to', 'coco-panoptic', '--name', 'panoptic_x', '-o', out]);
    expect(w.code).toBe(0);
    expect(readdirSync(join(out, 'panoptic_x')).sort()).toEqual(['img_a.png', 'img_b.png']);
    const back = join(dir, 'back.json');
    const r = await run(['convert', join(out, 'panoptic_x.json'), '--to', 'coco', '-o', back, '-q']);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(back, 'utf8')).annotations.map((a: { segmentation: unknown }) => a.segmentation)).toEqual(JSON.parse(readFileSync(src, 'utf8')).annotations.map((a: { segmentation: unknown }) => a.segmentation));
  });
});

describe('folders are detected by their layout first', () => {
  it('a YOLO dataset (data.yaml, images/*.png, labels/*.txt) is yolo, not png; --json lists every warning', async () => {
    const { mkdirSync } = await import('node:fs');
    const root = join(dir, 'yolo-ds');
    mkdirSync(join(root, 'images', 'train'), { recursive: true });
    mkdirSync(join(root, 'labels', 'train'), { recursive: true });
    const png = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]).copy(png);
    png.writeUInt32BE(9, 16); // width
    png.writeUInt32BE(6, 20); // height
    writeFileSync(join(root, 'images', 'train', 'a.png'), png);
    writeFileSync(join(root, 'data.yaml'), 'names: [cell]\n');
    writeFileSync(join(root, 'labels', 'train', 'a.txt'), '0 0.5 0.5 0.4 0.4\n');
    const out = join(dir, 'yolo.rlekit.json');
    const r = await run(['convert', root, '--to', 'rlekit-json', '-o', out, '--json']);
    expect(r.err).toMatch(/detected yolo \(confidence [\d.]+\): data\.yaml and 1 label file/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out) as { from: string; annotations: number; warnings: { code: string }[] };
    expect(summary.from).toBe('yolo');
    expect(summary.annotations).toBe(1);
    expect(summary.warnings.map((w) => w.code)).toContain('box-line');
    expect(JSON.parse(readFileSync(out, 'utf8')).images[0]).toMatchObject({ height: 6, width: 9 });
  });
});
