// Options: which side a flag is for, typos, help with the dialect's options, messages.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run } from './support.js';


const dir = mkdtempSync(join(tmpdir(), 'rlekit-options-'));
const results = join(dir, 'preds.json');
writeFileSync(results, JSON.stringify([{ image_id: 1, category_id: 1, segmentation: { size: [2, 3], counts: [1, 2, 3] }, score: 0.9 }]));
const sa1b = join(dir, 'sa_1.json');
writeFileSync(sa1b, JSON.stringify({ image: { image_id: 1, height: 2, width: 3, file_name: 'sa_1.jpg' }, annotations: [{ id: 5, segmentation: { size: [2, 3], counts: [1, 2, 3] }, bbox: [0, 0, 2, 2], area: 2 }] }));

describe('read and write options of the same name', () => {
  it('gives a bare --format to the writer when the reader detects its own (COCO results or SA-1B → instances, as the docs show)', async () => {
    const out = join(dir, 'instances.json');
    const r = await run(['convert', results, '--from', 'coco', '--to', 'coco', '--format', 'instances', '-o', out, '-q']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.annotations).toHaveLength(1);
    expect(j.images).toHaveLength(1);
    const docs = await run(['convert', sa1b, '--from', 'coco', '--to', 'coco', '--format', 'instances', '-o', join(dir, 'sa.coco.json'), '-q']);
    expect(docs.err).toBe('');
    expect(docs.code).toBe(0);
    // The reader can still be forced.
    const forced = await run(['convert', results, '--from', 'coco', '--to', 'coco', '--read-option', 'format=instances', '-q']);
    expect(forced.code).toBe(2);
  });

  it('keeps --max-pixels separable: bare for the same dialect sets both, --read-option / --write-option one side', async () => {
    const seg = join(dir, 'one.dcm');
    const json = join(dir, 'one.json');
    writeFileSync(json, JSON.stringify({ height: 3, width: 4, order: 'row', runs: [1, 2, 5, 4] }));
    expect((await run(['convert', json, '--to', 'dicom', '-o', seg, '-q'])).code).toBe(0);
    const both = await run(['convert', seg, '--to', 'dicom', '--max-pixels', '5', '-q']);
    expect(both.code).toBe(2);
    expect(both.err).toContain('LIMIT_EXCEEDED');
    const writeOnly = await run(['convert', seg, '--to', 'dicom', '--write-option', 'max-pixels=5', '--read-option', 'max-pixels=100', '-q']);
    expect(writeOnly.code).toBe(2);
    const readOnly = await run(['convert', seg, '--to', 'dicom', '--read-option', 'max-pixels=100', '-q']);
    expect(readOnly.code).toBe(0);
  });
});

describe('messages users hit', () => {
  const mask = join(dir, 'mask.json');
  writeFileSync(mask, JSON.stringify({ height: 3, width: 4, order: 'row', runs: [1, 2, 5, 4] }));

  it('suggests the dialect option a typo meant (--presett → --preset), with help listing the dialects\' options', async () => {
    const r = await run(['convert', mask, '--to', 'kaggle', '--presett', 'x']);
    expect(r.code).toBe(1);
    expect(r.err).toContain("unknown option '--presett'");
    expect(r.err).toContain('(Did you mean --preset?)');
    expect(r.err).toContain('Usage: rlekit convert');
    expect(r.err).toMatch(/Options of kaggle \(writing\):\n\s+--preset </);
  });

  it('prints the dialects\' options after an INVALID_OPTION error, and codes an unknown Kaggle preset INVALID_OPTION', async () => {
    const r = await run(['convert', mask, '--from', 'rlekit-json', '--to', 'kaggle', '--preset', 'not-a-competition']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('error [INVALID_OPTION]: Unknown Kaggle preset "not-a-competition"');
    expect(r.err).toContain('Options of rlekit-json (reading):');
    const bad = await run(['inspect', mask, '--from', 'rlekit-json', '--max-bytes', 'lots']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/Options of rlekit-json \(reading\):\n\s+--max-bytes </);
  });

  it('escapes unprintable bytes quoted in an error (a PNG read --from coco)', async () => {
    const png = join(dir, 'x.png');
    writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));
    const r = await run(['inspect', png, '--from', 'coco']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/0x89|\\x89/);
    expect(r.err.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('inspect prints no conversion warning (not-carried: "top-level info is carried only to a COCO output")', async () => {
    const coco = join(dir, 'info.json');
    writeFileSync(coco, JSON.stringify({ info: { year: 2024 }, images: [{ id: 1, height: 2, width: 3 }], categories: [{ id: 1, name: 'a' }], annotations: [{ id: 1, image_id: 1, category_id: 1, segmentation: { size: [2, 3], counts: [1, 2, 3] } }] }));
    const r = await run(['inspect', coco]);
    expect(r.code).toBe(0);
    expect(r.err).not.toContain('not-carried');
    expect(r.err).not.toContain('carried only');
    const converted = await run(['convert', coco, '--to', 'rlekit-json']);
    expect(converted.err).toContain('carried only');
  });
});

describe('long work (issue 15)', () => {
  it('prints a warning repeated per image once, with how many more there were', async () => {
    // Three 2x4 images, each with two overlapping masks (1, 2 and 3 pixels shared): one overlap-resolved warning per image.
    const images = [0, 1, 2].map((id) => ({ id, height: 2, width: 4 }));
    const annotations = [0, 1, 2].flatMap((i) => [
      { id: 2 * i, imageId: i, categoryId: 1, height: 2, width: 4, order: 'row', runs: [0, 2 + i, 6 - i] },
      { id: 2 * i + 1, imageId: i, categoryId: 2, height: 2, width: 4, order: 'row', runs: [1, 3, 4] },
    ]);
    const file = join(dir, 'overlaps.json');
    writeFileSync(file, JSON.stringify({ format: 'rlekit-json', version: 1, images, categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }], annotations }));
    const r = await run(['convert', file, '--to', 'png', '-o', join(dir, 'overlaps')]);
    expect(r.code).toBe(0);
    const lines = r.err.split('\n').filter((l) => l.startsWith('warning [overlap-resolved]'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('(and 2 more like it)');
  });

  it('inspect --limit stops reading a streamed input after n annotations; --count reads to the end', async () => {
    // The fourth row is bad: a reader that stops after the limit never reaches it.
    const csv = join(dir, 'limit.csv');
    writeFileSync(csv, 'ImageId,EncodedPixels\na,1 2\nb,3 1\nc,5 1\nd,zz\n');
    const args = ['inspect', csv, '--from', 'kaggle', '--preset', 'airbus-ship-detection', '--size', '3x3', '--limit', '2'];
    const r = await run(args);
    expect(r.code).toBe(0);
    expect(r.out).toContain('at least 2 annotations');
    expect(r.out).toContain('read no further after 2 annotations');
    const j = JSON.parse((await run([...args, '--json'])).out);
    expect(j).toMatchObject({ annotationCount: 2, complete: false });
    const all = await run([...args, '--count']);
    expect(all.code).toBe(2);
    expect(all.err).toContain('INVALID_TOKEN');
  });
});
