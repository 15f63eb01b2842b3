import { readdirSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseBytes, generators, hostileCases, hostileDir } from '../src/hostile.js';
import { Supervisor } from '../src/fuzz/supervisor.js';

/**
 * The hostile corpus: each input, read in the supervised child (a hang or blow-up is an outcome,
 * not the end of the test run), gives the RleError code its manifest names, or reads when it says
 * "ok". Entries marked pending are known open defects (the issue item they belong to): listed, not run.
 */
const cases = hostileCases();
const ready = cases.filter((c) => c.pending === undefined);
const supervisor = new Supervisor({ timeMs: 30_000, memoryMb: 1024 });
// The child's start-up (compiling every dialect) is not counted against the first input.
beforeAll(() => supervisor.warm(), 600_000);
afterAll(() => supervisor.close());

describe('the hostile corpus', () => {
  it('lists every committed file once, each under 100 KB, and every generator', () => {
    const files: string[] = [];
    for (const d of readdirSync(hostileDir)) {
      if (!statSync(hostileDir + d).isDirectory()) continue;
      for (const f of readdirSync(hostileDir + d)) {
        files.push(`${d}/${f}`);
        expect(statSync(`${hostileDir}${d}/${f}`).size, `${d}/${f}`).toBeLessThan(100_000);
      }
    }
    expect(cases.filter((c) => c.file).map((c) => c.file).sort()).toEqual(files.sort());
    expect(cases.filter((c) => c.generate).map((c) => c.generate).sort()).toEqual(Object.keys(generators).sort());
    for (const c of cases) expect(c.pending === undefined || /^#\d+ item \d+$/.test(c.pending), `${c.file ?? c.generate}: ${c.pending}`).toBe(true);
  });

  it('covers every dialect', () => {
    expect(new Set(cases.map((c) => c.dialect))).toEqual(new Set(['rlekit-json', 'coco', 'kaggle', 'png', 'encord', 'cvat', 'dicom', 'labelme']));
  });

  it.each(ready.map((c) => [`${c.dialect}: ${c.file ?? c.generate} → ${c.code}`, c] as const))('%s', { timeout: 120_000 }, async (_name, c) => {
    const o = await supervisor.run({ dialect: c.dialect, bytes: caseBytes(c), readOptions: c.readOptions });
    if (c.code === 'ok') expect(o, c.why).toMatchObject({ class: 'ok' });
    else expect(o, c.why).toMatchObject({ class: 'rle-error', code: c.code });
  });
});
