import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, RleError, checkJsonDepth } from '../src/index.js';
import { formatRlekitJson, parseRlekitJson } from '../src/rlekit-json/index.js';

function errorOf(text: string): RleError {
  try {
    parseRlekitJson(text);
  } catch (e) {
    return e as RleError;
  }
  throw new Error('no error');
}

describe('rlekit-json bad JSON', () => {
  it('says where the JSON breaks: the end for truncated text, the position otherwise', () => {
    const cut = '{"height": 3, "width": 4, "order": "row", "runs": [1, 2';
    const a = errorOf(cut);
    expect(a).toBeInstanceOf(RleError);
    expect(a.code).toBe('INVALID_STRUCTURE');
    expect(a.offset).toBe(cut.length);
    const b = errorOf('{"height": 3,, "width": 4}');
    expect(b.code).toBe('INVALID_STRUCTURE');
    expect(b.offset).toBe(13);
  });
});

describe('JSON nesting depth', () => {
  const deep = (n: number, inner = '1'): string => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;

  it('refuses a file nested deeper than MAX_JSON_DEPTH with LIMIT_EXCEEDED and the path, before parsing', () => {
    const text = `{"format":"rlekit-json","version":1,"images":[{"id":1,"height":1,"width":2,"attributes":{"x":${deep(100_000)}}}],"categories":[],"annotations":[]}`;
    const e = errorOf(text);
    expect(e).toBeInstanceOf(RleError);
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(e.path.slice(0, 8)).toEqual(['images', 0, 'attributes', 'x', 0, 0, 0, 0]);
    expect(e.offset).toBe(text.indexOf('[[') + MAX_JSON_DEPTH - 4);
    expect(e.message.length).toBeLessThan(400);
  });

  it('accepts nesting up to the limit, and brackets inside strings (escaped quotes too) do not count', () => {
    expect(() => checkJsonDepth(deep(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => checkJsonDepth(deep(MAX_JSON_DEPTH + 1))).toThrow(RleError);
    expect(() => checkJsonDepth(`["${'['.repeat(1000)}", "\\"${'{'.repeat(1000)}\\\\"]`)).not.toThrow();
    expect(() => checkJsonDepth(`{"a\\\\": ${deep(10)}}`, 10)).toThrow(RleError);
    expect(() => checkJsonDepth(`{"a\\\\": ${deep(9)}}`, 10)).not.toThrow();
  });

  it('names the path through objects and arrays', () => {
    try {
      checkJsonDepth('{"a": [1, {"b": 2}, {"c\\"d": [[[[0]]]]}]}', 5);
      expect.unreachable();
    } catch (e) {
      expect((e as RleError).path).toEqual(['a', 2, 'c"d', 0, 0]);
    }
  });

  it('the writer refuses attributes it cannot write (too deep, circular) with an RleError, not a RangeError', () => {
    let deepValue: unknown = 1;
    for (let i = 0; i < 100_000; i++) deepValue = [deepValue];
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const [value, code] of [[deepValue, 'LIMIT_EXCEEDED'], [circular, 'INVALID_STRUCTURE'], [10n, 'INVALID_STRUCTURE']] as const) {
      const dataset = { images: [{ id: 1, height: 1, width: 2, attributes: { x: value } }], categories: [], annotations: [] };
      expect(() => formatRlekitJson(dataset)).toThrow(expect.objectContaining({ code, path: ['images', 0] }));
    }
  });
});

describe('rlekit-json maskOrder', () => {
  it("is the order option (row by default), undefined for an order write refuses", async () => {
    const { dialect } = await import('../src/rlekit-json/index.js');
    expect(dialect.maskOrder!({})).toBe('row');
    expect(dialect.maskOrder!(undefined)).toBe('row');
    expect(dialect.maskOrder!({ order: 'col' })).toBe('col');
    expect(dialect.maskOrder!({ order: 'diagonal' as 'row' })).toBeUndefined();
  });
});

describe('rlekit-json streamed writer', () => {
  it('writeStream gives the bytes of write, for lists and async streams, empty or not, any indent', async () => {
    const { dialect } = await import('../src/rlekit-json/index.js');
    const { Mask } = await import('../src/index.js');
    const fc = (await import('fast-check')).default;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 7 }), fc.nat()), { maxLength: 6 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom('row', 'col'), async (shapes, indent, order) => {
        const images = shapes.map(([h, w], i) => ({ id: i + 1, height: h, width: w }));
        const annotations = shapes.map(([h, w, k], i) => {
          const first = k % (h * w);
          return { id: 10 + i, imageId: i + 1, categoryId: 1, mask: Mask.fromRuns([first, h * w - first], { height: h, width: w }, 'col'), ...(k % 2 ? { score: 0.5 } : {}) };
        });
        const dataset = { images, categories: [{ id: 1, name: 'a' }], annotations };
        const whole = await dialect.write(dataset, { indent, order });
        for (const input of [dataset, { ...dataset, annotations: (async function* () { yield* annotations; })() }]) {
          const parts: Uint8Array[] = [];
          for await (const c of dialect.writeStream!(input, { indent, order })) parts.push(c);
          expect(Buffer.concat(parts).equals(Buffer.from(whole))).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});
