/**
 * Joins COCO files written for consecutive shards of one input (`rlekit convert --shard i/n`)
 * into what one conversion writes: the top-level fields and categories once (every part must
 * have the same), the parts' images in order, then their annotations in order. Elements are
 * copied as bytes, never parsed; the framing is the writer's (write.ts writeCocoChunks).
 */
import { concatBytes, encodeUtf8, joinElements, jsonArrayParts, objectFields, RleError, SeenIds, stringifyJson, type ByteSource, type Id, type MergeContext, type PartJoin } from '@rlekit/core';
import { duplicateIdWarning } from './read.js';
import { IdAssigner, renumberedIdsWarning, type CocoPartInfo } from './write.js';

/** In a shard's part (`--shard`): the id an annotation had before the writer renumbered it. */
export const SHARD_ID_KEY = '_rlekit_shard_id';
/** In a shard's part: how the writer numbered ids ('list': knowing every id first; 'stream': as they came). */
export const SHARD_IDS_FIELD = '_rlekit_shard_ids';

const NL = encodeUtf8('\n'), SEP = encodeUtf8(',\n'), COMMA = encodeUtf8(',');
/** The end of a merged file: its annotations list (or a results file's list) closed, after `bodies` elements. */
const closing = (bodies: number, root: 'object' | 'array'): Uint8Array => encodeUtf8(`${bodies > 0 ? '\n' : ''}]${root === 'array' ? '' : '}'}\n`);

function differ(part: ByteSource, what: string): never {
  throw new RleError('INVALID_STRUCTURE', `${part.name} is not a shard of the same conversion as the first part: its ${what} differ`, { expected: 'the outputs of one conversion run with --shard 0/n … (n-1)/n, in that order' });
}

const decoder = new TextDecoder();

/** The writer's opening: top-level fields other than the lists, then the images list opened. */
function head(extras: readonly [string, unknown][], numbering: unknown): Uint8Array {
  let h = '{';
  // A shard's part made of --jobs parts says how its ids were numbered, as one job's part does (write.ts).
  if (numbering !== undefined) h += `${JSON.stringify(SHARD_IDS_FIELD)}: ${JSON.stringify(numbering)},\n`;
  for (const [key, v] of extras) h += `${JSON.stringify(key)}: ${stringifyJson(v, [key])},\n`;
  return encodeUtf8(`${h}"images": [`);
}

/**
 * The merged output up to its annotations' elements (the top-level fields, every part's images,
 * the categories, `"annotations": [`), from pass 1 over each part up to its annotations (a part
 * may end there: a --jobs join hands in only the parts' heads). Returns the layout and how the
 * parts numbered their ids.
 */
