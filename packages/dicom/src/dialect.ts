/**
 * The `dicom` dialect: a DICOM SEG file as a dataset. Segments are categories; each plane
 * (a distinct ImagePositionPatient, or the frame's non-segment dimension indices) is an
 * image; each non-empty frame is one annotation.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import {
  checkPaintPixels, collectDataset, isFolderSource, Mask, notCarried, readAllBytes, describeValue, RleError, silentContext,
  type Annotation, type Category, type Dialect, type DialectContext, type DialectInput, type ImageInfo,
  type MaskDataset, type MaskDatasetStream,
} from '@rlekit/core';
import { dicomLabToRgb, rgbToDicomLab } from './color.js';
import { checkPart10, DEFAULT_MAX_PIXELS, isPart10 } from './part10.js';
import { readSeg, writeSeg, type Code, type Segment, type SegFrame, type SourceImage } from './seg.js';

const readSchema = z.object({
  threshold: z._default(z.number().check(z.gte(0), z.lt(1)), 0.5)
    .register(z.globalRegistry, { description: 'FRACTIONAL SEG: a pixel is set when its value is above threshold * MaximumFractionalValue' }),
  maxPixels: z._default(z.int().check(z.positive()), DEFAULT_MAX_PIXELS)
    .register(z.globalRegistry, { description: 'Largest total pixel count of all frames, refused before decoding' }),
  maxBytes: z._default(z.int().check(z.positive()), 0x7fffffff)
    .register(z.globalRegistry, { description: 'Largest file read into memory, in bytes' }),
});

const writeSchema = z.object({
  transferSyntax: z._default(z.enum(['explicit', 'rle']), 'explicit')
    .register(z.globalRegistry, { description: 'Pixel Data encoding: native Explicit VR Little Endian, or RLE Lossless' }),
  segmentationType: z._default(z.enum(['BINARY', 'FRACTIONAL']), 'BINARY')
    .register(z.globalRegistry, { description: 'BINARY (1-bit; most tools) or FRACTIONAL 0/255 (dcmjs/OHIF read it with RLE)' }),
  contentDateTime: z._default(z.string().check(z.regex(/^(\d{14})?$/, 'YYYYMMDDHHMMSS or empty')), '')
    .register(z.globalRegistry, { description: 'Content/Study date and time as YYYYMMDDHHMMSS (UTC); empty = now. Fix it for reproducible files' }),
  maxPixels: z._default(z.int().check(z.positive()), DEFAULT_MAX_PIXELS)
    .register(z.globalRegistry, { description: 'Largest total pixel count of all frames, refused before any frame is built' }),
});

export interface DicomReadOptions {
  /** FRACTIONAL SEG: a pixel is set when its value is above threshold * MaximumFractionalValue (default 0.5). */
  threshold: number;
  /** Largest total pixel count of all frames, refused before decoding. */
  maxPixels: number;
  /** Largest file read into memory, in bytes. */
  maxBytes: number;
}

export interface DicomWriteOptions {
  /** Pixel Data encoding: native Explicit VR Little Endian, or RLE Lossless. */
  transferSyntax: 'explicit' | 'rle';
  /** BINARY (1-bit) or FRACTIONAL (8-bit 0/255). */
  segmentationType: 'BINARY' | 'FRACTIONAL';
  /** Content/Study date and time as YYYYMMDDHHMMSS (UTC); empty = now. */
  contentDateTime: string;
  /** Largest total pixel count of all frames (rows × columns × frames), refused before any frame is built. */
  maxPixels: number;
}

function parseWith<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  // zod/mini ships no messages: zod's English ones, as the full zod printed them.
  const r = schema.safeParse(input ?? {}, { error: en().localeError });
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new RleError('INVALID_OPTION', `Invalid option ${issue.path.join('.')}: ${issue.message}`, { path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) });
}

