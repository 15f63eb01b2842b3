/** rlekit-json written: one annotation per line, byte-stable, in one piece or as a stream; and the merge of shards' parts. */
import { RleError } from '../errors.js';
import type { Order } from '../runs.js';
import type { Annotation, MaskDataset, MaskDatasetStream } from '../dataset.js';
import type { MergeContext } from '../dialect.js';
import { joinElements, jsonArrayParts } from '../merge.js';
import type { ByteSource } from '../source.js';
import { encodeUtf8, stringifyJson } from '../source.js';
import { TextOut, writeUint } from '../text-out.js';
import { writeOptions, type JsonWriteOptions } from './options.js';

export function writeAnnotationLine(out: TextOut, a: Annotation, order: Order, path: (string | number)[]): void {
  let first = true;
  // JSON.stringify leaves out a key whose value it does not write (undefined).
  const field = (k: string, v: unknown): void => {
    const at = out.length;
    out.ascii(first ? '{"' : ',"');
    out.ascii(k);
    out.ascii('":');
    if (out.json(v, path)) first = false;
    else out.length = at;
  };
  field('id', a.id);
  field('imageId', a.imageId);
  if (a.categoryId !== undefined) field('categoryId', a.categoryId);
  if (a.iscrowd !== undefined) field('iscrowd', a.iscrowd);
  if (a.score !== undefined) field('score', a.score);
  if (a.attributes !== undefined) field('attributes', a.attributes);
  out.ascii(first ? '{"height":' : ',"height":');
  out.uint(a.mask.height);
  out.ascii(',"width":');
  out.uint(a.mask.width);
  out.ascii(order === 'row' ? ',"order":"row","runs":[' : ',"order":"col","runs":[');
  const runs = a.mask.runsView(order);
  const n = runs.length;
  // At most 10 digits and a comma per run.
  const buf = out.reserve(n * 11 + 2);
  let o = out.length;
  if (n > 0) o = writeUint(buf, o, runs[0]!);
  for (let i = 1; i < n; i++) {
    buf[o++] = 0x2c;
    o = writeUint(buf, o, runs[i]!);
  }
  buf[o++] = 0x5d;
  buf[o++] = 0x7d;
  out.length = o;
}

/** One annotation's line: fixed key order, runs written from the typed array (no number[] of the mask). */
export function annotationLine(a: Annotation, order: Order, path: (string | number)[]): string {
  const o: Record<string, unknown> = { id: a.id, imageId: a.imageId };
  if (a.categoryId !== undefined) o.categoryId = a.categoryId;
  if (a.iscrowd !== undefined) o.iscrowd = a.iscrowd;
  if (a.score !== undefined) o.score = a.score;
  if (a.attributes !== undefined) o.attributes = a.attributes;
  o.height = a.mask.height;
  o.width = a.mask.width;
  o.order = order;
  // Runs are written from the typed array directly: no number[] of the mask.
  return `${stringifyJson(o, path).slice(0, -1)},"runs":[${a.mask.runsView(order).join(',')}]}`;
}

/**
 * rlekit-json as a stream of chunks: the header, then annotations in batches of about 1 MiB
 * as they come, so a stream of any length is written in bounded memory. The bytes are those
 * of {@link formatRlekitJson}.
 */
