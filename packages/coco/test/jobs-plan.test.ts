/**
 * `--jobs` for COCO: one first pass plans every shard (planCocoShards), each shard's reader then
 * takes only its annotations' bytes (readCocoPlanned) and must yield what the shard's own full
 * read yields; the writer describes its part (describePart) so the merge copies byte ranges, and
 * falls back to renumbering where one run would renumber.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { collectDataset, Mask, memoryScratch, RleError, shardDataset, shardRange, type Annotation, type ByteSource, type MaskDataset, type RleWarning, type Shard } from '@rlekit/core';
import { dialect, readCocoStream, writeOptionsSchema } from '../src/index.js';
import { planCocoShards, readCocoPlanned, REGROUP_BYTES, type CocoShardPlan } from '../src/read-stream.js';
import { windowBuffers, windowShares } from '../src/windows.js';
import { isTouchPiece, touchPages, type TouchPiece } from '../src/touch.js';
import { WindowSpill } from '../src/spill.js';
import { writeCocoChunks, type CocoPartInfo } from '../src/write.js';
import { cocoJoin, mergeCoco, spliceHeads } from '../src/merge.js';
import { prng } from '../../core/test/support.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * A seekable source (as a file is) that hands out small chunks of one reused buffer: a reader
 * must copy what it keeps (the `range` contract), and cut annotations across chunk ends.
 */
function seekable(bytes: Uint8Array, log?: [number, number][]): ByteSource {
  return {
    kind: 'bytes', name: 'in.json', size: bytes.length,
    async *stream() {
      for (let i = 0; i < bytes.length; i += 13) yield bytes.slice(i, i + 13);
    },
    async *range(start: number, end: number) {
      log?.push([start, end]);
      const buffer = new Uint8Array(11);
      for (let at = start; at < end; at += buffer.length) {
        const n = Math.min(buffer.length, end - at);
        buffer.set(bytes.subarray(at, at + n));
        yield buffer.subarray(0, n);
        buffer.fill(0x7b); // what a stale chunk would hold: a reader that kept the view reads garbage
      }
    },
  };
}


/**
 * A COCO instances file: non-square images, RLE and polygon masks (foreground at the first and
 * last pixel, empty and full ones), annotations scattered over the images or in image order, a
 * category the list lacks, an annotation without a mask, and, if asked, ids that repeat.
 */
