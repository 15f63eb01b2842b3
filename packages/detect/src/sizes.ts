/** Image sizes a mask without a stated size most likely has, and the sizes a pixel total factors into. */
import type { Size } from '@rlekit/core';
import { presets } from '@rlekit/kaggle';

// Camera and dataset sizes seen most (COCO's 640-wide photos, video frames, square crops), then the
// native sizes of the Kaggle competitions; both orientations where photos come both ways.
const COMMON: [number, number][] = [
  [480, 640], [640, 480], [427, 640], [640, 427], [424, 640], [426, 640], [425, 640], [428, 640], [360, 640], [512, 640],
  [375, 500], [500, 375], [333, 500], [500, 333], [334, 500], [480, 480],
  [720, 1280], [1280, 720], [1080, 1920], [1920, 1080], [768, 1024], [1024, 768], [600, 800], [800, 600], [960, 1280], [1200, 1600], [3000, 4000], [4000, 3000],
  [1500, 2250], [2250, 1500], [1536, 2048], [1365, 2048],
  [224, 224], [256, 256], [299, 299], [384, 384], [512, 512], [640, 640], [768, 768], [1024, 1024], [2048, 2048], [128, 128], [101, 101],
];

let cached: Size[] | undefined;

/**
 * Common image sizes, most common first (the Kaggle presets' native sizes included).
 * @example
 * ```ts
 * commonSizes()[0]; // → { height: 480, width: 640 }
 * ```
 */
export function commonSizes(): Size[] {
  if (cached) return cached;
  const seen = new Set<string>();
  const out: Size[] = [];
  const add = (h: number, w: number) => {
    const k = `${h}x${w}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push({ height: h, width: w });
    }
  };
  for (const [h, w] of COMMON) add(h, w);
  for (const p of Object.values(presets)) if (p.nativeSize) add(p.nativeSize.height, p.nativeSize.width);
  cached = out;
  return out;
}

/**
 * Every h × w = total with both sides at least 2 (a 1-pixel line says nothing of shape), in
 * ascending h. O(√total).
 * @example
 * ```ts
 * // The sizes a total of 12 pixels can have, for a string given without --size.
 * factorSizes(12); // → [{ height: 2, width: 6 }, { height: 3, width: 4 }, { height: 4, width: 3 }, { height: 6, width: 2 }]
 * ```
 */
export function factorSizes(total: number): Size[] {
  const low: Size[] = [], high: Size[] = [];
  for (let h = 2; h * h <= total; h++) {
    if (total % h !== 0) continue;
    const w = total / h;
    if (w < 2) continue;
    low.push({ height: h, width: w });
    if (w !== h) high.push({ height: w, width: h });
  }
  return [...low, ...high.reverse()];
}
