import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import {
  CAPABILITY_NAMES, collectDataset, escapeUnprintable, isDatasetStream, isRleError, mergeCheckShards, parseShard, RleError,
  type Dialect, type DialectCapabilities, type DialectContext, type RleWarning,
} from '@rlekit/core';
import { convert, mergeShardWarnings as mergeJobWarnings, type ProgressSink } from './convert.js';
import { coerce, optionSpecs, parseOptions, type OptionSpec } from './options.js';
import { detect, findDialect, loadDialects } from './registry.js';
import { openPath, writeFileAtomic, writeFolderAtomic } from './node-sources.js';
import { registerDecode, registerDetect } from './decode-command.js';
import { registerCompare } from './compare-command.js';
import { CheckFailed, mergeShardWarnings, registerCheck, type CheckInJobs, type OpenInput } from './check-command.js';
import { registerRender } from './render-command.js';
import { fromRecord, jobsFor, jobShards, planOnPool, repeatedIdsOfRun, runJobs } from './jobs.js';
import { inspectRow, type CheckPart, type InspectPart, type InspectRow } from './jobs-worker.js';
import { registerMerge } from './merge-command.js';
import { printWarning, type Io } from './io.js';

/** Exit codes: 0 ok, 1 usage, 2 bad input (an RleError), 3 internal error. */
export const EXIT = { ok: 0, usage: 1, badInput: 2, internal: 3 } as const;

const USAGE_CODES = new Set(['INVALID_OPTION', 'UNKNOWN_DIALECT']);


const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  writeBytes: (b) => process.stdout.write(b),
};

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Splits `--flag value` pairs meant for dialects into read and write options by each dialect's specs. */
function routeOptions(
  values: Record<string, unknown>,
  readSpecs: OptionSpec[],
  writeSpecs: OptionSpec[],
  explicit: { read: string[]; write: string[] },
  ids: { from: string; to?: string },
): { read: Record<string, unknown>; write: Record<string, unknown> } {
  const read: Record<string, unknown> = {}, write: Record<string, unknown> = {};
  const camel = (f: string) => f.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  for (const [key, raw] of Object.entries(values)) {
    if (raw === undefined) continue;
    const r = readSpecs.find((s) => s.name === key), w = writeSpecs.find((s) => s.name === key);
    if (!r && !w) {
      const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw new RleError('INVALID_OPTION', `--${flag} is not an option of ${ids.from}${ids.to ? ` or ${ids.to}` : ''}`);
    }
    if (r && w && r.default === 'auto' && r.choices?.includes('auto')) {
      // The reader finds this out by itself (COCO --format auto): a bare flag is about the output.
      // `--read-option key=value` still forces the reader.
      write[w.name] = coerce(w, raw as string | boolean);
      continue;
    }
    if (r && w && ids.to !== undefined && ids.to !== ids.from) {
      // Given to both, a writer's option would silently change how the input is read (kaggle --order meant for the output).
      const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw new RleError('INVALID_OPTION', `--${flag} is an option of both ${ids.from} (reading) and ${ids.to} (writing): say which`, { expected: `--read-option ${flag}=... or --write-option ${flag}=...` });
    }
    if (r) read[r.name] = coerce(r, raw as string | boolean);
    if (w) write[w.name] = coerce(w, raw as string | boolean);
  }
  const pairs = (list: string[], specs: OptionSpec[], into: Record<string, unknown>, side: string) => {
    for (const kv of list) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new RleError('INVALID_OPTION', `--${side}-option takes key=value`, { received: kv });
      const key = camel(kv.slice(0, eq));
      const spec = specs.find((s) => s.name === key);
      if (!spec) throw new RleError('INVALID_OPTION', `"${key}" is not a ${side} option`, { expected: specs.map((s) => s.name).join(', ') });
      into[key] = coerce(spec, kv.slice(eq + 1));
    }
  };
  pairs(explicit.read, readSpecs, read, 'read');
  pairs(explicit.write, writeSpecs, write, 'write');
  return { read, write };
}

