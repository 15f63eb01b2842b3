// Reading lives in core (sizes CSVs are read by several dialects); writing stays here with its library.
import { stringify } from 'csv-stringify/browser/esm/sync';

export { csvRecords, MAX_RECORD, parseQuotedRecord } from '@rlekit/core';
export type { CsvRecord } from '@rlekit/core';

const encoder = new TextEncoder();

/** CSV text of rows (quoted only where needed, `\n` line ends), as UTF-8. */
export function csvBytes(rows: string[][]): Uint8Array {
  return encoder.encode(stringify(rows, { eof: true, record_delimiter: 'unix' }));
}
