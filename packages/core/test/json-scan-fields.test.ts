import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeUtf8, JsonScanner, objectFields } from '../src/index.js';

const NAMES = ['image_id', 'category_id'] as const;

/** Each element's `fields` as the scanner found them while cutting, and objectFields' answer for its bytes. */
function scan(bytes: Uint8Array, chunk: number): { found: (unknown[] | undefined)[]; reference: (unknown[] | undefined)[] } {
  const found: (unknown[] | undefined)[] = [], reference: (unknown[] | undefined)[] = [];
  const scanner = new JsonScanner({
    field: (key) => (key === 'annotations' ? 'elements' : 'skip'),
    raw: true,
    fields: NAMES,
    element(_key, _i, v, _offset, _length, fields) {
      found.push(fields);
      reference.push(objectFields(v as Uint8Array, NAMES));
    },
  });
  for (let i = 0; i < bytes.length; i += chunk) scanner.write(bytes.subarray(i, i + chunk));
  scanner.end();
  return { found, reference };
}

describe('JsonScanner fields (objectFields found while cutting)', () => {
  it('answers as objectFields does for every element, whatever the chunking', () => {
    const key = fc.constantFrom('image_id', 'category_id', 'id', 'segmentation', 'image_i', 'image_id ', 'a"b', 'image\\u005fid');
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('x', 'image_id', ':', '"', '\\'));
    const element = fc.oneof(
      fc.dictionary(key, value, { maxKeys: 6 }).map((o) => JSON.stringify(o, null, Math.random() < 0.5 ? 0 : 1)),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      // Keys repeated (the last wins), strings that look like keys, escaped keys.
      fc.constantFrom('{"image_id": 1, "image_id": 2}', '{"x": "image_id": 5}', '{"image_id": "a\\"b", "category_id": [1]}', '{"image\\u005fid": 3}', '{"s": "{\\"image_id\\": 9}", "image_id": 4}', '{"image_id" : -0.5e3 , "category_id":null}', '{"image_id": "category_id": 5}'),
    );
    fc.assert(fc.property(fc.array(element, { maxLength: 6 }), fc.integer({ min: 1, max: 64 }), (elements, chunk) => {
      const text = `{"images": [], "annotations": [${elements.join(', ')}]}`;
      let result;
      try {
        result = scan(encodeUtf8(text), chunk);
      } catch {
        return; // not a document the scanner accepts
      }
      expect(result.found).toEqual(result.reference);
    }), { numRuns: 2000 });
  });

  it('answers an annotation without a second scan, across chunk boundaries', () => {
    const text = '{"annotations": [{"area": 3, "segmentation": [[1, 2, 3, 4, 5, 6]], "image_id": 17, "category_id": "c"}, {"image_id": 2}]}';
    for (const chunk of [1, 7, 1000]) expect(scan(encodeUtf8(text), chunk).found).toEqual([[17, 'c'], [2, undefined]]);
  });
});
