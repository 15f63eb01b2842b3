/**
 * The "CVAT for images 1.1" XML dialect: `<annotations>` with `<meta>` labels and `<image>`
 * elements holding `<mask>`, `<polygon>` and `<box>` shapes.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { loadOnce, setOwnKey, XML_HEAD, parseDialectOptions,
  MAX_MASK_PIXELS, describeValue, RleError, checkSize, polygonizeDetailed, rasterizeParts, collectDataset, countHeader, isDatasetStream, tallyAnnotation, toDatasetStream, decodeUtf8, encodeUtf8, isFolderSource, notCarried, readAllBytes,
  type Annotation, type Category, type Dialect, type DialectCapabilities, type DialectContext, type DialectInput, type Id, type ImageInfo,
  type MaskDataset, type MaskDatasetStream, type Mask, type RleWarning, type Shard, type WarningSink,
} from '@rlekit/core';
import type { CvatShardPlan } from './stream.js';
import { decode, encode } from './codec.js';
import { DEFAULT_MAX_POLYGON_CROSSINGS, rasterizeBox, rasterizePolygon } from './polygon.js';
import { ATTR, escapeAttr, escapeText, isXmlName, parseXml, replaceNonXml, startOf, unescapeXml, type XmlNode } from './xml.js';

export const readOptionsSchema = z.object({
  maxBytes: z._default(z.int().check(z.positive()), 0x1fffffe8)
    .register(z.globalRegistry, { description: 'Largest file read into memory, in bytes' }),
  maxPixels: z._default(z.int().check(z.positive(), z.lte(MAX_MASK_PIXELS)), MAX_MASK_PIXELS)
    .register(z.globalRegistry, { description: 'Largest image (height * width) accepted' }),
  validate: z._default(z.boolean(), true)
    .register(z.globalRegistry, { description: 'Check that the XML is well-formed before reading it (about 3x the parse time)' }),
  boxes: z._default(z.enum(['skip', 'rasterize']), 'skip')
    .register(z.globalRegistry, { description: 'What to do with <box> shapes: skip them (reported as not carried) or rasterize them as masks' }),
  sortByZOrder: z._default(z.boolean(), true)
    .register(z.globalRegistry, { description: 'Order each image\'s shapes by z_order (stable), so later masks are the ones on top' }),
  maxRuns: z._default(z.int().check(z.positive()), 2 ** 28)
    .register(z.globalRegistry, { description: 'Largest number of runs held (4 bytes each): of all masks read, or of one image\'s in a streamed read; refused as soon as it is passed' }),
  padShortRuns: z._default(z.boolean(), false)
    .register(z.globalRegistry, { description: 'Read runs that stop short of their box as ending in background (cvat-core does) instead of an error' }),
  maxPolygonCrossings: z._default(z.int().check(z.positive()), DEFAULT_MAX_POLYGON_CROSSINGS)
    .register(z.globalRegistry, { description: 'Largest number of pixel-column crossings of one polygon (4 bytes each), refused before rasterizing' }),
});

export const writeOptionsSchema = z.object({
  taskName: z._default(z.string(), 'rlekit')
    .register(z.globalRegistry, { description: '<name> of the <task> written in <meta>' }),
  defaultLabel: z._default(z.string().check(z.minLength(1)), 'object')
    .register(z.globalRegistry, { description: 'Label of annotations that have no category' }),
  source: z._default(z.string().check(z.minLength(1)), 'manual')
    .register(z.globalRegistry, { description: 'source attribute of masks whose annotation does not carry one' }),
  shapes: z._default(z.enum(['mask', 'polygon']), 'mask')
    .register(z.globalRegistry, { description: 'Write each annotation as a <mask> (exact), or as one <polygon> per connected part traced from it' }),
  polygonHoles: z._default(z.enum(['bridge', 'fill']), 'bridge')
    .register(z.globalRegistry, { description: 'With shapes polygon, holes: bridge (joined to the part\'s ring by a zero-width cut; drawn back pixel for pixel with COCO\'s rules) or fill (dropped, reported)' }),
});

export type CvatReadOptions = z.infer<typeof readOptionsSchema>;

// The streamed reader (its scanner) is loaded on first use, as the XML parser is: an app that reads whole files does not fetch it.
const loadStream = loadOnce(() => import('./stream.js'));
export type CvatWriteOptions = z.infer<typeof writeOptionsSchema>;

function parseOptions<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  // zod/mini ships no messages: zod's English ones, as the full zod printed them.
  return parseDialectOptions(schema, input, undefined, { error: en().localeError });
}

/** Annotation attributes that are `<mask>`/`<polygon>` XML attributes rather than label attributes. */
const SHAPE_KEYS = ['occluded', 'z_order', 'source', 'group_id'] as const;

/** Shapes the model cannot hold as masks: reported as not carried, by tag. */
const OTHER_SHAPES = ['polyline', 'points', 'ellipse', 'cuboid', 'skeleton', 'tag', 'track'] as const;

type Path = (string | number)[];

function list(v: unknown): XmlNode[] {
  if (v === undefined || v === '') return [];
  const arr = Array.isArray(v) ? v : [v];
  // `<mask/>` without attributes parses as ''; keep it as an empty node so it fails as "missing attribute".
  return arr.map((x) => (typeof x === 'object' && x !== null ? (x as XmlNode) : {}));
}

function child(node: XmlNode, name: string): XmlNode | undefined {
  const v = node[name];
  if (v === undefined) return undefined;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as XmlNode;
  // Values are not trimmed (attribute text keeps its spaces), so an element holding only whitespace is empty too.
  return typeof v === 'string' && v.trim() === '' ? {} : undefined;
}

function text(node: XmlNode, name: string, path: Path): string | undefined {
  const v = node[name];
  if (v === undefined) return undefined;
  const s = typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as XmlNode)['#text'] === 'string' ? ((v as XmlNode)['#text'] as string) : '';
  return unescapeXml(s, [...path, name], startOf(node));
}

/** `@_name` for each attribute name asked for: made once, not concatenated (and looked up as a new string) per read. */
const attrKeys = new Map<string, string>();

function attr(node: XmlNode, name: string, path: Path): string | undefined {
  let key = attrKeys.get(name);
  if (key === undefined) attrKeys.set(name, (key = ATTR + name));
  const v = node[key];
  if (typeof v !== 'string') return undefined;
  // Most values hold no reference: as they are, without making the path an error would need.
  return v.indexOf('&') < 0 ? v : unescapeXml(v, [...path, name], startOf(node));
}

function requiredAttr(node: XmlNode, name: string, path: Path): string {
  const v = attr(node, name, path);
  if (v === undefined) throw new RleError('INVALID_STRUCTURE', `Missing attribute ${name}`, { path: [...path, name], offset: startOf(node), expected: `a ${name}="..." attribute` });
  return v;
}

