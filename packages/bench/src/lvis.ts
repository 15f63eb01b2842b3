/**
 * `pnpm bench lvis [--scale S] [--only python,coco,coco-jobs2,coco-shards,coco-nogroup,kaggle,rlekit-json]`: whole-file conversions of a seeded COCO instances
 * file shaped like LVIS v1 train (scale 1: 100,170 images, 1,270,141 mostly-polygon annotations,
 * ~1 GB; --scale 0.1 / 0.3 make the 100 MB / 300 MB variants), timed side by side in one run:
 * the Python a user would run (json.load + pycocotools' annToRLE + json.dump, pycocotools built
 * from /work/shared/oracles/cocoapi with Debian's cython3 and numpy, in a cache dir outside the
 * repo) and `rlekit convert` to COCO RLE, a row-major Kaggle preset and rlekit-json. Wall time
 * and peak RSS come from /usr/bin/time -v around each child process. rlekit runs with --jobs 1, and the
 * COCO conversion again with --jobs 2 (worker threads, the same bytes).
 *
 * `pnpm bench lvis --phases [--scale S] [--jobs N] [--runs-only]`: the serial and parallel parts of a --jobs N run, each alone,
 * then --jobs 1 and --jobs N runs in this process with where the --jobs N run's wall time went (--runs-only: those alone).
 *
 * `pnpm bench lvis --growth 0.1,0.3,1`: the COCO conversion (--jobs 1) of each scale's file, one
 * table: size, wall, MB/s, peak RSS — time and memory should grow linearly (or memory stay flat).
 *
 * `pnpm bench lvis --jobs-memory 1,2,4,8 [--scale S]`: the COCO conversion with each --jobs, one
 * table: wall, CPU, peak RSS beside the default's memory estimate (cli's jobsWithinMemory), every
 * output compared with the first's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countsToString } from '@rlekit/coco';
import { prng } from './kit.js';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const cacheDir = process.env.RLEKIT_BENCH_DIR ?? join(tmpdir(), 'rlekit-bench');
const oracle = process.env.COCOAPI_DIR ?? '/work/shared/oracles/cocoapi';
export const python = '/usr/bin/python3'; // Debian's, where python3-numpy and cython3 live

const SIZES = [[480, 640], [640, 480], [427, 640], [640, 427], [512, 640], [375, 500], [500, 375], [640, 640]] as const;

/**
 * `pnpm bench lvis --phases [--scale S] [--jobs N]`: the parts of a `--jobs N` COCO → COCO run,
 * each timed alone on this thread (CPU seconds, after one whole conversion has warmed the JIT):
 * the first pass that plans the shards, each shard's planned conversion, and the merge by the
 * ranges the writers describe. On a machine shared with other work these, not the wall time of
 * threads competing with it, give the critical path: serial parts + the slowest shard.
 */
