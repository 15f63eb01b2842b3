import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesSource, collectDataset, copyF64, copyU32, encodeUtf8, isRleError, parseJsonBytes, RleError } from '@rlekit/core';
import { parseAnnotationBytes } from '../src/annotation-json.js';
import { readCocoJson, readCocoStream } from '../src/read-stream.js';

/** JSON.parse's value, or 'error' when it refuses the bytes (bad UTF-8 included). */
function reference(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch {
    return 'error';
  }
}

/** Float64Array polygons back to lists, so the fast value compares with JSON.parse's. */
function plain(v: unknown): unknown {
  if (v instanceof Float64Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) Object.defineProperty(o, k, { value: plain((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return v;
}

/** Deep equality that tells -0 from 0 and checks key order. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The fast parser answers as JSON.parse does, or not at all; `mustAnswer`: it has to answer. */
function agrees(bytes: Uint8Array, mustAnswer = false): void {
  const ref = reference(bytes);
  const fast = parseAnnotationBytes(bytes);
  if (ref === 'error' || typeof ref !== 'object' || ref === null || Array.isArray(ref)) {
    expect(fast).toBeUndefined();
    return;
  }
  if (mustAnswer) expect(fast).toBeDefined();
  if (fast === undefined) return;
  if (!same(plain(fast), ref)) throw new Error(`differs from JSON.parse on ${new TextDecoder().decode(bytes)}`);
}

// Number tokens in every JSON form, and some that are not JSON.
const NUMBER_TOKENS = [
  '0', '-0', '0.0', '-0.0', '1', '-1', '12.5', '0.1', '0.30000000000000004', '123456789012345', '1234567890123456',
  '12345678901234567890', '9007199254740993', '1e400', '-1e400', '1e-400', '4.9e-324', '2.2250738585072014e-308',
  '1.7976931348623157e308', '1E2', '1e+2', '1e-2', '0e0', '-0e-0', '0.000000000000000000000001', '1.0000000000000002',
  '123.456e-3', '640.00', '0.5e1', '99999999999999999999999e-23',
  // not JSON
  '01', '-01', '1.', '.5', '+1', '1e', '1e+', '--1', '-', '0x10', 'NaN', 'Infinity', '1.5.5', '١',
];

const numberToken = fc.oneof(
  fc.constantFrom(...NUMBER_TOKENS),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 20 })).map(([d, k]) => d.toFixed(k)),
  fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 20 })).map(([d, k]) => d.toExponential(k)),
  fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 21 })).map(([d, k]) => d.toPrecision(k)),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
);
const space = fc.constantFrom('', ' ', '\n', '\t', '\r\n  ', '\u000b', '\u00a0');

