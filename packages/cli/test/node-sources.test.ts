// fileSource's range(): chunks read ahead into two reused buffers. A chunk must hold its bytes
// until the next one is asked for, however long the caller works on it.
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fileSource, scratchFile } from '../src/node-sources.js';
import { MAX_VALUE_BYTES, readCocoStream } from '@rlekit/coco';

const dir = mkdtempSync(join(tmpdir(), 'rlekit-range-'));
const MiB = 1 << 20;

function fileOf(size: number, seed: number): { path: string; bytes: Uint8Array } {
  const bytes = new Uint8Array(size);
  let x = seed | 1;
  for (let i = 0; i < size; i++) (x ^= x << 13, (x ^= x >>> 17), (x ^= x << 5), (bytes[i] = x & 255));
  const path = join(dir, `f-${size}-${seed}.bin`);
  writeFileSync(path, bytes);
  return { path, bytes };
}

const openHandles = (): number => readdirSync('/proc/self/fd').length;

describe('fileSource range', () => {
  it('gives exactly the bytes of [start, end), each chunk intact while the caller waits on it', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 3 * MiB + 17 }), fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), async (size, seed, a, b) => {
      const { path, bytes } = fileOf(size, seed);
      const start = Math.floor(Math.min(a, b) * size), end = Math.floor(Math.max(a, b) * size);
      const got = new Uint8Array(end - start);
      let at = 0;
      for await (const chunk of fileSource(path, size).range!(start, end)) {
        // The read ahead lands while this chunk is still the caller's: it must go elsewhere.
        await new Promise((r) => setTimeout(r, 2));
        expect(chunk.length).toBeGreaterThan(0);
        expect(Buffer.compare(chunk, bytes.subarray(start + at, start + at + chunk.length))).toBe(0);
        got.set(chunk, at);
        at += chunk.length;
      }
      expect(at).toBe(end - start);
      expect(Buffer.compare(got, bytes.subarray(start, end))).toBe(0);
    }), { numRuns: 25 });
  });

  it('ends early, without an error, where the file is shorter than asked', async () => {
    const { path, bytes } = fileOf(MiB + 5, 7);
    const chunks: Uint8Array[] = [];
    for await (const c of fileSource(path).range!(10, 3 * MiB)) chunks.push(c.slice());
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(bytes.length - 10);
  });

  it('closes its handle when the caller stops after the first chunk (a read still in flight)', async () => {
    const { path } = fileOf(3 * MiB, 11);
    const before = openHandles();
    for (let k = 0; k < 5; k++) {
      for await (const c of fileSource(path).range!(0, 3 * MiB)) {
        expect(c.length).toBe(MiB);
        break;
      }
    }
    expect(openHandles()).toBe(before);
  });

  it('a read dropped unfinished (never returned) closes its handle when collected, without Node\'s warning', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { path } = fileOf(3 * MiB, 13);
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const before = openHandles();
      await (async () => {
        const it = fileSource(path).range!(0, 3 * MiB)[Symbol.asyncIterator]();
        expect((await it.next()).value.length).toBe(MiB);
      })();
      expect(openHandles()).toBe(before + 1);
      for (let k = 0; k < 50 && openHandles() > before; k++) {
        gc();
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(openHandles()).toBe(before);
      await new Promise((r) => setTimeout(r, 50));
      expect(warnings.filter((w) => /Closing file descriptor|FileHandle/.test(w.message))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

// fileSource's stream(): fresh chunks (the caller may keep them), none larger than what is left of
// the file; a file of one chunk is read with synchronous calls.
describe('fileSource stream', () => {
  it('gives the whole file in kept chunks of at most 1 MiB, each no larger than what was left', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: MiB - 3, max: 3 * MiB + 17 })), fc.integer(), async (size, seed) => {
      const { path, bytes } = fileOf(size, seed);
      const kept: Uint8Array[] = [];
      let left = size;
      for await (const chunk of fileSource(path, size).stream()) {
        expect(chunk.length).toBeGreaterThan(0);
        expect(chunk.length).toBeLessThanOrEqual(Math.min(MiB, left));
        // Memory of its own size: a caller that keeps a chunk keeps no more.
        expect(chunk.buffer.byteLength).toBeLessThanOrEqual(Math.max(chunk.length, 1));
        left -= chunk.length;
        kept.push(chunk);
      }
      expect(left).toBe(0);
      // Kept chunks still hold their bytes after the read went on: none was reused.
      expect(Buffer.compare(Buffer.concat(kept), bytes)).toBe(0);
    }), { numRuns: 30 });
  });

  it('reads a file whose size reads as 0 (as /proc files do) to its end, and a missing file fails as Node says', async () => {
    const chunks: Uint8Array[] = [];
    for await (const c of fileSource('/proc/self/status').stream()) chunks.push(c);
    expect(Buffer.concat(chunks).toString('latin1')).toMatch(/^Name:/);
    await expect((async () => { for await (const _ of fileSource(join(dir, 'none.bin')).stream()) { /* none */ } })()).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('closes its handle when the caller stops after the first chunk, small files and large', async () => {
    const large = fileOf(3 * MiB, 21).path, small = fileOf(100, 22).path;
    const before = openHandles();
    for (let k = 0; k < 5; k++) {
      for (const p of [large, small]) {
        for await (const c of fileSource(p).stream()) {
          expect(c.length).toBeGreaterThan(0);
          break;
        }
      }
    }
    expect(openHandles()).toBe(before);
  });
});

