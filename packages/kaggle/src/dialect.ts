import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { collectBytes, parseDialectOptions,
  bytesSource, csvRowField, csvRowFields, csvRows, collectDataset, countHeader, DEFAULT_MAX_RUNS, groupByImage, isDatasetStream, isFolderSource, isRleError, Mask, MAX_MASK_PIXELS, notCarried, RleError, silentContext, tallyAnnotation, TextOut,
  type Annotation, type ByteSource, type CsvRow, type Category, type Dialect, type DialectCapabilities, type DialectContext, type DialectInput, type Id, type ImageInfo,
  type MaskDataset, type MaskDatasetStream, type OptionsSchema,
} from '@rlekit/core';
import { decode, encodeChunks, encodeInto, RleBytesDecoder } from './codec.js';
import { csvBytes, csvField, csvRecords } from './csv.js';
import { csvJoin, describeHeader, mergeCsv } from './merge.js';
import { getPreset, presetIds, presets, type Preset, type RowsPer } from './presets.js';
import { SizeResolver } from './sizes.js';
import { SizeFitEvidence } from './fit.js';
import { readOpenImages, writeOpenImages } from './open-images.js';

// Flat fields so the CLI can offer each as a --flag; every one overrides the named preset.
const presetFields = {
  preset: z.optional(z.string())
    .register(z.globalRegistry, { description: `Named competition preset: ${presetIds.join(', ')}` }),
  order: z.optional(z.enum(['row', 'col']))
    .register(z.globalRegistry, { description: 'Override: flattening order, col = top to bottom then left to right, row = left to right then top to bottom' }),
  base: z.optional(z.int().check(z.gte(0), z.lte(1)))
    .register(z.globalRegistry, { description: 'Override: index base of starts (0 or 1)' }),
  pairing: z.optional(z.enum(['absolute', 'relative']))
    .register(z.globalRegistry, { description: 'Override: absolute start/length pairs, or relative offset/length pairs (SIIM)' }),
  empty: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Override: exact text of an all-background mask ("", "-1", "-", "1 0")' }),
  columns: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Override: CSV header, comma-separated' }),
  idColumn: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Override: column of the image id' }),
  rleColumn: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Override: column of the RLE text' }),
  classColumn: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Override: column of the class' }),
  classSeparator: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Override: the id column holds <image><separator><class> (Severstal "_")' }),
  heightColumn: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Override: column of the image height' }),
  widthColumn: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Override: column of the image width' }),
  rowsPer: z.optional(z.enum(['image', 'instance', 'image-class']))
    .register(z.globalRegistry, { description: 'Override: one row per image, per instance, or per image and class' }),
  classes: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Override: classes of an image-class file, comma-separated, in row order' }),
  overlap: z.optional(z.enum(['allowed', 'forbidden']))
    .register(z.globalRegistry, { description: 'Override: whether masks of one image may overlap' }),
};

export const readOptions = z.object({
  ...presetFields,
  size: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Size of every image, "HxW" (height first)' }),
  sizes: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Path of a CSV with id, height and width columns (e.g. HuBMAP test.csv)' }),
  images: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Path of a folder of PNG/JPEG images whose headers give the sizes' }),
  imageSizes: z.optional(z.string())
    .register(z.globalRegistry, { description: 'Sizes inline: "id=HxW;id=HxW"' }),
  lenient: z._default(z.boolean(), false)
    .register(z.globalRegistry, { description: 'Accept extra whitespace, zero lengths (dropped), unordered runs (sorted) and touching/overlapping runs (merged); each change is reported' }),
  maxPixels: z._default(z.int().check(z.positive(), z.lte(MAX_MASK_PIXELS)), MAX_MASK_PIXELS)
    .register(z.globalRegistry, { description: 'Refuse images with more pixels than this' }),
  maxRuns: z._default(z.int().check(z.positive()), DEFAULT_MAX_RUNS)
    .register(z.globalRegistry, { description: 'Refuse masks of more runs than this (each pair is two runs)' }),
});

export const writeOptions = z.object({
  ...presetFields,
  overlapPolicy: z._default(z.enum(['error', 'first', 'last', 'largest']), 'error')
    .register(z.globalRegistry, { description: 'When the preset forbids overlap: fail, or give shared pixels to the first, last or largest mask' }),
  imageId: z._default(z.enum(['auto', 'id', 'fileName', 'stem']), 'auto')
    .register(z.globalRegistry, { description: 'What goes in the id column: the image id, its file name, or the file name without extension (auto: the preset\'s style)' }),
});

export type KaggleReadOptions = z.output<typeof readOptions>;
export type KaggleWriteOptions = z.output<typeof writeOptions>;
type PresetFields = { [K in keyof typeof presetFields]?: z.output<(typeof presetFields)[K]> };

function parseOptions<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  // zod/mini ships no messages: zod's English ones, as the full zod printed them.
  return parseDialectOptions(schema, input, 'kaggle', { error: en().localeError });
}

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');

