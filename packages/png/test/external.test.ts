/**
 * Exactness against independent encoders and decoders: Pillow and ImageMagick from Debian
 * (installed by scripts/ci-setup.sh). Fixtures are generated at test time by tools.py.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LabelMap, Mask } from '@rlekit/core';
import { decodeLabelMap, decodeMask, encodeLabelMap, encodeMask, readHeader, vocPalette } from '../src/index.js';
import { bitmapArb, labelsArb } from './helpers.js';

const TOOLS = fileURLToPath(new URL('./tools.py', import.meta.url));

function findPython(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import PIL'], { stdio: 'ignore' });
      return py;
    } catch {
      // try the next one
    }
  }
  return undefined;
}
function hasMagick(): boolean {
  try {
    execFileSync('/usr/bin/convert', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const python = findPython();
const magick = hasMagick();
const available = python !== undefined && magick;
if (!available && process.env.CI !== 'true') {
  console.warn('png: Pillow (python3-pil) or ImageMagick missing: skipping the cross-checks; run packages/png/scripts/ci-setup.sh');
}

interface Fixture { name: string; labels: number[]; fg: number[]; colorType: number; bitDepth: number | null; interlaced: boolean }
interface Dumped { mode: string; width: number; height: number; data: (number | number[])[]; palette?: number[] }

// In CI a missing tool is a failure, not a skip.
describe.skipIf(!available && process.env.CI !== 'true')('against Pillow and ImageMagick', () => {
  let dir = '';
  let manifest: { width: number; height: number; fixtures: Fixture[] };

  beforeAll(() => {
    expect(python, 'python3 with Pillow (python3-pil)').toBeDefined();
    expect(magick, 'ImageMagick /usr/bin/convert').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'rlekit-png-'));
    execFileSync(python!, [TOOLS, 'make', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function pillow(pngs: Uint8Array[]): Dumped[] {
    const paths = pngs.map((p, i) => {
      const path = join(dir, `ours-${i}.png`);
      writeFileSync(path, p);
      return path;
    });
    return JSON.parse(execFileSync(python!, [TOOLS, 'dump', ...paths], { maxBuffer: 1 << 28 }).toString());
  }

  it('reads every colour type and bit depth they write, interlaced or not, exactly', () => {
    expect(manifest.fixtures.length).toBeGreaterThanOrEqual(20);
    const seen = new Set<string>();
    for (const f of manifest.fixtures) {
      const png = new Uint8Array(readFileSync(join(dir, `${f.name}.png`)));
      const h = readHeader(png);
      expect({ name: f.name, colorType: h.colorType, interlaced: h.interlaced }).toEqual({ name: f.name, colorType: f.colorType, interlaced: f.interlaced });
      if (f.bitDepth !== null) expect(h.bitDepth, f.name).toBe(f.bitDepth);
      seen.add(`${h.colorType}/${h.bitDepth}${h.interlaced ? 'i' : ''}`);
      const lm = decodeLabelMap(png);
      expect([lm.height, lm.width]).toEqual([manifest.height, manifest.width]);
      expect(Array.from(lm.data), f.name).toEqual(f.labels);
      expect(Array.from(decodeMask(png).toBitmap()), f.name).toEqual(f.fg);
    }
    for (const k of ['0/1', '0/2', '0/4', '0/8', '0/16', '2/8', '2/16', '3/1', '3/2', '3/4', '3/8', '4/8', '4/16', '6/8', '6/16', '0/1i', '0/4i', '0/8i', '0/16i', '6/8i']) {
      expect(seen.has(k), `fixture for ${k}`).toBe(true);
    }
  });

  it('what rlekit writes, Pillow reads back identically (masks at 1 and 8 bits)', () => {
    const cases = fc.sample(bitmapArb(50), { numRuns: 40, seed: 7 });
    const pngs: Uint8Array[] = [];
    for (const { height, width, bits } of cases) {
      const m = Mask.fromBitmap(bits, { height, width });
      pngs.push(encodeMask(m), encodeMask(m, { bitDepth: 8, foreground: 1 }), encodeMask(m, { bitDepth: 8 }));
    }
    const back = pillow(pngs);
    cases.forEach(({ height, width, bits }, i) => {
      const [b1, b8a, b8b] = back.slice(i * 3, i * 3 + 3) as [Dumped, Dumped, Dumped];
      expect([b1.mode, b1.width, b1.height]).toEqual(['1', width, height]);
      expect(b1.data).toEqual(Array.from(bits, (b) => b * 255));
      expect(b8a.mode).toBe('L');
      expect(b8a.data).toEqual(Array.from(bits));
      expect(b8b.data).toEqual(Array.from(bits, (b) => b * 255));
    });
  });

  it('what rlekit writes, Pillow reads back identically (label maps: palette, grey 8/16, RGB)', () => {
    const cases = fc.sample(labelsArb(255), { numRuns: 20, seed: 11 });
    const big = fc.sample(labelsArb(65535), { numRuns: 10, seed: 12 });
    const pngs: Uint8Array[] = [];
    for (const { height, width, values } of cases) {
      const lm = LabelMap.fromArray(Uint8Array.from(values), { height, width });
      pngs.push(encodeLabelMap(lm), encodeLabelMap(lm, { format: 'gray8' }), encodeLabelMap(lm, { format: 'rgb' }));
    }
    for (const { height, width, values } of big) pngs.push(encodeLabelMap(LabelMap.fromArray(Uint16Array.from(values), { height, width }), { format: 'gray16' }));
    const back = pillow(pngs);
    const voc = Array.from(vocPalette());
    cases.forEach(({ values }, i) => {
      const [p, g, rgb] = back.slice(i * 3, i * 3 + 3) as [Dumped, Dumped, Dumped];
      expect(p.mode).toBe('P');
      expect(p.data).toEqual(values);
      expect(p.palette!.slice(0, 768)).toEqual(voc);
      expect(g.mode).toBe('L');
      expect(g.data).toEqual(values);
      expect(rgb.mode).toBe('RGB');
      expect(rgb.data).toEqual(values.map((v) => [0, 0, v]));
    });
    big.forEach(({ values }, i) => {
      const d = back[cases.length * 3 + i]!;
      expect(['I;16', 'I']).toContain(d.mode);
      expect(d.data).toEqual(values);
    });
  });

  it('ImageMagick reads rlekit masks and 16-bit label maps back identically', () => {
    const { height, width, bits } = fc.sample(bitmapArb(60), { numRuns: 1, seed: 3 })[0]!;
    const path = join(dir, 'ours-im.png');
    writeFileSync(path, encodeMask(Mask.fromBitmap(bits, { height, width })));
    const gray = new Uint8Array(execFileSync('/usr/bin/convert', [path, '-depth', '8', 'gray:-']));
    expect(Array.from(gray, (v) => (v ? 1 : 0))).toEqual(Array.from(bits));
    const ids = Uint16Array.from({ length: 6 * 7 }, (_, i) => (i * 26001) % 65536);
    writeFileSync(path, encodeLabelMap(LabelMap.fromArray(ids, { height: 6, width: 7 }), { format: 'gray16' }));
    const raw = new Uint8Array(execFileSync('/usr/bin/convert', [path, '-depth', '16', '-endian', 'MSB', 'gray:-']));
    expect(Array.from({ length: ids.length }, (_, i) => (raw[2 * i]! << 8) | raw[2 * i + 1]!)).toEqual(Array.from(ids));
  });
});
