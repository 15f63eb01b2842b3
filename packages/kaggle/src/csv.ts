// Reading lives in core (sizes CSVs are read by several dialects); writing stays here.
export { csvRecords, MAX_RECORD, parseQuotedRecord } from '@rlekit/core';
export type { CsvRecord } from '@rlekit/core';

const encoder = new TextEncoder();

/** A field quoted only where CSV needs it (a comma, quote, CR or LF), quotes doubled, as csv-stringify quotes. */
export const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * CSV text of rows (quoted only where needed, `\n` line ends), as UTF-8. Written here, not by
 * csv-stringify (now the tests' oracle): its browser build carries a Buffer polyfill, 9 KB gzip of #19's 30 KB budget.
 */
export function csvBytes(rows: string[][]): Uint8Array {
  let text = '';
  for (const r of rows) text += `${r.map(csvField).join(',')}\n`;
  return encoder.encode(text);
}
