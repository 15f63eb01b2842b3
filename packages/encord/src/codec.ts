/**
 * Encord's bitmask `rleString`: pycocotools' 6-bit character coding of alternating run lengths
 * (background first), taken over the ROW-major flattening of the whole frame.
 *
 * The coding comes from @rlekit/core (not @rlekit/coco), so this adapter can be used alone.
 */
import { Mask, describeValue, RleError, RunBuilder, checkSize, countsToString, readCountString, type Order, type Size, type WarningSink } from '@rlekit/core';

/** Options of {@link decode}. */
export interface DecodeOptions extends Size {
  /**
   * When false (default), counts summing to less than height * width leave trailing background,
   * as Encord's SDK does; when true that is a RUNS_SUM_MISMATCH error.
   */
  strictSum?: boolean;
  /** Refuse frames larger than this many pixels before decoding (LIMIT_EXCEEDED). */
  maxPixels?: number;
  /** Told when a short string was padded with background. */
  warn?: WarningSink;
}

/** The `bitmask` object of an Encord label row, as the SDK writes it. */
export interface EncordBitmask {
  rleString: string;
  top: number;
  left: number;
  width: number;
  height: number;
}

/** A pycocotools compressed RLE: `size` is [height, width], runs column-major. */
export interface CocoRle {
  size: [number, number];
  counts: string;
}

// The character coding itself is core's (COCO uses it too): these are its names everywhere.
export { countsToString, stringToCounts } from '@rlekit/core';

/** Canonical runs of `counts` over `total` pixels: the shared tail of decode and decodeCoco. */
function countsToRuns(counts: Uint32Array, n: number, total: number, strictSum: boolean, warn: WarningSink | undefined): Uint32Array {
  let sum = 0;
  let canonical = !(n === 1 && counts[0] === 0);
  for (let i = 0; i < n; i++) {
    const c = counts[i]!;
    if (c === 0 && i > 0) canonical = false;
    sum += c;
  }
  if (sum > total || (strictSum && sum < total)) {
    throw new RleError('RUNS_SUM_MISMATCH', sum > total ? 'rleString covers more pixels than the frame' : 'rleString covers fewer pixels than the frame', {
      expected: strictSum ? `runs summing to ${total}` : `runs summing to at most ${total}`,
      received: describeValue(sum),
    });
  }
  if (total === 0) return new Uint32Array(0);
  if (canonical && sum === total) return counts.slice(0, n);
  const b = new RunBuilder(n + 2);
  for (let i = 0; i < n; i++) b.append((i & 1) === 1, counts[i]!);
  const runs = b.finish(total);
  // Said once the counts are read: they may be core's shared scratch buffer, which a warn callback
  // that decodes another string would overwrite.
  if (sum < total) {
    warn?.({ code: 'padded-runs', message: `rleString covers ${sum} of ${total} pixels; the rest was read as background (as Encord's SDK does)`, count: 1 });
  }
  return runs;
}

function decodeString(rleString: string, size: Size, order: Order, options: Omit<DecodeOptions, 'height' | 'width'>): Mask {
  const total = checkSize(size, options.maxPixels);
  if (typeof rleString !== 'string') {
    throw new RleError('INVALID_TOKEN', 'RLE string is not a string', { expected: 'a string', received: typeof rleString });
  }
  // A frame of `total` pixels has at most total + 1 canonical runs; allow as many zero runs
  // again, and refuse more before allocating for them (a long string for a tiny frame).
  const scan = readCountString(rleString, [], 2 * total + 2);
  return Mask.fromCanonicalRuns(countsToRuns(scan.counts, scan.length, total, options.strictSum ?? false, options.warn), size, order);
}

/**
 * Decodes an Encord `rleString` of a `height` × `width` frame (row-major) to a Mask.
 * Malformed strings are RleErrors with the character offset.
 * @example
 * ```ts
 * // Encord's rleString: COCO's count-string alphabet over row-major runs.
 * const mask = decode('12104O', { height: 3, width: 4 });
 * Array.from(mask.toBitmap('row')); // → [0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1]
 * ```
 */
export function decode(rleString: string, options: DecodeOptions): Mask {
  if (options == null || typeof options !== 'object') {
    throw new RleError('INVALID_OPTION', 'decode needs { height, width }', { expected: '{ height, width }', received: describeValue(options) });
  }
  return decodeString(rleString, { height: options.height, width: options.width }, 'row', options);
}

/**
 * Encodes a Mask as an Encord `rleString` (row-major runs of the whole frame).
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * encode(mask); // → '12104O'
 * ```
 */
export function encode(mask: Mask): string {
  if (!(mask instanceof Mask)) throw new RleError('INVALID_OPTION', 'encode needs a Mask', { expected: 'a Mask', received: typeof mask });
  return countsToString(mask.runsView('row'));
}

/**
 * The `bitmask` object Encord's SDK writes for a mask: the whole frame, top/left 0.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * encodeBitmask(mask); // → { rleString: '12104O', top: 0, left: 0, width: 4, height: 3 }
 * ```
 */
export function encodeBitmask(mask: Mask): EncordBitmask {
  return { rleString: encode(mask), top: 0, left: 0, width: mask.width, height: mask.height };
}

/**
 * Re-codes an Encord `rleString` as the pycocotools RLE of the same mask (column-major),
 * from the runs, without a bitmap.
 * @example
 * ```ts
 * // The same pixels as COCO's column-major string, without decoding to a bitmap.
 * encordToCoco('12104O', { height: 3, width: 4 }); // → { size: [3, 4], counts: '11110O30' }
 * ```
 */
export function encordToCoco(rleString: string, size: Size, options: Omit<DecodeOptions, 'height' | 'width'> = {}): CocoRle {
  const mask = decodeString(rleString, size, 'row', options);
  return { size: [mask.height, mask.width], counts: countsToString(mask.runsView('col')) };
}

/**
 * Re-codes a pycocotools compressed RLE (`size` = [height, width]) as an Encord `rleString`.
 * @example
 * ```ts
 * cocoToEncord({ size: [3, 4], counts: '11110O30' }); // → '12104O'
 * ```
 */
export function cocoToEncord(rle: CocoRle, options: Omit<DecodeOptions, 'height' | 'width'> = {}): string {
  const size = rle?.size;
  if (!Array.isArray(size) || size.length !== 2) {
    throw new RleError('INVALID_STRUCTURE', 'COCO RLE needs size [height, width]', { path: ['size'], expected: '[height, width]', received: describeValue(size) });
  }
  // pycocotools refuses sums other than h*w; so do we here.
  const mask = decodeString(rle.counts, { height: size[0], width: size[1] }, 'col', { strictSum: true, ...options });
  return countsToString(mask.runsView('row'));
}
