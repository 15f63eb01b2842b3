import { describe, expect, it } from 'vitest';
import {
  countFeatures, Mask, memoryFolder, notCarried, RunBuilder,
  type Annotation, type Category, type Dialect, type DialectCapabilities, type ImageInfo, type MaskDataset, type RleWarning,
} from '@rlekit/core';
import { dialect as json } from '@rlekit/core/json';
import { dialect as coco } from '@rlekit/coco';
import { dialect as kaggle, presets } from '@rlekit/kaggle';
import { dialect as png } from '@rlekit/png';
import { dialect as encord } from '@rlekit/encord';
import { dialect as cvat } from '@rlekit/cvat';
import { dialect as dicom } from '@rlekit/dicom';
import { dialect as labelStudio } from '@rlekit/label-studio';
import { dialect as darwin } from '@rlekit/darwin';
import { dialect as supervisely } from '@rlekit/supervisely';
import { dialect as labelme } from '@rlekit/labelme';

/**
 * Nothing is dropped without a word: one dataset that uses every feature a capability names goes
 * through every writer (each preset and mode), is read back, and what did not come back must have
 * been reported — by the writer or by the generic report from the writer's capabilities, exactly
 * as the CLI combines them — while nothing that came back may be reported as lost.
 */

const size = { height: 12, width: 17 };

function rect(x0: number, y0: number, x1: number, y1: number, extra: [number, number][] = []): Mask {
  const b = new RunBuilder();
  for (let y = 0; y < size.height; y++) {
    for (let x = 0; x < size.width; x++) {
      if ((x >= x0 && x < x1 && y >= y0 && y < y1) || extra.some(([ex, ey]) => ex === x && ey === y)) {
        const i = y * size.width + x;
        b.addInterval(i, i + 1);
      }
    }
  }
  return Mask.fromCanonicalRuns(b.finish(size.height * size.width), size, 'row');
}

/** Ids that no writer would produce by numbering (300, 7, 1001), attributes everywhere, an overlap, an unused category, an empty image. */
export const everyFeature: MaskDataset = {
  images: [
    { id: 7, fileName: 'train/first.jpg', ...size, attributes: { license: 3, coco_url: 'http://images.example/7.jpg' } },
    { id: 42, fileName: 'second.jpg', ...size, attributes: { license: 1 } },
    { id: 99, fileName: 'nothing.jpg', ...size, attributes: { subset: 'val' } },
  ],
  categories: [
    { id: 300, name: 'ship', supercategory: 'vehicle', color: [220, 20, 60] },
    { id: 3, name: 'scratch', supercategory: 'defect' },
    { id: 77, name: 'buoy', supercategory: 'marker' },
  ],
  annotations: [
    { id: 1001, imageId: 7, categoryId: 300, mask: rect(2, 1, 9, 6, [[0, 0]]), score: 0.875, attributes: { note: 'bow' } },
    { id: 1002, imageId: 7, categoryId: 3, mask: rect(6, 4, 13, 10), iscrowd: true },
    { id: 1003, imageId: 42, categoryId: 300, mask: rect(10, 2, 15, 11, [[16, 11]]), score: 0.5 },
  ],
};

type Feature = keyof DialectCapabilities;

interface Writer {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  dialect: Dialect<any, any>;
  write?: Record<string, unknown>;
  read?: Record<string, unknown>;
}

const writers: Writer[] = [
  { name: 'rlekit-json', dialect: json },
  { name: 'coco (instances)', dialect: coco },
  { name: 'coco (results)', dialect: coco, write: { format: 'results' } },
  ...presets.map((p): Writer => ({ name: `kaggle (${p.id})`, dialect: kaggle, write: { preset: p.id, overlapPolicy: 'first' }, read: { preset: p.id, size: `${size.height}x${size.width}` } })),
  { name: 'png (semantic)', dialect: png, write: { mode: 'semantic' }, read: { mode: 'semantic' } },
  { name: 'png (instance)', dialect: png, write: { mode: 'instance' }, read: { mode: 'instance' } },
  { name: 'png (instance, cityscapes)', dialect: png, write: { mode: 'instance', classes: 'cityscapes' }, read: { mode: 'instance', classes: 'cityscapes' } },
  { name: 'png (binary)', dialect: png, write: { mode: 'binary' }, read: { mode: 'binary' } },
  { name: 'png (foreground)', dialect: png, write: { mode: 'foreground' }, read: { mode: 'foreground' } },
  { name: 'encord', dialect: encord },
  { name: 'cvat', dialect: cvat },
  { name: 'dicom', dialect: dicom, write: { contentDateTime: '20260101000000' } },
  { name: 'label-studio', dialect: labelStudio },
  { name: 'darwin', dialect: darwin },
  { name: 'supervisely', dialect: supervisely },
  { name: 'labelme', dialect: labelme },
];

