// CSV reading (no dependency): Kaggle submissions and the sizes CSVs of every dialect that needs
// image sizes. Records are read chunk by chunk and handed out one at a time, so memory stays bounded by the
// longest record, and every buffer is bounded: a line or quoted record of more than MAX_RECORD
// characters is LIMIT_EXCEEDED, before it is joined.
import { RleError } from './errors.js';
import type { ByteSource } from './source.js';

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

function badQuote(name: string, line: number, message: string, expected: string): RleError {
  return new RleError('INVALID_STRUCTURE', `${name} is not valid CSV: ${message}`, { path: ['line', line], expected });
}

/** Spaces and tabs around a quoted field are dropped (csv-parse's trim). */
const isBlank = (c: number): boolean => c === 32 || c === 9;

/**
 * The fields of one record that contains quotes (RFC 4180: a quoted field may hold commas, line
 * breaks and "" for a quote), in one linear pass: indexOf jumps from quote to quote and from comma
 * to comma, and each field is cut out once. Whitespace around fields is trimmed; a quote inside an
 * unquoted field, or text after a closing quote, is INVALID_STRUCTURE.
 * @example
 * ```ts
 * // One record with quotes (it may span lines); doubled quotes are one quote.
 * parseQuotedRecord('a.jpg,"1 3 ""x"", 2"', 'a.csv', 2); // → ['a.jpg', '1 3 "x", 2']
 * ```
 */
export function parseQuotedRecord(block: string, name: string, line: number): string[] {
  const n = block.endsWith('\r') ? block.length - 1 : block.length;
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let j = i;
    while (j < n && isBlank(block.charCodeAt(j))) j++;
    if (j < n && block.charCodeAt(j) === 34) {
      // Quoted: jump from quote to quote; a doubled quote is one quote of the field, undone once at the end.
      const from = j + 1;
      let at = from, doubled = false;
      for (;;) {
        const q = block.indexOf('"', at);
        if (q < 0 || q >= n) throw badQuote(name, line, 'a quoted field is not closed', 'a closing quote');
        if (q + 1 < n && block.charCodeAt(q + 1) === 34) {
          doubled = true;
          at = q + 2;
          continue;
        }
        const f = block.slice(from, q);
        fields.push(doubled ? f.replaceAll('""', '"') : f);
        i = q + 1;
        break;
      }
      while (i < n && isBlank(block.charCodeAt(i))) i++;
      if (i < n && block.charCodeAt(i) !== 44) {
        throw badQuote(name, line, `unexpected character after the closing quote of field ${fields.length}`, 'a comma or the end of the record after a closing quote');
      }
    } else {
      const comma = block.indexOf(',', i);
      const end = comma < 0 || comma > n ? n : comma;
      const f = block.slice(i, end);
      if (f.indexOf('"') >= 0) throw badQuote(name, line, `a quote inside unquoted field ${fields.length + 1}`, 'quotes only around a whole field');
      fields.push(f.length > 0 && (f.charCodeAt(0) <= 32 || f.charCodeAt(f.length - 1) <= 32) ? f.trim() : f);
      i = end;
    }
    if (i >= n) return fields;
    i++; // the comma
  }
}

/**
 * Longest record, in characters: one line, or the lines of a quoted record (quotes may hide line
 * breaks). Beyond it the input is refused (LIMIT_EXCEEDED) before the pieces are joined, so a file
 * without line breaks (/dev/zero) or with an unclosed quote costs at most this much memory. The
 * largest real cells (HuBMAP gigapixel masks) are tens of megabytes.
 */
export const MAX_RECORD = 256 << 20;

function countQuotes(line: string): number {
  let n = 0;
  for (let i = line.indexOf('"'); i >= 0; i = line.indexOf('"', i + 1)) n++;
  return n;
}

