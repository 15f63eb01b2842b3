/**
 * Encord streamed (`readStream`, `writeStream`) against the whole read and write: the same images,
 * categories, masks, order and warnings, or the same error (code, path, byte offset), for exports
 * of image, video and image-group rows, garbled and cut short, read from memory, from a file in
 * 7-byte chunks and from a pipe; and the same bytes written.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytesSource, collectDataset, decodeUtf8, encodeUtf8, isRleError, JSON_HEAD, Mask, readAllBytes, toDatasetStream,
  type ByteSource, type MaskDataset, type MaskDatasetStream, type RleWarning,
} from '@rlekit/core';
import { dialect, encode, formatEncordExport, parseEncordExport, writeEncordChunks, type EncordReadOptions, type EncordWriteOptions } from '../src/index.js';

const exampleText = readFileSync(fileURLToPath(new URL('../../../conformance/vectors/encord/example_label_rows.json', import.meta.url)), 'utf8');

const plain = (d: MaskDataset): unknown => ({ ...d, annotations: d.annotations.map((a) => ({ ...a, mask: [a.mask.height, a.mask.width, Array.from(a.mask.runsView('row'))] })) });

/** The dataset as plain values with the warnings said, or the error: code, path, and offset in bytes of `text` (the whole-text read counts characters). */
async function outcome(read: (warn: (w: RleWarning) => void) => Promise<MaskDataset>, text?: string): Promise<unknown> {
  const warnings: RleWarning[] = [];
  try {
    return { dataset: plain(await read((w) => warnings.push(w))), warnings };
  } catch (e) {
    if (!isRleError(e)) throw e;
    const offset = e.offset === undefined || text === undefined ? e.offset : encodeUtf8(text.slice(0, e.offset)).length;
    return { code: e.code, path: e.path, offset };
  }
}

const whole = async (bytes: Uint8Array, options: Partial<EncordReadOptions>, warn: (w: RleWarning) => void): Promise<MaskDataset> =>
  parseEncordExport(decodeUtf8(await readAllBytes(bytes, 0x1fffffe8, { head: JSON_HEAD })), options, { warn });

const streamed = async (input: Uint8Array | ByteSource, options: Partial<EncordReadOptions>, warn: (w: RleWarning) => void): Promise<MaskDataset> =>
  collectDataset(await dialect.readStream!(input, options, { warn }));

/** Sources of the same bytes: in memory, a file in 7-byte chunks, a pipe (no size: readable once). */
function sources(bytes: Uint8Array): (() => Uint8Array | ByteSource)[] {
  return [
    () => bytes,
    () => ({ ...bytesSource(bytes, 'x.json'), async *stream() { for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7); } }),
    () => {
      let passes = 0;
      return { kind: 'bytes' as const, name: 'stdin', async *stream() { if (++passes > 1) throw new Error('a pipe read twice'); for (let i = 0; i < bytes.length; i += 5) yield bytes.slice(i, i + 5); } };
    },
  ];
}

/** Masks on non-square frames: empty, full, foreground at the first and last pixel, random. */
const maskBits = (height: number, width: number) => fc.oneof(
  fc.constant(new Uint8Array(height * width)),
  fc.constant(new Uint8Array(height * width).fill(1)),
  fc.constant(Uint8Array.from({ length: height * width }, (_, p) => +(p === 0 || p === height * width - 1))),
  fc.uint8Array({ min: 0, max: 1, minLength: height * width, maxLength: height * width }),
);

