/** The fuzz loop: mutate a dialect's own outputs, read each in the supervised child, count every outcome. */
import { DICTIONARIES, mutate, rng } from './mutate.js';
import { FORMAT_OF, seedJobs } from './seeds.js';
import { OUTCOMES, Supervisor, type Outcome, type OutcomeClass } from './supervisor.js';
import type { Job } from './worker.js';

export interface FuzzOptions {
  /** Dialect ids; all when absent. */
  dialects?: string[];
  seed: number;
  /** Stop each dialect after this many seconds... */
  seconds?: number;
  /** ...or this many inputs, whichever comes first. */
  inputs?: number;
  timeMs?: number;
  memoryMb?: number;
  /** Called for every input that is not ok or an RleError. */
  onFinding?: (dialect: string, outcome: Outcome, job: Job) => void;
}

export type Tally = Record<OutcomeClass, number> & { total: number; codes: Record<string, number> };

export const BAD: readonly OutcomeClass[] = ['untyped', 'crash', 'hang', 'blow-up', 'disagree'];

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export async function fuzz(o: FuzzOptions): Promise<Record<string, Tally>> {
  const seeds = await seedJobs();
  const ids = o.dialects ?? [...seeds.keys()];
  const supervisor = new Supervisor({ timeMs: o.timeMs, memoryMb: o.memoryMb });
  const totals: Record<string, Tally> = {};
  try {
    for (const id of ids) {
      const jobs = seeds.get(id);
      if (jobs === undefined || jobs.length === 0) throw new Error(`no seeds for dialect ${id}`);
      const random = rng(o.seed ^ hashString(id));
      const format = FORMAT_OF[id] ?? 'binary';
      const tally = Object.fromEntries(OUTCOMES.map((c) => [c, 0])) as unknown as Tally;
      tally.total = 0;
      tally.codes = {};
      totals[id] = tally;
      await supervisor.warm();
      const until = o.seconds === undefined ? Infinity : Date.now() + o.seconds * 1000;
      const limit = o.inputs ?? Infinity;
      const bytesOf = jobs.map((j) => j.bytes);
      while (tally.total < limit && Date.now() < until) {
        const base = jobs[Math.floor(random() * jobs.length)]!;
        const job: Job = { ...base, bytes: mutate(base.bytes, random, DICTIONARIES[format]!, bytesOf, format === 'binary') };
        const outcome = await supervisor.run(job);
        tally[outcome.class]++;
        tally.total++;
        if (outcome.code) tally.codes[outcome.code] = (tally.codes[outcome.code] ?? 0) + 1;
        if (BAD.includes(outcome.class)) o.onFinding?.(id, outcome, job);
      }
    }
  } finally {
    supervisor.close();
  }
  return totals;
}
