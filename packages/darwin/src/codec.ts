/**
 * V7 Darwin's raster layer: one label image per slot (per frame in videos), row-major,
 * written as `dense_rle` = [value, count, value, count, ...] where value 0 is background and
 * value k is the mask annotation that `mask_annotation_ids_mapping` maps to k.
 *
 * Decoding goes straight from the pairs to each mask's row runs; encoding goes from the masks'
 * row runs to the pairs. No label image is made unless masks overlap and must be painted.
 */
import { LabelMap, Mask, RleError, RunBuilder, checkSize, type OverlapPolicy, type Size, type WarningSink } from '@rlekit/core';

/** The `raster_layer` object of Darwin's `__raster_layer__` annotation. */
export interface RasterLayer {
  dense_rle: number[];
  mask_annotation_ids_mapping: Record<string, number>;
  total_pixels: number;
}

/** Options of {@link decode} and {@link decodeLayer}. */
export interface DecodeOptions {
  /** Refuse slots larger than this many pixels (LIMIT_EXCEEDED), before decoding. */
  maxPixels?: number;
}

/** Options of {@link encode}. */
export interface EncodeOptions {
  /**
   * Who keeps a pixel claimed by several masks (a raster layer holds one value per pixel):
   * `'last'` (default; what Darwin's editor shows when it paints masks in order), `'first'`,
   * `'error'` (OVERLAP), or a list of mask ids in priority order. Resolved pixels are reported.
   */
  overlap?: 'error' | 'first' | 'last' | readonly string[];
  /** Told how many pixels an overlap cost and which masks lost pixels. */
  warn?: WarningSink;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates the layer's frame and mapping; returns the pixel count and value → mask ids. */
function checkLayer(layer: RasterLayer, size: Size, options: DecodeOptions): { total: number; ids: Map<number, string[]> } {
  const total = checkSize(size, options.maxPixels);
  if (!isRecord(layer)) {
    throw new RleError('INVALID_STRUCTURE', 'A raster layer is { dense_rle, mask_annotation_ids_mapping, total_pixels }', { expected: 'an object', received: layer === null ? 'null' : Array.isArray(layer) ? 'an array' : typeof layer });
  }
  const tp = layer.total_pixels;
  if (typeof tp !== 'number' || !Number.isSafeInteger(tp) || tp < 0) {
    throw new RleError('INVALID_STRUCTURE', 'total_pixels is not a non-negative integer', { path: ['total_pixels'], expected: 'a non-negative integer', received: typeof tp === 'number' ? String(tp) : typeof tp });
  }
  if (tp !== total) {
    throw new RleError('SIZE_MISMATCH', 'total_pixels differs from the slot\'s height * width', { path: ['total_pixels'], expected: `${total} (${size.height}x${size.width})`, received: String(tp) });
  }
  const mapping = layer.mask_annotation_ids_mapping;
  if (!isRecord(mapping)) {
    throw new RleError('INVALID_STRUCTURE', 'mask_annotation_ids_mapping is not an object', { path: ['mask_annotation_ids_mapping'], expected: '{ "<mask annotation id>": value }' });
  }
  const ids = new Map<number, string[]>();
  for (const id of Object.keys(mapping)) {
    const v = mapping[id];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
      throw new RleError('INVALID_TOKEN', 'A mapped raster value is not a positive integer', { path: ['mask_annotation_ids_mapping', id], expected: 'an integer >= 1 (0 is background)', received: typeof v === 'number' ? String(v) : typeof v });
    }
    const list = ids.get(v);
    if (list) list.push(id);
    else ids.set(v, [id]);
  }
  const rle = layer.dense_rle;
  if (!Array.isArray(rle)) {
    throw new RleError('INVALID_STRUCTURE', 'dense_rle is not an array', { path: ['dense_rle'], expected: '[value, count, ...]' });
  }
  if ((rle.length & 1) === 1) {
    throw new RleError('TRUNCATED', 'dense_rle has an odd length: its last value has no count', { path: ['dense_rle'], offset: rle.length - 1, expected: 'value/count pairs (an even length)', received: String(rle.length) });
  }
  return { total, ids };
}

function badValue(rle: readonly unknown[], i: number): RleError {
  const v = rle[i];
  return new RleError('INVALID_TOKEN', 'A dense_rle value is not a non-negative integer', { path: ['dense_rle', i], expected: 'an integer >= 0', received: typeof v === 'number' ? String(v) : typeof v });
}

function badCount(rle: readonly unknown[], i: number): RleError {
  const v = rle[i];
  return new RleError('INVALID_RUNS', 'A dense_rle count is not a non-negative integer', { path: ['dense_rle', i], expected: 'an integer >= 0', received: typeof v === 'number' ? String(v) : typeof v });
}

function unmapped(v: number, i: number): RleError {
  return new RleError('DANGLING_REFERENCE', `Raster value ${v} is not in mask_annotation_ids_mapping`, { path: ['dense_rle', i], expected: 'values 0 (background) or mapped to a mask annotation id' });
}

