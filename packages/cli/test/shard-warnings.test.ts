import { describe, expect, it } from 'vitest';
import type { RleWarning } from '@rlekit/core';
import { mergeShardWarnings } from '../src/convert.js';

const w = (code: string, n?: number, capability?: string): RleWarning => ({
  code,
  message: n === undefined ? `${code} happened` : `${n} masks had ${code}`,
  ...(n === undefined ? {} : { count: n }),
  ...(capability === undefined ? {} : { capability }),
});
const said = (lists: RleWarning[][]): string[] => [...mergeShardWarnings(lists).values()].map((x) => x.message);

describe('mergeShardWarnings: the shards\' warnings as one run says them', () => {
  it('sums a count over the shards, once per kind', () => {
    expect(said([[w('a', 2)], [w('a', 5)], [w('a', 1)]])).toEqual(['8 masks had a']);
  });

  it('takes the largest count of a category warning (every shard sees every category)', () => {
    expect(said([[w('c', 3, 'categoryNames')], [w('c', 4, 'categoryNames')]])).toEqual(['4 masks had c']);
  });

  it('puts a summary only a later shard says before the first known summary that shard says after it', () => {
    // A reader's summaries in its fixed order x, y, z, w; each shard says those its images have.
    expect(said([[w('y', 1), w('z', 1)], [w('x', 1), w('y', 1)], [w('z', 1), w('w', 1)]])).toEqual(['1 masks had x', '2 masks had y', '2 masks had z', '1 masks had w']);
    // Without that order (each new kind at the end, as before) the second would be a, z, b.
    expect(said([[w('a', 1), w('z', 1)], [w('b', 1), w('z', 2)]])).toEqual(['1 masks had a', '1 masks had b', '3 masks had z']);
  });

  it('keeps a kind said as it is met (no count) where the earlier shard said it', () => {
    // One run meets a in the first shard's images, then b in the second's.
    expect(said([[w('a')], [w('b'), w('a')], [w('c')]])).toEqual(['a happened', 'b happened', 'c happened']);
  });
});
