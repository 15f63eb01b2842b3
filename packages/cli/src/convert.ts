import {
  collectBytes, countHeader, isDatasetStream, notCarried, RleError, shardDataset, tallyAnnotation,
  type Shard, type ByteSource, type Dialect, type FeatureCounts, type FolderSource, type DialectContext, type MaskDataset, type MaskDatasetStream, type RleWarning,
} from '@rlekit/core';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { detect, findDialect, loadDialects } from './registry.js';
import { openPath, scratchFile, track, untrack, writeFileAtomic, writeFolderAtomic } from './node-sources.js';
import { parseOptions } from './options.js';
import { folderParts, fromRecord, jobShards, partPaths, partSources, planOnPool, repeatedIdsOfRun, runJobs, trackParts, type JobPool } from './jobs.js';
import { LiveJoin, PartFailed, Rejoin } from './part-join.js';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

export interface ConvertOptions {
  /** Dialect id of the input; detected when absent. */
  from?: string;
  to: string;
  /** Output file or folder; absent: the bytes are returned (file outputs only). */
  output?: string;
  readOptions?: Record<string, unknown>;
  writeOptions?: Record<string, unknown>;
  warn?: (w: RleWarning) => void;
  plugins?: string[];
  /** Told how far the read has come: bytes of a file (each pass of a two-pass reader from 0) or files of a folder. */
  progress?: ProgressSink;
  /** Convert only this shard of the input's images (`--shard i/n`); `rlekit merge` joins the shards' outputs. */
  shard?: Shard;
  /**
   * Worker threads (`--jobs`): the images are cut into this many shards, converted side by side and
   * merged into the bytes one job writes. Used for a file or folder input given by path and a
   * target that can merge (COCO, Kaggle, rlekit-json, folder outputs); otherwise one job runs.
   */
  jobs?: number;
  /** Internal (a --jobs worker): leave the generic loss report to the caller, which sums the shards' counts. */
  skipLossReport?: boolean;
  /**
   * Internal (a --jobs worker): this worker's part is joined with the others'. A reader that reads
   * every image whatever the shard (no `readsShards`) says its warnings, which are the whole
   * input's, in the first shard's worker only: said by every worker, --jobs would add them up.
   */
  jobPart?: boolean;
  /** Internal (a --jobs worker): the input dialect's plan for this shard (its `planShards`), read instead of the whole input. */
  plan?: unknown;
  /** Internal (a --jobs worker): each annotation's id, pushed as it is read (the caller counts ids repeated across shards). */
  ids?: unknown[];
  /** Internal (a --jobs worker): told how the writer laid its part out, for the merge. Set, the output is a scratch part (not synced to disk). */
  describePart?: (info: unknown) => void;
  /** Internal (`pnpm bench lvis --phases`): a --jobs run notes when (performance.now(), ms) its plan, its tasks and its output were done. */
  timings?: { planned?: number; tasks?: number; streamed?: number; written?: number; settled?: number[] };
  /** Internal (a --jobs part in a join, part-join.ts): the output's chunks go here instead of to `output`. */
  sink?: (chunks: AsyncIterable<Uint8Array>) => Promise<number>;
}

/** Receives progress of a long conversion (the CLI draws a bar from it on a terminal). */
export interface ProgressSink {
  /** A pass over the input begins: `total` bytes or files (undefined when unknown, as for a pipe). */
  start(total: number | undefined, unit: 'bytes' | 'files', pass: number): void;
  /** `done` bytes or files of this pass, and annotations read so far. */
  update(done: number, annotations: number): void;
  stop(): void;
}

/**
 * The source, counting what its readers consume. A seekable file stays seekable (`range`): a
 * reader takes its faster path by offsets on a terminal too. A range from the file's start to its
 * end is a pass; a shorter one (a window read again by offset) counts as far as it reaches.
 */
