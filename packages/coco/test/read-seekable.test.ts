/**
 * A seekable file (a `range` over one reused buffer, as the CLI's file source gives) is read
 * differently from a stream: pass 1 reads it through range and keeps no annotation bytes, pass 2
 * reads them again by offset (in file order: parsed where they lie in each chunk; regrouped: in
 * windows). The read must be the stream's: the same annotations in the same order, the same
 * warnings, and the same error (code, path, byte offset, message) for bad input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask, memoryScratch, RleError, type Annotation, type ByteSource, type RleWarning, type ScratchFile } from '@rlekit/core';
import { MAX_VALUE_BYTES, readCocoStream } from '../src/read-stream.js';
import { prng } from '../../core/test/support.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A file: stream() in fresh chunks of 13 bytes; range() in chunks of one reused buffer, garbage after each. */
function seekable(bytes: Uint8Array, chunk: number): ByteSource {
  return {
    kind: 'bytes', name: 'in.json', size: bytes.length,
    async *stream() {
      for (let i = 0; i < bytes.length; i += 13) yield bytes.slice(i, i + 13);
    },
    async *range(start: number, end: number) {
      const buffer = new Uint8Array(chunk);
      for (let at = start; at < end; at += buffer.length) {
        const n = Math.min(buffer.length, end - at);
        buffer.set(bytes.subarray(at, at + n));
        yield buffer.subarray(0, n);
        buffer.fill(0x22); // a stale view now reads quotes
      }
    },
  };
}

const plain = (bytes: Uint8Array): ByteSource => ({ kind: 'bytes', name: 'in.json', size: bytes.length, stream: seekable(bytes, 1).stream });

type Read = { annotations: string[]; warnings: RleWarning[]; error?: [string, unknown, number | undefined, string]; order?: boolean };

async function read(source: ByteSource, groupByImage: boolean, budget: number, scratch?: () => Promise<ScratchFile>): Promise<Read> {
  const warnings: RleWarning[] = [];
  const annotations: string[] = [];
  try {
    const s = await readCocoStream(source, 'auto', (w) => warnings.push(w), groupByImage, budget, undefined, undefined, false, 'col', MAX_VALUE_BYTES, scratch);
    for await (const a of s.annotations) annotations.push(describe_(a));
    return { annotations, warnings, order: s.inImageOrder };
  } catch (e) {
    if (!(e instanceof RleError)) throw e;
    return { annotations, warnings, error: [e.code, e.path, e.offset, e.message] };
  }
}

/** What a read did with its scratch files. */
type ScratchLog = { opened: number; closed: number; written: number };
/**
 * Scratch files in memory that log their use: 'ok'; 'no-open', as a folder that cannot be written;
 * 'no-write', as a full disk (every write after the first fails).
 */
function scratchOf(mode: 'ok' | 'no-open' | 'no-write', log: ScratchLog): () => Promise<ScratchFile> {
  return async () => {
    if (mode === 'no-open') throw new Error('EACCES');
    log.opened++;
    const m = memoryScratch();
    let writes = 0;
    return {
      async write(bytes, position) {
        if (mode === 'no-write' && writes++ > 0) throw new Error('ENOSPC');
        log.written += bytes.length;
        await m.write(bytes, position);
      },
      read: (into, position) => m.read(into, position),
      async close() {
        log.closed++;
        await m.close();
      },
    };
  };
}

const describe_ = (a: Annotation): string => JSON.stringify({ ...a, mask: [a.mask.height, a.mask.width, Array.from(a.mask.runsView('col'))] });


/**
 * An instances file, annotations before or after the images, scattered or in image order:
 * non-square images, polygons and RLE (first and last pixel, empty, full), strings with escaped
 * quotes and brackets, nested objects, exponents, whitespace, repeated keys.
 */
