import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabelMap } from '@rlekit/core';
import { decodeLabelMap, decodeMask, encodeLabelMap, encodeMask } from '@rlekit/png';
import { fillCase, noiseMask, prng, runCases, saLikeMask, type BenchRow } from './kit.js';
import { cacheDir, python } from './lvis.js';

// Pillow on the same label maps, in the same run: µs per encode (Image.save at its defaults,
// compress_level 6) and decode (Image.open + load + numpy array), best of 5 repeats, in CPU time
// (process_time; Node's side process.cpuUsage): on the shared machine wall time mostly measures
// the other processes.
const PY_PILLOW = `
import io, json, sys, time, timeit
import numpy as np
from PIL import Image
out = {}
for name, h, w, path, mode, n in json.loads(sys.argv[1]):
    a = np.fromfile(path, np.uint8).reshape(h, w)
    if mode == 'P':
        im = Image.frombytes('P', (w, h), a.tobytes())
        im.putpalette([(i * 37) & 255 for i in range(768)])
    else:
        im = Image.fromarray(a, 'L')
    def enc():
        b = io.BytesIO()
        im.save(b, 'PNG')
        return b.getvalue()
    data = enc()
    def dec():
        return np.asarray(Image.open(io.BytesIO(data)))
    out[name] = {
        'encode': min(timeit.repeat(enc, number=n, repeat=5, timer=time.process_time)) / n * 1e6,
        'decode': min(timeit.repeat(dec, number=n, repeat=5, timer=time.process_time)) / n * 1e6,
        'bytes': len(data),
    }
print(json.dumps(out))
`;

/** A 480x640 COCO-like semantic label map: 6 discs of 6 labels on background. */
function cocoLabels(): Uint8Array {
  const h = 480, w = 640, out = new Uint8Array(h * w), rand = prng(11);
  for (let d = 0; d < 6; d++) {
    const cx = rand() * w, cy = rand() * h, r = 20 + rand() * 120, l = 1 + Math.floor(rand() * 20);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) out[y * w + x] = l;
  }
  return out;
}

// PNG → Mask and Mask → PNG on a 1500×2250 SA-1B-like mask (and 50% noise, the worst case), and
// 8-bit label maps beside Pillow.
export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, { bitmap, mask }] of [['SA-1B-like 1500x2250', saLikeMask()], ['noise 1000x1000', noiseMask()]] as const) {
    const mpx = mask.pixels / 1e6;
    const png1 = encodeMask(mask);
    const png8 = encodeMask(mask, { bitDepth: 8 });
    const labels = LabelMap.fromArray(bitmap, mask.size);
    const palette = encodeLabelMap(labels);
    rows.push(
      ...(await runCases(`png ${label}`, [
        fillCase(mask.pixels),
        { name: `encodeMask 1-bit (${(png1.length / 1024).toFixed(0)} KiB)`, work: mpx, unit: 'Mpx', fn: () => encodeMask(mask) },
        { name: 'decodeMask 1-bit', work: mpx, unit: 'Mpx', fn: () => decodeMask(png1) },
        { name: `encodeMask 8-bit (${(png8.length / 1024).toFixed(0)} KiB)`, work: mpx, unit: 'Mpx', fn: () => encodeMask(mask, { bitDepth: 8 }) },
        { name: 'decodeMask 8-bit', work: mpx, unit: 'Mpx', fn: () => decodeMask(png8) },
        { name: 'encodeLabelMap palette', work: mpx, unit: 'Mpx', fn: () => encodeLabelMap(labels) },
        { name: 'decodeLabelMap palette', work: mpx, unit: 'Mpx', fn: () => decodeLabelMap(palette) },
      ])),
    );
  }
  rows.push(...pillowSideBySide());
  return rows;
}

