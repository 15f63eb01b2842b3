/**
 * Drawing masks for people: each instance filled in its own colour over the image (or a blank
 * canvas), outlined, with a legend of categories on the right. Fills and outlines are painted
 * from row runs; the only pixels touched are the output's.
 */
import { RleError, type Category, type Id, type Mask } from '@rlekit/core';
import font from 'js-pixel-fonts/data/seven-plus.json' with { type: 'json' };

/** An RGBA image, row-major, 4 bytes a pixel: what a browser canvas's ImageData holds. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export interface OverlayAnnotation {
  id?: Id;
  mask: Mask;
  categoryId?: Id;
}

export interface RenderOptions {
  /** Opacity of the fills, 0..1 (default 0.5; 1 on a blank canvas). */
  alpha?: number;
  /** Outline every instance (default true). */
  outline?: boolean;
  /** Draw a legend of the categories on the right (default true when there are categories). */
  legend?: boolean;
  /** The photo to draw over (RGBA, same size as the masks). */
  background?: RgbaImage;
  /** Refuse outputs above this many pixels (default 2^28), checked before allocating. */
  maxPixels?: number;
}

type Rgb = [number, number, number];

/** HSV → RGB, h in [0, 1). */
function hsv(h: number, s: number, v: number): Rgb {
  const i = Math.floor(h * 6), f = h * 6 - i;
  const p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  const [r, g, b] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][i % 6]!;
  return [Math.round(r! * 255), Math.round(g! * 255), Math.round(b! * 255)];
}

/**
 * A category's hue: golden-angle steps, so neighbours in the list differ most.
 * @example
 * ```ts
 * categoryColor(0); // → [242, 61, 61]
 * ```
 */
export function categoryColor(index: number): Rgb {
  return hsv((index * 0.618033988749895) % 1, 0.75, 0.95);
}

/** Instance `n` of a category: the category's hue, lightness varied so touching instances differ. */
function instanceColor(categoryIndex: number, n: number): Rgb {
  const hue = (categoryIndex * 0.618033988749895 + (n % 5) * 0.035) % 1;
  return hsv(hue, 0.55 + 0.4 * ((n * 0.37) % 1), 0.7 + 0.3 * ((n * 0.61) % 1));
}

const GLYPH_H = 7;

interface Glyph {
  offset: number;
  pixels: number[][];
}

function glyphOf(c: string): Glyph {
  const glyphs = (font as unknown as { glyphs: Record<string, Glyph> }).glyphs;
  return glyphs[c] ?? glyphs['?']!;
}

function textWidth(s: string): number {
  let w = 0;
  for (const c of s) w += (glyphOf(c).pixels[0]?.length ?? 3) + 1;
  return w;
}

function drawText(img: RgbaImage, s: string, x: number, y: number, color: Rgb): void {
  let cx = x;
  for (const c of s) {
    const g = glyphOf(c);
    g.pixels.forEach((row, r) => {
      row.forEach((on, k) => {
        const px = cx + k, py = y + r + g.offset;
        if (!on || px < 0 || py < 0 || px >= img.width || py >= img.height) return;
        const o = (py * img.width + px) * 4;
        img.data[o] = color[0];
        img.data[o + 1] = color[1];
        img.data[o + 2] = color[2];
        img.data[o + 3] = 255;
      });
    });
    cx += (g.pixels[0]?.length ?? 3) + 1;
  }
}

function fillRect(img: RgbaImage, x: number, y: number, w: number, h: number, color: Rgb): void {
  for (let yy = Math.max(0, y); yy < Math.min(img.height, y + h); yy++) {
    for (let xx = Math.max(0, x); xx < Math.min(img.width, x + w); xx++) {
      const o = (yy * img.width + xx) * 4;
      img.data[o] = color[0];
      img.data[o + 1] = color[1];
      img.data[o + 2] = color[2];
      img.data[o + 3] = 255;
    }
  }
}

