import type { ConformanceProfile } from '../profile.js';

// The coco dialect's entries in the matrix; filled in by the coco package's work.
export const profiles: ConformanceProfile[] = [];