// Library calls get RleError INVALID_OPTION; the dialect exposes the zod schemas themselves (the CLI derives flags from them).
const readOptions = { parse: (input: unknown): DicomReadOptions => parseWith(readSchema, input) };
const writeOptions = { parse: (input: unknown): DicomWriteOptions => parseWith(writeSchema, input) };

/** The plane an annotation belongs to: its position, else its non-segment dimension indices, else its frame. */
function planeKey(f: SegFrame, segmentDim: number): string {
  if (f.planeIndex !== undefined) return `z:${f.planeIndex}`;
  if (f.imagePositionPatient) return `p:${f.imagePositionPatient.join('\\')}`;
  if (f.dimensionIndexValues && f.dimensionIndexValues.length > (segmentDim >= 0 ? 1 : 0)) {
    return `d:${f.dimensionIndexValues.filter((_, i) => i !== segmentDim).join('\\')}`;
  }
  if (f.sourceImage) return `s:${f.sourceImage.sopInstanceUID}/${f.sourceImage.frameNumber ?? 0}`;
  return `f:${f.frameIndex}`;
}

/**
 * A SEG file as a dataset. Async: dcmjs is loaded on first use.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const bytes = await datasetToSeg({ images: [{ id: 1, height: 3, width: 4 }], categories: [{ id: 1, name: 'liver' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] });
 * const dataset = await segToDataset(bytes);
 * [dataset.categories[0].name, dataset.annotations[0].mask.equals(mask)]; // → ['liver', true]
 * ```
 */
export async function segToDataset(bytes: Uint8Array, options: Partial<DicomReadOptions> = {}, context: DialectContext = silentContext): Promise<MaskDataset> {
  const o = readOptions.parse(options);
  const seg = await readSeg(bytes, { threshold: o.threshold, maxPixels: o.maxPixels, maxBytes: o.maxBytes, warn: context.warn });
  if (seg.thresholdedFrames) {
    context.warn({ code: 'thresholded', message: `dicom: ${seg.thresholdedFrames} FRACTIONAL frames hold values between 0 and ${seg.maximumFractionalValue}; pixels above ${o.threshold} of it became the mask`, count: seg.thresholdedFrames });
  }
  if (seg.tiledFull) {
    const t = seg.tiledFull;
    context.warn({ code: 'tiles-assembled', message: `dicom: a TILED_FULL SEG: each segment's ${t.down} x ${t.across} tiles of ${t.tileRows}x${t.tileColumns} were assembled into one ${seg.rows}x${seg.columns} image (the total pixel matrix)`, count: 1 });
  }
  if (seg.oneBitRleLayout === 'legacy-bitpacked') {
    context.warn({ code: 'legacy-layout', message: 'dicom: 1-bit RLE frames use the superseded bit-packed layout (decoded by their length)', count: seg.frames.length });
  }
  // Position of ReferencedSegmentNumber among the frame's dimension index values (BINARY/FRACTIONAL).
  const segmentDim = seg.segmentDimension ?? -1;
  const images: ImageInfo[] = [];
  const imageOf = new Map<string, ImageInfo>();
  const annotations: Annotation[] = [];
  for (const f of seg.frames) {
    const key = planeKey(f, segmentDim);
    let image = imageOf.get(key);
    if (image === undefined) {
      image = { id: images.length + 1, height: seg.rows, width: seg.columns };
      const attributes: Record<string, unknown> = {};
      if (f.imagePositionPatient) attributes.imagePositionPatient = [...f.imagePositionPatient];
      if (f.sourceImage) attributes.sourceImage = { ...f.sourceImage };
      if (Object.keys(attributes).length > 0) image.attributes = attributes;
      imageOf.set(key, image);
      images.push(image);
    }
    // An empty frame means the segment is absent on that plane (frames of empty segments may be omitted).
    if (f.mask.isEmpty()) continue;
    annotations.push({ id: annotations.length + 1, imageId: image.id, categoryId: f.segmentNumber, mask: f.mask });
  }
  const categories: Category[] = seg.segments.filter((s) => s.number > 0 || seg.segmentationType !== 'LABELMAP').map((s) => {
    const c: Category = { id: s.number, name: s.label };
    if (s.cielab) c.color = dicomLabToRgb(s.cielab);
    const attributes: Record<string, unknown> = {};
    if (s.category) attributes.propertyCategory = s.category;
    if (s.type) attributes.propertyType = s.type;
    if (s.algorithmType) attributes.algorithmType = s.algorithmType;
    if (s.algorithmName) attributes.algorithmName = s.algorithmName;
    if (s.description) attributes.description = s.description;
    if (Object.keys(attributes).length > 0) c.attributes = attributes;
    return c;
  });
  if (images.length > 0) {
    const first = images[0]!;
    const study: Record<string, unknown> = {};
    if (seg.studyInstanceUID) study.studyInstanceUID = seg.studyInstanceUID;
    if (seg.frameOfReferenceUID) study.frameOfReferenceUID = seg.frameOfReferenceUID;
    if (seg.patientID) study.patientID = seg.patientID;
    if (seg.referencedSeriesInstanceUID) study.referencedSeriesInstanceUID = seg.referencedSeriesInstanceUID;
    if (seg.pixelSpacing) study.pixelSpacing = [...seg.pixelSpacing];
    if (seg.imageOrientationPatient) study.imageOrientationPatient = [...seg.imageOrientationPatient];
    if (Object.keys(study).length > 0) first.attributes = { ...first.attributes, ...study };
  }
  return { images, categories, annotations };
}

