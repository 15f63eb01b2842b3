/**
 * The streamed read of CVAT XML: two passes over the bytes, each holding one `<image>` element at a
 * time. Pass 1 checks the whole file as a whole read does first (UTF-8, no DTD, well-formed, the
 * root, labels, image ids) and keeps each image's start tag (its header); pass 2 parses each
 * `<image>` alone and yields its shapes. The same CvatReader steps run in the same order as in a
 * whole read, so annotations, warnings and errors are the same.
 */
import { RleError, shardRange, sourceChunks, XML_HEAD, type Annotation, type Shard, type ByteSource, type ImageInfo, type MaskDatasetStream, type RleWarning, type WarningSink } from '@rlekit/core';
import { CvatReader, shapeCount, type CvatPlannedHeader, type CvatReadOptions } from './dialect.js';
import { parsePlain, plainElement, XmlSplitter, type XmlElement } from './scan.js';
import { parseElement, parseRoot, refuseDtd, shiftOffsets, validateXml, xmlLibrary, type XmlLibrary, type XmlNode } from './xml.js';

/** Bytes handed to the decoder at once, for input already in memory. */
const SLICE = 1 << 20;

/**
 * Bytes decoded into one string: strings of more than about 64 KB are allocated apart from the
 * others (V8's large-object space), which made decoding 1 MB chunks whole 2.4x slower.
 */
const PIECE = 32 << 10;

async function* byteChunks(input: Uint8Array | ByteSource): AsyncGenerator<Uint8Array> {
  if (input instanceof Uint8Array) {
    for (let i = 0; i < input.length; i += SLICE) yield input.subarray(i, i + SLICE);
    return;
  }
  // By range where it can (first-touched pages made reading a 174 MB file 0.3 s of CPU against
  // 0.05 s). Each chunk is decoded before the next is asked for.
  yield* sourceChunks(input);
}

function notUtf8(cause: unknown): RleError {
  return new RleError('INVALID_TOKEN', 'Input is not valid UTF-8', { cause });
}

/**
 * How many bytes at the end of `b` start a UTF-8 sequence that later bytes may complete (0: none,
 * or bytes that no continuation makes valid, which are decoded now so that they fail now, where a
 * streaming decoder fails).
 */
export function openTail(b: Uint8Array): number {
  const n = b.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const c = b[n - k]!;
    if (c < 0x80) return 0;
    if (c < 0xc0) continue; // a continuation byte: its lead is further back
    if (c < 0xc2 || c > 0xf4) return 0;
    if ((c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2) <= k) return 0;
    if (k >= 2) {
      // The second byte's range depends on the lead (no overlong forms, surrogates or code points past U+10FFFF).
      const s = b[n - k + 1]!;
      const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
      if (s < lo || s > hi) return 0;
    }
    return k;
  }
  return 0;
}

/**
 * Where the decoded text's pieces came from: triples (first character's offset in the text,
 * first byte's offset in the file, 1 when the piece is ASCII, whose characters are its bytes).
 */
type TextMap = number[];

