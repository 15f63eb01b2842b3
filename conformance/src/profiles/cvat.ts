import { dialect } from '@rlekit/cvat';
import type { ConformanceProfile } from '../profile.js';

// CVAT for images 1.1 XML: every instance as a <mask> over its tight box; shapes carry no ids,
// so instance ids come back numbered in order (capabilities.instanceIds is false).
export const profiles: ConformanceProfile[] = [{ name: 'cvat', dialect }];