function cocoText(seed: number): string {
  const rand = prng(seed);
  const n = 1 + Math.floor(rand() * 6);
  const images = Array.from({ length: n }, (_, i) => `{"id": ${i + 1}, "file_name": "im\\"${i}].png", "height": ${3 + (i % 4)}, "width": ${5 + (i % 3)}}`);
  const anns: string[] = [];
  const count = Math.floor(rand() * 4 * n);
  for (let k = 0; k < count; k++) {
    const im = 1 + Math.floor(rand() * n);
    const h = 3 + ((im - 1) % 4), w = 5 + ((im - 1) % 3);
    const bits = new Uint8Array(h * w);
    const kind = rand();
    if (kind < 0.2) bits.fill(1);
    else if (kind < 0.4) (bits[0] = 1, (bits[h * w - 1] = 1));
    else if (kind > 0.5) for (let i = 0; i < h * w; i++) bits[i] = rand() < 0.4 ? 1 : 0;
    const rle = JSON.stringify({ size: [h, w], counts: Array.from(Mask.fromBitmap(bits, { height: h, width: w }).runsView('col')) });
    const seg = rand() < 0.4 ? `[[0.5, 0.5, ${w - 0.5}, 5e-1, ${w}E0, ${h - 0.5}]]` : rle;
    const sp = rand() < 0.5 ? ' ' : '\n\t ';
    const extra = rand() < 0.3 ? `,${sp}"note": {"t": "a \\"q\\" ]}, {\\\\", "n": [1, {"image_id": 99}]}` : '';
    const dup = rand() < 0.2 ? `"image_id": ${1 + Math.floor(rand() * n)},${sp}` : '';
    anns.push(`{${sp}${dup}"id":${sp}${1000 - k},${sp}"image_id": ${im}, "category_id": ${1 + Math.floor(rand() * 2)},${sp}"segmentation": ${seg}${extra}}`);
  }
  if (rand() < 0.3) anns.sort((a, b) => Number(/"image_id": (\d+), "c/.exec(a)![1]) - Number(/"image_id": (\d+), "c/.exec(b)![1]));
  const head = `"images": [${images.join(', ')}], "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "d\\u00f6g"}]`;
  const body = `"annotations": [\n${anns.join(',\n')}\n]`;
  return rand() < 0.5 ? `{"info": {"s": ${seed}}, ${body}, ${head}}` : `{${head},\n${body}}`;
}

describe('COCO read of a seekable file (range, reused buffer) against the same bytes streamed', () => {
  it('the same annotations, order, warnings and errors, grouped or in file order, whatever the chunk size and window budget', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.boolean(), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 600 }), fc.option(fc.tuple(fc.nat(), fc.constantFrom('delete', 'cut', 'junk')), { nil: undefined }), async (seed, group, chunk, budget, mutate) => {
      let text = cocoText(seed);
      if (mutate !== undefined) {
        // Bad bytes somewhere in the annotations (or a file cut short): the same error either way.
        const [at, op] = mutate;
        const start = text.indexOf('"annotations"'), i = start + (at % (text.length - start));
        text = op === 'delete' ? text.slice(0, i) + text.slice(i + 1) : op === 'cut' ? text.slice(0, i) : text.slice(0, i) + '}x"' + text.slice(i);
      }
      const bytes = enc(text);
      const want = await read(plain(bytes), group, budget);
      const got = await read(seekable(bytes, chunk), group, budget);
      expect(got).toEqual(want);
    }), { numRuns: 400 });
  });

  it('with a scratch file for the later windows (set aside, failing to open, failing to write): the same read, and every scratch file closed', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 600 }), fc.constantFrom('ok', 'no-open', 'no-write'), fc.boolean(), async (seed, chunk, budget, mode, bad) => {
      let text = cocoText(seed);
      if (bad) text = text.replace(/"category_id": 2/, '"category_id": "2"');
      const bytes = enc(text);
      const want = await read(plain(bytes), true, budget);
      const log: ScratchLog = { opened: 0, closed: 0, written: 0 };
      expect(await read(seekable(bytes, chunk), true, budget, scratchOf(mode, log))).toEqual(want);
      expect(log.closed).toBe(log.opened);
    }), { numRuns: 300 });
  });

  it('a scattered file grouped by image in several windows reads the file once more, not once per window, with a scratch file', async () => {
    const images = Array.from({ length: 8 }, (_, k) => `{"id": ${k + 1}, "height": 3, "width": 5}`);
    const anns = Array.from({ length: 200 }, (_, k) => `{"id": ${k + 1}, "image_id": ${(k * 5) % 8 + 1}, "segmentation": [[0, 0, 4, 0, 4, ${1 + (k % 2)}]]}`);
    const bytes = enc(`{"images": [${images.join(', ')}], "annotations": [${anns.join(', ')}]}`);
    const reads = async (scratch?: () => Promise<ScratchFile>): Promise<[number, string[]]> => {
      const file = seekable(bytes, 4096);
      let ranges = 0;
      const counted: ByteSource = { ...file, range: (start, end) => (ranges++, file.range!(start, end)) };
      const s = await readCocoStream(counted, 'auto', () => {}, true, 2000, undefined, undefined, false, 'col', MAX_VALUE_BYTES, scratch);
      const before = ranges, got: string[] = [];
      for await (const a of s.annotations) got.push(describe_(a));
      return [ranges - before, got];
    };
    const log: ScratchLog = { opened: 0, closed: 0, written: 0 };
    const [without, want] = await reads();
    const [withScratch, got] = await reads(scratchOf('ok', log));
    expect(got).toEqual(want);
    expect(without).toBeGreaterThan(4); // one read of the file per window
    expect(withScratch).toBe(1);
    // Everything but the first window was set aside, once.
    expect(log.written).toBeGreaterThan(bytes.length / 2);
    expect(log.written).toBeLessThan(bytes.length);
    expect(log).toMatchObject({ opened: 1, closed: 1 });
  });

  it('a bad annotation in the middle of a large file read in file order: its error, at its byte offset, after the ones before it', async () => {
    const anns = Array.from({ length: 50 }, (_, k) => `{"id": ${k + 1}, "image_id": 1, "segmentation": [[0, 0, 4, 0, 4, 2]]}`);
    anns[31] = '{"id": 32, "image_id": 1, "segmentation": [[0, 0, 4, 0, 4, 2]], "bad": tru}';
    const text = `{"annotations": [${anns.join(', ')}], "images": [{"id": 1, "height": 3, "width": 5}]}`;
    const bytes = enc(text);
    const got = await read(seekable(bytes, 100), false, 1 << 20);
    expect(got.annotations).toHaveLength(31);
    expect(got.error?.[0]).toBe('INVALID_STRUCTURE');
    expect(got.error?.[2]).toBeGreaterThanOrEqual(text.indexOf('tru}'));
    expect(got.error?.[2]).toBeLessThanOrEqual(text.indexOf('tru}') + 4);
    expect(got).toEqual(await read(plain(bytes), false, 1 << 20));
  });

  it('a file shorter when read again (it changed since pass 1) is an IO error in file order too', async () => {
    const text = `{"annotations": [{"id": 1, "image_id": 1, "segmentation": [[0, 0, 4, 0, 4, 2]]}, {"id": 2, "image_id": 1, "segmentation": [[0, 0, 4, 0, 4, 2]]}], "images": [{"id": 1, "height": 3, "width": 5}]}`;
    const bytes = enc(text);
    let reads = 0;
    const file = seekable(bytes, 16);
    const shrunk: ByteSource = { ...file, range: (start, end) => file.range!(start, reads++ === 0 ? end : end - 1) };
    const got = await read(shrunk, false, 1 << 20);
    expect(got.error?.[0]).toBe('IO');
  });
});

