/**
 * The --jobs join (part-join.ts) on its own, without worker threads: the first part's chunks come
 * through its sink, a later part is a file another "worker" writes while it reports by a port.
 * Its body must reach the output while it is still being written, a part that fails must leave
 * no output (not even after some of it streamed), and the joined bytes are head + bodies + closing.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { PartJoin } from '@rlekit/core';
import { writeFileAtomic } from '../src/node-sources.js';
import { describeOnPort, LiveJoin, Rejoin, type PartMessage } from '../src/part-join.js';

const dir = mkdtempSync(join(tmpdir(), 'rlekit-join-'));
let serial = 0;
const fresh = (name: string): string => join(dir, `${serial++}-${name}`);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A toy layout: a part is its head line, its body, then `|end`; the output joins heads, bodies by `+`, then `!n` (bodies). */
interface Info { start: number; end?: number; reject?: boolean }
const toy: PartJoin = {
  body: (info) => (info === undefined ? undefined : { start: (info as Info).start, ...((info as Info).end === undefined ? {} : { end: (info as Info).end }) }),
  open: async (heads) => ({ head: enc(heads.map((h) => new TextDecoder().decode(h).trim()).join('/') + '\n'), between: enc('+'), close: (n) => enc(`!${n}`) }),
  accept: (info) => info.every((i) => (i as Info).reject !== true),
};

/** One part's bytes in chunks, and its descriptions as a writer gives them (head first, end before the last chunk). */
function partOf(k: number, body: string, cuts: number[], reject = false): { chunks: Uint8Array[]; head: Info; last: Info; bytes: Uint8Array } {
  const head = `part${k}\n`, text = `${head}${body}|end`;
  const bytes = enc(text);
  const points = [...new Set([head.length, ...cuts.map((c) => head.length + (c % (body.length + 1))), bytes.length])].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  for (let i = 0, at = 0; i < points.length; at = points[i]!, i++) if (points[i]! > at) chunks.push(bytes.subarray(at, points[i]!));
  return { chunks, head: { start: head.length }, last: { start: head.length, end: head.length + enc(body).length, ...(reject ? { reject } : {}) }, bytes };
}

const expected = (bodies: string[]): string => `${bodies.map((_, k) => `part${k}`).join('/')}\n${bodies.filter((b) => b.length > 0).join('+')}!${bodies.filter((b) => b.length > 0).length}`;

/** The first part through the sink: head described before its chunk, the end before the chunk that holds the closing. */
async function* local(live: LiveJoin, p: ReturnType<typeof partOf>): AsyncGenerator<Uint8Array> {
  live.describe0(p.head);
  let at = 0;
  for (const c of p.chunks) {
    if (at + c.length > p.last.end!) live.describe0(p.last);
    at += c.length;
    yield c;
  }
}

/** A later part as a worker writes it: chunk by chunk into its file, each told by its port; `between` runs after each chunk. */
async function worker(path: string, port: MessageChannel['port2'], p: ReturnType<typeof partOf>, between: (k: number) => Promise<void> = async () => {}): Promise<number> {
  const h = await fs.open(path, 'w');
  port.postMessage({ info: p.head } satisfies PartMessage);
  let at = 0;
  try {
    for (const [k, c] of p.chunks.entries()) {
      if (at + c.length > p.last.end!) port.postMessage({ info: p.last } satisfies PartMessage);
      await h.write(c);
      at += c.length;
      port.postMessage({ written: at } satisfies PartMessage);
      await between(k);
    }
  } finally {
    await h.close(); // also when `between` fails the worker (as partSink closes its handle)
  }
  return at;
}

