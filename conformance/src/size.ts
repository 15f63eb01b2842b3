/**
 * Browser weight of each published package (#19): bundles the package's whole public API with
 * esbuild for the browser (minified, tree-shaken, split into chunks as an app bundler does) and
 * gzips the result. The budget is the cost of importing an adapter on top of core:
 * gzip(core + adapter) - gzip(core), counting the entry and the chunks it imports statically. A
 * format library loaded on first use (a dynamic `import()` behind an async function) lands in a
 * lazy chunk: reported beside, not counted, since importing the adapter does not fetch it.
 *
 * `pnpm size` prints the table (`--write`: into docs/architecture.md); conformance/test/size.test.ts enforces the budget.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Gzip bytes an adapter may add to core (#19). */
export const BUDGET_GZIP = 30 * 1024;

export interface PackageInfo {
  /** Folder under packages/. */
  dir: string;
  name: string;
  /** Absolute path of the TypeScript entry (the `source` export condition). */
  entry: string;
}

/** Every published library package: not private, not a command line (its `bin`). */
export function publishedPackages(): PackageInfo[] {
  const base = join(root, 'packages');
  return readdirSync(base)
    .filter((d) => existsSync(join(base, d, 'package.json')))
    .flatMap((dir) => {
      const pkg = JSON.parse(readFileSync(join(base, dir, 'package.json'), 'utf8'));
      if (pkg.private === true || pkg.bin !== undefined) return [];
      const source = pkg.exports?.['.']?.source;
      // Measured from its TypeScript sources, so no build is needed; a package without them is not skipped silently.
      if (typeof source !== 'string') throw new Error(`packages/${dir}/package.json: exports["."].source is missing`);
      return [{ dir, name: pkg.name as string, entry: join(base, dir, source) }];
    })
    .sort((a, b) => a.dir.localeCompare(b.dir));
}

/** Bytes of a set of output files: minified, and gzip summed file by file (as a browser fetches them). */
export interface Bytes {
  minified: number;
  gzip: number;
}

export interface BundleSize extends Bytes {
  /**
   * Chunks reached only through a dynamic `import()` (a format library loaded on first use):
   * not fetched when the package is imported, so not in `minified`/`gzip`.
   */
  lazy: Bytes;
  /** Node built-ins the bundle imports (left external), in the entry or a lazy chunk: a browser cannot load them. */
  nodeBuiltins: string[];
  /** Minified bytes loaded on import, per npm package or workspace folder, largest first. */
  inputs: Array<[string, number]>;
  /** The same for the lazy chunks. */
  lazyInputs: Array<[string, number]>;
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
// Never written (write: false); esbuild needs a folder to name the chunks of a split bundle.
const OUTDIR = join(root, '.size-out');

/**
 * Bundles `code` (ES module text importing absolute paths) for the browser, split as a bundler
 * splits an app: what the entry imports statically is the weight of importing it; what only a
 * dynamic `import()` reaches is a lazy chunk, counted apart.
 */
export async function bundleSize(code: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: code, resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true,
    write: false,
    splitting: true,
    outdir: OUTDIR,
    format: 'esm',
    platform: 'browser',
    // Workspace packages from their TypeScript sources, as the tests run them; `browser` before `import`.
    conditions: ['source', 'browser', 'import', 'default'],
    minify: true,
    treeShaking: true,
    target: 'es2022',
    metafile: true,
    logLevel: 'silent',
    // A Node built-in reached from the main entry is reported, not a build failure.
    external: [...builtins],
  });
  const meta = result.metafile;
  const entry = Object.keys(meta.outputs).find((k) => meta.outputs[k]!.entryPoint !== undefined);
  if (entry === undefined) throw new Error('esbuild made no entry chunk');
  const eager = reachable(meta, [entry], false);
  const lazy = [...reachable(meta, [entry], true)].filter((k) => !eager.has(k));
  const contents = new Map(result.outputFiles.map((f) => [relative(root, f.path).split(sep).join('/'), f.contents]));
  const bytes = (files: Iterable<string>): Bytes => {
    let minified = 0, gzip = 0;
    for (const f of files) {
      const c = contents.get(f);
      if (c === undefined) throw new Error(`esbuild output ${f} not found`);
      minified += c.byteLength;
      gzip += gzipSync(c, { level: 9 }).byteLength;
    }
    return { minified, gzip };
  };
  return {
    ...bytes(eager),
    lazy: lazy.length > 0 ? bytes(lazy) : { minified: 0, gzip: 0 },
    nodeBuiltins: externalBuiltins(meta),
    inputs: inputsBySource(meta, eager),
    lazyInputs: inputsBySource(meta, lazy),
  };
}

