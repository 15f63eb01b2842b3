/**
 * What the playground does, free of any UI: runs in the Web Worker (worker.ts) so big files never
 * freeze the page. It imports the packages by their public names, as a user's app would.
 */
import { isRleError, Mask, components, type Dialect, type MaskDataset, type RleWarning } from '@rlekit/core';
import { dialect as rlekitJson } from '@rlekit/core/json';
import { detectConventions, detectCsvConventions } from '@rlekit/detect';
import { renderOverlay } from '@rlekit/render';
import { dialect as coco } from '@rlekit/coco';
import * as kaggle from '@rlekit/kaggle';
import { dialect as png } from '@rlekit/png';
import { dialect as encord } from '@rlekit/encord';
import { dialect as cvat } from '@rlekit/cvat';
import { dialect as dicom } from '@rlekit/dicom';
import { dialect as labelStudio } from '@rlekit/label-studio';
import { dialect as darwin } from '@rlekit/darwin';
import { dialect as supervisely } from '@rlekit/supervisely';
import { dialect as labelme } from '@rlekit/labelme';
import { dialect as cocoPanoptic } from '@rlekit/coco-panoptic';
import { zipSync } from 'fflate';

export const dialects: Dialect[] = [coco, cocoPanoptic, kaggle.dialect, png, encord, cvat, dicom, labelStudio, darwin, supervisely, labelme, rlekitJson];

/** One reading of the input, as the page shows it. */
export interface Interpretation {
  title: string;
  dialect: string;
  score: number;
  reasons: string[];
  /** Pixels to draw: RGBA of size [h, w]. */
  height: number;
  width: number;
  rgba: Uint8ClampedArray;
  /** Of the mask (text) or of all masks of the first image (files). */
  area: number;
  bbox: [number, number, number, number];
  parts: number;
  /** Files: how many images and masks the reading holds. */
  images?: number;
  masks?: number;
  /** Readings of text: order/base/relative, for the summary line. */
  order?: 'row' | 'col';
  base?: 0 | 1;
  relative?: boolean;
  presets?: string[];
}

export interface Outcome {
  kind: 'text' | 'file';
  forms: string[];
  sizes?: [number, number][];
  interpretations: Interpretation[];
  warnings: string[];
}

export type Progress = (phase: string, done: number, total: number) => void;

const FG: [number, number, number] = [29, 78, 216];

/** A binary mask as RGBA: foreground blue, background white. Row runs, one pass. */
export function maskRgba(mask: Mask): Uint8ClampedArray {
  const out = new Uint8ClampedArray(mask.height * mask.width * 4).fill(255);
  const runs = mask.runsView('row');
  let p = 0;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    if (k & 1) for (let i = p; i < p + r; i++) { out[4 * i] = FG[0]; out[4 * i + 1] = FG[1]; out[4 * i + 2] = FG[2]; }
    p += r;
  }
  return out;
}

function bboxOf(mask: Mask): [number, number, number, number] {
  const b = mask.bbox();
  return [b.x, b.y, b.width, b.height];
}

/** What the current input decoded to: kept in the worker so conversions need not send masks back. */
let held: MaskDataset[] = [];

function single(mask: Mask): MaskDataset {
  return {
    images: [{ id: 1, height: mask.height, width: mask.width, fileName: 'mask.png' }],
    categories: [],
    annotations: [{ id: 1, imageId: 1, mask }],
  };
}

export function parseSize(text: string | undefined): { height: number; width: number } | undefined {
  if (!text || !text.trim()) return undefined;
  const m = /^\s*(\d+)\s*[x×,\s]\s*(\d+)\s*$/i.exec(text);
  if (!m) throw new Error(`Size "${text}" is not HxW (height first, e.g. 48x64)`);
  return { height: Number(m[1]), width: Number(m[2]) };
}

