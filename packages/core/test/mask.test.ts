import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LabelMap, Mask, RleError, transposeRuns } from '../src/index.js';
import { bitmapArb, expectCode, naiveRuns, toColumnMajor } from './support.js';

const size = (height: number, width: number) => ({ height, width });


describe('Mask representations', () => {
  it('row runs, column runs and bitmaps agree with a naive reference', () => {
    fc.assert(
      fc.property(bitmapArb(), ({ height, width, bits }) => {
        const m = Mask.fromBitmap(bits, size(height, width));
        const col = toColumnMajor(bits, height, width);
        expect([...m.runs('row')]).toEqual(naiveRuns(bits));
        expect([...m.runs('col')]).toEqual(naiveRuns(col));
        expect(m.toBitmap('row')).toEqual(bits);
        expect(m.toBitmap('col')).toEqual(col);
        const fromCol = Mask.fromRuns(naiveRuns(col), size(height, width), 'col');
        expect(fromCol.toBitmap('row')).toEqual(bits);
        expect(fromCol.equals(m)).toBe(true);
        expect(Mask.fromBitmap(col, size(height, width), 'col').equals(m)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('fromIntervals matches the bitmap in both orders', () => {
    fc.assert(
      fc.property(bitmapArb(), fc.constantFrom<'row' | 'col'>('row', 'col'), ({ height, width, bits }, order) => {
        const flat = order === 'row' ? bits : toColumnMajor(bits, height, width);
        const starts: number[] = [], lengths: number[] = [];
        for (let i = 0; i < flat.length; i++) {
          if (flat[i] && (i === 0 || !flat[i - 1])) { starts.push(i); lengths.push(0); }
          if (flat[i]) lengths[lengths.length - 1]!++;
        }
        const m = Mask.fromIntervals(starts, lengths, size(height, width), order);
        expect(m.toBitmap('row')).toEqual(bits);
      }),
    );
  });

  it('area and bbox are the tight values, from runs alone', () => {
    fc.assert(
      fc.property(bitmapArb(), fc.boolean(), ({ height, width, bits }, viaCol) => {
        const m0 = Mask.fromBitmap(bits, size(height, width));
        const m = viaCol ? Mask.fromRuns(m0.runs('col'), size(height, width), 'col') : m0;
        let area = 0, x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
        for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (bits[y * width + x]) {
          area++; x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
        }
        expect(m.area()).toBe(area);
        expect(m.bbox()).toEqual(area === 0 ? { x: 0, y: 0, width: 0, height: 0 } : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 });
      }),
      { numRuns: 300 },
    );
  });

  it('foreground at the first and the last pixel, empty and full masks', () => {
    for (const [h, w] of [[3, 5], [5, 3], [1, 7], [7, 1]] as const) {
      const bits = new Uint8Array(h * w);
      bits[0] = 1;
      bits[h * w - 1] = 1;
      const m = Mask.fromBitmap(bits, size(h, w));
      expect(m.runs('row')[0]).toBe(0);
      expect(m.runs('col')[0]).toBe(0);
      expect(m.toBitmap()).toEqual(bits);
      expect(m.bbox()).toEqual({ x: 0, y: 0, width: w, height: h });
      expect([...Mask.empty(size(h, w)).runs('row')]).toEqual([h * w]);
      expect([...Mask.full(size(h, w)).runs('col')]).toEqual([0, h * w]);
      expect(Mask.full(size(h, w)).complement().equals(Mask.empty(size(h, w)))).toBe(true);
    }
  });

  it('transpose swaps the size and mirrors the pixels', () => {
    fc.assert(
      fc.property(bitmapArb(), ({ height, width, bits }) => {
        const t = Mask.fromBitmap(bits, size(height, width)).transpose();
        expect(t.height).toBe(width);
        expect(t.width).toBe(height);
        expect(t.toBitmap('row')).toEqual(toColumnMajor(bits, height, width));
        expect(t.transpose().toBitmap()).toEqual(bits);
      }),
    );
  });

  it('set operations, iou and dice match the pixels', () => {
    fc.assert(
      fc.property(bitmapArb(12).chain((a) => bitmapArb(12).map((b) => [a, b] as const)), fc.boolean(), ([a, b], mixOrders) => {
        const h = a.height, w = a.width;
        const bbits = Uint8Array.from({ length: h * w }, (_, i) => b.bits[i % b.bits.length]!);
        const A = Mask.fromBitmap(a.bits, size(h, w));
        const B0 = Mask.fromBitmap(bbits, size(h, w));
        const B = mixOrders ? Mask.fromRuns(B0.runs('col'), size(h, w), 'col') : B0;
        const px = (f: (x: number, y: number) => number) => Uint8Array.from({ length: h * w }, (_, i) => f(a.bits[i]!, bbits[i]!));
        expect(A.union(B).toBitmap()).toEqual(px((x, y) => x | y));
        expect(A.intersection(B).toBitmap()).toEqual(px((x, y) => x & y));
        expect(A.difference(B).toBitmap()).toEqual(px((x, y) => x & (1 - y)));
        expect(A.xor(B).toBitmap()).toEqual(px((x, y) => x ^ y));
        expect(A.complement().toBitmap()).toEqual(px((x) => 1 - x));
        let i = 0, u = 0;
        for (let k = 0; k < h * w; k++) { i += a.bits[k]! & bbits[k]!; u += a.bits[k]! | bbits[k]!; }
        expect(A.iou(B)).toBeCloseTo(u === 0 ? 0 : i / u, 12);
        const s = A.area() + B.area();
        expect(A.dice(B)).toBeCloseTo(s === 0 ? 0 : (2 * i) / s, 12);
      }),
    );
  });

  it('crop, paste and pad move pixels exactly, clipping what falls outside', () => {
    fc.assert(
      fc.property(
        bitmapArb(12),
        fc.integer({ min: -5, max: 15 }), fc.integer({ min: -5, max: 15 }),
        fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 14 }),
        ({ height, width, bits }, dx, dy, H, W) => {
          const m = Mask.fromBitmap(bits, size(height, width));
          const pasted = m.paste(size(H, W), { x: dx, y: dy });
          const crop = m.crop({ x: dx, y: dy, width: W, height: H });
          const at = (x: number, y: number) => (x >= 0 && y >= 0 && x < width && y < height ? bits[y * width + x]! : 0);
          expect(pasted.toBitmap()).toEqual(Uint8Array.from({ length: H * W }, (_, i) => at((i % W) - dx, Math.floor(i / W) - dy)));
          expect(crop.toBitmap()).toEqual(Uint8Array.from({ length: H * W }, (_, i) => at((i % W) + dx, Math.floor(i / W) + dy)));
        },
      ),
    );
    const m = Mask.fromBitmap([1, 0, 0, 1, 1, 0], size(2, 3));
    expect(m.pad({ top: 1, left: 2 }).toBitmap()).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0]));
  });

  it('transposes huge masks with few runs in bounded memory', () => {
    // 40000 x 30000 = 1.2 Gpx: a block and a stripe; only runs are ever built.
    const h = 40000, w = 30000;
    const block = Mask.full(size(1000, 2000)).paste(size(h, w), { x: 100, y: 39000 });
    const col = block.runs('col');
    const row = block.runs('row');
    expect(row.length).toBe(1 + 2 * 1000);
    expect(Mask.fromRuns(row, size(h, w), 'row').runs('col')).toEqual(col);
    expect(block.area()).toBe(2_000_000);
    expect(block.bbox()).toEqual({ x: 100, y: 39000, width: 2000, height: 1000 });
    // Degenerate shapes are the identity.
    const line = Mask.fromRuns([5, 1e9 - 10, 5], size(1, 1e9), 'row');
    expect([...line.runs('col')]).toEqual([5, 1e9 - 10, 5]);
    // Tall thin masks take the sorting path rather than a per-line count table.
    const tall = Mask.fromRuns([3, 4, 2_000_000 - 7], size(1_000_000, 2), 'row');
    expect([...tall.runs('col')]).toEqual([2, 2, 999_997, 2, 999_997]);
  });

  it('transposeRuns is its own inverse', () => {
    fc.assert(
      fc.property(bitmapArb(), ({ height, width, bits }) => {
        const runs = Uint32Array.from(naiveRuns(bits));
        const col = transposeRuns(runs, height, width);
        expect([...transposeRuns(col, width, height)]).toEqual([...runs]);
      }),
    );
  });
});

