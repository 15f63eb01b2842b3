/** `pnpm conformance`: runs the whole matrix and writes docs/conformance.md; exits 1 on any failure. */
import { writeFileSync, renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fixtures } from './fixtures.js';
import { renderReport, runCase, type CaseResult } from './matrix.js';
import { allProfiles } from './profiles/index.js';

const out = fileURLToPath(new URL('../../docs/conformance.md', import.meta.url));
const list = fixtures();
const results: CaseResult[] = [];
for (const A of allProfiles) {
  for (const B of allProfiles) {
    for (const f of list) results.push(await runCase(A, B, f));
  }
}
writeFileSync(`${out}.tmp`, renderReport(allProfiles, results));
renameSync(`${out}.tmp`, out);
const failed = results.filter((r) => r.status === 'fail');
for (const f of failed) console.error(`FAIL ${f.from} → ${f.to}, ${f.fixture}: ${f.detail}`);
const passed = results.filter((r) => r.status === 'pass').length;
const skipped = results.filter((r) => r.status === 'skip').length;
console.log(`conformance: ${allProfiles.length} profiles, ${list.length} fixtures; wrote docs/conformance.md`);
console.log(`${passed} passed, ${failed.length} failed, ${skipped} skipped`);
process.exit(failed.length > 0 ? 1 : 0);
