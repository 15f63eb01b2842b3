/** Connected parts of a mask, counted on its row runs (union-find over runs, never pixels). */
import type { Mask } from '@rlekit/core';

/** Number of 8-connected parts. */
export function countParts(mask: Mask): number {
  const runs = mask.runsView('row');
  const w = mask.width;
  if (w === 0) return 0;
  // Runs split at line ends: [line, x0, x1) per piece, in raster order.
  const lineOf: number[] = [], x0: number[] = [], x1: number[] = [];
  let pos = 0;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    if ((k & 1) === 1 && r > 0) {
      let s = pos;
      const e = pos + r;
      while (s < e) {
        const line = Math.floor(s / w);
        const lineEnd = Math.min(e, (line + 1) * w);
        lineOf.push(line);
        x0.push(s - line * w);
        x1.push(lineEnd - line * w);
        s = lineEnd;
      }
    }
    pos += r;
  }
  const n = lineOf.length;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  let parts = n;
  // Pieces of the line above that overlap [x0 - 1, x1 + 1) touch (8-connectivity).
  let prevFrom = 0, prevTo = 0, lineFrom = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && lineOf[i] !== lineOf[i - 1]) {
      const adjacent = lineOf[i - 1] === lineOf[i]! - 1;
      prevFrom = adjacent ? lineFrom : i;
      prevTo = i;
      lineFrom = i;
    }
    for (let j = prevFrom; j < prevTo; j++) {
      if (x0[j]! > x1[i]!) break;
      if (x1[j]! < x0[i]!) continue;
      const a = find(i), b = find(j);
      if (a !== b) {
        parent[a] = b;
        parts--;
      }
    }
  }
  return parts;
}
