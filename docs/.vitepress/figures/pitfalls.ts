/**
 * Figures of the pitfalls and QA pages: each wrong reading is made the way the mistake makes it
 * (runs read in the other order, at the swapped size, one pixel off, ...), by rlekit.
 */
import { components, LabelMap, Mask, rasterizeBox } from '@rlekit/core';
import * as coco from '@rlekit/coco';
import { maskPanel, panelsFigure, RUN_COLOURS, type Panel } from './svg.js';

export function pitfallFigures(maskOf: (rows: string[]) => Mask): Map<string, string> {
  const out = new Map<string, string>();
  // A non-square shape whose wrong readings look wrong: an L and a small block.
  const m = maskOf([
    '..............',
    '..###.........',
    '..###.....###.',
    '..###.....###.',
    '..###.........',
    '..#######.....',
    '..#######.....',
    '..............',
    '..............',
    '..............',
  ]);
  const { height: h, width: w } = m;
  const col = m.runs('col');

  out.set('pitfall-transposed.svg', panelsFigure('Transposed: column-major counts read row-major', [
    maskPanel(`right: column-major, ${h}x${w}`, m),
    maskPanel('wrong: the same counts row-major', Mask.fromRuns(col, { height: h, width: w }, 'row'), RUN_COLOURS[1]),
  ]));

  out.set('pitfall-swapped-size.svg', panelsFigure('[h, w] vs [w, h]: the same runs at the swapped size', [
    maskPanel(`right: ${h}x${w} (height first)`, m),
    maskPanel(`wrong: ${w}x${h}`, Mask.fromRuns(col, { height: w, width: h }, 'col'), RUN_COLOURS[1]),
  ]));

  // Off by one: every start one pixel later along the order (1-based starts read as 0-based).
  const shifted = Uint32Array.from(col);
  shifted[0]! += 1;
  shifted[shifted.length - 1]! -= 1;
  out.set('pitfall-off-by-one.svg', panelsFigure('Off by one: 1-based starts read as 0-based', [
    maskPanel('right', m),
    maskPanel('wrong: one pixel down the columns', Mask.fromRuns(shifted, { height: h, width: w }, 'col'), RUN_COLOURS[1]),
  ]));

  out.set('pitfall-inverted.svg', panelsFigure('Inverted: background and foreground swapped', [
    maskPanel('right', m),
    maskPanel('wrong: the complement', m.complement(), RUN_COLOURS[1]),
  ]));

  const counts = coco.encode(m).counts as string;
  let error = '';
  try {
    coco.decode({ size: [h, w], counts: `b'${counts}'` });
  } catch (e) {
    error = `${(e as { code: string }).code}`;
  }
  out.set('pitfall-bytes.svg', panelsFigure("Bytes: a Python b'…' repr stored instead of the string", [
    maskPanel(`right: "${counts.slice(0, 16)}…"`, m),
    { label: `wrong: "b'${counts.slice(0, 12)}…'" as counts`, height: h, width: w, text: `pycocotools: garbage or a crash\nrlekit: ${error}\n(rlekit decode peels the repr)` },
  ]));

  // Palette vs colour: class indices 1..3 drawn in the VOC palette; "red > 0" is not class 1.
  const voc: Record<number, string> = { 1: '#800000', 2: '#008000', 3: '#808000' };
  const labels = [
    '1111....22',
    '1111....22',
    '1111..3322',
    '......3322',
    '......33..',
  ];
  const lh = labels.length, lw = labels[0]!.length;
  const at = (x: number, y: number) => Number(labels[y]![x] === '.' ? 0 : labels[y]![x]);
  out.set('pitfall-palette.svg', panelsFigure('Palette vs colour: a palette PNG stores class indices; its colours are a lookup', [
    { label: 'stored: indices 1, 2, 3 in the VOC palette', height: lh, width: lw, colour: (x, y) => voc[at(x, y)] ?? null },
    { label: 'right: index == 1', height: lh, width: lw, colour: (x, y) => (at(x, y) === 1 ? RUN_COLOURS[0]! : null) },
    { label: 'wrong: red channel > 0', height: lh, width: lw, colour: (x, y) => (at(x, y) === 1 || at(x, y) === 3 ? RUN_COLOURS[1]! : null) },
  ], 150));

  // Antialiased edges: a disc's coverage, thresholded three ways.
  const n = 16, r = 5.6, cx = 7.5, cy = 7.5;
  const cover = new Float64Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    let inside = 0;
    for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) if ((x + (sx + 0.5) / 4 - cx - 0.5) ** 2 + (y + (sy + 0.5) / 4 - cy - 0.5) ** 2 <= r * r) inside++;
    cover[y * n + x] = inside / 16;
  }
  const grey = (v: number) => { const g = Math.round(255 - v * 200); return v > 0 ? `rgb(${g},${g},255)` : null; };
  const thresholded = (t: (v: number) => boolean) => Mask.fromBitmap(Uint8Array.from(cover, (v) => (t(v) ? 1 : 0)), { height: n, width: n });
  const anyAlpha = thresholded((v) => v > 0), half = thresholded((v) => v >= 0.5), full = thresholded((v) => v >= 1);
  out.set('pitfall-antialiased.svg', panelsFigure('Antialiased edges: one drawing, three masks', [
    { label: 'alpha (edge pixels partly set)', height: n, width: n, colour: (x, y) => grey(cover[y * n + x]!) },
    maskPanel(`alpha > 0: ${anyAlpha.area()} px`, anyAlpha),
    maskPanel(`alpha > 127: ${half.area()} px`, half, RUN_COLOURS[2]),
    maskPanel(`alpha = 255: ${full.area()} px`, full, RUN_COLOURS[1]),
  ], 128));

  // Overlap order: two masks painted into one label map, first or last wins.
  const size = { height: 8, width: 12 };
  const a = rasterizeBox({ x: 1, y: 1, width: 6, height: 5 }, size), b = rasterizeBox({ x: 4, y: 3, width: 7, height: 4 }, size);
  const paint = (overlap: 'first' | 'last') => {
    const lm = LabelMap.fromMasks([[1, a], [2, b]], size, { overlap }).masks();
    const one = lm.get(1)!.toBitmap('row'), two = lm.get(2)!.toBitmap('row');
    return (x: number, y: number) => (one[y * 12 + x] ? RUN_COLOURS[0]! : two[y * 12 + x] ? RUN_COLOURS[1]! : null);
  };
  const both = (x: number, y: number) => {
    const i = y * 12 + x, ia = a.toBitmap('row')[i], ib = b.toBitmap('row')[i];
    return ia && ib ? RUN_COLOURS[3]! : ia ? RUN_COLOURS[0]! : ib ? RUN_COLOURS[1]! : null;
  };
  out.set('pitfall-overlap.svg', panelsFigure('Overlap order: one label per pixel, so someone loses the shared pixels', [
    { label: `two masks, ${a.overlap(b).intersection} px shared`, ...size, colour: both },
    { label: 'painted, first wins', ...size, colour: paint('first') },
    { label: 'painted, last wins', ...size, colour: paint('last') },
  ], 150));

  // QA: the two squares, and the leaf map.
  const six = { height: 6, width: 6 };
  const truth = rasterizeBox({ x: 0, y: 0, width: 4, height: 4 }, six), pred = rasterizeBox({ x: 1, y: 1, width: 4, height: 4 }, six);
  const tb = truth.toBitmap('row'), pb = pred.toBitmap('row');
  out.set('qa-rectangles.svg', panelsFigure(`IoU ${truth.overlap(pred).intersection}/${truth.overlap(pred).union}: ground truth, prediction, overlap`, [
    maskPanel(`truth: ${truth.area()} px`, truth),
    maskPanel(`prediction: ${pred.area()} px`, pred, RUN_COLOURS[1]),
    { label: `both: ${truth.overlap(pred).intersection} px`, ...six, colour: (x, y) => (tb[y * 6 + x] && pb[y * 6 + x] ? RUN_COLOURS[3]! : tb[y * 6 + x] ? '#93c5fd' : pb[y * 6 + x] ? '#fca5a5' : null) },
  ], 120));
  const leaves = maskOf(['##...', '###..', '...##', '...##', '...##']);
  const four = components(leaves, { connectivity: 4 }).map((p) => p.toBitmap('row'));
  out.set('qa-leaves.svg', panelsFigure('The leaf map: one object with 8-connectivity, two with 4-connectivity', [
    maskPanel('leaf pixels', leaves, '#15803d'),
    maskPanel('8-connectivity: 1 object', leaves),
    { label: `4-connectivity: ${four.length} leaves`, height: 5, width: 5, colour: (x, y) => (four[0]![y * 5 + x] ? RUN_COLOURS[0]! : four[1]![y * 5 + x] ? RUN_COLOURS[1]! : null) },
  ], 120));
  const missing: Panel = maskPanel('prediction: leaf 2 misses a pixel', maskOf(['##...', '###..', '...##', '...##', '...#.']), RUN_COLOURS[2]);
  out.set('qa-leaves-prediction.svg', panelsFigure('Dice 10/11 on leaf 2', [maskPanel('truth', leaves, '#15803d'), missing], 120));
  return out;
}