/** One object of a frame: a bitmask (whole frame, or a box at an offset, or of another size), or a polygon. */
const object = (height: number, width: number) => fc.tuple(
  fc.constantFrom('bitmask', 'bitmask', 'bitmask', 'box', 'polygon'),
  maskBits(height, width),
  fc.constantFrom('o1', 'o2', '17', 'x'),
  fc.option(fc.constantFrom('fA', 'fB', '3', 'rlekit-no-category'), { nil: undefined }),
  fc.option(fc.constantFrom('Blob', 'Edge Line'), { nil: undefined }),
  fc.option(fc.constantFrom(1, 0.5), { nil: undefined }),
  fc.option(fc.boolean(), { nil: undefined }),
  fc.constantFrom('Thu, 01 Jan 2026 00:00:00 GMT', 'Mon, 13 Jan 2025 10:00:00 GMT'),
).map(([kind, bits, objectHash, featureHash, name, confidence, manual, createdAt]) => {
  const base = {
    ...(name !== undefined ? { name } : {}), color: '#D33115', value: name === undefined ? undefined : name.toLowerCase(), createdAt, createdBy: 'a@b.c',
    ...(confidence !== undefined ? { confidence } : {}), objectHash, ...(featureHash !== undefined ? { featureHash } : {}), ...(manual !== undefined ? { manualAnnotation: manual } : {}),
  };
  if (kind === 'polygon') return { ...base, shape: 'polygon', polygon: { 0: { x: 0.1, y: 0.2 } } };
  const mask = Mask.fromBitmap(bits, { height, width });
  if (kind === 'box') {
    // A box at an offset: placed into the frame (with a warning), or not fitting it (an error).
    const h = Math.max(1, height - 1), w = width;
    return { ...base, shape: 'bitmask', bitmask: { rleString: encode(Mask.full({ height: h, width: w })), top: 1, left: bits[0] ?? 0, width: w, height: h } };
  }
  return { ...base, shape: 'bitmask', bitmask: { rleString: encode(mask), top: 0, left: 0, width, height } };
});

const size = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 7 })).filter(([h, w]) => h !== w);

const labels = (height: number, width: number) => fc.record({
  objects: fc.array(object(height, width), { maxLength: 3 }),
  classifications: fc.constantFrom([], [{ name: 'Weather', classificationHash: 'c1' }]),
});

/** A label row: an image, a video (frames), or an image group; data hashes repeat (branches). */
const row = size.chain(([height, width]) => fc.tuple(
  fc.constantFrom('image', 'image', 'video', 'img_group', undefined),
  fc.constantFrom('D1', 'D2', '12'),
  fc.array(labels(height, width), { minLength: 1, maxLength: 3 }),
  fc.array(fc.constantFrom('0', '3', '7'), { maxLength: 3 }),
).map(([type, hash, units, frames]) => {
  const unit = (h: string, l: unknown) => ({ data_hash: h, data_title: `${h}.png`, data_sequence: 0, width, height, labels: l });
  const dataUnits: Record<string, unknown> = {};
  if (type === 'video') dataUnits[hash] = unit(hash, Object.fromEntries([...new Set(frames)].map((f, k) => [f, units[k % units.length]])));
  else if (type === 'img_group') units.forEach((l, k) => { dataUnits[`${hash}-${k}`] = unit(`${hash}-${k}`, l); });
  else dataUnits[hash] = unit(hash, units[0]);
  return { label_hash: `L${hash}`, branch_name: 'main', data_hash: hash, data_title: `${hash}.png`, ...(type !== undefined ? { data_type: type } : {}), object_answers: {}, data_units: dataUnits };
}));

/** The text as it is, garbled, or cut short. */
const variant = fc.oneof(
  { weight: 3, arbitrary: fc.constant((t: string) => t) },
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0x20, max: 0x7e }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 3 }).map((edits) => (t: string) => {
    const b = t.split('');
    for (const [at, c, op] of edits) {
      const i = at % (b.length + 1);
      if (op === 'set') b[Math.min(i, b.length - 1)] = String.fromCharCode(c);
      else if (op === 'insert') b.splice(i, 0, String.fromCharCode(c));
      else b.splice(i, 1);
    }
    return b.join('');
  }),
  fc.nat().map((at) => (t: string) => t.slice(0, at % (t.length + 1))),
);

const readOptionsArb = fc.record({ strictSum: fc.boolean(), repairInverted: fc.boolean() }, { requiredKeys: [] });

