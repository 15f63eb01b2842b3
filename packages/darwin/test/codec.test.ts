import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LabelMap, Mask, type RleWarning } from '@rlekit/core';
import { decode, decodeLayer, encode, type RasterLayer } from '../src/index.js';
import { expectCode } from '../../core/test/support.js';

interface Vector {
  name: string;
  height: number;
  width: number;
  rows?: string[];
  runs?: number[];
  label_rows?: string[];
  mask_id?: string;
  encoded: RasterLayer;
}

const vectors: Vector[] = JSON.parse(readFileSync(fileURLToPath(new URL('../../../conformance/vectors/darwin/vectors.json', import.meta.url)), 'utf8'));

function vectorMask(v: Vector): Mask {
  const size = { height: v.height, width: v.width };
  if (v.rows) return Mask.fromBitmap(Uint8Array.from(v.rows.join(''), (c) => (c === '1' ? 1 : 0)), size, 'row');
  return Mask.fromRuns(v.runs!, size, 'row');
}

/** The binary mask of each value of a multi case's digit rows, in value order. */
function labelMasks(v: Vector): Map<number, Mask> {
  const size = { height: v.height, width: v.width };
  return LabelMap.fromArray(Uint8Array.from(v.label_rows!.join(''), Number), size).masks();
}

/** Naive reference: the dense_rle of a row-major label array. */
function naiveDense(labels: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (out.length > 0 && out[out.length - 2] === labels[i]) out[out.length - 1]!++;
    else out.push(labels[i]!, 1);
  }
  return out;
}

const binary = vectors.filter((v) => !v.name.startsWith('multi_'));
const multi = vectors.filter((v) => v.name.startsWith('multi_'));

describe('darwin raster layer vectors', () => {
  it('has the cases the README lists', () => {
    expect(binary.length).toBe(24);
    expect(multi.length).toBe(2);
  });

  it.each(binary.map((v) => [v.name, v] as const))('%s: encode is exact', (_n, v) => {
    expect(encode([[v.mask_id!, vectorMask(v)]], { height: v.height, width: v.width })).toEqual(v.encoded);
  });

  it.each(binary.map((v) => [v.name, v] as const))('%s: decode is exact', (_n, v) => {
    const size = { height: v.height, width: v.width };
    expect(decode(v.encoded, size, v.mask_id!).equals(vectorMask(v))).toBe(true);
    expect([...decodeLayer(v.encoded, size)]).toEqual([[v.mask_id!, decode(v.encoded, size, v.mask_id!)]]);
  });

  it.each(multi.map((v) => [v.name, v] as const))('%s: every id decodes, and encoding the masks gives the layer', (_n, v) => {
    const size = { height: v.height, width: v.width };
    const byValue = labelMasks(v);
    const mapping = v.encoded.mask_annotation_ids_mapping;
    const layer = decodeLayer(v.encoded, size);
    expect([...layer.keys()]).toEqual(Object.keys(mapping));
    for (const [id, k] of Object.entries(mapping)) {
      expect(layer.get(id)!.equals(byValue.get(k)!)).toBe(true);
      expect(decode(v.encoded, size, id).equals(byValue.get(k)!)).toBe(true);
    }
    const entries = Object.entries(mapping).sort((a, b) => a[1] - b[1]).map(([id, k]) => [id, byValue.get(k)!] as const);
    expect(encode(entries, size)).toEqual(v.encoded);
  });
});

