/**
 * The pieces a first pass over a file is split into for `--jobs` (COCO's annotations, Label
 * Studio's tasks, Encord's label rows): where helper threads may start (a guessed record start
 * after each even share of the file, proved later by the scan before it), and the file read from
 * there as the serial pass reads it.
 */
import { RleError } from './errors.js';
import { JsonScanner } from './json-scan.js';
import type { ByteSource } from './source.js';

/**
 * Other threads that scan pieces of a first pass for `--jobs` planning (a dialect's
 * `context.planHelpers`): each piece runs there through the dialect's `planPiece`.
 */
export interface SplitHelpers {
  /** How many threads (a cut each). */
  count: number;
  run(piece: unknown): Promise<unknown>;
  /** A helper's range at least this long, or no split (each dialect has its default; tests make it small). */
  minBytes?: number;
  /** The main thread's range is longer by this much: it scans while the helpers' threads start. */
  headStart?: number;
  /** Tests: the cuts' guesses (byte offsets), instead of the even split. */
  guesses?: readonly number[];
  /** Tests: how far a cut's trial scan runs (0: no trial; see {@link findRecordCuts}). */
  trialBytes?: number;
}

/**
 * The helpers' cuts (none: no split): after the main thread's head start, an even split of the
 * rest, where each helper's range is at least `minBytes` long; each guess moved to the record
 * start {@link findRecordCuts} finds after it. The helpers' own settings win over `defaults`.
 * @example
 * ```ts
 * const bytes = encodeUtf8('[{"a": 1}, {"a": 2}, {"a": 3}, {"a": 4}]');
 * const source = { ...bytesSource(bytes), size: bytes.length, async *range(from: number, to: number) { yield bytes.subarray(from, to); } };
 * const helpers = { count: 1, run: async () => undefined };
 * await splitCuts(source, helpers, { expected: 'a list', window: 64, headStart: 4, minBytes: 8 }); // → [31]
 * ```
 */
export function splitCuts(source: ByteSource, helpers: SplitHelpers | undefined, defaults: { expected: string; window: number; headStart: number; minBytes: number; trialBytes?: number }): Promise<number[]> {
  if (helpers === undefined || helpers.count <= 0) return Promise.resolve([]);
  const head = helpers.headStart ?? defaults.headStart, min = helpers.minBytes ?? defaults.minBytes;
  const each = (source.size! - head) / (helpers.count + 1);
  const guesses = helpers.guesses ?? (each >= min ? Array.from({ length: helpers.count }, (_, j) => Math.floor(head + (j + 1) * each)) : []);
  return findRecordCuts(source, guesses, { expected: defaults.expected, window: defaults.window, trialBytes: helpers.trialBytes ?? defaults.trialBytes ?? 0 });
}

const ws = (b: number | undefined): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * The index of the `{` of the first `}` ws* `,` ws* `{` in `b` (where one record of a list of
 * objects may end and the next begin), or -1.
 * @example
 * ```ts
 * recordCut(encodeUtf8('1}, {"a"')); // → 4
 * recordCut(encodeUtf8('}]}, [{')); // → -1
 * ```
 */
export function recordCut(b: Uint8Array): number {
  for (let i = b.indexOf(0x7d); i >= 0; i = b.indexOf(0x7d, i + 1)) {
    let k = i + 1;
    while (ws(b[k])) k++;
    if (b[k] !== 0x2c) continue;
    k++;
    while (ws(b[k])) k++;
    if (b[k] === 0x7b) return k;
  }
  return -1;
}

/**
 * Where helpers start: after each guess, the first {@link recordCut}, looked for within `window`
 * bytes. With `trialBytes`, a trial scan of the list (scanned, not parsed) must run that far from
 * the cut without a fault: inside a record such a place is most often between the objects of one
 * of its own lists (a task's results), and there the trial meets the end of that list, from
 * which the next place is looked for. A trial proves nothing (a record's list longer than it
 * passes): the main thread's scan proves a cut before anything found from it is used.
 * @example
 * ```ts
 * const bytes = encodeUtf8('[{"a": 1}, {"a": 2}, {"a": 3}]');
 * const source = { ...bytesSource(bytes), size: bytes.length, async *range(from: number, to: number) { yield bytes.subarray(from, to); } };
 * await findRecordCuts(source, [3], { expected: 'a list', window: 64 }); // → [11]
 * ```
 */
export async function findRecordCuts(source: ByteSource, guesses: readonly number[], options: { expected: string; window: number; trialBytes?: number }): Promise<number[]> {
  const cuts: number[] = [];
  const trialBytes = options.trialBytes ?? 0;
  for (const g of guesses) {
    const from = Math.max(0, Math.floor(g), (cuts.at(-1) ?? 0) + 1);
    if (from >= source.size!) break;
    const to = Math.min(source.size!, from + options.window);
    const bytes = new Uint8Array(to - from);
    let got = 0;
    for await (const c of source.range!(from, to)) (bytes.set(c.subarray(0, to - from - got), got), (got += c.length));
    const window = bytes.subarray(0, Math.min(got, to - from));
    for (let pos = 0; pos < window.length;) {
      const k = recordCut(window.subarray(pos));
      if (k < 0) break;
      const at = pos + k;
      if (trialBytes <= 0) {
        cuts.push(from + at);
        break;
      }
      const trial = JsonScanner.inArray({ want: () => false }, options.expected, { offset: from + at, key: null, index: 0, after: false });
      try {
        trial.write(window.subarray(at, at + trialBytes));
        cuts.push(from + at);
        break;
      } catch (e) {
        // Not a record of the list: on from where the trial failed (the end of the record's own list).
        const fault = e instanceof RleError && e.offset !== undefined ? e.offset - from : at + 1;
        pos = Math.max(at + 1, Math.min(fault, window.length));
      }
    }
  }
  return cuts;
}

/**
 * `source` from `from` to `to` in chunks of at most `step` bytes on the file's grid of `step`
 * (as a first pass reads it from the start), so a piece's scanner meets the chunk edges the
 * serial scan meets.
 * @example
 * ```ts
 * const bytes = encodeUtf8('0123456789');
 * const source = { ...bytesSource(bytes), size: bytes.length, async *range(from: number, to: number) { yield bytes.subarray(from, to); } };
 * const chunks: string[] = [];
 * for await (const c of alignedChunks(source, 3, 10, 4)) chunks.push(decodeUtf8(c));
 * chunks; // → ['3', '4567', '89']
 * ```
 */
export async function* alignedChunks(source: ByteSource, from: number, to: number, step: number): AsyncGenerator<Uint8Array> {
  const edge = Math.min(to, Math.ceil(from / step) * step);
  for (const [a, b] of [[from, edge], [edge, to]] as const) {
    if (b <= a) continue;
    for await (const c of source.range!(a, b)) for (let i = 0; i < c.length; i += step) yield c.length <= step ? c : c.subarray(i, Math.min(c.length, i + step));
  }
}
