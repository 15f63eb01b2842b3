/**
 * `--jobs N`: one conversion on N cores. The input's images are cut into N consecutive shards
 * (core's `shardRange`); a worker thread converts each into a temporary part beside the output,
 * and the target dialect's `merge` joins the parts into the bytes one job writes (a folder output
 * takes every part's files). Memory stays bounded: N tasks in flight, each as bounded as a single
 * conversion, and parts stream through the merge. A reader that can plan (COCO's `planShards`)
 * reads the input once here, while the threads start, and each worker reads only its share; a
 * writer that describes its part (COCO's `describePart`) lets the merge copy it by byte range, and
 * a target that can join its parts (`joinParts`: COCO, Kaggle) has them joined into the output
 * while they are written (part-join.ts), not merged after the last worker.
 * The pool is tinypool (see docs/scale.md for why).
 */
import { promises as fs } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import Tinypool from 'tinypool';
import { RleError, SeenIds, type Dialect, type DialectContext, type ErrorCode, type RleWarning, type Shard } from '@rlekit/core';
import type { MessagePort } from 'node:worker_threads';
import type { LivePart } from './jobs-worker.js';
import { fileSource, openPath, track, untrack, type OutputFileFrom } from './node-sources.js';
import { parseOptions } from './options.js';

/** An RleError as it crosses from a worker: its fields, rebuilt on this side into the same error. */
export interface ErrorRecord {
  rle: boolean;
  code?: string;
  reason?: string;
  path?: (string | number)[];
  offset?: number;
  expected?: string;
  received?: string;
  message: string;
  stack?: string;
}

export function errorRecord(e: unknown): ErrorRecord {
  if (e instanceof RleError) {
    return { rle: true, code: e.code, reason: e.reason, path: [...e.path], ...(e.offset === undefined ? {} : { offset: e.offset }), ...(e.expected === undefined ? {} : { expected: e.expected }), ...(e.received === undefined ? {} : { received: e.received }), message: e.message };
  }
  return { rle: false, message: e instanceof Error ? e.message : String(e), ...(e instanceof Error && e.stack ? { stack: e.stack } : {}) };
}

export function fromRecord(r: ErrorRecord): Error {
  if (r.rle) {
    return new RleError(r.code as ErrorCode, r.reason ?? r.message, {
      path: r.path ?? [], ...(r.offset === undefined ? {} : { offset: r.offset }), ...(r.expected === undefined ? {} : { expected: r.expected }), ...(r.received === undefined ? {} : { received: r.received }),
    });
  }
  const e = new Error(r.message);
  if (r.stack) e.stack = r.stack;
  return e;
}

/** A task for the worker (jobs-worker.ts). */
export type JobTask =
  | { kind: 'convert'; input: string; from: string; to: string; output: string; readOptions: Record<string, unknown>; writeOptions: Record<string, unknown>; plugins: string[]; shard: Shard; plan?: unknown; port?: MessagePort; ids?: boolean }
  | { kind: 'inspect'; input: string; from: string; readOptions: Record<string, unknown>; plugins: string[]; shard: Shard; plan?: unknown; max: number; header: boolean }
  | { kind: 'plan-piece'; input: string; from: string; plugins: string[]; piece: unknown }
  | { kind: 'warm'; dialects: string[]; plugins: string[] }
  | { kind: 'check'; input: string; from: string; readOptions: Record<string, unknown>; plugins: string[]; shard: Shard; plan?: unknown; header: boolean; overlapForbidden: boolean; fragmentArea: number };

export interface JobResult<T> {
  value?: T;
  error?: ErrorRecord;
  warnings: RleWarning[];
}

/**
 * One run's warning about ids used before (the input dialect's `repeatedIdsWarning`, e.g. COCO's
 * duplicate-id), from each shard's annotation ids in the order one run reads them: counted over
 * every shard (a shard's reader counts only its own), with the path the shard's reader gave when
 * the first repeat lies within one shard. A first repeat across shards has no path: no shard's
 * reader met it, and which record it was is not told back. Undefined when no id repeats.
 * @example
 * ```ts
 * const make = (count: number) => ({ code: 'duplicate-id', message: `${count} ids used before`, count });
 * repeatedIdsOfRun(make, [[1, 2], [3, 1, 1]], [[], [{ ...make(1), path: ['annotations', 4, 'id'] }]])?.count; // → 2
 * ```
 */
