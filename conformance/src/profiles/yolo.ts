import type { MaskDataset } from '@rlekit/core';
import { dialect } from '@rlekit/yolo';
import type { ConformanceProfile } from '../profile.js';

// One label .txt per image: no size (given back as an option, as the images' headers would give it)
// and no names (data.yaml holds them in a folder; given back as the names option). With
// parts: 'split' every connected part is its own line, which Ultralytics' fillPoly draws back
// exactly (holes included), so pixels survive per image and class but instances do not: a
// multi-part instance becomes several lines. (parts: 'join', the default, keeps one line per
// instance and reports the IoU of what the joins change.) Classes are renumbered 0..n-1.
function readOptions(written: MaskDataset): Record<string, unknown> {
  const image = written.images[0]!;
  return { size: `${image.height}x${image.width}`, names: written.categories.map((c) => c.name).join(',') };
}

export const profiles: ConformanceProfile[] = [{
  name: 'yolo (parts: split)',
  dialect,
  readOptions,
  writeOptions: { parts: 'split' },
  capabilities: { multipleImages: false, fileNames: false, categoryIds: false },
  keepsInstances: false,
}];
