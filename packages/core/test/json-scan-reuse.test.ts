/**
 * JsonScanner fed from one reused buffer, as a seekable file's `range` hands out its chunks (the
 * COCO reader's pass 1 reads that way): what a piece keeps across a chunk end must be its own
 * copy. Checked against JSON.parse and against the same bytes written in one piece, on documents
 * built to hurt a structural scan: escaped quotes and brackets in strings and keys, `\\"`,
 * unicode, exponents, nested objects, whitespace everywhere, repeated keys, truncation.
 */
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { encodeUtf8, JsonScanner, objectFields, parseJsonBytes, RleError } from '../src/index.js';

type Outcome = { ok: true; value: unknown; fields: unknown[] } | { ok: false; code: string; offset: number | undefined };

const NAMES = ['image_id', 'id'] as const;

/**
 * `scan` as a browser runs it (no Node Buffer: the cut looks at each byte instead of jumping by
 * indexOf); both ways must agree.
 */
function scanWithoutBuffer(bytes: Uint8Array, size: number, stale: number): Outcome {
  vi.stubGlobal('Buffer', undefined);
  try {
    return scan(bytes, size, stale);
  } finally {
    vi.unstubAllGlobals();
  }
}

/**
 * Scans `bytes` in chunks of `size` copied into one buffer that is overwritten with structural
 * bytes after each write (size 0: in one write of the bytes themselves), rebuilding the document;
 * `annotations` elements come raw, with their fields.
 */
function scan(bytes: Uint8Array, size: number, stale: number): Outcome {
  const out: Record<string, unknown> = {};
  const fields: unknown[] = [];
  let list: unknown[] = [];
  const root: unknown[] = [];
  const set = (k: string, v: unknown): void => void Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  const s = new JsonScanner({
    field(key, kind) {
      if (kind !== 'array') return 'value';
      list = [];
      set(key, list);
      return 'elements';
    },
    value: (key, v) => set(key, v),
    raw: (key) => key === 'annotations',
    fields: NAMES,
    element(key, _i, v, offset, length, found) {
      if (key === 'annotations') {
        const b = v as Uint8Array;
        expect(b.length).toBe(length);
        expect([...b]).toEqual([...bytes.subarray(offset, offset + length)]);
        fields.push(found, objectFields(b, NAMES));
        list.push(parseJsonBytes(b, offset));
      } else if (key === null) root.push(v);
      else list.push(v);
    },
  });
  try {
    if (size === 0) s.write(bytes);
    else {
      const buffer = new Uint8Array(size);
      for (let i = 0; i < bytes.length; i += size) {
        const n = Math.min(size, bytes.length - i);
        buffer.set(bytes.subarray(i, i + n));
        s.write(buffer.subarray(0, n));
        buffer.fill(stale); // a piece that kept a view of the chunk now reads these
      }
    }
    s.end();
  } catch (e) {
    if (!(e instanceof RleError)) throw e;
    return { ok: false, code: e.code, offset: e.offset };
  }
  return { ok: true, value: s.rootKind === 'array' ? root : out, fields };
}

const ws = fc.constantFrom('', ' ', '\n', '\t', '\r\n ', '  \n\t');
// Strings that a scan tracking only quotes, backslashes and brackets could get wrong.
const nastyString = fc.oneof(
  fc.constantFrom('a"b', '\\', '\\\\', '\\"', '"]}', '[{', 'x\\"]', '\\\\"', 'é', '𝒳', '\u2028', '\u0000', 'image_id', 'id', '"image_id": 1', '}, {"id": 2'),
  fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', ',', ':', 'a', 'é', ' '), maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 5 }),
);
const nastyNumber = fc.constantFrom('0', '-0', '7', '-12', '123456789012345', '-123456789012345', '1234567890123456', '1e5', '-1.5E-3', '2.50', '0.0', '1E+2', '9007199254740993');
const scalar = fc.oneof(nastyString.map((s) => JSON.stringify(s)), nastyNumber, fc.constantFrom('true', 'false', 'null'));

/** JSON text of a value up to `depth` levels, whitespace anywhere between tokens. */
const value = (depth: number): fc.Arbitrary<string> => depth === 0 ? scalar : fc.oneof(
  { weight: 3, arbitrary: scalar },
  { weight: 1, arbitrary: fc.tuple(fc.array(fc.tuple(value(depth - 1), ws), { maxLength: 4 }), ws).map(([xs, w]) => `[${w}${xs.map(([x, w2]) => `${x}${w2}`).join(`,${w}`)}]`) },
  { weight: 1, arbitrary: fc.tuple(fc.array(fc.tuple(fc.oneof(nastyString, fc.constantFrom('image_id', 'id')), value(depth - 1), ws), { maxLength: 4 }), ws).map(([kv, w]) => `{${w}${kv.map(([k, v, w2]) => `${JSON.stringify(k)}${w2}:${w}${v}${w2}`).join(',')}${w}}`) },
);

