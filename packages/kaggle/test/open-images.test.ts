import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as fc from 'fast-check';
import { unzlibSync, zlibSync } from 'fflate';
import { countsToString, encodeUtf8, isRleError, Mask, type MaskDataset, type RleError, type RleWarning } from '@rlekit/core';
import { decode, dialect, encode, presets } from '../src/index.js';
import { base64ToBytes as base64Decode, bytesToBase64 as base64Encode } from '@rlekit/core';

const VECTORS = join(import.meta.dirname, '../../../conformance/vectors/kaggle-open-images');
const vectors = JSON.parse(readFileSync(join(VECTORS, 'masks.json'), 'utf8')) as {
  masks: { id: string; size: [number, number]; rows?: string[]; block?: [number, number, number, number]; counts_string: string; encoded: string }[];
};
const OI = ['open-images-2019-instance-segmentation', 'hpa-single-cell-classification', 'hubmap-hacking-the-human-vasculature'] as const;

function maskOf(v: (typeof vectors.masks)[number]): Mask {
  const [h, w] = v.size;
  const bits = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const on = v.rows ? v.rows[y]![x] === '1' : y >= v.block![0] && y < v.block![1] && x >= v.block![2] && x < v.block![3];
      bits[y * w + x] = on ? 1 : 0;
    }
  }
  return Mask.fromBitmap(bits, { height: h, width: w }, 'row');
}

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<RleError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (isRleError(e)) return e;
    throw e;
  }
  throw new Error('expected an RleError');
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('the Open Images mask text (vectors by Python zlib + base64)', () => {
  it('decodes every vector to its mask, with every preset', () => {
    for (const v of vectors.masks) {
      for (const p of OI) expect(decode(v.encoded, { height: v.size[0], width: v.size[1] }, p).equals(maskOf(v)), `${v.id} ${p}`).toBe(true);
    }
  });

  it('encodes to the same count string and zlib stream Python makes: base64 is standard with padding, zlib level 9 (78 DA)', () => {
    let identical = 0;
    for (const v of vectors.masks) {
      const ours = encode(maskOf(v), 'open-images-2019-instance-segmentation');
      const bytes = base64Decode(ours);
      expect(bytes[0]).toBe(0x78);
      expect(bytes[1]).toBe(0xda);
      expect(text(unzlibSync(bytes))).toBe(v.counts_string);
      expect(ours).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
      expect(ours.length % 4).toBe(0);
      if (ours === v.encoded) identical++;
      // fflate's level-9 deflate matches zlib's on these, not on every input: 3 noise vectors come
      // out shorter or longer (the matchers differ). Decoders read both the same.
      else expect(v.id, v.id).toMatch(/^noise_/);
    }
    expect(identical).toBeGreaterThanOrEqual(13);
  });

  it('count strings inside are core\'s countsToString of the column-major runs (pycocotools\' rleToString)', () => {
    for (const v of vectors.masks) {
      const m = maskOf(v);
      expect(countsToString(m.isEmpty() ? [m.pixels] : m.runs('col'))).toBe(v.counts_string);
    }
  });

  it('round trips any non-square mask (first and last pixel, empty and full included)', () => {
    const arb = fc.record({ h: fc.integer({ min: 1, max: 12 }), w: fc.integer({ min: 1, max: 12 }) }).filter((s) => s.h !== s.w)
      .chain(({ h, w }) => fc.tuple(fc.constant({ height: h, width: w }), fc.uint8Array({ minLength: h * w, maxLength: h * w, max: 1 })));
    fc.assert(fc.property(arb, ([size, bits]) => {
      for (const m of [Mask.fromBitmap(bits, size, 'row'), Mask.empty(size), Mask.full(size)]) {
        expect(decode(encode(m, 'hubmap-hacking-the-human-vasculature'), size, 'hubmap-hacking-the-human-vasculature').equals(m)).toBe(true);
      }
    }));
  });

  it('base64 matches Node\'s encoder on any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      expect(base64Encode(b)).toBe(Buffer.from(b).toString('base64'));
      expect([...base64Decode(Buffer.from(b).toString('base64'))]).toEqual([...b]);
    }));
  });
});

describe('hostile mask texts', () => {
  const size = { height: 5, width: 9 };
  const p = 'open-images-2019-instance-segmentation';

  it('bad base64, bad zlib, a wrong sum and bad count characters are typed errors', async () => {
    expect((await errorOf(() => decode('eNoz*DI2', size, p))).code).toBe('INVALID_TOKEN');
    expect((await errorOf(() => decode(base64Encode(Uint8Array.of(1, 2, 3, 4, 5)), size, p))).code).toBe('CORRUPT');
    expect((await errorOf(() => decode(base64Encode(zlibSync(encodeUtf8('52')) ), size, p))).code).toBe('RUNS_SUM_MISMATCH');
    expect((await errorOf(() => decode(base64Encode(zlibSync(encodeUtf8('5~'))), size, p))).code).toBe('INVALID_TOKEN');
  });

  it('a zlib bomb is refused at the cap, not inflated', async () => {
    const bomb = base64Encode(zlibSync(new Uint8Array(64 << 20).fill(0x30)));
    expect(bomb.length).toBeLessThan(200_000);
    const e = await errorOf(() => decode(bomb, size, p));
    expect(e.code).toBe('LIMIT_EXCEEDED');
  });
});

