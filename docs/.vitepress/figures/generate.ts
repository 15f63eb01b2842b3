/**
 * Draws the docs' figures from real masks with rlekit's own codecs, into docs/public/figures/
 * (run by `pnpm site:figures`, before `site:dev` and `site:build`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Mask } from '@rlekit/core';
import * as coco from '@rlekit/coco';
import * as kaggle from '@rlekit/kaggle';
import * as ls from '@rlekit/label-studio';
import * as encord from '@rlekit/encord';
import * as cvat from '@rlekit/cvat';
import { encodeRleFrame } from '@rlekit/dicom';
import { pitfallFigures } from './pitfalls.js';
import { fieldsFigure, flattenFigure, MUTED, RUN_COLOURS, valuesFigure, type Field } from './svg.js';

const out = fileURLToPath(new URL('../../public/figures/', import.meta.url));
mkdirSync(out, { recursive: true });
const figures = new Map<string, string>();

/** Rows of '#'/'.' as a row-major mask. */
export function maskOf(rows: string[]): Mask {
  const h = rows.length, w = rows[0]!.length;
  const bits = new Uint8Array(h * w);
  rows.forEach((r, y) => { for (let x = 0; x < w; x++) bits[y * w + x] = r[x] === '#' ? 1 : 0; });
  return Mask.fromBitmap(bits, { height: h, width: w }, 'row');
}

const list = (a: ArrayLike<number>) => Array.from(a).join(' ');

// The primer: one 4×4 mask flattened both ways. Not symmetric, so the two orders differ.
const primer = maskOf(['.##.', '.#..', '##..', '...#']);
for (const order of ['row', 'col'] as const) {
  figures.set(`primer-${order}.svg`, flattenFigure(primer, {
    order, runs: 'counts',
    title: `A 4×4 mask, ${order === 'row' ? 'row-major' : 'column-major'}: runs alternate background, foreground, …`,
    notes: [`runs (${order}): ${list(primer.runs(order))}`],
  }));
}

// COCO: the 3×4 example of coco.md, straight from the decoder.
const cocoMask = coco.decode({ size: [3, 4], counts: [3, 2, 1, 2, 4] });
figures.set('coco-counts.svg', flattenFigure(cocoMask, {
  order: 'col', runs: 'counts',
  title: 'COCO counts: column-major run lengths, background first',
  notes: [
    `{"size": [3, 4], "counts": [${Array.from(coco.encodeUncompressed(cocoMask).counts as ArrayLike<number>).join(', ')}]}`,
    `compressed: {"size": [3, 4], "counts": "${coco.encode(cocoMask).counts}"}`,
  ],
}));

// Kaggle: the 2×3 mask of kaggle.md.
const block = maskOf(['.##', '..#']);
figures.set('kaggle-row.svg', flattenFigure(block, {
  order: 'row', runs: 'pairs', base: 1,
  title: 'Kaggle, row-major, 1-based start/length (carvana-image-masking)',
  notes: [`EncodedPixels: "${kaggle.encode(block, 'carvana-image-masking')}"`],
}));
figures.set('kaggle-col.svg', flattenFigure(block, {
  order: 'col', runs: 'pairs', base: 1,
  title: 'Kaggle, column-major, 1-based start/length (airbus-ship-detection)',
  notes: [`EncodedPixels: "${kaggle.encode(block, 'airbus-ship-detection')}"`],
}));
figures.set('kaggle-col-base0.svg', flattenFigure(block, {
  order: 'col', runs: 'pairs', base: 0,
  title: 'The same runs 0-based: every start one less (forgetting the +1 shifts the mask)',
  notes: [`"${kaggle.encode(block, { ...kaggle.getPreset('airbus-ship-detection'), base: 0 } as kaggle.Preset)}"`],
}));
figures.set('primer-pairs-col.svg', flattenFigure(primer, {
  order: 'col', runs: 'pairs', base: 1,
  title: 'The 4×4 primer as column-major, 1-based start/length pairs',
  notes: [`"${kaggle.encode(primer, 'airbus-ship-detection')}"`],
}));

