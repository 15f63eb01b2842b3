import { describeValue, RleError } from './errors.js';
import { DEFAULT_MAX_RUNS, RunBudget, tooManyRuns } from './limits.js';
import { allocU32, copyU32 } from './slab.js';
import { SCAN_MODULE } from './wasm/scan-module.js';

/** Largest pixel count a mask may have: run lengths are stored as uint32. */
export const MAX_MASK_PIXELS = 0xffffffff;

/** Flattening order: `'col'` is COCO's column-major (index = x*h + y), `'row'` is raster order (index = y*w + x). */
export type Order = 'row' | 'col';

export interface Size {
  height: number;
  width: number;
}

/**
 * Checks a size and returns its pixel count; throws INVALID_SIZE / LIMIT_EXCEEDED.
 * @example
 * ```ts
 * checkSize({ height: 3, width: 4 }); // → 12
 * const error = (() => { try { checkSize({ height: 3, width: -4 }); } catch (e) { return e as RleError; } })();
 * error?.code; // → 'INVALID_SIZE'
 * ```
 */
export function checkSize(size: Size, maxPixels: number = MAX_MASK_PIXELS, path: readonly (string | number)[] = []): number {
  const { height, width } = size ?? ({} as Size);
  if (!Number.isSafeInteger(height) || height < 0) {
    throw new RleError('INVALID_SIZE', 'Invalid height', { path: [...path, 'height'], expected: 'a non-negative integer', received: describeValue(height) });
  }
  if (!Number.isSafeInteger(width) || width < 0) {
    throw new RleError('INVALID_SIZE', 'Invalid width', { path: [...path, 'width'], expected: 'a non-negative integer', received: describeValue(width) });
  }
  const pixels = height * width;
  if (pixels > MAX_MASK_PIXELS) {
    throw new RleError('INVALID_SIZE', `Mask of ${height}x${width} has more pixels than 32-bit runs can hold`, { path, expected: `height * width <= ${MAX_MASK_PIXELS}`, received: describeValue(pixels) });
  }
  if (pixels > maxPixels) {
    throw new RleError('LIMIT_EXCEEDED', `Mask of ${height}x${width} exceeds maxPixels`, { path, expected: `at most ${maxPixels} pixels`, received: describeValue(pixels) });
  }
  return pixels;
}

/**
 * Builds canonical runs (alternating background/foreground, starting with background,
 * no zero runs except a leading 0) from ascending pieces, merging touching ones.
 * Dialects use it to decode without ever materialising a bitmap.
 * @example
 * ```ts
 * // Runs written one at a time, background first, grown as needed and bounded by maxRuns.
 * const builder = new RunBuilder();
 * builder.addInterval(2, 5);
 * builder.append(true, 1);
 * Array.from(builder.finish(8)); // → [2, 4, 2]
 * ```
 */
export class RunBuilder {
  private buf: Uint32Array;
  private n = 0;
  /** Pixels covered so far. */
  private pos = 0;
  private readonly max: number;
  private readonly budget: RunBudget | undefined;

  /**
   * `limit`: the most runs this mask may have (LIMIT_EXCEEDED beyond, before the buffer grows past
   * it), or a {@link RunBudget} shared with other builders of the same input.
   */
  constructor(capacityHint = 16, limit: number | RunBudget = DEFAULT_MAX_RUNS) {
    if (limit instanceof RunBudget) {
      this.budget = limit;
      this.max = limit.max;
    } else {
      if (!(typeof limit === 'number' && limit >= 0)) {
        throw new RleError('INVALID_OPTION', 'maxRuns must be a non-negative number', { path: ['maxRuns'], expected: 'a number >= 0', received: String(limit) });
      }
      this.max = limit;
    }
    this.buf = new Uint32Array(Math.max(4, Math.min(capacityHint, this.max + 2)));
  }

  /** Pixels covered so far: the next interval may start here or later. */
  get position(): number {
    return this.pos;
  }

  private push(v: number): void {
    // The trailing background run finish() adds is not counted against the limit.
    if (this.n > this.max) throw tooManyRuns(this.max);
    this.budget?.take();
    if (this.n === this.buf.length) {
      const next = new Uint32Array(Math.min(this.buf.length * 2, this.max + 2));
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = v;
  }

  /** Appends `length` pixels of one value, merging with the previous run of the same value. */
  append(foreground: boolean, length: number): void {
    if (length <= 0) return;
    const n = this.n;
    if (n === 0) {
      if (foreground) this.push(0);
      this.push(length);
    } else if (((n - 1) & 1) === 1 === foreground) {
      this.buf[n - 1] = this.buf[n - 1]! + length;
    } else {
      this.push(length);
    }
    this.pos += length;
  }

  /** Adds foreground [start, end); `start` must not precede the end of the previous piece. */
  addInterval(start: number, end: number): void {
    if (end <= start) return;
    if (start < this.pos) {
      throw new RleError('INVALID_INTERVALS', 'Interval starts before the end of the previous one', { expected: `start >= ${this.pos}`, received: describeValue(start) });
    }
    this.append(false, start - this.pos);
    this.append(true, end - start);
  }

  /** Pads with background up to `total` pixels and returns the canonical runs. */
  finish(total: number): Uint32Array {
    if (this.pos > total) {
      throw new RleError('INVALID_INTERVALS', 'Runs extend past the last pixel', { expected: `at most ${total} pixels`, received: describeValue(this.pos) });
    }
    this.append(false, total - this.pos);
    return this.buf.slice(0, this.n);
  }
}

/**
 * Validates user-given runs (any numeric array) against `total` and returns canonical runs.
 * Zero-length runs inside the list are merged away, as decoders of every dialect tolerate them.
 * @example
 * ```ts
 * // Zero-length runs merged away, the last run completed to the total.
 * Array.from(canonicalRuns([0, 2, 0, 3, 3], 8)); // → [0, 5, 3]
 * ```
 */
export function canonicalRuns(runs: ArrayLike<number>, total: number, path: readonly (string | number)[] = []): Uint32Array {
  let sum = 0;
  let canonical = true;
  const len = runs.length;
  if (runs instanceof Uint32Array) {
    // Every uint32 is a valid run: only the sum and inner zeros need checking (a hot path of fromRuns).
    for (let i = 1; i < len; i++) {
      const r = runs[i]!;
      if (r === 0) canonical = false;
      sum += r;
    }
    if (len > 0) sum += runs[0]!;
  } else for (let i = 0; i < len; i++) {
    const r = runs[i]!;
    if (!(typeof r === 'number' && r >= 0 && r <= 0xffffffff && Number.isInteger(r))) {
      throw new RleError('INVALID_RUNS', 'Invalid run length', { path: [...path, i], expected: 'an integer from 0 to 2^32-1', received: describeValue(r) });
    }
    if (r === 0 && i > 0) canonical = false;
    sum += r;
  }
  if (sum !== total) {
    throw new RleError('RUNS_SUM_MISMATCH', 'Run lengths do not sum to height * width', { path, expected: String(total), received: describeValue(sum) });
  }
  if (total === 0) return new Uint32Array(0);
  if (canonical && !(len === 1 && runs[0] === 0)) {
    return runs instanceof Uint32Array ? runs.slice() : Uint32Array.from(runs);
  }
  const b = new RunBuilder(len);
  for (let i = 0; i < len; i++) b.append((i & 1) === 1, runs[i]!);
  return b.finish(total);
}

/**
 * Foreground pixel count: the sum of the odd runs.
 * @example
 * ```ts
 * runsArea(Uint32Array.from([1, 2, 3, 4])); // → 6
 * ```
 */
export function runsArea(runs: Uint32Array): number {
  let a = 0;
  for (let i = 1; i < runs.length; i += 2) a += runs[i]!;
  return a;
}

/**
 * Tight box of canonical runs flattened with lines of `inner` pixels (`outer` lines).
 * Returns [outerStart, innerStart, outerExtent, innerExtent]; all zero when empty.
 * @example
 * ```ts
 * // Row-major runs of a 3×4 mask; `inner` is the line length (the width), so the box is
 * // [first row, first column, rows, columns].
 * runsBox(Uint32Array.from([1, 2, 1, 2, 5, 1]), 4); // → [0, 0, 3, 4]
 * ```
 */
export function runsBox(runs: Uint32Array, inner: number): [number, number, number, number] {
  let oMin = Infinity, oMax = -1, iMin = Infinity, iMax = -1;
  let pos = 0;
  // The line of the last run end, and where that line starts: runs move forward, so the next
  // line is found by stepping (a line or two per run on a polygon's mask), not by dividing.
  let line = 0, lineStart = 0;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    if ((k & 1) === 1 && r > 0) {
      const s = pos, e = pos + r - 1;
      if (s - lineStart >= 4 * inner) {
        line = Math.floor(s / inner);
        lineStart = line * inner;
      } else while (s - lineStart >= inner) (line++, (lineStart += inner));
      const os = line, sStart = lineStart;
      if (e - lineStart >= 4 * inner) {
        line = Math.floor(e / inner);
        lineStart = line * inner;
      } else while (e - lineStart >= inner) (line++, (lineStart += inner));
      const oe = line;
      if (os < oMin) oMin = os;
      if (oe > oMax) oMax = oe;
      if (os < oe) {
        iMin = 0;
        iMax = inner - 1;
      } else {
        const is = s - sStart, ie = e - lineStart;
        if (is < iMin) iMin = is;
        if (ie > iMax) iMax = ie;
      }
    }
    pos += r;
  }
  if (oMax < 0) return [0, 0, 0, 0];
  return [oMin, iMin, oMax - oMin + 1, iMax - iMin + 1];
}

