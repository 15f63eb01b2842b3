import { describeValue, RleError } from './errors.js';

/**
 * A readable input that can be read more than once (some readers take two passes, e.g. a
 * COCO file whose annotations come before its images). The CLI makes these from files.
 */
export interface ByteSource {
  readonly kind: 'bytes';
  readonly name: string;
  /** Size in bytes when known. */
  readonly size?: number;
  /** Where the file sits (the CLI's path to it), for readers that open files beside it (COCO panoptic's PNG folder). */
  readonly path?: string;
  /** A fresh stream of the whole content, from the start, each time it is called. */
  stream(): AsyncIterable<Uint8Array>;
  /**
   * The bytes [start, end) only, when the source can seek (a file): a `--jobs` worker reads just
   * its share. A chunk may be overwritten by the next one (copy what must outlive the step).
   */
  range?(start: number, end: number): AsyncIterable<Uint8Array>;
}

/**
 * Bytes a reader sets aside to read back later, instead of reading its whole input again: COCO's
 * regrouping writes the annotations of its later windows here during its one read of the file.
 * Written at any position, read back straight into the caller's buffer (a window's bytes land
 * where they are parsed, no copy), gone once closed. The CLI's is a file beside the output; {@link memoryScratch}
 * holds it in memory (tests, browsers, where it saves nothing).
 */
