import { RleError } from './errors.js';

/**
 * A readable input that can be read more than once (some readers take two passes, e.g. a
 * COCO file whose annotations come before its images). The CLI makes these from files.
 */
export interface ByteSource {
  readonly kind: 'bytes';
  readonly name: string;
  /** Size in bytes when known. */
  readonly size?: number;
  /** A fresh stream of the whole content, from the start, each time it is called. */
  stream(): AsyncIterable<Uint8Array>;
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

/** A ByteSource over bytes in memory. */
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

/** A FolderSource over files in memory (tests, browsers). */
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

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Reads a whole input into memory, refusing more than `maxBytes` before collecting it. */
export async function readAllBytes(input: Uint8Array | ByteSource, maxBytes = 0x7fffffff, options: ReadAllOptions = {}): Promise<Uint8Array> {
  const head = options.head;
  if (input instanceof Uint8Array) {
    head?.check(input.subarray(0, head.length));
    return input;
  }
  if ((input as Partial<ByteSource>).kind !== 'bytes') {
    throw new RleError('INVALID_OPTION', 'Expected a file or bytes, not a folder', { received: String((input as { kind?: unknown }).kind) });
  }
  if (input.size !== undefined && input.size > maxBytes) {
    throw new RleError('LIMIT_EXCEEDED', `${input.name} is too large to read into memory`, { expected: `at most ${maxBytes} bytes`, received: String(input.size) });
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  let checked = head === undefined;
  for await (const c of input.stream()) {
    total += c.length;
    chunks.push(c);
    if (!checked && total >= head!.length) {
      checked = true;
      head!.check(concat(chunks, total).subarray(0, head!.length));
    }
    if (total > maxBytes) throw new RleError('LIMIT_EXCEEDED', `${input.name} is too large to read into memory`, { expected: `at most ${maxBytes} bytes` });
  }
  const all = concat(chunks, total);
  if (!checked) head!.check(all);
  return all;
}

/** The first `n` bytes of an input (for sniffing) without reading the rest. */
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

/** Decodes UTF-8 (a BOM is dropped); invalid UTF-8 is an INVALID_TOKEN error. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (e) {
    throw new RleError('INVALID_TOKEN', 'Input is not valid UTF-8', { cause: e });
  }
}

const encoder = new TextEncoder();
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * JSON.parse with an RleError for bad JSON: INVALID_STRUCTURE at the offset JSON.parse names
 * (in its message only: "at position N"), or at the end of the text when it ends early.
 */
export function parseJson(text: string, expected: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : '';
    const at = /position (\d+)/.exec(msg);
    const offset = at ? Number(at[1]) : /end of JSON/i.test(msg) ? text.length : undefined;
    throw new RleError('INVALID_STRUCTURE', `Not valid JSON${msg ? `: ${msg.slice(0, 100)}` : ''}`, { offset, expected, cause: e });
  }
}