/** Every plausible reading of pasted text (anything `rlekit decode` takes). */
export function decodeText(text: string, sizeText?: string): Outcome {
  const size = parseSize(sizeText);
  const r = detectConventions(text, { ...(size ? { size } : {}), limit: 8 });
  held = r.candidates.map((c) => single(c.mask));
  return {
    kind: 'text', forms: r.forms, ...(r.sizes ? { sizes: r.sizes } : {}), warnings: [],
    interpretations: r.candidates.map((c) => ({
      title: describe(c), dialect: c.dialect, score: c.score, reasons: c.reasons,
      height: c.size[0], width: c.size[1], rgba: maskRgba(c.mask),
      area: c.area, bbox: c.bbox, parts: c.parts, order: c.order,
      ...(c.base !== undefined ? { base: c.base } : {}), ...(c.relative !== undefined ? { relative: c.relative } : {}),
      ...(c.presets ? { presets: c.presets } : {}),
    })),
  };
}

function describe(c: { dialect: string; order: string; base?: number; relative?: boolean; size: [number, number] }): string {
  const parts = [c.dialect, c.order === 'row' ? 'row-major' : 'column-major'];
  if (c.base !== undefined) parts.push(`${c.base}-based`);
  if (c.relative) parts.push('relative starts');
  return `${parts.join(', ')}, ${c.size[0]}x${c.size[1]}`;
}

async function readAll(file: Blob, progress: Progress): Promise<Uint8Array> {
  const total = file.size;
  const out = new Uint8Array(total);
  const reader = file.stream().getReader();
  let done = 0, last = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    out.set(value, done);
    done += value.length;
    if (done - last > total / 100 || done === total) { progress('reading', done, total); last = done; }
  }
  return out;
}

