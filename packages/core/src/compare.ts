/**
 * Comparing two datasets of masks (ground truth and prediction, or two conversions of one file):
 * images matched by id or file name, then per image and category the IoU and Dice of the class
 * unions, instances matched one to one at an IoU threshold, and the competition metrics that
 * average those. Everything is computed on runs.
 */
import { RleError } from './errors.js';
import type { Annotation, Id, ImageInfo, MaskDataset } from './dataset.js';
import { Mask } from './mask.js';

/** Competition metrics: `dice` (mean per image × class), `iou-map` (mean over IoU 0.5…0.95 of TP/(TP+FP+FN)), `f2` (the same with F2), `f0.5-pixels`. */
export type CompareMetric = 'dice' | 'iou-map' | 'f2' | 'f0.5-pixels';

export interface CompareOptions {
  /** How images are paired: by id, by file name, or `auto` (file names when both sides have them all). */
  matchBy?: 'auto' | 'id' | 'fileName';
  /** IoU at which an instance of B matches one of A (default 0.5; a match needs IoU ≥ this). */
  iouThreshold?: number;
  /** Compare categories by name instead of id (two formats that number classes differently). */
  categoriesBy?: 'id' | 'name';
  /** A competition metric to compute as well. */
  metric?: CompareMetric;
}

/** Class-union and instance figures of one category on one image (or summed over many). */
export interface CategoryScores {
  /** The category (its id, or its name with `categoriesBy: 'name'`); undefined for masks without one. */
  category: Id | undefined;
  /** Pixels of A's union, B's union, and their intersection. */
  areaA: number;
  areaB: number;
  intersection: number;
  /** IoU and Dice of the class unions (1 when both are empty). */
  iou: number;
  dice: number;
  /** Instances matched one to one at the threshold (true positives), A's unmatched (false negatives), B's unmatched (false positives). */
  tp: number;
  fn: number;
  fp: number;
  /** Mean IoU of the matched pairs (undefined without a match). */
  meanMatchedIou?: number;
}

export interface ImageComparison {
  a: Id;
  b: Id;
  fileName?: string;
  categories: CategoryScores[];
  /** All categories together. */
  total: CategoryScores;
}

export interface DatasetComparison {
  matchedBy: 'id' | 'fileName';
  iouThreshold: number;
  images: ImageComparison[];
  /** Images of A with no partner in B, and of B with none in A (compared as empty). */
  onlyInA: Id[];
  onlyInB: Id[];
  /** Summed over every image: per category and in total. */
  categories: CategoryScores[];
  total: CategoryScores;
  metric?: { name: CompareMetric; value: number; description: string };
}

interface Pair {
  a?: ImageInfo;
  b?: ImageInfo;
}

function ratio(n: number, d: number): number {
  return d === 0 ? 1 : n / d;
}

function scores(category: Id | undefined, areaA: number, areaB: number, intersection: number, tp: number, fn: number, fp: number, iouSum: number): CategoryScores {
  const union = areaA + areaB - intersection;
  return {
    category, areaA, areaB, intersection,
    iou: ratio(intersection, union), dice: ratio(2 * intersection, areaA + areaB),
    tp, fn, fp, ...(tp > 0 ? { meanMatchedIou: iouSum / tp } : {}),
  };
}

/** Greedy one-to-one matching, highest IoU first (as COCO's evaluation and the Kaggle kernels do). */
function matchInstances(as: Mask[], bs: Mask[]): { iou: number; i: number; j: number }[] {
  const pairs: { iou: number; i: number; j: number }[] = [];
  const boxesB = bs.map((m) => m.bbox());
  as.forEach((ma, i) => {
    const ba = ma.bbox();
    bs.forEach((mb, j) => {
      const bb = boxesB[j]!;
      // Disjoint boxes cannot overlap: skip the run merge.
      if (ba.x >= bb.x + bb.width || bb.x >= ba.x + ba.width || ba.y >= bb.y + bb.height || bb.y >= ba.y + ba.height) return;
      const iou = ma.iou(mb);
      if (iou > 0) pairs.push({ iou, i, j });
    });
  });
  pairs.sort((p, q) => q.iou - p.iou || p.i - q.i || p.j - q.j);
  const usedA = new Uint8Array(as.length), usedB = new Uint8Array(bs.length);
  const out: { iou: number; i: number; j: number }[] = [];
  for (const p of pairs) {
    if (usedA[p.i] || usedB[p.j]) continue;
    usedA[p.i] = 1;
    usedB[p.j] = 1;
    out.push(p);
  }
  return out;
}

function unionOf(masks: Mask[], size: { height: number; width: number }): Mask {
  let u = Mask.empty(size);
  for (const m of masks) u = u.union(m);
  return u;
}

const THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];

/**
 * Compares dataset `b` (for example a prediction) against `a` (the ground truth).
 *
 * @example
 * ```ts
 * // A 4×4 square of truth, and a prediction moved one pixel right and down, on a 6×6 image.
 * const square = (x: number, y: number) => Mask.fromBitmap(Array.from({ length: 36 }, (_, i) => (i % 6 >= x && i % 6 < x + 4 && Math.floor(i / 6) >= y && Math.floor(i / 6) < y + 4 ? 1 : 0)), { height: 6, width: 6 }, 'row');
 * const dataset = (mask: Mask) => ({ images: [{ id: 1, height: 6, width: 6 }], categories: [], annotations: [{ id: 1, imageId: 1, mask }] });
 * const r = compareDatasets(dataset(square(0, 0)), dataset(square(1, 1)), { metric: 'dice' });
 * r.total.intersection; // → 9
 * r.total.iou;          // → 9 / 23
 * r.metric?.value;      // → 0.5625
 * ```
 */
export function compareDatasets(a: MaskDataset, b: MaskDataset, options: CompareOptions = {}): DatasetComparison {
  const threshold = options.iouThreshold ?? 0.5;
  if (!(threshold > 0 && threshold <= 1)) throw new RleError('INVALID_OPTION', 'iouThreshold must be in (0, 1]', { path: ['iouThreshold'], received: String(options.iouThreshold) });
  const byName = options.categoriesBy === 'name';
  const catKey = (d: MaskDataset) => {
    const names = new Map(d.categories.map((c) => [c.id, c.name]));
    return (x: Annotation): Id | undefined => (x.categoryId === undefined ? undefined : byName ? (names.get(x.categoryId) ?? String(x.categoryId)) : x.categoryId);
  };
  const keyA = catKey(a), keyB = catKey(b);
  const allNamed = (d: MaskDataset) => d.images.length > 0 && d.images.every((i) => i.fileName !== undefined);
  const matchBy = options.matchBy === 'id' || options.matchBy === 'fileName' ? options.matchBy : allNamed(a) && allNamed(b) ? 'fileName' : 'id';
  const imageKey = (i: ImageInfo) => (matchBy === 'fileName' ? `f:${i.fileName ?? ''}` : `i:${typeof i.id}:${String(i.id)}`);
  const pairs = new Map<string, Pair>();
  for (const i of a.images) pairs.set(imageKey(i), { a: i });
  for (const i of b.images) {
    const p = pairs.get(imageKey(i));
    if (p) p.b = i;
    else pairs.set(imageKey(i), { b: i });
  }
  const group = (d: MaskDataset) => {
    const m = new Map<Id, Annotation[]>();
    for (const x of d.annotations) {
      const list = m.get(x.imageId);
      if (list) list.push(x);
      else m.set(x.imageId, [x]);
    }
    return m;
  };
  const annA = group(a), annB = group(b);
  // Every category either side uses: an image where both sides leave one empty still counts for
  // the Dice metric (as 1), as Kaggle scores every image × class.
  const used = new Set<Id | undefined>([...a.annotations.map(keyA), ...b.annotations.map(keyB)]);
  if (used.size === 0) used.add(undefined);
  const images: ImageComparison[] = [];
  const onlyInA: Id[] = [], onlyInB: Id[] = [];
  const sums = new Map<Id | undefined, number[]>();
  const perImageMetric: number[] = [];
  const dicePairs: number[] = [];
  for (const p of pairs.values()) {
    if (!p.b) onlyInA.push(p.a!.id);
    if (!p.a) onlyInB.push(p.b!.id);
    const info = (p.a ?? p.b)!;
    if (p.a && p.b && (p.a.height !== p.b.height || p.a.width !== p.b.width)) {
      throw new RleError('SIZE_MISMATCH', `Image ${String(p.a.id)} is ${p.a.height}x${p.a.width} in A and ${p.b.height}x${p.b.width} in B`, { path: ['images', String(p.a.id)] });
    }
    const size = { height: info.height, width: info.width };
    const xs = p.a ? (annA.get(p.a.id) ?? []) : [], ys = p.b ? (annB.get(p.b.id) ?? []) : [];
    const cats = new Map<Id | undefined, { a: Mask[]; b: Mask[] }>();
    for (const x of xs) {
      const k = keyA(x);
      (cats.get(k) ?? cats.set(k, { a: [], b: [] }).get(k)!).a.push(x.mask);
    }
    for (const y of ys) {
      const k = keyB(y);
      (cats.get(k) ?? cats.set(k, { a: [], b: [] }).get(k)!).b.push(y.mask);
    }
    const categories: CategoryScores[] = [];
    const all = { a: [] as Mask[], b: [] as Mask[] };
    let tp = 0, fn = 0, fp = 0, iouSum = 0;
    const matchedIous: number[] = [];
    for (const [k, c] of cats) {
      all.a.push(...c.a);
      all.b.push(...c.b);
      const ua = unionOf(c.a, size), ub = unionOf(c.b, size);
      const { intersection } = ua.overlap(ub);
      const matches = matchInstances(c.a, c.b).filter((m) => m.iou >= threshold);
      const s = scores(k, ua.area(), ub.area(), intersection, matches.length, c.a.length - matches.length, c.b.length - matches.length, matches.reduce((t, m) => t + m.iou, 0));
      categories.push(s);
      dicePairs.push(s.dice);
      tp += s.tp;
      fn += s.fn;
      fp += s.fp;
      iouSum += matches.reduce((t, m) => t + m.iou, 0);
      // For the threshold-averaged metrics: every match above 0.5 (greedy on IoU), per category.
      for (const m of matchInstances(c.a, c.b)) if (m.iou > 0.5) matchedIous.push(m.iou);
      const acc = sums.get(k) ?? [0, 0, 0, 0, 0, 0, 0];
      acc[0]! += s.areaA;
      acc[1]! += s.areaB;
      acc[2]! += s.intersection;
      acc[3]! += s.tp;
      acc[4]! += s.fn;
      acc[5]! += s.fp;
      acc[6]! += s.tp > 0 ? s.meanMatchedIou! * s.tp : 0;
      sums.set(k, acc);
    }
    // Categories empty on both sides score Dice 1 each, without building their empty unions.
    for (const k of used) if (!cats.has(k)) dicePairs.push(1);
    const ua = unionOf(all.a, size), ub = unionOf(all.b, size);
    const total = scores(undefined, ua.area(), ub.area(), ua.overlap(ub).intersection, tp, fn, fp, iouSum);
    images.push({ a: p.a?.id ?? p.b!.id, b: p.b?.id ?? p.a!.id, ...(info.fileName !== undefined ? { fileName: info.fileName } : {}), categories, total });
    if (options.metric === 'iou-map' || options.metric === 'f2') {
      const nA = all.a.length, nB = all.b.length;
      if (nA === 0 && nB === 0) perImageMetric.push(1);
      else {
        let sum = 0;
        for (const t of THRESHOLDS) {
          const hits = matchedIous.filter((v) => v > t).length;
          const miss = nA - hits, extra = nB - hits;
          sum += options.metric === 'f2' ? (5 * hits) / (5 * hits + 4 * miss + extra) : hits / (hits + miss + extra);
        }
        perImageMetric.push(sum / THRESHOLDS.length);
      }
    }
  }
  const categories = [...sums].map(([k, v]) => scores(k, v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!, v[6]!));
  const t = categories.reduce((s, c) => [s[0]! + c.areaA, s[1]! + c.areaB, s[2]! + c.intersection, s[3]! + c.tp, s[4]! + c.fn, s[5]! + c.fp, s[6]! + (c.meanMatchedIou ?? 0) * c.tp], [0, 0, 0, 0, 0, 0, 0]);
  const result: DatasetComparison = {
    matchedBy: matchBy, iouThreshold: threshold, images, onlyInA, onlyInB, categories,
    total: scores(undefined, t[0]!, t[1]!, t[2]!, t[3]!, t[4]!, t[5]!, t[6]!),
  };
  const mean = (xs: number[]) => (xs.length === 0 ? 1 : xs.reduce((s, x) => s + x, 0) / xs.length);
  if (options.metric === 'dice') result.metric = { name: 'dice', value: mean(dicePairs), description: 'mean Dice of the class unions per image × category (1 where both are empty)' };
  else if (options.metric === 'iou-map') result.metric = { name: 'iou-map', value: mean(perImageMetric), description: 'mean over images of TP/(TP+FP+FN) averaged over IoU thresholds 0.5, 0.55, …, 0.95 (1 where both are empty)' };
  else if (options.metric === 'f2') result.metric = { name: 'f2', value: mean(perImageMetric), description: 'mean over images of F2 = 5TP/(5TP+4FN+FP) averaged over IoU thresholds 0.5, 0.55, …, 0.95 (1 where both are empty)' };
  else if (options.metric === 'f0.5-pixels') {
    const tp = result.total.intersection, fp = result.total.areaB - tp, fn = result.total.areaA - tp;
    result.metric = { name: 'f0.5-pixels', value: ratio(1.25 * tp, 1.25 * tp + 0.25 * fn + fp), description: 'F0.5 over all pixels: 1.25·TP / (1.25·TP + 0.25·FN + FP)' };
  }
  return result;
}
