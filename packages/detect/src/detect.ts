/**
 * Which convention is this mask string in? Every reading of every payload the text holds is
 * tried; hard evidence (runs that sum to h·w, starts that ascend, a start of 0) rules readings
 * in or out, and the shapes each surviving reading draws rank them: the right flattening draws
 * compact shapes, a wrong one shears or shreds them (a larger perimeter for the same area).
 */
import { components, Mask, RleError, readCountString, type Order, type Size } from '@rlekit/core';
import { presets as kagglePresets } from '@rlekit/kaggle';
import { decode as brushDecode, readHeader as brushHeader } from '@rlekit/label-studio';
import { parseMaskText, type Payload } from './parse.js';
import { perimeter, type Intervals } from './shape.js';
import { commonSizes, factorSizes } from './sizes.js';

/** The dialect a reading corresponds to. */
export type ReadingDialect = 'coco' | 'encord' | 'cvat' | 'kaggle' | 'label-studio';

/** One interpretation of the input, with its evidence. */
export interface Candidate {
  /** `coco`: column-major counts; `encord`: COCO's count string row-major; `cvat`: row-major counts list; `kaggle`: start/length pairs; `label-studio`: brush RLE bytes over RGBA. */
  dialect: ReadingDialect;
  order: Order;
  /** Index base of start/length readings. */
  base?: 0 | 1;
  /** Start/length readings: starts counted from the previous run's end (SIIM) instead of absolute. */
  relative?: boolean;
  size: [height: number, width: number];
  /** 0..1; readings the data cannot tell apart have equal scores. */
  score: number;
  /** The evidence, in words, strongest first. */
  reasons: string[];
  area: number;
  bbox: [x: number, y: number, width: number, height: number];
  /** Connected parts (8-connectivity). */
  parts: number;
  /** Perimeter in pixel edges of the shapes this reading draws: the shape evidence behind the score. */
  perimeter: number;
  /** Kaggle presets whose convention (and native size, where they have one) this reading matches. */
  presets?: string[];
  /** The decoded mask. */
  mask: Mask;
}

export interface DetectOptions {
  /** The image size, when known. Without it, sizes that fit are tried, common image sizes first. */
  size?: Size;
  /** How many candidates to return (default 8). */
  limit?: number;
  /** Cap on what a base64/zlib wrapper may inflate to (default 64 MiB). */
  maxBytes?: number;
}

export interface DetectResult {
  /** Best first. */
  candidates: Candidate[];
  /** What wrappers were peeled (`an RLE object {size, counts}`, `base64`, `zlib`, ...). */
  forms: string[];
  /** Without a size: the sizes that fit, most plausible first. */
  sizes?: [number, number][];
}

interface Reading {
  dialect: ReadingDialect;
  order: Order;
  base?: 0 | 1;
  relative?: boolean;
  iv: Intervals;
  /** Pixels the reading needs: exactly this many for counts, at least for start/length. */
  total: number;
  exact: boolean;
  prior: number;
  reasons: string[];
  wrappers: string[];
  size?: Size;
}

interface Scored {
  r: Reading;
  size: Size;
  lineLength: number;
  perimeter: number;
  prior: number;
  reasons: string[];
}

function intervalsFromCounts(counts: ArrayLike<number>, len: number): { iv: Intervals; sum: number } {
  const n = len >> 1;
  const starts = new Float64Array(n), ends = new Float64Array(n);
  let pos = 0, k = 0, area = 0;
  for (let i = 0; i < len; i++) {
    const c = counts[i]!;
    if ((i & 1) === 1 && c > 0) {
      // Zero background counts between runs join them.
      if (k > 0 && ends[k - 1] === pos) ends[k - 1] = pos + c;
      else {
        starts[k] = pos;
        ends[k] = pos + c;
        k++;
      }
      area += c;
    }
    pos += c;
  }
  return { iv: { starts, ends, count: k, area }, sum: pos };
}

/** Start/length pairs as intervals, or the reason this reading does not hold. */
function intervalsFromPairs(v: Float64Array, base: 0 | 1, relative: boolean): Intervals | string {
  const n = v.length >> 1;
  const starts = new Float64Array(n), ends = new Float64Array(n);
  let k = 0, area = 0, prevEnd = 0;
  for (let i = 0; i < n; i++) {
    const a = v[2 * i]!, len = v[2 * i + 1]!;
    if (len === 0) return `pair ${i} has length 0`;
    const s = relative && i > 0 ? prevEnd + a : a - base;
    if (s < 0) return `a start of 0 rules out ${base}-based starts`;
    if (s < prevEnd) return `pair ${i} starts before the previous run ends`;
    if (k > 0 && s === prevEnd) ends[k - 1] = s + len;
    else {
      starts[k] = s;
      ends[k] = s + len;
      k++;
    }
    area += len;
    prevEnd = s + len;
  }
  return { starts, ends, count: k, area };
}

