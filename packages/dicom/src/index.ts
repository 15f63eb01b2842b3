/**
 * @rlekit/dicom: the DICOM RLE Lossless codec (PS3.5 Annex G) and DICOM Segmentation (SEG)
 * read/write on dcmjs, as plain functions and as the `dicom` dialect.
 */
export { decodeRleFrame, encodeRleFrame } from './rle.js';
export type { FrameInfo, FramePixels } from './rle.js';
export { readFrames, TS_EXPLICIT_LE, TS_IMPLICIT_LE, TS_RLE } from './part10.js';
export type { Frames, ReadFramesOptions } from './part10.js';
export { readSeg, writeSeg, SEG_SOP_CLASS, LABELMAP_SEG_SOP_CLASS } from './seg.js';
export type { Code, ReadSegOptions, Seg, SegFrame, Segment, SegmentationType, SourceImage, WriteSegInput, WriteSegOptions } from './seg.js';
export { dialect, datasetToSeg, segToDataset } from './dialect.js';
export type { DicomReadOptions, DicomWriteOptions } from './dialect.js';
export { dicomLabToRgb, rgbToDicomLab } from './color.js';
