/**
 * Joins COCO files written for consecutive shards of one input (`rlekit convert --shard i/n`)
 * into what one conversion writes: the top-level fields and categories once (every part must
 * have the same), the parts' images in order, then their annotations in order. Elements are
 * copied as bytes, never parsed; the framing is the writer's (files.ts writeCocoChunks).
 */
import { encodeUtf8, joinElements, jsonArrayParts, RleError, stringifyJson, type ByteSource } from '@rlekit/core';

const NL = encodeUtf8('\n'), SEP = encodeUtf8(',\n');

function differ(part: ByteSource, what: string): never {
  throw new RleError('INVALID_STRUCTURE', `${part.name} is not a shard of the same conversion as the first part: its ${what} differ`, { expected: 'the outputs of one conversion run with --shard 0/n … (n-1)/n, in that order' });
}

const decoder = new TextDecoder();

/** The writer's opening: top-level fields other than the lists, then the images list opened. */
function head(extras: readonly [string, unknown][]): Uint8Array {
  let h = '{';
  for (const [key, v] of extras) h += `${JSON.stringify(key)}: ${stringifyJson(v, [key])},\n`;
  return encodeUtf8(`${h}"images": [`);
}

export async function* mergeCoco(parts: readonly ByteSource[]): AsyncGenerator<Uint8Array> {
  if (parts.length === 0) throw new RleError('INVALID_OPTION', 'merge needs at least one part');
  // Pass 1 over each part, up to its annotations: the header (fields, categories) and the images.
  let root: 'object' | 'array' | undefined;
  let extras: [string, unknown][] | undefined;
  let categories: string | undefined;
  let categoryBytes: Uint8Array[] = [];
  let images = 0;
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
      } else if (e.kind === 'value') fields.push([e.key, e.value]);
      else if (e.kind === 'field' && e.key === 'images') {
        if (k === 0) (extras = fields.slice(), yield head(extras));
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
  // Pass 2: the annotations of each part, in order.
  let n = 0;
  for (const part of parts) {
    for await (const e of jsonArrayParts(part, (key, kind) => (key === 'annotations' && kind === 'array' ? 'elements' : 'skip'), 'COCO JSON')) {
      if (e.kind !== 'elements') continue;
      yield joinElements(e.elements, n === 0, NL, SEP);
      n += e.elements.length;
    }
  }
  yield encodeUtf8(`${n > 0 ? '\n' : ''}]${root === 'array' ? '' : '}'}\n`);
}
