/**
 * `pnpm bench read [--scale S]`: streamed read throughput of whole files, in MB of input per
 * second of CPU (user + sys), beside Python reading the same file in the same run. Inputs: the
 * LVIS-shaped COCO file (see lvis.ts; --scale 0.1 is 111 MB), and the same dataset converted
 * once by the built CLI to rlekit-json, to a Kaggle CSV (the iMaterialist preset: one row
 * per instance, column-order runs, height and width columns) and to CVAT XML, all cached in the
 * bench dir. `--only <input>` runs one input's rows (e.g. `--only cvat`). The last column is
 * Python's CPU time for the same file over the row's: how many times faster than Python it reads.
 *
 * Each read runs in its own process (the built packages, as npm installs them), timed inside
 * it around the read alone (module loading excluded): rlekit with `process.cpuUsage()`, Python
 * with `time.process_time()`; both count every thread of the process (GC, file reads).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, cliCommand, lvisFile, python, repo } from './lvis.js';

/** The child: reads `path` as `kind` and prints { cpu, wall, n } (seconds, annotations). */
const NODE_READ = `
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
const [kind, path] = process.argv.slice(1);
// The CLI's file source (stream() and, for a second pass by offsets, range()), as convert reads.
const { fileSource, scratchFile } = await import(new URL('../cli/dist/node-sources.js', 'file://' + process.cwd() + '/').href);
const source = fileSource(path, statSync(path).size);
const core = await import('@rlekit/core');
const coco = await import('@rlekit/coco');
const kaggle = await import('@rlekit/kaggle');
const cvat = await import('@rlekit/cvat');
const json = await import('@rlekit/core/json');
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const t0 = cpu(), w0 = performance.now();
let n = 0, touched = 0;
if (kind === 'scan' || kind === 'scan-json') {
  // The streamed JSON parse alone: the scanner cuts every element of the file's arrays as the
  // chunks arrive; an annotation is parsed from its bytes by the COCO reader's parser (scan) or by
  // JSON.parse of its text (scan-json), any other element by JSON.parse. No dataset is built.
  const { parseAnnotationBytes } = await import(new URL('../coco/dist/annotation-json.js', 'file://' + process.cwd() + '/').href);
  const scanner = new core.JsonScanner({
    field: (key, k) => (k === 'array' ? 'elements' : 'value'),
    raw: (key) => key === 'annotations',
    element(key, i, v, offset) {
      n++;
      const o = key !== 'annotations' ? v : (kind === 'scan' && parseAnnotationBytes(v)) || core.parseJsonBytes(v, offset, 'COCO JSON');
      touched += o === null ? 0 : 1;
    },
    value() {},
  });
  for await (const chunk of source.stream()) scanner.write(chunk);
  scanner.end();
} else if (kind === 'coco-json' || kind === 'coco-json-file-order') {
  // Grouped, its later windows set aside in a scratch file beside the input, as convert sets them beside its output.
  const s = await coco.readCocoJson(source, kind === 'coco-json', () => scratchFile(dirname(path)));
  for await (const a of s.annotations) (n++, touched += a.segmentation === undefined ? 0 : 1);
} else if (kind === 'coco') {
  const s = await coco.dialect.readStream(source, {}, core.silentContext);
  for await (const a of s.annotations) (n++, touched += a.mask.height);
} else if (kind === 'kaggle') {
  const s = await kaggle.dialect.readStream(source, { preset: 'imaterialist-fashion-2019' }, core.silentContext);
  for await (const a of s.annotations) (n++, touched += a.mask.height);
} else if (kind === 'cvat') {
  const s = await cvat.dialect.readStream(source, {}, core.silentContext);
  for await (const a of s.annotations) (n++, touched += a.mask.height);
} else if (kind === 'rlekit-json') {
  const d = await json.dialect.read(source, {}, core.silentContext);
  for (const a of d.annotations) (n++, touched += a.mask.height);
} else if (kind === 'rlekit-json-stream') {
  const s = await json.dialect.readStream(source, {}, core.silentContext);
  for await (const a of s.annotations) (n++, touched += a.mask.height);
}
console.log(JSON.stringify({ cpu: cpu() - t0, wall: (performance.now() - w0) / 1000, n, touched, rss: process.resourceUsage().maxRSS / 1024 }));
`;