export interface ScratchFile {
  write(bytes: Uint8Array, position: number): Promise<void>;
  /** Fills `into` from `position`; the bytes read (fewer only past the end). */
  read(into: Uint8Array, position: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * A ScratchFile in memory, grown as written.
 * @example
 * ```ts
 * const scratch = memoryScratch();
 * await scratch.write(Uint8Array.of(7, 8, 9), 2);
 * const got = new Uint8Array(3);
 * await scratch.read(got, 1); // → 3
 * [...got]; // → [0, 7, 8]
 * ```
 */
export function memoryScratch(): ScratchFile {
  let bytes = new Uint8Array(0);
  return {
    async write(b, position) {
      if (position + b.length > bytes.length) {
        const grown = new Uint8Array(Math.max(position + b.length, bytes.length * 2));
        grown.set(bytes);
        bytes = grown;
      }
      bytes.set(b, position);
    },
    async read(into, position) {
      const got = bytes.subarray(position, position + into.length);
      into.set(got);
      return got.length;
    },
    async close() {
      bytes = new Uint8Array(0);
    },
  };
}

/** Whether {@link sourceChunks} reads `source` by range (its chunks then share one buffer). */
export const readsByRange = (source: ByteSource): boolean => source.range !== undefined && source.size !== undefined;

/**
 * A source's bytes from the start, chunk by chunk: a file of known size by `range`, into its one
 * reused buffer (a stream's fresh chunk per read is fresh memory, dearer to touch than to scan),
 * else by `stream`. A chunk is valid until the next is asked for: a reader copies what it keeps.
 * @example
 * ```ts
 * const parts: number[] = [];
 * for await (const c of sourceChunks(bytesSource(Uint8Array.of(1, 2, 3)))) parts.push(c.length);
 * parts; // → [3]
 * ```
 */
export function sourceChunks(source: ByteSource): AsyncIterable<Uint8Array> {
  return readsByRange(source) ? source.range!(0, source.size!) : source.stream();
}

/** A folder of files (PNG masks, DICOM series). Paths are relative, with '/' separators. */
export interface FolderSource {
  readonly kind: 'folder';
  readonly name: string;
  /** Every file below the folder, sorted. */
  list(): Promise<string[]>;
  open(path: string): ByteSource;
}

/** What a dialect's `read` accepts. */
export type DialectInput = Uint8Array | ByteSource | FolderSource;

/**
 * A ByteSource over bytes in memory.
 * @example
 * ```ts
 * const source = bytesSource(encodeUtf8('{"a": 1}'), 'a.json');
 * [source.name, source.size]; // → ['a.json', 8]
 * ```
 */
export function bytesSource(bytes: Uint8Array, name = 'input'): ByteSource {
  return {
    kind: 'bytes',
    name,
    size: bytes.length,
    async *stream() {
      yield bytes;
    },
  };
}

/**
 * A FolderSource over files in memory (tests, browsers).
 * @example
 * ```ts
 * const folder = memoryFolder({ 'masks/a.png': new Uint8Array(3) }, 'dataset');
 * isFolderSource(folder); // → true
 * ```
 */
export function memoryFolder(files: Record<string, Uint8Array>, name = 'folder'): FolderSource {
  return {
    kind: 'folder',
    name,
    list: async () => Object.keys(files).sort(),
    open: (path) => {
      const f = files[path];
      if (f === undefined) throw new RleError('IO', `No file ${path} in ${name}`, { path: [path] });
      return bytesSource(f, path);
    },
  };
}

/**
 * @example
 * ```ts
 * isFolderSource(bytesSource(new Uint8Array(1))); // → false
 * ```
 */
export function isFolderSource(input: DialectInput): input is FolderSource {
  return !(input instanceof Uint8Array) && input.kind === 'folder';
}

/** What {@link readAllBytes} checks while it reads. */
export interface ReadAllOptions {
  /**
   * Called on the first `length` bytes as soon as they have arrived (on the whole input when it is
   * shorter), before the rest is read: a reader refuses input that plainly is not its format (a
   * missing signature) at once, instead of buffering up to `maxBytes` of /dev/zero first.
   */
  head?: { length: number; check(head: Uint8Array): void };
}

/**
 * A head check for JSON readers: the first byte after a BOM and blanks must open an object or an
 * array, so /dev/zero or a PNG read as JSON is refused at its first bytes, not after `maxBytes`.
 */
export const JSON_HEAD: NonNullable<ReadAllOptions['head']> = {
  length: 256,
  check(head: Uint8Array): void {
    let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
    if (i < head.length && head[i] !== 0x7b && head[i] !== 0x5b) {
      throw new RleError('INVALID_STRUCTURE', 'Not JSON', { offset: i, expected: '{ or [', received: `byte 0x${head[i]!.toString(16).padStart(2, '0')}` });
    }
  },
};

/** The same for XML readers: the first byte after a BOM and blanks must open a tag. */
export const XML_HEAD: NonNullable<ReadAllOptions['head']> = {
  length: 256,
  check(head: Uint8Array): void {
    let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
    if (i < head.length && head[i] !== 0x3c) {
      throw new RleError('INVALID_STRUCTURE', 'Not XML', { offset: i, expected: '<', received: `byte 0x${head[i]!.toString(16).padStart(2, '0')}` });
    }
  },
};

/**
 * The chunks back to back in one array (the only chunk itself, not a copy).
 * @example
 * ```ts
 * Array.from(concatBytes([new Uint8Array([1, 2]), new Uint8Array([3])])); // → [1, 2, 3]
 * ```
 */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let n = total ?? 0;
  if (total === undefined) for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) (out.set(c, o), (o += c.length));
  return out;
}

/**
 * Every chunk of a stream in one array: a writer's `write` made from its `writeStream`.
 * @example
 * ```ts
 * async function* two() { yield new Uint8Array([1]); yield new Uint8Array([2, 3]); }
 * Array.from(await collectBytes(two())); // → [1, 2, 3]
 * ```
 */
export async function collectBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const c of chunks) (parts.push(c), (total += c.length));
  return parts.length === 0 ? new Uint8Array(0) : concatBytes(parts, total);
}