/**
 * The named preset with every flat override applied; a custom preset needs at least `order`.
 * @example
 * ```ts
 * // A custom convention from options, for a competition without a preset.
 * const p = presetFromOptions({ order: 'row', base: 0 });
 * [p.order, p.base, encode(Mask.full({ height: 1, width: 3 }), p)]; // → ['row', 0, '0 3']
 * ```
 */
export function presetFromOptions(o: PresetFields): Preset {
  let p: Preset;
  if (o.preset !== undefined && o.preset !== '') p = getPreset(o.preset);
  else if (o.order !== undefined) {
    p = {
      id: 'custom', title: 'custom preset', order: o.order, base: 1, pairing: 'absolute', empty: '', overlap: 'allowed', source: 'given by options',
      csv: { columns: ['ImageId', 'EncodedPixels'], id: 'ImageId', rle: 'EncodedPixels', rowsPer: 'instance' },
    };
  } else {
    throw new RleError('INVALID_OPTION', 'Kaggle needs a preset', { path: ['preset'], expected: `--preset ${presetIds.join('|')}, or a custom one given by at least --order`, received: 'none' });
  }
  const csv = { ...p.csv };
  const rename = (old: string | undefined, name: string | undefined): void => {
    if (name === undefined || name === '') return;
    csv.columns = old !== undefined && csv.columns.includes(old) ? csv.columns.map((c) => (c === old ? name : c)) : [...csv.columns, name];
  };
  rename(csv.id, o.idColumn);
  if (o.idColumn) csv.id = o.idColumn;
  rename(csv.rle, o.rleColumn);
  if (o.rleColumn) csv.rle = o.rleColumn;
  rename(csv.class, o.classColumn);
  if (o.classColumn) csv.class = o.classColumn;
  rename(csv.height, o.heightColumn);
  if (o.heightColumn) csv.height = o.heightColumn;
  rename(csv.width, o.widthColumn);
  if (o.widthColumn) csv.width = o.widthColumn;
  if (o.columns !== undefined && o.columns !== '') csv.columns = list(o.columns);
  if (o.classSeparator !== undefined) {
    if (o.classSeparator === '') delete csv.classSeparator;
    else csv.classSeparator = o.classSeparator;
  }
  if (o.rowsPer) csv.rowsPer = o.rowsPer as RowsPer;
  if (o.classes !== undefined) csv.classes = list(o.classes);
  for (const [role, name] of [['id', csv.id], ['rle', csv.rle], ['class', csv.class], ['height', csv.height], ['width', csv.width]] as const) {
    if (name !== undefined && !csv.columns.includes(name)) {
      throw new RleError('INVALID_OPTION', `The ${role} column "${name}" is not among the columns`, { path: ['columns'], expected: `columns including ${name}`, received: csv.columns.join(',') });
    }
  }
  const overridden = (['order', 'base', 'pairing', 'empty', 'columns', 'idColumn', 'rleColumn', 'classColumn', 'classSeparator', 'heightColumn', 'widthColumn', 'rowsPer', 'classes', 'overlap'] as const).some((k) => o[k] !== undefined);
  return {
    ...p,
    id: overridden && p.id !== 'custom' ? `${p.id} (customised)` : p.id,
    order: o.order ?? p.order,
    base: (o.base ?? p.base) as 0 | 1,
    pairing: o.pairing ?? p.pairing,
    empty: o.empty ?? p.empty,
    overlap: o.overlap ?? p.overlap,
    csv,
  };
}

const IMAGE_EXT = /\.(jpe?g|png|tiff?|bmp|gif|webp|dcm)$/i;

interface Layout {
  id: number;
  rle: number;
  cls: number;
  height: number;
  width: number;
}

/** Finds the preset's columns in a header: exact, then case-insensitive, then the RLE column's training names. */
function layoutOf(header: string[], p: Preset, name: string, line: number): Layout {
  const find = (col: string | undefined, aliases: string[] = []): number => {
    if (col === undefined) return -1;
    for (const c of [col, ...aliases]) {
      const exact = header.indexOf(c);
      if (exact >= 0) return exact;
      const loose = header.findIndex((h) => h.toLowerCase() === c.toLowerCase());
      if (loose >= 0) return loose;
    }
    return -2;
  };
  const l = { id: find(p.csv.id), rle: find(p.csv.rle, p.csv.rleAliases), cls: find(p.csv.class), height: find(p.csv.height), width: find(p.csv.width) };
  const missing = (['id', 'rle', 'cls', 'height', 'width'] as const).filter((k) => l[k] === -2);
  if (missing.length > 0) {
    throw new RleError('INVALID_STRUCTURE', `${name} does not have the columns of preset ${p.id}`, { path: ['line', line], expected: `a header with ${p.csv.columns.join(',')}`, received: header.join(',') });
  }
  return l;
}

function classKey(text: string): Id {
  // Only canonical numbers: "07" next to "7" would otherwise give two categories with id 7.
  return /^(0|[1-9]\d{0,14})$/.test(text) ? Number(text) : text;
}

interface Row {
  imageId: string;
  cls: string | undefined;
  line: number;
}

