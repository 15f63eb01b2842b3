import { dialect } from '@rlekit/dicom';
import type { ConformanceProfile } from '../profile.js';

// DICOM SEG, BINARY with RLE Lossless frames (one byte per pixel). A SEG frame is one segment on
// one plane, so instances of a category on an image merge (keepsInstances false); a fixed content
// date keeps the bytes reproducible (UIDs are derived from the content).
export const profiles: ConformanceProfile[] = [
  { name: 'dicom', dialect, writeOptions: { transferSyntax: 'rle', segmentationType: 'BINARY', contentDateTime: '20260101000000' }, keepsInstances: false,
    // Segments and planes are numbered 1, 2, ...: other ids are reported as lost by the writer.
    capabilities: { categoryIds: false, imageIds: false, categoryAttributes: false, imageAttributes: false } },
];
