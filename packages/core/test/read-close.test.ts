// A streamed read that fails or is stopped early closes the source's read (a file's handle), for
// every way a JSON reader pulls chunks by hand: replayHeads, rlekit-json's stream, the JSON-list stream.
import { describe, expect, it } from 'vitest';
import { encodeUtf8, Mask, streamJsonList, type ByteSource } from '../src/index.js';
import { replayHeads } from '../src/json-scan.js';
import { dialect as rlekitJson, formatRlekitJson } from '../src/rlekit-json/index.js';

/** A source whose reads (range and stream) count how many are open: started and not yet finished or returned. */
function countingSource(bytes: Uint8Array, chunk = 16): ByteSource & { open: () => number } {
  let open = 0;
  const read = async function* (start: number, end: number): AsyncGenerator<Uint8Array> {
    open++;
    try {
      for (let i = start; i < end; i += chunk) yield bytes.slice(i, Math.min(end, i + chunk));
    } finally {
      open--;
    }
  };
  return { kind: 'bytes', name: 'x.json', size: bytes.length, stream: () => read(0, bytes.length), range: (s, e) => read(s, e), open: () => open };
}

function datasetText(n: number): string {
  const size = { height: 2, width: 3 };
  return formatRlekitJson({
    images: Array.from({ length: n }, (_, i) => ({ id: i + 1, ...size })), categories: [],
    annotations: Array.from({ length: n }, (_, i) => ({ id: i + 1, imageId: i + 1, mask: Mask.fromRuns([i % 6, 1, 5 - (i % 6)], size, 'row') })),
  });
}

describe('streamed reads close the source when they stop early', () => {
  it('replayHeads: a consumer that breaks off closes the iterator it replays', async () => {
    const src = countingSource(encodeUtf8('x'.repeat(200)));
    const it = src.range!(0, 200)[Symbol.asyncIterator]();
    const heads = [(await it.next()).value as Uint8Array];
    expect(src.open()).toBe(1);
    for await (const c of replayHeads('x', heads, it).stream()) {
      expect(c.length).toBeGreaterThan(0);
      break;
    }
    expect(src.open()).toBe(0);
  });

  it('rlekit-json: bad JSON in the middle of the annotations, and a consumer that stops after one annotation', async () => {
    const text = datasetText(40);
    const bad = countingSource(encodeUtf8(text.replace('"runs":[7', '"runs":[x').replace(/("id":20,.*?"runs":\[)/, '$1x')));
    await expect((async () => {
      const s = await rlekitJson.readStream!(bad);
      for await (const _ of s.annotations) { /* read to the fault */ }
    })()).rejects.toMatchObject({ name: 'RleError' });
    expect(bad.open()).toBe(0);
    const good = countingSource(encodeUtf8(text));
    const s = await rlekitJson.readStream!(good);
    for await (const a of s.annotations) {
      expect(a.id).toBe(1);
      break;
    }
    expect(good.open()).toBe(0);
  });

  it('rlekit-json: a root that is not an object (read whole) that fails closes the source', async () => {
    const src = countingSource(encodeUtf8('[1, 2, ' + ' '.repeat(100) + 'x]'));
    await expect(rlekitJson.readStream!(src)).rejects.toMatchObject({ name: 'RleError' });
    expect(src.open()).toBe(0);
  });

  it('a JSON list read whole (not a list) that fails closes the source', async () => {
    const src = countingSource(encodeUtf8('{"a": ' + '1'.repeat(100) + ' x}'));
    await expect(streamJsonList(src, {
      scan: () => undefined,
      begin: () => ({ images: [], categories: [], read: () => [] }),
      whole: (t: string) => JSON.parse(t) as never,
    } as never, { maxBytes: 1 << 20, expected: 'a list' })).rejects.toBeDefined();
    expect(src.open()).toBe(0);
  });

  it('a source whose close fails: the read\'s own error is the one thrown', async () => {
    const bytes = encodeUtf8(datasetText(40).replace(/("id":20,.*?"runs":\[)/, '$1x'));
    const failingClose: ByteSource = {
      kind: 'bytes', name: 'x.json', size: bytes.length,
      async *stream() {
        try {
          for (let i = 0; i < bytes.length; i += 16) yield bytes.slice(i, i + 16);
        } finally {
          throw new Error('close failed');
        }
      },
    };
    await expect((async () => {
      const s = await rlekitJson.readStream!(failingClose);
      for await (const _ of s.annotations) { /* read to the fault */ }
    })()).rejects.toMatchObject({ name: 'RleError' });
  });
});
