import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Mask, RleError, shardDataset, toDatasetStream, type Shard, type Annotation, type ByteSource, type MaskDataset, type MaskDatasetStream, type RleWarning } from '@rlekit/core';
import { dialect, encode } from '../src/index.js';
import { formatCvatStream, formatCvatXml, type CvatReadOptions } from '../src/dialect.js';
import { reusedRangeSource } from '../../core/test/read-support.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** Bytes in chunks of `size`, as a file read in small pieces (with its size). */
function chunked(bytes: Uint8Array, size: number): ByteSource {
  return {
    kind: 'bytes', name: 'a.xml', size: bytes.length,
    async *stream() {
      for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
    },
  };
}

/** A file as the CLI's: read by range into one 11-byte buffer, scribbled with '<' once a chunk is handed on. */
const reusedBuffer = (bytes: Uint8Array): ByteSource => reusedRangeSource(bytes, 11, 0x3c, 'a.xml');

/** A pipe: no size, chunks of varying length (1 to 13 bytes). */
function pipe(bytes: Uint8Array): ByteSource {
  return {
    kind: 'bytes', name: 'stdin',
    async *stream() {
      for (let i = 0, k = 0; i < bytes.length; k++) {
        const n = Math.min(1 + (k * 7) % 13, bytes.length - i);
        yield bytes.slice(i, i + n);
        i += n;
      }
    },
  };
}

type Outcome =
  | { ok: true; images: unknown; categories: unknown; annotations: unknown[]; warnings: RleWarning[] }
  | { ok: false; code: string; path: unknown; offset: unknown; warnings: RleWarning[] };

function plain(a: Annotation): unknown {
  const { mask, ...rest } = a;
  return { ...rest, size: mask.size, runs: Array.from(mask.runs('row')) };
}

async function outcome(read: (warn: (w: RleWarning) => void) => Promise<MaskDataset | MaskDatasetStream>): Promise<Outcome> {
  const warnings: RleWarning[] = [];
  try {
    const d = await read((w) => warnings.push(w));
    const annotations: unknown[] = [];
    for await (const a of toDatasetStream(d).annotations) annotations.push(plain(a));
    return { ok: true, images: d.images, categories: d.categories, annotations, warnings };
  } catch (e) {
    if (!(e instanceof RleError)) throw e;
    return { ok: false, code: e.code, path: e.path, offset: e.offset, warnings };
  }
}

const whole = (bytes: Uint8Array, o: Partial<CvatReadOptions> = {}) => outcome((warn) => dialect.read(bytes, o, { warn }));
const streams = (bytes: Uint8Array, o: Partial<CvatReadOptions> = {}) => [
  outcome((warn) => dialect.readStream!(bytes, o, { warn })),
  outcome((warn) => dialect.readStream!(chunked(bytes, 7), o, { warn })),
  outcome((warn) => dialect.readStream!(pipe(bytes), o, { warn })),
  outcome((warn) => dialect.readStream!(reusedBuffer(bytes), o, { warn })),
];

/** Text that needs escaping, unicode and references. */
const textArb = fc.constantFrom('cat', 'dög', 'a&amp;b', '&lt;image id="9"&gt;', '日本 ☺', '&#x263A;&#97;', ' spaced ', 'x>y', 'q&quot;\'');
const commentArb = fc.constantFrom('', '<!-- a comment -->', '<!-- <image id="99" width="1" height="1"> -->', '<?pi <image>?>', '<![CDATA[ <image> ]]>', '\n  ');

/** A mask of the image: random, or with foreground at the first / last pixel, empty or full. */
const maskBitsArb = (height: number, width: number) =>
  fc.tuple(fc.constantFrom(0, 0.1, 0.5, 1), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: height * width, maxLength: height * width }), fc.boolean(), fc.boolean())
    .map(([density, r, first, last]) => {
      const bits = Uint8Array.from(r, (x) => (x < density ? 1 : 0));
      if (first) bits[0] = 1;
      if (last) bits[bits.length - 1] = 1;
      return bits;
    });

const shapeArb = (height: number, width: number, labels: string[]) =>
  fc.tuple(
    fc.constantFrom('mask', 'mask', 'polygon', 'box', 'points'),
    fc.constantFrom(...labels),
    maskBitsArb(height, width),
    fc.array(fc.double({ min: -1, max: Math.max(height, width) + 1, noNaN: true }).map((x) => Math.round(x * 4) / 4), { minLength: 6, maxLength: 10 }),
    fc.integer({ min: -2, max: 2 }),
    fc.array(fc.tuple(fc.constantFrom('color', 'note', 'z_order'), textArb), { maxLength: 2 }),
    commentArb,
  ).map(([kind, label, bits, xs, z, attrs, comment]) => {
    const attributes = attrs.filter(([n], i) => attrs.findIndex(([m]) => m === n) === i).map(([n, v]) => `<attribute name="${n}">${v}</attribute>`).join(comment);
    const common = `label="${label}" occluded="${z & 1}" source="manual" z_order="${z}"`;
    if (kind === 'mask') {
      const e = encode(Mask.fromBitmap(bits, { height, width }));
      return `<mask ${common} rle="${e.rle}" left="${e.left}" top="${e.top}" width="${e.width}" height="${e.height}">${attributes}</mask>`;
    }
    const pts = [];
    for (let i = 0; i + 1 < xs.length; i += 2) pts.push(`${xs[i]},${xs[i + 1]}`);
    if (kind === 'box') return `<box ${common} xtl="${xs[0]}" ytl="${xs[1]}" xbr="${xs[2]}" ybr="${xs[3]}">${attributes}</box>`;
    return `<${kind} ${common} points="${pts.join(';')}">${attributes}</${kind}>`;
  });

