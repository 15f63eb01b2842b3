// The atomic write's durability order, observed in-process: data fsynced before the rename.
import { promises as fs, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from '../src/node-sources.js';

describe('writeFileAtomic', () => {
  it('fsyncs the temporary file before renaming it over the output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rlekit-write-'));
    const probe = await fs.open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const events: string[] = [];
    const sync = vi.spyOn(proto, 'sync').mockImplementation(async function (this: unknown) {
      events.push('sync');
    });
    const rename = vi.spyOn(fs, 'rename');
    rename.mockImplementation(async (...args: Parameters<typeof fs.rename>) => {
      events.push('rename');
      rename.mockRestore();
      return fs.rename(...args);
    });
    try {
      const out = join(dir, 'out.txt');
      await writeFileAtomic(out, (async function* () { yield new TextEncoder().encode('hello'); })());
      expect(readFileSync(out, 'utf8')).toBe('hello');
      expect(events.indexOf('sync')).toBeGreaterThanOrEqual(0);
      expect(events.indexOf('sync')).toBeLessThan(events.indexOf('rename'));
    } finally {
      sync.mockRestore();
      rename.mockRestore();
    }
  });
});
