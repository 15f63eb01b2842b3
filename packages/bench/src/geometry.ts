/**
 * Geometry on runs next to OpenCV, measured in one run: polygonize vs findContours(RETR_CCOMP,
 * CHAIN_APPROX_SIMPLE) and components vs connectedComponents (8-connectivity), on the SA-1B-like
 * 1500×2250 mask and 100 COCO-like 480×640 masks; OpenCV runs in /usr/bin/python3 (Debian's
 * python3-opencv, see packages/core/scripts/ci-setup.sh) from geometry.py on the same pixels.
 * A 40000×30000 mask with a few blobs shows the cost following the runs, not the pixels
 * (OpenCV would need a 1.2 GB bitmap: rlekit only).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Mask, components, fillHoles, polygonize, resize } from '@rlekit/core';
import { prng, saLikeMask, type BenchRow } from './kit.js';

/** A 480x640 COCO-like mask: 1-3 discs of log-uniform radius 5..160 (as the coco bench's). */
function cocoLike(seed: number): Uint8Array {
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
  return bits;
}

/** 40000×30000 with 6 elliptic blobs (two with a hole), built from row intervals: no bitmap. */
function hugeMask(): Mask {
  const H = 40000, W = 30000;
  const rand = prng(7);
  const blobs = Array.from({ length: 6 }, (_, i) => ({ cx: 2000 + rand() * 26000, cy: 2000 + rand() * 36000, rx: 300 + rand() * 1500, ry: 300 + rand() * 1500, hole: i < 2 }));
  const starts: number[] = [], lengths: number[] = [];
  for (let y = 0; y < H; y++) {
    const row: [number, number][] = [];
    for (const b of blobs) {
      const dy = (y + 0.5 - b.cy) / b.ry;
      if (dy * dy >= 1) continue;
      const half = b.rx * Math.sqrt(1 - dy * dy);
      const a = Math.max(0, Math.round(b.cx - half)), e = Math.min(W, Math.round(b.cx + half));
      const hy = (y + 0.5 - b.cy) / (b.ry / 3);
      if (b.hole && hy * hy < 1) {
        const hh = (b.rx / 3) * Math.sqrt(1 - hy * hy);
        row.push([a, Math.round(b.cx - hh)], [Math.round(b.cx + hh), e]);
      } else row.push([a, e]);
    }
    row.sort((p, q) => p[0] - q[0]);
    let last = -1;
    for (const [a, e] of row) {
      const s = Math.max(a, last);
      if (e > s) { starts.push(y * W + s); lengths.push(e - s); last = e; }
    }
  }
  return Mask.fromIntervals(starts, lengths, { height: H, width: W }, 'row');
}