const labelsArb = fc.uniqueArray(fc.constantFrom('cat', 'dög', 'a&amp;b', 'x>y', '日本'), { minLength: 1, maxLength: 3 });

const docArb = fc.record({
  decl: fc.boolean(),
  labels: labelsArb,
  lead: commentArb,
  track: fc.boolean(),
  tasks: fc.boolean(),
  sizes: fc.array(fc.record({ height: fc.integer({ min: 1, max: 9 }), width: fc.integer({ min: 1, max: 9 }) }).filter(({ height, width }) => height !== width), { maxLength: 4 }),
}).chain(({ decl, labels, lead, track, tasks, sizes }) =>
  fc.tuple(...sizes.map(({ height, width }) => fc.tuple(fc.array(shapeArb(height, width, labels), { maxLength: 4 }), textArb, commentArb))).map((images) => {
    const meta = `<meta><task><labels>${labels.map((l) => `<label><name>${l}</name><type>mask</type><attributes><attribute><name>note</name></attribute></attributes></label>`).join('')}</labels></task></meta>`;
    const body = images.map(([shapes, name, comment], i) => {
      const { height, width } = sizes[i]!;
      const task = tasks ? ` task_id="${i % 2}" subset="s&amp;${i % 2}"` : '';
      return `  <image id="${tasks ? i >> 1 : i}" name="${name}"${task} width="${width}" height="${height}">${comment}\n    ${shapes.join('\n    ')}\n  </image>`;
    }).join(`\n${lead}`);
    const trk = track ? '\n  <track id="0" label="cat"><box frame="0" xtl="1" ytl="1" xbr="2" ybr="2" outside="0" occluded="0" keyframe="1"/></track>' : '';
    return `${decl ? '<?xml version="1.0" encoding="utf-8"?>\n' : ''}${lead}<annotations>\n  <version>1.1</version>\n  ${meta}${trk}\n${body}\n</annotations>\n`;
  }),
);

async function expectSame(bytes: Uint8Array, o: Partial<CvatReadOptions> = {}): Promise<Outcome> {
  const w = await whole(bytes, o);
  for (const s of await Promise.all(streams(bytes, o))) expect(s).toEqual(w);
  return w;
}

/** 200 one-mask images, served in 64-byte chunks: `served[k]` counts the bytes the k-th pass read. */
function twoHundredImages(): { xml: Uint8Array; served: number[]; source: ByteSource } {
  const img = (id: number) => `<image id="${id}" width="3" height="2"><mask label="a" rle="1, 5" left="0" top="0" width="3" height="2"/></image>\n`;
  const xml = enc(`<annotations><meta><task><labels><label><name>a</name></label></labels></task></meta>\n${Array.from({ length: 200 }, (_, i) => img(i)).join('')}</annotations>`);
  const served: number[] = [];
  const source: ByteSource = {
    kind: 'bytes', name: 'a.xml', size: xml.length,
    async *stream() {
      const pass = served.push(0) - 1;
      for (let i = 0; i < xml.length; i += 64) {
        served[pass]! += Math.min(64, xml.length - i);
        yield xml.slice(i, i + 64);
      }
    },
  };
  return { xml, served, source };
}

