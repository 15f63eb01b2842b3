import { LabelMap, type Annotation, type Size, type WarningSink } from '@rlekit/core';

/**
 * Paints one image's annotations into a label map the way CVAT draws them: higher `z_order`
 * on top, and among equal z_order the later shape on top. `label` gives each annotation's
 * value (by default its 1-based position in `annotations`).
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
