import { Mask } from '@rlekit/core';
import { fillCase, noiseMask, runCases, saLikeMask, type BenchRow } from './kit.js';

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, { bitmap, mask }] of [['SA-1B-like 1500x2250', saLikeMask()], ['noise 1000x1000', noiseMask()]] as const) {
    const size = mask.size;
    const mpx = mask.pixels / 1e6;
    const col = mask.runs('col');
    const other = label.startsWith('noise') ? noiseMask(3).mask : mask.transpose().crop({ x: 0, y: 0, width: size.width, height: size.height });
    const otherCol = other.runs('col');
    rows.push(
      ...(await runCases(`core ${label}`, [
        fillCase(mask.pixels),
        { name: 'fromBitmap (row)', work: mpx, unit: 'Mpx', fn: () => Mask.fromBitmap(bitmap, size) },
        { name: "toBitmap('row') from column runs", work: mpx, unit: 'Mpx', fn: () => Mask.fromRuns(col, size, 'col').toBitmap('row') },
        { name: "runs('row') from column runs", work: mpx, unit: 'Mpx', fn: () => Mask.fromRuns(col, size, 'col').runs('row') },
        { name: 'union (column runs)', work: mpx, unit: 'Mpx', fn: () => Mask.fromRuns(col, size, 'col').union(Mask.fromRuns(otherCol, size, 'col')) },
        { name: 'iou (column runs)', work: mpx, unit: 'Mpx', fn: () => Mask.fromRuns(col, size, 'col').iou(Mask.fromRuns(otherCol, size, 'col')) },
      ])),
    );
  }
  return rows;
}