function sumMismatch(sum: number, total: number, i: number | undefined): RleError {
  return new RleError('RUNS_SUM_MISMATCH', sum > total ? 'dense_rle covers more pixels than total_pixels' : 'dense_rle covers fewer pixels than total_pixels', {
    path: i === undefined ? ['dense_rle'] : ['dense_rle', i], expected: `counts summing to ${total}`, received: sum > total ? `more than ${total}` : String(sum),
  });
}

/**
 * Every mask of a raster layer, by mask annotation id, over a slot of `size` (row-major runs,
 * one pass over the pairs). Ids mapped to a value with no pixels get an empty mask.
 * @example
 * ```ts
 * const layer = { dense_rle: [0, 1, 1, 2, 0, 1, 1, 2, 0, 5, 1, 1], mask_annotation_ids_mapping: { 'id-a': 1 }, total_pixels: 12 };
 * [...decodeLayer(layer, { height: 3, width: 4 })].map(([id, m]) => [id, m.area()]); // → [['id-a', 5]]
 * ```
 */
export function decodeLayer(layer: RasterLayer, size: Size, options: DecodeOptions = {}): Map<string, Mask> {
  const { total, ids } = checkLayer(layer, size, options);
  const rle = layer.dense_rle as unknown[];
  const builders = new Map<number, RunBuilder>();
  for (const v of ids.keys()) builders.set(v, new RunBuilder());
  let pos = 0;
  for (let i = 0; i < rle.length; i += 2) {
    const v = rle[i], n = rle[i + 1];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw badValue(rle, i);
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw badCount(rle, i + 1);
    const end = pos + n;
    if (end > total) throw sumMismatch(end, total, i + 1);
    if (v !== 0 && n > 0) {
      const b = builders.get(v);
      if (b === undefined) throw unmapped(v, i);
      b.addInterval(pos, end);
    } else if (v !== 0 && !ids.has(v)) throw unmapped(v, i);
    pos = end;
  }
  if (pos !== total) throw sumMismatch(pos, total, undefined);
  const out = new Map<string, Mask>();
  // In mapping order, so a layer decodes to the same list every time.
  for (const id of Object.keys(layer.mask_annotation_ids_mapping)) {
    const v = layer.mask_annotation_ids_mapping[id]!;
    out.set(id, Mask.fromCanonicalRuns(builders.get(v)!.finish(total), size, 'row'));
  }
  return out;
}

/**
 * The mask of one mask annotation (`maskId`) in a raster layer over a slot of `size`: the pixels
 * whose value is `mapping[maskId]`. The whole layer is still checked (values, counts, sum).
 * @example
 * ```ts
 * // A raster layer's dense_rle: value, count pairs over row-major pixels; value 1 is 'id-a'.
 * const layer = { dense_rle: [0, 1, 1, 2, 0, 1, 1, 2, 0, 5, 1, 1], mask_annotation_ids_mapping: { 'id-a': 1 }, total_pixels: 12 };
 * Array.from(decode(layer, { height: 3, width: 4 }, 'id-a').toBitmap('row')); // → [0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1]
 * ```
 */
export function decode(layer: RasterLayer, size: Size, maskId: string, options: DecodeOptions = {}): Mask {
  const { total, ids } = checkLayer(layer, size, options);
  if (typeof maskId !== 'string' || !Object.hasOwn(layer.mask_annotation_ids_mapping, maskId)) {
    throw new RleError('DANGLING_REFERENCE', 'The mask id is not in mask_annotation_ids_mapping', { path: ['mask_annotation_ids_mapping'], expected: 'a mapped mask annotation id', received: typeof maskId === 'string' ? maskId.slice(0, 60) : typeof maskId });
  }
  const k = layer.mask_annotation_ids_mapping[maskId]!;
  const rle = layer.dense_rle as unknown[];
  const b = new RunBuilder();
  let pos = 0;
  for (let i = 0; i < rle.length; i += 2) {
    const v = rle[i], n = rle[i + 1];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw badValue(rle, i);
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw badCount(rle, i + 1);
    if (v !== 0 && v !== k && !ids.has(v)) throw unmapped(v, i);
    const end = pos + n;
    if (end > total) throw sumMismatch(end, total, i + 1);
    b.append(v === k, n);
    pos = end;
  }
  if (pos !== total) throw sumMismatch(pos, total, undefined);
  return Mask.fromCanonicalRuns(b.finish(total), size, 'row');
}

/** Appends (value, count), merging with the previous pair of the same value. */
function push(out: number[], v: number, n: number): void {
  if (n === 0) return;
  const last = out.length - 2;
  if (last >= 0 && out[last] === v) out[last + 1]! += n;
  else out.push(v, n);
}

/**
 * The raster layer of masks over a slot of `size`: mask i of `entries` gets value i + 1. One mask
 * is the binary case (mapping `{ [id]: 1 }`). Masks that overlap cannot all be kept (one value
 * per pixel): `options.overlap` decides, and what was lost is reported to `options.warn`.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * encode([['id-a', mask]], mask.size).dense_rle; // → [0, 1, 1, 2, 0, 1, 1, 2, 0, 5, 1, 1]
 * ```
 */
