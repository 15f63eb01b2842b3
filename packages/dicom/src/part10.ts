/**
 * DICOM Part 10 files through dcmjs (parse and serialise only), and the pixel data of any
 * native or RLE Lossless file as frames.
 */
import { describeValue, loadOnce, RleError, type WarningSink } from '@rlekit/core';
import { checkFrameInfo, decodeRleFrame, unpackBitsLsb, type FramePixels } from './rle.js';
import { checkSequenceDepth, inflateDeflated, MAX_SEQUENCE_DEPTH, readFileMeta, withDcmjsLog } from './prescan.js';

// dcmjs (about 190 KB gzip, ten times the rest of the package) is loaded on the first parse or
// write: a bundler puts it in a lazy chunk, so importing the adapter (or only its RLE codec) stays small.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Dcmjs = any;
const loadDcmjs = loadOnce(async (): Promise<Dcmjs> => (await import('dcmjs')).default);

export const TS_IMPLICIT_LE = '1.2.840.10008.1.2';
export const TS_EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const TS_DEFLATED_LE = '1.2.840.10008.1.2.1.99';
export const TS_EXPLICIT_BE = '1.2.840.10008.1.2.2';
export const TS_RLE = '1.2.840.10008.1.2.5';

/** Default cap on the pixels of all frames together, checked before any frame is allocated. */
export const DEFAULT_MAX_PIXELS = 1 << 30;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Naturalized = Record<string, any>;

export interface Part10 {
  transferSyntaxUID: string;
  /** The data set, naturalised by dcmjs, without Pixel Data. */
  dataset: Naturalized;
  /** Pixel Data as dcmjs returns it: one buffer (native) or one per frame/fragment (encapsulated). */
  pixelData: ArrayBuffer[] | undefined;
  /** Extended Offset Table (7FE0,0001), when present. */
  extendedOffsetTable: BigUint64Array | undefined;
  /** Specific Character Set as stored (dcmjs rewrites the parsed value to ISO_IR 192). */
  characterSet?: string;
}

/** True when `head` looks like a Part 10 file (preamble + "DICM"). */
export function isPart10(head: Uint8Array): boolean {
  return head.length >= 132 && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d;
}

export interface ParsePart10Options {
  /** Largest data set a Deflated file inflates to, in bytes; refused as soon as it is passed. */
  maxBytes?: number;
  /** Deepest nesting of sequences accepted (default {@link MAX_SEQUENCE_DEPTH}). */
  maxSequenceDepth?: number;
  /** Receives what dcmjs logs about the file (as a `dicom-parser` warning) instead of the console. */
  warn?: WarningSink;
}

/** Refuses what is not the bytes of a Part 10 file (preamble + "DICM"), without loading dcmjs. */
export function checkPart10(bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new RleError('INVALID_OPTION', 'Expected the bytes of a DICOM file', { received: Object.prototype.toString.call(bytes) });
  }
  if (!isPart10(bytes)) {
    throw new RleError('INVALID_STRUCTURE', 'Not a DICOM Part 10 file', { offset: 128, expected: '"DICM" after a 128-byte preamble' });
  }
}

/**
 * Parses a Part 10 file; anything dcmjs cannot read is an INVALID_STRUCTURE error. The checks on
 * the bytes run before dcmjs is loaded (on first use).
 */