/** A record's image id and class per the layout (its RLE text is read apart, from its bytes where it can). */
function rowOf(r: CsvRow, l: Layout, p: Preset, line: number): Row {
  let imageId = csvRowField(r, l.id);
  let cls = l.cls >= 0 ? csvRowField(r, l.cls) : undefined;
  if (p.csv.classSeparator) {
    const at = imageId.lastIndexOf(p.csv.classSeparator);
    if (at < 0) {
      throw new RleError('INVALID_STRUCTURE', `Id "${imageId}" has no class part`, { path: ['line', line, p.csv.id], expected: `<image>${p.csv.classSeparator}<class>` });
    }
    cls = imageId.slice(at + p.csv.classSeparator.length);
    imageId = imageId.slice(0, at);
  }
  return { imageId, cls: cls === '' ? undefined : cls, line };
}

function sizeCell(v: string | undefined, what: string, line: number, column: string): number {
  if (v === undefined || !/^\d{1,9}$/.test(v)) throw new RleError('INVALID_SIZE', `Invalid ${what}`, { path: ['line', line, column], expected: 'a non-negative integer', received: String(v) });
  return Number(v);
}

/** sizeCell of field `k`, read from the bytes when they are 1 to 9 digits (else sizeCell of its text says what is wrong). */
function sizeField(r: CsvRow, k: number, what: string, line: number, column: string): number {
  if (r.fields === undefined) {
    const from = r.cuts[2 * k]!, to = r.cuts[2 * k + 1]!;
    let v = 0, i = from;
    for (; i < to; i++) {
      const c = r.bytes[i]!;
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    if (i === to && to > from && to - from <= 9) return v;
  }
  return sizeCell(csvRowField(r, k), what, line, column);
}

/**
 * Reads a submission or training CSV in two passes over the source: the first collects
 * images, sizes and classes (so the stream can list them up front), the second decodes
 * one row at a time.
 */
async function readStream(input: DialectInput, options: Partial<KaggleReadOptions> = {}, context: DialectContext = silentContext): Promise<MaskDatasetStream> {
  const o = parseOptions(readOptions, options);
  if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'kaggle reads a CSV file, not a folder', { received: input.name });
  const src: ByteSource = input instanceof Uint8Array ? bytesSource(input) : input;
  const p = (o.preset === undefined || o.preset === '') && o.order === undefined
    ? presetFromOptions({ ...o, preset: await inferPreset(src, context) })
    : presetFromOptions(o);
  if (p.encoding === 'open-images') return readOpenImages(src, p, o, context);
  // A competition whose images all have one size needs no size option: its native size is used, and said.
  const native = p.oneSize === true && p.nativeSize !== undefined && p.csv.height === undefined && !o.size && !o.sizes && !o.images && !o.imageSizes ? p.nativeSize : undefined;
  const sizes = await SizeResolver.create(native ? { ...o, size: `${native.height}x${native.width}` } : o, p.csv.id, context, p.nativeSize ? ` (${p.title} images are ${p.nativeSize.height}x${p.nativeSize.width})` : '');
  if (native) {
    context.warn({ code: 'native-size', message: `No size given: every image is read at ${p.title}'s native size, ${native.height}x${native.width} (height x width; --size HxW to override)` });
  }
  const images = new Map<string, ImageInfo>();
  const categories = new Map<string, Category>();
  let layout: Layout | undefined;
  // Rows per image, and whether an image's rows are scattered (then pass 2 regroups them).
  const rowsOf = new Map<string, number>();
  // Lines whose row could not be read: with a recover hook (`rlekit check`) a bad row is
  // reported and skipped in both passes instead of stopping the read.
  const skipped = new Set<number>();
  const recovering = async <T>(line: number, read: () => T | Promise<T>): Promise<T | undefined> => {
    if (!context.recover) return read();
    try {
      return await read();
    } catch (e) {
      if (!isRleError(e)) throw e;
      context.recover(e);
      skipped.add(line);
      return undefined;
    }
  };
  const addImage = (id: string, size: { height: number; width: number }): void => {
    const info: ImageInfo = { id, height: size.height, width: size.width };
    if (IMAGE_EXT.test(id)) info.fileName = id;
    images.set(id, info);
  };
  /**
   * Registers a row's image (its size from the row's columns or the size options), checking rows
   * agree. Synchronous unless the size options must be asked (a new image without size columns):
   * then it returns the promise of that, so most rows cost no promise.
   */
  const imageOf = (row: { imageId: string }, l: Layout, line: number, r: CsvRow): Promise<void> | undefined => {
    let size: { height: number; width: number } | undefined;
    if (l.height >= 0 && l.width >= 0) {
      const height = sizeField(r, l.height, 'height', line, p.csv.height!);
      size = { height, width: sizeField(r, l.width, 'width', line, p.csv.width!) };
    }
    const known = images.get(row.imageId);
    if (known) {
      if (size && (size.height !== known.height || size.width !== known.width)) {
        throw new RleError('SIZE_MISMATCH', `Rows of image "${row.imageId}" disagree on its size`, { path: ['line', line], expected: `${known.height}x${known.width}`, received: `${size.height}x${size.width}` });
      }
    } else if (size) addImage(row.imageId, size);
    else {
      return sizes.sizeOf(row.imageId).then((s) => addImage(row.imageId, s), (e: unknown) => {
        throw isRleError(e) ? e.at('line', line) : e;
      });
    }
    return undefined;
  };
  let lastId: string | undefined;
  let scattered = false;
  const rule = { repeated: 0, unknownClass: 0 };
  const pairs = new Set<string>();
  for await (const batch of csvRows(src, src.name)) for (const r of batch) {
    if (!layout) {
      layout = layoutOf(csvRowFields(r), p, src.name, r.line);
      continue;
    }
    const l = layout;
    let row: Row | undefined;
    if (context.recover) {
      row = await recovering(r.line, async () => {
        const row = rowOf(r, l, p, r.line);
        await imageOf(row, l, r.line, r);
        return row;
      });
      if (!row) continue;
    } else {
      row = rowOf(r, l, p, r.line);
      const asked = imageOf(row, l, r.line, r);
      if (asked) await asked;
    }
    const seen = rowsOf.get(row.imageId);
    if (seen !== undefined && row.imageId !== lastId) scattered = true;
    rowsOf.set(row.imageId, (seen ?? 0) + 1);
    lastId = row.imageId;
    // The submission rules a file can break row by row: one row per image (or image and class).
    if (p.csv.rowsPer === 'image' && seen !== undefined) rule.repeated++;
    if (p.csv.rowsPer === 'image-class') {
      const key = `${row.imageId}\u0000${row.cls ?? ''}`;
      if (pairs.has(key)) rule.repeated++;
      else pairs.add(key);
      if (row.cls !== undefined && p.csv.classes && !p.csv.classes.includes(row.cls)) rule.unknownClass++;
    }
    if (row.cls !== undefined && !categories.has(row.cls)) categories.set(row.cls, { id: classKey(row.cls), name: row.cls });
  }
  if (rule.repeated > 0) {
    context.warn({ code: 'repeated-rows', message: `${rule.repeated} rows repeat an ${p.csv.rowsPer === 'image' ? 'image' : 'image and class'} listed before; ${p.id} submits one row per ${p.csv.rowsPer === 'image' ? 'image' : 'image and class'} (read as separate masks)`, count: rule.repeated });
  }
  if (rule.unknownClass > 0) {
    context.warn({ code: 'unknown-class', message: `${rule.unknownClass} rows name a class outside ${p.id}'s classes ${p.csv.classes!.join(', ')}`, count: rule.unknownClass });
  }
  if (!layout) throw new RleError('INVALID_STRUCTURE', `${src.name} is empty`, { expected: `a header with ${p.csv.columns.join(',')}` });
  const l = layout;
  const decodeOptions = { lenient: o.lenient, warn: context.warn, maxPixels: o.maxPixels, maxRuns: o.maxRuns };
  // The RLE text of plain ASCII rows is read from its bytes; any other, or any the fast path declines, by decode.
  const bytesDecoder = new RleBytesDecoder(p, decodeOptions);
  const fromBytes = bytesDecoder.usable;
  const order = [...images.keys()];
  // Whether the runs fit the sizes they are read with (a transposed --size decodes without error
  // into shredded masks): evidence per size, acted on once it is clear, and at the end.
  const fits = new Map<string, { evidence: SizeFitEvidence; done: boolean }>();
  const judge = (f: { evidence: SizeFitEvidence; done: boolean }, minSteps: number): void => {
    if (f.done || f.evidence.verdict(minSteps) !== 'transposed') return;
    f.done = true;
    const { height: h, width: w } = f.evidence.size;
    // Lines of the other side's length are also what the other flattening order gives (UW-Madison's page says column-major, its data are row-major).
    const other = p.order === 'col' ? 'row' : 'col';
    const message = `The runs do not fit ${h}x${w} (height x width): they look written for ${w}x${h}, or flattened in the other order (${other === 'row' ? 'row-major' : 'column-major'}). ${f.evidence.describe()}`;
    if (!o.lenient) {
      const e = new RleError('INVALID_SIZE', message, { path: ['size'], expected: `the size the runs were written for (--size ${w}x${h}?) or their order (--order ${other}?), or --lenient to read them at ${h}x${w} anyway`, received: `${h}x${w}` });
      // A checker hears it and reads on; the masks stay at the size asked for.
      if (!context.recover) throw e;
      context.recover(e);
      return;
    }
    context.warn({ code: 'size-transposed', message: `${message}; read at ${h}x${w} as asked (lenient)` });
  };
  const annotations = (async function* (): AsyncGenerator<Annotation> {
    let first = true;
    let n = 0;
    // Scattered rows: an image's masks are held until every earlier image is complete, so the
    // stream lists each image's annotations together and in image order (what writers need).
    const pending = new Map<string, Annotation[]>();
    let next = 0;
    for await (const batch of csvRows(src, src.name)) for (const r of batch) {
      if (first) {
        first = false;
        continue;
      }
      if (skipped.size > 0 && skipped.has(r.line)) continue;
      const row = rowOf(r, l, p, r.line);
      const image = images.get(row.imageId);
      const category = row.cls === undefined ? undefined : categories.get(row.cls);
      if (!image || (row.cls !== undefined && !category)) {
        throw new RleError('INVALID_STRUCTURE', `${src.name} changed between the two passes over it`, { path: ['line', r.line], expected: 'a source that reads the same each time' });
      }
      let mask: Mask | undefined;
      try {
        if (fromBytes && r.fields === undefined) mask = bytesDecoder.decode(r.bytes, r.cuts[2 * l.rle]!, r.cuts[2 * l.rle + 1]!, image);
        mask ??= decode(csvRowField(r, l.rle), image, p, decodeOptions);
      } catch (e) {
        if (!isRleError(e)) throw e;
        if (!context.recover) throw e.at('line', r.line, p.csv.rle);
        context.recover(e.at('line', r.line, p.csv.rle)); // read on: the row counts as one without a mask
      }
      if (mask) {
        const key = `${image.height}x${image.width}`;
        let fit = fits.get(key);
        if (!fit) fits.set(key, (fit = { evidence: new SizeFitEvidence(image, p.order), done: false }));
        fit.evidence.add(mask.runsView(p.order));
        judge(fit, 64);
      }
      let a: Annotation | undefined;
      if (mask && !mask.isEmpty()) {
        a = { id: ++n, imageId: image.id, mask };
        if (category) a.categoryId = category.id;
      }
      if (!scattered) {
        if (a) yield a;
        continue;
      }
      rowsOf.set(row.imageId, rowsOf.get(row.imageId)! - 1);
      if (a) {
        const group = pending.get(row.imageId);
        if (group) group.push(a);
        else pending.set(row.imageId, [a]);
      }
      for (; next < order.length && rowsOf.get(order[next]!) === 0; next++) {
        const group = pending.get(order[next]!);
        if (group) (pending.delete(order[next]!), yield* group);
      }
    }
    for (const group of pending.values()) yield* group;
    for (const f of fits.values()) judge(f, 8);
  })();
  return { images: [...images.values()], categories: [...categories.values()], annotations };
}

