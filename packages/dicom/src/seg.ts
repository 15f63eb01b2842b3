/**
 * DICOM Segmentation (SEG) objects: frames of one segment on one plane, read straight into
 * run-length Masks and written from them, without a bitmap where the runs suffice.
 */
import { LabelMap, Mask, describeValue, RleError, RunBuilder, type Size } from '@rlekit/core';
import {
  DEFAULT_MAX_PIXELS, decodeFrame, parsePart10, pixelLayout, TS_EXPLICIT_LE, TS_RLE, writePart10, type ParsePart10Options,
  type Naturalized, type PixelLayout,
} from './part10.js';
import { encodeRunsFrame, segmentBounds, unpackBits, unpackBitsToRuns } from './rle.js';

export const SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
export const LABELMAP_SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.7';
export const VERSION = '0.1.0';

export type SegmentationType = 'BINARY' | 'FRACTIONAL' | 'LABELMAP';

export interface Code {
  value: string;
  scheme: string;
  meaning: string;
}

export interface Segment {
  /** SegmentNumber: 1, 2, 3, ... (0 may describe a LABELMAP's background). */
  number: number;
  label: string;
  description?: string;
  algorithmType?: 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC';
  algorithmName?: string;
  category?: Code;
  type?: Code;
  /** RecommendedDisplayCIELabValue as stored (0..65535 each). */
  cielab?: readonly [number, number, number];
}

/** A reference to a source image a frame was derived from. */
export interface SourceImage {
  sopClassUID: string;
  sopInstanceUID: string;
  /** 1-based, for multi-frame sources. */
  frameNumber?: number;
}

export interface SegFrame {
  segmentNumber: number;
  /** Index of the stored frame this mask came from (0-based; LABELMAP frames give several masks). */
  frameIndex?: number;
  imagePositionPatient?: readonly [number, number, number];
  /** Dimension index values of the frame, as stored. */
  dimensionIndexValues?: readonly number[];
  sourceImage?: SourceImage;
  /** TILED_FULL: the focal plane of a mask assembled from tiles (every segment's mask on it shares it). */
  planeIndex?: number;
  mask: Mask;
}

export interface Seg {
  segmentationType: SegmentationType;
  rows: number;
  columns: number;
  segments: Segment[];
  frames: SegFrame[];
  /** FRACTIONAL only. */
  fractionalType?: 'PROBABILITY' | 'OCCUPANCY';
  maximumFractionalValue?: number;
  /** The 1-bit RLE layout found: 'byte' (one byte per pixel) or 'legacy-bitpacked'. */
  oneBitRleLayout?: 'byte' | 'legacy-bitpacked';
  /** Index of the ReferencedSegmentNumber dimension in each frame's dimensionIndexValues, -1 when none. */
  segmentDimension?: number;
  /** FRACTIONAL: frames holding values strictly between 0 and the maximum, which thresholding turned binary. */
  thresholdedFrames?: number;
  /** TILED_FULL: the tiles (rows x columns each, `across` x `down` per segment) assembled into the total pixel matrix. */
  tiledFull?: { tileRows: number; tileColumns: number; across: number; down: number };
  transferSyntaxUID?: string;
  studyInstanceUID?: string;
  seriesInstanceUID?: string;
  sopInstanceUID?: string;
  frameOfReferenceUID?: string;
  /** The source images' series (Common Instance Reference), when the SEG references one. */
  referencedSeriesInstanceUID?: string;
  patientID?: string;
  patientName?: string;
  pixelSpacing?: readonly [number, number];
  imageOrientationPatient?: readonly number[];
}

export interface ReadSegOptions extends ParsePart10Options {
  /** FRACTIONAL: a pixel is set when value > threshold * MaximumFractionalValue (0 ≤ threshold < 1). */
  threshold?: number;
  /** Largest total pixel count (all frames); refused before allocating. */
  maxPixels?: number;
}

const first = <T>(v: T[] | T | undefined): T | undefined => (Array.isArray(v) ? v[0] : v);

function code(item: Naturalized | undefined, text: (s: string) => string = (s) => s): Code | undefined {
  if (item === undefined) return undefined;
  return { value: String(item.CodeValue ?? ''), scheme: String(item.CodingSchemeDesignator ?? ''), meaning: text(String(item.CodeMeaning ?? '')) };
}

/**
 * dcmjs decodes text inside sequence items as Latin-1 even when Specific Character Set is
 * ISO_IR 192, so "ü" arrives as "Ã¼": such strings are turned back into bytes and read as UTF-8.
 */
function utf8Text(s: string): string {
  if (!/[\x80-\xff]/.test(s) || /[^\x00-\xff]/.test(s)) return s;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
  } catch {
    return s;
  }
}

function str(v: unknown): string | undefined {
  const x = first(v as unknown[]);
  if (x === undefined || x === null) return undefined;
  if (typeof x === 'object' && 'Alphabetic' in (x as object)) return String((x as { Alphabetic: unknown }).Alphabetic ?? '');
  return String(x);
}