/** A dropped file: its dialect sniffed, read, drawn; a Kaggle CSV gets every convention that fits. */
export async function decodeFile(file: File, sizeText: string | undefined, progress: Progress): Promise<Outcome> {
  const bytes = await readAll(file, progress);
  const head = bytes.subarray(0, 1 << 16);
  const ranked = dialects
    .map((d) => ({ d, s: d.sniffDetail ? d.sniffDetail(head, file.name) : { confidence: d.sniff(head, file.name) } }))
    .filter((x) => x.s.confidence > 0)
    .sort((a, b) => b.s.confidence - a.s.confidence);
  if (ranked.length === 0) throw new Error(`No dialect recognises ${file.name}`);
  const warnings: string[] = [];
  const context = { warn: (w: RleWarning) => { if (warnings.length < 50) warnings.push(`${w.code}: ${w.message}`); } };
  if (ranked[0]!.d.id === 'kaggle') return decodeCsv(bytes, file.name, sizeText, context, warnings, progress);
  let lastError: unknown;
  for (const { d, s } of ranked) {
    try {
      const dataset = await readWithProgress(d, bytes, context, progress);
      held = [dataset];
      return { kind: 'file', forms: [d.title], warnings, interpretations: [view(dataset, d.title, d.id, s.confidence, [s.reason ?? `sniffed as ${d.id}`])] };
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

/**
 * Reads through the dialect's stream when it has one, so a file of a million masks reports how
 * many are done (the total is unknown until the end: the bar is indeterminate, the count is not).
 */
async function readWithProgress(d: Dialect, bytes: Uint8Array, context: { warn: (w: RleWarning) => void }, progress: Progress): Promise<MaskDataset> {
  progress(`decoding ${d.title}`, 0, 0);
  if (!d.readStream) return d.read(bytes, {}, context);
  const stream = await d.readStream(bytes, {}, context);
  const annotations: MaskDataset['annotations'] = [];
  for await (const a of stream.annotations) {
    annotations.push(a);
    if ((annotations.length & 1023) === 0) progress(`decoding ${d.title}: masks`, annotations.length, 0);
  }
  progress(`decoded ${d.title}: masks`, annotations.length, 0);
  return { images: stream.images, categories: stream.categories, annotations };
}

async function decodeCsv(bytes: Uint8Array, name: string, sizeText: string | undefined, context: { warn: (w: RleWarning) => void }, warnings: string[], progress: Progress): Promise<Outcome> {
  const size = parseSize(sizeText);
  const records: string[][] = [];
  for await (const r of kaggle.csvRecords(bytes, name)) {
    records.push(r.fields);
    if (records.length > 2000) break;
  }
  let d;
  try {
    d = detectCsvConventions(records, { ...(size ? { size } : {}), sampleRows: 200 });
  } catch (e) {
    if (!size && isRleError(e) && e.code === 'INVALID_OPTION') {
      throw new Error('This Kaggle CSV has no Height/Width columns: type the image size in the Size box (height x width), then read the file again');
    }
    throw e;
  }
  if (d.sizeWarning) warnings.push(d.sizeWarning);
  // Each convention re-reads the whole file: the best few are enough to compare.
  const conventions = d.conventions.slice(0, 4);
  held = [];
  const interpretations: Interpretation[] = [];
  const sizeColumns = d.header.some((h) => /^height$/i.test(h.trim())) && d.header.some((h) => /^width$/i.test(h.trim()));
  for (const [i, c] of conventions.entries()) {
    progress('reading under each convention', i, conventions.length);
    const options = {
      ...(d.headerMatches[0] ? { preset: d.headerMatches[0] } : {}),
      order: c.order, base: c.base, pairing: c.relative ? ('relative' as const) : ('absolute' as const),
      ...(sizeColumns ? {} : { size: `${c.size[0]}x${c.size[1]}` }),
    };
    const title = `kaggle, ${c.order === 'row' ? 'row-major' : 'column-major'}, ${c.base}-based${c.relative ? ', relative' : ''}, ${c.size[0]}x${c.size[1]}`;
    try {
      const dataset = await kaggle.dialect.read(bytes, options, context);
      held.push(dataset);
      interpretations.push(view(dataset, title, 'kaggle', c.score, c.reasons, c.presets));
    } catch (e) {
      warnings.push(`${title}: ${errorText(e)}`);
    }
  }
  progress('read', 1, 1);
  return { kind: 'file', forms: [`Kaggle CSV, RLE column ${d.rleColumn}`], warnings, interpretations };
}

/** The first image of a dataset, drawn; area/bbox/parts of the union of its masks. */
function view(dataset: MaskDataset, title: string, id: string, score: number, reasons: string[], presets?: string[]): Interpretation {
  const image = dataset.images[0];
  if (!image) throw new Error('The file holds no images');
  const anns = dataset.annotations.filter((a) => a.imageId === image.id);
  const size = { height: image.height, width: image.width };
  let union = Mask.empty(size);
  for (const a of anns) union = union.union(a.mask);
  const rgba = renderOverlay(size, anns, [], { alpha: 1, legend: false }).data;
  return {
    title: `${title}${dataset.images.length > 1 ? ` (image 1 of ${dataset.images.length})` : ''}`, dialect: id, score, reasons,
    height: image.height, width: image.width, rgba,
    area: union.area(), bbox: bboxOf(union), parts: components(union).length,
    images: dataset.images.length, masks: dataset.annotations.length,
    ...(presets ? { presets } : {}),
  };
}

export interface Converted {
  bytes: Uint8Array;
  fileName: string;
  warnings: string[];
}

/** The chosen reading written in another dialect (folder dialects come as a zip). */
export async function convert(index: number, to: string, options: Record<string, unknown>): Promise<Converted> {
  const dataset = held[index];
  if (!dataset) throw new Error('Nothing decoded to convert');
  const target = dialects.find((d) => d.id === to);
  if (!target) throw new Error(`No dialect ${to}`);
  const warnings: string[] = [];
  const context = { warn: (w: RleWarning) => { warnings.push(`${w.code}: ${w.message}`); } };
  const ext = target.extensions[0] ?? '.bin';
  if (target.output === 'file') {
    const bytes = await target.write(dataset, options, context);
    return { bytes, fileName: `mask.${to}${ext}`, warnings };
  }
  const files: Record<string, Uint8Array> = {};
  for await (const f of target.writeFiles!(dataset, options, context)) files[f.path] = f.bytes;
  const names = Object.keys(files);
  if (names.length === 1) return { bytes: files[names[0]!]!, fileName: names[0]!.split('/').pop()!, warnings };
  return { bytes: zipSync(files), fileName: `masks.${to}.zip`, warnings };
}

export function errorText(e: unknown): string {
  if (isRleError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : 'Unexpected error';
}

export const kagglePresets = kaggle.presetIds;
