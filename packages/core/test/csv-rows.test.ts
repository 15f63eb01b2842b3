// csvRows' fast path (plain ASCII chunks split as bytes) against its general path (every chunk
// decoded and read as text, which is what csvRecords reads): the same records, and the same error
// after the same records, on random files cut into random chunks.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { csvRowFields, csvRows, encodeUtf8, RleError, type ByteSource } from '../src/index.js';

function chunked(bytes: Uint8Array, step: number, offset: number): ByteSource {
  return {
    kind: 'bytes', name: 't.csv',
    async *stream() {
      // Chunks that start at any byte offset of their buffer (the fast path reads words of four).
      for (let o = 0; o < bytes.length; o += step) {
        const piece = new Uint8Array(offset + step);
        piece.set(bytes.subarray(o, o + step), offset);
        yield piece.subarray(offset, offset + Math.min(step, bytes.length - o));
      }
    },
  };
}

/**
 * A file of known size read by range into one buffer that is reused, and scribbled over once the
 * reader asks for the next chunk (as a file source's range may): a reader that keeps a chunk's
 * bytes past it reads garbage. Its stream() is not to be used.
 */
function reusedRange(bytes: Uint8Array, step: number): ByteSource & { ranges: number } {
  const src = {
    kind: 'bytes' as const, name: 't.csv', size: bytes.length, ranges: 0,
    async *stream(): AsyncGenerator<Uint8Array> {
      throw new Error('stream() of a source with range');
    },
    async *range(from: number, to: number): AsyncGenerator<Uint8Array> {
      src.ranges++;
      const buffer = new Uint8Array(step);
      for (let o = from; o < to; o += step) {
        const n = Math.min(step, to - o);
        buffer.set(bytes.subarray(o, o + n));
        yield buffer.subarray(0, n);
        buffer.fill(0x2c); // commas: kept bytes would read as other fields
      }
    },
  };
  return src;
}

interface Outcome {
  records: [number, string[]][];
  error?: { code: string; message: string; path: readonly (string | number)[]; expected: string | undefined };
}

async function read(src: ByteSource, fast: boolean, maxRecord: number): Promise<Outcome & { plain: number }> {
  const out: Outcome & { plain: number } = { records: [], plain: 0 };
  try {
    for await (const batch of csvRows(src, 't.csv', maxRecord, fast)) {
      for (const r of batch) {
        if (r.fields === undefined) out.plain++;
        out.records.push([r.line, csvRowFields(r)]);
      }
    }
  } catch (e) {
    if (!(e instanceof RleError)) throw e;
    out.error = { code: e.code, message: e.message, path: e.path, expected: e.expected };
  }
  return out;
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), o += p.length);
  return out;
};