function triple(v: unknown): [number, number, number] | undefined {
  if (!Array.isArray(v) || v.length !== 3) return undefined;
  const t = v.map(Number);
  return t.every(Number.isFinite) ? (t as [number, number, number]) : undefined;
}

/**
 * Reads a SEG: BINARY (native bit-packed or RLE), FRACTIONAL (thresholded) and LABELMAP.
 * Async: dcmjs, which parses the file, is loaded on first use.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const seg = await readSeg(await writeSeg({ rows: 3, columns: 4, segments: [{ number: 1, label: 'liver' }], frames: [{ segmentNumber: 1, mask }] }));
 * [seg.segmentationType, seg.segments[0].label, seg.frames[0].mask.equals(mask)]; // → ['BINARY', 'liver', true]
 * ```
 */
export async function readSeg(bytes: Uint8Array, options: ReadSegOptions = {}): Promise<Seg> {
  const threshold = options.threshold ?? 0.5;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold < 1)) {
    throw new RleError('INVALID_OPTION', 'Invalid threshold', { path: ['threshold'], expected: 'a number from 0 (inclusive) to 1 (exclusive)', received: describeValue(threshold) });
  }
  const file = await parsePart10(bytes, options);
  const ds = file.dataset;
  const segmentationType = String(ds.SegmentationType ?? '').trim();
  if (segmentationType !== 'BINARY' && segmentationType !== 'FRACTIONAL' && segmentationType !== 'LABELMAP') {
    throw new RleError('INVALID_STRUCTURE', 'Not a Segmentation: SegmentationType is missing or unknown', { path: ['SegmentationType'], expected: 'BINARY, FRACTIONAL or LABELMAP', received: describeValue(ds.SegmentationType) });
  }
  const layout = pixelLayout(file, options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const { rows, columns, numberOfFrames } = layout;
  const size: Size = { height: rows, width: columns };
  if (layout.samplesPerPixel !== 1) throw new RleError('INVALID_STRUCTURE', 'SEG frames have one sample per pixel', { path: ['SamplesPerPixel'], expected: '1', received: describeValue(layout.samplesPerPixel) });

  const text = file.characterSet === 'ISO_IR 192' ? utf8Text : (t: string): string => t;
  const segments: Segment[] = (Array.isArray(ds.SegmentSequence) ? ds.SegmentSequence : []).map((item: Naturalized, i: number) => {
    const number = Number(first(item.SegmentNumber));
    if (!Number.isSafeInteger(number) || number < 0) throw new RleError('INVALID_STRUCTURE', 'Invalid SegmentNumber', { path: ['SegmentSequence', i, 'SegmentNumber'], expected: 'a non-negative integer', received: describeValue(item.SegmentNumber) });
    const s: Segment = { number, label: text(str(item.SegmentLabel) ?? '') };
    const d = text(str(item.SegmentDescription) ?? '');
    if (d) s.description = d;
    const at = str(item.SegmentAlgorithmType);
    if (at === 'MANUAL' || at === 'SEMIAUTOMATIC' || at === 'AUTOMATIC') s.algorithmType = at;
    const an = text(str(item.SegmentAlgorithmName) ?? '');
    if (an) s.algorithmName = an;
    const cat = code(first(item.SegmentedPropertyCategoryCodeSequence), text);
    if (cat) s.category = cat;
    const typ = code(first(item.SegmentedPropertyTypeCodeSequence), text);
    if (typ) s.type = typ;
    const lab = triple(item.RecommendedDisplayCIELabValue);
    if (lab) s.cielab = lab;
    return s;
  });
  const known = new Set(segments.map((s) => s.number));

  const perFrame: Naturalized[] = Array.isArray(ds.PerFrameFunctionalGroupsSequence) ? ds.PerFrameFunctionalGroupsSequence : [];
  const shared: Naturalized = first(ds.SharedFunctionalGroupsSequence) ?? {};
  if (perFrame.length !== 0 && perFrame.length !== numberOfFrames) {
    throw new RleError('INVALID_STRUCTURE', 'PerFrameFunctionalGroupsSequence has a different number of items than frames', { path: ['PerFrameFunctionalGroupsSequence'], expected: String(numberOfFrames), received: describeValue(perFrame.length) });
  }
  const group = (k: number, name: string): Naturalized | undefined => first(perFrame[k]?.[name]) ?? first(shared[name]);

  const out: Seg = { segmentationType, rows, columns, segments, frames: [], transferSyntaxUID: layout.transferSyntaxUID };
  for (const [key, field] of [['studyInstanceUID', 'StudyInstanceUID'], ['seriesInstanceUID', 'SeriesInstanceUID'], ['sopInstanceUID', 'SOPInstanceUID'], ['frameOfReferenceUID', 'FrameOfReferenceUID'], ['patientID', 'PatientID'], ['patientName', 'PatientName']] as const) {
    const v = str(ds[field]);
    if (v) out[key] = v;
  }
  const dims: Naturalized[] = Array.isArray(ds.DimensionIndexSequence) ? ds.DimensionIndexSequence : [];
  out.segmentDimension = dims.findIndex((d) => Number(first(d.DimensionIndexPointer)) === 0x0062000b);
  const refSeries = str(first(ds.ReferencedSeriesSequence as Naturalized[] | undefined)?.SeriesInstanceUID);
  if (refSeries) out.referencedSeriesInstanceUID = refSeries;
  const spacing = first(shared.PixelMeasuresSequence)?.PixelSpacing;
  if (Array.isArray(spacing) && spacing.length === 2) out.pixelSpacing = [Number(spacing[0]), Number(spacing[1])];
  const iop = first(shared.PlaneOrientationSequence)?.ImageOrientationPatient;
  if (Array.isArray(iop) && iop.length === 6) out.imageOrientationPatient = iop.map(Number);

  let maxValue = 1;
  if (segmentationType === 'FRACTIONAL') {
    maxValue = Number(first(ds.MaximumFractionalValue) ?? 255);
    if (!Number.isSafeInteger(maxValue) || maxValue < 1 || maxValue > 255) throw new RleError('INVALID_STRUCTURE', 'Invalid MaximumFractionalValue', { path: ['MaximumFractionalValue'], expected: 'an integer from 1 to 255', received: describeValue(maxValue) });
    out.maximumFractionalValue = maxValue;
    const ft = str(ds.SegmentationFractionalType);
    if (ft === 'PROBABILITY' || ft === 'OCCUPANCY') out.fractionalType = ft;
    if (layout.bitsAllocated !== 8) throw new RleError('INVALID_STRUCTURE', 'FRACTIONAL SEG frames are 8-bit', { path: ['BitsAllocated'], expected: '8', received: describeValue(layout.bitsAllocated) });
  } else if (segmentationType === 'BINARY' && layout.bitsAllocated !== 1) {
    throw new RleError('INVALID_STRUCTURE', 'BINARY SEG frames are 1-bit', { path: ['BitsAllocated'], expected: '1', received: describeValue(layout.bitsAllocated) });
  }
  const cut = threshold * maxValue;
  let partial = false;
  const isSet = (v: number): boolean => {
    if (v !== 0 && v !== maxValue) partial = true;
    return v > cut;
  };

  // TILED_FULL: the frame index, not functional groups, says which segment and tile a frame is.
  const identified = group(0, 'SegmentIdentificationSequence') !== undefined;
  if (str(ds.DimensionOrganizationType) === 'TILED_FULL' && !identified) {
    readTiledFull(ds, layout, segments, isSet, out, () => {
      if (partial) out.thresholdedFrames = (out.thresholdedFrames ?? 0) + 1;
      partial = false;
    });
    return out;
  }

  for (let k = 0; k < numberOfFrames; k++) {
    const frame: Omit<SegFrame, 'mask' | 'segmentNumber'> = { frameIndex: k };
    const ipp = triple(group(k, 'PlanePositionSequence')?.ImagePositionPatient);
    if (ipp) frame.imagePositionPatient = ipp;
    const div = group(k, 'FrameContentSequence')?.DimensionIndexValues;
    if (Array.isArray(div)) frame.dimensionIndexValues = div.map(Number);
    else if (typeof div === 'number') frame.dimensionIndexValues = [div];
    const src = first(group(k, 'DerivationImageSequence')?.SourceImageSequence) as Naturalized | undefined;
    if (src?.ReferencedSOPInstanceUID) {
      frame.sourceImage = { sopClassUID: String(src.ReferencedSOPClassUID ?? ''), sopInstanceUID: String(src.ReferencedSOPInstanceUID) };
      const fn = Number(first(src.ReferencedFrameNumber));
      if (Number.isSafeInteger(fn) && fn > 0) frame.sourceImage.frameNumber = fn;
    }
    if (segmentationType === 'LABELMAP') {
      const pixels = decodeFrame(layout, k);
      const labels = LabelMap.fromArray(pixels, size).masks();
      for (const [label, mask] of labels) {
        if (!known.has(label)) throw new RleError('DANGLING_REFERENCE', `LABELMAP frame holds value ${label}, which is not in SegmentSequence`, { path: ['frames', k] });
        out.frames.push({ ...frame, segmentNumber: label, mask });
      }
      continue;
    }
    const ref = first(group(k, 'SegmentIdentificationSequence')?.ReferencedSegmentNumber);
    const segmentNumber = Number(ref);
    if (ref === undefined || !known.has(segmentNumber)) {
      throw new RleError('DANGLING_REFERENCE', `Frame ${k + 1} refers to segment ${describeValue(ref)}, which is not in SegmentSequence`, { path: ['PerFrameFunctionalGroupsSequence', k, 'SegmentIdentificationSequence', 0, 'ReferencedSegmentNumber'] });
    }
    partial = false;
    const mask = frameMask(layout, k, isSet, out);
    if (partial) out.thresholdedFrames = (out.thresholdedFrames ?? 0) + 1;
    out.frames.push({ ...frame, segmentNumber, mask });
  }
  return out;
}

