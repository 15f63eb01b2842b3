/**
 * pycocotools' `merge` (union or intersection of RLEs, src/rle.ts), held to a bitmap oracle: the
 * result must be the exact string `encode` gives for the OR / AND of the input bitmaps. Masks
 * are non-square and built from runs long enough for 2-, 3- and 4-character codes, so the
 * two-string fast path (scan to run ends, interval sweep, code written per interval), the
 * path for three or more strings and the general path are each exercised.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask, RleError } from '@rlekit/core';
import { countsToString, decode, encode, encodeUncompressed, merge, parseRle, type CocoRle } from '../src/index.js';

/** Height and width, never equal: a transposed reading of a square mask would pass unnoticed. */
const sizeArb = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 60 })).map(([h, w]) => (h === w ? [h, w + 1] : [h, w]) as [number, number]);

/** Run lengths from short to long (1..3000: codes of one to four characters). */
const runArb = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 7, max: 80 }), fc.integer({ min: 300, max: 3000 }));

/** A column-major bitmap of h*w: random runs, or one of the edge cases. */
function bitmapArb(total: number): fc.Arbitrary<Uint8Array> {
  const runs = fc.array(runArb, { minLength: 0, maxLength: 40 }).map((rs) => {
    const bits = new Uint8Array(total);
    let pos = 0, v = 0;
    for (const r of rs) {
      bits.fill(v, pos, Math.min(total, pos + r));
      pos += r;
      v ^= 1;
    }
    bits.fill(v, Math.min(pos, total));
    return bits;
  });
  const edge = fc.constantFrom('empty', 'full', 'first', 'last', 'firstAndLast').map((k) => {
    const bits = new Uint8Array(total);
    if (k === 'full') bits.fill(1);
    if (k === 'first' || k === 'firstAndLast') bits[0] = 1;
    if (k === 'last' || k === 'firstAndLast') bits[total - 1] = 1;
    return bits;
  });
  return fc.oneof({ arbitrary: runs, weight: 4 }, { arbitrary: edge, weight: 1 });
}

/** Masks of one size, 1..6 of them. */
const masksArb = (min: number, max: number) =>
  sizeArb.chain(([h, w]) => fc.tuple(fc.constant([h, w] as [number, number]), fc.array(bitmapArb(h * w), { minLength: min, maxLength: max })));

/** The result merge must give: encode of the OR / AND of the bitmaps. */
function oracle([h, w]: [number, number], bitmaps: Uint8Array[], intersect: boolean): { size: [number, number]; counts: string } {
  const out = Uint8Array.from(bitmaps[0]!);
  for (const b of bitmaps.slice(1)) for (let i = 0; i < out.length; i++) out[i] = intersect ? out[i]! & b[i]! : out[i]! | b[i]!;
  return encode(Mask.fromBitmap(out, { height: h, width: w }, 'col'));
}

/**
 * The same pixels with zero-length runs: every run of 2 or more split in two by an empty run of
 * the other value (foreground intervals that touch, empty ones inside background), and two
 * empty runs between any two counts.
 */
function withZeroRuns(rle: CocoRle): CocoRle {
  const c = parseRle(rle).counts;
  const out: number[] = [];
  c.forEach((x, i) => {
    if (x >= 2) out.push(x >> 1, 0, x - (x >> 1));
    else out.push(x);
    if (i < c.length - 1) out.push(0, 0);
  });
  return { size: rle.size, counts: countsToString(out) };
}