/**
 * The preset whose header the file has, when no preset is given: only when every preset with
 * that header agrees on order, base, pairing and empty text (`ImageId,EncodedPixels` is Airbus,
 * DSB and SIIM, which disagree, so it needs --preset).
 */
async function inferPreset(src: ByteSource, context: DialectContext): Promise<string> {
  let header: string[] | undefined;
  // Matched case-insensitively, quoted as written.
  let fields: string[] | undefined;
  for await (const r of csvRecords(src, src.name)) {
    fields = r.fields;
    header = r.fields.map((f) => f.toLowerCase());
    break;
  }
  const matches = Object.values(presets).filter((p) => {
    const cols = p.csv.columns.map((c) => c.toLowerCase());
    const rles = [p.csv.rle, ...(p.csv.rleAliases ?? [])].map((c) => c.toLowerCase());
    return header !== undefined && cols.length === header.length && cols.every((c, i) => c === header![i] || (c === p.csv.rle.toLowerCase() && rles.includes(header![i]!)));
  });
  const first = matches[0];
  if (!first || !matches.every((m) => m.order === first.order && m.base === first.base && m.pairing === first.pairing && m.empty === first.empty && m.encoding === first.encoding)) {
    throw new RleError('INVALID_OPTION', 'Kaggle needs a preset', {
      path: ['preset'],
      expected: matches.length > 1 ? `--preset ${matches.map((m) => m.id).join('|')} (their conventions differ)` : `--preset ${presetIds.join('|')}, or a custom one given by at least --order`,
      received: fields ? `header ${fields.join(',')}` : 'no header',
    });
  }
  context.warn({ code: 'preset-inferred', message: `No preset given: the header matches ${matches.map((m) => m.id).join(', ')}; reading as ${first.id} (${first.encoding === 'open-images' ? 'Open Images: label confidence base64(zlib(COCO counts)) triples' : `${first.order === 'col' ? 'column' : 'row'}-major, ${first.base}-based, ${first.pairing}`})` });
  return first.id;
}