describe('the three presets read and write their CSVs', () => {
  for (const id of OI) {
    it(`${id}: header, labels, scores and masks`, async () => {
      const csv = new Uint8Array(readFileSync(join(VECTORS, `${id}.csv`)));
      const warnings: RleWarning[] = [];
      const d = await dialect.read(csv, { preset: id }, { warn: (w) => warnings.push(w) });
      expect(warnings).toEqual([]);
      expect(d.images.map((i) => [i.id, i.height, i.width])).toEqual([['img_a', 5, 9], ['img_b', 3, 4]]);
      const scores = d.annotations.map((a) => a.score);
      expect(scores).toEqual(id === 'hpa-single-cell-classification' ? [0.875, 0.5, 0.25] : [0.875, 0.5]);
      expect(d.annotations[0]!.mask.bbox()).toEqual({ x: 0, y: 0, width: 3, height: 2 });
      expect(d.annotations[1]!.mask.bbox()).toEqual({ x: 4, y: 2, width: 5, height: 3 });
      if (id === 'open-images-2019-instance-segmentation') expect(d.categories.map((c) => c.name)).toEqual(['/m/01g317', '/m/0k4j']);
      if (id === 'hpa-single-cell-classification') expect(d.annotations[2]!.mask.equals(d.annotations[1]!.mask)).toBe(true);
      // Written back: the same header, rows, labels, scores and masks (the zlib bytes may differ).
      const out = text(await dialect.write(d, { preset: id }));
      const lines = out.trim().split('\n');
      const orig = text(csv).trim().split('\n');
      expect(lines[0]).toBe(presets[id]!.csv.columns.join(','));
      expect(lines[0]).toBe(orig[0]);
      expect(lines[2]).toBe(orig[2]);
      const back = await dialect.read(encodeUtf8(out), { preset: id });
      expect(back.annotations.map((a) => [a.categoryId, a.score, a.mask.area()])).toEqual(d.annotations.map((a) => [a.categoryId, a.score, a.mask.area()]));
      back.annotations.forEach((a, k) => expect(a.mask.equals(d.annotations[k]!.mask)).toBe(true));
    });
  }

  it('the preset is inferred from the header', async () => {
    const warnings: RleWarning[] = [];
    const d = await dialect.read(new Uint8Array(readFileSync(join(VECTORS, 'hubmap-hacking-the-human-vasculature.csv'))), {}, { warn: (w) => warnings.push(w) });
    expect(d.annotations).toHaveLength(2);
    expect(warnings.find((w) => w.code === 'preset-inferred')?.message).toMatch(/hubmap-hacking-the-human-vasculature \(Open Images/);
  });

  it('a prediction string that is not triples, or a confidence that is not a number, says where', async () => {
    const head = 'id,height,width,prediction_string\n';
    const e = await errorOf(dialect.read(encodeUtf8(`${head}a,2,3,0 0.5\n`), { preset: 'hubmap-hacking-the-human-vasculature' }));
    expect(e.code).toBe('INVALID_STRUCTURE');
    expect(e.path).toEqual(['line', 2, 'prediction_string']);
    const e2 = await errorOf(dialect.read(encodeUtf8(`${head}a,2,3,0 high eNozBAAAMgAy\n`), { preset: 'hubmap-hacking-the-human-vasculature' }));
    expect(e2.code).toBe('INVALID_TOKEN');
    expect(e2.path).toEqual(['line', 2, 'prediction_string', 1]);
  });

  it('masks written as Python bytes (b\'...\') are read, with a warning', async () => {
    const m = encode(Mask.full({ height: 2, width: 3 }), 'hubmap-hacking-the-human-vasculature');
    const warnings: RleWarning[] = [];
    const d = await dialect.read(encodeUtf8(`id,height,width,prediction_string\na,2,3,0 1.0 b'${m}'\n`), { preset: 'hubmap-hacking-the-human-vasculature' }, { warn: (w) => warnings.push(w) });
    expect(d.annotations[0]!.mask.area()).toBe(6);
    expect(warnings.map((w) => w.code)).toContain('python-bytes-counts');
  });

  it('writing: missing scores become 1 and missing categories label 0, each reported; other presets report scores lost', async () => {
    const size = { height: 2, width: 3 };
    const d: MaskDataset = {
      images: [{ id: 'x', ...size }],
      categories: [{ id: 7, name: 'seven' }],
      annotations: [{ id: 1, imageId: 'x', mask: Mask.full(size) }, { id: 2, imageId: 'x', categoryId: 7, mask: Mask.full(size), score: 0.1 }],
    };
    const warnings: RleWarning[] = [];
    const out = text(await dialect.write(d, { preset: 'open-images-2019-instance-segmentation' }, { warn: (w) => warnings.push(w) }));
    expect(out.split('\n')[1]).toMatch(/^x,3,2,0 1 \S+ seven 0\.1 \S+$/);
    expect(warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['default-score', 'default-category']));
    const lost: RleWarning[] = [];
    await dialect.write(d, { preset: 'carvana-image-masking' }, { warn: (w) => lost.push(w) });
    expect(lost.find((w) => w.capability === 'scores')?.count).toBe(1);
  });
});