/** Writes as the CLI does (a folder for folder dialects) and reports as the CLI does: the writer's warnings, then the generic report for the rest. */
async function convert(w: Writer, dataset: MaskDataset): Promise<{ back: MaskDataset; warnings: RleWarning[] }> {
  const warnings: RleWarning[] = [];
  const ctx = { warn: (x: RleWarning) => warnings.push(x) };
  let input: Uint8Array | ReturnType<typeof memoryFolder>;
  if (w.dialect.output === 'folder') {
    const files: Record<string, Uint8Array> = {};
    for await (const f of w.dialect.writeFiles!(dataset, w.write ?? {}, ctx)) files[f.path] = f.bytes;
    input = memoryFolder(files);
  } else {
    input = await w.dialect.write(dataset, w.write ?? {}, ctx);
  }
  const reported = new Set(warnings.map((x) => x.capability).filter((c): c is string => c !== undefined));
  warnings.push(...notCarried(countFeatures(dataset), w.dialect.capabilities, w.dialect.id, reported));
  const back = await w.dialect.read(input, w.read ?? {}, { warn: () => {} });
  return { back, warnings };
}

// An image is the same image when its name without folders and extension matches; a writer that
// folds folders into the name (supervisely: train/a.jpg → train_a.jpg) matches by its last part too.
const stem = (s: string): string => {
  const base = s.slice(s.lastIndexOf('/') + 1);
  const bare = base.lastIndexOf('.') > 0 ? base.slice(0, base.lastIndexOf('.')) : base;
  return bare.slice(bare.lastIndexOf('_') + 1);
};
const same = (a: unknown, b: unknown): boolean => String(a) === String(b);

/** Which features of `s` did not survive into `r`, found by matching images and masks (not ids, which may be what was lost). */
export function losses(s: MaskDataset, r: MaskDataset): { lost: Set<Feature>; dropped: Annotation[] } {
  const lost = new Set<Feature>();
  const used = new Set(s.annotations.map((a) => a.imageId));
  const withMasks = s.images.filter((im) => used.has(im.id));
  const imageOf = new Map<ImageInfo, ImageInfo>();
  s.images.forEach((si) => {
    let ri = r.images.find((x) => same(x.id, si.id)) ?? r.images.find((x) => stem(x.fileName ?? String(x.id)) === stem(si.fileName ?? String(si.id)));
    if (ri === undefined && r.images.length === s.images.length) ri = r.images[s.images.indexOf(si)];
    if (ri === undefined && r.images.length === withMasks.length && used.has(si.id)) ri = r.images[withMasks.indexOf(si)];
    if (ri !== undefined) imageOf.set(si, ri);
  });
  for (const si of s.images) {
    const ri = imageOf.get(si);
    if (ri === undefined) {
      lost.add(used.has(si.id) ? 'multipleImages' : 'emptyImages');
      continue;
    }
    if (!same(ri.id, si.id)) lost.add('imageIds');
    if (si.fileName !== undefined && ri.fileName !== si.fileName) lost.add('fileNames');
    for (const [k, v] of Object.entries(si.attributes ?? {})) if (!same(ri.attributes?.[k], v)) lost.add('imageAttributes');
  }
  const sCat = new Map<unknown, Category>(s.categories.map((c) => [c.id, c]));
  const rCat = new Map<unknown, Category>(r.categories.map((c) => [c.id, c]));
  const findCat = (c: Category): Category | undefined => r.categories.find((x) => x.name === c.name) ?? r.categories.find((x) => same(x.id, c.id));
  const matchOf = new Map<Annotation, { r: Annotation; exact: boolean }>();
  const dropped: Annotation[] = [];
  for (const a of s.annotations) {
    const ri = imageOf.get(s.images.find((x) => x.id === a.imageId)!);
    let best: { r: Annotation; exact: boolean } | undefined, most = 0;
    for (const b of r.annotations) {
      if (ri === undefined || !same(b.imageId, ri.id) || b.mask.height !== a.mask.height || b.mask.width !== a.mask.width) continue;
      const o = b.mask.overlap(a.mask);
      // Most of the mask, at least: a mask that gave some pixels to an overlapping one still matches, a neighbour does not.
      if (o.intersection > most && o.intersection * 2 > a.mask.area()) {
        most = o.intersection;
        best = { r: b, exact: o.intersection === o.union };
      }
    }
    if (best === undefined) dropped.push(a);
    else matchOf.set(a, best);
  }
  for (const [a, { r: b }] of matchOf) {
    if (!same(b.id, a.id)) lost.add('instanceIds');
    if (a.score !== undefined && b.score !== a.score) lost.add('scores');
    if (a.iscrowd === true && b.iscrowd !== true) lost.add('crowd');
    for (const [k, v] of Object.entries(a.attributes ?? {})) if (!same(b.attributes?.[k], v)) lost.add('attributes');
    if (a.categoryId === undefined) continue;
    const sc = sCat.get(a.categoryId)!;
    const rc = b.categoryId === undefined ? undefined : rCat.get(b.categoryId);
    if (b.categoryId === undefined || (rc === undefined ? !same(b.categoryId, a.categoryId) : rc.name !== sc.name && !same(rc.id, sc.id))) lost.add('categories');
    if (!same(b.categoryId, a.categoryId)) lost.add('categoryIds');
    if (rc?.name !== sc.name) lost.add('categoryNames');
  }
  // Two masks that overlap come back as two masks, unchanged.
  s.annotations.forEach((a, i) => s.annotations.slice(i + 1).forEach((b) => {
    if (a.imageId !== b.imageId || a.mask.overlap(b.mask).intersection === 0) return;
    const ma = matchOf.get(a), mb = matchOf.get(b);
    // A mask not written at all is reported as such; the overlap is judged on masks that came back.
    if (ma === undefined || mb === undefined) return;
    if (!ma.exact || !mb?.exact || ma.r === mb.r) lost.add('overlap');
  }));
  const usedCats = new Set(s.annotations.map((a) => a.categoryId));
  for (const c of s.categories) {
    const rc = findCat(c);
    if (!usedCats.has(c.id)) {
      if (rc === undefined) lost.add('unusedCategories');
      continue;
    }
    if (c.supercategory !== undefined && rc?.supercategory !== c.supercategory) lost.add('categoryAttributes');
    if (c.color !== undefined && JSON.stringify(rc?.color) !== JSON.stringify(c.color)) lost.add('categoryAttributes');
    for (const [k, v] of Object.entries(c.attributes ?? {})) if (!same(rc?.attributes?.[k], v)) lost.add('categoryAttributes');
  }
  return { lost, dropped };
}

