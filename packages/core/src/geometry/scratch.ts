/**
 * Reused typed arrays for the transient work of the geometry operations (intervals, labels,
 * vertices): a 480×640 mask needs a dozen small arrays per call, and allocating them costs more
 * than the work. Contents are not cleared between uses. Arrays above 16 MB are not kept.
 */
const KEEP_BYTES = 16 << 20;
const u32: Uint32Array[] = [];
const i32: Int32Array[] = [];

export function scratchU32(slot: number, n: number): Uint32Array {
  const a = u32[slot];
  if (a !== undefined && a.length >= n) return a;
  const b = new Uint32Array(Math.max(n, 256, a === undefined ? 0 : Math.min(2 * a.length, KEEP_BYTES >> 2)));
  if (b.byteLength <= KEEP_BYTES) u32[slot] = b;
  return b;
}

export function scratchI32(slot: number, n: number): Int32Array {
  const a = i32[slot];
  if (a !== undefined && a.length >= n) return a;
  const b = new Int32Array(Math.max(n, 256, a === undefined ? 0 : Math.min(2 * a.length, KEEP_BYTES >> 2)));
  if (b.byteLength <= KEEP_BYTES) i32[slot] = b;
  return b;
}

// Slots: one per array that can be alive at the same time.
export const S = {
  xs: 0, xe: 1, rowStart: 2, bxs: 3, bxe: 4, browStart: 5, vx: 6, vy: 7,
  parent: 0, labels: 1, next: 2, vrun: 3, openL: 4, openR: 5, bparent: 6, seen: 7,
} as const;
