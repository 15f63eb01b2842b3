/**
 * Colour maps: the Pascal VOC palette, CVAT "Segmentation mask 1.1" labelmap.txt, and a JSON map.
 * A colour map lists labels with a name and an RGB colour; label i of a labelmap.txt is its i-th
 * line, matching palette index i, as VOC and CVAT write them.
 */
import { decodeUtf8, parseJson, RleError } from '@rlekit/core';

export type Rgb = readonly [number, number, number];

export interface ColorMapEntry {
  label: number;
  name: string;
  color: Rgb;
}

/**
 * The Pascal VOC palette: 256 colours from the bits of the index (label 255 is (224, 224, 192)).
 * @example
 * ```ts
 * Array.from(vocPalette().subarray(0, 9)); // → [0, 0, 0, 128, 0, 0, 0, 128, 0]
 * ```
 */
export function vocPalette(): Uint8Array {
  const out = new Uint8Array(768);
  for (let i = 0; i < 256; i++) {
    let r = 0, g = 0, b = 0, c = i;
    for (let j = 0; j < 8; j++) {
      r |= ((c >> 0) & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    out[i * 3] = r;
    out[i * 3 + 1] = g;
    out[i * 3 + 2] = b;
  }
  return out;
}

export const VOC_CLASSES = [
  'background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
] as const;

/**
 * The VOC colour map: its 21 classes and the void label 255.
 * @example
 * ```ts
 * vocColorMap()[1]; // → { label: 1, name: 'aeroplane', color: [128, 0, 0] }
 * ```
 */
export function vocColorMap(): ColorMapEntry[] {
  const p = vocPalette();
  const entry = (label: number, name: string): ColorMapEntry => ({ label, name, color: [p[label * 3]!, p[label * 3 + 1]!, p[label * 3 + 2]!] });
  return [...VOC_CLASSES.map((n, i) => entry(i, n)), entry(255, 'void')];
}

function channel(s: string, path: (string | number)[]): number {
  const v = Number(s.trim());
  if (s.trim() === '' || !Number.isInteger(v) || v < 0 || v > 255) {
    throw new RleError('INVALID_TOKEN', 'Invalid colour channel', { path, expected: 'an integer from 0 to 255', received: s.slice(0, 20) });
  }
  return v;
}

/**
 * Parses CVAT's labelmap.txt: `# label:color_rgb:parts:actions` then `name:r,g,b:parts:actions`
 * lines; the first entry (usually `background:0,0,0::`) is label 0.
 * @example
 * ```ts
 * // CVAT's and Datumaro's labelmap.txt.
 * parseLabelmapTxt('background:0,0,0::\nleaf:0,128,0::\n')[1]; // → { label: 1, name: 'leaf', color: [0, 128, 0] }
 * ```
 */
export function parseLabelmapTxt(text: string): ColorMapEntry[] {
  const out: ColorMapEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const parts = line.split(':');
    if (parts.length < 2) throw new RleError('INVALID_STRUCTURE', 'Invalid labelmap.txt line', { path: ['line', i + 1], expected: 'name:r,g,b:parts:actions', received: line.slice(0, 60) });
    const rgb = parts[1]!.split(',');
    if (rgb.length !== 3) throw new RleError('INVALID_STRUCTURE', 'Invalid labelmap.txt colour', { path: ['line', i + 1], expected: 'r,g,b', received: parts[1]!.slice(0, 30) });
    out.push({ label: out.length, name: parts[0]!, color: [channel(rgb[0]!, ['line', i + 1]), channel(rgb[1]!, ['line', i + 1]), channel(rgb[2]!, ['line', i + 1])] });
  });
  return out;
}

/**
 * Writes a CVAT labelmap.txt; labels without an entry become `label_<n>` lines so line numbers stay labels.
 * @example
 * ```ts
 * formatLabelmapTxt(vocColorMap().slice(0, 2)); // → '# label:color_rgb:parts:actions\nbackground:0,0,0::\naeroplane:128,0,0::\n'
 * ```
 */
