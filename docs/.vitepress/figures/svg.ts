/**
 * Small SVG drawings of masks and byte streams for the docs. Everything drawn comes from rlekit's
 * own codecs (generate.ts passes real masks and real encoder output), so a figure cannot drift
 * from the code.
 */
import type { Mask, Order } from '@rlekit/core';

export const RUN_COLOURS = ['#1d4ed8', '#b91c1c', '#15803d', '#7e22ce', '#c2410c', '#0e7490', '#a16207', '#be185d'];
const BG = '#eef0f3';
const INK = '#111827';
const MUTED = '#4b5563';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function text(x: number, y: number, s: string, o: { size?: number; fill?: string; anchor?: string; weight?: string } = {}): string {
  return `<text x="${x}" y="${y}" font-size="${o.size ?? 12}" fill="${o.fill ?? INK}" text-anchor="${o.anchor ?? 'middle'}"${o.weight ? ` font-weight="${o.weight}"` : ''} dominant-baseline="central">${esc(s)}</text>`;
}

function svg(width: number, height: number, title: string, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}" font-family="ui-monospace, Menlo, Consolas, monospace">
<title>${esc(title)}</title>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${MUTED}"/></marker></defs>
<rect width="100%" height="100%" fill="#ffffff"/>
${body.join('\n')}
</svg>
`;
}

/** For every flattened index: -1 for background, else the foreground run it belongs to. */
function runIndexOf(mask: Mask, order: Order): Int32Array {
  const runs = mask.runs(order);
  const out = new Int32Array(mask.height * mask.width).fill(-1);
  let pos = 0;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    if (k & 1) out.fill(k >> 1, pos, pos + r);
    pos += r;
  }
  return out;
}

export interface FlattenOptions {
  order: Order;
  title: string;
  /** Label under the strip: the counts (`counts`) or 1-based/0-based start/length pairs (`pairs`). */
  runs: 'counts' | 'pairs';
  base?: 0 | 1;
  /** Extra lines printed under the figure (the encoded text). */
  notes?: string[];
}

/**
 * A mask as a grid with each pixel's flattened index (in `order`, from `base`), arrows along the
 * scan order, then the flattened strip with its runs coloured and labelled.
 */
export function flattenFigure(mask: Mask, o: FlattenOptions): string {
  const { height: h, width: w } = mask;
  const base = o.base ?? 0;
  const cell = 34, pad = 28, top = 40;
  const n = h * w;
  const strip = Math.min(30, Math.floor(720 / n));
  const gridW = w * cell, gridH = h * cell;
  const stripW = n * strip;
  const width = Math.max(gridW, stripW, o.title.length * 8, ...(o.notes ?? []).map((t) => t.length * 7.3)) + 2 * pad + 10;
  const runOf = runIndexOf(mask, o.order);
  const body: string[] = [text(pad, 16, o.title, { anchor: 'start', weight: 'bold', size: 13 })];
  const gx = pad + 14, gy = top + 14;
  for (let x = 0; x < w; x++) body.push(text(gx + x * cell + cell / 2, top + 4, `x=${x}`, { size: 10, fill: MUTED }));
  for (let y = 0; y < h; y++) body.push(text(gx - 14, gy + y * cell + cell / 2, `${y}`, { size: 10, fill: MUTED }));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = o.order === 'row' ? y * w + x : x * h + y;
      const k = runOf[i]!;
      const fill = k < 0 ? BG : RUN_COLOURS[k % RUN_COLOURS.length]!;
      body.push(`<rect x="${gx + x * cell}" y="${gy + y * cell}" width="${cell - 2}" height="${cell - 2}" rx="3" fill="${fill}"/>`);
      body.push(text(gx + x * cell + cell / 2 - 1, gy + y * cell + cell / 2 - 1, String(i + base), { size: 12, fill: k < 0 ? INK : '#ffffff' }));
    }
  }
  // Scan order: one arrow per line, dashed hops back to the start of the next line.
  const lines = o.order === 'row' ? h : w, along = o.order === 'row' ? w : h;
  const at = (line: number, j: number): [number, number] => (o.order === 'row'
    ? [gx + j * cell + cell / 2 - 1, gy + line * cell + cell / 2 + 9]
    : [gx + line * cell + cell / 2 + 9, gy + j * cell + cell / 2 - 1]);
  for (let l = 0; l < lines; l++) {
    const [x1, y1] = at(l, 0), [x2, y2] = at(l, along - 1);
    body.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${MUTED}" stroke-width="1.5" marker-end="url(#arrow)" opacity="0.85"/>`);
    if (l + 1 < lines) {
      const [x3, y3] = at(l + 1, 0);
      body.push(`<line x1="${x2}" y1="${y2}" x2="${x3}" y2="${y3}" stroke="${MUTED}" stroke-width="1" stroke-dasharray="3 3" opacity="0.6"/>`);
    }
  }
  // The flattened strip.
  const sy = gy + gridH + 34, sx = pad;
  body.push(text(sx, sy - 12, `flattened ${o.order === 'row' ? 'row by row (row-major)' : 'column by column (column-major)'}, index = ${o.order === 'row' ? 'y·w + x' : 'x·h + y'}${base ? ' + 1' : ''}`, { anchor: 'start', size: 11, fill: MUTED }));
  for (let i = 0; i < n; i++) {
    const k = runOf[i]!;
    body.push(`<rect x="${sx + i * strip}" y="${sy}" width="${strip - 1}" height="${strip}" fill="${k < 0 ? BG : RUN_COLOURS[k % RUN_COLOURS.length]}"/>`);
    if (strip >= 18) body.push(text(sx + i * strip + strip / 2, sy + strip / 2, String(i + base), { size: 9, fill: k < 0 ? INK : '#ffffff' }));
  }
  // Runs under the strip: braces with their counts, or start/length under foreground runs.
  const runs = mask.runs(o.order);
  let pos = 0;
  const by = sy + strip + 6;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    const fg = (k & 1) === 1;
    const x1 = sx + pos * strip, x2 = sx + (pos + r) * strip - 2;
    if (o.runs === 'counts' || (fg && r > 0)) {
      const colour = fg ? RUN_COLOURS[(k >> 1) % RUN_COLOURS.length]! : MUTED;
      if (r > 0) body.push(`<path d="M${x1},${by} v5 H${x2} v-5" fill="none" stroke="${colour}" stroke-width="1.5"/>`);
      const label = o.runs === 'counts' ? String(r) : `${pos + base} ${r}`;
      body.push(text(r > 0 ? (x1 + x2) / 2 : x1, by + 17, label, { size: 12, fill: colour, weight: fg ? 'bold' : undefined }));
    }
    pos += r;
  }
  const notes = o.notes ?? [];
  notes.forEach((s, i) => body.push(text(pad, by + 42 + i * 18, s, { anchor: 'start', size: 12 })));
  return svg(width, by + 34 + notes.length * 18 + 8, o.title, body);
}