/** Groups annotations by image, in image order (core's groupByImage: any order that fits its budget). */
function byImage(d: MaskDataset | MaskDatasetStream): AsyncGenerator<{ image: ImageInfo; annotations: Annotation[] }> {
  return groupByImage(d);
}

/**
 * Masks of one image with overlaps removed by `policy`; returns the masks and the pixels given away.
 * @example
 * ```ts
 * const size = { height: 3, width: 4 };
 * const a = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], size, 'row');
 * const { masks, pixels } = resolveOverlaps([a, Mask.full(size)], 'first', 'image a.jpg');
 * [masks.map((m) => m.area()), pixels]; // → [[5, 7], 5]
 * ```
 */
export function resolveOverlaps(masks: Mask[], policy: 'error' | 'first' | 'last' | 'largest', where: string): { masks: Mask[]; pixels: number } {
  if (masks.length < 2) return { masks, pixels: 0 };
  const size = masks[0]!.size;
  let seen = Mask.empty(size);
  if (policy === 'error') {
    // Masks of one size are disjoint iff their union's area is the sum of their areas. The union
    // is taken as a balanced tree of pairs (each run is merged log k times, not k times); only
    // when the areas differ (or sizes do) is the first mask that overlaps looked for, one by one.
    if (masks.every((m) => m.height === size.height && m.width === size.width)) {
      let sum = 0;
      for (const m of masks) sum += m.area();
      let level = masks;
      while (level.length > 1) {
        const next: Mask[] = [];
        for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? level[i]!.union(level[i + 1]!) : level[i]!);
        level = next;
      }
      if (level[0]!.area() === sum) return { masks, pixels: 0 };
    }
    masks.forEach((m, k) => {
      if (m.overlap(seen).intersection > 0) {
        throw new RleError('OVERLAP', `Mask ${k} of ${where} overlaps an earlier mask`, { expected: 'non-overlapping masks, or --overlap-policy first|last|largest' });
      }
      seen = seen.union(m);
    });
    return { masks, pixels: 0 };
  }
  const order = masks.map((_, k) => k);
  if (policy === 'last') order.reverse();
  else if (policy === 'largest') order.sort((a, b) => masks[b]!.area() - masks[a]!.area() || a - b);
  const out = masks.slice();
  let pixels = 0;
  for (const k of order) {
    const m = masks[k]!;
    const kept = m.difference(seen);
    pixels += m.area() - kept.area();
    out[k] = kept;
    seen = seen.union(m);
  }
  return { masks: out, pixels };
}

