import { Mask } from '../mask.js';
import { RunBuilder } from '../runs.js';
import { backgroundIntervals, rowIntervals } from './rows.js';
import { S, scratchI32 } from './scratch.js';

/**
 * The mask with its holes filled: background regions that are not 4-connected to the image
 * border become foreground, as scipy's `binary_fill_holes` does with its default structure.
 * A union-find over background row intervals; no bitmap.
 * @example
 * ```ts
 * const ring = Mask.fromBitmap([1, 1, 1, 1, 0, 1, 1, 1, 1], { height: 3, width: 3 }, 'row');
 * fillHoles(ring).area(); // → 9
 * ```
 */
export function fillHoles(mask: Mask): Mask {
  const h = mask.height, w = mask.width;
  if (h < 3 || w < 3) return mask;
  const fg = rowIntervals(mask);
  const bg = backgroundIntervals(fg);
  const { rowStart, xs, xe, count } = bg;
  const parent = scratchI32(S.bparent, count);
  for (let i = 0; i < count; i++) parent[i] = i;
  const border = new Uint8Array(count);
  const find = (a: number): number => {
    while (parent[a] !== a) { parent[a] = parent[parent[a]!]!; a = parent[a]!; }
    return a;
  };
  for (let y = 0; y < h; y++) {
    for (let i = rowStart[y]!; i < rowStart[y + 1]!; i++) {
      if (y === 0 || y === h - 1 || xs[i] === 0 || xe[i] === w) border[i] = 1;
    }
    if (y === 0) continue;
    let i = rowStart[y - 1]!, j = rowStart[y]!;
    const ie = rowStart[y]!, je = rowStart[y + 1]!;
    while (i < ie && j < je) {
      // 4-connectivity: the two intervals share a column
      if (xs[i]! < xe[j]! && xs[j]! < xe[i]!) {
        const a = find(i), b = find(j);
        if (a !== b) {
          if (a < b) { parent[b] = a; border[a] = border[a]! | border[b]!; }
          else { parent[a] = b; border[b] = border[b]! | border[a]!; }
        }
      }
      if (xe[i]! < xe[j]!) i++;
      else j++;
    }
  }
  let holes = 0;
  for (let i = 0; i < count; i++) if (border[find(i)] === 0) holes++;
  if (holes === 0) return mask;
  const b = new RunBuilder(2 * (fg.count + holes) + 4);
  for (let y = 0; y < h; y++) {
    const base = y * w;
    let i = fg.rowStart[y]!;
    const ie = fg.rowStart[y + 1]!;
    for (let j = rowStart[y]!; j < rowStart[y + 1]!; j++) {
      // fg and bg intervals alternate in a row: emit the fg ones before this bg one
      while (i < ie && fg.xs[i]! < xs[j]!) { b.addInterval(base + fg.xs[i]!, base + fg.xe[i]!); i++; }
      if (border[find(j)] === 0) b.addInterval(base + xs[j]!, base + xe[j]!);
    }
    for (; i < ie; i++) b.addInterval(base + fg.xs[i]!, base + fg.xe[i]!);
  }
  return Mask.fromCanonicalRuns(b.finish(h * w), mask.size, 'row');
}
