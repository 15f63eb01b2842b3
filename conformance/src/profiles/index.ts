import type { ConformanceProfile } from '../profile.js';
import { profiles as json } from './rlekit-json.js';
import { profiles as coco } from './coco.js';
import { profiles as cocoPanoptic } from './coco-panoptic.js';
import { profiles as kaggle } from './kaggle.js';
import { profiles as png } from './png.js';
import { profiles as encord } from './encord.js';
import { profiles as cvat } from './cvat.js';
import { profiles as dicom } from './dicom.js';
import { profiles as labelStudio } from './label-studio.js';
import { profiles as darwin } from './darwin.js';
import { profiles as supervisely } from './supervisely.js';
import { profiles as labelme } from './labelme.js';
import { profiles as yolo } from './yolo.js';

/** Every profile of the matrix; each dialect owns its file beside this one. */
export const allProfiles: ConformanceProfile[] = [...json, ...coco, ...cocoPanoptic, ...kaggle, ...png, ...encord, ...cvat, ...dicom, ...labelStudio, ...darwin, ...supervisely, ...labelme, ...yolo];