export interface Field {
  label: string;
  /** The field's bits, as '0'/'1' characters, or its bytes as hex pairs when `hex`. */
  cells: string[];
  value: string;
  colour: string;
}

/** A stream cut into fields, one field per line: label, its bits or bytes as boxes, what they mean. */
export function fieldsFigure(title: string, fields: Field[], cellWidth = 14): string {
  const pad = 16, rowH = 24, labelW = 150, top = 36;
  const maxCells = Math.max(...fields.map((f) => f.cells.length));
  const cellsW = maxCells * cellWidth;
  const width = Math.max(pad * 2 + labelW + cellsW + 12 + 300, title.length * 8 + 2 * pad);
  const body: string[] = [text(pad, 16, title, { anchor: 'start', weight: 'bold', size: 13 })];
  fields.forEach((f, r) => {
    const y = top + r * rowH;
    body.push(text(pad, y + rowH / 2 - 2, f.label, { anchor: 'start', size: 11 }));
    f.cells.forEach((c, i) => {
      body.push(`<rect x="${pad + labelW + i * cellWidth}" y="${y}" width="${cellWidth - 1}" height="${rowH - 4}" fill="${f.colour}" fill-opacity="0.16" stroke="${f.colour}" stroke-width="0.8"/>`);
      body.push(text(pad + labelW + i * cellWidth + cellWidth / 2, y + rowH / 2 - 2, c, { size: cellWidth >= 20 ? 11 : 10 }));
    });
    body.push(text(pad + labelW + f.cells.length * cellWidth + 10, y + rowH / 2 - 2, f.value, { anchor: 'start', size: 11, fill: f.colour === MUTED ? MUTED : INK }));
  });
  return svg(width, top + fields.length * rowH + 10, title, body);
}

