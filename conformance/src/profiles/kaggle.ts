import type { MaskDataset } from '@rlekit/core';
import { dialect } from '@rlekit/kaggle';
import type { ConformanceProfile } from '../profile.js';

/** Kaggle files carry no size: give every image's size, keyed by every form its id may take in the file. */
function sizes(written: MaskDataset): Record<string, unknown> {
  const first = written.images[0];
  if (first && written.images.every((i) => i.height === first.height && i.width === first.width)) return { size: `${first.height}x${first.width}` };
  const entries: string[] = [];
  for (const i of written.images) {
    const keys = new Set([String(i.id)]);
    if (i.fileName) keys.add(i.fileName.slice(i.fileName.lastIndexOf('/') + 1));
    for (const k of keys) entries.push(`${k}=${i.height}x${i.width}`);
  }
  return { imageSizes: entries.join(';') };
}

// One instance preset per order; neither has a class column, and both forbid overlapping masks.
const instancePreset = { categories: false, categoryIds: false, categoryNames: false, overlap: false, imageIds: false };

const profile = (preset: string, order: string): ConformanceProfile => ({
  name: `kaggle (${preset}, ${order})`,
  dialect,
  readOptions: (written) => ({ preset, ...sizes(written) }),
  writeOptions: { preset },
  capabilities: instancePreset,
});

export const profiles: ConformanceProfile[] = [profile('airbus-ship-detection', 'col'), profile('sartorius-cell-instance', 'row')];

// The Open Images encoding (HuBMAP Vasculature 2023's header): sizes in the row, labels are category
// names, scores kept, instances kept (overlaps allowed); ids are renumbered and file names become stems.
profiles.push({
  name: 'kaggle (hubmap-hacking-the-human-vasculature)',
  dialect,
  readOptions: () => ({ preset: 'hubmap-hacking-the-human-vasculature' }),
  writeOptions: { preset: 'hubmap-hacking-the-human-vasculature' },
  capabilities: { categoryIds: false, instanceIds: false, imageIds: false, fileNames: false, unusedCategories: false },
});