/**
 * Re-flattens runs from lines of `inner` pixels (`outer` lines) to lines of `outer` pixels:
 * column-major ↔ row-major without a full bitmap. Sparse runs: each input line is compared with
 * the previous one (output transitions are exactly where they differ), so the cost is
 * O(runs + output runs + inner) and memory stays O(runs + output runs) for huge masks with few
 * runs. Dense runs (noise): bands of output lines are expanded in a small buffer and scanned.
 * Runs whose foreground box is small next to the image (a polygon's): a bitset of the box,
 * walked output line by output line (see transposeBox), taken before the line comparison.
 * @example
 * ```ts
 * // Row-major runs of a 3×4 mask (3 lines of 4) → its column-major runs.
 * Array.from(transposeRuns(Uint32Array.from([1, 2, 1, 2, 5, 1]), 3, 4)); // → [1, 1, 1, 2, 1, 1, 4, 1]
 * ```
 */
export function transposeRuns(runs: Uint32Array, outer: number, inner: number): Uint32Array {
  const total = outer * inner;
  if (total === 0) return new Uint32Array(0);
  if (outer === 1 || inner === 1) return runs.slice();
  const dense = useBands(runs, outer, total);
  if (dense && total <= runs.length * BANDS_FIRST_PIXELS_PER_RUN) return transposeDense(runs, outer, inner, total);
  const box = transposeBox(runs, outer, inner, total);
  if (box !== undefined) return box;
  return dense ? transposeDense(runs, outer, inner, total) : transposeSparse(runs, outer, inner, total);
}

/**
 * transposeRuns through one named path (the box path may decline: undefined), so tests can hold
 * each path to the others whichever the size thresholds pick. Internal.
 */
export function transposeRunsVia(path: 'box' | 'bands' | 'sweep', runs: Uint32Array, outer: number, inner: number): Uint32Array | undefined {
  const total = outer * inner;
  if (total === 0) return new Uint32Array(0);
  if (path === 'box') return transposeBox(runs, outer, inner, total);
  if (path === 'bands') return transposeDense(runs, outer, inner, total);
  return transposeSparse(runs, outer, inner, total);
}

/*
 * Box transposition, for the usual mask (a polygon's) whose box is small next to the image. Its
 * output lines are walked in order while a bitset holds, for the box's columns (bit o - oMin of
 * the current output line i), where the line has transitions: T = R ^ (R << 1) of the line's
 * pixels R. A foreground stretch [a, b) of input line o flips pixel o of output lines a..b-1, so
 * it toggles bit o - oMin of R at lines a and b, and those toggles (G: one bitset row per output
 * line, XOR so that repeats cancel) flip T's bits o - oMin and o - oMin + 1 there. Summary words
 * (M per line: which G words were toggled; S: which T words may be non-zero) keep the walk to the
 * words that matter, so the cost is O(runs + box lines + output runs), with no pass over the
 * box's pixels or per-offset records to sort (the sweep's cost, 7-8 µs per LVIS polygon mask).
 */
/** The box path's bitset rows (G) may hold at most this many words (1 MiB); larger boxes take the other paths. */
const BOX_WORDS_MAX = 1 << 18;
/** ...and its walk over output lines (lines × summary words) may be at most this much per run, plus BOX_LINES_SLACK. */
const BOX_LINES_PER_RUN = 8;
const BOX_LINES_SLACK = 2048;
/** Toggle rows (G), their summaries (M), the line's transitions (T) and their summary (S); all zero between calls. */
// Typed plainly: an inferred Int32Array<ArrayBuffer> in the .d.ts breaks consumers on TypeScript before 5.7.
export let boxG: Int32Array = new Int32Array(0), boxM: Int32Array = new Int32Array(0);
let boxT = new Int32Array(0), boxS = new Int32Array(0);
/** False while a box transposition runs: one that threw midway leaves it false, and the next clears the buffers. */
let boxClean = true;

function transposeBox(runs: Uint32Array, outer: number, inner: number, total: number): Uint32Array | undefined {
  const len = runs.length;
  // The first and last foreground pixels give the first and last input lines: the box's columns.
  let first = -1, last = -1, pos = 0;
  for (let k = 0; k < len; k++) {
    if ((k & 1) === 1 && runs[k]! > 0) { first = pos; break; }
    pos += runs[k]!;
  }
  if (first < 0) return runsFromTransitions(trans, 0, total);
  pos = total;
  for (let k = len - 1; k >= 0; k--) {
    if ((k & 1) === 1 && runs[k]! > 0) { last = pos - 1; break; }
    pos -= runs[k]!;
  }
  const oMin = Math.floor(first / inner), cols = Math.floor(last / inner) - oMin + 1;
  if (!boxOpen(cols, inner, BOX_LINES_PER_RUN * len + BOX_LINES_SLACK)) return undefined;
  const G = boxG, M = boxM, nw = boxNw, nsw = boxNsw;
  // Pass 1: each foreground run's toggles, lines found by stepping (as in runsBox), and the box's offsets [iMin, iMax).
  let line = 0, lineStart = 0, iMin = inner, iMax = 0;
  pos = 0;
  for (let k = 1; k < len; k += 2) {
    pos += runs[k - 1]!;
    const r = runs[k]!;
    if (r === 0) continue;
    const s = pos;
    pos += r;
    if (s - lineStart >= 4 * inner) {
      line = Math.floor(s / inner);
      lineStart = line * inner;
    } else while (s - lineStart >= inner) (line++, (lineStart += inner));
    const os = line, a = s - lineStart;
    const e = pos - 1;
    if (e - lineStart >= 4 * inner) {
      line = Math.floor(e / inner);
      lineStart = line * inner;
    } else while (e - lineStart >= inner) (line++, (lineStart += inner));
    const b = pos - lineStart;
    let j = os - oMin;
    if (os === line) {
      if (a < iMin) iMin = a;
      if (b > iMax) iMax = b;
      const w = j >>> 5, bit = 1 << (j & 31), mw = w >>> 5, mbit = 1 << (w & 31);
      let g = a * nw + w, m = a * nsw + mw;
      G[g] = G[g]! ^ bit;
      M[m] = M[m]! | mbit;
      g = b * nw + w; m = b * nsw + mw;
      G[g] = G[g]! ^ bit;
      M[m] = M[m]! | mbit;
      continue;
    }
    // The run wraps to further lines: the first from a, whole lines, the last up to b.
    iMin = 0;
    iMax = inner;
    boxToggle(G, M, nw, nsw, a, inner, j);
    for (j++; j < line - oMin; j++) boxToggle(G, M, nw, nsw, 0, inner, j);
    boxToggle(G, M, nw, nsw, 0, b, j);
  }
  return boxWalk(iMin, iMax, outer, oMin, cols, total)!;
}

/**
 * Readies the box bitsets for `cols` input lines of `inner` pixels (nw words per toggle row,
 * nsw summary words), or says no: more than BOX_WORDS_MAX words, or a walk over more than
 * `maxWalk` (lines × summary words). On true the caller toggles (G, M), then calls boxWalk.
 */
export function boxOpen(cols: number, inner: number, maxWalk: number): boolean {
  // nw words per bitset row; T has one more (a transition just after the last column), and nsw summary words cover those.
  const nw = (cols + 31) >>> 5, nsw = (nw + 32) >>> 5;
  const gWords = (inner + 1) * nw;
  if (gWords > BOX_WORDS_MAX || inner * nsw > maxWalk) return false;
  if (boxG.length < gWords) boxG = new Int32Array(Math.max(gWords, Math.min(BOX_WORDS_MAX, boxG.length * 2)));
  if (boxM.length < (inner + 1) * nsw) boxM = new Int32Array(Math.max((inner + 1) * nsw, boxM.length * 2));
  if (boxT.length < nw + 1) boxT = new Int32Array(Math.max(nw + 1, boxT.length * 2));
  if (boxS.length < nsw) boxS = new Int32Array(Math.max(nsw, boxS.length * 2));
  if (!boxClean) (boxG.fill(0), boxM.fill(0), boxT.fill(0), boxS.fill(0));
  boxClean = false;
  boxNw = nw;
  boxNsw = nsw;
  return true;
}
export let boxNw = 0, boxNsw = 0;

/**
 * Pass 2 of the box path: output lines iMin..iMax in order (the last only clears its toggles:
 * its pixels are all zero), their transitions turned into runs. Undefined when the toggles left
 * foreground open past line iMax (toggles that were not pairs per input line: the caller's
 * input was not a mask's); the buffers are then cleared by the next boxOpen.
 */