async function phases(scale: number, jobs: number, partsAlone = true): Promise<void> {
  const input = lvisFile(scale);
  // The CLI's own conversion and file source (a benchmark may reach into the CLI's sources).
  const { convert } = await import('../../cli/src/convert.js');
  const { fileSource, writeFileAtomic } = await import('../../cli/src/node-sources.js');
  const { dialect: coco } = await import('@rlekit/coco');
  const out = (name: string): string => join(cacheDir, `out-phases-${name}`);
  const timed = async (f: () => Promise<unknown>): Promise<number> => {
    const c = process.cpuUsage();
    await f();
    const d = process.cpuUsage(c);
    return (d.user + d.system) / 1e6;
  };
  const write = { polygons: 'rle' };
  if (partsAlone) await alone();
  async function alone(): Promise<void> {
  const one = await timed(() => convert(input, { from: 'coco', to: 'coco', output: out('one.json'), writeOptions: write }));
  const shards = Array.from({ length: jobs }, (_, index) => ({ index, count: jobs }));
  let plans: unknown[] | undefined;
  const plan = await timed(async () => (plans = await coco.planShards!(fileSource(input, statSync(input).size), {}, shards)));
  const info: unknown[] = [];
  const parts: number[] = [];
  for (const [j, shard] of shards.entries()) {
    parts.push(await timed(() => convert(input, { from: 'coco', to: 'coco', output: out(`part${j}.json`), writeOptions: write, shard, plan: plans![j], describePart: (i) => void (info[j] = i) })));
  }
  const merge = await timed(() => writeFileAtomic(out('merged.json'), coco.merge!(shards.map((_, j) => fileSource(out(`part${j}.json`))), { ownParts: true, partInfo: info })));
  const same = spawnSync('cmp', ['-s', out('one.json'), out('merged.json')]).status === 0;
  for (const name of ['one.json', 'merged.json', ...shards.map((_, j) => `part${j}.json`)]) rmSync(out(name), { force: true });
  const serial = plan + merge, parallel = parts.reduce((t, p) => t + p, 0);
  console.log(`\n| --jobs ${jobs} of the ${(statSync(input).size / 1e6).toFixed(0)} MB file, parts alone (CPU s) | |`);
  console.log('|---|---:|');
  console.log(`| one job, whole conversion | ${one.toFixed(2)} |`);
  console.log(`| pass 1 once, planning ${jobs} shards (serial) | ${plan.toFixed(2)} |`);
  console.log(`| shards, planned (parallel) | ${parts.map((p) => p.toFixed(2)).join(', ')} |`);
  console.log(`| merge by described ranges (serial) | ${merge.toFixed(2)} |`);
  console.log(`\nserial ${serial.toFixed(2)} s + parallel ${parallel.toFixed(2)} s / N; merged output ${same ? 'identical to' : 'DIFFERS from'} one job's (load average ${loadavg().map((l) => l.toFixed(1)).join(', ')})`);
  }
  // The real thing, in this process: --jobs 1 and --jobs N alternately, and where a --jobs N run's
  // wall time went (its plan, its tasks side by side, then what the join had left to write after
  // the last task: the merge's copy, now overlapped with the workers).
  console.log(`\n| run (wall s, this process) | total | plan | tasks | output after the last task | of which its last bytes (the rest: fsync, rename) | CPU s |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (let round = 0; round < 2; round++) {
    for (const n of [1, jobs]) {
      const timings: { planned?: number; tasks?: number; streamed?: number; written?: number } = {};
      const c = process.cpuUsage(), t0 = performance.now();
      await convert(input, { from: 'coco', to: 'coco', output: out(`run${n}.json`), writeOptions: write, jobs: n, timings });
      const t1 = performance.now(), d = process.cpuUsage(c);
      const s = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '' : ((b - a) / 1000).toFixed(2));
      console.log(`| --jobs ${n} | ${((t1 - t0) / 1000).toFixed(2)} | ${s(t0, timings.planned)} | ${s(timings.planned, timings.tasks)} | ${s(timings.tasks, timings.written)} | ${timings.streamed === undefined ? '' : s(timings.tasks, Math.max(timings.tasks!, timings.streamed))} | ${((d.user + d.system) / 1e6).toFixed(2)} |`);
    }
    const again = spawnSync('cmp', ['-s', out('run1.json'), out(`run${jobs}.json`)]).status === 0;
    if (!again) console.log(`--jobs ${jobs} output DIFFERS from --jobs 1`);
  }
  for (const n of [1, jobs]) rmSync(out(`run${n}.json`), { force: true });
  console.log(`(load average ${loadavg().map((l) => l.toFixed(1)).join(', ')}; CPU s: this process's threads, the workers' included)`);
}

/** Writes the LVIS-shaped file (annotations first and scattered over images, as LVIS has them). */
function generate(path: string, scale: number): void {
  const rand = prng(2024);
  const nImages = Math.max(1, Math.round(100_170 * scale));
  const nAnnotations = Math.max(1, Math.round(1_270_141 * scale));
  const nCategories = 1203;
  const sizes = Array.from({ length: nImages }, () => SIZES[Math.floor(rand() * SIZES.length)]!);
  const fd = openSync(path + '.part', 'w');
  let buf: string[] = [];
  let pending = 0;
  const out = (s: string): void => {
    buf.push(s);
    pending += s.length;
    if (pending > 1 << 22) {
      writeSync(fd, buf.join(''));
      buf = [];
      pending = 0;
    }
  };
  out('{"info": {"description": "rlekit bench: LVIS-shaped synthetic", "version": "1.0", "year": 2026}, "annotations": [');
  for (let k = 0; k < nAnnotations; k++) {
    const img = Math.floor(rand() * nImages);
    const [h, w] = sizes[img]!;
    const cat = 1 + Math.floor(rand() * nCategories);
    let seg: string, area: number, box: number[];
    let crowd = 0;
    if (rand() < 0.005) {
      // A crowd region as compressed RLE: a box, in column-major runs.
      const x0 = Math.floor(rand() * w * 0.5), y0 = Math.floor(rand() * h * 0.5);
      const bw = 1 + Math.floor(rand() * (w - x0 - 1)), bh = 1 + Math.floor(rand() * (h - y0 - 1));
      const runs = [x0 * h + y0];
      for (let c = 0; c < bw; c++) runs.push(bh, c === bw - 1 ? h * w - (x0 + bw) * h + (h - y0 - bh) : h - bh);
      seg = JSON.stringify({ size: [h, w], counts: countsToString(Uint32Array.from(runs)) });
      area = bw * bh;
      box = [x0, y0, bw, bh];
      crowd = 1;
    } else {
      const parts = rand() < 0.05 ? 2 : 1;
      const polys: string[] = [];
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      area = 0;
      for (let p = 0; p < parts; p++) {
        const r = Math.exp(Math.log(4) + rand() * Math.log(Math.min(h, w) / 2 / 4));
        const cx = r + rand() * (w - 2 * r), cy = r + rand() * (h - 2 * r);
        const n = 8 + Math.floor(rand() * 72);
        const xy: string[] = [];
        let px = 0, py = 0, fx = 0, fy = 0;
        for (let i = 0; i < n; i++) {
          const a = (i / n) * 2 * Math.PI, rr = r * (0.6 + 0.4 * rand());
          const x = Math.min(w, Math.max(0, cx + rr * Math.cos(a))), y = Math.min(h, Math.max(0, cy + rr * Math.sin(a)));
          const xs = x.toFixed(2), ys = y.toFixed(2);
          xy.push(xs, ys);
          const X = Number(xs), Y = Number(ys);
          if (i === 0) (fx = X, fy = Y);
          else area += px * Y - X * py;
          (px = X, py = Y);
          x0 = Math.min(x0, X), y0 = Math.min(y0, Y), x1 = Math.max(x1, X), y1 = Math.max(y1, Y);
        }
        area += px * fy - fx * py;
        polys.push(`[${xy.join(', ')}]`);
      }
      seg = `[${polys.join(', ')}]`;
      area = Math.abs(area) / 2;
      box = [x0, y0, x1 - x0, y1 - y0].map((v) => Number(v.toFixed(2)));
    }
    out(`${k ? ', ' : ''}{"area": ${Number(area.toFixed(2))}, "id": ${k + 1}, "segmentation": ${seg}, "image_id": ${img + 1}, "bbox": [${box.join(', ')}], "category_id": ${cat}${crowd ? ', "iscrowd": 1' : ''}}`);
  }
  out('], "images": [');
  for (let i = 0; i < nImages; i++) {
    const [h, w] = sizes[i]!;
    const neg = Array.from({ length: Math.floor(rand() * 8) }, () => 1 + Math.floor(rand() * nCategories));
    const name = String(i + 1).padStart(12, '0');
    out(`${i ? ', ' : ''}{"date_captured": "2013-11-14 11:18:45", "neg_category_ids": [${neg.join(', ')}], "id": ${i + 1}, "license": ${1 + (i % 8)}, "height": ${h}, "width": ${w}, "flickr_url": "http://farm1.staticflickr.com/1/${name}_z.jpg", "coco_url": "http://images.cocodataset.org/train2017/${name}.jpg", "not_exhaustive_category_ids": []}`);
  }
  out('], "licenses": [{"url": "http://creativecommons.org/licenses/by/2.0/", "id": 1, "name": "Attribution License"}], "categories": [');
  for (let c = 1; c <= nCategories; c++) {
    out(`${c > 1 ? ', ' : ''}{"frequency": "${'rcf'[c % 3]}", "id": ${c}, "synset": "thing_${c}.n.01", "image_count": ${c * 7}, "instance_count": ${c * 11}, "synonyms": ["thing_${c}"], "def": "a synthetic category number ${c}", "name": "thing_${c}"}`);
  }
  out(']}\n');
  writeSync(fd, buf.join(''));
  closeSync(fd);
  spawnSync('mv', [path + '.part', path]);
}

/** The LVIS-shaped file of `scale` in the cache dir, generated (seeded) when missing. */
export function lvisFile(scale: number): string {
  mkdirSync(cacheDir, { recursive: true });
  const input = join(cacheDir, `lvis-shaped-${scale}.json`);
  if (!existsSync(input)) {
    const t = performance.now();
    generate(input, scale);
    console.log(`generated ${input} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  return input;
}

/** The Python a user would run for the LVIS-shaped file (COCO polygons → COCO RLE), measured; undefined when pycocotools cannot be built. */
export function pythonConvert(input: string, output: string): Measured {
  const py = buildPycocotools();
  if (!py.dir) return { wall: NaN, cpu: NaN, rss: NaN, ok: false, ...(py.why === undefined ? {} : { note: py.why }) };
  const script = join(cacheDir, 'lvis_to_rle.py');
  writeFileSync(script, PY_CONVERT);
  return measure([python, script, input, output, py.dir], repo);
}

const PY_CONVERT = `
import json, sys
sys.path.insert(0, sys.argv[3])
from pycocotools import mask as maskUtils
src, dst = sys.argv[1], sys.argv[2]
with open(src) as f:
    d = json.load(f)
imgs = {im['id']: im for im in d['images']}
for ann in d['annotations']:
    im = imgs[ann['image_id']]
    h, w = im['height'], im['width']
    # pycocotools COCO.annToRLE
    segm = ann['segmentation']
    if isinstance(segm, list):
        rle = maskUtils.merge(maskUtils.frPyObjects(segm, h, w))
    elif isinstance(segm['counts'], list):
        rle = maskUtils.frPyObjects(segm, h, w)
    else:
        rle = segm
    if isinstance(rle['counts'], bytes):
        rle['counts'] = rle['counts'].decode('ascii')
    ann['segmentation'] = rle
with open(dst, 'w') as f:
    json.dump(d, f)
`;

/** Builds pycocotools' C extension into the cache dir (never into the repo); returns its dir or why not. */
export function buildPycocotools(): { dir?: string; why?: string } {
  const dir = join(cacheDir, 'pycocotools');
  if (existsSync(join(dir, 'PythonAPI', '.built'))) return { dir: join(dir, 'PythonAPI') };
  if (!existsSync(join(oracle, 'PythonAPI', 'setup.py'))) return { why: `no cocoapi sources at ${oracle}` };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(oracle, 'PythonAPI'), join(dir, 'PythonAPI'), { recursive: true });
  cpSync(join(oracle, 'common'), join(dir, 'common'), { recursive: true });
  const r = spawnSync(python, ['setup.py', 'build_ext', '--inplace'], { cwd: join(dir, 'PythonAPI'), encoding: 'utf8' });
  if (r.status !== 0) return { why: `pycocotools build failed: ${(r.stderr || r.stdout || String(r.error)).slice(-400)}` };
  writeFileSync(join(dir, 'PythonAPI', '.built'), '');
  return { dir: join(dir, 'PythonAPI') };
}