describe('darwin encode', () => {
  it('writes an empty slot as one background pair, and no masks as the same', () => {
    const size = { height: 2, width: 3 };
    expect(encode([], size)).toEqual({ dense_rle: [0, 6], mask_annotation_ids_mapping: {}, total_pixels: 6 });
    expect(encode([['a', Mask.empty(size)]], size)).toEqual({ dense_rle: [0, 6], mask_annotation_ids_mapping: { a: 1 }, total_pixels: 6 });
    expect(encode([['a', Mask.empty({ height: 0, width: 4 })]], { height: 0, width: 4 })).toEqual({ dense_rle: [], mask_annotation_ids_mapping: { a: 1 }, total_pixels: 0 });
  });

  it('resolves overlaps with the policy and reports the loss', () => {
    const size = { height: 2, width: 5 };
    const a = Mask.fromBitmap([1, 1, 1, 0, 0, 0, 0, 0, 0, 0], size);
    const b = Mask.fromBitmap([0, 1, 1, 1, 0, 0, 0, 0, 0, 1], size);
    const warnings: RleWarning[] = [];
    expect(encode([['a', a], ['b', b]], size, { warn: (w) => warnings.push(w) }).dense_rle).toEqual([1, 1, 2, 3, 0, 5, 2, 1]);
    expect(warnings.map((w) => w.code).sort()).toEqual(['not-carried', 'overlap-resolved']);
    expect(warnings.find((w) => w.code === 'overlap-resolved')!.count).toBe(2);
    expect(encode([['a', a], ['b', b]], size, { overlap: 'first' }).dense_rle).toEqual([1, 3, 2, 1, 0, 5, 2, 1]);
    expect(encode([['a', a], ['b', b]], size, { overlap: ['a'] }).dense_rle).toEqual([1, 3, 2, 1, 0, 5, 2, 1]);
    expectCode(() => encode([['a', a], ['b', b]], size, { overlap: 'error' }), 'OVERLAP');
  });

  it('refuses masks of another size and repeated ids', () => {
    const size = { height: 2, width: 3 };
    expectCode(() => encode([['a', Mask.empty({ height: 3, width: 2 })]], size), 'SIZE_MISMATCH');
    expectCode(() => encode([['a', Mask.empty(size)], ['a', Mask.empty(size)]], size), 'INVALID_OPTION');
  });

  it('round-trips several non-overlapping masks through decodeLayer (property)', () => {
    fc.assert(fc.property(
      fc.record({ height: fc.integer({ min: 1, max: 12 }), width: fc.integer({ min: 1, max: 12 }), n: fc.integer({ min: 1, max: 5 }) })
        .filter(({ height, width }) => height !== width)
        .chain(({ height, width, n }) => fc.array(fc.integer({ min: 0, max: n }), { minLength: height * width, maxLength: height * width }).map((labels) => ({ height, width, n, labels }))),
      ({ height, width, n, labels }) => {
        const size = { height, width };
        const masks = Array.from({ length: n }, (_, i) => Mask.fromBitmap(labels.map((l) => (l === i + 1 ? 1 : 0)), size));
        const layer = encode(masks.map((m, i) => [`id${i}`, m] as const), size);
        expect(layer.dense_rle).toEqual(naiveDense(labels));
        const back = decodeLayer(layer, size);
        masks.forEach((m, i) => expect(back.get(`id${i}`)!.equals(m)).toBe(true));
      },
    ));
  });

  it('gives the painted layer for overlapping masks (property, last wins)', () => {
    fc.assert(fc.property(
      fc.record({ height: fc.integer({ min: 1, max: 9 }), width: fc.integer({ min: 1, max: 9 }) }).filter(({ height, width }) => height !== width)
        .chain(({ height, width }) => fc.array(fc.array(fc.boolean(), { minLength: height * width, maxLength: height * width }), { minLength: 2, maxLength: 4 }).map((bits) => ({ height, width, bits }))),
      ({ height, width, bits }) => {
        const size = { height, width };
        const labels = new Array<number>(height * width).fill(0);
        bits.forEach((b, i) => b.forEach((on, p) => { if (on) labels[p] = i + 1; }));
        const layer = encode(bits.map((b, i) => [`m${i}`, Mask.fromBitmap(b.map(Number), size)] as const), size);
        expect(layer.dense_rle).toEqual(naiveDense(labels));
      },
    ));
  });
});

