import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Mask, RunBuilder } from '@rlekit/core';
import { decode, encode, presets } from '../src/index.js';

interface Example { name: string; height: number; width: number; rows?: string[]; hruns?: [number, number, number][]; pixels_set: number; encoded: string }
interface VectorPreset { id: string; order: 'row-major' | 'column-major'; index_base: 0 | 1; pairing: 'absolute' | 'relative'; empty: string; csv: { columns: string[] }; examples: Example[] }

const file = fileURLToPath(new URL('../../../conformance/vectors/kaggle/presets.json', import.meta.url));
const vectors = JSON.parse(readFileSync(file, 'utf8')) as { presets: VectorPreset[] };

/** The example's mask, built from its row strings or horizontal runs (row-major intervals). */
function maskOf(e: Example): Mask {
  const size = { height: e.height, width: e.width };
  const b = new RunBuilder();
  if (e.rows) {
    e.rows.forEach((row, y) => {
      for (let x = 0; x < row.length; x++) if (row[x] === '1') b.addInterval(y * e.width + x, y * e.width + x + 1);
    });
  } else {
    for (const [y, x, len] of e.hruns!) b.addInterval(y * e.width + x, y * e.width + x + len);
  }
  return Mask.fromCanonicalRuns(b.finish(e.height * e.width), size, 'row');
}

describe('shared vectors (conformance/vectors/kaggle/presets.json)', () => {
  it('covers the ten presets of the vectors', () => {
    expect(vectors.presets.length).toBe(10);
  });
  describe.each(vectors.presets.map((p) => [p.id, p] as const))('%s', (id, vp) => {
    it('has the same parameters as the shipped preset', () => {
      const p = presets[id]!;
      expect(p).toBeDefined();
      expect(p.order).toBe(vp.order === 'row-major' ? 'row' : 'col');
      expect(p.base).toBe(vp.index_base);
      expect(p.pairing).toBe(vp.pairing);
      expect(p.empty).toBe(vp.empty);
      expect(p.csv.columns).toEqual(vp.csv.columns);
    });
    it.each(vp.examples.map((e) => [e.name, e] as const))('%s: encode and decode', (_n, e) => {
      const mask = maskOf(e);
      expect(mask.area()).toBe(e.pixels_set);
      expect(encode(mask, id)).toBe(e.encoded);
      const back = decode(e.encoded, { height: e.height, width: e.width }, id);
      expect(back.equals(mask)).toBe(true);
      expect(back.toBitmap('row')).toEqual(mask.toBitmap('row'));
    });
  });
});