/**
 * A TILED_FULL SEG (whole-slide microscopy; PS3.3 C.7.6.17.3): no per-frame functional groups,
 * the frame index says where each frame goes. Frames are ordered by segment (in SegmentSequence
 * order), then tile rows top to bottom, then tiles left to right, tiles of Rows x Columns
 * covering TotalPixelMatrixRows x TotalPixelMatrixColumns (edge tiles reach past it). Each
 * segment's tiles are assembled, run by run, into one mask of the total pixel matrix: the
 * image becomes the total pixel matrix.
 */
function readTiledFull(ds: Naturalized, layout: PixelLayout, segments: Segment[], isSet: (v: number) => boolean, out: Seg, afterTile: () => void): void {
  const path = ['DimensionOrganizationType'];
  if (out.segmentationType === 'LABELMAP') {
    throw new RleError('UNSUPPORTED', 'A LABELMAP SEG in TILED_FULL dimension organisation is not supported', { path, expected: 'BINARY or FRACTIONAL for TILED_FULL, or TILED_SPARSE / per-frame functional groups', received: 'LABELMAP, TILED_FULL' });
  }
  const total = (key: string): number => {
    const v = Number(first(ds[key]));
    if (!Number.isSafeInteger(v) || v <= 0) throw new RleError('INVALID_STRUCTURE', `A TILED_FULL SEG needs ${key}`, { path: [key], expected: 'a positive integer', received: describeValue(ds[key]) });
    return v;
  };
  const height = total('TotalPixelMatrixRows'), width = total('TotalPixelMatrixColumns');
  const planes = Number(first(ds.TotalPixelMatrixFocalPlanes) ?? 1);
  if (planes !== 1) throw new RleError('UNSUPPORTED', 'A TILED_FULL SEG with several focal planes is not supported', { path: ['TotalPixelMatrixFocalPlanes'], expected: '1', received: describeValue(ds.TotalPixelMatrixFocalPlanes) });
  const { rows, columns } = layout;
  const across = Math.ceil(width / columns), down = Math.ceil(height / rows);
  const perSegment = across * down;
  if (layout.numberOfFrames !== segments.length * perSegment) {
    throw new RleError('INVALID_STRUCTURE', 'A TILED_FULL SEG has one frame per tile of every segment', { path: ['NumberOfFrames'], expected: `${segments.length} segments x ${down} x ${across} tiles = ${segments.length * perSegment} frames`, received: describeValue(layout.numberOfFrames) });
  }
  out.rows = height;
  out.columns = width;
  out.tiledFull = { tileRows: rows, tileColumns: columns, across, down };
  const size = { height, width };
  segments.forEach((segment, si) => {
    const b = new RunBuilder(64);
    const skip = (): void => {};
    const append = (on: boolean, n: number): void => b.append(on, n);
    for (let ty = 0; ty < down; ty++) {
      // One cursor per tile of this tile row, each walking its tile's row-ordered runs.
      const cursors = [];
      for (let tx = 0; tx < across; tx++) {
        const k = si * perSegment + ty * across + tx;
        cursors.push(new RunCursor(frameMask(layout, k, isSet, out).runsView('row')));
        afterTile();
      }
      const lines = Math.min(rows, height - ty * rows);
      for (let y = 0; y < lines; y++) {
        for (let tx = 0; tx < across; tx++) {
          const keep = Math.min(columns, width - tx * columns);
          cursors[tx]!.take(keep, append);
          if (keep < columns) cursors[tx]!.take(columns - keep, skip);
        }
      }
    }
    out.frames.push({ frameIndex: si * perSegment, planeIndex: 0, segmentNumber: segment.number, mask: Mask.fromCanonicalRuns(b.finish(height * width), size, 'row') });
  });
}