/** One label map in one format, rlekit and Pillow (defaults) in one run: CPU µs per call, best of 5, and PNG sizes. */
export interface PillowComparison {
  map: string;
  pixels: number;
  format: 'palette' | 'gray8';
  encode: number;
  /** Decode into fresh memory each call (`decodeLabelMap(png)`). */
  decode: number;
  /** Decode into one reused label array (`{ into }`), as the png reader decodes a folder. */
  decodeInto: number;
  bytes: number;
  /** Undefined when Pillow could not run. */
  pillow?: { encode: number; decode: number; bytes: number };
}

/** 8-bit label maps, palette and greyscale: rlekit and Pillow (defaults) timed in one run. */
export function pillowCompare(): PillowComparison[] {
  const sa = saLikeMask(), noise = noiseMask();
  const maps: [string, number, number, Uint8Array, number][] = [
    ['COCO-like 480x640 labels', 480, 640, cocoLabels(), 200],
    ['SA-1B-like 1500x2250', 1500, 2250, sa.bitmap, 20],
    ['noise 1000x1000', 1000, 1000, noise.bitmap, 5],
  ];
  mkdirSync(cacheDir, { recursive: true });
  const jobs: unknown[] = [];
  for (const [name, h, w, data, n] of maps) {
    const path = join(cacheDir, `labels-${h}x${w}-${name.split(' ')[0]}.bin`);
    writeFileSync(path, data);
    jobs.push([`${name} P`, h, w, path, 'P', n], [`${name} L`, h, w, path, 'L', n]);
  }
  const r = spawnSync(python, ['-c', PY_PILLOW, JSON.stringify(jobs)], { encoding: 'utf8' });
  const ref = r.status === 0 ? (JSON.parse(r.stdout) as Record<string, { encode: number; decode: number; bytes: number }>) : undefined;
  if (!ref) console.error(`Pillow side skipped: ${(r.stderr || String(r.error)).slice(-300)}`);
  const out: PillowComparison[] = [];
  for (const [name, h, w, data, n] of maps) {
    for (const format of ['palette', 'gray8'] as const) {
      const lm = LabelMap.fromArray(data, { height: h, width: w });
      const png = encodeLabelMap(lm, { format });
      const best = (f: () => unknown): number => {
        let min = Infinity;
        for (let rep = 0; rep < 5; rep++) {
          const t = process.cpuUsage();
          for (let k = 0; k < n; k++) f();
          const c = process.cpuUsage(t);
          min = Math.min(min, (c.user + c.system) / n);
        }
        return min;
      };
      const into = new Uint8Array(h * w);
      const enc = best(() => encodeLabelMap(lm, { format })), dec = best(() => decodeLabelMap(png)), decInto = best(() => decodeLabelMap(png, { into }));
      const p = ref?.[`${name} ${format === 'palette' ? 'P' : 'L'}`];
      out.push({ map: name, pixels: h * w, format, encode: enc, decode: dec, decodeInto: decInto, bytes: png.length, ...(p === undefined ? {} : { pillow: p }) });
    }
  }
  return out;
}

/** pillowCompare as bench rows. */
function pillowSideBySide(): BenchRow[] {
  const vs = (a: number, b: number | undefined): string => (b === undefined ? '' : ` — Pillow ${b.toFixed(0)} µs: ${(b / a).toFixed(2)}× its speed`);
  return pillowCompare().flatMap(({ map, pixels, format, encode: enc, decode: dec, decodeInto: decInto, bytes, pillow: p }) => [
    { group: 'png vs Pillow (CPU, best of 5)', name: `${map}, encode ${format} (${(bytes / 1024).toFixed(1)} KiB${p ? `, Pillow ${(p.bytes / 1024).toFixed(1)} KiB` : ''})${vs(enc, p?.encode)}`, unit: 'Mpx/s', rate: pixels / enc, micros: enc },
    { group: 'png vs Pillow (CPU, best of 5)', name: `${map}, decode ${format} into a reused array${vs(decInto, p?.decode)}`, unit: 'Mpx/s', rate: pixels / decInto, micros: decInto },
    { group: 'png vs Pillow (CPU, best of 5)', name: `${map}, decode ${format} into fresh memory${vs(dec, p?.decode)}`, unit: 'Mpx/s', rate: pixels / dec, micros: dec },
  ]);
}