export async function* writeRlekitJsonChunks(dataset: MaskDataset | MaskDatasetStream, options: Partial<JsonWriteOptions> = {}, describe?: (part: RlekitJsonPartInfo) => void): AsyncGenerator<Uint8Array> {
  const { order, indent } = writeOptions.parse(options);
  const nl = '\n';
  const pad = ' '.repeat(indent);
  const line = (v: unknown, path: (string | number)[]): string => stringifyJson(v, path);
  const list = (items: string[]): string => (items.length === 0 ? '[]' : `[${nl}${items.map((s) => pad + pad + s).join(`,${nl}`)}${nl}${pad}]`);
  // Fixed key order, so equal datasets give equal bytes whatever order their objects were built in.
  const images = dataset.images.map((i, k) => line({ id: i.id, fileName: i.fileName, height: i.height, width: i.width, attributes: i.attributes }, ['images', k]));
  const categories = dataset.categories.map((c, k) => line({ id: c.id, name: c.name, supercategory: c.supercategory, color: c.color, attributes: c.attributes }, ['categories', k]));
  const head = encodeUtf8(`{${nl}${pad}"format": "rlekit-json",${nl}${pad}"version": 1,${nl}${pad}"images": ${list(images)},${nl}${pad}"categories": ${list(categories)},${nl}${pad}"annotations": `);
  yield head;
  // Lines are written as bytes into one buffer, handed on at about 1 MiB.
  const out = new TextOut(1 << 20 | 1 << 16);
  const lead = `[${nl}${pad}${pad}`, sep = `,${nl}${pad}${pad}`;
  let n = 0, written = head.length;
  for await (const a of dataset.annotations as AsyncIterable<Annotation> | Iterable<Annotation>) {
    out.ascii(n === 0 ? lead : sep);
    writeAnnotationLine(out, a, order, ['annotations', n]);
    n++;
    if (out.length > 1 << 20) {
      const chunk = out.take();
      written += chunk.length;
      yield chunk;
    }
  }
  // The annotations' bytes, from the first's start (after the lead) to the last's end.
  const start = head.length + lead.length;
  describe?.(n === 0 ? { start, end: start, annotations: 0 } : { start, end: written + out.length, annotations: n });
  out.ascii(n === 0 ? `[]${nl}}${nl}` : `${nl}${pad}]${nl}}${nl}`);
  yield out.take();
}

/**
 * What the writer says of a `--jobs` part (DialectContext.describePart): where its annotations'
 * bytes are, from the first's first byte to the last's last, and how many it wrote.
 */
export interface RlekitJsonPartInfo {
  start: number;
  end: number;
  annotations: number;
}

/**
 * Joins rlekit-json files written for consecutive shards of one input (`--shard i/n`) into what
 * one conversion writes: images, then categories (the same in every part), then annotations,
 * elements copied as bytes in the writer's framing (its indent read from the first part). This
 * process's own parts (`--jobs`, described by their writer) have their annotations copied by
 * byte range, never scanned: the writer puts nothing between them but its separator, the same
 * in every part (one indent for the whole run).
 */