/** Reads runs (background first) a few pixels at a time. */
class RunCursor {
  private index = 0;
  private left: number;
  private on = false;

  constructor(private readonly runs: Uint32Array) {
    this.left = runs[0] ?? 0;
  }

  take(n: number, emit: (on: boolean, length: number) => void): void {
    while (n > 0) {
      if (this.left === 0) {
        this.index++;
        this.left = this.runs[this.index]!;
        this.on = !this.on;
        continue;
      }
      const k = Math.min(this.left, n);
      emit(this.on, k);
      this.left -= k;
      n -= k;
    }
  }
}

/** One BINARY/FRACTIONAL frame as a row-ordered Mask, decoded straight to runs. */
function frameMask(layout: PixelLayout, k: number, isSet: (v: number) => boolean, seg: Seg): Mask {
  const { rows, columns, bitsAllocated } = layout;
  const size = { height: rows, width: columns };
  const pixels = rows * columns;
  if (layout.native !== undefined) {
    if (bitsAllocated === 1) return Mask.fromCanonicalRuns(bitsToRuns(layout.native, k * pixels, pixels), size, 'row');
    const start = k * pixels;
    return Mask.fromCanonicalRuns(bytesToRuns(layout.native, start, start + pixels, isSet), size, 'row');
  }
  const fragment = layout.fragments![k]!;
  try {
    const bounds = segmentBounds(fragment, 1);
    const b = new RunBuilder(64);
    const got = unpackBitsToRuns(fragment, bounds[0]!, bounds[1]!, b, pixels, bitsAllocated === 1 ? (v) => v !== 0 : isSet);
    if (got === pixels) {
      if (bitsAllocated === 1) seg.oneBitRleLayout ??= 'byte';
      return Mask.fromCanonicalRuns(b.finish(pixels), size, 'row');
    }
    const packed = Math.ceil(pixels / 8);
    if (bitsAllocated === 1 && got === packed) {
      // The superseded layout (pydicom PR #2216): each frame bit-packed, then RLE-coded.
      const buf = new Uint8Array(packed);
      unpackBits(fragment, bounds[0]!, bounds[1]!, buf, packed);
      seg.oneBitRleLayout = 'legacy-bitpacked';
      return Mask.fromCanonicalRuns(bitsToRuns(buf, 0, pixels), size, 'row');
    }
    throw new RleError('TRUNCATED', 'RLE segment decodes to fewer bytes than Rows * Columns', { offset: bounds[0], expected: String(pixels), received: describeValue(got) });
  } catch (e) {
    throw e instanceof RleError ? e.at('frames', k) : e;
  }
}