/** The file offset of the byte where character `at` starts, when it lies in an ASCII piece (undefined otherwise). */
function byteOffset(map: TextMap, at: number): number | undefined {
  let lo = 0, hi = map.length / 3 - 1;
  if (hi < 0) return undefined;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (map[3 * mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return map[3 * lo]! <= at && map[3 * lo + 2] === 1 ? map[3 * lo + 1]! + (at - map[3 * lo]!) : undefined;
}

/** Whether every byte is ASCII (a word at a time). */
function isAscii(b: Uint8Array): boolean {
  const n = b.length;
  let i = 0;
  const head = Math.min(n, (4 - (b.byteOffset & 3)) & 3);
  for (; i < head; i++) if (b[i]! >= 0x80) return false;
  const words = (n - i) >>> 2;
  if (words > 0) {
    const w = new Uint32Array(b.buffer, b.byteOffset + i, words);
    let any = 0;
    for (let k = 0; k < words; k++) any |= w[k]!;
    if ((any & 0x80808080) !== 0) return false;
  }
  for (i += words * 4; i < n; i++) if (b[i]! >= 0x80) return false;
  return true;
}

/**
 * The input as text, piece by piece: the first bytes checked to open a tag (before any is decoded,
 * as a whole read checks them), then strict UTF-8 (a BOM dropped), as decodeUtf8 reads it whole.
 * Each piece is decoded whole, cut after its last complete character (the rest is carried to the
 * next), in pieces of at most PIECE bytes: several times faster than a streaming decoder, which
 * takes a slower path; an ASCII piece (most are) as Latin-1.
 */
export async function* texts(input: Uint8Array | ByteSource | AsyncIterable<Uint8Array>, pieceBytes = PIECE, map?: TextMap): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  // ASCII is decoded as Latin-1 (the same characters): faster, and into strings of one byte per character.
  const ascii = new TextDecoder('latin1');
  let carry: Uint8Array | undefined;
  // A stream from the middle of the file (a shard's second pass): no head, no BOM.
  const middle = !(input instanceof Uint8Array) && !('kind' in input);
  let first = !middle;
  // Bytes handed to decode so far, characters made so far.
  let fed = 0, made = 0;
  // Every piece of a chunk is decoded before any is handed on: a fault in its bytes is met before the scanner sees any of it.
  const decode = (bytes: Uint8Array, last: boolean): string[] => {
    let b = bytes;
    let at0 = fed - (carry?.length ?? 0);
    fed += bytes.length;
    if (carry !== undefined) {
      b = new Uint8Array(carry.length + bytes.length);
      b.set(carry);
      b.set(bytes, carry.length);
      carry = undefined;
    }
    if (first && b.length >= 3) {
      first = false;
      if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) (b = b.subarray(3), (at0 += 3));
    }
    const tail = last ? 0 : openTail(b);
    // Copied: a source may reuse a chunk's memory for the next one.
    if (tail > 0) carry = b.slice(b.length - tail);
    const piece = tail > 0 ? b.subarray(0, b.length - tail) : b;
    const out: string[] = [];
    for (let at = 0; at < piece.length;) {
      // Cut before a character's first byte, never inside one.
      let to = Math.min(piece.length, at + pieceBytes);
      while (to < piece.length && (piece[to]! & 0xc0) === 0x80) to++;
      const part = piece.subarray(at, to);
      const plain = isAscii(part);
      let t: string;
      if (plain) t = ascii.decode(part);
      else {
        try {
          t = decoder.decode(part);
        } catch (e) {
          throw notUtf8(e);
        }
      }
      out.push(t);
      map?.push(made, at0 + at, plain ? 1 : 0);
      made += t.length;
      at = to;
    }
    return out;
  };
  if (middle) {
    for await (const chunk of input as AsyncIterable<Uint8Array>) yield* decode(chunk, false);
    yield* decode(new Uint8Array(0), true);
    return;
  }
  // The head is copied, for the same reason.
  let head: Uint8Array | undefined = new Uint8Array(XML_HEAD.length);
  let held = 0;
  for await (const chunk of byteChunks(input as Uint8Array | ByteSource)) {
    let c = chunk;
    if (head !== undefined) {
      const n = Math.min(c.length, head.length - held);
      head.set(c.subarray(0, n), held);
      held += n;
      if (held < head.length) continue;
      XML_HEAD.check(head);
      const t = decode(head, false);
      head = undefined;
      yield* t;
      c = c.subarray(n);
    }
    yield* decode(c, false);
  }
  if (head !== undefined) XML_HEAD.check(head.subarray(0, held));
  yield* decode(head === undefined ? new Uint8Array(0) : head.subarray(0, held), true);
}

/** Where `<!DOCTYPE` and `<!ENTITY` first occur in text fed piece by piece (-1: nowhere). */
export class DtdFinder {
  doctype = -1;
  entity = -1;
  private tail = '';
  private at = 0;

  feed(t: string): void {
    // Across the boundary first: it comes before anything in t.
    if (this.doctype < 0) this.doctype = this.across(t, '<!DOCTYPE');
    if (this.entity < 0) this.entity = this.across(t, '<!ENTITY');
    // Then in t: one search for '<!' for both.
    for (let i = this.doctype < 0 || this.entity < 0 ? t.indexOf('<!') : -1; i >= 0; i = t.indexOf('<!', i + 2)) {
      if (this.doctype < 0 && t.startsWith('DOCTYPE', i + 2)) this.doctype = this.at + i;
      if (this.entity < 0 && t.startsWith('ENTITY', i + 2)) this.entity = this.at + i;
      if (this.doctype >= 0 && this.entity >= 0) break;
    }
    this.tail = (this.tail + t.slice(-8)).slice(-8);
    this.at += t.length;
  }

  private across(t: string, marker: string): number {
    const i = (this.tail + t.slice(0, marker.length - 1)).indexOf(marker);
    return i < 0 ? -1 : this.at - this.tail.length + i;
  }
}

