/**
 * The `png` dialect: one PNG per image as a label map (semantic: label → category) or an instance
 * map (label → instance, category by a `classes` rule), or a folder of one binary PNG per instance.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import {
  checkPaintPixels, collectDataset, DEFAULT_MAX_RUNS, isFolderSource, LabelMap, notCarried, readAllBytes, readAllFiles, readFileByFile, RleError, silentContext,
  type Annotation, type ByteSource, type Category, type DialectCapabilities, type Dialect, type DialectContext,
  type DialectInput, type FileByFileRead, type Id, type ImageInfo, Mask, type MaskDataset, type MaskDatasetStream, type OutputFile,
} from '@rlekit/core';
import { colourChannelWarning, decodeLabelMap, decodeLabelMapWithHeader, encodeLabelMap, encodeMask, maskFromRaw } from './codec.js';
import { formatLabelmapTxt, parseColorMap, vocColorMap, vocPalette, type ColorMapEntry, type Rgb } from './palette.js';
import { DEFAULT_MAX_PIXELS, isPng, readHeader, readPngReused } from './png.js';

const mode = z._default(z.enum(['semantic', 'instance', 'binary', 'foreground']), 'semantic')
  .register(z.globalRegistry, { description: 'semantic: each PNG is a label map, label = category; instance: each label is an instance (category by --classes); binary: one binary PNG per instance; foreground: one binary PNG per image (the union of its masks)' });
const classes = z._default(z.string(), 'none')
  .register(z.globalRegistry, { description: 'Instance maps: how a label gives its category: none, cityscapes (id < 1000 is the class, else id // 1000), or //N (label // N)' });
const instanceFiles = z._default(z.string(), '{image}_{n}.png')
  .register(z.globalRegistry, { description: 'Binary mode: file name pattern of one instance, with {image} and {n}' });
const colorMap = z._default(z.string(), '')
  .register(z.globalRegistry, { description: 'Category names and colours: voc, none, a labelmap.txt or JSON file; empty: labelmap.txt/labelmap.json in the folder, if any' });
const rgbOrder = z._default(z.enum(['rgb', 'bgr']), 'rgb')
  .register(z.globalRegistry, { description: 'RGB labels without a colour map: rgb is (R << 16) | (G << 8) | B, bgr is R + 256G + 65536B (COCO panoptic)' });

/** Read options of the `png` dialect (the CLI derives its flags from it). */
export const readSchema = z.object({
  mode,
  classes,
  instanceFiles,
  colorMap,
  rgbOrder,
  files: z._default(z.string(), '')
    .register(z.globalRegistry, { description: 'Folders: only PNGs matching this glob (* and ? within a name, ** across folders; without a / it matches file names), e.g. *_instanceIds.png' }),
  unknownColor: z._default(z.enum(['error', 'background']), 'error')
    .register(z.globalRegistry, { description: 'An RGB colour missing from the colour map: error, or background with a warning' }),
  voidLabel: z._default(z.int().check(z.gte(-1)), 255)
    .register(z.globalRegistry, { description: 'The void/ignore label of semantic maps and 8-bit instance maps (255 in VOC); -1 for none' }),
  dropVoid: z._default(z.boolean(), false)
    .register(z.globalRegistry, { description: 'Drop void pixels (with a warning) instead of keeping them as a "void" category' }),
  channel: z._default(z.enum(['auto', 'value', 'alpha']), 'auto')
    .register(z.globalRegistry, { description: 'Binary mode: the sample that decides foreground (auto: alpha if the image has alpha)' }),
  threshold: z._default(z.number(), 0)
    .register(z.globalRegistry, { description: 'Binary mode: foreground when the sample is above this' }),
  maxPixels: z._default(z.int().check(z.positive()), DEFAULT_MAX_PIXELS)
    .register(z.globalRegistry, { description: 'Largest width * height of one PNG, checked from its header before inflating' }),
  maxBytes: z._default(z.int().check(z.positive()), 0x7fffffff)
    .register(z.globalRegistry, { description: 'Largest PNG file read into memory, in bytes' }),
  maxRuns: z._default(z.int().check(z.positive()), DEFAULT_MAX_RUNS)
    .register(z.globalRegistry, { description: 'Largest number of runs of one mask, or of all masks of one label map (a map of stripes is refused)' }),
});

/** Write options of the `png` dialect. */
export const writeSchema = z.object({
  mode,
  classes,
  instanceFiles,
  colorMap: z._default(z.string(), '')
    .register(z.globalRegistry, { description: 'Palette colours: voc, or empty for category colours where given, VOC colours elsewhere' }),
  rgbOrder,
  format: z._default(z.enum(['auto', 'palette', 'gray8', 'gray16', 'rgb']), 'auto')
    .register(z.globalRegistry, { description: 'Label map PNG type: auto (8-bit palette, 16-bit grey above 255 labels, RGB above 65535), palette, gray8, gray16, rgb' }),
  bitDepth: z._default(z.int(), 1)
    .register(z.globalRegistry, { description: 'Binary mode: 1-bit or 8-bit greyscale' }),
  foreground: z._default(z.int(), 255)
    .register(z.globalRegistry, { description: 'Binary mode, 8-bit: the foreground value, 1 or 255' }),
  overlap: z._default(z.enum(['error', 'first', 'last']), 'last')
    .register(z.globalRegistry, { description: 'Label maps: which mask keeps a pixel claimed twice (resolved overlaps are reported)' }),
  labelmap: z._default(z.boolean(), true)
    .register(z.globalRegistry, { description: 'Semantic mode: also write labelmap.txt (CVAT) with category names and colours' }),
  maxPixels: z._default(z.int().check(z.positive()), DEFAULT_MAX_PIXELS)
    .register(z.globalRegistry, { description: 'Largest width * height of one image painted, checked for every image before any is painted' }),
  layout: z._default(z.enum(['flat', 'voc']), 'flat')
    .register(z.globalRegistry, { description: 'flat: <image>.png; voc: SegmentationClass/ and SegmentationObject/ maps, labelmap.txt and ImageSets/Segmentation/default.txt (VOC, CVAT Segmentation mask 1.1)' }),
});

export type PngReadOptions = z.output<typeof readSchema>;
export type PngWriteOptions = z.output<typeof writeSchema>;