// Encord: the 3×4 mask of encord.md, COCO's string alphabet over row-major runs.
const encordMask = maskOf(['.##.', '.#..', '##..']);
figures.set('encord-row.svg', flattenFigure(encordMask, {
  order: 'row', runs: 'counts',
  title: "Encord rleString: COCO's count string, but over row-major runs",
  notes: [`rleString: "${encord.encode(encordMask)}"`, `COCO counts of the same mask (column-major): "${coco.encode(encordMask).counts}"`],
}));

// CVAT: the 4×7 frame of cvat.md; the runs cover the tight box, row-major.
const cvatFrame = maskOf(['.......', '..##...', '.##....', '.......']);
const cvatAttrs = cvat.encode(cvatFrame);
const cvatBox = { x: Number(cvatAttrs.left), y: Number(cvatAttrs.top), width: Number(cvatAttrs.width), height: Number(cvatAttrs.height) };
figures.set('cvat-frame.svg', flattenFigure(cvatFrame, {
  order: 'row', runs: 'counts',
  title: 'CVAT: a 4×7 frame (row-major, for reference: the whole frame as a loose box)',
  notes: [],
}));
figures.set('cvat-box.svg', flattenFigure(cvatFrame.crop(cvatBox), {
  order: 'row', runs: 'counts',
  title: `CVAT: the tight box (left ${cvatAttrs.left}, top ${cvatAttrs.top}, ${cvatAttrs.width}×${cvatAttrs.height}) cropped and flattened row-major`,
  notes: [`<mask rle="${cvatAttrs.rle}" left="${cvatAttrs.left}" top="${cvatAttrs.top}" width="${cvatAttrs.width}" height="${cvatAttrs.height}">`],
}));

// Label Studio: the 2×3 mask of label-studio.md, its brush bytes cut into fields.
const brushMask = maskOf(['##.', '..#']);
const bytes = ls.encodeBytes(brushMask);
figures.set('label-studio-bits.svg', fieldsFigure(
  `Label Studio brush RLE of a 2×3 mask: [${Array.from(bytes).join(',')}], bit by bit (MSB first)`,
  brushFields(bytes),
));

function brushFields(b: Uint8Array): Field[] {
  const bit = (i: number) => (b[i >> 3]! >> (7 - (i & 7))) & 1;
  const take = (at: number, n: number) => { let s = ''; for (let i = 0; i < n; i++) s += bit(at + i); return s; };
  const header = ls.readHeader(b);
  const fields: Field[] = [];
  let p = 0;
  const push = (label: string, n: number, value: (v: number) => string, colour: string) => {
    const s = take(p, n);
    fields.push({ label, cells: s.split(''), value: value(parseInt(s, 2)), colour });
    p += n;
  };
  push('num', 32, (v) => `= ${v} words (4·W·H RGBA bytes)`, RUN_COLOURS[0]!);
  push('wordSize − 1', 5, (v) => `= ${v}: ${v + 1}-bit words`, RUN_COLOURS[3]!);
  header.rleSizes.forEach((s, t) => push(`rleSizes[${t}] − 1`, 4, (v) => `= ${v}: class ${t} counts up to ${2 ** s} words`, RUN_COLOURS[3]!));
  let words = 0, c = 0;
  while (words < header.num) {
    const colour = RUN_COLOURS[[1, 2, 4, 5][c++ % 4]!]!;
    const repeat = bit(p) === 1;
    push(`chunk ${c}: flag`, 1, () => (repeat ? '1 = repeat one word' : '0 = literal words'), colour);
    let t = 0;
    push('  size class', 2, (v) => { t = v; return `= ${v}: n − 1 in ${header.rleSizes[v]} bits`; }, colour);
    let n = 0;
    push('  n − 1', header.rleSizes[t]!, (v) => { n = v + 1; return `= ${v}: ${n} words`; }, colour);
    if (repeat) push('  word', header.wordSize, (v) => `= ${v}, × ${n}`, colour);
    else for (let k = 0; k < n; k++) push(`  word ${k + 1}`, header.wordSize, (v) => `= ${v}`, colour);
    words += n;
  }
  if (p < b.length * 8) push('padding', b.length * 8 - p, () => 'to a byte boundary', MUTED);
  return fields;
}

