import { dialect } from '@rlekit/png';
import type { ConformanceProfile } from '../profile.js';

// PNG in its two common forms, one PNG per image (the matrix writes single files):
// - binary mask: a 1-bit PNG of the union of an image's masks; no categories, no instances.
// - label map: an 8-bit VOC-palette PNG, label = category id; instances of a category merge, and
//   category names need the folder's labelmap.txt, which a single file cannot hold.
// One PNG: ids, names and labels come from the file, not from the dataset (the writer reports each loss).
const singleFile = { multipleImages: false, instanceIds: false, imageIds: false, fileNames: false, overlap: false, crowd: false };

export const profiles: ConformanceProfile[] = [
  {
    name: 'png (binary mask)',
    dialect,
    readOptions: () => ({ mode: 'foreground' }),
    writeOptions: { mode: 'foreground' },
    capabilities: { ...singleFile, categories: false, categoryNames: false },
    keepsInstances: false,
  },
  {
    name: 'png (label map)',
    dialect,
    readOptions: () => ({ mode: 'semantic' }),
    writeOptions: { mode: 'semantic' },
    capabilities: { ...singleFile, categoryNames: false },
    keepsInstances: false,
  },
];