/** Output files reached from `from` through static imports (and dynamic ones when `dynamic`). */
function reachable(meta: Metafile, from: string[], dynamic: boolean): Set<string> {
  const seen = new Set<string>();
  const todo = [...from];
  while (todo.length > 0) {
    const k = todo.pop()!;
    if (seen.has(k)) continue;
    seen.add(k);
    for (const i of meta.outputs[k]!.imports) {
      if (i.external) continue;
      if (i.kind === 'import-statement' || (dynamic && i.kind === 'dynamic-import')) todo.push(i.path);
    }
  }
  return seen;
}

function externalBuiltins(meta: Metafile): string[] {
  const found = new Set<string>();
  for (const input of Object.values(meta.inputs)) for (const i of input.imports) if (i.external && builtins.has(i.path)) found.add(i.path);
  return [...found].sort();
}

function inputsBySource(meta: Metafile, outputs: Iterable<string>): Array<[string, number]> {
  const bytes = new Map<string, number>();
  for (const o of outputs) {
    for (const [path, input] of Object.entries(meta.outputs[o]!.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(path) ?? /packages\/([^/]+)\//.exec(path);
      const key = m ? m[1]! : path;
      bytes.set(key, (bytes.get(key) ?? 0) + input.bytesInOutput);
    }
  }
  return [...bytes].sort((a, b) => b[1] - a[1]);
}

export interface SizeRow {
  name: string;
  /** The package's whole API alone. */
  alone: BundleSize;
  /** Core's whole API plus the package's: what an app using core pays in total. */
  withCore: BundleSize;
  /** withCore.gzip - core.gzip: what the package adds on top of core. */
  added: number;
}

const namespace = (path: string, as: string): string => `export * as ${as} from ${JSON.stringify(path)};`;

/** Sizes of core and of every other published package (or those named). */
export async function measure(only?: readonly string[]): Promise<{ core: BundleSize; rows: SizeRow[] }> {
  const all = publishedPackages();
  const core = all.find((p) => p.dir === 'core');
  if (!core) throw new Error('packages/core not found');
  const coreSize = await bundleSize(namespace(core.entry, 'core'));
  const rows: SizeRow[] = [];
  for (const p of all) {
    if (p === core || (only && !only.includes(p.dir))) continue;
    const alone = await bundleSize(namespace(p.entry, 'pkg'));
    const withCore = await bundleSize(namespace(core.entry, 'core') + namespace(p.entry, 'pkg'));
    rows.push({ name: p.name, alone, withCore, added: withCore.gzip - coreSize.gzip });
  }
  return { core: coreSize, rows };
}

const kb = (n: number): string => (n / 1024).toFixed(1);

/** The Markdown table of docs/architecture.md. */
export function sizeTable(core: BundleSize, rows: readonly SizeRow[]): string {
  const lines = [
    '| package | minified KB | gzip KB | gzip KB on top of core | gzip KB loaded on first use | largest parts beside core (minified KB) |',
    '|---|--:|--:|--:|--:|---|',
    `| @rlekit/core | ${kb(core.minified)} | ${kb(core.gzip)} | — | ${lazy(core)} | |`,
    ...rows.map((r) => `| ${r.name} | ${kb(r.alone.minified)} | ${kb(r.alone.gzip)} | ${r.added > BUDGET_GZIP ? `**${kb(r.added)}**` : kb(r.added)} | ${lazy(r.withCore)} | ${parts(r.withCore.inputs)} |`),
  ];
  return lines.join('\n');
}

/** The lazy chunks' gzip size and what they hold. */
function lazy(b: BundleSize): string {
  if (b.lazy.gzip === 0) return '—';
  return `${kb(b.lazy.gzip)} (${parts(b.lazyInputs, 2)})`;
}

function parts(inputs: Array<[string, number]>, n = 4): string {
  return inputs.filter(([k, v]) => k !== 'core' && v >= 512).slice(0, n).map(([k, v]) => `${k} ${kb(v)}`).join(', ');
}

const START = '<!-- size:start -->';
const END = '<!-- size:end -->';

// `pnpm size [pkg...]` prints the table; `pnpm size --write` also puts it into docs/architecture.md.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const only = args.filter((a) => !a.startsWith('--'));
  const { core, rows } = await measure(only.length > 0 ? only : undefined);
  const table = sizeTable(core, rows);
  console.log(table);
  for (const r of rows) if (r.withCore.nodeBuiltins.length > 0) console.log(`${r.name} imports Node built-ins: ${r.withCore.nodeBuiltins.join(', ')}`);
  if (args.includes('--write')) {
    const file = join(root, 'docs', 'architecture.md');
    const doc = readFileSync(file, 'utf8');
    const a = doc.indexOf(START), b = doc.indexOf(END);
    if (a < 0 || b < a) throw new Error(`${file} has no ${START} ... ${END} section`);
    writeFileSync(file, `${doc.slice(0, a + START.length)}\n${table}\n${doc.slice(b)}`);
    console.log(`wrote ${file}`);
  }
}
