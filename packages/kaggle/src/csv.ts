// The browser ESM builds keep the package free of node: imports. Input is read chunk by chunk
// and records are handed out one at a time, so memory stays bounded by the longest record.
import { parse as parseSync } from 'csv-parse/browser/esm/sync';
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

function csvError(e: unknown, name: string, line: number): RleError {
  const err = e as { message?: string; code?: string };
  return new RleError('INVALID_STRUCTURE', `${name} is not valid CSV: ${err.message ?? String(e)}`, {
    path: ['line', line],
    expected: 'RFC 4180 CSV with the same number of fields on every row',
    received: err.code,
    cause: e,
  });
}

/** Largest quoted record (quotes may hide line breaks) gathered before giving up on an unclosed quote. */
const MAX_QUOTED = 256 << 20;

function countQuotes(line: string): number {
  let n = 0;
  for (let i = line.indexOf('"'); i >= 0; i = line.indexOf('"', i + 1)) n++;
  return n;
}

/**
 * Streams the records of a CSV file (BOM dropped, fields trimmed: SIIM's header and values
 * carry leading spaces), with the line each ends on. Bad CSV is INVALID_STRUCTURE with the line.
 *
 * A line without a quote character is a record whose fields are its comma-separated parts,
 * exactly what csv-parse returns for it, so those lines are split directly: csv-parse scans
 * every character through Buffer comparisons (about 2 MB/s in its browser build), too slow
 * for gigabyte submissions whose cells are long runs of digits. Every record containing a
 * quote, which may span lines, goes through csv-parse.
 */
export async function* csvRecords(input: Uint8Array | ByteSource, name = 'input'): AsyncGenerator<CsvRecord> {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const text = (bytes: Uint8Array | undefined): string => {
    try {
      return bytes ? utf8.decode(bytes, { stream: true }) : utf8.decode();
    } catch (e) {
      throw new RleError('INVALID_TOKEN', `${name} is not valid UTF-8`, { cause: e });
    }
  };
  let width = -1;
  let lineNo = 0;
  let quoted: string[] = [];
  let quotedChars = 0;
  let quotes = 0;
  const checkWidth = (fields: string[], line: number): CsvRecord => {
    if (width < 0) width = fields.length;
    else if (fields.length !== width) {
      throw new RleError('INVALID_STRUCTURE', `${name}: a row has ${fields.length} fields, the header ${width}`, { path: ['line', line], expected: `${width} fields`, received: String(fields.length) });
    }
    return { fields, line };
  };
  const viaLibrary = (block: string, line: number): CsvRecord | undefined => {
    let records: string[][];
    try {
      records = parseSync(block, { trim: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
    } catch (e) {
      throw csvError(e, name, line);
    }
    if (records.length === 0) return undefined;
    if (records.length !== 1) throw new RleError('INVALID_STRUCTURE', `${name}: unexpected record break`, { path: ['line', line] });
    return checkWidth(records[0]!, line);
  };
  // Handles one physical line; returns a record when one is complete.
  const onLine = (raw: string): CsvRecord | undefined => {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (quoted.length > 0) {
      // Inside quotes a CR belongs to the field: keep raw lines for the library.
      quoted.push(raw);
      quotedChars += raw.length;
      quotes += countQuotes(raw);
      if (quotedChars > MAX_QUOTED) throw new RleError('LIMIT_EXCEEDED', `${name}: a quoted field runs on for more than ${MAX_QUOTED} characters`, { path: ['line', lineNo], expected: 'a closing quote' });
      if ((quotes & 1) === 1) return undefined;
      const block = quoted.join('\n');
      quoted = [];
      return viaLibrary(block, lineNo);
    }
    if (line.indexOf('"') >= 0) {
      quotes = countQuotes(line);
      if ((quotes & 1) === 0) return viaLibrary(line, lineNo);
      quoted = [raw];
      quotedChars = raw.length;
      return undefined;
    }
    if (line.trim() === '') return undefined;
    const fields = line.split(',');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (f.length > 0 && (f.charCodeAt(0) <= 32 || f.charCodeAt(f.length - 1) <= 32)) fields[i] = f.trim();
    }
    return checkWidth(fields, lineNo);
  };
  // Text after the last line break, kept in pieces so a line longer than a chunk is joined once.
  let tail: string[] = [];
  for await (const chunk of chunksOf(input)) {
    let s = text(chunk);
    if (lineNo === 0 && tail.length === 0 && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    const last = s.lastIndexOf('\n');
    if (last < 0) {
      if (s.length > 0) tail.push(s);
      continue;
    }
    let from = 0;
    if (tail.length > 0) {
      const nl = s.indexOf('\n');
      tail.push(s.slice(0, nl));
      const r = onLine(tail.join(''));
      tail = [];
      if (r) yield r;
      from = nl + 1;
    }
    while (from <= last) {
      const nl = s.indexOf('\n', from);
      const r = onLine(s.slice(from, nl));
      if (r) yield r;
      from = nl + 1;
    }
    if (last + 1 < s.length) tail.push(s.slice(last + 1));
  }
  const rest = text(undefined);
  if (rest.length > 0) tail.push(rest);
  if (tail.length > 0) {
    const r = onLine(tail.join(''));
    if (r) yield r;
  }
  if (quoted.length > 0) {
    // An unclosed quote: let the library say what is wrong.
    viaLibrary(quoted.join('\n'), lineNo);
    throw new RleError('INVALID_STRUCTURE', `${name}: a quoted field is not closed`, { path: ['line', lineNo], expected: 'a closing quote' });
  }
}

const encoder = new TextEncoder();

/** CSV text of rows (quoted only where needed, `\n` line ends), as UTF-8. */
export function csvBytes(rows: string[][]): Uint8Array {
  return encoder.encode(stringify(rows, { eof: true, record_delimiter: 'unix' }));
}
