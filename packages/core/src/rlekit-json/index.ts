/**
 * rlekit-json: core's own neutral, readable run format, and the first dialect of the matrix
 * (`@rlekit/core/json`). Its whole story is in this folder: options.ts, read.ts (the checks and
 * the whole read), stream.ts (bounded-memory read, --jobs plans), write.ts (writer and merge),
 * dialect.ts (sniffing and the Dialect object).
 */
export { dialect } from './dialect.js';
export type { JsonReadOptions, JsonWriteOptions } from './options.js';
export { parseRlekitJson } from './read.js';
export type { RlekitJsonShardPlan } from './stream.js';
export { annotationLine, formatRlekitJson, mergeRlekitJson, writeAnnotationLine, writeRlekitJsonChunks, type RlekitJsonPartInfo } from './write.js';
export type { RleWarning } from '../errors.js';