export function formatLabelmapTxt(entries: readonly ColorMapEntry[]): string {
  const byLabel = new Map(entries.map((e) => [e.label, e]));
  const max = entries.reduce((m, e) => Math.max(m, e.label), 0);
  const p = vocPalette();
  let out = '# label:color_rgb:parts:actions\n';
  for (let l = 0; l <= max; l++) {
    const e = byLabel.get(l) ?? { label: l, name: l === 0 ? 'background' : `label_${l}`, color: [p[(l % 256) * 3]!, p[(l % 256) * 3 + 1]!, p[(l % 256) * 3 + 2]!] as Rgb };
    out += `${e.name.replace(/[:\r\n]/g, '_')}:${e.color.join(',')}::\n`;
  }
  return out;
}

/**
 * Parses a JSON colour map: `{ "<label>": { "name": "cat", "color": [r, g, b] } }`,
 * `{ "<label>": [r, g, b] }`, or `[{ "label"|"id": n, "name": "...", "color": [r, g, b] }]`.
 * @example
 * ```ts
 * parseColorMapJson('{"0": [0, 0, 0], "1": {"name": "leaf", "color": [0, 128, 0]}}')[1]; // → { label: 1, name: 'leaf', color: [0, 128, 0] }
 * ```
 */
export function parseColorMapJson(text: string): ColorMapEntry[] {
  const root = parseJson(text, 'a JSON colour map');
  const color = (v: unknown, path: (string | number)[]): Rgb => {
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) {
      throw new RleError('INVALID_STRUCTURE', 'Invalid colour', { path, expected: '[r, g, b] of 0..255', received: JSON.stringify(v)?.slice(0, 40) });
    }
    return [v[0], v[1], v[2]];
  };
  const label = (v: unknown, path: (string | number)[]): number => {
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw new RleError('INVALID_STRUCTURE', 'Invalid label', { path, expected: 'an integer from 0 to 2^32-1', received: String(v).slice(0, 20) });
    }
    return n;
  };
  const out: ColorMapEntry[] = [];
  if (Array.isArray(root)) {
    root.forEach((e, i) => {
      if (typeof e !== 'object' || e === null) throw new RleError('INVALID_STRUCTURE', 'Invalid colour map entry', { path: [i], expected: 'an object' });
      const o = e as Record<string, unknown>;
      const l = label(o.label ?? o.id, [i, 'label']);
      out.push({ label: l, name: typeof o.name === 'string' ? o.name : String(l), color: color(o.color, [i, 'color']) });
    });
  } else if (typeof root === 'object' && root !== null) {
    for (const [k, v] of Object.entries(root)) {
      const l = label(k, [k]);
      if (Array.isArray(v)) out.push({ label: l, name: String(l), color: color(v, [k]) });
      else if (typeof v === 'object' && v !== null) {
        const o = v as Record<string, unknown>;
        out.push({ label: l, name: typeof o.name === 'string' ? o.name : String(l), color: color(o.color, [k, 'color']) });
      } else throw new RleError('INVALID_STRUCTURE', 'Invalid colour map entry', { path: [k], expected: '[r, g, b] or { name, color }' });
    }
  } else {
    throw new RleError('INVALID_STRUCTURE', 'Invalid colour map', { expected: 'an object or an array' });
  }
  out.sort((a, b) => a.label - b.label);
  return out;
}

/**
 * Parses a colour map file by its content: JSON when it starts with `{` or `[`, labelmap.txt otherwise.
 * @example
 * ```ts
 * // labelmap.txt or JSON, told apart by their first byte.
 * parseColorMap(encodeUtf8('background:0,0,0::\nleaf:0,128,0::\n')).length; // → 2
 * ```
 */
export function parseColorMap(bytes: Uint8Array): ColorMapEntry[] {
  const text = decodeUtf8(bytes);
  return /^\s*[[{]/.test(text) ? parseColorMapJson(text) : parseLabelmapTxt(text);
}
