/**
 * One YOLO label line ↔ one mask. Reading follows Ultralytics: the numbers are float32
 * (verify_image_label parses with dtype float32), scaled by the image width and height in float32
 * (Instances.denormalize), truncated to int32 and drawn by cv2.fillPoly (data/utils.py
 * polygon2mask, downsample_ratio 1): see fillpoly.ts. Writing chooses pixel-centre vertices that
 * survive exactly that (rings.ts).
 */
import { Mask, RleError, checkSize, type RleWarning, type Size } from '@rlekit/core';
import { fillPoly } from './fillpoly.js';
import { instanceRing, normalised, type InstanceRing } from './rings.js';

/** Ultralytics refuses a label file with a coordinate outside [-0.01, 1.01] (verify_image_label). */
export const COORDINATE_MIN = -0.01;
export const COORDINATE_MAX = 1.01;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const CLASS = /^\d{1,9}(?:\.0*)?$/;

export type LineKind = 'polygon' | 'box' | 'oriented-box';

export interface ParsedLine {
  classIndex: number;
  /** Normalised coordinates as written: x1 y1 x2 y2 ... (a box line's four corners). */
  points: number[];
  kind: LineKind;
}

/**
 * The numbers of one label line. `where` (file and 1-based line) goes into every error's path.
 * 5 numbers are a box (class cx cy w h), read as its four corners; 9 numbers may be an oriented box
 * (YOLO-OBB), which is its 4-corner polygon either way.
 * @example
 * ```ts
 * parseLine('0 0.25 0.25 0.75 0.25 0.75 0.75'); // → { classIndex: 0, points: [0.25, 0.25, 0.75, 0.25, 0.75, 0.75], kind: 'polygon' }
 * ```
 */
export function parseLine(text: string, where: readonly (string | number)[] = []): ParsedLine | undefined {
  const tokens = text.trim().split(/\s+/);
  if (tokens.length === 1 && tokens[0] === '') return undefined;
  const cls = tokens[0]!;
  if (!CLASS.test(cls)) {
    throw new RleError('INVALID_TOKEN', 'A label line starts with its class index', { path: [...where, 'class'], expected: 'a non-negative integer class index', received: JSON.stringify(cls.slice(0, 20)) });
  }
  const n = tokens.length - 1;
  if (n !== 4 && (n % 2 === 1 || n < 6)) {
    throw new RleError('INVALID_POLYGON', n % 2 === 1 ? 'A label line has an odd number of coordinates' : 'A label polygon has fewer than 3 points', {
      path: [...where], expected: 'class x1 y1 x2 y2 x3 y3 ... (3 points or more), or class cx cy w h', received: `${n} numbers after the class`,
    });
  }
  const v = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = tokens[i + 1]!;
    const x = NUMBER.test(t) ? Number(t) : NaN;
    if (!Number.isFinite(x)) {
      throw new RleError('INVALID_TOKEN', 'A label coordinate is not a number', { path: [...where, i + 1], expected: 'a decimal number', received: JSON.stringify(t.slice(0, 20)) });
    }
    v[i] = x;
  }
  let points = v, kind: LineKind = n === 8 ? 'oriented-box' : 'polygon';
  if (n === 4) {
    const [cx, cy, bw, bh] = v as [number, number, number, number];
    const x1 = cx - bw / 2, x2 = cx + bw / 2, y1 = cy - bh / 2, y2 = cy + bh / 2;
    points = [x1, y1, x2, y1, x2, y2, x1, y2];
    kind = 'box';
  }
  for (let i = 0; i < points.length; i++) {
    const x = points[i]!;
    if (!(x >= COORDINATE_MIN && x <= COORDINATE_MAX)) {
      throw new RleError('INVALID_TOKEN', 'A label coordinate is outside the image', {
        path: [...where, n === 4 ? 'box' : i + 1], expected: `a normalised coordinate in [${COORDINATE_MIN}, ${COORDINATE_MAX}] (Ultralytics refuses the file beyond)`, received: String(x),
      });
    }
  }
  return { classIndex: Number.parseFloat(cls), points, kind };
}

/**
 * The mask Ultralytics draws for normalised points `[x1, y1, ...]` on an image of `size`:
 * float32 numbers, scaled in float32, truncated, filled by cv2.fillPoly.
 * @example
 * ```ts
 * // Ultralytics' polygon2mask: scaled to pixels, truncated to integers, filled by cv2.fillPoly (edges included).
 * rasterize([0.25, 0.25, 0.75, 0.25, 0.75, 0.75, 0.25, 0.75], { height: 4, width: 8 }).bbox(); // → { x: 2, y: 1, width: 5, height: 3 }
 * ```
 */
export function rasterize(points: ArrayLike<number>, size: Size): Mask {
  checkSize(size);
  const k = points.length >> 1;
  const xs = new Int32Array(k), ys = new Int32Array(k);
  const fw = Math.fround(size.width), fh = Math.fround(size.height);
  for (let i = 0; i < k; i++) {
    xs[i] = Math.trunc(Math.fround(Math.fround(points[2 * i]!) * fw));
    ys[i] = Math.trunc(Math.fround(Math.fround(points[2 * i + 1]!) * fh));
  }
  return fillPoly(xs, ys, size);
}

/**
 * A label line's mask: `decode('0 0.1 0.1 0.9 0.1 0.5 0.9', { height, width })`.
 * @example
 * ```ts
 * decode('3 0.25 0.25 0.75 0.25 0.75 0.75 0.25 0.75', { height: 4, width: 8 }).area(); // → 15
 * ```
 */
export function decode(line: string, size: Size): Mask {
  const p = parseLine(line);
  if (p === undefined) throw new RleError('INVALID_POLYGON', 'An empty label line has no mask', { expected: 'class x1 y1 x2 y2 x3 y3 ...' });
  return rasterize(p.points, size);
}

export interface EncodeOptions {
  /** Parts with fewer pixels are left out (reported). Default 0. */
  minArea?: number;
}

export interface EncodedLine extends InstanceRing {
  /** `class x y x y ...`, or '' for an empty mask (nothing to write). */
  line: string;
  /** The IoU of the line read back Ultralytics' way against the mask (1 when exact). */
  iou: number;
}

/**
 * One label line for `mask` (class `classIndex`): one ring, holes bridged and parts joined, vertices
 * on pixel centres, 6 decimals. Measures what Ultralytics would read back.
 * @example
 * ```ts
 * const mask = Mask.fromBitmap([0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0], { height: 3, width: 4 }, 'row');
 * const { line, iou } = encode(mask, 2);
 * [line.split(' ')[0], iou]; // → ['2', 1]
 * decode(line, mask.size).equals(mask); // → true
 * ```
 */
export function encode(mask: Mask, classIndex: number, options: EncodeOptions = {}): EncodedLine {
  const r = instanceRing(mask, options);
  if (r.ring.length === 0) return { ...r, line: '', iou: mask.isEmpty() ? 1 : 0 };
  const parts: string[] = [String(classIndex)];
  const points: number[] = [];
  for (let i = 0; i < r.ring.length; i += 2) {
    const x = normalised(r.ring[i]!, mask.width), y = normalised(r.ring[i + 1]!, mask.height);
    parts.push(x, y);
    points.push(Number(x), Number(y));
  }
  const back = rasterize(points, mask.size);
  return { ...r, line: parts.join(' '), iou: back.iou(mask) };
}

export type { RleWarning };