describe('the streamed read (readStream) gives what the whole read gives', () => {
  it('generated CVAT XML: the same images, categories, annotations (runs), warnings, or the same error at the same path and offset; from memory, in 7-byte chunks, from a pipe and from a file read into one reused buffer', async () => {
    let read = 0, refused = 0;
    // Sometimes one value made wrong (the n-th place it occurs): errors with paths and offsets.
    const faults: [string, string][] = [['', ''], ['', ''], ['z_order="', 'z_order="a'], ['occluded="1', 'occluded="2'], ['rle="', 'rle="x'], ['label="cat', 'label="zzz'], ['width="', 'width="-'], ['&amp;', '&bogus;'], ['id="1"', 'id="0"'], ['points="', 'points="1;'], ['name="', 'name="&#0;'], ['height="', 'height="99999999']];
    await fc.assert(fc.asyncProperty(docArb, fc.constantFrom<Partial<CvatReadOptions>>({}, { boxes: 'rasterize' }, { sortByZOrder: false }), fc.constantFrom(...faults), fc.nat(5), async (xml, o, [from, to], nth) => {
      let at = -1;
      if (from !== '') for (let k = 0; k <= nth; k++) at = xml.indexOf(from, at + 1);
      const doc = at < 0 ? xml : xml.slice(0, at) + to + xml.slice(at + from.length);
      const w = await expectSame(enc(doc), o);
      if (w.ok) read++;
      else if (w.offset !== undefined) refused++;
    }), { numRuns: 200 });
    // Both sides of the property are exercised.
    expect(read).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(20);
  });

  it('garbled and truncated files: the same outcome (the same dataset, or the same error code, path and offset)', async () => {
    const garble = fc.tuple(docArb, fc.constantFrom('cut', 'cutBytes', 'delete', 'insert'), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 6 }), fc.constantFrom('<', '>', '"', "'", '&', '/', '!', '?', ']]>', '-->', '<image ', '</image>', '<mask/>', '&#0;', '\u00e9'));
    await fc.assert(fc.asyncProperty(garble, fc.constantFrom<Partial<CvatReadOptions>>({}, { validate: false }), async ([xml, how, where, n, what], o) => {
      const bytes = enc(xml);
      const at = Math.floor(where * xml.length);
      const bad = how === 'cutBytes' ? bytes.subarray(0, Math.floor(where * bytes.length))
        : enc(how === 'cut' ? xml.slice(0, at) : how === 'delete' ? xml.slice(0, at) + xml.slice(at + n) : xml.slice(0, at) + what + xml.slice(at));
      await expectSame(bad, o);
    }), { numRuns: 500 });
  });

  it('a fault before an <image> left open to the end of the file is the error, as the whole read finds it first (fast-check seed 81418246)', async () => {
    const doc = '<</image>!-- <image id="99" width="1" height="1"> --><annotations>\n  <version>1.1</version>\n  <meta><task><labels><label><name>cat</name><type>mask</type></label></labels></task></meta>\n  <image id="0" name="cat" width="2" height="1">\n  </image>\n</annotations>\n';
    expect(await expectSame(enc(doc))).toEqual(expect.objectContaining({ ok: false, code: 'INVALID_STRUCTURE', offset: 8 }));
  });

  it('not validated, a file cut inside a child\'s start tag is what the parser says of it (fast-check: validate false, cut at 5 %)', async () => {
    const doc = '<annotations>\n  <v';
    expect(await expectSame(enc(doc), { validate: false })).toEqual(expect.objectContaining({ ok: false, code: 'INVALID_STRUCTURE' }));
  });

  it('self-closing tags without attributes (their name ends in "/"), cut in chunks anywhere, close where they open', async () => {
    const xml = `<annotations><meta><task><labels><label><name>a</name></label></labels></task></meta><image id="0" width="3" height="2"><points/><mask label="a" rle="1, 5" left="0" top="0" width="3" height="2"/><tag/></image><image id="1" width="3" height="2"/></annotations>`;
    const w = await expectSame(enc(xml));
    expect(w.ok && w.annotations.length).toBe(1);
    expect(w.warnings.map((x) => x.message)).toEqual(['1 <points> shapes are not masks and not read', '1 <tag> shapes are not masks and not read']);
  });

  it('values holding ">" and "<image", comments, CDATA and processing instructions holding tags are not elements', async () => {
    const xml = `<?xml version="1.0"?>\n<!-- <annotations> --><annotations><version>1.1</version><meta><task><labels><label><name>a</name></label></labels></task></meta>
<!-- <image id="5" width="1" height="1"></image> --><?pi <image id="6"> ?>
<image id="0" name="x>y" width="3" height="2"><![CDATA[</image><image id="7">]]><mask label="a" rle="1, 2, 3" left="0" top="0" width="3" height="2" z_order="0"><attribute name="n">&lt;image&gt; &#x263A;</attribute></mask></image>
<image id="1" name="'&gt;'" width="2" height="3"/></annotations>`;
    const w = await expectSame(enc(xml));
    expect(w.ok && (w.images as { id: number }[]).map((i) => i.id)).toEqual([0, 1]);
    expect(w.ok && w.annotations.length).toBe(1);
  });

  it('errors: where the whole read has them (a bad mask in the second image, after the first image\'s annotations)', async () => {
    const img = (id: number, rle: string) => `<image id="${id}" width="3" height="2"><mask label="a" rle="${rle}" left="0" top="0" width="3" height="2"/></image>`;
    const xml = `<annotations><meta><task><labels><label><name>a</name></label></labels></task></meta>${img(0, '1, 5')}${img(1, '1, x')}</annotations>`;
    const w = await expectSame(enc(xml));
    expect(w.ok).toBe(false);
    expect(!w.ok && [w.code, w.path]).toEqual(['INVALID_TOKEN', ['annotations', 'image', 1, 'mask', 0, 'rle']]);
    // The stream yields the first image's mask before it meets the second's.
    const s = await dialect.readStream!(enc(xml));
    const it = s.annotations[Symbol.asyncIterator]();
    expect((await it.next()).value.mask.area()).toBe(5);
    await expect(it.next()).rejects.toMatchObject({ code: 'INVALID_TOKEN', offset: xml.lastIndexOf('<mask') });
  });

  it('whole-file checks come first, as in the whole read: a BOM, a DTD after the images, bad UTF-8 at the end, a file that is not XML', async () => {
    const body = `<annotations><meta><task><labels><label><name>a</name></label></labels></task></meta><image id="0" width="3" height="2"><mask label="a" rle="1, x" left="0" top="0" width="3" height="2"/></image>`;
    const bom = Uint8Array.of(0xef, 0xbb, 0xbf);
    const cases: [Uint8Array, string][] = [
      [new Uint8Array([...bom, ...enc(`${body}</annotations>`)]), 'INVALID_TOKEN'],
      [enc(`${body}<!-- <!DOCTYPE x> --></annotations>`), 'UNSUPPORTED'],
      [enc(`${body}<!-- <!ENTITY x "y"> --></annotations>`), 'UNSUPPORTED'],
      [new Uint8Array([...enc(`${body}</annotations><!-- `), 0xff, ...enc(' -->')]), 'INVALID_TOKEN'],
      [enc(`${body}</annotations><annotations/>`), 'INVALID_STRUCTURE'],
      [enc(`  x${body}</annotations>`), 'INVALID_STRUCTURE'],
      [new Uint8Array(0), 'INVALID_STRUCTURE'],
    ];
    for (const [bytes, code] of cases) {
      const w = await expectSame(bytes);
      expect(w.ok === false && w.code).toBe(code);
    }
  });

  it('maxRuns bounds the runs held: all of them in a whole read, one image\'s in a streamed read (which holds one image)', async () => {
    // Each mask: 3 runs (a box narrower than the image).
    const img = (id: number) => `<image id="${id}" width="3" height="2"><mask label="a" rle="1, 2, 1" left="0" top="0" width="2" height="2"/></image>`;
    const bytes = enc(`<annotations><meta><task><labels><label><name>a</name></label></labels></task></meta>${img(0)}${img(1)}</annotations>`);
    const w = await whole(bytes, { maxRuns: 5 });
    expect(w.ok === false && [w.code, w.path]).toEqual(['LIMIT_EXCEEDED', ['annotations', 'image', 1, 'mask', 0]]);
    for (const s of await Promise.all(streams(bytes, { maxRuns: 5 }))) expect(s.ok && s.annotations.length).toBe(2);
    // Over the limit within one image: the same error either way.
    await expectSame(bytes, { maxRuns: 2 });
    expect((await whole(bytes, { maxRuns: 2 })).ok).toBe(false);
  });

  it('a file without <labels> (labels declared by use) is read whole, the same', async () => {
    const xml = `<annotations><image id="0" width="3" height="2"><mask label="b" rle="1, 5" left="0" top="0" width="3" height="2"/></image></annotations>`;
    const w = await expectSame(enc(xml));
    expect(w.ok && w.categories).toEqual([{ id: 1, name: 'b' }]);
  });

  it('pass 2 holds one <image> at a time: the first annotation comes while most of the file is still unread', async () => {
    const { xml, served, source } = twoHundredImages();
    const s = await dialect.readStream!(source);
    expect(s.images).toHaveLength(200);
    const it = s.annotations[Symbol.asyncIterator]();
    expect((await it.next()).value.imageId).toBe(0);
    expect(served[0]).toBe(xml.length);
    expect(served[1]).toBeLessThan(xml.length / 10);
  });

  it('a stray quote never gathers the rest of the file: an element longer than maxBytes is LIMIT_EXCEEDED', async () => {
    const xml = `<annotations><meta><task><labels><label><name>a</name></label></labels></task></meta><image id="0" name="x width="3" height="2"></image>${'<image id="1" width="1" height="2"></image>'.repeat(50)}</annotations>`;
    const e = await dialect.readStream!(chunked(enc(xml), 64), { maxBytes: 200 }).catch((x: RleError) => x);
    expect(e).toBeInstanceOf(RleError);
    expect((e as RleError).code).toBe('LIMIT_EXCEEDED');
  });
});