function intAttr(node: XmlNode, name: string, path: Path, min: number, fallback?: number): number {
  const v = attr(node, name, path);
  if (v === undefined) {
    if (fallback !== undefined) return fallback;
    throw new RleError('INVALID_STRUCTURE', `Missing attribute ${name}`, { path: [...path, name], offset: startOf(node), expected: `a ${name}="..." attribute` });
  }
  // Spaces around the digits are allowed, as Python's int() (CVAT's importer) allows them; values are not trimmed by the parser.
  const n = /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new RleError('INVALID_TOKEN', `Invalid ${name}`, { path: [...path, name], offset: startOf(node), expected: `an integer >= ${min}`, received: JSON.stringify(v.slice(0, 40)) });
  return n;
}

function parseColor(s: string, path: Path, offset: number | undefined): [number, number, number] {
  if (!/^#[0-9a-fA-F]{6}$/.test(s)) throw new RleError('INVALID_TOKEN', 'Invalid label colour', { path, offset, expected: '#rrggbb', received: JSON.stringify(s.slice(0, 20)) });
  const v = parseInt(s.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function formatColor(c: readonly [number, number, number]): string {
  return `#${c.map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('')}`;
}

/** Label attribute declarations, kept as CVAT writes them. */
export interface CvatAttributeSpec {
  name: string;
  mutable?: string;
  input_type?: string;
  default_value?: string;
  values?: string;
}

function readLabels(meta: XmlNode | undefined): { categories: Category[]; found: boolean } {
  const categories: Category[] = [];
  if (meta === undefined) return { categories, found: false };
  for (const holder of ['task', 'job', 'project']) {
    const h = child(meta, holder);
    const labels = h === undefined ? undefined : child(h, 'labels');
    if (labels === undefined) continue;
    list(labels.label).forEach((l, i) => {
      const path: Path = ['annotations', 'meta', holder, 'labels', 'label', i];
      const name = text(l, 'name', path);
      if (name === undefined || name === '') throw new RleError('INVALID_STRUCTURE', 'Label without a name', { path: [...path, 'name'], offset: startOf(l), expected: '<name>...</name>' });
      const c: Category = { id: categories.length + 1, name };
      const color = text(l, 'color', path);
      if (color !== undefined && color !== '') c.color = parseColor(color, [...path, 'color'], startOf(l));
      const attributes: Record<string, unknown> = {};
      const type = text(l, 'type', path);
      if (type !== undefined && type !== '') attributes.type = type;
      const parent = text(l, 'parent', path);
      if (parent !== undefined && parent !== '') attributes.parent = parent;
      const specsNode = child(l, 'attributes');
      const specs: CvatAttributeSpec[] = [];
      if (specsNode !== undefined) {
        list(specsNode.attribute).forEach((a, j) => {
          const p: Path = [...path, 'attributes', 'attribute', j];
          const spec: CvatAttributeSpec = { name: text(a, 'name', p) ?? '' };
          for (const k of ['mutable', 'input_type', 'default_value', 'values'] as const) {
            const v = text(a, k, p);
            if (v !== undefined) spec[k] = v;
          }
          specs.push(spec);
        });
      }
      if (specs.length > 0) attributes.attributeSpecs = specs;
      if (Object.keys(attributes).length > 0) c.attributes = attributes;
      categories.push(c);
    });
    return { categories, found: true };
  }
  return { categories, found: false };
}

/** What a `--jobs` worker's reader needs of the root, read once by the plan: the declared labels, and how many <track> elements the first shard reports. */
export interface CvatPlannedHeader {
  categories: Category[];
  track: number;
}

/**
 * How many annotations image `i` (a parsed `<image>`) gives, without reading its shapes: its
 * masks and polygons, and its unrotated boxes when they are rasterized.
 */
export function shapeCount(im: XmlNode, i: number, o: CvatReadOptions): number {
  let n = list(im.mask).length + list(im.polygon).length;
  if (o.boxes === 'rasterize') {
    list(im.box).forEach((s, j) => {
      const rotation = attr(s, 'rotation', ['annotations', 'image', i, 'box', j]);
      if (rotation === undefined || Number(rotation) === 0) n++;
    });
  }
  return n;
}

interface Shape {
  z: number;
  at: number;
  annotation: Omit<Annotation, 'id'>;
}

/**
 * The reading of one CVAT file, shared by the whole read and the streamed one: labels from the
 * root's `<meta>`, the image ids checked all at once, then each image's header and shapes in file
 * order, and the summary warnings at the end. Both reads call the same steps in the same order, so
 * they give the same annotations, warnings and errors.
 */
export class CvatReader {
  readonly categories: Category[];
  private readonly found: boolean;
  private readonly byName = new Map<string, Category>();
  private unlabeled = 0;
  private readonly counts = { polygons: 0, boxesSkipped: 0, boxesRasterized: 0, rotated: 0, inverted: 0 };
  private firstInverted: Path | undefined;
  private readonly other: Record<string, number> = {};
  private totalRuns = 0;
  private frames: number[] = [];
  private projectIds = false;

  /**
   * `root`: the `<annotations>` element; only its version, meta and track children are read here.
   * `streamed`: the masks of one image are held at a time, so maxRuns bounds each image's runs
   * (a whole read holds them all, so it bounds their total).
   * `fileWide`: say what is said of the whole file (its version, renumbered ids, tracks); false for
   * a shard's reader other than the first, whose warnings are those of its own images (`--jobs`
   * adds up the shards' counts).
   */
  constructor(root: XmlNode, private readonly o: CvatReadOptions, private readonly warn: WarningSink, private readonly streamed = false, private readonly fileWide = true, planned?: CvatPlannedHeader) {
    if (planned !== undefined) {
      // A `--jobs` worker's reader: what pass 1 read of the root (in the main thread) comes with its plan.
      this.categories = planned.categories;
      this.found = true;
      if (planned.track > 0 && fileWide) this.other.track = planned.track;
    } else {
      const version = text(root, 'version', ['annotations']);
      if (version !== undefined && version !== '1.1' && fileWide) warn({ code: 'version', message: `CVAT XML version ${version}; read as 1.1`, path: ['annotations', 'version'] });
      const { categories, found } = readLabels(child(root, 'meta'));
      this.categories = categories;
      this.found = found;
      if (root.track !== undefined && fileWide) this.other.track = list(root.track).length;
    }
    for (const c of this.categories) if (!this.byName.has(c.name)) this.byName.set(c.name, c);
  }

  /** What a planned shard's reader takes from this one (after the root is read): the labels, and the <track> count one run reports. */
  plannedHeader(): CvatPlannedHeader {
    return { categories: this.categories, track: this.other.track ?? 0 };
  }

  /** Whether `<meta>` declares the labels (otherwise shapes declare them by use, so categories grow while reading). */
  get labelsDeclared(): boolean {
    return this.found;
  }

  /** `shape`: the shape's path (its label's, `[...shape, 'label']`, is made only for an error). */
  private labelOf(name: string, shape: Path, offset: number | undefined): Id | undefined {
    // Datumaro writes shapes without a label as label="": no category (CVAT itself never does).
    if (name === '') {
      this.unlabeled++;
      return undefined;
    }
    let c = this.byName.get(name);
    if (c === undefined) {
      if (this.found) throw new RleError('DANGLING_REFERENCE', `Shape uses label ${JSON.stringify(name)}, which <meta> does not declare`, { path: [...shape, 'label'], offset, expected: `one of ${[...this.byName.keys()].slice(0, 10).map((n) => JSON.stringify(n)).join(', ')}` });
      // Without a <labels> block, labels are declared by use.
      c = { id: this.categories.length + 1, name };
      this.categories.push(c);
      this.byName.set(name, c);
    }
    return c.id;
  }

  /**
   * Every image's id, before any image is read: a project export numbers images per task (each
   * <image> has task_id and subset): ids repeat across tasks. Then every image gets its position in
   * the file as id, and keeps its task frame as the `frame` attribute. An id repeated within one task is an error.
   */
  checkIds(imageNodes: readonly XmlNode[]): void {
    const seenIds = new Set<string>();
    this.frames = imageNodes.map((im, i) => {
      const path: Path = ['annotations', 'image', i];
      const frame = intAttr(im, 'id', path, 0);
      const key = `${attr(im, 'task_id', path) ?? ''}\0${frame}`;
      if (seenIds.has(key)) throw new RleError('INVALID_STRUCTURE', `Duplicate image id ${frame}`, { path: [...path, 'id'], offset: startOf(im), expected: 'unique image ids (within each task_id of a project export)' });
      seenIds.add(key);
      return frame;
    });
    // Keys are unique, so a repeated frame number means two tasks.
    this.projectIds = new Set(this.frames).size < this.frames.length;
    if (this.projectIds && this.fileWide) {
      const tasks = new Set<string>();
      imageNodes.forEach((im, i) => tasks.add(attr(im, 'task_id', ['annotations', 'image', i]) ?? ''));
      this.warn({
        code: 'renumbered-ids',
        message: `CVAT project export: image ids restart in each of its ${tasks.size} tasks; images were numbered 0..${imageNodes.length - 1} in file order, each keeping its task's id as the "frame" attribute (next to subset and task_id)`,
        path: ['annotations', 'image'],
        count: imageNodes.length,
      });
    }
  }

  /** Image `i`'s ImageInfo from its element's attributes (after {@link checkIds}). */
  header(im: XmlNode, i: number): ImageInfo {
    const path: Path = ['annotations', 'image', i];
    const id = this.projectIds ? i : this.frames[i]!;
    const width = intAttr(im, 'width', path, 0);
    const height = intAttr(im, 'height', path, 0);
    checkSize({ height, width }, this.o.maxPixels, path);
    const info: ImageInfo = { id, height, width };
    const name = attr(im, 'name', path);
    if (name !== undefined) info.fileName = name;
    const extra: Record<string, unknown> = {};
    for (const key of Object.keys(im)) {
      if (!key.startsWith(ATTR)) continue;
      const k = key.slice(ATTR.length);
      if (k !== 'id' && k !== 'name' && k !== 'width' && k !== 'height') setOwnKey(extra, k, attr(im, k, path));
    }
    if (this.projectIds) setOwnKey(extra, 'frame', String(this.frames[i])); // a string, as every attribute read from XML
    if (Object.keys(extra).length > 0) info.attributes = extra;
    return info;
  }

  /** Image `i`'s shapes as annotations (without ids), in drawing order. */
  shapes(im: XmlNode, i: number, info: ImageInfo): Omit<Annotation, 'id'>[] {
    const { o, warn, counts } = this;
    const path: Path = ['annotations', 'image', i];
    const id = info.id;
    const size = { height: info.height, width: info.width };
    const shapes: Shape[] = [];
    if (this.streamed) this.totalRuns = 0;
    const common = (s: XmlNode, p: Path): Omit<Annotation, 'id' | 'mask'> & { z: number } => {
      const off = startOf(s);
      const label = requiredAttr(s, 'label', p);
      const attributes: Record<string, unknown> = {};
      const occluded = attr(s, 'occluded', p)?.trim();
      if (occluded !== undefined) {
        if (occluded !== '0' && occluded !== '1') throw new RleError('INVALID_TOKEN', 'Invalid occluded', { path: [...p, 'occluded'], offset: off, expected: '0 or 1', received: JSON.stringify(occluded.slice(0, 20)) });
        attributes.occluded = occluded === '1';
      }
      const z = intAttr(s, 'z_order', p, -Infinity, 0);
      attributes.z_order = z;
      const source = attr(s, 'source', p);
      if (source !== undefined) attributes.source = source;
      const group = attr(s, 'group_id', p);
      if (group !== undefined) attributes.group_id = intAttr(s, 'group_id', p, 0);
      list(s.attribute).forEach((a, j) => {
        const ap: Path = [...p, 'attribute', j];
        const an = requiredAttr(a, 'name', ap);
        const value = typeof a['#text'] === 'string' ? unescapeXml(a['#text'], ap, startOf(a)) : '';
        if ((SHAPE_KEYS as readonly string[]).includes(an)) {
          warn({ code: 'attribute-renamed', message: `Label attribute "${an}" has the name of a shape field; kept as "attr:${an}"`, path: ap });
          setOwnKey(attributes, `attr:${an}`, value);
        } else setOwnKey(attributes, an, value);
      });
      const categoryId = this.labelOf(label, p, off);
      return categoryId === undefined ? { imageId: id, attributes, z } : { imageId: id, categoryId, attributes, z };
    };
    const push = (s: XmlNode, c: ReturnType<typeof common>, mask: Mask, order: 'row' | 'col', p: Path): void => {
      // A short element can stand for many runs (a full box narrower than its image has one per row): bound the total.
      this.totalRuns += mask.runsView(order).length;
      if (this.totalRuns > o.maxRuns) throw new RleError('LIMIT_EXCEEDED', `The masks read so far${this.streamed ? ' for this image' : ''} hold more runs than maxRuns`, { path: p, offset: startOf(s), expected: `at most ${o.maxRuns} runs in all`, received: describeValue(this.totalRuns) });
      // The annotation written out (the keys in the order `{ ...c without z, mask }` gives): no object rest and spread per shape.
      const annotation: Omit<Annotation, 'id'> = c.categoryId === undefined ? { imageId: c.imageId, attributes: c.attributes, mask } : { imageId: c.imageId, categoryId: c.categoryId, attributes: c.attributes, mask };
      shapes.push({ z: c.z, at: startOf(s) ?? shapes.length, annotation });
    };

    list(im.mask).forEach((s, j) => {
      const p: Path = [...path, 'mask', j];
      const c = common(s, p);
      const enc = { rle: requiredAttr(s, 'rle', p), left: requiredAttr(s, 'left', p), top: requiredAttr(s, 'top', p), width: requiredAttr(s, 'width', p), height: requiredAttr(s, 'height', p) };
      push(s, c, decode(enc, size, { padShortRuns: o.padShortRuns, warn, path: p, offset: startOf(s) }), 'row', p);
    });
    list(im.polygon).forEach((s, j) => {
      const p: Path = [...path, 'polygon', j];
      const c = common(s, p);
      const xy = parsePoints(requiredAttr(s, 'points', p), [...p, 'points'], startOf(s));
      push(s, c, rasterizePolygon(xy, size, { maxCrossings: o.maxPolygonCrossings, path: [...p, 'points'] }), 'col', p);
      counts.polygons++;
    });
    list(im.box).forEach((s, j) => {
      const p: Path = [...path, 'box', j];
      if (o.boxes === 'skip') {
        counts.boxesSkipped++;
        return;
      }
      const rotation = attr(s, 'rotation', p);
      if (rotation !== undefined && Number(rotation) !== 0) {
        counts.rotated++;
        return;
      }
      const c = common(s, p);
      const [xtl, ytl, xbr, ybr] = (['xtl', 'ytl', 'xbr', 'ybr'] as const).map((k) => floatAttr(s, k, p));
      // Corners out of order: CVAT's importer keeps them and its mask exports (datumaro → pycocotools)
      // rasterize the corner polygon, the same pixels as the ordered box; its canvas cannot draw it. Said, not hidden.
      if (xbr! < xtl! || ybr! < ytl!) {
        counts.inverted++;
        this.firstInverted ??= [...p, xbr! < xtl! ? 'xbr' : 'ybr'];
      }
      push(s, c, rasterizeBox({ x: xtl!, y: ytl!, width: xbr! - xtl!, height: ybr! - ytl! }, size, { maxCrossings: o.maxPolygonCrossings, path: p }), 'col', p);
      counts.boxesRasterized++;
    });
    for (const tag of OTHER_SHAPES) {
      if (tag === 'track') continue;
      const n = list(im[tag]).length;
      if (n > 0) this.other[tag] = (this.other[tag] ?? 0) + n;
    }
    // Later is on top: a stable sort by z_order, then by position in the file.
    if (o.sortByZOrder) shapes.sort((a, b) => a.z - b.z || a.at - b.at);
    else shapes.sort((a, b) => a.at - b.at);
    return shapes.map((s) => s.annotation);
  }

  /**
   * How many annotations image `i`'s shapes give (as many as {@link shapes} yields, when it yields),
   * without reading them: a shard's reader numbers its annotations after those of the images before.
   */
  count(im: XmlNode, i: number): number {
    return shapeCount(im, i, this.o);
  }

  /** The summary warnings, once every image has been read. */
  finish(): void {
    const { warn, counts, unlabeled } = this;
    if (unlabeled > 0) warn({ code: 'unlabeled', message: `${unlabeled} shapes have an empty label (Datumaro writes unlabeled shapes so); read without a category`, count: unlabeled });
    if (counts.polygons > 0) warn({ code: 'polygon-rasterized', message: `${counts.polygons} polygons were rasterized to masks with COCO's polygon rules`, count: counts.polygons });
    if (counts.boxesRasterized > 0) warn({ code: 'box-rasterized', message: `${counts.boxesRasterized} boxes were rasterized to masks`, count: counts.boxesRasterized });
    if (counts.inverted > 0) {
      warn({
        code: 'inverted-box',
        message: `${counts.inverted} <box> shapes have xbr < xtl or ybr < ytl (corners out of order): rasterized as the rectangle between their corners, as CVAT's mask exports do; CVAT's canvas does not draw such boxes`,
        path: this.firstInverted,
        count: counts.inverted,
      });
    }
    if (counts.boxesSkipped > 0) warn({ code: 'not-carried', message: `${counts.boxesSkipped} <box> shapes are not masks and were not read (read option boxes: "rasterize" turns them into masks)`, count: counts.boxesSkipped });
    if (counts.rotated > 0) warn({ code: 'not-carried', message: `${counts.rotated} rotated <box> shapes were not read`, count: counts.rotated });
    for (const [tag, n] of Object.entries(this.other)) {
      warn({ code: 'not-carried', message: `${n} <${tag}> ${tag === 'track' ? 'elements (CVAT for video) are' : 'shapes are not masks and'} not read`, count: n });
    }
  }
}

/**
 * Parses a CVAT for images 1.1 XML text into a dataset. Async: the XML parser (fast-xml-parser)
 * is loaded on first use, so importing the adapter does not fetch it.
 * @example
 * ```ts
 * const xml = `<annotations><version>1.1</version>
 *   <image id="0" name="leaf.png" width="4" height="3">
 *     <mask label="leaf" source="manual" occluded="0" rle="1, 2, 1, 2, 5, 1" left="0" top="0" width="4" height="3" z_order="0"/>
 *   </image></annotations>`;
 * const dataset = await parseCvatXml(xml);
 * [dataset.images[0].fileName, dataset.categories[0].name, dataset.annotations[0].mask.area()]; // → ['leaf.png', 'leaf', 5]
 * ```
 */
export async function parseCvatXml(xml: string, options: Partial<CvatReadOptions> = {}, warn: WarningSink = () => {}): Promise<MaskDataset> {
  const o = parseOptions(readOptionsSchema, options);
  const root = await parseXml(xml, o.validate);
  const reader = new CvatReader(root, o, warn);
  const imageNodes = list(root.image);
  reader.checkIds(imageNodes);
  const images: ImageInfo[] = [];
  const annotations: Annotation[] = [];
  imageNodes.forEach((im, i) => {
    const info = reader.header(im, i);
    images.push(info);
    for (const a of reader.shapes(im, i, info)) annotations.push({ id: annotations.length + 1, ...a });
  });
  reader.finish();
  return { images, categories: reader.categories, annotations };
}

function floatAttr(node: XmlNode, name: string, path: Path): number {
  const v = requiredAttr(node, name, path);
  const n = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new RleError('INVALID_TOKEN', `Invalid ${name}`, { path: [...path, name], offset: startOf(node), expected: 'a number', received: JSON.stringify(v.slice(0, 40)) });
  return n;
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * CVAT's polygon points: `x1,y1;x2,y2;...` (floats).
 * @example
 * ```ts
 * Array.from(parsePoints('1.5,2;3,4')); // → [1.5, 2, 3, 4]
 * ```
 */
export function parsePoints(s: string, path: Path = ['points'], offset?: number): Float64Array {
  const trimmed = s.trim();
  if (trimmed === '') return new Float64Array(0);
  const pairs = trimmed.split(';');
  const out = new Float64Array(pairs.length * 2);
  for (let i = 0; i < pairs.length; i++) {
    const xy = pairs[i]!.split(',');
    if (xy.length !== 2 || !NUMBER.test(xy[0]!) || !NUMBER.test(xy[1]!)) {
      throw new RleError('INVALID_TOKEN', 'Invalid polygon point', { path: [...path, i], offset, expected: '"x,y" pairs separated by ";"', received: JSON.stringify(pairs[i]!.slice(0, 40)) });
    }
    out[2 * i] = Number(xy[0]);
    out[2 * i + 1] = Number(xy[1]);
  }
  return out;
}

function sameId(a: Id, b: number): boolean {
  return String(a) === String(b);
}

function isPrimitive(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';
}

/** A CVAT image id: a non-negative integer (frame number). */
function imageNumber(id: Id): number | undefined {
  const n = typeof id === 'number' ? id : /^\d+$/.test(id) ? Number(id) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** A label as written in <meta>: one per category name, plus the default label if an annotation needs it. */
interface LabelOut {
  name: string;
  category?: Category;
  /** Attribute names used by its annotations. */
  used: Set<string>;
}

/**
 * The writing of one CVAT file, shared by the whole and the streamed write: labels from the
 * categories, each annotation counted (its label, its attribute names) before `<meta>` is written
 * from the counts, then one `<image>` element at a time.
 */
class CvatWriter {
  readonly labelOfCategory = new Map<Id, string>();
  readonly labels: LabelOut[] = [];
  readonly labelByName = new Map<string, LabelOut>();
  private readonly unnamed: number;
  private readonly mergedNames: number;
  private uncategorised = 0;
  private renumbered = 0;
  readonly replaced = { count: 0 };
  private renamedImages = 0;
  private droppedAttrs = 0;
  private droppedImageAttrs = 0;
  private readonly polygonLoss = { split: 0, empty: 0, bridged: 0, filled: 0, pixels: 0, worstIou: 1 };
  private readonly usedNumbers = new Set<number>();
  private nextNumber = 0;
  /** Once `<meta>` is out while annotations still come (a long stream): the labels and attribute names it declares. */
  private declared: Map<string, Set<string>> | undefined;
  private lateUnlabeled = 0;
  private lateAttributes = new Set<string>();

  constructor(private readonly categories: readonly Category[], private readonly o: CvatWriteOptions) {
    let mergedNames = 0, unnamed = 0;
    for (const c of categories) {
      // A <label> without a name is refused by CVAT (and by our reader): give it one.
      let name = c.name;
      if (typeof name !== 'string' || name === '') {
        name = `category ${String(c.id)}`;
        unnamed++;
      }
      this.labelOfCategory.set(c.id, name);
      if (this.labelByName.has(name)) {
        mergedNames++;
        continue;
      }
      const l = { name, category: c, used: new Set<string>() };
      this.labels.push(l);
      this.labelByName.set(name, l);
    }
    this.unnamed = unnamed;
    this.mergedNames = mergedNames;
  }

  private escAttr(s: string): string {
    return escapeAttr(replaceNonXml(s, this.replaced));
  }

  private escText(s: string): string {
    return escapeText(replaceNonXml(s, this.replaced));
  }

  /** Counts annotation `i` (its label and attribute names for <meta>); a category not in categories is an error. */
  tally(a: Annotation, i: number): void {
    if (a.categoryId === undefined) this.uncategorised++;
    if (a.id !== i + 1) this.renumbered++;
    let name = this.o.defaultLabel;
    if (a.categoryId !== undefined) {
      const n = this.labelOfCategory.get(a.categoryId);
      if (n === undefined) throw new RleError('DANGLING_REFERENCE', `Annotation refers to category ${JSON.stringify(a.categoryId)}, which is not in categories`, { path: ['annotations', i, 'categoryId'] });
      name = n;
    }
    let l = this.labelByName.get(name);
    if (l === undefined) {
      l = { name, used: new Set<string>() };
      this.labels.push(l);
      this.labelByName.set(name, l);
    }
    for (const k of Object.keys(a.attributes ?? {})) if (!(SHAPE_KEYS as readonly string[]).includes(k)) l.used.add(k.startsWith('attr:') ? k.slice(5) : k);
  }

  /** What the counts tell before <meta>: categories renamed or merged, the default label, ids not carried. */
  headWarnings(): RleWarning[] {
    const out: RleWarning[] = [];
    const { o, unnamed, mergedNames, uncategorised, renumbered, labels, labelByName, labelOfCategory } = this;
    if (unnamed > 0) out.push({ code: 'not-carried', message: `CVAT labels need a name: ${unnamed} categories with an empty name were written as "category <id>"`, count: unnamed });
    if (mergedNames > 0) out.push({ code: 'merged-categories', message: `${mergedNames} categories share a name with another; CVAT labels are unique by name, so they were merged`, count: mergedNames });
    if (uncategorised > 0) {
      // Every CVAT shape has a label: reading the file back gives these masks that label as a category.
      out.push({ code: 'default-category', message: `${uncategorised} annotations have no category; written with the label ${JSON.stringify(o.defaultLabel)} (defaultLabel), which reads back as a category`, count: uncategorised });
    }
    // Instance ids are not stored in CVAT's XML; a reader numbers shapes 1, 2, ... in order again.
    if (renumbered > 0) out.push({ code: 'not-carried', message: `cvat cannot carry instance ids: ${renumbered} annotation ids lost (shapes are numbered in order on reading)`, count: renumbered, capability: 'instanceIds' });
    // Labels have no id: a reader numbers them 1, 2, ... in order; and only colour, type and attribute specs are written.
    const categoryIdsLost = this.categories.filter((c) => !sameId(c.id, labels.indexOf(labelByName.get(labelOfCategory.get(c.id)!)!) + 1)).length;
    if (categoryIdsLost > 0) out.push({ code: 'not-carried', message: `cvat cannot carry category ids: ${categoryIdsLost} category ids lost (labels are numbered in order on reading)`, count: categoryIdsLost, capability: 'categoryIds' });
    const categoryAttributesLost = this.categories.filter((c) => c.supercategory !== undefined || Object.keys(c.attributes ?? {}).some((k) => k !== 'type' && k !== 'attributeSpecs')).length;
    if (categoryAttributesLost > 0) out.push({ code: 'not-carried', message: `cvat cannot carry category attributes other than colour, type and attribute specs: ${categoryAttributesLost} categories' supercategory or attributes lost`, count: categoryAttributesLost, capability: 'categoryAttributes' });
    return out;
  }

  /**
   * The XML up to the first <image>, from the labels counted so far. `final`: no annotation comes
   * after it; otherwise what is declared is kept, to say what later annotations use beyond it.
   */
  *head(imageCount: number, final: boolean): Generator<string> {
    const { o } = this;
    if (!final) this.declared = new Map();
    yield `<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n  <meta>\n    <task>\n`;
    yield `      <name>${this.escText(o.taskName)}</name>\n      <size>${imageCount}</size>\n      <mode>annotation</mode>\n      <labels>\n`;
    for (const l of this.labels) {
      let s = `        <label>\n          <name>${this.escText(l.name)}</name>\n`;
      const c = l.category;
      if (c?.color !== undefined) s += `          <color>${formatColor(c.color)}</color>\n`;
      const type = c?.attributes?.type;
      s += `          <type>${this.escText(typeof type === 'string' ? type : 'mask')}</type>\n`;
      // Declared attributes first (as read), then any used by annotations but not declared, as free text.
      const specs: CvatAttributeSpec[] = Array.isArray(c?.attributes?.attributeSpecs) ? (c!.attributes!.attributeSpecs as CvatAttributeSpec[]).filter((x) => typeof x?.name === 'string') : [];
      const declared = new Set(specs.map((x) => x.name));
      for (const k of l.used) if (!declared.has(k)) specs.push({ name: k, mutable: 'False', input_type: 'text', default_value: '', values: '' });
      this.declared?.set(l.name, new Set(specs.map((x) => x.name)));
      s += `          <attributes>\n`;
      for (const spec of specs) {
        s += `            <attribute>\n              <name>${this.escText(spec.name)}</name>\n`;
        for (const k of ['mutable', 'input_type', 'default_value', 'values'] as const) if (spec[k] !== undefined) s += `              <${k}>${this.escText(String(spec[k]))}</${k}>\n`;
        s += `            </attribute>\n`;
      }
      s += `          </attributes>\n        </label>\n`;
      yield s;
    }
    yield `      </labels>\n    </task>\n  </meta>\n`;
  }

  /** Image ids that are CVAT frame numbers are kept; the others get free numbers (before the first image). */
  number(images: readonly ImageInfo[]): void {
    for (const im of images) {
      const n = imageNumber(im.id);
      if (n !== undefined) this.usedNumbers.add(n);
    }
  }

  /** One <image> element with its annotations, each given with its index in the dataset. */
  image(im: ImageInfo, annotations: readonly Annotation[], indexes: readonly number[]): string {
    const { o, polygonLoss } = this;
    let n = imageNumber(im.id);
    if (n === undefined) {
      while (this.usedNumbers.has(this.nextNumber)) this.nextNumber++;
      n = this.nextNumber;
      this.usedNumbers.add(n);
      this.renamedImages++;
    }
    let s = `  <image id="${n}" name="${this.escAttr(im.fileName ?? String(im.id))}"`;
    for (const [k, v] of Object.entries(im.attributes ?? {})) {
      if (isXmlName(k) && k !== 'id' && k !== 'name' && k !== 'width' && k !== 'height' && isPrimitive(v)) s += ` ${k}="${this.escAttr(String(v))}"`;
      else this.droppedImageAttrs++;
    }
    s += ` width="${im.width}" height="${im.height}">\n`;
    const parts: string[] = [s];
    annotations.forEach((a, j) => {
      if (a.mask.height !== im.height || a.mask.width !== im.width) {
        throw new RleError('SIZE_MISMATCH', 'Mask size differs from its image', { path: ['annotations', indexes[j]!], expected: `${im.height}x${im.width}`, received: `${a.mask.height}x${a.mask.width}` });
      }
      const at = a.attributes ?? {};
      let label = a.categoryId !== undefined ? this.labelOfCategory.get(a.categoryId)! : o.defaultLabel;
      const declared = this.declared?.get(label);
      if (this.declared !== undefined && declared === undefined) {
        // <meta> is out without this label: Datumaro's unlabeled shape, read back without a category.
        label = '';
        this.lateUnlabeled++;
      }
      const occluded = at.occluded === true || at.occluded === 1 || at.occluded === '1' || at.occluded === 'true';
      const z = typeof at.z_order === 'number' && Number.isSafeInteger(at.z_order) ? at.z_order : 0;
      const source = typeof at.source === 'string' && at.source !== '' ? at.source : o.source;
      const group = typeof at.group_id === 'number' && Number.isSafeInteger(at.group_id) && at.group_id > 0 ? ` group_id="${at.group_id}"` : '';
      let attrs = '';
      for (const [k, v] of Object.entries(at)) {
        if ((SHAPE_KEYS as readonly string[]).includes(k)) continue;
        if (!isPrimitive(v)) {
          this.droppedAttrs++;
          continue;
        }
        const name = k.startsWith('attr:') ? k.slice(5) : k;
        if (declared !== undefined && !declared.has(name)) this.lateAttributes.add(name);
        attrs += `      <attribute name="${this.escAttr(name)}">${this.escText(String(v))}</attribute>\n`;
      }
      if (o.shapes === 'polygon') {
        // One <polygon> per connected part, rings in pixel-corner coordinates (core's polygonize).
        const traced = polygonizeDetailed(a.mask, { holes: o.polygonHoles });
        const rings = traced.polygons;
        if (rings.length > 1) polygonLoss.split++;
        if (rings.length === 0) polygonLoss.empty++;
        polygonLoss.bridged += traced.bridgedHoles;
        if (o.polygonHoles === 'fill') {
          // Checked against the mask: what CVAT (COCO's rules) draws back.
          const ov = rasterizeParts(rings, a.mask.size).overlap(a.mask);
          if (ov.union !== ov.intersection) {
            polygonLoss.filled++;
            polygonLoss.pixels += ov.union - ov.intersection;
            polygonLoss.worstIou = Math.min(polygonLoss.worstIou, ov.intersection / ov.union);
          }
        }
        for (const r of rings) {
          let pts = '';
          for (let k = 0; k < r.outer.length; k += 2) pts += `${k === 0 ? '' : ';'}${r.outer[k]},${r.outer[k + 1]}`;
          parts.push(`    <polygon label="${this.escAttr(label)}" source="${this.escAttr(source)}" occluded="${occluded ? 1 : 0}" points="${pts}" z_order="${z}"${group}>\n${attrs}    </polygon>\n`);
        }
        return;
      }
      const e = encode(a.mask);
      const m = `    <mask label="${this.escAttr(label)}" source="${this.escAttr(source)}" occluded="${occluded ? 1 : 0}" rle="${e.rle}" left="${e.left}" top="${e.top}" width="${e.width}" height="${e.height}" z_order="${z}"${group}>\n`;
      parts.push(m, attrs, '    </mask>\n');
    });
    parts.push('  </image>\n');
    return parts.join('');
  }

  /** What the images told: losses of polygons, ids, attributes and characters. */
  tailWarnings(): RleWarning[] {
    const out: RleWarning[] = [];
    const { polygonLoss, renamedImages, droppedImageAttrs, replaced, droppedAttrs } = this;
    if (polygonLoss.split > 0) out.push({ code: 'not-carried', message: `${polygonLoss.split} masks with several connected parts were written as one <polygon> per part (read back as separate shapes)`, count: polygonLoss.split });
    if (polygonLoss.empty > 0) out.push({ code: 'not-carried', message: `${polygonLoss.empty} empty masks have no polygon and were not written`, count: polygonLoss.empty });
    if (polygonLoss.bridged > 0) out.push({ code: 'holes-bridged', message: `${polygonLoss.bridged} holes were joined to their part's polygon by zero-width cuts (COCO's rules draw them back exactly; editing in CVAT shows the cut)`, count: polygonLoss.bridged });
    if (polygonLoss.filled > 0) out.push({ code: 'not-carried', message: `${polygonLoss.filled} masks lost their holes as polygons (polygonHoles fill): ${polygonLoss.pixels} pixels changed, worst IoU ${polygonLoss.worstIou.toFixed(6)}`, count: polygonLoss.filled });
    if (renamedImages > 0) out.push({ code: 'not-carried', message: `CVAT image ids are integers: ${renamedImages} image ids were replaced by free numbers`, count: renamedImages, capability: 'imageIds' });
    if (droppedImageAttrs > 0) out.push({ code: 'not-carried', message: `${droppedImageAttrs} image attributes that are not plain values with XML names (other dialects' structures) were not written`, count: droppedImageAttrs, capability: 'imageAttributes' });
    if (replaced.count > 0) out.push({ code: 'not-carried', message: `XML cannot hold ${replaced.count} control or non-character code points in names and values: written as U+FFFD`, count: replaced.count });
    if (droppedAttrs > 0) out.push({ code: 'not-carried', message: `${droppedAttrs} attribute values that are not strings, numbers or booleans were not written`, count: droppedAttrs, capability: 'attributes' });
    if (this.lateUnlabeled > 0) {
      out.push({ code: 'not-carried', message: `${this.lateUnlabeled} annotations came after the streamed <meta> was written with a label it does not declare (the default label, first needed late): written with label="" (read back without a category)`, count: this.lateUnlabeled, capability: 'categories' });
    }
    if (this.lateAttributes.size > 0) {
      const names = [...this.lateAttributes].slice(0, 5).map((n) => JSON.stringify(n)).join(', ');
      out.push({ code: 'not-carried', message: `${this.lateAttributes.size} attribute names (${names}) were first used after the streamed <meta> was written: written on the shapes, not declared in <meta>`, count: this.lateAttributes.size });
    }
    return out;
  }
}

/**
 * Serialises a dataset as "CVAT for images 1.1" XML, one string per chunk (synchronous: writing
 * needs no XML library).
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const dataset = { images: [{ id: 0, height: 3, width: 4, fileName: 'leaf.png' }], categories: [{ id: 1, name: 'leaf' }], annotations: [{ id: 1, imageId: 0, categoryId: 1, mask }] };
 * const xml = [...formatCvatXml(dataset)].join('');
 * xml.includes('rle="1, 2, 1, 2, 5, 1"'); // → true
 * (await parseCvatXml(xml)).annotations[0].mask.equals(mask); // → true
 * ```
 */
export function* formatCvatXml(dataset: MaskDataset, options: Partial<CvatWriteOptions> = {}, warn: WarningSink = () => {}): Generator<string> {
  const o = parseOptions(writeOptionsSchema, options);
  for (const w of notCarried(dataset, capabilities, 'cvat')) warn(w);
  const writer = new CvatWriter(dataset.categories, o);
  // Images, in order; annotations grouped by image.
  const byImage = new Map<Id, { annotations: Annotation[]; indexes: number[] }>();
  for (const im of dataset.images) byImage.set(im.id, { annotations: [], indexes: [] });
  dataset.annotations.forEach((a, i) => {
    const bucket = byImage.get(a.imageId);
    if (bucket === undefined) throw new RleError('DANGLING_REFERENCE', `Annotation refers to image ${JSON.stringify(a.imageId)}, which is not in images`, { path: ['annotations', i, 'imageId'] });
    bucket.annotations.push(a);
    bucket.indexes.push(i);
    writer.tally(a, i);
  });
  for (const w of writer.headWarnings()) warn(w);
  yield* writer.head(dataset.images.length, true);
  writer.number(dataset.images);
  for (const im of dataset.images) {
    const b = byImage.get(im.id)!;
    yield writer.image(im, b.annotations, b.indexes);
  }
  for (const w of writer.tailWarnings()) warn(w);
  yield '</annotations>\n';
}

/** Characters of <image> elements a streamed write holds before it writes <meta> from the annotations counted so far. */
export const STREAM_HOLD_CHARS = 32 << 20;

/**
 * The streamed write of a dataset whose annotations come in image order: one image's annotations
 * at a time. `<meta>` declares the labels and attribute names the annotations use, so the images
 * are held (as text) until the stream ends, and the output is that of {@link formatCvatXml}, up to
 * `hold` characters; past that, `<meta>` is written from what was counted so far and the rest
 * streams (an annotation that needs a label <meta> lacks is written with label="" and reported).
 */
export async function* formatCvatStream(dataset: MaskDatasetStream, options: Partial<CvatWriteOptions> = {}, warn: WarningSink = () => {}, hold = STREAM_HOLD_CHARS): AsyncGenerator<string> {
  const o = parseOptions(writeOptionsSchema, options);
  const { images } = dataset;
  const writer = new CvatWriter(dataset.categories, o);
  writer.number(images);
  const counts = countHeader(images, dataset.categories, capabilities);
  const position = new Map<Id, number>();
  images.forEach((im, i) => position.set(im.id, i));
  let held: string[] | undefined = [];
  let heldChars = 0;
  let next = 0;
  let group: Annotation[] = [], indexes: number[] = [];
  // Images [next, end) as text: the current group's image at `end - 1` when `withGroup`.
  const render = (end: number, withGroup: boolean): string[] => {
    const out: string[] = [];
    for (; next < end; next++) {
      const last = withGroup && next === end - 1;
      out.push(writer.image(images[next]!, last ? group : [], last ? indexes : []));
    }
    return out;
  };
  const emit = function* (texts: string[]): Generator<string> {
    if (held === undefined) {
      yield* texts;
      return;
    }
    for (const t of texts) {
      held.push(t);
      heldChars += t.length;
    }
    if (heldChars > hold) {
      // Too long to hold: <meta> from what was counted so far, and the rest streams.
      yield* writer.head(images.length, false);
      yield* held;
      held = undefined;
    }
  };
  let i = 0, current = -1;
  for await (const a of dataset.annotations) {
    const p = position.get(a.imageId);
    if (p === undefined) throw new RleError('DANGLING_REFERENCE', `Annotation refers to image ${JSON.stringify(a.imageId)}, which is not in images`, { path: ['annotations', i, 'imageId'] });
    if (p !== current) {
      if (p < current) {
        throw new RleError('LIMIT_EXCEEDED', `Annotations of image ${JSON.stringify(a.imageId)} come after those of a later image, in a stream that said it was in image order`, { path: ['annotations', i, 'imageId'], expected: 'annotations grouped by image, in images order' });
      }
      if (current >= 0) yield* emit(render(current + 1, true));
      yield* emit(render(p, false));
      current = p;
      group = [];
      indexes = [];
    }
    writer.tally(a, i);
    tallyAnnotation(counts, a);
    group.push(a);
    indexes.push(i);
    i++;
  }
  if (current >= 0) yield* emit(render(current + 1, true));
  yield* emit(render(images.length, false));
  const before = [...notCarried(counts, capabilities, 'cvat'), ...writer.headWarnings()];
  if (held !== undefined) {
    for (const w of before) warn(w);
    yield* writer.head(images.length, true);
    yield* held;
  } else for (const w of before) warn(w);
  for (const w of writer.tailWarnings()) warn(w);
  yield '</annotations>\n';
}

// Ids and category attributes are carried when they are what a reader makes anyway (1, 2, ... in order; a colour): the writer reports the rest.
const capabilities: DialectCapabilities = {
  categories: true, categoryIds: true, categoryNames: true, categoryAttributes: true, unusedCategories: true,
  instanceIds: true, scores: false, crowd: false, attributes: true,
  multipleImages: true, overlap: true, emptyImages: true, imageIds: true, fileNames: true, imageAttributes: true,
};

/**
 * Where a read of the whole file says its warnings: a shard's reader that reads every image (a whole
 * read) says them in the first shard only, as one run says them (`--jobs` adds up the shards').
 */
function wholeReadWarnings(context: DialectContext | undefined): WarningSink | undefined {
  return context?.shard !== undefined && context.shard.index > 0 ? () => {} : context?.warn;
}

async function readText(input: DialectInput, maxBytes: number): Promise<string> {
  if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'cvat reads an XML file, not a folder', { received: input.name });
  // readAllBytes passes bytes already in memory through unchecked; the limit applies to them too.
  return decodeUtf8(await readAllBytes(input, maxBytes, { head: XML_HEAD }));
}

export const dialect: Dialect<CvatReadOptions, CvatWriteOptions> = {
  id: 'cvat',
  title: 'CVAT for images 1.1 (XML)',
  extensions: ['.xml'],
  capabilities,
  readOptions: readOptionsSchema,
  writeOptions: writeOptionsSchema,
  input: 'file',
  output: 'file',
  sniff(head: Uint8Array, name?: string): number {
    const t = new TextDecoder().decode(head.subarray(0, 4096));
    if (!/<annotations[\s>]/.test(t)) return 0;
    if (/<version>\s*1\.1\s*<\/version>/.test(t)) return 0.95;
    if (/<meta>|<image\s/.test(t)) return 0.8;
    return name?.toLowerCase().endsWith('.xml') ? 0.5 : 0.3;
  },
  async read(input: DialectInput, options?: Partial<CvatReadOptions>, context?: DialectContext): Promise<MaskDataset> {
    const o = parseOptions(readOptionsSchema, options);
    return parseCvatXml(await readText(input, o.maxBytes), o, wholeReadWarnings(context));
  },
  /**
   * Two passes over the file, one `<image>` in memory at a time (pass 1 checks the file and reads
   * the image headers, pass 2 the shapes): the same dataset, warnings and errors as `read`. A file
   * whose `<meta>` declares no labels (shapes declare them by use) is read whole, up to maxBytes.
   */
  async readStream(input: DialectInput, options?: Partial<CvatReadOptions>, context?: DialectContext): Promise<MaskDatasetStream> {
    const o = parseOptions(readOptionsSchema, options);
    if (isFolderSource(input)) throw new RleError('INVALID_OPTION', 'cvat reads an XML file, not a folder', { received: input.name });
    const warn = context?.warn ?? (() => {});
    // A --jobs worker with its shard's plan: pass 1 was read once, in the main thread.
    if (context?.plan !== undefined && !(input instanceof Uint8Array)) return (await loadStream()).readCvatPlanned(input, context.plan as CvatShardPlan, o, warn);
    const { stream } = await (await loadStream()).readCvatStream(input, o, warn, context?.shard);
    return stream ?? { ...toDatasetStream(await parseCvatXml(await readText(input, o.maxBytes), o, wholeReadWarnings(context))), inImageOrder: true };
  },
  // The streamed read of a file whose <meta> declares its labels reads only the shard's images (it counts the others' shapes, for the ids).
  readsShards: true,
  /**
   * `--jobs`: pass 1 (the file's checks, labels, image headers and where each image is) once,
   * here; each worker then reads only its own images' bytes (readStream with `context.plan`).
   */
  async planShards(input: DialectInput, options: Partial<CvatReadOptions> | undefined, shards: readonly Shard[], context?: DialectContext): Promise<unknown[] | undefined> {
    const o = parseOptions(readOptionsSchema, options);
    if (isFolderSource(input) || input instanceof Uint8Array || context?.recover !== undefined) return undefined;
    return (await loadStream()).planCvatShards(input, o, shards);
  },
  async write(dataset: MaskDataset | MaskDatasetStream, options?: Partial<CvatWriteOptions>, context?: DialectContext): Promise<Uint8Array> {
    const d = await collectDataset(dataset);
    return encodeUtf8([...formatCvatXml(d, options, context?.warn)].join(''));
  },
  async *writeStream(dataset: MaskDataset | MaskDatasetStream, options?: Partial<CvatWriteOptions>, context?: DialectContext): AsyncIterable<Uint8Array> {
    // A stream in image order is written one image at a time; another is grouped in memory first.
    if (isDatasetStream(dataset) && dataset.inImageOrder === true) {
      for await (const chunk of formatCvatStream(dataset, options, context?.warn)) yield encodeUtf8(chunk);
      return;
    }
    const d = await collectDataset(dataset);
    for (const chunk of formatCvatXml(d, options, context?.warn)) yield encodeUtf8(chunk);
  },
};

export type { RleWarning };
