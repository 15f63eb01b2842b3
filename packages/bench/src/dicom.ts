import type { BenchRow } from './kit.js';

// The dicom dialect's benchmarks; filled in by the dicom package's work.
export async function bench(): Promise<BenchRow[]> {
  return [];
}
