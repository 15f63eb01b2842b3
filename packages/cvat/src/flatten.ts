import { LabelMap, type Annotation, type Size, type WarningSink } from '@rlekit/core';

/**
 * Paints one image's annotations into a label map the way CVAT draws them: higher `z_order`
 * on top, and among equal z_order the later shape on top. `label` gives each annotation's
 * value (by default its 1-based position in `annotations`).
 * @example
 * ```ts
 * const size = { height: 1, width: 3 };
 * const under = { id: 1, imageId: 1, mask: Mask.full(size), attributes: { z_order: 0 } };
 * const over = { id: 2, imageId: 1, mask: Mask.fromBitmap([0, 1, 0], size), attributes: { z_order: 1 } };
 * // Listed first but drawn on top: z_order decides, as in CVAT.
 * Array.from(flattenByZOrder([over, under], size).data); // → [2, 1, 2]
 * ```
 */
export function flattenByZOrder(
  annotations: readonly Annotation[],
  size: Size,
  label: (a: Annotation, index: number) => number = (_a, i) => i + 1,
  warn?: WarningSink,
): LabelMap {
  const z = (a: Annotation): number => {
    const v = a.attributes?.z_order;
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  };
  const order = annotations.map((a, i) => i).sort((i, j) => z(annotations[i]!) - z(annotations[j]!) || i - j);
  return LabelMap.fromMasks(order.map((i) => [label(annotations[i]!, i), annotations[i]!.mask] as const), size, { overlap: 'last', warn });
}