describe('bad input is an RleError with a code', () => {
  it('rejects bad sizes, runs and bitmaps', () => {
    expectCode(() => Mask.fromRuns([1, 2], size(-1, 3), 'row'), 'INVALID_SIZE');
    expectCode(() => Mask.fromRuns([1, 2], size(1.5, 2), 'row'), 'INVALID_SIZE');
    expectCode(() => Mask.fromRuns([], size(100000, 100000), 'row'), 'INVALID_SIZE');
    expectCode(() => Mask.fromRuns([1, 2], size(2, 2), 'row'), 'RUNS_SUM_MISMATCH');
    expectCode(() => Mask.fromRuns([1, 5], size(2, 2), 'row'), 'RUNS_SUM_MISMATCH');
    expectCode(() => Mask.fromRuns([1, -1, 4], size(2, 2), 'row'), 'INVALID_RUNS');
    expectCode(() => Mask.fromRuns([1.5, 2.5], size(2, 2), 'row'), 'INVALID_RUNS');
    expectCode(() => Mask.fromRuns([2 ** 32, 0], size(2, 2), 'row'), 'INVALID_RUNS');
    expectCode(() => Mask.fromRuns([4], size(2, 2), 'diagonal' as 'row'), 'INVALID_OPTION');
    expectCode(() => Mask.fromBitmap([1, 0, 1], size(2, 2)), 'INVALID_BITMAP');
    expectCode(() => Mask.fromIntervals([2, 1], [1, 1], size(2, 2), 'row'), 'INVALID_INTERVALS');
    expectCode(() => Mask.fromIntervals([0, 1], [2, 1], size(2, 2), 'row'), 'INVALID_INTERVALS');
    expectCode(() => Mask.fromIntervals([3], [2], size(2, 2), 'row'), 'INVALID_INTERVALS');
    expectCode(() => Mask.empty(size(2, 3)).union(Mask.empty(size(3, 2))), 'SIZE_MISMATCH');
  });

  it('canonicalises zero runs in the middle', () => {
    expect([...Mask.fromRuns([2, 0, 3, 1], size(2, 3), 'row').runs('row')]).toEqual([5, 1]);
    expect([...Mask.fromRuns([0, 0, 6], size(2, 3), 'row').runs('row')]).toEqual([6]);
    expect([...Mask.fromRuns([], size(0, 3), 'row').runs('col')]).toEqual([]);
  });
});