export function counted(source: ByteSource | FolderSource, progress: ProgressSink, annotations: () => number): ByteSource | FolderSource {
  let pass = 0, reached = 0;
  if (source.kind === 'bytes') {
    const range = source.range;
    return {
      kind: 'bytes', name: source.name, ...(source.size !== undefined ? { size: source.size } : {}), ...(source.path !== undefined ? { path: source.path } : {}),
      ...(range === undefined ? {} : {
        range: (start: number, end: number) => {
          const inner = range.call(source, start, end);
          if (start === 0 && end === source.size) (progress.start(source.size, 'bytes', ++pass), (reached = 0));
          return (async function* () {
            let at = start;
            for await (const c of inner) {
              at += c.length;
              reached = Math.max(reached, at);
              progress.update(reached, annotations());
              yield c;
            }
          })();
        },
      }),
      stream: () => {
        const inner = source.stream();
        progress.start(source.size, 'bytes', ++pass);
        return (async function* () {
          let done = 0;
          for await (const c of inner) {
            done += c.length;
            progress.update(done, annotations());
            yield c;
          }
        })();
      },
    };
  }
  const opened = new Set<string>();
  let total: number | undefined;
  return {
    kind: 'folder', name: source.name,
    list: async () => {
      const files = await source.list();
      if (total === undefined) {
        total = files.length;
        progress.start(total, 'files', ++pass);
      }
      return files;
    },
    open: (path: string) => {
      opened.add(path);
      progress.update(opened.size, annotations());
      return source.open(path);
    },
  };
}

export interface ConvertResult {
  from: Dialect;
  to: Dialect;
  /** True when the input dialect was sniffed rather than given. */
  detected: boolean;
  confidence: number;
  annotations: number;
  images: number;
  /** Bytes written to the output file, or files written to the output folder. */
  written: number;
  /** True when the output was a folder (`written` counts files). */
  folder: boolean;
  /** The output, when no output path was given. */
  bytes?: Uint8Array;
  /** What the input used (for the loss report), and which capabilities the writer reported itself. */
  counts?: FeatureCounts;
  reported?: string[];
}

/**
 * Converts a file or folder from one dialect to another. Streams where both dialects can,
 * reports what the target cannot carry, and writes the output atomically.
 * @example
 * ```ts
 * // A COCO file (here from memory) to an Airbus submission; no output path: the bytes come back.
 * const json = '{"images":[{"id":1,"file_name":"a.jpg","height":3,"width":4}],"categories":[{"id":1,"name":"ship"}],"annotations":[{"id":1,"image_id":1,"category_id":1,"segmentation":{"size":[3,4],"counts":"11110O30"}}]}';
 * const result = await convert(bytesSource(encodeUtf8(json), 'instances.json'), { from: 'coco', to: 'kaggle', writeOptions: { preset: 'airbus-ship-detection' } });
 * decodeUtf8(result.bytes!); // → 'ImageId,EncodedPixels\na.jpg,2 1 4 2 7 1 12 1\n'
 * ```
 */