export function encode(entries: Iterable<readonly [string, Mask]>, size: Size, options: EncodeOptions = {}): RasterLayer {
  const total = checkSize(size);
  const list = [...entries];
  const mapping: Record<string, number> = {};
  list.forEach(([id, mask], i) => {
    if (typeof id !== 'string') throw new RleError('INVALID_OPTION', 'Mask ids are strings', { path: [i, 0], expected: 'a string', received: typeof id });
    if (!(mask instanceof Mask)) throw new RleError('INVALID_OPTION', 'encode needs Masks', { path: [i, 1], expected: 'a Mask', received: typeof mask });
    if (mask.height !== size.height || mask.width !== size.width) {
      throw new RleError('SIZE_MISMATCH', 'A mask differs in size from its slot', { path: [i, 1], expected: `${size.height}x${size.width}`, received: `${mask.height}x${mask.width}` });
    }
    if (Object.hasOwn(mapping, id)) throw new RleError('INVALID_OPTION', 'Two masks have the same id', { path: [i, 0], received: id.slice(0, 60) });
    Object.defineProperty(mapping, id, { value: i + 1, enumerable: true, writable: true, configurable: true });
  });
  if (list.length === 1) {
    // The binary case: canonical row runs are already the pairs, alternating 0 and 1 (only a
    // leading 0 run is dropped); sized up front, as growing a list one push at a time is ~4x slower.
    const runs = list[0]![1].runsView('row');
    const skip = runs.length > 0 && runs[0] === 0 ? 1 : 0;
    const dense = new Array<number>(2 * (runs.length - skip));
    for (let k = skip, o = 0; k < runs.length; k++, o += 2) {
      dense[o] = k & 1;
      dense[o + 1] = runs[k]!;
    }
    return { dense_rle: dense, mask_annotation_ids_mapping: mapping, total_pixels: total };
  }
  const dense: number[] = [];
  if (list.length > 1) {
    const merged = mergeRuns(list.map(([, m]) => m), total);
    if (merged) for (let k = 0; k < merged.length; k += 2) push(dense, merged[k]!, merged[k + 1]!);
    else paint(list, size, options, dense);
  } else push(dense, 0, total);
  return { dense_rle: dense, mask_annotation_ids_mapping: mapping, total_pixels: total };
}

/**
 * Interleaves the foreground intervals of masks that do not overlap: [value, count] pairs over
 * the frame, from the runs alone. Undefined as soon as two intervals overlap.
 */
function mergeRuns(masks: readonly Mask[], total: number): number[] | undefined {
  let n = 0;
  const all = masks.map((m) => m.runsView('row'));
  for (const r of all) n += r.length >> 1;
  // start, end, value of every foreground interval.
  const starts = new Float64Array(n), ends = new Float64Array(n), values = new Uint32Array(n);
  let j = 0;
  all.forEach((runs, i) => {
    let pos = 0;
    for (let k = 0; k < runs.length; k++) {
      const r = runs[k]!;
      if ((k & 1) === 1) {
        starts[j] = pos;
        ends[j] = pos + r;
        values[j++] = i + 1;
      }
      pos += r;
    }
  });
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => starts[a]! - starts[b]!);
  const out: number[] = [];
  let pos = 0;
  for (let q = 0; q < n; q++) {
    const i = order[q]!;
    const s = starts[i]!;
    if (s < pos) return undefined;
    if (s > pos) out.push(0, s - pos);
    out.push(values[i]!, ends[i]! - s);
    pos = ends[i]!;
  }
  if (pos < total) out.push(0, total - pos);
  return out;
}

/** Overlapping masks: painted into a label image with core's overlap policy, then read back as pairs. */
function paint(list: readonly (readonly [string, Mask])[], size: Size, options: EncodeOptions, dense: number[]): void {
  const overlap = options.overlap ?? 'last';
  let policy: OverlapPolicy;
  if (Array.isArray(overlap)) {
    const value = new Map(list.map(([id], i) => [id, i + 1]));
    policy = (overlap as readonly string[]).flatMap((id) => (value.has(id) ? [value.get(id)!] : []));
  } else policy = overlap as OverlapPolicy;
  const labels = LabelMap.fromMasks(list.map(([, m], i) => [i + 1, m] as const), size, { overlap: policy, warn: options.warn });
  const data = labels.data;
  const kept = new Float64Array(list.length + 1);
  let v = data.length > 0 ? data[0]! : 0, start = 0;
  for (let i = 1; i < data.length; i++) {
    const x = data[i]!;
    if (x !== v) {
      dense.push(v, i - start);
      kept[v]! += i - start;
      v = x;
      start = i;
    }
  }
  if (data.length > 0) {
    dense.push(v, data.length - start);
    kept[v]! += data.length - start;
  }
  const losers = list.filter(([, m], i) => kept[i + 1]! < m.area()).map(([id]) => id);
  if (losers.length > 0) {
    options.warn?.({
      code: 'not-carried',
      message: `A Darwin raster layer holds one mask per pixel: ${losers.length} overlapping masks lost pixels to others (${losers.slice(0, 5).join(', ')}${losers.length > 5 ? ', ...' : ''})`,
      count: losers.length,
      capability: 'overlap',
    });
  }
}