function isCode(v: unknown): v is Code {
  const c = v as Code;
  return typeof c === 'object' && c !== null && typeof c.value === 'string' && typeof c.scheme === 'string' && typeof c.meaning === 'string';
}

function isTriple(v: unknown): v is [number, number, number] {
  return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/**
 * A dataset as SEG bytes: segments from categories, one frame per image and category.
 * Async: dcmjs is loaded on first use.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const bytes = await datasetToSeg({ images: [{ id: 1, height: 3, width: 4 }], categories: [{ id: 1, name: 'liver' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] });
 * // A DICOM Part 10 file: 128-byte preamble, then "DICM".
 * decodeUtf8(bytes.subarray(128, 132)); // → 'DICM'
 * ```
 */
export async function datasetToSeg(dataset: MaskDataset, options: Partial<DicomWriteOptions> = {}, context: DialectContext = silentContext): Promise<Uint8Array> {
  const o = writeOptions.parse(options);
  const { images, categories, annotations } = dataset;
  if (images.length === 0) throw new RleError('INVALID_STRUCTURE', 'A SEG needs at least one image', { path: ['images'], expected: 'at least one image' });
  const { height, width } = images[0]!;
  images.forEach((im, i) => {
    if (im.height !== height || im.width !== width) {
      throw new RleError('SIZE_MISMATCH', 'All images of a SEG have one size (Rows, Columns)', { path: ['images', i], expected: `${height}x${width}`, received: `${im.height}x${im.width}` });
    }
  });
  // Every image is at least one frame: refused here, before any mask is merged or frame bitmap
  // allocated (writeSeg checks the exact frame count, one per image and segment, the same way).
  checkPaintPixels(images.length * height * width, o.maxPixels, `${images.length} frames of ${height}x${width}`, ['images']);
  for (const w of notCarried(dataset, dialect.capabilities, 'dicom')) context.warn(w);

  const segments: Segment[] = [];
  const segmentOf = new Map<unknown, number>();
  let badColors = 0, backslashes = 0;
  for (const c of categories) {
    // A backslash separates values in DICOM strings: kept, a name a\b would read back as a.
    if (c.name.includes('\\')) backslashes++;
    const s: Segment = { number: segments.length + 1, label: c.name.replace(/\\/g, '/').slice(0, 64) };
    if (c.name.length > 64) context.warn({ code: 'truncated-label', message: `Category name "${c.name.slice(0, 20)}…" cut to 64 characters (SegmentLabel is LO)`, count: 1 });
    // Only three bytes make a colour: anything else would be clamped or break serialising.
    if (c.color !== undefined) {
      if (Array.isArray(c.color) && c.color.length === 3 && c.color.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) s.cielab = rgbToDicomLab(c.color);
      else badColors++;
    }
    const a = c.attributes ?? {};
    if (isCode(a.propertyCategory)) s.category = a.propertyCategory;
    if (isCode(a.propertyType)) s.type = a.propertyType;
    if ((a.algorithmType === 'SEMIAUTOMATIC' || a.algorithmType === 'AUTOMATIC') && typeof a.algorithmName === 'string' && a.algorithmName) {
      s.algorithmType = a.algorithmType;
      s.algorithmName = a.algorithmName;
    }
    if (typeof a.description === 'string' && a.description) s.description = a.description;
    segments.push(s);
    segmentOf.set(c.id, s.number);
  }
  if (backslashes > 0) context.warn({ code: 'not-carried', message: `dicom: ${backslashes} category names contain a backslash (the DICOM value separator), written as "/"`, count: backslashes });
  if (badColors > 0) context.warn({ code: 'not-carried', message: `dicom: ${badColors} category colours are not [r, g, b] of 0..255 and were left out`, count: badColors });
  // SegmentNumber must be 1, 2, 3, ...: other category ids cannot survive, so the renumbering is said.
  const renumbered = categories.filter((c, i) => c.id !== i + 1).length;
  if (renumbered > 0) context.warn({ code: 'not-carried', message: `dicom cannot carry category ids: ${renumbered} categories were renumbered as segments 1..${categories.length} (in order)`, count: renumbered, capability: 'categoryIds' });
  // A segment keeps a colour, codes, algorithm and description; a reader numbers planes 1, 2, ... in order.
  const segmentKeys = new Set(['propertyCategory', 'propertyType', 'algorithmType', 'algorithmName', 'description']);
  const categoryAttributesLost = categories.filter((c) => c.supercategory !== undefined || Object.keys(c.attributes ?? {}).some((k) => !segmentKeys.has(k))).length;
  if (categoryAttributesLost > 0) context.warn({ code: 'not-carried', message: `dicom cannot carry category attributes other than colour, codes, algorithm and description: ${categoryAttributesLost} categories' supercategory or attributes lost`, count: categoryAttributesLost, capability: 'categoryAttributes' });
  const imageIdsLost = images.filter((im, i) => String(im.id) !== String(i + 1)).length;
  if (imageIdsLost > 0) context.warn({ code: 'not-carried', message: `dicom cannot carry image ids: ${imageIdsLost} image ids lost (planes are numbered in order on reading)`, count: imageIdsLost, capability: 'imageIds' });
  const imageAttributesLost = images.filter((im) => Object.keys(im.attributes ?? {}).some((k) => k !== 'imagePositionPatient' && k !== 'sourceImage')).length;
  if (imageAttributesLost > 0) context.warn({ code: 'not-carried', message: `dicom cannot carry image attributes other than position and source image: ${imageAttributesLost} images' attributes lost`, count: imageAttributesLost, capability: 'imageAttributes' });
  let unlabelled = 0;
  const segmentFor = (a: Annotation): number => {
    const n = a.categoryId === undefined ? undefined : segmentOf.get(a.categoryId);
    if (n !== undefined) return n;
    unlabelled++;
    if (!segmentOf.has('\0unlabelled')) {
      segments.push({ number: segments.length + 1, label: 'unlabelled' });
      segmentOf.set('\0unlabelled', segments.length);
    }
    return segmentOf.get('\0unlabelled')!;
  };

  // Union per (image, segment): a SEG frame is one segment on one plane.
  const byImage = new Map<unknown, Map<number, Mask>>();
  let merged = 0, empty = 0;
  annotations.forEach((a, i) => {
    const image = byImage.get(a.imageId) ?? new Map<number, Mask>();
    if (!byImage.has(a.imageId)) {
      if (!images.some((im) => im.id === a.imageId)) throw new RleError('DANGLING_REFERENCE', `Annotation refers to image ${describeValue(a.imageId)}, which is not in images`, { path: ['annotations', i, 'imageId'] });
      byImage.set(a.imageId, image);
    }
    if (a.mask.height !== height || a.mask.width !== width) {
      throw new RleError('SIZE_MISMATCH', 'Mask size differs from its image', { path: ['annotations', i], expected: `${height}x${width}`, received: `${a.mask.height}x${a.mask.width}` });
    }
    if (a.mask.isEmpty()) empty++;
    const s = segmentFor(a);
    const prev = image.get(s);
    if (prev !== undefined) merged++;
    image.set(s, prev === undefined ? a.mask : prev.union(a.mask));
  });
  if (unlabelled > 0) context.warn({ code: 'not-carried', message: `dicom: ${unlabelled} annotations without a known category went into segment "unlabelled"`, count: unlabelled });
  if (merged > 0) context.warn({ code: 'merged-instances', message: `dicom: ${merged} annotations merged into the frame of their image and category (a SEG frame is one segment on one plane)`, count: merged });
  if (empty > 0) context.warn({ code: 'not-carried', message: `dicom: ${empty} empty masks are written as empty frames, which read back as no annotation`, count: empty });
  if (segments.length === 0) segments.push({ number: 1, label: 'unlabelled' });

  const positions = images.map((im, i) => {
    const p = im.attributes?.imagePositionPatient;
    return isTriple(p) ? p : ([0, 0, i] as [number, number, number]);
  });
  const distinct = new Set(positions.map((p) => p.join('\\'))).size === positions.length;
  // Source image references survive a SEG → dataset → SEG trip when every image has one.
  const a0 = images[0]!.attributes ?? {};
  const uid = (v: unknown): string | undefined => (typeof v === 'string' && /^[0-9.]{1,64}$/.test(v) ? v : undefined);
  const referencedSeriesInstanceUID = uid(a0.referencedSeriesInstanceUID);
  const sources = images.map((im) => asSourceImage(im.attributes?.sourceImage));
  const derived = referencedSeriesInstanceUID !== undefined && sources.every((x) => x !== undefined);
  const frames: SegFrame[] = [];
  images.forEach((im, i) => {
    const imagePositionPatient = distinct ? positions[i]! : ([0, 0, i] as [number, number, number]);
    const sourceImage = derived ? sources[i] : undefined;
    const masks = byImage.get(im.id);
    // An image without masks still gets a plane: one empty frame of the first segment.
    if (masks === undefined || masks.size === 0) {
      frames.push({ segmentNumber: 1, imagePositionPatient, mask: Mask.empty({ height, width }), ...(sourceImage ? { sourceImage } : {}) });
      return;
    }
    for (const s of [...masks.keys()].sort((a, b) => a - b)) {
      frames.push({ segmentNumber: s, imagePositionPatient, mask: masks.get(s)!, ...(sourceImage ? { sourceImage } : {}) });
    }
  });
  const spacing = a0.pixelSpacing;
  const orientation = a0.imageOrientationPatient;
  return writeSeg({
    rows: height,
    columns: width,
    segments,
    frames,
    studyInstanceUID: uid(a0.studyInstanceUID),
    frameOfReferenceUID: uid(a0.frameOfReferenceUID),
    patientID: typeof a0.patientID === 'string' ? a0.patientID : undefined,
    contentDateTime: parseDateTime(o.contentDateTime),
    ...(derived ? { referencedSeriesInstanceUID } : {}),
    ...(Array.isArray(spacing) && spacing.length === 2 && spacing.every((x) => typeof x === 'number' && x > 0) ? { pixelSpacing: spacing as [number, number] } : {}),
    ...(Array.isArray(orientation) && orientation.length === 6 && orientation.every((x) => typeof x === 'number' && Number.isFinite(x)) ? { imageOrientationPatient: orientation as number[] } : {}),
  }, { transferSyntax: o.transferSyntax, segmentationType: o.segmentationType, maxPixels: o.maxPixels });
}

function asSourceImage(v: unknown): SourceImage | undefined {
  const o = v as SourceImage;
  if (typeof o !== 'object' || o === null || typeof o.sopClassUID !== 'string' || typeof o.sopInstanceUID !== 'string') return undefined;
  if (!/^[0-9.]{1,64}$/.test(o.sopClassUID) || !/^[0-9.]{1,64}$/.test(o.sopInstanceUID)) return undefined;
  const out: SourceImage = { sopClassUID: o.sopClassUID, sopInstanceUID: o.sopInstanceUID };
  if (Number.isSafeInteger(o.frameNumber) && o.frameNumber! > 0) out.frameNumber = o.frameNumber!;
  return out;
}

function parseDateTime(v: string): Date | undefined {
  if (v === '') return undefined;
  const n = (a: number, b: number): number => Number(v.slice(a, b));
  const d = new Date(Date.UTC(n(0, 4), n(4, 6) - 1, n(6, 8), n(8, 10), n(10, 12), n(12, 14)));
  if (Number.isNaN(d.getTime()) || d.getUTCMonth() !== n(4, 6) - 1 || d.getUTCDate() !== n(6, 8)) {
    throw new RleError('INVALID_OPTION', 'Invalid contentDateTime', { path: ['contentDateTime'], expected: 'a valid date as YYYYMMDDHHMMSS', received: v });
  }
  return d;
}

export const dialect: Dialect<DicomReadOptions, DicomWriteOptions> = {
  id: 'dicom',
  title: 'DICOM Segmentation (SEG), native or RLE Lossless',
  extensions: ['.dcm', '.dicom'],
  capabilities: {
    // Ids and attributes that a SEG holds as they are (1, 2, ... in order; positions) are carried; the writer reports the rest.
    categories: true, categoryIds: true, categoryNames: true, categoryAttributes: true, unusedCategories: true,
    instanceIds: false, scores: false, crowd: false, attributes: false,
    multipleImages: true, overlap: true, emptyImages: true, imageIds: true, fileNames: false, imageAttributes: true,
  },
  readOptions: readSchema,
  writeOptions: writeSchema,
  input: 'file',
  output: 'file',
  sniff(head: Uint8Array, name?: string): number {
    if (isPart10(head)) {
      const text = new TextDecoder('latin1').decode(head.subarray(132, 4096));
      return text.includes('1.2.840.10008.5.1.4.1.1.66') ? 1 : 0.6;
    }
    return name !== undefined && /\.dcm$/i.test(name) ? 0.2 : 0;
  },
  async read(input: DialectInput, options?: Partial<DicomReadOptions>, context?: DialectContext): Promise<MaskDataset> {
    const o = readOptions.parse(options);
    if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'dicom reads one SEG file, not a folder', { received: input.name });
    // "DICM" is checked on the first bytes: /dev/zero is refused at once, not after maxBytes.
    const bytes = await readAllBytes(input, o.maxBytes, { head: { length: 132, check: checkPart10 } });
    return segToDataset(bytes, o, context ?? silentContext);
  },
  async write(dataset: MaskDataset | MaskDatasetStream, options?: Partial<DicomWriteOptions>, context?: DialectContext): Promise<Uint8Array> {
    return datasetToSeg(await collectDataset(dataset), options, context ?? silentContext);
  },
};