async function joinOf(bodies: string[], cuts: number[][], o: { reject?: number; during?: (k: number, temp: () => string | undefined) => Promise<void>; fail?: number; named?: (out: string) => void } = {}): Promise<{ out: string; result: PromiseSettledResult<number>; paths: string[]; parts: ReturnType<typeof partOf>[] }> {
  const out = fresh('out.txt');
  o.named?.(out);
  const paths = bodies.map((_, k) => fresh(`part${k}`));
  const parts = bodies.map((b, k) => partOf(k, b, cuts[k] ?? [], o.reject === k));
  const live = new LiveJoin(toy, paths);
  let temp: string | undefined;
  const writing = writeFileAtomic(out, live.stream(), { onTemp: (t) => (live.onTemp(t), (temp = t)) });
  const tasks = parts.map(async (p, k) => {
    if (k === 0) {
      await live.sink0(local(live, p));
      return;
    }
    const channel = new MessageChannel();
    live.listen(k, channel.port1);
    try {
      const written = await worker(paths[k]!, channel.port2, p, async (i) => {
        await o.during?.(i, () => temp);
        if (o.fail === k && i === 1) throw new Error('worker failed');
      });
      live.settled(k, { failed: false, info: p.last, written });
    } catch {
      live.settled(k, { failed: true });
    } finally {
      channel.port2.close();
    }
  });
  await Promise.all(tasks);
  const result = (await Promise.allSettled([writing]))[0]!;
  live.close();
  return { out, result, paths, parts };
}

