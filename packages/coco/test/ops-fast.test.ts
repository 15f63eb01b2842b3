/**
 * area, toBbox and iou read compressed strings in one pass of their own and fall back to
 * parseRle for everything else. These tests hold that pass to the general parse: the same
 * value for every string parseRle accepts, the same RleError (code, path, offset) for every
 * string it rejects, and boxes and iou equal to independent references.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask, RleError } from '@rlekit/core';
import { area, countsToString, encode, encodeUncompressed, iou, parseRle, stringToCounts, toBbox, type CocoRle } from '../src/index.js';

type Outcome = { value: unknown } | { error: { code: string; path: readonly (string | number)[]; offset: number | undefined; expected: string | undefined; received: string | undefined } };

function outcome(fn: () => unknown): Outcome {
  try {
    return { value: fn() };
  } catch (e) {
    if (!(e instanceof RleError)) throw e;
    return { error: { code: e.code, path: e.path, offset: e.offset, expected: e.expected, received: e.received } };
  }
}

/** Area straight from the general parse. */
function areaRef(rle: CocoRle): number {
  const c = parseRle(rle).counts;
  let a = 0;
  for (let i = 1; i < c.length; i += 2) a += c[i]!;
  return a;
}

/** Box from the general parse, by division and remainder per foreground run (no incremental state). */
function boxRef(rle: CocoRle): number[] {
  const { counts: c, height: h } = parseRle(rle);
  let x0 = Infinity, x1 = -1, y0 = Infinity, y1 = -1, pos = 0;
  for (let k = 0; k < c.length; k++) {
    const r = c[k]!;
    if (k % 2 === 1 && r > 0) {
      const s = pos, e = pos + r - 1;
      x0 = Math.min(x0, Math.floor(s / h));
      x1 = Math.max(x1, Math.floor(e / h));
      if (Math.floor(s / h) === Math.floor(e / h)) {
        y0 = Math.min(y0, s % h);
        y1 = Math.max(y1, e % h);
      } else {
        y0 = 0;
        y1 = h - 1;
      }
    }
    pos += r;
  }
  return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

const countArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 2, 2 ** 32 - 1) },
);

/** A valid code, then perhaps broken: a bad or extra character, a cut, or a string from scratch. */
const stringArb = fc
  .tuple(
    fc.array(countArb, { maxLength: 12 }),
    fc.oneof(
      fc.constant({ kind: 'none' as const }),
      fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), ch: fc.constantFrom('p', '/', ' ', 'é', '~', '\u0000', 'P', 'o', '0', '?', '`') }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), ch: fc.constantFrom('P', 'o', '_', 'p', '0', 'PPPPPPP') }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('fresh' as const), s: fc.string({ unit: fc.integer({ min: 46, max: 113 }).map((c) => String.fromCharCode(c)), maxLength: 24 }) }),
    ),
  )
  .map(([counts, m]) => {
    const s = countsToString(counts);
    switch (m.kind) {
      case 'none': return s;
      case 'replace': { const i = m.at % (s.length + 1); return s.slice(0, i) + m.ch + s.slice(i + 1); }
      case 'insert': { const i = m.at % (s.length + 1); return s.slice(0, i) + m.ch + s.slice(i); }
      case 'cut': return s.slice(0, m.at % (s.length + 1));
      case 'fresh': return m.s;
    }
  });

/** A size that fits the string's sum when it can (several shapes), or one that does not, or a malformed one. */
function sizeFor(s: string, pick: number, bad: unknown): unknown {
  let sum = -1;
  try {
    sum = stringToCounts(s).reduce((a, b) => a + b, 0);
  } catch {
    // Invalid string: any size.
  }
  if (sum >= 0 && sum <= 0xffffffff && pick < 6) {
    const h = [1, 2, 3, 5, 7, 11].find((d, i) => i >= pick % 6 && sum % d === 0) ?? 1;
    return pick % 2 === 0 ? [h, sum / h] : [sum / h, h];
  }
  if (pick < 8) return [Math.max(0, sum) + 1, 1];
  return bad;
}