function cocoText(seed: number, o: { inOrder: boolean; repeatIds: boolean }): string {
  const rand = prng(seed);
  const n = 1 + Math.floor(rand() * 9);
  const images = Array.from({ length: n }, (_, i) => ({ id: i + 1, file_name: `im${i}.png`, height: 3 + (i % 4), width: 5 + (i % 3) }));
  const annotations: Record<string, unknown>[] = [];
  const count = Math.floor(rand() * 5 * n);
  for (let k = 0; k < count; k++) {
    const im = images[Math.floor(rand() * n)]!;
    const px = im.height * im.width;
    const bits = new Uint8Array(px);
    const kind = rand();
    if (kind < 0.15) bits.fill(1);
    else if (kind < 0.3) (bits[0] = 1, (bits[px - 1] = 1));
    else if (kind > 0.4) for (let i = 0; i < px; i++) bits[i] = rand() < 0.4 ? 1 : 0;
    const mask = Mask.fromBitmap(bits, { height: im.height, width: im.width });
    const rle = { size: [im.height, im.width], counts: Array.from(mask.runsView('col')) };
    const segmentation = rand() < 0.3 ? [[0.5, 0.5, im.width - 0.5, 0.5, im.width - 0.5, im.height - 0.5]] : rand() < 0.1 ? null : rle;
    annotations.push({ id: o.repeatIds && rand() < 0.3 ? 1 + Math.floor(rand() * 3) : 1000 - k, image_id: im.id, category_id: rand() < 0.1 ? 9 : 1 + Math.floor(rand() * 2), segmentation, iscrowd: rand() < 0.1 ? 1 : 0, ...(rand() < 0.2 ? { note: `a "quoted" }, { note ${k}` } : {}) });
  }
  if (o.inOrder) annotations.sort((a, b) => (a.image_id as number) - (b.image_id as number));
  const doc = { info: { seed }, images, categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog', supercategory: 'animal' }], annotations };
  return JSON.stringify(doc, null, seed % 3);
}

/** An annotation as text that says everything it holds (the mask by its runs). */
const describeAnnotation = (a: Annotation): string => JSON.stringify({ ...a, mask: [a.mask.height, a.mask.width, Array.from(a.mask.runsView('col'))] });

async function collect(stream: AsyncIterable<Annotation>): Promise<string[]> {
  const out: string[] = [];
  for await (const a of stream) out.push(describeAnnotation(a));
  return out;
}

const shardsOf = (count: number): Shard[] => Array.from({ length: count }, (_, index) => ({ index, count }));

describe('COCO regrouping windows of a seekable file', () => {
  it('copies each window by the offsets pass 1 found (one scan of the file, reads by range) and yields what the scanning read yields', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 400 }), async (seed, budget) => {
      const bytes = enc(cocoText(seed, { inOrder: false, repeatIds: seed % 2 === 0 }));
      const ranges: [number, number][] = [];
      let scans = 0;
      const file = seekable(bytes, ranges);
      const counted: ByteSource = { ...file, stream: () => (scans++, file.stream()) };
      const wSeek: RleWarning[] = [], wScan: RleWarning[] = [];
      const seek = await readCocoStream(counted, 'auto', (w) => wSeek.push(w), true, budget);
      // The same bytes from a source that cannot seek: every window scans the file again.
      const plain: ByteSource = { kind: 'bytes', name: 'in.json', size: bytes.length, stream: file.stream };
      const scan = await readCocoStream(plain, 'auto', (w) => wScan.push(w), true, budget);
      expect(await collect(seek.annotations)).toEqual(await collect(scan.annotations));
      expect(wSeek).toEqual(wScan);
      expect(seek.inImageOrder).toBe(scan.inImageOrder);
      // Pass 1 is the only scan (through range, the file's reused buffer, not stream); then windows were read by range.
      expect(scans).toBe(0);
      expect(ranges.filter(([lo, hi]) => lo === 0 && hi === bytes.length)).toHaveLength(1);
      const total = (await readCocoStream(plain, 'auto', () => {}, false)).images.length;
      if (total > 0 && ranges.length > 0) for (const [lo, hi] of ranges) expect(0 <= lo && lo < hi && hi <= bytes.length).toBe(true);
    }), { numRuns: 60 });
  });

  it('cuts a shard into even windows within its budget and 1/16 more, never one more window for a few bytes', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4e9 }), fc.integer({ min: 1, max: 1 << 30 }), (total, budget) => {
      const { share, cap } = windowShares(total, budget);
      const target = Math.min(budget, Math.max(16 << 20, Math.ceil(total / 4)));
      expect(cap).toBe(target + Math.floor(target / 16));
      // The shares are even (the last at most one share) and each within the cap.
      expect(share).toBeLessThanOrEqual(cap);
      const windows = Math.ceil(total / share);
      expect(windows).toBe(Math.max(1, Math.ceil(total / cap)));
      // Only a budget below a quarter of the bytes makes more than four windows; none from a budget
      // that just misses (as 537 MB against 4 × 128 MiB did).
      if (budget >= total / 4 || total <= 4 * (cap - 1)) expect(windows).toBeLessThanOrEqual(4);
    }));
    expect(Math.ceil(537e6 / windowShares(537e6, REGROUP_BYTES).share)).toBe(4);
    // One more window from 1/16 over four budgets' bytes.
    expect(Math.ceil(4.3e9 / windowShares(4.3e9, 1e9).share)).toBe(5);
  });

  it('a file cut short since pass 1 is an IO error, not a wrong read', async () => {
    const annotations = [2, 1, 2].map((image, k) => ({ id: k + 1, image_id: image, segmentation: { size: [2, 3], counts: [1, 2, 3] } }));
    const bytes = enc(JSON.stringify({ images: [{ id: 1, height: 2, width: 3 }, { id: 2, height: 2, width: 3 }], annotations }));
    const file = seekable(bytes);
    // Pass 1 reads the whole file (its first range); every read after it finds the file a byte shorter.
    let reads = 0;
    const cut: ByteSource = { ...file, async *range(start: number, end: number) { yield bytes.slice(start, reads++ === 0 ? end : Math.max(start, end - 1)); } };
    const s = await readCocoStream(cut, 'auto', () => {}, true, 16);
    await expect(collect(s.annotations)).rejects.toMatchObject({ code: 'IO' });
  });
});

