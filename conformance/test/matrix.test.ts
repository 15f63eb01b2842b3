import { describe, expect, it } from 'vitest';
import { Mask, type Dialect, type MaskDataset } from '@rlekit/core';
import { dialect as json } from '@rlekit/core/json';
import { fixtures } from '../src/fixtures.js';
import { comparePixels, runCase } from '../src/matrix.js';
import { allProfiles } from '../src/profiles/index.js';
import type { ConformanceProfile } from '../src/profile.js';

const list = fixtures();

describe.each(allProfiles.map((A) => [A.name, A] as const))('%s →', (_a, A) => {
  it.each(allProfiles.map((B) => [B.name, B] as const))('%s → back: every fixture keeps its pixels', async (_b, B) => {
    const failures: string[] = [];
    for (const f of list) {
      const r = await runCase(A, B, f);
      if (r.status === 'fail') failures.push(`${f.name}: ${r.detail}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('the harness itself can fail', () => {
  const fx = list[0]!;
  it('notices a dialect that transposes', async () => {
    const transposing: Dialect = {
      ...json,
      id: 'transposing',
      async read(input, options, ctx) {
        const d = await json.read(input, options, ctx);
        return { ...d, annotations: d.annotations.map((a) => ({ ...a, mask: flipRows(a.mask) })) };
      },
    };
    const bad: ConformanceProfile = { name: 'bad', dialect: transposing };
    const good: ConformanceProfile = { name: 'rlekit-json', dialect: json };
    const r = await runCase(bad, good, fx);
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/differs/);
  });

  it('notices changed bytes from a lossless source', async () => {
    const noisy: Dialect = { ...json, id: 'noisy', write: async (d, o, c) => { const b = await json.write(d, o, c); return Uint8Array.from([...b, 10]); } };
    const writeDiffers: ConformanceProfile = { name: 'noisy', dialect: noisy };
    const good: ConformanceProfile = { name: 'rlekit-json', dialect: json };
    // json → noisy compares noisy's bytes with its own encoding: equal. A self pair of a dialect
    // whose read does not invert its write fails.
    const dropping: Dialect = { ...json, id: 'dropping', async read(i, o, c) { const d = await json.read(i, o, c); return { ...d, annotations: d.annotations.slice(1) }; } };
    expect((await runCase(good, writeDiffers, fx)).status).toBe('pass');
    expect((await runCase({ name: 'dropping', dialect: dropping }, good, list.find((f) => f.name.startsWith('instances'))!)).status).toBe('fail');
  });

  it('compares per instance and per category name', () => {
    const d = list.find((f) => f.name.startsWith('instances'))!.dataset;
    const swapped: MaskDataset = { ...d, annotations: d.annotations.map((a) => ({ ...a, categoryId: a.categoryId === 1 ? 2 : 1 })) };
    expect(comparePixels(d, swapped, true, false)).toBeUndefined();
    expect(comparePixels(d, swapped, true, true)).toMatch(/category/);
    const merged: MaskDataset = { ...d, annotations: [{ ...d.annotations[0]!, mask: d.annotations[0]!.mask.union(d.annotations[1]!.mask) }, d.annotations[2]!] };
    expect(comparePixels(d, merged, false, false)).toBeUndefined();
    expect(comparePixels(d, merged, true, false)).toMatch(/instances/);
  });
});

function flipRows(m: Mask): Mask {
  const bits = m.toBitmap();
  const out = new Uint8Array(bits.length);
  for (let y = 0; y < m.height; y++) out.set(bits.subarray(y * m.width, (y + 1) * m.width), (m.height - 1 - y) * m.width);
  return Mask.fromBitmap(out, m.size);
}