/**
 * Label Studio brush bytes: a list of bytes whose first 32 bits give num = 4·H·W (RGBA). Decoded
 * as one line of num/4 pixels, which is the row-major flat index whatever the width.
 */
function brushReading(p: Payload & { kind: 'numbers' }): Reading | undefined {
  const v = p.values;
  if (v.length < 7 || !v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) return undefined;
  try {
    const { num } = brushHeader(v);
    if (num === 0 || num % 4 !== 0) return undefined;
    const m = brushDecode(v, { height: 1, width: num / 4 });
    const runs = m.runsView('row');
    const { iv } = intervalsFromCounts(runs, runs.length);
    return {
      dialect: 'label-studio', order: 'row', iv, total: num / 4, exact: true, prior: 1,
      reasons: [`bytes whose first 32 bits give num = ${num} = 4 × ${num / 4} pixels, and decode as Label Studio's brush RLE over RGBA (foreground = alpha > 0)`],
      wrappers: p.wrappers, size: p.size,
    };
  } catch {
    return undefined;
  }
}

function readingsOf(p: Payload): Reading[] {
  const out: Reading[] = [];
  if (p.kind === 'count-string') {
    let scan;
    try {
      scan = readCountString(p.text);
    } catch {
      return out;
    }
    const { iv, sum } = intervalsFromCounts(scan.counts, scan.length);
    const why = ['characters are in the COCO count-string alphabet and decode to counts'];
    out.push({ dialect: 'coco', order: 'col', iv, total: sum, exact: true, prior: 1, reasons: [...why, 'COCO flattens column-major'], wrappers: p.wrappers, size: p.size });
    // Copy the intervals: readings are scored independently.
    out.push({ dialect: 'encord', order: 'row', iv, total: sum, exact: true, prior: 0.9, reasons: [...why, "read row-major, as Encord's rleString is"], wrappers: p.wrappers, size: p.size });
    return out;
  }
  const v = p.values;
  const brush = brushReading(p);
  if (brush) out.push(brush);
  if (v.every((x) => Number.isInteger(x))) {
    const { iv, sum } = intervalsFromCounts(v, v.length);
    // A bracketed or comma list is how COCO (uncompressed) and CVAT write counts; plain spaced numbers are Kaggle's.
    const countsPrior = p.separator === 'comma' ? 1 : 0.5;
    out.push({ dialect: 'coco', order: 'col', iv, total: sum, exact: true, prior: countsPrior, reasons: ['read as counts (background first), column-major as COCO uncompressed RLE'], wrappers: p.wrappers, size: p.size });
    out.push({ dialect: 'cvat', order: 'row', iv, total: sum, exact: true, prior: 0.9 * countsPrior, reasons: ['read as counts (background first), row-major as CVAT mask rle'], wrappers: p.wrappers, size: p.size });
    if (v.length >= 2 && v.length % 2 === 0) {
      const pairsPrior = p.separator === 'comma' ? 0.5 : 1;
      for (const relative of [false, true]) {
        // Absolute presets are all 1-based, SIIM's relative one 0-based: on a tie the known convention comes first.
        for (const base of relative ? ([0, 1] as const) : ([1, 0] as const)) {
          const r = intervalsFromPairs(v, base, relative);
          if (typeof r === 'string') continue;
          const end = r.count > 0 ? r.ends[r.count - 1]! : 0;
          for (const order of ['col', 'row'] as const) {
            out.push({
              dialect: 'kaggle', order, base, relative, iv: r, total: end, exact: false,
              prior: pairsPrior * (relative ? 0.8 : 1),
              reasons: [relative ? 'read as start/length pairs, each start counted from the previous run’s end' : 'read as start/length pairs; the starts ascend and the runs do not overlap'],
              wrappers: p.wrappers, size: p.size,
            });
          }
        }
      }
    }
  }
  return out;
}

const fmt = (s: Size) => `${s.height}x${s.width}`;

