import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countsToString, Mask, RunBuilder, type Size } from '@rlekit/core';
import { encode as kaggleEncode, type Preset, presets } from '@rlekit/kaggle';
import { zlibSync } from 'fflate';
import { encode as brushEncode } from '@rlekit/label-studio';
import { commonSizes, detectConventions, factorSizes, parseMaskText, renderAscii } from '../src/index.js';
import { perimeter } from '../src/shape.js';
import { prng as rng } from '../../core/test/support.js';

type Shape = { kind: 'ellipse' | 'rect' | 'line'; cx: number; cy: number; rx: number; ry: number };

/** Realistic masks: blobs, boxes and thin structures, 1–4 parts, built row by row from intervals. */
function realisticMask(size: Size, rand: () => number): Mask {
  const { height: h, width: w } = size;
  const shapes: Shape[] = [];
  const n = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) {
    const r = rand();
    shapes.push({
      kind: r < 0.6 ? 'ellipse' : r < 0.85 ? 'rect' : 'line',
      cx: rand() * w, cy: rand() * h,
      rx: 2 + rand() * w * 0.25, ry: 2 + rand() * h * 0.25,
    });
  }
  const b = new RunBuilder();
  for (let y = 0; y < h; y++) {
    const spans: [number, number][] = [];
    for (const s of shapes) {
      let half = -1;
      if (s.kind === 'ellipse') {
        const dy = (y + 0.5 - s.cy) / s.ry;
        if (Math.abs(dy) < 1) half = s.rx * Math.sqrt(1 - dy * dy);
      } else if (s.kind === 'rect') {
        if (Math.abs(y + 0.5 - s.cy) < s.ry) half = s.rx;
      } else if (Math.abs(y + 0.5 - s.cy) < 1.5) half = s.rx * 2;
      if (half <= 0) continue;
      const a = Math.max(0, Math.floor(s.cx - half)), e = Math.min(w, Math.ceil(s.cx + half));
      if (e > a) spans.push([a, e]);
    }
    spans.sort((p, q) => p[0] - q[0]);
    let end = -1;
    for (const [s, e] of spans) {
      const from = Math.max(s, end);
      if (e > from) b.addInterval(y * w + from, y * w + e);
      end = Math.max(end, e);
    }
  }
  return Mask.fromCanonicalRuns(b.finish(h * w), size, 'row');
}

interface Encoded {
  name: string;
  text: string;
  dialect: string;
  order: 'row' | 'col';
  base?: 0 | 1;
  relative?: boolean;
}

const adHoc = (order: 'row' | 'col', base: 0 | 1, pairing: 'absolute' | 'relative'): Preset => ({
  ...presets['airbus-ship-detection']!, id: `test-${order}-${base}-${pairing}`, order, base, pairing, empty: '',
});

/** The mask in every convention rlekit knows how to write one mask in. */
function encodings(m: Mask): Encoded[] {
  const col = Array.from(m.runs('col')), row = Array.from(m.runs('row'));
  const out: Encoded[] = [
    { name: 'COCO string', text: countsToString(m.runs('col')), dialect: 'coco', order: 'col' },
    { name: 'COCO object', text: JSON.stringify({ size: [m.height, m.width], counts: countsToString(m.runs('col')) }), dialect: 'coco', order: 'col' },
    { name: 'COCO counts list', text: JSON.stringify(col), dialect: 'coco', order: 'col' },
    { name: 'Encord rleString', text: countsToString(m.runs('row')), dialect: 'encord', order: 'row' },
    { name: 'CVAT rle', text: row.join(', '), dialect: 'cvat', order: 'row' },
  ];
  for (const order of ['col', 'row'] as const) {
    out.push({ name: `Kaggle ${order} 1-based`, text: kaggleEncode(m, adHoc(order, 1, 'absolute')), dialect: 'kaggle', order, base: 1, relative: false });
  }
  out.push({ name: 'Label Studio brush', text: JSON.stringify(brushEncode(m)), dialect: 'label-studio', order: 'row' });
  out.push({ name: 'SIIM relative', text: kaggleEncode(m, adHoc('col', 0, 'relative')), dialect: 'kaggle', order: 'col', base: 0, relative: true });
  return out;
}