describe('parseAnnotationBytes', () => {
  it('parses an LVIS annotation, its polygons as Float64Arrays', () => {
    const text = '{"area": 1234.5, "id": 7, "segmentation": [[10.5, 20.25, 30, 40, 50.125, 60], [1, 2, 3, 4, 5, 6.5]], "image_id": 3, "bbox": [10.5, 20.25, 39.63, 39.75], "category_id": 12}';
    const a = parseAnnotationBytes(encodeUtf8(text))!;
    expect(a).toBeDefined();
    const seg = a.segmentation as Float64Array[];
    expect(seg.every((p) => p instanceof Float64Array)).toBe(true);
    expect(plain(a)).toEqual(JSON.parse(text));
    // The other fields are what JSON.parse makes: a list stays a list.
    expect(Array.isArray(a.bbox)).toBe(true);
  });

  it('gives every number JSON.parse gives, -0 and 1e400 included, and refuses what JSON.parse refuses', () => {
    fc.assert(fc.property(numberToken, numberToken, space, space, (a, b, s1, s2) => {
      agrees(encodeUtf8(`{"segmentation":${s1}[[${s2}${a}${s1},${b}${s2}]${s1}],${s2}"x":${s1}${b}}`));
      agrees(encodeUtf8(`{"n": [${a}, {"m": ${b}}], "segmentation": [[${b}], [], [${a}]]}`));
    }), { numRuns: 3000 });
    for (const t of NUMBER_TOKENS) agrees(encodeUtf8(`{"segmentation": [[${t}, 1]]}`));
    // Answered, not left to the fallback, for the numbers COCO files have.
    for (const t of ['0', '-0', '12.5', '640.00', '1e400', '12345678901234567890']) agrees(encodeUtf8(`{"segmentation": [[${t}, 1]]}`), true);
  });

  it('agrees with JSON.parse on any JSON object, whatever the whitespace', () => {
    const key = fc.oneof(fc.constantFrom('segmentation', 'id', 'image_id', 'bbox', '__proto__', 'constructor', '0', '10', ''), fc.string(), fc.string({ unit: 'grapheme' }));
    const doc = fc.dictionary(key, fc.oneof(fc.jsonValue(), fc.array(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 8 }), { maxLength: 3 })), { maxKeys: 8 });
    fc.assert(fc.property(doc, fc.integer({ min: 0, max: 3 }), (d, indent) => {
      agrees(encodeUtf8(JSON.stringify(d, null, indent)));
    }), { numRuns: 1500 });
    // Duplicate keys (the last wins, in the first's place), escapes, non-ASCII, deep nesting.
    for (const t of [
      '{"segmentation": [[1, 2]], "id": 1, "segmentation": [[3, 4, 5]]}',
      '{"segmentation": {"size": [2, 3], "counts": "\\\\0\\"1\\u00e9\\ud83d\\ude00"}, "a\\u0062": 1}',
      '{"é": "ü", "segmentation": [[1, 2]], "\u2028": "\ufeff"}',
      `{"deep": ${'['.repeat(40)}${']'.repeat(40)}}`,
      '{"segmentation": [[1, 2], "x"]}', '{"segmentation": [[1, true]]}', '{"segmentation": [1, 2]}', '{"segmentation": [[1, [2]]]}',
      '{"__proto__": {"polluted": 1}}', '{"a": true, "b": false, "c": null, "d": [true, false, null]}',
    ]) agrees(encodeUtf8(t));
  });

  it('answers nothing where JSON.parse refuses (cut, mutated, bad UTF-8, control characters)', () => {
    const base = encodeUtf8('{"area": 12.5, "id": 7, "segmentation": [[10.5, 20.25, 30, -0, 1e2, 60]], "image_id": 3, "name": "ab\\"c", "bbox": [1, 2, 3, 4], "ok": true, "no": null}');
    for (let cut = 0; cut < base.length; cut++) agrees(base.subarray(0, cut));
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(base.length), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 3 }), (edits) => {
      let b = Array.from(base);
      for (const [at, byte, op] of edits) {
        if (op === 'set') b[Math.min(at, b.length - 1)] = byte;
        else if (op === 'insert') b.splice(at, 0, byte);
        else b.splice(at, 1);
      }
      agrees(Uint8Array.from(b));
    }), { numRuns: 4000 });
    for (const t of ['{"a": "\u0001"}', '{"a": 1,}', '{"a" 1}', '{a: 1}', '{"a": tru}', '{"a": nul}', '{"a": falsey}', '{"a": 1} x', '[1]', '"s"', ' {"a": 1} ', '{"a": [1 2]}']) agrees(encodeUtf8(t));
    agrees(Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d)); // bad UTF-8 in a key
    agrees(Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d)); // a BOM before the object
  });
});

describe('streamed COCO reads through the fast parser', () => {
  const head = '{"images": [{"id": 1, "height": 4, "width": 6}], "annotations": [';
  const read = async (annotation: string, budget?: number): Promise<unknown> => {
    const bytes = encodeUtf8(`${head}${annotation}]}`);
    return collectDataset(await readCocoStream(bytesSource(bytes, 'x.json'), 'auto', () => {}, true, budget));
  };
  const errorOf = async (run: () => Promise<unknown>): Promise<RleError> => {
    try {
      await run();
    } catch (e) {
      if (isRleError(e)) return e;
      throw e;
    }
    throw new Error('no error');
  };

  it('reports bad JSON in an annotation as parseJsonBytes does, at its byte offset in the file (kept and windowed reads)', async () => {
    for (const bad of ['{"id": 1, "image_id": 1, "segmentation": [[1, 2, 01, 4, 5, 6]]}', '{"id": 1, "image_id": 1, "segmentation": [[1, 2, 3, 4, 5, 6]], "x": tru}']) {
      const expected = (() => {
        try {
          parseJsonBytes(encodeUtf8(bad), encodeUtf8(head).length, 'COCO JSON');
        } catch (e) {
          return e as RleError;
        }
        throw new Error('parsed');
      })();
      for (const budget of [undefined, 1]) {
        const e = await errorOf(() => read(bad, budget));
        expect([e.code, e.offset]).toEqual([expected.code, expected.offset]);
      }
    }
  });

  it('a coordinate of 1e400 or -1e400 is INVALID_TOKEN at its path, as before', async () => {
    for (const t of ['1e400', '-1e400']) {
      const e = await errorOf(() => read(`{"id": 1, "image_id": 1, "segmentation": [[1, 2, 3, ${t}, 5, 6]]}`));
      expect([e.code, e.path]).toEqual(['INVALID_TOKEN', ['annotations', 0, 'segmentation', 0, 3]]);
    }
  });
});

