/**
 * What a dialect's reader keeps while it reads files that name categories by their label
 * (LabelMe, Supervisely, Darwin, ...): the lists of the dataset it builds, a category registry
 * by name, and a count of the shapes of kinds it does not read, to report once at the end.
 */
import type { Annotation, Category, ImageInfo, MaskDataset } from './dataset.js';
import type { WarningSink } from './errors.js';

/**
 * The lists a reader fills, with a category registry by name and a tally of skipped shapes.
 * @example
 * ```ts
 * class Reader extends DatasetBuilder {
 *   read(label: string, mask: Mask): void {
 *     this.annotations.push({ id: this.annotations.length + 1, imageId: 1, categoryId: this.category(label).id, mask });
 *   }
 * }
 * const r = new Reader();
 * r.images.push({ id: 1, height: 1, width: 2 });
 * r.read('leaf', Mask.full({ height: 1, width: 2 }));
 * r.dataset().categories; // → [{ id: 1, name: 'leaf' }]
 * ```
 */
export class DatasetBuilder {
  readonly images: ImageInfo[] = [];
  readonly categories: Category[] = [];
  readonly annotations: Annotation[] = [];
  private readonly categoryByName = new Map<string, Category>();
  private readonly skippedKinds = new Map<string, number>();

  /**
   * The category named `name`, made on first use with the next id (1, 2, ...).
   * @example
   * ```ts
   * const b = new DatasetBuilder();
   * [b.category('leaf').id, b.category('stem').id, b.category('leaf').id]; // → [1, 2, 1]
   * ```
   */
  category(name: string): Category {
    let c = this.categoryByName.get(name);
    if (!c) {
      c = { id: this.categories.length + 1, name };
      this.categoryByName.set(name, c);
      this.categories.push(c);
    }
    return c;
  }

  /** Counts one shape of a kind the reader does not read (a line, a point, a tag). */
  skip(kind: string): void {
    this.skippedKinds.set(kind, (this.skippedKinds.get(kind) ?? 0) + 1);
  }

  /**
   * One `not-carried` warning per skipped kind, worded by `message(kind, count)`, so nothing is
   * dropped silently.
   * @example
   * ```ts
   * const b = new DatasetBuilder();
   * b.skip('line'); b.skip('line'); b.skip('point');
   * const said: string[] = [];
   * b.reportSkipped((w) => said.push(`${w.code} ${w.count}`), (kind, n) => `${n} ${kind} shapes were not read`);
   * said; // → ['not-carried 2', 'not-carried 1']
   * ```
   */
  reportSkipped(warn: WarningSink, message: (kind: string, count: number) => string): void {
    for (const [kind, n] of this.skippedKinds) warn({ code: 'not-carried', message: message(kind, n), count: n });
  }

  /** The dataset built so far. */
  dataset(): MaskDataset {
    return { images: this.images, categories: this.categories, annotations: this.annotations };
  }
}