/** Masks of a dataset on non-square images, with ids, categories and scores (none from Encord). */
const dataset = fc.array(size, { minLength: 0, maxLength: 4 }).chain((sizes) => fc.record({
  sizes: fc.constant(sizes),
  masks: fc.array(fc.nat(Math.max(0, sizes.length - 1)).chain((k) => fc.tuple(
    fc.constant(k), maskBits(sizes[k]?.[0] ?? 1, sizes[k]?.[1] ?? 1),
    fc.option(fc.constantFrom(1, 2, 'car'), { nil: undefined }),
    fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    fc.oneof(fc.nat(9), fc.constantFrom('r', 's')),
    fc.option(fc.constantFrom<Record<string, unknown>>({ note: 'n' }, { shape: 'clash' }), { nil: undefined }),
  )), { maxLength: sizes.length === 0 ? 0 : 6 }),
})).map(({ sizes, masks }): MaskDataset => ({
  images: sizes.map(([height, width], i) => ({ id: i === 1 ? 'two' : i + 1, height, width, ...(i === 0 ? { fileName: 'a é.png', attributes: { split: 'train' } } : {}) })),
  categories: [{ id: 1, name: 'cell' }, { id: 2, name: 'Big Nucleus', color: [1, 2, 250] }, { id: 'car', name: 'car', supercategory: 'v' }, { id: 4, name: 'unused' }],
  annotations: masks.map(([k, bits, categoryId, score, id, attributes]) => {
    const [height, width] = sizes[k]!;
    return {
      id, imageId: k === 1 ? 'two' : k + 1, mask: Mask.fromBitmap(bits, { height, width }),
      ...(categoryId !== undefined ? { categoryId } : {}), ...(score !== undefined ? { score } : {}), ...(attributes !== undefined ? { attributes } : {}),
    };
  }),
}));

async function written(d: MaskDataset | MaskDatasetStream, options: Partial<EncordWriteOptions>, warn: (w: RleWarning) => void): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const c of writeEncordChunks(d, options, { warn })) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

describe('encord streamed read', () => {
  it('gives the whole read\'s dataset and warnings, or its error with the same code, path and byte offset (image, video and group rows, garbled, cut short)', async () => {
    let read = 0, failed = 0;
    await fc.assert(fc.asyncProperty(fc.array(row, { maxLength: 4 }), fc.integer({ min: 0, max: 2 }), variant, readOptionsArb, async (rows, indent, change, options) => {
      const text = change(JSON.stringify(rows, null, indent));
      const bytes = encodeUtf8(text);
      const expected = await outcome((warn) => whole(bytes, options, warn), text) as { code?: string; offset?: number };
      if (expected.code === undefined) read++;
      else failed++;
      for (const source of sources(bytes)) {
        const got = await outcome((warn) => streamed(source(), options, warn));
        // The whole-text read has no offset for some faults ("Unexpected token"); the stream gives the byte.
        if (expected.code !== undefined && expected.offset === undefined) expect(got).toEqual({ ...expected, offset: (got as { offset?: number }).offset });
        else expect(got).toEqual(expected);
      }
    }), { numRuns: 500 });
    expect(Math.min(read, failed)).toBeGreaterThan(80);
  });

  it('reads the example export, and what the writer wrote, exactly as the whole read does, from every source', async () => {
    const texts = [exampleText];
    await fc.assert(fc.asyncProperty(dataset, fc.integer({ min: 0, max: 2 }), async (d, indent) => {
      texts.push(formatEncordExport(d, { indent }));
    }), { numRuns: 100 });
    for (const text of texts) {
      const bytes = encodeUtf8(text);
      const expected = await outcome((warn) => whole(bytes, {}, warn), text);
      for (const source of sources(bytes)) expect(await outcome((warn) => streamed(source(), {}, warn))).toEqual(expected);
    }
  });

  it('reads one label row (an object) as the whole read does, and says the annotations come in image order', async () => {
    const rows = JSON.parse(exampleText) as unknown[];
    const one = encodeUtf8(JSON.stringify(rows[1]));
    expect(await outcome((warn) => streamed(one, {}, warn))).toEqual(await outcome((warn) => whole(one, {}, warn)));
    expect((await dialect.readStream!(encodeUtf8(exampleText))).inImageOrder).toBe(true);
  });
  it('hands on the first annotation before the second pass has read the file, and holds no more than a record of it', async () => {
    const size = { height: 2, width: 3 };
    const n = 200;
    const d: MaskDataset = { images: Array.from({ length: n }, (_, k) => ({ id: k + 1, ...size })), categories: [], annotations: Array.from({ length: n }, (_, k) => ({ id: k + 1, imageId: k + 1, mask: Mask.fromBitmap([1, 0, 0, 0, 0, 1], size) })) };
    const bytes = encodeUtf8(formatEncordExport(d));
    let served = 0;
    const file: ByteSource = { ...bytesSource(bytes, 'x.json'), async *stream() { served = 0; for (let i = 0; i < bytes.length; i += 64) { served += 64; yield bytes.subarray(i, i + 64); } } };
    const s = await dialect.readStream!(file);
    expect(s.images).toHaveLength(n);
    const it = s.annotations[Symbol.asyncIterator]();
    expect((await it.next()).value?.id).toBe(1);
    expect(served).toBeLessThan(bytes.length / 4);
  });
});