export interface Measured { wall: number; cpu: number; rss: number; ok: boolean; note?: string }

/** Runs a command under /usr/bin/time -v: wall seconds and peak RSS in bytes. */
export function measure(cmd: string[], cwd: string): Measured {
  const r = spawnSync('/usr/bin/time', ['-v', ...cmd], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  return timeReport(r.stderr ?? '');
}

/** Commands started together, each under /usr/bin/time -v (what two independent processes get from the machine). */
export async function measureTogether(cmds: string[][], cwd: string): Promise<Measured[]> {
  return Promise.all(cmds.map((cmd) => new Promise<Measured>((done) => {
    const child = spawn('/usr/bin/time', ['-v', ...cmd], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-1 << 16)));
    child.on('close', () => done(timeReport(err)));
  })));
}

/** What /usr/bin/time -v printed, read. */
function timeReport(err: string): Measured {
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1] ?? NaN) * 1024;
  const m = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(err);
  const wall = m ? Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) : NaN;
  const cpu = Number(/User time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? NaN) + Number(/System time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? NaN);
  const ok = /Exit status: 0/.test(err);
  return { wall, cpu, rss, ok, ...(ok ? {} : { note: err.split('\n').filter((l) => !/^\t/.test(l)).slice(-6).join(' ').slice(0, 300) }) };
}

