import type { ConformanceProfile } from '../profile.js';

// The encord dialect's entries in the matrix; filled in by the encord package's work.
export const profiles: ConformanceProfile[] = [];
