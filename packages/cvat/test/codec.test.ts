import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask, type RleError, type RleWarning } from '@rlekit/core';
import { decode, decodePoints, encode, encodePoints, toCocoUncompressed } from '../src/index.js';
import { formatRuns, rleTextRuns } from '../src/codec.js';
import { bitmapArb, expectCode, naiveBoxRuns, naiveColRuns, readJson, rowsToBits, runsToBits } from './helpers.js';

interface Vector {
  name: string;
  height: number;
  width: number;
  pixels_set: number;
  rows?: string[];
  runs?: number[];
  encoded: { rle: string; left: string; top: string; width: string; height: string };
  points: number[];
  bbox: [number, number, number, number];
  bbox_given?: boolean;
  xml: string;
  coco_segmentation: { counts: number[]; size: [number, number] };
}

const vectors = readJson<Vector[]>('vectors.json');
const size = (height: number, width: number) => ({ height, width });

function vectorMask(v: Vector): Mask {
  const bits = v.rows ? rowsToBits(v.rows) : runsToBits(v.runs!, v.height * v.width);
  return Mask.fromBitmap(bits, size(v.height, v.width));
}

describe('shared CVAT vectors', () => {
  it('has the cases the tests rely on', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(20);
    expect(vectors.some((v) => v.bbox_given)).toBe(true);
    expect(vectors.some((v) => v.pixels_set === 0)).toBe(true);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s: encode, encodePoints and toCocoUncompressed give what CVAT writes', (_n, v) => {
    const m = vectorMask(v);
    expect(m.area()).toBe(v.pixels_set);
    const box = v.bbox_given ? v.bbox : undefined;
    expect(encode(m, box)).toEqual(v.encoded);
    expect(encodePoints(m, box)).toEqual(v.points);
    expect(toCocoUncompressed(m)).toEqual(v.coco_segmentation);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s: decode from the XML attributes and from points', (_n, v) => {
    const m = vectorMask(v);
    expect(decode(v.encoded, size(v.height, v.width)).equals(m)).toBe(true);
    expect(decodePoints(v.points, size(v.height, v.width)).equals(m)).toBe(true);
    // The start tag as CVAT's exporter writes it carries the same attribute values.
    const attrs = Object.fromEntries([...v.xml.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    expect(decode(attrs as Vector['encoded'], size(v.height, v.width)).equals(m)).toBe(true);
  });
});

describe('encode/decode round trips on random non-square masks', () => {
  it('encode uses the tight box and row-major runs of the crop', () => {
    fc.assert(
      fc.property(bitmapArb(), ({ height, width, bits }) => {
        const m = Mask.fromBitmap(bits, size(height, width));
        const e = encode(m);
        if (m.isEmpty()) {
          expect(e).toEqual({ rle: '1', left: '0', top: '0', width: '1', height: '1' });
        } else {
          const b = m.bbox();
          const box = { left: b.x, top: b.y, width: b.width, height: b.height };
          expect(e).toEqual({ rle: naiveBoxRuns(bits, width, box).join(', '), left: String(b.x), top: String(b.y), width: String(b.width), height: String(b.height) });
        }
        expect(decode(e, m.size).toBitmap()).toEqual(bits);
        const numeric = { rle: e.rle, left: Number(e.left), top: Number(e.top), width: Number(e.width), height: Number(e.height) };
        expect(decode(numeric, m.size).toBitmap()).toEqual(bits);
        expect(decodePoints(encodePoints(m), m.size).toBitmap()).toEqual(bits);
      }),
      { numRuns: 300 },
    );
  });

  it('any box holding the foreground decodes to the same mask, loose or whole-frame', () => {
    fc.assert(
      fc.property(bitmapArb(), fc.nat(), fc.nat(), fc.nat(), fc.nat(), ({ height, width, bits }, a, b, c, d) => {
        const m = Mask.fromBitmap(bits, size(height, width));
        const t = m.isEmpty() ? { x: a % width, y: b % height, width: 1, height: 1 } : m.bbox();
        const left = t.x - (a % (t.x + 1)), top = t.y - (b % (t.y + 1));
        const right = t.x + t.width - 1 + (c % (width - t.x - t.width + 1)), bottom = t.y + t.height - 1 + (d % (height - t.y - t.height + 1));
        const e = encode(m, [left, top, right, bottom]);
        expect(e.rle).toBe(naiveBoxRuns(bits, width, { left, top, width: right - left + 1, height: bottom - top + 1 }).join(', '));
        expect(decode(e, m.size).toBitmap()).toEqual(bits);
        expect(decodePoints(encodePoints(m, [left, top, right, bottom]), m.size).toBitmap()).toEqual(bits);
      }),
      { numRuns: 300 },
    );
  });

  it('boxes reaching past the image are clipped, and lost foreground is reported', () => {
    fc.assert(
      fc.property(bitmapArb(12), fc.integer({ min: -6, max: 14 }), fc.integer({ min: -6, max: 14 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.nat(),
        ({ height: bh, width: bw, bits }, left, top, H, W, seed) => {
          // A box mask placed anywhere in an H×W image: reference by pixels.
          const boxMask = Mask.fromBitmap(bits, size(bh, bw));
          const runs = boxMask.runs('row');
          const warnings: RleWarning[] = [];
          const got = decode({ rle: Array.from(runs), left, top, width: bw, height: bh }, size(H, W), { warn: (w) => warnings.push(w) });
          const want = new Uint8Array(H * W);
          let lost = 0;
          for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) {
            if (!bits[y * bw + x]) continue;
            const X = x + left, Y = y + top;
            if (X >= 0 && Y >= 0 && X < W && Y < H) want[Y * W + X] = 1;
            else lost++;
          }
          expect(got.toBitmap()).toEqual(want);
          expect(warnings.reduce((s, w) => s + (w.code === 'clipped' ? w.count! : 0), 0)).toBe(lost);
          void seed;
        }),
      { numRuns: 200 },
    );
  });

  it('foreground at the first and last pixel, empty and full masks', () => {
    for (const [h, w] of [[3, 5], [5, 3], [1, 7], [7, 1]] as const) {
      const bits = new Uint8Array(h * w);
      bits[0] = 1;
      bits[h * w - 1] = 1;
      const m = Mask.fromBitmap(bits, size(h, w));
      const e = encode(m);
      expect(e.rle.startsWith('0, 1')).toBe(true);
      expect([e.left, e.top, e.width, e.height]).toEqual(['0', '0', String(w), String(h)]);
      expect(decode(e, size(h, w)).toBitmap()).toEqual(bits);
      const full = Mask.full(size(h, w));
      expect(encode(full)).toEqual({ rle: `0, ${h * w}`, left: '0', top: '0', width: String(w), height: String(h) });
      expect(decode(encode(full), size(h, w)).equals(full)).toBe(true);
      const empty = Mask.empty(size(h, w));
      expect(encode(empty)).toEqual({ rle: '1', left: '0', top: '0', width: '1', height: '1' });
      expect(encodePoints(empty)).toEqual([1, 0, 0, 0, 0]);
      expect(decode(encode(empty), size(h, w)).equals(empty)).toBe(true);
      // An empty run list is an empty mask, whatever the box.
      expect(decode({ rle: '', left: 0, top: 0, width: w, height: h }, size(h, w)).isEmpty()).toBe(true);
      // An empty mask over a given box: one background run of the box.
      expect(encode(empty, [1, 0, 2, 0])).toEqual({ rle: '2', left: '1', top: '0', width: '2', height: '1' });
    }
  });

  it('works on a large sparse mask without touching every pixel', () => {
    const big = Mask.full(size(30, 2000)).paste(size(20000, 30000), { x: 28000, y: 19970 });
    const e = encode(big);
    expect(e).toEqual({ rle: '0, 60000', left: '28000', top: '19970', width: '2000', height: '30' });
    const back = decode(e, size(20000, 30000));
    expect(back.equals(big)).toBe(true);
    expect(naiveColRuns(new Uint8Array([1, 0, 0, 1]), 2, 2)).toEqual([0, 1, 2, 1]);
  });
});

describe('formatRuns', () => {
  it('writes any uint32 runs as Python\'s list repr without brackets', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 40 }), (list) => {
        expect(formatRuns(Uint32Array.from(list))).toBe(list.join(', '));
      }),
    );
    expect(formatRuns(Uint32Array.of(0, 4294967295, 10, 100, 2147483648))).toBe('0, 4294967295, 10, 100, 2147483648');
  });
});