// DICOM RLE Lossless: one binary frame (one segment) and one 16-bit frame (two byte planes).
const hex = (v: number) => v.toString(16).padStart(2, '0');
function packBitsFields(fragment: Uint8Array, rows: number, columns: number): Field[] {
  const dv = new DataView(fragment.buffer, fragment.byteOffset, fragment.byteLength);
  const n = dv.getUint32(0, true);
  const offsets = Array.from({ length: 15 }, (_, i) => dv.getUint32(4 + 4 * i, true));
  const fields: Field[] = [{
    label: 'header (64 bytes)', cells: Array.from(fragment.subarray(0, 12), hex).concat('…'),
    value: `${n} segment${n > 1 ? 's' : ''}, offsets ${offsets.slice(0, n).join(', ')}, then 0s`, colour: MUTED,
  }];
  for (let s = 0; s < n; s++) {
    const start = offsets[s]!, end = s + 1 < n ? offsets[s + 1]! : fragment.length;
    const colour = RUN_COLOURS[[0, 1, 2, 3][s % 4]!]!;
    let p = start, made = 0;
    while (p < end) {
      const h = fragment[p]!;
      if (h <= 127) {
        const lit = fragment.subarray(p + 1, p + 2 + h);
        fields.push({ label: `seg ${s + 1}: literal`, cells: [hex(h), ...Array.from(lit, hex)], value: `${hex(h)} = ${h}: ${h + 1} bytes follow`, colour });
        p += 2 + h; made += h + 1;
      } else if (h > 128) {
        fields.push({ label: `seg ${s + 1}: replicate`, cells: [hex(h), hex(fragment[p + 1]!)], value: `${hex(h)} = ${h - 256}: byte ${hex(fragment[p + 1]!)} × ${257 - h}`, colour });
        p += 2; made += 257 - h;
      } else {
        fields.push({ label: `seg ${s + 1}: no-op`, cells: [hex(h)], value: '80 = -128: nothing', colour });
        p += 1;
      }
      if (made % columns === 0 && made > 0 && p < end) fields[fields.length - 1]!.value += `  (row ${made / columns - 1} done)`;
      if (p < end && made === rows * columns) {
        fields.push({ label: `seg ${s + 1}: pad`, cells: Array.from(fragment.subarray(p, end), hex), value: 'to an even length', colour: MUTED });
        break;
      }
    }
  }
  return fields;
}

const seg = maskOf(['......', '.###..', '.####.']);
const frame = seg.toBitmap('row');
figures.set('dicom-frame.svg', valuesFigure('A 3×6 binary SEG frame, one byte per pixel', frame, 3, 6, hex));
figures.set('dicom-packbits.svg', fieldsFigure('Its RLE Lossless fragment: header, then one PackBits segment, row by row',
  packBitsFields(encodeRleFrame(frame, { rows: 3, columns: 6, bitsAllocated: 8 }), 3, 6), 22));
const label16 = Uint16Array.from([0, 0, 0x0102, 0x0102, 5, 5, 5, 0]);
figures.set('dicom-frame16.svg', valuesFigure('A 2×4 16-bit label frame', label16, 2, 4, (v) => `0x${v.toString(16).padStart(4, '0')}`));
figures.set('dicom-packbits16.svg', fieldsFigure('16-bit pixels: segment 1 holds the high bytes, segment 2 the low bytes',
  packBitsFields(encodeRleFrame(label16, { rows: 2, columns: 4, bitsAllocated: 16 }), 2, 4), 22));


for (const [name, body] of pitfallFigures(maskOf)) figures.set(name, body);

for (const [name, body] of figures) writeFileSync(out + name, body);
console.log(`${figures.size} figures → ${out}`);
