import { jsonOutline, outlineMember, type SniffResult } from '@rlekit/core';

/**
 * A LabelMe file by its top level: a `shapes` list whose first shape has `label` and `points`,
 * or `shapes` beside LabelMe's image fields (`imagePath`, `imageHeight`). LabelMe writes
 * `version`, `flags` and `shapes` first, so a long shapes list can end the head before the image
 * fields: then the first shape's keys decide, or more bytes are asked for.
 * @example
 * ```ts
 * sniffLabelMe(encodeUtf8('{"version": "5.5.0", "flags": {}, "shapes": [], "imagePath": "a.png"')).confidence > 0.5; // → true
 * ```
 */
export function sniffLabelMe(head: Uint8Array): SniffResult {
  const o = jsonOutline(head);
  if (o.root !== 'object') return { confidence: 0 };
  const shapes = outlineMember(o, 'shapes');
  // A dataset's top-level lists (COCO, LVIS with its annotations first) are never LabelMe's: no more bytes asked for then.
  const dataset = o.members.some((m) => m.kind === 'array' && (m.key === 'annotations' || m.key === 'images'));
  if (shapes?.kind !== 'array') return { confidence: 0, more: !o.complete && !o.invalid && o.members.length < 8 && !dataset };
  const keys = new Set(shapes.keys);
  const image = ['imagePath', 'imageHeight', 'imageWidth', 'imageData'].filter((k) => outlineMember(o, k) !== undefined);
  if (keys.has('label') && keys.has('points')) {
    return { confidence: 0.95, reason: `a shapes list whose first shape has label and points${image.length > 0 ? `, and ${image.join(', ')}` : ''}` };
  }
  if (image.length > 0) return { confidence: 0.9, reason: `a shapes list and ${image.join(', ')}` };
  return { confidence: 0.5, reason: 'a top-level shapes list', more: !o.complete && !o.invalid };
}
