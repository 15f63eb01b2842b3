/**
 * --shard, rlekit merge and --jobs: shards of any input, merged, are the bytes of one run; N worker
 * threads write the bytes of one job, errors included.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mask, RleError, type Annotation, type ByteSource, type MaskDataset } from '@rlekit/core';
import { dialect as coco } from '@rlekit/coco';
import { encode as encordRle } from '@rlekit/encord';
import { convert } from '../src/convert.js';
import { main } from '../src/main.js';
import { jobsReadingAll, jobsWithinMemory, parseJobs } from '../src/jobs.js';
import { findDialect, loadDialects } from '../src/registry.js';
import { fileSource } from '../src/node-sources.js';
import { prng } from '../../core/test/support.js';
import { runCli as run } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'rlekit-shard-'));
let serial = 0;
const fresh = (name: string): string => join(dir, `${serial++}-${name}`);

/**
 * A seeded dataset: non-square images of varied sizes (or one size), some without masks; masks
 * empty, full, with foreground at the first and last pixel, or random; annotations scattered over
 * the images (or in image order), unique integer ids in shuffled order.
 */
function dataset(seed: number, o: { images?: number; oneSize?: boolean; inOrder?: boolean; messyIds?: boolean } = {}): MaskDataset {
  const rand = prng(seed);
  const n = o.images ?? Math.floor(rand() * 11);
  const images = Array.from({ length: n }, (_, i) => {
    const height = o.oneSize ? 5 : 3 + Math.floor(rand() * 6);
    const width = o.oneSize ? 7 : height + 1 + Math.floor(rand() * 5);
    return { id: i + 1, height, width, fileName: `img_${i + 1}.png` };
  });
  const categories = [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }, { id: 7, name: 'unused' }];
  const annotations: Annotation[] = [];
  const count = n === 0 ? 0 : Math.floor(rand() * 4 * n);
  const ids = Array.from({ length: count }, (_, i) => i + 1).sort(() => rand() - 0.5);
  for (let k = 0; k < count; k++) {
    const im = images[Math.floor(rand() * (n - (rand() < 0.2 ? 0 : Math.min(1, n - 1))))]!;
    const px = im.height * im.width;
    const kind = rand();
    const bits = new Uint8Array(px);
    if (kind < 0.1) bits.fill(1);
    else if (kind < 0.2) (bits[0] = 1, (bits[px - 1] = 1));
    else if (kind > 0.3) for (let i = 0; i < px; i++) bits[i] = rand() < 0.4 ? 1 : 0;
    if (bits.every((b) => b === 0) && kind >= 0.1) bits[Math.floor(rand() * px)] = 1;
    annotations.push({ id: ids[k]!, imageId: im.id, categoryId: rand() < 0.5 ? 1 : 2, mask: Mask.fromBitmap(bits, im), ...(rand() < 0.1 ? { iscrowd: true } : {}) });
  }
  if (o.inOrder) annotations.sort((a, b) => (a.imageId as number) - (b.imageId as number));
  if (o.messyIds) {
    // Ids COCO's writer renumbers: repeats (in other shards too), strings, a negative one.
    for (const [k, a] of annotations.entries()) {
      const r = rand();
      if (r < 0.25 && k > 0) a.id = annotations[Math.floor(rand() * k)]!.id;
      else if (r < 0.35) a.id = `obj-${k}`;
      else if (r < 0.4) a.id = -k;
    }
  }
  return { images, categories, annotations };
}

