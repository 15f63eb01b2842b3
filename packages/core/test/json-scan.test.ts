import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JsonScanner, RleError } from '../src/index.js';

const enc = new TextEncoder();

/** Scans `bytes` cut at `cuts`, rebuilding the document: arrays element by element, the rest whole, the last duplicate key winning. */
function scan(bytes: Uint8Array, cuts: number[] = [], parseArrays = true): unknown {
  const list: unknown[] = [];
  let current: unknown[] | undefined;
  const obj: Record<string, unknown> = {};
  const set = (k: string, v: unknown): void => void Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  const s = new JsonScanner({
    field(key, kind) {
      if (kind === 'array' && parseArrays) {
        current = [];
        set(key, current);
        return 'elements';
      }
      return 'value';
    },
    value(key, v) {
      set(key, v);
    },
    element(key, index, v) {
      if (key === null) list.push(v);
      else {
        expect(index).toBe(current!.length);
        current!.push(v);
      }
    },
  });
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    s.write(bytes.subarray(prev, p));
    prev = p;
  }
  s.end();
  return s.rootKind === 'array' ? list : obj;
}

function outcome(text: string, cuts: number[]): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: scan(enc.encode(text), cuts) };
  } catch (e) {
    return { ok: false, error: e };
  }
}

/** JSON.parse as the in-memory reads apply it: one leading BOM dropped (decodeUtf8). */
function reference(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text) };
  } catch {
    return { ok: false };
  }
}

// Keys that matter: duplicates, a BOM inside, escapes, multibyte characters, __proto__.
const keyArb = fc.oneof(fc.constantFrom('images', 'annotations', '\uFEFFimages', 'a"b', 'é', '𝒳', '__proto__', '', '\\'), fc.string({ maxLength: 4 }), fc.string({ unit: 'grapheme', maxLength: 3 }));
const valueArb = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }), fc.string({ unit: 'grapheme', maxLength: 6 }));
const wsArb = fc.constantFrom('', ' ', '\n', '\t ', '\r\n  ');

const docArb = fc.oneof(
  fc.tuple(fc.array(fc.tuple(keyArb, valueArb, wsArb), { maxLength: 6 }), wsArb, fc.boolean()).map(([fields, ws, bom]) =>
    `${bom ? '\uFEFF' : ''}${ws}{${fields.map(([k, v, w]) => `${w}${JSON.stringify(k)}${w}:${w}${JSON.stringify(v, null, w.length > 1 ? 1 : undefined)}`).join(`,${ws}`)}${ws}}${ws}`),
  fc.array(valueArb, { maxLength: 6 }).map((a) => JSON.stringify(a, null, 1)),
);

