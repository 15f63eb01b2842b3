import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RleError, type RleWarning } from '@rlekit/core';
import { dialect } from '../src/index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function collect(): { warn: (w: RleWarning) => void; warnings: RleWarning[] } {
  const warnings: RleWarning[] = [];
  return { warn: (w) => warnings.push(w), warnings };
}

// Shaped as CVAT's project export writes it (dataset_manager/formats/cvat.py: <meta><project> with
// <labels> and <tasks>; each <image> with subset and task_id; image ids restart in every task).
const project = readFileSync(new URL('./fixtures/project-export.xml', import.meta.url));

describe('CVAT project exports (issue 12 item 3)', () => {
  it('are read: image ids made unique, each task frame, subset and task kept as image attributes, and said', async () => {
    const ctx = collect();
    const d = await dialect.read(project, {}, ctx);
    expect(d.images).toEqual([
      { id: 0, fileName: 'a.png', height: 3, width: 5, attributes: { subset: 'Train', task_id: '7', frame: '0' } },
      { id: 1, fileName: 'b.png', height: 3, width: 5, attributes: { subset: 'Train', task_id: '7', frame: '1' } },
      { id: 2, fileName: 'c.png', height: 3, width: 5, attributes: { subset: 'Validation', task_id: '8', frame: '0' } },
    ]);
    expect(d.categories.map((c) => c.name)).toEqual(['cell', 'debris']);
    expect(d.annotations.map((a) => [a.imageId, a.categoryId, a.mask.area()])).toEqual([[0, 1, 4], [1, 2, 6], [2, 1, 3]]);
    // Masks stay with their own image: the third image's mask is not the first's.
    expect(d.annotations[2]!.mask.toBitmap()).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0]));
    const renumbered = ctx.warnings.filter((w) => w.code === 'renumbered-ids');
    expect(renumbered).toHaveLength(1);
    expect(renumbered[0]!.message).toMatch(/project/);
    expect(renumbered[0]!.message).toMatch(/frame/);
  });

  it('written back as CVAT XML and read again, keep unique ids, subsets, tasks and frames', async () => {
    const d = await dialect.read(project);
    const again = await dialect.read(await dialect.write(d));
    expect(again.images).toEqual(d.images);
    expect(again.annotations.map((a) => a.imageId)).toEqual(d.annotations.map((a) => a.imageId));
  });

  it('an id repeated within one task is still refused', async () => {
    const text = dec(project).replace('<image id="1" name="b.png"', '<image id="0" name="b.png"');
    await expect(dialect.read(enc(text))).rejects.toMatchObject({ code: 'INVALID_STRUCTURE', path: ['annotations', 'image', 1, 'id'] });
  });
});

describe('unlabeled shapes, as Datumaro writes them (issue 12 item 4)', () => {
  const datumaro = `<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <task>
      <labels>
        <label>
          <name>cell</name>
          <attributes>
          </attributes>
        </label>
      </labels>
    </task>
  </meta>
  <image id="0" name="a" width="5" height="3">
    <polygon label="" occluded="0" points="0.0,0.0;3.0,0.0;3.0,2.0;0.0,2.0" z_order="0">
    </polygon>
    <mask label="cell" occluded="0" rle="0, 4" left="1" top="0" width="2" height="2" z_order="0">
    </mask>
    <mask label="" occluded="0" rle="1, 3" left="2" top="1" width="2" height="2" z_order="0">
    </mask>
  </image>
</annotations>
`;

  it('are read as shapes without a category, with a warning', async () => {
    const ctx = collect();
    const d = await dialect.read(enc(datumaro), {}, ctx);
    expect(d.categories.map((c) => c.name)).toEqual(['cell']);
    expect(d.annotations.map((a) => [a.categoryId, a.mask.area()])).toEqual([[undefined, 6], [1, 4], [undefined, 3]]);
    expect(ctx.warnings.filter((w) => w.code === 'unlabeled')).toEqual([expect.objectContaining({ count: 2 })]);
  });

  it('without a <labels> block too, and a label that is not declared is still a DANGLING_REFERENCE', async () => {
    const ctx = collect();
    const bare = datumaro.replace(/<meta>[\s\S]*<\/meta>/, '').replaceAll('label="cell"', 'label="x"');
    const d = await dialect.read(enc(bare), {}, ctx);
    expect(d.categories.map((c) => c.name)).toEqual(['x']);
    expect(d.annotations.filter((a) => a.categoryId === undefined)).toHaveLength(2);
    const err = await dialect.read(enc(datumaro.replace('label="cell"', 'label="dog"'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RleError);
    expect((err as RleError).code).toBe('DANGLING_REFERENCE');
  });
});
