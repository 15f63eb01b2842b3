/**
 * Does a start/length string fit the size it is read with? Kaggle files carry no size, so a
 * transposed `--size 64x48` for 48x64 images decodes without error into shredded masks. The
 * runs themselves say which line length they were written with; this module measures it, for
 * the reader (a warning, or an error unless lenient) and for a future `rlekit detect`.
 *
 * The heuristic (docs/dialects/kaggle.md, "Does the size fit?"):
 * - A blob is a stack of runs, one per line it crosses (a column for column-major presets),
 *   and the next line's run starts about one line length after the previous one: the step
 *   between consecutive runs of a mask is L ± the drift of the blob's edge. Steps within
 *   L/8 of the given line length L support the size; steps within the same distance of the
 *   transposed size's line length L' (the other side) support the transposed size.
 * - Steps of neither kind (gaps between blobs, runs on one line) count for nothing.
 * - The size looks transposed when at least `minSteps` steps support L', four times as many
 *   support L' as L, and they are at least a quarter of all steps (in noise, short steps are
 *   the most common, so a short L' would otherwise win by chance). Sizes with a side under 16
 *   pixels are never judged (too few pixels: a step of a few pixels comes by chance). Sizes whose sides differ by less than max(4, min/16) are never judged: a
 *   blob edge drifting by a row per line already makes such a step (and a transposed square
 *   decodes to the right shape, the one error no start/length string can reveal).
 * - Also reported, as context: runs that cross a line end under L (real masks only do that
 *   when they touch both the last and the first pixel of two lines) and under L'.
 */
import type { Order, Size } from '@rlekit/core';

export interface SizeFit {
  /** Line length the runs were read with: height for column-major, width for row-major. */
  lineLength: number;
  /** The transposed size's line length (the other side). */
  transposedLineLength: number;
  /** Steps between consecutive foreground runs that were measured. */
  steps: number;
  /** Steps within the tolerance of `lineLength`. */
  supportGiven: number;
  /** Steps within the tolerance of `transposedLineLength`. */
  supportTransposed: number;
  /** Foreground runs seen. */
  runs: number;
  /** Runs crossing a line end under `lineLength`, and under `transposedLineLength`. */
  wraps: number;
  wrapsTransposed: number;
}

/** Images with a side shorter than this are never judged (too few pixels to tell chance from a line). */
export const MIN_JUDGED_SIDE = 16;

/** How close to a line length a step must be to support it: L/8, and less than half the gap between the two hypotheses. */
function tolerance(l: number, t: number): number {
  return Math.max(0, Math.min(Math.floor(Math.min(l, t) / 8), Math.floor((Math.abs(l - t) - 1) / 2)));
}

/**
 * Collects the evidence of many masks of one size (all rows of a file read with one `--size`).
 * @example
 * ```ts
 * // A 40-row blob read with the right size, then with a transposed --size.
 * const mask = Mask.fromBitmap(Array.from({ length: 60 * 80 }, (_, i) => (i % 80 > 20 && i % 80 < 50 && i / 80 > 10 && i / 80 < 50 ? 1 : 0)), { height: 60, width: 80 }, 'row');
 * const right = new SizeFitEvidence({ height: 60, width: 80 }, 'row');
 * right.add(mask.runs('row'));
 * right.verdict(); // → 'fits'
 * const transposed = new SizeFitEvidence({ height: 80, width: 60 }, 'row');
 * transposed.add(mask.runs('row'));
 * transposed.verdict(); // → 'transposed'
 * ```
 */
export class SizeFitEvidence {
  readonly size: Size;
  readonly order: Order;
  private readonly l: number;
  private readonly t: number;
  private readonly tol: number;
  /** Whether the two line lengths differ enough to be told apart. */
  readonly judged: boolean;
  private fit: SizeFit;

  constructor(size: Size, order: Order) {
    this.size = { height: size.height, width: size.width };
    this.order = order;
    this.l = order === 'col' ? size.height : size.width;
    this.t = order === 'col' ? size.width : size.height;
    this.tol = tolerance(this.l, this.t);
    // A side under 16 pixels is not judged either: in so few pixels a step of its length is as
    // likely in any mask (a 9x4 mask of 9 random pixels can step by 4 eight times in ten).
    this.judged = Math.min(this.l, this.t) >= MIN_JUDGED_SIDE && Math.abs(this.l - this.t) >= Math.max(4, Math.ceil(Math.min(this.l, this.t) / 16));
    this.fit = { lineLength: this.l, transposedLineLength: this.t, steps: 0, supportGiven: 0, supportTransposed: 0, runs: 0, wraps: 0, wrapsTransposed: 0 };
  }

  /** Adds the canonical runs (alternating background/foreground, in `order`) of one mask: one pass over its runs. */
  add(runs: ArrayLike<number>): void {
    const { l, t, tol } = this;
    const f = this.fit;
    if (!this.judged) return;
    let pos = 0, prev = -1;
    for (let k = 0; k < runs.length; k++) {
      const r = runs[k]!;
      if ((k & 1) === 1 && r > 0) {
        f.runs++;
        const end = pos + r - 1;
        if (Math.floor(pos / l) !== Math.floor(end / l)) f.wraps++;
        if (Math.floor(pos / t) !== Math.floor(end / t)) f.wrapsTransposed++;
        if (prev >= 0) {
          const d = pos - prev;
          f.steps++;
          if (Math.abs(d - l) <= tol) f.supportGiven++;
          else if (Math.abs(d - t) <= tol) f.supportTransposed++;
        }
        prev = pos;
      }
      pos += r;
    }
  }

  get evidence(): SizeFit {
    return { ...this.fit };
  }

  /** `'transposed'` when the runs fit the transposed size far better (see the module comment), else `'fits'`. */
  verdict(minSteps = 8): 'fits' | 'transposed' {
    const f = this.fit;
    return f.supportTransposed >= minSteps && f.supportTransposed >= 4 * f.supportGiven && 4 * f.supportTransposed >= f.steps ? 'transposed' : 'fits';
  }

  /** A sentence for a warning or error: what was measured and what it suggests. */
  describe(): string {
    const f = this.fit;
    const { height: h, width: w } = this.size;
    return `${f.supportTransposed} of ${f.steps} steps between consecutive runs are about ${f.transposedLineLength} pixels, a line of the transposed size ${w}x${h}, and ${f.supportGiven} about ${f.lineLength}, a line of ${h}x${w}; ${f.wraps} of ${f.runs} runs cross a line end at ${h}x${w}, ${f.wrapsTransposed} at ${w}x${h}`;
  }
}

/**
 * The evidence of one mask's runs (canonical, in `order`) about `size`.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap(Array.from({ length: 60 * 80 }, (_, i) => (i % 80 > 20 && i % 80 < 50 && i / 80 > 10 && i / 80 < 50 ? 1 : 0)), { height: 60, width: 80 }, 'row');
 * const fit = sizeFit(mask.runs('row'), { height: 80, width: 60 }, 'row');
 * // Steps between runs match the real line length (80), not the one given (60).
 * fit.supportTransposed > fit.supportGiven; // → true
 * ```
 */
export function sizeFit(runs: ArrayLike<number>, size: Size, order: Order): SizeFit {
  const e = new SizeFitEvidence(size, order);
  e.add(runs);
  return e.evidence;
}