describe('COCO --jobs plans', () => {
  it('each planned shard yields what its own full read yields: annotations, order, images, categories and warnings', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 4 }), fc.boolean(), async (seed, inOrder, groupByImage, count, small) => {
      const bytes = enc(cocoText(seed, { inOrder, repeatIds: false }));
      const shards = shardsOf(count);
      const plans = (await planCocoShards(seekable(bytes), 'auto', groupByImage, shards))!;
      expect(plans).toHaveLength(count);
      for (const [j, shard] of shards.entries()) {
        // A small window: the shard is read in several windows, each held alone.
        const plan: CocoShardPlan = small ? { ...plans[j]!, window: 64 } : plans[j]!;
        const wOwn: RleWarning[] = [], wPlan: RleWarning[] = [];
        const own = await readCocoStream(seekable(bytes), 'auto', (w) => wOwn.push(w), groupByImage, REGROUP_BYTES, shard);
        const planned = readCocoPlanned(seekable(bytes), plan, (w) => wPlan.push(w));
        // A later shard's plan holds its own images only (when the shards split the annotations by
        // image); through shardDataset, as convert takes it, it is the shard of one run's read.
        const [from, to] = shardRange(shard, own.images.length);
        if (j > 0 && plan.inImageOrder) {
          expect(plan.cut).toEqual(shard);
          expect(planned.images).toEqual(own.images.slice(from, to));
        } else {
          expect(plan.cut).toBeUndefined();
          expect(planned.images).toEqual(own.images);
        }
        const plannedShard = shardDataset(planned, shard), ownShard = shardDataset(own, shard);
        expect(plannedShard.images).toEqual(ownShard.images);
        expect(planned.categories).toEqual(own.categories);
        expect(await collect(plannedShard.annotations as AsyncIterable<Annotation>)).toEqual(await collect(ownShard.annotations as AsyncIterable<Annotation>));
        // One run reports categories missing from the list once: the first shard says it.
        const missing = (w: RleWarning): boolean => w.code === 'missing-category';
        expect(wPlan.filter((w) => !missing(w))).toEqual(wOwn.filter((w) => !missing(w)));
        expect(wPlan.filter(missing)).toEqual(j === 0 ? wOwn.filter(missing) : []);
      }
    }), { numRuns: 40 });
  });

  it('a results file: each shard numbers its masks where one run would (ids 1, 2, … in read order)', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), async (seed, count, groupByImage) => {
      const rand = prng(seed);
      const results = Array.from({ length: 1 + Math.floor(rand() * 30) }, (_, k) => {
        const image = 1 + Math.floor(rand() * 6), h = 2 + (image % 3), w = h + 2;
        return { image_id: image, category_id: 1 + (k % 2), score: 0.5, segmentation: rand() < 0.15 ? null : { size: [h, w], counts: [k % 3, 1, h * w - 1 - (k % 3)] } };
      });
      const bytes = enc(JSON.stringify(results));
      const whole = await collect((await readCocoStream(seekable(bytes), 'auto', () => {}, groupByImage)).annotations);
      const plans = (await planCocoShards(seekable(bytes), 'auto', groupByImage, shardsOf(count)))!;
      const joined: string[] = [], own: string[] = [];
      for (const [j, p] of plans.entries()) {
        // As convert takes a shard: the reader's annotations, then core's shardDataset keeps the shard's.
        const shard = { index: j, count };
        joined.push(...await collect(shardDataset(readCocoPlanned(seekable(bytes), p), shard).annotations as AsyncIterable<Annotation>));
        own.push(...await collect(shardDataset(await readCocoStream(seekable(bytes), 'auto', () => {}, groupByImage, REGROUP_BYTES, shard), shard).annotations as AsyncIterable<Annotation>));
      }
      // Grouped by image the shards are consecutive pieces of one read; in file order (not image
      // order) they are not, and only writers that group by image take them: the same masks and ids.
      const order = (a: string[]): string[] => (groupByImage ? a : [...a].sort());
      expect(order(joined)).toEqual(order(whole));
      expect(order(own)).toEqual(order(whole));
    }), { numRuns: 40 });
  });

  it('the shards together yield the annotations of one read, each once', async () => {
    let seed = 7, bytes: Uint8Array, whole: string[];
    // The first seed from 7 whose file has a few annotations.
    do (bytes = enc(cocoText(seed++, { inOrder: false, repeatIds: false })), (whole = await collect((await readCocoStream(seekable(bytes))).annotations)));
    while (whole.length <= 5);
    const plans = (await planCocoShards(seekable(bytes), 'auto', true, shardsOf(3)))!;
    const joined: string[] = [];
    for (const p of plans) joined.push(...await collect(readCocoPlanned(seekable(bytes), p).annotations));
    expect(joined).toEqual(whole);
  });

  it('a shard holds at most its window of annotation bytes: a small window reads the file in several spans', async () => {
    const bytes = enc(cocoText(11, { inOrder: true, repeatIds: false }));
    const [plan] = (await planCocoShards(seekable(bytes), 'auto', true, shardsOf(1)))!;
    const total = plan!.length.reduce((t, l) => t + l, 0);
    const log: [number, number][] = [];
    const got = await collect(readCocoPlanned(seekable(bytes, log), { ...plan!, window: 256 }).annotations);
    expect(got).toEqual(await collect((await readCocoStream(seekable(bytes))).annotations));
    expect(log.length).toBeGreaterThanOrEqual(Math.floor(total / 256));
    // In image order, a window's span is just its annotations (and the commas between them).
    for (const [s, e] of log) expect(e - s).toBeLessThan(256 + 2 * Math.max(...plan!.length));
  });

  it('a shard whose windows are set aside in a scratch file reads the same, and reads the file once; stopping early closes the scratch', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 16, max: 256 }), async (seed, count, window) => {
      const bytes = enc(cocoText(seed, { inOrder: false, repeatIds: false }));
      const plans = (await planCocoShards(seekable(bytes), 'auto', true, shardsOf(count)))!;
      for (const plan of plans) {
        const want = await collect(readCocoPlanned(seekable(bytes), { ...plan, window }).annotations);
        const log: [number, number][] = [];
        let opened = 0, closed = 0;
        const scratch = async () => {
          opened++;
          const m = memoryScratch();
          return { ...m, close: async () => void closed++ };
        };
        expect(await collect(readCocoPlanned(seekable(bytes, log), { ...plan, window }, () => {}, 'col', scratch).annotations)).toEqual(want);
        if (opened > 0) expect(log).toHaveLength(1);
        expect(closed).toBe(opened);
        // Stopped after the first annotation: the scratch is closed all the same.
        const it = readCocoPlanned(seekable(bytes), { ...plan, window }, () => {}, 'col', scratch).annotations[Symbol.asyncIterator]();
        if ((await it.next()).done !== true) await it.return!();
        expect(closed).toBe(opened);
      }
    }), { numRuns: 60 });
  });

  it('a spill keeps each window\'s pieces in order in its own region, across its 1 MiB chunks, and reads a window back whole', async () => {
    const rand = prng(5);
    // Three later windows; items of up to 2.5 MiB, each given in up to three pieces, interleaved.
    const items = Array.from({ length: 30 }, (_, i) => ({ w: 1 + (i % 3), bytes: Uint8Array.from({ length: 1 + Math.floor(rand() * 2.5 * 2 ** 20) }, () => Math.floor(rand() * 256)) }));
    const bytesOf = [0, 0, 0, 0];
    for (const it of items) bytesOf[it.w]! += it.bytes.length;
    const m = memoryScratch();
    const spill = (await WindowSpill.open(async () => m, bytesOf, items.length))!;
    for (const [k, it] of items.entries()) {
      const cut1 = Math.floor(rand() * it.bytes.length), cut2 = cut1 + Math.floor(rand() * (it.bytes.length - cut1));
      for (const [a, b] of [[0, cut1], [cut1, cut2], [cut2, it.bytes.length]] as const) if (b > a || a === 0) spill.put(it.w, k, it.bytes.subarray(a, b), a);
      await spill.backpressure();
    }
    expect(await spill.finish()).toBe(true);
    // Each window read back: its region, each item where the slot says.
    for (const w of [1, 2, 3]) {
      const mine = [...items.keys()].filter((k) => items[k]!.w === w);
      const into = new Uint8Array(bytesOf[w]!), slot = new Float64Array(items.length);
      expect(await spill.readWindow(w, into, mine, slot)).toBe(true);
      for (const k of mine) expect(Buffer.compare(into.subarray(slot[k]!, slot[k]! + items[k]!.bytes.length), items[k]!.bytes)).toBe(0);
    }
    // Window 1's region starts at 0, each later one where the one before ends.
    expect(spill.at[0]).toBe(0);
    expect(spill.at[1]).toBe(bytesOf[1]);
    expect(spill.at[2]).toBe(bytesOf[1]! + bytesOf[2]!);
    await spill.close();
  });

  it("a plan's shared buffer takes its windows: stale bytes in it, or a buffer too small for them, change nothing read", async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 600 }), fc.integer({ min: 16, max: 256 }), async (seed, count, bufferBytes, window) => {
      const bytes = enc(cocoText(seed, { inOrder: false, repeatIds: false }));
      const plans = (await planCocoShards(seekable(bytes), 'auto', true, shardsOf(count)))!;
      for (const plan of plans) {
        const buffer = new SharedArrayBuffer(bufferBytes);
        new Uint8Array(buffer).fill(0x7b); // `{`: stale bytes that parse as nothing
        const want = await collect(readCocoPlanned(seekable(bytes), { ...plan, window }).annotations);
        expect(await collect(readCocoPlanned(seekable(bytes), { ...plan, window, buffer }).annotations)).toEqual(want);
      }
    }), { numRuns: 60 });
  });

  it('a helper maps in the window buffers while pass 1 runs: one piece per shard, queued behind its scans, that changes no byte', async () => {
    const pieces: TouchPiece[] = [];
    const recorder = { count: 1, run: async (piece: unknown) => void pieces.push(piece as TouchPiece) };
    const windows = windowBuffers(1.1e9, REGROUP_BYTES, 2, recorder);
    // Each holds the largest window of its shard (the cap of one job's window), none more than the file.
    expect(windows.buffers.map((b) => b.byteLength)).toEqual([REGROUP_BYTES + REGROUP_BYTES / 16, REGROUP_BYTES + REGROUP_BYTES / 16]);
    expect(pieces).toHaveLength(0); // queued only once the scans are
    windows.queue();
    expect(pieces.map((p) => p.bytes[0])).toEqual([windowShares(5.5e8, REGROUP_BYTES).share, windowShares(5.5e8, REGROUP_BYTES).share]);
    await windows.stop();
    expect(new Int32Array(pieces[0]!.stop)[0]).toBe(1);
    expect(windowBuffers(1000, REGROUP_BYTES, 3, recorder).buffers.map((b) => b.byteLength)).toEqual([1000, 1000, 1000]);
    // Touching changes no byte, whatever a reader wrote there meanwhile.
    const buffer = new SharedArrayBuffer(3 * 4096 + 5), view = new Uint8Array(buffer);
    for (let i = 0; i < view.length; i++) view[i] = (i * 31 + 7) & 0xff;
    const before = view.slice();
    touchPages({ touch: [buffer], bytes: [view.length], stop: new SharedArrayBuffer(4) });
    expect(view).toEqual(before);
    // Planned with a helper: the plans carry the buffers, and the touch pieces came after the scans.
    const text = cocoText(7, { inOrder: false, repeatIds: false });
    const ran: string[] = [];
    let stop: SharedArrayBuffer | undefined;
    const helpers = {
      count: 1, minBytes: 1, headStart: 0, guesses: [Math.floor(text.length / 2)],
      run: async (piece: unknown) => {
        ran.push(isTouchPiece(piece) ? 'touch' : 'scan');
        if (isTouchPiece(piece)) stop = piece.stop;
        return dialect.planPiece!(seekable(enc(text)), piece);
      },
    };
    const plans = (await planCocoShards(seekable(enc(text)), 'auto', true, shardsOf(2), helpers))!;
    expect(plans.map((p) => p.buffer instanceof SharedArrayBuffer)).toEqual([true, true]);
    expect(ran[0]).toBe('scan');
    expect(ran.filter((r) => r === 'touch')).toHaveLength(2);
    // The plans made, the touching stops: the shards' readers map in what is left themselves.
    expect(new Int32Array(stop!)[0]).toBe(1);
  });

  it('touching stops at the flag: no page past the next look at it', () => {
    const buffer = new SharedArrayBuffer(4096 * 1024), stop = new SharedArrayBuffer(4);
    Atomics.store(new Int32Array(stop), 0, 1);
    // Set before it starts: nothing touched (counted by wrapping Atomics.add).
    let adds = 0;
    const add = Atomics.add;
    Atomics.add = ((...a: Parameters<typeof Atomics.add>) => (adds++, add(...a))) as typeof Atomics.add;
    try {
      touchPages({ touch: [buffer], bytes: [buffer.byteLength], stop });
      expect(adds).toBe(0);
      Atomics.store(new Int32Array(stop), 0, 0);
      touchPages({ touch: [buffer], bytes: [buffer.byteLength], stop });
      expect(adds).toBe(1024);
    } finally {
      Atomics.add = add;
    }
  });

  it('a plan holds offsets, not the file: a few typed arrays the size of the annotation count', async () => {
    const bytes = enc(cocoText(5, { inOrder: false, repeatIds: false }));
    const [plan] = (await planCocoShards(seekable(bytes), 'auto', true, shardsOf(1)))!;
    expect(plan!.index.byteLength + plan!.offset.byteLength + plan!.length.byteLength).toBe(plan!.index.length * 16);
    expect(Object.values(plan!).some((v) => v instanceof Uint8Array)).toBe(false);
  });

  it('a file that changed since it was planned is an IO error, not a wrong read', async () => {
    const bytes = enc(cocoText(3, { inOrder: false, repeatIds: false }));
    const [plan] = (await planCocoShards(seekable(bytes), 'auto', true, shardsOf(1)))!;
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    longer[bytes.length] = 0x20;
    await expect((async () => collect(readCocoPlanned(seekable(longer), plan!).annotations))()).rejects.toMatchObject({ code: 'IO' });
    const cut = { ...seekable(bytes), async *range(start: number, end: number) { yield bytes.slice(start, Math.max(start, end - 1)); } };
    await expect(collect(readCocoPlanned(cut, plan!).annotations)).rejects.toMatchObject({ code: 'IO' });
  });

  it('a bad annotation is the RleError (code, path, offset) its full read throws', async () => {
    const text = cocoText(13, { inOrder: true, repeatIds: false });
    const doc = JSON.parse(text) as { annotations: { segmentation: unknown }[] };
    expect(doc.annotations.length).toBeGreaterThan(2);
    doc.annotations[doc.annotations.length - 1]!.segmentation = { size: [3, 5], counts: 'not a count {' };
    const bytes = enc(JSON.stringify(doc));
    const plans = (await planCocoShards(seekable(bytes), 'auto', true, shardsOf(2)))!;
    const fault = async (p: Promise<unknown>): Promise<RleError> => p.then(() => { throw new Error('no error'); }, (e: unknown) => e as RleError);
    const own = await fault(collect((await readCocoStream(seekable(bytes), 'auto', () => {}, true, REGROUP_BYTES, { index: 1, count: 2 })).annotations));
    const planned = await fault(collect(readCocoPlanned(seekable(bytes), plans[1]!).annotations));
    expect(own).toBeInstanceOf(RleError);
    expect([planned.code, planned.path, planned.offset, planned.message]).toEqual([own.code, own.path, own.offset, own.message]);
  });

  it('the dialect plans only what a worker can read by offsets (a file with a size, no recover hook)', async () => {
    const bytes = enc(cocoText(2, { inOrder: true, repeatIds: false }));
    expect(await dialect.planShards!(seekable(bytes), {}, shardsOf(2))).toHaveLength(2);
    expect(await dialect.planShards!(bytes, {}, shardsOf(2))).toBeUndefined();
    expect(await dialect.planShards!({ kind: 'bytes', name: 'pipe', async *stream() { yield bytes; } }, {}, shardsOf(2))).toBeUndefined();
    expect(await dialect.planShards!(seekable(bytes), {}, shardsOf(2), { warn: () => {}, recover: () => {} })).toBeUndefined();
  });
});

