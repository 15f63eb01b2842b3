// The atomic write's durability order, observed in-process: data fsynced before the rename, and synced
// while it is written.
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

  it('starts syncs while it writes, one at a time, so the last fsync waits for the tail only; a failed one fails the write and leaves nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rlekit-write-'));
    const probe = await fs.open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const chunks = (n: number) => (async function* () { for (let i = 0; i < n; i++) yield new Uint8Array(1000).fill(48 + (i % 10)); })();
    let inFlight = 0, most = 0, calls = 0;
    const datasync = vi.spyOn(proto, 'datasync').mockImplementation(async function () {
      calls++;
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
    });
    try {
      const out = join(dir, 'out.txt');
      expect(await writeFileAtomic(out, chunks(40), { syncEvery: 4000 })).toBe(40_000);
      expect(readFileSync(out).length).toBe(40_000);
      expect(readFileSync(out).subarray(39_000).every((b) => b === 48 + 9)).toBe(true);
      // Some syncs ran during the write, never two at once, and none is left running after it.
      expect(calls).toBeGreaterThan(0);
      expect(calls).toBeLessThanOrEqual(10);
      expect(most).toBe(1);
      expect(inFlight).toBe(0);
      // A scratch file (not durable) is never synced.
      calls = 0;
      await writeFileAtomic(join(dir, 'scratch.txt'), chunks(40), { syncEvery: 4000, durable: false });
      expect(calls).toBe(0);
      // A sync that fails fails the write: the error, and no output or temporary file.
      datasync.mockImplementation(async () => {
        throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      });
      await expect(writeFileAtomic(join(dir, 'failed.txt'), chunks(40), { syncEvery: 4000 })).rejects.toMatchObject({ code: 'IO' });
      expect((await fs.readdir(dir)).sort()).toEqual(['out.txt', 'probe', 'scratch.txt']);
    } finally {
      datasync.mockRestore();
    }
  });
});
