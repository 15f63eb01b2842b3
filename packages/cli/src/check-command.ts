/**
 * `rlekit check <input>`: every problem of a file at once, grouped by code — the reader's own
 * warnings, then what the masks, ids and references say — and `--fix` for the safe repairs.
 */
import type { Command } from 'commander';
import { parseJobs } from './jobs.js';
import {
  checkDataset, collectDataset, escapeUnprintable, isRleError, RleError,
  type Annotation, type CheckReport, type Dialect, type MaskDataset, type MaskDatasetStream, type Problem, type RleWarning,
} from '@rlekit/core';
import type { Io } from './io.js';


/**
 * Reads the input (streamed where the dialect can) with its flags; warnings go to `warn`. With
 * `recover`, a reader that can skip a bad record hands its error there and reads on.
 */
export type OpenInput = (input: string, from: string | undefined, flags: Record<string, unknown>, warn: (w: RleWarning) => void, recover?: (e: RleError) => void) => Promise<{ dialect: Dialect; data: MaskDataset | MaskDatasetStream }>;
/** Writes `dataset` with `dialect` and its flags to `output` atomically; returns what was written. */
export type WriteOutput = (dataset: MaskDataset, dialect: Dialect, flags: Record<string, unknown>, output: string) => Promise<void>;

/** The repairs `--fix` makes: drop empty masks, renumber duplicate annotation ids. Returns what it changed. */
export function applyFixes(dataset: MaskDataset): { dataset: MaskDataset; changes: string[] } {
  const changes: string[] = [];
  const seen = new Set<string>();
  let next = 0;
  for (const a of dataset.annotations) if (typeof a.id === 'number' && a.id >= next) next = a.id + 1;
  const annotations: Annotation[] = [];
  for (const a of dataset.annotations) {
    if (a.mask.area() === 0) {
      changes.push(`dropped annotation ${String(a.id)} (empty mask)`);
      continue;
    }
    const k = `${typeof a.id}:${String(a.id)}`;
    if (seen.has(k)) {
      const id = next++;
      changes.push(`renumbered annotation ${String(a.id)} on image ${String(a.imageId)} to ${id} (duplicate id)`);
      annotations.push({ ...a, id, attributes: { ...a.attributes, source_id: a.id } });
      continue;
    }
    seen.add(k);
    annotations.push(a);
  }
  return { dataset: { ...dataset, annotations }, changes };
}

/**
 * Reader warnings left out of the report: a conversion's loss report (not-carried) says nothing
 * about the file, and duplicate ids are reported by the check itself, with each id's path.
 */
export const CHECK_IGNORED_WARNINGS: ReadonlySet<string> = new Set(['not-carried', 'duplicate-id']);

/**
 * `--jobs`: checks shards of the input's images on worker threads and merges their findings into
 * the report one job gives (core's mergeCheckShards); `undefined` when one job checks instead
 * (one job asked or by default, a pipe, or a file only one job can report exactly: see jobs-worker.ts).
 */
export type CheckInJobs = (input: string, from: string | undefined, flags: Record<string, unknown>, jobs: string | undefined, options: { overlapForbidden: boolean; fragmentArea: number }) => Promise<{ dialect: Dialect; report: CheckReport; warnings: RleWarning[] } | undefined>;

