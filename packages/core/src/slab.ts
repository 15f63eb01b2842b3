/**
 * Small typed arrays carved out of shared blocks. V8 keeps a typed array of more than 64 bytes
 * outside its heap: each one is a calloc, an ArrayBuffer to track and sweep, and external memory
 * that brings the next GC forward — about 1 µs for a 300-run mask, against 50 ns for a view of a
 * block. A COCO read makes a run array per polygon and a coordinate array per ring, a million of
 * each on a large file. A block is freed when every view of it is; a view that outlives the rest
 * keeps at most one block (64 KiB) alive. `structuredClone` or `postMessage` of a view copies its
 * whole block: clone `slice()` of it instead (nothing in rlekit sends runs between threads).
 */
const BLOCK_BYTES = 64 * 1024;
// Larger arrays get their own buffer: a block is for many small ones.
const MAX_CARVE_BYTES = 4 * 1024;

let u32Block = new Uint32Array(BLOCK_BYTES >> 2);
let u32At = 0;
let f64Block = new Float64Array(BLOCK_BYTES >> 3);
let f64At = 0;

/**
 * A copy of `src[0, n)` as a Uint32Array, carved from a shared block when small.
 * @example
 * ```ts
 * Array.from(copyU32(Uint32Array.of(3, 1, 4, 1), 3)); // → [3, 1, 4]
 * ```
 */
export function copyU32(src: Uint32Array, n: number): Uint32Array {
  if (n << 2 > MAX_CARVE_BYTES) return src.slice(0, n);
  if (u32At + n > u32Block.length) (u32Block = new Uint32Array(BLOCK_BYTES >> 2), (u32At = 0));
  const out = u32Block.subarray(u32At, u32At + n);
  // Views start on 8-byte boundaries, so a 64-bit reader of runs (byteOffset % 8) finds them as it found fresh arrays.
  u32At += n + (n & 1);
  for (let j = 0; j < n; j++) out[j] = src[j]!;
  return out;
}

/**
 * A zero-filled Uint32Array of `n` values for the caller to fill, carved from a shared block when
 * small (as copyU32, without a source to copy).
 * @example
 * ```ts
 * allocU32(3).length; // → 3
 * ```
 */
export function allocU32(n: number): Uint32Array {
  if (n << 2 > MAX_CARVE_BYTES) return new Uint32Array(n);
  if (u32At + n > u32Block.length) (u32Block = new Uint32Array(BLOCK_BYTES >> 2), (u32At = 0));
  const out = u32Block.subarray(u32At, u32At + n);
  u32At += n + (n & 1);
  return out;
}

/**
 * A copy of `src[0, n)` as a Float64Array, carved from a shared block when small.
 * @example
 * ```ts
 * Array.from(copyF64(Float64Array.of(0.5, -0, 2), 2)); // → [0.5, -0]
 * ```
 */
export function copyF64(src: Float64Array, n: number): Float64Array {
  if (n << 3 > MAX_CARVE_BYTES) return src.slice(0, n);
  if (f64At + n > f64Block.length) (f64Block = new Float64Array(BLOCK_BYTES >> 3), (f64At = 0));
  const out = f64Block.subarray(f64At, f64At + n);
  f64At += n;
  for (let j = 0; j < n; j++) out[j] = src[j]!;
  return out;
}
