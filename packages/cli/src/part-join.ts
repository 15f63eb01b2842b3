/**
 * `--jobs` parts joined while they are written (the target's `joinParts`, core's PartJoin), so the
 * merge is not a serial copy after the last worker. The first part's writer runs on the main
 * thread and its body goes straight into the output; each later part's worker writes a scratch
 * file and reports, by a MessagePort, what it described and how many bytes are on disk; its body
 * is copied into the output as soon as the parts before it are complete, while the worker still
 * writes it. After the last worker only what it wrote since the copy caught up remains.
 *
 * The output is `head` (made from every part's head) + body 0 + between + body 1 + … + closing,
 * written by writeFileAtomic (a temp file renamed at the end: a failing part leaves no output).
 * When the writers' last descriptions say the bodies do not stand as written (COCO ids to
 * renumber), the stream ends with `Rejoin`: the first part is rebuilt as a file from what was
 * written, and the caller merges the parts as before.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { MessagePort } from 'node:worker_threads';
import { concatBytes, RleError, type PartJoin } from '@rlekit/core';

/** The stream's end when the parts must go through the target's `merge` (the first part's file is ready for it). */
export class Rejoin extends Error {
  constructor() {
    super('The parts go through merge');
  }
}

/** A part's own failure is its task's error (the caller reports that): the join only stops. */
export class PartFailed extends Error {}

/**
 * What the worker's side tells the join about its part while it writes (posted on the part's
 * port). Its end is told by the task's result (JobResult: the part's last description and size):
 * the last messages on a port the worker is done with may never arrive.
 */
export type PartMessage = { info: unknown } | { written: number };

interface PartState {
  /** The writer's last description of its part. */
  info?: unknown;
  /** Bytes of the part complete (a worker's: on disk). */
  written: number;
  done: boolean;
  failed: boolean;
}

/** Body bytes of the first part held before the output's head is known (the workers' heads come a moment after they start). */
const HELD_BYTES = 64 << 20;
const READ_BYTES = 4 << 20;

export class LiveJoin {
  private readonly parts: PartState[];
  private waiters: (() => void)[] = [];
  private closed = false;
  // The first part (the main thread's writer): its head and closing kept, its body queued for the output.
  private readonly head0: Uint8Array[] = [];
  private head0Bytes = 0;
  private readonly tail0: Uint8Array[] = [];
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  /** The output stream has reached the first part's body: its writer now waits for each chunk to be written (no copies). */
  private streaming0 = false;
  private temp: string | undefined;
  private readonly ports: MessagePort[] = [];

  constructor(private readonly join: PartJoin, private readonly paths: readonly string[]) {
    this.parts = paths.map(() => ({ written: 0, done: false, failed: false }));
  }

  /** Counts changes: a waiter that looked at the state across an await waits only if nothing changed since. */
  private version = 0;

