import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { codeOf, naiveCocoCounts, naiveString } from './reference.js';
import { Mask, RleError } from '@rlekit/core';
import {
  area, bboxToMask, compress, countsToString, decode, decompress, encode, encodeUncompressed, fromBboxes, fromPolygons, iou, merge,
  polygonCounts, polygonsToMask, stringToCounts, toBbox,
} from '../src/index.js';

/** A random non-square row-major bitmap. */
const bitmapArb = (maxSide = 20) =>
  fc
    .record({ height: fc.integer({ min: 1, max: maxSide }), width: fc.integer({ min: 1, max: maxSide }), density: fc.constantFrom(0, 0.1, 0.5, 0.9, 1) })
    .filter(({ height, width }) => height !== width)
    .chain(({ height, width, density }) =>
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: height * width, maxLength: height * width })
        .map((r) => ({ height, width, bits: Uint8Array.from(r, (x) => (x < density ? 1 : 0)) })),
    );




describe('encode / decode round trips', () => {
  it('encode matches naive column-major runs and decode gives back the pixels (non-square)', () => {
    fc.assert(
      fc.property(bitmapArb(), ({ height, width, bits }) => {
        const m = Mask.fromBitmap(bits, { height, width });
        const counts = naiveCocoCounts(bits, height, width);
        const rle = encode(m);
        expect(rle.size).toEqual([height, width]);
        expect(rle.counts).toBe(naiveString(counts));
        expect(encodeUncompressed(m).counts).toEqual(counts);
        const back = decode(rle);
        expect(back.height).toBe(height);
        expect(back.toBitmap('row')).toEqual(bits);
        expect(decode({ size: [height, width], counts }).equals(m)).toBe(true);
        expect(area(rle)).toBe(bits.reduce((s, b) => s + b, 0));
      }),
      { numRuns: 300 },
    );
  });

  it('the string code is exact over the whole uint32 range (deltas past ±2^31)', () => {
    const u32 = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 ** 20 }), fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 2 ** 29 - 1, 2 ** 29, 2 ** 31, 2 ** 32 - 1));
    fc.assert(
      fc.property(fc.array(u32, { minLength: 0, maxLength: 12 }), (counts) => {
        const s = countsToString(counts);
        expect(s).toBe(naiveString(counts));
        expect([...stringToCounts(s)]).toEqual(counts);
        expect([...stringToCounts(new TextEncoder().encode(s))]).toEqual(counts);
      }),
      { numRuns: 500 },
    );
  });

  it('the worked example of the docs: [8, 12, 6, 15] is "8<63"', () => {
    expect(countsToString([8, 12, 6, 15])).toBe('8<63');
    expect(countsToString([16])).toBe('`0');
    expect(countsToString([512])).toBe('P`0');
    expect(encode(Mask.empty({ height: 480, width: 640 })).counts).toBe('PP\\9');
    expect(encode(Mask.full({ height: 480, width: 640 })).counts).toBe('0PP\\9');
  });

  it('foreground at the first and last pixel, empty, full and zero-size masks', () => {
    for (const [h, w] of [[3, 5], [5, 3], [1, 7], [7, 1]] as const) {
      const bits = new Uint8Array(h * w);
      bits[0] = 1;
      bits[h * w - 1] = 1;
      const rle = encode(Mask.fromBitmap(bits, { height: h, width: w }));
      expect(stringToCounts(rle.counts)[0]).toBe(0);
      expect(decode(rle).toBitmap('row')).toEqual(bits);
      expect(toBbox(rle)).toEqual([0, 0, w, h]);
      expect(decode(encode(Mask.empty({ height: h, width: w }))).isEmpty()).toBe(true);
      expect(area(encode(Mask.full({ height: h, width: w })))).toBe(h * w);
    }
    expect(encode(Mask.empty({ height: 0, width: 5 }))).toEqual({ size: [0, 5], counts: '0' });
    expect(decode({ size: [0, 5], counts: '0' }).pixels).toBe(0);
    expect(decode({ size: [5, 0], counts: [] }).pixels).toBe(0);
  });

  it('compress and decompress keep counts verbatim, zero runs included', () => {
    expect(decompress({ size: [3, 4], counts: '2034MO' })).toEqual({ size: [3, 4], counts: [2, 0, 3, 4, 0, 3] });
    expect(compress({ size: [3, 4], counts: [2, 0, 3, 4, 0, 3] })).toEqual({ size: [3, 4], counts: '2034MO' });
    // A non-minimal code ("P0" is 0 in two characters) comes out minimal, as pycocotools re-encodes.
    expect(compress({ size: [1, 3], counts: 'P03' }).counts).toBe('03');
    // A non-canonical RLE still decodes to the right pixels.
    expect(decode({ size: [3, 4], counts: [2, 0, 3, 4, 0, 3] }).runs('col')).toEqual(Uint32Array.of(5, 7));
  });
});