/**
 * Streams the records of a CSV file (BOM dropped, fields trimmed: SIIM's header and values
 * carry leading spaces), with the line each ends on. Bad CSV is INVALID_STRUCTURE with the line.
 *
 * A line without a quote character is a record whose fields are its comma-separated parts, so
 * it is split directly. A record containing quotes, which may span lines, is gathered line by
 * line (quotes counted: an odd count means the record goes on) and parsed by parseQuotedRecord
 * in one linear pass. Both give what csv-parse gives (a test compares them), where csv-parse's
 * browser build scans at about 2 MB/s, and far slower on long quoted fields.
 * @example
 * ```ts
 * const rows: string[][] = [];
 * for await (const r of csvRecords(encodeUtf8('ImageId,EncodedPixels\na.jpg,"1 3 10 2"\n'))) rows.push(r.fields);
 * rows; // → [['ImageId', 'EncodedPixels'], ['a.jpg', '1 3 10 2']]
 * ```
 */
export async function* csvRecords(input: Uint8Array | ByteSource, name = 'input', maxRecord = MAX_RECORD): AsyncGenerator<CsvRecord> {
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
  const viaLibrary = (block: string, line: number): CsvRecord | undefined => checkWidth(parseQuotedRecord(block, name, line), line);
  const tooLong = (line: number, what: string): RleError =>
    new RleError('LIMIT_EXCEEDED', `${name}: ${what} runs on for more than ${maxRecord} characters`, { path: ['line', line], expected: `records of at most ${maxRecord} characters (is this a CSV file?)` });
  // Handles one physical line; returns a record when one is complete.
  const onLine = (raw: string): CsvRecord | undefined => {
    lineNo++;
    if (raw.length + quotedChars > maxRecord) throw tooLong(lineNo, quoted.length > 0 ? 'a quoted record' : 'a line');
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (quoted.length > 0) {
      // Inside quotes a CR belongs to the field: keep raw lines for the parser.
      quoted.push(raw);
      quotedChars += raw.length;
      quotes += countQuotes(raw);
      if (quotedChars > maxRecord) throw tooLong(lineNo, 'a quoted record');
      if ((quotes & 1) === 1) return undefined;
      const block = quoted.join('\n');
      quoted = [];
      quotedChars = 0;
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
  let tailChars = 0;
  // With an open quote the line's characters count towards the quoted record's limit too.
  const addTail = (piece: string): void => {
    tailChars += piece.length;
    if (tailChars + quotedChars > maxRecord) throw tooLong(lineNo + 1, quoted.length > 0 ? 'a quoted record' : 'a line');
    tail.push(piece);
  };
  for await (const chunk of chunksOf(input)) {
    let s = text(chunk);
    // A NUL is no text at all (/dev/zero, a binary file): refused at once rather than buffered as one endless line.
    if (s.indexOf('\0') >= 0) {
      throw new RleError('INVALID_TOKEN', `${name} contains a NUL character: not a CSV text file`, { path: ['line', lineNo + 1], expected: 'UTF-8 CSV text' });
    }
    if (lineNo === 0 && tail.length === 0 && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    const last = s.lastIndexOf('\n');
    if (last < 0) {
      if (s.length > 0) addTail(s);
      continue;
    }
    let from = 0;
    if (tail.length > 0) {
      const nl = s.indexOf('\n');
      addTail(s.slice(0, nl));
      const r = onLine(tail.join(''));
      tail = [];
      tailChars = 0;
      if (r) yield r;
      from = nl + 1;
    }
    while (from <= last) {
      const nl = s.indexOf('\n', from);
      const r = onLine(s.slice(from, nl));
      if (r) yield r;
      from = nl + 1;
    }
    if (last + 1 < s.length) addTail(s.slice(last + 1));
  }
  const rest = text(undefined);
  if (rest.length > 0) addTail(rest);
  if (tail.length > 0) {
    const r = onLine(tail.join(''));
    if (r) yield r;
  }
  if (quoted.length > 0) {
    throw new RleError('INVALID_STRUCTURE', `${name}: a quoted field is not closed`, { path: ['line', lineNo], expected: 'a closing quote' });
  }
}

