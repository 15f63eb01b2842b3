import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonOutline, outlineMember } from '../src/index.js';

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v, null, 1));

describe('jsonOutline', () => {
  it('names the top-level members wherever they sit, with the keys one level down', () => {
    const categories = Array.from({ length: 1230 }, (_, i) => ({ id: i + 1, name: `c${i}`, synonyms: [`s${i}`, 'x'], def: 'a long definition '.repeat(5) }));
    const o = jsonOutline(enc({ info: { year: 2020 }, categories, images: [{ id: 1, height: 2, width: 3 }], annotations: [{ id: 1, image_id: 1, segmentation: [[0, 0, 1, 1, 1, 0]] }], format: 'x' }));
    expect(o.root).toBe('object');
    expect(o.complete).toBe(true);
    expect(o.members.map((m) => m.key)).toEqual(['info', 'categories', 'images', 'annotations', 'format']);
    expect(outlineMember(o, 'info')).toMatchObject({ kind: 'object', keys: ['year'] });
    expect(outlineMember(o, 'categories')).toMatchObject({ kind: 'array', keys: ['id', 'name', 'synonyms', 'def'] });
    expect(outlineMember(o, 'annotations')!.keys).toContain('segmentation');
    expect(outlineMember(o, 'format')!.value).toBe('x');
  });

  it('reads the first element of a root array, and says when the head ends early or is not JSON', () => {
    const o = jsonOutline(enc([{ image_id: 1, segmentation: { size: [1, 1], counts: '1' } }, { image_id: 2 }]));
    expect(o).toMatchObject({ root: 'array', complete: true });
    expect(o.members.map((m) => m.key)).toEqual(['image_id', 'segmentation']);
    const cut = jsonOutline(enc('{"images": [{"id": 1, "height": 2}, {"id": 2'));
    expect(cut).toMatchObject({ root: 'object', complete: false, invalid: false });
    expect(cut.members[0]).toMatchObject({ key: 'images', kind: 'array', keys: ['id', 'height'] });
    expect(jsonOutline(enc('{"a" 1}')).invalid).toBe(true);
    expect(jsonOutline(enc('id,rle\n')).root).toBeUndefined();
    expect(jsonOutline(new Uint8Array(100)).root).toBeUndefined();
    expect(jsonOutline(enc('\ufeff{"format": "rlekit-json"}'))).toMatchObject({ root: 'object', complete: true, members: [{ key: 'format', value: 'rlekit-json' }] });
  });

  it('agrees with JSON.parse on the top-level keys of any object, and on every prefix never claims more', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), fc.nat(), (obj, cutAt) => {
      const bytes = enc(obj);
      const whole = jsonOutline(bytes);
      const keys = Object.keys(JSON.parse(new TextDecoder().decode(bytes)) as object);
      expect(whole.complete).toBe(true);
      expect(whole.members.map((m) => m.key)).toEqual(keys);
      const prefix = jsonOutline(bytes.slice(0, cutAt % (bytes.length + 1)));
      expect(keys.slice(0, prefix.members.length)).toEqual(prefix.members.map((m) => m.key));
      expect(prefix.invalid).toBe(false);
    }), { seed: 12, numRuns: 300 });
  });
});
