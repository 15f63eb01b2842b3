// Writers that need each image's annotations together get them together, whatever order the input has.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run } from './support.js';


const dir = mkdtempSync(join(tmpdir(), 'rlekit-group-'));
// Two 2x3 images; the annotations alternate between them (image a, image b, image a).
const interleaved = {
  format: 'rlekit-json', version: 1,
  images: [{ id: 'a', height: 2, width: 3 }, { id: 'b', height: 2, width: 3 }],
  categories: [{ id: 1, name: 'one' }, { id: 2, name: 'two' }],
  annotations: [
    { id: 1, imageId: 'a', categoryId: 1, height: 2, width: 3, order: 'row', runs: [0, 1, 5] },
    { id: 2, imageId: 'b', categoryId: 1, height: 2, width: 3, order: 'row', runs: [1, 1, 4] },
    { id: 3, imageId: 'a', categoryId: 2, height: 2, width: 3, order: 'row', runs: [5, 1] },
  ],
};
const rows = (csv: string) => csv.trim().split('\n').slice(1).map((l) => l.split(',')[0]);

describe('convert groups annotations by image for writers that need it', () => {
  it('writes an interleaved rlekit-json file as a Kaggle CSV, each image\'s rows together', async () => {
    const file = join(dir, 'interleaved.json');
    writeFileSync(file, JSON.stringify(interleaved));
    const r = await run(['convert', file, '--to', 'kaggle', '--preset', 'sartorius-cell-instance', '-o', join(dir, 'out.csv'), '-q']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(rows(readFileSync(join(dir, 'out.csv'), 'utf8'))).toEqual(['a', 'a', 'b']);
  });

  it('writes a DICOM SEG with several segments as a Kaggle CSV', async () => {
    const file = join(dir, 'interleaved2.json');
    writeFileSync(file, JSON.stringify(interleaved));
    const seg = join(dir, 'seg.dcm');
    expect((await run(['convert', file, '--to', 'dicom', '-o', seg, '-q'])).code).toBe(0);
    const r = await run(['convert', seg, '--to', 'kaggle', '--preset', 'sartorius-cell-instance', '-o', join(dir, 'seg.csv'), '-q']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(rows(readFileSync(join(dir, 'seg.csv'), 'utf8'))).toHaveLength(3);
  });

  it('writes an interleaved COCO file (streamed) as a Kaggle CSV', async () => {
    const coco = {
      images: [{ id: 1, height: 2, width: 3 }, { id: 2, height: 2, width: 3 }],
      categories: [{ id: 1, name: 'one' }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, segmentation: { size: [2, 3], counts: [0, 1, 5] } },
        { id: 2, image_id: 2, category_id: 1, segmentation: { size: [2, 3], counts: [1, 1, 4] } },
        { id: 3, image_id: 1, category_id: 1, segmentation: { size: [2, 3], counts: [5, 1] } },
      ],
    };
    const file = join(dir, 'coco.json');
    writeFileSync(file, JSON.stringify(coco));
    const r = await run(['convert', file, '--to', 'kaggle', '--preset', 'sartorius-cell-instance', '-o', join(dir, 'coco.csv'), '-q']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(rows(readFileSync(join(dir, 'coco.csv'), 'utf8'))).toEqual(['1', '1', '2']);
  });
});
