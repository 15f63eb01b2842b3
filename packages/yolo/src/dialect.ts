/**
 * The `yolo` dialect: Ultralytics YOLO segmentation datasets. A dataset folder holds `data.yaml`
 * (class `names`, `path`, `train`/`val`/`test`) and `labels/**.txt`, one per image, one line per
 * instance: `class x1 y1 x2 y2 ...` normalised to [0, 1]; images sit at the same paths under
 * `images/`. A labels folder (or one .txt file) without data.yaml needs `names` (or gets numbered
 * classes). Sizes come from the images' headers, `size`, `sizes` (CSV), `images` or `imageSizes`.
 */
import {
  collectDataset, components, decodeUtf8, encodeUtf8, isFolderSource, loadOnce, parseDialectOptions, readAllBytes, readAllFiles, readFileByFile, readImageSize, RleError, silentContext, SizeResolver,
  type Annotation, type ByteSource, type Category, type Dialect, type DialectContext, type DialectInput, type FileByFileRead, type FolderSource, type ImageInfo, type Mask, type MaskDataset,
  type MaskDatasetStream, type OutputFile, type RleWarning, type Size, type SniffResult,
} from '@rlekit/core';
import * as z from 'zod/mini';
import { COORDINATE_MAX, COORDINATE_MIN, encode, parseLine, rasterize } from './codec.js';

// The YAML library (about 30 KB gzip, twice the rest of the adapter) is loaded on first use: only
// data.yaml needs it, and readYolo/writeYolo are async anyway, so importing the adapter stays small.
const loadYaml = loadOnce(() => import('./yaml.js'));

export const readOptions = z.object({
  names: z.optional(z.string().check(z.describe('Class names in class order, comma-separated, when there is no data.yaml (e.g. "cat,dog")'))),
  data: z.optional(z.string().check(z.describe('Path of the data.yaml inside the dataset folder (default: data.yaml, or the shallowest .yaml with names)'))),
  size: z.optional(z.string().check(z.describe('Size of every image, "HxW" (height first), when the images are not in the folder'))),
  sizes: z.optional(z.string().check(z.describe('Path of a CSV with id (or file_name), height and width columns'))),
  images: z.optional(z.string().check(z.describe('Path of a folder of images whose headers give the sizes'))),
  imageSizes: z.optional(z.string().check(z.describe('Sizes inline: "id=HxW;id=HxW"'))),
  maxBytes: z._default(z.number().check(z.int(), z.positive(), z.describe('Largest label file or data.yaml read into memory, in bytes')), 64 << 20),
});

export const writeOptions = z.object({
  parts: z._default(z.enum(['join', 'split']).check(z.describe('join: one line per instance, parts joined by a segment (lossy, measured); split: one line per connected part (exact, instances not kept)')), 'join'),
  minArea: z._default(z.number().check(z.int(), z.minimum(0), z.describe('Parts with fewer pixels are left out (reported as fragments dropped)')), 0),
});

export type YoloReadOptions = z.output<typeof readOptions>;
export type YoloWriteOptions = z.output<typeof writeOptions>;

const IMAGE_EXT = /\.(bmp|dng|jpe?g|mpo|png|tiff?|webp|pfm|heic)$/i;
const NOT_LABELS = /(^|\/)(classes|readme|license|requirements|notes?)\.txt$/i;

const stem = (p: string): string => p.replace(/\.[^./]*$/, '');
const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
const depth = (p: string): number => p.split('/').length - 1;

/** `a/labels/b/c.txt` → `a/b/c` (the image id): the last `labels` segment is dropped, as the extension. */
function idOf(path: string, segment: 'labels' | 'images'): string {
  const parts = stem(path).split('/');
  const i = parts.lastIndexOf(segment);
  if (i >= 0 && i < parts.length - 1) parts.splice(i, 1);
  return parts.join('/');
}

/** Where Ultralytics looks for an image's labels: the last `/images/` becomes `/labels/` (img2label_paths). */
function labelKeyOfImage(path: string): string {
  const parts = stem(path).split('/');
  const i = parts.lastIndexOf('images');
  if (i >= 0 && i < parts.length - 1) parts[i] = 'labels';
  return parts.join('/');
}

interface DataYaml {
  names?: string[];
  path?: string;
}