describe('LabelMap', () => {
  it('splits 8-bit maps of long runs as pixel by pixel, runs starting and ending at every offset of a word, arrays at any offset', () => {
    // Runs of 1..40 pixels (the four-pixel skip meets runs that end inside, at and across word
    // edges), labels including 255 (0xffffffff words), non-square maps, the array at byte offsets 0..3.
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 23 }), fc.integer({ min: 1, max: 31 }), fc.array(fc.record({ label: fc.constantFrom(0, 0, 1, 7, 255), n: fc.integer({ min: 1, max: 40 }) }), { minLength: 1, maxLength: 60 }), fc.nat(3),
      (height, width, runs, offset) => {
        fc.pre(height !== width);
        const total = height * width;
        const values: number[] = [];
        for (let k = 0; values.length < total; k++) {
          const r = runs[k % runs.length]!;
          for (let j = 0; j < r.n && values.length < total; j++) values.push(r.label);
        }
        values[0] = 7; // foreground at the first and last pixel
        values[total - 1] = 255;
        const data = new Uint8Array(total + 4).subarray(offset, offset + total);
        data.set(values);
        const masks = LabelMap.fromArray(data, size(height, width)).masks();
        const labels = [...new Set(values)].filter((v) => v !== 0).sort((a, b) => a - b);
        expect([...masks.keys()]).toEqual(labels);
        for (const [label, m] of masks) expect(Array.from(m.toBitmap('row'))).toEqual(values.map((v) => (v === label ? 1 : 0)));
      },
    ), { numRuns: 500 });
    // Empty and full maps.
    expect(LabelMap.fromArray(new Uint8Array(12), size(3, 4)).masks().size).toBe(0);
    expect(LabelMap.fromArray(new Uint8Array(12).fill(9), size(3, 4)).masks().get(9)!.area()).toBe(12);
  });

  it('splits into masks in one pass and paints them back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom(3, 300, 70000),
        fc.infiniteStream(fc.nat()),
        (height, width, maxLabel, stream) => {
          const it = stream[Symbol.iterator]();
          const values = Array.from({ length: height * width }, () => { const v = it.next().value! % (maxLabel + 1); return v % 3 === 0 ? 0 : v; });
          const data = maxLabel < 256 ? Uint8Array.from(values) : maxLabel < 65536 ? Uint16Array.from(values) : Uint32Array.from(values);
          const lm = LabelMap.fromArray(data, size(height, width));
          const masks = lm.masks();
          expect([...masks.keys()]).toEqual(lm.labels());
          for (const [label, m] of masks) expect(m.toBitmap()).toEqual(Uint8Array.from(data, (v) => (v === label ? 1 : 0)));
          expect([...LabelMap.fromMasks(masks, size(height, width)).data]).toEqual([...data]);
        },
      ),
    );
  });

  it('applies the overlap policy', () => {
    const a = Mask.fromBitmap([1, 1, 0, 0, 0, 0], size(2, 3));
    const b = Mask.fromBitmap([0, 1, 1, 0, 0, 0], size(2, 3));
    const warnings: string[] = [];
    expectCode(() => LabelMap.fromMasks([[1, a], [2, b]], size(2, 3)), 'OVERLAP');
    expect([...LabelMap.fromMasks([[1, a], [2, b]], size(2, 3), { overlap: 'last' }).data]).toEqual([1, 2, 2, 0, 0, 0]);
    expect([...LabelMap.fromMasks([[1, a], [2, b]], size(2, 3), { overlap: 'first', warn: (w) => warnings.push(w.code) }).data]).toEqual([1, 1, 2, 0, 0, 0]);
    expect([...LabelMap.fromMasks([[1, a], [2, b]], size(2, 3), { overlap: [2, 1] }).data]).toEqual([1, 2, 2, 0, 0, 0]);
    expect(warnings).toEqual(['overlap-resolved']);
    expect(LabelMap.fromMasks([[300, a]], size(2, 3)).data).toBeInstanceOf(Uint16Array);
    expectCode(() => LabelMap.fromArray(new Uint8Array(5), size(2, 3)), 'INVALID_BITMAP');
  });

  it('paints into a given array (cleared first) when asked, and refuses one that does not fit', () => {
    const a = Mask.fromBitmap([1, 1, 0, 0, 0, 1], size(2, 3));
    const into = Uint8Array.of(9, 9, 9, 9, 9, 9);
    const lm = LabelMap.fromMasks([[4, a]], size(2, 3), { into });
    expect(lm.data).toBe(into);
    expect([...into]).toEqual([4, 4, 0, 0, 0, 4]);
    expectCode(() => LabelMap.fromMasks([[4, a]], size(2, 3), { into: new Uint8Array(7) }), 'INVALID_OPTION');
    expectCode(() => LabelMap.fromMasks([[300, a]], size(2, 3), { into: new Uint8Array(6) }), 'INVALID_OPTION');
    expect([...LabelMap.fromMasks([[300, a]], size(2, 3), { into: new Uint16Array(6) }).data]).toEqual([300, 300, 0, 0, 0, 300]);
  });

  it('paints overlapping masks as a per-pixel reference does, 8- and 16-bit: pixels, overwritten count, first overlap', () => {
    // Blocky masks (long runs, so the word-at-a-time check runs) on non-square images.
    const maskArb = (height: number, width: number) => fc.array(fc.record({ y: fc.nat(height - 1), x: fc.nat(width - 1), h: fc.integer({ min: 1, max: height }), w: fc.integer({ min: 1, max: width }) }), { minLength: 0, maxLength: 3 })
      .map((boxes) => {
        const bits = new Uint8Array(height * width);
        for (const b of boxes) for (let y = b.y; y < Math.min(height, b.y + b.h); y++) bits.fill(1, y * width + b.x, y * width + Math.min(width, b.x + b.w));
        return bits;
      });
    const arb = fc.record({ height: fc.integer({ min: 1, max: 23 }), width: fc.integer({ min: 1, max: 37 }) })
      .filter(({ height, width }) => height !== width)
      .chain(({ height, width }) => fc.tuple(fc.constant(height), fc.constant(width), fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), maskArb(height, width)), { minLength: 1, maxLength: 4 }), fc.constantFrom(1, 256)));
    fc.assert(fc.property(arb, ([height, width, list, scale]) => {
      const pairs = list.map(([l, bits]) => [l * scale, Mask.fromBitmap(bits, size(height, width))] as [number, Mask]);
      const ref = new Array<number>(height * width).fill(0);
      let overwritten = 0, firstOverlap = -1;
      for (const [l, m] of pairs) {
        const bits = m.toBitmap();
        for (let i = 0; i < bits.length; i++) {
          if (bits[i] === 0) continue;
          if (ref[i] !== 0) {
            overwritten++;
            if (firstOverlap < 0) firstOverlap = i;
          }
          ref[i] = l;
        }
      }
      const counts: number[] = [];
      const lm = LabelMap.fromMasks(pairs, size(height, width), { overlap: 'last', warn: (w) => counts.push(w.count!) });
      expect([...lm.data]).toEqual(ref);
      expect(counts).toEqual(overwritten > 0 ? [overwritten] : []);
      if (firstOverlap >= 0) {
        const e = (() => { try { LabelMap.fromMasks(pairs, size(height, width)); } catch (err) { return err as RleError; } })();
        expect(e?.code).toBe('OVERLAP');
        expect(e?.message).toContain(`at pixel (${firstOverlap % width}, ${Math.floor(firstOverlap / width)})`);
      } else expect(() => LabelMap.fromMasks(pairs, size(height, width))).not.toThrow();
    }), { numRuns: 300 });
  });
});
