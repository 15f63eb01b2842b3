/**
 * What the dialects' `merge` (joining shard outputs) shares: a streamed walk over one part's
 * top-level JSON that hands over the raw bytes of array elements, copied, in batches.
 */
import { JsonScanner, type JsonFieldAction, type JsonValueKind } from './json-scan.js';
import type { ByteSource } from './source.js';

/** What a part holds at one step of the walk. */
export type JsonPartEvent =
  | { kind: 'root'; value: 'object' | 'array' }
  | { kind: 'field'; key: string; value: JsonValueKind }
  | { kind: 'value'; key: string; value: unknown }
  | { kind: 'elements'; key: string | null; elements: Uint8Array[] };

/**
 * Walks a JSON part: `action(key, kind)` says what to do with each top-level field ('elements':
 * the raw bytes of each element; 'value': the parsed value; 'skip'; 'stop': end the walk there,
 * reading no further). A root array's elements come with key null. Memory: one source chunk and
 * the elements cut from it.
 * @example
 * ```ts
 * // A file's top-level arrays as element byte ranges, for merging shard outputs without parsing them.
 * const events: string[] = [];
 * for await (const e of jsonArrayParts(bytesSource(encodeUtf8('{"images": [{"id": 1}], "info": {}}')), (key) => (key === 'images' ? 'elements' : 'value'))) {
 *   if (e.kind === 'elements') events.push(...e.elements.map((b) => decodeUtf8(b)));
 * }
 * events; // → ['{"id": 1}']
 * ```
 */
export async function* jsonArrayParts(source: ByteSource, action: (key: string, kind: JsonValueKind) => JsonFieldAction | 'stop', what = 'JSON'): AsyncGenerator<JsonPartEvent> {
  let queue: JsonPartEvent[] = [];
  let stop = false;
  let batch: Uint8Array[] | undefined;
  const flushBatch = (): void => {
    if (batch !== undefined && batch.length > 0) queue.push({ kind: 'elements', key: batchKey, elements: batch });
    batch = undefined;
  };
  let batchKey: string | null = null;
  const scanner = new JsonScanner({
    field(key, kind) {
      flushBatch();
      if (stop) return 'skip';
      const a = action(key, kind);
      if (a === 'stop') {
        stop = true;
        return 'skip';
      }
      queue.push({ kind: 'field', key, value: kind });
      return a;
    },
    value(key, value) {
      queue.push({ kind: 'value', key, value });
    },
    raw: true,
    element(key, _i, v) {
      if (batch === undefined || batchKey !== key) {
        flushBatch();
        batch = [];
        batchKey = key;
      }
      // The bytes may be a view of the chunk: copied, as they outlive this call.
      batch.push((v as Uint8Array).slice());
    },
  }, what);
  const CHUNK = 1 << 20;
  let rooted = false;
  const root = (): void => {
    if (rooted || scanner.rootKind === undefined) return;
    rooted = true;
    queue.unshift({ kind: 'root', value: scanner.rootKind });
  };
  outer: for await (const chunk of source.stream()) {
    for (let i = 0; i < chunk.length; i += CHUNK) {
      scanner.write(chunk.length <= CHUNK ? chunk : chunk.subarray(i, Math.min(chunk.length, i + CHUNK)));
      flushBatch();
      root();
      const q = queue;
      queue = [];
      yield* q;
      if (stop) break outer;
    }
  }
  if (!stop) {
    scanner.end();
    flushBatch();
    root();
    yield* queue;
  }
}

/**
 * Elements joined with a separator before each (`first` before the very first of the output): one chunk.
 * @example
 * ```ts
 * decodeUtf8(joinElements([encodeUtf8('{"id":1}'), encodeUtf8('{"id":2}')], true, encodeUtf8('['), encodeUtf8(','))); // → '[{"id":1},{"id":2}'
 * ```
 */
export function joinElements(elements: readonly Uint8Array[], first: boolean, lead: Uint8Array, sep: Uint8Array): Uint8Array {
  let size = 0;
  for (const [i, b] of elements.entries()) size += b.length + (i === 0 && first ? lead.length : sep.length);
  const out = new Uint8Array(size);
  let o = 0;
  for (const [i, b] of elements.entries()) {
    const s = i === 0 && first ? lead : sep;
    out.set(s, o);
    o += s.length;
    out.set(b, o);
    o += b.length;
  }
  return out;
}
