import { describeValue, RleError, type WarningSink } from './errors.js';
import { DEFAULT_MAX_RUNS, RunBudget } from './limits.js';
import { Mask } from './mask.js';
import { checkSize, RunBuilder, type Size } from './runs.js';

export type LabelArray = Uint8Array | Uint16Array | Uint32Array;

/** How {@link LabelMap.fromMasks} resolves a pixel claimed by several masks. */
export type OverlapPolicy = 'error' | 'first' | 'last' | readonly number[];

/**
 * An H×W integer image, row-major, where each value is a label and 0 is background:
 * semantic maps (label = category) and instance maps (label = instance).
 * @example
 * ```ts
 * // One label per pixel (0: background), row-major.
 * const map = LabelMap.fromArray(Uint8Array.from([0, 1, 1, 2, 0, 1, 2, 2]), { height: 2, width: 4 });
 * map.labels(); // → [1, 2]
 * map.masks().get(2)?.area(); // → 3
 * ```
 */
export class LabelMap {
  readonly height: number;
  readonly width: number;
  readonly data: LabelArray;

  private constructor(data: LabelArray, height: number, width: number) {
    this.data = data;
    this.height = height;
    this.width = width;
  }

  /** Wraps (does not copy) a row-major label array of h*w values. */
  static fromArray(data: LabelArray, size: Size): LabelMap {
    const total = checkSize(size);
    if (!(data instanceof Uint8Array || data instanceof Uint16Array || data instanceof Uint32Array)) {
      throw new RleError('INVALID_BITMAP', 'Label data must be a Uint8Array, Uint16Array or Uint32Array', { received: Object.prototype.toString.call(data) });
    }
    if (data.length !== total) {
      throw new RleError('INVALID_BITMAP', 'Label array length is not height * width', { expected: String(total), received: describeValue(data.length) });
    }
    return new LabelMap(data, size.height, size.width);
  }

  get size(): Size {
    return { height: this.height, width: this.width };
  }

  /**
   * One mask per non-zero label, in ascending label order, found in one pass over the image.
   * `maxRuns` bounds the runs of all masks together (a map of stripes is refused, LIMIT_EXCEEDED).
   */
  masks(options: { maxRuns?: number } = {}): Map<number, Mask> {
    const { data } = this;
    const total = data.length;
    const budget = new RunBudget(options.maxRuns ?? DEFAULT_MAX_RUNS, 'the label map');
    const builders = new Map<number, RunBuilder>();
    let start = 0;
    let label = total > 0 ? data[0]! : 0;
    const close = (end: number): void => {
      if (label === 0) return;
      let b = builders.get(label);
      if (b === undefined) builders.set(label, (b = new RunBuilder(16, budget)));
      b.addInterval(start, end);
    };
    // 8-bit labels at an aligned offset (every decoded or painted map): four pixels a step while
    // they all carry the label of the run (a label map is mostly long runs), one at a time near
    // a change. Other maps one pixel a step.
    const words = data instanceof Uint8Array && (data.byteOffset & 3) === 0 ? new Uint32Array(data.buffer, data.byteOffset, total >>> 2) : undefined;
    if (words !== undefined) {
      const n = words.length;
      let same = Math.imul(label, 0x01010101) >>> 0; // the run's label in all four bytes
      for (let i = 1; i < total; ) {
        if ((i & 3) === 0) {
          let w = i >>> 2;
          while (w < n && words[w] === same) w++;
          i = w << 2;
          if (i >= total) break;
        }
        const v = data[i]!;
        if (v !== label) {
          close(i);
          start = i;
          label = v;
          same = Math.imul(v, 0x01010101) >>> 0;
        }
        i++;
      }
    } else {
      for (let i = 1; i < total; i++) {
        const v = data[i]!;
        if (v !== label) {
          close(i);
          start = i;
          label = v;
        }
      }
    }
    if (total > 0) close(total);
    const out = new Map<number, Mask>();
    for (const l of [...builders.keys()].sort((a, b) => a - b)) {
      out.set(l, Mask.fromCanonicalRuns(builders.get(l)!.finish(total), this.size, 'row'));
    }
    return out;
  }

