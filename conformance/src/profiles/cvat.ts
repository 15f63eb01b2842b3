import { dialect } from '@rlekit/cvat';
import type { ConformanceProfile } from '../profile.js';

// CVAT for images 1.1 XML: every instance as a <mask> over its tight box; shapes carry no ids,
// so instance ids come back numbered in order, and labels too (the dialect carries ids only when
// they already are 1, 2, ... and reports the rest; the fixtures' ids are not, in general).
export const profiles: ConformanceProfile[] = [{ name: 'cvat', dialect, capabilities: { instanceIds: false, categoryIds: false, categoryAttributes: false } }];