describe('scratchFile', () => {
  it('reads back what was written where it was written, leaves no name behind while open, and closes its handle', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 * MiB }), fc.integer({ min: 1, max: MiB }), fc.integer()), { minLength: 1, maxLength: 6 }), async (writes) => {
      const at = mkdtempSync(join(dir, 'scratch-'));
      const handles = openHandles();
      const scratch = await scratchFile(at);
      expect(readdirSync(at)).toEqual([]); // unlinked at once: nothing is left whatever ends the process
      const want = new Uint8Array(3 * MiB);
      let end = 0;
      for (const [position, length, seed] of writes) {
        const bytes = Uint8Array.from({ length }, (_, i) => (seed + i * 31) & 255);
        await scratch.write(bytes, position);
        want.set(bytes, position);
        end = Math.max(end, position + length);
      }
      const got = new Uint8Array(end + 5);
      expect(await scratch.read(got, 0)).toBe(end); // fewer only past the end
      expect(Buffer.compare(got.subarray(0, end), want.subarray(0, end))).toBe(0);
      await scratch.close();
      expect(openHandles()).toBe(handles);
      expect(readdirSync(at)).toEqual([]);
    }), { numRuns: 15 });
  });

  it("holds a regrouped COCO read's later windows: the same annotations, one scratch file, nothing left", async () => {
    const images = Array.from({ length: 9 }, (_, k) => `{"id": ${k + 1}, "height": 4, "width": 7}`);
    const anns = Array.from({ length: 3000 }, (_, k) => `{"id": ${k + 1}, "image_id": ${(k * 4) % 9 + 1}, "category_id": 1, "segmentation": [[0, 0, 6, 0, 6, ${1 + (k % 3)}, 0.5, 3.5]]}`);
    const path = join(dir, 'scattered.json');
    writeFileSync(path, `{"images": [${images.join(', ')}], "categories": [{"id": 1, "name": "a"}], "annotations": [${anns.join(', ')}]}`);
    const at = mkdtempSync(join(dir, 'scratch-'));
    const read = async (scratch?: () => ReturnType<typeof scratchFile>): Promise<unknown[]> => {
      const s = await readCocoStream(fileSource(path, statSync(path).size), 'auto', () => {}, true, 20_000, undefined, undefined, false, 'col', MAX_VALUE_BYTES, scratch);
      const out: unknown[] = [];
      for await (const a of s.annotations) out.push([a.id, a.imageId, Array.from(a.mask.runsView('col'))]);
      return out;
    };
    let opened = 0;
    const got = await read(() => (opened++, scratchFile(at)));
    expect(got).toEqual(await read());
    expect(opened).toBe(1);
    expect(readdirSync(at)).toEqual([]);
  });
});