async function* mergeHeads(parts: readonly ByteSource[], shardPart = false): AsyncGenerator<Uint8Array, { root: 'object' | 'array'; numbering: unknown }> {
  if (parts.length === 0) throw new RleError('INVALID_OPTION', 'merge needs at least one part');
  // Pass 1 over each part, up to its annotations: the header (fields, categories) and the images.
  let root: 'object' | 'array' | undefined;
  let extras: [string, unknown][] | undefined;
  let categories: string | undefined;
  let categoryBytes: Uint8Array[] = [];
  let images = 0;
  let numbering: unknown;
  for (const [k, part] of parts.entries()) {
    const fields: [string, unknown][] = [];
    const keys: string[] = [];
    const cats: Uint8Array[] = [];
    let partRoot: 'object' | 'array' | undefined;
    for await (const e of jsonArrayParts(part, (key, kind) => {
      keys.push(key);
      if (key === 'annotations') return 'stop';
      if (key === 'image') throw new RleError('UNSUPPORTED', 'SA-1B files hold one image each: there is nothing to merge', { path: ['image'], expected: 'COCO instances or results files' });
      return (key === 'images' || key === 'categories') && kind === 'array' ? 'elements' : key === 'images' || key === 'categories' ? 'skip' : 'value';
    }, 'COCO JSON')) {
      if (e.kind === 'root') {
        partRoot = e.value;
        if (partRoot === 'array') break; // a results file: only annotations
      } else if (e.kind === 'value' && e.key === SHARD_IDS_FIELD) {
        if (k === 0) numbering = e.value;
        else if (e.value !== numbering) differ(part, 'id numbering');
      } else if (e.kind === 'value') fields.push([e.key, e.value]);
      else if (e.kind === 'field' && e.key === 'images') {
        if (k === 0) (extras = fields.slice(), yield head(extras, shardPart ? numbering : undefined));
        else if (JSON.stringify(fields) !== JSON.stringify(extras)) differ(part, 'top-level fields');
      } else if (e.kind === 'elements' && e.key === 'images') {
        yield joinElements(e.elements, images === 0, NL, SEP);
        images += e.elements.length;
      } else if (e.kind === 'elements' && e.key === 'categories') cats.push(...e.elements);
    }
    if (partRoot === undefined) throw new RleError('INVALID_STRUCTURE', `${part.name} is empty`, { expected: 'a COCO file written by rlekit' });
    if (root === undefined) root = partRoot;
    else if (root !== partRoot) differ(part, 'layouts (instances, results)');
    if (root === 'array') continue;
    if (!keys.includes('images')) throw new RleError('INVALID_STRUCTURE', `${part.name} has no images list`, { path: ['images'], expected: 'a COCO instances file written by rlekit' });
    const catText = cats.map((b) => decoder.decode(b)).join('\n');
    if (k === 0) (categories = catText, categoryBytes = cats);
    else if (catText !== categories) differ(part, 'categories');
  }
  if (root === 'array') yield encodeUtf8('[');
  else {
    yield encodeUtf8('],\n"categories": [');
    if (categoryBytes.length > 0) yield joinElements(categoryBytes, true, NL, SEP);
    yield encodeUtf8('],\n"annotations": [');
  }
  return { root: root!, numbering };
}

export async function* mergeCoco(parts: readonly ByteSource[], context: MergeContext = {}): AsyncGenerator<Uint8Array> {
  const shardPart = context.shardPart === true;
  const { root, numbering } = yield* mergeHeads(parts, shardPart);
  // This process's own parts (--jobs): where no id needs renumbering, each part's annotation
  // lines are copied as they are, found by the writer's framing instead of a scan of the JSON.
  const bodies = context.ownParts === true ? plainBodies(context.partInfo, parts.length, root === 'object') : undefined;
  if (bodies !== undefined) {
    let n = 0;
    for (const [k, part] of parts.entries()) {
      const [start, end] = bodies[k]!;
      if (end === start) continue;
      // A body is "\n{…},\n{…}" (the writer's separator before each element): a comma joins two.
      if (n > 0) yield COMMA;
      n++;
      let at = 0;
      for await (const c of part.stream()) {
        const from = Math.max(start - at, 0), to = Math.min(end - at, c.length);
        // A view, not a copy: each chunk of a part's stream is its own buffer, written before the next is read.
        if (to > from) yield c.subarray(from, to);
        at += c.length;
        if (at >= end) break;
      }
      if (at < end) throw new RleError('IO', `${part.name} changed while it was merged`);
    }
    yield closing(n, root);
    return;
  }
  const annotations = async function* (): AsyncGenerator<Uint8Array[]> {
    for (const part of parts) {
      for await (const e of jsonArrayParts(part, (key, kind) => (key === 'annotations' && kind === 'array' ? 'elements' : 'skip'), 'COCO JSON')) {
        if (e.kind === 'elements') yield e.elements;
      }
    }
  };
  // Ids: each part numbered its own annotations; one run numbers them all, in order. Replayed
  // here from each annotation's original id (the part's id, or the one it renumbered, which the
  // part notes): an id that one run keeps is copied as it is, others are written as one run does.
  const ids = root === 'object' && (numbering === 'list' || numbering === 'stream') ? new IdAssigner() : undefined;
  if (ids && numbering === 'list') {
    // One run knew every id before numbering (an in-memory dataset).
    for await (const list of annotations()) for (const b of list) ids.see(originalId(b).original);
  }
  let n = 0;
  // Ids repeated in the whole input: each part's reader saw only its own.
  const seen = ids ? new SeenIds() : undefined;
  let repeats = 0;
  for await (const list of annotations()) {
    const out = ids ? list.map((b) => renumber(b, ids, shardPart, (original) => void (seen!.add(original) || repeats++))) : list;
    yield joinElements(out, n === 0, NL, SEP);
    n += out.length;
  }
  yield closing(n, root);
  // One run's counts, which the parts' own warnings (each of its own annotations) fall short of.
  if (ids !== undefined) {
    if (repeats > 0) context.warn?.(duplicateIdWarning(repeats));
    if (ids.renumbered > 0) context.warn?.(renumberedIdsWarning(ids.renumbered));
  }
}