describe('run-level operations agree with pixels', () => {
  const pairArb = bitmapArb(14).chain((a) =>
    fc.array(fc.boolean(), { minLength: a.bits.length, maxLength: a.bits.length }).map((b) => [a, Uint8Array.from(b, (x) => (x ? 1 : 0))] as const),
  );

  it('toBbox is the tight box, iou/crowd iou and merge match pixel counts', () => {
    fc.assert(
      fc.property(pairArb, fc.boolean(), ([{ height, width, bits }, other], asList) => {
        const size = { height, width };
        const A = Mask.fromBitmap(bits, size), B = Mask.fromBitmap(other, size);
        const a = asList ? encodeUncompressed(A) : encode(A), b = encode(B);
        let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1, inter = 0, uni = 0, na = 0;
        for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
          const i = y * width + x;
          if (bits[i]) { na++; x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
          inter += bits[i]! & other[i]!;
          uni += bits[i]! | other[i]!;
        }
        expect(toBbox(a)).toEqual(na === 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
        const [[plain]] = iou([a], [b], [0]) as [[number]];
        const [[crowd]] = iou([a], [b], [1]) as [[number]];
        // Zero when the tight boxes do not overlap (pycocotools' pre-check) or nothing intersects.
        expect(plain).toBe(inter === 0 ? 0 : inter / uni);
        expect(crowd).toBe(inter === 0 ? 0 : inter / na);
        expect(decode(merge([a, b])).toBitmap()).toEqual(Uint8Array.from(bits, (v, i) => v | other[i]!));
        expect(decode(merge([a, b], true)).toBitmap()).toEqual(Uint8Array.from(bits, (v, i) => v & other[i]!));
        expect(merge([a, b])).toEqual(encode(A.union(B)));
      }),
      { numRuns: 300 },
    );
  });

  it('iou gives -1 for different sizes only where the boxes overlap', () => {
    const a = encode(Mask.full({ height: 4, width: 6 }));
    const b = encode(Mask.full({ height: 6, width: 4 }));
    const far = encode(Mask.fromBitmap(Uint8Array.from({ length: 49 }, (_, i) => (i === 48 ? 1 : 0)), { height: 7, width: 7 }));
    expect(iou([a], [b, far], [0, 0])).toEqual([[-1, 0]]);
  });

  it('iou of boxes follows bbIou (continuous boxes; crowd divides by the detection box)', () => {
    expect(iou([[0, 0, 10, 10]], [[5, 0, 10, 10]], [0])).toEqual([[50 / 150]]);
    expect(iou([[0, 0, 10, 10]], [[5, 0, 10, 10]], [1])).toEqual([[50 / 100]]);
    expect(iou([[0, 0, 10, 10]], [[10, 0, 10, 10]], [0])).toEqual([[0]]);
  });
});

describe('polygons and boxes', () => {
  it('a box covers the pixels whose centres it contains', () => {
    const [r] = fromBboxes([[0.5, 0.5, 1, 1]], 3, 4);
    expect(decode(r!).toBitmap('row')).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
    const [q] = fromBboxes([[1, 0, 2, 3]], 3, 5);
    expect(decode(q!).toBitmap('row')).toEqual(Uint8Array.from([0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0]));
  });

  it('a first polygon of 4 numbers is a (degenerate) polygon, not a box', () => {
    const rles = fromPolygons([[1, 1, 3, 3], [0, 0, 4, 0, 4, 2, 0, 2]], 3, 5);
    expect(rles).toHaveLength(2);
    expect(area(rles[0]!)).toBe(0);
    expect(area(rles[1]!)).toBe(8);
  });

  // The rasterizer's own tests (far vertices, limits, a literal port of rleFrPoly) are in packages/core/test/polygon.test.ts.
  it('errors name the polygon or box and the coordinate; an image without pixels gives the count 0', () => {
    const errorOf = (fn: () => unknown) => { try { fn(); } catch (e) { return e as RleError; } return undefined; };
    expect(errorOf(() => polygonsToMask([[0, 0, 4, 0, 4, 2], [0, 0, 1e9, 0, 0, 5]], 30, 40, ['annotations', 7, 'segmentation'])))
      .toMatchObject({ code: 'LIMIT_EXCEEDED', path: ['annotations', 7, 'segmentation', 1, 2] });
    expect(errorOf(() => fromPolygons([[0, 0, Number.NaN, 0, 0, 5]], 30, 40))).toMatchObject({ code: 'INVALID_TOKEN', path: [0, 2] });
    // One level too deep (a list of polygon lists) or a non-number in the ignored odd place: an error, not an empty mask.
    expect(errorOf(() => polygonsToMask([[[0, 0, 4, 0, 4, 2]]] as unknown as number[][], 30, 40, ['annotations', 3, 'segmentation'])))
      .toMatchObject({ code: 'INVALID_TOKEN', path: ['annotations', 3, 'segmentation', 0, 0] });
    expect(errorOf(() => fromPolygons([[0, 0, 4, 0, 4, 2, '7']] as unknown as number[][], 30, 40))).toMatchObject({ code: 'INVALID_TOKEN', path: [0, 6] });
    expect(errorOf(() => fromBboxes([[0, 0, 1, 1], [0, Number.NaN, 1, 1]], 30, 40))).toMatchObject({ code: 'INVALID_TOKEN', path: [1, 'y'] });
    expect(errorOf(() => bboxToMask([0, 0, Infinity, 1], 30, 40))).toMatchObject({ code: 'INVALID_TOKEN', path: ['width'] });
    expect(fromPolygons([[0, 0, 4, 0, 4, 2]], 0, 5)).toEqual([{ size: [0, 5], counts: '0' }]);
    expect(fromBboxes([[0, 0, 4, 2]], 3, 0)).toEqual([{ size: [3, 0], counts: '0' }]);
    expect([...polygonCounts([], 3, 5)]).toEqual([15]);
    expect(bboxToMask([1, 0, 2, 3], 3, 5).equals(decode(fromBboxes([[1, 0, 2, 3]], 3, 5)[0]!))).toBe(true);
  });
});

describe('bad input is an RleError with a code', () => {
  it('rejects bad strings, sizes and counts', () => {
    expect(codeOf(() => decode({ size: [2, 2], counts: '4x' }))).toBe('INVALID_TOKEN');
    expect(codeOf(() => decode({ size: [2, 2], counts: '4 ' }))).toBe('INVALID_TOKEN');
    expect(codeOf(() => decode({ size: [2, 2], counts: 'é' }))).toBe('INVALID_TOKEN');
    expect(codeOf(() => decode({ size: [2, 2], counts: '4P' }))).toBe('TRUNCATED');
    expect(codeOf(() => decode({ size: [2, 2], counts: 'PPPPPPPP0' }))).toBe('INVALID_TOKEN');
    expect(codeOf(() => decode({ size: [2, 2], counts: '3' }))).toBe('RUNS_SUM_MISMATCH');
    expect(codeOf(() => decode({ size: [2, 2], counts: [1, 2] }))).toBe('RUNS_SUM_MISMATCH');
    expect(codeOf(() => decode({ size: [2, 2], counts: [1, -1, 4] }))).toBe('INVALID_RUNS');
    expect(codeOf(() => decode({ size: [2, 2], counts: [1.5, 2.5] }))).toBe('INVALID_RUNS');
    expect(codeOf(() => decode({ size: [2, 2], counts: ['4'] as unknown as number[] }))).toBe('INVALID_RUNS');
    expect(codeOf(() => decode({ size: [2, 2, 1], counts: '4' }))).toBe('INVALID_STRUCTURE');
    expect(codeOf(() => decode({ size: [-2, 2], counts: '4' }))).toBe('INVALID_SIZE');
    expect(codeOf(() => decode({ size: [100000, 100000], counts: '4' }))).toBe('INVALID_SIZE');
    expect(codeOf(() => decode({ size: [2, 2], counts: { a: 1 } as unknown as number[] }))).toBe('INVALID_STRUCTURE');
    expect(codeOf(() => decode(null as unknown as { size: number[]; counts: string }))).toBe('INVALID_STRUCTURE');
    expect(codeOf(() => merge([{ size: [2, 2], counts: '4' }, { size: [1, 4], counts: '4' }]))).toBe('SIZE_MISMATCH');
    expect(codeOf(() => fromPolygons([[0, 0, 1, 1, 2, 0]], -1, 4))).toBe('INVALID_SIZE');
    // A flat list (one polygon without its outer list) is refused, not mistaken for anything.
    expect(codeOf(() => fromPolygons([0, 0, 1, 1, 2, 0] as unknown as number[][], 3, 4))).toBe('INVALID_STRUCTURE');
    expect(codeOf(() => fromBboxes([[0, 0, 1]], 3, 4))).toBe('INVALID_STRUCTURE');
    expect(codeOf(() => iou([[0, 0, 1, 1]], [{ size: [2, 2], counts: '4' }], [0]))).toBe('INVALID_STRUCTURE');
    expect(codeOf(() => countsToString([1, -2]))).toBe('INVALID_RUNS');
    expect(codeOf(() => countsToString([2 ** 32]))).toBe('INVALID_RUNS');
  });

  it('the error says where: offset of the bad character and the expectation', () => {
    try {
      decode({ size: [5, 5], counts: '1a2~3' });
    } catch (e) {
      expect((e as RleError).offset).toBe(3);
      expect((e as RleError).path).toEqual(['counts']);
      expect((e as RleError).expected).toMatch(/'0' to 'o'/);
      return;
    }
    throw new Error('expected an error');
  });

  it('any string either decodes to counts that re-encode identically, or is an RleError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), (s, h, w) => {
        let counts: Uint32Array;
        try {
          counts = stringToCounts(s);
        } catch (e) {
          expect(e).toBeInstanceOf(RleError);
          return;
        }
        // Decoding is exact: every accepted minimal string survives a round trip.
        expect([...stringToCounts(countsToString(counts))]).toEqual([...counts]);
        try {
          decode({ size: [h, w], counts: s });
        } catch (e) {
          expect(e).toBeInstanceOf(RleError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
