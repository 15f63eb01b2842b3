import type { BenchRow } from './kit.js';

// The png dialect's benchmarks; filled in by the png package's work.
export async function bench(): Promise<BenchRow[]> {
  return [];
}