// Validator errors found only at the end of the text (unclosed elements), not where they are reported.
const AT_END = /: (Unclosed tag|Start tag expected|Invalid '\[)/;

/** An `<image>`'s start tag alone as an element: its attributes, as a whole parse has them, at its offset. */
function imageHead(lib: XmlLibrary, e: XmlElement): XmlNode {
  const head = e.text.slice(0, e.headLength);
  const text = head.endsWith('/>') ? head : `${head}</image>`;
  return parsePlain(text, e.offset, lib.metaDataSymbol) ?? parseElement(lib, text, 'image', e.offset);
}

export interface CvatStreamRead {
  /** The dataset, or undefined when `<meta>` declares no labels (shapes declare them by use: the caller reads the file whole). */
  stream?: MaskDatasetStream;
}

/** A growing list of numbers, in a typed array (one per image: no object each). */
class Numbers {
  private a = new Float64Array(256);
  length = 0;

  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }

  at(i: number): number {
    return this.a[i]!;
  }
}

/** What pass 1 found: the root (its image and track children stubs), every image's start tag, and (when asked) where each image is and how many annotations it gives. */
interface PassOne {
  root: XmlNode;
  heads: XmlNode[];
  /** Per image: its annotations (-1: not known without reading it), its first and past-last character. */
  counts: Numbers;
  starts: Numbers;
  ends: Numbers;
  /** Where the text's pieces came from (when counting), to find an image's byte. */
  map: TextMap | undefined;
}

/**
 * Pass 1: the outline, every image's start tag, the first malformed element; the whole file's
 * checks, in a whole read's order (its errors thrown). `counting`: also each image's place and
 * how many annotations it gives: 'plain' from the quick check alone (-1 where it cannot tell),
 * 'all' parsing the images it cannot tell (-1 where counting fails: the image's read will).
 */
async function passOne(input: Uint8Array | ByteSource, o: CvatReadOptions, lib: XmlLibrary, counting: 'no' | 'plain' | 'all'): Promise<PassOne> {
  const maxElement = Math.min(o.maxBytes, 0x1fffffe8);
  const heads: XmlNode[] = [];
  const counts = new Numbers(), starts = new Numbers(), ends = new Numbers();
  const map: TextMap | undefined = counting !== 'no' ? [] : undefined;
  const children = { shapes: 0, boxes: 0 };
  let elementError: RleError | undefined;
  const splitter = new XmlSplitter((e) => {
    if (elementError !== undefined) return;
    children.shapes = children.boxes = 0;
    let plain: boolean | undefined;
    if (o.validate) {
      // Most elements have the plain form the quick check proves well-formed; the rest are the validator's.
      plain = plainElement(e.text, counting !== 'no' ? children : undefined);
      if (!plain) elementError = validateXml(lib, e.text, (at) => at + e.offset);
      if (elementError !== undefined) return;
    }
    if (e.tag !== 'image') return;
    heads.push(imageHead(lib, e));
    if (counting === 'no') return;
    // Boxes count only when rasterized and not rotated: counted by reading them.
    plain ??= plainElement(e.text, children);
    let n = plain && (children.boxes === 0 || o.boxes === 'skip') ? children.shapes : -1;
    if (n < 0 && counting === 'all') {
      try {
        n = shapeCount(parsePlain(e.text, e.offset, lib.metaDataSymbol) ?? parseElement(lib, e.text, 'image', e.offset), heads.length - 1, o);
      } catch {
        n = -1;
      }
    }
    counts.push(n);
    starts.push(e.offset);
    ends.push(e.offset + e.text.length);
  }, true, maxElement);
  const dtd = new DtdFinder();
  for await (const t of texts(input, PIECE, map)) {
    dtd.feed(t);
    splitter.push(t);
  }
  splitter.end();
  const length = splitter.length;
  refuseDtd(dtd);
  const outline = splitter.outline();
  let leftOpen = false; // elementError is the elements left open: a fault of the file's end, after any other
  if (o.validate && elementError === undefined && splitter.inElement) {
    // The file ends inside an <image>: a fault in it is found where it is; otherwise the
    // validator reports the elements left open, at the start of the file.
    const p = splitter.partial()!;
    const e = validateXml(lib, p.text, (at) => at + p.offset);
    leftOpen = e !== undefined && AT_END.test(e.message);
    if (e !== undefined) elementError = leftOpen ? new RleError('INVALID_STRUCTURE', 'Malformed XML at line 1, column 1: elements left open at the end of the file', { offset: 0, expected: 'well-formed XML' }) : e;
  }
  if (o.validate) {
    const outlineError = validateXml(lib, outline, splitter.mapOffset, length);
    // The validator reports the first fault in the text; an unclosed element only at the end.
    if (outlineError !== undefined && (elementError === undefined || (!AT_END.test(outlineError.message) && (outlineError.offset ?? 0) < (leftOpen ? length : elementError.offset ?? 0)))) throw outlineError;
    if (elementError !== undefined) throw elementError;
  }
  if (splitter.inElement) {
    // Not validated (validate: false): the parser meets the end as a whole read's does, the
    // element left open included (it may be any child whose name was cut short: `<v`).
    parseRoot(lib, outline + splitter.partial()!.text, length);
    throw new RleError('TRUNCATED', 'The file ends before </annotations>', { path: ['annotations'], offset: length, expected: '</annotations>' });
  }
  const root = parseRoot(lib, outline, length);
  shiftOffsets(root, splitter.mapOffset);
  return { root, heads, counts, starts, ends, map };
}

