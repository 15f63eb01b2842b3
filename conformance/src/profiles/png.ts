import type { ConformanceProfile } from '../profile.js';

// The png dialect's entries in the matrix; filled in by the png package's work.
export const profiles: ConformanceProfile[] = [];
