import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isRleError, type MaskDataset } from '@rlekit/core';
import { fixtures } from '../src/fixtures.js';
import { allProfiles } from '../src/profiles/index.js';

/**
 * Bad input always gets an RleError: every profile's reader is fed damaged copies of its own
 * output (truncated, bytes flipped, bytes inserted) and must either read something or throw
 * an RleError — never a TypeError, RangeError or hang.
 */
const fixture = fixtures({ large: false }).find((f) => f.name.startsWith('instances'))!;

describe.each(allProfiles.map((p) => [p.name, p] as const))('%s reader on damaged input', (_name, profile) => {
  it('throws only RleErrors', async () => {
    const ctx = { warn: () => {} };
    const good = await profile.dialect.write(fixture.dataset, profile.writeOptions ?? {}, ctx);
    const readOptions = profile.readOptions?.(fixture.dataset as MaskDataset) ?? {};
    const damaged = fc.oneof(
      fc.integer({ min: 0, max: good.length - 1 }).map((n) => good.slice(0, n)),
      fc.tuple(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
        const out = good.slice();
        out[i] = b;
        return out;
      }),
      fc.tuple(fc.integer({ min: 0, max: good.length }), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([i, extra]) => {
        const out = new Uint8Array(good.length + extra.length);
        out.set(good.subarray(0, i));
        out.set(extra, i);
        out.set(good.subarray(i), i + extra.length);
        return out;
      }),
    );
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(damaged, async (bytes) => {
        try {
          await profile.dialect.read(bytes, readOptions, ctx);
        } catch (e) {
          rejected++;
          if (!isRleError(e)) throw new Error(`${profile.name}: not an RleError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        }
      }),
      { numRuns: 150 },
    );
    // Damage is noticed, not silently read as something else every time.
    expect(rejected).toBeGreaterThan(0);
  });
});
