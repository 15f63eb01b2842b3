import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, RleError } from '../src/index.js';

const errorOf = (f: () => unknown): RleError => {
  try {
    f();
  } catch (e) {
    if (e instanceof RleError) return e;
    throw e;
  }
  throw new Error('no error');
};

describe('base64 (the one decoder of Supervisely, LabelMe, Label Studio and the Open Images presets)', () => {
  it('round-trips any bytes, and agrees with Node\'s Buffer both ways, padded or not', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      const text = bytesToBase64(b);
      expect(text).toBe(Buffer.from(b).toString('base64'));
      expect([...base64ToBytes(text)]).toEqual([...b]);
      expect([...base64ToBytes(text.replace(/=+$/, ''))]).toEqual([...b]);
    }), { numRuns: 300 });
  });

  it('skips whitespace only when asked (Python\'s encodebytes wraps lines)', () => {
    const wrapped = 'AQID\nBAUG\r\n BwgJ\n';
    expect([...base64ToBytes(wrapped, { whitespace: true })]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(errorOf(() => base64ToBytes(wrapped)).offset).toBe(4);
  });

  it('refuses bad characters at their offset, and padding that cannot end a group', () => {
    const bad = errorOf(() => base64ToBytes('AQ!6', { path: ['data'], what: 'bitmap data' }));
    expect(bad).toMatchObject({ code: 'INVALID_TOKEN', offset: 2, path: ['data'] });
    expect(bad.message).toContain('bitmap data is not base64');
    for (const s of ['A', 'AQ=', 'AQ===', 'AQID=', 'A===']) expect(errorOf(() => base64ToBytes(s)).code, s).toBe('INVALID_TOKEN');
    expect(errorOf(() => base64ToBytes(7 as unknown as string)).code).toBe('INVALID_TOKEN');
    // A '=' inside the text is a bad character, not an end.
    expect(errorOf(() => base64ToBytes('AQ==AQ==')).offset).toBe(2);
  });
});