/** Adds every dialect's option as a hidden string flag; which dialect takes it is decided after parsing. */
function addDialectFlags(cmd: Command, dialects: readonly Dialect[], sides: ('read' | 'write')[]): void {
  const seen = new Set<string>(cmd.options.map((o) => o.attributeName()));
  for (const d of dialects) {
    for (const side of sides) {
      for (const spec of optionSpecs(side === 'read' ? d.readOptions : d.writeOptions)) {
        if (seen.has(spec.name)) continue;
        seen.add(spec.name);
        const flag = spec.type === 'boolean' ? `--${spec.flag} [value]` : `--${spec.flag} <value>`;
        cmd.addOption(new Option(flag, spec.description).hideHelp());
      }
    }
  }
}

function describeOptions(specs: OptionSpec[]): string[] {
  return specs.map((s) => {
    const kind = s.choices ? s.choices.join('|') : s.type;
    const def = s.default === undefined ? '' : ` (default: ${JSON.stringify(s.default)})`;
    return `    --${s.flag} <${kind}>  ${s.description ?? ''}${def}`;
  });
}

function capabilityList(c: DialectCapabilities): string {
  return (Object.keys(CAPABILITY_NAMES) as (keyof DialectCapabilities)[]).filter((k) => c[k]).map((k) => CAPABILITY_NAMES[k]).join(', ');
}


/**
 * Warnings of one kind (the same code and message but for numbers and quoted names: one per image)
 * are printed once, with how many more there were.
 */
class WarningSummary {
  private readonly groups = new Map<string, { first: RleWarning; more: number }>();
  add(w: RleWarning): void {
    const key = `${w.code}\u0000${w.capability ?? ''}\u0000${w.message.replace(/"[^"]*"|'[^']*'|\d+(?:\.\d+)?/g, '#')}`;
    const g = this.groups.get(key);
    if (g) g.more++;
    else this.groups.set(key, { first: w, more: 0 });
  }
  print(io: Io): void {
    for (const { first, more } of this.groups.values()) {
      printWarning(io, more === 0 ? first : { ...first, message: `${first.message} (and ${more} more like it)` });
    }
    this.groups.clear();
  }
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps) for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest known flag to a mistyped one, if any is close. */
function closest(flag: string, known: readonly string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const k of known) {
    const dd = distance(flag, k);
    if (dd < bestD) {
      best = k;
      bestD = dd;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.min(2, Math.floor(flag.length / 4))) ? best : undefined;
}

/** The value of `--name v` or `--name=v` in argv, if given. */
function argValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name) return argv[i + 1];
    if (argv[i]!.startsWith(`${name}=`)) return argv[i]!.slice(name.length + 1);
  }
  return undefined;
}

/** The options of the dialects an invocation names (--from reading, --to writing), as help text. */
function dialectOptionsHelp(argv: readonly string[], dialects: readonly Dialect[]): string {
  const command = argv[0];
  if (command !== 'convert' && command !== 'inspect') return '';
  const from = dialects.find((d) => d.id === argValue(argv, '--from'));
  const to = command === 'convert' ? dialects.find((d) => d.id === argValue(argv, '--to')) : undefined;
  let out = '';
  if (from) {
    const r = optionSpecs(from.readOptions);
    if (r.length) out += `\nOptions of ${from.id} (reading):\n${describeOptions(r).join('\n')}\n`;
  }
  if (to) {
    const w = optionSpecs(to.writeOptions);
    if (w.length) out += `\nOptions of ${to.id} (writing):\n${describeOptions(w).join('\n')}\n`;
  }
  if (!from && command === 'convert' || !from && command === 'inspect') out += `\nThe input's options: \`rlekit dialects <id>\` (give --from to list them here).\n`;
  return out;
}

/**
 * The dialect ids an invocation names, so only those are imported (startup is most of a small
 * conversion's time): none for --version, --help and `help`; --from and --to when the command
 * reads an input whose dialect is given; `undefined` (all) when an input is detected, for
 * `dialects` without an id, and for any command not listed here.
 */