  private notify(): void {
    this.version++;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The next change, or none to wait for when there was one since `seen` (a version read before the look). */
  private change(seen = this.version): Promise<void> {
    if (seen !== this.version) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  /** Listens to part `j`'s worker. */
  listen(j: number, port: MessagePort): void {
    this.ports.push(port);
    port.on('message', (m: PartMessage) => {
      const p = this.parts[j]!;
      if (p.done) return; // the result said it all
      if ('info' in m) p.info = m.info;
      else p.written = Math.max(p.written, m.written);
      this.notify();
    });
  }

  /**
   * Part `j`'s task ended: failed (its error is the caller's to report, the join stops), or with
   * its writer's last description and its size (a worker's; the first part's sink knows its own).
   */
  settled(j: number, result: { failed: boolean; info?: unknown; written?: number }): void {
    const p = this.parts[j]!;
    if (result.failed) p.failed = true;
    else if (j > 0) {
      p.info = result.info;
      p.written = result.written ?? p.written;
      p.done = true;
    }
    this.notify();
  }

  /** Ends the join (a task failed, planning failed, the output cannot be written): the stream stops, the first part's writer goes on without it. */
  close(): void {
    this.closed = true;
    for (const p of this.ports) p.close();
    this.notify();
  }

  /** writeFileAtomic's temp file (read back for the first part when the parts must be merged). */
  onTemp = (path: string): void => {
    this.temp = path;
  };

  /** The first part's describePart. */
  describe0 = (info: unknown): void => {
    this.parts[0]!.info = info;
  };

  /** The first part's writer: its chunks go to the output (the body) or are kept (head, closing). */
  sink0 = async (chunks: AsyncIterable<Uint8Array>): Promise<number> => {
    const p = this.parts[0]!;
    let at = 0;
    try {
      for await (const c of chunks) {
        const layout = this.join.body(p.info);
        // Writers describe their head before the chunk that ends it: until then a chunk is head.
        const start = layout?.start ?? Infinity, end = layout?.end ?? Infinity;
        if (at < start) {
          const h = c.subarray(0, Math.min(c.length, start - at));
          this.head0.push(h.slice());
          this.head0Bytes += h.length;
          this.notify();
        }
        const b0 = Math.max(start - at, 0), b1 = Math.min(end - at, c.length);
        if (b1 > b0 && !this.closed) {
          const body = c.subarray(b0, b1);
          if (this.streaming0) {
            this.queue.push(body);
            this.notify();
            // Written before the writer goes on (it may reuse its buffer), as writeFileAtomic writes one writer's chunks.
            while (this.queue.length > 0 && !this.closed) await this.change();
          } else {
            this.queue.push(body.slice());
            this.queued += body.length;
            this.notify();
            while (this.queued > HELD_BYTES && !this.streaming0 && !this.closed) await this.change();
          }
        }
        if (c.length - Math.max(end - at, 0) > 0) this.tail0.push(c.slice(Math.max(end - at, 0)));
        at += c.length;
        p.written = at;
      }
    } catch (e) {
      p.failed = true;
      this.notify();
      throw e;
    }
    p.done = true;
    this.notify();
    return at;
  };

  private check(j: number): void {
    if (this.closed) throw new PartFailed('The join was stopped');
    if (this.parts[j]!.failed) throw new PartFailed(`Part ${j} failed`);
  }

  /** Part `j`'s head, once its writer described it and wrote it. */
  private async headOf(j: number): Promise<Uint8Array> {
    const p = this.parts[j]!;
    for (;;) {
      const seen = this.version;
      this.check(j);
      const layout = this.join.body(p.info);
      if (j === 0 && layout !== undefined && this.head0Bytes >= layout.start) return concatBytes(this.head0);
      if (j > 0 && layout !== undefined && p.written >= layout.start) {
        const h = await readRange(this.paths[j]!, 0, layout.start);
        if (h.length === layout.start) return h;
      }
      if (p.done && layout === undefined) throw new Error(`Part ${j}'s writer did not describe its head`);
      await this.change(seen);
    }
  }

  private async *body0(): AsyncGenerator<Uint8Array> {
    const p = this.parts[0]!;
    this.streaming0 = true;
    this.notify();
    for (;;) {
      const seen = this.version;
      while (this.queue.length > 0) {
        yield this.queue[0]!;
        this.queued -= this.queue.shift()!.length;
        this.notify();
      }
      if (p.done && this.queue.length === 0) return;
      this.check(0);
      await this.change(seen);
    }
  }

  private async *bodyOf(j: number): AsyncGenerator<Uint8Array> {
    const p = this.parts[j]!;
    let pos = this.join.body(p.info)!.start;
    const handle = await fs.open(this.paths[j]!, 'r');
    // One buffer: each chunk is written before the next is read.
    const buffer = new Uint8Array(READ_BYTES);
    try {
      for (;;) {
        const seen = this.version;
        const layout = this.join.body(p.info)!;
        const end = layout.end ?? (p.done ? p.written : undefined);
        const ready = Math.min(end ?? Infinity, p.written);
        while (pos < ready) {
          const { bytesRead } = await handle.read(buffer, 0, Math.min(READ_BYTES, ready - pos), pos);
          if (bytesRead === 0) throw new Error(`Part ${j} is shorter than its worker said`);
          pos += bytesRead;
          yield buffer.subarray(0, bytesRead);
        }
        if (end !== undefined && pos >= end) return;
        this.check(j);
        await this.change(seen);
      }
    } finally {
      await handle.close();
    }
  }

  /** The output's bytes, for writeFileAtomic. */
  async *stream(): AsyncGenerator<Uint8Array> {
    try {
      const heads: Uint8Array[] = [];
      for (let j = 0; j < this.parts.length; j++) heads.push(await this.headOf(j));
      const opening = await this.join.open(heads, this.parts.map((p) => p.info));
      yield opening.head;
      let bodies = 0, body0 = 0;
      for (let j = 0; j < this.parts.length; j++) {
        let first = true;
        for await (const c of j === 0 ? this.body0() : this.bodyOf(j)) {
          if (c.length === 0) continue;
          if (first) {
            first = false;
            if (bodies > 0 && opening.between.length > 0) yield opening.between;
            bodies++;
          }
          if (j === 0) body0 += c.length;
          yield c;
        }
      }
      // A part is complete when its task said so, not when its last byte is copied: a task can still
      // fail after that (its result comes after its part's reports), and then there is no output.
      for (let j = 1; j < this.parts.length; j++) {
        for (;;) {
          const seen = this.version;
          this.check(j);
          if (this.parts[j]!.done) break;
          await this.change(seen);
        }
      }
      if (!this.join.accept(this.parts.map((p) => p.info))) {
        // The first part's body is only in the output so far: rebuilt as its part file for the merge.
        await this.rebuild0(opening.head.length, body0);
        throw new Rejoin();
      }
      yield opening.close(bodies);
    } finally {
      this.close();
    }
  }

  private async rebuild0(at: number, length: number): Promise<void> {
    if (this.temp === undefined) throw new Error('The output was not written to a temp file');
    const out = await fs.open(this.paths[0]!, 'w');
    try {
      for (const h of this.head0) await out.write(h);
      // In pieces: the first part's body can be most of a large output.
      for (let o = 0; o < length; o += READ_BYTES) {
        const piece = await readRange(this.temp, at + o, at + Math.min(length, o + READ_BYTES));
        if (piece.length < Math.min(READ_BYTES, length - o)) throw new Error('The output is shorter than what was written to it');
        await out.write(piece);
      }
      for (const t of this.tail0) await out.write(t);
    } finally {
      await out.close();
    }
  }
}

async function readRange(path: string, from: number, to: number): Promise<Uint8Array> {
  const handle = await fs.open(path, 'r');
  try {
    const out = new Uint8Array(to - from);
    let got = 0;
    while (got < out.length) {
      const { bytesRead } = await handle.read(out, got, out.length - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return out.subarray(0, got);
  } finally {
    await handle.close();
  }
}

/**
 * What a worker tells the join of its writer's description while it writes: the description
 * without its typed arrays (COCO's ids, 8 bytes an annotation). The join needs only the layout
 * until the part is done; the whole description crosses once, in the task's result.
 */
export function liveInfo(info: unknown): unknown {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) return info;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(info)) if (!ArrayBuffer.isView(v)) out[k] = v;
  return out;
}

/** The worker's side of a part's descriptions: each posted on its port (see liveInfo). */
export function describeOnPort(port: MessagePort): (info: unknown) => void {
  return (info) => port.postMessage({ info: liveInfo(info) } satisfies PartMessage);
}

/** The worker's side of a part: writes its chunks to the scratch file and tells the join how far it is. */
export async function partSink(path: string, port: MessagePort, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  let handle: FileHandle;
  try {
    handle = await fs.open(path, 'w');
  } catch (e) {
    throw new RleError('IO', `Cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { expected: 'a writable folder for the output and its parts' });
  }
  let at = 0;
  try {
    for await (const c of chunks) {
      await handle.write(c);
      at += c.length;
      port.postMessage({ written: at } satisfies PartMessage);
    }
  } finally {
    await handle.close();
  }
  return at;
}
