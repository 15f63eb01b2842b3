import { Bench } from 'tinybench';
import { Mask } from '@rlekit/core';

/** One benchmark row: `work` is megapixels (or megabytes) processed per call. */
export interface BenchCase {
  name: string;
  /** Units of work per call, in millions (megapixels or megabytes). */
  work: number;
  unit: 'Mpx' | 'MB';
  fn: () => unknown;
}

export interface BenchRow {
  group: string;
  name: string;
  unit: string;
  /** Millions of units per second. */
  rate: number;
  /** Microseconds per call. */
  micros: number;
}

/** Runs cases with tinybench and reports throughput; the fill baseline goes through the same runner. */
export async function runCases(group: string, cases: BenchCase[], time = 400): Promise<BenchRow[]> {
  const bench = new Bench({ time, warmupTime: 100 });
  for (const c of cases) bench.add(c.name, c.fn);
  await bench.run();
  return bench.tasks.map((t, i) => {
    const c = cases[i]!;
    const mean = (t.result as { latency?: { mean: number } }).latency?.mean ?? NaN; // ms
    return { group, name: c.name, unit: `${c.unit}/s`, rate: c.work / (mean / 1000), micros: mean * 1000 };
  });
}

/** Deterministic PRNG so every run benches the same masks. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 1500×2250 mask of 5 smooth blobs, like an SA-1B annotation: row-major bitmap and Mask. */
export function saLikeMask(): { bitmap: Uint8Array; mask: Mask } {
  const height = 1500, width = 2250;
  const bitmap = new Uint8Array(height * width);
  const rand = prng(1);
  for (let b = 0; b < 5; b++) {
    const cx = 200 + rand() * 1850, cy = 200 + rand() * 1100, rx = 60 + rand() * 250, ry = 60 + rand() * 250;
    for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(height, cy + ry); y++) {
      for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(width, cx + rx); x++) {
        const dx = (x - cx) / rx, dy = (y - cy) / ry, wobble = 1 + 0.08 * Math.sin(7 * Math.atan2(dy, dx));
        if (dx * dx + dy * dy <= wobble * wobble) bitmap[y * width + x] = 1;
      }
    }
  }
  return { bitmap, mask: Mask.fromBitmap(bitmap, { height, width }) };
}

/** A 1000×1000 mask of 50% independent noise: the worst case for run-length codes. */
export function noiseMask(seed = 2): { bitmap: Uint8Array; mask: Mask } {
  const rand = prng(seed);
  const bitmap = Uint8Array.from({ length: 1_000_000 }, () => (rand() < 0.5 ? 1 : 0));
  return { bitmap, mask: Mask.fromBitmap(bitmap, { height: 1000, width: 1000 }) };
}

/** The memory-bandwidth ceiling: filling the same number of bytes. */
export function fillCase(pixels: number): BenchCase {
  const buf = new Uint8Array(pixels);
  return { name: 'Uint8Array.fill (baseline)', work: pixels / 1e6, unit: 'Mpx', fn: () => buf.fill(1) };
}
