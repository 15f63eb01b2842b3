/**
 * `check --jobs` and `inspect --count --jobs` plan the input once, as convert does: where the
 * input's dialect has `planShards` (COCO, Label Studio, Encord) the reader's first pass runs once,
 * in the main thread, and each worker reads only its shard's bytes by its plan. The reports stay
 * one job's: the same stdout (text and --json), warnings and exit codes for 1, 2 and 3 jobs, and
 * the same error for a bad record late in the file.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Mask, type Annotation, type MaskDataset } from '@rlekit/core';
import { dialect as coco } from '@rlekit/coco';
import { convert } from '../src/convert.js';
import { repeatedIdsOfRun } from '../src/jobs.js';
import { prng } from '../../core/test/support.js';
import { runCli as run } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'rlekit-jobs-plan-'));
let serial = 0;
const fresh = (name: string): string => join(dir, `${serial++}-${name}`);


/**
 * A seeded dataset: non-square images of two sizes (h < w), masks empty, full, with foreground at
 * the first and last pixel only (two parts), or random (overlapping); annotations scattered over
 * the images (COCO's reader regroups them by image), an unused category.
 */
function dataset(seed: number, images: number, perImage: number): MaskDataset {
  const rand = prng(seed);
  const list = Array.from({ length: images }, (_, i) => ({ id: i + 1, height: 5 + (i % 2), width: 9 + (i % 3), fileName: `img_${i + 1}.png` }));
  const annotations: Annotation[] = [];
  for (let k = 0; k < images * perImage; k++) {
    const im = list[Math.floor(rand() * images)]!;
    const px = im.height * im.width;
    const bits = new Uint8Array(px);
    const kind = rand();
    if (kind < 0.05) bits.fill(1);
    else if (kind < 0.1) bits.fill(0);
    else if (kind < 0.4) (bits[0] = 1, (bits[px - 1] = 1));
    else for (let i = 0; i < px; i++) bits[i] = rand() < 0.35 ? 1 : 0;
    annotations.push({ id: 1000 + k, imageId: im.id, categoryId: 1 + Math.floor(rand() * 2), mask: Mask.fromBitmap(bits, im, 'row') });
  }
  return { images: list, categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }, { id: 3, name: 'unused' }], annotations };
}

