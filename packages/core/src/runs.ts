import { RleError } from './errors.js';

/** Largest pixel count a mask may have: run lengths are stored as uint32. */
export const MAX_MASK_PIXELS = 0xffffffff;

/** Flattening order: `'col'` is COCO's column-major (index = x*h + y), `'row'` is raster order (index = y*w + x). */
export type Order = 'row' | 'col';

export interface Size {
  height: number;
  width: number;
}

/** Checks a size and returns its pixel count; throws INVALID_SIZE / LIMIT_EXCEEDED. */
export function checkSize(size: Size, maxPixels: number = MAX_MASK_PIXELS, path: readonly (string | number)[] = []): number {
  const { height, width } = size ?? ({} as Size);
  if (!Number.isSafeInteger(height) || height < 0) {
    throw new RleError('INVALID_SIZE', 'Invalid height', { path: [...path, 'height'], expected: 'a non-negative integer', received: String(height) });
  }
  if (!Number.isSafeInteger(width) || width < 0) {
    throw new RleError('INVALID_SIZE', 'Invalid width', { path: [...path, 'width'], expected: 'a non-negative integer', received: String(width) });
  }
  const pixels = height * width;
  if (pixels > MAX_MASK_PIXELS) {
    throw new RleError('INVALID_SIZE', `Mask of ${height}x${width} has more pixels than 32-bit runs can hold`, { path, expected: `height * width <= ${MAX_MASK_PIXELS}`, received: String(pixels) });
  }
  if (pixels > maxPixels) {
    throw new RleError('LIMIT_EXCEEDED', `Mask of ${height}x${width} exceeds maxPixels`, { path, expected: `at most ${maxPixels} pixels`, received: String(pixels) });
  }
  return pixels;
}

/**
 * Builds canonical runs (alternating background/foreground, starting with background,
 * no zero runs except a leading 0) from ascending pieces, merging touching ones.
 * Dialects use it to decode without ever materialising a bitmap.
 */
export class RunBuilder {
  private buf: Uint32Array;
  private n = 0;
  /** Pixels covered so far. */
  private pos = 0;

  constructor(capacityHint = 16) {
    this.buf = new Uint32Array(Math.max(4, capacityHint));
  }

  /** Pixels covered so far: the next interval may start here or later. */
  get position(): number {
    return this.pos;
  }

  private push(v: number): void {
    if (this.n === this.buf.length) {
      const next = new Uint32Array(this.buf.length * 2);
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
      throw new RleError('INVALID_INTERVALS', 'Interval starts before the end of the previous one', { expected: `start >= ${this.pos}`, received: String(start) });
    }
    this.append(false, start - this.pos);
    this.append(true, end - start);
  }

  /** Pads with background up to `total` pixels and returns the canonical runs. */
  finish(total: number): Uint32Array {
    if (this.pos > total) {
      throw new RleError('INVALID_INTERVALS', 'Runs extend past the last pixel', { expected: `at most ${total} pixels`, received: String(this.pos) });
    }
    this.append(false, total - this.pos);
    return this.buf.slice(0, this.n);
  }
}

/**
 * Validates user-given runs (any numeric array) against `total` and returns canonical runs.
 * Zero-length runs inside the list are merged away, as decoders of every dialect tolerate them.
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
    if (!(r >= 0 && r <= 0xffffffff && Number.isInteger(r))) {
      throw new RleError('INVALID_RUNS', 'Invalid run length', { path: [...path, i], expected: 'an integer from 0 to 2^32-1', received: String(r) });
    }
    if (r === 0 && i > 0) canonical = false;
    sum += r;
  }
  if (sum !== total) {
    throw new RleError('RUNS_SUM_MISMATCH', 'Run lengths do not sum to height * width', { path, expected: String(total), received: String(sum) });
  }
  if (total === 0) return new Uint32Array(0);
  if (canonical && !(len === 1 && runs[0] === 0)) {
    return runs instanceof Uint32Array ? runs.slice() : Uint32Array.from(runs);
  }
  const b = new RunBuilder(len);
  for (let i = 0; i < len; i++) b.append((i & 1) === 1, runs[i]!);
  return b.finish(total);
}

/** Foreground pixel count: the sum of the odd runs. */
export function runsArea(runs: Uint32Array): number {
  let a = 0;
  for (let i = 1; i < runs.length; i += 2) a += runs[i]!;
  return a;
}

