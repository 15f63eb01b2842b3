import { Mask } from '@rlekit/core';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { area, countsToString, decode, decodeToBitmap, encode, encodeBitmap, fromPolygons, iou, merge, stringToCounts, toBbox } from '@rlekit/coco';
import { fillCase, noiseMask, prng, runCases, saLikeMask, type BenchRow } from './kit.js';
import { buildPycocotools, cacheDir, cliCommand, python, repo } from './lvis.js';

// pycocotools timed on the same RLEs, in the same run: microseconds per call of each operation,
// as CPU time (time.process_time: user + sys of the process, what a busy machine does not
// inflate as much as wall time) and as wall time, each the best of 9 repeats. Every call goes
// through pycocotools' Python API as a user calls it: area/toBbox/iou/merge take the RLE dicts
// with compressed-string counts and parse them in C (_frString); merge also encodes its result
// into a compressed string (_toString), as rlekit's merge does.
const PY_OPS = `
import json, sys, time, timeit
sys.path.insert(0, sys.argv[2])
from pycocotools import mask as M
d = json.load(open(sys.argv[1]))
A, B, noise = d['A'], d['B'], d['noise']
poly = d['poly']
def best(g, n, timer):
    return min(timeit.repeat(g, number=n, repeat=9, timer=timer)) / n * 1e6
def cyc(f, n):
    k = [0]
    def g():
        i = k[0] = (k[0] + 1) % 100
        return f(i)
    return [best(g, n, time.process_time), best(g, n, time.perf_counter)]
def one(f, n):
    return [best(f, n, time.process_time), best(f, n, time.perf_counter)]
out = {
  'area': cyc(lambda i: M.area(A[i]), 20000),
  'toBbox': cyc(lambda i: M.toBbox(A[i]), 20000),
  'merge': cyc(lambda i: M.merge([A[i], B[i]]), 10000),
  'iou': cyc(lambda i: M.iou([A[i]], [B[i]], [0]), 10000),
  'frPoly': cyc(lambda i: M.frPyObjects([poly], 480, 640), 10000),
  'decodeNoise': one(lambda: M.decode(noise), 10),
  'areaNoise': one(lambda: M.area(noise), 20),
}
print(json.dumps(out))
`;

// rlekit's side of PY_OPS, the same calls on the same JSON, in its own process with the built
// packages (as npm installs them), as Python runs in its own: a process that has run nothing else
// (this one has run the bench's other cases, which V8's feedback and heap remember).
const NODE_OPS = `
import { readFileSync } from 'node:fs';
const { area, toBbox, merge, iou, fromPolygons, decodeToBitmap } = await import('@rlekit/coco');
const { A, B, noise, poly } = JSON.parse(readFileSync(process.argv[1], 'utf8'));
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
function best(g, n) {
  let c = Infinity, w = Infinity;
  for (let r = 0; r < 9; r++) {
    const c0 = cpu(), t0 = performance.now();
    for (let j = 0; j < n; j++) g();
    c = Math.min(c, (cpu() - c0) / n);
    w = Math.min(w, ((performance.now() - t0) * 1000) / n);
  }
  return [c, w];
}
let k = 0;
const cyc = (f, n) => best(() => f((k = (k + 1) % 100)), n);
const noiseOut = new Uint8Array(noise.size[0] * noise.size[1]);
console.log(JSON.stringify({
  area: cyc((i) => area(A[i]), 20000),
  toBbox: cyc((i) => toBbox(A[i]), 20000),
  merge: cyc((i) => merge([A[i], B[i]]), 10000),
  iou: cyc((i) => iou([A[i]], [B[i]], [0]), 10000),
  frPoly: cyc(() => fromPolygons([poly], 480, 640), 10000),
  decodeNoise: best(() => decodeToBitmap(noise, 'col', noiseOut), 10),
  areaNoise: best(() => area(noise), 20),
}));
`;

/** Runs PY_OPS on the RLEs given; µs per call, or undefined (with the reason printed) when pycocotools cannot be built. */
function pycocotoolsOps(input: string): Record<string, [number, number]> | undefined {
  const py = buildPycocotools();
  if (!py.dir) {
    console.error(`pycocotools side skipped: ${py.why}`);
    return undefined;
  }
  const script = join(cacheDir, 'ops.py');
  writeFileSync(script, PY_OPS);
  const r = spawnSync(python, [script, input, py.dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`pycocotools side failed: ${r.stderr.slice(-300)}`);
    return undefined;
  }
  return JSON.parse(r.stdout) as Record<string, [number, number]>;
}