describe('parseMaskText', () => {
  it('peels every wrapper users paste and names it', () => {
    const s = countsToString(Uint32Array.of(3, 2, 7));
    expect(parseMaskText(`b'${s}'`).find((p) => p.kind === 'count-string')).toMatchObject({ kind: 'count-string', text: s, wrappers: ["a Python bytes repr b'…'"] });
    expect(parseMaskText(`{'size': [3, 4], 'counts': b'${s}'}`).find((p) => p.kind === 'count-string')).toMatchObject({ kind: 'count-string', size: { height: 3, width: 4 } });
    expect(parseMaskText('rle="3, 2, 7"')[0]).toMatchObject({ kind: 'numbers', wrappers: ['a CVAT rle="…" attribute'] });
    const b64 = btoa(String.fromCharCode(...zlibSync(new TextEncoder().encode(s))));
    const wrapped = parseMaskText(b64).find((p) => p.kind === 'count-string');
    expect(wrapped).toMatchObject({ text: s, wrappers: ['base64', 'zlib'] });
    expect(Array.from((parseMaskText('[3, 2, 7]')[0] as { values: Float64Array }).values)).toEqual([3, 2, 7]);
  });

  it('unescapes backslashes in a Python bytes repr (COCO strings contain \\)', () => {
    // Count 44 codes as "\\" in pycocotools' alphabet; Python prints it doubled.
    const s = countsToString(Uint32Array.of(44, 1, 3251));
    expect(s).toContain('\\');
    const repr = `b'${s.replace(/\\/g, '\\\\')}'`;
    expect(parseMaskText(repr)[0]).toMatchObject({ kind: 'count-string', text: s });
  });

  it('refuses text that holds no mask with INVALID_TOKEN naming the accepted forms', () => {
    expect(() => parseMaskText('hello world!')).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN' }));
    expect(() => parseMaskText('')).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN' }));
  });

  it('does not inflate a zlib bomb past the cap', () => {
    const bomb = zlibSync(new Uint8Array(8 << 20).fill(48));
    const b64 = btoa(String.fromCharCode(...bomb));
    const payloads = (() => {
      try {
        return parseMaskText(b64, { maxBytes: 1 << 20 });
      } catch {
        return [];
      }
    })();
    expect(payloads.every((p) => !(p.kind === 'count-string' && p.text.length >= 1 << 20))).toBe(true);
  });
});

describe('perimeter on intervals', () => {
  it('matches a per-pixel count on random non-square masks', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 11 }), fc.integer(), (h, w, seed) => {
      const rand = rng(seed);
      const bits = Uint8Array.from({ length: h * w }, () => (rand() < 0.4 ? 1 : 0));
      const m = Mask.fromBitmap(bits, { height: h, width: w }, 'row');
      const runs = m.runs('row');
      const starts: number[] = [], ends: number[] = [];
      let pos = 0;
      for (let k = 0; k < runs.length; k++) {
        if (k & 1 && runs[k]! > 0) {
          starts.push(pos);
          ends.push(pos + runs[k]!);
        }
        pos += runs[k]!;
      }
      let expected = 0;
      const at = (x: number, y: number) => (x >= 0 && y >= 0 && x < w && y < h ? bits[y * w + x]! : 0);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        if (!at(x, y)) continue;
        expected += 4 - at(x - 1, y) - at(x + 1, y) - at(x, y - 1) - at(x, y + 1);
      }
      const iv = { starts: Float64Array.from(starts), ends: Float64Array.from(ends), count: starts.length, area: m.area() };
      expect(perimeter(iv, w)).toBe(expected);
    }), { seed: 7, numRuns: 300 });
  });
});

