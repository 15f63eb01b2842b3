/** inspect --limit n stops reading a streamed input after n annotations: a counting source shows it. */
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Mask, type ByteSource, type FolderSource } from '@rlekit/core';
import { dialect as coco } from '@rlekit/coco';
import { encodeLabelMap } from '@rlekit/png';
import { LabelMap } from '@rlekit/core';

// Bytes each read of the file (each stream() or range() call) handed to the reader: a file is
// read by range (pass 1 all of it, pass 2 the annotations again by their offsets).
const passes: number[] = [];
// Files a folder source opened.
const opened: string[] = [];

vi.mock('../src/node-sources.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/node-sources.js')>();
  return {
    ...real,
    openPath: async (path: string): Promise<ByteSource | FolderSource> => {
      const s = await real.openPath(path);
      if (s.kind === 'folder' && path.endsWith('counted-pngs')) return { ...s, open: (p: string) => (opened.push(p), s.open(p)) };
      if (s.kind !== 'bytes' || !path.endsWith('counted.json')) return s;
      return {
        ...s,
        async *stream() {
          const k = passes.push(0) - 1;
          for await (const c of s.stream()) {
            passes[k]! += c.length;
            yield c;
          }
        },
        async *range(start: number, end: number) {
          const k = passes.push(0) - 1;
          for await (const c of s.range!(start, end)) {
            passes[k]! += c.length;
            yield c;
          }
        },
      };
    },
  };
});

const { main } = await import('../src/main.js');

describe('inspect --limit', () => {
  it('reads no further than the chunk that holds the nth annotation', async () => {
    const images = Array.from({ length: 400 }, (_, i) => ({ id: i + 1, height: 6, width: 9 }));
    const annotations = images.map((im, k) => ({ id: k + 1, imageId: im.id, mask: Mask.fromBitmap(Uint8Array.from({ length: 54 }, (_, i) => (i === 0 || i === 53 || i % (k % 7 + 2) === 0 ? 1 : 0)), im) }));
    const doc = JSON.parse(Buffer.from(await coco.write({ images, categories: [], annotations })).toString('utf8')) as { annotations: Record<string, unknown>[] };
    // Annotations of 20 kB each: the file is 8 MB, many 1 MiB chunks.
    doc.annotations = doc.annotations.map((a) => ({ ...a, note: 'x'.repeat(20000) }));
    const input = join(mkdtempSync(join(tmpdir(), 'rlekit-limit-')), 'counted.json');
    writeFileSync(input, JSON.stringify(doc));
    const size = statSync(input).size;
    expect(size).toBeGreaterThan(8e6);
    let out = '';
    const code = await main(['inspect', input, '--from', 'coco', '--limit', '3', '--in-memory-bytes', '1'], { out: (s) => (out += s), err: () => {}, writeBytes: () => {} });
    expect(code).toBe(0);
    expect(out).toContain('at least 3 annotations');
    expect(out).toContain('read no further after 3 annotations');
    // Pass 1 reads the whole file (images, each annotation's image); pass 2 reads the annotations
    // again by their offsets and stops within the first chunk.
    expect(passes[0]).toBe(size);
    expect(passes.length).toBeLessThanOrEqual(2);
    expect(passes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(size + (2 << 20));
    // --count reads pass 2 to the end.
    passes.length = 0;
    out = '';
    expect(await main(['inspect', input, '--from', 'coco', '--limit', '3', '--count', '--jobs', '1', '--in-memory-bytes', '1'], { out: (s) => (out += s), err: () => {}, writeBytes: () => {} })).toBe(0);
    expect(out).toContain('400 annotations');
    expect(passes[0]).toBe(size);
    // Pass 2 reads every annotation: from the first one's start to the last one's end (the file ends `]}`).
    const text = JSON.stringify(doc);
    expect(passes.slice(1)).toEqual([size - 2 - (text.indexOf('"annotations":[') + '"annotations":['.length)]);
  });

  it('a folder of PNG label maps stops at the file that holds the nth annotation', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'rlekit-limit-')), 'counted-pngs');
    mkdirSync(dir);
    // Ten 3x5 maps of two labels each (k+1 and 20), one with none.
    for (let k = 0; k < 10; k++) {
      const values = Array.from({ length: 15 }, (_, i) => (k === 4 ? 0 : i === 0 ? k + 1 : i === 14 ? 20 : 0));
      writeFileSync(join(dir, `m${k}.png`), encodeLabelMap(LabelMap.fromArray(Uint8Array.from(values), { height: 3, width: 5 })));
    }
    let out = '';
    const run = (args: string[]): Promise<number> => main(['inspect', dir, '--from', 'png', ...args], { out: (s) => (out += s), err: () => {}, writeBytes: () => {} });
    opened.length = 0;
    expect(await run(['--limit', '3'])).toBe(0);
    // The 4th annotation is m1's second: two files read, and what they hold said as "at least".
    expect(opened).toEqual(['m0.png', 'm1.png']);
    expect(out).toContain('at least 2 images, at least 3 categories, at least 3 annotations');
    expect(out).toContain('read no further after 3 annotations (--limit: the images, categories and warnings are those of the files read)');
    // The nth annotation last in its file: no further file is read (not even to find the next one).
    for (const [limit, files] of [[2, 1], [8, 4], [0, 1]] as const) {
      out = '';
      opened.length = 0;
      expect(await run(['--limit', String(limit)])).toBe(0);
      expect(opened).toEqual(Array.from({ length: files }, (_, k) => `m${k}.png`));
      expect(out).toContain(`at least ${limit} annotations`);
    }
    // --json says the lists are of the files read; categories sorted by id as read() sorts them.
    out = '';
    expect(await run(['--limit', '3', '--json'])).toBe(0);
    const doc = JSON.parse(out) as { images: unknown[]; categories: { id: number }[]; imagesComplete: boolean; complete: boolean };
    expect([doc.images.length, doc.categories.map((c) => c.id), doc.imagesComplete, doc.complete]).toEqual([2, [1, 2, 20], false, false]);
    // One PNG file is read whole, as before: whole counts, no "at least".
    out = '';
    expect(await main(['inspect', join(dir, 'm3.png'), '--from', 'png', '--limit', '1'], { out: (s) => (out += s), err: () => {}, writeBytes: () => {} })).toBe(0);
    expect(out).toContain('1 images, 2 categories, 2 annotations');
    expect(out).not.toContain('at least');
    // --count reads every file.
    out = '';
    opened.length = 0;
    expect(await run(['--limit', '3', '--count', '--jobs', '1'])).toBe(0);
    expect(opened).toHaveLength(10);
    expect(out).toContain('10 images, 10 categories, 18 annotations');
    expect(out).not.toContain('at least');
  });
});