const badSizeArb = fc.constantFrom<unknown>([-1, 5], [1.5, 2], [2, 2, 1], ['2', 2], null, [2 ** 53, 1], [Infinity, 0], [NaN, 1], [65536, 65536], [0, 0], [3, 4]);

describe('the one-pass parse of area/toBbox agrees with parseRle', () => {
  it('on random valid and malformed strings: the same value or the same RleError', () => {
    fc.assert(
      fc.property(stringArb, fc.integer({ min: 0, max: 9 }), badSizeArb, (s, pick, bad) => {
        const rle = { size: sizeFor(s, pick, bad), counts: s } as CocoRle;
        const ref = outcome(() => areaRef(rle));
        expect(outcome(() => area(rle))).toEqual(ref);
        const refBox = outcome(() => boxRef(rle));
        expect(outcome(() => toBbox(rle))).toEqual(refBox);
        // The bytes of the string take the general path: same answers.
        const bytes = Uint8Array.from(s, (ch) => ch.charCodeAt(0) & 0xff);
        if (/^[\x00-\xff]*$/.test(s)) expect(outcome(() => area({ size: rle.size, counts: bytes }))).toEqual(outcome(() => areaRef({ size: rle.size, counts: bytes })));
        // And iou names the list and index in front of parseRle's path.
        if ('error' in ref) {
          const e = outcome(() => iou([rle], [rle], [0]));
          expect(e).toEqual({ error: { ...ref.error, path: ['dt', 0, ...ref.error.path] } });
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts most generated cases (the property above is not vacuous)', () => {
    let ok = 0, bad = 0;
    fc.assert(
      fc.property(stringArb, fc.integer({ min: 0, max: 5 }), (s, pick) => {
        const r = outcome(() => area({ size: sizeFor(s, pick, null), counts: s } as CocoRle));
        if ('value' in r) ok++;
        else bad++;
      }),
      // A fixed seed: the counts are a random tally, and an unlucky draw failed the run now and then.
      { numRuns: 500, seed: 20260 },
    );
    expect(ok).toBeGreaterThan(150);
    expect(bad).toBeGreaterThan(50);
  });

  it('is exact past 2^31: counts near 2^32 on a 65535x65537 mask', () => {
    const total = 65535 * 65537; // 2^32 - 1
    const counts = [2 ** 31 + 5, 2 ** 31 - 100, 7, 85];
    counts.push(total - counts.reduce((a, b) => a + b, 0));
    const rle = { size: [65535, 65537], counts: countsToString(counts) };
    expect(area(rle)).toBe(2 ** 31 - 100 + 85);
    expect(toBbox(rle)).toEqual(boxRef(rle));
    expect(toBbox({ size: [65535, 65537], counts })).toEqual(boxRef(rle));
    // One more pixel is a sum mismatch, reported as parseRle reports it.
    const over = { size: [65535, 65537], counts: countsToString([...counts.slice(0, 4), counts[4]! + 1]) };
    expect(outcome(() => area(over))).toEqual(outcome(() => areaRef(over)));
    expect(outcome(() => area(over))).toMatchObject({ error: { code: 'RUNS_SUM_MISMATCH', path: ['counts'] } });
  });

  it('sizes whose product matches the sum but that are not [height, width] of integers fail as in parseRle', () => {
    const s = countsToString([1, 2, 3]); // sums to 6
    for (const size of [[1.5, 4], [-2, -3], ['2', 3], [2, 3, 1], [6], [3, 2.0000001], [2 ** 53 + 2, 0]]) {
      const rle = { size, counts: s } as unknown as CocoRle;
      const ref = outcome(() => areaRef(rle));
      expect(ref).toMatchObject({ error: {} });
      expect(outcome(() => area(rle))).toEqual(ref);
      expect(outcome(() => toBbox(rle))).toEqual(ref);
    }
    expect(area({ size: [2, 3], counts: s })).toBe(2);
  });

  it('a character outside 0..o fails as in parseRle whatever the size', () => {
    for (const ch of ['/', 'p', 'q', '~', ' ', '\x7f', 'é', '€', '\ud83d', '\u0000']) {
      for (const counts of [`5${ch}03`, `${ch}0`, `12${ch}`, `0${ch}${ch}1`, `3${ch}`, `5P${ch}0`, `5P${ch}`, `1PP${ch}0`]) {
        for (let n = 0; n <= 80; n++) {
          const rle = { size: [1, n], counts };
          const ref = outcome(() => areaRef(rle));
          expect(ref).toMatchObject({ error: { code: 'INVALID_TOKEN' } });
          expect(outcome(() => area(rle))).toEqual(ref);
          expect(outcome(() => toBbox(rle))).toEqual(ref);
        }
      }
    }
  });

  it('a delta that leaves 0..2^32-1 is INVALID_RUNS at its offset, as in parseRle', () => {
    const top = countsToString([0, 2 ** 32 - 1, 0, 2 ** 32 - 1]); // the last value is coded as a delta of 0
    const cases = [
      `${top.slice(0, -1)}5`, // a delta of 5: 2^32 + 4
      `${countsToString([5, 3, 0])}O`, // 3 - 1 = 2: valid
      `${countsToString([5, 1, 0])}M`, // 1 - 3: negative
      `${countsToString([5, 2, 0])}M9`, // 2 - 3: negative, though the sum (15) and the area (1) look fine
    ];
    for (const counts of cases) {
      const rle = { size: [1, 0x7fffffff], counts };
      expect(outcome(() => area(rle))).toEqual(outcome(() => areaRef(rle)));
      expect(outcome(() => toBbox(rle))).toEqual(outcome(() => boxRef(rle)));
    }
    expect(outcome(() => area({ size: [1, 1], counts: cases[0]! }))).toMatchObject({ error: { code: 'INVALID_RUNS', path: ['counts'], offset: top.length - 1 } });
    expect(outcome(() => area({ size: [1, 1], counts: cases[2]! }))).toMatchObject({ error: { code: 'INVALID_RUNS', path: ['counts'], offset: 3 } });
    expect(area({ size: [1, 10], counts: cases[1]! })).toBe(5);
    expect(outcome(() => area({ size: [3, 5], counts: cases[3]! }))).toMatchObject({ error: { code: 'INVALID_RUNS', offset: 3 } });
  });

  it('zero-length runs anywhere, and foreground at the first and last pixel (non-square)', () => {
    const cases: [number, number, number[]][] = [
      [3, 5, [0, 15]], // full
      [3, 5, [15]], // empty
      [3, 5, [0, 1, 13, 1]], // first and last pixel
      [3, 5, [0, 0, 2, 0, 0, 3, 10]], // zero runs: the first foreground is pixel 2
      [5, 3, [4, 2, 0, 0, 9, 0]], // trailing zero foreground run
      [5, 3, [1, 0, 0, 0, 14]],
      [5, 3, [2, 3, 10, 0]], // fills the rest of column 0, rows 2..4
      [5, 3, [4, 2, 9]], // crosses a column boundary: all rows
    ];
    for (const [h, w, counts] of cases) {
      for (const rle of [{ size: [h, w], counts }, { size: [h, w], counts: countsToString(counts) }]) {
        const bits = Mask.fromRuns(Uint32Array.from(counts), { height: h, width: w }, 'col').toBitmap('row');
        let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1, n = 0;
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (bits[y * w + x]) { n++; x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
        expect(area(rle)).toBe(n);
        expect(toBbox(rle)).toEqual(n === 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
      }
    }
  });
});

/** pycocotools' iou from pixels: the bbox pre-check on tight boxes, -1 for sizes that differ, else |∩|/|∪| (crowd: /|dt|). */
function iouRef(dt: { h: number; w: number; bits: Uint8Array }[], gt: { h: number; w: number; bits: Uint8Array }[], crowd: boolean[]): number[][] {
  const box = (m: { h: number; w: number; bits: Uint8Array }) => {
    let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
    for (let y = 0; y < m.h; y++) for (let x = 0; x < m.w; x++) if (m.bits[y * m.w + x]) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
    return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
  };
  return dt.map((d) => gt.map((g, j) => {
    const D = box(d), G = box(g);
    const ow = Math.min(D[0]! + D[2]!, G[0]! + G[2]!) - Math.max(D[0]!, G[0]!);
    const oh = Math.min(D[1]! + D[3]!, G[1]! + G[3]!) - Math.max(D[1]!, G[1]!);
    if (ow <= 0 || oh <= 0) return 0;
    if (d.h !== g.h || d.w !== g.w) return -1;
    let inter = 0, nd = 0, ng = 0;
    for (let i = 0; i < d.bits.length; i++) { inter += d.bits[i]! & g.bits[i]!; nd += d.bits[i]!; ng += g.bits[i]!; }
    return inter === 0 ? 0 : inter / (crowd[j] ? nd : nd + ng - inter);
  }));
}

const maskArb = fc
  .record({
    size: fc.constantFrom([4, 6], [6, 4], [5, 7], [4, 6]),
    density: fc.constantFrom(0, 0.05, 0.3, 0.7, 1),
    form: fc.constantFrom('string', 'list', 'bytes'),
    // A rectangle of foreground in one corner of the image or another, so boxes miss each other too.
    corner: fc.constantFrom(0, 1, 2, 3, 4),
  })
  .chain(({ size: [h, w], density, form, corner }) =>
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: h * w, maxLength: h * w }).map((r) => {
      const bits = Uint8Array.from(r, (v, i) => {
        const y = Math.floor(i / w), x = i % w;
        const inCorner = corner === 4 || ((y < h / 2) === (corner < 2) && (x < w / 2) === (corner % 2 === 0));
        return inCorner && v < density ? 1 : 0;
      });
      const m = Mask.fromBitmap(bits, { height: h, width: w });
      const rle: CocoRle = form === 'list' ? encodeUncompressed(m) : form === 'bytes' ? { size: [h, w], counts: new TextEncoder().encode(encode(m).counts) } : encode(m);
      return { h, w, bits, rle };
    }),
  );

describe('iou over the one-pass parse', () => {
  it('equals pycocotools semantics from pixels for lists of mixed sizes, forms and crowd flags', () => {
    fc.assert(
      fc.property(fc.array(maskArb, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(maskArb, fc.boolean()), { minLength: 1, maxLength: 4 }), (dt, gtc) => {
        const gt = gtc.map(([g]) => g), crowd = gtc.map(([, c]) => c);
        expect(iou(dt.map((d) => d.rle), gt.map((g) => g.rle), crowd)).toEqual(iouRef(dt, gt, crowd));
        expect(iou(dt.map((d) => d.rle), gt.map((g) => g.rle))).toEqual(iouRef(dt, gt, crowd.map(() => false)));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps earlier RLEs when the reused buffer grows mid-list (many long noise masks)', () => {
    const masks = Array.from({ length: 24 }, (_, k) => {
      const h = 37, w = 41;
      let s = k * 7919 + 1;
      const bits = Uint8Array.from({ length: h * w }, () => ((s = (s * 1103515245 + 12345) % 2147483648) >> 16) & 1);
      return { h, w, bits, rle: encode(Mask.fromBitmap(bits, { height: h, width: w })) };
    });
    const dt = masks.slice(0, 12), gt = masks.slice(12);
    const crowd = gt.map((_, i) => i % 3 === 0);
    expect(iou(dt.map((d) => d.rle), gt.map((g) => g.rle), crowd)).toEqual(iouRef(dt, gt, crowd));
    // Nothing is cached across calls: a second, different call is right too.
    expect(iou(gt.map((g) => g.rle), dt.map((d) => d.rle))).toEqual(iouRef(gt, dt, dt.map(() => false)));
  });

  it('the pre-check: boxes that share columns but not rows score 0; a size mismatch there is 0, not -1', () => {
    const top = { size: [6, 4], counts: [0, 2, 4, 2, 16] }; // rows 0-1 of columns 0-1
    const bottom = { size: [6, 4], counts: [4, 2, 4, 2, 12] }; // rows 4-5 of columns 0-1
    const bottomOther = { size: [7, 4], counts: [5, 2, 5, 2, 14] }; // rows 5-6 of a 7x4 mask
    const topOther = { size: [7, 4], counts: [0, 2, 5, 2, 19] };
    expect(iou([top], [bottom, bottomOther, topOther], [0, 0, 1])).toEqual([[0, 0, -1]]);
    // Zero-length runs at the end do not stretch the columns: these share none, so 0 and not -1.
    const left = { size: [6, 4], counts: [0, 2, 20, 0, 2] }; // rows 0-1 of column 0, then a zero run
    const right = { size: [7, 4], counts: [21, 2, 5, 0, 0] }; // rows 0-1 of column 3 of a 7x4 mask
    expect(iou([left], [right, topOther], [0, 0])).toEqual([[0, -1]]);
    expect(toBbox(left)).toEqual([0, 0, 1, 2]);
  });

  it('an invalid RLE anywhere in a list is reported with its list and index', () => {
    const good = encode(Mask.full({ height: 3, width: 5 }));
    const e1 = outcome(() => iou([good, good], [good, { size: [3, 5], counts: '0?x' }], [0, 0]));
    expect(e1).toMatchObject({ error: { code: 'INVALID_TOKEN', path: ['gt', 1, 'counts'], offset: 2 } });
    const e2 = outcome(() => iou([good, { size: [3, 5], counts: '0P' }], [good], [0]));
    expect(e2).toMatchObject({ error: { code: 'TRUNCATED', path: ['dt', 1, 'counts'] } });
    const e3 = outcome(() => iou([good], [{ size: [3, 4], counts: good.counts }], [0]));
    expect(e3).toMatchObject({ error: { code: 'RUNS_SUM_MISMATCH', path: ['gt', 0, 'counts'] } });
    expect(outcome(() => iou([{ size: [3], counts: '0' } as unknown as CocoRle], [good]))).toMatchObject({ error: { code: 'INVALID_STRUCTURE', path: ['dt', 0, 'size'] } });
  });
});

describe('merge of compressed strings (one scan each, swept in place)', () => {
  it('equals the general path (the same RLEs uncompressed), for unions and intersections of 2-4 masks, zero-length runs included', async () => {
    const { merge } = await import('../src/index.js');
    const sizeArb = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }));
    await fc.assert(
      fc.property(sizeArb, fc.array(fc.array(fc.nat(5), { minLength: 1, maxLength: 12 }), { minLength: 2, maxLength: 4 }), fc.boolean(), ([h, w], lists, intersect) => {
        const total = h * w;
        // Runs with zero-length ones inside, cut to sum to h*w.
        const counts = lists.map((l) => {
          const out: number[] = [];
          let left = total;
          for (const r of l) {
            const x = Math.min(r, left);
            out.push(x);
            left -= x;
          }
          out.push(left);
          return out;
        });
        const strings = counts.map((c) => ({ size: [h, w], counts: countsToString(Uint32Array.from(c)) }));
        const lists2 = counts.map((c) => ({ size: [h, w], counts: c }));
        expect(merge(strings, intersect)).toEqual(merge(lists2, intersect));
      }),
      { numRuns: 1000 },
    );
    // Foreground at the first and last pixel of a non-square mask.
    const a = encode(Mask.fromRuns([0, 1, 11], { height: 3, width: 4 }, 'col'));
    const b = encode(Mask.fromRuns([11, 1], { height: 3, width: 4 }, 'col'));
    expect(merge([a, b])).toEqual(encode(Mask.fromRuns([0, 1, 10, 1], { height: 3, width: 4 }, 'col')));
    expect(merge([a, b], true)).toEqual(encode(Mask.empty({ height: 3, width: 4 })));
  });
});