const TAG = encodeUtf8(JSON.stringify(SHARD_ID_KEY));

function contains(b: Uint8Array, what: Uint8Array): boolean {
  const first = what[0]!;
  for (let i = b.indexOf(first); i >= 0 && i + what.length <= b.length; i = b.indexOf(first, i + 1)) {
    let k = 1;
    while (k < what.length && b[i + k] === what[k]) k++;
    if (k === what.length) return true;
  }
  return false;
}

/** An annotation's id in its part, and its original id (before the part renumbered it). */
function originalId(b: Uint8Array): { id: unknown; original: Id; parsed?: Record<string, unknown> } {
  const tagged = contains(b, TAG);
  const fields = tagged ? undefined : objectFields(b, ['id']);
  if (fields !== undefined) return { id: fields[0], original: fields[0] as Id };
  const parsed = JSON.parse(decoder.decode(b)) as Record<string, unknown>;
  return { id: parsed.id, original: (SHARD_ID_KEY in parsed ? parsed[SHARD_ID_KEY] : parsed.id) as Id, parsed };
}

function renumber(b: Uint8Array, ids: IdAssigner, shardPart: boolean, note: (original: Id) => void): Uint8Array {
  const { id, original, parsed } = originalId(b);
  note(original);
  const next = ids.assign(original);
  if (parsed === undefined && next === id) return b;
  const o = parsed ?? (JSON.parse(decoder.decode(b)) as Record<string, unknown>);
  delete o[SHARD_ID_KEY];
  o.id = next;
  // A shard's part notes the original id last, as its writer does, and leaves source_id to the final merge.
  if (shardPart) {
    if (next !== original) o[SHARD_ID_KEY] = original;
  } else if (next !== original && !('source_id' in o)) o.source_id = original;
  return encodeUtf8(stringifyJson(o));
}

/**
 * Each part's annotation elements as byte ranges [start, end) (from the newline before the first
 * to the end of the last), as the writer described them (CocoPartInfo), when one run would write
 * every annotation as the parts did: no part renumbered an id and, for instances, no id is in two
 * parts. Undefined otherwise (the caller merges element by element, renumbering as one run does).
 */
