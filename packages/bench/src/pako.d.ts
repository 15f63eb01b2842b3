// pako 2 ships no types; rlekit uses its zlib deflate (byte-identical to zlib's, which is what
// Supervisely's Python SDK writes with) and its streaming inflate.
declare module 'pako' {
  export interface DeflateOptions {
    level?: number;
    memLevel?: number;
    windowBits?: number;
    strategy?: number;
  }
  export function deflate(data: Uint8Array, options?: DeflateOptions): Uint8Array;
  export function inflate(data: Uint8Array): Uint8Array;
  export class Inflate {
    constructor(options?: { chunkSize?: number; windowBits?: number });
    push(data: Uint8Array, final?: boolean): boolean;
    onData(chunk: Uint8Array): void;
    err: number;
    msg: string;
    ended: boolean;
    strm: { avail_in: number; next_in: number; total_in: number; total_out: number };
  }
}