/**
 * Reads CVAT XML in two passes over `input` (see the module comment). `o` is parsed; `warn` gets
 * the same warnings as a whole read, in the same order.
 */
export async function readCvatStream(input: Uint8Array | ByteSource, o: CvatReadOptions, warn: WarningSink, shard?: Shard): Promise<CvatStreamRead> {
  const lib = await xmlLibrary();
  const maxElement = Math.min(o.maxBytes, 0x1fffffe8);

  // Pass 1. For a later shard, also how many annotations each image gives and where each starts,
  // so that its pass 2 can start at its first image.
  const seeking = shard !== undefined && shard.index > 0;
  const { root, heads, counts, starts, map } = await passOne(input, o, lib, seeking ? 'plain' : 'no');

  // Warnings wait until it is sure the file is read here.
  const held: RleWarning[] = [];
  let sink: WarningSink = (w) => held.push(w);
  const reader = new CvatReader(root, o, (w) => sink(w), true, shard === undefined || shard.index === 0);
  if (!reader.labelsDeclared) return {};
  for (const w of held) warn(w);
  sink = warn;
  reader.checkIds(heads);
  const images: ImageInfo[] = [];
  // An image whose header is refused is refused when the read reaches it, after the images before it.
  let refused: { index: number; error: unknown } | undefined;
  for (let i = 0; i < heads.length; i++) {
    try {
      images.push(reader.header(heads[i]!, i));
    } catch (error) {
      refused = { index: i, error };
      break;
    }
  }
  heads.length = 0;

  // A shard's reader reads the shapes of its own images only: it parses those before to count
  // their shapes (for the ids), and stops after its last image. The last shard reads to the end
  // of the file (where an image whose header was refused, past the list, is the error).
  const range = shard !== undefined ? shardRange(shard, images.length) : [0, images.length];
  const start = range[0]!, end = range[1]! < images.length ? range[1]! : Infinity;

  // Pass 2: each <image> parsed alone, its shapes read.
  // Where a later shard's pass 2 starts: its first image's byte, when the images before it are
  // counted and the file can be read from there.
  let from: { byte: number; offset: number; id: number } | undefined;
  if (seeking && start > 0 && start < starts.length) {
    let id = 0;
    for (let i = 0; i < start && id >= 0; i++) id = counts.at(i) < 0 ? -1 : id + counts.at(i);
    const byte = byteOffset(map!, starts.at(start));
    const ranged = input instanceof Uint8Array || (input.range !== undefined && input.size !== undefined);
    if (id >= 0 && byte !== undefined && ranged) from = { byte, offset: starts.at(start), id };
  }
  if (map !== undefined) map.length = 0;

  async function* annotations(): AsyncGenerator<Annotation> {
    const ready: XmlElement[] = [];
    const cutter = new XmlSplitter((e) => {
      if (e.tag === 'image') ready.push(e);
    }, false, maxElement);
    let index = 0, id = 0;
    let source: Uint8Array | ByteSource | AsyncIterable<Uint8Array> = input;
    if (from !== undefined) {
      cutter.resumeAt(from.offset);
      index = start;
      id = from.id;
      source = input instanceof Uint8Array ? (async function* () {
        for (let i = from.byte; i < input.length; i += SLICE) yield input.subarray(i, Math.min(input.length, i + SLICE));
      })() : input.range!(from.byte, input.size!);
    }
    const read = function* (): Generator<Annotation> {
      for (const e of ready) {
        const i = index++;
        if (i >= end) break;
        if (refused !== undefined && i === refused.index) throw refused.error;
        const info = images[i];
        if (info === undefined) throw new RleError('IO', 'The file changed between the two passes of the streamed read', { path: ['annotations', 'image', i], expected: `${images.length} images, as the first pass found` });
        // A plain <image> (most are) is built here; any other is the library's to parse.
        const node = parsePlain(e.text, e.offset, lib.metaDataSymbol) ?? parseElement(lib, e.text, 'image', e.offset);
        if (i < start) id += reader.count(node, i);
        else for (const a of reader.shapes(node, i, info)) yield { id: ++id, ...a };
      }
      ready.length = 0;
    };
    for await (const t of texts(source)) {
      cutter.push(t);
      yield* read();
      if (index >= end) break;
    }
    if (index < end) {
      cutter.end();
      yield* read();
      if (index !== images.length) throw new RleError('IO', 'The file changed between the two passes of the streamed read', { path: ['annotations', 'image', index], expected: `${images.length} images, as the first pass found` });
    }
    reader.finish();
  }
  return { stream: { images, categories: reader.categories, annotations: annotations(), inImageOrder: true } };
}

