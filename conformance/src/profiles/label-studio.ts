import { dialect } from '@rlekit/label-studio';
import type { ConformanceProfile } from '../profile.js';

// One task per image, brush RLE predictions (converter bytes); carries everything the fixtures use.
export const profiles: ConformanceProfile[] = [{ name: 'label-studio', dialect }];
