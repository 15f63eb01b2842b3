/** rlekit-json texts as the readers meet them, for the property tests that hold every read equal to the whole-text parse. */
import fc from 'fast-check';
import { cutShortArb, garbleArb } from './read-support.js';

/** The writer's text as it is, garbled, cut short, with keys moved, dropped or given twice. */
export const textVariant = fc.oneof(
  { weight: 2, arbitrary: fc.constant((t: string) => t) },
  garbleArb,
  cutShortArb,
  fc.shuffledSubarray(['format', 'version', 'images', 'categories', 'annotations', 'extra'], { minLength: 0, maxLength: 6 }).map((keys) => (t: string) => {
    const r = JSON.parse(t) as Record<string, unknown>;
    const o: Record<string, unknown> = {};
    for (const k of keys) o[k] = k === 'extra' ? [1, { a: 2 }] : r[k];
    return JSON.stringify(o, null, 1);
  }),
  fc.constantFrom('format', 'version', 'images', 'categories', 'annotations').map((key) => (t: string) => t.replace(/^\{/, `{"${key}": ${key === 'format' ? '"rlekit-json"' : key === 'version' ? '1' : '[]'}, `)),
  fc.constantFrom('format', 'version', 'images', 'categories', 'annotations', 'other').map((key) => (t: string) => t.replace(/\}\s*$/, `, "${key}": ${key === 'format' ? '"rlekit-json"' : key === 'version' ? '1' : '[]'}}`)),
);
