import { describeValue, RleError } from './errors.js';
import {
  bitmapToRuns, canonicalRuns, checkSize, combineRuns, complementRuns, overlapAreas, placeRowRuns,
  RunBuilder, runsArea, runsBox, runsToBitmap, runsToTransposedBitmap, transposeRuns, unionAllRuns,
  type Order, type Size,
} from './runs.js';

/** A tight pixel box: `x`, `y` of the top-left pixel, and its extent. All zero for an empty mask. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

// Truth tables for combineRuns: bit (2a + b).
const UNION = 0b1110, INTERSECTION = 0b1000, DIFFERENCE = 0b0100, XOR = 0b0110;

/**
 * The one canonical model of a binary segmentation mask: a size and its runs.
 * Immutable. It keeps the runs in the order it was made with and derives the other
 * order (and bitmaps) on demand; derived runs are cached.
 * @example
 * ```ts
 * // A 3×4 mask (height 3, width 4) from a row-major bitmap: row after row.
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * mask.area(); // → 5
 * mask.bbox(); // → { x: 0, y: 0, width: 4, height: 3 }
 * // Runs alternate background and foreground, starting with background.
 * Array.from(mask.runs('row')); // → [1, 2, 1, 2, 5, 1]
 * Array.from(mask.runs('col')); // → [1, 1, 1, 2, 1, 1, 4, 1]
 * mask.transpose().height; // → 4
 * mask.iou(Mask.full({ height: 3, width: 4 })); // → 5 / 12
 * ```
 */
export class Mask {
  readonly height: number;
  readonly width: number;
  #col: Uint32Array | undefined;
  #row: Uint32Array | undefined;
  #area: number | undefined;
  #box: Box | undefined;

  private constructor(height: number, width: number, runs: Uint32Array, order: Order) {
    this.height = height;
    this.width = width;
    if (order === 'col') this.#col = runs;
    else this.#row = runs;
  }

  /** Trusted construction from canonical runs (for codecs that built them with {@link RunBuilder}). */
  static fromCanonicalRuns(runs: Uint32Array, size: Size, order: Order): Mask {
    return new Mask(size.height, size.width, runs, order);
  }

  /**
   * From alternating run lengths starting with background (the first may be 0).
   * Throws INVALID_RUNS for non-integers or negatives, RUNS_SUM_MISMATCH when they do not sum to h*w.
   */
  static fromRuns(runs: ArrayLike<number>, size: Size, order: Order): Mask {
    const total = checkSize(size);
    checkOrder(order);
    return new Mask(size.height, size.width, canonicalRuns(runs, total), order);
  }

  /** From a bitmap of h*w values in `order` (row-major by default); non-zero is foreground. */
  static fromBitmap(data: ArrayLike<number>, size: Size, order: Order = 'row'): Mask {
    const total = checkSize(size);
    checkOrder(order);
    if (data == null || data.length !== total) {
      throw new RleError('INVALID_BITMAP', 'Bitmap length is not height * width', { expected: String(total), received: describeValue(data?.length) });
    }
    return new Mask(size.height, size.width, bitmapToRuns(data, total), order);
  }

  /**
   * From 0-based start/length pairs in `order`. Starts must ascend and intervals must not
   * overlap (touching ones merge); zero lengths are ignored. Throws INVALID_INTERVALS.
   */
  static fromIntervals(starts: ArrayLike<number>, lengths: ArrayLike<number>, size: Size, order: Order): Mask {
    const total = checkSize(size);
    checkOrder(order);
    if (starts.length !== lengths.length) {
      throw new RleError('INVALID_INTERVALS', 'starts and lengths differ in length', { expected: String(starts.length), received: describeValue(lengths.length) });
    }
    const b = new RunBuilder(starts.length * 2 + 2);
    for (let i = 0; i < starts.length; i++) {
      const s = starts[i]!, l = lengths[i]!;
      if (!Number.isSafeInteger(s) || s < 0) throw new RleError('INVALID_INTERVALS', 'Invalid start', { path: ['starts', i], expected: 'a non-negative integer', received: describeValue(s) });
      if (!Number.isSafeInteger(l) || l < 0) throw new RleError('INVALID_INTERVALS', 'Invalid length', { path: ['lengths', i], expected: 'a non-negative integer', received: describeValue(l) });
      if (l === 0) continue;
      if (s + l > total) throw new RleError('INVALID_INTERVALS', 'Interval ends past the last pixel', { path: ['starts', i], expected: `start + length <= ${total}`, received: `${s} + ${l}` });
      if (s < b.position) throw new RleError('INVALID_INTERVALS', 'Interval is out of order or overlaps the previous one', { path: ['starts', i], expected: `start >= ${b.position}`, received: describeValue(s) });
      b.addInterval(s, s + l);
    }
    return new Mask(size.height, size.width, b.finish(total), order);
  }