function plainBodies(info: readonly unknown[] | undefined, count: number, instances: boolean): [number, number][] | undefined {
  if (info === undefined || info.length !== count) return undefined;
  const parts = info as (CocoPartInfo | undefined)[];
  if (parts.some((p) => p === undefined || p.end === undefined || p.renumbered === true || (instances && p.ids === undefined))) return undefined;
  if (instances) {
    // A bit per id (SeenIds): a Set of a million numbers took a tenth of a second, after the last worker.
    const seen = new SeenIds();
    for (const p of parts) {
      const ids = p!.ids!;
      for (let k = 0; k < ids.length; k++) if (!seen.add(ids[k])) return undefined;
    }
  }
  return parts.map((p) => [p!.start, p!.end!]);
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/**
 * The output's head from instances parts' heads as their writer laid them out (CocoHeadLayout):
 * the first part's head with every part's image elements in its images list, and without the
 * shard-ids line unless the output is a shard's part. What mergeHeads makes of the same heads,
 * without parsing 100,000 images again on the main thread. Undefined when a part gave no layout
 * or the parts differ outside their images (mergeHeads then says how).
 * @example
 * ```ts
 * const a = encodeUtf8('{"images": [\n{"id":1}],\n"categories": [],\n"annotations": [');
 * const b = encodeUtf8('{"images": [\n{"id":2}],\n"categories": [],\n"annotations": [');
 * decodeUtf8(spliceHeads([a, b], [{ start: a.length, head: { images: [12, 21] } }, { start: b.length, head: { images: [12, 21] } }], false)!);
 * // → '{"images": [\n{"id":1},\n{"id":2}],\n"categories": [],\n"annotations": ['
 * ```
 */
export function spliceHeads(heads: readonly Uint8Array[], info: readonly unknown[], shardPart: boolean): Uint8Array | undefined {
  const layouts = info.map((p) => (p as CocoPartInfo | undefined)?.head);
  if (heads.length === 0 || layouts.length !== heads.length || layouts.some((l) => l === undefined)) return undefined;
  const h0 = heads[0]!, l0 = layouts[0]!;
  const before = h0.subarray(0, l0.images[0]), after = h0.subarray(l0.images[1]);
  const regions: Uint8Array[] = [];
  for (const [k, h] of heads.entries()) {
    const l = layouts[k]!;
    if (!sameBytes(h.subarray(0, l.images[0]), before) || !sameBytes(h.subarray(l.images[1]), after)) return undefined;
    if (l.images[1] > l.images[0]) regions.push(h.subarray(l.images[0], l.images[1]));
  }
  // Each region is "\n{…},\n{…}": joined by commas they make one list's elements.
  const out: Uint8Array[] = [];
  const line = shardPart ? undefined : l0.shardLine;
  out.push(line === undefined ? before : concatBytes([before.subarray(0, line[0]), before.subarray(line[1])]));
  for (const [k, r] of regions.entries()) out.push(...(k > 0 ? [COMMA, r] : [r]));
  out.push(after);
  return concatBytes(out);
}

/**
 * `--jobs` parts joined while they are written (core's PartJoin): the output's head is what the
 * merge makes of the parts' heads, each body is a part's annotation elements ("\n{…},\n{…}")
 * joined by a comma, and the closing is the writer's. The bodies stand as written when no part
 * renumbered an id and, for instances, no id is in two parts (plainBodies); else the merge runs.
 */
export const cocoJoin = (shardPart = false): PartJoin => ({
  body(info) {
    const p = info as CocoPartInfo | undefined;
    return p === undefined ? undefined : { start: p.start, ...(p.end === undefined ? {} : { end: p.end }) };
  },
  async open(heads, info) {
    // Parts described by this process's writers: their heads spliced by the byte ranges they gave
    // (instances only); else the heads merged as `rlekit merge` merges parts.
    const spliced = info === undefined ? undefined : spliceHeads(heads, info, shardPart);
    let head: Uint8Array, root: 'object' | 'array' = 'object';
    if (spliced !== undefined) head = spliced;
    else {
      const chunks: Uint8Array[] = [];
      const sources: ByteSource[] = heads.map((h, k) => ({ kind: 'bytes', name: `part ${k}`, size: h.length, async *stream() { yield h; } }));
      const heading = mergeHeads(sources, shardPart);
      let r = await heading.next();
      for (; r.done !== true; r = await heading.next()) chunks.push(r.value);
      (head = concatBytes(chunks), (root = r.value.root));
    }
    return { head, between: COMMA, close: (bodies) => closing(bodies, root) };
  },
  accept(info) {
    // Instances parts describe their ids (or that they renumbered); results parts have no ids.
    const instances = info.some((p) => (p as CocoPartInfo | undefined)?.ids !== undefined || (p as CocoPartInfo | undefined)?.renumbered === true);
    return plainBodies(info, info.length, instances) !== undefined;
  },
});
