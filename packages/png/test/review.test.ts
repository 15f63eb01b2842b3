import { describe, expect, it } from 'vitest';
import { LabelMap, memoryFolder, type OutputFile } from '@rlekit/core';
import { decodeLabelMap, dialect, encodeLabelMap } from '../src/index.js';

async function collect(files: AsyncIterable<OutputFile>): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for await (const f of files) out[f.path] = f.bytes;
  return out;
}

// 3x4, non-square; label 2 at the first pixel, label 1 at the last.
const A = [2, 0, 0, 1, 0, 2, 0, 1, 0, 0, 1, 1];

describe('review: palette images with duplicate palette colours', () => {
  it('labels are indices, so a colour table sharing a colour between labels does not matter for palette images', () => {
    const palette = [[0, 0, 0], [128, 0, 0], [128, 0, 0]] as const;
    const png = encodeLabelMap(LabelMap.fromArray(Uint8Array.from(A), { height: 3, width: 4 }), { palette });
    const lm = decodeLabelMap(png, { colors: { 1: [128, 0, 0], 2: [128, 0, 0] } });
    expect(Array.from(lm.data)).toEqual(A);
  });

  it('a folder rlekit wrote from such an image (labelmap.txt with a repeated colour) reads back', async () => {
    const palette = [[0, 0, 0], [128, 0, 0], [128, 0, 0]] as const;
    const png = encodeLabelMap(LabelMap.fromArray(Uint8Array.from(A), { height: 3, width: 4 }), { palette });
    const d = await dialect.read(memoryFolder({ 'x.png': png }));
    const files = await collect(dialect.writeFiles!(d, {}));
    expect(Object.keys(files).sort()).toEqual(['labelmap.txt', 'x.png']);
    const back = await dialect.read(memoryFolder(files));
    expect(back.annotations.map((a) => [a.categoryId, a.mask.area()])).toEqual([[1, 4], [2, 2]]);
    expect(Array.from(back.annotations[1]!.mask.toBitmap())).toEqual(A.map((v) => (v === 2 ? 1 : 0)));
  });
});