export async function parsePart10(bytes: Uint8Array, options: ParsePart10Options = {}): Promise<Part10> {
  checkPart10(bytes);
  // Checks dcmjs has no limits for: a Deflated data set is inflated here, bounded by maxBytes,
  // and sequence nesting is bounded before dcmjs recurses into it.
  const meta = readFileMeta(bytes);
  const deflated = meta.transferSyntaxUID === TS_DEFLATED_LE;
  const data = deflated ? inflateDeflated(bytes, meta, options.maxBytes ?? 0x7fffffff) : bytes;
  checkSequenceDepth(data, deflated ? readFileMeta(data).end : meta.end, deflated ? TS_EXPLICIT_LE : meta.transferSyntaxUID, options.maxSequenceDepth ?? MAX_SEQUENCE_DEPTH);
  const ab = data.buffer.slice(data.byteOffset, data.byteOffset + data.length) as ArrayBuffer;
  const dcmjs = await loadDcmjs();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let file: { meta: Record<string, any>; dict: Record<string, any> };
  try {
    file = withDcmjsLog(dcmjs, options.warn, () => dcmjs.data.DicomMessage.readFile(ab, { ignoreErrors: false }));
  } catch (e) {
    throw new RleError('INVALID_STRUCTURE', `DICOM data set cannot be parsed: ${e instanceof Error ? e.message : 'dcmjs failed'}`, { cause: e });
  }
  const ts = deflated ? TS_DEFLATED_LE : String(file.meta?.['00020010']?.Value?.[0] ?? '').replace(/\0/g, '').trim();
  const characterSet = String(file.dict['00080005']?._rawValue?.[0] ?? '').trim();
  const px = file.dict['7FE00010'];
  const eot = file.dict['7FE00001'];
  delete file.dict['7FE00010'];
  delete file.dict['7FE00001'];
  delete file.dict['7FE00002'];
  let dataset: Naturalized;
  try {
    dataset = withDcmjsLog(dcmjs, options.warn, () => dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.dict));
  } catch (e) {
    throw new RleError('INVALID_STRUCTURE', 'DICOM data set cannot be naturalised', { cause: e });
  }
  let pixelData: ArrayBuffer[] | undefined;
  if (px !== undefined) {
    const v = px.Value;
    if (!Array.isArray(v) || !v.every((b) => b instanceof ArrayBuffer)) {
      throw new RleError('INVALID_STRUCTURE', 'Pixel Data is not a byte value', { path: ['PixelData'], expected: 'OB/OW bytes or fragments' });
    }
    pixelData = v as ArrayBuffer[];
  }
  let extendedOffsetTable: BigUint64Array | undefined;
  const eotValue = eot?.Value?.[0];
  if (eotValue instanceof ArrayBuffer && eotValue.byteLength >= 8) {
    const n = Math.floor(eotValue.byteLength / 8);
    const view = new DataView(eotValue);
    extendedOffsetTable = new BigUint64Array(n);
    for (let i = 0; i < n; i++) extendedOffsetTable[i] = view.getBigUint64(i * 8, true);
  }
  const out: Part10 = { transferSyntaxUID: ts, dataset, pixelData, extendedOffsetTable };
  if (characterSet) out.characterSet = characterSet;
  return out;
}

function int(ds: Naturalized, key: string, fallback?: number): number {
  let v = ds[key];
  if (Array.isArray(v)) v = v[0];
  if (v === undefined || v === null || v === '') {
    if (fallback !== undefined) return fallback;
    throw new RleError('INVALID_STRUCTURE', `Missing ${key}`, { path: [key], expected: 'an integer' });
  }
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isSafeInteger(n) || n < 0) throw new RleError('INVALID_STRUCTURE', `Invalid ${key}`, { path: [key], expected: 'a non-negative integer', received: describeValue(v) });
  return n;
}

/** Where the frames of a file are, before decoding any: the geometry and each frame's bytes. */
export interface PixelLayout {
  transferSyntaxUID: string;
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  samplesPerPixel: number;
  /** 1 when native colour frames are stored plane by plane (RRR…GGG…BBB…). */
  planarConfiguration: number;
  numberOfFrames: number;
  /** Native files: the whole Pixel Data value (frames follow each other, 1-bit frames not byte aligned). */
  native?: Uint8Array;
  /** RLE files: one fragment per frame. */
  fragments?: Uint8Array[];
}

const concat = (parts: ArrayBuffer[]): Uint8Array => {
  if (parts.length === 1) return new Uint8Array(parts[0]!);
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out;
};

