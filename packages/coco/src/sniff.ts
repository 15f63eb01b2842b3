import { jsonOutline, outlineMember, type SniffResult } from '@rlekit/core';

/**
 * COCO by structure, not by the first 4 KiB: the top-level lists (images, categories, annotations)
 * wherever they sit, the keys of a results file's first detection, SA-1B's image object. When the
 * head ends before the lists are seen (1,230 LVIS categories, 1,500 images without file_name),
 * it asks for more.
 */
export function sniffCoco(head: Uint8Array): SniffResult {
  const o = jsonOutline(head);
  const more = !o.complete && !o.invalid;
  if (o.root === 'array') {
    const keys = new Set(o.members.map((m) => m.key));
    if (keys.has('image_id') && (keys.has('segmentation') || keys.has('counts'))) {
      return { confidence: 0.9, reason: 'a list of detections with image_id and segmentation (a results file)' };
    }
    return { confidence: 0 };
  }
  if (o.root !== 'object') return { confidence: 0 };
  const format = outlineMember(o, 'format');
  if (format !== undefined && typeof format.value === 'string') return { confidence: 0 };
  const list = (k: string) => (outlineMember(o, k)?.kind === 'array' ? outlineMember(o, k) : undefined);
  const images = list('images'), categories = list('categories'), annotations = list('annotations');
  if (outlineMember(o, 'image')?.kind === 'object' && annotations) return { confidence: 0.9, reason: 'an "image" object and an "annotations" list (SA-1B)' };
  // In the file's order, as the reason names them.
  const found = o.members.filter((m) => m.kind === 'array' && ['images', 'categories', 'annotations'].includes(m.key)).map((m) => m.key);
  const segmentation = annotations?.keys.includes('segmentation') === true;
  // COCO panoptic: recognised, and left below instances (the read refuses it and says what to do).
  if (annotations?.keys.includes('segments_info') && !segmentation) return { confidence: 0.5, reason: 'annotations with segments_info and no segmentation (COCO panoptic: masks live in PNGs)' };
  if (images && (categories || annotations)) {
    return { confidence: segmentation ? 0.95 : 0.9, reason: `top-level ${found.join(', ')} lists${segmentation ? ', annotations with segmentation' : ''}` };
  }
  // LVIS writes its annotations before its images: an annotation with image_id and segmentation
  // is COCO's (sure, so detection reads no further than the head).
  if (annotations && segmentation && annotations.keys.includes('image_id')) return { confidence: 0.85, reason: 'a top-level annotations list whose first annotation has image_id and segmentation' };
  if (annotations && segmentation) return { confidence: 0.7, reason: 'a top-level annotations list with segmentation' };
  if (images?.keys.includes('file_name')) return { confidence: 0.8, reason: 'a top-level images list with file_name', more };
  return { confidence: 0, more };
}
