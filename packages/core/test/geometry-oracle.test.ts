/**
 * Cross-checks against the tools users compare with, from Debian (installed by
 * scripts/ci-setup.sh, so a hard requirement): OpenCV connectedComponents and resize
 * INTER_NEAREST, scikit-image label, Pillow resize NEAREST, SciPy binary_fill_holes.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Mask, components, fillHoles, resize } from '../src/index.js';

const PY = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./geometry-oracle.py', import.meta.url));

interface Case { height: number; width: number; bits: string; targets: [number, number][] }
interface Answer { cv4: number[]; cv8: number[]; sk4: number[]; sk8: number[]; fill: string; cvResize: string[]; pilResize: string[] }

function cases(): Case[] {
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const out: Case[] = [];
  for (let k = 0; k < 160; k++) {
    const big = k % 8 === 0;
    const height = big ? int(100, 400) : int(1, 48);
    let width = big ? int(100, 400) : int(1, 48);
    if (width === height) width++;
    const density = [0.05, 0.3, 0.5, 0.7, 0.95][k % 5]!;
    let bits = '';
    for (let i = 0; i < height * width; i++) bits += rnd() < density ? '1' : '0';
    if (k % 3 === 0) bits = '1' + bits.slice(1, -1) + '1'; // first and last pixel set
    const targets: [number, number][] = [];
    for (let t = 0; t < 4; t++) targets.push(big ? [int(1, 700), int(1, 700)] : [int(1, 3 * height), int(1, 3 * width)]);
    out.push({ height, width, bits, targets });
  }
  return out;
}

const input = cases();
const answers: Answer[] = JSON.parse(execFileSync(PY, [SCRIPT], { input: JSON.stringify(input), maxBuffer: 1 << 30 }).toString());
const maskOf = (c: Case) => Mask.fromBitmap(Array.from(c.bits, (ch) => (ch === '1' ? 1 : 0)), { height: c.height, width: c.width });
const bitsOf = (m: Mask) => m.toBitmap().join('');

describe('geometry against OpenCV, scikit-image, Pillow and SciPy', () => {
  it('components: the same labels as scikit-image label, the same partition as cv2.connectedComponents', () => {
    input.forEach((c, k) => {
      const m = maskOf(c);
      for (const conn of [4, 8] as const) {
        const parts = components(m, { connectivity: conn });
        const ours = new Array<number>(c.height * c.width).fill(0);
        parts.forEach((p, i) => {
          // From the runs: a bitmap per part would cost parts × pixels.
          const runs = p.runsView('row');
          for (let r = 0, pos = 0; r < runs.length; pos += runs[r]!, r++) if (r & 1) ours.fill(i + 1, pos, pos + runs[r]!);
        });
        expect(ours.join(), `case ${k} sk${conn}`).toBe(answers[k]![conn === 4 ? 'sk4' : 'sk8'].join());
        // OpenCV numbers parts in its own scan order: compare as a one-to-one relabelling.
        const cv = answers[k]![conn === 4 ? 'cv4' : 'cv8'];
        const map = new Map<number, number>(), back = new Map<number, number>();
        let bad = -1;
        for (let j = 0; j < ours.length && bad < 0; j++) {
          const a = ours[j]!, b = cv[j]!;
          if ((a === 0) !== (b === 0) || (map.get(a) ?? b) !== b || (back.get(b) ?? a) !== a) bad = j;
          map.set(a, b);
          back.set(b, a);
        }
        expect(bad, `case ${k} cv${conn}: first pixel where the partitions differ`).toBe(-1);
      }
    });
  });

  it('fillHoles: scipy.ndimage.binary_fill_holes', () => {
    input.forEach((c, k) => expect(bitsOf(fillHoles(maskOf(c))), `case ${k}`).toBe(answers[k]!.fill));
  });

  it("resize 'nearest': cv2.resize INTER_NEAREST, and 'nearest-exact': Pillow NEAREST, bit for bit", () => {
    input.forEach((c, k) => {
      const m = maskOf(c);
      c.targets.forEach(([H, W], t) => {
        expect(bitsOf(resize(m, { height: H, width: W })), `case ${k} ${c.height}x${c.width} -> ${H}x${W} cv`).toBe(answers[k]!.cvResize[t]);
        expect(bitsOf(resize(m, { height: H, width: W }, { method: 'nearest-exact' })), `case ${k} ${c.height}x${c.width} -> ${H}x${W} pil`).toBe(answers[k]!.pilResize[t]);
      });
    });
  });
});
