import { describe, expect, it, vi } from 'vitest';
import { encodeUtf8, Mask, memoryFolder } from '@rlekit/core';
import { decode, encode, readYolo, writeYolo } from '../src/index.js';

// The YAML library is loaded when a data.yaml is first read or written (#19 browser weight):
// counted through a pass-through mock.
const library = vi.hoisted(() => ({ loads: 0 }));
vi.mock('yaml', async (importOriginal) => {
  library.loads++;
  return importOriginal();
});

describe('yaml is loaded on first use', () => {
  const size = { height: 6, width: 10 };
  const mask = Mask.fromBitmap(Uint8Array.from({ length: 60 }, (_, i) => (i % 10 >= 2 && i % 10 < 7 && i >= 10 && i < 40 ? 1 : 0)), size);

  it('not by importing the package, the line codec, or a labels folder without data.yaml', async () => {
    const line = encode(mask, 0).line;
    expect(decode(line, size).equals(mask)).toBe(true);
    const d = await readYolo(memoryFolder({ 'labels/a.txt': encodeUtf8(`${line}\n`) }), { names: 'box', size: '6x10' });
    expect(d.annotations[0]!.mask.equals(mask)).toBe(true);
    expect(library.loads).toBe(0);
  });

  it('once, by the first data.yaml read or written', async () => {
    const { files } = await writeYolo({ images: [{ id: 1, fileName: 'a.png', ...size }], categories: [{ id: 1, name: 'box' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] });
    expect(files.map((f) => f.path).sort()).toEqual(['data.yaml', 'labels/a.txt']);
    expect(library.loads).toBe(1);
    const d = await readYolo(memoryFolder(Object.fromEntries(files.map((f) => [f.path, f.bytes]))), { size: '6x10' });
    expect(d.categories.map((c) => c.name)).toEqual(['box']);
    expect(library.loads).toBe(1);
  });
});
