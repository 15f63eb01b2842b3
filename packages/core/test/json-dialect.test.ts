import { describe, expect, it } from 'vitest';
import { RleError } from '../src/index.js';
import { parseRlekitJson } from '../src/json-dialect.js';

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

describe('rlekit-json streamed writer', () => {
  it('writeStream gives the bytes of write, for lists and async streams, empty or not, any indent', async () => {
    const { dialect } = await import('../src/json-dialect.js');
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