/** Sizes a reading may have, each with a prior and the reason. */
function sizesFor(r: Reading, given: Size | undefined): { size: Size; prior: number; why: string }[] {
  const fits = (s: Size) => (r.exact ? s.height * s.width === r.total : s.height * s.width >= r.total);
  const need = r.exact ? `runs sum to h·w = ${r.total}` : `the last run ends at pixel ${r.total} (0-based end), inside h·w`;
  const stated = given ?? r.size;
  if (stated) {
    const out: { size: Size; prior: number; why: string }[] = [];
    const from = given ? '--size' : 'the object’s size';
    if (fits(stated)) out.push({ size: stated, prior: 1, why: `${need} for ${fmt(stated)} (${from})` });
    const swapped = { height: stated.width, width: stated.height };
    if (stated.height !== stated.width && fits(swapped)) {
      out.push({ size: swapped, prior: 0.8, why: `${fmt(swapped)} is ${from} swapped ([w, h] instead of [h, w])` });
    }
    return out;
  }
  if (r.exact) {
    const common = new Set(commonSizes().map(fmt));
    return factorSizes(r.total).map((s) => ({
      size: s, prior: common.has(fmt(s)) ? 1 : 0.7,
      why: `${need} for ${fmt(s)}${common.has(fmt(s)) ? ', a common image size' : ''}`,
    }));
  }
  return commonSizes().filter(fits).map((s) => ({ size: s, prior: 1, why: `${need} for ${fmt(s)}, a common image size` }));
}

function baseEvidence(r: Reading, total: number): string | undefined {
  if (r.dialect !== 'kaggle' || r.relative) return undefined;
  const first = r.iv.count > 0 ? r.iv.starts[0]! : 1;
  const last = r.iv.count > 0 ? r.iv.ends[r.iv.count - 1]! : 0;
  if (r.base === 0 && first === 0) return 'a run starts at index 0: 0-based';
  if (r.base === 1 && last === total) return 'a run ends on the last pixel in the 1-based reading';
  if (r.base === 1 && first > 0 && last < total) return 'index base cannot be told: no run starts at the first pixel or ends at the last (0- and 1-based draw the same shape shifted by one)';
  if (r.base === 0 && last < total) return 'index base cannot be told: no run starts at the first pixel or ends at the last (0- and 1-based draw the same shape shifted by one)';
  return undefined;
}

function matchingPresets(c: { dialect: ReadingDialect; order: Order; base?: 0 | 1; relative?: boolean; size: Size }): string[] | undefined {
  if (c.dialect !== 'kaggle') return undefined;
  const native = (p: (typeof kagglePresets)[string]) => p.nativeSize?.height === c.size.height && p.nativeSize?.width === c.size.width;
  const same = Object.values(kagglePresets).filter((p) => p.encoding === undefined && p.order === c.order && p.base === c.base && (p.pairing === 'relative') === c.relative);
  // Presets whose competition had this very image size first.
  return [...same.filter(native), ...same.filter((p) => !native(p))].map((p) => p.id);
}

/** Every reading of the text and every size it fits, scored on shape but not yet decoded. */
function scoreAll(payloads: Payload[], size: Size | undefined): Scored[] {
  const scored: Scored[] = [];
  for (const p of payloads) {
    for (const r of readingsOf(p)) {
      for (const s of sizesFor(r, size)) {
        const lineLength = r.order === 'row' ? s.size.width : s.size.height;
        if (lineLength === 0) continue;
        scored.push({ r, size: s.size, lineLength, perimeter: perimeter(r.iv, lineLength), prior: r.prior * s.prior, reasons: [s.why] });
      }
    }
  }
  return scored;
}

/** One reading of a text without its mask: what {@link readingsOf} sees, for tallies over many rows. */
export interface ReadingSummary {
  dialect: ReadingDialect;
  order: Order;
  base?: 0 | 1;
  relative?: boolean;
  size: Size;
  perimeter: number;
  area: number;
  /** First foreground index and the end of the last run, in this reading's flattening. */
  first: number;
  end: number;
}

/**
 * Every reading of `text` that fits `size` (and `size` swapped), with its shape evidence, and no
 * mask built: for checking many rows of one file against each convention.
 * @example
 * ```ts
 * // Every reading of a counts list that fits 3×4, most compact first.
 * const [best] = summarizeReadings('1 1 1 2 1 1 4 1', { height: 3, width: 4 });
 * [best.dialect, best.order, best.area]; // → ['coco', 'col', 5]
 * ```
 */
export function summarizeReadings(text: string, size: Size): ReadingSummary[] {
  return scoreAll(parseMaskText(text), size).map(({ r, size: sz, perimeter: per }) => ({
    dialect: r.dialect, order: r.order, ...(r.dialect === 'kaggle' ? { base: r.base, relative: r.relative } : {}),
    size: sz, perimeter: per, area: r.iv.area,
    first: r.iv.count > 0 ? r.iv.starts[0]! : -1, end: r.iv.count > 0 ? r.iv.ends[r.iv.count - 1]! : 0,
  }));
}