export function boxWalk(iMin: number, iMax: number, outer: number, oMin: number, cols: number, total: number): Uint32Array | undefined {
  const G = boxG, M = boxM, T = boxT, S = boxS, nw = boxNw, nsw = boxNsw;
  const fullWidth = oMin === 0 && cols === outer;
  let t = trans, n = 0;
  if (nsw === 1) {
    // The usual box (≤ 992 columns): one summary word per line, S kept in a register.
    let sAll = S[0]!;
    for (let i = iMin; i <= iMax; i++) {
      let m = M[i]!;
      if (m !== 0) {
        M[i] = 0;
        const gRow = i * nw;
        do {
          const low = m & -m;
          m ^= low;
          const w = 31 - Math.clz32(low), g = G[gRow + w]!;
          G[gRow + w] = 0;
          T[w] = T[w]! ^ g ^ (g << 1);
          sAll |= low;
          if (g < 0) (T[w + 1] = T[w + 1]! ^ 1), (sAll |= low << 1);
        } while (m !== 0);
      }
      if (n + 32 * (nw + 1) > t.length) t = growTrans(n, n + 32 * (nw + 1));
      const base = i * outer + oMin + 31, n0 = n;
      let s = sAll;
      while (s !== 0) {
        const low = s & -s;
        s ^= low;
        const w = 31 - Math.clz32(low);
        let d = T[w]!;
        if (d === 0) sAll ^= low;
        else {
          const b0 = base + (w << 5);
          do {
            const bit = d & -d;
            t[n++] = b0 - Math.clz32(bit);
            d ^= bit;
          } while (d !== 0);
        }
      }
      if (fullWidth && n0 > 0 && n > n0 && t[n0] === t[n0 - 1]) {
        t.copyWithin(n0 - 1, n0 + 1, n);
        n -= 2;
      }
    }
    S[0] = sAll;
    if (sAll !== 0) return undefined;
  } else for (let i = iMin; i <= iMax; i++) {
    const mRow = i * nsw, gRow = i * nw;
    for (let sw = 0; sw < nsw; sw++) {
      let m = M[mRow + sw]!;
      if (m === 0) continue;
      M[mRow + sw] = 0;
      do {
        const low = m & -m;
        m ^= low;
        const w = (sw << 5) + 31 - Math.clz32(low);
        const g = G[gRow + w]!;
        if (g === 0) continue; // toggles that cancelled
        G[gRow + w] = 0;
        // Pixel toggles g flip transitions g ^ (g << 1), the top bit's carrying into the next word.
        T[w] = T[w]! ^ g ^ (g << 1);
        S[w >>> 5] = S[w >>> 5]! | (1 << (w & 31));
        if (g < 0) {
          T[w + 1] = T[w + 1]! ^ 1;
          S[(w + 1) >>> 5] = S[(w + 1) >>> 5]! | (1 << ((w + 1) & 31));
        }
      } while (m !== 0);
    }
    if (n + 32 * (nw + 1) > t.length) t = growTrans(n, n + 32 * (nw + 1));
    const base = i * outer + oMin, n0 = n;
    for (let sw = 0; sw < nsw; sw++) {
      let s = S[sw]!;
      while (s !== 0) {
        const low = s & -s;
        s ^= low;
        const w = (sw << 5) + 31 - Math.clz32(low);
        let d = T[w]!;
        if (d === 0) {
          S[sw] = S[sw]! ^ low;
          continue;
        }
        const b0 = base + (w << 5) + 31;
        do {
          const bit = d & -d;
          t[n++] = b0 - Math.clz32(bit);
          d ^= bit;
        } while (d !== 0);
      }
    }
    // A box as wide as the lines: this line's start is the previous line's end, where both
    // recorded a transition if foreground runs on across them.
    if (fullWidth && n0 > 0 && n > n0 && t[n0] === t[n0 - 1]) {
      t.copyWithin(n0 - 1, n0 + 1, n);
      n -= 2;
    }
  }
  if (nsw > 1) for (let sw = 0; sw < nsw; sw++) if (S[sw] !== 0) return undefined;
  boxClean = true;
  // The end of the last line is the end of the mask, not a transition.
  if (n > 0 && t[n - 1] === total) n--;
  const out = runsFromTransitions(t, n, total);
  releaseScratch();
  return out;
}

/** Toggles pixel j of the box's output lines u and v (see transposeBox). */
function boxToggle(G: Int32Array, M: Int32Array, nw: number, nsw: number, u: number, v: number, j: number): void {
  const w = j >>> 5, bit = 1 << (j & 31), mw = w >>> 5, mbit = 1 << (w & 31);
  G[u * nw + w] = G[u * nw + w]! ^ bit;
  M[u * nsw + mw] = M[u * nsw + mw]! | mbit;
  G[v * nw + w] = G[v * nw + w]! ^ bit;
  M[v * nsw + mw] = M[v * nsw + mw]! | mbit;
}

/**
 * Many runs per pixel: building output lines band by band and scanning them beats the sweep.
 * The band path needs O(outer) cursors and one output line in its buffer, so it is only taken
 * when that is no more than the input runs and BAND_BYTES: memory is never O(total).
 */
function useBands(runs: Uint32Array, outer: number, total: number): boolean {
  return total <= runs.length * DENSE_PIXELS_PER_RUN && outer <= runs.length && outer <= BAND_BYTES;
}

/**
 * Noise of at most this many pixels per run goes to the band path before the box path: measured
 * on 300² to 1000² noise, the box path took 1.0-1.2x the bands' time at 2-6 pixels per run and
 * 0.35-0.9x from 9 up.
 */
const BANDS_FIRST_PIXELS_PER_RUN = 6;
/** transposeRuns takes the band path at or below this many pixels per run (measured crossover ~30). */
const DENSE_PIXELS_PER_RUN = 32;
/**
 * Dense transposition works on bands of output lines: a band's toggles touch one cache line per
 * band line and input line, so ~1024 lines keep that set in L2 (measured: 32-line bands were 3x
 * slower from per-band overhead); BAND_BYTES caps the band buffer for very wide outputs.
 */
const BAND_LINES = 1024;
const BAND_BYTES = 1 << 22;

function bandLines(outer: number, inner: number): number {
  return Math.max(1, Math.min(inner, BAND_LINES, Math.floor(BAND_BYTES / outer)));
}

/**
 * Dense transposition without a full bitmap: output lines are built in bands of a few lines in a
 * small cache-resident buffer and each band is scanned for transitions (see fillBand). Memory is
 * O(outer + band), so it is safe for any size.
 */
function transposeDense(runs: Uint32Array, outer: number, inner: number, total: number): Uint32Array {
  const { ck, ce } = bandCursors(runs, outer, inner);
  const lines = bandLines(outer, inner);
  const band = bandBuffer(lines * outer);
  const band32 = (outer & 3) === 0 ? new Uint32Array(band.buffer, band.byteOffset, (lines * outer) >>> 2) : undefined;
  transPrev = 0;
  let n = 0;
  for (let i0 = 0; i0 < inner; i0 += lines) {
    const b = Math.min(lines, inner - i0), bytes = b * outer;
    band.fill(0, outer, bytes);
    fillBand(runs, ck, ce, outer, inner, i0, b, band, 0, band32);
    n = scanBytes(band, bytes, i0 * outer, n);
  }
  const out = runsFromTransitions(trans, n, total);
  releaseScratch();
  return out;
}

/** Cursor per input line: index of the run holding the line's first pixel, and where that run ends (≤ total < 2^32). */
function bandCursors(runs: Uint32Array, outer: number, inner: number): { ck: Uint32Array; ce: Uint32Array } {
  const ck = new Uint32Array(outer), ce = new Uint32Array(outer);
  let k = 0, e = runs[0]!;
  for (let o = 0; o < outer; o++) {
    const p = o * inner;
    while (e <= p) e += runs[++k]!;
    ck[o] = k;
    ce[o] = e;
  }
  return { ck, ce };
}

/**
 * Writes the 0/1 pixels of output lines [i0, i0 + b) (lines of `outer` pixels) to dst[off ...],
 * advancing the cursors. Lines 1..b-1 of the region must be zero. The first line gets each input
 * line's value, every run boundary inside the band toggles one byte (branch-free per run), and a
 * prefix XOR down the band (whole words when `dst32` is given: outer and off multiples of 4)
 * turns toggles into pixels.
 */
function fillBand(
  runs: Uint32Array, ck: Uint32Array, ce: Uint32Array, outer: number, inner: number,
  i0: number, b: number, dst: Uint8Array, off: number, dst32: Uint32Array | undefined,
): void {
  const len = runs.length;
  for (let o = 0; o < outer; o++) {
    const p0 = o * inner + i0;
    let k = ck[o]!;
    dst[off + o] = k & 1;
    // r: end of run k relative to the band start, so indices stay small integers.
    let r = ce[o]! - p0;
    while (r < b) {
      const d = off + r * outer + o;
      dst[d] = dst[d]! ^ 1;
      r += runs[++k]!;
    }
    // Step to the run holding the next band's first pixel, past any zero-length runs.
    while (r <= b && k + 1 < len) r += runs[++k]!;
    ck[o] = k;
    ce[o] = p0 + r;
  }
  const bytes = b * outer;
  if (dst32 !== undefined) {
    const wpl = outer >>> 2;
    for (let w = (off >>> 2) + wpl, end = (off + bytes) >>> 2; w < end; w++) dst32[w] = dst32[w]! ^ dst32[w - wpl]!;
  } else {
    for (let d = off + outer, end = off + bytes; d < end; d++) dst[d] = dst[d]! ^ dst[d - outer]!;
  }
}