/** Runs NODE_OPS on the RLEs given: µs per call (CPU, wall) of each operation. */
function rlekitOps(input: string): Record<string, [number, number]> {
  // The built packages (rebuilt when a source is newer), or with RLEKIT_BENCH_TSX=1 the sources, as the CLI is run.
  const sources = cliCommand().includes('--conditions=source') ? ['--conditions=source', '--import', 'tsx'] : [];
  const r = spawnSync(process.execPath, [...sources, '--input-type=module', '-e', NODE_OPS, input], { cwd: join(repo, 'packages', 'bench'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rlekit side of the run-level operations failed: ${r.stderr.slice(-300)}`);
  return JSON.parse(r.stdout) as Record<string, [number, number]>;
}

/** A 480x640 COCO-like mask, like the reference's: 1-3 discs of log-uniform radius 5..160. */
function cocoLike(seed: number): Mask {
  const rand = prng(seed);
  const h = 480, w = 640;
  const bits = new Uint8Array(h * w);
  const n = 1 + Math.floor(rand() * 3);
  for (let b = 0; b < n; b++) {
    const cx = 160 + rand() * 320, cy = 120 + rand() * 240, r = Math.exp(Math.log(5) + rand() * Math.log(160 / 5));
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(h, cy + r); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(w, cx + r); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) bits[y * w + x] = 1;
      }
    }
  }
  return Mask.fromBitmap(bits, { height: h, width: w });
}

/** A star-shaped 20-vertex polygon of radius 10..200 at 480x640, like the reference's. */
function star(seed: number): number[] {
  const rand = prng(seed);
  const cx = 200 + rand() * 240, cy = 160 + rand() * 160, r = 10 + rand() * 190;
  const out: number[] = [];
  for (let i = 0; i < 20; i++) {
    const a = (i / 20) * 2 * Math.PI, rr = r * (0.5 + 0.5 * rand());
    out.push(cx + rr * Math.cos(a), cy + rr * Math.sin(a));
  }
  return out;
}

/** The run-level operations timed beside pycocotools: the same RLEs, the same calls, in one run. */
function opsInputs() {
  // 100 mask pairs, cycled, so one lucky mask does not set the figure.
  const A = Array.from({ length: 100 }, (_, i) => encode(cocoLike(100 + i)));
  const B = A.map((r, i) => encode(decode(r).union(cocoLike(300 + i))));
  let k = 0;
  const next = (): number => (k = (k + 1) % 100);
  const poly = star(5);
  const noise = encode(noiseMask().mask);
  const noiseOut = new Uint8Array(1_000_000);
  const ops: { key: string; name: string; work: number; calls: number; fn: () => unknown }[] = [
    { key: 'area', name: 'area (incl. string parse)', work: 0.3072, calls: 20000, fn: () => area(A[next()]!) },
    { key: 'toBbox', name: 'toBbox (incl. string parse)', work: 0.3072, calls: 20000, fn: () => toBbox(A[next()]!) },
    { key: 'merge', name: 'merge of two masks (incl. 2 parses)', work: 0.3072, calls: 10000, fn: () => { const i = next(); return merge([A[i]!, B[i]!]); } },
    { key: 'iou', name: 'iou of two overlapping masks (incl. 2 parses)', work: 0.3072, calls: 10000, fn: () => { const i = next(); return iou([A[i]!], [B[i]!], [0]); } },
    { key: 'frPoly', name: 'frPoly 20-vertex polygon (+ toString)', work: 0.3072, calls: 10000, fn: () => fromPolygons([poly], 480, 640) },
    { key: 'decodeNoise', name: 'decode noise 1000x1000 → column-order bitmap (reused buffer)', work: 1, calls: 10, fn: () => decodeToBitmap(noise, 'col', noiseOut) },
    { key: 'areaNoise', name: 'area of noise 1000x1000 (incl. string parse)', work: 1, calls: 20, fn: () => area(noise) },
  ];
  return { data: { A, B, noise, poly }, ops };
}

/** One run-level operation: µs per call (CPU, and wall), best of 9, rlekit and pycocotools' C code. */
export interface OpsComparison { key: string; name: string; rlekit: { cpu: number; wall: number }; pycocotools?: { cpu: number; wall: number } }

/**
 * pycocotools' C code on the same RLEs, measured in this run, each side in a process of its own
 * (PY_OPS, NODE_OPS) on the same JSON. The machine is shared, and its speed changes for seconds
 * at a time (the same loop runs 1.5× slower in some stretches): both sides are timed in CPU time
 * per call (user + sys; wall time beside it), each the best of 9 repeats of many calls, in
 * `rounds` alternating rounds (Python, rlekit, Python, ...), each side's best round kept, so
 * neither is judged by a slow stretch the other missed.
 */
export function pycocotoolsCompare(rounds = 3): OpsComparison[] {
  const { data, ops } = opsInputs();
  const input = join(cacheDir, 'ops-input.json');
  writeFileSync(input, JSON.stringify(data));
  type Times = Record<string, [number, number]>;
  const best = (a: Times | undefined, b: Times): Times => (a === undefined ? b : Object.fromEntries(Object.entries(a).map(([k, [c, w]]) => [k, [Math.min(c, b[k]![0]), Math.min(w, b[k]![1])]])));
  let theirs: Times | undefined, mine: Times | undefined;
  let pythonRuns = true;
  for (let r = 0; r < rounds; r++) {
    // A failed Python round (the reason printed) ends Python's rounds; those before it count.
    const py = pythonRuns ? pycocotoolsOps(input) : undefined;
    if (py === undefined) pythonRuns = false;
    else theirs = best(theirs, py);
    mine = best(mine, rlekitOps(input));
  }
  const times = (t: [number, number]) => ({ cpu: t[0], wall: t[1] });
  return ops.map((o) => ({ key: o.key, name: o.name, rlekit: times(mine![o.key]!), ...(theirs !== undefined ? { pycocotools: times(theirs[o.key]!) } : {}) }));
}

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, { bitmap, mask }] of [['SA-1B-like 1500x2250', saLikeMask()], ['noise 1000x1000', noiseMask()]] as const) {
    const size = mask.size;
    const mpx = mask.pixels / 1e6;
    const rle = encode(mask);
    const counts = mask.runs('col');
    const out = new Uint8Array(mask.pixels); // preallocated, as the C reference's figures are
    rows.push(
      ...(await runCases(`coco ${label}`, [
        fillCase(mask.pixels),
        { name: 'decode string → row-major bitmap (decodeToBitmap, reused buffer)', work: mpx, unit: 'Mpx', fn: () => decodeToBitmap(rle, 'row', out) },
        { name: 'encode row-major bitmap → string (encodeBitmap)', work: mpx, unit: 'Mpx', fn: () => encodeBitmap(bitmap, size.height, size.width) },
        { name: 'decode(rle).toBitmap(\'row\') (new buffer)', work: mpx, unit: 'Mpx', fn: () => decode(rle).toBitmap('row') },
        { name: 'encode(Mask.fromBitmap(bitmap))', work: mpx, unit: 'Mpx', fn: () => encode(Mask.fromBitmap(bitmap, size)) },
        { name: 'decode string → Mask (column runs)', work: mpx, unit: 'Mpx', fn: () => decode(rle) },
        { name: 'string → counts', work: mpx, unit: 'Mpx', fn: () => stringToCounts(rle.counts) },
        { name: 'counts → string', work: mpx, unit: 'Mpx', fn: () => countsToString(counts) },
      ])),
    );
  }
  const { ops: cases } = opsInputs();
  const ops = await runCases('coco run-level ops (480x640)', cases.map(({ name, work, fn }) => ({ name, work, unit: 'Mpx' as const, fn })));
  const load = (await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ');
  pycocotoolsCompare().forEach(({ rlekit: m, pycocotools: ref }, i) => {
    if (ref === undefined) return;
    ops[i]!.name += ` — CPU µs/call, each side in its own process, best of 3 alternating rounds of 9 repeats: pycocotools ${ref.cpu.toFixed(2)}, rlekit ${m.cpu.toFixed(2)}: ${(ref.cpu / m.cpu).toFixed(2)}× its speed (wall ${ref.wall.toFixed(2)} vs ${m.wall.toFixed(2)} µs: ${(ref.wall / m.wall).toFixed(2)}×; load ${load})`;
  });
  rows.push(...ops);
  return rows;
}