/** Finds each frame's bytes and checks sizes and limits before anything is decoded. */
export function pixelLayout(file: Part10, maxPixels = DEFAULT_MAX_PIXELS): PixelLayout {
  const ds = file.dataset;
  const rows = int(ds, 'Rows');
  const columns = int(ds, 'Columns');
  const bitsAllocated = int(ds, 'BitsAllocated');
  const bitsStored = int(ds, 'BitsStored', bitsAllocated);
  const samplesPerPixel = int(ds, 'SamplesPerPixel', 1);
  const numberOfFrames = int(ds, 'NumberOfFrames', 1);
  const planarConfiguration = samplesPerPixel > 1 ? int(ds, 'PlanarConfiguration', 0) : 0;
  checkFrameInfo({ rows, columns, bitsAllocated, samplesPerPixel });
  const pixels = rows * columns * numberOfFrames;
  if (pixels > maxPixels) {
    throw new RleError('LIMIT_EXCEEDED', `${numberOfFrames} frames of ${rows}x${columns} exceed maxPixels`, { path: ['NumberOfFrames'], expected: `at most ${maxPixels} pixels`, received: describeValue(pixels) });
  }
  if (file.pixelData === undefined) throw new RleError('INVALID_STRUCTURE', 'No Pixel Data', { path: ['PixelData'], expected: '(7FE0,0010)' });
  const ts = file.transferSyntaxUID;
  const base = { transferSyntaxUID: ts, rows, columns, bitsAllocated, bitsStored, samplesPerPixel, planarConfiguration, numberOfFrames };
  if (ts === TS_RLE) {
    let parts = file.pixelData;
    if (parts.length !== numberOfFrames) {
      if (numberOfFrames === 1 && parts.length > 1) {
        // A frame split over several fragments breaks A.4.2 but is unambiguous for one frame.
        parts = [concat(parts).buffer as ArrayBuffer];
      } else if (file.extendedOffsetTable !== undefined && file.extendedOffsetTable.length === numberOfFrames) {
        parts = groupByOffsets(parts, file.extendedOffsetTable);
      } else {
        throw new RleError('CORRUPT', 'RLE Pixel Data has a different number of fragments than frames', { path: ['PixelData'], expected: `${numberOfFrames} fragments (one per frame)`, received: describeValue(parts.length) });
      }
    }
    return { ...base, fragments: parts.map((p) => new Uint8Array(p)) };
  }
  if (ts === TS_EXPLICIT_LE || ts === TS_IMPLICIT_LE || ts === TS_DEFLATED_LE) {
    const bits = pixels * samplesPerPixel * bitsAllocated;
    if (bitsAllocated === 1 && bits > 0xffffffff) {
      // Bit offsets are 32-bit indices into the packed value.
      throw new RleError('LIMIT_EXCEEDED', 'Native 1-bit Pixel Data above 2^32 bits', { path: ['PixelData'], expected: 'at most 4294967295 pixels', received: describeValue(bits) });
    }
    const native = concat(file.pixelData);
    const need = Math.ceil(bits / 8);
    if (native.length < need) {
      throw new RleError('TRUNCATED', 'Pixel Data is shorter than its frames', { path: ['PixelData'], expected: `${need} bytes`, received: describeValue(native.length) });
    }
    return { ...base, native };
  }
  throw new RleError('UNSUPPORTED', 'Unsupported transfer syntax', { path: ['TransferSyntaxUID'], expected: 'Implicit or Explicit VR Little Endian, or RLE Lossless', received: ts });
}

/** Groups fragments into frames with the Extended Offset Table (offsets of each frame's first item). */
function groupByOffsets(parts: ArrayBuffer[], eot: BigUint64Array): ArrayBuffer[] {
  const starts: number[] = [];
  let pos = 0;
  for (const p of parts) {
    starts.push(pos);
    pos += p.byteLength + 8;
  }
  const frames: ArrayBuffer[] = [];
  for (let f = 0; f < eot.length; f++) {
    const a = starts.indexOf(Number(eot[f]));
    const next = f + 1 < eot.length ? starts.indexOf(Number(eot[f + 1])) : parts.length;
    if (a < 0 || next < 0 || next <= a) {
      throw new RleError('CORRUPT', 'Extended Offset Table does not point at fragment items', { path: ['ExtendedOffsetTable', f], received: describeValue(eot[f]) });
    }
    frames.push(concat(parts.slice(a, next)).buffer as ArrayBuffer);
  }
  return frames;
}

