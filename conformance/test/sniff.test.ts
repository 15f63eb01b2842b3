import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Dialect } from '@rlekit/core';
import { fixtures } from '../src/fixtures.js';
import { allProfiles } from '../src/profiles/index.js';

// Sniffing must pick the right dialect among all of them, for the tools' own example files and
// for what each dialect writes: the JSON dialects (COCO, Encord, Darwin, Supervisely, rlekit-json) look alike.
const dialects = [...new Map(allProfiles.map((p) => [p.dialect.id, p.dialect as Dialect])).values()];
const vector = (p: string): Uint8Array => readFileSync(fileURLToPath(new URL(`../vectors/${p}`, import.meta.url)));

function best(head: Uint8Array, name: string): string {
  const lower = name.toLowerCase();
  let top = { id: '', score: -1 };
  for (const d of dialects) {
    let s = d.sniff(head, name);
    if (s > 0 && d.extensions.some((e) => lower.endsWith(e))) s += 0.01;
    if (s > top.score) top = { id: d.id, score: s };
  }
  expect(top.score).toBeGreaterThanOrEqual(0.3);
  return top.id;
}

describe('sniffing tells the dialects apart', () => {
  it.each([
    ['darwin/example_darwin_2.0.json', 'darwin'],
    ['supervisely/example_ann.json', 'supervisely'],
    ['encord/example_label_rows.json', 'encord'],
    ['cvat/example_annotations.xml', 'cvat'],
  ])('%s → %s', (file, id) => {
    expect(best(vector(file), file)).toBe(id);
  });

  it('a Supervisely meta.json is Supervisely\'s', () => {
    expect(best(new TextEncoder().encode('{"classes": [{"title": "a", "shape": "bitmap", "color": "#FF0000"}], "tags": [], "projectType": "images"}'), 'meta.json')).toBe('supervisely');
  });

  it.each(['coco', 'encord', 'darwin', 'supervisely', 'labelme'])('what %s writes is sniffed as %s', async (id) => {
    const profile = allProfiles.find((p) => p.dialect.id === id)!;
    for (const f of fixtures({ large: false }).filter((x) => !x.overlapping)) {
      const bytes = await profile.dialect.write(f.dataset, profile.writeOptions ?? {}, { warn: () => {} });
      expect(best(bytes.subarray(0, 65536), 'out.json'), f.name).toBe(id);
    }
  });
});