describe('a shard\'s streamed read (readsShards: context.shard)', () => {
  /** The warnings as `--jobs` says them: the same warning said once, counts in messages added up over the shards. */
  function merged(lists: RleWarning[][]): [string, number | undefined, unknown][] {
    const said = new Map<string, { count: number | undefined; path: unknown }>();
    for (const list of lists) {
      for (const w of list) {
        const key = `${w.code}\u0000${w.count === undefined ? w.message : w.message.replace(new RegExp(`(?<![\\d.])${w.count}(?![\\d.])`), '#')}`;
        const before = said.get(key);
        if (before === undefined) said.set(key, { count: w.count, path: w.path });
        else if (w.count !== undefined) before.count = before.count! + w.count;
      }
    }
    return [...said].map(([k, v]) => [k, v.count, v.path] as [string, number | undefined, unknown]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  /** A file that can be read from any byte (as the CLI's files), counting the reads from the middle. */
  let seeks = 0;
  const file = (bytes: Uint8Array): ByteSource => ({
    kind: 'bytes', name: 'a.xml', size: bytes.length,
    async *stream() {
      for (let i = 0; i < bytes.length; i += 5) yield bytes.slice(i, i + 5);
    },
    async *range(start: number, end: number) {
      seeks++;
      for (let i = start; i < end; i += 3) yield bytes.slice(i, Math.min(end, i + 3));
    },
  });
  const sharded = (bytes: Uint8Array, o: Partial<CvatReadOptions>, shard: Shard, k: number) =>
    outcome(async (warn) => shardDataset(await dialect.readStream!(k % 2 === 0 ? bytes : file(bytes), o, { warn, shard }), shard));

  it('gives shardDataset of one read: the shard\'s images, its annotations (ids as one run numbers them, in order), the categories; warnings that add up to one run\'s; a bad file fails in the first shard that meets the fault, with one run\'s error', async () => {
    let read = 0, refused = 0;
    const faults: [string, string][] = [['', ''], ['', ''], ['', ''], ['rle="', 'rle="x'], ['label="cat', 'label="zzz'], ['width="', 'width="-'], ['<version>1.1', '<version>1.0'], ['points="', 'points="1;']];
    // Half the files plain (no comment, CDATA, PI or entity: the images counted in pass 1, so later shards start at their first image).
    const plainDoc = docArb.map((x) => x.replace(/<!--.*?-->|<\?pi.*?\?>|<!\[CDATA\[.*?\]\]>/g, '').replace(/&[^;]*;/g, 'e'));
    await fc.assert(fc.asyncProperty(fc.oneof(docArb, plainDoc), fc.constantFrom<Partial<CvatReadOptions>>({}, { boxes: 'rasterize' }, { validate: false }), fc.integer({ min: 1, max: 4 }), fc.constantFrom(...faults), fc.nat(5), async (xml, o, count, [from, to], nth) => {
      let at = -1;
      if (from !== '') for (let k = 0; k <= nth; k++) at = xml.indexOf(from, at + 1);
      const bytes = enc(at < 0 ? xml : xml.slice(0, at) + to + xml.slice(at + from.length));
      const one = await outcome((warn) => dialect.readStream!(bytes, o, { warn }));
      const parts: Outcome[] = [];
      for (let index = 0; index < count; index++) parts.push(await sharded(bytes, o, { index, count }, nth + index));
      if (!one.ok) {
        // --jobs reports the first failed shard's error.
        const failed = parts.find((p) => !p.ok);
        expect(failed && { code: failed.code, path: failed.path, offset: failed.offset }).toEqual({ code: one.code, path: one.path, offset: one.offset });
        refused++;
        return;
      }
      const full = await dialect.readStream!(bytes, o);
      for (let index = 0; index < count; index++) {
        const want = await outcome(async () => shardDataset(full.inImageOrder ? { ...full, annotations: (async function* () {})() } : full, { index, count }));
        const part = parts[index]!;
        expect(part.ok).toBe(true);
        if (!part.ok || !want.ok) continue;
        expect(part.images).toEqual(want.images);
        expect(part.categories).toEqual(one.categories);
        const images = new Set((part.images as { id: unknown }[]).map((im) => im.id));
        expect(part.annotations).toEqual(one.annotations.filter((a) => images.has((a as { imageId: unknown }).imageId)));
      }
      expect(merged(parts.map((p) => p.warnings))).toEqual(merged([one.warnings]));
      read++;
    }), { numRuns: 250 });
    expect(read).toBeGreaterThan(60);
    expect(refused).toBeGreaterThan(15);
    // Later shards started at their first image (the earlier images counted in pass 1), from memory or from a file.
    expect(seeks).toBeGreaterThan(12);
  });

  it('a file without <labels> (read whole by every shard): the shards\' annotations are one read\'s, its warnings said by the first shard only', async () => {
    const img = (id: number) => `<image id="${id}" width="3" height="2"><mask label="b${id % 2}" rle="1, 5" left="0" top="0" width="3" height="2"/><polygon label="b" points="0,0;2,0;2,1"/></image>`;
    const bytes = enc(`<annotations><version>1.0</version>${[0, 1, 2, 3, 4].map(img).join('')}</annotations>`);
    const one = await outcome((warn) => dialect.readStream!(bytes, {}, { warn }));
    expect(one.ok && one.warnings.length).toBeGreaterThan(1);
    const parts = [await sharded(bytes, {}, { index: 0, count: 2 }, 0), await sharded(bytes, {}, { index: 1, count: 2 }, 1)];
    expect(parts.map((p) => p.ok && p.annotations.length)).toEqual([4, 6]);
    expect(parts.flatMap((p) => (p.ok ? p.annotations : []))).toEqual(one.ok && one.annotations);
    expect(parts[0]!.warnings).toEqual(one.warnings);
    expect(parts[1]!.warnings).toEqual([]);
  });

  it('reads only what it needs: the first shard stops after its images; a later one starts at its first image (from a file that can be read from the middle)', async () => {
    const { xml, served, source } = twoHundredImages();
    const s = await dialect.readStream!(source, {}, { warn: () => {}, shard: { index: 0, count: 4 } });
    const ids: unknown[] = [];
    for await (const a of s.annotations) ids.push(a.id);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(served[1]).toBeLessThan(xml.length / 3);
    const last = await dialect.readStream!(xml, {}, { warn: () => {}, shard: { index: 3, count: 4 } });
    const lastIds: unknown[] = [];
    for await (const a of last.annotations) lastIds.push(a.id);
    expect(lastIds).toEqual(Array.from({ length: 50 }, (_, i) => i + 151));
    // From a file: pass 1 reads it whole (by range, into one buffer); the third shard's pass 2
    // reads from its first image on, and stops after its last.
    const ranged: number[][] = [];
    const file: ByteSource = { ...source, async *range(start: number, end: number) {
      const read = [start, 0];
      ranged.push(read);
      for (let i = start; i < end; i += 64) {
        read[1]! += Math.min(64, end - i);
        yield xml.slice(i, Math.min(end, i + 64));
      }
    } };
    const third = await dialect.readStream!(file, {}, { warn: () => {}, shard: { index: 2, count: 4 } });
    const thirdIds: unknown[] = [];
    for await (const a of third.annotations) thirdIds.push(a.id);
    expect(thirdIds).toEqual(Array.from({ length: 50 }, (_, i) => i + 101));
    expect(ranged).toHaveLength(2);
    expect(ranged[0]).toEqual([0, xml.length]);
    expect(ranged[1]![0]).toBeGreaterThan(xml.length / 3);
    expect(ranged[1]![1]).toBeGreaterThan(0);
    expect(ranged[1]![1]).toBeLessThan(xml.length / 3);
  });
});

describe('a --jobs shard read from its plan (planShards: pass 1 once, in the main thread)', () => {
  /** A file that can be read from any byte, logging each read: its kind and byte range. */
  const logged = (bytes: Uint8Array, log: [string, number, number][] = []): ByteSource & { log: typeof log } => ({
    kind: 'bytes', name: 'a.xml', size: bytes.length, log,
    async *stream() {
      log.push(['stream', 0, bytes.length]);
      for (let i = 0; i < bytes.length; i += 5) yield bytes.slice(i, i + 5);
    },
    async *range(start: number, end: number) {
      log.push(['range', start, end]);
      for (let i = start; i < end; i += 3) yield bytes.slice(i, Math.min(end, i + 3));
    },
  });
  const shardsOf = (count: number): Shard[] => Array.from({ length: count }, (_, index) => ({ index, count }));
  const planned = (bytes: Uint8Array, o: Partial<CvatReadOptions>, shard: Shard, plan: unknown) =>
    outcome(async (warn) => shardDataset(await dialect.readStream!(logged(bytes), o, { warn, shard, plan }), shard));
  const unplanned = (bytes: Uint8Array, o: Partial<CvatReadOptions>, shard: Shard) =>
    outcome(async (warn) => shardDataset(await dialect.readStream!(logged(bytes), o, { warn, shard }), shard));

  it('each shard i/n read from its plan is shardDataset of one read (images, annotations with one run\'s ids, in order, categories) and says what the shard\'s own read says; a bad file is one run\'s error, from the plan or from the first shard that fails', async () => {
    let read = 0, refused = 0, thrown = 0;
    const faults: [string, string][] = [['', ''], ['', ''], ['', ''], ['rle="', 'rle="x'], ['label="cat', 'label="zzz'], ['width="', 'width="-'], ['<version>1.1', '<version>1.0'], ['points="', 'points="1;'], ['</mask>', '</mas>'], ['id="1"', 'id="0"']];
    const plainDoc = docArb.map((x) => x.replace(/<!--.*?-->|<\?pi.*?\?>|<!\[CDATA\[.*?\]\]>/g, '').replace(/&[^;]*;/g, 'e'));
    // Names with two-, three- and four-byte characters before the shards' first images (their bytes are found by reading those pieces again).
    const wide = docArb.map((x) => x.replace(/name="/g, 'name="\u00e9\u65e5\u{1F600}'));
    await fc.assert(fc.asyncProperty(fc.oneof(docArb, plainDoc, wide), fc.constantFrom<Partial<CvatReadOptions>>({}, { boxes: 'rasterize' }, { validate: false }, { sortByZOrder: false }), fc.integer({ min: 1, max: 4 }), fc.constantFrom(...faults), fc.nat(5), async (xml, o, count, [from, to], nth) => {
      let at = -1;
      if (from !== '') for (let k = 0; k <= nth; k++) at = xml.indexOf(from, at + 1);
      const bytes = enc(at < 0 ? xml : xml.slice(0, at) + to + xml.slice(at + from.length));
      const one = await outcome((warn) => dialect.readStream!(bytes, o, { warn }));
      const shards = shardsOf(count);
      let plans: unknown[] | undefined;
      try {
        plans = await dialect.planShards!(logged(bytes), o, shards);
      } catch (e) {
        // A fault of pass 1: one run's error, which one run meets before saying anything.
        expect(e).toBeInstanceOf(RleError);
        expect(one.ok === false && { code: one.code, path: one.path, offset: one.offset, warnings: one.warnings }).toEqual({ code: (e as RleError).code, path: (e as RleError).path, offset: (e as RleError).offset, warnings: [] });
        thrown++;
        return;
      }
      if (one.ok) expect(plans).toHaveLength(count);
      if (plans === undefined) return;
      const parts: Outcome[] = [];
      for (const shard of shards) parts.push(await planned(bytes, o, shard, plans[shard.index]));
      if (!one.ok) {
        const failed = parts.find((p) => !p.ok);
        expect(failed && { code: failed.code, path: failed.path, offset: failed.offset }).toEqual({ code: one.code, path: one.path, offset: one.offset });
        // The shards before it say what their own reads say.
        for (const shard of shards.slice(0, parts.indexOf(failed!) + 1)) expect(parts[shard.index]!.warnings).toEqual((await unplanned(bytes, o, shard)).warnings);
        refused++;
        return;
      }
      const full = await dialect.readStream!(bytes, o);
      for (const shard of shards) {
        const want = await outcome(async () => shardDataset({ ...full, annotations: (async function* () {})() }, shard));
        const part = parts[shard.index]!;
        expect(part.ok && want.ok).toBe(true);
        if (!part.ok || !want.ok) continue;
        expect(part.images).toEqual(want.images);
        expect(part.categories).toEqual(one.categories);
        const images = new Set((part.images as { id: unknown }[]).map((im) => im.id));
        expect(part.annotations).toEqual(one.annotations.filter((a) => images.has((a as { imageId: unknown }).imageId)));
        // Its warnings are the shard's own read's (which --jobs adds up to one run's).
        expect(part.warnings).toEqual((await unplanned(bytes, o, shard)).warnings);
      }
      read++;
    }), { numRuns: 250 });
    expect(read).toBeGreaterThan(60);
    expect(refused).toBeGreaterThan(10);
    expect(thrown).toBeGreaterThan(5);
  });

  it('pass 1 runs once, in the plan: a worker reads only its own images\' bytes (no pass over the file), and the plans hold no annotation', async () => {
    // Non-square images, masks at the first and last pixel, a polygon, multi-byte names before each shard's images.
    const img = (id: number) => `<image id="${id}" name="\u00e9\u{1F600}${id}" width="3" height="2"><mask label="a" rle="1, 4, 1" left="0" top="0" width="3" height="2"/><polygon label="a" points="0,0;2,0;2,1"/></image>\n`;
    const xml = `<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version><meta><task><labels><label><name>a</name></label></labels></task></meta>\n${Array.from({ length: 40 }, (_, i) => img(i)).join('')}</annotations>\n`;
    const bytes = enc(xml);
    const planLog: [string, number, number][] = [];
    const plans = await dialect.planShards!(logged(bytes, planLog), {}, shardsOf(3));
    expect(plans).toHaveLength(3);
    // One pass over the whole file (by range: a file of known size is read into one buffer); other reads find bytes of multi-byte names.
    expect(planLog.filter(([kind, start, end]) => kind === 'stream' || (start === 0 && end === bytes.length))).toEqual([['range', 0, bytes.length]]);
    // Small: the images' headers and a few numbers each, nothing per annotation (80 of them).
    expect(JSON.stringify(plans![1]).length).toBeLessThan(40 * 200);
    const byteOf = (s: string) => enc(xml.slice(0, xml.indexOf(s))).length;
    const one = await outcome((warn) => dialect.readStream!(bytes, {}, { warn }));
    for (const [index, [first, last]] of ([[0, 13], [13, 26], [26, 40]] as const).entries()) {
      const log: [string, number, number][] = [];
      const shard = { index, count: 3 };
      const r = await outcome(async (warn) => shardDataset(await dialect.readStream!(logged(bytes, log), {}, { warn, shard, plan: plans![index] }), shard));
      expect(r.ok && r.annotations).toEqual(one.ok && one.annotations.slice(2 * first, 2 * last));
      // One read, from its first image's '<' to its last image's end.
      expect(log).toEqual([['range', byteOf(`<image id="${first}"`), byteOf(last < 40 ? `<image id="${last}"` : '</annotations>') - 1]]);
    }
  });

  it('a bad mask late in the file: the shards before it read, the last one fails with one run\'s error, after its earlier images\' annotations', async () => {
    const img = (id: number, rle: string) => `<image id="${id}" width="3" height="2"><mask label="a" rle="${rle}" left="0" top="0" width="3" height="2"/></image>\n`;
    const xml = `<annotations><meta><task><labels><label><name>a</name></label></labels></task></meta>\n${Array.from({ length: 30 }, (_, i) => img(i, i === 28 ? '1, x' : '1, 5')).join('')}</annotations>`;
    const bytes = enc(xml);
    const one = await outcome((warn) => dialect.readStream!(bytes, {}, { warn }));
    expect(one.ok === false && [one.code, one.path]).toEqual(['INVALID_TOKEN', ['annotations', 'image', 28, 'mask', 0, 'rle']]);
    const plans = await dialect.planShards!(logged(bytes), {}, shardsOf(3));
    const parts = await Promise.all(shardsOf(3).map((shard) => planned(bytes, {}, shard, plans![shard.index])));
    expect(parts.map((p) => p.ok)).toEqual([true, true, false]);
    expect(parts[2]!.ok === false && { code: parts[2]!.code, path: parts[2]!.path, offset: parts[2]!.offset }).toEqual(one.ok === false && { code: one.code, path: one.path, offset: one.offset });
    // The last shard yields image 20..27's masks (ids 21..28) before it meets image 28's.
    const s = await dialect.readStream!(logged(bytes), {}, { warn: () => {}, shard: { index: 2, count: 3 }, plan: plans![2] });
    const ids: unknown[] = [];
    await expect((async () => { for await (const a of s.annotations) ids.push(a.id); })()).rejects.toMatchObject({ code: 'INVALID_TOKEN', offset: xml.indexOf('<mask', xml.indexOf('<image id="28"')) });
    expect(ids).toEqual(Array.from({ length: 8 }, (_, i) => 21 + i));
  });

  it('no plan where the workers must read the file themselves: <meta> without labels, a pipe', async () => {
    const xml = enc(`<annotations><image id="0" width="3" height="2"><mask label="b" rle="1, 5" left="0" top="0" width="3" height="2"/></image></annotations>`);
    expect(await dialect.planShards!(logged(xml), {}, shardsOf(2))).toBeUndefined();
    expect(await dialect.planShards!(pipe(xml), {}, shardsOf(2))).toBeUndefined();
  });
});

describe('the streamed write (writeStream of a stream in image order)', () => {
  const size = { height: 2, width: 3 };
  const mask = (bits: number[]) => Mask.fromBitmap(bits, size);
  const images = [0, 1, 2, 3].map((id) => ({ id, ...size, fileName: `${id}.png` }));
  const categories = [{ id: 1, name: 'cat' }];
  // Image 1 has no annotation; late ones use the default label and an attribute.
  const annotations: Annotation[] = [
    { id: 1, imageId: 0, categoryId: 1, mask: mask([1, 0, 0, 0, 0, 1]) },
    { id: 2, imageId: 0, categoryId: 1, mask: mask([0, 0, 0, 0, 0, 0]) },
    { id: 3, imageId: 2, categoryId: 1, mask: mask([1, 1, 1, 1, 1, 1]), attributes: { note: 'late' } },
    { id: 4, imageId: 3, mask: mask([0, 1, 0, 1, 0, 1]), attributes: { note: 'late' } },
  ];
  const dataset: MaskDataset = { images, categories, annotations };
  const stream = (): MaskDatasetStream => ({ ...toDatasetStream(dataset), inImageOrder: true });

  async function written(hold?: number): Promise<{ text: string; warnings: RleWarning[] }> {
    const warnings: RleWarning[] = [];
    let text = '';
    for await (const c of formatCvatStream(stream(), {}, (w) => warnings.push(w), hold)) text += c;
    return { text, warnings };
  }

  it('gives the bytes and warnings of the whole write when it can hold the images until the end', async () => {
    const warnings: RleWarning[] = [];
    const expected = [...formatCvatXml(dataset, {}, (w) => warnings.push(w))].join('');
    const got = await written();
    expect(got.text).toBe(expected);
    expect(got.warnings).toEqual(warnings);
    // Through the dialect too.
    const chunks: Uint8Array[] = [];
    for await (const c of dialect.writeStream!(stream())) chunks.push(c);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
  });

  it('past what it holds, <meta> comes from what was counted: a label or attribute first needed later is reported, and the file reads back', async () => {
    const got = await written(1);
    expect(got.text).not.toContain('<name>object</name>');
    expect(got.text).toContain('label=""');
    expect(got.warnings.filter((w) => /streamed <meta>/.test(w.message)).map((w) => w.count)).toEqual([1, 1]);
    const back = await dialect.read(enc(got.text));
    expect(back.annotations.map((a) => a.categoryId)).toEqual([1, 1, 1, undefined]);
    expect(back.annotations.map((a) => a.mask.runs('row'))).toEqual(annotations.map((a) => a.mask.runs('row')));
    expect(back.images.map((i) => i.id)).toEqual([0, 1, 2, 3]);
  });

  it('a stream that is not in image order after all is refused, not written wrong', async () => {
    const bad: MaskDatasetStream = { ...toDatasetStream({ images, categories, annotations: [annotations[2]!, annotations[0]!] }), inImageOrder: true };
    const e = await (async () => {
      for await (const _ of formatCvatStream(bad)) void _;
    })().catch((x: RleError) => x);
    expect((e as RleError).code).toBe('LIMIT_EXCEEDED');
  });

  it('holds one image at a time: the first image is out before the last annotation is asked for', async () => {
    let asked = 0;
    const many = Array.from({ length: 200 }, (_, i) => ({ id: i, ...size }));
    const lazy: MaskDatasetStream = {
      images: many, categories, inImageOrder: true,
      annotations: (async function* () {
        for (let i = 0; i < many.length; i++) {
          asked++;
          yield { id: i + 1, imageId: i, categoryId: 1, mask: mask([1, 0, 0, 0, 0, 1]) };
        }
      })(),
    };
    let askedAtFirst = -1;
    for await (const c of formatCvatStream(lazy, {}, () => {}, 500)) {
      if (askedAtFirst < 0 && c.includes('<image')) askedAtFirst = asked;
    }
    expect(askedAtFirst).toBeGreaterThan(0);
    expect(askedAtFirst).toBeLessThan(20);
  });
});
