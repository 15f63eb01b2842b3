/**
 * rlekit-json files are read piece by piece when they are laid out as the writer lays them out;
 * whatever the file, the result (or the error: code, path, offset) must be the whole-text
 * parse's (parseRlekitJson).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dialect, formatRlekitJson, parseRlekitJson } from '../src/rlekit-json/index.js';
import { textVariant as variant } from './rlekit-json-variants.js';
import { reusedRangeSource } from './read-support.js';
import { bytesSource, decodeUtf8, encodeUtf8, isRleError, JSON_HEAD, Mask, readAllBytes, type MaskDataset } from '../src/index.js';

/** The read before pieces: the whole text, then parseRlekitJson. */
const wholeText = async (bytes: Uint8Array): Promise<MaskDataset> => parseRlekitJson(decodeUtf8(await readAllBytes(bytes, 0x1fffffe8, { head: JSON_HEAD })));

/** A dataset as plain values (masks as their row runs), or the error's code, path and offset. */
function outcome(read: () => MaskDataset): unknown {
  try {
    const d = read();
    return { ...d, annotations: d.annotations.map((a) => ({ ...a, mask: [a.mask.height, a.mask.width, Array.from(a.mask.runsView('row'))] })) };
  } catch (e) {
    if (!isRleError(e)) throw e;
    return { code: e.code, path: e.path, offset: e.offset };
  }
}

async function outcomeAsync(read: () => Promise<MaskDataset>): Promise<unknown> {
  try {
    const d = await read();
    return outcome(() => d);
  } catch (e) {
    if (!isRleError(e)) throw e;
    return { code: e.code, path: e.path, offset: e.offset };
  }
}

const dataset = fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 })), { minLength: 1, maxLength: 3 }).chain((sizes) => fc.record({
  sizes: fc.constant(sizes),
  masks: fc.array(fc.tuple(fc.nat(sizes.length - 1), fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }), fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined })), { maxLength: 5 }),
})).map(({ sizes, masks }): MaskDataset => ({
  images: sizes.map(([height, width], i) => ({ id: i + 1, height, width, ...(i === 0 ? { fileName: 'a.png' } : {}) })),
  categories: [{ id: 1, name: 'a' }, { id: 'b', name: 'b', supercategory: 's', color: [1, 2, 3] }],
  annotations: masks.map(([k, bits, attribute, score], i) => {
    const [height, width] = sizes[k]!;
    const mask = Mask.fromBitmap(Array.from({ length: height * width }, (_, p) => +bits[p]!), { height, width });
    return { id: i, imageId: k + 1, categoryId: i % 2 ? 'b' : 1, mask, ...(attribute !== undefined ? { attributes: { x: attribute } } : {}), ...(score !== undefined ? { score } : {}) };
  }),
}));


describe('rlekit-json read piece by piece', () => {
  it('gives the whole-text parse\'s dataset or error, for the writer\'s files and every variant of them', async () => {
    await fc.assert(fc.asyncProperty(dataset, fc.integer({ min: 0, max: 3 }), fc.constantFrom('row', 'col'), variant, async (d, indent, order, change) => {
      const text = change(formatRlekitJson(d, { indent, order }));
      const expected = await outcomeAsync(() => wholeText(encodeUtf8(text)));
      expect(await outcomeAsync(() => dialect.read(encodeUtf8(text)))).toEqual(expected);
      // In chunks of 7 bytes: pieces cut across chunks.
      const bytes = encodeUtf8(text);
      const chunked = { ...bytesSource(bytes, 'x.json'), range: undefined, async *stream() { for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7); } };
      expect(await outcomeAsync(() => dialect.read(chunked))).toEqual(expected);
      // A file read by range into one 7-byte buffer, scribbled once a chunk is handed on.
      expect(await outcomeAsync(() => dialect.read(reusedRangeSource(bytes, 7)))).toEqual(expected);
    }), { numRuns: 1500 });
  });

  it('the writer\'s files are read in one pass over the source (the whole-text read would take a second)', async () => {
    await fc.assert(fc.asyncProperty(dataset, fc.integer({ min: 0, max: 3 }), async (d, indent) => {
      const bytes = encodeUtf8(formatRlekitJson(d, { indent }));
      let passes = 0;
      const once = { ...bytesSource(bytes, 'x.json'), async *stream() { if (++passes > 1) throw new Error('read twice'); yield bytes; } };
      expect(await outcomeAsync(() => dialect.read(once))).toEqual(await outcomeAsync(() => wholeText(bytes)));
      expect(passes).toBe(1);
    }), { numRuns: 100 });
  });

  it('runs in every number form and spacing read as the whole-text parse reads them', async () => {
    const file = (runs: string, tail = ''): string => `{"format": "rlekit-json", "version": 1, "images": [{"id": 1, "height": 1, "width": 4294967295}], "categories": [], "annotations": [{"id": 1, "imageId": 1, "height": 1, "width": 4294967295, "order": "row", "runs": ${runs}${tail}}]}`;
    const forms = ['[4294967295]', '[4294967294, 1]', '[0, 4294967295]', '[4294967296]', '[04294967295]', '[01, 4294967294]', '[0, 00, 4294967295]', '[4294967295.0]', '[4294967295e0]', '[-0, 4294967295]', '[0, 0, 4294967295]',
      '[ 4294967290 ,\n\t5 ]', '[4294967290, 5,]', '[4294967290,, 5]', '[]', '[0]', '[4294967290 5]', '["4294967295"]', '[1, 2, 4294967292]', '[4294967294, 0, 1]', '[99999999999]', '[4294967295]]'];
    for (const runs of forms) {
      for (const tail of ['', ', "runs": [4294967295]', ', "x": [1]']) {
        for (const text of [file(runs, tail), file(`[4294967295], "runs": ${runs}`, tail)]) {
          expect(await outcomeAsync(() => dialect.read(encodeUtf8(text))), text).toEqual(await outcomeAsync(() => wholeText(encodeUtf8(text))));
        }
      }
    }
  });

  it('a source of unknown size (a pipe, which may not be read twice) is read once, whole, in any layout', async () => {
    const d = { images: [{ id: 1, height: 1, width: 2 }], categories: [], annotations: [{ id: 1, imageId: 1, mask: Mask.fromRuns([1, 1], { height: 1, width: 2 }, 'row') }] };
    const r = JSON.parse(formatRlekitJson(d)) as Record<string, unknown>;
    for (const text of [formatRlekitJson(d), JSON.stringify({ annotations: r.annotations, images: r.images, categories: r.categories, version: 1, format: 'rlekit-json' })]) {
      const bytes = encodeUtf8(text);
      let passes = 0;
      const pipe = { kind: 'bytes' as const, name: 'stdin', async *stream() { if (++passes > 1) throw new Error('read twice'); yield bytes; } };
      expect(await outcomeAsync(() => dialect.read(pipe))).toEqual(await outcomeAsync(() => wholeText(bytes)));
      expect(passes).toBe(1);
    }
  });

  it('a file larger than maxBytes is refused as before, a bare mask and a root list read as before', async () => {
    const text = formatRlekitJson({ images: [{ id: 1, height: 1, width: 2 }], categories: [], annotations: [] });
    expect(await outcomeAsync(() => dialect.read(encodeUtf8(text), { maxBytes: 10 }))).toEqual(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
    for (const t of ['{"height": 2, "width": 3, "order": "col", "runs": [1, 4, 1]}', '[1, 2]', '"x"', '{}']) {
      expect(await outcomeAsync(() => dialect.read(encodeUtf8(t)))).toEqual(await outcomeAsync(() => wholeText(encodeUtf8(t))));
    }
  });
});
