/**
 * Byte-exactness against Pillow (the PNG writer Supervisely's SDK uses) on masks made here,
 * including ones whose image data needs several IDAT chunks. Pillow and numpy come from Debian
 * (scripts/ci-setup.sh installs them); without them this test fails and says so.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Mask } from '@rlekit/core';
import { decode, decodeData, encode } from '../src/index.js';
import { prng } from '../../core/test/support.js';

const SDK = fileURLToPath(new URL('./sdk.py', import.meta.url));

/** Non-square masks: sparse, blobby, 50% noise (large enough for several IDAT chunks), first and last pixel. */
function masks(): Mask[] {
  const out: Mask[] = [];
  const rand = prng(3);
  for (const [height, width, density] of [[1, 1, 1], [3, 17, 0.3], [40, 9, 0.05], [61, 130, 0.5], [700, 1500, 0.5], [1200, 900, 0.002]] as const) {
    const bits = Array.from({ length: height * width }, () => (rand() < density ? 1 : 0));
    bits[0] = 1;
    bits[bits.length - 1] = 1;
    out.push(Mask.fromBitmap(bits, { height, width }));
  }
  return out;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('against Pillow, as Supervisely\'s SDK writes bitmaps', () => {
  it('writes the same data, byte for byte, and reads Pillow\'s', () => {
    let python = '';
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import PIL, numpy'], { stdio: 'ignore' });
      python = '/usr/bin/python3';
    } catch {
      // Reported by the expectation below.
    }
    expect(python, 'python3 with Pillow and numpy: run packages/supervisely/scripts/ci-setup.sh').not.toBe('');
    const list = masks();
    const dir = mkdtempSync(join(tmpdir(), 'rlekit-supervisely-'));
    try {
      const file = join(dir, 'masks.json');
      writeFileSync(file, JSON.stringify(list.map((m) => ({ height: m.height, width: m.width, bits: hex(m.toBitmap()) }))));
      const theirs = JSON.parse(execFileSync(python, [SDK, file], { maxBuffer: 1 << 28 }).toString()) as string[];
      list.forEach((m, i) => {
        const ours = encode(m);
        expect(ours.origin).toEqual([0, 0]);
        expect(ours.data === theirs[i], `${m.height}x${m.width}`).toBe(true);
        expect(decodeData(theirs[i]!).equals(m)).toBe(true);
        expect(decode({ origin: [2, 3], data: theirs[i]! }, { height: m.height + 5, width: m.width + 2 }).equals(m.paste({ height: m.height + 5, width: m.width + 2 }, { x: 2, y: 3 }))).toBe(true);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
