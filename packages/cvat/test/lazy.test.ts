import { describe, expect, it, vi } from 'vitest';
import { Mask } from '@rlekit/core';
import { decode, encode, formatCvatXml, parseCvatXml } from '../src/index.js';
import { expectCodeAsync } from './helpers.js';

// fast-xml-parser is loaded on first parse (#19 browser weight): counted through a pass-through mock.
const library = vi.hoisted(() => ({ loads: 0 }));
vi.mock('fast-xml-parser', async (importOriginal) => {
  library.loads++;
  return importOriginal();
});

describe('fast-xml-parser is loaded on first parse', () => {
  const mask = Mask.fromBitmap(Uint8Array.of(0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1), { height: 3, width: 4 });
  const dataset = { images: [{ id: 0, height: 3, width: 4, fileName: 'a.png' }], categories: [{ id: 1, name: 'leaf' }], annotations: [{ id: 1, imageId: 0, categoryId: 1, mask }] };

  it('not by importing the package, the codec, writing, or a refused DTD', async () => {
    expect(decode(encode(mask), mask.size).equals(mask)).toBe(true);
    expect([...formatCvatXml(dataset)].join('')).toContain('<annotations>');
    await expectCodeAsync(parseCvatXml('<!DOCTYPE x><annotations/>'), 'UNSUPPORTED');
    expect(library.loads).toBe(0);
  });

  it('once, by the first parse', async () => {
    const xml = [...formatCvatXml(dataset)].join('');
    expect((await parseCvatXml(xml)).annotations[0]!.mask.equals(mask)).toBe(true);
    expect((await parseCvatXml(xml)).images[0]!.fileName).toBe('a.png');
    expect(library.loads).toBe(1);
  });
});
