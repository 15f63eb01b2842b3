/**
 * Every dialect that reads a folder file by file (Dialect.readIncrementally, what inspect --limit
 * uses) runs this: a folder it wrote itself, read until the first annotation, has read only the
 * files that annotation needed; read to the end it gives what read() gives.
 */
import { describe, expect, it } from 'vitest';
import { Mask, memoryFolder, type Annotation, type FolderSource, type MaskDataset } from '@rlekit/core';
import { loadDialects } from '../src/registry.js';

const dialects = (await loadDialects()).filter((d) => d.readIncrementally !== undefined);

// Three non-square images, one mask each with foreground at the first and last pixel, two categories.
const size = { height: 4, width: 7 };
const dataset: MaskDataset = {
  images: [1, 2, 3].map((id) => ({ id, fileName: `im${id}.png`, ...size })),
  categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }],
  annotations: [1, 2, 3].map((id) => {
    const bits = new Uint8Array(28);
    bits[0] = bits[27] = 1;
    for (let i = id; i < id + 9; i++) bits[i] = 1;
    return { id, imageId: id, categoryId: id === 2 ? 2 : 1, mask: Mask.fromBitmap(bits, size, 'row') };
  }),
};

// What a dialect needs told to read the folder it wrote (YOLO labels carry no image size).
const readOptions: Record<string, Record<string, unknown>> = { yolo: { size: `${size.height}x${size.width}` } };

const view = (a: Annotation): unknown[] => [a.id, a.imageId, a.categoryId, a.mask.height, a.mask.width, Array.from(a.mask.toBitmap('row'))];

describe('readIncrementally', () => {
  it('is offered by the folder dialects', () => {
    expect(dialects.map((d) => d.id).sort()).toEqual(['darwin', 'labelme', 'png', 'supervisely', 'yolo']);
  });

  for (const dialect of dialects) {
    it(`${dialect.id}: stops at the first annotation's file; read to the end it is read()`, async () => {
      const files: Record<string, Uint8Array> = {};
      for await (const f of dialect.writeFiles!(dataset, {}, { warn: () => {} })) files[f.path] = f.bytes;
      const opened: string[] = [];
      const counted = (): FolderSource => {
        const folder = memoryFolder(files);
        return { ...folder, open: (p) => (opened.push(p), folder.open(p)) };
      };
      const options = readOptions[dialect.id] ?? {};
      const whole = await dialect.read(memoryFolder(files), options, { warn: () => {} });
      expect(whole.annotations).toHaveLength(3);

      const first = await dialect.readIncrementally!(counted(), options, { warn: () => {} });
      const before = opened.length; // what is read up front (a project's meta.json)
      for await (const a of first.annotations) {
        expect(view(a)).toEqual(view(whole.annotations[0]!));
        break;
      }
      // One more file than up front, and the first image alone.
      expect(opened.length).toBe(before + 1);
      expect(first.images).toEqual([whole.images[0]]);

      const all = await dialect.readIncrementally!(counted(), options, { warn: () => {} });
      const got: Annotation[] = [];
      for await (const a of all.annotations) got.push(a);
      expect(got.map(view)).toEqual(whole.annotations.map(view));
      expect(all.images).toEqual(whole.images);
      expect(all.categories).toEqual(whole.categories);
    });
  }
});