/**
 * The command line as users run it: the built JavaScript (packages/cli/dist, what npm installs),
 * rebuilt first when a source is newer (tsc -b is incremental). `RLEKIT_BENCH_TSX=1` runs the
 * TypeScript sources through tsx instead (about 1.5 s more per run, for transpiling).
 */
export function cliCommand(): string[] {
  if (process.env.RLEKIT_BENCH_TSX === '1') return ['node', '--conditions=source', '--import', 'tsx', 'packages/cli/src/bin.ts'];
  if (!builtCli && stale()) {
    console.error('building (pnpm build): a source is newer than its dist/');
    const r = spawnSync('pnpm', ['-s', 'build'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`pnpm build failed: ${(r.stderr ?? '').slice(-400)}`);
    builtCli = true;
  }
  return ['node', 'packages/cli/dist/bin.js'];
}
let builtCli = false;

/** Whether some package's src/ has a file newer than its dist/index.js (or has no dist). */
function stale(): boolean {
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  const packages = join(repo, 'packages');
  for (const name of readdirSync(packages)) {
    const src = join(packages, name, 'src'), built = join(packages, name, 'dist', 'index.js');
    if (name === 'bench' || !existsSync(src)) continue;
    if (!existsSync(built) || newest(src) > statSync(built).mtimeMs) return true;
  }
  return false;
}

export async function lvis(argv: string[]): Promise<void> {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const growth = flag('growth');
  if (growth !== undefined) return grow(growth.split(',').map(Number));
  const jobsMemory = flag('jobs-memory');
  if (jobsMemory !== undefined) return memoryPerJob(Number(flag('scale') ?? 1), jobsMemory.split(',').map(Number));
  const scale = Number(flag('scale') ?? 1);
  if (!(scale > 0 && scale <= 4)) throw new Error('--scale takes a number in (0, 4]');
  const only = flag('only')?.split(',');
  mkdirSync(cacheDir, { recursive: true });
  if (argv.includes('--phases')) return phases(scale, Number(flag('jobs') ?? 2), !argv.includes('--runs-only'));
  const input = lvisFile(scale);
  const mb = statSync(input).size / 1e6;
  console.log(`input: ${input}, ${mb.toFixed(0)} MB (scale ${scale}); node ${process.version}; ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores (shared)`);
  const out = (name: string): string => join(cacheDir, `out-${scale}-${name}`);
  const rlekit = [...cliCommand(), 'convert', input, '--from', 'coco', '-q', '--jobs', '1'];
  const runs: [string, () => Measured, string][] = [];
  runs.push(['Python: json.load + pycocotools annToRLE + json.dump', () => pythonConvert(input, out('python.json')), 'python']);
  runs.push(['rlekit convert --to coco --polygons rle', () => measure([...rlekit, '--to', 'coco', '--polygons', 'rle', '-o', out('coco.json')], repo), 'coco']);
  runs.push(['rlekit convert --to coco --polygons rle --jobs 2', () => {
    const m = measure([...rlekit.slice(0, -1), '2', '--to', 'coco', '--polygons', 'rle', '-o', out('coco-jobs2.json')], repo);
    // The point of --jobs: the same bytes as one job.
    if (m.ok && existsSync(out('coco.json')) && spawnSync('cmp', ['-s', out('coco.json'), out('coco-jobs2.json')]).status !== 0) return { ...m, ok: false, note: 'output differs from --jobs 1' };
    return m;
  }, 'coco-jobs2']);
  // On a machine shared with other work wall time says little; the CPU of each shard (a process
  // each) is what bounds the wall time on idle cores: the critical path of --jobs 2 / --shard i/2.
  runs.push(['rlekit --shard 0/2 and 1/2 (two processes) + rlekit merge: critical path = slower shard + merge', () => {
    const parts = [0, 1].map((i) => measure([...rlekit, '--to', 'coco', '--polygons', 'rle', '--shard', `${i}/2`, '-o', out(`coco-shard${i}.json`)], repo));
    const merge = measure([...cliCommand(), 'merge', out('coco-shard0.json'), out('coco-shard1.json'), '-q', '-o', out('coco-merged.json')], repo);
    const same = existsSync(out('coco.json')) ? spawnSync('cmp', ['-s', out('coco.json'), out('coco-merged.json')]).status === 0 : true;
    for (const f of ['coco-shard0.json', 'coco-shard1.json', 'coco-merged.json']) rmSync(out(f), { force: true });
    const ok = parts.every((m) => m.ok) && merge.ok && same;
    console.error(`    shard CPU ${parts.map((m) => m.cpu.toFixed(1)).join(' s, ')} s; merge ${merge.cpu.toFixed(1)} s CPU; peak RSS ${parts.map((m) => (m.rss / 2 ** 30).toFixed(2)).join(', ')} GiB`);
    // Reported as one run whose CPU is the critical path: what 2 idle cores would take.
    return { wall: Math.max(...parts.map((m) => m.wall)) + merge.wall, cpu: Math.max(...parts.map((m) => m.cpu)) + merge.cpu, rss: Math.max(...parts.map((m) => m.rss), merge.rss), ok, ...(ok ? {} : { note: same ? 'a shard failed' : 'merged output differs from one run' }) };
  }, 'coco-shards']);
  runs.push(['rlekit convert --to coco --polygons rle --group-by-image false', () => measure([...rlekit, '--to', 'coco', '--polygons', 'rle', '--group-by-image', 'false', '-o', out('coco-nogroup.json')], repo), 'coco-nogroup']);
  runs.push(['rlekit convert --to kaggle --preset carvana-image-masking (row-major)', () => measure([...rlekit, '--to', 'kaggle', '--preset', 'carvana-image-masking', '-o', out('kaggle.csv')], repo), 'kaggle']);
  runs.push(['rlekit convert --to rlekit-json', () => measure([...rlekit, '--to', 'rlekit-json', '-o', out('rlekit.json')], repo), 'rlekit-json']);
  // rlekit-json read back (streamed, one pass) and written again: the same bytes, one job and two (parts copied by range).
  for (const jobs of ['1', '2']) {
    runs.push([`rlekit convert that rlekit-json --to rlekit-json --jobs ${jobs} (streamed read)`, () => {
      if (!existsSync(out('rlekit.json'))) return { wall: NaN, cpu: NaN, rss: NaN, ok: false, note: 'needs the --to rlekit-json run first' };
      const m = measure([...cliCommand(), 'convert', out('rlekit.json'), '--from', 'rlekit-json', '--to', 'rlekit-json', '-q', '--jobs', jobs, '-o', out(`rlekit-again-${jobs}.json`)], repo);
      const same = spawnSync('cmp', ['-s', out('rlekit.json'), out(`rlekit-again-${jobs}.json`)]).status === 0;
      rmSync(out(`rlekit-again-${jobs}.json`), { force: true });
      return m.ok && !same ? { ...m, ok: false, note: 'output differs from its input' } : m;
    }, 'rlekit-json']);
  }
  const results: [string, Measured][] = [];
  for (const [i, [name, run, id]] of runs.entries()) {
    if (only && !only.includes(id)) continue;
    const m = run();
    results.push([name, m]);
    console.error(`  [${i + 1}/${runs.length}] ${name}: ${m.wall.toFixed(1)} s wall, ${m.cpu.toFixed(1)} s CPU, ${(m.rss / 2 ** 30).toFixed(2)} GiB${m.ok ? '' : ` FAILED ${m.note ?? ''}`}`);
  }
  const base = results.find(([n]) => n.startsWith('Python'))?.[1];
  // CPU seconds (user + sys) are the fair figure on a machine shared with other work; wall is what a user waits.
  console.log(`\n| conversion of the ${mb.toFixed(0)} MB LVIS-shaped file | wall | CPU (user+sys) | MB/s of CPU | peak RSS | CPU vs Python | wall vs Python |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, m] of results) {
    const isBase = name.startsWith('Python');
    const ratio = (a: number, b: number): string => (isBase ? '1' : base && base.ok && m.ok ? `${(a / b).toFixed(2)}× (${(b / a).toFixed(1)}× faster)` : '—');
    if (!m.ok) {
      console.log(`| ${name} | failed: ${m.note ?? ''} | | | ${(m.rss / 2 ** 30).toFixed(2)} GiB | | |`);
      continue;
    }
    console.log(`| ${name} | ${m.wall.toFixed(1)} s | ${m.cpu.toFixed(1)} s | ${(mb / m.cpu).toFixed(1)} | ${(m.rss / 2 ** 30).toFixed(2)} GiB | ${ratio(m.cpu, base?.cpu ?? NaN)} | ${ratio(m.wall, base?.wall ?? NaN)} |`);
  }
  // The issue's goal for --jobs: near-linear on 2 cores (wall ≤ 0.6 × one job's on idle cores).
  const one = results.find(([n]) => n === 'rlekit convert --to coco --polygons rle')?.[1], two = results.find(([n]) => n.endsWith('--jobs 2'))?.[1];
  if (one?.ok && two?.ok) console.log(`\n--jobs 2 against --jobs 1: wall ${(two.wall / one.wall).toFixed(2)}×, CPU ${(two.cpu / one.cpu).toFixed(2)}× (load average ${loadavg().map((l) => l.toFixed(1)).join(', ')})`);
  for (const name of ['python.json', 'coco.json', 'coco-jobs2.json', 'coco-nogroup.json', 'kaggle.csv', 'rlekit.json']) rmSync(out(name), { force: true });
}

/** Peak memory of the COCO conversion with each --jobs, beside the estimate the default --jobs is capped by. */
async function memoryPerJob(scale: number, jobs: number[]): Promise<void> {
  if (!(scale > 0 && scale <= 4) || !jobs.every((j) => Number.isInteger(j) && j > 0)) throw new Error('--jobs-memory takes positive integers, comma-separated, and --scale a number in (0, 4]');
  const { jobsMemoryEstimate, jobsWithinMemory } = await import('../../cli/src/jobs.js');
  mkdirSync(cacheDir, { recursive: true });
  const input = lvisFile(scale);
  const size = statSync(input).size;
  console.log(`input: ${input}, ${(size / 1e6).toFixed(0)} MB; node ${process.version}; ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores (shared); the default takes at most ${jobsWithinMemory(size)} jobs here`);
  const GiB = 2 ** 30;
  const estimate = (n: number): number => jobsMemoryEstimate(size, n) / GiB;
  const out = (n: number): string => join(cacheDir, `out-jobs-memory-${scale}-${n}.json`);
  const rows: string[] = [];
  for (const n of jobs) {
    const m = measure([...cliCommand(), 'convert', input, '--from', 'coco', '-q', '--jobs', String(n), '--to', 'coco', '--polygons', 'rle', '-o', out(n)], repo);
    const same = n === jobs[0] || spawnSync('cmp', ['-s', out(jobs[0]!), out(n)]).status === 0;
    const row = `| ${n} | ${m.ok ? `${m.wall.toFixed(1)} s` : `failed: ${m.note ?? ''}`} | ${m.cpu.toFixed(1)} s | ${(m.rss / GiB).toFixed(2)} GiB | ${estimate(n).toFixed(2)} GiB | ${same ? 'yes' : '**no**'} |`;
    console.error(row);
    rows.push(row);
  }
  for (const n of jobs) rmSync(out(n), { force: true });
  console.log(`\n| --jobs (${(size / 1e6).toFixed(0)} MB → COCO RLE) | wall | CPU (user+sys) | peak RSS | the default's estimate | bytes as the first run's |`);
  console.log('|---:|---:|---:|---:|---:|:-:|');
  for (const r of rows) console.log(r);
}

/** The COCO conversion of the 100 MB, 300 MB, 1 GB (…) files: time and memory against size. */
function grow(scales: number[]): void {
  if (!scales.every((x) => x > 0 && x <= 4)) throw new Error('--growth takes scales in (0, 4], comma-separated');
  mkdirSync(cacheDir, { recursive: true });
  console.log(`node ${process.version}; ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores (shared)`);
  const rows: string[] = [];
  for (const scale of scales) {
    const input = join(cacheDir, `lvis-shaped-${scale}.json`);
    if (!existsSync(input)) generate(input, scale);
    const mb = statSync(input).size / 1e6;
    const output = join(cacheDir, `out-growth-${scale}.json`);
    const m = measure([...cliCommand(), 'convert', input, '--from', 'coco', '-q', '--jobs', '1', '--to', 'coco', '--polygons', 'rle', '-o', output], repo);
    rmSync(output, { force: true });
    const row = m.ok
      ? `| ${mb.toFixed(0)} MB (scale ${scale}) | ${m.wall.toFixed(1)} s | ${m.cpu.toFixed(1)} s | ${(mb / m.wall).toFixed(1)} | ${(mb / m.cpu).toFixed(1)} | ${(m.rss / 2 ** 20).toFixed(0)} MiB |`
      : `| ${mb.toFixed(0)} MB (scale ${scale}) | failed: ${m.note ?? ''} | | | | ${(m.rss / 2 ** 20).toFixed(0)} MiB |`;
    console.error(row);
    rows.push(row);
  }
  console.log('\n| rlekit convert --to coco --polygons rle --jobs 1 | wall | CPU (user+sys) | MB/s (wall) | MB/s (CPU) | peak RSS |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
}