/**
 * What a `--jobs` worker needs to read its shard of a CVAT file without pass 1 (see
 * planCvatShards): what pass 1 read once in the main thread, and where its images are.
 */
export interface CvatShardPlan {
  /** The file's size when planned: a file that changed since is an IO error, as between the passes. */
  size: number;
  header: CvatPlannedHeader;
  /** Every image's header, as one run lists them (the caller cuts the shard's out). */
  images: ImageInfo[];
  /** Said before any annotation (the first shard's: the version, renumbered ids), as one run says them. */
  warnings: RleWarning[];
  /** The images it reads, [start, end) by position, and the id one run gives the annotation before its first. */
  start: number;
  end: number;
  firstId: number;
  /** The bytes of those images, [byteStart, byteEnd), and the character offset where the first starts (offsets in errors are a whole read's). */
  byteStart: number;
  byteEnd: number;
  offset: number;
  /** The last shard's: the error of the image after its last, whose header pass 1 refused (one run meets it there). */
  refused?: { code: RleError['code']; reason: string; path: (string | number)[]; offset?: number; expected?: string; received?: string };
}

/** The byte where character `at` starts: from the map, or for a piece with multi-byte characters, by reading it again. */
async function byteAt(source: ByteSource, map: TextMap, at: number): Promise<number> {
  const ascii = byteOffset(map, at);
  if (ascii !== undefined) return ascii;
  let k = map.length / 3 - 1;
  while (k > 0 && map[3 * k]! > at) k--;
  const from = map[3 * k + 1]!;
  let left = at - map[3 * k]!;
  let pos = from;
  // At most three bytes per UTF-16 unit (four for two).
  for await (const chunk of source.range!(from, Math.min(source.size!, from + 3 * left + 4))) {
    for (let i = 0; i < chunk.length; i++, pos++) {
      const c = chunk[i]!;
      if ((c & 0xc0) === 0x80) continue;
      if (left <= 0) return pos;
      left -= c >= 0xf0 ? 2 : 1;
    }
  }
  return pos;
}

/**
 * Pass 1 once for `shards` (`--jobs`), here: each shard's plan, so that its worker reads only its
 * own images' bytes and none of pass 1 again. A fault pass 1 finds before one run says anything
 * is thrown here (one run's error). Undefined (each worker then reads the file itself, as without
 * a plan) when the file cannot be read from the middle, when `<meta>` declares no labels (the file
 * is read whole), or when a fault comes after one run's first warnings (bad image ids) or makes
 * the ids of a later shard unknown (an image whose shapes cannot be counted): the workers meet
 * those as one run does.
 */