/** A small value grid (one frame's pixel values), for the DICOM figure. */
export function valuesFigure(title: string, values: ArrayLike<number>, h: number, w: number, format: (v: number) => string): string {
  const cell = 44, pad = 20, top = 36;
  const body: string[] = [text(pad, 16, title, { anchor: 'start', weight: 'bold', size: 13 })];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = values[y * w + x]!;
      body.push(`<rect x="${pad + x * cell}" y="${top + y * cell}" width="${cell - 2}" height="${cell - 2}" rx="3" fill="${v ? RUN_COLOURS[0] : BG}"/>`);
      body.push(text(pad + x * cell + cell / 2 - 1, top + y * cell + cell / 2 - 1, format(v), { size: 11, fill: v ? '#ffffff' : INK }));
    }
  }
  return svg(Math.max(pad * 2 + w * cell, title.length * 8 + 2 * pad), top + h * cell + 12, title, body);
}

export { MUTED };

/** One drawing of a figure made of panels: `colour(x, y)` gives a pixel's fill, null for background. */
export interface Panel {
  label: string;
  height: number;
  width: number;
  colour?: (x: number, y: number) => string | null;
  /** Text shown instead of pixels (a reading that fails). */
  text?: string;
}

/** Masks side by side, each captioned: a right reading next to the wrong ones. */
export function panelsFigure(title: string, panels: Panel[], maxSide = 170): string {
  const pad = 16, top = 36, gap = 22, captionH = 34;
  const cells = panels.map((p) => Math.max(4, Math.min(24, Math.floor(maxSide / Math.max(p.height, p.width)))));
  const widths = panels.map((p, i) => Math.max(p.width * cells[i]!, p.label.length * 6.8, p.text ? 170 : 0));
  const heights = panels.map((p, i) => (p.text ? 60 : p.height * cells[i]!));
  const width = Math.max(pad * 2 + widths.reduce((a, b) => a + b + gap, -gap), title.length * 8 + 2 * pad);
  const body: string[] = [text(pad, 16, title, { anchor: 'start', weight: 'bold', size: 13 })];
  let x0 = pad;
  panels.forEach((p, i) => {
    const c = cells[i]!;
    if (p.text !== undefined) {
      body.push(`<rect x="${x0}" y="${top}" width="${widths[i]}" height="60" rx="4" fill="#fef2f2" stroke="#b91c1c"/>`);
      p.text.split('\n').forEach((line, k) => body.push(text(x0 + 8, top + 16 + k * 15, line, { anchor: 'start', size: 11, fill: '#7f1d1d' })));
    } else {
      body.push(`<rect x="${x0 - 1}" y="${top - 1}" width="${p.width * c + 1}" height="${p.height * c + 1}" fill="${BG}"/>`);
      for (let y = 0; y < p.height; y++) {
        for (let x = 0; x < p.width; x++) {
          const fill = p.colour?.(x, y);
          if (fill) body.push(`<rect x="${x0 + x * c}" y="${top + y * c}" width="${c - (c > 6 ? 1 : 0)}" height="${c - (c > 6 ? 1 : 0)}" fill="${fill}"/>`);
        }
      }
    }
    body.push(text(x0, top + heights[i]! + 14, p.label, { anchor: 'start', size: 11 }));
    x0 += widths[i]! + gap;
  });
  return svg(width, top + Math.max(...heights) + captionH, title, body);
}

/** A panel drawing one mask in one colour. */
export function maskPanel(label: string, mask: Mask, colour = RUN_COLOURS[0]!): Panel {
  const bits = mask.toBitmap('row');
  return { label, height: mask.height, width: mask.width, colour: (x, y) => (bits[y * mask.width + x] ? colour : null) };
}
