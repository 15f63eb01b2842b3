import { RleError, type Dialect } from '@rlekit/core';
import { dialect as json } from '@rlekit/core/json';
import { dialect as coco } from '@rlekit/coco';
import { dialect as kaggle } from '@rlekit/kaggle';
import { dialect as png } from '@rlekit/png';
import { dialect as encord } from '@rlekit/encord';
import { dialect as cvat } from '@rlekit/cvat';
import { dialect as dicom } from '@rlekit/dicom';
import { dialect as labelStudio } from '@rlekit/label-studio';
import { dialect as darwin } from '@rlekit/darwin';
import { dialect as supervisely } from '@rlekit/supervisely';
import { dialect as labelme } from '@rlekit/labelme';
// The matrix's packed form of the panoptic folder (JSON + PNGs in one file): what the seeds are.
import { packed as cocoPanoptic } from '../profiles/coco-panoptic.js';
import { dialect as yolo } from '@rlekit/yolo';

/**
 * A reader that misbehaves on request (its input names how), so tests can show the supervisor
 * classifies each failure; never registered anywhere else.
 */
const selftest = {
  ...json,
  id: 'fuzz-selftest',
  readStream: undefined,
  async read(input: unknown) {
    const how = new TextDecoder().decode(input as Uint8Array);
    if (how === 'hang') for (;;);
    if (how === 'blow-up') {
      const keep: Uint8Array[] = [];
      for (;;) keep.push(new Uint8Array(64 << 20).fill(1));
    }
    if (how === 'crash') process.exit(70);
    if (how === 'untyped') return (undefined as unknown as { images: never }).images;
    throw new RleError('INVALID_TOKEN', 'selftest');
  },
} as unknown as Dialect;

/** Every dialect the fuzzer and the hostile corpus feed, by id. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const dialects: Record<string, Dialect<any, any>> = Object.fromEntries([json, coco, cocoPanoptic, kaggle, png, encord, cvat, dicom, labelStudio, darwin, supervisely, labelme, yolo, selftest].map((d) => [d.id, d]));