/**
 * The bitmap of runs flattened with lines of `inner` pixels (`outer` lines), flattened the other
 * way (lines of `outer` pixels): e.g. column runs → row-major bitmap in one step. Dense runs are
 * written band by band straight into the result (no intermediate runs); sparse ones are
 * transposed as runs first, which is cheaper when runs are long.
 */
export function runsToTransposedBitmap(runs: Uint32Array, outer: number, inner: number): Uint8Array {
  const total = outer * inner;
  if (total === 0 || outer === 1 || inner === 1 || !useBands(runs, outer, total)) {
    return runsToBitmap(transposeRuns(runs, outer, inner), total);
  }
  const out = allocateBytes(total);
  const { ck, ce } = bandCursors(runs, outer, inner);
  const lines = bandLines(outer, inner);
  // `out` is fresh (zero) and starts 4-byte aligned, so bands are written in place.
  const out32 = (outer & 3) === 0 ? new Uint32Array(out.buffer, out.byteOffset, total >>> 2) : undefined;
  for (let i0 = 0; i0 < inner; i0 += lines) fillBand(runs, ck, ce, outer, inner, i0, Math.min(lines, inner - i0), out, i0 * outer, out32);
  return out;
}

/*
 * Sparse transposition by line differences: output pixel (o, i) sits at i*outer + o, so an output
 * transition at (o, i) is exactly a pixel differing from input line o-1 at the same offset i (for
 * o = 0: from line outer-1 at offset i-1, the previous pixel in output order). Those offsets are
 * the symmetric difference of the two lines' toggle lists (offsets where a line changes value,
 * offset 0 toggling when the line starts with foreground): a merge of a few entries per line.
 * Each transition is recorded once, in ascending o, then bucketed by offset (a stable counting
 * sort) into ascending output positions. Cost O(runs + output runs + inner); lines inside one long
 * run are skipped in one step, as they equal their predecessor.
 */
let lineA = new Uint32Array(64), lineB = new Uint32Array(64);
let recI = new Uint32Array(1024), recO = new Uint32Array(1024);
/**
 * Per offset: how many records it gets, kept as a difference array (+1 at lo, -1 at hi per
 * range). Entries wrap modulo 2^32 but their prefix sums (counts below 2^32) come out exact.
 */
let recCounts = new Uint32Array(0);
let counting = false;
/**
 * recCounts is all zero between transpositions (only the offsets one used are cleared after it),
 * so a small mask in a tall image costs its records, not a pass over every offset. False while a
 * transposition runs: one that threw midway leaves it false, and the next clears the whole table.
 */
let recCountsClear = true;
/** The output positions of a transposition, before they become runs (reused; dropped above SCRATCH_KEEP). */
let sortScratch = new Uint32Array(1024);

function growRecords(n: number, need: number): void {
  // Records are output transitions (plus a few spare): a transposition that would give more runs than the limit stops here.
  if (need > DEFAULT_MAX_RUNS + 64) throw tooManyRuns(DEFAULT_MAX_RUNS, 'the transposed mask');
  let cap = recI.length * 2;
  while (cap < need) cap *= 2;
  const a = new Uint32Array(cap), b = new Uint32Array(cap);
  a.set(recI.subarray(0, n)); b.set(recO.subarray(0, n));
  recI = a; recO = b;
}

/**
 * Records (offset, o) for every offset in [0, inner) where toggle lists a (na entries) and b (nb)
 * differ in value, appending at index n; returns the new count.
 */
function recordDifference(a: Uint32Array, na: number, b: Uint32Array, nb: number, inner: number, o: number, n: number): number {
  if (na === nb) {
    // Usual case (smooth shapes): boundaries pair up in order and each pair spans its own
    // stretch, so the difference is the union of [min, max) of each pair. Short stretches are
    // written as four records unconditionally (the count then advances by the true length),
    // which saves a data-dependent loop exit per pair.
    if (n + 4 * na + 4 > recI.length) growRecords(n, n + 4 * na + 4);
    let ri = recI, ro = recO;
    const n0 = n;
    let last = 0, j = 0;
    for (; j < na; j++) {
      const x = a[j]!, y = b[j]!;
      const lo = Math.min(x, y), hi = Math.max(x, y);
      if (lo < last) break;
      last = hi;
      if (counting) { recCounts[lo]!++; recCounts[hi]!--; }
      ri[n] = lo; ri[n + 1] = lo + 1; ri[n + 2] = lo + 2; ri[n + 3] = lo + 3;
      ro[n] = o; ro[n + 1] = o; ro[n + 2] = o; ro[n + 3] = o;
      if (hi - lo > 4) {
        if (n + (hi - lo) + 4 * (na - j) + 4 > ri.length) { growRecords(n + 4, n + (hi - lo) + 4 * (na - j) + 4); ri = recI; ro = recO; }
        for (let i = lo + 4, d = n + 4; i < hi; i++, d++) { ri[d] = i; ro[d] = o; }
      }
      n += hi - lo;
    }
    if (j === na) return n;
    // Pairs overlap: undo and take the general merge.
    n = n0;
    if (counting) for (let q = 0; q < j; q++) { const x = a[q]!, y = b[q]!; recCounts[Math.min(x, y)]!--; recCounts[Math.max(x, y)]!++; }
  }
  let ia = 0, ib = 0, inside = false, from = 0;
  for (;;) {
    let x: number;
    if (ia < na && (ib >= nb || a[ia]! < b[ib]!)) x = a[ia++]!;
    else if (ib < nb && (ia >= na || b[ib]! < a[ia]!)) x = b[ib++]!;
    else if (ia < na) { ia++; ib++; continue; } // equal offsets cancel
    else break;
    if (inside) n = recordRange(from, x, o, n);
    else from = x;
    inside = !inside;
  }
  return inside ? recordRange(from, inner, o, n) : n;
}

function recordRange(lo: number, hi: number, o: number, n: number): number {
  if (counting) { recCounts[lo]!++; recCounts[hi]!--; }
  if (n + (hi - lo) > recI.length) growRecords(n, n + (hi - lo));
  const ri = recI, ro = recO;
  for (let i = lo; i < hi; i++) { ri[n] = i; ro[n++] = o; }
  return n;
}