describe('the annotations iterator of a streamed read', () => {
  const text = `{"annotations": [${Array.from({ length: 60 }, (_, k) => `{"id": ${k + 1}, "image_id": ${(k * 7) % 5 + 1}, "segmentation": [[0, 0, 3, 0, 3, 2]]}`).join(', ')}], "images": [${Array.from({ length: 5 }, (_, k) => `{"id": ${k + 1}, "height": 4, "width": 6}`).join(', ')}]}`;
  const ids = (t: string, byImage: boolean): number[] => {
    const list = (JSON.parse(t) as { annotations: { id: number; image_id: number }[] }).annotations;
    return byImage ? [...list].sort((a, b) => a.image_id - b.image_id).map((a) => a.id) : list.map((a) => a.id);
  };

  it('answers next() calls made before the last one settled in order, as an async generator does', async () => {
    for (const byImage of [true, false]) {
      for (const source of [seekable(enc(text), 97), plain(enc(text))]) {
        const s = await readCocoStream(source, 'auto', () => {}, byImage, 300);
        const it = s.annotations[Symbol.asyncIterator]();
        const all = await Promise.all(Array.from({ length: 64 }, () => it.next()));
        expect(all.filter((r) => !r.done).map((r) => r.value.id)).toEqual(ids(text, byImage));
        expect(all.slice(60).every((r) => r.done)).toBe(true);
      }
    }
  });

  it('stopping early closes what the read opened, and an error ends the read', async () => {
    let open = 0;
    const bytes = enc(text);
    const counting: ByteSource = {
      ...seekable(bytes, 97),
      async *range(start: number, end: number) {
        open++;
        try {
          yield* seekable(bytes, 97).range!(start, end);
        } finally {
          open--;
        }
      },
    };
    for (const byImage of [true, false]) {
      const s = await readCocoStream(counting, 'auto', () => {}, byImage, 300);
      let n = 0;
      for await (const _ of s.annotations) if (++n === 7) break;
      expect(open).toBe(0);
    }
    // The 4th annotation (in file order) refers to no image: its error comes after the 3 before it, then nothing more.
    const bad = text.replace('{"id": 4, "image_id": 2', '{"id": 4, "image_id": 99');
    const s = await readCocoStream(seekable(enc(bad), 97), 'auto', () => {}, false, 300);
    const it = s.annotations[Symbol.asyncIterator]();
    const got: unknown[] = [];
    for (let k = 0; k < 5; k++) got.push(await it.next().then((r) => (r.done ? 'done' : r.value.id), (e: unknown) => (e as RleError).code));
    expect(got).toEqual([1, 2, 3, 'DANGLING_REFERENCE', 'done']);
  });
});
