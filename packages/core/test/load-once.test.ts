import { describe, expect, it } from 'vitest';
import { loadOnce } from '../src/index.js';

describe('loadOnce', () => {
  it('loads on the first call only, and every caller gets the same value', async () => {
    let loads = 0;
    const library = loadOnce(async () => ({ n: ++loads }));
    expect(loads).toBe(0); // nothing is loaded before the first call
    const [a, b] = await Promise.all([library(), library()]);
    const c = await library();
    expect(a).toBe(b);
    expect(c).toBe(a);
    expect(loads).toBe(1);
  });

  it('does not keep a failed load: the next call tries again', async () => {
    let loads = 0;
    const library = loadOnce(async () => {
      if (++loads === 1) throw new Error('chunk not delivered');
      return 'lib';
    });
    await expect(library()).rejects.toThrow('chunk not delivered');
    await expect(library()).resolves.toBe('lib');
    await expect(library()).resolves.toBe('lib');
    expect(loads).toBe(2);
  });
});