/**
 * Tight box of canonical runs flattened with lines of `inner` pixels (`outer` lines).
 * Returns [outerStart, innerStart, outerExtent, innerExtent]; all zero when empty.
 */
export function runsBox(runs: Uint32Array, inner: number): [number, number, number, number] {
  let oMin = Infinity, oMax = -1, iMin = Infinity, iMax = -1;
  let pos = 0;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    if ((k & 1) === 1 && r > 0) {
      const s = pos, e = pos + r - 1;
      const os = Math.floor(s / inner), oe = Math.floor(e / inner);
      if (os < oMin) oMin = os;
      if (oe > oMax) oMax = oe;
      if (os < oe) {
        iMin = 0;
        iMax = inner - 1;
      } else {
        const is = s - os * inner, ie = e - oe * inner;
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
 * column-major ↔ row-major without a full bitmap. Sparse runs: each foreground run becomes at
 * most three range toggles and a sweep over the output lines keeps the set of active ranges, so
 * the cost is O(runs log runs + output runs) and memory stays bounded for huge masks with few
 * runs. Dense runs (noise): bands of output lines are expanded in a small buffer and scanned.
 */
export function transposeRuns(runs: Uint32Array, outer: number, inner: number): Uint32Array {
  const total = outer * inner;
  if (total === 0) return new Uint32Array(0);
  if (outer === 1 || inner === 1) return runs.slice();
  if (useBands(runs, outer, total)) return transposeDense(runs, outer, inner, total);
  return transposeSparse(runs, outer, inner, total);
}

/**
 * Many runs per pixel: building output lines band by band and scanning them beats the sweep.
 * The band path needs O(outer) cursors and one output line in its buffer, so it is only taken
 * when that is no more than the input runs and BAND_BYTES: memory is never O(total).
 */
function useBands(runs: Uint32Array, outer: number, total: number): boolean {
  return total <= runs.length * DENSE_PIXELS_PER_RUN && outer <= runs.length && outer <= BAND_BYTES;
}

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

function transposeSparse(runs: Uint32Array, outer: number, inner: number, total: number): Uint32Array {

  // Toggle events: at output line `line`, flip the active state of input lines [lo, hi).
  let cap = 64;
  let evLine = new Uint32Array(cap), evLo = new Uint32Array(cap), evHi = new Uint32Array(cap);
  let ne = 0;
  const addEvent = (line: number, lo: number, hi: number): void => {
    if (ne === cap) {
      cap *= 2;
      const a = new Uint32Array(cap), b = new Uint32Array(cap), c = new Uint32Array(cap);
      a.set(evLine); b.set(evLo); c.set(evHi);
      evLine = a; evLo = b; evHi = c;
    }
    evLine[ne] = line; evLo[ne] = lo; evHi[ne] = hi; ne++;
  };
  let pos = 0;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    if ((k & 1) === 1 && r > 0) {
      const s = pos, e = pos + r; // [s, e)
      const os = Math.floor(s / inner), is = s - os * inner;
      const oe = Math.floor((e - 1) / inner), ie = e - oe * inner; // ie in 1..inner
      if (os === oe) {
        addEvent(is, os, os + 1);
        if (ie < inner) addEvent(ie, os, os + 1);
      } else {
        // First line from `is` to its end; lines os+1..oe from 0; the last stops at ie.
        if (is === 0) {
          addEvent(0, os, oe + 1);
        } else {
          addEvent(is, os, os + 1);
          addEvent(0, os + 1, oe + 1);
        }
        if (ie < inner) addEvent(ie, oe, oe + 1);
      }
    }
    pos += r;
  }

  // Order events by output line, keeping input order (ascending ranges) within a line.
  const order = new Uint32Array(ne);
  if (inner <= Math.max(1 << 16, ne * 4)) {
    const counts = new Uint32Array(inner + 1);
    for (let i = 0; i < ne; i++) counts[evLine[i]! + 1]!++;
    for (let l = 0; l < inner; l++) counts[l + 1]! += counts[l]!;
    for (let i = 0; i < ne; i++) order[counts[evLine[i]!]!++] = i;
  } else {
    for (let i = 0; i < ne; i++) order[i] = i;
    order.sort((a, b) => evLine[a]! - evLine[b]! || a - b);
  }

  // Active ranges as a sorted boundary list: [b0, b1) [b2, b3) ...
  let active = new Uint32Array(16), na = 0;
  let scratch = new Uint32Array(16);
  let toggles = new Uint32Array(16);
  const out = new RunBuilder(Math.min(1 << 20, runs.length * 2 + 16));
  let line = 0; // next output line to emit
  let i = 0;
  while (line < inner) {
    const nextEventLine = i < ne ? evLine[order[i]!]! : inner;
    // Emit lines [line, nextEventLine) with the current active set.
    const count = nextEventLine - line;
    if (count > 0) {
      // Interval emission leaves a line's trailing background unwritten: pad to the line start first.
      out.append(false, line * outer - out.position);
      if (na === 0) {
        out.append(false, count * outer);
      } else if (na === 2 && active[0] === 0 && active[1] === outer) {
        out.append(true, count * outer);
      } else {
        for (let l = line; l < nextEventLine; l++) {
          const base = l * outer;
          for (let j = 0; j < na; j += 2) out.addInterval(base + active[j]!, base + active[j + 1]!);
        }
      }
      line = nextEventLine;
    }
    if (i >= ne) break;
    // Gather this line's toggle boundaries; equal neighbours cancel (adjacent ranges).
    let nt = 0;
    while (i < ne && evLine[order[i]!] === line) {
      const ev = order[i++]!;
      if (nt + 2 > toggles.length) {
        const t = new Uint32Array(toggles.length * 2);
        t.set(toggles);
        toggles = t;
      }
      const lo = evLo[ev]!, hi = evHi[ev]!;
      if (nt > 0 && toggles[nt - 1] === lo) nt--;
      else toggles[nt++] = lo;
      toggles[nt++] = hi;
    }
    // active = active XOR toggles (symmetric difference of sorted boundary lists).
    if (scratch.length < na + nt) scratch = new Uint32Array((na + nt) * 2);
    let a = 0, t = 0, m = 0;
    while (a < na || t < nt) {
      const va = a < na ? active[a]! : Infinity;
      const vt = t < nt ? toggles[t]! : Infinity;
      if (va < vt) { scratch[m++] = va; a++; }
      else if (vt < va) { scratch[m++] = vt; t++; }
      else { a++; t++; }
    }
    const swap = active;
    active = scratch;
    scratch = swap;
    na = m;
  }
  return out.finish(total);
}

/**
 * Combines two canonical run lists of the same total with a boolean operation given as a
 * truth table: bit (2*a + b) of `table` is the result for pixel values a, b.
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

/** |a ∩ b| and |a ∪ b| of two canonical run lists, in one sweep without allocating. */
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
 * pixel j-1 (continuing from `transPrev`); returns the new count. Branch-free per pixel: the
 * position is always stored and the count advances by the 0/1 transition flag, so noise costs
 * no mispredictions. Aligned 4-byte words that only continue the current run are skipped.
 */
function scanBytes(src: Uint8Array | Uint8ClampedArray, len: number, base: number, n: number): number {
  let buf = trans, p = transPrev;
  const head = LITTLE_ENDIAN ? Math.min(len, (4 - (src.byteOffset & 3)) & 3) : len;
  const words = (len - head) >>> 2;
  for (let j = 0; j < head; j++) {
    if (n === buf.length) buf = growTrans(n, n + 1);
    const v = (src[j]! + 255) >> 8; // 0 or 1 without a branch
    buf[n] = base + j;
    n += v ^ p;
    p = v;
  }
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
  for (let j = head + words * 4; j < len; j++) {
    if (n === buf.length) buf = growTrans(n, n + 1);
    const v = (src[j]! + 255) >> 8;
    buf[n] = base + j;
    n += v ^ p;
    p = v;
  }
  transPrev = p;
  return n;
}

/** Canonical runs from the first n transition positions in `t` (pixel -1 counts as background). */
function runsFromTransitions(t: Uint32Array, n: number, total: number): Uint32Array {
  const out = new Uint32Array(n + 1);
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

/**
 * Places row-major runs of a (h × w) mask into a (H × W) frame at offset (dx, dy); anything
 * falling outside the frame is clipped. Crop is a placement at a negative offset.
 */
export function placeRowRuns(runs: Uint32Array, w: number, H: number, W: number, dx: number, dy: number): Uint32Array {
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
