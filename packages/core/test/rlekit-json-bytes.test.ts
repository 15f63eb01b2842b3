/**
 * The rlekit-json writer streams each annotation's line as bytes (writeAnnotationLine); the
 * in-memory writer builds it from JSON.stringify (annotationLine). Both must give the same text
 * for any annotation, ids, scores and attributes of any content, runs of any length, both orders.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { annotationLine, dialect, formatRlekitJson, writeAnnotationLine } from '../src/rlekit-json/index.js';
import { Mask, TextOut, type Annotation } from '../src/index.js';

const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 8 }).map((u) => String.fromCharCode(...u)),
  fc.constantFrom('', 'a"b', 'c\\d', '\n', '\u0000', '\ud800', 'é', '😀'),
);
const anyNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, NaN, Infinity, 2 ** 32, 2 ** 53 + 2, 1e21, 0.1));
const anyValue = fc.oneof(anyString, anyNumber, fc.boolean(), fc.constant(null), fc.constant(undefined));
const attributes = fc.dictionary(fc.oneof(anyString, fc.constantFrom('0', '12', '__proto__', 'height', 'runs')), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined)), { maxKeys: 5 });

// Non-square masks; runs long enough for every digit count up to 10 (the image is 2^32-1 pixels at most).
const maskArb = fc.oneof(
  fc.record({ height: fc.integer({ min: 1, max: 7 }), width: fc.integer({ min: 8, max: 12 }), bits: fc.array(fc.boolean(), { minLength: 84, maxLength: 84 }), kind: fc.constantFrom('random', 'empty', 'full', 'ends') })
    .map(({ height, width, bits, kind }) => Mask.fromBitmap(Array.from({ length: height * width }, (_, i) => (kind === 'empty' ? 0 : kind === 'full' ? 1 : kind === 'ends' ? +(i === 0 || i === height * width - 1) : +bits[i]!)), { height, width })),
  fc.tuple(fc.array(fc.integer({ min: 1, max: 99999 }), { maxLength: 9 }), fc.array(fc.integer({ min: 100000, max: 0x3fffffff }), { minLength: 1, maxLength: 3 })).map(([small, big]) => {
    const runs = [...small.slice(0, 3), ...big, ...small.slice(3)];
    const height = 65521, total = runs.reduce((a, b) => a + b, 0);
    const width = Math.ceil(total / height) + 1;
    return Mask.fromRuns([...runs, height * width - total], { height, width }, 'col');
  }),
);

const annotationArb = fc.record({
  id: fc.oneof(anyString, anyNumber), imageId: fc.oneof(anyString, anyNumber), categoryId: fc.option(fc.oneof(anyString, anyNumber), { nil: undefined }),
  iscrowd: fc.option(anyValue, { nil: undefined }), score: fc.option(anyNumber, { nil: undefined }), attributes: fc.option(attributes, { nil: undefined }), mask: maskArb,
}).map((r) => {
  const a = { id: r.id, imageId: r.imageId, mask: r.mask } as Annotation;
  for (const k of ['categoryId', 'iscrowd', 'score', 'attributes'] as const) if (r[k] !== undefined) (a as unknown as Record<string, unknown>)[k] = r[k];
  return a;
});

describe('rlekit-json: annotation lines as bytes', () => {
  it('are the text of the JSON.stringify line, in both orders', () => {
    fc.assert(fc.property(annotationArb, fc.constantFrom('row', 'col'), (a, wanted) => {
      // Row runs of the masks of 10-digit runs would be a transposition of hundreds of thousands of runs each.
      const order = a.mask.pixels > 1e6 ? 'col' : wanted;
      const out = new TextOut(4);
      writeAnnotationLine(out, a, order, ['annotations', 0]);
      expect(new TextDecoder().decode(out.take())).toBe(annotationLine(a, order, ['annotations', 0]));
    }), { numRuns: 1500 });
  });

  it('make the streamed file the in-memory writer\'s file', async () => {
    const size = { height: 3, width: 5 };
    const dataset = {
      images: [{ id: 1, ...size }], categories: [{ id: 'c', name: 'é' }],
      annotations: [
        { id: 1, imageId: 1, categoryId: 'c', mask: Mask.fromBitmap([1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1], size), score: -0, attributes: { note: '\ud800"' } },
        { id: 'x', imageId: 1, mask: Mask.empty(size), iscrowd: true },
      ],
    };
    for (const options of [{}, { order: 'col' as const, indent: 0 }, { indent: 4 }]) {
      const chunks: Uint8Array[] = [];
      for await (const c of dialect.writeStream!(dataset, options)) chunks.push(c);
      expect(Buffer.concat(chunks).toString('utf8')).toBe(formatRlekitJson(dataset, options));
    }
  });
});