describe('--jobs join while the parts are written', () => {
  it('joined bytes are the heads, the non-empty bodies between their separators, and the closing, however the writers chunk them', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.string({ maxLength: 40 }).map((s) => s.replace(/[\n|]/g, '_')), { minLength: 1, maxLength: 4 }),
      fc.array(fc.array(fc.nat({ max: 60 }), { maxLength: 5 }), { maxLength: 4 }),
      async (bodies, cuts) => {
        const { out, result } = await joinOf(bodies, cuts);
        expect(result.status).toBe('fulfilled');
        expect(readFileSync(out, 'utf8')).toBe(expected(bodies));
      },
    ), { numRuns: 40 });
  });

  it("a later part's body reaches the output while its worker still writes it", async () => {
    const bodies = ['first part body', 'second part, first chunk|' + 'and the rest'.repeat(3)];
    let streamed = false;
    const { out, result } = await joinOf(bodies, [[4], [10]], {
      async during(k, temp) {
        if (k !== 1) return;
        // After the second part's first body chunk: wait (up to 10 s) for it to show in the output's temp file.
        for (let t = 0; t < 1000 && !streamed; t++) {
          const path = temp();
          if (path !== undefined && existsSync(path) && readFileSync(path, 'utf8').includes('second par')) streamed = true;
          else await new Promise((r) => setTimeout(r, 10));
        }
      },
    });
    expect(result.status).toBe('fulfilled');
    expect(streamed).toBe(true);
    expect(readFileSync(out, 'utf8')).toBe(expected(bodies));
  });

  it('a worker that fails after part of its body streamed leaves no output and no temp file', async () => {
    const before = readdirSync(dir).length;
    let streamed = false;
    const { out, result } = await joinOf(['part zero', 'streamed then failed: more and more'], [[3], [12, 20]], {
      fail: 1,
      async during(k, temp) {
        if (k !== 1) return;
        for (let t = 0; t < 1000 && !streamed; t++) {
          const path = temp();
          if (path !== undefined && existsSync(path) && readFileSync(path, 'utf8').includes('streamed the')) streamed = true;
          else await new Promise((r) => setTimeout(r, 10));
        }
      },
    });
    expect(streamed).toBe(true);
    expect(result.status).toBe('rejected');
    expect(existsSync(out)).toBe(false);
    // Only the later part's scratch file remains (the caller removes it; the first part has none), no temp file of the output.
    expect(readdirSync(dir).filter((f) => f.includes(basename(out)))).toEqual([]);
    expect(readdirSync(dir).length).toBe(before + 1);
  });

  it('a worker that fails after its whole part is on disk leaves no output (its failure is the run\'s)', async () => {
    // The last part's bytes are all written and reported, then its task fails: the join must not finish the output.
    let outPath = '';
    const { out, result } = await joinOf(['part zero', 'whole part, then the task failed'], [[3], []], {
      fail: 1,
      async during(k, temp) {
        if (k !== 1) return;
        // The task fails only once the join has copied the part's body (up to 10 s), as a result may come after the part's last report.
        for (let t = 0; t < 1000; t++) {
          const path = temp();
          if (existsSync(outPath) || (path !== undefined && existsSync(path) && readFileSync(path, 'utf8').includes('the task failed'))) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        await new Promise((r) => setTimeout(r, 50));
      },
      named: (o) => (outPath = o),
    });
    expect(result.status).toBe('rejected');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes(basename(out)))).toEqual([]);
  });

  it('a first part that fails stops the join: no output', async () => {
    const out = fresh('out.txt');
    const paths = [fresh('p0'), fresh('p1')];
    const live = new LiveJoin(toy, paths);
    const writing = writeFileAtomic(out, live.stream(), { onTemp: live.onTemp });
    const failing = async function* (): AsyncGenerator<Uint8Array> {
      live.describe0({ start: 6 });
      yield enc('part0\nsome body');
      throw new Error('the reader met a bad annotation');
    };
    await expect(live.sink0(failing())).rejects.toThrow('bad annotation');
    live.settled(0, { failed: true });
    await expect(writing).rejects.toThrow();
    live.close();
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes(basename(out)))).toEqual([]);
  });

  it('the first part rebuilt for the merge is read back from the output in bounded pieces, not as one buffer of its whole body', async () => {
    // A first part of hundreds of MB must not become one allocation of its size when the parts go through the merge.
    const big = 'x'.repeat(9 << 20);
    const bodies = [big, 'one'];
    let largest = 0;
    const open = fs.open.bind(fs);
    const spy = vi.spyOn(fs, 'open').mockImplementation(async (...args: Parameters<typeof fs.open>) => {
      const h = await open(...args);
      const read = h.read.bind(h) as (...a: unknown[]) => Promise<unknown>;
      (h as unknown as { read: unknown }).read = (...a: unknown[]) => {
        if (a[0] instanceof Uint8Array) largest = Math.max(largest, typeof a[2] === 'number' ? a[2] : a[0].length);
        return read(...a);
      };
      return h;
    });
    let joined;
    try {
      joined = await joinOf(bodies, bodies.map(() => [1 << 20, 3 << 20, 5 << 20, 7 << 20]), { reject: 1 });
    } finally {
      spy.mockRestore();
    }
    const { result, paths, parts } = joined;
    expect(result.status === 'rejected' && result.reason instanceof Rejoin).toBe(true);
    expect(readFileSync(paths[0]!).equals(Buffer.from(parts[0]!.bytes))).toBe(true);
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThanOrEqual(4 << 20);
  });

  it('bodies that cannot stand as written end the stream with Rejoin, the first part rebuilt as its file for the merge', async () => {
    const bodies = ['zero body, long enough to be chunked', 'one'];
    const { out, result, paths, parts } = await joinOf(bodies, bodies.map(() => [5, 11, 17]), { reject: 1 });
    expect(result.status === 'rejected' && result.reason instanceof Rejoin).toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(readFileSync(paths[0]!)).toEqual(Buffer.from(parts[0]!.bytes));
  });

  it('a worker tells the join its part\'s layout, not its id list (the ids cross once, in the task\'s result)', async () => {
    const channel = new MessageChannel();
    const got = new Promise<PartMessage>((done) => channel.port1.once('message', done));
    const ids = Float64Array.from({ length: 1000 }, (_, k) => k + 1);
    describeOnPort(channel.port2)({ start: 12, end: 3456, ids });
    const m = await got;
    channel.port1.close();
    expect(m).toEqual({ info: { start: 12, end: 3456 } });
    // The join reads the layout from it as from the whole description.
    const join = (await import('@rlekit/coco')).dialect.joinParts!({})!;
    expect(join.body((m as { info: unknown }).info)).toEqual(join.body({ start: 12, end: 3456, ids }));
  });
});