describe('detectConventions', () => {
  it('tells COCO column-major from Encord row-major on a non-square mask', () => {
    const m = realisticMask({ height: 48, width: 64 }, rng(1));
    const col = detectConventions(countsToString(m.runs('col')), { size: { height: 48, width: 64 } });
    expect(col.candidates[0]).toMatchObject({ dialect: 'coco', order: 'col', size: [48, 64], area: m.area() });
    expect(col.candidates[0]!.mask.equals(m)).toBe(true);
    const row = detectConventions(countsToString(m.runs('row')), { size: { height: 48, width: 64 } });
    expect(row.candidates[0]).toMatchObject({ dialect: 'encord', order: 'row', size: [48, 64] });
    expect(row.candidates[0]!.mask.equals(m)).toBe(true);
  });

  it('says the index base cannot be told, with tied scores, when no run touches the first or last pixel', () => {
    const m = Mask.fromIntervals([5], [3], { height: 4, width: 5 }, 'row');
    const r = detectConventions('6 3', { size: { height: 4, width: 5 } });
    const kaggle = r.candidates.filter((c) => c.dialect === 'kaggle' && c.order === 'row' && !c.relative && c.size[0] === 4);
    expect(kaggle.map((c) => c.base).sort()).toEqual([0, 1]);
    expect(kaggle[0]!.score).toBe(kaggle[1]!.score);
    expect(kaggle[0]!.reasons.join(' ')).toContain('index base cannot be told');
    expect(kaggle.find((c) => c.base === 1)!.mask.equals(m)).toBe(true);
  });

  it('rules out 1-based starts when a start is 0', () => {
    const r = detectConventions('0 3', { size: { height: 4, width: 5 } });
    expect(r.candidates.filter((c) => c.dialect === 'kaggle' && !c.relative).every((c) => c.base === 0)).toBe(true);
  });

  it('lists the sizes that fit without --size, the true common size first for a counts reading', () => {
    const m = realisticMask({ height: 480, width: 640 }, rng(5));
    const r = detectConventions(JSON.stringify(Array.from(m.runs('col'))));
    expect(r.sizes!.slice(0, 3).map(([h, w]) => `${h}x${w}`)).toContain('480x640');
  });

  it('refuses counts that fit no reading of the given size with a typed error', () => {
    expect(() => detectConventions('[1, 2, 3]', { size: { height: 4, width: 5 } })).toThrow(expect.objectContaining({ code: 'INVALID_RUNS' }));
  });

  it('ranks the true convention and size first in at least 95% of realistic non-square cases with --size', () => {
    const rand = rng(2026);
    let total = 0, right = 0;
    const misses: string[] = [];
    const sizes = [...commonSizes().filter((s) => s.height !== s.width && s.height * s.width <= 1_500_000), { height: 37, width: 91 }, { height: 200, width: 33 }];
    for (let i = 0; i < 60; i++) {
      const size = sizes[Math.floor(rand() * sizes.length)]!;
      const m = realisticMask(size, rand);
      if (m.area() === 0) continue;
      for (const e of encodings(m)) {
        total++;
        const top = detectConventions(e.text, { size }).candidates[0]!;
        const ok = top.dialect === e.dialect && top.order === e.order && top.size[0] === size.height && top.size[1] === size.width
          && (e.relative === undefined || (top.relative === e.relative && top.base === e.base));
        if (ok) right++;
        else misses.push(`${e.name} ${size.height}x${size.width}: got ${top.dialect} ${top.order} ${top.size.join('x')} base ${top.base}`);
      }
    }
    expect(total).toBeGreaterThan(300);
    expect(right / total, misses.slice(0, 10).join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('puts the true size in the top 3 for common image sizes without --size', () => {
    const rand = rng(77);
    let total = 0, right = 0;
    const sizes = commonSizes().filter((s) => s.height !== s.width && s.height * s.width <= 1_500_000);
    for (let i = 0; i < 30; i++) {
      const size = sizes[Math.floor(rand() * sizes.length)]!;
      const m = realisticMask(size, rand);
      if (m.area() === 0) continue;
      for (const e of encodings(m).filter((x) => x.dialect !== 'kaggle')) {
        total++;
        const r = detectConventions(e.text, { limit: 12 });
        const top3 = r.candidates.slice(0, 3).map((c) => `${c.size[0]}x${c.size[1]}`);
        if (top3.includes(`${size.height}x${size.width}`)) right++;
      }
    }
    expect(right / total).toBeGreaterThanOrEqual(0.95);
  });
});

describe('renderAscii', () => {
  it('draws foreground where the mask is, on a non-square mask, without transposing', () => {
    // 2x8: the left half of the top row.
    const m = Mask.fromIntervals([0], [4], { height: 2, width: 8 }, 'row');
    expect(renderAscii(m, 8)).toBe('####....');
    // One cell row covers both lines; a single pixel on the bottom line still shows.
    expect(renderAscii(Mask.fromIntervals([15], [1], { height: 2, width: 8 }, 'row'), 8)).toBe('.......#');
    const tall = Mask.fromIntervals([0, 2], [1, 1], { height: 8, width: 2 }, 'row');
    expect(renderAscii(tall, 2).split('\n')[0]).toBe('#.');
  });
});

describe('factorSizes', () => {
  it('lists every h×w = total with both sides ≥ 2, ascending h', () => {
    expect(factorSizes(12).map((s) => `${s.height}x${s.width}`)).toEqual(['2x6', '3x4', '4x3', '6x2']);
  });
});
