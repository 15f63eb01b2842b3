import type { ConformanceProfile } from '../profile.js';

// The cvat dialect's entries in the matrix; filled in by the cvat package's work.
export const profiles: ConformanceProfile[] = [];
