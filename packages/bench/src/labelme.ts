/**
 * LabelMe: drawing shapes as LabelMe's shape_to_mask does (Pillow's filled polygon and ellipse),
 * here straight into runs, next to Pillow itself (Debian's python3-pil, from labelme.py, drawing
 * on an 8-bit image and converting to the bool array LabelMe returns), and the file writer's
 * cost per mask (polygonize, the exactness check by redrawing, mask shapes where needed).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Mask } from '@rlekit/core';
import { dialect, shapeToMask } from '@rlekit/labelme';
import { prng, runCases, saLikeMask, type BenchRow } from './kit.js';

interface Timing { cpu: number; wall: number }

function measure(fn: () => unknown, budgetMs = 1000): Timing {
  for (let i = 0; i < 3; i++) fn();
  let n = 0, cpu = 0;
  const c0 = process.cpuUsage(), t0 = performance.now();
  do {
    fn();
    n++;
    const c = process.cpuUsage(c0);
    cpu = (c.user + c.system) / 1000;
  } while (cpu < budgetMs || n < 3);
  return { cpu: (cpu * 1000) / n, wall: ((performance.now() - t0) * 1000) / n };
}

/** A star-shaped polygon of `k` float vertices around the image centre (LabelMe clicks are floats). */
function star(k: number, h: number, w: number, seed: number): number[][] {
  const rand = prng(seed);
  return Array.from({ length: k }, (_, i) => {
    const t = (2 * Math.PI * i) / k, r = (0.25 + rand() * 0.2) * Math.min(h, w);
    return [Math.round((w / 2 + r * Math.cos(t)) * 1000) / 1000, Math.round((h / 2 + r * Math.sin(t)) * 1000) / 1000];
  });
}

export async function bench(): Promise<BenchRow[]> {
  const h = 1500, w = 2250, size = { height: h, width: w };
  const shapes = [
    { name: 'polygon, 40 vertices', shape_type: 'polygon', points: star(40, h, w, 1) },
    { name: 'polygon, 400 vertices', shape_type: 'polygon', points: star(400, h, w, 2) },
    { name: 'circle, radius 600', shape_type: 'circle', points: [[1125.5, 750.25], [1725.5, 750.25]] },
  ];
  let pil: { pillow: string; cases: ({ name: string } & Timing)[] } | undefined;
  try {
    pil = JSON.parse(execFileSync('/usr/bin/python3', [fileURLToPath(new URL('./labelme.py', import.meta.url)), JSON.stringify({ height: h, width: w, shapes })]).toString());
  } catch (e) {
    console.error(`labelme: Pillow side not run (${(e as Error).message.split('\n')[0]}); run packages/labelme/scripts/ci-setup.sh`);
  }
  const rows: BenchRow[] = [];
  const mpx = (h * w) / 1e6;
  const fmt = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);
  for (const s of shapes) {
    const t = measure(() => shapeToMask(s, size));
    const p = pil?.cases.find((c) => c.name === s.name);
    const vs = p ? ` — Pillow ${pil!.pillow} ${fmt(p.cpu)} CPU, rlekit ${(p.cpu / t.cpu).toFixed(1)}x faster` : '';
    rows.push({ group: 'labelme', name: `shapeToMask ${s.name} on ${h}x${w}${vs}`, unit: 'Mpx/s', rate: mpx / (t.cpu / 1e6), micros: t.cpu });
  }
  const sa = saLikeMask().mask;
  const file = (mask: Mask) => ({ images: [{ id: 1, fileName: 'a.png', ...mask.size }], categories: [{ id: 1, name: 'x' }], annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }] });
  const written = await dialect.write(file(sa));
  const kinds = (JSON.parse(new TextDecoder().decode(written)) as { shapes: { shape_type: string }[] }).shapes.map((s) => s.shape_type);
  const polygons = kinds.filter((k) => k === 'polygon').length;
  rows.push(...(await runCases(`labelme SA-1B-like 1500x2250 (${polygons} polygons, ${kinds.length - polygons} mask shapes, ${(written.length / 1024).toFixed(0)} KiB)`, [
    { name: 'write (shapes auto)', work: mpx, unit: 'Mpx', fn: () => dialect.write(file(sa)) },
    { name: 'write (shapes mask)', work: mpx, unit: 'Mpx', fn: () => dialect.write(file(sa), { shapes: 'mask' }) },
    { name: 'read', work: mpx, unit: 'Mpx', fn: () => dialect.read(written) },
  ])));
  return rows;
}