/** Class names of a data.yaml: a list, or a map from index to name (Ultralytics writes both). */
function namesOf(doc: unknown, file: string): string[] | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const names = (doc as Record<string, unknown>).names;
  if (names === undefined) return undefined;
  const bad = (received: string): RleError => new RleError('INVALID_STRUCTURE', `${file}: names must list the class names`, { path: [file, 'names'], expected: 'a list of names, or a map 0: name, 1: name, ...', received });
  if (Array.isArray(names)) return names.map((n, i) => {
    if (typeof n !== 'string' && typeof n !== 'number') throw bad(`item ${i} of type ${n === null ? 'null' : typeof n}`);
    return String(n);
  });
  if (typeof names === 'object' && names !== null) {
    const out: string[] = [];
    for (const [k, v] of Object.entries(names as Record<string, unknown>)) {
      if (!/^\d{1,6}$/.test(k) || (typeof v !== 'string' && typeof v !== 'number')) throw bad(`key ${JSON.stringify(k.slice(0, 20))}`);
      out[Number(k)] = String(v);
    }
    for (let i = 0; i < out.length; i++) if (out[i] === undefined) throw bad(`no name for class ${i}`);
    return out;
  }
  throw bad(typeof names);
}

/** Label files and data.yaml are text: a NUL in the first bytes (/dev/zero, an image) is refused there. */
const TEXT_HEAD = {
  length: 256,
  check(head: Uint8Array): void {
    const nul = head.indexOf(0);
    if (nul >= 0) throw new RleError('INVALID_STRUCTURE', 'Not a text file', { offset: nul, expected: 'YOLO label text (class x y x y ...)', received: 'a NUL byte' });
  },
};

async function readText(src: ByteSource | Uint8Array, maxBytes: number): Promise<string> {
  try {
    return decodeUtf8(await readAllBytes(src, maxBytes, { head: TEXT_HEAD }));
  } catch (e) {
    throw e instanceof RleError && !(src instanceof Uint8Array) ? e.at(src.name) : e;
  }
}

async function readYaml(src: ByteSource, maxBytes: number): Promise<unknown> {
  const text = await readText(src, maxBytes);
  const { parse: parseYaml } = await loadYaml();
  try {
    // maxAliasCount bounds alias expansion (a "billion laughs" file is refused, not expanded).
    return parseYaml(text, { maxAliasCount: 100, uniqueKeys: false });
  } catch (e) {
    throw new RleError('INVALID_STRUCTURE', `${src.name} is not valid YAML`, { path: [src.name], expected: 'a data.yaml', received: e instanceof Error ? e.message.slice(0, 120) : 'a parse error', cause: e });
  }
}

/** Counts of what reading changed or guessed, reported once per dataset. */
interface ReadTally { boxes: number; obb: number; duplicates: number; unnamed: number }

// A label file's text is read when its turn comes (a read stopped early reads no further file).
interface LabelFile { path: string | undefined; id: string; fileName?: string; text: () => Promise<string>; image?: { folder: FolderSource; path: string } }

async function parseLabels(
  f: LabelFile, size: Size, nextId: () => number, names: string[] | undefined, tally: ReadTally,
): Promise<{ annotations: Annotation[]; maxClass: number }> {
  const annotations: Annotation[] = [];
  const seen = new Set<string>();
  let maxClass = -1;
  const lines = (await f.text()).split('\n');
  const where = f.path ?? f.id;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const p = parseLine(text, [where, 'line', i + 1]);
    if (p === undefined) continue;
    if (names !== undefined && p.classIndex >= names.length) {
      throw new RleError('DANGLING_REFERENCE', `Class ${p.classIndex} is not in names`, { path: [where, 'line', i + 1, 'class'], expected: `a class index below ${names.length}`, received: String(p.classIndex) });
    }
    if (p.kind === 'box') tally.boxes++;
    if (p.kind === 'oriented-box') tally.obb++;
    const key = `${p.classIndex} ${p.points.join(' ')}`;
    if (seen.has(key)) tally.duplicates++;
    seen.add(key);
    maxClass = Math.max(maxClass, p.classIndex);
    annotations.push({ id: nextId(), imageId: f.id, categoryId: p.classIndex, mask: rasterize(p.points, size) });
  }
  return { annotations, maxClass };
}

