import { dialect } from '@rlekit/darwin';
import type { ConformanceProfile } from '../profile.js';

// One Darwin JSON 2.0 item per image: masks in the slot's raster layer (one value per pixel, so
// overlapping masks are not carried), classes by name. The matrix writes single files: one item
// (several images need a folder, one file per item, as Darwin exports are).
export const profiles: ConformanceProfile[] = [{ name: 'darwin', dialect, capabilities: { multipleImages: false } }];
