/** One task of `--jobs` in a worker thread: convert or inspect one shard (see jobs.ts). */
import { checkShard, isDatasetStream, polygonize, shardDataset, type Annotation, type RleError, type CheckShard, type DialectContext, type RleWarning } from '@rlekit/core';
import { CHECK_IGNORED_WARNINGS } from './check-command.js';
import { convert } from './convert.js';
import { errorRecord, type JobResult, type JobTask } from './jobs.js';
import { openPath } from './node-sources.js';
import { describeOnPort, partSink } from './part-join.js';
import { parseOptions } from './options.js';
import { findDialect, loadDialects } from './registry.js';

export interface InspectRow {
  id: unknown; imageId: unknown; categoryId: unknown; height: number; width: number; area: number;
  bbox: [number, number, number, number]; parts: number; holes: number; score?: number; iscrowd?: boolean;
}

/** What inspect lists for one annotation: size, area, box, and the 8-connected parts and holes traced from its runs. */
export function inspectRow(a: Annotation): InspectRow {
  const b = a.mask.bbox();
  const polys = polygonize(a.mask);
  let holes = 0;
  for (const p of polys) holes += p.holes.length;
  return { id: a.id, imageId: a.imageId, categoryId: a.categoryId, height: a.mask.height, width: a.mask.width, area: a.mask.area(), bbox: [b.x, b.y, b.width, b.height], parts: polys.length, holes, ...(a.score !== undefined ? { score: a.score } : {}), ...(a.iscrowd !== undefined ? { iscrowd: a.iscrowd } : {}) };
}

export interface InspectPart {
  count: number;
  /** The shard's annotation ids, in order, where its reader warns about repeated ids (`repeatedIdsWarning`): the caller counts them across the shards. */
  ids: unknown[];
  rows: InspectRow[];
  images?: unknown[];
  categories?: unknown[];
}

/** A part written into a join (part-join.ts): where its chunks go, and who hears its descriptions. */
export interface LivePart {
  sink: (chunks: AsyncIterable<Uint8Array>) => Promise<number>;
  describe: (info: unknown) => void;
}

/** `live`: the task runs on the main thread and its part goes into a join there (the first part of --jobs). */
export default async function run(task: JobTask, live?: LivePart): Promise<JobResult<unknown>> {
  const warnings: RleWarning[] = [];
  const warn = (w: RleWarning): void => void warnings.push(w);
  try {
    if (task.kind === 'convert') {
      let part: unknown;
      const ids: unknown[] | undefined = task.ids === true ? [] : undefined;
      const port = task.port;
      // A worker's part in a join: its scratch file, and how far it is, told by the task's port.
      const into: LivePart | undefined = live ?? (port === undefined ? undefined : {
        sink: (chunks) => partSink(task.output, port, chunks),
        describe: describeOnPort(port),
      });
      const r = await convert(task.input, {
        from: task.from, to: task.to, output: task.output, readOptions: task.readOptions, writeOptions: task.writeOptions, plugins: task.plugins, shard: task.shard, warn, skipLossReport: true, jobPart: true,
        describePart: (info) => {
          part = info;
          into?.describe(info);
        },
        ...(into !== undefined ? { sink: into.sink } : {}),
        ...(task.plan !== undefined ? { plan: task.plan } : {}),
        ...(ids !== undefined ? { ids } : {}),
      });
      return { value: { annotations: r.annotations, images: r.images, counts: r.counts, reported: r.reported, written: r.written, ...(part !== undefined ? { part } : {}), ...(ids !== undefined ? { ids } : {}) }, warnings };
    }
    if (task.kind === 'check') return { value: await checkPart(task), warnings: [] };
    if (task.kind === 'warm') {
      await loadDialects(task.plugins, task.dialects);
      return { warnings };
    }
    if (task.kind === 'plan-piece') {
      const dialect = findDialect(await loadDialects(task.plugins, [task.from]), task.from);
      return { value: await dialect.planPiece!(await openPath(task.input), task.piece), warnings };
    }
    // Only the input's dialect is imported: a worker's start is part of what --jobs cannot split.
    const dialect = findDialect(await loadDialects(task.plugins, [task.from]), task.from);
    const source = await openPath(task.input);
    // A planned shard (task.plan) is read by the plan: the reader's first pass ran once, before the workers.
    const ctx: DialectContext = { warn, open: openPath, shard: task.shard, ...(task.plan !== undefined ? { plan: task.plan } : {}) };
    const options = parseOptions(dialect.readOptions, task.readOptions, dialect.id);
    const whole = dialect.readStream ? await dialect.readStream(source, options, ctx) : await dialect.read(source, options, ctx);
    const data = shardDataset(whole, task.shard, { requireImageOrder: true });
    const part: InspectPart = { count: 0, ids: [], rows: [], ...(task.header ? { images: whole.images, categories: whole.categories } : {}) };
    for await (const a of isDatasetStream(data) ? data.annotations : data.annotations) {
      part.count++;
      if (dialect.repeatedIdsWarning !== undefined) part.ids.push(a.id);
      if (part.rows.length < task.max) part.rows.push(inspectRow(a));
    }
    return { value: part, warnings };
  } catch (e) {
    return { error: errorRecord(e), warnings };
  }
}

