/**
 * `check --jobs N`: shards of the images checked on worker threads, merged into exactly the report
 * one job prints (text and --json, byte for byte), and the exit code; files only one job can
 * report exactly (records the reader skips) are checked with one job, said on stderr.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Mask, type Annotation, type MaskDataset } from '@rlekit/core';
import { dialect as coco } from '@rlekit/coco';
import { mergeShardWarnings } from '../src/check-command.js';
import { convert } from '../src/convert.js';
import { prng } from '../../core/test/support.js';
import { runCli as run } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'rlekit-check-jobs-'));
const samples = new URL('../../../samples/check/', import.meta.url);


/**
 * A seeded dataset with every problem check finds, spread over the shards: non-square 6x9
 * images; masks empty, full (looks inverted), one pixel at the first and the last pixel
 * (two parts, tiny), random (overlapping); unused categories; annotations scattered over the images (the reader regroups them).
 */
function dataset(seed: number, images: number, perImage: number): MaskDataset {
  const rand = prng(seed);
  const size = { height: 6, width: 9 };
  const px = size.height * size.width;
  const list = Array.from({ length: images }, (_, i) => ({ id: i + 1, ...size, fileName: `img_${i + 1}.png` }));
  const annotations: Annotation[] = [];
  for (let k = 0; k < images * perImage; k++) {
    const bits = new Uint8Array(px);
    const kind = rand();
    if (kind < 0.05) bits.fill(1);
    else if (kind < 0.1) bits.fill(0); // an empty mask
    else if (kind < 0.5) (bits[0] = 1, (bits[px - 1] = 1));
    else for (let i = 0; i < px; i++) bits[i] = rand() < 0.3 ? 1 : 0;
    annotations.push({
      id: 100_000 + k, imageId: 1 + Math.floor(rand() * images), categoryId: 1 + Math.floor(rand() * 3),
      mask: Mask.fromBitmap(bits, size, 'row'),
    });
  }
  return { images: list, categories: [1, 2, 3, 4, 5].map((id) => ({ id, name: `c${id}` })), annotations };
}