/**
 * @example
 * ```ts
 * const folder = memoryFolder({
 *   'data.yaml': encodeUtf8('names: [leaf, stem]\n'),
 *   'labels/a.txt': encodeUtf8('1 0.25 0.25 0.75 0.25 0.75 0.75 0.25 0.75\n'),
 * });
 * const dataset = await readYolo(folder, { size: '4x8' });
 * [dataset.categories.map((c) => c.name), dataset.annotations[0].mask.area()]; // → [['leaf', 'stem'], 15]
 * ```
 */
export async function readYolo(input: DialectInput, options: Partial<YoloReadOptions> = {}, context: DialectContext = silentContext): Promise<MaskDataset> {
  return readAllFiles(await openYoloRead(input, options, context));
}

/**
 * Reads YOLO label files one by one, for a caller that may stop early (`inspect --limit`): see
 * core's readFileByFile. Without names (data.yaml, classes.txt, the names option) the categories
 * are the class indices seen so far, 0 to the largest.
 */
async function readYoloIncrementally(input: DialectInput, options: Partial<YoloReadOptions> = {}, context: DialectContext = silentContext): Promise<MaskDatasetStream> {
  return readFileByFile(await openYoloRead(input, options, context));
}

/** The read's dataset (its lists growing as its files are read), a step per file, and what is said at the end. */
async function openYoloRead(input: DialectInput, options: Partial<YoloReadOptions>, context: DialectContext): Promise<FileByFileRead> {
  const o = parseDialectOptions(readOptions, options, 'yolo');
  const sizes = await SizeResolver.create(o, 'file_name', context, ' (or keep the images beside the labels: images/ next to labels/)', { orientation: true });
  let names = o.names !== undefined && o.names.trim() !== '' ? o.names.split(',').map((s) => s.trim()) : undefined;
  const files: LabelFile[] = [];
  const backgrounds: { id: string; fileName: string; folder: FolderSource; path: string }[] = [];
  if (isFolderSource(input)) {
    const all = await input.list();
    // data.yaml: named, or data.yaml at the shallowest depth, or the shallowest .yaml with names.
    const yamls = o.data !== undefined ? [o.data] : all.filter((f) => /\.ya?ml$/i.test(f)).sort((a, b) => depth(a) - depth(b) || Number(base(b) === 'data.yaml') - Number(base(a) === 'data.yaml') || (a < b ? -1 : 1));
    if (names === undefined) {
      for (const y of yamls) {
        const doc = await readYaml(input.open(y), o.maxBytes);
        const found = namesOf(doc, y);
        if (found !== undefined) { names = found; break; }
        if (o.data !== undefined) throw new RleError('INVALID_STRUCTURE', `${y} has no names`, { path: [y, 'names'], expected: 'names: [class, ...]' });
      }
    }
    if (names === undefined) {
      const classes = all.filter((f) => /(^|\/)(classes\.txt|obj\.names)$/i.test(f)).sort((a, b) => depth(a) - depth(b))[0];
      if (classes !== undefined) {
        names = (await readText(input.open(classes), o.maxBytes)).split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');
      }
    }
    const underLabels = all.some((f) => /(^|\/)labels\/.+\.txt$/i.test(f));
    const labelPaths = all.filter((f) => /\.txt$/i.test(f) && !NOT_LABELS.test(f) && (!underLabels || /(^|\/)labels\//i.test(f)));
    const images = new Map<string, string>();
    for (const f of all) if (IMAGE_EXT.test(f)) { const k = labelKeyOfImage(f); if (!images.has(k)) images.set(k, f); }
    const labelled = new Set<string>();
    for (const path of labelPaths) {
      const key = stem(path);
      labelled.add(key);
      const image = images.get(key);
      files.push({
        path, id: idOf(path, 'labels'), ...(image !== undefined ? { fileName: base(image) === image ? image : idOf(image, 'images') + image.slice(stem(image).length), image: { folder: input, path: image } } : {}),
        text: () => readText(input.open(path), o.maxBytes),
      });
    }
    // Images without a label file are background images (Ultralytics trains on them as such).
    if (underLabels) {
      for (const [key, path] of images) {
        if (!labelled.has(key)) backgrounds.push({ id: idOf(path, 'images'), fileName: idOf(path, 'images') + path.slice(stem(path).length), folder: input, path });
      }
    }
  } else {
    const name = input instanceof Uint8Array ? 'input' : input.name;
    const text = await readText(input, o.maxBytes);
    files.push({ path: undefined, id: stem(base(name)), text: async () => text });
  }
  const tally: ReadTally = { boxes: 0, obb: 0, duplicates: 0, unnamed: 0 };
  const named = names;
  // Named classes are the categories from the start; unnamed ones are class indices 0 to the largest seen.
  const dataset: MaskDataset = { images: [], categories: (named ?? []).map((name, i) => ({ id: i, name })), annotations: [] };
  const { images, annotations, categories } = dataset;
  let next = 1;
  let maxClass = -1;
  // An image beside its labels gives its own size (EXIF orientation applied, as Ultralytics' exif_size).
  const sizeOf = async (id: string, image: { folder: FolderSource; path: string } | undefined): Promise<Size> =>
    image !== undefined ? readImageSize(image.folder.open(image.path), { orientation: true }) : sizes.sizeOf(id);
  const steps = async function* (): AsyncGenerator<void> {
    for (const f of files) {
      const size = await sizeOf(f.id, f.image);
      images.push({ id: f.id, ...(f.fileName !== undefined ? { fileName: f.fileName } : {}), height: size.height, width: size.width });
      const r = await parseLabels(f, size, () => next++, named, tally);
      for (const a of r.annotations) annotations.push(a);
      maxClass = Math.max(maxClass, r.maxClass);
      if (named === undefined) while (categories.length <= maxClass) categories.push({ id: categories.length, name: String(categories.length) });
      yield;
    }
    for (const b of backgrounds) {
      const size = await sizeOf(b.id, b);
      images.push({ id: b.id, fileName: b.fileName, height: size.height, width: size.width });
      yield;
    }
  };
  const finish = (): void => {
    const warn = context.warn;
    if (named === undefined && maxClass >= 0) warn({ code: 'unnamed-classes', message: `No data.yaml, classes.txt or names option: classes 0..${maxClass} are named by their index`, count: maxClass + 1 });
    if (tally.boxes > 0) warn({ code: 'box-line', message: `${tally.boxes} label line(s) of 5 numbers (class cx cy w h) are boxes, not polygons: read as rectangles`, count: tally.boxes });
    if (tally.obb > 0) warn({ code: 'oriented-box', message: `${tally.obb} label line(s) of 9 numbers may be oriented boxes (YOLO-OBB): read as the polygon of their 4 corners`, count: tally.obb });
    if (tally.duplicates > 0) warn({ code: 'duplicate-label', message: `${tally.duplicates} label line(s) repeat an earlier line of their file (Ultralytics drops such duplicates): kept`, count: tally.duplicates });
  };
  return { dataset, files: steps(), finish };
}

/** What the writer did to one mask. */
export interface MaskReport {
  imageId: unknown;
  annotationId: unknown;
  /** IoU of the label read back Ultralytics' way against the mask (1: exact). */
  iou: number;
  holesBridged: number;
  partsJoined: number;
  droppedParts: number;
  droppedPixels: number;
}

export interface YoloWriteReport {
  masks: MaskReport[];
  holesBridged: number;
  partsJoined: number;
  droppedParts: number;
  /** Masks whose labels read back differently (IoU < 1). */
  changed: number;
  minIou: number;
  meanIou: number;
}

/** `train/a.jpg` → `labels/train/a.txt`; no absolute paths or `..` segments (a name cannot escape the folder). */
function labelPathOf(image: ImageInfo): string {
  const name = image.fileName !== undefined && image.fileName !== '' ? stem(image.fileName) : String(image.id);
  const parts = name.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  return `labels/${parts.length > 0 ? parts.join('/') : 'image'}.txt`;
}

/**
 * Writes a dataset as YOLO labels and data.yaml, and says what changed: the files, and a report
 * per mask (the IoU of what Ultralytics reads back, holes bridged, parts joined, parts dropped).
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0], { height: 3, width: 4 }, 'row');
 * const { files } = await writeYolo({ images: [{ id: 1, height: 3, width: 4, fileName: 'a.png' }], categories: [{ id: 7, name: 'leaf' }], annotations: [{ id: 1, imageId: 1, categoryId: 7, mask }] });
 * files.map((f) => f.path).sort(); // → ['data.yaml', 'labels/a.txt']
 * ```
 */
export async function writeYolo(dataset: MaskDataset | MaskDatasetStream, options: Partial<YoloWriteOptions> = {}, context: DialectContext = silentContext): Promise<{ files: OutputFile[]; report: YoloWriteReport }> {
  const o = parseDialectOptions(writeOptions, options, 'yolo');
  const d = await collectDataset(dataset);
  const warn = context.warn;
  // Classes are numbered 0..n-1 in the order of the dataset's categories (data.yaml order).
  const categories: Category[] = [...d.categories];
  const classOf = new Map<unknown, number>();
  categories.forEach((c, i) => classOf.set(c.id, i));
  let defaultClass = -1;
  const renumbered = categories.filter((c, i) => c.id !== i).length;
  if (renumbered > 0) {
    warn({ code: 'not-carried', capability: 'categoryIds', message: `yolo numbers classes 0..${categories.length - 1} in category order: ${renumbered} category id(s) changed (${categories.slice(0, 3).map((c, i) => `${String(c.id)} → ${i}`).join(', ')}${categories.length > 3 ? ', ...' : ''})`, count: renumbered });
  }
  const byImage = new Map<unknown, Annotation[]>();
  for (const a of d.annotations) {
    const list = byImage.get(a.imageId);
    if (list) list.push(a);
    else byImage.set(a.imageId, [a]);
  }
  const imageIds = new Set(d.images.map((i) => i.id));
  for (const id of byImage.keys()) {
    if (!imageIds.has(id as never)) throw new RleError('DANGLING_REFERENCE', 'An annotation refers to an image the dataset does not have', { path: ['annotations', 'imageId'], received: JSON.stringify(String(id).slice(0, 40)) });
  }
  const files: OutputFile[] = [];
  const report: YoloWriteReport = { masks: [], holesBridged: 0, partsJoined: 0, droppedParts: 0, changed: 0, minIou: 1, meanIou: 1 };
  const paths = new Set<string>();
  let empty = 0, iouSum = 0;
  for (const image of d.images) {
    let path = labelPathOf(image);
    if (paths.has(path)) {
      const again = path.replace(/\.txt$/, `_${String(image.id).replace(/[^\w.-]/g, '_')}.txt`);
      warn({ code: 'renamed-label', message: `Two images map to ${path}: image ${JSON.stringify(String(image.id).slice(0, 40))} written to ${again}` });
      path = again;
    }
    paths.add(path);
    const lines: string[] = [];
    for (const a of byImage.get(image.id) ?? []) {
      let cls: number;
      if (a.categoryId === undefined) {
        if (defaultClass < 0) {
          defaultClass = categories.length;
          categories.push({ id: '__rlekit_object', name: 'object' });
          warn({ code: 'default-category', message: 'Masks without a category were written with class "object"' });
        }
        cls = defaultClass;
      } else {
        const c = classOf.get(a.categoryId);
        if (c === undefined) throw new RleError('DANGLING_REFERENCE', 'An annotation refers to a category the dataset does not have', { path: ['annotations', String(a.id), 'categoryId'], received: JSON.stringify(String(a.categoryId).slice(0, 40)) });
        cls = c;
      }
      checkMaskSize(a.mask, image);
      if (a.mask.isEmpty()) { empty++; continue; }
      const pieces: Mask[] = o.parts === 'split' ? components(a.mask, { connectivity: 8, minArea: o.minArea }) : [a.mask];
      const m: MaskReport = { imageId: image.id, annotationId: a.id, iou: 1, holesBridged: 0, partsJoined: 0, droppedParts: 0, droppedPixels: 0 };
      let back: Mask | undefined;
      for (const piece of pieces) {
        const e = encode(piece, cls, { minArea: o.minArea });
        if (e.line !== '') lines.push(e.line);
        m.holesBridged += e.holesBridged;
        m.partsJoined += e.partsJoined;
        m.droppedParts += e.droppedParts;
        m.droppedPixels += e.droppedPixels;
        if (o.parts === 'join') m.iou = e.iou;
        else back = back === undefined ? readBack(e.line, piece.size) : back.union(readBack(e.line, piece.size));
      }
      if (o.parts === 'split') {
        // Each part is exact on its own; what minArea left out is what differs.
        const o2 = back === undefined ? { intersection: 0, union: a.mask.area() } : back.overlap(a.mask);
        m.iou = o2.union === 0 ? 1 : o2.intersection / o2.union;
        m.droppedPixels = a.mask.area() - o2.intersection;
        m.droppedParts = countParts(a.mask) - pieces.length;
      }
      report.masks.push(m);
      report.holesBridged += m.holesBridged;
      report.partsJoined += m.partsJoined;
      report.droppedParts += m.droppedParts;
      iouSum += m.iou;
      if (m.iou < 1) {
        report.changed++;
        report.minIou = Math.min(report.minIou, m.iou);
        const why = [m.partsJoined > 0 ? `${m.partsJoined} part(s) joined` : '', m.droppedParts > 0 ? `${m.droppedParts} fragment(s) dropped` : ''].filter((s) => s !== '').join(', ');
        warn({ code: 'pixels-changed', path: ['images', String(image.id), 'annotations', String(a.id)], message: `Mask ${JSON.stringify(String(a.id).slice(0, 40))} of image ${JSON.stringify(String(image.id).slice(0, 40))} reads back with IoU ${m.iou.toFixed(6)}${why ? ` (${why})` : ''}` });
      }
    }
    files.push({ path, bytes: encodeUtf8(lines.length > 0 ? `${lines.join('\n')}\n` : '') });
  }
  report.meanIou = report.masks.length === 0 ? 1 : iouSum / report.masks.length;
  if (empty > 0) warn({ code: 'empty-mask', message: `${empty} empty mask(s) have no polygon: not written`, count: empty });
  if (report.masks.length > 0 && (report.holesBridged > 0 || report.partsJoined > 0 || report.droppedParts > 0 || report.changed > 0)) {
    warn({
      code: 'polygonized',
      message: `${report.masks.length} mask(s) written as one polygon each: ${report.holesBridged} hole(s) bridged (exact), ${report.partsJoined} part(s) joined, ${report.droppedParts} fragment(s) dropped; ` +
        `read back Ultralytics' way, ${report.changed} mask(s) differ (min IoU ${report.minIou.toFixed(6)}, mean IoU ${report.meanIou.toFixed(6)})`,
      count: report.changed,
    });
  }
  files.push({ path: 'data.yaml', bytes: encodeUtf8(await dataYaml(categories, [...paths])) });
  return { files, report };
}

function readBack(line: string, size: Size): Mask {
  const p = parseLine(line);
  return p === undefined ? rasterize([], size) : rasterize(p.points, size);
}

function countParts(mask: Mask): number {
  return components(mask, { connectivity: 8 }).length;
}

function checkMaskSize(mask: Mask, image: ImageInfo): void {
  if (mask.height !== image.height || mask.width !== image.width) {
    throw new RleError('SIZE_MISMATCH', 'A mask does not match its image', { path: ['images', String(image.id)], expected: `${image.height}x${image.width}`, received: `${mask.height}x${mask.width}` });
  }
}

/** data.yaml: `path`, the splits found under labels/ (or all of images/), and names as a map. */
async function dataYaml(categories: readonly Category[], labelPaths: readonly string[]): Promise<string> {
  const splits = new Set(labelPaths.map((p) => (p.split('/').length > 2 ? p.split('/')[1]! : '')));
  const named = ['train', 'val', 'test'].filter((s) => splits.has(s));
  const doc: Record<string, unknown> = { path: '.' };
  if (named.length > 0 && named.length === splits.size) {
    for (const s of named) doc[s] = `images/${s}`;
    if (doc.val === undefined) doc.val = doc.train ?? `images/${named[0]}`;
    if (doc.train === undefined) doc.train = doc.val;
  } else {
    doc.train = 'images';
    doc.val = 'images';
  }
  // A list: class i is the i-th name (Ultralytics accepts a list or a map; a list has no key types to get wrong).
  doc.names = categories.map((c) => c.name);
  return `# YOLO segmentation dataset written by rlekit: labels/ holds one .txt per image;\n# put the images under images/ with the same relative names.\n${(await loadYaml()).stringify(doc)}`;
}

/**
 * @example
 * ```ts
 * sniffDetail(encodeUtf8('0 0.1 0.1 0.5 0.1 0.5 0.5\n'), 'a.txt').confidence > 0; // → true
 * ```
 */
export function sniffDetail(head: Uint8Array, name?: string): SniffResult {
  const lower = name?.toLowerCase() ?? '';
  if (head.length === 0) return { confidence: 0 };
  let text: string;
  try {
    text = decodeUtf8(head.subarray(0, Math.min(head.length, 8192)));
  } catch {
    return { confidence: 0 };
  }
  if (/\.ya?ml$/.test(lower)) return /^names\s*:/m.test(text) ? { confidence: 0.6, reason: 'a YAML file with class names (data.yaml)' } : { confidence: 0 };
  const lines = text.split('\n');
  if (head.length > 8192) lines.pop(); // the last line may be cut
  let good = 0;
  for (const l of lines) {
    if (l.trim() === '') continue;
    try {
      if (parseLine(l) === undefined) continue;
      good++;
    } catch {
      return { confidence: 0 };
    }
  }
  if (good === 0) return { confidence: 0 };
  return { confidence: lower.endsWith('.txt') ? 0.6 : 0.35, reason: `${good} line(s) "class x y x y ..." with coordinates in [${COORDINATE_MIN}, ${COORDINATE_MAX}]` };
}

/** A dataset folder: labels/**
 * .txt beside a data.yaml (or just a labels folder).
 * @example
 * ```ts
 * sniffFolder(['data.yaml', 'labels/train/a.txt', 'images/train/a.jpg']).confidence > 0.5; // → true
 * ```
 */
export function sniffFolder(files: readonly string[]): SniffResult {
  const labels = files.filter((f) => /(^|\/)labels\/.+\.txt$/i.test(f)).length;
  if (labels === 0) return { confidence: 0 };
  const yaml = files.find((f) => /\.ya?ml$/i.test(f) && depth(f) <= 1);
  if (yaml !== undefined) return { confidence: 0.95, reason: `${yaml} and ${labels} label file(s) under labels/` };
  return { confidence: 0.7, reason: `${labels} label file(s) under labels/` };
}

export const dialect: Dialect<YoloReadOptions, YoloWriteOptions> & { sniffFolder: typeof sniffFolder } = {
  id: 'yolo',
  title: 'Ultralytics YOLO segmentation (labels/*.txt + data.yaml)',
  extensions: ['.txt', '.yaml', '.yml'],
  capabilities: {
    categories: true,
    categoryIds: true,
    categoryNames: true,
    categoryAttributes: false,
    unusedCategories: true,
    instanceIds: false,
    scores: false,
    crowd: false,
    attributes: false,
    imageIds: false,
    imageAttributes: false,
    multipleImages: true,
    overlap: true,
    emptyImages: true,
    fileNames: true,
  },
  readOptions,
  writeOptions,
  input: 'either',
  output: 'folder',
  sniff: (head, name) => sniffDetail(head, name).confidence,
  sniffDetail,
  sniffFolder,
  read: readYolo,
  readIncrementally: readYoloIncrementally,
  async write(dataset, options, context = silentContext): Promise<Uint8Array> {
    const collected: RleWarning[] = [];
    const { files } = await writeYolo(dataset, options, { ...context, warn: (w) => collected.push(w) });
    const labels = files.filter((f) => f.path !== 'data.yaml');
    if (labels.length !== 1) {
      throw new RleError('INVALID_OPTION', `yolo writes one .txt per image; this dataset has ${labels.length}`, { expected: 'one image (write a folder: writeFiles / -o <folder>)', received: String(labels.length) });
    }
    for (const w of collected) context.warn(w);
    // One .txt has no room for data.yaml: class names are lost (writeFiles keeps them).
    context.warn({ code: 'not-carried', capability: 'categoryNames', message: 'yolo (one .txt) cannot carry class names: write a folder to keep them in data.yaml' });
    return labels[0]!.bytes;
  },
  async *writeFiles(dataset, options, context = silentContext): AsyncIterable<OutputFile> {
    const { files } = await writeYolo(dataset, options, context);
    yield* files;
  },
};