/**
 * Ranks every reading of a pasted mask: dialect, flattening order, index base, size. The text may
 * be a COCO count string, an RLE object, a counts list, a Python `b'…'` repr, Kaggle start/length
 * numbers, a CVAT `rle` attribute, or base64/zlib of one of these.
 *
 * @example
 * ```ts
 * const { candidates } = detectConventions('1 3 10 2', { size: { height: 4, width: 3 } });
 * candidates[0].dialect; // → 'kaggle'
 * ```
 */
export function detectConventions(input: string, options: DetectOptions = {}): DetectResult {
  if (typeof input !== 'string') throw new RleError('INVALID_OPTION', 'detectConventions takes the mask as text', { expected: 'a string', received: typeof input });
  const limit = options.limit ?? 8;
  const payloads = parseMaskText(input, { maxBytes: options.maxBytes });
  const scored = scoreAll(payloads, options.size);
  if (scored.length === 0) {
    const forms = payloads.map((p) => (p.kind === 'count-string' ? 'count string' : `list of ${p.values.length} numbers`)).join(' or ');
    throw new RleError('INVALID_RUNS', `No reading of this ${forms} fits ${options.size ? `the size ${fmt(options.size)}` : 'any size'}`, {
      expected: options.size ? `counts that sum to ${options.size.height * options.size.width}, or start/length pairs inside it` : 'counts or start/length pairs',
    });
  }
  const best = Math.min(...scored.map((s) => (s.r.iv.area > 0 ? s.perimeter : Infinity)));
  const ranked = scored.map((s) => {
    const shape = s.r.iv.area === 0 || !Number.isFinite(best) || s.perimeter === 0 ? 1 : best / s.perimeter;
    return { s, score: Math.round(shape * shape * s.prior * 1e6) / 1e6, shape };
  });
  // Stable: equal scores keep the order readings were generated in (more common conventions first).
  ranked.sort((a, b) => b.score - a.score);

  const candidates: Candidate[] = [];
  const square = options.size ? options.size.height === options.size.width : false;
  for (const { s, score, shape } of ranked.slice(0, limit)) {
    const r = s.r;
    const total = s.size.height * s.size.width;
    const reasons = [...r.reasons, ...s.reasons];
    const base = baseEvidence(r, total);
    if (base) reasons.push(base);
    if (r.iv.area === 0) reasons.push('the mask is empty: nothing tells the orders apart');
    else if (shape >= 0.999) reasons.push(`lines of ${s.lineLength} pixels draw the most compact shapes of all readings (perimeter ${s.perimeter} for area ${r.iv.area})`);
    else reasons.push(`perimeter ${s.perimeter} is ${(1 / shape).toFixed(1)}× the best reading's: the shapes come out sheared or shredded`);
    if (square && r.dialect !== 'kaggle') reasons.push('square size: the row and column readings draw the same shape transposed');
    if (r.wrappers.length > 0) reasons.push(`found inside ${r.wrappers.join(' → ')}`);
    const mask = Mask.fromIntervals(
      r.iv.starts.subarray(0, r.iv.count),
      Float64Array.from({ length: r.iv.count }, (_, i) => r.iv.ends[i]! - r.iv.starts[i]!),
      s.size, r.order,
    );
    const box = mask.bbox();
    const c: Candidate = {
      dialect: r.dialect, order: r.order,
      ...(r.dialect === 'kaggle' ? { base: r.base, relative: r.relative } : {}),
      size: [s.size.height, s.size.width], score, reasons,
      area: r.iv.area, bbox: [box.x, box.y, box.width, box.height], parts: components(mask).length, perimeter: s.perimeter, mask,
    };
    const presets = matchingPresets({ ...c, size: s.size });
    if (presets) c.presets = presets;
    candidates.push(c);
  }
  const forms = [...new Set(payloads.flatMap((p) => p.wrappers))];
  const result: DetectResult = { candidates, forms };
  if (!options.size && !payloads.some((p) => p.size)) {
    const seen = new Set<string>();
    result.sizes = [];
    for (const { s } of ranked) {
      const k = fmt(s.size);
      if (!seen.has(k)) {
        seen.add(k);
        result.sizes.push([s.size.height, s.size.width]);
      }
      if (result.sizes.length === 10) break;
    }
  }
  return result;
}
