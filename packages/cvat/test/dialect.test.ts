import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask, bytesSource, type Annotation, type MaskDataset, type RleWarning } from '@rlekit/core';
import { dialect, flattenByZOrder, parseCvatXml, parsePoints, rasterizePolygon } from '../src/index.js';
import { bitmapArb, expectCodeAsync, readJson, readVector, rowsToBits } from './helpers.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function collect(): { warn: (w: RleWarning) => void; warnings: RleWarning[] } {
  const warnings: RleWarning[] = [];
  return { warn: (w) => warnings.push(w), warnings };
}

function doc(images: string, labels = '<label><name>cat</name><color>#102030</color><type>mask</type><attributes></attributes></label>'): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n  <meta><task><id>1</id><labels>${labels}</labels></task></meta>\n${images}\n</annotations>\n`;
}

describe('the shared example annotations file', () => {
  const masks = readJson<{ height: number; width: number; masks: Record<string, string[]> }>('example_masks.json');

  it('reads labels, the image and both masks', async () => {
    const ctx = collect();
    const d = await dialect.read(readVector('example_annotations.xml'), {}, ctx);
    expect(ctx.warnings).toEqual([]);
    expect(d.categories.map((c) => [c.id, c.name, c.color])).toEqual([[1, 'blob', [0xfa, 0x32, 0x53]], [2, 'edge', [0x33, 0xdd, 0xff]]]);
    expect(d.images).toEqual([{ id: 0, fileName: 'image_0001.png', height: 8, width: 10 }]);
    const size = { height: masks.height, width: masks.width };
    expect(d.annotations.map((a) => a.categoryId)).toEqual([1, 2]);
    expect(d.annotations[0]!.mask.toBitmap()).toEqual(rowsToBits(masks.masks.first!));
    expect(d.annotations[1]!.mask.toBitmap()).toEqual(rowsToBits(masks.masks.second!));
    expect(d.annotations[0]!.mask.size).toEqual(size);
    expect(d.annotations[1]!.attributes).toEqual({ occluded: false, z_order: 1, source: 'manual' });
  });

  it('reading then writing keeps every mask and the <mask> elements byte for byte', async () => {
    const text = dec(readVector('example_annotations.xml'));
    const d = await dialect.read(enc(text));
    const ctx = collect();
    const out = dec(await dialect.write(d, {}, ctx));
    expect(ctx.warnings).toEqual([]);
    const elements = (t: string) => t.slice(t.indexOf('<image'));
    expect(elements(out)).toBe(elements(text));
    const again = await dialect.read(enc(out));
    expect(again.annotations.map((a) => a.mask.runs('row'))).toEqual(d.annotations.map((a) => a.mask.runs('row')));
    expect(again.categories).toEqual(d.categories);
    // Writing what was read again gives the same bytes.
    expect(dec(await dialect.write(again))).toBe(out);
  });

  it('sniffs CVAT XML and not other XML or JSON', () => {
    expect(dialect.sniff(readVector('example_annotations.xml'))).toBeGreaterThan(0.9);
    expect(dialect.sniff(enc('<?xml version="1.0"?><svg></svg>'))).toBe(0);
    expect(dialect.sniff(enc('{"annotations": []}'))).toBe(0);
  });

  it('reads from a ByteSource and writes in chunks', async () => {
    const d = await dialect.read(bytesSource(readVector('example_annotations.xml'), 'a.xml'));
    const chunks: Uint8Array[] = [];
    for await (const c of dialect.writeStream!(d)) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(2);
    expect(dec(Uint8Array.from(chunks.flatMap((c) => [...c])))).toBe(dec(await dialect.write(d)));
  });
});

/** A random dataset of non-square images with overlapping masks, written and read back. */
const datasetArb = fc
  .array(bitmapArb(14), { minLength: 1, maxLength: 4 })
  .chain((bitmaps) => fc.tuple(fc.constant(bitmaps), fc.array(fc.integer({ min: -2, max: 3 }), { minLength: bitmaps.length, maxLength: bitmaps.length }), fc.array(fc.boolean(), { minLength: bitmaps.length, maxLength: bitmaps.length })));

describe('write → read round trips', () => {
  it('keeps every mask, category, file name, z_order, occluded flag and attribute', async () => {
    await fc.assert(
      fc.asyncProperty(datasetArb, async ([bitmaps, zs, occ]) => {
        const { height, width } = bitmaps[0]!;
        const images = [{ id: 3, fileName: 'a & b ñ.png', height, width }, { id: 7, fileName: 'empty.png', height: 2, width: 5 }];
        const categories = [{ id: 1, name: 'cat <1>', color: [1, 2, 3] as const }, { id: 2, name: 'dog "x"' }];
        const annotations: Annotation[] = bitmaps.map((b, i) => ({
          id: i + 1, imageId: 3, categoryId: (i % 2) + 1,
          // Same size as image 3: pad or crop the random bitmap into it.
          mask: Mask.fromBitmap(b.bits, { height: b.height, width: b.width }).paste({ height, width }),
          attributes: { occluded: occ[i]!, z_order: zs[i]!, source: 'auto', colour: `c${i}`, note: 'a<b>&"c"' },
        }));
        // The reader orders each image's shapes by z_order (stable), so compare in that order.
        const sorted = annotations.map((a, i) => [a, i] as const).sort((p, q) => (p[0].attributes!.z_order as number) - (q[0].attributes!.z_order as number) || p[1] - q[1]).map(([a]) => a);
        const d: MaskDataset = { images, categories: categories.map((c) => ({ ...c })), annotations: sorted.map((a, i) => ({ ...a, id: i + 1 })) };
        const ctx = collect();
        const back = await dialect.read(await dialect.write(d, {}, ctx));
        expect(ctx.warnings).toEqual([]);
        expect(back.images).toEqual(images);
        expect(back.categories.map((c) => [c.id, c.name, c.color])).toEqual([[1, 'cat <1>', [1, 2, 3]], [2, 'dog "x"', undefined]]);
        expect(back.annotations.length).toBe(d.annotations.length);
        back.annotations.forEach((a, i) => {
          const want = d.annotations[i]!;
          expect(a.id).toBe(i + 1);
          expect(a.imageId).toBe(3);
          expect(a.categoryId).toBe(want.categoryId);
          expect(a.mask.equals(want.mask)).toBe(true);
          expect(a.attributes).toEqual(want.attributes);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('reports what it cannot carry: scores, crowd flags, instance ids, non-integer image ids', async () => {
    const m = Mask.full({ height: 2, width: 3 });
    const d: MaskDataset = {
      images: [{ id: 'img-a', height: 2, width: 3 }],
      categories: [{ id: 5, name: 'x' }],
      annotations: [{ id: 'obj-1', imageId: 'img-a', categoryId: 5, mask: m, score: 0.5, iscrowd: true }],
    };
    const ctx = collect();
    const back = await dialect.read(await dialect.write(d, {}, ctx));
    const text = ctx.warnings.map((w) => w.message).join('\n');
    expect(ctx.warnings.every((w) => w.code === 'not-carried')).toBe(true);
    expect(text).toMatch(/scores/);
    expect(text).toMatch(/crowd/);
    expect(text).toMatch(/instance ids/);
    expect(text).toMatch(/image ids/);
    expect(back.images[0]!.id).toBe(0);
    expect(back.images[0]!.fileName).toBe('img-a');
    expect(back.annotations[0]!.mask.equals(m)).toBe(true);
  });

  it('writes annotations without a category under the default label, and refuses dangling references', async () => {
    const m = Mask.full({ height: 2, width: 3 });
    const warnings: RleWarning[] = [];
    const uncategorised = { images: [{ id: 1, height: 2, width: 3 }], categories: [{ id: 4, name: 'car' }], annotations: [{ id: 1, imageId: 1, mask: m }, { id: 2, imageId: 1, categoryId: 4, mask: m }, { id: 3, imageId: 1, mask: m }] };
    const back = await dialect.read(await dialect.write(uncategorised, { defaultLabel: 'thing' }, { warn: (w) => warnings.push(w) }));
    expect(back.categories.map((c) => c.name)).toEqual(['car', 'thing']);
    // Said once, with the count: the masks come back with a category they did not have.
    expect(warnings.filter((w) => w.code === 'default-category').map((w) => [w.count, /"thing"/.test(w.message)])).toEqual([[2, true]]);
    await expectCodeAsync(dialect.write({ images: [], categories: [], annotations: [{ id: 1, imageId: 1, mask: m }] }), 'DANGLING_REFERENCE');
    await expectCodeAsync(dialect.write({ images: [{ id: 1, height: 2, width: 3 }], categories: [], annotations: [{ id: 1, imageId: 1, categoryId: 9, mask: m }] }), 'DANGLING_REFERENCE');
    await expectCodeAsync(dialect.write({ images: [{ id: 1, height: 3, width: 2 }], categories: [], annotations: [{ id: 1, imageId: 1, mask: m }] }), 'SIZE_MISMATCH');
    await expectCodeAsync(dialect.write({ images: [], categories: [], annotations: [] }, { defaultLabel: '' }), 'INVALID_OPTION');
  });
});

describe('reading masks from XML', () => {
  it('places runs over random loose boxes on non-square images exactly (naive reference)', async () => {
    await fc.assert(
      fc.asyncProperty(bitmapArb(12), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 16 }),
        async ({ height: bh, width: bw, bits }, left, top, H, W) => {
          fc.pre(H !== W);
          // The box's own runs, as text with CVAT's spacing.
          const runs: number[] = [];
          let cur = 0, len = 0;
          for (const b of bits) { if (b === cur) len++; else { runs.push(len); cur = b; len = 1; } }
          runs.push(len);
          const xml = doc(`<image id="4" name="n.png" width="${W}" height="${H}"><mask label="cat" source="manual" occluded="0" rle="${runs.join(', ')}" left="${left}" top="${top}" width="${bw}" height="${bh}" z_order="0"></mask></image>`);
          const d = await parseCvatXml(xml);
          const want = new Uint8Array(H * W);
          for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) if (bits[y * bw + x] && x + left < W && y + top < H) want[(y + top) * W + x + left] = 1;
          expect(d.annotations[0]!.mask.size).toEqual({ height: H, width: W });
          expect(d.annotations[0]!.mask.toBitmap()).toEqual(want);
        }),
      { numRuns: 200 },
    );
  });

  it('polygons come back as identical masks after a write and a read', async () => {
    const xml = doc('<image id="0" name="p.png" width="31" height="17"><polygon label="cat" source="manual" occluded="0" points="2.5,1.2;28.9,3.3;20,16.5;12.3,9.1;0.2,14" z_order="0"></polygon><polygon label="cat" points="10,2;15,2;10,8;15,8" z_order="1"></polygon></image>');
    const first = await parseCvatXml(xml);
    const written = dec(await dialect.write(first));
    expect(written).not.toMatch(/<polygon/);
    const second = await parseCvatXml(written);
    expect(second.annotations.map((a) => a.mask.runs('row'))).toEqual(first.annotations.map((a) => a.mask.runs('row')));
    // The bow-tie is filled even-odd: two triangles meeting at the crossing.
    expect(first.annotations[1]!.mask.area()).toBeGreaterThan(0);
    expect(first.annotations[1]!.mask.area()).toBeLessThan(5 * 6);
  });

  it('keeps image attributes such as subset, and reports other dialects\' structures it cannot write', async () => {
    const d = await parseCvatXml(doc('<image id="2" name="s.png" subset="train" task_id="5" width="3" height="2"></image>'));
    expect(d.images).toEqual([{ id: 2, fileName: 's.png', height: 2, width: 3, attributes: { subset: 'train', task_id: '5' } }]);
    expect(dec(await dialect.write(d))).toContain('<image id="2" name="s.png" subset="train" task_id="5" width="3" height="2">');
    const ctx = collect();
    await dialect.write({ ...d, images: [{ ...d.images[0]!, attributes: { encord: { dataUnit: {} }, 'bad name': 1 } }] }, {}, ctx);
    expect(ctx.warnings.map((w) => [w.code, w.count])).toEqual([['not-carried', 2]]);
  });
});

describe('shapes', () => {
  const img = (inner: string) => `<image id="0" name="i.png" width="9" height="6">${inner}</image>`;

  it('rasterizes polygons with COCO rules and says so', async () => {
    const ctx = collect();
    const points = '1.5,0.5;7.25,1;6,5.5;0.4,4';
    const d = await parseCvatXml(doc(img(`<polygon label="cat" source="manual" occluded="1" points="${points}" z_order="0"><attribute name="kind">big</attribute></polygon>`)), {}, ctx.warn);
    expect(ctx.warnings.map((w) => [w.code, w.count])).toEqual([['polygon-rasterized', 1]]);
    const want = rasterizePolygon(parsePoints(points), { height: 6, width: 9 });
    expect(d.annotations[0]!.mask.equals(want)).toBe(true);
    expect(want.area()).toBeGreaterThan(10);
    expect(d.annotations[0]!.attributes).toEqual({ occluded: true, z_order: 0, source: 'manual', kind: 'big' });
  });

  it('skips boxes (reported) or rasterizes them on request', async () => {
    const xml = doc(img('<box label="cat" source="manual" occluded="0" xtl="1" ytl="2" xbr="4" ybr="5" z_order="0"></box><box label="cat" xtl="1" ytl="2" xbr="4" ybr="5" rotation="30"></box>'));
    const ctx = collect();
    expect((await parseCvatXml(xml, {}, ctx.warn)).annotations).toEqual([]);
    expect(ctx.warnings.map((w) => [w.code, w.count])).toEqual([['not-carried', 2]]);
    const ctx2 = collect();
    const d = await parseCvatXml(xml, { boxes: 'rasterize' }, ctx2.warn);
    expect(d.annotations[0]!.mask.bbox()).toEqual({ x: 1, y: 2, width: 3, height: 3 });
    expect(ctx2.warnings.map((w) => w.code).sort()).toEqual(['box-rasterized', 'not-carried']);
  });

  it('rasterizes inverted boxes (xbr < xtl, ybr < ytl) as CVAT\'s mask exports do, and reports them', async () => {
    // CVAT's importer stores the corners as given and datumaro rasterizes the corner polygon with
    // pycocotools: the same pixels as the box with its corners in order. CVAT's canvas cannot draw them.
    const box = (a: string, extra = '') => `<box label="cat" occluded="0" ${a} z_order="0"${extra}></box>`;
    const xml = doc(img(
      box('xtl="1.2" ytl="2" xbr="4.6" ybr="5"')
      + box('xtl="4.6" ytl="2" xbr="1.2" ybr="5"')
      + box('xtl="1.2" ytl="5" xbr="4.6" ybr="2"')
      + box('xtl="4.6" ytl="5" xbr="1.2" ybr="2"')
      + box('xtl="4.6" ytl="5" xbr="1.2" ybr="2"', ' rotation="15"'),
    ));
    const ctx = collect();
    const d = await parseCvatXml(xml, { boxes: 'rasterize' }, ctx.warn);
    expect(d.annotations.length).toBe(4);
    const inOrder = d.annotations[0]!.mask;
    expect(inOrder.bbox()).toEqual({ x: 1, y: 2, width: 4, height: 3 });
    expect(d.annotations.map((a) => a.mask.equals(inOrder))).toEqual([true, true, true, true]);
    const inverted = ctx.warnings.filter((w) => w.code === 'inverted-box');
    expect(inverted.map((w) => [w.count, w.path])).toEqual([[3, ['annotations', 'image', 0, 'box', 1, 'xbr']]]);
    expect(inverted[0]!.message).toMatch(/xbr < xtl or ybr < ytl/);
    // The rotated one is not read, so not counted; skipped boxes are not read either.
    const skipped = collect();
    await parseCvatXml(xml, {}, skipped.warn);
    expect(skipped.warnings.map((w) => w.code)).toEqual(['not-carried']);
    // Only the axis that is inverted is named.
    const y = collect();
    await parseCvatXml(doc(img(box('xtl="1" ytl="5" xbr="4" ybr="2"'))), { boxes: 'rasterize' }, y.warn);
    expect(y.warnings.filter((w) => w.code === 'inverted-box').map((w) => [w.count, w.path])).toEqual([[1, ['annotations', 'image', 0, 'box', 0, 'ybr']]]);
  });

  it('inverted boxes give the mask of the box with its corners in order, on random corners', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.double({ min: -3, max: 12, noNaN: true }), fc.double({ min: -3, max: 9, noNaN: true }), fc.double({ min: -3, max: 12, noNaN: true }), fc.double({ min: -3, max: 9, noNaN: true })), { minLength: 1, maxLength: 6 }), async (boxes) => {
        const f = (v: number) => v.toFixed(3);
        const xml = doc(img(boxes.map(([a, b, c, e]) => `<box label="cat" xtl="${f(a)}" ytl="${f(b)}" xbr="${f(c)}" ybr="${f(e)}"></box>`).join('')));
        const ordered = doc(img(boxes.map(([a, b, c, e]) => `<box label="cat" xtl="${f(Math.min(+f(a), +f(c)))}" ytl="${f(Math.min(+f(b), +f(e)))}" xbr="${f(Math.max(+f(a), +f(c)))}" ybr="${f(Math.max(+f(b), +f(e)))}"></box>`).join('')));
        const ctx = collect();
        const got = await parseCvatXml(xml, { boxes: 'rasterize' }, ctx.warn);
        const want = await parseCvatXml(ordered, { boxes: 'rasterize' });
        expect(got.annotations.map((a, i) => a.mask.equals(want.annotations[i]!.mask))).toEqual(boxes.map(() => true));
        const n = boxes.filter(([a, b, c, e]) => +f(c) < +f(a) || +f(e) < +f(b)).length;
        expect(ctx.warnings.filter((w) => w.code === 'inverted-box').map((w) => w.count)).toEqual(n > 0 ? [n] : []);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses box coordinates that are not finite numbers, naming the attribute', async () => {
    for (const [attr, v] of [['xtl', 'nan'], ['ybr', 'NaN'], ['xbr', 'inf'], ['ytl', '-Infinity'], ['xtl', '']] as const) {
      const attrs: Record<string, string> = { xtl: '1', ytl: '2', xbr: '4', ybr: '5', [attr]: v };
      const xml = doc(img(`<box label="cat" ${Object.entries(attrs).map(([k, x]) => `${k}="${x}"`).join(' ')}></box>`));
      const e = await expectCodeAsync(parseCvatXml(xml, { boxes: 'rasterize' }), 'INVALID_TOKEN');
      expect(e.path).toEqual(['annotations', 'image', 0, 'box', 0, attr]);
    }
  });

  it('reports shapes that are not masks, and video tracks', async () => {
    const ctx = collect();
    await parseCvatXml(doc(img('<polyline label="cat" points="1,1;2,2"/><points label="cat" points="1,1"/><ellipse label="cat" cx="1" cy="1" rx="1" ry="1"/><tag label="cat"/>') + '<track id="0" label="cat"></track>'), {}, ctx.warn);
    expect(ctx.warnings.map((w) => [w.code, w.count])).toEqual([['not-carried', 1], ['not-carried', 1], ['not-carried', 1], ['not-carried', 1], ['not-carried', 1]]);
  });

  it('orders shapes by z_order so the top one paints last, and flattens by z_order', async () => {
    const full = 'rle="0, 54" left="0" top="0" width="9" height="6"';
    const xml = doc(img(`<mask label="cat" ${full} z_order="2"></mask><mask label="cat" rle="0, 1" left="0" top="0" width="1" height="1" z_order="-1"></mask><polygon label="cat" points="0,0;3,0;3,3;0,3" z_order="2"/>`));
    const d = await parseCvatXml(xml);
    expect(d.annotations.map((a) => a.attributes!.z_order)).toEqual([-1, 2, 2]);
    expect(d.annotations.map((a) => a.mask.area())).toEqual([1, 54, 9]);
    // Labels are positions: 1 = z -1 pixel, 2 = the full mask (z 2), 3 = the polygon (z 2, later in the file, so on top).
    const lm = flattenByZOrder(d.annotations, { height: 6, width: 9 });
    expect(lm.data[0]).toBe(3);
    expect(lm.data[53]).toBe(2);
    // z_order beats list order: the z -1 pixel listed last still lies under the polygon.
    const lm2 = flattenByZOrder([d.annotations[2]!, d.annotations[0]!], { height: 6, width: 9 });
    expect(lm2.data[0]).toBe(1);
    expect((await parseCvatXml(xml, { sortByZOrder: false })).annotations.map((a) => a.attributes!.z_order)).toEqual([2, -1, 2]);
  });

  it('reads labels from <job> and declares labels by use when <meta> has none', async () => {
    const inner = img('<mask label="x" rle="0, 1" left="0" top="0" width="1" height="1" z_order="0"></mask>');
    const job = `<annotations><meta><job><labels><label><name>x</name></label></labels></job></meta>${inner}</annotations>`;
    expect((await parseCvatXml(job)).categories).toEqual([{ id: 1, name: 'x' }]);
    expect((await parseCvatXml(`<annotations>${inner}</annotations>`)).categories).toEqual([{ id: 1, name: 'x' }]);
  });

  it('decodes XML entities in names and values', async () => {
    const d = await parseCvatXml(doc(img('<mask label="a&amp;b" rle="0, 1" left="0" top="0" width="1" height="1" z_order="0"><attribute name="n">&lt;&#65;&#x42;&gt;</attribute></mask>'), '<label><name>a&amp;b</name></label>'));
    expect(d.categories[0]!.name).toBe('a&b');
    expect(d.annotations[0]!.attributes!.n).toBe('<AB>');
  });

  it('carries label attribute declarations', async () => {
    const labels = '<label><name>cat</name><type>polygon</type><attributes><attribute><name>size</name><mutable>False</mutable><input_type>select</input_type><default_value>s</default_value><values>s\nm</values></attribute></attributes></label>';
    const d = await parseCvatXml(doc(img(''), labels));
    expect(d.categories[0]!.attributes).toEqual({ type: 'polygon', attributeSpecs: [{ name: 'size', mutable: 'False', input_type: 'select', default_value: 's', values: 's\nm' }] });
    const again = await parseCvatXml(dec(await dialect.write(d)));
    expect(again.categories).toEqual(d.categories);
    expect(again.images).toEqual([{ id: 0, fileName: 'i.png', height: 6, width: 9 }]);
  });
});

describe('text values', () => {
  it('keeps leading and trailing spaces of attribute values and label names', async () => {
    const m = Mask.fromBitmap(Uint8Array.from([0, 1, 1, 0, 1, 0]), { height: 2, width: 3 });
    const d: MaskDataset = {
      images: [{ id: 0, fileName: 'i.png', height: 2, width: 3 }],
      categories: [{ id: 1, name: ' cat ' }],
      annotations: [{ id: 1, imageId: 0, categoryId: 1, mask: m, attributes: { occluded: false, z_order: 0, source: 'manual', note: '  two spaces  ' } }],
    };
    const back = await parseCvatXml(dec(await dialect.write(d)));
    expect(back.categories.map((c) => c.name)).toEqual([' cat ']);
    expect(back.annotations[0]!.attributes).toEqual(d.annotations[0]!.attributes);
  });

  it('keeps label attributes and image attributes named __proto__', async () => {
    const xml = '<annotations><image id="0" name="i" width="2" height="1" __proto__="img"><mask label="a" rle="0, 2" left="0" top="0" width="2" height="1"><attribute name="__proto__">v</attribute></mask></image></annotations>';
    const d = await parseCvatXml(xml);
    expect(Object.hasOwn(d.annotations[0]!.attributes!, '__proto__')).toBe(true);
    expect(Object.hasOwn(d.images[0]!.attributes!, '__proto__')).toBe(true);
    const back = await parseCvatXml(dec(await dialect.write(d)));
    expect(Object.getOwnPropertyDescriptor(back.annotations[0]!.attributes!, '__proto__')?.value).toBe('v');
  });

  it('accepts spaces around integer attributes, as CVAT\'s int() does (values are no longer trimmed by the parser)', async () => {
    const d = await parseCvatXml('<annotations><image id=" 0 " name="i" width=" 2" height="1 "><mask label="a" occluded=" 1 " rle="0, 2" left="0" top="0" width="2" height="1" z_order=" 3"></mask></image></annotations>');
    expect(d.images[0]).toMatchObject({ id: 0, width: 2, height: 1 });
    expect(d.annotations[0]!.attributes).toMatchObject({ occluded: true, z_order: 3 });
    expect(d.annotations[0]!.mask.area()).toBe(2);
  });

  it('never writes characters XML 1.0 cannot hold (CVAT refuses the file): U+FFFD, reported', async () => {
    const { warn, warnings } = collect();
    const m = Mask.fromBitmap(Uint8Array.from([1, 0]), { height: 1, width: 2 });
    const out = dec(await dialect.write({
      images: [{ id: 0, fileName: 'a\u0007.png', height: 1, width: 2 }],
      categories: [{ id: 1, name: 'c\u0000t' }],
      annotations: [{ id: 1, imageId: 0, categoryId: 1, mask: m, attributes: { note: 'x\u001by\uD800', keep: 'tab\there' } }],
    }, {}, { warn }));
    expect(out).not.toMatch(/[\x00-\x08\x0B\x0C\x0E-\x1F]/);
    expect(out).not.toMatch(/[\uD800-\uDFFF]/);
    const back = await parseCvatXml(out);
    expect(back.images[0]!.fileName).toBe('a\uFFFD.png');
    expect(back.categories[0]!.name).toBe('c\uFFFDt');
    expect(back.annotations[0]!.attributes).toMatchObject({ note: 'x\uFFFDy\uFFFD', keep: 'tab\there' });
    expect(warnings.some((w) => w.code === 'not-carried' && w.count === 5)).toBe(true);
  });

  it('still treats whitespace-only <labels> as declared (undeclared labels are dangling)', async () => {
    const xml = `<annotations><meta><task><labels>\n  </labels></task></meta><image id="0" name="i" width="1" height="1"><mask label="x" rle="0, 1" left="0" top="0" width="1" height="1"></mask></image></annotations>`;
    await expectCodeAsync(parseCvatXml(xml), 'DANGLING_REFERENCE');
  });

  it('writes categories with an empty name under a name its reader accepts, and says so', async () => {
    const { warn, warnings } = collect();
    const m = Mask.fromBitmap(Uint8Array.from([1, 0]), { height: 1, width: 2 });
    const out = await dialect.write({ images: [{ id: 0, height: 1, width: 2 }], categories: [{ id: 4, name: '' }], annotations: [{ id: 1, imageId: 0, categoryId: 4, mask: m }] }, {}, { warn });
    const back = await parseCvatXml(dec(out));
    expect(back.categories.map((c) => c.name)).toEqual(['category 4']);
    expect(back.annotations[0]!.mask.equals(m)).toBe(true);
    expect(warnings.some((w) => w.code === 'not-carried' && w.message.includes('empty name'))).toBe(true);
  });
});

describe('empty input', () => {
  it('an empty or blank file is INVALID_STRUCTURE with a real offset, not NaN', async () => {
    for (const text of ['', '  \n', '<?xml version="1.0"?>']) {
      try {
        await parseCvatXml(text);
        expect.unreachable();
      } catch (e) {
        expect((e as { code?: string }).code).toBe('INVALID_STRUCTURE');
        expect((e as { offset?: number }).offset).toBe(text.length);
        expect((e as Error).message).not.toMatch(/undefined|NaN/);
      }
    }
  });
});

describe('bad input is an RleError with a code', () => {
  const mask = (a: string) => doc(`<image id="0" name="i" width="4" height="3"><mask label="cat" ${a}></mask></image>`);

  it('refuses a billion-laughs file at once, without expanding anything', async () => {
    const laughs = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n${Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('\n')}\n]>\n<annotations><meta><task><labels><label><name>&lol9;</name></label></labels></task></meta></annotations>`;
    const e = await expectCodeAsync(parseCvatXml(laughs), 'UNSUPPORTED');
    expect(e.offset).toBe(laughs.indexOf('<!DOCTYPE'));
    await expectCodeAsync(parseCvatXml('<annotations><!ENTITY x "y"></annotations>'), 'UNSUPPORTED');
    // Unknown entities are never looked up.
    await expectCodeAsync(parseCvatXml(doc('', '<label><name>&lol9;</name></label>')), 'INVALID_TOKEN');
  });

  it('refuses malformed, truncated and foreign XML', async () => {
    const good = dec(readVector('example_annotations.xml'));
    await expectCodeAsync(parseCvatXml(good.slice(0, good.length - 20)), 'INVALID_STRUCTURE');
    await expectCodeAsync(parseCvatXml(good.slice(0, good.indexOf('</annotations>')), { validate: false }), 'TRUNCATED');
    await expectCodeAsync(parseCvatXml(good.slice(0, good.indexOf('rle="0, 10') + 8)), 'INVALID_STRUCTURE');
    await expectCodeAsync(parseCvatXml('<annotations><image id="0" id="1" width="1" height="1"/></annotations>'), 'INVALID_STRUCTURE');
    await expectCodeAsync(parseCvatXml('<svg></svg>'), 'INVALID_STRUCTURE');
    await expectCodeAsync(parseCvatXml('<annotations></annotations><annotations></annotations>'), 'INVALID_STRUCTURE');
    await expectCodeAsync(parseCvatXml(''), 'INVALID_STRUCTURE');
    await expectCodeAsync(parseCvatXml(`<annotations>${'<a>'.repeat(200)}${'</a>'.repeat(200)}</annotations>`), 'INVALID_STRUCTURE');
    await expectCodeAsync(dialect.read(Uint8Array.from([0x3c, 0xff, 0xfe])), 'INVALID_TOKEN');
    await expectCodeAsync(dialect.read(readVector('example_annotations.xml'), { maxBytes: 100 }), 'LIMIT_EXCEEDED');
    await expectCodeAsync(dialect.read(readVector('example_annotations.xml'), { maxBytes: -1 }), 'INVALID_OPTION');
    await expectCodeAsync(dialect.read(readVector('example_annotations.xml'), { boxes: 'keep' as 'skip' }), 'INVALID_OPTION');
  });

  it('points at the bad mask with a path and offset', async () => {
    const xml = mask('rle="0, 3" left="0" top="0" width="2" height="2"');
    const e = await expectCodeAsync(parseCvatXml(xml), 'RUNS_SUM_MISMATCH');
    expect(e.path).toEqual(['annotations', 'image', 0, 'mask', 0, 'rle']);
    expect(e.offset).toBe(xml.indexOf('<mask'));
    const ctx = collect();
    expect((await parseCvatXml(xml, { padShortRuns: true }, ctx.warn)).annotations[0]!.mask.area()).toBe(3);
    expect(ctx.warnings.map((w) => w.code)).toEqual(['padded-runs']);
    await expectCodeAsync(parseCvatXml(mask('rle="0, 3, x" left="0" top="0" width="2" height="2"')), 'INVALID_TOKEN');
    await expectCodeAsync(parseCvatXml(mask('left="0" top="0" width="2" height="2"')), 'INVALID_STRUCTURE');
    await expectCodeAsync(parseCvatXml(mask('rle="0, 4" left="0" top="0" width="2" height="2" occluded="yes"')), 'INVALID_TOKEN');
    await expectCodeAsync(parseCvatXml(mask('rle="0, 4" left="0" top="0" width="2" height="2" z_order="1.5"')), 'INVALID_TOKEN');
    await expectCodeAsync(parseCvatXml(mask('rle="0, 4" left="0" top="0" width="2" height="2" label="dog"').replace('label="cat" ', '')), 'DANGLING_REFERENCE');
  });

  it('refuses bad images, labels and polygons', async () => {
    const ok = '<mask label="cat" rle="0, 1" left="0" top="0" width="1" height="1"></mask>';
    await expectCodeAsync(parseCvatXml(doc(`<image id="0" name="i" width="-4" height="3">${ok}</image>`)), 'INVALID_TOKEN');
    await expectCodeAsync(parseCvatXml(doc(`<image id="0" name="i" height="3">${ok}</image>`)), 'INVALID_STRUCTURE');
    await expectCodeAsync(parseCvatXml(doc(`<image id="0" name="i" width="100000" height="100000">${ok}</image>`)), 'INVALID_SIZE');
    await expectCodeAsync(parseCvatXml(doc(`<image id="0" name="i" width="1000" height="1000">${ok}</image>`), { maxPixels: 1000 }), 'LIMIT_EXCEEDED');
    await expectCodeAsync(parseCvatXml(doc('<image id="0" name="i" width="1" height="1"/><image id="0" name="j" width="1" height="1"/>')), 'INVALID_STRUCTURE');
    await expectCodeAsync(parseCvatXml(doc('', '<label><name>cat</name><color>red</color></label>')), 'INVALID_TOKEN');
    await expectCodeAsync(parseCvatXml(doc('', '<label><color>#000000</color></label>')), 'INVALID_STRUCTURE');
    await expectCodeAsync(parseCvatXml(doc('<image id="0" name="i" width="4" height="3"><polygon label="cat" points="1,1;2;3,3"/></image>')), 'INVALID_TOKEN');
    await expectCodeAsync(parseCvatXml(doc('<image id="0" name="i" width="4" height="3"><polygon label="cat" points="0,0;4,0;0,2"/></image>'), { maxPolygonCrossings: 3 }), 'LIMIT_EXCEEDED');
    // A full box one pixel narrower than a tall image costs a run per row: bounded in total.
    const tall = doc(`<image id="0" name="i" width="2" height="5000">${'<mask label="cat" rle="0, 5000" left="0" top="0" width="1" height="5000"></mask>'.repeat(3)}</image>`);
    expect((await parseCvatXml(tall, { maxRuns: 30003 })).annotations.length).toBe(3);
    const e = await expectCodeAsync(parseCvatXml(tall, { maxRuns: 30002 }), 'LIMIT_EXCEEDED');
    expect(e.path).toEqual(['annotations', 'image', 0, 'mask', 2]);
    // Far vertices are fine: only crossings inside the image cost anything.
    expect((await parseCvatXml(doc('<image id="0" name="i" width="4" height="3"><polygon label="cat" points="0,0;1e8,0;0,2"/></image>'))).annotations[0]!.mask.area()).toBe(8);
  });
});
