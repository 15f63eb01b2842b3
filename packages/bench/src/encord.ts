import type { BenchRow } from './kit.js';

// The encord dialect's benchmarks; filled in by the encord package's work.
export async function bench(): Promise<BenchRow[]> {
  return [];
}
