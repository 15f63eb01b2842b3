/**
 * Bit-exactness against Pillow, which LabelMe's shape_to_mask draws with: random non-square
 * images, polygons (convex, star-shaped, self-crossing, with vertices on and off the pixel grid
 * and outside the image), rectangles and circles, drawn here and by test/pillow.py with Debian's
 * python3-pil (scripts/ci-setup.sh installs it; without it this test fails and says so).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Mask } from '@rlekit/core';
import { dialect, shapeToMask } from '../src/index.js';
import { prng } from '../../core/test/support.js';

const ORACLE = fileURLToPath(new URL('./pillow.py', import.meta.url));

interface Case { height: number; width: number; shape_type: string; points: number[][] }

function cases(seed: number, n: number, scale = 40): Case[] {
  const rand = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  // Integer, half and arbitrary fractional coordinates, some outside the image.
  const coord = (max: number): number => {
    const k = rand();
    const v = -3 + rand() * (max + 6);
    return k < 0.4 ? Math.round(v) : k < 0.6 ? Math.round(v * 2) / 2 : Math.round(v * 1000) / 1000;
  };
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    let height = int(1, scale), width = int(1, scale);
    if (height === width) width++;
    const kind = rand();
    if (kind < 0.6) {
      const k = int(3, kind < 0.1 ? 12 : 7);
      const points: number[][] = [];
      if (rand() < 0.5) {
        for (let p = 0; p < k; p++) points.push([coord(width), coord(height)]);
      } else {
        // Star-shaped around a centre: simple polygons with acute corners.
        const cx = coord(width), cy = coord(height);
        for (let p = 0; p < k; p++) {
          const t = (2 * Math.PI * (p + rand() * 0.8)) / k, r = 1 + rand() * Math.max(width, height) * 0.6;
          points.push([Math.round((cx + r * Math.cos(t)) * 100) / 100, Math.round((cy + r * Math.sin(t)) * 100) / 100]);
        }
      }
      out.push({ height, width, shape_type: 'polygon', points });
    } else if (kind < 0.8) {
      out.push({ height, width, shape_type: 'rectangle', points: [[coord(width), coord(height)], [coord(width), coord(height)]] });
    } else {
      const c = [coord(width), coord(height)];
      const r = rand() * Math.max(width, height) * 0.7;
      const t = rand() * 2 * Math.PI;
      out.push({ height, width, shape_type: 'circle', points: [c, [c[0]! + r * Math.cos(t), c[1]! + r * Math.sin(t)]] });
    }
  }
  return out;
}

function pillow<T = string>(list: unknown[]): T[] {
  let python = '';
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import PIL, numpy'], { stdio: 'ignore' });
    python = '/usr/bin/python3';
  } catch {
    // Reported by the expectation below.
  }
  expect(python, 'python3 with Pillow and numpy: run packages/labelme/scripts/ci-setup.sh').not.toBe('');
  const dir = mkdtempSync(join(tmpdir(), 'rlekit-labelme-'));
  try {
    const file = join(dir, 'cases.json');
    writeFileSync(file, JSON.stringify(list));
    return JSON.parse(execFileSync(python, [ORACLE, file], { maxBuffer: 1 << 28 }).toString()) as T[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function unpack(hex: string, size: { height: number; width: number }): Mask {
  const bytes = Buffer.from(hex, 'hex');
  const bits = new Uint8Array(size.height * size.width);
  for (let i = 0; i < bits.length; i++) bits[i] = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
  return Mask.fromBitmap(bits, size);
}

describe('shapeToMask against Pillow 9.4 (LabelMe\'s shape_to_mask)', () => {
  it('draws 4000 random polygons (LABELME_CASES, LABELME_SEED for more), rectangles and circles pixel for pixel as Pillow does', () => {
    const list = cases(Number(process.env.LABELME_SEED ?? 16), Number(process.env.LABELME_CASES ?? 4000));
    const theirs = pillow(list);
    const bad: string[] = [];
    let foreground = 0;
    list.forEach((c, i) => {
      const size = { height: c.height, width: c.width };
      const want = unpack(theirs[i]!, size);
      const got = shapeToMask({ shape_type: c.shape_type, points: c.points }, size);
      foreground += want.area();
      if (!got.equals(want) && bad.length < 5) bad.push(`${c.shape_type} ${c.height}x${c.width} ${JSON.stringify(c.points)}\n${want.toString()}\n--- ours\n${got.toString()}`);
    });
    expect(bad.join('\n\n')).toBe('');
    // The cases draw something (not a suite of empty masks).
    expect(foreground).toBeGreaterThan(100_000);
  });

  it('draws large shapes (circles past the stepper\'s exact-double range) as Pillow does', () => {
    const list = cases(17, 30, 1500);
    // Circles with radii up to 4000: the ellipse stepper's products pass 2^53 there.
    list.push({ height: 2100, width: 2900, shape_type: 'circle', points: [[1450.3, 1049.8], [1450.3 + 3990.25, 1049.8 + 17.5]] });
    list.push({ height: 2100, width: 2900, shape_type: 'circle', points: [[-100.5, 2000.25], [2800, 2600]] });
    const theirs = pillow(list);
    list.forEach((c, i) => {
      const size = { height: c.height, width: c.width };
      expect(shapeToMask({ shape_type: c.shape_type, points: c.points }, size).equals(unpack(theirs[i]!, size)), `${c.shape_type} ${JSON.stringify(c.points)}`).toBe(true);
    });
  });
});

/** Random non-square masks: unions of boxes and discs (some with holes), noise, first and last pixel. */
function masks(seed: number, n: number): Mask[] {
  const rand = prng(seed);
  const out: Mask[] = [];
  for (let i = 0; i < n; i++) {
    const height = 5 + Math.floor(rand() * 40), width = height + 1 + Math.floor(rand() * 30);
    const bits = new Uint8Array(height * width);
    const kind = i % 4;
    for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
      const cx = rand() * width, cy = rand() * height, r = 1 + rand() * Math.min(height, width) * 0.4;
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
        const inside = kind === 1 ? Math.abs(x - cx) <= r && Math.abs(y - cy) <= r * 0.6 : (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
        if (inside) bits[y * width + x] = kind === 2 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r * 0.15 ? 0 : 1;
      }
    }
    if (kind === 3) for (let p = 0; p < bits.length; p++) if (rand() < 0.1) bits[p] = 1;
    if (i % 5 === 0) {
      bits[0] = 1;
      bits[bits.length - 1] = 1;
    }
    out.push(Mask.fromBitmap(bits, { height, width }));
  }
  return out;
}

