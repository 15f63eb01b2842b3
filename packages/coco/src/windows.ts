/**
 * Regrouping windows (a scattered file read grouped by image holds the annotations of the next
 * images, a window at a time): how large they are, and for `--jobs` their buffers, whose pages a
 * helper thread maps in ahead.
 */
import type { SplitHelpers } from '@rlekit/core';

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
 * Bytes of annotation JSON each of `shards` holds at once. Each window read copies its annotations
 * out of one read of their span, which in a file that scatters images is the whole file: a window
 * as large as one job's for two shards halves those reads (1.1 GB, --jobs 2: 20.0–21.8 s against
 * 20.9–22.2 s, for 0.17 GiB more peak); beyond two shards they share twice one job's budget.
 */
export function shardWindow(regroupBytes: number, shards: number): number {
  return Math.max(16 << 20, Math.min(regroupBytes, Math.floor((2 * regroupBytes) / shards)));
}

/**
 * A helper's piece of planning besides scanning: a write to one byte of each page of the first
 * `bytes[j]` bytes of `touch[j]`, until `stop` (an Int32 flag) is set.
 */
export interface TouchPiece {
  touch: SharedArrayBuffer[];
  bytes: number[];
  stop: SharedArrayBuffer;
}

export const isTouchPiece = (piece: unknown): piece is TouchPiece => typeof piece === 'object' && piece !== null && 'touch' in piece;

const PAGE = 4096;
/** Pages touched between looks at the stop flag (1 MiB: a few ms). */
const PAGES_PER_LOOK = 256;

/**
 * Maps in the pages of a TouchPiece's buffers, until its stop flag is set. Each is an
 * `Atomics.add` of 0: a write, so the kernel maps the page, that changes no byte, so it may run
 * while a reader already fills the buffer.
 */
export function touchPages(piece: TouchPiece): void {
  const stop = new Int32Array(piece.stop);
  for (const [j, buffer] of piece.touch.entries()) {
    const bytes = new Uint8Array(buffer), end = Math.min(bytes.length, piece.bytes[j] ?? 0);
    for (let i = 0; i < end; i += PAGE) {
      if ((i / PAGE) % PAGES_PER_LOOK === 0 && Atomics.load(stop, 0) !== 0) return;
      Atomics.add(bytes, i, 0);
    }
  }
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
export function windowBuffers(size: number, regroupBytes: number, shards: number, helpers: SplitHelpers): WindowBuffers {
  const window = shardWindow(regroupBytes, shards);
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