describe('bad input is an RleError with a code', () => {
  const s = size(4, 6);
  it('rejects runs that do not fill the box, or overflow it', () => {
    expectCode(() => decode({ rle: '0, 3', left: 0, top: 0, width: 2, height: 2 }, s), 'RUNS_SUM_MISMATCH');
    expectCode(() => decode({ rle: '0, 3, 2', left: 0, top: 0, width: 2, height: 2 }, s), 'RUNS_SUM_MISMATCH');
    expectCode(() => decode({ rle: [0, 5], left: 0, top: 0, width: 2, height: 2 }, s), 'RUNS_SUM_MISMATCH');
    expectCode(() => decode({ rle: '4294967296, 0', left: 0, top: 0, width: 2, height: 2 }, s), 'INVALID_RUNS');
    expectCode(() => decode({ rle: '99999999999999999999999999', left: 0, top: 0, width: 2, height: 2 }, s), 'INVALID_RUNS');
    expectCode(() => decode({ rle: [1, -1, 4], left: 0, top: 0, width: 2, height: 2 }, s), 'INVALID_RUNS');
    expectCode(() => decode({ rle: [1.5, 2.5], left: 0, top: 0, width: 2, height: 2 }, s), 'INVALID_RUNS');
  });

  it('pads short runs only when asked, and says so', () => {
    const warnings: RleWarning[] = [];
    const m = decode({ rle: '1, 2', left: 1, top: 1, width: 2, height: 2 }, s, { padShortRuns: true, warn: (w) => warnings.push(w) });
    expect(m.toBitmap()).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(warnings.map((w) => w.code)).toEqual(['padded-runs']);
  });

  it('rejects malformed rle text with the character position', () => {
    const box = { left: 0, top: 0, width: 2, height: 2 };
    expect(decode({ ...box, rle: ' 0 ,4 ' }, s).area()).toBe(4);
    expect(expectCode(() => decode({ ...box, rle: '0, x' }, s), 'INVALID_TOKEN').message).toMatch(/character 3/);
    expectCode(() => decode({ ...box, rle: '0 4' }, s), 'INVALID_TOKEN');
    expectCode(() => decode({ ...box, rle: '0,,4' }, s), 'INVALID_TOKEN');
    expectCode(() => decode({ ...box, rle: '-1, 5' }, s), 'INVALID_TOKEN');
    expectCode(() => decode({ ...box, rle: '1.0, 3' }, s), 'INVALID_TOKEN');
    expectCode(() => decode({ ...box, rle: '0, 4,' }, s), 'TRUNCATED');
    expectCode(() => decode({ ...box, rle: undefined as unknown as string }, s), 'INVALID_STRUCTURE');
  });

  it('rejects bad boxes and sizes before building anything', () => {
    expectCode(() => decode({ rle: '1', left: 'a', top: 0, width: 1, height: 1 }, s), 'INVALID_TOKEN');
    expectCode(() => decode({ rle: '1', left: 0.5, top: 0, width: 1, height: 1 }, s), 'INVALID_TOKEN');
    expectCode(() => decode({ rle: '1', left: 0, top: 0, width: -1, height: 1 }, s), 'INVALID_TOKEN');
    expectCode(() => decode({ rle: '1', left: 0, top: 0, width: '1.5', height: 1 }, s), 'INVALID_TOKEN');
    expectCode(() => decode({ rle: '1', left: 0, top: 0, width: 100000, height: 100000 }, s), 'INVALID_SIZE');
    expectCode(() => decode({ rle: '1', left: 0, top: 0, width: 1, height: 1 }, size(-1, 3)), 'INVALID_SIZE');
    expectCode(() => decode({ rle: '1', left: 0, top: 0, width: 1, height: 1 }, size(3000, 3000), { maxPixels: 1000 }), 'LIMIT_EXCEEDED');
    expectCode(() => decode(null as never, s), 'INVALID_STRUCTURE');
    expectCode(() => decodePoints([1, 2, 3], s), 'INVALID_STRUCTURE');
    expectCode(() => decodePoints([4, 0, 0, NaN, 1], s), 'INVALID_TOKEN');
    // Decimal strings that are whole numbers are accepted (CVAT's API may hand back floats).
    expect(decode({ rle: '0, 1', left: '2.0', top: '1', width: '1', height: '1' }, s).bbox()).toEqual({ x: 2, y: 1, width: 1, height: 1 });
  });

  it('refuses boxes that would drop foreground when encoding', () => {
    const m = Mask.fromBitmap([0, 1, 1, 0, 0, 0], size(2, 3));
    expectCode(() => encode(m, [2, 0, 2, 1]), 'INVALID_OPTION');
    expectCode(() => encode(m, [2, 0, 1, 1]), 'INVALID_OPTION');
    expectCode(() => encode(m, [0, 0, 1.5, 1] as never), 'INVALID_OPTION');
    expect(encode(m, [0, 0, 2, 1]).rle).toBe('1, 2, 3');
  });
});

