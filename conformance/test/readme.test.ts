import { describe, expect, it } from 'vitest';
import { decode, encode } from '@rlekit/coco';
import * as kaggle from '@rlekit/kaggle';

// The example in README.md, kept true.
describe('README example', () => {
  it('gives what the README says', () => {
    const mask = decode({ size: [3, 4], counts: [1, 2, 5, 4] });
    expect(mask.area()).toBe(6);
    expect(mask.bbox()).toEqual({ x: 0, y: 0, width: 4, height: 3 });
    expect(encode(mask)).toEqual({ size: [3, 4], counts: '1252' });
    expect(kaggle.encode(mask, 'airbus-ship-detection')).toBe('2 2 9 4');
    expect(kaggle.encode(mask, 'carvana-image-masking')).toBe('4 2 8 2 11 2');
  });
});
