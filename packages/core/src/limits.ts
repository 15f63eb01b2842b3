/**
 * Limits that bound work and memory, not just pixels: a 500 KB PNG of stripes or a 20 KB zigzag
 * polygon can ask for hundreds of millions of runs, and a 200-byte COCO file for a 4-gigapixel
 * bitmap. Each check runs before the memory is taken and throws LIMIT_EXCEEDED.
 */
import { RleError } from './errors.js';

/**
 * Default bound on the runs one mask may have (and on all masks one label map yields together):
 * 2^25, 128 MiB of uint32 runs. Real masks have far fewer (a 1500x2250 SA-1B mask has ~6000, a
 * 1000x1000 mask of 50% noise 500k); beyond it a mask is noise or hostile, and its text forms
 * (COCO counts, Kaggle pairs) would pass a gigabyte.
 */
export const DEFAULT_MAX_RUNS = 1 << 25;

/**
 * Runs that builders may still create, shared by several builders when one input yields several
 * masks (the labels of one label map): the bound is on the input's total work.
 * @example
 * ```ts
 * // Two masks of one input share a budget of 3 runs.
 * const budget = new RunBudget(3, 'the label map');
 * budget.take(2);
 * const error = (() => { try { budget.take(2); } catch (e) { return e as RleError; } })();
 * error?.code; // → 'LIMIT_EXCEEDED'
 * ```
 */
export class RunBudget {
  readonly max: number;
  used = 0;
  /** What the error names as the source of the runs, e.g. "the label map". */
  readonly what: string;

  constructor(max: number = DEFAULT_MAX_RUNS, what = 'the mask') {
    if (!(typeof max === 'number' && max >= 0)) {
      throw new RleError('INVALID_OPTION', 'maxRuns must be a non-negative number', { path: ['maxRuns'], expected: 'a number >= 0', received: String(max) });
    }
    this.max = max;
    this.what = what;
  }

  /** Counts `n` more runs; LIMIT_EXCEEDED once the total passes `max`. */
  take(n = 1): void {
    this.used += n;
    if (this.used > this.max) throw tooManyRuns(this.max, this.what);
  }
}

/**
 * LIMIT_EXCEEDED for a mask (or input) that needs more than `max` runs.
 * @example
 * ```ts
 * tooManyRuns(10).code; // → 'LIMIT_EXCEEDED'
 * ```
 */
export function tooManyRuns(max: number, what = 'the mask', received?: number): RleError {
  return new RleError('LIMIT_EXCEEDED', `${what.charAt(0).toUpperCase()}${what.slice(1)} needs more than ${max} runs (maxRuns)`, {
    expected: `at most ${max} runs (a larger maxRuns, if the input is trusted)`,
    ...(received === undefined ? {} : { received: String(received) }),
  });
}

/**
 * The check every writer that paints pixels (PNG, DICOM) makes before it allocates a bitmap:
 * `pixels` (one image, or all frames together) against `maxPixels`.
 * @example
 * ```ts
 * checkPaintPixels(100, 1000, 'the PNG'); // → undefined
 * const error = (() => { try { checkPaintPixels(5000, 1000, 'the PNG'); } catch (e) { return e as RleError; } })();
 * error?.code; // → 'LIMIT_EXCEEDED'
 * ```
 */
export function checkPaintPixels(pixels: number, maxPixels: number, what: string, path: readonly (string | number)[] = []): void {
  if (pixels > maxPixels) {
    throw new RleError('LIMIT_EXCEEDED', `${what} has ${pixels} pixels to paint, more than maxPixels`, { path, expected: `at most ${maxPixels} pixels`, received: String(pixels) });
  }
}
