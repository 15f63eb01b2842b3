import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fixtures } from '../fixtures.js';
import { allProfiles } from '../profiles/index.js';
import type { Job } from './worker.js';

/** Each dialect's own output of every small fixture (and its profiles' read options): what the mutator starts from. */
export async function seedJobs(): Promise<Map<string, Job[]>> {
  const out = new Map<string, Job[]>();
  const add = (job: Job): void => {
    const list = out.get(job.dialect) ?? [];
    list.push(job);
    out.set(job.dialect, list);
  };
  const ctx = { warn: () => {} };
  for (const p of allProfiles) {
    for (const f of fixtures({ large: false })) {
      try {
        const bytes = await p.dialect.write(f.dataset, p.writeOptions ?? {}, ctx);
        add({ dialect: p.dialect.id, bytes, readOptions: p.readOptions?.(f.dataset) ?? {} });
      } catch {
        // A fixture a profile cannot hold (overlaps) is no seed.
      }
    }
  }
  // Files made by other tools: DICOM from pydicom, DCMTK and GDCM.
  const dir = fileURLToPath(new URL('../../vectors/dicom/', import.meta.url));
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.dcm') && n.startsWith('seg_'))) add({ dialect: 'dicom', bytes: new Uint8Array(readFileSync(dir + name)) });
  return out;
}

/** The kind of text (or bytes) a dialect reads, to pick the mutator's tokens. */
export const FORMAT_OF: Record<string, 'json' | 'csv' | 'xml' | 'binary'> = {
  'rlekit-json': 'json', coco: 'json', encord: 'json', kaggle: 'csv', cvat: 'xml', png: 'binary', dicom: 'binary', labelme: 'json',
};
