/**
 * `--jobs`: a helper thread maps in the pages of the shards' window buffers (windowBuffers in
 * windows.ts) while the main thread plans. No imports: loaded on first use, by a plan piece.
 */

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