/** LSB-first bits [bitOffset, bitOffset + count) as runs; whole 0x00/0xFF bytes in one step. */
export function bitsToRuns(src: Uint8Array, bitOffset: number, count: number): Uint32Array {
  const b = new RunBuilder(64);
  let p = 0;
  while (p < count) {
    const bit = bitOffset + p;
    if ((bit & 7) === 0 && count - p >= 8) {
      const byte = src[bit >>> 3]!;
      if (byte === 0) { b.append(false, 8); p += 8; continue; }
      if (byte === 0xff) { b.append(true, 8); p += 8; continue; }
    }
    b.append(((src[bit >>> 3]! >>> (bit & 7)) & 1) === 1, 1);
    p++;
  }
  return b.finish(count);
}

function bytesToRuns(src: Uint8Array, start: number, end: number, isSet: (v: number) => boolean): Uint32Array {
  const b = new RunBuilder(64);
  let i = start;
  while (i < end) {
    const on = isSet(src[i]!);
    let j = i + 1;
    while (j < end && isSet(src[j]!) === on) j++;
    b.append(on, j - i);
    i = j;
  }
  return b.finish(end - start);
}

// ---------------------------------------------------------------- writing

export interface WriteSegInput {
  rows: number;
  columns: number;
  segments: Segment[];
  frames: SegFrame[];
  /** Study/series/patient the SEG belongs to; new UIDs are derived from the content when absent. */
  studyInstanceUID?: string;
  /** The source images' series; required when any frame has a sourceImage. */
  referencedSeriesInstanceUID?: string;
  frameOfReferenceUID?: string;
  patientID?: string;
  patientName?: string;
  pixelSpacing?: readonly [number, number];
  imageOrientationPatient?: readonly number[];
  seriesDescription?: string;
  /** Content date and time; default: now. */
  contentDateTime?: Date;
}

export interface WriteSegOptions {
  transferSyntax?: 'explicit' | 'rle';
  segmentationType?: 'BINARY' | 'FRACTIONAL';
  /** Largest total pixel count written (rows × columns × frames), checked before any frame is built; default 2^30. */
  maxPixels?: number;
}

const TISSUE: Code = { value: '85756007', scheme: 'SCT', meaning: 'Tissue' };

/** A 128-bit FNV-style hash, so the same content gets the same UIDs (reproducible output). */
class UidHash {
  private h = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b];
  add(n: number): void {
    for (let i = 0; i < 4; i++) this.h[i] = Math.imul(this.h[i]! ^ (n >>> 0) ^ (i * 0x27d4eb2d), 0x01000193 + 2 * i) >>> 0;
    this.h[(n >>> 0) & 3] = (this.h[(n >>> 0) & 3]! + this.h[((n >>> 0) + 1) & 3]!) >>> 0;
  }
  addString(s: string): void {
    for (let i = 0; i < s.length; i++) this.add(s.charCodeAt(i));
    this.add(s.length);
  }
  addRuns(r: Uint32Array): void {
    for (let i = 0; i < r.length; i++) this.add(r[i]!);
    this.add(r.length);
  }
  uid(purpose: string): string {
    const copy = new UidHash();
    copy.h = [...this.h];
    copy.addString(purpose);
    let big = 0n;
    for (const x of copy.h) big = (big << 32n) | BigInt(x);
    return `2.25.${big}`;
  }
}

const UID_RE = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

function checkUid(v: string | undefined, path: string): void {
  if (v !== undefined && (typeof v !== 'string' || v.length > 64 || !UID_RE.test(v))) {
    throw new RleError('INVALID_OPTION', `Invalid ${path}`, { path: [path], expected: 'a DICOM UID (digits and dots, at most 64 characters)', received: describeValue(v) });
  }
}

function dateTime(d: Date): [string, string] {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return [`${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`, `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`];
}

/** DICOM decimal strings hold at most 16 characters. */
function ds16(n: number): number {
  if (!Number.isFinite(n)) return 0;
  let s = String(n);
  for (let digits = 15; s.length > 16 && digits > 0; digits--) s = String(Number(n.toPrecision(digits)));
  return Number(s);
}