export function repeatedIdsOfRun(make: (count: number) => RleWarning, ids: readonly (readonly unknown[])[], warnings: readonly (readonly RleWarning[])[]): RleWarning | undefined {
  // Ids as the readers tell them apart (SeenIds: a bit per small integer id, so a million ids cost kilobytes).
  const seen = new SeenIds();
  let count = 0, first: [number, number] | undefined;
  for (const [j, list] of ids.entries()) {
    for (let k = 0; k < list.length; k++) if (!seen.add(list[k])) (count++, (first ??= [j, k]));
  }
  if (count === 0) return undefined;
  const made = make(count);
  // The first repeat lies within its shard when its id came earlier in that shard: then that shard's reader met it first.
  const [j, k] = first!, again = ids[j]!, within = new SeenIds();
  for (let e = 0; e < k; e++) within.add(again[e]);
  const path = !within.add(again[k]) ? warnings[j]?.find((w) => w.code === made.code)?.path : undefined;
  return path === undefined ? made : { ...made, path };
}

/** The shards of `jobs` workers that together make `shard` (or the whole input). */
export function jobShards(jobs: number, shard?: Shard): Shard[] {
  const s = shard ?? { index: 0, count: 1 };
  // Shard i/n cut J ways is shards iJ … iJ+J-1 of nJ: the same images, in the same order.
  return Array.from({ length: jobs }, (_, j) => ({ index: s.index * jobs + j, count: s.count * jobs }));
}

/**
 * Below these sizes starting workers costs more than it saves: the default --jobs runs one there.
 * For a COCO file (pass 1 planned once, parts merged by range; docs/scale.md) one job costs about
 * 0.045 s per MB and two about 0.6 s (starting the workers) + 0.026 s per MB on idle cores, even at
 * about 24 MB: from 32 MiB two jobs are ahead (0.9× of one job's wall there, 0.7× at 111 MB).
 */
export const JOBS_MIN_FILE_BYTES = 32 * 1024 * 1024;
export const JOBS_MIN_FOLDER_FILES = 64;
/**
 * The file size from which a conversion that paints a folder of images (PNG masks) takes every
 * core: painting, deflating and writing a file per image costs about 1 s of CPU per MB of COCO
 * RLE (a hundred times a JSON-to-JSON conversion), so half a second of worker start-up pays
 * from about 1 MB.
 */
export const JOBS_MIN_IMAGE_FILE_BYTES = 1024 * 1024;

/**
 * What the default --jobs keeps a file's conversion within: the peak memory of the process, all
 * threads together, by {@link jobsMemoryEstimate}: 1 GB, as the whole-file goal says (#17).
 * `--jobs N` takes N.
 */
export const JOBS_MEMORY_BUDGET = 1e9;

/**
 * The peak memory, in bytes, the default --jobs expects of `jobs` jobs converting a file of `size`
 * bytes, from measurements of the LVIS-shaped COCO file converted to COCO RLE (docs/scale.md,
 * `pnpm bench lvis --jobs-memory`): one job about 0.21 GiB + 0.35 × the size; a second thread
 * about 0.15 GiB + 0.12 × the size (its V8 heap and its part's buffers: the shards share one job's
 * regrouping window, their later windows set aside in a scratch file); each further worker about
 * 0.03 GiB + 0.06 × the size.
 */
export function jobsMemoryEstimate(size: number, jobs: number): number {
  const GiB = 2 ** 30;
  const one = 0.21 * GiB + 0.35 * size;
  if (jobs <= 1) return one;
  return one + 0.15 * GiB + 0.12 * size + (jobs - 2) * (0.03 * GiB + 0.06 * size);
}

/** How many jobs a file of `size` bytes may take by default within {@link JOBS_MEMORY_BUDGET} (at least one). */
export function jobsWithinMemory(size: number): number {
  let jobs = 1;
  while (jobs < 1024 && jobsMemoryEstimate(size, jobs + 1) <= JOBS_MEMORY_BUDGET) jobs++;
  return jobs;
}

/** {@link jobsWithinMemory} where every worker reads the whole input (no `readsShards`): each costs what one job does. */
export function jobsReadingAll(size: number): number {
  return Math.max(1, Math.floor(JOBS_MEMORY_BUDGET / jobsMemoryEstimate(size, 1)));
}

/**
 * `--jobs` as given (a positive integer), or the default: the cores, for inputs large enough to
 * repay workers, and for one file no more than fit {@link JOBS_MEMORY_BUDGET}.
 */
export function parseJobs(text: string | undefined, input: ({ kind: 'bytes'; size?: number } | { kind: 'folder'; files: number }) & JobsDefaults, cores: number = availableParallelism()): number {
  if (text === undefined || text === 'auto') {
    const imagesOut = input.imagesOut === true;
    // A reader that reads every image in every worker (a folder of PNGs) makes more jobs cost twice
    // the reading for nothing, unless the writing per image is what is dear.
    if (input.readsShards === false && !imagesOut) return 1;
    const minBytes = input.kind === 'bytes' && imagesOut ? JOBS_MIN_IMAGE_FILE_BYTES : JOBS_MIN_FILE_BYTES;
    const big = input.kind === 'folder' ? input.files >= JOBS_MIN_FOLDER_FILES : (input.size ?? 0) >= minBytes;
    if (!big) return 1;
    // A folder's workers each hold one image at a time; a file's each hold a share of one dataset,
    // or, where every worker reads the whole input, as much as one job.
    if (input.kind === 'folder' || input.size === undefined) return cores;
    return Math.min(cores, input.readsShards === false ? jobsReadingAll(input.size) : jobsWithinMemory(input.size));
  }
  const n = Number(text);
  if (!/^\d{1,4}$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) throw new RleError('INVALID_OPTION', '--jobs must be a positive integer', { path: ['jobs'], received: text.slice(0, 40) });
  return n;
}

