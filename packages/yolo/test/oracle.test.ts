/**
 * Reading and writing against Ultralytics' own rasterization, run with Debian's OpenCV
 * (test/oracle.py: float32 parse, float32 scaling, int32 truncation, cv2.fillPoly), on random
 * non-square images: random label lines (in and slightly beyond [0, 1], many decimals or few),
 * and the lines the writer makes for random masks (hole-free one-part masks must come back exact).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { components, fillHoles, Mask } from '@rlekit/core';
import { decode, encode } from '../src/index.js';

const PY = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./oracle.py', import.meta.url));
type Case = { height: number; width: number; line: string };
const oracle = (cases: Case[]): number[][] => JSON.parse(execFileSync(PY, [SCRIPT], { input: JSON.stringify(cases), maxBuffer: 1 << 30 }).toString()) as number[][];

function indices(m: Mask): number[] {
  const bits = m.toBitmap('row');
  const out: number[] = [];
  for (let i = 0; i < bits.length; i++) if (bits[i]) out.push(i);
  return out;
}

let s = 99;
const rnd = (): number => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

describe('reading = Ultralytics polygon2mask (cv2.fillPoly)', () => {
  it('random label lines on non-square images', () => {
    const cases: Case[] = [];
    for (let k = 0; k < 300; k++) {
      const height = int(1, 60);
      let width = int(1, 60);
      if (width === height) width++;
      const n = int(3, k % 4 === 0 ? 40 : 8);
      const digits = [6, 3, 1, 10][k % 4]!;
      const coords: string[] = [];
      for (let i = 0; i < 2 * n; i++) {
        let v = rnd() * 1.02 - 0.01;
        if (k % 7 === 0 && rnd() < 0.3) v = [0, 1, 0.5][int(0, 2)]!; // on the border and at the centre
        coords.push(Math.min(1.01, Math.max(-0.01, v)).toFixed(digits));
      }
      cases.push({ height, width, line: `${k % 3} ${coords.join(' ')}` });
    }
    const want = oracle(cases);
    for (let k = 0; k < cases.length; k++) {
      const c = cases[k]!;
      expect(indices(decode(c.line, c)), `${c.height}x${c.width}: ${c.line}`).toEqual(want[k]);
    }
  });
});

function randomMask(height: number, width: number, density: number): Mask {
  const bits = new Uint8Array(height * width);
  for (let i = 0; i < bits.length; i++) bits[i] = rnd() < density ? 1 : 0;
  if (rnd() < 0.3) { bits[0] = 1; bits[bits.length - 1] = 1; }
  return Mask.fromBitmap(bits, { height, width });
}

describe('writing survives Ultralytics reading', () => {
  it('hole-free one-part masks come back exactly through cv2; others are measured honestly', () => {
    const cases: Case[] = [];
    const masks: Mask[] = [];
    const exact: boolean[] = [];
    const reported: number[] = [];
    for (let k = 0; k < 200; k++) {
      const big = k % 50 === 0;
      const height = big ? int(100, 300) : int(1, 40);
      let width = big ? int(100, 400) : int(1, 40);
      if (width === height) width++;
      const m = randomMask(height, width, [0.3, 0.6, 0.9][k % 3]!);
      const parts = components(m, { connectivity: 8 }).sort((a, b) => b.area() - a.area());
      // Thirds: one part without holes, one part with holes, the whole random mask (many parts).
      const mask = parts.length === 0 ? m : k % 3 === 0 ? fillHoles(parts[0]!) : k % 3 === 1 ? parts[0]! : m;
      if (mask.isEmpty()) continue;
      const e = encode(mask, 0);
      cases.push({ height, width, line: e.line });
      masks.push(mask);
      exact.push(k % 3 !== 2 || parts.length === 1);
      reported.push(e.iou);
    }
    const want = oracle(cases);
    let lossy = 0;
    for (let k = 0; k < cases.length; k++) {
      const m = masks[k]!;
      const got = want[k]!;
      const back = Mask.fromIntervals(got, got.map(() => 1), m.size, 'row');
      // The IoU the writer reports is the IoU cv2 gives.
      expect(reported[k]).toBeCloseTo(back.iou(m), 12);
      if (exact[k]) expect(back.equals(m), `case ${k} ${m.height}x${m.width}`).toBe(true);
      else if (!back.equals(m)) lossy++;
    }
    expect(lossy).toBeGreaterThan(0); // the multi-part masks do lose pixels (joins), and say so
  });

  it('coordinates are 6 decimals in [0, 1], pixel centres that truncate to their pixel', () => {
    const m = Mask.fromBitmap([1, 1, 1, 0, 1, 1, 1, 1], { height: 2, width: 4 });
    const e = encode(m, 3);
    expect(e.line).toBe('3 0.125000 0.250000 0.625000 0.250000 0.625000 0.750000 0.875000 0.750000 0.125000 0.750000');
    for (const t of e.line.split(' ').slice(1)) expect(t).toMatch(/^[01]\.\d{6}$/);
  });
});