// An annotation: keys image_id and id (repeated sometimes, escaped sometimes) among others.
const annotation = fc.tuple(
  fc.array(fc.tuple(fc.constantFrom('"image_id"', '"id"', '"segmentation"', '"image\\u005fid"', '"id "', '"bbox"', '"x\\"y"'), value(2), ws), { maxLength: 6 }),
  ws,
).map(([kv, w]) => `{${w}${kv.map(([k, v, w2]) => `${k}${w2}:${w2}${v}`).join(`,${w}`)}${w}}`);

const doc = fc.tuple(fc.array(annotation, { maxLength: 5 }), value(2), ws, fc.boolean()).map(([anns, other, w, imagesFirst]) => {
  const a = `${w}"annotations"${w}:${w}[${w}${anns.join(`${w},${w}`)}${w}]`;
  const b = `${w}"images"${w}:${w}[${other}]${w},${w}"info":${other}`;
  return `${w}{${imagesFirst ? `${b},${a}` : `${a},${b}`}${w}}${w}`;
});

describe('JsonScanner from a reused buffer', () => {
  it('gives what JSON.parse gives, and what one write of the same bytes gives (values, fields, errors and their offsets)', () => {
    fc.assert(fc.property(doc, fc.integer({ min: 1, max: 40 }), fc.constantFrom(0x22, 0x5c, 0x7b, 0x5d, 0x20), (text, size, stale) => {
      const bytes = encodeUtf8(text);
      const whole = scan(bytes, 0, stale);
      const got = scan(bytes, size, stale);
      expect(got).toEqual(whole);
      expect(scanWithoutBuffer(bytes, size, stale)).toEqual(whole);
      expect(scanWithoutBuffer(bytes, 0, stale)).toEqual(whole);
      expect(got.ok).toBe(true);
      if (got.ok) expect(got.value).toEqual(JSON.parse(text));
    }), { numRuns: 1500 });
  });

  it('refuses cut and mutated documents as one write does: the same code at the same byte offset', () => {
    fc.assert(fc.property(doc, fc.nat(), fc.constantFrom('cut', 'delete', 'insert'), fc.constantFrom('"', '\\', '[', ']', '{', '}', ',', ':', 'x', ' '), fc.integer({ min: 1, max: 40 }), (text, at, op, ch, size) => {
      const full = encodeUtf8(text);
      const i = at % (full.length + 1);
      const bytes = op === 'cut' ? full.subarray(0, i) : encodeUtf8(op === 'delete' ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + ch + text.slice(i));
      const whole = scan(bytes, 0, 0x7b);
      expect(scan(bytes, size, 0x22)).toEqual(whole);
      expect(scanWithoutBuffer(bytes, size, 0x22)).toEqual(whole);
      if (op === 'cut' && i < full.length && !whole.ok) expect(['TRUNCATED', 'INVALID_STRUCTURE', 'INVALID_TOKEN']).toContain(whole.code);
    }), { numRuns: 1500 });
  });

  it('an escape that ends a chunk escapes the first byte of the next, in every one-byte split', () => {
    const text = '{"annotations": [{"s": "\\\\\\"]}", "image_id": 5, "id": -0}, {"id": 1e2, "image_id": "\\"}{"}], "images": []}';
    const bytes = encodeUtf8(text);
    for (const size of [1, 2, 3, 4, 5]) {
      const got = scan(bytes, size, 0x5c);
      expect(got).toEqual(scan(bytes, 0, 0));
      expect(scanWithoutBuffer(bytes, size, 0x5c)).toEqual(got);
      expect(got.ok && got.value).toEqual(JSON.parse(text));
    }
    const r = scan(bytes, 1, 0x5c);
    expect(r.ok && r.fields).toEqual([[5, -0], [5, -0], ['"}{', 100], ['"}{', 100]]);
  });
});

describe('objectFields reads integer values from their digits as JSON.parse reads them', () => {
  it('agrees with JSON.parse on numbers at the edges (-0, 15 and 16 digits, leading zeros, exponents)', () => {
    const numbers = ['0', '-0', '5', '-5', '10', '123456789012345', '-123456789012345', '999999999999999', '1234567890123456', '9007199254740993', '1e3', '1.0', '-1.5e-7'];
    for (const n of numbers) {
      const got = objectFields(encodeUtf8(`{"id": ${n}, "image_id":${n} }`), NAMES);
      expect(got).toEqual([JSON.parse(n), JSON.parse(n)]);
      expect(Object.is(got![1], JSON.parse(n))).toBe(true);
    }
    // Not JSON: no answer (the caller's JSON.parse then says what is wrong).
    for (const bad of ['01', '-', '-01', '00', '1.', '+1', '0x1', '1-2']) expect(objectFields(encodeUtf8(`{"id": ${bad}}`), NAMES)).toBeUndefined();
  });

  it('agrees with JSON.parse on any integer text', () => {
    fc.assert(fc.property(fc.boolean(), fc.stringMatching(/^[0-9]{1,18}$/), (neg, digits) => {
      const n = `${neg ? '-' : ''}${digits}`;
      const got = objectFields(encodeUtf8(`{"id":${n}}`), NAMES);
      let want: unknown;
      try {
        want = JSON.parse(n);
      } catch {
        expect(got).toBeUndefined();
        return;
      }
      expect(got).toBeDefined();
      expect(Object.is(got![1], want)).toBe(true);
    }), { numRuns: 1000 });
  });
});