function transposeSparse(runs: Uint32Array, outer: number, inner: number, total: number): Uint32Array {
  // A line holds at most one toggle per run boundary (+1): never more than the runs, however wide.
  const cap = Math.min(inner, runs.length) + 2;
  if (lineA.length < cap) { lineA = new Uint32Array(cap); lineB = new Uint32Array(cap); }
  let prev = lineA, cur = lineB;
  const len = runs.length;
  // Cursor: run k holds the current line's first pixel and ends at `end`.
  let k: number, end: number;
  // Line -1 (compared with line 0): line outer-1 shifted one offset on, background at offset 0.
  const lastStart = total - inner;
  k = len - 1;
  let start = total - runs[k]!;
  while (start > lastStart && k > 0) start -= runs[--k]!;
  end = start + runs[k]!;
  let np = 0;
  if ((k & 1) === 1) prev[np++] = 1;
  for (let pos = end; pos < total - 1 && k + 1 < len; pos += runs[++k]!) {
    const x = pos - lastStart + 1;
    if (np > 0 && prev[np - 1] === x) np--;
    else prev[np++] = x;
  }
  if (inner === 1) np = 0;
  k = 0;
  end = runs[0]!;
  // Counting sort when its offset table is small or no larger than the input: memory stays O(runs).
  counting = inner <= Math.max(1 << 16, len * 4);
  if (counting) {
    if (recCounts.length < inner + 1) recCounts = new Uint32Array(Math.max(inner + 1, recCounts.length * 2));
    else if (!recCountsClear) recCounts.fill(0);
    recCountsClear = false;
  }
  let n = 0;
  const counts = counting ? recCounts : undefined;
  let ri = recI, ro = recO;
  for (let o = 0; o < outer;) {
    const lineStart = o * inner, lineEnd = lineStart + inner;
    while (end <= lineStart && k + 1 < len) end += runs[++k]!;
    let nc = 0, next = o + 1;
    if ((k & 1) === 1) cur[nc++] = 0;
    if (end >= lineEnd) {
      // The line is one run, and so is every further line that run covers fully: all equal to it.
      next = Math.max(next, Math.floor(end / inner));
    } else {
      // Zero-length runs give equal offsets, which cancel.
      for (; end < lineEnd && k + 1 < len; end += runs[++k]!) {
        const x = end - lineStart;
        if (nc > 0 && cur[nc - 1] === x) nc--;
        else cur[nc++] = x;
      }
    }
    let j = 0;
    if (np === nc && counts !== undefined) {
      // The usual case inline (see recordDifference): pairs of boundaries, each its own short
      // stretch, written as four records unconditionally.
      if (n + 4 * nc + 4 > ri.length) { growRecords(n, n + 4 * nc + 4); ri = recI; ro = recO; }
      let last = 0;
      for (; j < nc; j++) {
        const x = prev[j]!, y = cur[j]!;
        const lo = Math.min(x, y), hi = Math.max(x, y);
        if (lo < last || hi - lo > 4) break;
        last = hi;
        counts[lo]!++; counts[hi]!--;
        ri[n] = lo; ri[n + 1] = lo + 1; ri[n + 2] = lo + 2; ri[n + 3] = lo + 3;
        ro[n] = o; ro[n + 1] = o; ro[n + 2] = o; ro[n + 3] = o;
        n += hi - lo;
      }
      if (j < nc) {
        // Undo this line's records and take the general path.
        for (let q = 0; q < j; q++) {
          const lo = Math.min(prev[q]!, cur[q]!), hi = Math.max(prev[q]!, cur[q]!);
          n -= hi - lo;
          counts[lo]!--; counts[hi]!++;
        }
        j = -1;
      }
    } else j = -1;
    if (j < 0) {
      n = recordDifference(prev, np, cur, nc, inner, o, n);
      ri = recI; ro = recO;
    }
    const swap = prev; prev = cur; cur = swap;
    np = nc;
    o = next;
  }
  // Stable bucket sort by offset (records come in ascending o): positions i*outer + o ascend.
  if (sortScratch.length < n) sortScratch = new Uint32Array(Math.max(n, sortScratch.length * 2));
  const t = sortScratch;
  ri = recI; ro = recO;
  if (counting) {
    const c = recCounts;
    // Only offsets from the least to the greatest recorded (+1, where a range's -1 sits) are non-zero.
    let lo = inner, hi = 0;
    for (let r = 0; r < n; r++) {
      const i = ri[r]!;
      if (i < lo) lo = i;
      if (i > hi) hi = i;
    }
    const end = Math.min(inner, hi + 1);
    // Difference array → per-offset counts → first slot of each offset, in one pass.
    let run = 0, acc = 0;
    for (let i = lo; i < end; i++) { run = (run + c[i]!) >>> 0; c[i] = acc; acc += run; }
    for (let r = 0; r < n; r++) { const i = ri[r]!; t[c[i]!++] = i * outer + ro[r]!; }
    if (n > 0) c.fill(0, lo, end + 1);
    recCountsClear = true;
  } else {
    for (let r = 0; r < n; r++) t[r] = ri[r]! * outer + ro[r]!;
    t.subarray(0, n).sort();
  }
  counting = false;
  if (recCounts.length * 4 > SCRATCH_KEEP) (recCounts = new Uint32Array(0)), (recCountsClear = true);
  const out = runsFromTransitions(t, n, total);
  if (sortScratch.length * 4 > SCRATCH_KEEP) sortScratch = new Uint32Array(1024);
  if (recI.length * 4 > SCRATCH_KEEP) { recI = new Uint32Array(1024); recO = new Uint32Array(1024); }
  if (lineA.length * 4 > SCRATCH_KEEP) { lineA = new Uint32Array(64); lineB = new Uint32Array(64); }
  return out;
}

/**
 * Combines two canonical run lists of the same total with a boolean operation given as a
 * truth table: bit (2*a + b) of `table` is the result for pixel values a, b.
 * @example
 * ```ts
 * // The truth table's bit (2a + b) says which pixels are kept: 0b1000 is a AND b.
 * Array.from(combineRuns(Uint32Array.from([0, 4, 2]), Uint32Array.from([2, 4]), 0b1000, 6)); // → [2, 2, 2]
 * ```
 */
export function combineRuns(a: Uint32Array, b: Uint32Array, table: number, total: number): Uint32Array {
  if (total === 0) return new Uint32Array(0);
  const na = a.length, nb = b.length;
  // Every output boundary is a boundary of a or b, so na + nb + 1 entries always suffice.
  const out = new Uint32Array(na + nb + 2);
  // Cursors hold the index of the current run and its end position; positions stay ≤ total ≤ 2^32-1
  // (exact doubles, no Infinity), an exhausted list just ends at `total`.
  let ia = 0, ib = 0;
  let ea = na > 0 ? a[0]! : total, eb = nb > 0 ? b[0]! : total;
  while (ea === 0 && ia + 1 < na) ea = a[++ia]!; // leading zero run (or zero runs of a non-canonical list)
  while (eb === 0 && ib + 1 < nb) eb = b[++ib]!;
  let n = 0, cur = 0, start = 0, pos = 0;
  for (;;) {
    const v = (table >> (((ia & 1) << 1) | (ib & 1))) & 1;
    if (v !== cur) {
      out[n++] = pos - start;
      start = pos;
      cur = v;
    }
    pos = ea < eb ? ea : eb;
    if (pos >= total) break;
    if (ea === pos) {
      if (ia + 1 < na) { do ea += a[++ia]!; while (ea === pos && ia + 1 < na); } else ea = total;
    }
    if (eb === pos) {
      if (ib + 1 < nb) { do eb += b[++ib]!; while (eb === pos && ib + 1 < nb); } else eb = total;
    }
  }
  out[n++] = total - start;
  return out.slice(0, n);
}

/**
 * The union of two canonical run lists of the same total: one walk over their foreground
 * intervals in order of start, overlapping or touching ones joined. What Mask.unionAll's tree
 * does at each node, faster than combineRuns' general truth-table walk (no per-boundary table
 * lookup, a step per interval, not per boundary).
 * @example
 * ```ts
 * Array.from(unionRuns(Uint32Array.from([0, 2, 4]), Uint32Array.from([2, 1, 3]), 6)); // → [0, 3, 3]
 * ```
 */
export function unionRuns(a: Uint32Array, b: Uint32Array, total: number): Uint32Array {
  if (total === 0) return new Uint32Array(0);
  // Output intervals are at most those of a and b together: two runs each, and a last background run.
  const out = new Uint32Array((a.length >> 1) * 2 + (b.length >> 1) * 2 + 1);
  const n = unionInto(a, b, total, out, 0);
  return n === out.length ? out : out.slice(0, n);
}

/** Scratch for the levels of unionAllRuns (two halves, ping-pong); dropped above SCRATCH_KEEP. */
let unionScratch = new Uint32Array(0);

/**
 * The union of any number of canonical run lists of one total (total > 0): pairwise unions in a
 * balanced tree, so each run is merged about log2(k) times, the levels written into one reused
 * scratch buffer (only the result is allocated).
 */
export function unionAllRuns(lists: readonly Uint32Array[], total: number): Uint32Array {
  if (lists.length === 1) return lists[0]!.slice();
  // A level's lists never hold more than the first level's values plus one per list.
  let half = 0;
  for (const r of lists) half += r.length + 1;
  if (unionScratch.length < 2 * half) unionScratch = new Uint32Array(2 * half);
  const scratch = unionScratch;
  let level: Uint32Array[] = lists.slice();
  let side = 0;
  while (level.length > 1) {
    const base = side * half;
    let o = base;
    const next: Uint32Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      let n: number;
      if (i + 1 < level.length) n = unionInto(level[i]!, level[i + 1]!, total, scratch, o) - o;
      else {
        // Copied, not kept in place: the level after next writes over the half it sits in.
        scratch.set(level[i]!, o);
        n = level[i]!.length;
      }
      next.push(scratch.subarray(o, o + n));
      o += n;
    }
    level = next;
    side ^= 1;
  }
  const out = copyU32(level[0]!, level[0]!.length);
  if (unionScratch.length * 4 > SCRATCH_KEEP) unionScratch = new Uint32Array(0);
  return out;
}

/** Writes the union of a and b at `out[at]` (room for a.length + b.length + 1 values); returns the end. */
function unionInto(a: Uint32Array, b: Uint32Array, total: number, out: Uint32Array, at: number): number {
  const na = a.length, nb = b.length;
  if (na > 1 && nb > 1) {
    // Foreground of one wholly before the other's (masks far apart in one image): concatenation.
    const aEnd = (na & 1) === 0 ? total : total - a[na - 1]!, bEnd = (nb & 1) === 0 ? total : total - b[nb - 1]!;
    if (aEnd <= b[0]!) return concatRuns(a, b, aEnd, out, at);
    if (bEnd <= a[0]!) return concatRuns(b, a, bEnd, out, at);
  }
  // [s, f) of each list's current interval; an exhausted list starts past `total`.
  const END = total + 1;
  let ka = 1, kb = 1;
  let sa = na > 1 ? a[0]! : END, fa = na > 1 ? sa + a[1]! : END;
  let sb = nb > 1 ? b[0]! : END, fb = nb > 1 ? sb + b[1]! : END;
  let n = at, last = 0, cs = -1, ce = 0;
  for (;;) {
    let s: number, f: number;
    if (sa <= sb) {
      if (sa === END) break;
      (s = sa), (f = fa);
      if ((ka += 2) < na) (sa = fa + a[ka - 1]!), (fa = sa + a[ka]!);
      else sa = fa = END;
    } else {
      (s = sb), (f = fb);
      if ((kb += 2) < nb) (sb = fb + b[kb - 1]!), (fb = sb + b[kb]!);
      else sb = fb = END;
    }
    if (cs < 0) (cs = s), (ce = f);
    else if (s <= ce) {
      if (f > ce) ce = f;
    } else {
      out[n++] = cs - last;
      out[n++] = ce - cs;
      last = ce;
      (cs = s), (ce = f);
    }
  }
  if (cs >= 0) {
    out[n++] = cs - last;
    out[n++] = ce - cs;
    last = ce;
  }
  if (last < total || n === at) out[n++] = total - last;
  return n;
}

