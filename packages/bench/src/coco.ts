import type { BenchRow } from './kit.js';

// The coco dialect's benchmarks; filled in by the coco package's work.
export async function bench(): Promise<BenchRow[]> {
  return [];
}