/** Frame `k` of a layout: 1-bit as 0/1 bytes; samples interleaved by pixel. */
export function decodeFrame(layout: PixelLayout, k: number): FramePixels {
  const { rows, columns, bitsAllocated, samplesPerPixel } = layout;
  const info = { rows, columns, bitsAllocated, samplesPerPixel };
  if (layout.fragments !== undefined) {
    try {
      return decodeRleFrame(layout.fragments[k]!, info);
    } catch (e) {
      throw e instanceof RleError ? e.at('frames', k) : e;
    }
  }
  const native = layout.native!;
  const count = rows * columns * samplesPerPixel;
  if (bitsAllocated === 1) return unpackBitsLsb(native, k * count, count);
  const bytes = bitsAllocated / 8;
  const start = native.byteOffset + k * count * bytes;
  const slice = native.buffer.slice(start, start + count * bytes);
  // Little-endian hosts (every JS engine in practice) read native LE samples directly.
  const raw = bytes === 1 ? new Uint8Array(slice) : bytes === 2 ? new Uint16Array(slice) : new Uint32Array(slice);
  if (samplesPerPixel === 1 || layout.planarConfiguration !== 1) return raw;
  // Colour-by-plane native frames: interleave, so every frame comes back in one layout.
  const out = new (raw.constructor as new (n: number) => FramePixels)(raw.length);
  const pixels = rows * columns;
  for (let s = 0; s < samplesPerPixel; s++) for (let p = 0; p < pixels; p++) out[p * samplesPerPixel + s] = raw[s * pixels + p]!;
  return out;
}

export interface Frames {
  rows: number;
  columns: number;
  bitsAllocated: number;
  samplesPerPixel: number;
  numberOfFrames: number;
  transferSyntaxUID: string;
  frames: FramePixels[];
}

export interface ReadFramesOptions extends ParsePart10Options {
  /** Largest total pixel count (all frames) decoded; refused before allocating. */
  maxPixels?: number;
}

/**
 * Every frame of a native (Explicit/Implicit VR Little Endian) or RLE Lossless file.
 * 1-bit frames come back as one byte (0/1) per pixel, however they were stored. Async: dcmjs,
 * which parses the file, is loaded on first use.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const seg = await writeSeg({ rows: 3, columns: 4, segments: [{ number: 1, label: 'liver' }], frames: [{ segmentNumber: 1, mask }] }, { transferSyntax: 'rle' });
 * const { frames, bitsAllocated } = await readFrames(seg);
 * [bitsAllocated, Array.from(frames[0])]; // → [1, [0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1]]
 * ```
 */
export async function readFrames(bytes: Uint8Array, options: ReadFramesOptions = {}): Promise<Frames> {
  const layout = pixelLayout(await parsePart10(bytes, options), options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const frames: FramePixels[] = [];
  for (let k = 0; k < layout.numberOfFrames; k++) frames.push(decodeFrame(layout, k));
  return {
    rows: layout.rows,
    columns: layout.columns,
    bitsAllocated: layout.bitsAllocated,
    samplesPerPixel: layout.samplesPerPixel,
    numberOfFrames: layout.numberOfFrames,
    transferSyntaxUID: layout.transferSyntaxUID,
    frames,
  };
}

/** Serialises a naturalised data set as Part 10; encapsulated frames get one fragment each and a Basic Offset Table. */
export async function writePart10(dataset: Naturalized, transferSyntaxUID: string, implementationVersion: string): Promise<Uint8Array> {
  const dcmjs = await loadDcmjs();
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: transferSyntaxUID,
    ImplementationClassUID: RLEKIT_IMPLEMENTATION_UID,
    ImplementationVersionName: implementationVersion,
  };
  const ds = { ...dataset, _vrMap: { PixelData: 'OB' } };
  // What dcmjs logs while writing what rlekit built is not the user's business: captured, dropped.
  return withDcmjsLog(dcmjs, undefined, () => {
    const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
    dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
    // fragmentMultiframe: false keeps one fragment per frame (PS3.5 A.4.2 for RLE).
    const ab: ArrayBuffer = dict.write({ fragmentMultiframe: false });
    return new Uint8Array(ab);
  });
}

/** rlekit's implementation class UID (2.25 form, derived from a fixed UUID). */
export const RLEKIT_IMPLEMENTATION_UID = '2.25.226183624830124453427916402436522129583';
