import { describe, expect, it } from 'vitest';
import { RleError } from '../src/index.js';
import { parseRlekitJson } from '../src/json-dialect.js';

function errorOf(text: string): RleError {
  try {
    parseRlekitJson(text);
  } catch (e) {
    return e as RleError;
  }
  throw new Error('no error');
}

describe('rlekit-json bad JSON', () => {
  it('says where the JSON breaks: the end for truncated text, the position otherwise', () => {
    const cut = '{"height": 3, "width": 4, "order": "row", "runs": [1, 2';
    const a = errorOf(cut);
    expect(a).toBeInstanceOf(RleError);
    expect(a.code).toBe('INVALID_STRUCTURE');
    expect(a.offset).toBe(cut.length);
    const b = errorOf('{"height": 3,, "width": 4}');
    expect(b.code).toBe('INVALID_STRUCTURE');
    expect(b.offset).toBe(13);
  });
});
