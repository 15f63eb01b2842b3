/**
 * Which Kaggle convention does a whole CSV follow? Every sampled row is read every way; a
 * convention fits when every row reads under it, and the fitting ones are ranked by the shapes
 * their rows draw together. The given size is checked against the runs the same way: a transposed
 * size shears every mask, and the swapped size then draws far more compact shapes.
 */
import { RleError, type Order, type Size } from '@rlekit/core';
import { presets as kagglePresets, type Preset } from '@rlekit/kaggle';
import { summarizeReadings } from './detect.js';

/** One start/length convention and size, with how the sampled rows support it. */
export interface CsvConvention {
  order: Order;
  base: 0 | 1;
  relative: boolean;
  size: [height: number, width: number];
  /** Sampled rows (with a mask) that read under it; a fitting convention reads all of them. */
  rows: number;
  fitsEveryRow: boolean;
  /** Sum over rows of each mask's perimeter: smaller is more compact, the evidence of the right flattening. */
  perimeter: number;
  /** 1 for the most compact fitting convention, lower for the others (best perimeter / this one's). */
  score: number;
  /** Presets with this convention; those whose header matches the file first. */
  presets: string[];
  reasons: string[];
}

export interface CsvDetection {
  header: string[];
  /** The column holding the RLE text. */
  rleColumn: string;
  /** Presets whose CSV header is exactly this file's (case-insensitive, any order). */
  headerMatches: string[];
  sampledRows: number;
  emptyRows: number;
  /** Best first; only conventions that fit every sampled row, unless none does. */
  conventions: CsvConvention[];
  /** Set when the size given draws sheared masks and the swapped size does not. */
  sizeWarning?: string;
}

export interface CsvDetectOptions {
  /** Image size for rows without size columns. Required unless the file has Height/Width columns. */
  size?: Size;
  /** How many non-empty rows to read (default 200). */
  sampleRows?: number;
}

const lower = (s: string) => s.trim().toLowerCase();

function rleColumnOf(header: string[]): number {
  const names = new Set<string>();
  for (const p of Object.values(kagglePresets)) {
    names.add(lower(p.csv.rle));
    for (const a of p.csv.rleAliases ?? []) names.add(lower(a));
  }
  return header.findIndex((h) => names.has(lower(h)));
}

function sameHeader(p: Preset, header: string[]): boolean {
  const a = new Set(header.map(lower)), b = p.csv.columns.map(lower);
  return a.size === b.length && b.every((c) => a.has(c));
}

/**
 * Checks the rows of a start/length CSV against every convention.
 *
 * @example
 * ```ts
 * const d = detectCsvConventions([['ImageId', 'EncodedPixels'], ['a.jpg', '2 2 9 4']], { size: { height: 3, width: 4 } });
 * // Whichever order draws the more compact masks comes first.
 * ['col', 'row'].includes(d.conventions[0].order); // → true
 * ```
 */
