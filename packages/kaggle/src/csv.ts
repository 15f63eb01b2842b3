// The browser ESM builds keep the package free of node: imports; both parse and stringify are
// driven synchronously per chunk so memory stays bounded by the chunk size.
import { parse } from 'csv-parse/browser/esm';
import { stringify } from 'csv-stringify/browser/esm/sync';
import { RleError, type ByteSource } from '@rlekit/core';

/** One CSV record and the line it ends on (1-based). */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** Largest piece handed to the parser at once, so a huge in-memory input is still parsed in bounded steps. */
const CHUNK = 1 << 20;

async function* chunksOf(input: Uint8Array | ByteSource): AsyncGenerator<Uint8Array> {
  const all = input instanceof Uint8Array ? [input] : input.stream();
  for await (const c of all) {
    for (let o = 0; o < c.length; o += CHUNK) yield c.subarray(o, Math.min(c.length, o + CHUNK));
  }
}

function csvError(e: unknown, name: string): RleError {
  const err = e as { message?: string; code?: string; lines?: number };
  return new RleError('INVALID_STRUCTURE', `${name} is not valid CSV: ${err.message ?? String(e)}`, {
    path: err.lines !== undefined ? ['line', err.lines] : [],
    expected: 'RFC 4180 CSV with the same number of fields on every row',
    received: err.code,
    cause: e,
  });
}

/**
 * Streams the records of a CSV file (BOM dropped, fields trimmed: SIIM's header and values
 * carry leading spaces), with the line each ends on. Bad CSV is INVALID_STRUCTURE with the line.
 */
export async function* csvRecords(input: Uint8Array | ByteSource, name = 'input'): AsyncGenerator<CsvRecord> {
  const parser = parse({ bom: true, trim: true, skip_empty_lines: true, info: true });
  // The browser build's stream polyfill has no destroy(), which csv-parse registers as an 'end' listener.
  const p = parser as unknown as { destroy?: unknown };
  if (typeof p.destroy !== 'function') p.destroy = () => {};
  let queue: CsvRecord[] = [];
  let failure: unknown;
  let ended = false;
  let wake: (() => void) | undefined;
  parser.on('data', (r: { record: string[]; info: { lines: number } }) => {
    queue.push({ fields: r.record, line: r.info.lines });
  });
  parser.on('error', (e: unknown) => {
    failure = e;
    wake?.();
  });
  parser.on('end', () => {
    ended = true;
    wake?.();
  });
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const text = (bytes: Uint8Array | undefined): string => {
    try {
      return bytes ? utf8.decode(bytes, { stream: true }) : utf8.decode();
    } catch (e) {
      throw new RleError('INVALID_TOKEN', `${name} is not valid UTF-8`, { cause: e });
    }
  };
  const drain = function* (): Generator<CsvRecord> {
    if (failure !== undefined) throw csvError(failure, name);
    // Swap the queue out so yielded records are not kept referenced, and no O(n) shifts.
    const batch = queue;
    queue = [];
    yield* batch;
  };
  for await (const chunk of chunksOf(input)) {
    const s = text(chunk);
    if (s.length > 0 && !parser.write(s)) {
      // Records are delivered synchronously; wait for the writable side only if it reports backlog.
      await new Promise<void>((resolve) => parser.once('drain', resolve));
    }
    yield* drain();
  }
  const rest = text(undefined);
  if (rest.length > 0) parser.write(rest);
  parser.end();
  while (!ended && failure === undefined) {
    yield* drain();
    await new Promise<void>((resolve) => {
      wake = resolve;
      if (ended || failure !== undefined) resolve();
    });
  }
  yield* drain();
}

const encoder = new TextEncoder();

/** CSV text of rows (quoted only where needed, `\n` line ends), as UTF-8. */
export function csvBytes(rows: string[][]): Uint8Array {
  return encoder.encode(stringify(rows, { eof: true, record_delimiter: 'unix' }));
}