async function bytesOf(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

/** A COCO instances file of the dataset, with a top-level field the model has no place for. */
async function cocoFile(d: MaskDataset): Promise<string> {
  const path = fresh('in.json');
  const text = Buffer.from(await coco.write(d)).toString('utf8');
  writeFileSync(path, `{"info": {"year": 2026, "note": "seeded"},${text.slice(1)}`);
  return path;
}

/**
 * A Label Studio export of the dataset (brush RLE), with a polygon in place of the first region of
 * every third task and a rotated rectangle added to one (read back rasterised, with warnings), and
 * a task without a size (not read, a warning) in the middle. Region ids stay unique integers.
 */
async function labelStudioFile(d: MaskDataset): Promise<string> {
  const path = fresh('in.ls.json');
  await convert(await cocoFile(d), { from: 'coco', to: 'label-studio', output: path });
  const tasks = JSON.parse(readFileSync(path, 'utf8')) as { predictions?: { result: Record<string, unknown>[] }[] }[];
  const results = (t: (typeof tasks)[number]): Record<string, unknown>[] => t.predictions?.[0]?.result ?? [];
  tasks.forEach((t, i) => {
    const r = results(t)[0];
    if (i % 3 === 1 && r !== undefined) results(t)[0] = { ...r, type: 'polygonlabels', value: { points: [[0, 0], [100, 0], [0, 100]], polygonlabels: (r.value as { brushlabels: string[] }).brushlabels } };
  });
  const k = tasks.findIndex((t, i) => i >= tasks.length / 3 && results(t).length > 0);
  if (k >= 0) results(tasks[k]!).push({ ...results(tasks[k]!)[0], id: 900001, type: 'rectanglelabels', value: { x: 10, y: 20, width: 50, height: 40, rotation: 30, rectanglelabels: ['cat'] } });
  tasks.splice(Math.floor(tasks.length / 2), 0, { data: { image: 'unsized.png' }, annotations: [] } as never);
  writeFileSync(path, JSON.stringify(tasks));
  return path;
}

/**
 * An Encord export of the dataset (images in order): one-image rows, videos of 2 to 5 frames and
 * image groups of 2 or 3 (a row's images can fall in two shards), a polygon object now and then
 * (not a mask: a warning), the objects' featureHash their category.
 */
function encordFile(d: MaskDataset, seed: number): string {
  const rand = prng(seed);
  const byImage = new Map<unknown, Annotation[]>();
  for (const a of d.annotations) byImage.set(a.imageId, [...(byImage.get(a.imageId) ?? []), a]);
  const labels = (imageId: unknown, polygon: boolean) => ({
    objects: [
      ...(byImage.get(imageId) ?? []).map((a) => ({ name: a.categoryId === 1 ? 'cat' : 'dog', shape: 'bitmask', objectHash: `o${String(a.id)}`, featureHash: `f${String(a.categoryId)}`, bitmask: { rleString: encordRle(a.mask), top: 0, left: 0, width: a.mask.width, height: a.mask.height } })),
      ...(polygon ? [{ name: 'cat', shape: 'polygon', objectHash: `p${String(imageId)}`, featureHash: 'f1', polygon: { 0: { x: 0.1, y: 0.2 } } }] : []),
    ],
    classifications: [],
  });
  const rows: unknown[] = [];
  for (let i = 0; i < d.images.length;) {
    const kind = rand();
    let take = Math.min(d.images.length - i, kind < 0.4 ? 1 : 2 + Math.floor(rand() * 4));
    // A row of several images across the middle: two jobs split it (and count its polygons each for its own images).
    const mid = Math.floor(d.images.length / 2);
    if (i < mid && i + take >= mid) take = Math.min(d.images.length - i, Math.max(take, mid - i + 2));
    const ims = d.images.slice(i, i + take);
    const several = ims.length > 1;
    const unit = (hash: string, im: MaskDataset['images'][number], l: unknown) => ({ data_hash: hash, data_title: `${hash}.png`, width: im.width, height: im.height, labels: l });
    if (take === 1) rows.push({ data_hash: `i${i}`, data_type: 'image', data_units: { [`i${i}`]: unit(`i${i}`, ims[0]!, labels(ims[0]!.id, rand() < 0.3)) } });
    else if (kind < 0.7 && ims.every((im) => im.height === ims[0]!.height && im.width === ims[0]!.width)) {
      rows.push({ data_hash: `v${i}`, data_type: 'video', data_units: { [`v${i}`]: unit(`v${i}`, ims[0]!, Object.fromEntries(ims.map((im, f) => [String(f), labels(im.id, several)]))) } });
    } else rows.push({ data_hash: `g${i}`, data_type: 'img_group', data_units: Object.fromEntries(ims.map((im, u) => [`g${i}-${u}`, unit(`g${i}-${u}`, im, labels(im.id, several))])) });
    i += take;
  }
  const path = fresh('in.encord.json');
  writeFileSync(path, JSON.stringify(rows, null, 1));
  return path;
}

const TARGETS: { to: string; ext: string; writeOptions: Record<string, unknown> }[] = [
  { to: 'coco', ext: 'json', writeOptions: {} },
  { to: 'kaggle', ext: 'csv', writeOptions: { preset: 'imaterialist-fashion-2019' } },
  { to: 'rlekit-json', ext: 'json', writeOptions: { indent: 1 } },
];

/** One run, and `n` shard runs merged: both outcomes (bytes, or the error code). */
async function oneAndMerged(input: string, from: string, t: (typeof TARGETS)[number], readOptions: Record<string, unknown>, n = 4): Promise<{ one: string; merged: string }> {
  const outcome = async (f: () => Promise<Buffer>): Promise<string> => {
    try {
      return (await f()).toString('latin1');
    } catch (e) {
      if (e instanceof RleError) return `error ${e.code}: ${e.message}`;
      throw e;
    }
  };
  const one = await outcome(async () => {
    const out = fresh(`one.${t.ext}`);
    await convert(input, { from, to: t.to, output: out, readOptions, writeOptions: t.writeOptions });
    return readFileSync(out);
  });
  const merged = await outcome(async () => {
    const parts: ByteSource[] = [];
    for (let i = 0; i < n; i++) {
      const out = fresh(`part${i}.${t.ext}`);
      await convert(input, { from, to: t.to, output: out, readOptions, writeOptions: t.writeOptions, shard: { index: i, count: n } });
      parts.push(fileSource(out));
    }
    const target = findDialect(await loadDialects(), t.to);
    return bytesOf(target.merge!(parts));
  });
  return { one, merged };
}

describe('--shard and merge', () => {
  it('4 shards of a COCO file, merged, are the bytes of one run, for COCO, Kaggle and rlekit-json outputs', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 1e9 }), async (seed) => {
      const input = await cocoFile(dataset(seed));
      for (const t of TARGETS) {
        const { one, merged } = await oneAndMerged(input, 'coco', t, {});
        expect(one.startsWith('error')).toBe(false);
        expect(merged).toBe(one);
      }
    }), { numRuns: 8, seed: 1717 });
  });

  it('ids the COCO writer renumbers (repeated across shards, strings) come out of the merge as one run numbers them', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 1e9 }), async (seed) => {
      const d = dataset(seed, { messyIds: true, images: 6 });
      // Streamed (COCO, rlekit-json and CVAT XML inputs) and in memory (a PNG folder, which has no
      // streamed read; its image ids are file names): the writer numbers ids differently (knowing them all first, in memory).
      const cocoIn = await cocoFile(d);
      const jsonIn = fresh('in.rlekit.json');
      await convert(cocoIn, { from: 'coco', to: 'rlekit-json', output: jsonIn });
      const cvatIn = fresh('in.xml');
      await convert(cocoIn, { from: 'coco', to: 'cvat', output: cvatIn });
      const pngIn = fresh('in-pngs');
      await convert(cocoIn, { from: 'coco', to: 'png', output: pngIn, writeOptions: { mode: 'binary' } });
      const part = fresh('part.json');
      await convert(pngIn, { from: 'png', to: 'coco', output: part, readOptions: { mode: 'binary' }, shard: { index: 0, count: 2 } });
      expect(readFileSync(part, 'utf8')).toContain('"_rlekit_shard_ids": "list"');
      for (const [input, from, readOptions] of [[cocoIn, 'coco', {}], [jsonIn, 'rlekit-json', {}], [cvatIn, 'cvat', {}], [pngIn, 'png', { mode: 'binary' }]] as const) {
        const { one, merged } = await oneAndMerged(input, from, TARGETS[0]!, readOptions);
        expect(one.startsWith('error')).toBe(false);
        expect(merged).toBe(one);
      }
    }), { numRuns: 12, seed: 4242 });
  });

  it('streamed COCO (scattered annotations regrouped by image) shards merge to one run', async () => {
    const d = dataset(5, { images: 40 });
    expect(d.annotations.length).toBeGreaterThan(40);
    const input = await cocoFile(d);
    for (const t of TARGETS) {
      const { one, merged } = await oneAndMerged(input, 'coco', t, { inMemoryBytes: 1 }, 3);
      expect(one.startsWith('error')).toBe(false);
      expect(merged).toBe(one);
    }
  });

  it('Kaggle CSV and rlekit-json inputs: shards merged are one run', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 1e9 }), async (seed) => {
      const d = dataset(seed, { inOrder: true });
      const kaggleIn = fresh('in.csv');
      await convert(await cocoFile(d), { from: 'coco', to: 'kaggle', output: kaggleIn, writeOptions: { preset: 'imaterialist-fashion-2019' } });
      const jsonIn = fresh('in.rlekit.json');
      await convert(await cocoFile(d), { from: 'coco', to: 'rlekit-json', output: jsonIn });
      for (const t of TARGETS) {
        const k = await oneAndMerged(kaggleIn, 'kaggle', t, { preset: 'imaterialist-fashion-2019' });
        expect(k.one.startsWith('error')).toBe(false);
        expect(k.merged).toBe(k.one);
        const j = await oneAndMerged(jsonIn, 'rlekit-json', t, {});
        expect(j.one.startsWith('error')).toBe(false);
        expect(j.merged).toBe(j.one);
      }
    }), { numRuns: 5, seed: 99 });
  });

  it('Label Studio and Encord inputs (read sharded: other shards\' tasks and frames not decoded): 4 shards merged are one run', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 1e9 }), async (seed) => {
      const d = dataset(seed, { inOrder: true, images: 6 + (seed % 9) });
      const lsIn = await labelStudioFile(d);
      const encordIn = encordFile(d, seed);
      for (const t of TARGETS) {
        for (const [input, from] of [[lsIn, 'label-studio'], [encordIn, 'encord']] as const) {
          const { one, merged } = await oneAndMerged(input, from, t, {});
          expect(one.startsWith('error')).toBe(false);
          expect(merged).toBe(one);
        }
      }
    }), { numRuns: 4, seed: 2027 });
  });

  it('an input whose annotations are not in image order is refused for writers that keep their order, not merged wrong', async () => {
    // rlekit-json is read in file order (streamed, not regrouped).
    const d = dataset(11, { images: 6 });
    d.annotations.sort((a, b) => (b.imageId as number) - (a.imageId as number));
    const jsonIn = fresh('in.rlekit.json');
    await convert(await cocoFile(d), { from: 'coco', to: 'rlekit-json', output: jsonIn, readOptions: { groupByImage: false, inMemoryBytes: 1 } });
    const coco1 = await oneAndMerged(jsonIn, 'rlekit-json', TARGETS[0]!, {});
    expect(coco1.one.startsWith('error')).toBe(false);
    expect(coco1.merged).toMatch(/^error UNSUPPORTED: .*image order/);
    // Kaggle writes image by image whatever the order: the shards join.
    const kaggle = await oneAndMerged(jsonIn, 'rlekit-json', TARGETS[1]!, {});
    expect(kaggle.merged).toBe(kaggle.one);
  });

  it('a PNG folder: shards of its images merge to one run', async () => {
    const d = dataset(21, { images: 9, inOrder: true });
    const folder = fresh('pngs');
    await convert(await cocoFile(d), { from: 'coco', to: 'png', output: folder, writeOptions: { mode: 'binary' } });
    for (const t of TARGETS) {
      const { one, merged } = await oneAndMerged(folder, 'png', t, { mode: 'binary' }, 4);
      expect(one.startsWith('error')).toBe(false);
      expect(merged).toBe(one);
    }
  });

  it('asked-for --jobs that every job would read whole are said to divide only the writing; the same bytes come out', async () => {
    const d = dataset(22, { images: 9, inOrder: true });
    const folder = fresh('pngs-note'), coco2 = fresh('coco2.json'), coco1 = fresh('coco1.json');
    await convert(await cocoFile(d), { from: 'coco', to: 'png', output: folder, writeOptions: { mode: 'binary' } });
    const two = await run(['convert', folder, '--from', 'png', '--mode', 'binary', '--to', 'coco', '--jobs', '2', '-o', coco2]);
    expect(two.code).toBe(0);
    expect(two.err).toMatch(/note: every job reads the whole png input .*--jobs 2 divides only the writing/);
    const one = await run(['convert', folder, '--from', 'png', '--mode', 'binary', '--to', 'coco', '--jobs', '1', '-o', coco1]);
    expect(one.err).not.toMatch(/note: every job/);
    expect(readFileSync(coco2).equals(readFileSync(coco1))).toBe(true);
    // COCO's reader skips other shards' annotations: no note; nor with -q.
    const input = await cocoFile(d);
    expect((await run(['convert', input, '--from', 'coco', '--to', 'coco', '--jobs', '2', '-o', fresh('c.json')])).err).not.toMatch(/note: every job/);
    expect((await run(['convert', folder, '--from', 'png', '--mode', 'binary', '--to', 'coco', '--jobs', '2', '-q', '-o', fresh('q.json')])).err).toBe('');
  });

  it('parts of different conversions are refused', async () => {
    const a = await cocoFile(dataset(3, { images: 4 })), b = fresh('b.json');
    writeFileSync(b, readFileSync(a, 'utf8').replace('"name":"dog"', '"name":"wolf"'));
    const parts = [fresh('p0.json'), fresh('p1.json')];
    await convert(a, { from: 'coco', to: 'coco', output: parts[0], shard: { index: 0, count: 2 } });
    await convert(b, { from: 'coco', to: 'coco', output: parts[1], shard: { index: 1, count: 2 } });
    await expect(bytesOf(coco.merge!(parts.map((p) => fileSource(p))))).rejects.toMatchObject({ code: 'INVALID_STRUCTURE', message: expect.stringContaining('categories differ') });
  });

  it('rlekit merge and convert --shard on the command line; a bad --shard is a usage error', async () => {
    const input = await cocoFile(dataset(8, { images: 7 }));
    const io = () => {
      let err = '';
      return { err: () => err, io: { out: () => {}, err: (s: string) => void (err += s), writeBytes: () => {} } };
    };
    const one = fresh('one.csv');
    expect(await main(['convert', input, '--to', 'kaggle', '--preset', 'imaterialist-fashion-2019', '-o', one, '-q'], io().io)).toBe(0);
    const parts = [0, 1, 2].map(() => fresh('part.csv'));
    for (const [i, p] of parts.entries()) {
      expect(await main(['convert', input, '--to', 'kaggle', '--preset', 'imaterialist-fashion-2019', '--shard', `${i}/3`, '-o', p, '-q'], io().io)).toBe(0);
    }
    const merged = fresh('merged.csv');
    expect(await main(['merge', ...parts, '--from', 'kaggle', '-o', merged], io().io)).toBe(0);
    expect(readFileSync(merged).equals(readFileSync(one))).toBe(true);
    const bad = io();
    expect(await main(['convert', input, '--to', 'coco', '--shard', '3/3'], bad.io)).toBe(1);
    expect(bad.err()).toContain('INVALID_OPTION');
  });
});