describe('readCocoJson: the streamed read without masks', () => {
  // Images after the annotations (as LVIS has them), annotations scattered over the images.
  const annotation = fc.record({
    id: fc.integer({ min: 1, max: 1e6 }),
    image_id: fc.integer({ min: 1, max: 3 }),
    category_id: fc.integer({ min: 1, max: 2 }),
    segmentation: fc.oneof(
      fc.array(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 6, maxLength: 12 }), { minLength: 1, maxLength: 2 }),
      fc.constant({ size: [4, 6], counts: '0`0' }),
    ),
    bbox: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 4, maxLength: 4 }),
    note: fc.option(fc.string(), { nil: undefined }),
  }, { requiredKeys: ['id', 'image_id', 'segmentation'] });
  const file = (annotations: unknown[]): string => `{"annotations": ${JSON.stringify(annotations)}, "images": [{"id": 1, "height": 4, "width": 6}, {"id": 2, "height": 5, "width": 3}, {"id": 3, "height": 2, "width": 2, "file_name": "c.png"}], "categories": [{"id": 1, "name": "a"}]}`;

  it('gives each annotation as JSON.parse does (polygons as Float64Arrays), in file order or by image, and the images readCocoStream gives', async () => {
    await fc.assert(fc.asyncProperty(fc.array(annotation, { maxLength: 12 }), fc.boolean(), async (annotations, byImage) => {
      const text = file(annotations);
      const s = await readCocoJson(bytesSource(encodeUtf8(text), 'x.json'), byImage);
      const got: unknown[] = [];
      for await (const a of s.annotations) got.push(plain(a));
      const expected = (JSON.parse(text) as { annotations: { image_id: number }[] }).annotations;
      // By image: a stable sort on the image's place in `images`.
      if (byImage) expected.sort((a, b) => a.image_id - b.image_id);
      expect(got.length).toBe(expected.length);
      got.forEach((g, i) => expect(same(g, expected[i]), JSON.stringify(expected[i])).toBe(true));
      const full = await readCocoStream(bytesSource(encodeUtf8(text), 'x.json'));
      expect(s.images).toEqual(full.images);
      expect(s.categories).toEqual(full.categories);
    }), { numRuns: 200 });
  });

  it('reports bad JSON in an annotation at its byte offset, as readCocoStream does', async () => {
    const text = file([{ id: 1, image_id: 1, segmentation: [[1, 2, 3, 4, 5, 6]] }]).replace('5,6', '5,06');
    const err = async (run: () => Promise<AsyncIterable<unknown>>): Promise<unknown> => {
      try {
        for await (const _ of await run()) { /* read */ }
      } catch (e) {
        return isRleError(e) ? [e.code, e.offset] : e;
      }
      return 'no error';
    };
    const source = bytesSource(encodeUtf8(text), 'x.json');
    const expected = await err(async () => (await readCocoStream(source)).annotations);
    expect(expected).not.toBe('no error');
    expect(await err(async () => (await readCocoJson(source)).annotations)).toEqual(expected);
  });
});

describe('copyU32 / copyF64 (views of shared blocks)', () => {
  it('copy exactly, never share elements, and start on 8-byte boundaries, across many blocks', () => {
    const u: Uint32Array[] = [], f: Float64Array[] = [];
    for (let k = 0; k < 3000; k++) {
      const n = k % 1500; // some past the carving limit: their own buffer
      const src = Uint32Array.from({ length: n + 3 }, (_, i) => (k * 7919 + i) >>> 0);
      u.push(copyU32(src, n));
      const fs = Float64Array.from({ length: n + 1 }, (_, i) => (i % 2 ? -0 : k + i / 3));
      f.push(copyF64(fs, n));
    }
    u.forEach((a, k) => a.fill(k)); // writing one never touches another
    const wrong: number[] = [];
    for (let k = 0; k < 3000; k++) {
      const n = k % 1500;
      let ok = u[k]!.length === n && u[k]!.byteOffset % 8 === 0 && f[k]!.length === n;
      for (let i = 0; i < n && ok; i++) ok = Object.is(f[k]![i], i % 2 ? -0 : k + i / 3);
      if (!ok) wrong.push(k);
    }
    expect(wrong).toEqual([]);
    expect(u.every((a, k) => a.every((x) => x === k))).toBe(true);
  });
});