describe('written LabelMe files read by LabelMe\'s own rules (Pillow, numpy)', () => {
  it('gives back every instance exactly with shapes auto and mask; with polygon, what rlekit reads back', async () => {
    const list = masks(23, 60);
    const files: { file: unknown }[] = [];
    const expected: { labels: string[]; masks: Mask[] }[] = [];
    for (const policy of ['auto', 'mask', 'polygon'] as const) {
      for (let i = 0; i < list.length; i += 2) {
        const a = list[i]!, size = a.size;
        // A second instance of another category on the same image, overlapping the first.
        const b = list[i + 1]!.paste(size, { x: 1, y: 0 });
        const dataset = {
          images: [{ id: 1, fileName: 'x.png', ...size }],
          categories: [{ id: 1, name: 'cell' }, { id: 2, name: 'nucleus' }],
          annotations: [{ id: 1, imageId: 1, categoryId: 1, mask: a }, { id: 2, imageId: 1, categoryId: 2, mask: b }].filter((x) => !x.mask.isEmpty()),
        };
        const bytes = await dialect.write(dataset, { shapes: policy });
        files.push({ file: JSON.parse(new TextDecoder().decode(bytes)) });
        const back = await dialect.read(bytes);
        if (policy !== 'polygon') expect(back.annotations.map((x) => x.mask.equals(dataset.annotations[Number(x.id) - 1]!.mask))).toEqual(dataset.annotations.map(() => true));
        expected.push({ labels: back.annotations.map((x) => back.categories.find((c) => c.id === x.categoryId)!.name), masks: back.annotations.map((x) => x.mask) });
      }
    }
    const theirs = pillow<[string, string][]>(files);
    theirs.forEach((instances, k) => {
      const want = expected[k]!;
      expect(instances.map(([label]) => label)).toEqual(want.labels);
      instances.forEach(([, hex], j) => expect(unpack(hex, want.masks[j]!.size).equals(want.masks[j]!), `file ${k} instance ${j}`).toBe(true));
    });
  });
});
