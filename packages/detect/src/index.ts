export { detectConventions } from './detect.js';
export type { Candidate, DetectOptions, DetectResult, ReadingDialect } from './detect.js';
export { parseMaskText } from './parse.js';
export type { ParseOptions, Payload } from './parse.js';
export { commonSizes, factorSizes } from './sizes.js';
export { renderAscii } from './ascii.js';
export { countParts } from './parts.js';