  /** An all-background mask. */
  static empty(size: Size): Mask {
    const total = checkSize(size);
    return new Mask(size.height, size.width, total === 0 ? new Uint32Array(0) : Uint32Array.of(total), 'col');
  }

  /**
   * The union of masks of one size (an empty mask of `size` when there are none): pairwise unions
   * in a balanced tree, so each run is merged about log2(k) times instead of up to k times, in the
   * order most of the masks already have.
   * @example
   * ```ts
   * const size = { height: 2, width: 3 };
   * const a = Mask.fromBitmap([1, 0, 0, 0, 0, 0], size), b = Mask.fromBitmap([0, 0, 0, 0, 0, 1], size);
   * Mask.unionAll([a, b], size).area(); // → 2
   * ```
   */
  static unionAll(masks: readonly Mask[], size: Size): Mask {
    const total = checkSize(size);
    let cols = 0;
    for (const m of masks) {
      if (!(m instanceof Mask)) throw new RleError('INVALID_STRUCTURE', 'unionAll takes Masks', { received: typeof m });
      if (m.height !== size.height || m.width !== size.width) {
        throw new RleError('SIZE_MISMATCH', 'Masks differ in size', { expected: `${size.height}x${size.width}`, received: `${m.height}x${m.width}` });
      }
      if (m.#col !== undefined) cols++;
    }
    if (masks.length === 0) return Mask.empty(size);
    if (masks.length === 1) return masks[0]!;
    const order: Order = cols * 2 >= masks.length ? 'col' : 'row';
    if (total === 0) return Mask.empty(size);
    return new Mask(size.height, size.width, unionAllRuns(masks.map((m) => m.runsView(order)), total), order);
  }

  /** An all-foreground mask. */
  static full(size: Size): Mask {
    const total = checkSize(size);
    return new Mask(size.height, size.width, total === 0 ? new Uint32Array(0) : Uint32Array.of(0, total), 'col');
  }

  get size(): Size {
    return { height: this.height, width: this.width };
  }

  /** height * width. */
  get pixels(): number {
    return this.height * this.width;
  }

  /** How many run values this mask holds in memory (both orders when both are cached): what keeping it costs. */
  get heldRuns(): number {
    return (this.#row?.length ?? 0) + (this.#col?.length ?? 0);
  }

  /** The runs in `order` without copying: for codecs inside rlekit; never mutate. */
  runsView(order: Order): Uint32Array {
    if (order === 'col') {
      if (this.#col === undefined) this.#col = transposeRuns(this.#row!, this.height, this.width);
      return this.#col;
    }
    if (order === 'row') {
      if (this.#row === undefined) this.#row = transposeRuns(this.#col!, this.width, this.height);
      return this.#row;
    }
    checkOrder(order);
    throw new Error('unreachable');
  }

  /** Canonical runs in `order`: alternating, background first, no zero runs but a leading 0, summing to h*w. A copy. */
  runs(order: Order): Uint32Array {
    return this.runsView(order).slice();
  }

  /** An order whose runs are already at hand (no conversion). */
  private get cachedOrder(): Order {
    return this.#row !== undefined ? 'row' : 'col';
  }

  private sharedOrder(other: Mask): Order {
    if (this.#row !== undefined && other.#row !== undefined) return 'row';
    if (this.#col !== undefined && other.#col !== undefined) return 'col';
    return this.cachedOrder;
  }

  /** A fresh Uint8Array of 0/1 in `order` (row-major by default). */
  toBitmap(order: Order = 'row'): Uint8Array {
    // From the other order, go straight to the bitmap rather than through converted runs.
    if (order === 'row' && this.#row === undefined) return runsToTransposedBitmap(this.#col!, this.width, this.height);
    if (order === 'col' && this.#col === undefined) return runsToTransposedBitmap(this.#row!, this.height, this.width);
    return runsToBitmap(this.runsView(order), this.pixels);
  }

  /** Foreground pixel count, from the runs. */
  area(): number {
    if (this.#area === undefined) this.#area = runsArea(this.runsView(this.cachedOrder));
    return this.#area;
  }

  isEmpty(): boolean {
    return this.area() === 0;
  }

  /** Tight pixel box, from the runs; `{0,0,0,0}` when empty. */
  bbox(): Box {
    if (this.#box === undefined) {
      if (this.#col !== undefined) {
        const [x, y, w, h] = runsBox(this.#col, this.height);
        this.#box = { x, y, width: w, height: h };
      } else {
        const [y, x, h, w] = runsBox(this.#row!, this.width);
        this.#box = { x, y, width: w, height: h };
      }
    }
    return { ...this.#box };
  }

  /** Same size and same pixels. */
  equals(other: Mask): boolean {
    if (this.height !== other.height || this.width !== other.width) return false;
    const order = this.sharedOrder(other);
    const a = this.runsView(order), b = other.runsView(order);
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** The mask mirrored over its main diagonal (size w × h). Free: column runs are the transpose's row runs. */
  transpose(): Mask {
    const m = new Mask(this.width, this.height, this.#col ?? this.runsView('col'), 'row');
    if (this.#row !== undefined) m.#col = this.#row;
    return m;
  }

  private combine(other: Mask, table: number): Mask {
    sameSize(this, other);
    const order = this.sharedOrder(other);
    return new Mask(this.height, this.width, combineRuns(this.runsView(order), other.runsView(order), table, this.pixels), order);
  }

  union(other: Mask): Mask {
    return this.combine(other, UNION);
  }

  intersection(other: Mask): Mask {
    return this.combine(other, INTERSECTION);
  }

  /** Pixels of this mask that are not in `other`. */
  difference(other: Mask): Mask {
    return this.combine(other, DIFFERENCE);
  }

  xor(other: Mask): Mask {
    return this.combine(other, XOR);
  }

  complement(): Mask {
    const order = this.cachedOrder;
    return new Mask(this.height, this.width, complementRuns(this.runsView(order), this.pixels), order);
  }

  /** |a ∩ b| and |a ∪ b| in one sweep over the runs. */
  overlap(other: Mask): { intersection: number; union: number } {
    sameSize(this, other);
    const order = this.sharedOrder(other);
    return overlapAreas(this.runsView(order), other.runsView(order), this.pixels);
  }

  /** Intersection over union; 0 when both are empty. */
  iou(other: Mask): number {
    const { intersection, union } = this.overlap(other);
    return union === 0 ? 0 : intersection / union;
  }

  /** Dice coefficient 2|a∩b| / (|a|+|b|); 0 when both are empty. */
  dice(other: Mask): number {
    const { intersection, union } = this.overlap(other);
    const sum = union + intersection;
    return sum === 0 ? 0 : (2 * intersection) / sum;
  }

  /** The pixels inside `box` as a mask of the box's size; parts of the box outside the mask are background. */
  crop(box: Box): Mask {
    const size = { height: box.height, width: box.width };
    checkSize(size, undefined, ['box']);
    checkInteger(box.x, 'x');
    checkInteger(box.y, 'y');
    return new Mask(size.height, size.width, placeRowRuns(this.runsView('row'), this.width, size.height, size.width, -box.x, -box.y), 'row');
  }

  /** This mask placed into a frame of `size` with its top-left pixel at (x, y); what falls outside is clipped. */
  paste(size: Size, at: { x: number; y: number } = { x: 0, y: 0 }): Mask {
    checkSize(size);
    checkInteger(at.x, 'x');
    checkInteger(at.y, 'y');
    return new Mask(size.height, size.width, placeRowRuns(this.runsView('row'), this.width, size.height, size.width, at.x, at.y), 'row');
  }

  /** Adds background margins. */
  pad(margins: { top?: number; right?: number; bottom?: number; left?: number }): Mask {
    const { top = 0, right = 0, bottom = 0, left = 0 } = margins;
    for (const [k, v] of Object.entries({ top, right, bottom, left })) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RleError('INVALID_OPTION', `Invalid ${k} margin`, { path: [k], expected: 'a non-negative integer', received: describeValue(v) });
    }
    return this.paste({ height: this.height + top + bottom, width: this.width + left + right }, { x: left, y: top });
  }

  toString(): string {
    return `Mask(${this.height}x${this.width}, area ${this.area()})`;
  }
}

function checkOrder(order: unknown): Order {
  if (order !== 'row' && order !== 'col') {
    throw new RleError('INVALID_OPTION', 'Invalid order', { path: ['order'], expected: '"row" or "col"', received: describeValue(order) });
  }
  return order;
}

function checkInteger(v: number, name: string): void {
  if (!Number.isSafeInteger(v)) throw new RleError('INVALID_OPTION', `Invalid ${name}`, { path: [name], expected: 'an integer', received: describeValue(v) });
}

function sameSize(a: Mask, b: Mask): void {
  if (a.height !== b.height || a.width !== b.width) {
    throw new RleError('SIZE_MISMATCH', 'Masks differ in size', { expected: `${a.height}x${a.width}`, received: `${b.height}x${b.width}` });
  }
}
