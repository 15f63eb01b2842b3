import type { ConformanceProfile } from '../profile.js';

// The kaggle dialect's entries in the matrix; filled in by the kaggle package's work.
export const profiles: ConformanceProfile[] = [];