/** What the default --jobs weighs besides the input's size. */
export interface JobsDefaults {
  /** The output is a folder of images (PNG masks): writing each image is dear, so jobs pay from a small input. */
  imagesOut?: boolean;
  /** The input's reader skips other shards' images (its dialect's `readsShards`); false: every worker reads everything. */
  readsShards?: boolean;
}

/** Parses --jobs for a command, looking at the input only for the default. */
export async function jobsFor(text: string | undefined, input: { kind: 'bytes'; size?: number } | { kind: 'folder'; list(): Promise<string[]> }, defaults: JobsDefaults = {}): Promise<number> {
  if (text !== undefined && text !== 'auto') return parseJobs(text, { kind: 'bytes' });
  return parseJobs(text, input.kind === 'folder' ? { kind: 'folder', files: (await input.list()).length, ...defaults } : { kind: 'bytes', ...(input.size === undefined ? {} : { size: input.size }), ...defaults });
}

/**
 * Runs tasks on a pool of `tasks.length` threads. Results come back in task order; the first
 * failed task (in that order) is the error, as one job meets the first failure in image order:
 * later tasks are cancelled then, earlier ones awaited.
 */
export async function runJobs<T>(tasks: JobTask[] | { count: number; tasks: (pool: JobPool) => Promise<JobTask[]>; local?: boolean; warm?: { dialects: string[]; plugins: string[] } }, hooks: { live?: LivePart; settled?: (i: number, result: JobResult<T>) => void } = {}): Promise<JobResult<T>[]> {
  const source = import.meta.url.endsWith('.ts');
  // From the TypeScript sources (tests, `pnpm rlekit`) the worker registers tsx first; published, it is plain JS.
  const filename = new URL(source ? './jobs-boot.mjs' : './jobs-worker.js', import.meta.url).href;
  const count = Array.isArray(tasks) ? tasks.length : tasks.count;
  // local: the first task runs on this thread, which would otherwise wait for the others; one
  // thread fewer to start (half a second of loading each) and to share the cores with.
  const local = !Array.isArray(tasks) && tasks.local === true && count > 1;
  const threads = local ? count - 1 : count;
  // The threads start (and load the worker's modules) while the caller still prepares the tasks (a plan of the input).
  const pool = new Tinypool({
    filename, minThreads: threads, maxThreads: threads, isolateWorkers: false,
    // Each worker's young generation is V8's default, as the main thread's: limited to 8 MB, a
    // worker spent more in GC than the main thread on the same work, and at 1.1 GB two jobs took
    // 0.1–3.5 s longer in four rounds out of four for 15–60 MB less peak (docs/scale.md).
    ...(source ? { execArgv: ['--conditions=source'] } : {}),
  });
  // While the caller plans, each thread loads the dialects its task will use: that import is
  // otherwise the first thing a task does, after the plan, when every thread should be converting.
  const warm = Array.isArray(tasks) ? undefined : tasks.warm;
  if (warm !== undefined) for (let t = 0; t < threads; t++) void pool.run({ kind: 'warm', ...warm } satisfies JobTask).catch(() => {});
  let list: JobTask[];
  try {
    // The pool's threads may take work of the tasks' making first (a plan's pieces): queued until each has started.
    list = Array.isArray(tasks) ? tasks : await tasks.tasks({ threads, run: (t) => pool.run(t) as Promise<JobResult<unknown>> });
  } catch (e) {
    await pool.destroy();
    throw e;
  }
  const aborts = list.map(() => new AbortController());
  const failed = (e: unknown): JobResult<T> => ({ error: errorRecord(e), warnings: [] });
  const runs = list.map((t, i) => (i === 0 && local
    ? import('./jobs-worker.js').then((w) => w.default(t, hooks.live) as Promise<JobResult<T>>)
    : pool.run(t, { signal: aborts[i]!.signal, ...(t.kind === 'convert' && t.port !== undefined ? { transferList: [t.port] } : {}) }) as Promise<JobResult<T>>).then((r) => r, failed)
    .then((r) => (hooks.settled?.(i, r), r)));
  try {
    const out: JobResult<T>[] = [];
    for (const [i, run] of runs.entries()) {
      const r = await run;
      out.push(r);
      if (r.error) {
        for (const a of aborts.slice(i + 1)) a.abort();
        await Promise.allSettled(runs);
        return out;
      }
    }
    return out;
  } finally {
    await pool.destroy();
  }
}

