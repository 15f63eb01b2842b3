import { dialect } from '@rlekit/encord';
import type { ConformanceProfile } from '../profile.js';

// One label row per image, bitmask objects over the whole frame; carries everything the fixtures use.
export const profiles: ConformanceProfile[] = [{ name: 'encord', dialect }];