describe('--jobs', () => {

  // Starting workers from the TypeScript sources takes seconds (more on a busy machine): generous timeouts.
  const inputs = async () => {
    const d = dataset(31, { images: 24, oneSize: true });
    const cocoIn = await cocoFile(d);
    const kaggleIn = fresh('in.csv');
    await convert(cocoIn, { from: 'coco', to: 'kaggle', output: kaggleIn, writeOptions: { preset: 'imaterialist-fashion-2019' } });
    const jsonIn = fresh('in.rlekit.json');
    await convert(cocoIn, { from: 'coco', to: 'rlekit-json', output: jsonIn });
    const pngIn = fresh('pngs');
    await convert(cocoIn, { from: 'coco', to: 'png', output: pngIn, writeOptions: { mode: 'binary' } });
    return { cocoIn, kaggleIn, jsonIn, pngIn };
  };
  const made = inputs();
  const sameBytes = async (input: string, read: string[], to: string, write: string[]): Promise<void> => {
    const one = fresh('one'), two = fresh('two');
    const r1 = await run(['convert', input, ...read, '--to', to, ...write, '--jobs', '1', '-o', one]);
    const r2 = await run(['convert', input, ...read, '--to', to, ...write, '--jobs', '2', '-o', two]);
    expect([r1.code, r2.code]).toEqual([0, 0]);
    // The summary line (images, annotations, bytes written) is the same too.
    expect(r2.err.trim().split('\n').pop()!.replace(two, 'OUT')).toBe(r1.err.trim().split('\n').pop()!.replace(one, 'OUT'));
    expect(readFileSync(one).length).toBeGreaterThan(100);
    expect(readFileSync(two).equals(readFileSync(one))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.job-'))).toEqual([]);
  };

  /** One conversion with 1, 2 and 3 jobs: each output's bytes and what it said (its output path as OUT). */
  const byJobs = async (args: string[], ext: string): Promise<{ outs: Buffer[]; errs: string[] }> => {
    const outs: Buffer[] = [], errs: string[] = [];
    for (const jobs of ['1', '2', '3']) {
      const out = fresh(`jobs${jobs}.${ext}`);
      const r = await run([...args, '--jobs', jobs, '-o', out]);
      expect(r.code).toBe(0);
      outs.push(readFileSync(out));
      // What the jobs themselves say (a note that asked-for jobs divide only the writing) aside: the warnings are compared.
      errs.push(r.err.replaceAll(out, 'OUT').replace(/^note: every job reads the whole .*\n/m, ''));
    }
    return { outs, errs };
  };

  /** A COCO file whose ids one run renumbers: repeated across the parts, and strings (written by hand: rlekit's own writer gives unique ids). */
  const messyIds = async (): Promise<string> => {
    const doc = JSON.parse(Buffer.from(await coco.write(dataset(47, { images: 16, oneSize: true, inOrder: true }))).toString('utf8')) as { annotations: { id: unknown }[] };
    expect(doc.annotations.length).toBeGreaterThan(10);
    for (const [k, a] of doc.annotations.entries()) a.id = k % 7 === 3 ? `obj-${k}` : (k % 5) + 1;
    const path = fresh('messy.json');
    writeFileSync(path, JSON.stringify(doc));
    return path;
  };

  // A scattered COCO file (read regrouped by image: each planned worker gathers its annotations
  // from all over the file) with a category the list lacks (a warning one run says once).
  const scattered = (async () => {
    const d = dataset(61, { images: 30 });
    d.annotations[3]!.categoryId = 9;
    return cocoFile(d);
  })();
  for (const t of TARGETS) {
    it(`1, 2 and 3 worker threads write the same bytes and say the same warnings: COCO input, ${t.to} output`, async () => {
      const input = await scattered;
      const write = Object.entries(t.writeOptions).flatMap(([k, v]) => ['--write-option', `${k}=${String(v)}`]);
      const { outs, errs } = await byJobs(['convert', input, '--from', 'coco', '--to', t.to, ...write], t.ext);
      expect(outs[0]!.length).toBeGreaterThan(100);
      expect(outs[1]!.equals(outs[0]!)).toBe(true);
      expect(outs[2]!.equals(outs[0]!)).toBe(true);
      expect(errs[0]).toMatch(/missing-category/);
      expect(errs[1]).toBe(errs[0]);
      expect(errs[2]).toBe(errs[0]);
      expect(readdirSync(dir).filter((f) => f.includes('.job-'))).toEqual([]);
    }, 240_000);
  }

  it('1, 2 and 3 worker threads write the same bytes: rlekit-json input (streamed) to rlekit-json (parts copied by the ranges their writer described)', async () => {
    const input = (await made).jsonIn;
    const { outs, errs } = await byJobs(['convert', input, '--from', 'rlekit-json', '--to', 'rlekit-json', '--write-option', 'indent=1', '--write-option', 'order=col'], 'json');
    expect(outs[0]!.length).toBeGreaterThan(100);
    expect(outs[1]!.equals(outs[0]!)).toBe(true);
    expect(outs[2]!.equals(outs[0]!)).toBe(true);
    expect(errs[1]).toBe(errs[0]);
    expect(errs[2]).toBe(errs[0]);
    expect(readdirSync(dir).filter((f) => f.includes('.job-'))).toEqual([]);
  }, 240_000);

  it('1, 2 and 3 worker threads write the same bytes and say the same warnings: CVAT XML input (pass 1 planned once, each worker reads its own images), a bad mask or a malformed element late in the file is the error one job meets', async () => {
    // Masks, polygons, boxes and a track (warnings with counts), a project export (renumbered ids), version 1.0.
    const image = (i: number): string => `  <image id="${i % 9}" task_id="${i < 9 ? 1 : 2}" name="${i}.png" width="7" height="5">
    <mask label="${i % 2 ? 'cat' : 'dog'}" source="manual" occluded="0" rle="${i % 4}, 3, 2, ${3 * (3 + (i % 3)) - (i % 4) - 5}" left="1" top="1" width="${3 + (i % 3)}" height="3" z_order="${i % 3}"><attribute name="note">n&amp;${i}</attribute></mask>
    <polygon label="cat" points="0,0;${1 + (i % 5)},0;3,4" z_order="1"/>
    <box label="dog" xtl="0" ytl="0" xbr="2" ybr="${1 + (i % 3)}"/>
  </image>`;
    const xml = (images: string[]): string => `<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.0</version>\n  <meta><task><labels><label><name>cat</name></label><label><name>dog</name></label></labels></task></meta>\n  <track id="0" label="cat"><box frame="0" xtl="1" ytl="1" xbr="2" ybr="2"/></track>\n${images.join('\n')}\n</annotations>\n`;
    const images = Array.from({ length: 17 }, (_, i) => image(i));
    const input = fresh('in.xml');
    writeFileSync(input, xml(images));
    const { outs, errs } = await byJobs(['convert', input, '--from', 'cvat', '--to', 'coco'], 'json');
    expect(outs[0]!.length).toBeGreaterThan(1000);
    expect(outs[1]!.equals(outs[0]!)).toBe(true);
    expect(outs[2]!.equals(outs[0]!)).toBe(true);
    expect(errs[0]).toMatch(/17 polygons/);
    expect(errs[0]).toMatch(/1 <track>/);
    expect(errs[0]).toMatch(/renumbered-ids/);
    expect(errs[1]).toBe(errs[0]);
    expect(errs[2]).toBe(errs[0]);
    // With boxes rasterized too (more annotations per image: the later workers number theirs after the earlier ones').
    const boxes = await byJobs(['convert', input, '--from', 'cvat', '--to', 'coco', '--read-option', 'boxes=rasterize'], 'json');
    expect(boxes.outs[1]!.equals(boxes.outs[0]!)).toBe(true);
    expect(boxes.outs[2]!.equals(boxes.outs[0]!)).toBe(true);
    expect(boxes.errs[2]).toBe(boxes.errs[0]);
    // Plain images (no entity, no box): the later workers start reading at their first image.
    const plain = fresh('plain.xml');
    writeFileSync(plain, xml(images.map((im) => im.replace(/<attribute .*?<\/attribute>/, '').replace(/\n {4}<box [^>]*\/>/, ''))));
    const seeking = await byJobs(['convert', plain, '--from', 'cvat', '--to', 'coco'], 'json');
    expect(seeking.outs[0]!.length).toBeGreaterThan(1000);
    expect(seeking.outs[1]!.equals(seeking.outs[0]!)).toBe(true);
    expect(seeking.outs[2]!.equals(seeking.outs[0]!)).toBe(true);
    expect(seeking.errs[2]).toBe(seeking.errs[0]);
    const bad = fresh('bad.xml');
    writeFileSync(bad, xml(images.map((im, i) => (i === 15 ? im.replace('rle="', 'rle="x') : im))));
    const r1 = await run(['convert', bad, '--from', 'cvat', '--to', 'coco', '--jobs', '1', '-q', '-o', fresh('never1.json')]);
    const r3 = await run(['convert', bad, '--from', 'cvat', '--to', 'coco', '--jobs', '3', '-q', '-o', fresh('never3.json')]);
    expect(r1.code).toBe(2);
    expect(r1.err).toMatch(/INVALID_TOKEN/);
    expect(r3.err.replace(/never3/g, 'never1')).toBe(r1.err);
    // Names with two-, three- and four-byte characters (the plan finds where each worker's images start by reading those pieces again).
    const wide = fresh('wide.xml');
    writeFileSync(wide, xml(images.map((im) => im.replace('name="', 'name="\u00e9\u65e5\u{1F600}'))));
    const wideOut = await byJobs(['convert', wide, '--from', 'cvat', '--to', 'coco'], 'json');
    expect(wideOut.outs[0]!.toString('utf8')).toContain('\u00e9\u65e5\u{1F600}16.png');
    expect(wideOut.outs[1]!.equals(wideOut.outs[0]!)).toBe(true);
    expect(wideOut.outs[2]!.equals(wideOut.outs[0]!)).toBe(true);
    expect(wideOut.errs[2]).toBe(wideOut.errs[0]);
    // A malformed element late in the file: found by the plan's first pass (once, in the main thread), one job's error.
    const broken = fresh('broken.xml');
    writeFileSync(broken, xml(images.map((im, i) => (i === 16 ? im.replace('</mask>', '</mas>') : im))));
    const b1 = await run(['convert', broken, '--from', 'cvat', '--to', 'coco', '--jobs', '1', '-q', '-o', fresh('never1.json')]);
    const b3 = await run(['convert', broken, '--from', 'cvat', '--to', 'coco', '--jobs', '3', '-q', '-o', fresh('never3.json')]);
    expect(b1.code).toBe(2);
    expect(b1.err).toMatch(/INVALID_STRUCTURE/);
    expect(b3.err.replace(/never3/g, 'never1')).toBe(b1.err);
    expect(readdirSync(dir).filter((f) => f.includes('.job-') || f.includes('.tmp-'))).toEqual([]);
  }, 240_000);

  it('the first pass split over the worker threads (forced on a small file): 1, 2 and 3 jobs write the same bytes and say the same; a bad file is the error one job meets', async () => {
    // Each worker scans a piece of the annotations from a guessed cut, proved by the scan before it (coco plan.ts).
    process.env.RLEKIT_PLAN_SPLIT_BYTES = '0';
    try {
      // A worker thread's own side of it: the elements from a cut, noted as pass 1 notes them.
      const input = await scattered;
      const text = readFileSync(input, 'utf8');
      const cut = text.indexOf('{', text.indexOf('},', text.indexOf('"annotations"')) + 1);
      const flags = new SharedArrayBuffer(8);
      const piece = await (await import('../src/jobs-worker.js')).default({ kind: 'plan-piece', input, from: 'coco', plugins: [], piece: { cut, flags, slot: 0 } });
      expect(piece.error).toBeUndefined();
      expect((piece.value as { count: number }).count).toBeGreaterThan(3);
      for (const t of TARGETS.slice(0, 2)) {
        const write = Object.entries(t.writeOptions).flatMap(([k, v]) => ['--write-option', `${k}=${String(v)}`]);
        const { outs, errs } = await byJobs(['convert', input, '--from', 'coco', '--to', t.to, ...write], t.ext);
        expect(outs[1]!.equals(outs[0]!)).toBe(true);
        expect(outs[2]!.equals(outs[0]!)).toBe(true);
        expect(errs[1]).toBe(errs[0]);
        expect(errs[2]).toBe(errs[0]);
      }
      const messy = await messyIds();
      const { outs } = await byJobs(['convert', messy, '--from', 'coco', '--to', 'coco'], 'json');
      expect(outs[1]!.equals(outs[0]!)).toBe(true);
      expect(outs[2]!.equals(outs[0]!)).toBe(true);
      // Bad JSON in the second half of the annotations (where a worker scans): one job's error, at its offset.
      const bad = fresh('bad-late.json');
      const late = text.lastIndexOf('},') + 2; // the last annotation's separator (the list comes last)
      expect(late).toBeGreaterThan(text.indexOf('"annotations"'));
      writeFileSync(bad, `${text.slice(0, late)},${text.slice(late)}`);
      const r1 = await run(['convert', bad, '--from', 'coco', '--to', 'coco', '--jobs', '1', '-q', '-o', fresh('never1.json')]);
      const r3 = await run(['convert', bad, '--from', 'coco', '--to', 'coco', '--jobs', '3', '-q', '-o', fresh('never3.json')]);
      expect(r1.code).toBe(2);
      expect(r3.err.replace(/never3/g, 'never1')).toBe(r1.err);
    } finally {
      delete process.env.RLEKIT_PLAN_SPLIT_BYTES;
    }
    expect(readdirSync(dir).filter((f) => f.includes('.job-') || f.includes('.tmp-'))).toEqual([]);
  }, 240_000);

  it('an error in the first pass (planned once, before the workers) is the RleError one job meets', async () => {
    const input = fresh('bad-images.json');
    writeFileSync(input, '{"images": [{"id": 1, "height": 2, "width": 3}, {"id": 1, "height": 2, "width": 3}], "annotations": []}');
    const r1 = await run(['convert', input, '--from', 'coco', '--to', 'coco', '--jobs', '1', '-q', '-o', fresh('never1.json')]);
    const r2 = await run(['convert', input, '--from', 'coco', '--to', 'coco', '--jobs', '2', '-q', '-o', fresh('never2.json')]);
    expect(r1.code).toBe(2);
    expect(r2.code).toBe(2);
    expect(r2.err.replace(/never2/g, 'never1')).toBe(r1.err);
    expect(r1.err).toMatch(/^error \[INVALID_STRUCTURE\]/);
    expect(readdirSync(dir).filter((f) => f.includes('.job-'))).toEqual([]);
  }, 240_000);

  it('2 worker threads write the bytes of 1 job: COCO input, COCO output', async () => {
    await sameBytes((await made).cocoIn, ['--from', 'coco'], 'coco', []);
  }, 240_000);

  it('2 worker threads write the bytes of 1 job: Kaggle CSV input, rlekit-json output', async () => {
    await sameBytes((await made).kaggleIn, ['--from', 'kaggle', '--read-option', 'preset=imaterialist-fashion-2019'], 'rlekit-json', []);
  }, 240_000);

  it('2 worker threads write the bytes of 1 job: PNG folder input, Kaggle output', async () => {
    await sameBytes((await made).pngIn, ['--from', 'png', '--read-option', 'mode=binary'], 'kaggle', ['--write-option', 'preset=imaterialist-fashion-2019']);
  }, 240_000);

  // Readers that skip other shards' tasks (Label Studio) and frames (Encord: a video's frames split between workers).
  for (const from of ['label-studio', 'encord'] as const) {
    it(`1, 2 and 3 worker threads write the same bytes and say the same warnings: ${from} input, COCO and rlekit-json outputs`, async () => {
      const d = dataset(71, { images: 26, inOrder: true });
      const input = from === 'label-studio' ? await labelStudioFile(d) : encordFile(d, 71);
      for (const [to, ext] of [['coco', 'json'], ['rlekit-json', 'json']] as const) {
        const { outs, errs } = await byJobs(['convert', input, '--from', from, '--to', to], ext);
        expect(outs[0]!.length).toBeGreaterThan(100);
        expect(outs[1]!.equals(outs[0]!)).toBe(true);
        expect(outs[2]!.equals(outs[0]!)).toBe(true);
        // Warnings each worker counts for its own images, said once with the counts summed, in one
        // run's order where the shards' lists say it (a kind only a later shard meets goes before
        // the first kind that shard says after it). With 3 jobs the task of no image (a not-carried
        // summary) is only the first shard's, and nothing tells where one run puts it among
        // summaries only the others say: those lines are compared as a set.
        expect(errs[0]).toMatch(from === 'label-studio' ? /polygon-rasterized[\s\S]*box-rasterized[\s\S]*not-carried/ : /"polygon" objects are not masks/);
        expect(errs[1]).toBe(errs[0]);
        const lines = (e: string): string[] => e.trim().split('\n').sort();
        expect(lines(errs[2]!)).toEqual(lines(errs[0]!));
      }
      // A mask the last shard decodes is bad (the first pass, which decodes none, passes it): two jobs fail as one does.
      const doc = JSON.parse(readFileSync(input, 'utf8')) as Record<string, unknown>[];
      if (from === 'label-studio') {
        const last = doc.findLast((t) => ((t.predictions as { result: unknown[] }[] | undefined)?.[0]?.result.length ?? 0) > 0)!;
        (last.predictions as { result: Record<string, unknown>[] }[])[0]!.result[0] = { type: 'polygonlabels', original_width: 9, original_height: 4, value: { points: 'x' } };
      } else {
        const units = Object.values(doc.at(-1)!.data_units as Record<string, { labels: Record<string, unknown> }>);
        const labels = (units.at(-1)!.labels.objects === undefined ? Object.values(units.at(-1)!.labels).at(-1) : units.at(-1)!.labels) as { objects: { bitmask?: { rleString: string } }[] };
        labels.objects.find((o) => o.bitmask !== undefined)!.bitmask!.rleString = '!!';
      }
      const bad = fresh('bad.json');
      writeFileSync(bad, JSON.stringify(doc));
      const said: string[] = [];
      for (const jobs of ['1', '2']) {
        const r = await run(['convert', bad, '--from', from, '--to', 'coco', '--jobs', jobs, '-o', fresh('bad-out.json')]);
        expect(r.code).toBe(2); // bad input
        said.push(r.err.trim().split('\n').pop()!);
      }
      expect(said[0]).toMatch(/^error \[[A-Z_]+\]/);
      expect(said[1]).toBe(said[0]);
      expect(readdirSync(dir).filter((f) => f.includes('.job-'))).toEqual([]);
    }, 240_000);
  }

  it('2 worker threads write the bytes of 1 job: rlekit-json input, COCO output', async () => {
    await sameBytes((await made).jsonIn, ['--from', 'rlekit-json'], 'coco', []);
  }, 240_000);

  it('3 worker threads write the files of 1 job to a folder', async () => {
    const { cocoIn } = await made;
    const f1 = fresh('out1'), f2 = fresh('out2');
    expect((await run(['convert', cocoIn, '--to', 'png', '--mode', 'binary', '--jobs', '1', '-o', f1])).code).toBe(0);
    expect((await run(['convert', cocoIn, '--to', 'png', '--mode', 'binary', '--jobs', '3', '-o', f2])).code).toBe(0);
    const files = readdirSync(f1).sort();
    expect(files.length).toBeGreaterThan(10);
    expect(readdirSync(f2).sort()).toEqual(files);
    for (const f of files) expect(readFileSync(join(f2, f)).equals(readFileSync(join(f1, f)))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.job-'))).toEqual([]);
  }, 240_000);

  it('an error in a worker is the RleError one job meets: code, path and message', async () => {
    const d = dataset(41, { images: 12, oneSize: true, inOrder: true });
    const input = fresh('bad.json');
    const text = Buffer.from(await coco.write(d)).toString('utf8');
    // Two bad masks, in the second and the last shard: one job meets the earlier first.
    const doc = JSON.parse(text) as { annotations: { image_id: number; segmentation: { counts: string } }[] };
    const late = doc.annotations.filter((a) => a.image_id >= 7);
    late[0]!.segmentation.counts = 'not a count string {';
    late[late.length - 1]!.segmentation.counts = '!!';
    writeFileSync(input, JSON.stringify(doc));
    const r1 = await run(['convert', input, '--to', 'rlekit-json', '--jobs', '1', '-q']);
    const r2 = await run(['convert', input, '--to', 'rlekit-json', '--jobs', '2', '-q', '-o', fresh('never.json')]);
    expect(r1.code).toBe(2);
    expect(r2.code).toBe(2);
    expect(r2.err).toBe(r1.err);
    expect(r1.err).toMatch(/^error \[[A-Z_]+\]: .*annotations\[\d+\]\.segmentation/);
  }, 240_000);

  it('a reader that reads every image in every worker (Kaggle CSV) says its warnings once: 1, 2 and 3 jobs say one run\'s counts', async () => {
    // Three rows repeat an image: the reader counts them over the whole file, in every worker.
    const input = fresh('repeats.csv');
    writeFileSync(input, 'img,rle_mask\na.jpg,1 3\na.jpg,5 2\nb.jpg,2 2\nb.jpg,7 1\nc.jpg,1 1\nd.jpg,9 3\nd.jpg,1 1\n');
    const { outs, errs } = await byJobs(['convert', input, '--from', 'kaggle', '--read-option', 'preset=carvana-image-masking', '--read-option', 'size=4x5', '--to', 'coco'], 'json');
    expect(outs[1]!.equals(outs[0]!)).toBe(true);
    expect(outs[2]!.equals(outs[0]!)).toBe(true);
    expect(errs[0]).toMatch(/warning \[repeated-rows\]: 3 rows/);
    expect(errs[1]).toBe(errs[0]);
    expect(errs[2]).toBe(errs[0]);
  }, 240_000);

  it('ids one run renumbers (repeats across the parts, strings): the joined parts go through the merge, and 2 or 3 jobs still write the bytes of 1 and say its counts', async () => {
    const input = await messyIds();
    const one = fresh('messy1.json');
    const first = await run(['convert', input, '--from', 'coco', '--to', 'coco', '--jobs', '1', '-o', one]);
    expect(first.code).toBe(0);
    expect(readFileSync(one, 'utf8')).toMatch(/source_id/);
    // Ids repeat across the shards: only the merge sees them all (each shard's reader and writer counted its own).
    const warnings = (e: string): string[] => e.split('\n').filter((l) => l.startsWith('warning'));
    expect(first.err).toMatch(/warning \[duplicate-id\]: \d+ annotations[\s\S]*warning \[renumbered-ids\]: \d+ annotations/);
    for (const jobs of ['2', '3']) {
      const out = fresh(`messy${jobs}.json`);
      const r = await run(['convert', input, '--from', 'coco', '--to', 'coco', '--jobs', jobs, '-o', out]);
      expect(r.code).toBe(0);
      expect(readFileSync(out).equals(readFileSync(one))).toBe(true);
      expect(warnings(r.err)).toEqual(warnings(first.err));
    }
    // Across machines: the shards' own processes, then `rlekit merge`, which says one run's counts.
    const parts = ['0/2', '1/2'].map((shard) => fresh(`messy-part-${shard[0]}.json`));
    for (const [k, shard] of ['0/2', '1/2'].entries()) expect((await run(['convert', input, '--from', 'coco', '--to', 'coco', '--shard', shard, '--jobs', '1', '-q', '-o', parts[k]!])).code).toBe(0);
    const merged = fresh('messy-merged.json');
    const m = await run(['merge', ...parts, '-o', merged]);
    expect(m.code).toBe(0);
    expect(readFileSync(merged).equals(readFileSync(one))).toBe(true);
    const idLines = (e: string): string[] => e.split('\n').filter((l) => /duplicate-id|renumbered-ids/.test(l));
    expect(idLines(m.err)).toEqual(idLines(first.err));
    expect(readdirSync(dir).filter((f) => f.includes('.job-') || f.includes('.tmp-'))).toEqual([]);
  }, 240_000);

  it('ids to renumber with the output in a folder that does not exist yet: the merge after the join still finds its parts', async () => {
    // The join's temp file creates the folder; when the parts must be merged after all, that
    // failed write removed the folder it made, and with it the parts beside the output.
    const input = await messyIds();
    const one = fresh('messy-new-1.json');
    expect((await run(['convert', input, '--from', 'coco', '--to', 'coco', '--jobs', '1', '-q', '-o', one])).code).toBe(0);
    const folder = fresh('not-yet');
    const out = join(folder, 'messy2.json');
    const r = await run(['convert', input, '--from', 'coco', '--to', 'coco', '--jobs', '2', '-q', '-o', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(one))).toBe(true);
    expect(readdirSync(folder)).toEqual(['messy2.json']);
  }, 240_000);

  it('--shard i/n with 2 or 3 jobs writes the part one job of that shard writes (its id notes kept), for every merging target; the parts still merge to one run', async () => {
    // Ids that repeat across the jobs' parts and strings: the shard's part notes its renumbering (_rlekit_shard_id, _rlekit_shard_ids).
    const messy = await messyIds();
    const plain = await scattered;
    for (const [input, t] of [[messy, TARGETS[0]!], [plain, TARGETS[0]!], [plain, TARGETS[1]!], [plain, TARGETS[2]!]] as const) {
      const write = Object.entries(t.writeOptions).flatMap(([k, v]) => ['--write-option', `${k}=${String(v)}`]);
      const parts: string[] = [];
      for (const shard of ['0/2', '1/2']) {
        const outs: Buffer[] = [];
        for (const jobs of ['1', '2', '3']) {
          const out = fresh(`shard-jobs${jobs}.${t.ext}`);
          expect((await run(['convert', input, '--from', 'coco', '--to', t.to, ...write, '--shard', shard, '--jobs', jobs, '-q', '-o', out])).code).toBe(0);
          outs.push(readFileSync(out));
          if (jobs === '2') parts.push(out);
        }
        expect(outs[0]!.length).toBeGreaterThan(20);
        expect(outs[1]!.toString('latin1')).toBe(outs[0]!.toString('latin1'));
        expect(outs[2]!.toString('latin1')).toBe(outs[0]!.toString('latin1'));
        if (t.to === 'coco') expect(outs[0]!.toString('utf8')).toMatch(/"_rlekit_shard_ids"/);
      }
      // Both shards of the messy file renumber some ids, and note them.
      if (input === messy) for (const p of parts) expect(readFileSync(p, 'utf8')).toMatch(/"_rlekit_shard_id"/);
      const one = fresh(`shard-one.${t.ext}`), merged = fresh(`shard-merged.${t.ext}`);
      expect((await run(['convert', input, '--from', 'coco', '--to', t.to, ...write, '--jobs', '1', '-q', '-o', one])).code).toBe(0);
      expect((await run(['merge', ...parts, '--from', t.to, '-q', '-o', merged])).code).toBe(0);
      expect(readFileSync(merged).toString('latin1')).toBe(readFileSync(one).toString('latin1'));
    }
    expect(readdirSync(dir).filter((f) => f.includes('.job-') || f.includes('.tmp-'))).toEqual([]);
  }, 480_000);

  it('a worker that fails while the output is being joined leaves no output and no temp file (COCO and Kaggle targets)', async () => {
    const d = dataset(45, { images: 12, oneSize: true, inOrder: true });
    const input = fresh('bad-late.json');
    const doc = JSON.parse(Buffer.from(await coco.write(d)).toString('utf8')) as { annotations: { image_id: number; segmentation: { counts: string } }[] };
    const late = doc.annotations.filter((a) => a.image_id >= 11);
    expect(late.length).toBeGreaterThan(0);
    late[late.length - 1]!.segmentation.counts = '!!';
    writeFileSync(input, JSON.stringify(doc));
    for (const [to, ext, write] of [['coco', 'json', []], ['kaggle', 'csv', ['--write-option', 'preset=imaterialist-fashion-2019']]] as const) {
      const r1 = await run(['convert', input, '--to', to, ...write, '--jobs', '1', '-q', '-o', fresh(`never1.${ext}`)]);
      const out = fresh(`never2.${ext}`);
      const r2 = await run(['convert', input, '--to', to, ...write, '--jobs', '2', '-q', '-o', out]);
      expect(r1.code).toBe(2);
      expect(r2.code).toBe(2);
      expect(r2.err).toBe(r1.err);
      expect(readdirSync(dir).filter((f) => f.includes('never'))).toEqual([]);
    }
    expect(readdirSync(dir).filter((f) => f.includes('.job-') || f.includes('.tmp-'))).toEqual([]);
  }, 240_000);

  it('an error in the first shard (converted on the main thread) is the RleError one job meets, whatever the later shards meet', async () => {
    const d = dataset(43, { images: 12, oneSize: true, inOrder: true });
    const input = fresh('bad-first.json');
    const doc = JSON.parse(Buffer.from(await coco.write(d)).toString('utf8')) as { annotations: { image_id: number; segmentation: { counts: string } }[] };
    const early = doc.annotations.filter((a) => a.image_id <= 3), late = doc.annotations.filter((a) => a.image_id >= 10);
    expect(early.length * late.length).toBeGreaterThan(0);
    early[early.length - 1]!.segmentation.counts = '!!';
    late[0]!.segmentation.counts = 'not a count string {';
    writeFileSync(input, JSON.stringify(doc));
    const r1 = await run(['convert', input, '--to', 'coco', '--jobs', '1', '-q', '-o', fresh('never1.json')]);
    for (const jobs of ['2', '3']) {
      const r = await run(['convert', input, '--to', 'coco', '--jobs', jobs, '-q', '-o', fresh('never.json')]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(r1.err);
    }
    expect(r1.err).toMatch(/^error \[[A-Z_]+\]: .*annotations\[\d+\]\.segmentation/);
    expect(readdirSync(dir).filter((f) => f.includes('.job-'))).toEqual([]);
  }, 240_000);

  it('the default takes every core for big inputs, and from 1 MiB when it paints a folder of images', () => {
    const cores = availableParallelism();
    expect(parseJobs(undefined, { kind: 'bytes', size: 29 * 2 ** 20 })).toBe(1);
    // (Below the memory cap: 4 cores; jobsWithinMemory at 32 MiB is 19.)
    expect(parseJobs(undefined, { kind: 'bytes', size: 32 * 2 ** 20 }, 4)).toBe(4);
    expect(parseJobs(undefined, { kind: 'bytes', size: 29 * 2 ** 20, imagesOut: true }, 4)).toBe(4);
    expect(parseJobs(undefined, { kind: 'bytes', size: 32 * 2 ** 20 })).toBe(Math.min(cores, jobsWithinMemory(32 * 2 ** 20)));
    expect(parseJobs(undefined, { kind: 'bytes', size: 2 ** 20 - 1, imagesOut: true })).toBe(1);
    expect(parseJobs(undefined, { kind: 'bytes', imagesOut: true })).toBe(1); // a pipe: size unknown
    expect(parseJobs('3', { kind: 'bytes', size: 10, imagesOut: true })).toBe(3);
    expect(parseJobs(undefined, { kind: 'folder', files: 63 })).toBe(1);
    expect(parseJobs(undefined, { kind: 'folder', files: 64 })).toBe(cores);
  });

  it('the default for one file takes no more jobs than fit the memory budget; a folder, and --jobs N, are not capped', () => {
    const GB = 1e9;
    // As measured (docs/scale.md): at 1.1 GB two jobs peaked at 0.86–0.91 GB, three at 0.92 GB, four at 1.02 GB.
    expect(jobsWithinMemory(1.108 * GB)).toBe(2);
    expect(parseJobs(undefined, { kind: 'bytes', size: 1.108 * GB }, 16)).toBe(2);
    expect(parseJobs(undefined, { kind: 'bytes', size: 1.108 * GB }, 2)).toBe(2);
    expect(parseJobs(undefined, { kind: 'bytes', size: 111e6 }, 16)).toBeGreaterThanOrEqual(8);
    // A file too big for even two jobs within the budget gets one; the cap never goes below one.
    expect(parseJobs(undefined, { kind: 'bytes', size: 3 * GB }, 16)).toBe(1);
    // Fewer jobs as files grow, never more.
    let last = Infinity;
    for (let size = 32 * 2 ** 20; size < 4 * GB; size *= 1.5) {
      const j = jobsWithinMemory(size);
      expect(j).toBeLessThanOrEqual(last);
      last = j;
    }
    expect(parseJobs(undefined, { kind: 'folder', files: 5000 }, 16)).toBe(16);
    expect(parseJobs('12', { kind: 'bytes', size: 3 * GB }, 16)).toBe(12);
    // Where every worker reads the whole input (and paints images, so the default takes more than one), each costs a whole job.
    expect(parseJobs(undefined, { kind: 'bytes', size: 500e6, readsShards: false, imagesOut: true }, 16)).toBe(jobsReadingAll(500e6));
    expect(jobsReadingAll(500e6)).toBe(2);
    expect(jobsReadingAll(3 * GB)).toBe(1);
  });

  it('the default stays one job where every worker would read the whole input (a reader without readsShards), unless it paints images', async () => {
    const cores = availableParallelism();
    expect(parseJobs(undefined, { kind: 'folder', files: 2000, readsShards: false })).toBe(1);
    expect(parseJobs(undefined, { kind: 'bytes', size: 2 ** 30, readsShards: false })).toBe(1);
    expect(parseJobs(undefined, { kind: 'folder', files: 2000, readsShards: false, imagesOut: true })).toBe(cores);
    expect(parseJobs(undefined, { kind: 'bytes', size: 2 ** 30, readsShards: true })).toBe(cores);
    expect(parseJobs('2', { kind: 'folder', files: 2000, readsShards: false })).toBe(2); // asked for: given
    // Which readers say so: COCO skips other shards' annotations; the PNG folder reader decodes every file.
    const { dialect: coco } = await import('@rlekit/coco');
    const { dialect: png } = await import('@rlekit/png');
    expect(coco.readsShards).toBe(true);
    expect(png.readsShards).not.toBe(true);
    // Label Studio and Encord: their streamed reads skip other shards' tasks, rows and frames.
    const { dialect: ls } = await import('@rlekit/label-studio');
    const { dialect: encord } = await import('@rlekit/encord');
    expect([ls.readsShards, encord.readsShards]).toEqual([true, true]);
  });

  it('inspect --count with 2 jobs prints what 1 job prints', async () => {
    const input = await cocoFile(dataset(51, { images: 20 }));
    const a = await run(['inspect', input, '--count', '--limit', '7', '--jobs', '1']);
    const b = await run(['inspect', input, '--count', '--limit', '7', '--jobs', '2']);
    expect(a.code).toBe(0);
    expect(b.out).toBe(a.out);
    expect(a.out).toMatch(/20 images, 3 categories, \d+ annotations/);
    const bad = await run(['inspect', input, '--jobs', 'many']);
    expect(bad.code).toBe(1);
  }, 240_000);
});