export async function bench(): Promise<BenchRow[]> {
  const sa = saLikeMask();
  const coco = Array.from({ length: 100 }, (_, i) => cocoLike(100 + i));
  const cocoMasks = coco.map((b) => Mask.fromBitmap(b, { height: 480, width: 640 }));
  const dir = mkdtempSync(join(tmpdir(), 'rlekit-bench-geometry-'));
  let cv: { opencv: string; threads: number; cases: { name: string; findContours: Timing; connectedComponents: Timing }[] } | undefined;
  try {
    writeFileSync(join(dir, 'sa.u8'), sa.bitmap);
    const all = new Uint8Array(100 * 480 * 640);
    coco.forEach((b, i) => all.set(b, i * 480 * 640));
    writeFileSync(join(dir, 'coco.u8'), all);
    const arg = JSON.stringify([
      { name: 'sa', path: join(dir, 'sa.u8'), height: 1500, width: 2250, count: 1 },
      { name: 'coco', path: join(dir, 'coco.u8'), height: 480, width: 640, count: 100 },
    ]);
    cv = JSON.parse(execFileSync('/usr/bin/python3', [fileURLToPath(new URL('./geometry.py', import.meta.url)), arg]).toString());
  } catch (e) {
    console.error(`geometry: OpenCV side not run (${(e as Error).message.split('\n')[0]}); run packages/core/scripts/ci-setup.sh`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const huge = hugeMask();
  huge.runsView('row');
  const saPx = 1500 * 2250 / 1e6, cocoPx = 480 * 640 / 1e6;
  const rows: BenchRow[] = [];
  const add = (name: string, px: number, t: Timing, vs?: Timing) => {
    const ratio = vs === undefined ? '' : ` — rlekit ${(t.cpu / vs.cpu).toFixed(1)}x faster by CPU, ${(t.wall / vs.wall).toFixed(1)}x by wall`;
    rows.push({ group: 'geometry', name: `${name} [wall ${fmt(t.wall)}]${ratio}`, unit: 'Mpx/s', rate: (px * 1e6) / t.cpu, micros: t.cpu });
  };
  const ours = {
    saPoly: measure(() => polygonize(sa.mask)),
    saComp: measure(() => components(sa.mask)),
    cocoPoly: measure(() => { for (const m of cocoMasks) polygonize(m); }, 100),
    cocoComp: measure(() => { for (const m of cocoMasks) components(m); }, 100),
  };
  add('rlekit polygonize SA-1B-like 1500x2250', saPx, ours.saPoly);
  add('rlekit components SA-1B-like 1500x2250', saPx, ours.saComp);
  add('rlekit polygonize COCO-like 480x640 (per mask, 100 masks)', cocoPx, ours.cocoPoly);
  add('rlekit components COCO-like 480x640 (per mask, 100 masks)', cocoPx, ours.cocoComp);
  if (cv !== undefined) {
    const c = (n: string) => cv!.cases.find((x) => x.name === n)!;
    add(`OpenCV ${cv.opencv} findContours CCOMP/SIMPLE SA-1B-like`, saPx, c('sa').findContours, ours.saPoly);
    add(`OpenCV connectedComponents SA-1B-like (${cv.threads} threads)`, saPx, c('sa').connectedComponents, ours.saComp);
    add('OpenCV findContours CCOMP/SIMPLE COCO-like (per mask)', cocoPx, c('coco').findContours, ours.cocoPoly);
    add('OpenCV connectedComponents COCO-like (per mask)', cocoPx, c('coco').connectedComponents, ours.cocoComp);
  }
  const runs = huge.runsView('row').length;
  add(`rlekit polygonize 40000x30000, 6 blobs (${runs} runs)`, 1200, measure(() => polygonize(huge)));
  add('rlekit components 40000x30000', 1200, measure(() => components(huge)));
  add('rlekit fillHoles 40000x30000', 1200, measure(() => fillHoles(huge)));
  add('rlekit resize 40000x30000 -> 1000x750 (nearest)', 1200, measure(() => resize(huge, { height: 1000, width: 750 })));
  add('rlekit resize 40000x30000 -> 80000x50000 (nearest-exact)', 1200, measure(() => resize(huge, { height: 80000, width: 50000 }, { method: 'nearest-exact' })));
  return rows;
}

interface Timing { cpu: number; wall: number }

const fmt = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);

/**
 * CPU and wall microseconds per call (divided by `per`). CPU time is the figure compared: the
 * bench machine is shared, and both sides are timed the same way (Python: process_time).
 */
function measure(fn: () => unknown, per = 1, budgetMs = 1000): Timing {
  for (let i = 0; i < 3; i++) fn();
  let n = 0;
  const c0 = process.cpuUsage(), t0 = performance.now();
  let cpu = 0;
  do {
    fn();
    n++;
    const c = process.cpuUsage(c0);
    cpu = (c.user + c.system) / 1000;
  } while (cpu < budgetMs || n < 3);
  const wall = performance.now() - t0;
  return { cpu: (cpu * 1000) / n / per, wall: (wall * 1000) / n / per };
}