export async function convert(input: string | ByteSource | FolderSource, options: ConvertOptions): Promise<ConvertResult> {
  // Only the two dialects named, when the input's is given; every one when it is detected.
  const dialects = await loadDialects(options.plugins, options.from ? [options.from, options.to] : undefined);
  const to = findDialect(dialects, options.to);
  // An opened source is used as it is: a pipe that detection has begun to read cannot be opened again.
  const opened = typeof input === 'string' ? await openPath(input) : input;
  let annotationsSoFar = 0;
  const source = options.progress ? counted(opened, options.progress, () => annotationsSoFar) : opened;
  const detection = options.from ? { dialect: findDialect(dialects, options.from), confidence: 1 } : await detect(dialects, opened);
  const from = detection.dialect, confidence = detection.confidence, detected = !options.from;
  const readOptions = parseOptions(from.readOptions, options.readOptions ?? {}, from.id);
  const writeOptions = parseOptions(to.writeOptions, options.writeOptions ?? {}, to.id);
  const folderOut = to.output === 'folder' && !(options.output !== undefined && await namesOneFile(options.output, to));
  // Workers open the input again by its path: a pipe cannot be (it is read once).
  const reopenable = typeof input === 'string' && (opened.kind === 'folder' || opened.size !== undefined);
  if ((options.jobs ?? 1) > 1 && reopenable && (folderOut ? options.output !== undefined : to.merge !== undefined)) {
    return convertInJobs(input, options, { from, to, detected, confidence, folderOut });
  }
  const seen = new Set<string>();
  const reported = new Set<string>();
  const ctx: DialectContext = {
    // The same warning from many annotations is said once.
    warn: (w) => {
      if (w.capability) reported.add(w.capability);
      const key = `${w.code}\u0000${w.message}`;
      if (seen.has(key)) return;
      seen.add(key);
      options.warn?.(w);
    },
    open: openPath,
    scratch: scratchBeside(options.output),
    ...(options.shard ? { shard: options.shard } : {}),
    ...(options.plan !== undefined ? { plan: options.plan } : {}),
    ...(options.describePart !== undefined ? { describePart: options.describePart } : {}),
    // Masks made by the reader (polygons) are made in the order the writer reads them in.
    ...(to.maskOrder?.(writeOptions) !== undefined ? { maskOrder: to.maskOrder(writeOptions) } : {}),
  };
  const streaming = from.readStream !== undefined && (to.writeStream !== undefined || to.writeFiles !== undefined);
  const readCtx: DialectContext = options.jobPart === true && (options.shard?.index ?? 0) > 0 && from.readsShards !== true
    ? { ...ctx, warn: (w) => { if (w.capability) reported.add(w.capability); } }
    : ctx;
  const whole: MaskDataset | MaskDatasetStream = streaming ? await from.readStream!(source, readOptions, readCtx) : await from.read(source, readOptions, readCtx);
  // A writer that takes annotations in the order they come needs them in image order for the shards to join.
  const dataset = options.shard ? shardDataset(whole, options.shard, { requireImageOrder: to.writesByImage !== true }) : whole;
  // With the target's capabilities: overlaps are only looked for (a union per mask) when it cannot carry them.
  const counts = countHeader(dataset.images, dataset.categories, to.capabilities);
  // A dataset read into memory goes to the writer as it is: writers that need each image's
  // annotations together (Kaggle) group a list themselves, and a stream would hide that it is one.
  let tallied: MaskDataset | MaskDatasetStream;
  if (isDatasetStream(dataset)) {
    const list = dataset.annotations;
    tallied = {
      images: dataset.images,
      categories: dataset.categories,
      ...(dataset.inImageOrder === true ? { inImageOrder: true } : {}),
      annotations: (async function* () {
        for await (const a of list) {
          tallyAnnotation(counts, a);
          options.ids?.push(a.id);
          annotationsSoFar++;
          yield a;
        }
      })(),
    };
  } else {
    for (const a of dataset.annotations) (tallyAnnotation(counts, a), options.ids?.push(a.id));
    tallied = dataset;
  }
  // Losses known from the header are said before writing; the rest once the annotations have passed.
  let written = 0, folder = false;
  let bytes: Uint8Array | undefined;
  if (to.output === 'folder' && options.output !== undefined && await namesOneFile(options.output, to)) {
    // `-o mask.png --to png`: one image's file, not a folder named mask.png (the writer refuses a dataset that needs more).
    written = await writeFileAtomic(options.output, await to.write(tallied, writeOptions, ctx));
  } else if (to.output === 'folder') {
    if (!to.writeFiles || !options.output) throw new RleError('INVALID_OPTION', `${to.id} writes a folder: give -o <folder>`);
    written = await writeFolderAtomic(options.output, to.writeFiles(tallied, writeOptions, ctx));
    folder = true;
  } else if (options.sink || options.output) {
    const out = to.writeStream ? to.writeStream(tallied, writeOptions, ctx) : await to.write(tallied, writeOptions, ctx);
    written = options.sink
      ? await options.sink(out instanceof Uint8Array ? (async function* () { yield out; })() : out)
      : await writeFileAtomic(options.output!, out, { durable: options.describePart === undefined });
  } else {
    bytes = await to.write(tallied, writeOptions, ctx);
    written = bytes.length;
  }
  options.progress?.stop();
  // The generic report, from capabilities, for what the writer did not already say itself.
  if (!options.skipLossReport) for (const w of notCarried(counts, to.capabilities, to.id, reported)) ctx.warn(w);
  const { unions: _unions, ...plain } = counts;
  return { from, to, detected, confidence, annotations: counts.annotations, images: counts.images, written, folder, ...(bytes ? { bytes } : {}), counts: plain, reported: [...reported] };
}

/** Where a conversion's reader sets bytes aside (a scratch file): beside the output, on the disk the user chose for it; with no output, the system's temporary folder. */
const scratchBeside = (output: string | undefined) => () => scratchFile(output !== undefined ? dirname(resolve(output)) : tmpdir());

/** An output path that ends in one of the dialect's file extensions and is not an existing folder names a single file. */
async function namesOneFile(output: string, to: Dialect): Promise<boolean> {
  if (!to.extensions.some((e) => output.toLowerCase().endsWith(e))) return false;
  const st = await stat(output).catch(() => undefined);
  return !st?.isDirectory();
}