export async function planCvatShards(source: ByteSource, o: CvatReadOptions, shards: readonly Shard[]): Promise<CvatShardPlan[] | undefined> {
  if (source.size === undefined || source.range === undefined) return undefined;
  const size = source.size;
  const lib = await xmlLibrary();
  const { root, heads, counts, starts, ends, map } = await passOne(source, o, lib, 'all');
  const said: RleWarning[] = [];
  const reader = new CvatReader(root, o, (w) => said.push(w), true, true);
  if (!reader.labelsDeclared) return undefined;
  try {
    reader.checkIds(heads);
  } catch {
    return undefined;
  }
  const images: ImageInfo[] = [];
  let refused: CvatShardPlan['refused'];
  for (let i = 0; i < heads.length; i++) {
    try {
      images.push(reader.header(heads[i]!, i));
    } catch (e) {
      if (!(e instanceof RleError)) return undefined;
      refused = { code: e.code, reason: e.reason, path: [...e.path], ...(e.offset !== undefined ? { offset: e.offset } : {}), ...(e.expected !== undefined ? { expected: e.expected } : {}), ...(e.received !== undefined ? { received: e.received } : {}) };
      break;
    }
  }
  heads.length = 0;
  const n = images.length;
  const header = reader.plannedHeader();
  const plans: CvatShardPlan[] = [];
  // Annotations of the images before image k.
  let before = 0, k = 0;
  for (const shard of shards) {
    const [start, end] = shardRange(shard, n);
    for (; k < start; k++) {
      if (counts.at(k) < 0) return undefined;
      before += counts.at(k);
    }
    const some = start < end;
    plans.push({
      size,
      // The file-wide warnings and counts are the first shard's, as one run says them once.
      header: shard.index === 0 ? header : { ...header, track: 0 },
      images,
      warnings: shard.index === 0 ? said : [],
      start, end, firstId: before,
      byteStart: some ? await byteAt(source, map!, starts.at(start)) : 0,
      byteEnd: some ? await byteAt(source, map!, ends.at(end - 1)) : 0,
      offset: some ? starts.at(start) : 0,
      ...(refused !== undefined && end === n ? { refused } : {}),
    });
  }
  // Copied, as a worker thread gets it: read in this thread as made (the CLI's first shard), a
  // plan made pass 2 about twice as dear (2.8 s against 1.4 s of CPU for half of a 174 MB file;
  // not pinned down further). The copy costs a few ms.
  return structuredClone(plans);
}

/**
 * A shard's read from its plan (`--jobs`, see planCvatShards): no pass 1, only its own images'
 * bytes read, each `<image>` parsed alone and its shapes read as readCvatStream reads them, with
 * the same annotations (ids as one run numbers them), warnings and errors.
 */
export async function readCvatPlanned(input: ByteSource, plan: CvatShardPlan, o: CvatReadOptions, warn: WarningSink): Promise<MaskDatasetStream> {
  if (input.range === undefined || input.size !== plan.size) throw new RleError('IO', 'The file changed between the plan of its shards and their reads', { expected: `${plan.size} bytes, as planned` });
  const lib = await xmlLibrary();
  const maxElement = Math.min(o.maxBytes, 0x1fffffe8);
  const reader = new CvatReader({}, o, warn, true, true, plan.header);
  for (const w of plan.warnings) warn(w);
  const { images, start, end } = plan;
  const changed = (i: number): RleError => new RleError('IO', 'The file changed between the plan of its shards and their reads', { path: ['annotations', 'image', i], expected: `images ${start} to ${end - 1} in bytes ${plan.byteStart} to ${plan.byteEnd}, as planned` });
  async function* annotations(): AsyncGenerator<Annotation> {
    let index = start, id = plan.firstId;
    if (start < end) {
      const ready: XmlElement[] = [];
      const cutter = new XmlSplitter((e) => {
        if (e.tag === 'image') ready.push(e);
      }, false, maxElement);
      cutter.resumeAt(plan.offset);
      const read = function* (): Generator<Annotation> {
        for (const e of ready) {
          const i = index++;
          if (i >= end) throw changed(i);
          // A plain <image> (most are) is built here; any other is the library's to parse.
          const node = parsePlain(e.text, e.offset, lib.metaDataSymbol) ?? parseElement(lib, e.text, 'image', e.offset);
          for (const a of reader.shapes(node, i, images[i]!)) yield { id: ++id, ...a };
        }
        ready.length = 0;
      };
      for await (const t of texts(input.range!(plan.byteStart, plan.byteEnd))) {
        cutter.push(t);
        yield* read();
      }
      cutter.end();
      yield* read();
      if (index !== end) throw changed(index);
    }
    const r = plan.refused;
    if (r !== undefined) throw new RleError(r.code, r.reason, { path: r.path, offset: r.offset, expected: r.expected, received: r.received });
    reader.finish();
  }
  return { images, categories: reader.categories, annotations: annotations(), inImageOrder: true };
}
