// Limits that bound work, not just pixels (#12 item 14): each hostile shape is refused early with LIMIT_EXCEEDED.
import { describe, expect, it } from 'vitest';
import { checkPaintPixels, DEFAULT_MAX_RUNS, LabelMap, Mask, rasterizePolygon, RunBudget, RunBuilder } from '../src/index.js';
import { expectCode } from './support.js';

describe('RunBuilder bounds the runs it builds', () => {
  it('refuses the run past its limit, and builds up to it exactly', () => {
    const b = new RunBuilder(4, 10);
    for (let i = 0; i < 5; i++) b.addInterval(2 * i + 1, 2 * i + 2); // 10 runs: bg, fg, ... fg
    expect([...b.finish(10)]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const over = new RunBuilder(4, 10);
    const e = expectCode(() => { for (let i = 0; i < 6; i++) over.addInterval(2 * i + 1, 2 * i + 2); }, 'LIMIT_EXCEEDED');
    expect(e.message).toMatch(/maxRuns/);
  });

  it('a shared budget bounds several builders together', () => {
    const budget = new RunBudget(8, 'the label map');
    const a = new RunBuilder(4, budget), b = new RunBuilder(4, budget);
    a.addInterval(1, 2); a.addInterval(3, 4); // 4 runs
    b.addInterval(1, 2); // 2 runs
    expectCode(() => { b.addInterval(3, 4); b.addInterval(5, 6); }, 'LIMIT_EXCEEDED');
    expectCode(() => new RunBuilder(4, -1), 'INVALID_OPTION');
  });

  it('the default applies to bitmaps too: a 1 x (2^25 + 2^20) bitmap of stripes is refused, not built', () => {
    const w = DEFAULT_MAX_RUNS + (1 << 20);
    const bits = new Uint8Array(w);
    new Uint32Array(bits.buffer).fill(0x01000100); // bytes 0, 1, 0, 1, ...: a run per pixel
    expectCode(() => Mask.fromBitmap(bits, { height: 1, width: w }), 'LIMIT_EXCEEDED');
    // A long run-poor mask of the same size is fine.
    bits.fill(0);
    bits.fill(1, 5, w - 5);
    expect(Mask.fromBitmap(bits, { height: 1, width: w }).area()).toBe(w - 10);
  });
});

describe('label maps and polygons', () => {
  it('LabelMap.masks bounds the runs of all its masks together', () => {
    // Vertical stripes of labels 1 and 2: 2 x 64 x 16 = 2048 foreground runs.
    const data = new Uint8Array(64 * 32);
    for (let i = 0; i < data.length; i++) data[i] = 1 + (i & 1);
    const lm = LabelMap.fromArray(data, { height: 64, width: 32 });
    expect(lm.masks().get(1)!.area()).toBe(1024);
    const e = expectCode(() => lm.masks({ maxRuns: 3000 }), 'LIMIT_EXCEEDED');
    expect(e.message).toMatch(/label map/);
  });

  it('a zigzag polygon across a 60000-wide image is refused before any crossing is computed', () => {
    // 600 edges, each across the whole width: ~36M crossings, under the crossing limit but over maxRuns.
    const xy: number[] = [];
    for (let i = 0; i < 600; i++) xy.push(i % 2 === 0 ? 0.5 : 59999.5, i * 99);
    const t0 = performance.now();
    const e = expectCode(() => rasterizePolygon(xy, { height: 60000, width: 60000 }), 'LIMIT_EXCEEDED');
    expect(performance.now() - t0).toBeLessThan(500);
    expect(e.expected).toMatch(String(DEFAULT_MAX_RUNS));
    // The same shape on a narrow image is fine, and maxRuns can be lowered.
    expect(rasterizePolygon(xy, { height: 60000, width: 50 }).isEmpty()).toBe(false);
    expectCode(() => rasterizePolygon([0, 0, 10, 0, 10, 5], { height: 6, width: 20 }, { maxRuns: 5 }), 'LIMIT_EXCEEDED');
    expectCode(() => rasterizePolygon([0, 0, 10, 0, 10, 5], { height: 6, width: 20 }, { maxRuns: -1 }), 'INVALID_OPTION');
  });
});

describe('checkPaintPixels', () => {
  it('refuses more pixels than maxPixels, naming what would be painted', () => {
    checkPaintPixels(100, 100, 'image 1');
    const e = expectCode(() => checkPaintPixels(65535 * 65535, 1 << 28, 'image 1', ['images', 1]), 'LIMIT_EXCEEDED');
    expect(e.path).toEqual(['images', 1]);
    expect(e.message).toMatch(/image 1/);
  });
});
