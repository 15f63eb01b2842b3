import { dialect } from '@rlekit/labelme';
import type { ConformanceProfile } from '../profile.js';

// One LabelMe JSON per image. shapes auto: polygons where Pillow draws them back exactly, mask
// shapes elsewhere (holes, pixels touching at corners), so every mask survives; labels are
// category names, instances are shapes (group_id), not ids. shapes polygon loses holes and
// corner-touching pixels by design, so it is not a conformance profile.
export const profiles: ConformanceProfile[] = [{ name: 'labelme', dialect }];
