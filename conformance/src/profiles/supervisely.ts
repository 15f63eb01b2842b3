import { dialect } from '@rlekit/supervisely';
import type { ConformanceProfile } from '../profile.js';

// One Supervisely annotation JSON per image: bitmap objects (tight crop, PNG) named by class.
// A single annotation file does not name its image (the project folder's path does), and an
// empty mask cannot be a bitmap (it is not written, with a warning). Several images need the
// project folder (writeFiles).
export const profiles: ConformanceProfile[] = [{ name: 'supervisely', dialect, capabilities: { fileNames: false, multipleImages: false } }];