/** The dataset as a COCO file, with some boxes and areas off (the reader tallies those) and ids repeated (across shards too: the file scatters annotations over images). */
async function cocoFile(d: MaskDataset, name: string): Promise<string> {
  const doc = JSON.parse(Buffer.from(await coco.write(d)).toString('utf8')) as { annotations: { id: number; bbox: number[]; area: number }[] };
  doc.annotations.forEach((a, i) => {
    if (i % 97 === 13) a.id = doc.annotations[i - 13]!.id;
    if (i % 7 === 3) a.bbox = [0, 0, 1, 1];
    if (i % 11 === 5) a.area += 1;
  });
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

/** check with 1 job and with `jobs`: stdout (text and --json) and exit codes, side by side. */
async function both(input: string, args: string[], jobs = 2): Promise<{ one: Awaited<ReturnType<typeof run>>[]; many: Awaited<ReturnType<typeof run>>[] }> {
  const one = [await run(['check', input, ...args, '--jobs', '1']), await run(['check', input, ...args, '--jobs', '1', '--json'])];
  const many = [await run(['check', input, ...args, '--jobs', String(jobs)]), await run(['check', input, ...args, '--jobs', String(jobs), '--json'])];
  for (let i = 0; i < 2; i++) {
    expect(many[i]!.out).toBe(one[i]!.out);
    expect(many[i]!.code).toBe(one[i]!.code);
  }
  return { one, many };
}

// Starting workers from the TypeScript sources takes seconds (more on a busy machine): generous timeouts.
describe('check --jobs', () => {
  it('prints the report of one job for a generated file, checked in shards (2 and 3 jobs, overlaps forbidden too)', async () => {
    const input = await cocoFile(dataset(7, 300, 8), 'big.json');
    const { one, many } = await both(input, ['--from', 'coco']);
    // Merged, not checked again with one job.
    expect(many[0]!.err).not.toMatch(/checking with one job/);
    const report = JSON.parse(one[1]!.out) as { counts: Record<string, { count: number }>; problems: unknown[]; annotations: number };
    expect(report.annotations).toBe(2400);
    // Every kind of finding, and more multi-part masks than the 1000 listed per code.
    for (const code of ['bbox-mismatch', 'area-mismatch', 'duplicate-annotation-id', 'empty-mask', 'looks-inverted', 'multi-part', 'tiny-fragments', 'unused-category']) expect(report.counts[code]?.count, code).toBeGreaterThan(0);
    expect(report.counts['multi-part']!.count).toBeGreaterThan(1000);
    const three = await both(input, ['--from', 'coco', '--target', 'coco-panoptic'], 3);
    expect(three.many[0]!.err).not.toMatch(/checking with one job/);
    expect(JSON.parse(three.one[1]!.out).counts.overlap.count).toBeGreaterThan(0);
  }, 240_000);

  it('prints the report of one job for the bundled samples; a file with records the reader skips is checked with one job', async () => {
    const problems = await both(new URL('problems.json', samples).pathname, []);
    expect(problems.one[0]!.code).toBe(2);
    expect(problems.many[0]!.err).not.toMatch(/checking with one job/);
    const unreadable = await both(new URL('unreadable.json', samples).pathname, []);
    expect(unreadable.one[0]!.out).toMatch(/RUNS_SUM_MISMATCH|could not|error/);
    // A planned shard (COCO) is read without skipping: its reader stops at the record, and one job checks.
    expect(unreadable.many[0]!.err).toMatch(/checking with one job: (the reader skipped a record|[A-Z_]+: )/);
  }, 240_000);

  it('prints the report of one job for a folder of PNG masks', async () => {
    const input = await cocoFile(dataset(11, 70, 2), 'for-png.json');
    const folder = join(dir, 'pngs');
    await convert(input, { from: 'coco', to: 'png', output: folder, writeOptions: { mode: 'binary' } });
    const { one, many } = await both(folder, ['--from', 'png', '--mode', 'binary']);
    expect(one[0]!.out).toMatch(/: png, \d+ images, 140 annotations/);
    expect(many[0]!.err).not.toMatch(/checking with one job/);
  }, 240_000);

  it('refuses a bad --jobs, with --fix too (which checks with one job)', async () => {
    const input = new URL('problems.json', samples).pathname;
    expect((await run(['check', input, '--jobs', 'many'])).code).toBe(1);
    expect((await run(['check', input, '--fix', '-o', join(dir, 'fixed.json'), '--jobs', '0'])).code).toBe(1);
    const fixed = await run(['check', input, '--fix', '-o', join(dir, 'fixed.json'), '--jobs', '2']);
    expect(fixed.err).toMatch(/wrote .*fixed\.json with \d+ change/);
  }, 60_000);
});

describe('mergeShardWarnings', () => {
  const w = (code: string, n: number) => ({ code, message: `${n} polygon annotations are off by 1`, count: n });
  it('sums the tallies of readers that read their own shard, in the order they agree on', () => {
    const r = mergeShardWarnings([
      { warnings: [w('area-mismatch', 3), w('bbox-mismatch', 2)], read: 10, annotations: 10 },
      { warnings: [w('bbox-mismatch', 5)], read: 4, annotations: 4 },
    ]);
    expect(r).toEqual({ warnings: [w('area-mismatch', 3), w('bbox-mismatch', 7)] });
  });
  it('takes once what readers that each read everything said alike, and refuses what they did not', () => {
    const same = [w('missing-category', 2)];
    expect(mergeShardWarnings([{ warnings: same, read: 9, annotations: 5 }, { warnings: same, read: 9, annotations: 4 }])).toEqual({ warnings: same });
    expect(mergeShardWarnings([{ warnings: same, read: 9, annotations: 5 }, { warnings: [], read: 9, annotations: 4 }])).toHaveProperty('unclean');
  });
  it('refuses a warning that is not a tally, an order the shards leave open, and readers that read part of others\' shards', () => {
    expect(mergeShardWarnings([{ warnings: [w('missing-category', 1)], read: 1, annotations: 1 }, { warnings: [], read: 1, annotations: 1 }])).toHaveProperty('unclean');
    expect(mergeShardWarnings([{ warnings: [w('area-mismatch', 1)], read: 1, annotations: 1 }, { warnings: [w('bbox-mismatch', 1)], read: 1, annotations: 1 }])).toHaveProperty('unclean');
    expect(mergeShardWarnings([{ warnings: [], read: 3, annotations: 1 }, { warnings: [], read: 1, annotations: 1 }])).toHaveProperty('unclean');
  });
});

describe('check counts', () => {
  it('counts each reader warning by its own tally when two share a code', async () => {
    // Two RLE areas off and one polygon area off: two area-mismatch warnings, 2 + 1.
    const rle = (id: number) => ({ id, image_id: 1, category_id: 1, area: 99, segmentation: { size: [4, 6], counts: [2, 3, 19] } });
    const doc = {
      images: [{ id: 1, height: 4, width: 6 }], categories: [{ id: 1, name: 'a' }],
      annotations: [rle(1), rle(2), { id: 3, image_id: 1, category_id: 1, area: 99, segmentation: [[0, 0, 3, 0, 3, 2, 0, 2]] }],
    };
    const input = join(dir, 'two-tallies.json');
    writeFileSync(input, JSON.stringify(doc));
    const r = await run(['check', input, '--json', '--jobs', '1']);
    expect(JSON.parse(r.out).counts['area-mismatch']).toEqual({ severity: 'warning', count: 3 });
  });
});
