import { dialect } from '@rlekit/coco';
import type { ConformanceProfile } from '../profile.js';

// COCO instances JSON with compressed RLE strings, and the same with uncompressed counts lists.
export const profiles: ConformanceProfile[] = [
  { name: 'coco', dialect, writeOptions: { rle: 'compressed' } },
  { name: 'coco (uncompressed)', dialect, writeOptions: { rle: 'uncompressed' } },
];
