// Just what the tests use of pngjs (it ships no types, and @types/pngjs is not installed).
declare module 'pngjs' {
  export const PNG: {
    sync: {
      read(buffer: Buffer, options?: { skipRescale?: boolean }): { width: number; height: number; data: Buffer };
    };
  };
}