describe('COCO --jobs merge by the ranges the writer describes', () => {
  /** One run's bytes, and the shards' parts written with their descriptions. */
  async function partsOf(text: string, count: number): Promise<{ one: Buffer; parts: Buffer[]; info: CocoPartInfo[] }> {
    const bytes = enc(text);
    const options = writeOptionsSchema.parse({});
    const write = async (d: MaskDataset | Awaited<ReturnType<typeof readCocoStream>>, shard?: Shard, describe?: (p: CocoPartInfo) => void): Promise<Buffer> => {
      const chunks: Uint8Array[] = [];
      for await (const c of writeCocoChunks(d, options, () => {}, shard, describe)) chunks.push(c);
      return Buffer.concat(chunks);
    };
    const one = await write(await readCocoStream(seekable(bytes)));
    const parts: Buffer[] = [], info: CocoPartInfo[] = [];
    for (const shard of shardsOf(count)) {
      const d = shardDataset(await readCocoStream(seekable(bytes), 'auto', () => {}, true, REGROUP_BYTES, shard), shard, { requireImageOrder: true });
      // The writer describes its head first, then the whole part: the last description is the part's.
      let last: CocoPartInfo | undefined;
      parts.push(await write(d, shard, (p) => (last = p)));
      info.push(last!);
    }
    return { one, parts, info };
  }
  const sources = (parts: Buffer[]): ByteSource[] => parts.map((p, k) => ({ kind: 'bytes', name: `part${k}`, size: p.length, async *stream() { for (let i = 0; i < p.length; i += 17) yield p.subarray(i, i + 17); } }));
  const merged = async (parts: Buffer[], partInfo?: unknown[]): Promise<Buffer> => {
    const out: Uint8Array[] = [];
    for await (const c of mergeCoco(sources(parts), { ownParts: true, ...(partInfo ? { partInfo } : {}) })) out.push(c);
    return Buffer.concat(out);
  };

  it('parts merged by their described ranges are the bytes of one run', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 4 }), async (seed, count) => {
      const { one, parts, info } = await partsOf(cocoText(seed, { inOrder: false, repeatIds: false }), count);
      expect(info).toHaveLength(count);
      expect((await merged(parts, info)).equals(one)).toBe(true);
    }), { numRuns: 30 });
  });

  it('the ranges are what the merge copies (shifted ranges give other bytes)', async () => {
    const { one, parts, info } = await partsOf(cocoText(21, { inOrder: false, repeatIds: false }), 2);
    const body = info.findIndex((p) => p.end! > p.start);
    expect(body).toBeGreaterThanOrEqual(0);
    const shifted = info.map((p, k) => (k === body ? { ...p, end: p.end! - 1 } : p));
    expect((await merged(parts, shifted)).equals(one)).toBe(false);
  });

  it('ids one run renumbers (repeated within or across parts) are merged as one run numbers them, not copied', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 4 }), async (seed, count) => {
      const { one, parts, info } = await partsOf(cocoText(seed, { inOrder: false, repeatIds: true }), count);
      expect((await merged(parts, info)).equals(one)).toBe(true);
    }), { numRuns: 30 });
    // Each part alone renumbers nothing, but the same id is in two parts: one run renumbers the second.
    const doc = { images: [{ id: 1, height: 2, width: 3 }, { id: 2, height: 2, width: 3 }], categories: [], annotations: [1, 2].map((im) => ({ id: 5, image_id: im, segmentation: { size: [2, 3], counts: [0, 6] } })) };
    const { one, parts, info } = await partsOf(JSON.stringify(doc), 2);
    expect(info.every((p) => p.renumbered !== true)).toBe(true);
    expect(JSON.parse(one.toString()).annotations.map((a: { id: number }) => a.id)).toEqual([5, 6]);
    expect((await merged(parts, info)).equals(one)).toBe(true);
  });

  it("a join splices the parts' heads by the layouts their writer describes: the head one run writes, as mergeHeads makes it", async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 6 }), async (seed, count) => {
      // Multi-byte text before and inside the images (byte offsets, not string offsets), top-level fields, and parts without images.
      const doc = JSON.parse(cocoText(seed, { inOrder: false, repeatIds: false })) as { images: { file_name: string }[] } & Record<string, unknown>;
      doc.info = { description: 'Ünïcødé 🐱', year: 2026 };
      doc.licenses = [{ id: 1, name: 'CC ✓' }];
      doc.images.forEach((im, i) => (im.file_name = i % 2 ? `é🐱${i}.png` : im.file_name));
      const { one, parts, info } = await partsOf(JSON.stringify(doc), count);
      const heads = parts.map((p, k) => p.subarray(0, info[k]!.start));
      const oneHead = one.subarray(0, one.indexOf('"annotations": [') + '"annotations": ['.length);
      for (const shardPart of [false, true]) {
        const spliced = spliceHeads(heads, info, shardPart);
        expect(spliced).toBeDefined();
        const parsed = await cocoJoin(shardPart).open(heads);
        expect(Buffer.from(spliced!).equals(Buffer.from(parsed.head))).toBe(true);
        expect(Buffer.from((await cocoJoin(shardPart).open(heads, info)).head).equals(Buffer.from(parsed.head))).toBe(true);
      }
      expect(Buffer.from(spliceHeads(heads, info, false)!).equals(oneHead)).toBe(true);
    }), { numRuns: 30 });
    // Parts that differ outside their images are left to mergeHeads, which says how.
    const { parts, info } = await partsOf(cocoText(5, { inOrder: false, repeatIds: false }), 2);
    const heads = parts.map((p, k) => p.subarray(0, info[k]!.start));
    const other = Buffer.from(heads[1]!);
    other[other.length - 3] = 0x20;
    expect(spliceHeads([heads[0]!, other], info, false)).toBeUndefined();
    expect(spliceHeads(heads, [info[0]!, { start: info[1]!.start }], false)).toBeUndefined();
  });

  it('a results file (a list of detections) merges by its ranges too', async () => {
    const bytes = enc(cocoText(9, { inOrder: true, repeatIds: false }));
    const options = writeOptionsSchema.parse({ format: 'results' });
    const collectBytes = async (it: AsyncIterable<Uint8Array>): Promise<Buffer> => {
      const chunks: Uint8Array[] = [];
      for await (const c of it) chunks.push(c);
      return Buffer.concat(chunks);
    };
    const whole = await collectDataset(await readCocoStream(seekable(bytes)));
    const one = await collectBytes(writeCocoChunks(whole, options, () => {}));
    const parts: Buffer[] = [], info: CocoPartInfo[] = [];
    for (const shard of shardsOf(3)) {
      const d = shardDataset(await readCocoStream(seekable(bytes), 'auto', () => {}, true, REGROUP_BYTES, shard), shard, { requireImageOrder: true });
      let last: CocoPartInfo | undefined;
      parts.push(await collectBytes(writeCocoChunks(d, options, () => {}, shard, (p) => (last = p))));
      info.push(last!);
    }
    expect(info).toHaveLength(3);
    expect((await merged(parts, info)).equals(one)).toBe(true);
  });
});
