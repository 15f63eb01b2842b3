/**
 * `pnpm fuzz [--seconds N] [--dialect id[,id]] [--seed N] [--time-ms N] [--memory-mb N]`: mutates
 * each dialect's own outputs for N seconds per dialect (default 60) with a random seed (printed, so
 * a run can be repeated), reads each input in a supervised child, prints the outcomes per dialect
 * and saves every finding under .tmp/fuzz/. Exits 1 when anything but ok and RleError occurred.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fuzz, BAD } from './fuzz.js';
import { OUTCOMES } from './supervisor.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
};
const seed = flag('seed') !== undefined ? Number(flag('seed')) : Math.floor(Math.random() * 2 ** 31);
const seconds = Number(flag('seconds') ?? 60);
const dialects = flag('dialect')?.split(',').map((s) => s.trim()).filter(Boolean);
const out = '.tmp/fuzz';
let found = 0;
console.log(`fuzz: seed ${seed}, ${seconds} s per dialect${dialects ? `, ${dialects.join(', ')}` : ''}`);
const totals = await fuzz({
  seed, seconds, dialects,
  timeMs: Number(flag('time-ms') ?? 3000),
  memoryMb: Number(flag('memory-mb') ?? 1024),
  onFinding(dialect, outcome, job) {
    const dir = `${out}/${dialect}`;
    mkdirSync(dir, { recursive: true });
    const name = `${dir}/${outcome.class}-${seed}-${++found}`;
    writeFileSync(`${name}.bin`, job.bytes);
    writeFileSync(`${name}.json`, `${JSON.stringify({ dialect, readOptions: job.readOptions ?? {}, outcome }, null, 2)}\n`);
    console.log(`  ${dialect}: ${outcome.class} ${outcome.detail ?? ''} → ${name}.bin`);
  },
});
console.log(`\n${'dialect'.padEnd(12)} ${'inputs'.padStart(7)} ${OUTCOMES.map((c) => c.padStart(9)).join(' ')}  RleError codes`);
for (const [id, t] of Object.entries(totals)) {
  const codes = Object.entries(t.codes).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
  console.log(`${id.padEnd(12)} ${String(t.total).padStart(7)} ${OUTCOMES.map((c) => String(t[c]).padStart(9)).join(' ')}  ${codes}`);
}
const bad = Object.values(totals).reduce((n, t) => n + BAD.reduce((m, c) => m + t[c], 0), 0);
process.exit(bad > 0 ? 1 : 0);
