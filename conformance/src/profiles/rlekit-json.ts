import { dialect } from '@rlekit/core/json';
import type { ConformanceProfile } from '../profile.js';

export const profiles: ConformanceProfile[] = [{ name: 'rlekit-json', dialect }];