/**
 * The union of a and b whose foreground ends at `aEnd`, no later than b's starts: a up to its last
 * foreground run, the gap (or b's first run joined to a's last), then the rest of b.
 */
function concatRuns(a: Uint32Array, b: Uint32Array, aEnd: number, out: Uint32Array, at: number): number {
  const lastFg = (a.length & 1) === 0 ? a.length - 1 : a.length - 2;
  let n = at;
  for (let k = 0; k <= lastFg; k++) out[n++] = a[k]!;
  let k = 1;
  if (b[0] === aEnd) (out[n - 1] = out[n - 1]! + b[1]!), (k = 2);
  else out[n++] = b[0]! - aEnd;
  for (const nb = b.length; k < nb; k++) out[n++] = b[k]!;
  return n;
}

/**
 * |a ∩ b| and |a ∪ b| of two canonical run lists, in one sweep without allocating.
 * @example
 * ```ts
 * overlapAreas(Uint32Array.from([0, 4, 2]), Uint32Array.from([2, 4]), 6); // → { intersection: 2, union: 6 }
 * ```
 */
export function overlapAreas(a: Uint32Array, b: Uint32Array, total: number): { intersection: number; union: number } {
  // Walk the foreground intervals of both lists pairwise (one step per interval, not per
  // pixel segment); the union follows from the areas: |a ∪ b| = |a| + |b| - |a ∩ b|.
  const na = a.length, nb = b.length;
  let areaA = 0, areaB = 0, inter = 0;
  for (let k = 1; k < na; k += 2) areaA += a[k]!;
  for (let k = 1; k < nb; k += 2) areaB += b[k]!;
  if (areaA > 0 && areaB > 0) {
    let ka = 1, kb = 1;
    let sa = a[0]!, fa = sa + a[1]!, sb = b[0]!, fb = sb + b[1]!; // [s, f) of the current intervals
    for (;;) {
      const lo = sa > sb ? sa : sb;
      if (fa <= fb) {
        if (fa > lo) inter += fa - lo;
        if ((ka += 2) >= na) break;
        sa = fa + a[ka - 1]!;
        fa = sa + a[ka]!;
      } else {
        if (fb > lo) inter += fb - lo;
        if ((kb += 2) >= nb) break;
        sb = fb + b[kb - 1]!;
        fb = sb + b[kb]!;
      }
    }
  }
  // Runs of a valid mask sum to `total`; clamping keeps the old meaning for over-long lists.
  const union = Math.min(total, areaA + areaB - inter);
  return { intersection: inter, union };
}

/** Complement: flips every run by adding or removing the leading zero. */
export function complementRuns(runs: Uint32Array, total: number): Uint32Array {
  if (total === 0) return new Uint32Array(0);
  if (runs[0] === 0) return runs.slice(1);
  const out = new Uint32Array(runs.length + 1);
  out.set(runs, 1);
  return out;
}

/** Row-major runs → Uint8Array of 0/1 (in the runs' own order). */
export function runsToBitmap(runs: Uint32Array, total: number): Uint8Array {
  const out = allocateBytes(total);
  const len = runs.length;
  if (len * TOGGLE_PIXELS_PER_RUN > total && LITTLE_ENDIAN) {
    // Many short runs: mark each run boundary, then a prefix XOR (4 pixels per step) turns the
    // marks into pixels; no per-run branches or fill() calls.
    let pos = 0;
    for (let k = 0; k < len - 1; k++) {
      pos += runs[k]!;
      if (pos >= total) break; // runs past the end are clipped, as fill() would
      out[pos] = out[pos]! ^ 1; // xor so that zero-length runs cancel out
    }
    // Runs that stop short of `total` leave the rest background, as fill() would.
    if (len > 0 && (len & 1) === 0 && (pos += runs[len - 1]!) < total) out[pos] = out[pos]! ^ 1;
    const words = total >>> 2;
    const w32 = new Uint32Array(out.buffer, out.byteOffset, words);
    let carry = 0;
    for (let w = 0; w < words; w++) {
      let x = w32[w]!;
      x ^= x << 8;
      x ^= x << 16;
      x ^= carry;
      w32[w] = x;
      carry = (x >>> 24) * 0x01010101;
    }
    for (let i = words * 4; i < total; i++) out[i] = i === 0 ? out[i]! : out[i]! ^ out[i - 1]!;
    return out;
  }
  let pos = 0;
  for (let k = 1; k < len; k += 2) {
    const s = pos + runs[k - 1]!, e = s + runs[k]!;
    // fill() costs a call and setup per run: plain stores win for short runs.
    if (e - s <= 16) for (let i = s; i < e; i++) out[i] = 1;
    else out.fill(1, s, e);
    pos = e;
  }
  return out;
}

/** runsToBitmap marks run boundaries instead of filling when runs average fewer pixels than this. */
const TOGGLE_PIXELS_PER_RUN = 16;

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/*
 * Scratch buffers reused across calls. A fresh multi-megabyte typed array costs a page fault per
 * 4 KiB on first touch, which can take longer than the scan itself; buffers above SCRATCH_KEEP
 * bytes are dropped after use so idle memory stays bounded. Only used on typed-array paths that
 * cannot call back into user code (so never re-entered).
 */
const SCRATCH_KEEP = 1 << 24;
/** Transition positions found by scanBytes (ascending). */
let trans: Uint32Array = new Uint32Array(1024);
/** Pixel value (0/1) just before the next byte scanBytes will see. */
let transPrev = 0;
let scratchBand: Uint8Array = new Uint8Array(0);

function growTrans(n: number, need: number): Uint32Array {
  // Transitions are runs: a bitmap (or transposition) of more runs than the limit stops here, not at gigabytes.
  if (need > DEFAULT_MAX_RUNS + 64) throw tooManyRuns(DEFAULT_MAX_RUNS);
  let cap = trans.length * 2;
  while (cap < need) cap *= 2;
  const next = new Uint32Array(cap);
  next.set(trans.subarray(0, n));
  trans = next;
  return next;
}

function bandBuffer(n: number): Uint8Array {
  if (scratchBand.length >= n) return scratchBand;
  const next = new Uint8Array(n);
  if (n <= SCRATCH_KEEP) scratchBand = next;
  return next;
}

/**
 * Appends to `trans` (from index n) the positions base+j where pixel j of `src` differs from
 * pixel j-1 (continuing from `transPrev`); returns the new count. Non-zero bytes are foreground.
 */
function scanBytes(src: Uint8Array | Uint8ClampedArray, len: number, base: number, n: number): number {
  if (len >= wasmMinBytes) {
    const kernel = scanKernel();
    if (kernel !== null) return scanBytesWasm(kernel, src, len, base, n);
  }
  return LITTLE_ENDIAN ? scanBytes8(src, len, base, n) : scanBytesExact(src, len, base, n);
}

/** The instantiated scan.wat: its entry point and views of its memory (which never grows). */
interface ScanKernel {
  scan: (len: number, base: number, prev: number) => number;
  prev: WebAssembly.Global;
  input: Uint8Array;
  found: Uint32Array;
}
/** Bytes per call of the kernel: its input area (its output area holds one u32 per byte). */
const WASM_CHUNK = 1 << 16;
/** Below this many bytes the JavaScript scan wins (copying in and calling out cost more). */
const WASM_MIN_BYTES = 4096;
let wasmMinBytes = WASM_MIN_BYTES;
/** undefined: not tried yet; null: WebAssembly (or its SIMD) is unavailable here, e.g. under a CSP. */
let kernel: ScanKernel | null | undefined;

function scanKernel(): ScanKernel | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  // The kernel writes little-endian u32s that are read through a Uint32Array.
  if (!LITTLE_ENDIAN || typeof WebAssembly !== 'object') return null;
  try {
    // Uint8Array.of made it over a plain ArrayBuffer; it is typed `Uint8Array` for the published .d.ts.
    const bytes = SCAN_MODULE as Uint8Array<ArrayBuffer>;
    if (!WebAssembly.validate(bytes)) return null;
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
    const buffer = (exports.memory as WebAssembly.Memory).buffer;
    kernel = {
      scan: exports.scan as ScanKernel['scan'],
      prev: exports.prev as WebAssembly.Global,
      input: new Uint8Array(buffer, 0, WASM_CHUNK),
      found: new Uint32Array(buffer, WASM_CHUNK, WASM_CHUNK),
    };
  } catch {
    kernel = null;
  }
  return kernel;
}

/**
 * Which scan runs, for tests that check both against references: 'js' never uses WebAssembly,
 * 'wasm' uses it for any length (throws if unavailable), 'auto' restores the default. Internal.
 */
