import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dialect as labelStudio } from '@rlekit/label-studio';
import { fixtures } from '../src/fixtures.js';
import { allProfiles } from '../src/profiles/index.js';

// Detection: Label Studio exports are told apart from COCO, Encord and every other dialect, both ways.
const fixture = fixtures({ large: false }).find((f) => f.name.startsWith('instances'))!;
const others = allProfiles.filter((p) => p.dialect.id !== 'label-studio');
const dialects = [...new Map(allProfiles.map((p) => [p.dialect.id, p.dialect])).values()];
const example = readFileSync(fileURLToPath(new URL('../vectors/label-studio/example_tasks.json', import.meta.url)));

describe('sniffing Label Studio', () => {
  it.each(others.map((p) => [p.name, p] as const))('%s output is not taken for Label Studio', async (_name, p) => {
    const bytes = await p.dialect.write(fixture.dataset, p.writeOptions ?? {}, { warn: () => {} });
    const head = bytes.subarray(0, 65536);
    expect(labelStudio.sniff(head, 'file.json')).toBe(0);
  });

  const samples: [string, Uint8Array][] = [
    ['the example export (web app bytes)', example],
    ['a single task', new TextEncoder().encode(JSON.stringify(JSON.parse(example.toString())[0]))],
    ['rlekit output', new Uint8Array()],
    ['converter items', new TextEncoder().encode(JSON.stringify([{ id: 5, input: { image: 'x.png' }, output: { tag: [{ type: 'BrushLabels', format: 'rle', rle: [0, 0, 0, 4], original_width: 1, original_height: 1 }] } }]))],
  ];
  it.each(samples)('%s is taken for Label Studio by every sniffer', async (name, given) => {
    const bytes = name === 'rlekit output' ? await labelStudio.write(fixture.dataset) : given;
    const head = bytes.subarray(0, 65536);
    const mine = labelStudio.sniff(head, 'export.json');
    expect(mine).toBeGreaterThanOrEqual(0.85);
    for (const d of dialects) if (d.id !== 'label-studio') expect(d.sniff(head, 'export.json'), d.id).toBeLessThan(mine);
  });
});
