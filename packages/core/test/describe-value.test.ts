import { describe, expect, it } from 'vitest';
import { describeValue, isRleError } from '../src/index.js';
import { parseRlekitJson } from '../src/rlekit-json/index.js';
import { hostileValues, withEachLeafReplaced } from './support.js';

describe('describeValue never calls into the value it describes', () => {
  it('describes values whose conversion to a primitive throws', () => {
    expect(describeValue({ toString: 1 })).toBe('{"toString":1}');
    expect(describeValue({ toString: 1, valueOf: 1 })).toBe('{"toString":1,"valueOf":1}');
    expect(describeValue(Object.create(null))).toBe('{}');
    expect(describeValue([1, 'a', null, { toString: 1 }])).toBe('[1,"a",null,{"toString":1}]');
  });

  it('runs no code of the value: no toJSON, toString, getter or proxy trap', () => {
    let called = 0;
    const spy = (): never => {
      called++;
      throw new Error('called');
    };
    const withGetter = Object.defineProperty({}, 'x', { get: spy, enumerable: true });
    expect(describeValue({ toJSON: spy, toString: spy })).toBe('{"toJSON":a function,"toString":a function}');
    expect(describeValue([{ valueOf: spy }])).toBe('[{"valueOf":a function}]');
    expect(describeValue(withGetter)).toBe('{"x":<getter>}');
    const proxy = new Proxy({}, { ownKeys: spy, get: spy, getOwnPropertyDescriptor: spy });
    expect(describeValue(proxy)).toBe('an object');
    expect(called).toBe(1); // only the proxy's ownKeys trap, which cannot be avoided and is caught
  });

  it('stays short for deep, circular and huge values', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    expect(describeValue(circular)).toBe('{"a":1,"self":{"a":1,"self":{"a":1,"self":{...}}}}');
    expect(describeValue(new Array(1e6).fill(7)).length).toBeLessThanOrEqual(60);
    expect(describeValue('x'.repeat(1e6)).length).toBeLessThanOrEqual(60);
    expect(describeValue(new Uint32Array(4))).toBe('a Uint32Array');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(NaN)).toBe('NaN');
    expect(describeValue(10n)).toBe('10n');
    expect(describeValue(Symbol('s'))).toBe('a symbol');
  });
});

describe('rlekit-json refuses a hostile value at any place with an RleError', () => {
  const doc = {
    format: 'rlekit-json', version: 1,
    images: [{ id: 1, height: 2, width: 3, fileName: 'a.png' }],
    categories: [{ id: 1, name: 'c', supercategory: 's', color: [1, 2, 3] }],
    annotations: [{ id: 1, imageId: 1, categoryId: 1, height: 2, width: 3, order: 'row', runs: [1, 2, 3], score: 0.5, iscrowd: false }],
  };
  it('in every field, never a TypeError', () => {
    for (const value of hostileValues()) {
      for (const { path, doc: d } of withEachLeafReplaced(doc, value)) {
        // Parsed from text, as a file is (Object.create(null) becomes {}).
        const text = JSON.stringify(d);
        try {
          parseRlekitJson(text);
        } catch (e) {
          expect(isRleError(e), `${JSON.stringify(path)}: ${String(e)}`).toBe(true);
        }
      }
    }
  });
});