/** Row intervals of a mask: per row, [x0, x1) pairs. */
function rowSpans(m: Mask): { rowStart: Int32Array; xs: Int32Array; xe: Int32Array } {
  const runs = m.runsView('row');
  const w = m.width;
  const xs: number[] = [], xe: number[] = [], rowOf: number[] = [];
  let pos = 0;
  for (let k = 0; k < runs.length; k++) {
    const end = pos + runs[k]!;
    if (k & 1) {
      for (let s = pos; s < end; ) {
        const y = Math.floor(s / w), lineEnd = Math.min(end, (y + 1) * w);
        rowOf.push(y);
        xs.push(s - y * w);
        xe.push(lineEnd - y * w);
        s = lineEnd;
      }
    }
    pos = end;
  }
  const rowStart = new Int32Array(m.height + 1);
  for (const y of rowOf) rowStart[y + 1]!++;
  for (let y = 0; y < m.height; y++) rowStart[y + 1]! += rowStart[y]!;
  return { rowStart, xs: Int32Array.from(xs), xe: Int32Array.from(xe) };
}

/** True when x is inside one of row y's spans. */
function covered(sp: ReturnType<typeof rowSpans>, y: number, x: number, height: number): boolean {
  if (y < 0 || y >= height) return false;
  for (let i = sp.rowStart[y]!; i < sp.rowStart[y + 1]!; i++) {
    if (sp.xs[i]! > x) return false;
    if (x < sp.xe[i]!) return true;
  }
  return false;
}

/**
 * Draws masks over an image or a blank canvas: instance colours (a hue per category), outlines,
 * and a legend of categories. Returns RGBA, ready for a canvas (`new ImageData(data, width)`) or a PNG encoder.
 *
 * @example
 * ```ts
 * const mask = Mask.fromBitmap(Array.from({ length: 48 * 64 }, (_, i) => (i % 64 > 10 && i % 64 < 30 ? 1 : 0)), { height: 48, width: 64 }, 'row');
 * const img = renderOverlay({ height: 48, width: 64 }, [{ mask, categoryId: 1 }], [{ id: 1, name: 'ship' }]);
 * // The legend of categories widens the image on the right.
 * [img.width > 64, img.height]; // → [true, 48]
 * renderOverlay({ height: 48, width: 64 }, [{ mask }], [], { legend: false }).width; // → 64
 * // In a browser: ctx.putImageData(new ImageData(img.data, img.width), 0, 0);
 * ```
 */
export function renderOverlay(size: { height: number; width: number }, annotations: readonly OverlayAnnotation[], categories: readonly Category[] = [], options: RenderOptions = {}): RgbaImage {
  const { height, width } = size;
  const bg = options.background;
  if (bg && (bg.width !== width || bg.height !== height)) {
    throw new RleError('SIZE_MISMATCH', `The image is ${bg.height}x${bg.width}, the masks ${height}x${width}`, { path: ['background'] });
  }
  for (const a of annotations) {
    if (a.mask.height !== height || a.mask.width !== width) throw new RleError('SIZE_MISMATCH', `A mask is ${a.mask.height}x${a.mask.width}, the image ${height}x${width}`, { path: ['annotations', String(a.id ?? '')] });
  }
  const used = categories.filter((c) => annotations.some((a) => a.categoryId === c.id));
  const showLegend = (options.legend ?? true) && (used.length > 0 || annotations.some((a) => a.categoryId === undefined && categories.length > 0));
  const labels = used.map((c) => `${c.name} (${annotations.filter((a) => a.categoryId === c.id).length})`);
  const legendWidth = showLegend ? 16 + Math.max(...labels.map(textWidth), 20) : 0;
  const outW = width + legendWidth, outH = Math.max(height, showLegend ? 6 + labels.length * (GLYPH_H + 5) : 0);
  const maxPixels = options.maxPixels ?? 2 ** 28;
  if (outW * outH > maxPixels) throw new RleError('LIMIT_EXCEEDED', `A ${outH}x${outW} drawing is larger than maxPixels (${maxPixels})`, { path: ['maxPixels'] });
  const img: RgbaImage = { width: outW, height: outH, data: new Uint8ClampedArray(outW * outH * 4) };
  // Canvas: the photo, or mid grey so both dark and light fills show.
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const o = (y * outW + x) * 4;
      if (bg && x < width && y < height) {
        const s = (y * width + x) * 4;
        img.data[o] = bg.data[s]!;
        img.data[o + 1] = bg.data[s + 1]!;
        img.data[o + 2] = bg.data[s + 2]!;
      } else {
        const v = x < width && y < height ? 40 : 255;
        img.data[o] = v;
        img.data[o + 1] = v;
        img.data[o + 2] = v;
      }
      img.data[o + 3] = 255;
    }
  }
  const alpha = Math.min(1, Math.max(0, options.alpha ?? (bg ? 0.5 : 0.85)));
  const catIndex = new Map<Id, number>(categories.map((c, i) => [c.id, i]));
  const perCategory = new Map<Id | undefined, number>();
  annotations.forEach((a, n) => {
    const ci = a.categoryId === undefined ? categories.length + n : (catIndex.get(a.categoryId) ?? categories.length + n);
    const k = perCategory.get(a.categoryId) ?? 0;
    perCategory.set(a.categoryId, k + 1);
    const color = a.categoryId === undefined ? instanceColor(n, 0) : instanceColor(ci, k);
    const sp = rowSpans(a.mask);
    for (let y = 0; y < height; y++) {
      for (let i = sp.rowStart[y]!; i < sp.rowStart[y + 1]!; i++) {
        for (let x = sp.xs[i]!; x < sp.xe[i]!; x++) {
          const o = (y * outW + x) * 4;
          img.data[o] = img.data[o]! * (1 - alpha) + color[0] * alpha;
          img.data[o + 1] = img.data[o + 1]! * (1 - alpha) + color[1] * alpha;
          img.data[o + 2] = img.data[o + 2]! * (1 - alpha) + color[2] * alpha;
        }
      }
    }
    if (options.outline ?? true) {
      // A pixel is on the outline when a 4-neighbour is outside the mask: the span ends, and
      // span pixels not covered by both the row above and the row below.
      const edge: Rgb = [255, 255, 255];
      for (let y = 0; y < height; y++) {
        for (let i = sp.rowStart[y]!; i < sp.rowStart[y + 1]!; i++) {
          for (let x = sp.xs[i]!; x < sp.xe[i]!; x++) {
            const inner = x > sp.xs[i]! && x < sp.xe[i]! - 1 && covered(sp, y - 1, x, height) && covered(sp, y + 1, x, height);
            if (inner) continue;
            const o = (y * outW + x) * 4;
            img.data[o] = edge[0] * 0.6 + color[0] * 0.4;
            img.data[o + 1] = edge[1] * 0.6 + color[1] * 0.4;
            img.data[o + 2] = edge[2] * 0.6 + color[2] * 0.4;
          }
        }
      }
    }
  });
  if (showLegend) {
    used.forEach((c, i) => {
      const y = 4 + i * (GLYPH_H + 5);
      fillRect(img, width + 4, y, 8, 8, categoryColor(catIndex.get(c.id)!));
      drawText(img, labels[i]!, width + 14, y, [20, 20, 20]);
    });
  }
  return img;
}