/**
 * Writes a SEG from masks: BINARY (native bit-packed, or RLE one byte per pixel) or
 * FRACTIONAL (8-bit 0/255, native or RLE). Without source images it adds the minimal
 * geometry (Frame of Reference, pixel measures, orientation, per-frame position). Async: dcmjs,
 * which serialises the file, is loaded on first use (the input is checked before).
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const bytes = await writeSeg({ rows: 3, columns: 4, segments: [{ number: 1, label: 'liver' }], frames: [{ segmentNumber: 1, mask }] }, { transferSyntax: 'rle' });
 * (await readSeg(bytes)).frames.length; // → 1
 * ```
 */
export async function writeSeg(seg: WriteSegInput, options: WriteSegOptions = {}): Promise<Uint8Array> {
  const transferSyntax = options.transferSyntax ?? 'explicit';
  const segmentationType = options.segmentationType ?? 'BINARY';
  if (transferSyntax !== 'explicit' && transferSyntax !== 'rle') throw new RleError('INVALID_OPTION', 'Invalid transferSyntax', { path: ['transferSyntax'], expected: '"explicit" or "rle"', received: describeValue(transferSyntax) });
  if (segmentationType !== 'BINARY' && segmentationType !== 'FRACTIONAL') throw new RleError('INVALID_OPTION', 'Invalid segmentationType', { path: ['segmentationType'], expected: '"BINARY" or "FRACTIONAL"', received: describeValue(segmentationType) });
  const { rows, columns } = seg;
  if (!Number.isSafeInteger(rows) || rows < 1 || rows > 0xffff) throw new RleError('INVALID_SIZE', 'Invalid rows', { path: ['rows'], expected: 'an integer from 1 to 65535', received: describeValue(rows) });
  if (!Number.isSafeInteger(columns) || columns < 1 || columns > 0xffff) throw new RleError('INVALID_SIZE', 'Invalid columns', { path: ['columns'], expected: 'an integer from 1 to 65535', received: describeValue(columns) });
  const pixels = rows * columns;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (pixels * seg.frames.length > maxPixels) {
    throw new RleError('LIMIT_EXCEEDED', `${seg.frames.length} frames of ${rows}x${columns} exceed maxPixels`, { path: ['frames'], expected: `at most ${maxPixels} pixels`, received: describeValue(pixels * seg.frames.length) });
  }
  if (seg.segments.length === 0) throw new RleError('INVALID_STRUCTURE', 'A SEG needs at least one segment', { path: ['segments'], expected: 'at least one segment' });
  if (seg.frames.length === 0) throw new RleError('INVALID_STRUCTURE', 'A SEG needs at least one frame', { path: ['frames'], expected: 'at least one frame' });
  seg.segments.forEach((s, i) => {
    if (s.number !== i + 1) throw new RleError('INVALID_STRUCTURE', 'Segment numbers must be 1, 2, 3, ... in order', { path: ['segments', i, 'number'], expected: String(i + 1), received: describeValue(s.number) });
    if (s.algorithmType !== undefined && s.algorithmType !== 'MANUAL' && !s.algorithmName) throw new RleError('INVALID_STRUCTURE', 'A segment that is not MANUAL needs an algorithmName', { path: ['segments', i, 'algorithmName'] });
  });
  for (const k of ['studyInstanceUID', 'referencedSeriesInstanceUID', 'frameOfReferenceUID'] as const) checkUid(seg[k], k);

  const hash = new UidHash();
  hash.add(rows);
  hash.add(columns);
  hash.addString(segmentationType + transferSyntax);
  for (const s of seg.segments) hash.addString(s.label);
  const rowRuns: Uint32Array[] = seg.frames.map((f, i) => {
    if (!(f.mask instanceof Mask)) throw new RleError('INVALID_STRUCTURE', 'Frame has no Mask', { path: ['frames', i, 'mask'] });
    if (f.mask.height !== rows || f.mask.width !== columns) throw new RleError('SIZE_MISMATCH', 'Frame mask size differs from the SEG', { path: ['frames', i, 'mask'], expected: `${rows}x${columns}`, received: `${f.mask.height}x${f.mask.width}` });
    if (!Number.isSafeInteger(f.segmentNumber) || f.segmentNumber < 1 || f.segmentNumber > seg.segments.length) {
      throw new RleError('DANGLING_REFERENCE', `Frame refers to segment ${f.segmentNumber}, which is not in segments`, { path: ['frames', i, 'segmentNumber'] });
    }
    const r = f.mask.runsView('row');
    hash.add(f.segmentNumber);
    hash.addRuns(r);
    return r;
  });
  // Everything that identifies the content goes into the UIDs: the same SEG written twice at
  // the same content date is the same instance; other patients, sources or dates never collide.
  const [date, time] = dateTime(seg.contentDateTime ?? new Date());
  for (const v of [date, time, seg.referencedSeriesInstanceUID, seg.patientID, seg.patientName]) hash.addString(v ?? '');
  for (const f of seg.frames) {
    hash.addString(f.imagePositionPatient?.join('\\') ?? '');
    hash.addString(f.sourceImage ? `${f.sourceImage.sopInstanceUID}/${f.sourceImage.frameNumber ?? 0}` : '');
  }
  // A given study or frame-of-reference UID counts only when it is not the one derived here
  // anyway (as after a SEG → dataset → SEG trip), so such trips reproduce the same bytes.
  const derivedStudy = hash.uid('study'), derivedFor = hash.uid('frame-of-reference');
  if (seg.studyInstanceUID !== undefined && seg.studyInstanceUID !== derivedStudy) hash.addString(seg.studyInstanceUID);
  if (seg.frameOfReferenceUID !== undefined && seg.frameOfReferenceUID !== derivedFor) hash.addString(seg.frameOfReferenceUID);
  const studyUID = seg.studyInstanceUID ?? derivedStudy;
  const seriesUID = hash.uid('series');
  const sopUID = hash.uid('instance');
  const forUID = seg.frameOfReferenceUID ?? derivedFor;
  const dimUID = hash.uid('dimension-organization');

  // Plane index per distinct position, for the second dimension's index values.
  // A frame without a position goes on plane k when it is the k-th such frame of its segment, so
  // several segments of one 2D image share a plane instead of reading back as separate images.
  const perSegment = new Map<number, number>();
  const positions = seg.frames.map((f) => {
    if (f.imagePositionPatient) return f.imagePositionPatient;
    const k = perSegment.get(f.segmentNumber) ?? 0;
    perSegment.set(f.segmentNumber, k + 1);
    return [0, 0, k] as const;
  });
  const posIndex = new Map<string, number>();
  for (const p of positions) {
    const key = p.join('\\');
    if (!posIndex.has(key)) posIndex.set(key, posIndex.size + 1);
  }
  const derived = seg.frames.some((f) => f.sourceImage !== undefined);
  if (derived && !seg.referencedSeriesInstanceUID) throw new RleError('INVALID_STRUCTURE', 'Frames reference source images but referencedSeriesInstanceUID is missing', { path: ['referencedSeriesInstanceUID'] });

  const perFrame = seg.frames.map((f, i) => {
    const item: Naturalized = {
      FrameContentSequence: [{ DimensionIndexValues: [f.segmentNumber, posIndex.get(positions[i]!.join('\\'))!] }],
      PlanePositionSequence: [{ ImagePositionPatient: positions[i]!.map(ds16) }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: f.segmentNumber }],
    };
    if (f.sourceImage) {
      const src: Naturalized = {
        ReferencedSOPClassUID: f.sourceImage.sopClassUID,
        ReferencedSOPInstanceUID: f.sourceImage.sopInstanceUID,
        PurposeOfReferenceCodeSequence: [{ CodeValue: '121322', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Source image for image processing operation' }],
        SpatialLocationsPreserved: 'YES',
      };
      if (f.sourceImage.frameNumber !== undefined) src.ReferencedFrameNumber = f.sourceImage.frameNumber;
      item.DerivationImageSequence = [{
        SourceImageSequence: [src],
        DerivationCodeSequence: [{ CodeValue: '113076', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Segmentation' }],
      }];
    }
    return item;
  });

  const binary = segmentationType === 'BINARY';
  const rle = transferSyntax === 'rle';
  let pixelData: ArrayBuffer[];
  if (rle) {
    // BINARY: one byte (0/1) per pixel, CP-2301; FRACTIONAL: 0/255 as dcmjs writes it.
    const value = binary ? 1 : 255;
    pixelData = rowRuns.map((r) => {
      const frag = encodeRunsFrame(r, rows, columns, value);
      return frag.buffer.slice(frag.byteOffset, frag.byteOffset + frag.length) as ArrayBuffer;
    });
  } else if (binary) {
    if (pixels * rowRuns.length > 0xffffffff) throw new RleError('LIMIT_EXCEEDED', 'Native 1-bit Pixel Data above 2^32 bits', { expected: 'at most 4294967295 pixels in all frames', received: describeValue(pixels * rowRuns.length) });
    // Bits continue across frames with no per-frame padding (PS3.5 8.1.1); the value is padded to even length.
    const bits = pixels * rowRuns.length;
    const buf = new Uint8Array(Math.ceil(Math.ceil(bits / 8) / 2) * 2);
    rowRuns.forEach((r, f) => setBits(buf, f * pixels, r));
    pixelData = [buf.buffer];
  } else {
    const total = pixels * rowRuns.length;
    const buf = new Uint8Array(total + (total & 1));
    rowRuns.forEach((r, f) => {
      let pos = f * pixels;
      for (let k = 0; k < r.length; k++) {
        if (k & 1) buf.fill(255, pos, pos + r[k]!);
        pos += r[k]!;
      }
    });
    pixelData = [buf.buffer];
  }

  const nonAscii = seg.segments.some((s) => /[^\x20-\x7e]/.test(s.label + (s.description ?? ''))) || /[^\x20-\x7e]/.test((seg.patientName ?? '') + (seg.seriesDescription ?? ''));
  const dataset: Naturalized = {
    SOPClassUID: SEG_SOP_CLASS,
    SOPInstanceUID: sopUID,
    StudyDate: date,
    StudyTime: time,
    SeriesDate: date,
    SeriesTime: time,
    ContentDate: date,
    ContentTime: time,
    AccessionNumber: '',
    Modality: 'SEG',
    Manufacturer: 'rlekit',
    ReferringPhysicianName: '',
    SeriesDescription: seg.seriesDescription ?? 'Segmentation',
    ManufacturerModelName: 'rlekit',
    PatientName: seg.patientName ?? '',
    PatientID: seg.patientID ?? '',
    PatientBirthDate: '',
    PatientSex: '',
    DeviceSerialNumber: '0',
    SoftwareVersions: VERSION,
    StudyInstanceUID: studyUID,
    SeriesInstanceUID: seriesUID,
    StudyID: '',
    SeriesNumber: 1,
    InstanceNumber: 1,
    FrameOfReferenceUID: forUID,
    PositionReferenceIndicator: '',
    ImageType: ['DERIVED', 'PRIMARY'],
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimUID }],
    DimensionIndexSequence: [
      { DimensionOrganizationUID: dimUID, DimensionIndexPointer: 0x0062000b, FunctionalGroupPointer: 0x0062000a, DimensionDescriptionLabel: 'ReferencedSegmentNumber' },
      { DimensionOrganizationUID: dimUID, DimensionIndexPointer: 0x00200032, FunctionalGroupPointer: 0x00209113, DimensionDescriptionLabel: 'ImagePositionPatient' },
    ],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    NumberOfFrames: seg.frames.length,
    Rows: rows,
    Columns: columns,
    BitsAllocated: binary ? 1 : 8,
    BitsStored: binary ? 1 : 8,
    HighBit: binary ? 0 : 7,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: segmentationType,
    SegmentSequence: seg.segments.map((s) => {
      const item: Naturalized = {
        SegmentNumber: s.number,
        SegmentLabel: s.label,
        SegmentAlgorithmType: s.algorithmType ?? 'MANUAL',
        SegmentedPropertyCategoryCodeSequence: [codeItem(s.category ?? TISSUE)],
        SegmentedPropertyTypeCodeSequence: [codeItem(s.type ?? TISSUE)],
      };
      if (s.algorithmName) item.SegmentAlgorithmName = s.algorithmName;
      if (s.description) item.SegmentDescription = s.description;
      if (s.cielab) item.RecommendedDisplayCIELabValue = [...s.cielab];
      return item;
    }),
    ContentLabel: 'MASK',
    ContentDescription: '',
    ContentCreatorName: '',
    SharedFunctionalGroupsSequence: [{
      PixelMeasuresSequence: [{ PixelSpacing: [...(seg.pixelSpacing ?? [1, 1])].map(ds16), SliceThickness: 1 }],
      PlaneOrientationSequence: [{ ImageOrientationPatient: [...(seg.imageOrientationPatient ?? [1, 0, 0, 0, 1, 0])].map(ds16) }],
    }],
    PerFrameFunctionalGroupsSequence: perFrame,
    PixelData: pixelData,
  };
  if (nonAscii) dataset.SpecificCharacterSet = 'ISO_IR 192';
  if (!binary) {
    dataset.SegmentationFractionalType = 'PROBABILITY';
    dataset.MaximumFractionalValue = 255;
  }
  if (derived) {
    const seen = new Map<string, string>();
    for (const f of seg.frames) if (f.sourceImage) seen.set(f.sourceImage.sopInstanceUID, f.sourceImage.sopClassUID);
    dataset.ReferencedSeriesSequence = [{
      SeriesInstanceUID: seg.referencedSeriesInstanceUID,
      ReferencedInstanceSequence: [...seen].map(([inst, cls]) => ({ ReferencedSOPClassUID: cls, ReferencedSOPInstanceUID: inst })),
    }];
  }
  try {
    return await writePart10(dataset, rle ? TS_RLE : TS_EXPLICIT_LE, `RLEKIT_${VERSION}`);
  } catch (e) {
    throw new RleError('INVALID_STRUCTURE', `dcmjs could not serialise the SEG: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function codeItem(c: Code): Naturalized {
  return { CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning };
}

/** Sets the foreground bits of row-major runs, LSB first, starting at bit `offset`. */
function setBits(buf: Uint8Array, offset: number, runs: Uint32Array): void {
  let pos = offset;
  for (let k = 0; k < runs.length; k++) {
    const len = runs[k]!;
    if (k & 1) {
      let s = pos;
      const e = pos + len;
      while (s < e && (s & 7) !== 0) { buf[s >>> 3]! |= 1 << (s & 7); s++; }
      if (s + 8 <= e) {
        const a = s >>> 3, b = e >>> 3;
        buf.fill(0xff, a, b);
        s = b << 3;
      }
      while (s < e) { buf[s >>> 3]! |= 1 << (s & 7); s++; }
    }
    pos += len;
  }
}