export async function* mergeRlekitJson(parts: readonly ByteSource[], context: MergeContext = {}): AsyncGenerator<Uint8Array> {
  if (parts.length === 0) throw new RleError('INVALID_OPTION', 'merge needs at least one part');
  const differ = (part: ByteSource, what: string): never => {
    throw new RleError('INVALID_STRUCTURE', `${part.name} is not a shard of the same conversion as the first part: its ${what} differ`, { expected: 'the outputs of one conversion run with --shard 0/n … (n-1)/n, in that order' });
  };
  // The writer's indent: the spaces before "format" on the second line.
  // (Its first 64 bytes, whatever the chunks.)
  let first: Uint8Array = new Uint8Array(0);
  for await (const c of parts[0]!.stream()) {
    const grown = new Uint8Array(Math.min(64, first.length + c.length));
    grown.set(first);
    grown.set(c.subarray(0, grown.length - first.length), first.length);
    first = grown;
    if (first.length >= 64) break;
  }
  const m = /^\{\n( *)"format": "rlekit-json",\n/.exec(new TextDecoder().decode(first));
  if (!m) throw new RleError('INVALID_STRUCTURE', `${parts[0]!.name} is not rlekit-json written by rlekit`, { offset: 0, expected: '{ then "format": "rlekit-json" on the next line' });
  const pad = m[1]!, nl = '\n';
  const lead = encodeUtf8(`[${nl}${pad}${pad}`), sep = encodeUtf8(`,${nl}${pad}${pad}`);
  const close = (n: number): string => (n === 0 ? '[]' : `${nl}${pad}]`);
  yield encodeUtf8(`{${nl}${pad}"format": "rlekit-json",${nl}${pad}"version": 1,${nl}${pad}"images": `);
  let images = 0;
  let categories: Uint8Array[] | undefined;
  let categoryText = '';
  const decoder = new TextDecoder();
  for (const [k, part] of parts.entries()) {
    const cats: Uint8Array[] = [];
    const values: [string, unknown][] = [];
    for await (const e of jsonArrayParts(part, (key, kind) => (key === 'annotations' ? 'stop' : (key === 'images' || key === 'categories') && kind === 'array' ? 'elements' : 'value'), 'rlekit-json')) {
      if (e.kind === 'value') values.push([e.key, e.value]);
      else if (e.kind === 'elements' && e.key === 'images') {
        yield joinElements(e.elements, images === 0, lead, sep);
        images += e.elements.length;
      } else if (e.kind === 'elements' && e.key === 'categories') cats.push(...e.elements);
    }
    if (JSON.stringify(values) !== JSON.stringify([['format', 'rlekit-json'], ['version', 1]])) differ(part, 'format fields');
    const text = cats.map((b) => decoder.decode(b)).join(nl);
    if (k === 0) (categories = cats, categoryText = text);
    else if (text !== categoryText) differ(part, 'categories');
  }
  yield encodeUtf8(`${close(images)},${nl}${pad}"categories": `);
  if (categories!.length > 0) yield joinElements(categories!, true, lead, sep);
  yield encodeUtf8(`${close(categories!.length)},${nl}${pad}"annotations": `);
  let n = 0;
  const ranges = context.ownParts === true ? partRanges(context.partInfo, parts.length) : undefined;
  if (ranges !== undefined) {
    for (const [k, part] of parts.entries()) {
      const { start, end, annotations } = ranges[k]!;
      if (annotations === 0) continue;
      yield n === 0 ? lead : sep;
      n += annotations;
      let at = start;
      // Views of the part's chunks (each its own buffer, written before the next is read); the header before them is small.
      for await (const c of skipTo(part.stream(), start, end)) {
        yield c;
        at += c.length;
      }
      if (at !== end) throw new RleError('IO', `${part.name} changed while it was merged`);
    }
    yield encodeUtf8(`${close(n)}${nl}}${nl}`);
    return;
  }
  for (const part of parts) {
    for await (const e of jsonArrayParts(part, (key, kind) => (key === 'annotations' && kind === 'array' ? 'elements' : 'skip'), 'rlekit-json')) {
      if (e.kind !== 'elements') continue;
      yield joinElements(e.elements, n === 0, lead, sep);
      n += e.elements.length;
    }
  }
  yield encodeUtf8(`${close(n)}${nl}}${nl}`);
}

/** The writer's descriptions of the parts, when every part has one. */
function partRanges(info: readonly unknown[] | undefined, count: number): RlekitJsonPartInfo[] | undefined {
  if (info === undefined || info.length !== count) return undefined;
  const ok = (p: unknown): p is RlekitJsonPartInfo => typeof p === 'object' && p !== null && Number.isSafeInteger((p as RlekitJsonPartInfo).start) && Number.isSafeInteger((p as RlekitJsonPartInfo).end) && Number.isSafeInteger((p as RlekitJsonPartInfo).annotations) && (p as RlekitJsonPartInfo).end >= (p as RlekitJsonPartInfo).start;
  return info.every(ok) ? (info as RlekitJsonPartInfo[]) : undefined;
}

/** The bytes [start, end) of a stream, as views of its chunks. */
async function* skipTo(chunks: AsyncIterable<Uint8Array>, start: number, end: number): AsyncGenerator<Uint8Array> {
  let at = 0;
  for await (const c of chunks) {
    const from = Math.max(start - at, 0), to = Math.min(end - at, c.length);
    if (to > from) yield c.subarray(from, to);
    at += c.length;
    if (at >= end) return;
  }
}

/** Serialises a dataset as rlekit-json text. */
export function formatRlekitJson(dataset: MaskDataset, options: Partial<JsonWriteOptions> = {}): string {
  const { order, indent } = writeOptions.parse(options);
  const nl = '\n';
  const pad = ' '.repeat(indent);
  const line = (v: unknown, path: (string | number)[]): string => stringifyJson(v, path);
  const list = (items: string[]): string => (items.length === 0 ? '[]' : `[${nl}${items.map((s) => pad + pad + s).join(`,${nl}`)}${nl}${pad}]`);
  const annotations = dataset.annotations.map((a, i) => annotationLine(a, order, ['annotations', i]));
  // Fixed key order, so equal datasets give equal bytes whatever order their objects were built in.
  const images = dataset.images.map((i, k) => line({ id: i.id, fileName: i.fileName, height: i.height, width: i.width, attributes: i.attributes }, ['images', k]));
  const categories = dataset.categories.map((c, k) => line({ id: c.id, name: c.name, supercategory: c.supercategory, color: c.color, attributes: c.attributes }, ['categories', k]));
  return `{${nl}${pad}"format": "rlekit-json",${nl}${pad}"version": 1,${nl}${pad}"images": ${list(images)},${nl}${pad}"categories": ${list(categories)},${nl}${pad}"annotations": ${list(annotations)}${nl}}${nl}`;
}