/** `convert` on `options.jobs` worker threads, one shard each, merged (see jobs.ts). */
async function convertInJobs(input: string, options: ConvertOptions, d: { from: Dialect; to: Dialect; detected: boolean; confidence: number; folderOut: boolean }): Promise<ConvertResult> {
  const shards = jobShards(options.jobs!, options.shard);
  const parts = partPaths(options.output, shards.length);
  const cleanup = trackParts(parts);
  // A file output the target can join while its parts are written (part-join.ts): the merge then
  // overlaps the workers. Not a pipe or device: a join that must fall back to the merge rewrites it.
  const join = !d.folderOut && options.output !== undefined && await isFileOrNew(options.output) ? d.to.joinParts?.(parseOptions(d.to.writeOptions, options.writeOptions ?? {}, d.to.id), { shardPart: options.shard !== undefined }) : undefined;
  const live = join === undefined ? undefined : new LiveJoin(join, parts);
  // The parts live beside the output: its folder is made here, not by the join's or a part's
  // write, which removes a folder it made when it fails (as a join does when the parts must be
  // merged after all, or one part while another is still written there). A run that fails or is
  // stopped by a signal removes it again (tracked as a temp file is), with the parts in it.
  const madeFolder = options.output === undefined ? undefined : await mkdir(dirname(resolve(options.output)), { recursive: true }).catch(() => undefined);
  if (madeFolder !== undefined) track(madeFolder);
  let succeeded = false;
  let writing: Promise<{ written: number } | { error: unknown }> | undefined;
  try {
    // One first pass over the input for every worker, where the reader can plan (COCO): each
    // worker then reads only its shard's bytes. It runs here while the worker threads start.
    const streaming = d.from.readStream !== undefined && (d.to.writeStream !== undefined || d.to.writeFiles !== undefined);
    const tasks = async (pool: JobPool) => {
      // The worker threads may scan pieces of the first pass (COCO), each from its own handle on the input.
      const plans = streaming ? await planOnPool(pool, input, d.from, options.readOptions ?? {}, options.plugins ?? [], shards, scratchBeside(options.output)) : undefined;
      if (options.timings) options.timings.planned = performance.now();
      return shards.map((shard, j) => {
        let port: MessagePort | undefined;
        if (live !== undefined && j > 0) {
          const channel = new MessageChannel();
          live.listen(j, channel.port1);
          port = channel.port2;
        }
        return {
          kind: 'convert' as const, input, from: d.from.id, to: d.to.id, output: parts[j]!,
          readOptions: options.readOptions ?? {}, writeOptions: options.writeOptions ?? {}, plugins: options.plugins ?? [], shard,
          ...(plans !== undefined ? { plan: plans[j] } : {}), ...(port !== undefined ? { port } : {}),
          // A reader that warns about ids used before sees only its shard's: the ids come back to be counted here.
          ...(d.from.repeatedIdsWarning !== undefined ? { ids: true } : {}),
        };
      });
    };
    // The output is written from the start, beside the tasks: the first part's body goes into it as
    // the main thread writes it, later parts as soon as those before them are complete.
    const timings = options.timings;
    const stream = live === undefined ? undefined : timings === undefined ? live.stream() : (async function* () {
      yield* live.stream();
      timings.streamed = performance.now(); // the output's last byte handed on (its fsync and rename to come)
    })();
    if (live !== undefined) writing = writeFileAtomic(options.output!, stream!, { onTemp: live.onTemp }).then((written) => ({ written }), (error: unknown) => (live.close(), { error }));
    let results;
    try {
      results = await runJobs<{ annotations: number; images: number; counts: FeatureCounts; reported: string[]; part?: unknown; written: number; ids?: unknown[] }>({ count: shards.length, tasks, local: true, warm: { dialects: [d.from.id, d.to.id], plugins: options.plugins ?? [] } }, live === undefined ? {} : {
        live: { sink: live.sink0, describe: live.describe0 },
        settled: (i, r) => {
          if (timings !== undefined) (timings.settled ??= [])[i] = performance.now(); // which shard ended first (the tail: a later part copied after the first)
          live.settled(i, r.error !== undefined ? { failed: true } : { failed: false, info: r.value!.part, written: r.value!.written });
        },
      });
    } catch (e) {
      live?.close();
      throw e;
    }
    if (options.timings) options.timings.tasks = performance.now();
    // The shards' warnings as one run says them: the count in a message is summed over the shards
    // (images and annotations are each in one shard), or, for categories (shared), the largest taken.
    const said = mergeShardWarnings(results.map((r) => r.warnings));
    // Categories without masks are those no shard's masks use (not the most any one shard lacks).
    const used = results.every((r) => r.value) ? new Set(results.flatMap((r) => [...r.value!.counts.categoryIds])) : undefined;
    for (const [key, w] of said) {
      if (w.capability !== 'unusedCategories' || w.count === undefined || used === undefined) continue;
      const count = results[0]!.value!.counts.categoryList.filter((id) => !used.has(id)).length;
      const at = [...w.message.matchAll(new RegExp(`(?<![\\d.])${w.count}(?![\\d.])`, 'g'))];
      if (count === 0) said.delete(key);
      else if (at.length === 1) said.set(key, { ...w, count, message: w.message.slice(0, at[0]!.index) + String(count) + w.message.slice(at[0]!.index! + String(w.count).length) });
    }
    // Said once the output is written: a merge that renumbers ids knows one run's counts of them
    // (each shard saw only its own ids), and says them in place of the shards' sums.
    const later: RleWarning[] = [];
    const fromMerge: RleWarning[] = [];
    // Ids used before, counted over every shard's ids (a merge that replays one run's numbering, COCO's, counts them too).
    const repeated = d.from.repeatedIdsWarning === undefined || !results.every((r) => r.value?.ids !== undefined) ? undefined
      : repeatedIdsOfRun((n) => d.from.repeatedIdsWarning!(n), results.map((r) => r.value!.ids!), results.map((r) => r.warnings));
    let saidAll = false;
    const sayWarnings = (): void => {
      if (saidAll) return;
      saidAll = true;
      if (repeated !== undefined) {
        // The merge's own count (COCO's) stands; where it agrees, ours carries the first repeat's path when a shard's reader met it.
        const k = fromMerge.findIndex((w) => w.code === repeated.code);
        if (k < 0) fromMerge.unshift(repeated);
        else if (fromMerge[k]!.count === repeated.count) fromMerge[k] = repeated;
      }
      // The merge's kind in place of the shards' (their counts summed), one the shards did not say
      // before the next of the merge's that they did (the merge says them in one run's order).
      const order = [...said.entries()];
      const at = (code: string): number => order.findIndex(([, w]) => w.code === code);
      for (const [i, w] of fromMerge.entries()) {
        const k = at(w.code);
        if (k >= 0) order[k] = [order[k]![0], w];
        else {
          const next = fromMerge.slice(i + 1).map((m) => at(m.code)).find((j) => j >= 0);
          order.splice(next ?? order.length, 0, [warningKey(w).key, w]);
        }
      }
      for (const [, w] of order) options.warn?.(w);
      for (const w of later) options.warn?.(w);
    };
    const failed = results.find((r) => r.error);
    // A failed task stops the join; the output's own failure (it cannot be written) is said first, as one job meets it first.
    if (failed) live?.close();
    const joined = writing === undefined ? undefined : await writing;
    if (joined !== undefined && 'error' in joined && !(joined.error instanceof Rejoin) && !(joined.error instanceof PartFailed)) {
      sayWarnings();
      throw joined.error;
    }
    if (failed) {
      sayWarnings();
      throw fromRecord(failed.error!);
    }
    let annotations = 0, images = 0;
    for (const r of results) (annotations += r.value!.annotations, images += r.value!.images);
    // The loss report once, from the shards' counts: sums, and unions of the ids seen.
    const all = results.map((r) => r.value!.counts);
    const first = all[0]!;
    const sum = (k: 'images' | 'fileNames' | 'imageAttributes' | 'annotations' | 'categorized' | 'scores' | 'crowd' | 'attributes' | 'overlaps'): number => all.reduce((t, c) => t + c[k], 0);
    const counts: FeatureCounts = {
      ...first,
      images: sum('images'), fileNames: sum('fileNames'), imageAttributes: sum('imageAttributes'), annotations: sum('annotations'), categorized: sum('categorized'),
      scores: sum('scores'), crowd: sum('crowd'), attributes: sum('attributes'), overlaps: sum('overlaps'),
      categoryIds: new Set(all.flatMap((c) => [...c.categoryIds])), imageIds: new Set(all.flatMap((c) => [...c.imageIds])),
    };
    later.push(...notCarried(counts, d.to.capabilities, d.to.id, new Set(results.flatMap((r) => r.value!.reported))));
    let written: number, bytes: Uint8Array | undefined;
    try {
      if (d.folderOut) written = await writeFolderAtomic(options.output!, folderParts(parts, true));
      else if (joined !== undefined && 'written' in joined) written = joined.written;
      else {
        const merged = d.to.merge!(partSources(parts), { ownParts: true, partInfo: results.map((r) => r.value!.part), shardPart: options.shard !== undefined, warn: (w) => fromMerge.push(w) });
        if (options.output) written = await writeFileAtomic(options.output, merged);
        else written = (bytes = await collectBytes(merged)).length;
      }
    } finally {
      sayWarnings();
    }
    if (options.timings) options.timings.written = performance.now();
    succeeded = true;
    return { from: d.from, to: d.to, detected: d.detected, confidence: d.confidence, annotations, images, written, folder: d.folderOut, ...(bytes ? { bytes } : {}) };
  } finally {
    // A failed run's output stream stops here, and its temp file is gone before the error is said.
    live?.close();
    await writing;
    await cleanup();
    if (!succeeded && madeFolder !== undefined) await rm(madeFolder, { recursive: true, force: true });
    if (madeFolder !== undefined) untrack(madeFolder);
  }
}