describe('the rle text read from bytes (the plain case) gives what the character loop gives', () => {
  const outcome = (rle: string, total: number, pad: boolean, fromBytes: boolean): unknown => {
    try {
      const { runs, padded } = rleTextRuns(rle, total, pad, ['rle'], 7, fromBytes);
      return { runs: Array.from(runs), padded };
    } catch (e) {
      const { code, message, path, offset, expected, received } = e as RleError;
      return { code, message, path, offset, expected, received };
    }
  };
  it('the same runs, or the same error (code, message, path, what was received), over valid, spaced and broken rle text', () => {
    let ok = 0, failed = 0;
    const token = fc.oneof(fc.nat(40).map(String), fc.constantFrom('0', '999999999', '1000000000', '0000000007', '000000007', '4294967295', '4294967296', '99999999999999999999', ' 3', '3 ', '\t2\n', '', 'x', '1 2', '-1', '+1', 'é', '\u0100', '٣'));
    fc.assert(fc.property(fc.array(token, { maxLength: 12 }), fc.constantFrom(', ', ',', ' , '), fc.boolean(), fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constant(2 ** 40), fc.constant(2 ** 32 - 1)), (tokens, sep, pad, total) => {
      const rle = tokens.join(sep);
      const fast = outcome(rle, total, pad, true);
      expect(fast).toEqual(outcome(rle, total, pad, false));
      if ((fast as { code?: string }).code === undefined) ok++;
      else failed++;
    }), { numRuns: 3000 });
    expect(ok).toBeGreaterThan(100);
    expect(failed).toBeGreaterThan(100);
  });
});

