// pngjs ships no types. rlekit uses only its browser-safe pieces (no zlib, no stream, no Buffer).
declare module 'pngjs/lib/crc.js' {
  const CrcCalculator: { crc32(bytes: ArrayLike<number>): number };
  export default CrcCalculator;
}
declare module 'pngjs/lib/constants.js' {
  const constants: {
    PNG_SIGNATURE: number[];
    COLORTYPE_TO_BPP_MAP: Record<number, number>;
  };
  export default constants;
}