describe('merge against a bitmap oracle', () => {
  it('two compressed strings: union and intersection are the exact code of OR / AND', () => {
    fc.assert(
      fc.property(masksArb(2, 2), fc.boolean(), ([size, bitmaps], intersect) => {
        const rles = bitmaps.map((b) => encode(Mask.fromBitmap(b, { height: size[0], width: size[1] }, 'col')));
        const want = oracle(size, bitmaps, intersect);
        expect(merge(rles, intersect)).toEqual(want);
        // pycocotools takes the flag as an int too.
        expect(merge(rles, intersect ? 1 : 0)).toEqual(want);
        expect(decode(merge(rles, intersect)).toBitmap('col')).toEqual(decode(want).toBitmap('col'));
      }),
      { numRuns: 1000 },
    );
  });

  it('three to six inputs, in any form (strings, run lists, zero-length runs), give the same result', () => {
    fc.assert(
      fc.property(masksArb(3, 6), fc.boolean(), fc.array(fc.constantFrom('string', 'list', 'zeros'), { minLength: 6, maxLength: 6 }), ([size, bitmaps], intersect, forms) => {
        const rles: CocoRle[] = bitmaps.map((b, i) => {
          const m = Mask.fromBitmap(b, { height: size[0], width: size[1] }, 'col');
          const form = forms[i]!;
          return form === 'list' ? encodeUncompressed(m) : form === 'zeros' ? withZeroRuns(encode(m)) : encode(m);
        });
        expect(merge(rles, intersect)).toEqual(oracle(size, bitmaps, intersect));
      }),
      { numRuns: 500 },
    );
  });

  it('two strings with zero-length runs (valid, not canonical) give the canonical result', () => {
    fc.assert(
      fc.property(masksArb(2, 2), fc.boolean(), fc.boolean(), ([size, bitmaps], intersect, both) => {
        const rles = bitmaps.map((b, i) => {
          const r = encode(Mask.fromBitmap(b, { height: size[0], width: size[1] }, 'col'));
          return i === 0 || both ? withZeroRuns(r) : r;
        });
        expect(merge(rles, intersect)).toEqual(oracle(size, bitmaps, intersect));
      }),
      { numRuns: 500 },
    );
  });

  it('no input is the empty RLE; one input is returned re-encoded, not canonicalised', () => {
    expect(merge([])).toEqual({ size: [0, 0], counts: '' });
    const a = withZeroRuns(encode(Mask.fromRuns([0, 1, 10, 1], { height: 3, width: 4 }, 'col')));
    expect(merge([a])).toEqual({ size: [3, 4], counts: a.counts });
  });

  it('masks of different sizes are a SIZE_MISMATCH at the first odd one, in every path', () => {
    fc.assert(
      fc.property(sizeArb, fc.integer({ min: 2, max: 5 }), fc.nat(), fc.boolean(), ([h, w], n, k, intersect) => {
        const odd = 1 + (k % (n - 1));
        // The same number of pixels, transposed: only the size tells them apart.
        const rles = Array.from({ length: n }, (_, i) => encode(Mask.full(i === odd ? { height: w, width: h } : { height: h, width: w })));
        let err: unknown;
        try {
          merge(rles, intersect);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(RleError);
        expect(err).toMatchObject({ code: 'SIZE_MISMATCH', path: [odd, 'size'] });
      }),
      { numRuns: 200 },
    );
  });

  it('masks of up to 2^32 - 1 pixels: runs near 2^32 keep their exact code', () => {
    // 65535 * 65537 = 2^32 - 1, the most pixels a mask may have; the strings stay short.
    const size: [number, number] = [65535, 65537];
    const total = 2 ** 32 - 1;
    const last = { size, counts: countsToString([total - 1, 1]) };
    const first = { size, counts: countsToString([0, 1, total - 1]) };
    const middle = { size, counts: countsToString([5, total - 10, 5]) };
    expect(merge([last, first])).toEqual({ size, counts: countsToString([0, 1, total - 2, 1]) });
    expect(merge([first, last], true)).toEqual({ size, counts: countsToString([total]) });
    expect(merge([middle, first])).toEqual({ size, counts: countsToString([0, 1, 4, total - 10, 5]) });
    expect(merge([middle, last], true)).toEqual({ size, counts: countsToString([total]) });
    expect(merge([middle, last])).toEqual({ size, counts: countsToString([5, total - 10, 4, 1]) });
    expect(merge([middle, middle, first])).toEqual({ size, counts: countsToString([0, 1, 4, total - 10, 5]) });
  });

  it('a size that is not [height, width] is refused in every path, also when it starts like the others', () => {
    const good = encode(Mask.fromRuns([2, 3, 7], { height: 3, width: 4 }, 'col'));
    for (const n of [2, 3]) {
      for (const size of [[3, 4, 1], [3, 4, 0], [3]]) {
        const rles: CocoRle[] = Array.from({ length: n }, () => good);
        rles[n - 1] = { size, counts: good.counts };
        let err: unknown;
        try {
          merge(rles);
        } catch (e) {
          err = e;
        }
        expect(err).toMatchObject({ code: 'INVALID_STRUCTURE', path: [n - 1, 'size'] });
      }
    }
  });

  it('an invalid string is the RleError parseRle gives, with its index in the path', () => {
    const good = encode(Mask.fromRuns([2, 3, 7], { height: 3, width: 4 }, 'col'));
    const cases: [CocoRle, string][] = [
      [{ size: [3, 4], counts: '2?x' }, 'INVALID_TOKEN'],
      [{ size: [3, 4], counts: '2P' }, 'TRUNCATED'],
      [{ size: [3, 4], counts: '23' }, 'RUNS_SUM_MISMATCH'],
      [{ size: [3, 4], counts: '2\u00e93' }, 'INVALID_TOKEN'],
    ];
    for (const [bad, code] of cases) {
      for (const at of [0, 1]) {
        const rles = at === 0 ? [bad, good] : [good, bad];
        let err: unknown;
        try {
          merge(rles);
        } catch (e) {
          err = e;
        }
        expect(err).toMatchObject({ code, path: [at, 'counts'] });
      }
    }
  });
});
