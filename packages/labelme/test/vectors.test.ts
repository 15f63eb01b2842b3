/**
 * LabelMe's own example files (conformance/vectors/labelme, copied from wkentaro/labelme), read as
 * LabelMe reads them: the instances Pillow 9.4 draws (vectors.json), without Python.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Mask, type RleWarning } from '@rlekit/core';
import { dialect, sniffLabelMe } from '../src/index.js';

const dir = new URL('../../../conformance/vectors/labelme/', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('vectors.json', dir), 'utf8')) as {
  files: { file: string; height: number; width: number; instances: { label: string; area: number; rowRuns: number[] }[] }[];
};

describe('LabelMe\'s example files', () => {
  it.each(vectors.files.map((v) => [v.file, v] as const))('%s gives the instances LabelMe draws', async (_name, v) => {
    const bytes = readFileSync(fileURLToPath(new URL(v.file, dir)));
    expect(sniffLabelMe(bytes).confidence).toBeGreaterThanOrEqual(0.9);
    const warnings: RleWarning[] = [];
    const d = await dialect.read(bytes, {}, { warn: (w) => warnings.push(w) });
    expect(d.images).toEqual([expect.objectContaining({ height: v.height, width: v.width })]);
    expect(d.annotations.map((a) => d.categories.find((c) => c.id === a.categoryId)!.name)).toEqual(v.instances.map((i) => i.label));
    d.annotations.forEach((a, k) => {
      const want = Mask.fromRuns(v.instances[k]!.rowRuns, { height: v.height, width: v.width }, 'row');
      expect(want.area()).toBe(v.instances[k]!.area);
      expect(a.mask.equals(want), `${v.file} instance ${k}`).toBe(true);
    });
    if (v.file === 'primitives.json') expect(warnings.map((w) => w.message).join('\n')).toMatch(/line shapes were not read[\s\S]*point shapes[\s\S]*linestrip shapes/);
    // Written back: the masks survive, the strokes come back in place, and the extra fields too.
    const again = JSON.parse(new TextDecoder().decode(await dialect.write(d)));
    const source = JSON.parse(bytes.toString('utf8'));
    expect(again.version).toBe(source.version);
    expect(again.lineColor).toEqual(source.lineColor);
    const strokes = (s: { shape_type: string }[]) => s.filter((x) => ['line', 'point', 'linestrip'].includes(x.shape_type));
    expect(strokes(again.shapes)).toEqual(strokes(source.shapes));
    const back = await dialect.read(new TextEncoder().encode(JSON.stringify(again)));
    back.annotations.forEach((a, k) => expect(a.mask.equals(d.annotations[k]!.mask)).toBe(true));
  });
});