const PY_JSON = `
import json, sys, time
t, w = time.process_time(), time.perf_counter()
with open(sys.argv[1]) as f:
    d = json.load(f)
import resource
print(json.dumps({'cpu': time.process_time() - t, 'wall': time.perf_counter() - w, 'n': len(d['annotations']), 'rss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

// A Kaggle CSV as users read one: csv rows, each RLE string split into start and length arrays
// (the rle_decode snippet of the competitions' notebooks, without painting an image).
const PY_CSV = `
import csv, json, sys, time
import numpy as np
t, w = time.process_time(), time.perf_counter()
n = 0
with open(sys.argv[1], newline='') as f:
    rows = csv.reader(f)
    header = next(rows)
    k = header.index('EncodedPixels')
    for row in rows:
        s = row[k].split()
        starts, lengths = np.asarray(s[0::2], dtype=int), np.asarray(s[1::2], dtype=int)
        n += 1
import resource
print(json.dumps({'cpu': time.process_time() - t, 'wall': time.perf_counter() - w, 'n': n, 'rss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

// CVAT XML as users read one: ElementTree's iterparse (each <image> cleared once read, so memory
// stays bounded), each mask's rle attribute split into a numpy array of run lengths (CVAT's own
// importer splits it on "," and int()s each), without painting a mask.
const PY_CVAT = `
import json, sys, time
import xml.etree.ElementTree as ET
import numpy as np
t, w = time.process_time(), time.perf_counter()
n = 0
for event, el in ET.iterparse(sys.argv[1], events=('end',)):
    if el.tag == 'mask':
        runs = np.asarray(el.get('rle').split(','), dtype=int)
        n += 1
    elif el.tag == 'image':
        el.clear()
import resource
print(json.dumps({'cpu': time.process_time() - t, 'wall': time.perf_counter() - w, 'n': n, 'rss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

export interface Timed { cpu: number; wall: number; n: number; rss?: number; error?: string }

function run(cmd: string[], cwd: string): Timed {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd, encoding: 'utf8', maxBuffer: 1 << 24 });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) return { cpu: NaN, wall: NaN, n: 0, error: (r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-3).join(' ').slice(0, 300) };
  return JSON.parse(last) as Timed;
}

/** A conversion of the COCO file by the built CLI, cached. */
export function converted(input: string, name: string, args: string[]): string {
  const out = join(cacheDir, name);
  if (existsSync(out)) return out;
  const r = spawnSync(cliCommand()[0]!, [...cliCommand().slice(1), 'convert', input, '--from', 'coco', '-q', ...args, '-o', out + '.part'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`making ${name} failed: ${(r.stderr ?? '').slice(-300)}`);
  renameSync(out + '.part', out);
  return out;
}

const benchDir = join(repo, 'packages', 'bench');
/** One read of `path` as `kind` (see NODE_READ) in its own process, timed inside it. */
export const readTimed = (kind: string, path: string): Timed => run(['node', '--input-type=module', '-e', NODE_READ, kind, path], benchDir);
/** Python's json.load of `path`, timed inside its process. */
export const jsonLoadTimed = (path: string): Timed => run([python, '-c', PY_JSON, path], repo);
/** Python reading a Kaggle CSV (csv.reader, each RLE split into numpy arrays) or CVAT XML (iterparse, each rle into numpy) as users do, timed inside its process. */
export const pythonReadTimed = (kind: 'kaggle' | 'cvat', path: string): Timed => run([python, '-c', kind === 'kaggle' ? PY_CSV : PY_CVAT, path], repo);

export async function read(argv: string[]): Promise<void> {
  const i = argv.indexOf('--scale');
  const scale = Number(i >= 0 ? argv[i + 1] : 0.1);
  if (!(scale > 0 && scale <= 4)) throw new Error('--scale takes a number in (0, 4]');
  const input = lvisFile(scale);
  cliCommand(); // builds the packages when a source is newer
  const rlekitJson = converted(input, `lvis-shaped-${scale}.rlekit.json`, ['--to', 'rlekit-json']);
  const csv = converted(input, `lvis-shaped-${scale}.imaterialist.csv`, ['--to', 'kaggle', '--preset', 'imaterialist-fashion-2019']);
  const xml = converted(input, `lvis-shaped-${scale}.cvat.xml`, ['--to', 'cvat']);
  const node = readTimed;
  const py = (script: string, path: string): Timed => run([python, '-c', script, path], repo);
  const rows: [string, string, () => Timed][] = [
    ['COCO, LVIS-shaped', input, () => py(PY_JSON, input)],
    ['', input, () => node('scan-json', input)],
    ['', input, () => node('scan', input)],
    ['', input, () => node('coco-json-file-order', input)],
    ['', input, () => node('coco-json', input)],
    ['', input, () => node('coco', input)],
    ['rlekit-json', rlekitJson, () => py(PY_JSON, rlekitJson)],
    ['', rlekitJson, () => node('rlekit-json', rlekitJson)],
    ['', rlekitJson, () => node('rlekit-json-stream', rlekitJson)],
    ['Kaggle CSV (iMaterialist preset)', csv, () => py(PY_CSV, csv)],
    ['', csv, () => node('kaggle', csv)],
    ['CVAT XML', xml, () => py(PY_CVAT, xml)],
    ['', xml, () => node('cvat', xml)],
  ];
  const what = [
    'Python json.load',
    'rlekit streamed JSON parse alone: core JsonScanner cuts every array element as the chunks arrive, each parsed by JSON.parse (no dataset)',
    'the same, each annotation parsed from its bytes by the COCO reader\'s parser (polygons as Float64Arrays; JSON.parse for anything it does not answer)',
    'rlekit readCocoJson in file order (groupByImage false): both passes, images and categories read, each annotation parsed (polygons as Float64Arrays), no mask',
    'rlekit readCocoJson grouped by image (the default): the same, pass 2 in windows of the file regrouped by image (the later ones set aside in a scratch file, as convert does)',
    'rlekit COCO readStream (as convert reads): the same, and every mask built (polygons rasterised: masks are not lazy)',
    'Python json.load',
    'rlekit-json read: one pass as the file streams in (each annotation parsed alone, its runs read from its bytes; the dataset is held, as read() returns it), every mask built from its runs',
    'rlekit-json readStream (as convert reads it): the same pass, each mask handed on and dropped (bounded memory)',
    'Python csv.reader + each RLE split into numpy start and length arrays',
    'rlekit Kaggle readStream (two passes), every mask built from its runs',
    'Python xml.etree.ElementTree.iterparse (each <image> cleared when read) + each rle split into a numpy array of run lengths',
    'rlekit CVAT readStream (two passes: the file checked well-formed, then each <image> parsed alone), every mask built from its runs and placed in its image',
  ];
  const load = (): string => spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' ');
  console.log(`node ${process.version}; load average ${load()} at the start`);
  const j = argv.indexOf('--only');
  const only = j >= 0 ? (argv[j + 1] ?? '').toLowerCase() : undefined;
  console.log('\n| input | reader | size | CPU (user+sys) | MB/s of CPU | wall | peak RSS | annotations | Python CPU / this |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  let file = '';
  // Each input's first row is Python's: the rows after it are compared with it.
  let pythonCpu = NaN;
  for (const [k, [label, path, go]] of rows.entries()) {
    if (label) file = label;
    if (only !== undefined && !file.toLowerCase().includes(only)) continue;
    const mb = statSync(path).size / 1e6;
    const t = go();
    if (label) pythonCpu = t.error ? NaN : t.cpu;
    const ratio = label || t.error || !(pythonCpu > 0) ? '' : `${(pythonCpu / t.cpu).toFixed(2)}x`;
    const name = label || '';
    if (t.error) console.log(`| ${name} | ${what[k]} | ${mb.toFixed(0)} MB | failed: ${t.error} | | | | | |`);
    else console.log(`| ${name} | ${what[k]} | ${mb.toFixed(0)} MB | ${t.cpu.toFixed(2)} s | ${(mb / t.cpu).toFixed(1)} | ${t.wall.toFixed(2)} s | ${t.rss === undefined ? '' : `${t.rss.toFixed(0)} MiB`} | ${t.n} | ${ratio} |`);
    console.error(`  ${file}: ${what[k]!.split(':')[0]}: ${t.error ? 'failed' : `${t.cpu.toFixed(2)} s CPU, ${(mb / t.cpu).toFixed(1)} MB/s${ratio ? `, ${ratio} Python's` : ''}`}`);
  }
  console.log(`\nload average ${load()} at the end`);
}
