import type { ConformanceProfile } from '../profile.js';

// The dicom dialect's entries in the matrix; filled in by the dicom package's work.
export const profiles: ConformanceProfile[] = [];
