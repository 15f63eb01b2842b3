/**
 * A regrouped read's later windows set aside in a scratch file (see gatherWindows in windows.ts).
 * No imports: loaded on first use, where a scratch file is given (the CLI), as a chunk of its own.
 */
import type { ScratchFile } from '@rlekit/core';

/** A window's bytes set aside are written in chunks this large (1 MiB: few syscalls, little held). */
const SPILL_CHUNK = 1 << 20;
/** Chunks written at once, at most: the read waits past this (the writes run on the thread pool). */
const SPILL_WRITES = 8;

/**
 * The later windows of a regrouped read, set aside in a ScratchFile during the one read of the
 * file that fills the first window: each later window's bytes then come back from a region of
 * their own, in one short sequential read, instead of a read of the whole file per window
 * (1.1 GB, `--jobs 2`: four windows a shard, three more reads of 1.1 GB each). Each window's
 * region holds its annotations in the order they came, which is their order in the file.
 */
export class WindowSpill {
  /** Where each annotation set aside (by its index) begins in the scratch file. */
  readonly at: Float64Array;
  private readonly chunk: (Uint8Array | undefined)[] = [];
  private readonly fill: number[] = [];
  /** Where each window's current chunk goes in the scratch file. */
  private readonly pos: number[] = [];
  /** Where each window's region starts. */
  private readonly start: number[] = [];
  private readonly free: Uint8Array[] = [];
  private readonly writing = new Set<Promise<void>>();
  private failed = false;

  private constructor(private readonly scratch: ScratchFile, windowBytes: readonly number[], count: number) {
    this.at = new Float64Array(count);
    // Window 0 is never set aside: the regions of windows 1, 2, ... follow each other from 0.
    for (let w = 0, p = 0; w < windowBytes.length; w++) {
      this.pos.push(p);
      this.start.push(p);
      this.fill.push(0);
      this.chunk.push(undefined);
      if (w > 0) p += windowBytes[w]!;
    }
  }

  /** A spill for windows of these sizes, or undefined where no scratch file opens (the reader then reads its source again). */
  static async open(scratch: () => Promise<ScratchFile>, windowBytes: readonly number[], count: number): Promise<WindowSpill | undefined> {
    try {
      return new WindowSpill(await scratch(), windowBytes, count);
    } catch {
      return undefined;
    }
  }

  /** Sets aside a piece of annotation `k` (window `w` > 0); `at` is where the piece lies in the annotation (its pieces come in order). */
  put(w: number, k: number, piece: Uint8Array, at: number): void {
    if (at === 0) this.at[k] = this.pos[w]! + this.fill[w]!;
    let c = this.chunk[w], f = this.fill[w]!;
    for (let i = 0; i < piece.length;) {
      c ??= this.free.pop() ?? new Uint8Array(SPILL_CHUNK);
      const m = Math.min(piece.length - i, c.length - f);
      c.set(m === piece.length ? piece : piece.subarray(i, i + m), f);
      (f += m, (i += m));
      if (f === c.length) {
        this.write(c, this.pos[w]!, f);
        this.pos[w]! += f;
        (f = 0, (c = undefined));
      }
    }
    this.chunk[w] = c;
    this.fill[w] = f;
  }

  /** A promise to await before the read goes on, while too many chunks are being written. */
  backpressure(): Promise<unknown> | undefined {
    return this.writing.size >= SPILL_WRITES ? Promise.race(this.writing) : undefined;
  }

  /** Writes what is left; false if any write failed (the later windows are then read from the source). */
  async finish(): Promise<boolean> {
    for (let w = 0; w < this.chunk.length; w++) {
      const c = this.chunk[w];
      if (c !== undefined && this.fill[w]! > 0) this.write(c, this.pos[w]!, this.fill[w]!);
      (this.pos[w]! += this.fill[w]!, (this.chunk[w] = undefined), (this.fill[w] = 0));
    }
    while (this.writing.size > 0) await Promise.all(this.writing);
    this.free.length = 0;
    return !this.failed;
  }

  /**
   * Reads window `w`'s region into `into` (its bytes, in the order they were set aside), and
   * points `slot` at each of its annotations there (`items`: the window's). False if short.
   */
  async readWindow(w: number, into: Uint8Array, items: ArrayLike<number>, slot: Float64Array): Promise<boolean> {
    const start = this.start[w]!;
    for (let e = 0; e < items.length; e++) slot[items[e]!] = this.at[items[e]!]! - start;
    return (await this.scratch.read(into, start)) === into.length;
  }

  /** Removes the scratch file (after the writes, which it waits for). */
  async close(): Promise<void> {
    while (this.writing.size > 0) await Promise.allSettled(this.writing);
    await this.scratch.close().catch(() => undefined);
  }

  private write(c: Uint8Array, position: number, bytes: number): void {
    const done: Promise<void> = this.scratch.write(bytes === c.length ? c : c.subarray(0, bytes), position)
      .then(() => void this.free.push(c), () => void (this.failed = true))
      .finally(() => void this.writing.delete(done));
    this.writing.add(done);
  }
}