/** The dataset as a COCO file (annotations scattered), with some boxes and areas off (reader tallies) and an id repeated. */
async function cocoFile(d: MaskDataset): Promise<string> {
  const doc = JSON.parse(Buffer.from(await coco.write(d)).toString('utf8')) as { annotations: { id: number; image_id: number; bbox: number[]; area: number }[] };
  doc.annotations.forEach((a, i) => {
    if (i % 7 === 3) a.bbox = [0, 0, 1, 1];
    if (i % 11 === 5) a.area += 1;
    // An id used before on the same image: repeated within a shard (across shards: one job reads, see below).
    const same = doc.annotations.findIndex((b) => b.image_id === a.image_id);
    if (i % 37 === 20 && same < i) a.id = doc.annotations[same]!.id;
  });
  const path = fresh('in.json');
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

/**
 * The dataset (in image order) converted to `to` (Label Studio's brush RLE, Encord's bitmasks).
 * Label Studio's gets a polygon in place of the first region of every third task and a rotated
 * rectangle added to one (rasterized: tallies the reader says once, summed over the shards).
 */
async function converted(d: MaskDataset, to: string): Promise<string> {
  const path = fresh(`in.${to}.json`);
  await convert(await cocoFile({ ...d, annotations: [...d.annotations].sort((a, b) => (a.imageId as number) - (b.imageId as number)) }), { from: 'coco', to, output: path });
  if (to === 'label-studio') {
    const tasks = JSON.parse(readFileSync(path, 'utf8')) as { annotations?: { result: Record<string, unknown>[] }[]; predictions?: { result: Record<string, unknown>[] }[] }[];
    const results = (t: (typeof tasks)[number]): Record<string, unknown>[] => (t.annotations ?? t.predictions)?.[0]?.result ?? [];
    tasks.forEach((t, i) => {
      const r = results(t)[0];
      if (i % 3 === 1 && r !== undefined) results(t)[0] = { ...r, type: 'polygonlabels', value: { points: [[0, 0], [100, 0], [0, 100]], polygonlabels: (r.value as { brushlabels: string[] }).brushlabels } };
    });
    const k = tasks.findIndex((t, i) => i >= tasks.length / 2 && results(t).length > 0);
    results(tasks[k]!).push({ ...results(tasks[k]!)[0], id: 900001, type: 'rectanglelabels', value: { x: 10, y: 20, width: 50, height: 40, rotation: 30, rectanglelabels: ['cat'] } });
    writeFileSync(path, JSON.stringify(tasks));
  }
  return path;
}

const inputs = (async () => {
  const d = dataset(29, 60, 5);
  return { coco: await cocoFile(d), 'label-studio': await converted(d, 'label-studio'), encord: await converted(d, 'encord') };
})();

const plugin = (from: string): string => fileURLToPath(new URL(`./fixtures/read-log-${from}.ts`, import.meta.url));

/** The logged reads (fixtures/read-log.ts) of a run: where (plan, piece, read, read-planned) and how many bytes each gave. */
async function reads(args: string[]): Promise<{ run: Awaited<ReturnType<typeof run>>; reads: { where: string; bytes: number }[]; lines: string }> {
  const log = fresh('reads.log');
  process.env.RLEKIT_TEST_READ_LOG = log;
  try {
    const r = await run(args);
    let text = '';
    try {
      text = readFileSync(log, 'utf8');
    } catch {
      // nothing read
    }
    const lines = text.trim().split('\n').filter(Boolean);
    return { run: r, reads: lines.map((l) => ({ where: l.split(' ')[0]!, bytes: Number(l.split(' ')[2]) })), lines: text };
  } finally {
    delete process.env.RLEKIT_TEST_READ_LOG;
    rmSync(log, { force: true });
  }
}

// Workers start from the TypeScript sources (seconds each on a busy machine): generous timeouts.
describe('check and inspect --jobs plan the input once', () => {
  for (const from of ['coco', 'label-studio', 'encord'] as const) {
    it(`${from}: check and inspect --count print the same with 1, 2 and 3 jobs (text and --json), merged from planned shards`, async () => {
      const input = (await inputs)[from];
      const outs: Record<string, { code: number; out: string; err: string }[]> = {};
      for (const jobs of ['1', '2', '3']) {
        outs[jobs] = [
          await run(['check', input, '--from', from, '--jobs', jobs]),
          await run(['check', input, '--from', from, '--jobs', jobs, '--json']),
          await run(['inspect', input, '--from', from, '--count', '--limit', '5', '--jobs', jobs]),
          await run(['inspect', input, '--from', from, '--count', '--limit', '5', '--jobs', jobs, '--json']),
        ];
      }
      const one = outs['1']!;
      expect(one[0]!.out).toMatch(from === 'label-studio' ? /60 images, 301 annotations/ : /60 images, 300 annotations/);
      if (from === 'coco') expect(one[1]!.code).toBe(2); // empty masks: errors (other writers left them out)
      expect(JSON.parse(one[3]!.out).annotationCount).toBe(from === 'label-studio' ? 301 : 300);
      for (const jobs of ['2', '3']) {
        for (const [i, r] of outs[jobs]!.entries()) {
          expect(r.out, `${jobs} jobs, run ${i}`).toBe(one[i]!.out);
          expect(r.code, `${jobs} jobs, run ${i}`).toBe(one[i]!.code);
          // Merged from the shards, not checked again with one job; inspect's warnings said once.
          expect(r.err, `${jobs} jobs, run ${i}`).toBe(one[i]!.err);
        }
      }
      if (from === 'label-studio') expect(one[2]!.err).toMatch(/polygon-rasterized[\s\S]*box-rasterized/);
      if (from === 'coco') {
        // Reader tallies summed over the shards, ids repeated within a shard counted as one job does.
        expect(JSON.parse(one[1]!.out).counts['bbox-mismatch'].count).toBeGreaterThan(0);
        expect(one[2]!.err).toMatch(/warning \[duplicate-id\]/);
      }
    }, 480_000);
  }

  for (const from of ['coco', 'label-studio', 'encord'] as const) {
    it(`${from}: the first pass runs once, before the workers, which read only their shards' bytes`, async () => {
      const input = (await inputs)[from];
      const size = statSync(input).size;
      for (const args of [['check', input], ['inspect', input, '--count']]) {
        const one = await reads([...args, '--from', 'logged', '--plugin', plugin(from), '--jobs', '1']);
        expect(one.run.code, one.run.err).toBeLessThan(3);
        // One job: its reader's own first pass over the whole file.
        expect(one.reads.filter((r) => r.where === 'read' && r.bytes === size).length, one.lines).toBeGreaterThanOrEqual(1);
        for (const jobs of ['2', '3']) {
          const many = await reads([...args, '--from', 'logged', '--plugin', plugin(from), '--jobs', jobs]);
          expect(many.run.out).toBe(one.run.out);
          expect(many.run.code).toBe(one.run.code);
          expect(many.run.err).not.toMatch(/with one job/);
          // The first pass once, in planning; every worker reads by its plan, none the whole file.
          expect(many.reads.filter((r) => r.bytes === size).map((r) => r.where), many.lines).toEqual(['plan']);
          expect(many.reads.filter((r) => r.where === 'read'), many.lines).toEqual([]);
          expect(many.reads.filter((r) => r.where === 'read-planned').length, many.lines).toBeGreaterThanOrEqual(Number(jobs));
        }
      }
    }, 480_000);
  }

  it('an id repeated across shards (COCO counts ids used before): inspect and convert with 2 and 3 jobs say one run\'s count', async () => {
    const d = dataset(31, 12, 3);
    d.annotations.sort((a, b) => (a.imageId as number) - (b.imageId as number));
    // The last image's first annotation takes the id of the first image's: shards 0 and 1 (of 2) share it.
    const doc = JSON.parse(Buffer.from(await coco.write(d)).toString('utf8')) as { annotations: { id: number; image_id: number }[] };
    doc.annotations.find((a) => a.image_id === 12)!.id = doc.annotations.find((a) => a.image_id === 1)!.id;
    const input = fresh('cross.json');
    writeFileSync(input, JSON.stringify(doc));
    const one = await run(['inspect', input, '--from', 'coco', '--count', '--json', '--jobs', '1']);
    expect(JSON.parse(one.out).warnings.map((w: { code: string; count: number }) => [w.code, w.count])).toEqual([['duplicate-id', 1]]);
    // The repeat is met by no shard's reader: said without the record's path (one job names it).
    const withoutPath = (text: string) => {
      const j = JSON.parse(text);
      for (const w of j.warnings) if (w.code === 'duplicate-id') delete w.path;
      return j;
    };
    for (const jobs of ['2', '3']) {
      const many = await run(['inspect', input, '--from', 'coco', '--count', '--json', '--jobs', jobs]);
      expect(withoutPath(many.out)).toEqual(withoutPath(one.out));
      expect(many.err).toBe(one.err);
    }
    for (const to of ['rlekit-json', 'coco']) {
      const convert = (jobs: string) => run(['convert', input, '--from', 'coco', '--to', to, '-o', fresh(`cross-${to}-${jobs}.json`), '--jobs', jobs]);
      const single = await convert('1');
      expect(single.err).toMatch(/warning \[duplicate-id\]: 1 annotations have an id used before/);
      const said = (err: string) => err.replace(/wrote \S+/, 'wrote');
      for (const jobs of ['2', '3']) expect(said((await convert(jobs)).err)).toBe(said(single.err));
    }
  }, 240_000);

  /** `check` and `inspect --count` of `input` with 2 and 3 jobs print one job's, the first pass's pieces read on the threads and no worker reading the file itself. */
  async function checkAndCountSplit(input: string, from: string): Promise<void> {
    for (const args of [['check', input, '--json'], ['inspect', input, '--count', '--json']]) {
      const one = await reads([...args, '--from', 'logged', '--plugin', plugin(from), '--jobs', '1']);
      for (const jobs of ['2', '3']) {
        const many = await reads([...args, '--from', 'logged', '--plugin', plugin(from), '--jobs', jobs]);
        expect(many.run.out, from).toBe(one.run.out);
        expect(many.run.err, from).toBe(one.run.err);
        // Pieces of the first pass on the threads, no worker's own first pass.
        expect(many.reads.filter((r) => r.where === 'piece').length, many.lines).toBeGreaterThan(0);
        expect(many.reads.filter((r) => r.where === 'read'), many.lines).toEqual([]);
      }
    }
  }

  it('COCO\'s first pass split over the worker threads (forced on a small file): check and inspect --count print one job\'s, the pieces scanned on the threads', async () => {
    const input = (await inputs).coco;
    process.env.RLEKIT_PLAN_SPLIT_BYTES = '0';
    try {
      await checkAndCountSplit(input, 'coco');
    } finally {
      delete process.env.RLEKIT_PLAN_SPLIT_BYTES;
    }
  }, 480_000);

  it('Label Studio\'s and Encord\'s first pass split over the worker threads (forced on a small file): convert writes one job\'s bytes, check and inspect --count print one job\'s, the pieces scanned on the threads', async () => {
    process.env.RLEKIT_PLAN_SPLIT_BYTES = '0';
    try {
      for (const from of ['label-studio', 'encord'] as const) {
        const input = (await inputs)[from];
        const outputs = ['1', '2', '3'].map((jobs) => fresh(`split.${from}.${jobs}.json`));
        for (const [k, jobs] of ['1', '2', '3'].entries()) {
          const r = await run(['convert', input, '--from', from, '--to', 'coco', '-q', '-o', outputs[k]!, '--jobs', jobs]);
          expect(r.code, r.err).toBe(0);
        }
        for (const o of outputs.slice(1)) expect(readFileSync(o).equals(readFileSync(outputs[0]!)), `${from} ${o}`).toBe(true);
        await checkAndCountSplit(input, from);
      }
    } finally {
      delete process.env.RLEKIT_PLAN_SPLIT_BYTES;
    }
  }, 480_000);

  it('a record the first pass refuses, before, near and after the cuts of a forced split (Label Studio, Encord): inspect and convert fail with one job\'s error', async () => {
    process.env.RLEKIT_PLAN_SPLIT_BYTES = '0';
    try {
      for (const from of ['label-studio', 'encord'] as const) {
        const records = JSON.parse(readFileSync((await inputs)[from], 'utf8')) as Record<string, unknown>[];
        // 60 records: the cuts (2 jobs: a third and two thirds of the file; 3 jobs: quarters) fall about records 15, 20, 30, 40 and 45.
        for (const at of [5, 20, 31, 58]) {
          const doc = structuredClone(records);
          // Label Studio: a task's results without the image's size; Encord: a data unit without its width.
          if (from === 'label-studio') doc[at] = JSON.parse(JSON.stringify(doc[at]).replace(/"original_(width|height)":\d+,?/g, ''));
          else for (const u of Object.values(doc[at]!.data_units as Record<string, Record<string, unknown>>)) delete u.width;
          const bad = fresh(`bad-first.${from}.${at}.json`);
          writeFileSync(bad, JSON.stringify(doc));
          const said: { code: number; out: string; err: string }[][] = [];
          for (const jobs of ['1', '2', '3']) {
            said.push([
              await run(['inspect', bad, '--from', from, '--count', '--jobs', jobs]),
              await run(['convert', bad, '--from', from, '--to', 'coco', '-q', '-o', fresh('bad-first.out.json'), '--jobs', jobs]),
            ]);
          }
          expect(said[0]![0]!.err, `${from} ${at}`).toMatch(/^error \[INVALID_(STRUCTURE|SIZE)\]/);
          for (const s of said.slice(1)) {
            expect(s[0]!.err, `${from} ${at}`).toBe(said[0]![0]!.err);
            expect(s[0]!.code).toBe(said[0]![0]!.code);
            expect(s[1]!.err, `${from} ${at}`).toBe(said[0]![1]!.err);
            expect(s[1]!.code).toBe(said[0]![1]!.code);
          }
        }
      }
    } finally {
      delete process.env.RLEKIT_PLAN_SPLIT_BYTES;
    }
  }, 480_000);

  it('ids repeated across shards, as the COCO reader tells ids apart; only readers that warn about them are looked at', async () => {
    const make = (count: number) => ({ code: 'duplicate-id', message: `${count} used before`, count });
    const within = { ...make(1), path: ['annotations', 2, 'id'] };
    expect(repeatedIdsOfRun(make, [[1, 2], [3, 4]], [[], []])).toBeUndefined();
    expect(repeatedIdsOfRun(make, [[1, 2], [3, 1]], [[], []])).toEqual(make(1)); // across shards: no shard's reader met it
    expect(repeatedIdsOfRun(make, [[1, 1, 2], [2, 3]], [[within], []])).toEqual({ ...make(2), path: within.path }); // the first within shard 0
    expect(repeatedIdsOfRun(make, [[0], [-0]], [[], []])?.count).toBe(1);
    expect(repeatedIdsOfRun(make, [[1], ['1']], [[], []])).toBeUndefined();
    const { dialect: ls } = await import('@rlekit/label-studio');
    const { dialect: encord } = await import('@rlekit/encord');
    // Encord's ids are object hashes, the same in every frame of a video: not a reason for one job.
    expect([typeof coco.repeatedIdsWarning, ls.repeatedIdsWarning, encord.repeatedIdsWarning]).toEqual(['function', undefined, undefined]);
  });

  it('an error in the first pass (met while planning, before the workers): check prints one job\'s report, inspect fails with one job\'s error', async () => {
    const input = fresh('bad-images.json');
    writeFileSync(input, '{"images": [{"id": 1, "height": 2, "width": 3}, {"id": 1, "height": 2, "width": 3}], "annotations": []}');
    const one = [await run(['check', input, '--from', 'coco', '--jobs', '1']), await run(['inspect', input, '--from', 'coco', '--count', '--jobs', '1'])];
    expect(one[0]!.out).toMatch(/error INVALID_STRUCTURE: 1\n  \[images.1.id\] Image id 1 appears twice/);
    expect(one[1]!.err).toMatch(/^error \[INVALID_STRUCTURE\]/);
    for (const jobs of ['2', '3']) {
      const many = [await run(['check', input, '--from', 'coco', '--jobs', jobs]), await run(['inspect', input, '--from', 'coco', '--count', '--jobs', jobs])];
      expect(many[0]!.out).toBe(one[0]!.out);
      expect(many[0]!.code).toBe(one[0]!.code);
      expect(many[0]!.err).toMatch(/^checking with one job: INVALID_STRUCTURE/);
      expect(many[1]!.err).toBe(one[1]!.err);
      expect(many[1]!.code).toBe(2);
    }
  }, 240_000);

  it('a bad record late in the file: check prints one job\'s report and inspect fails with one job\'s error (COCO, Label Studio, Encord)', async () => {
    for (const from of ['coco', 'label-studio', 'encord'] as const) {
      const text = readFileSync((await inputs)[from], 'utf8');
      const bad = fresh(`bad.${from}.json`);
      if (from === 'coco') {
        // The last annotation's RLE counts sum past its image (the first pass does not decode it).
        const doc = JSON.parse(text) as { annotations: { segmentation: { counts: string } }[] };
        doc.annotations.at(-1)!.segmentation.counts = 'zzzz';
        writeFileSync(bad, JSON.stringify(doc));
      } else if (from === 'label-studio') {
        const doc = JSON.parse(text) as { annotations?: { result: Record<string, unknown>[] }[]; predictions?: { result: Record<string, unknown>[] }[] }[];
        const task = doc.findLast((t) => ((t.annotations ?? t.predictions)?.[0]?.result.length ?? 0) > 0)!;
        const result = (task.annotations ?? task.predictions)![0]!.result;
        result[0] = { ...result[0], value: { ...(result[0]!.value as object), rle: [1, 2, 3] } };
        writeFileSync(bad, JSON.stringify(doc));
      } else {
        const doc = JSON.parse(text) as { data_units: Record<string, { labels: { objects?: { bitmask?: { rleString: string } }[] } & Record<string, unknown> }> }[];
        const units = Object.values(doc.at(-1)!.data_units);
        const labels = (units.at(-1)!.labels.objects === undefined ? Object.values(units.at(-1)!.labels).at(-1) : units.at(-1)!.labels) as { objects: { bitmask?: { rleString: string } }[] };
        labels.objects.find((o) => o.bitmask !== undefined)!.bitmask!.rleString = '!!';
        writeFileSync(bad, JSON.stringify(doc));
      }
      const said: { code: number; out: string; err: string }[][] = [];
      for (const jobs of ['1', '2', '3']) {
        said.push([
          await run(['check', bad, '--from', from, '--jobs', jobs, '--json']),
          await run(['inspect', bad, '--from', from, '--count', '--jobs', jobs]),
        ]);
      }
      expect(said[0]![1]!.code, from).toBe(2);
      expect(said[0]![1]!.err, from).toMatch(/^error \[[A-Z_]+\]/);
      expect(said[0]![0]!.code, from).toBe(2);
      for (const s of said.slice(1)) {
        expect(s[0]!.out, from).toBe(said[0]![0]!.out);
        expect(s[0]!.code, from).toBe(2);
        expect(s[1]!.err, from).toBe(said[0]![1]!.err);
        expect(s[1]!.out, from).toBe(said[0]![1]!.out);
        expect(s[1]!.code, from).toBe(2);
      }
    }
  }, 480_000);
});
