import type { BenchRow } from './kit.js';

// The cvat dialect's benchmarks; filled in by the cvat package's work.
export async function bench(): Promise<BenchRow[]> {
  return [];
}
