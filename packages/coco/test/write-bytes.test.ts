/**
 * The COCO writer writes each annotation's JSON as bytes (writeAnnotation) instead of building an
 * object and stringifying it (annotationJson). Both must give the same text for any annotation,
 * whatever its ids, score and attributes hold (unicode, lone surrogates, controls, -0, NaN, large
 * numbers, nested values, keys JSON.stringify reorders or an object hides), in every layout.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mask, TextOut, type Annotation } from '@rlekit/core';
import { datasetFromJson } from '../src/read.js';
import { writeOptionsSchema, type CocoWriteOptions } from '../src/options.js';
import { annotationJson, writeAnnotation } from '../src/write.js';
import { formatCocoJson } from '../src/index.js';

const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 8 }).map((u) => String.fromCharCode(...u)),
  fc.constantFrom('', 'a"b', 'c\\d', '\n', '\u0000', '\ud800', 'é', '😀'),
);
const anyNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, NaN, Infinity, 2 ** 32, 2 ** 53 + 2, 1e21, 0.1));
const anyId = fc.oneof(fc.nat(), anyString, anyNumber);
// Keys the writer must treat as JSON.stringify does: known field names, index-like keys (written
// first by JSON.stringify), inherited names (`k in {}`), the shard key.
const anyKey = fc.oneof(anyString, fc.constantFrom('id', 'image_id', 'category_id', 'segmentation', 'area', 'bbox', 'iscrowd', 'score', 'source_id', '_rlekit_shard_id', '0', '7', '01', '4294967295', '4294967294', '__proto__', 'constructor', 'toString', 'extra'));
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), anyString, anyNumber, fc.constant(undefined), fc.constant(() => 1), fc.dictionary(anyString, anyNumber, { maxKeys: 3 }));
const attributesArb = fc.option(fc.array(fc.tuple(anyKey, anyValue), { maxLength: 6 }).map((entries) => {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}), { nil: undefined });

// Non-square masks with foreground at the first and last pixel sometimes, empty and full ones.
const bitmapMask = fc.record({ height: fc.integer({ min: 1, max: 9 }), width: fc.integer({ min: 1, max: 9 }), seed: fc.array(fc.boolean(), { minLength: 81, maxLength: 81 }), kind: fc.constantFrom('random', 'empty', 'full', 'ends') })
  .filter(({ height, width }) => height !== width)
  .map(({ height, width, seed, kind }) => {
    const bits = Array.from({ length: height * width }, (_, i) => (kind === 'empty' ? 0 : kind === 'full' ? 1 : kind === 'ends' ? (i === 0 || i === height * width - 1 ? 1 : 0) : seed[i]! ? 1 : 0));
    return Mask.fromBitmap(bits, { height, width });
  });
// Larger masks of long runs: their count strings hold backslashes (76 codes as a backslash, then "2"), which JSON escapes.
const runsMask = fc.record({ height: fc.integer({ min: 10, max: 60 }), width: fc.integer({ min: 61, max: 90 }), runs: fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 30 }) })
  .map(({ height, width, runs }) => {
    const total = height * width, kept: number[] = [];
    let sum = 0;
    for (const r of runs) if (sum + r <= total) (kept.push(r), (sum += r));
    kept.push(total - sum);
    return Mask.fromRuns(kept, { height, width }, 'col');
  });
// Masks read from polygons (written back as those polygons with polygons: keep).
const polygonMask = fc.array(fc.double({ min: 0, max: 9, noNaN: true }), { minLength: 6, maxLength: 12 }).map((xy) => {
  const d = datasetFromJson({ images: [{ id: 1, height: 7, width: 10 }], annotations: [{ id: 1, image_id: 1, segmentation: [xy.map((v) => Math.round(v * 100) / 100)] }] });
  return d.annotations[0]!.mask;
});

const annotationArb = fc.record({
  id: anyId, imageId: anyId, categoryId: fc.option(anyId, { nil: undefined }), score: fc.option(anyNumber, { nil: undefined }),
  iscrowd: fc.option(fc.boolean(), { nil: undefined }), attributes: attributesArb, mask: fc.oneof(bitmapMask, runsMask, polygonMask),
}).map((r) => {
  const a: Annotation = { id: r.id, imageId: r.imageId, mask: r.mask };
  if (r.categoryId !== undefined) a.categoryId = r.categoryId;
  if (r.score !== undefined) a.score = r.score;
  if (r.iscrowd !== undefined) a.iscrowd = r.iscrowd;
  if (r.attributes !== undefined) a.attributes = r.attributes;
  return a;
});
const optionsArb = fc.record({
  format: fc.constantFrom('instances', 'results', 'sa1b'), rle: fc.constantFrom('compressed', 'uncompressed'), iscrowd: fc.constantFrom('preserve', '0', '1'),
  polygons: fc.constantFrom('keep', 'rle'), segmentation: fc.constantFrom('rle', 'polygons', 'auto'),
}).map((o) => writeOptionsSchema.parse(o) as CocoWriteOptions);

describe('COCO writer: annotation bytes', () => {
  it('writes the text JSON.stringify gives for the annotation object, for any annotation and options', () => {
    fc.assert(fc.property(annotationArb, optionsArb, fc.option(anyId, { nil: undefined }), fc.boolean(), (a, o, renumbered, shardPart) => {
      const id = renumbered ?? a.id;
      const loss1 = { annotations: 0, pixels: 0, worstIou: 1 }, loss2 = { annotations: 0, pixels: 0, worstIou: 1 };
      const expected = annotationJson(a, o, ['annotations', 0], loss1, id, shardPart);
      const out = new TextOut(8);
      writeAnnotation(out, a, o, ['annotations', 0], loss2, id, shardPart);
      expect(new TextDecoder().decode(out.take())).toBe(expected);
      expect(loss2).toEqual(loss1);
    }), { numRuns: 3000 });
  });

  it('gives the same file as before for a dataset with attributes and unicode (JSON.parse reads it back)', async () => {
    const mask = Mask.fromBitmap([1, 0, 0, 1, 1, 0], { height: 2, width: 3 });
    const text = await formatCocoJson({
      images: [{ id: 1, height: 2, width: 3 }], categories: [{ id: 5, name: 'c' }],
      annotations: [{ id: 'x', imageId: 1, categoryId: 5, mask, score: -0, attributes: { note: 'é\ud800"', 3: [1, { a: null }] } }, { id: 'x', imageId: 1, mask }],
    });
    const anns = JSON.parse(text).annotations;
    expect(anns[0]).toEqual({ 3: [1, { a: null }], id: 1, image_id: 1, category_id: 5, segmentation: { size: [2, 3], counts: '021O1' }, area: 3, bbox: [0, 0, 2, 2], iscrowd: 0, score: 0, note: 'é\ud800"', source_id: 'x' });
    expect(anns[1].source_id).toBe('x');
    expect(anns[1].id).toBe(2);
  });
});