export function registerCheck(program: Command, io: Io, dialects: readonly Dialect[], open: OpenInput, write: WriteOutput, inJobs?: CheckInJobs): Command {
  return program
    .command('check <input>')
    .description('report every problem of a file at once, grouped by code (empty masks, duplicate or dangling ids, multi-part masks, overlaps, masks that look inverted, what the reader warned about)')
    .option('--from <dialect>', 'dialect of the input (detected when absent)')
    .option('--target <dialect>', 'also check what this output dialect forbids (overlapping masks)')
    .option('--fragment-area <n>', 'parts smaller than this many pixels are reported as tiny fragments', '4')
    .option('--fail-on <severity>', 'exit 2 when a problem of this severity (error, warning) or worse is found', 'error')
    .option('--fix', 'write a repaired copy (drops empty masks, renumbers duplicate ids) to -o, listing every change')
    .option('-o, --output <path>', 'with --fix: where to write the repaired copy (same dialect as the input)')
    .option('--json', 'machine-readable output')
    .option('--jobs <n>', 'worker threads that check shards of the images side by side, with the same report (default: the cores, for inputs of 32 MiB or 64 files and more); --fix reads with one job, and so does a file whose reader warns or skips records')
    .addHelpText('after', `
Examples:
  rlekit check instances.json
  rlekit check train.csv --preset data-science-bowl-2018 --fail-on warning
  rlekit check instances.json --fix -o fixed.json`)
    .action(async (input: string, opts: Record<string, unknown>) => {
      const { from, target, fragmentArea, failOn, fix, output, json, jobs, plugin: _plugin, ...flags } = opts as {
        from?: string; target?: string; fragmentArea: string; failOn: string; fix?: boolean; output?: string; json?: boolean; jobs?: string; plugin?: string[];
      } & Record<string, unknown>;
      if (failOn !== 'error' && failOn !== 'warning') throw new RleError('INVALID_OPTION', '--fail-on must be error or warning', { received: failOn });
      const minPart = Number(fragmentArea);
      if (!Number.isSafeInteger(minPart) || minPart < 1) throw new RleError('INVALID_OPTION', '--fragment-area must be a positive integer', { received: fragmentArea });
      if (fix && !output) throw new RleError('INVALID_OPTION', '--fix needs -o <path> for the repaired copy (the input is never changed)');
      const warnings: RleWarning[] = [];
      const readerProblems: Problem[] = [];
      let dialect: Dialect | undefined;
      let report;
      let data: MaskDataset | MaskDatasetStream | undefined;
      // The path goes in its own field, so the message is the reason and what was expected.
      const problemOf = (e: RleError): Problem => ({
        code: e.code, severity: 'error',
        message: escapeUnprintable(e.expected === undefined ? e.reason : `${e.reason} (expected ${e.expected}${e.received === undefined ? '' : `, got ${e.received}`})`),
        path: [...(e.path ?? []), ...(e.offset !== undefined ? [`offset ${e.offset}`] : [])],
      });
      let overlapForbidden = false;
      if (target) {
        const t = dialects.find((d) => d.id === target);
        if (!t) throw new RleError('UNKNOWN_DIALECT', `No dialect "${target}"`, { expected: dialects.map((d) => d.id).join(', ') });
        overlapForbidden = !t.capabilities.overlap;
      }
      if (typeof flags.preset === 'string') {
        const { presets } = await import('@rlekit/kaggle');
        if (presets[flags.preset]?.overlap === 'forbidden') overlapForbidden = true;
      }
      if (fix && jobs !== undefined) parseJobs(jobs, { kind: 'bytes' }); // refused when bad, though --fix reads with one job
      // The repaired copy needs the whole dataset in one place: --fix checks with one job.
      const sharded = !fix && inJobs ? await inJobs(input, from, flags, jobs, { overlapForbidden, fragmentArea: minPart }) : undefined;
      if (sharded) {
        ({ dialect, report } = sharded);
        warnings.push(...sharded.warnings);
      }
      else try {
        // Records the reader could not read are reported with the rest, and reading goes on.
        const opened = await open(input, from, flags, (w) => { if (!CHECK_IGNORED_WARNINGS.has(w.code)) warnings.push(w); }, (e) => readerProblems.push(problemOf(e)));
        dialect = opened.dialect;
        data = fix ? await collectDataset(opened.data) : opened.data;
        report = await checkDataset(data, { overlapForbidden, fragmentArea: minPart });
      } catch (e) {
        if (!isRleError(e) || !dialect) throw e;
        // The reader stopped at a fault: that fault is a problem of the file, reported with the rest.
        readerProblems.push(problemOf(e));
      }
      // A reader error counts one; a warning counts what it tallied (two warnings may share a code).
      const weights = readerProblems.map(() => 1);
      for (const w of warnings) (readerProblems.push({ code: w.code, severity: 'warning', message: w.message, path: [] }), weights.push(w.count ?? 1));
      const problems = [...readerProblems, ...(report?.problems ?? [])];
      const counts: Record<string, { severity: string; count: number }> = {};
      readerProblems.forEach((p, i) => {
        const c = (counts[p.code] ??= { severity: p.severity, count: 0 });
        c.count += weights[i]!;
      });
      for (const [k, v] of Object.entries(report?.counts ?? {})) counts[k] = { ...v };
      const failing = Object.values(counts).some((c) => c.severity === 'error' || (failOn === 'warning' && c.severity === 'warning'));
      if (json) {
        io.out(`${JSON.stringify({ input, dialect: dialect?.id, images: report?.images, annotations: report?.annotations, counts, problems }, null, 2)}\n`);
      } else {
        io.out(`${input}: ${dialect?.id ?? '?'}${report ? `, ${report.images} images, ${report.annotations} annotations` : ' (reading stopped at an error)'}\n`);
        if (problems.length === 0) io.out('no problems found\n');
        const codes = Object.keys(counts).sort((x, y) => Number(counts[y]!.severity === 'error') - Number(counts[x]!.severity === 'error') || x.localeCompare(y));
        for (const code of codes) {
          const c = counts[code]!;
          io.out(`${c.severity} ${code}: ${c.count}\n`);
          const list = problems.filter((p) => p.code === code);
          for (const p of list.slice(0, 5)) io.out(`  ${p.path.length ? `[${p.path.join('.')}] ` : ''}${p.message}\n`);
          if (c.count > 5) io.out(`  ... ${c.count - 5} more\n`);
        }
      }
      const unread = readerProblems.filter((p) => p.severity === 'error').length;
      if (fix && unread > 0) {
        // Dropping records the reader could not read is not a safe repair: the user decides.
        io.err(`not writing ${output}: ${unread} record${unread === 1 ? '' : 's'} could not be read (listed above); --fix repairs only readable files (empty masks, duplicate ids)\n`);
      } else if (fix && report && data && dialect && output) {
        const { dataset, changes } = applyFixes(data as MaskDataset);
        await write(dataset, dialect, flags, output);
        io.err(`wrote ${output} with ${changes.length} change${changes.length === 1 ? '' : 's'}${changes.length ? ':' : ''}\n`);
        for (const c of changes) io.err(`  ${c}\n`);
      }
      if (failing) throw new CheckFailed();
    });
}