describe('encord streamed write', () => {
  it('writes the bytes and warnings of the whole write, from a dataset in memory', async () => {
    await fc.assert(fc.asyncProperty(dataset, fc.integer({ min: 0, max: 2 }), async (d, indent) => {
      const warnings: RleWarning[] = [], streamedWarnings: RleWarning[] = [];
      const expected = formatEncordExport(d, { indent }, { warn: (w) => warnings.push(w) });
      expect(await written(d, { indent }, (w) => streamedWarnings.push(w))).toBe(expected);
      expect(streamedWarnings).toEqual(warnings);
    }), { numRuns: 200 });
  });

  it('writes the same bytes and warnings (the losses said last) from a stream, in image order or not', async () => {
    await fc.assert(fc.asyncProperty(dataset, fc.boolean(), async (d, reverse) => {
      const input: MaskDataset = { ...d, annotations: reverse ? [...d.annotations].reverse() : d.annotations };
      const warnings: RleWarning[] = [], streamedWarnings: RleWarning[] = [];
      const expected = formatEncordExport(input, {}, { warn: (w) => warnings.push(w) });
      expect(await written(toDatasetStream(input), {}, (w) => streamedWarnings.push(w))).toBe(expected);
      const key = (w: RleWarning): string => JSON.stringify(w);
      expect(streamedWarnings.map(key).sort()).toEqual(warnings.map(key).sort());
    }), { numRuns: 150 });
  });

  it('writes label rows of several images (video frames, groups) back as the whole write does, also when their images are not together', async () => {
    const texts = [exampleText];
    await fc.assert(fc.asyncProperty(fc.array(row, { maxLength: 4 }), async (rows) => {
      texts.push(JSON.stringify(rows));
    }), { numRuns: 100 });
    for (const text of texts) {
      let d: MaskDataset;
      try {
        d = parseEncordExport(text);
      } catch {
        continue; // an export the generator made invalid (a box that does not fit)
      }
      // Each image's objects, read from a stream, and with the images of one row apart (the last image first).
      const moved: MaskDataset = { ...d, images: d.images.length > 1 ? [d.images.at(-1)!, ...d.images.slice(0, -1)] : d.images };
      for (const input of [d, moved]) {
        const expected = formatEncordExport(input, {});
        expect(await written(input, {}, () => {})).toBe(expected);
        expect(await written(toDatasetStream(input), {}, () => {})).toBe(expected);
      }
      expect(await written(await dialect.readStream!(encodeUtf8(text)), {}, () => {})).toBe(formatEncordExport(d));
    }
  });

  it('refuses what the whole write refuses, with its path: a mask of another size, an unknown category or image', async () => {
    const s = { height: 2, width: 3 };
    const base: MaskDataset = { images: [{ id: 1, ...s }], categories: [], annotations: [{ id: 1, imageId: 1, mask: Mask.full(s) }] };
    const bad: MaskDataset[] = [
      { ...base, annotations: [...base.annotations, { id: 2, imageId: 1, mask: Mask.full({ height: 3, width: 2 }) }] },
      { ...base, annotations: [...base.annotations, { id: 2, imageId: 1, categoryId: 9, mask: Mask.full(s) }] },
      { ...base, annotations: [...base.annotations, { id: 2, imageId: 7, mask: Mask.full(s) }] },
    ];
    for (const d of bad) {
      const expected = (() => {
        try {
          formatEncordExport(d);
        } catch (e) {
          return isRleError(e) ? { code: e.code, path: e.path } : e;
        }
        return undefined;
      })();
      expect(expected).toBeDefined();
      for (const input of [d, toDatasetStream(d)]) await expect(written(input, {}, () => {})).rejects.toMatchObject(expected as object);
    }
  });
});