/**
 * A shard's check, with what the reader said (`warnings`, the ignored ones left out) and how many
 * annotations it handed over (`read`: all of the input's when it cannot skip the other shards'),
 * or why only one job can say this file's report (the caller then checks with one).
 */
export type CheckPart = { shard: CheckShard; warnings: RleWarning[]; read: number } | { unclean: string };

/**
 * `check --jobs`: one shard's findings (core's checkShard), merged by the caller (main.ts). A
 * record the reader skips or a read that stops is reported by one job at its place in the
 * report: the first stops this shard, and the caller checks with one job.
 */
async function checkPart(task: Extract<JobTask, { kind: 'check' }>): Promise<CheckPart> {
  let unclean: string | undefined;
  const warnings: RleWarning[] = [];
  const dialect = findDialect(await loadDialects(task.plugins, [task.from]), task.from);
  const source = await openPath(task.input);
  // A planned shard is read by its plan (no first pass here), without `recover` (a reader reads by
  // plan only when it stops at a bad record): a record it cannot read is an error, and one job checks.
  const ctx: DialectContext = {
    warn: (w) => { if (!CHECK_IGNORED_WARNINGS.has(w.code)) warnings.push(w); },
    ...(task.plan !== undefined ? { plan: task.plan } : { recover: (e: RleError) => void (unclean ??= `the reader skipped a record (${e.code})`) }),
    open: openPath, shard: task.shard,
  };
  const options = parseOptions(dialect.readOptions, task.readOptions, dialect.id);
  const whole = dialect.readStream ? await dialect.readStream(source, options, ctx) : await dialect.read(source, options, ctx);
  if (unclean) return { unclean };
  let read = 0;
  const counted = async function* (): AsyncGenerator<Annotation> {
    for await (const a of isDatasetStream(whole) ? whole.annotations : whole.annotations) {
      if (unclean) return; // closing the stream stops the reader
      read++;
      yield a;
    }
  };
  // In image order (or an UNSUPPORTED error, and one job): the shards' annotations are then consecutive pieces of one job's.
  const data = shardDataset({ images: whole.images, categories: whole.categories, annotations: counted() }, task.shard, { requireImageOrder: true });
  const shard = await checkShard(whole, data.annotations, { overlapForbidden: task.overlapForbidden, fragmentArea: task.fragmentArea, header: task.header });
  if (unclean) return { unclean };
  // An annotation of no image goes to the first shard, which may meet it earlier than one job does.
  if (shard.counts['dangling-image']) return { unclean: 'an annotation refers to an image the file does not define' };
  return { shard, warnings, read };
}