/** The pool while the tasks are made: its threads, and a task run on one of them. */
export interface JobPool {
  threads: number;
  run(task: JobTask): Promise<JobResult<unknown>>;
}

/**
 * The input dialect's plan for each of `shards` (its `planShards`: the reader's first pass once,
 * here, instead of in every worker), with pieces of that pass on the pool's threads where the
 * dialect splits it (`planPiece`) while they start; undefined where the dialect cannot plan this input.
 * `scratch`: the workers' readers will have one (they set bytes aside there, see DialectContext).
 */
export async function planOnPool(pool: JobPool, input: string, from: Dialect, readOptions: Record<string, unknown>, plugins: readonly string[], shards: readonly Shard[], scratch?: DialectContext['scratch']): Promise<unknown[] | undefined> {
  if (from.planShards === undefined) return undefined;
  // Each piece from its own handle on the input (RLEKIT_PLAN_SPLIT_BYTES=off: the main thread scans it all, for an A/B; docs/scale.md).
  const split = splitBytes();
  const planHelpers = from.planPiece === undefined || split === undefined || pool.threads === 0 ? undefined : {
    count: pool.threads, ...split,
    run: async (piece: unknown) => {
      const r = await pool.run({ kind: 'plan-piece', input, from: from.id, plugins: [...plugins], piece });
      if (r.error) throw fromRecord(r.error);
      return r.value;
    },
  };
  return from.planShards(await openPath(input), parseOptions(from.readOptions, readOptions, from.id), shards, { warn: () => {}, ...(planHelpers !== undefined ? { planHelpers } : {}), ...(scratch !== undefined ? { scratch } : {}) });
}

/**
 * RLEKIT_PLAN_SPLIT_BYTES: how a first pass is split over the workers. Unset: the dialect's
 * thresholds (sized for files of hundreds of MB); `off`: not split; a number of bytes: each
 * thread's least range and the main thread's head start (tests: 0, to split small files).
 */
function splitBytes(): { minBytes?: number; headStart?: number } | undefined {
  const v = process.env.RLEKIT_PLAN_SPLIT_BYTES;
  if (v === 'off') return undefined;
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isSafeInteger(n) && n >= 0 ? { minBytes: Math.max(1, n), headStart: n } : {};
}

/** Temporary part paths beside `output` (or in the system's temp folder for stdout). */
export function partPaths(output: string | undefined, n: number): string[] {
  const dir = output === undefined ? tmpdir() : dirname(resolve(output));
  const stem = output === undefined ? 'rlekit-stdout' : basename(output);
  const tag = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  return Array.from({ length: n }, (_, j) => join(dir, `.${stem}.job-${j}-${tag}`));
}

/** Removes the parts (files or folders), also if a signal stops the process meanwhile. */
export function trackParts(paths: readonly string[]): () => Promise<void> {
  for (const p of paths) track(p);
  return async () => {
    for (const p of paths) {
      await fs.rm(p, { recursive: true, force: true });
      untrack(p);
    }
  };
}

export const partSources = (paths: readonly string[]) => paths.map((p) => fileSource(p));

/**
 * The files of folder parts as one folder's: each file once; a file several parts wrote (a shared
 * colour map) must have the same bytes in each.
 */
export async function* folderParts(paths: readonly string[], move = false): AsyncGenerator<OutputFileFrom> {
  const seen = new Map<string, Uint8Array>();
  for (const root of paths) {
    const walk = async function* (d: string): AsyncGenerator<string> {
      let entries;
      try {
        entries = await fs.readdir(d, { withFileTypes: true });
      } catch {
        return; // a part that wrote nothing
      }
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const p = join(d, e.name);
        if (e.isDirectory()) yield* walk(p);
        else if (e.isFile()) yield p;
      }
    };
    for await (const full of walk(root)) {
      const rel = relative(root, full).split(sep).join('/');
      if (move) {
        // Temporary parts of this run: each file is renamed into the output, not read and written again (writeFolderAtomic compares repeats).
        yield { path: rel, from: full };
        continue;
      }
      const bytes = new Uint8Array(await fs.readFile(full));
      const before = seen.get(rel);
      if (before !== undefined) {
        if (Buffer.compare(before, bytes) !== 0) throw new RleError('INVALID_STRUCTURE', `Parts wrote different ${rel}`, { path: [rel], expected: 'files shared by the parts (a colour map) that agree' });
        continue;
      }
      // Only small shared files are remembered; a file per image is written once.
      if (bytes.length <= 1 << 16) seen.set(rel, bytes);
      yield { path: rel, bytes };
    }
  }
}