/** A regular file (through a symbolic link) or nothing yet: an output a join may write and, if it must, write again. */
async function isFileOrNew(output: string): Promise<boolean> {
  const st = await stat(output).catch(() => undefined);
  return st === undefined || st.isFile();
}

/**
 * The shards' warnings as one run says them, keyed by kind: a count in a message is summed over the
 * shards (images and annotations are each in one shard), or, for categories (shared by every
 * shard), the largest taken. In one run's order where the shards' lists tell it: a kind only a
 * later shard says goes before the first summary (a counted kind) that shard says after it, as a
 * reader says its summaries at its end in a fixed order; otherwise after what is known. Where no
 * list orders two kinds (each said by a different shard only), the earlier shard's comes first.
 * @example
 * ```ts
 * const w = (code: string, n: number) => ({ code, count: n, message: `${n} ${code}` });
 * [...mergeShardWarnings([[w('a', 1), w('z', 2)], [w('b', 3), w('z', 4)]]).values()].map((x) => x.message); // → ['1 a', '3 b', '6 z']
 * ```
 */
export function mergeShardWarnings(lists: readonly (readonly RleWarning[])[]): Map<string, RleWarning> {
  const said = new Map<string, RleWarning>();
  const order: string[] = [];
  for (const list of lists) {
    const named = list.map(warningKey);
    const keys = named.map((n) => n.key);
    for (const [i, w] of list.entries()) {
      const { key, counted, cut } = named[i]!;
      const before = said.get(key);
      if (before === undefined) {
        said.set(key, w);
        // A summary (a counted kind) a reader says at its end, in a fixed order: the new kind goes
        // before the first known summary this shard says after it. A kind said as it is met (no
        // count) may have been met in an earlier shard first: no summary-order evidence there.
        const next = keys.slice(i + 1).find((k, j) => k !== key && said.has(k) && list[i + 1 + j]!.count !== undefined);
        order.splice(next === undefined ? order.length : order.indexOf(next), 0, key);
      } else if (counted) {
        const count = w.capability?.startsWith('categor') || w.capability === 'unusedCategories' ? Math.max(before.count!, w.count!) : before.count! + w.count!;
        said.set(key, { ...before, count, message: cut(w.message, String(count)) });
      }
    }
  }
  return new Map(order.map((k) => [k, said.get(k)!]));
}

/** A warning's identity across shards: its message with its one count (if it has exactly one) cut out. */
function warningKey(w: RleWarning): { key: string; counted: boolean; cut: (m: string, by: string) => string } {
  const at = w.count === undefined ? [] : [...w.message.matchAll(new RegExp(`(?<![\\d.])${w.count}(?![\\d.])`, 'g'))];
  const counted = at.length === 1;
  const cut = (m: string, by: string): string => (counted ? m.slice(0, at[0]!.index) + by + m.slice(at[0]!.index! + String(w.count).length) : m);
  return { key: `${w.code}\u0000${w.capability ?? ''}\u0000${cut(w.message, '#')}`, counted, cut };
}