describe('JsonScanner agrees with JSON.parse', () => {
  it('on generated documents cut into chunks anywhere (inside strings, escapes and UTF-8 sequences)', () => {
    fc.assert(
      fc.property(docArb, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        const got = outcome(text, cuts);
        const want = reference(text);
        expect(got.ok).toBe(true);
        if (got.ok && want.ok) expect(got.value).toEqual(want.value);
      }),
      { numRuns: 600 },
    );
  });

  it('on every one-byte-chunk split of a document with escapes, multibyte keys and a BOM', () => {
    const text = '\uFEFF{"a\\"\\\\":[1,"x\\u00e9\\\\",{"k":["]"]}],"𝒳é":{"z":"}"},"a\\"\\\\":[true,null],"n":-1.5e3}';
    const bytes = enc.encode(text);
    const every = Array.from({ length: bytes.length }, (_, i) => i);
    expect(scan(bytes, every)).toEqual(JSON.parse(text.slice(1)));
  });

  it('accepts and refuses the same mutated documents, refusals as RleErrors with a byte offset', () => {
    fc.assert(
      fc.property(docArb, fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', 'x', '1', ' ', '\uFEFF', 'é'), fc.array(fc.nat(), { maxLength: 4 }), (doc, at, op, ch, cuts) => {
        const i = at % (doc.length + 1);
        const raw = op === 'delete' ? doc.slice(0, i) + doc.slice(i + 1) : op === 'insert' ? doc.slice(0, i) + ch + doc.slice(i) : doc.slice(0, i) + ch + doc.slice(i + 1);
        // A cut surrogate pair is what UTF-8 bytes would carry: U+FFFD.
        const text = new TextDecoder().decode(enc.encode(raw));
        const want = reference(text);
        // The scanner reads files whose root is an object or an array.
        if (want.ok && (typeof want.value !== 'object' || want.value === null)) return;
        const got = outcome(text, cuts);
        expect(got.ok).toBe(want.ok);
        if (got.ok && want.ok) expect(got.value).toEqual(want.value);
        if (!got.ok) {
          expect(got.error).toBeInstanceOf(RleError);
          const e = got.error as RleError;
          expect(['INVALID_STRUCTURE', 'TRUNCATED', 'INVALID_TOKEN']).toContain(e.code);
          expect(e.offset).toBeGreaterThanOrEqual(0);
          expect(e.offset).toBeLessThanOrEqual(enc.encode(text).length);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('gives the byte offset of the fault, counting multibyte characters as their bytes', () => {
    const text = '{"é𝒳": [1, 2], "b": [3, tru]}';
    const e = outcome(text, [3, 9]);
    expect(e.ok).toBe(false);
    const err = (e as { error: RleError }).error;
    expect(err.code).toBe('INVALID_STRUCTURE');
    // "tru" is characters 25..28, bytes 28..31: é is 2 bytes (1 unit), 𝒳 4 bytes (2 units).
    expect(err.offset).toBeGreaterThanOrEqual(28);
    expect(err.offset).toBeLessThanOrEqual(31);
    const t = outcome('{"a": [1, 2]', []);
    expect((t as { error: RleError }).error.code).toBe('TRUNCATED');
    const g = outcome('{"a": 1} x', []);
    expect((g as { error: RleError }).error.offset).toBe(9);
  });

  it('only scans elements it is told not to want, and hands over offsets and lengths of those it parses', () => {
    const text = '{"a": [{"x": 1}, "skip me", [2, 3]]}';
    const got: [number, unknown, number, number][] = [];
    const s = new JsonScanner({ field: () => 'elements', want: (_k, i) => i !== 1, element: (_k, i, v, off, len) => got.push([i, v, off, len]) });
    s.write(enc.encode(text));
    s.end();
    expect(got).toEqual([[0, { x: 1 }, 7, 8], [2, [2, 3], 28, 6]]);
    expect(text.slice(7, 15)).toBe('{"x": 1}');
    expect(text.slice(28, 34)).toBe('[2, 3]');
  });
});

describe('objectFields', () => {
  it('gives the values JSON.parse gives for the keys asked, or undefined (then the caller parses)', async () => {
    const { objectFields } = await import('../src/index.js');
    const names = ['image_id', 'category_id'];
    const objArb = fc.dictionary(fc.oneof(fc.constantFrom('image_id', 'category_id', 'image', 'id'), fc.string({ maxLength: 3 })), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 });
    fc.assert(
      fc.property(objArb, fc.boolean(), fc.option(fc.jsonValue({ maxDepth: 1 }), { nil: undefined }), (o, spaced, dup) => {
        let text = JSON.stringify(o, null, spaced ? 1 : undefined);
        // A repeated key: the last wins.
        if (dup !== undefined) text = `${text.slice(0, -1)}${Object.keys(o).length ? ',' : ''}"image_id": ${JSON.stringify(dup)}}`;
        const want = JSON.parse(text);
        const got = objectFields(enc.encode(text), names);
        if (got === undefined) return;
        expect(got).toEqual(names.map((k) => (Object.hasOwn(want, k) ? want[k] : undefined)));
      }),
      { numRuns: 500 },
    );
    expect(objectFields(enc.encode('{"segmentation": {"image_id": 3}, "image_id": 7, "x": "\\"image_id\\": 9"}'), names)).toEqual([7, undefined]);
    expect(objectFields(enc.encode('{"image\\u005fid": 7}'), names)).toBeUndefined();
    expect(objectFields(enc.encode('[1]'), names)).toBeUndefined();
    expect(objectFields(enc.encode('{"image_id": [1]}'), names)).toBeUndefined();
  });
});

describe('JsonScanner.openPiece / openFault: the value left open when the input ends', () => {
  const scanEnd = (text: string, chunk: number): JsonScanner => {
    const s = new JsonScanner({ field: (k) => (k === 'a' ? 'elements' : 'value'), element: () => {}, value: () => {} });
    const b = new TextEncoder().encode(text);
    for (let i = 0; i < b.length; i += chunk) s.write(b.slice(i, i + chunk));
    expect(() => s.end()).toThrow(RleError);
    return s;
  };

  it('finds the first fault where JSON.parse of the whole text does, whatever the chunking and however far in', () => {
    // A stray quote: the rest of the text reads as strings and keys by turns, and the element never closes.
    fc.assert(fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 700 }), (pad, chunk) => {
      const numbers = Array.from({ length: pad }, (_, k) => k).join(',');
      const text = `{"x": 1, "a": [{"p": [1]}, {"p": [${numbers}", 5], "q": "é"}, {"p": [2]}], "z": 3}`;
      const s = scanEnd(text, chunk);
      const open = s.openPiece()!;
      expect([open.key, open.index, open.offset, open.length]).toEqual(['a', 1, text.indexOf('{"p": [', 20), open.bytes.length]);
      expect(open.length).toBe(new TextEncoder().encode(text).length - open.offset);
      expect(s.openPiece(5)!.bytes).toEqual(open.bytes.subarray(0, 5));
      const fault = s.openFault();
      let position = -1;
      try {
        JSON.parse(text);
      } catch (e) {
        position = Number(/position (\d+)/.exec((e as Error).message)![1]);
      }
      // ASCII up to the fault: characters are bytes.
      expect(fault?.offset).toBe(position);
    }), { numRuns: 150 });
  });

  it('is undefined for a value that is good as far as it goes, and for an input with nothing open', () => {
    expect(scanEnd('{"a": [{"p": [1, 2', 3).openFault()).toBeUndefined();
    const s = scanEnd('{"a": [{"p": 1}', 4);
    expect(s.openPiece()).toBeUndefined();
    expect(s.openFault()).toBeUndefined();
  });
});