function idText(image: ImageInfo, how: KaggleWriteOptions['imageId'], p: Preset): string {
  const file = image.fileName;
  const base = file === undefined ? undefined : file.slice(file.lastIndexOf('/') + 1);
  const stemOf = (s: string): string => (s.lastIndexOf('.') > 0 ? s.slice(0, s.lastIndexOf('.')) : s);
  switch (how) {
    case 'id': return String(image.id);
    case 'fileName': return base ?? String(image.id);
    case 'stem': return stemOf(base ?? String(image.id));
    default:
      // A string id came from a Kaggle-like source already; numeric ids (COCO) defer to the file name.
      if (typeof image.id === 'string' || base === undefined) return String(image.id);
      return p.csv.ids === 'fileName' ? base : stemOf(base);
  }
}

async function* writeStream(dataset: MaskDataset | MaskDatasetStream, options: Partial<KaggleWriteOptions> = {}, context: DialectContext = silentContext): AsyncGenerator<Uint8Array> {
  const o = parseOptions(writeOptions, options);
  const p = presetFromOptions(o);
  if (p.encoding === 'open-images') {
    yield* writeOpenImages(dataset, p, (image) => idText(image, o.imageId, p), byImage(dataset), capabilities, context);
    return;
  }
  const warn = context.warn;
  const cols = p.csv.columns;
  const at = (name: string | undefined): number => (name === undefined ? -1 : cols.indexOf(name));
  const ci = { id: at(p.csv.id), rle: at(p.csv.rle), cls: at(p.csv.class), height: at(p.csv.height), width: at(p.csv.width) };
  const carriesClass = ci.cls >= 0 || p.csv.classSeparator !== undefined;
  const names = new Map<Id, string>(dataset.categories.map((c) => [c.id, c.name]));
  const classOf = (a: Annotation): string | undefined => (a.categoryId === undefined ? undefined : names.get(a.categoryId) ?? String(a.categoryId));
  const classes = p.csv.rowsPer === 'image-class' ? p.csv.classes ?? dataset.categories.map((c) => c.name) : [];
  if (p.csv.rowsPer === 'image-class' && classes.length === 0) {
    // Without classes an image × class file would have no rows at all for any image.
    throw new RleError('INVALID_OPTION', `Preset ${p.id} writes one row per image and class, but there are no classes`, { path: ['classes'], expected: '--classes a,b,c or a dataset with categories' });
  }
  const count = { scores: 0, crowd: 0, attributes: 0, categories: 0, ids: 0, merged: 0, emptyMasks: 0, overlapPixels: 0, lostToOverlap: 0, otherClass: 0, imageIds: 0, fileNames: 0 };
  // What the generic report needs (image and category attributes, unused categories); overlaps are handled here.
  const features = countHeader(dataset.images, dataset.categories, capabilities);
  // Categories whose id or name is not what the class text says: the reader makes a category of that text.
  const classIdChanged = new Set<Id>(), classNameChanged = new Set<Id>();
  const noteClass = (a: Annotation, cls: string | undefined): void => {
    if (a.categoryId === undefined || cls === undefined) return;
    if (String(a.categoryId) !== cls) classIdChanged.add(a.categoryId);
    if (names.get(a.categoryId) !== cls) classNameChanged.add(a.categoryId);
  };
  const record = (image: ImageInfo, id: string, rle: string, cls: string | undefined): string[] => {
    const r = new Array<string>(cols.length).fill('');
    r[ci.id] = p.csv.classSeparator !== undefined && cls !== undefined ? `${id}${p.csv.classSeparator}${cls}` : id;
    r[ci.rle] = rle;
    if (ci.cls >= 0 && cls !== undefined) r[ci.cls] = cls;
    if (ci.height >= 0) r[ci.height] = String(image.height);
    if (ci.width >= 0) r[ci.width] = String(image.width);
    return r;
  };
  // A row is its fields, or its other fields and the mask, whose text is written as bytes between
  // them (in pieces for a mask of many runs: never one string of hundreds of megabytes).
  type Row = string[] | { fields: string[]; mask: Mask };
  const row = (image: ImageInfo, id: string, m: Mask, cls: string | undefined): Row => ({ fields: record(image, id, '', cls), mask: m });
  yield csvBytes([cols]);
  // Rows are written as bytes into one buffer, handed on at about 1 MiB.
  const out = new TextOut(1 << 20 | 1 << 16);
  const emptyField = csvField(p.empty);
  let rowsOut = 0;
  const written = new Map<string, Id>();
  for await (const { image, annotations } of byImage(dataset)) {
    const id = idText(image, o.imageId, p);
    // Two images under one id text (a/x.jpg and b/x.jpg as "x") would be read back as one image.
    const owner = written.get(id);
    if (owner !== undefined && owner !== image.id) {
      throw new RleError('INVALID_OPTION', `Images ${String(owner)} and ${String(image.id)} would both be written as "${id}"`, { path: ['imageId'], expected: 'distinct id texts (--image-id id, or unique file names)', received: id });
    }
    written.set(id, image.id);
    if (id !== String(image.id)) count.imageIds++;
    // The reader takes an id that looks like a file name as the file name.
    if (image.fileName !== undefined && !(id === image.fileName && IMAGE_EXT.test(id))) count.fileNames++;
    const masks: Mask[] = [];
    const kept: Annotation[] = [];
    for (const a of annotations) {
      if (a.mask.height !== image.height || a.mask.width !== image.width) {
        throw new RleError('SIZE_MISMATCH', `Annotation ${String(a.id)} differs in size from image ${String(image.id)}`, { path: ['annotations', String(a.id)], expected: `${image.height}x${image.width}`, received: `${a.mask.height}x${a.mask.width}` });
      }
      count.ids++;
      tallyAnnotation(features, a);
      if (a.score !== undefined) count.scores++;
      if (a.iscrowd === true) count.crowd++;
      if (a.attributes && Object.keys(a.attributes).length > 0) count.attributes++;
      if (a.categoryId !== undefined && !carriesClass) count.categories++;
      if (a.mask.isEmpty()) {
        count.emptyMasks++;
        continue;
      }
      masks.push(a.mask);
      kept.push(a);
    }
    const rows: Row[] = [];
    if (p.csv.rowsPer === 'instance') {
      const resolved = p.overlap === 'forbidden' ? resolveOverlaps(masks, o.overlapPolicy, `image ${id}`) : { masks, pixels: 0 };
      count.overlapPixels += resolved.pixels;
      resolved.masks.forEach((m, k) => {
        if (m.isEmpty()) count.lostToOverlap++;
        else {
          const cls = carriesClass ? classOf(kept[k]!) : undefined;
          noteClass(kept[k]!, cls);
          rows.push(row(image, id, m, cls));
        }
      });
      if (rows.length === 0) rows.push(record(image, id, p.empty, undefined));
    } else if (p.csv.rowsPer === 'image') {
      const u = Mask.unionAll(masks, image);
      if (masks.length > 1) count.merged += masks.length - 1;
      rows.push(row(image, id, u, undefined));
    } else {
      const byClass = new Map<string, Mask[]>();
      kept.forEach((a, k) => {
        let c = classOf(a);
        // A category named otherwise ("defect_1") whose id is a class (Severstal's 1..4) goes to that class.
        if ((c === undefined || !classes.includes(c)) && a.categoryId !== undefined && classes.includes(String(a.categoryId))) c = String(a.categoryId);
        if (c === undefined || !classes.includes(c)) count.otherClass++;
        else {
          noteClass(a, c);
          byClass.set(c, [...(byClass.get(c) ?? []), masks[k]!]);
        }
      });
      for (const c of classes) {
        const ms = byClass.get(c) ?? [];
        const u = Mask.unionAll(ms, image);
        if (ms.length > 1) count.merged += ms.length - 1;
        rows.push(row(image, id, u, c));
      }
    }
    for (const r of rows) {
      const fields = Array.isArray(r) ? r : r.fields;
      for (let c = 0; c < fields.length; c++) {
        if (c > 0) out.byte(0x2c);
        if (c !== ci.rle || Array.isArray(r)) out.text(csvField(fields[c]!));
        else if (r.mask.runsView(p.order).length > STREAM_RUNS) {
          if (out.length > 0) yield out.take();
          yield* encodeChunks(r.mask, p);
        } else if (!encodeInto(out, r.mask, p)) out.text(emptyField);
      }
      out.byte(0x0a);
      rowsOut++;
    }
    // Handed on at about 1 MiB or 1024 rows, whichever comes first: a stream's rows go on as they come.
    if (out.length > 1 << 20 || rowsOut >= 1024) {
      yield out.take();
      rowsOut = 0;
    }
  }
  if (out.length > 0) yield out.take();
  const reported = new Set<string>();
  const lost = (capability: string, what: string, n: number): void => {
    if (n > 0) warn({ code: 'not-carried', message: `kaggle (${p.id}) cannot carry ${what}: ${n} lost`, count: n, capability });
    reported.add(capability);
  };
  lost('scores', 'scores', count.scores);
  lost('crowd', 'crowd flags', count.crowd);
  lost('attributes', "annotations' attributes", count.attributes);
  lost('categories', 'category assignments (no class column)', count.categories);
  lost('instanceIds', p.csv.rowsPer === 'instance' ? 'instance ids (rows are numbered on read)' : `instance ids (one row per ${p.csv.rowsPer})`, count.ids);
  lost('categoryIds', `category ids (the ${ci.cls >= 0 ? p.csv.class! : 'class'} is written as a name or class, which reads back as the category id)`, classIdChanged.size);
  lost('categoryNames', `category names (written as the class ${classes.length > 0 ? `${classes.join(', ')} of their id` : 'id'}, which reads back as the name)`, classNameChanged.size);
  lost('imageIds', `image ids (the ${p.csv.id} column holds ${o.imageId === 'auto' ? (p.csv.ids === 'fileName' ? 'file names' : 'file name stems') : o.imageId === 'id' ? 'ids' : o.imageId === 'fileName' ? 'file names' : 'file name stems'})`, count.imageIds);
  lost('fileNames', 'file names (only an id column that holds a file name keeps it, without its folder)', count.fileNames);
  if (count.otherClass > 0) warn({ code: 'not-carried', message: `${count.otherClass} masks have no class among ${classes.join(', ')} and were not written`, count: count.otherClass });
  if (count.merged > 0) warn({ code: 'merged-instances', message: `${count.merged} masks were merged into the mask of their image${p.csv.rowsPer === 'image-class' ? ' and class' : ''} (${p.id} has one row per ${p.csv.rowsPer})`, count: count.merged });
  if (count.emptyMasks > 0) warn({ code: 'empty-mask', message: `${count.emptyMasks} empty masks have no row of their own`, count: count.emptyMasks });
  if (count.overlapPixels > 0) warn({ code: 'overlap-resolved', message: `${count.overlapPixels} pixels claimed by several masks were resolved by the "${o.overlapPolicy}" policy`, count: count.overlapPixels, capability: 'overlap' });
  if (count.lostToOverlap > 0) warn({ code: 'overlap-resolved', message: `${count.lostToOverlap} masks lost all their pixels to the "${o.overlapPolicy}" policy and were not written`, count: count.lostToOverlap, capability: 'overlap' });
  for (const w of notCarried(features, capabilities, `kaggle (${p.id})`, reported)) warn(w);
}