  /** Distinct non-zero labels, ascending. */
  labels(): number[] {
    const seen = new Set<number>();
    const { data } = this;
    let prev = -1;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v !== prev) {
        if (v !== 0) seen.add(v);
        prev = v;
      }
    }
    return [...seen].sort((a, b) => a - b);
  }

  /**
   * Paints masks into one label image. `overlap` decides pixels claimed twice: `'error'`
   * (default) throws OVERLAP, `'first'`/`'last'` keep the first/last mask given, and a list of
   * labels gives priority (earlier wins; labels not listed lose to listed ones, then 'last').
   * Overlaps that were resolved are reported to `warn`.
   */
  static fromMasks(
    entries: Iterable<readonly [number, Mask]>,
    size: Size,
    options: {
      overlap?: OverlapPolicy;
      warn?: WarningSink;
      /**
       * Paint into this array (cleared first; length height × width, a type that holds the largest
       * label) instead of a new one: a writer painting thousands of images reuses one buffer. The
       * map returned shares it, so it is only good until the caller paints into it again.
       */
      into?: LabelArray;
    } = {},
  ): LabelMap {
    const total = checkSize(size);
    const overlap = options.overlap ?? 'error';
    let list = [...entries];
    let maxLabel = 0;
    for (const [label, mask] of list) {
      if (!Number.isSafeInteger(label) || label <= 0 || label > 0xffffffff) {
        throw new RleError('INVALID_OPTION', 'Labels must be integers from 1 to 2^32-1', { received: describeValue(label) });
      }
      if (mask.height !== size.height || mask.width !== size.width) {
        throw new RleError('SIZE_MISMATCH', `Mask for label ${label} differs in size`, { expected: `${size.height}x${size.width}`, received: `${mask.height}x${mask.width}` });
      }
      if (label > maxLabel) maxLabel = label;
    }
    const into = options.into;
    let data: LabelArray;
    if (into !== undefined) {
      const typed = into instanceof Uint8Array || into instanceof Uint16Array || into instanceof Uint32Array;
      const fits = into instanceof Uint8Array ? maxLabel <= 0xff : into instanceof Uint16Array ? maxLabel <= 0xffff : typed;
      if (!fits || into.length !== total) {
        // The length is read only from a typed array (never from an arbitrary object's getter).
        throw new RleError('INVALID_OPTION', 'The array to paint into does not fit', { path: ['into'], expected: `${total} elements of a type that holds label ${maxLabel}`, received: typed ? `${into.length} elements` : 'not a Uint8Array, Uint16Array or Uint32Array' });
      }
      data = into;
      data.fill(0);
    } else data = maxLabel <= 0xff ? new Uint8Array(total) : maxLabel <= 0xffff ? new Uint16Array(total) : new Uint32Array(total);
    // Paint so that the winner is painted last, and only count conflicts in 'error' mode.
    if (overlap === 'first') list = list.reverse();
    else if (Array.isArray(overlap)) {
      const rank = new Map<number, number>((overlap as readonly number[]).map((l, i) => [l, i]));
      const r = (l: number): number => rank.get(l) ?? Infinity;
      list = list.map((e, i) => [e, i] as const).sort((a, b) => r(b[0][0]) - r(a[0][0]) || a[1] - b[1]).map(([e]) => e);
    } else if (overlap !== 'last' && overlap !== 'error') {
      throw new RleError('INVALID_OPTION', 'Invalid overlap policy', { path: ['overlap'], expected: '"error", "first", "last" or a list of labels', received: describeValue(overlap) });
    }
    let overwritten = 0;
    // 8-bit maps: a run is checked four pixels at a time (a word of zeros claims nothing) and filled at once.
    const dv = data instanceof Uint8Array ? new DataView(data.buffer, data.byteOffset, data.byteLength) : undefined;
    for (const [label, mask] of list) {
      const runs = mask.runsView('row');
      let pos = 0;
      for (let k = 0; k < runs.length; k++) {
        const r = runs[k]!;
        if ((k & 1) === 1 && dv !== undefined) {
          const end = pos + r;
          let i = pos;
          while (i < end) {
            if (i + 4 <= end && dv.getUint32(i, true) === 0) {
              i += 4;
              continue;
            }
            if (data[i] !== 0) {
              if (overlap === 'error') {
                throw new RleError('OVERLAP', `Label ${label} overlaps label ${data[i]} at pixel (${i % size.width}, ${Math.floor(i / size.width)})`, { expected: 'non-overlapping masks, or an overlap policy' });
              }
              overwritten++;
            }
            i++;
          }
          data.fill(label, pos, end);
        } else if ((k & 1) === 1) {
          for (let i = pos, end = pos + r; i < end; i++) {
            if (data[i] !== 0) {
              if (overlap === 'error') {
                throw new RleError('OVERLAP', `Label ${label} overlaps label ${data[i]} at pixel (${i % size.width}, ${Math.floor(i / size.width)})`, { expected: 'non-overlapping masks, or an overlap policy' });
              }
              overwritten++;
            }
            data[i] = label;
          }
        }
        pos += r;
      }
    }
    if (overwritten > 0) {
      options.warn?.({ code: 'overlap-resolved', message: `${overwritten} pixels claimed by several masks were resolved by the "${Array.isArray(overlap) ? 'priority' : overlap}" policy`, count: overwritten });
    }
    return new LabelMap(data, size.height, size.width);
  }
}
