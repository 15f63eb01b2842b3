/** A terminal thumbnail of a mask, drawn from its row runs in one pass (no bitmap of the mask). */
import type { Mask } from '@rlekit/core';

/**
 * Draws `mask` at most `maxWidth` characters wide: `#` where any pixel of the cell's block is
 * foreground (so thin structures stay visible), `.` elsewhere. Terminal cells are about twice as
 * tall as wide, so each character covers a block twice as tall as it is wide.
 * @example
 * ```ts
 * // Two rows per character line; '#' where both are foreground.
 * renderAscii(Mask.fromBitmap([1, 1, 1, 0, 1, 1, 1, 0], { height: 2, width: 4 }, 'row')); // → '###.'
 * ```
 */
export function renderAscii(mask: Mask, maxWidth = 64): string {
  const { height: h, width: w } = mask;
  if (h === 0 || w === 0) return '';
  const cols = Math.min(maxWidth, w);
  const scale = w / cols;
  const rows = Math.max(1, Math.round(h / (scale * 2)));
  const cells = new Uint8Array(rows * cols);
  const runs = mask.runsView('row');
  let pos = 0;
  for (let k = 0; k < runs.length; k++) {
    const end = pos + runs[k]!;
    if ((k & 1) === 1) {
      // Split the run at line ends; a long run covering whole lines marks whole cell rows.
      for (let s = pos; s < end; ) {
        const y = Math.floor(s / w);
        const lineEnd = Math.min(end, (y + 1) * w);
        const r = Math.min(rows - 1, Math.floor((y * rows) / h));
        const c0 = Math.floor((s - y * w) / scale), c1 = Math.min(cols - 1, Math.floor((lineEnd - 1 - y * w) / scale));
        cells.fill(1, r * cols + c0, r * cols + c1 + 1);
        s = lineEnd;
      }
    }
    pos = end;
  }
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    for (let c = 0; c < cols; c++) line += cells[r * cols + c] ? '#' : '.';
    lines.push(line);
  }
  return lines.join('\n');
}