// Fields of ASCII, spaces and tabs (trimmed), commas and quotes (quoted), line breaks, multi-byte characters.
const unit = fc.constantFrom('a', '7', ' ', '\t', ',', '"', '\n', '\r\n', 'é', '😀', '_', '\u00a0', '\v');
const plainField = fc.string({ unit: fc.constantFrom('a', '7', ' ', '\t', '_', '\v', '\r'), maxLength: 6 });
const field = fc.oneof({ arbitrary: plainField, weight: 6 }, { arbitrary: fc.string({ unit, maxLength: 6 }), weight: 1 });
// A row as written: quoted where CSV needs it (or always, or never: bad CSV on purpose).
const row = fc.tuple(fc.array(field, { minLength: 1, maxLength: 4 }), fc.constantFrom('needed', 'needed', 'needed', 'always', 'never'));
const cell = (f: string, how: string): string => (how === 'always' || (how === 'needed' && /[",\r\n]/.test(f)) ? `"${f.replaceAll('"', '""')}"` : f);

const file = fc.record({
  rows: fc.array(row, { minLength: 1, maxLength: 12 }),
  width: fc.integer({ min: 1, max: 4 }),
  // Most files have rows of one width; some do not (an error at the first that differs).
  ragged: fc.constantFrom(false, false, false, true),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  finalBreak: fc.boolean(),
  blankLines: fc.boolean(),
  // Hostile bytes: NUL, an invalid UTF-8 byte, a character cut short by the end of the file or by the text after it.
  hostile: fc.constantFrom('none', 'none', 'none', 'none', 'none', 'nul', 'xff', 'cut', 'cut-mid'),
  hostileAt: fc.nat(),
});

type FileSpec = typeof file extends fc.Arbitrary<infer T> ? T : never;

function bytesOf(f: FileSpec): Uint8Array {
  const eol = f.crlf ? '\r\n' : '\n';
  const lines = f.rows.map(([fields, how]) => {
    const cells = f.ragged ? fields : Array.from({ length: f.width }, (_, k) => fields[k % fields.length]!);
    return cells.map((c) => cell(c, how)).join(',');
  });
  if (f.blankLines) lines.splice(Math.min(1, lines.length), 0, '', '  \t');
  let text = lines.join(eol) + (f.finalBreak ? eol : '');
  if (f.bom) text = `\ufeff${text}`;
  const bytes = encodeUtf8(text);
  const at = bytes.length === 0 ? 0 : f.hostileAt % bytes.length;
  if (f.hostile === 'nul') return concat([bytes.subarray(0, at), Uint8Array.of(0), bytes.subarray(at)]);
  if (f.hostile === 'xff') return concat([bytes.subarray(0, at), Uint8Array.of(0xff), bytes.subarray(at)]);
  if (f.hostile === 'cut-mid') return concat([bytes.subarray(0, at), Uint8Array.of(0xe2, 0x82), bytes.subarray(at)]);
  if (f.hostile === 'cut') return concat([bytes, Uint8Array.of(0xe2, 0x82)]);
  return bytes;
}

describe('csvRows: the fast path reads what the general path reads', () => {
  it('the same records and errors on random files, any chunking, any limit', async () => {
    let plain = 0;
    await fc.assert(
      fc.asyncProperty(file, fc.integer({ min: 1, max: 48 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(1 << 20, 1 << 20, 40, 12), async (f, step, offset, maxRecord) => {
        const bytes = bytesOf(f);
        const general = await read(chunked(bytes, step, offset), false, maxRecord);
        const fast = await read(chunked(bytes, step, offset), true, maxRecord);
        expect(general.plain).toBe(0);
        plain += fast.plain;
        expect(fast.records).toEqual(general.records);
        expect(fast.error).toEqual(general.error);
      }),
      { numRuns: 1500 },
    );
    // The fast path was taken, not only the general one.
    expect(plain).toBeGreaterThan(250);
  });

  it('a file of known size is read by range, its reused buffer never kept past a chunk: the records a fresh chunk each gives', async () => {
    await fc.assert(
      fc.asyncProperty(file, fc.integer({ min: 1, max: 48 }), async (f, step) => {
        const bytes = bytesOf(f);
        const expected = await read(chunked(bytes, step, 0), true, 1 << 20);
        for (const fast of [true, false]) {
          const src = reusedRange(bytes, step);
          const got = await read(src, fast, 1 << 20);
          expect(got.records).toEqual(expected.records);
          expect(got.error).toEqual(expected.error);
          expect(src.ranges).toBe(1);
        }
      }),
      { numRuns: 800 },
    );
  });

  it('a BOM in a later chunk after plain chunks is text, as the general path reads it', async () => {
    const bytes = encodeUtf8('id,rle\nab,1 2\n\ufeffc,3 4\n');
    for (const step of [1, 2, 3, 7, 14, 15]) {
      const general = await read(chunked(bytes, step, 1), false, 1 << 20);
      const fast = await read(chunked(bytes, step, 1), true, 1 << 20);
      expect(fast.records).toEqual(general.records);
      expect(general.records[2]![1][0]).toBe('\ufeffc');
    }
  });
});