describe('darwin decode errors', () => {
  const size = { height: 2, width: 3 };
  const ok = (): RasterLayer => ({ dense_rle: [0, 2, 1, 3, 0, 1], mask_annotation_ids_mapping: { a: 1 }, total_pixels: 6 });

  it('decodes the good layer', () => {
    expect(decode(ok(), size, 'a').toBitmap()).toEqual(Uint8Array.of(0, 0, 1, 1, 1, 0));
  });

  it('tolerates zero counts and repeated values', () => {
    const layer = { ...ok(), dense_rle: [0, 1, 0, 1, 1, 0, 1, 3, 0, 1] };
    expect(decode(layer, size, 'a').toBitmap()).toEqual(Uint8Array.of(0, 0, 1, 1, 1, 0));
    expect(decodeLayer(layer, size).get('a')!.toBitmap()).toEqual(Uint8Array.of(0, 0, 1, 1, 1, 0));
  });

  it('refuses an odd-length dense_rle', () => {
    expectCode(() => decode({ ...ok(), dense_rle: [0, 2, 1, 3, 0] }, size, 'a'), 'TRUNCATED');
    expectCode(() => decodeLayer({ ...ok(), dense_rle: [0, 2, 1, 3, 0] }, size), 'TRUNCATED');
  });

  it('refuses counts that do not sum to total_pixels', () => {
    for (const f of [decode, decodeLayer] as const) {
      expectCode(() => f({ ...ok(), dense_rle: [0, 2, 1, 3] }, size, 'a'), 'RUNS_SUM_MISMATCH');
      expectCode(() => f({ ...ok(), dense_rle: [0, 2, 1, 3, 0, 2] }, size, 'a'), 'RUNS_SUM_MISMATCH');
      // A huge count is caught at its pair, before anything is built for it.
      expectCode(() => f({ ...ok(), dense_rle: [1, 2 ** 52, 0, 1] }, size, 'a'), 'RUNS_SUM_MISMATCH');
    }
  });

  it('refuses total_pixels other than height * width', () => {
    expectCode(() => decode({ ...ok(), total_pixels: 7, dense_rle: [0, 7] }, size, 'a'), 'SIZE_MISMATCH');
    expectCode(() => decodeLayer(ok(), { height: 3, width: 2 + 1 }), 'SIZE_MISMATCH');
  });

  it('refuses values missing from the mapping', () => {
    expectCode(() => decode({ ...ok(), dense_rle: [0, 2, 2, 3, 0, 1] }, size, 'a'), 'DANGLING_REFERENCE');
    expectCode(() => decodeLayer({ ...ok(), dense_rle: [0, 2, 2, 3, 0, 1] }, size), 'DANGLING_REFERENCE');
    expectCode(() => decodeLayer({ ...ok(), dense_rle: [0, 2, 2, 0, 0, 4] }, size), 'DANGLING_REFERENCE');
    expectCode(() => decode(ok(), size, 'b'), 'DANGLING_REFERENCE');
  });

  it('refuses bad values, counts and mappings', () => {
    expectCode(() => decode({ ...ok(), dense_rle: [0, 2, -1, 3, 0, 1] }, size, 'a'), 'INVALID_TOKEN');
    expectCode(() => decode({ ...ok(), dense_rle: [0, 2, 1, 1.5, 0, 1.5] }, size, 'a'), 'INVALID_RUNS');
    expectCode(() => decode({ ...ok(), dense_rle: [0, '2', 1, 3, 0, 1] as unknown as number[] }, size, 'a'), 'INVALID_RUNS');
    expectCode(() => decode({ ...ok(), mask_annotation_ids_mapping: { a: 0 } }, size, 'a'), 'INVALID_TOKEN');
    expectCode(() => decode({ ...ok(), dense_rle: null as unknown as number[] }, size, 'a'), 'INVALID_STRUCTURE');
    expectCode(() => decode(null as unknown as RasterLayer, size, 'a'), 'INVALID_STRUCTURE');
    expectCode(() => decode(ok(), { height: 2, width: 3 }, 'a', { maxPixels: 5 }), 'LIMIT_EXCEEDED');
  });
});

describe('README example', () => {
  it('gives what the README says', () => {
    const size = { height: 2, width: 3 };
    const car = Mask.fromBitmap([1, 1, 0, 0, 0, 0], size);
    const road = Mask.fromBitmap([0, 0, 0, 1, 1, 1], size);
    const layer = encode([['car-id', car], ['road-id', road]], size);
    expect(layer).toEqual({ dense_rle: [1, 2, 0, 1, 2, 3], mask_annotation_ids_mapping: { 'car-id': 1, 'road-id': 2 }, total_pixels: 6 });
    expect(decode(layer, size, 'road-id').equals(road)).toBe(true);
    expect([...decodeLayer(layer, size).keys()]).toEqual(['car-id', 'road-id']);
  });

  it('gives the docs page\'s worked example', () => {
    const size = { height: 3, width: 4 };
    const a1 = Mask.fromBitmap([1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], size);
    const b2 = Mask.fromBitmap([0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1], size);
    expect(encode([['a1', a1], ['b2', b2]], size).dense_rle).toEqual([1, 2, 0, 3, 1, 1, 2, 2, 0, 2, 2, 2]);
    expect([...a1.runs('row')]).toEqual([0, 2, 3, 1, 6]);
    expect([...b2.runs('row')]).toEqual([6, 2, 2, 2]);
  });
});