describe('parseAnnotationBytes polygons (views of shared blocks)', () => {
  it('keeps every list intact across blocks: lists cut by a block\'s end, lists longer than a block, empty and one-number lists', () => {
    // Lengths that fill blocks unevenly: many short lists, some past the carving limit (512), some past a block (8192).
    const lengths: number[] = [];
    for (let k = 0; k < 400; k++) lengths.push(k % 37 === 0 ? 9000 + k : k % 11 === 0 ? 600 + k : k % 13 === 0 ? 0 : 1 + ((k * 7919) % 300));
    const got: Float64Array[][] = [];
    const want: number[][][] = [];
    for (let k = 0; k < lengths.length; k += 2) {
      const polys = [lengths[k]!, lengths[k + 1]!].map((n, j) => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -0 : (k * 1000 + j * 100 + i) / 4)));
      const text = `[${polys.map((p) => `[${p.map((v) => (Object.is(v, -0) ? '-0' : String(v))).join(', ')}]`).join(', ')}]`;
      const a = parseAnnotationBytes(encodeUtf8(`{"id": ${k}, "segmentation": ${text}}`));
      expect(a).toBeDefined();
      got.push(a!.segmentation as Float64Array[]);
      want.push(JSON.parse(text) as number[][]);
    }
    // Checked after all are parsed: a later list never overwrote an earlier one's values.
    got.forEach((polys, k) => polys.forEach((p, j) => {
      expect(p).toBeInstanceOf(Float64Array);
      expect(same(Array.from(p), want[k]![j])).toBe(true);
    }));
  });

  it('a list left unfinished (bad JSON, a non-number) leaves no trace in the next one', () => {
    for (const bad of ['[[1, 2, 3, x]]', '[[1, 2, 3, 01]]', '[[1, 2, 3', '[[1, 2, "a"]]']) {
      parseAnnotationBytes(encodeUtf8(`{"segmentation": ${bad}}`));
      const a = parseAnnotationBytes(encodeUtf8('{"segmentation": [[7, 8], [9]]}'))!;
      expect((a.segmentation as Float64Array[]).map((p) => Array.from(p))).toEqual([[7, 8], [9]]);
    }
  });
});

describe('parseAnnotationBytes, then parseJsonBytes for what it leaves: the value or the error of parseJsonBytes alone', () => {
  const outcome = (run: () => unknown): unknown => {
    try {
      return plain(run());
    } catch (e) {
      if (!isRleError(e)) throw e;
      return [e.code, e.offset];
    }
  };
  // Tokens where the fast path's rules are: signs, zeros, exponents, 16+ digits, -0, 1e400, cut numbers.
  const token = fc.oneof(fc.constantFrom(...NUMBER_TOKENS, '00', '0.', '-', '-0.0e-0', '1e400', '4.9e-325', '0.00', '7.'), numberToken);
  const text = fc.tuple(fc.array(token, { maxLength: 6 }), token, space, fc.constantFrom('', '"\\u00e9\\n"', '"é\\ud83d\\ude00"', '"\\x"', '"\u0001"'), fc.nat(500))
    .map(([list, one, s, str, offset]) => [`{"segmentation": [[${list.join(`,${s}`)}]${s}],${s}"area": ${one}, "n": ${str || '1'}, "bbox": [${list.slice(0, 4).join(', ')}]}`, offset] as const);

  it('for any number tokens, whitespace and escaped strings', () => {
    fc.assert(fc.property(text, ([t, offset]) => {
      const bytes = encodeUtf8(t);
      const fast = outcome(() => parseAnnotationBytes(bytes) ?? parseJsonBytes(bytes, offset, 'COCO JSON'));
      const slow = outcome(() => parseJsonBytes(bytes, offset, 'COCO JSON'));
      expect(same(fast, slow)).toBe(true);
    }), { numRuns: 3000 });
  });
});