/** The features the warnings account for: a lost category assignment accounts for everything about categories; merged or resolved masks for the overlap. */
function covered(warnings: readonly RleWarning[]): Set<Feature> {
  const out = new Set<Feature>();
  for (const w of warnings) if (w.capability !== undefined) out.add(w.capability as Feature);
  if (out.has('categories')) for (const f of ['categoryIds', 'categoryNames', 'categoryAttributes', 'unusedCategories'] as const) out.add(f);
  if (warnings.some((w) => w.code === 'merged-instances' || w.code === 'overlap-resolved')) out.add('overlap');
  return out;
}

describe('every writer reports every feature it loses, and nothing it carries', () => {
  it('the dataset uses every feature a capability names', () => {
    const c = countFeatures(everyFeature);
    expect(c.imageAttributes).toBe(3);
    expect(c.categoryAttributes).toBe(3);
    expect(c.overlaps).toBe(1);
    expect(c.images - c.imageIds.size).toBe(1);
    expect(c.categoryList.filter((id) => !c.categoryIds.has(id))).toEqual([77]);
  });

  it.each(writers.map((w) => [w.name, w] as const))('%s', async (_name, w) => {
    const { back, warnings } = await convert(w, everyFeature);
    const { lost, dropped } = losses(everyFeature, back);
    const said = covered(warnings);
    const unreported = [...lost].filter((f) => !said.has(f));
    expect(unreported, `lost without a warning; warnings were:\n${warnings.map((x) => `${x.code} [${x.capability ?? ''}] ${x.message}`).join('\n')}`).toEqual([]);
    // What a mask that was not written had (its score, its category) is lost with it: reporting that is honest.
    const gone = new Set<Feature>(lost);
    for (const a of dropped) {
      gone.add('instanceIds');
      if (a.score !== undefined) gone.add('scores');
      if (a.iscrowd === true) gone.add('crowd');
      if (a.attributes !== undefined) gone.add('attributes');
      if (a.categoryId !== undefined) for (const f of ['categories', 'categoryIds', 'categoryNames'] as const) gone.add(f);
    }
    const falselyLost = warnings.filter((x) => x.code === 'not-carried' && x.capability !== undefined && !gone.has(x.capability as Feature)).map((x) => x.message);
    expect(falselyLost, 'reported as lost but carried').toEqual([]);
    // A mask that is not written at all is said too.
    if (dropped.length > 0) expect(warnings.some((x) => x.capability === undefined && (x.count ?? 0) >= 1)).toBe(true);
  });
});
