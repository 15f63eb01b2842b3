import type { Dialect, DialectCapabilities, MaskDataset } from '@rlekit/core';

/**
 * One column/row of the conformance matrix: a dialect with the options that make it
 * self-contained. A dialect may appear more than once (Kaggle: one column-major and one
 * row-major preset; PNG: binary masks and label maps).
 */
export interface ConformanceProfile {
  /** Shown in the table: `coco`, `kaggle (airbus-ship-detection)`, ... */
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  dialect: Dialect<any, any>;
  /** Read options, given the dataset that was written (e.g. Kaggle needs image sizes). */
  readOptions?: (written: MaskDataset) => Record<string, unknown>;
  writeOptions?: Record<string, unknown>;
  /** Where this profile carries less than the dialect's static capabilities (a per-image preset merges instances). */
  capabilities?: Partial<DialectCapabilities>;
  /** False when the profile writes one mask per image and category (semantic), merging instances. */
  keepsInstances?: boolean;
  /**
   * False when the profile's output is not the fixture exactly even where it carries every feature
   * the fixture uses: it adds fields a later writer passes on (COCO panoptic's `isthing` and category
   * colours) or drops empty masks. B's bytes after it are then not compared with B's own encoding.
   */
  exact?: boolean;
}
