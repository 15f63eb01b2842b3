/**
 * Shape evidence from flat intervals, without a bitmap. A reading of a string fixes a flattening
 * (which lines the flat index runs along, and their length L); the wrong L shears or shreds the
 * shapes a real mask draws, and that shows as a larger perimeter for the same area.
 */

/** Sorted, disjoint half-open intervals [starts[i], ends[i]) over the flat index. */
export interface Intervals {
  starts: Float64Array;
  ends: Float64Array;
  count: number;
  area: number;
}

/**
 * Perimeter (in pixel edges, the image border counting as background) of the mask these
 * intervals draw when lines are `lineLength` long. Along lines: two edges per piece a run breaks
 * into at line ends. Across lines: 2·area − 2·|S ∩ (S + L)|, since a pixel's edge to the next line
 * is a boundary unless that pixel is set too. O(runs).
 */
export function perimeter(iv: Intervals, lineLength: number): number {
  const { starts, ends, count } = iv;
  const L = lineLength;
  let pieces = 0;
  for (let i = 0; i < count; i++) pieces += Math.floor((ends[i]! - 1) / L) - Math.floor(starts[i]! / L) + 1;
  // |S ∩ (S + L)|: two pointers over S and S shifted down by one line.
  let shared = 0;
  let j = 0;
  for (let i = 0; i < count && j < count; ) {
    const a0 = starts[i]!, a1 = ends[i]!;
    const b0 = starts[j]! + L, b1 = ends[j]! + L;
    const lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
    if (hi > lo) shared += hi - lo;
    if (a1 < b1) i++;
    else j++;
  }
  return 2 * pieces + 2 * iv.area - 2 * shared;
}

/** How many lines hold at least one foreground pixel, and the most runs any line holds. */
export function lineStats(iv: Intervals, lineLength: number): { lines: number; maxRunsPerLine: number } {
  const L = lineLength;
  let lines = 0, maxRuns = 0, lastLine = -1, runsHere = 0;
  for (let i = 0; i < iv.count; i++) {
    const first = Math.floor(iv.starts[i]! / L), last = Math.floor((iv.ends[i]! - 1) / L);
    if (first !== lastLine) {
      lines += last - first + 1;
      runsHere = 1;
    } else {
      lines += last - first;
      runsHere++;
    }
    if (last !== first) runsHere = 1;
    if (runsHere > maxRuns) maxRuns = runsHere;
    lastLine = last;
  }
  return { lines, maxRunsPerLine: maxRuns };
}