/**
 * Lays drawings out in a grid, each captioned (its file name), `columns` across: a contact sheet.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1], { height: 3, width: 4 }, 'row');
 * const tile = renderOverlay(mask.size, [{ mask }]);
 * const sheet = contactSheet([{ image: tile, caption: 'a' }, { image: tile, caption: 'b' }], { columns: 2 });
 * sheet.width > 2 * tile.width; // → true
 * ```
 */
export function contactSheet(tiles: readonly { image: RgbaImage; caption: string }[], options: { columns?: number; maxPixels?: number } = {}): RgbaImage {
  if (tiles.length === 0) throw new RleError('INVALID_OPTION', 'A contact sheet needs at least one drawing');
  const columns = Math.max(1, Math.min(tiles.length, options.columns ?? Math.ceil(Math.sqrt(tiles.length))));
  const cellW = Math.max(...tiles.map((t) => Math.max(t.image.width, textWidth(t.caption)))) + 8;
  const cellH = Math.max(...tiles.map((t) => t.image.height)) + GLYPH_H + 12;
  const rows = Math.ceil(tiles.length / columns);
  const w = columns * cellW, h = rows * cellH;
  const maxPixels = options.maxPixels ?? 2 ** 28;
  if (w * h > maxPixels) throw new RleError('LIMIT_EXCEEDED', `A ${h}x${w} contact sheet is larger than maxPixels (${maxPixels})`, { path: ['maxPixels'] });
  const sheet: RgbaImage = { width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(255) };
  tiles.forEach((t, i) => {
    const x0 = (i % columns) * cellW + 4, y0 = Math.floor(i / columns) * cellH + 4;
    drawText(sheet, t.caption, x0, y0, [20, 20, 20]);
    for (let y = 0; y < t.image.height; y++) {
      const from = y * t.image.width * 4;
      sheet.data.set(t.image.data.subarray(from, from + t.image.width * 4), ((y0 + GLYPH_H + 4 + y) * w + x0) * 4);
    }
  });
  return sheet;
}
