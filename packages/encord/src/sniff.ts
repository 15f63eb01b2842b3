import { jsonOutline, outlineMember, type SniffResult } from '@rlekit/core';

/** An Encord label row (or a list of them) by its top-level keys; a bare rleString object as a weaker sign. */
export function sniffEncord(head: Uint8Array): SniffResult {
  const o = jsonOutline(head);
  if (o.root === undefined) return { confidence: 0 };
  const has = (k: string) => outlineMember(o, k) !== undefined;
  const where = o.root === 'array' ? 'a list of label rows with' : 'a label row with';
  if (has('data_units')) return { confidence: 0.9, reason: `${where} data_units` };
  if (has('label_hash') && has('data_hash')) return { confidence: 0.9, reason: `${where} label_hash and data_hash` };
  // An object with an rleString somewhere in the head (a single object or a fragment of an export).
  const text = new TextDecoder().decode(head.subarray(0, 65536));
  if (/"rleString"\s*:/.test(text)) return { confidence: 0.6, reason: 'an rleString field' };
  return { confidence: 0, more: !o.complete && !o.invalid && o.root === 'object' && !has('images') && !has('annotations') && !has('format') };
}
