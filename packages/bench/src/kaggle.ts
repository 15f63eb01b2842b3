import type { BenchRow } from './kit.js';

// The kaggle dialect's benchmarks; filled in by the kaggle package's work.
export async function bench(): Promise<BenchRow[]> {
  return [];
}