export function dialectsNeeded(argv: readonly string[]): string[] | undefined {
  const command = argv[0];
  if (command === undefined || command === 'help' || argv.includes('--help') || argv.includes('-h')) return [];
  if (command === '--version' || command === '-V') return [];
  const given = (...flags: string[]): (string | undefined)[] => flags.map((f) => argValue(argv, f));
  const all = (ids: (string | undefined)[]): string[] | undefined => (ids.every((v) => v !== undefined) ? (ids as string[]) : undefined);
  switch (command) {
    case 'dialects': {
      const id = argv.slice(1).find((a) => !a.startsWith('-'));
      return id === undefined ? undefined : [id];
    }
    case 'decode':
      return given('--to').filter((v): v is string => v !== undefined);
    case 'convert':
      return all(given('--from', '--to'));
    case 'inspect': case 'render':
      return all(given('--from'));
    case 'check': {
      const [from, target] = given('--from', '--target');
      return from === undefined ? undefined : target === undefined ? [from] : [from, target];
    }
    case 'compare':
      return all(given('--from-a', '--from-b'));
    default:
      return undefined;
  }
}

/**
 * Runs the CLI; returns the exit code instead of exiting, so tests can call it.
 * @example
 * ```ts
 * // The CLI as a function: arguments in, exit code out, with output captured.
 * let out = '';
 * const code = await main(['decode', '2 1 4 2 7 1 12 1', '--size', '3x4', '--json'], { out: (s) => (out += s), err: () => {}, writeBytes: () => {} });
 * [code, JSON.parse(out).candidates[0].dialect]; // → [0, 'kaggle']
 * ```
 */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const pluginArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--plugin' && argv[i + 1]) pluginArgs.push(argv[i + 1]!);
    else if (argv[i]!.startsWith('--plugin=')) pluginArgs.push(argv[i]!.slice('--plugin='.length));
  }
  let dialects: Dialect[];
  try {
    const needed = dialectsNeeded(argv);
    dialects = needed !== undefined && needed.length === 0 && pluginArgs.length === 0 ? [] : await loadDialects(pluginArgs, needed);
  } catch (e) {
    return report(io, e);
  }
  const program = new Command('rlekit')
    .description('Convert segmentation masks exactly between RLE dialects (COCO, Kaggle, PNG, Encord, CVAT, DICOM, ...).')
    .version(version)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  let code: number = EXIT.ok;

  program
    .command('dialects [id]')
    .description('list the registered dialects and what they carry; with an id, its options')
    .option('--json', 'machine-readable output')
    .option('--plugin <module...>', 'load extra dialect modules')
    .action((id: string | undefined, opts: { json?: boolean }) => {
      const list = id ? [findDialect(dialects, id)] : dialects;
      if (opts.json) {
        io.out(`${JSON.stringify(list.map((d) => ({ id: d.id, title: d.title, extensions: d.extensions, input: d.input, output: d.output, capabilities: d.capabilities, readOptions: optionSpecs(d.readOptions), writeOptions: optionSpecs(d.writeOptions) })), null, 2)}\n`);
        return;
      }
      for (const d of list) {
        io.out(`${d.id.padEnd(14)} ${d.title} (${d.extensions.join(' ')}; ${d.input} in, ${d.output} out)\n`);
        io.out(`${''.padEnd(14)} carries: ${capabilityList(d.capabilities) || 'masks only'}\n`);
        if (id) {
          const r = optionSpecs(d.readOptions), w = optionSpecs(d.writeOptions);
          if (r.length) io.out(`  read options:\n${describeOptions(r).join('\n')}\n`);
          if (w.length) io.out(`  write options:\n${describeOptions(w).join('\n')}\n`);
        }
      }
    });

  const convertCmd = program
    .command('convert <input>')
    .description('convert a file or folder to another dialect (the input dialect is detected unless --from is given)')
    .requiredOption('--to <dialect>', 'dialect to write')
    .option('--from <dialect>', 'dialect of the input (detected when absent)')
    .option('-o, --output <path>', 'output file or folder (written atomically); stdout when absent')
    .option('--read-option <key=value...>', 'an option for the reader only (when both dialects have an option of that name)')
    .option('--write-option <key=value...>', 'an option for the writer only')
    .option('--plugin <module...>', 'load extra dialect modules')
    .option('-q, --quiet', 'do not print warnings or the summary')
    .option('--jobs <n>', 'worker threads: the images are split between them and the output is the same bytes (default: the cores, for inputs of 32 MiB (1 MiB when writing a folder, such as PNG masks) or 64 files and more whose reader splits by shard or that paint images; for one file, no more than fit 1 GB of memory)')
    .option('--shard <i/n>', 'convert only shard i of n (0-based) of the input\'s images; `rlekit merge` joins the n outputs')
    .option('--json', 'print the result as JSON with every warning in full (on stdout when -o is given, else on stderr)')
    .addHelpText('after', '\nDialect options (for example --preset, --size, --rle) are listed by `rlekit dialects <id>`.');
  addDialectFlags(convertCmd, dialects, ['read', 'write']);
  convertCmd.action(async (input: string, opts: Record<string, unknown>) => {
    const { to, from, output, readOption, writeOption, plugin: _plugin, quiet, json, jobs: jobsText, shard: shardText, ...rest } = opts as {
      to: string; from?: string; output?: string; readOption?: string[]; writeOption?: string[]; plugin?: string[]; quiet?: boolean; json?: boolean; jobs?: string; shard?: string;
    } & Record<string, unknown>;
    const all: RleWarning[] = [];
    const target = findDialect(dialects, to);
    const shard = shardText === undefined ? undefined : parseShard(shardText);
    const source = await openPath(input);
    const detection = from ? { dialect: findDialect(dialects, from), confidence: 1, reason: 'given with --from' } : await detect(dialects, source);
    // A target that writes a folder (a PNG or label file per image) costs far more per input byte: every core from a small input.
    const imagesOut = target.output === 'folder' && output !== undefined;
    const jobs = await jobsFor(jobsText, source, { imagesOut, readsShards: detection.dialect.readsShards === true });
    if (!from && !quiet) io.err(`detected ${detection.dialect.id} (confidence ${detection.confidence.toFixed(2)}): ${detection.reason}; use --from to override\n`);
    // Asked-for jobs that cannot divide the reading (the default would not take them): said, not refused.
    if (jobsText !== undefined && jobs > 1 && detection.dialect.readsShards !== true && detection.dialect.planShards === undefined && !imagesOut && !quiet) {
      io.err(`note: every job reads the whole ${detection.dialect.id} input (its reader cannot skip other jobs' images), so --jobs ${jobs} divides only the writing; one job is often as fast\n`);
    }
    const routed = routeOptions(rest, optionSpecs(detection.dialect.readOptions), optionSpecs(target.writeOptions), { read: readOption ?? [], write: writeOption ?? [] }, { from: detection.dialect.id, to: target.id });
    const summary = new WarningSummary();
    // A bar only where a person watches: stderr is a terminal and the caller is the real CLI.
    const progress = !quiet && io === defaultIo && process.stderr.isTTY && jobs === 1 ? await terminalProgress() : undefined;
    let result;
    try {
      // Workers open the input again by its path; a pipe (read once, already begun by detection) stays one job.
      const reopenable = source.kind === 'folder' || source.size !== undefined;
      result = await convert(jobs > 1 && reopenable ? input : source, {
        from: detection.dialect.id, to, ...(output ? { output } : {}), readOptions: routed.read, writeOptions: routed.write, plugins: pluginArgs, jobs, ...(shard ? { shard } : {}),
        warn: (w) => { if (json) all.push(w); else if (!quiet) summary.add(w); },
        ...(progress ? { progress } : {}),
      });
    } finally {
      progress?.stop();
      summary.print(io);
    }
    if (result.bytes) io.writeBytes(result.bytes);
    if (json) {
      const text = `${JSON.stringify({ from: result.from.id, to: result.to.id, images: result.images, annotations: result.annotations, written: result.written, warnings: all }, null, 2)}\n`;
      if (output) io.out(text);
      else io.err(text);
      return;
    }
    if (!quiet && output) io.err(`${result.from.id} → ${result.to.id}: ${result.images} images, ${result.annotations} annotations; wrote ${output} (${result.written} ${result.folder ? 'files' : 'bytes'})\n`);
  });

  const inspectCmd = program
    .command('inspect <input>')
    .description('list the images, categories and annotations of a file or folder, with each mask\'s size, area and box')
    .option('--from <dialect>', 'dialect of the input (detected when absent)')
    .option('--json', 'machine-readable output')
    .option('--limit <n>', 'list at most n annotations (and n images, n categories); a streamed input is read no further', '50')
    .option('--count', 'read a streamed input to its end to count every annotation')
    .option('--jobs <n>', 'with --count: worker threads that read shards of the input side by side (default: the cores, for inputs of 32 MiB or 64 files and more)')
    .option('--plugin <module...>', 'load extra dialect modules');
  addDialectFlags(inspectCmd, dialects, ['read']);
  inspectCmd.action(async (input: string, opts: Record<string, unknown>) => {
    const { from, json, limit, count: countAll, plugin: _plugin, jobs: jobsText, ...rest } = opts as { from?: string; json?: boolean; limit: string; count?: boolean; plugin?: string[]; jobs?: string } & Record<string, unknown>;
    const max = Number(limit);
    if (!Number.isSafeInteger(max) || max < 0) throw new RleError('INVALID_OPTION', '--limit must be a non-negative integer', { received: limit });
    const source = await openPath(input);
    const { dialect, reason } = from ? { dialect: findDialect(dialects, from), reason: 'given with --from' } : await detect(dialects, source);
    const routed = routeOptions(rest, optionSpecs(dialect.readOptions), [], { read: [], write: [] }, { from: dialect.id });
    const warnings: RleWarning[] = [];
    // Nothing is converted here: what a conversion would not carry (not-carried) is not a warning of inspect.
    const ctx: DialectContext = { warn: (w) => { if (w.code !== 'not-carried') warnings.push(w); }, open: openPath };
    const options = parseOptions(dialect.readOptions, routed.read, dialect.id);
    // Only a count reads everything: then shards of the input are read side by side.
    const given = jobsText === undefined ? undefined : await jobsFor(jobsText, source); // a bad --jobs is refused either way
    const jobs = countAll ? given ?? await jobsFor(undefined, source, { readsShards: dialect.readsShards === true }) : 1;
    let rows: InspectRow[] = [];
    let count = 0, complete = true;
    let all: { images: readonly { id: unknown; fileName?: string; height: number; width: number }[]; categories: readonly { id: unknown; name: string }[] } = { images: [], categories: [] };
    let sharded = false, incremental = false;
    if (jobs > 1 && (source.kind === 'folder' || source.size !== undefined)) {
      const shards = jobShards(jobs);
      const results = await runJobs<InspectPart>({
        count: shards.length, local: true,
        // The reader's first pass once, here, while the threads start (as convert plans it).
        tasks: async (pool) => {
          const plans = source.kind === 'bytes' && dialect.readStream !== undefined ? await planOnPool(pool, input, dialect, routed.read, pluginArgs, shards) : undefined;
          return shards.map((shard, j) => ({ kind: 'inspect' as const, input, from: dialect.id, readOptions: routed.read, plugins: pluginArgs, shard, ...(plans !== undefined ? { plan: plans[j] } : {}), max, header: j === 0 }));
        },
      });
      const failed = results.find((r) => r.error);
      if (failed) throw fromRecord(failed.error!);
      const parts = results.map((r) => r.value!);
      sharded = true;
      // Said as one job says them: readers that each read everything said the whole input's (the
      // first shard's list); readers that read their own shards counted their own (summed).
      const lists = results.map((r) => r.warnings);
      const said = dialect.readsShards === true ? [...mergeJobWarnings(lists).values()] : lists[0] ?? [];
      // Ids used before (COCO's duplicate-id), counted over every shard's ids: a shard's reader
      // sees only its own. One run says it last of its reader's summaries.
      const repeated = dialect.repeatedIdsWarning === undefined || dialect.readsShards !== true ? undefined
        : repeatedIdsOfRun((n) => dialect.repeatedIdsWarning!(n), parts.map((p) => p.ids), lists);
      const at = repeated === undefined ? -1 : said.findIndex((w) => w.code === repeated.code);
      if (repeated !== undefined) said.splice(at < 0 ? said.length : at, at < 0 ? 0 : 1, repeated);
      for (const w of said) ctx.warn(w);
      for (const p of parts) {
        count += p.count;
        if (rows.length < max) rows = rows.concat(p.rows.slice(0, max - rows.length));
      }
      all = { images: parts[0]!.images as never, categories: parts[0]!.categories as never };
    }
    if (!sharded) {
      // A folder read file by file stops, as a stream does, after --limit: its images and
      // categories are then those of the files read.
      incremental = !countAll && source.kind === 'folder' && dialect.readStream === undefined && dialect.readIncrementally !== undefined;
      const data = dialect.readStream ? await dialect.readStream(source, options, ctx)
        : incremental ? await dialect.readIncrementally!(source, options, ctx)
        : await dialect.read(source, options, ctx);
      // Iterate rather than collect: a streamed file of millions of annotations is listed in bounded memory,
      // and, unless --count, read no further than --limit (closing the stream stops the reader).
      all = { images: data.images, categories: data.categories };
      const streamed = isDatasetStream(data);
      for await (const a of streamed ? data.annotations : data.annotations) {
        if (rows.length >= max && streamed && !countAll) {
          complete = false;
          break;
        }
        count++;
        // 8-connected parts and the holes in them, traced from the runs (listed masks only).
        if (rows.length < max) rows.push(inspectRow(a));
        // A folder read file by file stops at once: the next annotation may be files away.
        if (incremental && rows.length >= max) {
          complete = false;
          break;
        }
      }
    }
    if (json) {
      // complete: every annotation was read. imagesComplete: the lists are whole (false only for a
      // folder read file by file and stopped by --limit: its images and categories are the files read).
      io.out(`${JSON.stringify({ dialect: dialect.id, detected: reason, images: all.images, categories: all.categories, imagesComplete: !incremental || complete, annotationCount: count, complete, annotations: rows, warnings }, null, 2)}\n`);
      return;
    }
    const atLeast = complete ? '' : 'at least ', sofar = incremental ? atLeast : '';
    io.out(`${input}: ${dialect.id} (${from ? 'given with --from' : `detected: ${reason}`})\n${sofar}${all.images.length} images, ${sofar}${all.categories.length} categories, ${atLeast}${count} annotations\n`);
    for (const im of all.images.slice(0, max)) io.out(`  image ${String(im.id)}${im.fileName ? ` (${im.fileName})` : ''}: ${im.height}x${im.width}\n`);
    for (const c of all.categories.slice(0, max)) io.out(`  category ${String(c.id)}: ${c.name}\n`);
    for (const r of rows) {
      io.out(`  annotation ${String(r.id)} on image ${String(r.imageId)}${r.categoryId === undefined ? '' : `, category ${String(r.categoryId)}`}: ${r.height}x${r.width}, area ${r.area}, bbox [${r.bbox.join(', ')}], ${r.parts} part${r.parts === 1 ? '' : 's'}, ${r.holes} hole${r.holes === 1 ? '' : 's'}${r.score === undefined ? '' : `, score ${r.score}`}${r.iscrowd ? ', crowd' : ''}\n`);
    }
    if (count > rows.length) io.out(`  ... ${count - rows.length} more (--limit)\n`);
    if (!complete) io.out(`  ... read no further after ${max} annotations (--limit${incremental ? ': the images, categories and warnings are those of the files read' : ''}); --count reads to the end\n`);
    const summary = new WarningSummary();
    for (const w of warnings) summary.add(w);
    summary.print(io);
  });

  const decodeCmd = registerDecode(program, io, dialects, (target, flags) =>
    parseOptions(target.writeOptions, routeOptions(flags, [], optionSpecs(target.writeOptions), { read: [], write: [] }, { from: target.id }).write, target.id) as Record<string, unknown>);
  addDialectFlags(decodeCmd, dialects, ['write']);
  registerDetect(program, io, dialects);
  const compareCmd = registerCompare(program, io, async (input, from, flags) => {
    const source = await openPath(input);
    const { dialect } = from ? { dialect: findDialect(dialects, from) } : await detect(dialects, source);
    const specs = optionSpecs(dialect.readOptions);
    const mine = Object.fromEntries(Object.entries(flags).filter(([k, v]) => v !== undefined && specs.some((s) => s.name === k)));
    const options = parseOptions(dialect.readOptions, routeOptions(mine, specs, [], { read: [], write: [] }, { from: dialect.id }).read, dialect.id);
    const ctx: DialectContext = { warn: (w) => printWarning(io, w), open: openPath };
    const data = dialect.readStream ? await dialect.readStream(source, options, ctx) : await dialect.read(source, options, ctx);
    return { dialect, dataset: await collectDataset(data), used: Object.keys(mine) };
  });
  compareCmd.option('--plugin <module...>', 'load extra dialect modules');
  addDialectFlags(compareCmd, dialects, ['read']);
  const openInput: OpenInput = async (input, from, flags, warn, recover) => {
    const source = await openPath(input);
    const { dialect } = from ? { dialect: findDialect(dialects, from) } : await detect(dialects, source);
    const specs = optionSpecs(dialect.readOptions);
    const mine = Object.fromEntries(Object.entries(flags).filter(([k, v]) => v !== undefined && specs.some((s) => s.name === k)));
    const options = parseOptions(dialect.readOptions, routeOptions(mine, specs, [], { read: [], write: [] }, { from: dialect.id }).read, dialect.id);
    const ctx: DialectContext = { warn, open: openPath, ...(recover ? { recover } : {}) };
    return { dialect, data: dialect.readStream ? await dialect.readStream(source, options, ctx) : await dialect.read(source, options, ctx) };
  };
  const checkInJobs: CheckInJobs = async (input, from, flags, jobsText, checkOptions) => {
    const source = await openPath(input);
    const given = jobsText === undefined ? undefined : await jobsFor(jobsText, source); // a bad --jobs is refused, pipe or not
    // Workers open the input again by its path; a pipe stays one job.
    if (!(source.kind === 'folder' || source.size !== undefined)) return undefined;
    const { dialect } = from ? { dialect: findDialect(dialects, from) } : await detect(dialects, source);
    const jobs = given ?? await jobsFor(undefined, source, { readsShards: dialect.readsShards === true });
    if (jobs <= 1) return undefined;
    const specs = optionSpecs(dialect.readOptions);
    const mine = Object.fromEntries(Object.entries(flags).filter(([k, v]) => v !== undefined && specs.some((s) => s.name === k)));
    const readOptions = routeOptions(mine, specs, [], { read: [], write: [] }, { from: dialect.id }).read;
    parseOptions(dialect.readOptions, readOptions, dialect.id); // a bad option is refused here, as one job refuses it
    const shards = jobShards(jobs);
    let results;
    try {
      results = await runJobs<CheckPart>({
        count: shards.length, local: true,
        // The reader's first pass once, here, while the threads start (as convert plans it).
        tasks: async (pool) => {
          const plans = source.kind === 'bytes' && dialect.readStream !== undefined ? await planOnPool(pool, input, dialect, readOptions, pluginArgs, shards) : undefined;
          return shards.map((shard, j) => ({ kind: 'check' as const, input, from: dialect.id, readOptions, plugins: pluginArgs, shard, ...(plans !== undefined ? { plan: plans[j] } : {}), header: j === 0, ...checkOptions }));
        },
      });
    } catch (e) {
      // The first pass stopped at a fault: one job reports it at its place in the report.
      if (!isRleError(e)) throw e;
      io.err(`checking with one job: ${escapeUnprintable(`${e.code}: ${e.message}`)}\n`);
      return undefined;
    }
    let why = results.map((r) => (r.error ? `${r.error.code ?? 'error'}: ${r.error.message}` : r.value && 'unclean' in r.value ? r.value.unclean : undefined)).find((w) => w !== undefined);
    const parts = why === undefined ? results.map((r) => r.value as Exclude<CheckPart, { unclean: string }>) : [];
    const said = why === undefined ? mergeShardWarnings(parts.map((p) => ({ warnings: p.warnings, read: p.read, annotations: p.shard.ids.length }))) : undefined;
    if (said && 'unclean' in said) why = said.unclean;
    if (why !== undefined || !said || 'unclean' in said) {
      // One job reports what the reader said (or where it stopped) at its place: the report stays exactly one job's.
      io.err(`checking with one job: ${escapeUnprintable(why ?? '')}\n`);
      return undefined;
    }
    return { dialect, report: mergeCheckShards(parts.map((p) => p.shard)), warnings: said.warnings };
  };
  const checkCmd = registerCheck(program, io, dialects, openInput, async (dataset, dialect, flags, output) => {
    const specs = optionSpecs(dialect.writeOptions);
    const mine = Object.fromEntries(Object.entries(flags).filter(([k, v]) => v !== undefined && specs.some((s) => s.name === k)));
    const options = parseOptions(dialect.writeOptions, routeOptions(mine, [], specs, { read: [], write: [] }, { from: dialect.id }).write, dialect.id);
    const ctx: DialectContext = { warn: (w) => printWarning(io, w), open: openPath };
    if (dialect.output === 'folder' && dialect.writeFiles) await writeFolderAtomic(output, dialect.writeFiles(dataset, options, ctx));
    else await writeFileAtomic(output, await dialect.write(dataset, options, ctx));
  }, checkInJobs);
  checkCmd.option('--plugin <module...>', 'load extra dialect modules');
  addDialectFlags(checkCmd, dialects, ['read']);
  registerMerge(program, io, dialects, detect);
  const renderCmd = registerRender(program, io, openInput, writeFileAtomic, writeFolderAtomic);
  renderCmd.option('--plugin <module...>', 'load extra dialect modules');
  addDialectFlags(renderCmd, dialects, ['read']);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    code = report(io, e, { argv, dialects, program });
  }
  return code;
}

