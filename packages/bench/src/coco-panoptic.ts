import { LabelMap, memoryFolder, type MaskDataset, type OutputFile } from '@rlekit/core';
import { decodeSegmentIds, dialect, encodeSegmentIds } from '@rlekit/coco-panoptic';
import { fillCase, prng, runCases, type BenchRow } from './kit.js';

/** A 640x480 (COCO-sized) panoptic image of 40 rectangles and stuff bands; PNG decode/encode and a 50-image read/write. */
export async function bench(): Promise<BenchRow[]> {
  const height = 480, width = 640;
  const ids = new Uint32Array(height * width);
  const rnd = prng(16);
  // Stuff: four horizontal bands; things: 40 rectangles over them.
  for (let y = 0; y < height; y++) ids.fill(0x464682 + Math.floor(y / 120), y * width, (y + 1) * width);
  for (let k = 1; k <= 40; k++) {
    const x0 = Math.floor(rnd() * 600), y0 = Math.floor(rnd() * 440), w = 8 + Math.floor(rnd() * 120), h = 8 + Math.floor(rnd() * 90);
    for (let y = y0; y < Math.min(height, y0 + h); y++) ids.fill(k * 4099, y * width + x0, y * width + Math.min(width, x0 + w));
  }
  const map = LabelMap.fromArray(ids, { height, width });
  const png = encodeSegmentIds(map);
  const masks = map.masks();
  const mpx = (height * width) / 1e6;
  const n = 10;
  const dataset: MaskDataset = {
    images: Array.from({ length: n }, (_, i) => ({ id: i + 1, fileName: `${i}.jpg`, height, width })),
    categories: [{ id: 1, name: 'thing' }],
    annotations: Array.from({ length: n }, (_, i) => [...masks].map(([sid, mask]) => ({ id: sid, imageId: i + 1, categoryId: 1, mask }))).flat(),
  };
  const written: Record<string, Uint8Array> = {};
  const write = async (): Promise<Record<string, Uint8Array>> => {
    const out: Record<string, Uint8Array> = {};
    for await (const f of dialect.writeFiles!(dataset) as AsyncIterable<OutputFile>) out[f.path] = f.bytes;
    return out;
  };
  Object.assign(written, await write());
  return runCases('coco-panoptic 640x480', [
    fillCase(height * width),
    { name: 'decode PNG to segment ids', work: mpx, unit: 'Mpx', fn: () => decodeSegmentIds(png) },
    { name: 'decode PNG + split into segment masks', work: mpx, unit: 'Mpx', fn: () => decodeSegmentIds(png).masks() },
    { name: 'encode segment ids to PNG', work: mpx, unit: 'Mpx', fn: () => encodeSegmentIds(map) },
    { name: `read ${n} images (JSON + PNGs)`, work: mpx * n, unit: 'Mpx', fn: () => dialect.read(memoryFolder(written)) },
    { name: `write ${n} images (paint, PNG, JSON)`, work: mpx * n, unit: 'Mpx', fn: () => write() },
  ]);
}