describe('decode places the rle it reads straight into the image', () => {
  // The way decode went before: the box's runs copied out (rleTextRuns), a box mask, pasted into the image.
  const reference = (enc: { rle: string; left: number; top: number; width: number; height: number }, s: { height: number; width: number }, pad: boolean): unknown => {
    const warnings: RleWarning[] = [];
    try {
      const { runs, padded } = rleTextRuns(enc.rle, enc.width * enc.height, pad, ['m', 'rle'], 3);
      if (padded > 0) warnings.push({ code: 'padded-runs', message: `Runs stopped ${padded} pixels short of their box; the rest was read as background`, path: ['m'], count: 1 });
      const inBox = Mask.fromCanonicalRuns(runs, { height: enc.height, width: enc.width }, 'row');
      const out = inBox.paste(s, { x: enc.left, y: enc.top });
      const lost = inBox.area() - out.area();
      if (lost > 0) warnings.push({ code: 'clipped', message: `${lost} foreground pixels of a mask lie outside its ${s.height}x${s.width} image and were clipped`, path: ['m'], count: lost });
      return { runs: Array.from(out.runs('row')), warnings };
    } catch (e) {
      const { code, message, path, offset, expected, received } = e as RleError;
      return { code, message, path, offset, expected, received };
    }
  };
  const outcome = (enc: { rle: string; left: number; top: number; width: number; height: number }, s: { height: number; width: number }, pad: boolean): unknown => {
    const warnings: RleWarning[] = [];
    try {
      const m = decode(enc, s, { padShortRuns: pad, warn: (w) => warnings.push(w), path: ['m'], offset: 3 });
      expect(m.size).toEqual(s);
      return { runs: Array.from(m.runs('row')), warnings };
    } catch (e) {
      const { code, message, path, offset, expected, received } = e as RleError;
      return { code, message, path, offset, expected, received };
    }
  };

  it('the same mask, warnings or error as the box mask pasted, for boxes anywhere (edges, outside, the whole image) and any spelling', () => {
    let inside = 0, clipped = 0, whole = 0, failed = 0;
    fc.assert(fc.property(
      bitmapArb(9), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: -10, max: 16 }), fc.integer({ min: -10, max: 16 }),
      fc.constantFrom('plain', 'zeros', 'short', 'broken', 'spaced'), fc.boolean(), fc.boolean(), fc.nat(),
      ({ height, width, bits }, H, W, left, top, spelling, pad, atOrigin, seed) => {
        // Sometimes the box is the image: its runs are the mask's.
        const s = atOrigin ? size(height, width) : size(H, W);
        const x = atOrigin ? 0 : left, y = atOrigin ? 0 : top;
        let runs = naiveBoxRuns(bits, width, { left: 0, top: 0, width, height });
        if (spelling === 'zeros') runs = runs.flatMap((r, k) => ((k + seed) % 3 === 0 && r > 1 ? [r - 1, 0, 1] : [r]));
        if (spelling === 'short' && runs.length > 1) runs = runs.slice(0, runs.length - 1 - (seed % Math.min(2, runs.length - 1)));
        let rle = runs.join(spelling === 'spaced' ? ' ,\t' : ', ');
        if (spelling === 'broken') rle = [rle.slice(0, seed % (rle.length + 1)), ['x', ',', ', ,', '-1', '99999999999', '4294967296', 'é'][seed % 7], rle.slice(seed % (rle.length + 1))].join('');
        const enc = { rle, left: x, top: y, width, height };
        const got = outcome(enc, s, pad);
        expect(got).toEqual(reference(enc, s, pad));
        if ((got as { code?: string }).code !== undefined) failed++;
        else if (atOrigin) whole++;
        else if (x < 0 || y < 0 || x + width > W || y + height > H) clipped++;
        else inside++;
      }), { numRuns: 3000 });
    expect(inside).toBeGreaterThan(50);
    expect(clipped).toBeGreaterThan(100);
    expect(whole).toBeGreaterThan(100);
    expect(failed).toBeGreaterThan(100);
  });
});

