/**
 * Regrouping windows (a scattered file read grouped by image holds the annotations of the next
 * images, a window at a time): how large they are, how a file's are gathered (the later ones set
 * aside in a scratch file, spill.ts), and for `--jobs` their buffers, whose pages a helper thread
 * maps in ahead (touch.ts).
 */
import { RleError, type ByteSource, type ScratchFile, type SplitHelpers } from '@rlekit/core';
import type { TouchPiece } from './touch.js';

/**
 * How a seekable file's annotations of `total` bytes are cut into regrouping windows within
 * `budget` bytes: about a quarter of them each (at least 16 MiB), which balances a window's
 * fresh pages (its buffer, touched once) against reads of its span (one per window, all of the
 * file where it scatters images), in even shares of at most `cap` bytes. The cap passes the
 * budget by 1/16 rather than take one more window for a few bytes: at 1.1 GB, `--jobs 2`'s
 * second shard (537 MB of annotations against 4 × 128 MiB) read the whole file a fifth time.
 * @example
 * ```ts
 * windowShares(537e6, 128 << 20); // → { share: 134250000, cap: 142606336 }: four windows
 * windowShares(10e6, 128 << 20).share; // → 10000000: one window
 * ```
 */
export function windowShares(total: number, budget: number): { share: number; cap: number } {
  const target = Math.min(budget, Math.max(16 << 20, Math.ceil(total / 4)));
  const cap = target + Math.floor(target / 16);
  return { share: Math.ceil(total / Math.max(1, Math.ceil(total / cap))), cap };
}

/**
 * Bytes of annotation JSON each of `shards` holds at once. Where the readers set their later
 * windows aside (`spills`, a scratch file: see WindowSpill) a window costs no read of the file,
 * so the shards share one job's budget (1.1 GB, --jobs 2: windows of 64 MiB took 19.0–19.6 s at
 * 0.84–0.89 GB peak, of 128 MiB 19.1–20.2 s at 0.97–0.99 GB). Otherwise each window read
 * copies its annotations out of one read of their span, which in a file that scatters images is
 * the whole file: a window as large as one job's for two shards halves those reads (1.1 GB,
 * --jobs 2: 20.0–21.8 s against 20.9–22.2 s, for 0.17 GiB more peak); beyond two shards they
 * share twice one job's budget.
 */
export function shardWindow(regroupBytes: number, shards: number, spills = false): number {
  return Math.max(16 << 20, Math.min(regroupBytes, Math.floor(((spills ? 1 : 2) * regroupBytes) / shards)));
}

/** `--jobs`: the shards' window buffers while the plans are made (windowBuffers). */
export interface WindowBuffers {
  buffers: SharedArrayBuffer[];
  /** Queues the touching on the helpers (after their scans: call it once those are queued). */
  queue(): void;
  /** Stops the touching, once the plans are made; resolves when the helpers are free for their shards. */
  stop(): Promise<void>;
}

/**
 * `--jobs`: a window buffer for each shard (its plan's `buffer`), shared with the thread that
 * reads the shard, its pages mapped in by the helper threads while pass 1 still runs on this one.
 * A window's fresh pages cost about 3 ms a MB on this kind of VM (a 134 MB window took 0.39 s
 * to touch), paid when each shard's reader gathers its first window; there both threads paid it
 * at once, after the plan, where a helper thread otherwise waits for the plan (1.1 GB, --jobs 2:
 * 1.5 s). Each buffer holds the largest window (windowShares' cap of the shard's window); the
 * pages touched are a window's share of an even split of the file, which is mostly annotations.
 * Once the plans are made the touching stops (a reader maps in what is left as it fills its
 * window), and `stop` waits for the helpers to be free: a shard's task handed to a busy pool
 * thread waits for this thread's next turn to be passed on (1.5 s at 1.1 GB).
 */
export function windowBuffers(size: number, regroupBytes: number, shards: number, helpers: SplitHelpers, spills = false): WindowBuffers {
  const window = shardWindow(regroupBytes, shards, spills);
  const touched = windowShares(Math.ceil(size / shards), window).share;
  // No window holds more than the file.
  const buffers = Array.from({ length: shards }, () => new SharedArrayBuffer(Math.min(size, window + Math.floor(window / 16))));
  const flag = new SharedArrayBuffer(4);
  let running: Promise<unknown>[] = [];
  return {
    buffers,
    queue() {
      running = buffers.map((b) => helpers.run({ touch: [b], bytes: [Math.min(b.byteLength, touched)], stop: flag } satisfies TouchPiece).catch(() => undefined));
    },
    async stop() {
      Atomics.store(new Int32Array(flag), 0, 1);
      await Promise.all(running);
    },
  };
}

/** A window of a regrouped read, filled (gatherWindows): items `order[from..to)`, each at `slot[item]` in `bytes`. */
export interface GatheredWindow {
  from: number;
  to: number;
  bytes: Uint8Array;
  slot: Float64Array;
}

/**
 * The windows of a regrouped read of a seekable file, filled in turn. `order` lists the items
 * (annotation indices into `offset` and `length`) in the order they are yielded, cut into windows
 * at `ends`. Every window is gathered into one buffer (`buffer` where it is large enough), each
 * window parsed before the next is read. A window's bytes come from one sequential read of the
 * span its items lie in; where those spans would read much more than the later windows' bytes
 * (a file that scatters images: all of it, each time) and a scratch file opens, the first read
 * fills the first window and sets the later ones aside (WindowSpill) instead.
 * Throws an IO error when the file changed since its offsets were taken.
 */