function parseWith<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  // zod/mini ships no messages: zod's English ones, as the full zod printed them.
  const r = schema.safeParse(input ?? {}, { error: en().localeError });
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new RleError('INVALID_OPTION', `Invalid option ${issue.path.join('.')}: ${issue.message}`, { path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) });
}

const readOptions = { parse: (input: unknown): PngReadOptions => parseWith(readSchema, input) };
const writeOptions = { parse: (input: unknown): PngWriteOptions => parseWith(writeSchema, input) };

/**
 * A `classes` rule as a function label → category (undefined: no category).
 * @example
 * ```ts
 * // Cityscapes instance ids: class · 1000 + instance.
 * classRule('cityscapes')(26003); // → 26
 * classRule('//1000')(26003); // → 26
 * ```
 */
export function classRule(rule: string): (label: number) => number | undefined {
  const r = rule.trim();
  if (r === 'none' || r === '') return () => undefined;
  if (r === 'cityscapes') return (l) => (l < 1000 ? l : Math.floor(l / 1000));
  const m = /^\/\/\s*(\d+)$/.exec(r);
  if (m && Number(m[1]) > 0) {
    const n = Number(m[1]);
    return (l) => {
      const c = Math.floor(l / n);
      return c === 0 ? undefined : c;
    };
  }
  throw new RleError('INVALID_OPTION', 'Invalid classes rule', { path: ['classes'], expected: 'none, cityscapes or //N', received: rule });
}