export function useScanKernel(kind: 'js' | 'wasm' | 'auto'): void {
  if (kind === 'wasm' && scanKernel() === null) throw new Error('WebAssembly SIMD is not available');
  wasmMinBytes = kind === 'js' ? Infinity : kind === 'wasm' ? 0 : WASM_MIN_BYTES;
}

/** scanBytes through the WebAssembly kernel, chunk by chunk; the last len % 16 bytes in JavaScript. */
function scanBytesWasm(k: ScanKernel, src: Uint8Array | Uint8ClampedArray, len: number, base: number, n: number): number {
  const vectors = len - (len & 15);
  let p = transPrev;
  for (let a = 0; a < vectors; a += WASM_CHUNK) {
    const m = Math.min(WASM_CHUNK, vectors - a);
    k.input.set(src.subarray(a, a + m));
    // base + a may pass 2^31: the kernel adds modulo 2^32 and the u32 read back is exact.
    const found = k.scan(m, base + a, p);
    p = k.prev.value as number;
    if (n + found > trans.length) growTrans(n, n + found);
    trans.set(k.found.subarray(0, found), n);
    n += found;
  }
  transPrev = p;
  return scanByteRange(src, vectors, len, base, n);
}

/** The byte-by-byte part of a scan (unaligned head and tail): appends to `trans`, updates `transPrev`. */
function scanByteRange(src: Uint8Array | Uint8ClampedArray, from: number, to: number, base: number, n: number): number {
  let buf = trans, p = transPrev;
  for (let j = from; j < to; j++) {
    if (n === buf.length) buf = growTrans(n, n + 1);
    const v = (src[j]! + 255) >> 8; // 0 or 1 without a branch
    buf[n] = base + j;
    n += v ^ p;
    p = v;
  }
  transPrev = p;
  return n;
}

/** 0x0101010101010101 read as a float64 (a normal number). */
const ONES64 = new Float64Array(new Uint32Array([0x01010101, 0x01010101]).buffer)[0]!;
/** The 8-byte word that continues a run of value p, for 0/1 bitmaps, as a float64. */
const SAME64 = Float64Array.of(0, ONES64);

/**
 * scanBytes over aligned 8-byte words read as float64. Eight (then two) words that continue the
 * current run are recognised with one test and no per-word branch: -(x - same) is -0 exactly when
 * x has the bits of `same` (x - x is +0; distinct finite doubles never subtract to zero, NaN and
 * infinities stay so, and a word reading as -0 against same = +0 gives +0), and an IEEE sum is -0
 * only when every term is. Other words are decoded exactly as two 32-bit halves, branch-free per
 * byte; foreground of bytes other than 1 is skipped there by an exact zero-byte test.
 */
function scanBytes8(src: Uint8Array | Uint8ClampedArray, len: number, base: number, n: number): number {
  const head = Math.min(len, (8 - (src.byteOffset & 7)) & 7);
  const words = (len - head) >>> 3;
  n = scanByteRange(src, 0, head, base, n);
  let buf = trans, p = transPrev;
  if (words > 0) {
    const f = new Float64Array(src.buffer, src.byteOffset + head, words);
    const w32 = new Uint32Array(src.buffer, src.byteOffset + head, words * 2);
    let w = 0;
    while (w < words) {
      const s = SAME64[p]!;
      for (; w + 8 <= words; w += 8) {
        const t = ((-(f[w]! - s) - (f[w + 1]! - s)) + (-(f[w + 2]! - s) - (f[w + 3]! - s))) + ((-(f[w + 4]! - s) - (f[w + 5]! - s)) + (-(f[w + 6]! - s) - (f[w + 7]! - s)));
        if (!Object.is(t, -0)) break;
      }
      for (; w + 2 <= words; w += 2) {
        const t = -(f[w]! - s) - (f[w + 1]! - s);
        if (!Object.is(t, -0)) break;
      }
      // Word by word while words change value (noise stays here); two quiet words in a row, or
      // one after a change, send the scan back to skipping groups.
      let quiet = 0;
      for (; w < words; w++) {
        const x0 = w32[2 * w]!, x1 = w32[2 * w + 1]!;
        // High bit of each byte set iff the byte is non-zero.
        const y0 = (((x0 & 0x7f7f7f7f) + 0x7f7f7f7f) | x0) & 0x80808080;
        const y1 = (((x1 & 0x7f7f7f7f) + 0x7f7f7f7f) | x1) & 0x80808080;
        const same = -p & 0x80808080;
        if (y0 === same && y1 === same) {
          if (p === 1 && f[w] !== ONES64) {
            // Foreground of other values (e.g. 255, which reads as NaN): skip words without a zero byte, exactly.
            for (; w + 1 < words; w++) {
              const z0 = w32[2 * w + 2]!, z1 = w32[2 * w + 3]!;
              if ((((z0 - 0x01010101) & ~z0) | ((z1 - 0x01010101) & ~z1)) & 0x80808080) break;
            }
            continue;
          }
          if (++quiet === 2) { w++; break; }
          continue;
        }
        quiet = 1;
        if (n + 8 > buf.length) buf = growTrans(n, n + 8);
        const i = base + head + w * 8;
        // Bit 8j+7 of t: byte j differs from byte j-1 (byte -1 being the previous pixel).
        const t0 = y0 ^ ((y0 << 8) | (p << 7));
        buf[n] = i; n += (t0 >>> 7) & 1;
        buf[n] = i + 1; n += (t0 >>> 15) & 1;
        buf[n] = i + 2; n += (t0 >>> 23) & 1;
        buf[n] = i + 3; n += t0 >>> 31;
        const t1 = y1 ^ ((y1 << 8) | (y0 >>> 24));
        buf[n] = i + 4; n += (t1 >>> 7) & 1;
        buf[n] = i + 5; n += (t1 >>> 15) & 1;
        buf[n] = i + 6; n += (t1 >>> 23) & 1;
        buf[n] = i + 7; n += t1 >>> 31;
        p = y1 >>> 31;
      }
    }
  }
  transPrev = p;
  return scanByteRange(src, head + words * 8, len, base, n);
}

/**
 * scanBytes with 32-bit integer loads only (any byte order; used on big-endian engines). Branch-free per pixel: the position is always stored and the count advances by the 0/1 transition flag, so noise costs
 * no mispredictions. Aligned 4-byte words that only continue the current run are skipped.
 */
