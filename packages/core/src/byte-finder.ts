/**
 * Chunks searched with indexOf: in Node a Buffer over the same bytes has a native indexOf, where a
 * plain Uint8Array's is far slower. Only for searching and reading: a Buffer's slice() is a view,
 * so copies are made from the chunk itself.
 */
export type ByteFinder = Uint8Array & { indexOf(value: number, byteOffset?: number): number; lastIndexOf(value: number, byteOffset?: number): number };

const NodeBuffer = (globalThis as { Buffer?: { from(a: ArrayBufferLike, offset: number, length: number): ByteFinder } }).Buffer;

/** A Buffer view of `c` in Node; undefined where there is no Buffer (a browser). */
export const bufferView = (c: Uint8Array): ByteFinder | undefined => NodeBuffer?.from(c.buffer, c.byteOffset, c.length);
