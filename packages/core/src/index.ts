export { ErrorCodes, RleError, describeValue, formatPath, isRleError } from './errors.js';
export type { ErrorCode, RleErrorDetails, RleWarning, WarningSink } from './errors.js';
export { Mask } from './mask.js';
export type { Box } from './mask.js';
export { LabelMap } from './label-map.js';
export type { LabelArray, OverlapPolicy } from './label-map.js';
export {
  MAX_MASK_PIXELS, RunBuilder, checkSize, canonicalRuns, transposeRuns, combineRuns, overlapAreas, runsArea, runsBox,
} from './runs.js';
export type { Order, Size } from './runs.js';
export { countsToBytes, countsToString, readCountString, stringToCounts } from './count-string.js';
export type { CountStringScan } from './count-string.js';
export { DEFAULT_MAX_POLYGON_CROSSINGS, rasterizeBox, rasterizePolygon } from './polygon.js';
export type { RasterizeOptions } from './polygon.js';
export { collectDataset, isDatasetStream, toDatasetStream } from './dataset.js';
export type { Annotation, Category, Id, ImageInfo, MaskDataset, MaskDatasetStream } from './dataset.js';
export { CAPABILITY_NAMES, countFeatures, countHeader, notCarried, silentContext, tallyAnnotation } from './dialect.js';
export type { Dialect, DialectCapabilities, DialectContext, FeatureCounts, OptionsSchema, OutputFile } from './dialect.js';
export { JsonScanner, objectFields, parseJsonBytes, scanJson } from './json-scan.js';
export type { JsonFieldAction, JsonScanHandler, JsonValueKind } from './json-scan.js';
export { bytesSource, decodeUtf8, encodeUtf8, isFolderSource, memoryFolder, parseJson, readAllBytes, readHead } from './source.js';
export type { ByteSource, DialectInput, FolderSource } from './source.js';