export async function* gatherWindows(source: ByteSource, order: ArrayLike<number>, offset: ArrayLike<number>, length: ArrayLike<number>, ends: readonly number[], buffer?: Uint8Array<ArrayBufferLike>, scratch?: () => Promise<ScratchFile>): AsyncGenerator<GatheredWindow> {
  const changed = (): never => {
    throw new RleError('IO', `${source.name} changed between reads`);
  };
  const n = order.length, count = offset.length;
  // Each item's window and its place in the window's buffer.
  const windowOf = new Uint32Array(count), slot = new Float64Array(count), bytesOf: number[] = [];
  for (let w = 0, e = 0; w < ends.length; w++) {
    let b = 0;
    for (; e < ends[w]!; e++) {
      const i = order[e]!;
      (windowOf[i] = w, (slot[i] = b), (b += length[i]!));
    }
    bytesOf.push(b);
  }
  // The items in file order; and each window's, in file order, in its own piece [from, to).
  const fileOrder = Uint32Array.from(order);
  let increasing = true;
  for (let i = 1; i < count && increasing; i++) increasing = offset[i]! > offset[i - 1]!;
  // Where offsets grow with the index (one job's), a numeric sort of the indices is file order.
  if (increasing) fileOrder.sort();
  else fileOrder.sort((x, y) => offset[x]! - offset[y]!);
  const byWindow = new Uint32Array(n), next = [0, ...ends];
  for (const i of fileOrder) byWindow[next[windowOf[i]!]!++] = i;
  let later = 0, spans = 0;
  for (let w = 1; w < ends.length; w++) {
    const first = byWindow[ends[w - 1]!]!, last = byWindow[ends[w]! - 1]!;
    (later += bytesOf[w]!, (spans += offset[last]! + length[last]! - offset[first]!));
  }
  // The spill's code is loaded only then: a browser, which has no scratch file, never fetches it.
  let spill = scratch !== undefined && spans > 2 * later ? await (await import('./spill.js')).WindowSpill.open(scratch, bytesOf, count) : undefined;
  let window = buffer ?? new Uint8Array(0);
  try {
    for (let w = 0, from = 0; w < ends.length; from = ends[w++]!) {
      const to = ends[w]!;
      if (window.length < bytesOf[w]!) window = new Uint8Array(Math.max(...bytesOf));
      const into = window;
      if (w === 0 && spill !== undefined) {
        const s = spill;
        const ok = await gatherRanges(source, fileOrder, offset, length, (i, piece, at) => {
          const v = windowOf[i]!;
          if (v === 0) into.set(piece, slot[i]! + at);
          else s.put(v, i, piece, at);
        }, () => s.backpressure());
        if (!ok) changed();
        // A write that failed (a full disk): the later windows come from the source after all.
        if (!(await s.finish())) (await s.close(), (spill = undefined));
      } else {
        // A window set aside is read straight into the buffer, in the order it was set aside.
        const ok = w > 0 && spill !== undefined
          ? await spill.readWindow(w, into.subarray(0, bytesOf[w]!), byWindow.subarray(from, to), slot)
          : await gatherRanges(source, byWindow.subarray(from, to), offset, length, (i, piece, at) => into.set(piece, slot[i]! + at));
        if (!ok) changed();
      }
      yield { from, to, bytes: into, slot };
    }
  } finally {
    await spill?.close();
  }
}

/**
 * Hands the bytes of annotations in a seekable file to `put` (annotation, piece, where the piece
 * lies in it: an annotation cut by a chunk's end comes in two pieces, in order): one sequential
 * read of the span `items` (sorted by offset) lie in, through the source's reused buffer, so a
 * piece is copied before the next chunk. `between` may hold the read after a chunk (a spill's
 * writes). False when the file ended early (it changed since pass 1).
 */
async function gatherRanges(source: Pick<ByteSource, 'range'>, items: ArrayLike<number>, offset: ArrayLike<number>, length: ArrayLike<number>, put: (k: number, piece: Uint8Array, at: number) => void, between?: () => Promise<unknown> | undefined): Promise<boolean> {
  const n = items.length;
  if (n === 0) return true;
  let lo = Infinity, hi = 0;
  for (let e = 0; e < n; e++) {
    const k = items[e]!;
    if (offset[k]! < lo) lo = offset[k]!;
    if (offset[k]! + length[k]! > hi) hi = offset[k]! + length[k]!;
  }
  let e = 0, pos = lo;
  for await (const c of source.range!(lo, hi)) {
    const end = pos + c.length;
    while (e < n) {
      const k = items[e]!, s0 = offset[k]!, s1 = s0 + length[k]!;
      if (s0 >= end) break;
      const a = Math.max(s0, pos), b = Math.min(s1, end);
      if (b > a) put(k, c.subarray(a - pos, b - pos), a - s0);
      if (s1 > end) break; // the rest of it comes with the next chunk
      e++;
    }
    pos = end;
    const wait = between?.();
    if (wait !== undefined) await wait;
  }
  return pos === hi && e === n;
}