/** A file name pattern with {image} and {n} as a regular expression (groups: image, n). */
function patternRegex(pattern: string): RegExp {
  if (!pattern.includes('{image}') || !pattern.includes('{n}')) {
    throw new RleError('INVALID_OPTION', 'instanceFiles needs {image} and {n}', { path: ['instanceFiles'], expected: 'e.g. {image}_{n}.png', received: pattern });
  }
  const parts = pattern.split(/(\{image\}|\{n\})/).map((p) => (p === '{image}' ? '(?<image>.+)' : p === '{n}' ? '(?<n>\\d+)' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('')}$`, 'i');
}

const stem = (path: string): string => path.replace(/\.png$/i, '');
const baseStem = (name: string): string => name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');

async function colorMapEntries(spec: string, folder: { files: string[]; open: (p: string) => ByteSource } | undefined, context: DialectContext, maxBytes: number): Promise<ColorMapEntry[] | undefined> {
  const s = spec.trim();
  if (s === 'none') return undefined;
  if (s === 'voc') return vocColorMap();
  if (s === '') {
    const name = folder?.files.find((f) => /^labelmap\.(txt|json)$/i.test(f));
    return name && folder ? parseColorMap(await readAllBytes(folder.open(name), maxBytes)) : undefined;
  }
  if (!context.open) throw new RleError('INVALID_OPTION', 'colorMap names a file, but no file access was given', { path: ['colorMap'], received: s });
  const src = await context.open(s);
  if (isFolderSource(src)) throw new RleError('INVALID_OPTION', 'colorMap must be a file, not a folder', { path: ['colorMap'], received: s });
  try {
    return parseColorMap(await readAllBytes(src, maxBytes));
  } catch (e) {
    throw e instanceof RleError ? e.at('colorMap') : e;
  }
}

interface PngFile {
  path: string;
  /** Read when its turn comes, so a large folder is never all in memory at once. */
  bytes: () => Promise<Uint8Array>;
}

interface PngList {
  pngs: PngFile[];
  files: string[];
  open?: (p: string) => ByteSource;
  skipped: string[];
  /** VOC / CVAT "Segmentation mask 1.1" layout: the class map of each image, by image id. */
  classMaps?: Map<string, PngFile>;
}

const CLASS_DIR = 'SegmentationClass/', OBJECT_DIR = 'SegmentationObject/';

/** A file glob as a test on relative paths: `*` and `?` stay within a name, `**` crosses folders. */
export function globTest(glob: string): (path: string) => boolean {
  const g = glob.trim();
  if (g === '') return () => true;
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*' && g[i + 1] === '*') {
      re += '.*';
      i++;
      if (g[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const rx = new RegExp(`^${re}$`, 'i');
  return g.includes('/') ? (p) => rx.test(p) : (p) => rx.test(p.slice(p.lastIndexOf('/') + 1));
}

function notPngRefused(head: Uint8Array): void {
  if (!isPng(head)) throw new RleError('INVALID_STRUCTURE', 'Not a PNG file', { offset: 0, expected: 'the 8-byte PNG signature' });
}

async function listPngs(input: DialectInput, maxBytes: number, mode: PngReadOptions['mode'], glob = ''): Promise<PngList> {
  if (!isFolderSource(input)) {
    // The signature is checked on the first bytes: /dev/zero is refused at once, not after maxBytes.
    const bytes = await readAllBytes(input, maxBytes, { head: { length: 8, check: notPngRefused } });
    const name = input instanceof Uint8Array ? 'image.png' : baseStem(input.name) + '.png';
    return { pngs: [{ path: name, bytes: async () => bytes }], files: [], skipped: [] };
  }
  const matches = globTest(glob);
  const files = await input.list();
  const file = (f: string): PngFile => ({ path: f, bytes: () => readAllBytes(input.open(f), maxBytes) });
  const isPngName = (f: string): boolean => /\.png$/i.test(f) && matches(f);
  // Colour maps are read, and VOC's ImageSets lists only repeat the file names.
  const skipped = files.filter((f) => !/\.png$/i.test(f) && !/^labelmap\.(txt|json)$/i.test(f) && !/^ImageSets\//.test(f));
  const open = (p: string): ByteSource => input.open(p);
  // VOC and CVAT keep class maps and instance maps side by side: semantic reads the first,
  // instance the second (with each instance's class from the first).
  const hasClass = files.some((f) => f.startsWith(CLASS_DIR) && isPngName(f));
  const hasObject = files.some((f) => f.startsWith(OBJECT_DIR) && isPngName(f));
  if ((hasClass || hasObject) && (mode === 'semantic' || mode === 'instance')) {
    const dir = mode === 'semantic' ? CLASS_DIR : OBJECT_DIR;
    if (!(mode === 'semantic' ? hasClass : hasObject)) {
      throw new RleError('INVALID_STRUCTURE', `A VOC-style folder without ${dir}`, { path: [dir], expected: `PNGs in ${dir} for mode ${mode}` });
    }
    const pngs = files.filter((f) => f.startsWith(dir) && isPngName(f)).map(file);
    const list: PngList = { pngs, files, open, skipped };
    if (mode === 'instance') list.classMaps = new Map(files.filter((f) => f.startsWith(CLASS_DIR) && isPngName(f)).map((f) => [stem(f.slice(CLASS_DIR.length)), file(f)]));
    return list;
  }
  return { pngs: files.filter(isPngName).map(file), files, open, skipped };
}

/** The class of an instance from a class map: the label most of its pixels have (and how many disagree). */
function classUnder(mask: Mask, classes: LabelMap): { label: number; others: number } {
  const runs = mask.runsView('row');
  const votes = new Map<number, number>();
  let pos = 0;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    if ((k & 1) === 1) for (let i = pos; i < pos + r; i++) { const c = classes.data[i]!; votes.set(c, (votes.get(c) ?? 0) + 1); }
    pos += r;
  }
  let label = 0, best = -1, total = 0;
  for (const [c, n] of votes) {
    total += n;
    if (n > best || (n === best && c < label)) { best = n; label = c; }
  }
  return { label, others: total - best };
}

async function readAt(f: PngFile): Promise<Uint8Array> {
  try {
    return await f.bytes();
  } catch (e) {
    throw e instanceof RleError ? e.at(f.path) : e;
  }
}

/**
 * An 8-bit label array reused for every 8-bit grey or palette map of one read (most label maps):
 * the masks read out of a map own their runs, and fresh memory per image costs more in page faults
 * than the decode. Other maps, and headers over `maxPixels` (refused by the decode), get none.
 */
function reusedLabels(maxPixels: number): (bytes: Uint8Array) => Uint8Array | undefined {
  let labels = new Uint8Array(0);
  return (bytes) => {
    const h = readHeader(bytes);
    const total = h.height * h.width;
    if (h.bitDepth > 8 || (h.colorType !== 0 && h.colorType !== 3) || total > maxPixels) return undefined;
    if (labels.length < total) labels = new Uint8Array(total);
    return labels;
  };
}

function decodeAt<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof RleError ? e.at(path) : e;
  }
}

/**
 * Reads PNGs into a dataset (see the read options).
 * @example
 * ```ts
 * const png = encodeMask(Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row'));
 * const dataset = await readPngDataset(memoryFolder({ 'masks/a.png': png }));
 * dataset.annotations.map((a) => a.mask.area()); // → [5]
 * ```
 */
export async function readPngDataset(input: DialectInput, options: Partial<PngReadOptions> = {}, context: DialectContext = silentContext): Promise<MaskDataset> {
  return readAllFiles(await openPngRead(input, options, context));
}

/**
 * Reads PNGs file by file, for a caller that may stop early (`inspect --limit`): `images` and
 * `categories` hold what the files read so far gave, and are whole once `annotations` ends, when
 * the warnings about the whole set are said too. Stopping the iteration reads no further file.
 * {@link readPngDataset} is this, read to the end.
 * @example
 * ```ts
 * const png = encodeMask(Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row'));
 * const read = await readPngIncrementally(memoryFolder({ 'a.png': png, 'b.png': png }));
 * for await (const a of read.annotations) break; // reads a.png alone
 * read.images.length; // → 1
 * ```
 */
export async function readPngIncrementally(input: DialectInput, options: Partial<PngReadOptions> = {}, context: DialectContext = silentContext): Promise<MaskDatasetStream> {
  return readFileByFile(await openPngRead(input, options, context));
}

/** The read, file by file (its warnings about the whole set are said by its last step). */
async function openPngRead(input: DialectInput, options: Partial<PngReadOptions>, context: DialectContext): Promise<FileByFileRead> {
  const o = readOptions.parse(options);
  const { pngs, files, open, skipped, classMaps } = await listPngs(input, o.maxBytes, o.mode, o.files);
  if (skipped.length > 0) context.warn({ code: 'skipped-files', message: `${skipped.length} files that are not PNGs were skipped (first: ${skipped[0]})`, count: skipped.length });
  const map = await colorMapEntries(o.colorMap, open ? { files, open } : undefined, context, o.maxBytes);
  const dataset: MaskDataset = { images: [], categories: [], annotations: [] };
  return { dataset, files: readPngFiles(input, o, pngs, classMaps, map, dataset, context), finish: () => {} };
}

/**
 * Reads each PNG in turn into `dataset` (a step per file): its images, its annotations, and its
 * categories kept sorted by id.
 */
async function* readPngFiles(input: DialectInput, o: PngReadOptions, pngs: readonly PngFile[], classMaps: PngList['classMaps'], map: readonly ColorMapEntry[] | undefined, dataset: MaskDataset, context: DialectContext): AsyncGenerator<void> {
  const { images, annotations, categories: categoryList } = dataset;
  const single = !isFolderSource(input);
  const categories = new Map<number, Category>();
  const addCategory = (id: number, palette?: Uint8Array, isVoid = false): void => {
    if (categories.has(id)) return;
    const e = map?.find((m) => m.label === id);
    const c: Category = e ? { id, name: e.name, color: e.color } : { id, name: isVoid ? 'void' : String(id) };
    // Without a colour map, a palette image's own colour for the label is the category's colour.
    if (!e && palette && id * 3 + 2 < palette.length) c.color = [palette[id * 3]!, palette[id * 3 + 1]!, palette[id * 3 + 2]!];
    categories.set(id, c);
    // Kept sorted by id as they are found: a caller that stops early lists them as read() would.
    let at = categoryList.length;
    while (at > 0 && Number(categoryList[at - 1]!.id) > id) at--;
    categoryList.splice(at, 0, c);
  };

  // Colour types of the binary PNGs whose constant alpha was passed over for their colour: said once.
  const colourChannel: number[] = [];
  const sayChannel = (): void => {
    if (colourChannel.length > 0) context.warn(colourChannelWarning(colourChannel.every((c) => c === 4) ? 4 : 6, colourChannel.length));
  };
  if (o.mode === 'foreground') {
    for (const f of pngs) {
      const bytes = await readAt(f);
      const raw = decodeAt(f.path, () => readPngReused(bytes, o.maxPixels)); // read out by maskFromRaw at once
      const { mask, channel } = decodeAt(f.path, () => maskFromRaw(raw, o.channel, o.threshold, o.maxRuns));
      if (channel === 'colour') colourChannel.push(raw.header.colorType);
      const imageId: Id = single ? (input instanceof Uint8Array ? 0 : baseStem((input as ByteSource).name)) : stem(f.path);
      const image: ImageInfo = { id: imageId, height: mask.height, width: mask.width };
      if (!(input instanceof Uint8Array)) image.fileName = single ? `${imageId}.png` : f.path;
      images.push(image);
      if (!mask.isEmpty()) annotations.push({ id: imageId, imageId, mask });
      yield;
    }
    sayChannel();
    return;
  }

  if (o.mode === 'binary') {
    const re = patternRegex(o.instanceFiles);
    const byImage = new Map<string, ImageInfo>();
    let unmatched = 0;
    for (const f of pngs) {
      const bytes = await readAt(f);
      const m = single ? null : re.exec(f.path);
      const imageName = m ? m.groups!.image! : stem(f.path);
      if (!m && !single) unmatched++;
      const n = m ? Number(m.groups!.n) : 1;
      const raw = decodeAt(f.path, () => readPngReused(bytes, o.maxPixels)); // read out by maskFromRaw at once
      const { mask, channel } = decodeAt(f.path, () => maskFromRaw(raw, o.channel, o.threshold, o.maxRuns));
      if (channel === 'colour') colourChannel.push(raw.header.colorType);
      let image = byImage.get(imageName);
      if (!image) {
        image = { id: imageName, height: mask.height, width: mask.width };
        byImage.set(imageName, image);
        images.push(image);
      } else if (image.height !== mask.height || image.width !== mask.width) {
        throw new RleError('SIZE_MISMATCH', `Instance masks of image ${imageName} differ in size`, { path: [f.path], expected: `${image.height}x${image.width}`, received: `${mask.height}x${mask.width}` });
      }
      annotations.push({ id: single ? n : `${imageName}_${n}`, imageId: image.id, mask });
      yield;
    }
    if (unmatched > 0) context.warn({ code: 'unmatched-name', message: `${unmatched} PNGs do not match ${o.instanceFiles}; each was read as the only instance of an image named after it`, count: unmatched });
    sayChannel();
    return;
  }

  const rule = o.mode === 'instance' ? classRule(o.classes) : undefined;
  // Cityscapes gives classes without instances (stuff) and groups of a class with instances (crowd)
  // the class id alone: such a label is a region of its class, not one instance, and is read as
  // iscrowd (as cityscapesScripts' panoptic converter and detectron2 read it), so writing with
  // classes cityscapes gives it back its plain class id.
  const classOnly = o.mode === 'instance' && o.classes.trim() === 'cityscapes';
  const fromClassMaps = classMaps !== undefined && o.classes.trim() === 'none';
  let voidPixels = 0, mixed = 0, noClassMap = 0;
  const mapLabels = reusedLabels(o.maxPixels), classLabels = reusedLabels(o.maxPixels);
  for (const f of pngs) {
    const bytes = await readAt(f);
    const rel = f.path.startsWith(CLASS_DIR) ? f.path.slice(CLASS_DIR.length) : f.path.startsWith(OBJECT_DIR) ? f.path.slice(OBJECT_DIR.length) : f.path;
    const imageId: Id = single ? (input instanceof Uint8Array ? 0 : baseStem((input as ByteSource).name)) : stem(rel);
    const { labelMap: lm, header, palette } = decodeAt(f.path, () => {
      const into = mapLabels(bytes);
      return decodeLabelMapWithHeader(bytes, {
        // Colours are classes only in semantic maps; in instance maps (CVAT SegmentationObject) each colour is an instance.
        ...(map && o.mode === 'semantic' ? { colors: map } : {}), rgbOrder: o.rgbOrder, unknownColor: o.unknownColor, maxPixels: o.maxPixels, warn: context.warn,
        ...(into ? { into } : {}),
      });
    });
    const image: ImageInfo = { id: imageId, height: lm.height, width: lm.width };
    if (!single || !(input instanceof Uint8Array)) image.fileName = single ? `${imageId}.png` : f.path;
    images.push(image);
    let classes: LabelMap | undefined;
    if (fromClassMaps) {
      const cf = classMaps.get(String(imageId));
      if (!cf) noClassMap++;
      else {
        const cbytes = await readAt(cf);
        classes = decodeAt(cf.path, () => {
          const into = classLabels(cbytes);
          return decodeLabelMap(cbytes, { ...(map ? { colors: map } : {}), unknownColor: o.unknownColor, maxPixels: o.maxPixels, warn: context.warn, ...(into ? { into } : {}) });
        });
        if (classes.height !== lm.height || classes.width !== lm.width) {
          throw new RleError('SIZE_MISMATCH', `Class map of ${String(imageId)} differs in size from its instance map`, { path: [cf.path], expected: `${lm.height}x${lm.width}`, received: `${classes.height}x${classes.width}` });
        }
      }
    }
    // Void is a label of 8-bit grey and palette maps (VOC draws 255 borders), in semantic and
    // instance maps alike, and of RGB class maps read through a colour map that names it. A label
    // packed from an RGB colour is a colour (pure blue packs to 255), and 16-bit labels are ids.
    const { bitDepth, colorType } = header;
    const voidHere = (bitDepth <= 8 && (colorType === 0 || colorType === 3)) || (o.mode === 'semantic' && map !== undefined && (colorType === 2 || colorType === 6));
    for (const [label, mask] of decodeAt(f.path, () => lm.masks({ maxRuns: o.maxRuns }))) {
      const id: Id = single ? label : `${imageId}:${label}`;
      if (voidHere && label === o.voidLabel && o.dropVoid) {
        voidPixels += mask.area();
        continue;
      }
      if (o.mode === 'instance' && voidHere && label === o.voidLabel) {
        // Void is not an instance: kept as a region of the "void" category, so nothing vanishes unasked.
        addCategory(label);
        categories.get(label)!.name = map?.find((m) => m.label === label)?.name ?? 'void';
        annotations.push({ id, imageId, categoryId: label, mask });
        continue;
      }
      if (o.mode === 'semantic') {
        addCategory(label, header.colorType === 3 ? palette : undefined, voidHere && label === o.voidLabel);
        annotations.push({ id, imageId, categoryId: label, mask });
      } else {
        let c = rule!(label);
        if (classes) {
          const under = classUnder(mask, classes);
          if (under.others > 0) mixed++;
          c = under.label === 0 || (under.label === o.voidLabel && voidHere) ? undefined : under.label;
        }
        const a: Annotation = { id, imageId, mask };
        if (c !== undefined) {
          addCategory(c);
          a.categoryId = c;
          if (classOnly && label < 1000) a.iscrowd = true;
        }
        annotations.push(a);
      }
    }
    yield;
  }
  if (mixed > 0) context.warn({ code: 'mixed-class', message: `${mixed} instances cover several classes in SegmentationClass; each took the class of most of its pixels`, count: mixed });
  if (noClassMap > 0) context.warn({ code: 'no-class-map', message: `${noClassMap} instance maps have no SegmentationClass map; their instances have no category`, count: noClassMap });
  if (voidPixels > 0) context.warn({ code: 'dropped-void', message: `${voidPixels} void pixels (label ${o.voidLabel}) were dropped on request`, count: voidPixels });
}

// ---------------------------------------------------------------------------------------------

// What label maps (the default mode) carry. Image ids and file names survive where they already are
// the mask's path, instance ids where they are what a reader makes of the label (`<image>:<label>`):
// the writer reports the others; category ids where they are labels 1..65535.
const labelMapCapabilities: DialectCapabilities = {
  categories: true, categoryIds: true, categoryNames: true, categoryAttributes: false, unusedCategories: false,
  instanceIds: true, scores: false, crowd: false, attributes: false,
  multipleImages: true, overlap: false, emptyImages: true, imageIds: true, fileNames: true, imageAttributes: false,
};

/** The widest reach of any mode (binary masks carry overlaps, cityscapes instance maps crowd regions); the writer reports its mode's losses. */
const baseCapabilities: DialectCapabilities = { ...labelMapCapabilities, overlap: true, crowd: true };

function modeCapabilities(m: PngWriteOptions['mode'], classesRule: string, layout: PngWriteOptions['layout'] = 'flat'): DialectCapabilities {
  if (layout === 'voc') return labelMapCapabilities;
  if (m === 'foreground') return { ...labelMapCapabilities, categories: false, categoryNames: false };
  if (m === 'binary') return { ...labelMapCapabilities, categories: false, categoryNames: false, overlap: true, emptyImages: false };
  // Cityscapes instance maps carry crowd regions as the class id alone (masks it cannot write so are reported by the writer).
  if (m === 'instance') return { ...labelMapCapabilities, categories: classesRule.trim() !== 'none', categoryNames: false, crowd: classesRule.trim() === 'cityscapes' };
  return labelMapCapabilities;
}

/** Output names: the image's file name (or id) without extension, made unique. */
function imageNames(images: readonly ImageInfo[]): Map<Id, string> {
  const out = new Map<Id, string>();
  const used = new Set<string>();
  for (const im of images) {
    let name = (im.fileName !== undefined ? im.fileName.replace(/\.[^./\\]*$/, '') : String(im.id)).replace(/\\/g, '/').replace(/^\/+/, '').replace(/(^|\/)\.\.(?=\/|$)/g, '$1_');
    if (name === '') name = 'image';
    if (used.has(name.toLowerCase())) {
      let k = 2;
      while (used.has(`${name}-${k}`.toLowerCase())) k++;
      name = `${name}-${k}`;
    }
    used.add(name.toLowerCase());
    out.set(im.id, name);
  }
  return out;
}

/** Integer labels for categories: their own ids when those are integers 1..65535, else 1, 2, ... in order. */
function categoryLabels(dataset: MaskDataset, context: DialectContext): Map<Id, number> {
  const ids = new Set<Id>(dataset.categories.map((c) => c.id));
  for (const a of dataset.annotations) if (a.categoryId !== undefined) ids.add(a.categoryId);
  const all = [...ids];
  const out = new Map<Id, number>();
  if (all.every((id) => typeof id === 'number' && Number.isInteger(id) && id >= 1 && id <= 0xffff)) {
    for (const id of all) out.set(id, id as number);
  } else {
    all.forEach((id, i) => out.set(id, i + 1));
    if (all.length > 0) context.warn({ code: 'relabelled', message: `Category ids are not all integers from 1 to 65535; ${all.length} categories were numbered 1..${all.length} in the label maps`, count: all.length, capability: 'categoryIds' });
  }
  return out;
}

/** Largest image (pixels) whose 8-bit label map is painted into a buffer kept between images. */
const SCRATCH_LABELS = 1 << 24;

async function* pngFiles(input: MaskDataset | MaskDatasetStream, options: Partial<PngWriteOptions> | undefined, context: DialectContext): AsyncIterable<OutputFile> {
  const o = writeOptions.parse(options);
  if (o.layout === 'voc' && o.mode !== 'semantic' && o.mode !== 'instance') {
    throw new RleError('INVALID_OPTION', 'layout voc writes label maps', { path: ['layout'], expected: 'mode semantic or instance', received: o.mode });
  }
  const dataset = await collectDataset(input);
  // Label maps resolve overlaps while painting and report them there (overlap-resolved, or OVERLAP
  // with overlap error), pixel-exact: the generic check, a union of every image's masks, would
  // only say the same again, at about an eighth of a COCO → PNG conversion's CPU.
  const caps = modeCapabilities(o.mode, o.classes, o.layout);
  const painted = o.mode === 'semantic' || o.mode === 'instance' || o.layout === 'voc';
  for (const w of notCarried(dataset, painted ? { ...caps, overlap: true } : caps, 'png')) context.warn(w);
  // Masks are named after their image; only a name that is already `<stem>.png` comes back as it was.
  const renamed = dataset.images.filter((im) => im.fileName !== undefined && !/\.png$/i.test(im.fileName)).length;
  if (renamed > 0) context.warn({ code: 'not-carried', message: `png names each mask <image stem>.png: ${renamed} image file names lose their extension`, count: renamed, capability: 'fileNames' });
  // Every image is painted into a bitmap (or a label map) of its size: all are checked before the first is painted.
  for (const [i, im] of dataset.images.entries()) {
    checkPaintPixels(im.height * im.width, o.maxPixels, `Image ${String(im.id)} (${im.height}x${im.width})`, ['images', i]);
  }
  const names = imageNames(dataset.images);
  // A reader takes the mask's path (without .png) as the image id.
  const idsLost = dataset.images.filter((im) => names.get(im.id) !== String(im.id)).length;
  if (idsLost > 0) context.warn({ code: 'not-carried', message: `png cannot carry image ids: ${idsLost} image ids lost (a mask's path, without .png, is its image id on reading)`, count: idsLost, capability: 'imageIds' });
  // A reader names a mask after its image and label (or instance number): other annotation ids are lost.
  let instanceIdsLost = 0;
  const keepsId = (a: Annotation, image: Id, n: number, sep: string): void => {
    const name = names.get(image)!;
    if (String(a.id) !== String(n) && String(a.id) !== `${name}${sep}${n}`) instanceIdsLost++;
  };
  const reportIds = (): void => {
    if (instanceIdsLost > 0) context.warn({ code: 'not-carried', message: `png cannot carry instance ids: ${instanceIdsLost} annotation ids lost (a reader names a mask after its image and label)`, count: instanceIdsLost, capability: 'instanceIds' });
  };
  const byImage = new Map<Id, Annotation[]>();
  for (const im of dataset.images) byImage.set(im.id, []);
  for (const [i, a] of dataset.annotations.entries()) {
    const list = byImage.get(a.imageId);
    if (!list) throw new RleError('DANGLING_REFERENCE', `Annotation refers to image ${String(a.imageId)}, which is not in images`, { path: ['annotations', i, 'imageId'] });
    list.push(a);
  }

  if (o.mode === 'binary' || o.mode === 'foreground') {
    if (o.bitDepth !== 1 && o.bitDepth !== 8) throw new RleError('INVALID_OPTION', 'Invalid bitDepth', { path: ['bitDepth'], expected: '1 or 8', received: String(o.bitDepth) });
    if (o.foreground !== 1 && o.foreground !== 255) throw new RleError('INVALID_OPTION', 'Invalid foreground', { path: ['foreground'], expected: '1 or 255', received: String(o.foreground) });
    if (o.mode === 'foreground') {
      let merged = 0;
      for (const im of dataset.images) {
        const list = byImage.get(im.id)!;
        let mask = Mask.empty({ height: im.height, width: im.width });
        for (const [k, a] of list.entries()) {
          if (a.mask.height !== im.height || a.mask.width !== im.width) {
            throw new RleError('SIZE_MISMATCH', `Mask differs in size from image ${String(im.id)}`, { path: ['images', String(im.id), k], expected: `${im.height}x${im.width}`, received: `${a.mask.height}x${a.mask.width}` });
          }
          mask = k === 0 ? a.mask : mask.union(a.mask);
          if (String(a.id) !== names.get(im.id)) instanceIdsLost++;
        }
        if (list.length > 1) merged += list.length - 1;
        yield { path: `${names.get(im.id)!}.png`, bytes: encodeMask(mask, { bitDepth: o.bitDepth, foreground: o.foreground, maxPixels: o.maxPixels }) };
      }
      if (merged > 0) context.warn({ code: 'merged-instances', message: `png (foreground) keeps one binary mask per image: ${merged} masks merged into another`, count: merged });
      reportIds();
      return;
    }
    patternRegex(o.instanceFiles);
    let emptyImages = 0;
    for (const im of dataset.images) {
      const list = byImage.get(im.id)!;
      if (list.length === 0) emptyImages++;
      for (const [k, a] of list.entries()) {
        if (a.mask.height !== im.height || a.mask.width !== im.width) {
          throw new RleError('SIZE_MISMATCH', `Mask differs in size from image ${String(im.id)}`, { path: ['images', String(im.id), k], expected: `${im.height}x${im.width}`, received: `${a.mask.height}x${a.mask.width}` });
        }
        const path = o.instanceFiles.replace('{image}', names.get(im.id)!).replace('{n}', String(k + 1));
        keepsId(a, im.id, k + 1, '_');
        yield { path, bytes: encodeMask(a.mask, { bitDepth: o.bitDepth, foreground: o.foreground, maxPixels: o.maxPixels }) };
      }
    }
    if (emptyImages > 0) context.warn({ code: 'not-carried', message: `png (binary) cannot carry images without masks: ${emptyImages} images lost`, count: emptyImages, capability: 'emptyImages' });
    reportIds();
    return;
  }

  const rule = o.classes.trim();
  classRule(rule); // validates
  const classMaps = o.mode === 'semantic' || o.layout === 'voc';
  const labels = classMaps || rule !== 'none' ? categoryLabels(dataset, context) : new Map<Id, number>();
  const entries: ColorMapEntry[] = [];
  if (classMaps) {
    const voc = vocColorMap();
    const vocColor = (l: number): Rgb => voc.find((e) => e.label === l)?.color ?? [(l * 67) & 255, (l * 151) & 255, (l * 37) & 255];
    let badColors = 0;
    const isRgb = (c: unknown): c is Rgb => Array.isArray(c) && c.length === 3 && c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255);
    for (const c of dataset.categories) {
      const l = labels.get(c.id);
      if (l === undefined) continue;
      // A colour that is not three bytes would wrap in the palette and make labelmap.txt unreadable.
      if (c.color !== undefined && !isRgb(c.color) && o.colorMap.trim() !== 'voc') badColors++;
      entries.push({ label: l, name: c.name, color: o.colorMap.trim() !== 'voc' && isRgb(c.color) ? c.color : vocColor(l) });
    }
    if (badColors > 0) context.warn({ code: 'not-carried', message: `png: ${badColors} category colours are not [r, g, b] of 0..255 and were replaced by VOC colours`, count: badColors });
  }
  // Semantic maps need a label for masks without a category: the next free one, rather than dropping them.
  let defaultLabel = 0;
  if (classMaps && dataset.annotations.some((a) => a.categoryId === undefined)) {
    defaultLabel = Math.max(0, ...labels.values()) + 1;
    const vocColor = vocColorMap().find((e) => e.label === defaultLabel)?.color ?? [255, 255, 255];
    entries.push({ label: defaultLabel, name: 'object', color: vocColor });
  }
  // RGB class maps are read back through labelmap.txt: every label needs an entry and a colour of
  // its own, and black is background. Repeated or black colours get a free one (reported).
  const rgbClassMaps = classMaps && o.format === 'rgb';
  if (rgbClassMaps) {
    for (const [id, l] of labels) if (!entries.some((e) => e.label === l)) entries.push({ label: l, name: String(id), color: [0, 0, 0] });
    const used = new Set<number>([0]);
    let next = 1, recoloured = 0;
    for (const e of entries) {
      const key = (e.color[0] << 16) | (e.color[1] << 8) | e.color[2];
      if (!used.has(key)) {
        used.add(key);
        continue;
      }
      while (used.has(next)) next++;
      used.add(next);
      e.color = [(next >> 16) & 255, (next >> 8) & 255, next & 255];
      recoloured++;
    }
    if (recoloured > 0) context.warn({ code: 'not-carried', message: `png (rgb): ${recoloured} categories had a colour that is black or already taken and were given another one`, count: recoloured });
  }
  const classColors = rgbClassMaps ? entries : undefined;
  // labelmap.txt separates fields with ':' and lines with newlines: such characters in names become '_'.
  const badNames = entries.filter((e) => /[:\r\n]/.test(e.name)).length;
  const labelmapTxt = (): Uint8Array => {
    if (badNames > 0) context.warn({ code: 'not-carried', message: `png: ${badNames} category names contain ':' or a line break, written as '_' in labelmap.txt`, count: badNames });
    return new TextEncoder().encode(formatLabelmapTxt(entries));
  };
  let merged = 0, uncategorised = 0, mergedCrowd = 0, crowdLost = 0;
  const paint = (pairs: [number, Mask][], im: ImageInfo, into?: Uint8Array): LabelMap => {
    try {
      return LabelMap.fromMasks(pairs, { height: im.height, width: im.width }, { overlap: o.overlap, warn: context.warn, ...(into ? { into } : {}) });
    } catch (e) {
      throw e instanceof RleError ? e.at('images', String(im.id)) : e;
    }
  };
  const autoFormat = (lm: LabelMap, palette: boolean, instances = false, givenMax = Infinity): 'palette' | 'gray8' | 'gray16' | 'rgb' => {
    if (o.format !== 'auto') return o.format;
    // No painted label exceeds the largest label given: when that fits 8 bits, no pixel need be read.
    const max = givenMax <= (instances ? 254 : 255) ? givenMax : lm.labels().at(-1) ?? 0;
    // 8-bit instance maps read 255 as VOC's void: an instance labelled 255 goes to 16 bits, where it is an instance.
    return max <= (instances ? 254 : 255) ? (palette ? 'palette' : 'gray8') : max <= 0xffff ? 'gray16' : 'rgb';
  };
  if (o.layout === 'voc') {
    // Both maps of every image: classes (semantic) and instances 1..N, painted with one overlap
    // policy so they agree pixel for pixel; the class of an instance is read back from under it.
    const names2: string[] = [];
    for (const im of dataset.images) {
      const list = byImage.get(im.id)!;
      const name = names.get(im.id)!;
      names2.push(name);
      const classPairs: [number, Mask][] = list.map((a) => {
        if (a.categoryId === undefined) uncategorised++;
        return [a.categoryId === undefined ? defaultLabel : labels.get(a.categoryId)!, a.mask];
      });
      const cls = (() => {
        try {
          // Overlaps are reported once, by the instance map below, which resolves the same pixels.
          return LabelMap.fromMasks(classPairs, { height: im.height, width: im.width }, { overlap: o.overlap });
        } catch (e) {
          throw e instanceof RleError ? e.at('images', String(im.id)) : e;
        }
      })();
      list.forEach((a, k) => keepsId(a, im.id, k + 1, ':'));
      const objects = paint(list.map((a, k) => [k + 1, a.mask] as [number, Mask]), im);
      yield { path: `SegmentationClass/${name}.png`, bytes: encodeLabelMap(cls, { format: autoFormat(cls, true), rgbOrder: o.rgbOrder, palette: paletteFrom(entries), ...(classColors ? { colors: classColors } : {}) }) };
      yield { path: `SegmentationObject/${name}.png`, bytes: encodeLabelMap(objects, { format: autoFormat(objects, true, true), rgbOrder: o.rgbOrder }) };
    }
    if (uncategorised > 0) context.warn({ code: 'default-category', message: `png (voc) needs a category per mask: ${uncategorised} masks without one were given label ${defaultLabel} ("object")`, count: uncategorised });
    reportIds();
    yield { path: 'labelmap.txt', bytes: labelmapTxt() };
    yield { path: 'ImageSets/Segmentation/default.txt', bytes: new TextEncoder().encode(names2.map((n) => `${n}\n`).join('')) };
    return;
  }
  let palette: Uint8Array | undefined; // one for every image (entries are fixed by now)
  let labelScratch: Uint8Array | undefined;
  for (const im of dataset.images) {
    const list = byImage.get(im.id)!;
    const pairs: [number, Mask][] = [];
    if (o.mode === 'semantic') {
      // One label per category: instances of a category merge into one region.
      const seen = new Set<number>();
      for (const a of list) {
        if (a.categoryId === undefined) uncategorised++;
        const l = a.categoryId === undefined ? defaultLabel : labels.get(a.categoryId)!;
        if (seen.has(l)) merged++;
        seen.add(l);
        keepsId(a, im.id, l, ':');
        pairs.push([l, a.mask]);
      }
    } else {
      const counters = new Map<number, number>();
      const crowdLabels = new Set<number>();
      // Masks without a category are numbered as instances of category 0 (labels 1, 2, ...): with
      // cityscapes those are class-only labels too, so they skip the ones this image's crowd regions take.
      const reserved = rule === 'cityscapes' ? crowdClassLabels(list, labels) : undefined;
      for (const a of list) {
        let label: number;
        if (rule === 'none') label = pairs.length + 1;
        else {
          const c = a.categoryId === undefined ? 0 : labels.get(a.categoryId)!;
          if (rule === 'cityscapes' && a.iscrowd === true) {
            // A crowd region (or stuff) is the class id alone; below 1000 so it reads back as that class,
            // and not 0 (background). One label per class and image: a second crowd mask merges into it.
            if (c > 0 && c < 1000) {
              if (crowdLabels.has(c)) mergedCrowd++;
              crowdLabels.add(c);
              keepsId(a, im.id, c, ':');
              pairs.push([c, a.mask]);
              continue;
            }
            crowdLost++;
          }
          // Cityscapes numbers instances from 0 (label = class * 1000); category 0 must not become label 0.
          let n = counters.get(c) ?? (rule === 'cityscapes' && c > 0 ? 0 : 1);
          if (c === 0 && reserved !== undefined) while (reserved.has(n)) n++;
          counters.set(c, n + 1);
          const base = rule === 'cityscapes' ? 1000 : Number(rule.replace(/^\/\/\s*/, ''));
          if (n >= base) throw new RleError('LIMIT_EXCEEDED', `More than ${base} instances of category ${c} on image ${String(im.id)}`, { expected: `at most ${base} per category with classes ${rule}` });
          label = c * base + n;
          if (a.categoryId === undefined) uncategorised++;
        }
        keepsId(a, im.id, label, ':');
        pairs.push([label, a.mask]);
      }
    }
    let givenMax = 0;
    for (const [l] of pairs) if (l > givenMax) givenMax = l;
    // 8-bit maps are painted into one buffer for every image: each is encoded before the next is painted.
    const total = im.height * im.width;
    const reuse = givenMax <= 0xff && total <= SCRATCH_LABELS;
    if (reuse && (labelScratch === undefined || labelScratch.length < total)) labelScratch = new Uint8Array(total);
    const lm = paint(pairs, im, reuse ? labelScratch!.subarray(0, total) : undefined);
    // Errors (a label that does not fit the format) name the image.
    let bytes: Uint8Array;
    try {
      bytes = encodeLabelMap(lm, { format: autoFormat(lm, o.mode === 'semantic', o.mode === 'instance', givenMax), rgbOrder: o.rgbOrder, palette: palette ??= paletteFrom(entries), ...(classColors && o.mode === 'semantic' ? { colors: classColors } : {}) });
    } catch (e) {
      throw e instanceof RleError ? e.at('images', String(im.id)) : e;
    }
    yield { path: `${names.get(im.id)!}.png`, bytes };
  }
  reportIds();
  if (merged > 0) context.warn({ code: 'merged-instances', message: `png (semantic) keeps one region per category and image: ${merged} instances merged into another of their category`, count: merged });
  if (mergedCrowd > 0) context.warn({ code: 'merged-instances', message: `png (instance, classes cityscapes) keeps one crowd region (the class id alone) per category and image: ${mergedCrowd} crowd masks merged into another of their category`, count: mergedCrowd });
  if (crowdLost > 0) context.warn({ code: 'not-carried', message: `png (instance, classes cityscapes) writes a crowd region as its class id, which must be 1..999: ${crowdLost} crowd masks without such a category were written as instances and lose their crowd flag`, count: crowdLost, capability: 'crowd' });
  if (uncategorised > 0) {
    context.warn(o.mode === 'semantic'
      ? { code: 'default-category', message: `png (semantic) needs a category per mask: ${uncategorised} masks without one were given label ${defaultLabel} ("object")`, count: uncategorised }
      : { code: 'not-carried', message: rule === 'cityscapes'
        // Labels below 1000 are class-only labels in Cityscapes: they read back as a crowd region of class `label`.
        ? `png (instance, classes cityscapes) has no category for ${uncategorised} masks; they were labelled 1, 2, ... (instances of category 0, skipping the image's crowd labels), which read back as crowd regions of those class ids`
        : `png (instance, classes ${rule}) has no category for ${uncategorised} masks; they were labelled as category 0`, count: uncategorised });
  }
  if (o.mode === 'semantic' && o.labelmap && entries.length > 0) {
    yield { path: 'labelmap.txt', bytes: labelmapTxt() };
  }
}

/** The class-only labels (1..999) that the crowd masks of one image take when written with classes cityscapes. */
function crowdClassLabels(list: readonly Annotation[], labels: ReadonlyMap<Id, number>): Set<number> {
  const out = new Set<number>();
  for (const a of list) {
    if (a.iscrowd !== true || a.categoryId === undefined) continue;
    const c = labels.get(a.categoryId)!;
    if (c > 0 && c < 1000) out.add(c);
  }
  return out;
}

/** A full 256-colour palette: the VOC palette with the categories' colours put in, so output bytes do not depend on which labels occur. */
function paletteFrom(entries: readonly ColorMapEntry[]): Uint8Array {
  const p = vocPalette();
  for (const e of entries) if (e.label <= 255) p.set(e.color, e.label * 3);
  return p;
}

export const dialect: Dialect<PngReadOptions, PngWriteOptions> = {
  id: 'png',
  title: 'PNG masks (label maps, instance maps, binary masks)',
  extensions: ['.png'],
  capabilities: baseCapabilities,
  // The zod schemas themselves, so the CLI can derive flags; read/write validate through parseWith (RleError INVALID_OPTION).
  readOptions: readSchema,
  writeOptions: writeSchema,
  input: 'either',
  output: 'folder',
  sniff(head: Uint8Array, name?: string): number {
    if (isPng(head)) return 1;
    return name !== undefined && /\.png$/i.test(name) ? 0.2 : 0;
  },
  // One file per image: the images of shards never share a file.
  writesByImage: true,
  read: readPngDataset,
  readIncrementally: readPngIncrementally,
  async write(dataset, options, context = silentContext): Promise<Uint8Array> {
    const files: OutputFile[] = [];
    let labelmap = false;
    for await (const f of pngFiles(dataset, options, context)) {
      if (f.path.endsWith('.png')) files.push(f);
      else labelmap = true;
    }
    // A single PNG has no room for labelmap.txt: category names are lost (writeFiles keeps them).
    if (labelmap) context.warn({ code: 'not-carried', message: 'png (one file) cannot carry category names: write a folder to keep them in labelmap.txt', capability: 'categoryNames' });
    if (files.length !== 1) {
      throw new RleError('INVALID_OPTION', `png writes one file per ${writeOptions.parse(options).mode === 'binary' ? 'mask' : 'image'}; this dataset needs ${files.length}`, { expected: 'one image (use writeFiles / -o <folder>)', received: String(files.length) });
    }
    return files[0]!.bytes;
  },
  writeFiles(dataset, options, context = silentContext): AsyncIterable<OutputFile> {
    return pngFiles(dataset, options, context);
  },
};
