import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'csv-parse/browser/esm/sync';
import { stringify } from 'csv-stringify/browser/esm/sync';
import { encodeUtf8, RleError, type ByteSource } from '@rlekit/core';
import { csvBytes, csvRecords } from '../src/csv.js';

function chunked(bytes: Uint8Array, step: number): ByteSource {
  return {
    kind: 'bytes', name: 't.csv',
    async *stream() {
      for (let o = 0; o < bytes.length; o += step) yield bytes.subarray(o, o + step);
    },
  };
}

async function all(src: Uint8Array | ByteSource): Promise<string[][]> {
  const out: string[][] = [];
  for await (const r of csvRecords(src, 't.csv')) out.push(r.fields);
  return out;
}

describe('csvRecords agrees with csv-parse', () => {
  const field = fc.string({ unit: fc.constantFrom('a', '1', ' ', ',', '"', '\n', '\r\n', 'é', '_', '-'), maxLength: 8 });
  it('on random quoted/unquoted records, CRLF or LF, any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 4 }).chain((w) => fc.array(fc.array(field, { minLength: w, maxLength: w }), { minLength: 1, maxLength: 6 })), fc.boolean(), fc.integer({ min: 1, max: 40 }), async (rows, crlf, step) => {
        const text = stringify(rows, { record_delimiter: crlf ? 'windows' : 'unix', quoted_match: /[\r\n]/ });
        const expected = parse(text, { trim: true, skip_empty_lines: true, bom: true }) as string[][];
        expect(await all(chunked(encodeUtf8(`\ufeff${text}`), step))).toEqual(expected);
        expect(expected.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('reports the line of a bad record', async () => {
    const bad = async (text: string, line: number) => {
      try {
        await all(encodeUtf8(text));
      } catch (e) {
        expect(e).toBeInstanceOf(RleError);
        expect((e as RleError).code).toBe('INVALID_STRUCTURE');
        expect((e as RleError).path).toEqual(['line', line]);
        return;
      }
      throw new Error('expected INVALID_STRUCTURE');
    };
    await bad('a,b\nc,d\ne\n', 3);
    await bad('a,b\nc,"d\ne,f\n', 3);
    await bad('a,b\nc,d"x"\n', 2);
  });

  it('keeps the last line without a line break, and a line longer than a chunk', async () => {
    const long = '1 2 '.repeat(300000);
    expect(await all(chunked(encodeUtf8(`id,rle\nx,${long}\ny,3 4`), 4096))).toEqual([['id', 'rle'], ['x', long.trim()], ['y', '3 4']]);
  });
});

describe('csvBytes writes what csv-stringify writes', () => {
  // Quotes, commas, CR and LF alone or paired, spaces and non-ASCII: each decides quoting on its own.
  const field = fc.string({ unit: fc.constantFrom('a', '1', ' ', ',', '"', '\n', '\r', '\r\n', 'é', '_', '-', '\t', "'"), maxLength: 8 });
  it('on random rows, fields quoted only where needed', () => {
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }), (rows) => {
        // quote_record_delimiter: a lone CR is quoted too (csv-stringify leaves it bare once record_delimiter is set).
        expect(new TextDecoder().decode(csvBytes(rows))).toBe(stringify(rows, { eof: true, record_delimiter: 'unix', quote_record_delimiter: true }));
      }),
      { numRuns: 500 },
    );
  });

  it('quotes a lone CR, a quote and a comma; leaves empty fields bare; reads back field for field', async () => {
    const row = ['a\rb', 'say "x"', '1,2', '', 's'];
    expect(new TextDecoder().decode(csvBytes([row]))).toBe('"a\rb","say ""x""","1,2",,s\n');
    const next = ['c\r\nd', '"', ',', 'x', ''];
    expect(await all(csvBytes([row, next]))).toEqual([row, next]);
  });
});