describe('decode errors name the attribute (their paths are made only when thrown)', () => {
  it('left, top, width, height and rle under the given path, with the offset', () => {
    const at = (enc: Record<string, unknown>): unknown => {
      try {
        decode(enc as never, size(4, 5), { path: ['m', 1], offset: 9 });
        return 'read';
      } catch (e) {
        return [(e as RleError).code, (e as RleError).path, (e as RleError).offset];
      }
    };
    const ok = { rle: '1', left: 0, top: 0, width: 1, height: 1 };
    expect(at({ ...ok, left: 'a' })).toEqual(['INVALID_TOKEN', ['m', 1, 'left'], 9]);
    expect(at({ ...ok, top: 'x' })).toEqual(['INVALID_TOKEN', ['m', 1, 'top'], 9]);
    expect(at({ ...ok, width: -1 })).toEqual(['INVALID_TOKEN', ['m', 1, 'width'], 9]);
    expect(at({ ...ok, height: undefined })).toEqual(['INVALID_STRUCTURE', ['m', 1, 'height'], 9]);
    expect(at({ ...ok, rle: '1,x' })).toEqual(['INVALID_TOKEN', ['m', 1, 'rle'], 9]);
    expect(at({ ...ok, rle: '0, 99999999999' })).toEqual(['INVALID_RUNS', ['m', 1, 'rle', 1], 9]);
    expect(at({ ...ok, rle: '0, 1, 1' })).toEqual(['RUNS_SUM_MISMATCH', ['m', 1, 'rle'], 9]);
    expect(at(ok)).toBe('read');
  });
});