export function detectCsvConventions(records: string[][], options: CsvDetectOptions = {}): CsvDetection {
  const header = records[0];
  if (!header) throw new RleError('INVALID_STRUCTURE', 'The CSV is empty', { expected: 'a header row and data rows' });
  const col = rleColumnOf(header);
  if (col < 0) {
    throw new RleError('INVALID_STRUCTURE', `No RLE column in the header ${JSON.stringify(header.join(','))}`, {
      path: ['line', 1], expected: 'a column named as in a Kaggle preset (EncodedPixels, rle_mask, pixels, annotation, segmentation, ...)',
    });
  }
  const hCol = header.findIndex((h) => lower(h) === 'height'), wCol = header.findIndex((h) => lower(h) === 'width');
  const sample = options.sampleRows ?? 200;
  const tally = new Map<string, CsvConvention>();
  let sampled = 0, empty = 0;
  for (let i = 1; i < records.length && sampled < sample; i++) {
    const row = records[i]!;
    const text = (row[col] ?? '').trim();
    if (text === '' || text === '-1' || text === '-' || text === '1 0') {
      empty++;
      continue;
    }
    let size = options.size;
    if (hCol >= 0 && wCol >= 0) size = { height: Number(row[hCol]), width: Number(row[wCol]) };
    if (!size || !Number.isSafeInteger(size.height) || !Number.isSafeInteger(size.width)) {
      throw new RleError('INVALID_OPTION', 'The image size is needed to check the runs', { path: ['line', i + 1], expected: '--size HxW, or Height/Width columns' });
    }
    sampled++;
    let readings;
    try {
      readings = summarizeReadings(text, size);
    } catch {
      continue;
    }
    for (const r of readings) {
      if (r.dialect !== 'kaggle') continue;
      // Sizes are keyed as given/swapped, so rows of different images (size columns) tally together.
      const swapped = r.size.height !== size.height;
      const key = `${r.order}|${r.base}|${r.relative}|${swapped}`;
      let t = tally.get(key);
      if (!t) {
        t = { order: r.order, base: r.base!, relative: r.relative!, size: [r.size.height, r.size.width], rows: 0, fitsEveryRow: false, perimeter: 0, score: 0, presets: [], reasons: [] };
        tally.set(key, t);
      }
      t.rows++;
      t.perimeter += r.perimeter;
      if (r.base === 0 && r.first === 0) t.reasons.push(`line ${i + 1}: a run starts at index 0`);
      if (r.base === 1 && r.end === r.size.height * r.size.width) t.reasons.push(`line ${i + 1}: a run ends on the last pixel (1-based)`);
    }
  }
  const all = [...tally.values()];
  for (const t of all) t.fitsEveryRow = t.rows === sampled;
  const fitting = all.filter((t) => t.fitsEveryRow);
  const pool = fitting.length > 0 ? fitting : all;
  const best = Math.min(...pool.map((t) => t.perimeter));
  const headerMatches = Object.values(kagglePresets).filter((p) => sameHeader(p, header)).map((p) => p.id);
  for (const t of pool) {
    t.score = t.perimeter > 0 ? Math.round((best / t.perimeter) * 1e6) / 1e6 : 1;
    const same = Object.values(kagglePresets).filter((p) => p.encoding === undefined && p.order === t.order && p.base === t.base && (p.pairing === 'relative') === t.relative);
    t.presets = [...same.filter((p) => headerMatches.includes(p.id)), ...same.filter((p) => !headerMatches.includes(p.id))].map((p) => p.id);
    const evidence = [...new Set(t.reasons)].slice(0, 3);
    t.reasons = [
      `${t.rows} of ${sampled} sampled rows read as ${t.order === 'col' ? 'column' : 'row'}-major ${t.base}-based ${t.relative ? 'relative' : 'absolute'} start/length pairs inside ${t.size[0]}x${t.size[1]}`,
      t.score >= 0.999 ? 'their masks are the most compact of all fitting readings' : `their masks' perimeter is ${(1 / t.score).toFixed(1)}× the best reading's (sheared or shredded)`,
      ...evidence,
    ];
    if (evidence.length === 0 && !t.relative) t.reasons.push('index base cannot be told: no sampled run starts at the first pixel or ends at the last');
  }
  // Ties (a column-major reading at h×w draws the row-major one at w×h transposed): a convention
  // of a preset whose header matches this file first, then any preset's, then the size as given.
  const matched = (t: CsvConvention) => Number(t.presets.some((id) => headerMatches.includes(id)));
  const asGiven = (t: CsvConvention) => Number(!options.size || t.size[0] === options.size.height);
  const known = (t: CsvConvention) => Number(t.presets.length > 0);
  pool.sort((a, b) => b.score - a.score || matched(b) - matched(a) || known(b) - known(a) || asGiven(b) - asGiven(a));
  const out: CsvDetection = { header, rleColumn: header[col]!, headerMatches, sampledRows: sampled, emptyRows: empty, conventions: pool };
  // A transposed --size: under the convention of the preset the header names, the swapped size
  // draws compact masks and the size as given draws sheared ones.
  if (options.size && options.size.height !== options.size.width && hCol < 0) {
    for (const id of headerMatches) {
      const p = kagglePresets[id]!;
      const same = (t: CsvConvention) => t.order === p.order && t.base === p.base && t.relative === (p.pairing === 'relative');
      const given = pool.find((t) => same(t) && asGiven(t) === 1), swapped = pool.find((t) => same(t) && asGiven(t) === 0);
      if (swapped && swapped.score >= 0.999 && (!given || given.score < 0.8)) {
        const names = headerMatches.filter((h) => kagglePresets[h]!.order === p.order && kagglePresets[h]!.base === p.base && kagglePresets[h]!.pairing === p.pairing);
        out.sizeWarning = `Read ${p.order === 'col' ? 'column' : 'row'}-major as this header's preset${names.length > 1 ? 's' : ''} (${names.join(', ')}), the runs draw compact masks at ${swapped.size[0]}x${swapped.size[1]} and ${given ? `${(1 / given.score).toFixed(1)}× longer outlines` : 'do not fit'} at the size given (${options.size.height}x${options.size.width}): the size looks transposed (height first: --size ${swapped.size[0]}x${swapped.size[1]})`;
        break;
      }
    }
  }
  return out;
}