/**
 * Reads a whole input into memory, refusing more than `maxBytes` before collecting it.
 * @example
 * ```ts
 * (await readAllBytes(bytesSource(encodeUtf8('abc')))).length; // → 3
 * // More than maxBytes is LIMIT_EXCEEDED, never a giant buffer.
 * const error = await readAllBytes(bytesSource(new Uint8Array(10)), 4).catch((e: RleError) => e);
 * (error as RleError).code; // → 'LIMIT_EXCEEDED'
 * ```
 */
export async function readAllBytes(input: Uint8Array | ByteSource, maxBytes = 0x7fffffff, options: ReadAllOptions = {}): Promise<Uint8Array> {
  const head = options.head;
  if (input instanceof Uint8Array) {
    // Bytes already in memory obey the same limit as a stream: every reader gets it from here.
    if (input.length > maxBytes) throw new RleError('LIMIT_EXCEEDED', 'Input is larger than maxBytes', { expected: `at most ${maxBytes} bytes`, received: describeValue(input.length) });
    head?.check(input.subarray(0, head.length));
    return input;
  }
  if ((input as Partial<ByteSource>).kind !== 'bytes') {
    throw new RleError('INVALID_OPTION', 'Expected a file or bytes, not a folder', { received: describeValue((input as { kind?: unknown }).kind) });
  }
  if (input.size !== undefined && input.size > maxBytes) {
    throw new RleError('LIMIT_EXCEEDED', `${input.name} is too large to read into memory`, { expected: `at most ${maxBytes} bytes`, received: describeValue(input.size) });
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  let checked = head === undefined;
  for await (const c of input.stream()) {
    total += c.length;
    chunks.push(c);
    if (!checked && total >= head!.length) {
      checked = true;
      head!.check(concatBytes(chunks, total).subarray(0, head!.length));
    }
    if (total > maxBytes) throw new RleError('LIMIT_EXCEEDED', `${input.name} is too large to read into memory`, { expected: `at most ${maxBytes} bytes` });
  }
  const all = concatBytes(chunks, total);
  if (!checked) head!.check(all);
  return all;
}

/**
 * The first `n` bytes of an input (for sniffing) without reading the rest.
 * @example
 * ```ts
 * decodeUtf8(await readHead(bytesSource(encodeUtf8('{"images": []}')), 3)); // → '{"i'
 * ```
 */
export async function readHead(input: Uint8Array | ByteSource, n = 4096): Promise<Uint8Array> {
  if (input instanceof Uint8Array) return input.subarray(0, n);
  const out = new Uint8Array(n);
  let o = 0;
  for await (const c of input.stream()) {
    const take = Math.min(c.length, n - o);
    out.set(c.subarray(0, take), o);
    o += take;
    if (o >= n) break;
  }
  return out.subarray(0, o);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decodes UTF-8 (a BOM is dropped); invalid UTF-8 is an INVALID_TOKEN error.
 * @example
 * ```ts
 * decodeUtf8(Uint8Array.from([0xc3, 0xa9])); // → 'é'
 * ```
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (e) {
    throw new RleError('INVALID_TOKEN', 'Input is not valid UTF-8', { cause: e });
  }
}

const encoder = new TextEncoder();
/**
 * @example
 * ```ts
 * Array.from(encodeUtf8('é')); // → [0xc3, 0xa9]
 * ```
 */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Deepest nesting of arrays and objects a JSON reader accepts. Real files nest less than 20 deep
 * (COCO 5, Encord about 12); the bound keeps writers, which recurse (JSON.stringify), off the
 * edge of the stack, whatever the reader keeps of a file.
 */
export const MAX_JSON_DEPTH = 256;

/**
 * Refuses JSON text nested deeper than `maxDepth` (LIMIT_EXCEEDED, with the offset and path of the
 * first value too deep), in one pass over the text that skips strings; text that is not JSON is
 * left for the parser to refuse. Every JSON reader calls it (through {@link parseJson}).
 * @example
 * ```ts
 * checkJsonDepth('[[1]]'); // → undefined
 * const error = (() => { try { checkJsonDepth('[[[1]]]', 2); } catch (e) { return e as RleError; } })();
 * error?.code; // → 'LIMIT_EXCEEDED'
 * ```
 */
export function checkJsonDepth(text: string, maxDepth: number = MAX_JSON_DEPTH, expected = 'JSON'): void {
  let depth = 0;
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // To the closing quote: the first one not escaped by an odd number of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i < 0) return;
        let b = i - 1;
        while (text.charCodeAt(b) === 0x5c) b--;
        if (((i - 1 - b) & 1) === 0) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) {
        const path = jsonPathAt(text, i);
        const shown = path.length > 16 ? [...path.slice(0, 16), `(${path.length - 16} more levels)`] : path;
        throw new RleError('LIMIT_EXCEEDED', `${expected} is nested more than ${maxDepth} levels deep`, { path: shown, offset: i, expected: `arrays and objects nested at most ${maxDepth} deep` });
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** The path of the value that starts at `offset` (a slow second pass, only to report an error). */
function jsonPathAt(text: string, offset: number): (string | number)[] {
  // One frame per open container: an object's current key or an array's current index.
  const frames: { key: string | number; object: boolean; expectKey: boolean }[] = [];
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    const top = frames[frames.length - 1];
    if (c === 0x22) {
      const start = i;
      for (i++; i < offset && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      if (top?.expectKey) {
        try {
          top.key = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          top.key = text.slice(start + 1, i);
        }
        top.expectKey = false;
      }
    } else if (c === 0x7b || c === 0x5b) frames.push({ key: c === 0x7b ? '' : 0, object: c === 0x7b, expectKey: c === 0x7b });
    else if (c === 0x7d || c === 0x5d) frames.pop();
    else if (c === 0x2c && top !== undefined) {
      if (top.object) top.expectKey = true;
      else top.key = (top.key as number) + 1;
    }
  }
  return frames.map((f) => f.key);
}

/**
 * JSON.parse with an RleError for bad JSON: INVALID_STRUCTURE at the offset JSON.parse names
 * (in its message only: "at position N"), or at the end of the text when it ends early; and
 * LIMIT_EXCEEDED for nesting deeper than `maxDepth` ({@link checkJsonDepth}).
 * @example
 * ```ts
 * parseJson('{"a": [1, 2]}', 'a settings file'); // → { a: [1, 2] }
 * const error = (() => { try { parseJson('{"a": ', 'a settings file'); } catch (e) { return e as RleError; } })();
 * error?.code; // → 'INVALID_STRUCTURE'
 * ```
 */
export function parseJson(text: string, expected: string, maxDepth: number = MAX_JSON_DEPTH): unknown {
  checkJsonDepth(text, maxDepth, expected);
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : '';
    const at = /position (\d+)/.exec(msg);
    const offset = at ? Number(at[1]) : /end of JSON/i.test(msg) ? text.length : undefined;
    throw new RleError('INVALID_STRUCTURE', `Not valid JSON${msg ? `: ${msg.slice(0, 100)}` : ''}`, { offset, expected, cause: e });
  }
}

/**
 * JSON.stringify for writers: a value nested too deep for the stack is LIMIT_EXCEEDED, a circular
 * or BigInt value INVALID_STRUCTURE, both at `path`, instead of an untyped RangeError or TypeError.
 * @example
 * ```ts
 * stringifyJson({ a: [1, 2] }); // → '{"a":[1,2]}'
 * ```
 */
export function stringifyJson(value: unknown, path: readonly (string | number)[] = []): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (e instanceof RangeError) throw new RleError('LIMIT_EXCEEDED', 'A value is nested too deep to write as JSON', { path, expected: `arrays and objects nested at most ${MAX_JSON_DEPTH} deep`, cause: e });
    throw new RleError('INVALID_STRUCTURE', 'A value cannot be written as JSON (circular, or a BigInt)', { path, expected: 'plain JSON data', cause: e });
  }
}