/** Thrown to end `check` with exit code 2 after its report is printed (no further message). */
export class CheckFailed extends Error {
  override readonly name = 'CheckFailed';
}

/**
 * Reader warnings that tally annotations (`count` of them, said once when the read ends): a shard
 * whose reader read only its own annotations tallies those, and one job says the sum.
 */
const TALLIES: ReadonlySet<string> = new Set([
  'area-mismatch', 'bbox-mismatch', 'polygon-odd-length', 'polygon-few-points', 'polygon-outside', 'uncompressed-not-crowd', 'python-bytes-counts',
  // Label Studio's: regions rasterized into masks.
  'polygon-rasterized', 'box-rasterized',
]);

/**
 * What one job's reader says, from what the shards' readers said (`read`: annotations each reader
 * handed over; `annotations`: the shard's own). Exact or refused (`unclean`, and one job checks):
 * readers that each read everything must agree, and then said what one job says; readers that
 * each read their own shard may only tally, in an order the shards agree on.
 */
export function mergeShardWarnings(parts: readonly { warnings: readonly RleWarning[]; read: number; annotations: number }[]): { warnings: RleWarning[] } | { unclean: string } {
  const total = parts.reduce((t, p) => t + p.annotations, 0);
  if (parts.every((p) => p.read === total)) {
    const first = JSON.stringify(parts[0]?.warnings ?? []);
    if (!parts.every((p) => JSON.stringify(p.warnings) === first)) return { unclean: 'the shards\' readers warned differently' };
    return { warnings: [...(parts[0]?.warnings ?? [])] };
  }
  if (parts.reduce((t, p) => t + p.read, 0) !== total) return { unclean: 'a shard\'s reader read annotations of other shards' };
  const lists: { key: string; w: RleWarning; at: number }[][] = [];
  for (const p of parts) {
    const list: { key: string; w: RleWarning; at: number }[] = [];
    for (const w of p.warnings) {
      if (!TALLIES.has(w.code) || w.count === undefined) return { unclean: `the reader warned (${w.code})` };
      const at = [...w.message.matchAll(new RegExp(`(?<![\\d.])${w.count}(?![\\d.])`, 'g'))];
      if (at.length !== 1) return { unclean: `the reader warned (${w.code})` };
      const i = at[0]!.index;
      list.push({ key: `${w.code}\u0000${w.message.slice(0, i)}#${w.message.slice(i + String(w.count).length)}`, w, at: i });
    }
    lists.push(list);
  }
  // One job's order: the one every shard's list follows (refused when the lists leave it open).
  const order: string[] = [];
  const heads = lists.map(() => 0);
  for (;;) {
    const later = new Set(lists.flatMap((l, i) => l.slice(heads[i]! + 1).map((e) => e.key)));
    const next = new Set(lists.flatMap((l, i) => (heads[i]! < l.length ? [l[heads[i]!]!.key] : [])).filter((k) => !later.has(k)));
    if (next.size === 0) break;
    if (next.size > 1) return { unclean: 'the order of the reader\'s warnings is not known' };
    const [key] = next as Set<string>;
    order.push(key!);
    lists.forEach((l, i) => { if (heads[i]! < l.length && l[heads[i]!]!.key === key) heads[i]!++; });
  }
  if (lists.some((l, i) => heads[i]! < l.length)) return { unclean: 'the order of the reader\'s warnings is not known' };
  return {
    warnings: order.map((key) => {
      const all = lists.flatMap((l) => l.filter((e) => e.key === key));
      const { w, at } = all[0]!;
      const count = all.reduce((t, e) => t + e.w.count!, 0);
      return { ...w, count, message: `${w.message.slice(0, at)}${count}${w.message.slice(at + String(w.count).length)}` };
    }),
  };
}