/** A progress bar on stderr (cli-progress): bytes or files done, rate, ETA, annotations read. */
async function terminalProgress(): Promise<ProgressSink> {
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const bar = new SingleBar({
    stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 50, fps: 5,
    format: '{bar} {percentage}% | {done} of {all} | {annotations} annotations | ETA {eta_formatted}',
  }, Presets.shades_classic);
  let running = false, unit: 'bytes' | 'files' = 'bytes';
  const human = (n: number) => (unit === 'files' ? `${n} files` : n >= 1 << 30 ? `${(n / 2 ** 30).toFixed(2)} GB` : `${(n / 2 ** 20).toFixed(1)} MB`);
  return {
    start(total, u, pass) {
      unit = u;
      if (running) bar.stop();
      bar.start(total ?? 0, 0, { done: human(0), all: total === undefined ? '?' : `${human(total)}${pass > 1 ? ` (pass ${pass})` : ''}`, annotations: 0 });
      running = true;
    },
    update(done, annotations) {
      if (running) bar.update(done, { done: human(done), annotations });
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

function report(io: Io, e: unknown, help?: { argv: readonly string[]; dialects: readonly Dialect[]; program: Command }): number {
  // `check` printed its report already; it only sets the exit code.
  if (e instanceof CheckFailed) return EXIT.badInput;
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) return EXIT.ok;
    if (help) {
      const sub = help.program.commands.find((c) => c.name() === help.argv[0]);
      if (e.code === 'commander.unknownOption' && !/Did you mean/.test(e.message)) {
        // Commander suggests only the options its help shows; dialect options are hidden there.
        const flag = /'(--?[^'=]+)/.exec(e.message)?.[1];
        const known = [...(sub ?? help.program).options.map((o) => o.long ?? ''), ...help.dialects.flatMap((d) => [...optionSpecs(d.readOptions), ...optionSpecs(d.writeOptions)].map((x) => `--${x.flag}`))].filter(Boolean);
        const guess = flag ? closest(flag, [...new Set(known)]) : undefined;
        if (guess) io.err(`(Did you mean ${guess}?)\n`);
      }
      io.err(`\n${(sub ?? help.program).helpInformation()}${sub ? dialectOptionsHelp(help.argv, help.dialects) : ""}`);
    }
    return EXIT.usage;
  }
  if (isRleError(e)) {
    io.err(`error [${e.code}]: ${e.message}\n`);
    if (e.code === 'INVALID_OPTION' && help) io.err(dialectOptionsHelp(help.argv, help.dialects));
    return USAGE_CODES.has(e.code) ? EXIT.usage : EXIT.badInput;
  }
  io.err(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT.internal;
}
