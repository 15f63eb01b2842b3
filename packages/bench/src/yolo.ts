/**
 * `pnpm bench yolo`: a label line read (float32 scaling, truncation, fillPoly to runs) and a mask
 * written (polygonize, pixel-centre ring, the read-back that measures IoU), on the SA-1B-like
 * 1500x2250 mask and on a 5-point polygon of the same size, next to Ultralytics' polygon2mask with Debian's
 * OpenCV (np.zeros + cv2.fillPoly, yolo.py) on the same lines.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode } from '@rlekit/yolo';
import { fillCase, runCases, saLikeMask, type BenchRow } from './kit.js';

export async function bench(): Promise<BenchRow[]> {
  const sa = saLikeMask().mask;
  const size = sa.size;
  const lines = [
    { name: `SA-1B-like ${size.height}x${size.width}`, write: true, line: encode(sa, 0).line },
    { name: 'a 5-point polygon over the same image', write: false, line: '0 0.1 0.1 0.9 0.2 0.8 0.9 0.3 0.7 0.05 0.5' },
  ];
  const mpx = sa.pixels / 1e6;
  const rows: BenchRow[] = [];
  for (const l of lines) {
    rows.push(...(await runCases(`yolo ${l.name} (${l.line.split(' ').length >> 1} points)`, [
      fillCase(sa.pixels),
      { name: 'read a line (rasterize like polygon2mask)', work: mpx, unit: 'Mpx', fn: () => decode(l.line, size) },
      ...(l.write ? [{ name: 'write a mask (ring + IoU read-back)', work: mpx, unit: 'Mpx' as const, fn: () => encode(sa, 0) }] : []),
    ])));
  }
  const dir = mkdtempSync(join(tmpdir(), 'rlekit-bench-yolo-'));
  try {
    const file = join(dir, 'cases.json');
    writeFileSync(file, JSON.stringify(lines.map((l) => ({ name: l.name, height: size.height, width: size.width, line: l.line }))));
    const cv = JSON.parse(execFileSync('/usr/bin/python3', [fileURLToPath(new URL('./yolo.py', import.meta.url)), file]).toString()) as { opencv: string; cases: { name: string; cpu: number; wall: number }[] };
    for (const c of cv.cases) {
      rows.push({ group: 'yolo', name: `OpenCV ${cv.opencv} polygon2mask (np.zeros + fillPoly), ${c.name} [wall ${(c.wall / 1000).toFixed(2)} ms]`, unit: 'Mpx/s', rate: mpx / (c.cpu / 1e6), micros: c.cpu });
    }
  } catch (e) {
    console.error(`yolo: OpenCV side not run (${(e as Error).message.split('\n')[0]}); run packages/yolo/scripts/ci-setup.sh`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