function scanBytesExact(src: Uint8Array | Uint8ClampedArray, len: number, base: number, n: number): number {
  const head = LITTLE_ENDIAN ? Math.min(len, (4 - (src.byteOffset & 3)) & 3) : len;
  const words = (len - head) >>> 2;
  n = scanByteRange(src, 0, head, base, n);
  let buf = trans, p = transPrev;
  if (words > 0) {
    const w32 = new Uint32Array(src.buffer, src.byteOffset + head, words);
    let w = 0;
    while (w < words) {
      const x = w32[w]!;
      // High bit of each byte set iff that byte is non-zero.
      const y = (((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) & 0x80808080;
      if (y === (-p & 0x80808080)) {
        // The word continues the current run: skip the whole stretch (long runs of real masks).
        w++;
        if (p === 0) {
          // 32 bytes per step: memory-bound over the background of large masks (measured best).
          while (w + 8 <= words && (w32[w]! | w32[w + 1]! | w32[w + 2]! | w32[w + 3]! | w32[w + 4]! | w32[w + 5]! | w32[w + 6]! | w32[w + 7]!) === 0) w += 8;
          while (w < words && w32[w] === 0) w++;
        } else {
          // Bytes with bit 0 set are non-zero: a cheap 16-byte test for 0/1 bitmaps, then the exact one.
          while (w + 4 <= words && (w32[w]! & w32[w + 1]! & w32[w + 2]! & w32[w + 3]! & 0x01010101) === 0x01010101) w += 4;
          for (; w < words; w++) {
            const z = w32[w]!;
            if (z !== 0x01010101 && ((z - 0x01010101) & ~z & 0x80808080) !== 0) break;
          }
        }
        continue;
      }
      if (n + 4 > buf.length) buf = growTrans(n, n + 4);
      const i = base + head + w * 4;
      // Bit 8j+7 of t: byte j differs from byte j-1 (byte -1 being the previous pixel).
      const t = y ^ ((y << 8) | (p << 7));
      buf[n] = i; n += (t >>> 7) & 1;
      buf[n] = i + 1; n += (t >>> 15) & 1;
      buf[n] = i + 2; n += (t >>> 23) & 1;
      buf[n] = i + 3; n += t >>> 31;
      p = y >>> 31;
      w++;
    }
  }
  transPrev = p;
  return scanByteRange(src, head + words * 4, len, base, n);
}

/**
 * Positions base + j (base + len < 2^32) where pixel j of `src` differs from pixel j-1 (pixel -1
 * being background): the scan bitmapToRuns builds on, exposed for tests of both kernels. Internal.
 */
export function scanTransitions(src: Uint8Array, base: number): Uint32Array {
  transPrev = 0;
  const n = scanBytes(src, src.length, base, 0);
  const out = trans.slice(0, n);
  releaseScratch();
  return out;
}

/** Canonical runs from the first n transition positions in `t` (pixel -1 counts as background). */
function runsFromTransitions(t: Uint32Array, n: number, total: number): Uint32Array {
  // Carved from a shared block when small: a fresh typed array per mask is an off-heap allocation and GC work.
  const out = allocU32(n + 1);
  let last = 0;
  for (let k = 0; k < n; k++) {
    const x = t[k]!;
    out[k] = x - last;
    last = x;
  }
  out[n] = total - last;
  return out;
}

function releaseScratch(): void {
  if (trans.length * 4 > SCRATCH_KEEP) trans = new Uint32Array(1024);
}

/** Runs of a bitmap (non-zero = foreground) in its memory order. */
export function bitmapToRuns(data: ArrayLike<number>, total: number): Uint32Array {
  if (total === 0) return new Uint32Array(0);
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) {
    transPrev = 0;
    const n = scanBytes(data, total, 0, 0);
    const out = runsFromTransitions(trans, n, total);
    releaseScratch();
    return out;
  }
  // Any other array: same transition scheme into a private buffer (element reads may run user code).
  let buf = new Uint32Array(Math.min(total + 1, 1024));
  let n = 0, p = 0;
  for (let i = 0; i < total; i++) {
    if (n === buf.length) {
      if (n > DEFAULT_MAX_RUNS) throw tooManyRuns(DEFAULT_MAX_RUNS);
      const next = new Uint32Array(Math.min(total + 1, buf.length * 2));
      next.set(buf);
      buf = next;
    }
    const v = data[i] !== 0 ? 1 : 0;
    buf[n] = i;
    n += v ^ p;
    p = v;
  }
  return runsFromTransitions(buf, n, total);
}

/** Output of {@link placeRowRuns}, reused (dropped above SCRATCH_KEEP): the placed runs are copied out of it. */
let placed = new Uint32Array(1024);

/**
 * Places row-major runs of a (h × w) mask into a (H × W) frame at offset (dx, dy); anything
 * falling outside the frame is clipped. Crop is a placement at a negative offset. `count`: how
 * many of `runs` to read (a reused buffer may hold more). The runs need not be canonical (zero
 * runs are merged away; the last may stop short): run k is foreground when k is odd.
 *
 * One pass over the runs straight into a reused buffer, the result carved from a shared block
 * (see slab.ts): no builder and no fresh array per mask, and no division per run.
 * @example
 * ```ts
 * // A 2x2 box [0 1 / 1 1] (runs 1, 3) at x 1, y 0 of a 2x3 frame: [0 0 1 / 0 1 1].
 * Array.from(placeRowRuns(Uint32Array.of(1, 3), 2, 2, 3, 1, 0)); // → [2, 1, 1, 2]
 * ```
 */
export function placeRowRuns(runs: Uint32Array, w: number, H: number, W: number, dx: number, dy: number, count = runs.length): Uint32Array {
  const total = H * W;
  if (total === 0) return new Uint32Array(0);
  const x0 = Math.max(0, -dx), x1 = Math.min(w, W - dx); // source columns that land inside: [x0, x1)
  const y0 = Math.max(0, -dy), y1 = H - dy; // source rows that land inside: [y0, y1)
  if (w === 0 || x1 <= x0 || y1 <= y0) return Uint32Array.of(total);
  // Each foreground run gives one interval per row it touches, and the rows add at most one each:
  // at most 2 * (runs + rows) + 1 numbers. Past the run limit, the builder's path (and its error).
  const rows = Math.min(y1 - y0, H);
  const bound = count + 2 * rows + 3;
  if (bound > DEFAULT_MAX_RUNS) return placeRowRunsBuilt(runs.subarray(0, count), w, H, W, dx, dy);
  if (placed.length < bound) placed = new Uint32Array(bound + (bound >> 1));
  // Most boxes lie inside the frame's columns and start inside it: only rows past the last are clipped.
  const inside = x0 === 0 && x1 === w && y0 === 0;
  placedEnd = 0;
  let n = inside ? placeInside(runs, count, w, W, y1, dy * W + dx) : placeClipped(runs, count, w, W, dx, dy, x0, x1, y0, y1);
  const out = placed;
  if (placedEnd < total) out[n++] = total - placedEnd;
  const result = copyU32(out, n);
  if (placed.length * 4 > SCRATCH_KEEP) placed = new Uint32Array(1024);
  return result;
}

/** The frame pixel after the last foreground that placeInside or placeClipped wrote. */
let placedEnd = 0;

/**
 * placeRowRuns of a box whose columns all land and whose first row is in the frame: each run
 * walked as (row start in the frame, column), no division unless a run crosses two rows or more.
 * Rows from `rows` on are clipped. Returns how many numbers it wrote to `placed`.
 */
function placeInside(runs: Uint32Array, count: number, w: number, W: number, rows: number, origin: number): number {
  const out = placed;
  let n = 0, end = 0;
  let row = 0, rowBase = origin, col = 0; // where the next run starts: its row, that row's first pixel in the frame, its column
  for (let k = 0; k < count; k += 2) {
    // Background: move on.
    col += runs[k]!;
    if (col >= w) {
      if (col < 2 * w) (col -= w, row++, (rowBase += W));
      else {
        const q = Math.floor(col / w);
        col -= q * w;
        row += q;
        rowBase += q * W;
      }
    }
    if (k + 1 >= count) break;
    let f = runs[k + 1]!;
    while (f > 0 && row < rows) {
      // The part of this foreground in this row.
      const len = Math.min(f, w - col), at = rowBase + col;
      if (at === end && n > 0) out[n - 1] = out[n - 1]! + len;
      else {
        out[n++] = at - end;
        out[n++] = len;
      }
      end = at + len;
      f -= len;
      col += len;
      if (col === w) (col = 0, row++, (rowBase += W));
    }
    if (row >= rows) break;
  }
  placedEnd = end;
  return n;
}

/** placeRowRuns of any other box: columns outside [x0, x1) and rows outside [y0, y1) clipped. Returns how many numbers it wrote to `placed`. */
function placeClipped(runs: Uint32Array, count: number, w: number, W: number, dx: number, dy: number, x0: number, x1: number, y0: number, y1: number): number {
  const out = placed;
  let n = 0, end = 0; // numbers written; the frame pixel after the last foreground written
  let pos = 0, row = 0, rowStart = 0; // pixel of the box where run k starts; the row it is in (rowStart = row * w)
  // Rows before y0 and from y1 on are clipped: a run's part before firstStart is skipped at once.
  const firstStart = y0 * w, lastStart = y1 * w;
  for (let k = 0; k < count; k++) {
    const r = runs[k]!;
    const s = Math.max(pos, firstStart);
    pos += r;
    if ((k & 1) === 0 || s >= pos) continue;
    if (s >= lastStart) break;
    if (s - rowStart >= w) {
      // (Carried from the run before: a division only when a run starts past its row.)
      row = Math.floor(s / w);
      rowStart = row * w;
    }
    for (;;) {
      const rowEnd = rowStart + w;
      const a = Math.max(s - rowStart, x0), b = Math.min(pos - rowStart, x1);
      if (a < b) {
        const base = (row + dy) * W + dx;
        // Touching the previous interval (a full-width row after another): one run.
        if (n > 0 && base + a === end) out[n - 1] = out[n - 1]! + (b - a);
        else {
          out[n++] = base + a - end;
          out[n++] = b - a;
        }
        end = base + b;
      }
      if (pos <= rowEnd) break;
      row++;
      rowStart = rowEnd;
      if (row >= y1) break;
    }
  }
  placedEnd = end;
  return n;
}

/**
 * {@link placeRowRuns} through a RunBuilder: its path when the result may pass the run limit
 * (the builder's LIMIT_EXCEEDED), and the reference the tests hold it to.
 */
export function placeRowRunsBuilt(runs: Uint32Array, w: number, H: number, W: number, dx: number, dy: number): Uint32Array {
  const out = new RunBuilder(runs.length + 16);
  const total = H * W;
  if (total === 0 || w === 0) return out.finish(total);
  const x0 = Math.max(0, -dx), x1 = Math.min(w, W - dx); // source columns that land inside
  if (x1 <= x0) return out.finish(total);
  const y0 = Math.max(0, -dy), y1 = H - dy; // source rows that land inside: [y0, y1)
  let pos = 0;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    if ((k & 1) === 1 && r > 0) {
      const s = Math.max(pos, y0 * w), e = Math.min(pos + r, y1 * w);
      if (s < e) {
        const rs = Math.floor(s / w), re = Math.floor((e - 1) / w);
        for (let row = rs; row <= re; row++) {
          const rowStart = row * w;
          const a = Math.max(s - rowStart, x0), b = Math.min(e - rowStart, x1);
          if (a < b) {
            const base = (row + dy) * W + dx;
            out.addInterval(base + a, base + b);
          }
        }
      }
    }
    pos += r;
  }
  return out.finish(total);
}

/** A zeroed byte array of `n` pixels, or LIMIT_EXCEEDED when the engine cannot allocate it. */
export function allocateBytes(n: number): Uint8Array {
  try {
    return new Uint8Array(n);
  } catch (e) {
    throw new RleError('LIMIT_EXCEEDED', `Cannot allocate a bitmap of ${n} pixels`, { expected: 'a mask small enough to hold as bytes; use runs instead', cause: e });
  }
}
