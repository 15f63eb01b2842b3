/**
 * fillPoly against Debian's OpenCV (python3-opencv, installed by scripts/ci-setup.sh): random
 * integer polygons on non-square images, inside, crossing and outside the border, self-crossing,
 * degenerate (repeated points, zero-width spikes, lines), pixel for pixel.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fillPoly } from '../src/fillpoly.js';

const PY = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./oracle.py', import.meta.url));

export function oracle(cases: ({ height: number; width: number } & ({ line: string } | { points: number[] }))[]): number[][] {
  return JSON.parse(execFileSync(PY, [SCRIPT], { input: JSON.stringify(cases), maxBuffer: 1 << 30 }).toString()) as number[][];
}

function indices(bits: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bits.length; i++) if (bits[i]) out.push(i);
  return out;
}

describe('fillPoly = cv2.fillPoly', () => {
  it('on random integer polygons (inside, across and outside the border, degenerate)', () => {
    let s = 4242;
    const rnd = (n: number): number => ((s = (s * 1103515245 + 12345) >>> 0) % n);
    const cases: { height: number; width: number; points: number[] }[] = [];
    for (let k = 0; k < 600; k++) {
      const height = 1 + rnd(40), width = height + 1 + rnd(40);
      const n = 1 + rnd(k % 5 === 0 ? 30 : 8);
      const spread = k % 3 === 0 ? 3 : 1; // some polygons reach far outside the image
      const points: number[] = [];
      for (let i = 0; i < n; i++) {
        if (i > 0 && rnd(6) === 0) points.push(points[points.length - 2]!, points[points.length - 1]!); // repeated point
        else points.push(rnd(width * spread + 2) - (spread > 1 ? width : 1), rnd(height * spread + 2) - (spread > 1 ? height : 1));
      }
      cases.push({ height, width, points });
    }
    const want = oracle(cases);
    for (let k = 0; k < cases.length; k++) {
      const c = cases[k]!;
      const xs = c.points.filter((_, i) => i % 2 === 0), ys = c.points.filter((_, i) => i % 2 === 1);
      const got = indices(fillPoly(xs, ys, c).toBitmap('row'));
      expect(got, `case ${k}: ${c.height}x${c.width} ${JSON.stringify(c.points)}`).toEqual(want[k]);
    }
  });
});