/** Masks of more runs than this have their RLE text streamed in pieces (about 1 MB of text). */
const STREAM_RUNS = 1 << 17;

/** Likely column names of a Kaggle RLE column. */
const RLE_NAMES = new Set(['encodedpixels', 'rle_mask', 'rle', 'predicted', 'encoded_pixels', 'segmentation', 'annotation', 'encoding', 'pixels']);

// The widest preset's reach; the writer reports what a preset and the options narrow it to.
const capabilities: DialectCapabilities = {
  categories: true, categoryIds: true, categoryNames: true, categoryAttributes: false, unusedCategories: false,
  instanceIds: false, scores: true, crowd: false, attributes: false,
  multipleImages: true, overlap: true, emptyImages: true, imageIds: true, fileNames: true, imageAttributes: false,
};

export const dialect: Dialect<KaggleReadOptions, KaggleWriteOptions> = {
  id: 'kaggle',
  title: 'Kaggle competition RLE (CSV)',
  extensions: ['.csv'],
  capabilities,
  readOptions: readOptions as unknown as OptionsSchema<KaggleReadOptions>,
  writeOptions: writeOptions as unknown as OptionsSchema<KaggleWriteOptions>,
  input: 'file',
  output: 'file',
  sniff(head: Uint8Array, name?: string): number {
    const text = new TextDecoder().decode(head.subarray(0, 1024)).replace(/^\ufeff/, '');
    const header = (text.split(/\r?\n/, 1)[0] ?? '').split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
    const csvName = name === undefined || /\.csv$/i.test(name);
    const exact = Object.values(presets).some((p) => p.csv.columns.length === header.length && p.csv.columns.every((c, i) => c === header[i]));
    if (exact && csvName) return 0.9;
    if (header.some((h) => RLE_NAMES.has(h.toLowerCase())) && csvName) return 0.6;
    return 0;
  },
  readStream,
  async read(input, options, context) {
    return collectDataset(await readStream(input, options, context));
  },
  writeStream: (dataset, options, context) => (context?.describePart ? describeHeader(writeStream(dataset, options, context), context.describePart) : writeStream(dataset, options, context)),
  maskOrder(options) {
    // Bad options are write's to report, with its error.
    try {
      const p = presetFromOptions(parseOptions(writeOptions, options ?? {}));
      return p.encoding === 'open-images' ? 'col' : p.order;
    } catch {
      return undefined;
    }
  },
  writesByImage: true,
  merge: (parts) => mergeCsv(parts),
  joinParts: () => csvJoin,
  async write(dataset, options, context) {
    return collectBytes(writeStream(dataset, options, context));
  },
};
