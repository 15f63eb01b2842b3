/**
 * A streamed reader for JSON files larger than memory whose bulk sits in arrays at the top
 * level (COCO's `annotations`, a results list, Encord's label rows). A structural scanner walks
 * the bytes, tracking only strings, escapes and depth, and cuts each top-level value — or, for
 * the arrays asked for, each element — out of the stream; `JSON.parse` parses the pieces. That
 * runs near JSON.parse's own speed (a token-by-token streaming parser runs at a tenth of it).
 *
 * The pieces together are the document, so the result agrees with `JSON.parse` of the whole
 * text: a piece JSON.parse accepts has balanced brackets, so the cut is where the parser would
 * put it, and the grammar between pieces (keys, colons, commas) is checked here. One UTF-8 BOM
 * at the start is skipped (as `decodeUtf8` drops it); anywhere else it is a character. Keys
 * come as they are, duplicates included, in file order: the caller lets the last one win.
 * Bad JSON is an RleError with the byte offset.
 */
import { checkJsonDepth, concatBytes, MAX_JSON_DEPTH } from './source.js';
import { bufferView, type ByteFinder } from './byte-finder.js';
import { RleError } from './errors.js';
import type { ByteSource } from './source.js';

/** What a top-level value is, from its first byte. */
export type JsonValueKind = 'array' | 'object' | 'string' | 'number' | 'literal';

/** What to do with a top-level value: parse its elements one at a time (arrays), parse it whole, or only scan it. */
export type JsonFieldAction = 'elements' | 'value' | 'skip';

export interface JsonScanHandler {
  /**
   * A key of the root object, at byte `offset` (of its opening quote), and what its value is.
   * Returns what to do with the value (default: 'value').
   */
  field?(key: string, kind: JsonValueKind, offset: number): JsonFieldAction;
  /** A parsed top-level value ('value' action). */
  value?(key: string, value: unknown): void;
  /**
   * An element of a top-level array ('elements' action; `key` null: the root is an array),
   * `offset` and `length` in bytes. Only called when `want` (if given) returns true.
   */
  element?(key: string | null, index: number, value: unknown, offset: number, length: number, fields?: unknown[]): void;
  /** Whether to parse element `index` (false: it is scanned, not parsed or checked). Default: all. */
  want?(key: string | null, index: number): boolean;
  /**
   * When true (for an array's key, or null for the root array), `element` receives each wanted
   * element's bytes instead of its value (parse them with {@link parseJsonBytes}): a caller that
   * holds elements a while holds their compact text, not objects. The bytes may be a view of
   * the chunk written: valid during the call only, copy them to keep them.
   */
  raw?: boolean | ((key: string | null) => boolean);
  /**
   * With `raw`: names of fields whose values `element` also receives (its `fields`, in this
   * order), as {@link objectFields} reads them, found while the element is cut (the cut loop notes
   * where its top-level strings start) instead of in a second scan of its bytes. `fields` is
   * undefined where objectFields would answer undefined.
   */
  fields?: readonly string[];
  /**
   * The most bytes one parsed value may take (a key, a top-level value, an element): more is
   * LIMIT_EXCEEDED at its start. Bad JSON that never closes a value (a stray quote) would
   * otherwise gather the rest of the input into one piece. Default: no limit.
   */
  maxPiece?: number;
}

const enum St { Start, Key, Colon, Value, AfterValue, Elem, AfterElem, End }
const enum Cut { None, Container, String, Scalar }

// Byte classes for the cut loop: 1 quote, 2 backslash, 3 open, 4 close.
const CLS = new Uint8Array(256);
CLS[0x22] = 1;
CLS[0x5c] = 2;
CLS[0x7b] = CLS[0x5b] = 3;
CLS[0x7d] = CLS[0x5d] = 4;
// Bytes that end a number or literal.
const DELIM = new Uint8Array(256);
for (const b of [0x2c, 0x7d, 0x5d, 0x20, 0x09, 0x0a, 0x0d]) DELIM[b] = 1;

const BOM = [0xef, 0xbb, 0xbf];

/*
 * The cut jumps from one structural byte to the next through a Buffer view of the chunk
 * (bufferView: Node's Buffer, whose indexOf of a byte is memchr, SIMD; none in a browser, where
 * the byte loop cuts). The jumps pay
 * a call per structural byte: on COCO files (polygons, RLE strings: tens to hundreds of bytes
 * between them) they cut 1.5–2× faster than the byte loop; on dense JSON ([[x, y], ...], small
 * objects, short strings) 1.5–3× slower. A per-chunk switch to the byte loop was tried: it cost
 * COCO reads more (a second hot path to compile, chunks misjudged) than it saved, so no switch.
 */

/** JSON's four blanks. */
export const isWs = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

// ignoreBOM: a U+FEFF inside the document is a character (which JSON.parse then refuses
// outside strings), never silently dropped.
const pieceDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8Length(s: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3;
  }
  return n;
}

function describeByte(b: number | undefined): string {
  if (b === undefined) return 'end of input';
  return b >= 0x20 && b < 0x7f ? JSON.stringify(String.fromCharCode(b)) : `byte 0x${b.toString(16).padStart(2, '0')}`;
}

/**
 * The push scanner: `write` chunks in order, then `end`. Handler calls happen inside `write`.
 * Memory: the piece being cut (one element, key or top-level value), nothing else.
 * @example
 * ```ts
 * // Cuts the root object's "annotations" array into elements as chunks arrive.
 * const ids: number[] = [];
 * const scanner = new JsonScanner({
 *   field: (key) => (key === 'annotations' ? 'elements' : 'skip'),
 *   element: (_key, _index, value) => ids.push((value as { id: number }).id),
 * });
 * scanner.write(encodeUtf8('{"images": [], "annotations": [{"id": 1}, {"id"'));
 * scanner.write(encodeUtf8(': 2}]}'));
 * scanner.end();
 * ids; // → [1, 2]
 * ```
 */
export class JsonScanner {
  private st = St.Start;
  private pos = 0; // bytes before the current chunk
  private root: 'object' | 'array' | undefined;
  private first = true; // no key / element yet in the current container
  private key: string | null = null;
  private action: JsonFieldAction = 'value';
  private index = 0;
  // The piece being cut: its start offset, the chunks that hold it, and the cut state.
  private cut = Cut.None;
  private cutStart = 0;
  private parts: Uint8Array[] = [];
  private partBytes = 0; // bytes of the piece gathered from earlier chunks
  private depth = 0;
  private inStr = false;
  private esc = false;
  private keep = true; // whether the piece is parsed or only scanned

  constructor(private readonly h: JsonScanHandler, private readonly expected = 'JSON') {}

  /**
   * A scanner that starts at byte `offset` of a document, inside the array under the root
   * object's `key` (cut into elements, as `field` returning 'elements' asks): before an element
   * (after a comma: `after` false) or just after one (`after` true), the next element numbered
   * `index`. From there it reports what a scanner from the document's start reports, when that
   * scanner is in this state at `offset`: a caller scanning a range of a large array elsewhere
   * (another thread) checks that it is, as COCO's --jobs planning does.
   */
  static inArray(h: JsonScanHandler, expected: string, at: { offset: number; key: string | null; index: number; after: boolean }): JsonScanner {
    const s = new JsonScanner(h, expected);
    // key null: the root array itself (a JSON list's records).
    s.root = at.key === null ? 'array' : 'object';
    s.key = at.key;
    s.action = 'elements';
    s.raw = typeof h.raw === 'function' ? h.raw(at.key) : h.raw === true;
    s.st = at.after ? St.AfterElem : St.Elem;
    s.first = false;
    s.index = at.index;
    s.pos = at.offset;
    return s;
  }

  /** Which container the root is, once seen. */
  get rootKind(): 'object' | 'array' | undefined {
    return this.root;
  }

  write(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    // Where Node's Buffer is, the cut jumps from one structural byte to the next by indexOf
    // (memchr) instead of looking at each byte: the next of each kind, found once per chunk.
    this.find = bufferView(chunk);
    this.nq = this.nbs = this.nos = this.ncs = this.noc = this.ncc = -1;
    // One UTF-8 BOM at the very start is skipped, whatever the chunking.
    while (this.st === St.Start && this.pos + i < 3 && i < n && this.pos + i === this.bom && chunk[i] === BOM[this.bom]) (this.bom++, i++);
    if (this.bom > 0 && this.bom < 3 && i < n && this.st === St.Start) this.bad(this.pos + i, 'the rest of a UTF-8 byte order mark', chunk[i]!);
    while (i < n) {
      if (this.cut !== Cut.None) {
        const end = this.scanPiece(chunk, i);
        if (end < 0) {
          if (this.keep) {
            // A copy: the caller may reuse the chunk's memory for the next one (a file read into one buffer).
            this.parts.push(chunk.slice(i));
            this.partBytes += n - i;
            if (this.h.maxPiece !== undefined && this.partBytes > this.h.maxPiece) {
              throw new RleError('LIMIT_EXCEEDED', `A value of more than ${this.h.maxPiece} bytes`, { offset: this.cutStart, expected: `values of at most ${this.h.maxPiece} bytes (${this.expected})` });
            }
          }
          i = n;
          break;
        }
        if (this.keep) this.parts.push(chunk.subarray(i, end));
        i = end;
        this.finishPiece(this.pos + end);
        continue;
      }
      const b = chunk[i]!;
      if (isWs(b)) {
        i++;
        continue;
      }
      const at = this.pos + i;
      switch (this.st) {
        case St.Start:
          if (b === 0x7b) (this.root = 'object', this.st = St.Key);
          else if (b === 0x5b) {
            this.root = 'array';
            this.key = null;
            this.action = 'elements';
            this.st = St.Elem;
            this.index = 0;
            this.raw = typeof this.h.raw === 'function' ? this.h.raw(null) : this.h.raw === true;
          }
          else this.bad(at, 'an object or an array', b);
          this.first = true;
          i++;
          break;
        case St.Key:
          if (b === 0x7d && this.first) (this.st = St.End, i++);
          else if (b === 0x22) this.startPiece(at, Cut.String, true);
          else this.bad(at, this.first ? 'a key or }' : 'a key', b);
          break;
        case St.Colon:
          if (b !== 0x3a) this.bad(at, ':', b);
          this.st = St.Value;
          i++;
          break;
        case St.Value: {
          const kind: JsonValueKind = b === 0x5b ? 'array' : b === 0x7b ? 'object' : b === 0x22 ? 'string' : (b >= 0x30 && b <= 0x39) || b === 0x2d ? 'number' : 'literal';
          let action = this.h.field?.(this.key!, kind, this.keyStart) ?? 'value';
          if (action === 'elements' && kind !== 'array') action = 'value';
          this.action = action;
          if (action === 'elements') {
            this.raw = typeof this.h.raw === 'function' ? this.h.raw(this.key) : this.h.raw === true;
            this.st = St.Elem;
            this.first = true;
            this.index = 0;
            i++;
          } else {
            this.st = St.AfterValue;
            this.startValue(chunk, i, at, action === 'value');
          }
          break;
        }
        case St.AfterValue:
          if (b === 0x2c) this.st = St.Key;
          else if (b === 0x7d) this.st = St.End;
          else this.bad(at, ', or }', b);
          this.first = false;
          i++;
          break;
        case St.Elem:
          if (b === 0x5d && this.first) {
            this.closeArray();
            i++;
          } else {
            this.st = St.AfterElem;
            const want = this.h.want ? this.h.want(this.key, this.index) : true;
            this.startValue(chunk, i, at, want);
          }
          break;
        case St.AfterElem:
          if (b === 0x2c) (this.st = St.Elem, this.first = false, i++);
          else if (b === 0x5d) (this.closeArray(), i++);
          else this.bad(at, ', or ]', b);
          break;
        case St.End:
          this.bad(at, 'the end of the input', b);
      }
    }
    this.pos += n;
  }

  /** The input has ended: what is open is TRUNCATED; a number at the very end is complete. */
  end(): void {
    if (this.cut === Cut.Scalar) this.finishPiece(this.pos);
    if (this.st !== St.End || this.cut !== Cut.None) {
      throw new RleError('TRUNCATED', `${this.expected} ends before the document is complete`, { offset: this.pos, expected: this.expected });
    }
  }

  /**
   * After `end` threw TRUNCATED (or `write` LIMIT_EXCEEDED): the value that was being cut (when
   * it was parsed, not only scanned), its offset, and whose it is. Bad JSON inside it (a stray
   * quote) kept it from closing: parsing it finds the fault where JSON.parse of the whole text
   * would. `maxBytes`: only its first bytes (a prefix to look for the fault in, not a copy of all).
   */
  openPiece(maxBytes = Infinity): OpenPiece | undefined {
    if (this.cut === Cut.None || !this.keep) return undefined;
    // (Every part of an open piece was counted in partBytes: each came with a chunk that ended inside it.)
    const length = this.partBytes;
    const piece: OpenPiece = { offset: this.cutStart, bytes: maxBytes >= length ? concatBytes(this.parts) : headOf(this.parts, maxBytes), length, key: this.st === St.Key ? null : this.key };
    if (this.st === St.AfterElem) piece.index = this.index;
    return piece;
  }

  /**
   * After `end` threw TRUNCATED (or `write` LIMIT_EXCEEDED): the first fault in the value left
   * open (as parseJsonBytes reports it, at its byte offset in the input), or undefined when it
   * has none (the input ended inside a value that was good so far). Growing prefixes of it are
   * parsed (64 KiB, then 16 times more each time), so a fault near its start costs little
   * whatever the value's size, and no more than the value is held.
   */
  openFault(): RleError | undefined {
    const open = this.openPiece(0);
    if (open === undefined) return undefined;
    for (let n = 1 << 16; ; n *= 16) {
      const whole = n >= open.length;
      let bytes = this.openPiece(whole ? Infinity : n + 4)!.bytes;
      if (!whole) {
        // Cut where a character starts (a fatal decode would refuse half of one).
        let cut = n;
        while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
        bytes = bytes.subarray(0, cut);
      }
      try {
        parseJsonBytes(bytes, open.offset, this.expected);
      } catch (e) {
        // At the prefix's end: it is good as far as it goes (JSON.parse wants the rest).
        if (e instanceof RleError && (e.offset === undefined || e.offset < open.offset + bytes.length)) return e;
      }
      if (whole) return undefined;
    }
  }

  private keyStart = 0;
  private raw = false; // elements of the current array go out as bytes
  // Where the current piece's strings at depth 1 start (absolute offsets), when fields are asked for.
  private marks: number[] = [];
  private track = false;
  private bom = 0; // bytes of a leading BOM seen

  private closeArray(): void {
    if (this.root === 'array' && this.key === null) this.st = St.End;
    else this.st = St.AfterValue;
    this.first = false;
  }

  private startValue(chunk: Uint8Array, i: number, at: number, keep: boolean): void {
    const b = chunk[i]!;
    // The cut loop starts at the first byte: a bracket opens depth 1, a quote a string at depth 0.
    this.startPiece(at, b === 0x7b || b === 0x5b ? Cut.Container : b === 0x22 ? Cut.String : Cut.Scalar, keep);
  }

  private startPiece(at: number, cut: Cut, keep: boolean): void {
    this.cut = cut;
    this.cutStart = at;
    this.depth = 0;
    this.inStr = false;
    this.esc = false;
    this.keep = keep;
    this.parts.length = 0;
    this.partBytes = 0;
    this.track = keep && this.raw && this.h.fields !== undefined && this.st === St.AfterElem && cut === Cut.Container;
    if (this.track) this.marks.length = 0;
    if (this.st === St.Key) this.keyStart = at;
  }

  /** Advances the cut from `i`: the end index (exclusive) of the piece, or -1 when the chunk ends first. */
  private scanPiece(c: Uint8Array, i: number): number {
    const n = c.length;
    if (this.cut === Cut.Scalar) {
      for (; i < n; i++) if (DELIM[c[i]!] === 1) return i;
      return -1;
    }
    let depth = this.depth, inStr = this.inStr;
    const track = this.track, base = this.pos;
    // A backslash that ended the last chunk escapes this chunk's first byte.
    if (this.esc) (this.esc = false, i++);
    if (this.find !== undefined) return this.jump(this.find, i, depth, inStr);
    for (;;) {
      if (inStr) {
        // To the closing quote; an escaped byte is skipped whatever it is (at the chunk's end, the next chunk's first).
        for (;;) {
          if (i >= n) return this.save(depth, true);
          const d = c[i]!;
          if (d === 0x22) break;
          if (d !== 0x5c) i++;
          else if (i + 1 < n) i += 2;
          else {
            this.esc = true;
            return this.save(depth, true);
          }
        }
        i++;
        inStr = false;
        if (depth === 0) return i; // the end of a string piece (inside a container, depth > 0)
      }
      // Past the bytes that change nothing (a polygon's digits, commas and spaces), four at a time.
      const n4 = n - 3;
      while (i < n4 && (CLS[c[i]!]! | CLS[c[i + 1]!]! | CLS[c[i + 2]!]! | CLS[c[i + 3]!]!) === 0) i += 4;
      while (i < n && CLS[c[i]!] === 0) i++;
      if (i >= n) return this.save(depth, false);
      const k = CLS[c[i]!]!;
      if (k === 1) {
        inStr = true;
        if (depth === 1 && track) this.marks.push(base + i);
      } else if (k === 3) depth++;
      else if (k === 4 && --depth === 0) return i + 1;
      i++; // (a backslash outside a string changes nothing here: JSON.parse refuses it)
    }
  }

  // The next quote, backslash, [, ], { and } of the chunk at or after where they were looked for
  // (n: none); valid while the cut moves forward through the same chunk.
  private find: ByteFinder | undefined;
  private nq = -1;
  private nbs = -1;
  private nos = -1;
  private ncs = -1;
  private noc = -1;
  private ncc = -1;

  /** scanPiece by indexOf: from one structural byte to the next (the same cut as the byte loop). */
  private jump(c: ByteFinder, i: number, depth: number, inStr: boolean): number {
    const n = c.length;
    // The cache in locals while the cut runs (written back when it stops).
    let nq = this.nq, nbs = this.nbs, nos = this.nos, ncs = this.ncs, noc = this.noc, ncc = this.ncc;
    let end = -1;
    for (;;) {
      if (inStr) {
        for (;;) {
          if (nq < i) (nq = c.indexOf(0x22, i)) < 0 && (nq = n);
          if (nbs < i) (nbs = c.indexOf(0x5c, i)) < 0 && (nbs = n);
          if (nbs < nq) {
            // An escape before the quote: the escaped byte is skipped (at the chunk's end, the next chunk's first).
            if (nbs + 1 < n) {
              i = nbs + 2;
              continue;
            }
            this.esc = true;
            break;
          }
          if (nq < n) (i = nq + 1, (inStr = false));
          break;
        }
        if (inStr) break; // the chunk ends inside the string
        if (depth === 0) {
          end = i; // the end of a string piece (inside a container, depth > 0)
          break;
        }
      }
      if (nq < i) (nq = c.indexOf(0x22, i)) < 0 && (nq = n);
      if (nos < i) (nos = c.indexOf(0x5b, i)) < 0 && (nos = n);
      if (ncs < i) (ncs = c.indexOf(0x5d, i)) < 0 && (ncs = n);
      if (noc < i) (noc = c.indexOf(0x7b, i)) < 0 && (noc = n);
      if (ncc < i) (ncc = c.indexOf(0x7d, i)) < 0 && (ncc = n);
      let m = nq;
      if (nos < m) m = nos;
      if (ncs < m) m = ncs;
      if (noc < m) m = noc;
      if (ncc < m) m = ncc;
      if (m >= n) break;
      i = m + 1;
      if (m === nq) {
        inStr = true;
        if (depth === 1 && this.track) this.marks.push(this.pos + m);
      } else if (m === nos || m === noc) depth++;
      else if (--depth === 0) {
        end = i;
        break;
      }
    }
    this.nq = nq, this.nbs = nbs, this.nos = nos, this.ncs = ncs, this.noc = noc, this.ncc = ncc;
    return end >= 0 ? end : this.save(depth, inStr);
  }

  private save(depth: number, inStr: boolean): number {
    this.depth = depth;
    this.inStr = inStr;
    return -1;
  }

  private finishPiece(endAt: number): void {
    const cut = this.cut;
    this.cut = Cut.None;
    const start = this.cutStart;
    if (this.st === St.Key && cut === Cut.String) {
      const key = this.parse(start);
      this.key = key as string;
      this.st = St.Colon;
      return;
    }
    if (!this.keep) {
      this.parts.length = 0;
      if (this.st === St.AfterElem) this.index++;
      return;
    }
    if (this.st === St.AfterElem && this.raw) {
      const bytes = concatBytes(this.parts);
      const fields = this.track ? fieldsAt(bytes, this.marks, start, this.h.fields!) : undefined;
      this.h.element?.(this.key, this.index, bytes, start, endAt - start, fields);
      this.parts.length = 0;
      this.index++;
      return;
    }
    const value = this.parse(start);
    if (this.st === St.AfterElem) {
      this.h.element?.(this.key, this.index, value, start, endAt - start);
      this.index++;
    } else {
      this.h.value?.(this.key!, value);
    }
  }

  private parse(start: number): unknown {
    const bytes = concatBytes(this.parts);
    this.parts.length = 0;
    return parseJsonBytes(bytes, start, this.expected);
  }

  private bad(at: number, expected: string, b: number): never {
    throw new RleError('INVALID_STRUCTURE', 'Not valid JSON', { offset: at, expected: `${expected} (${this.expected})`, received: describeByte(b) });
  }
}

/** What {@link JsonScanner.openPiece} tells of the value that was being cut when the input ended. */
export interface OpenPiece {
  /** Its first byte's offset in the input. */
  offset: number;
  /** Its bytes as far as they came (only the first `maxBytes` of them when asked for fewer). */
  bytes: Uint8Array;
  /** How many bytes of it came. */
  length: number;
  /** The top-level key it is the value (or an element) of; null for a key or an element of a root array. */
  key: string | null;
  /** When it is an element of an array: its index. */
  index?: number;
}

/** The first `n` bytes of the parts, in one array. */
function headOf(parts: readonly Uint8Array[], n: number): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(Math.min(n, total));
  for (let k = 0, o = 0; o < out.length; k++) {
    const p = parts[k]!.subarray(0, out.length - o);
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * One JSON value from its UTF-8 bytes, which start at byte `offset` of the input: bad UTF-8 or
 * JSON is an RleError at the byte offset of the fault.
 * @example
 * ```ts
 * parseJsonBytes(encodeUtf8('{"id": 7}')); // → { id: 7 }
 * ```
 */
export function parseJsonBytes(bytes: Uint8Array, offset = 0, expected = 'JSON'): unknown {
  let text: string;
  try {
    text = pieceDecoder.decode(bytes);
  } catch (e) {
    if (e instanceof RangeError) throw new RleError('LIMIT_EXCEEDED', `A value of ${bytes.length} bytes is longer than a JavaScript string can hold`, { offset, expected, cause: e });
    throw new RleError('INVALID_TOKEN', 'Input is not valid UTF-8', { offset, cause: e });
  }
  // Each piece is bounded in depth as parseJson bounds a whole file (writers recurse into what is
  // kept); a piece sits at most two levels down (the root, then a list), counted as the file's levels.
  try {
    checkJsonDepth(text, MAX_JSON_DEPTH - 2, expected);
  } catch (e) {
    // The offset within the piece, made an offset in the input (pieces are ASCII up to there in practice; bytes otherwise).
    if (e instanceof RleError && e.offset !== undefined) throw new RleError(e.code, e.message, { ...(e.path ? { path: e.path } : {}), offset: offset + e.offset, ...(e.expected ? { expected: e.expected } : {}) });
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : '';
    const m = /position (\d+)/.exec(msg);
    const at = offset + (m ? utf8Length(text, Math.min(Number(m[1]), text.length)) : bytes.length);
    throw new RleError('INVALID_STRUCTURE', `Not valid JSON${msg ? `: ${msg.slice(0, 100)}` : ''}`, { offset: at, expected, cause: e });
  }
}

/**
 * Scans a whole source (or stream of chunks) with `handler`. Chunks are fed in pieces of at
 * most 1 MiB so a caller that yields between writes keeps bounded queues.
 * @example
 * ```ts
 * const sizes: number[] = [];
 * const root = await scanJson(bytesSource(encodeUtf8('[{"id": 1}, {"id": 22}]')), { element: (_k, _i, _v, _offset, length) => sizes.push(length) });
 * [root, sizes]; // → ['array', [9, 10]]
 * ```
 */
export async function scanJson(input: ByteSource | AsyncIterable<Uint8Array>, handler: JsonScanHandler, expected = 'JSON'): Promise<'object' | 'array'> {
  const scanner = new JsonScanner(handler, expected);
  const chunks = 'kind' in input && (input as ByteSource).kind === 'bytes' ? (input as ByteSource).stream() : (input as AsyncIterable<Uint8Array>);
  for await (const chunk of chunks) scanner.write(chunk);
  scanner.end();
  return scanner.rootKind!;
}

const keyBytes = new WeakMap<readonly string[], number[][]>();

function keysOf(names: readonly string[]): number[][] {
  let keys = keyBytes.get(names);
  if (keys === undefined) keyBytes.set(names, (keys = names.map((k) => Array.from(k, (c) => c.charCodeAt(0)))));
  return keys;
}

/**
 * objectFields' answer for an object whose top-level strings start at `marks` (offsets in the
 * input; the object starts at `start`): only those strings are looked at, not every byte.
 */
function fieldsAt(b: Uint8Array, marks: readonly number[], start: number, names: readonly string[]): unknown[] | undefined {
  if (b[0] !== 0x7b) return undefined;
  const keys = keysOf(names);
  const out: unknown[] = new Array(names.length);
  const n = b.length;
  let past = 0; // the end of the last value read: a string inside it is no key (as objectFields skips it)
  for (let m = 0; m < marks.length; m++) {
    let i = marks[m]! - start;
    if (i < past) continue;
    const s0 = i + 1;
    let escaped = false;
    i++;
    while (i < n) {
      const d = b[i]!;
      if (d === 0x5c) (escaped = true, (i += 2));
      else if (d === 0x22) break;
      else i++;
    }
    if (i >= n) return undefined;
    const end = i++;
    while (i < n && isWs(b[i]!)) i++;
    if (b[i] !== 0x3a) continue; // a string value, not a key
    if (escaped) return undefined;
    const which = keyIndex(b, s0, end, keys);
    if (which < 0) continue;
    i++;
    while (i < n && isWs(b[i]!)) i++;
    const vs = i;
    i = scalarEnd(b, vs);
    if (i < 0) return undefined;
    past = i;
    const v = scalarAt(b, vs, i);
    if (v === NOT_JSON) return undefined;
    out[which] = v;
  }
  return out;
}

const NOT_JSON = Symbol('not JSON');

/**
 * The scalar JSON value in bytes [start, end) of `b`, or NOT_JSON. An integer of up to 15 digits
 * (an id, nearly always) is read from its digits; anything else goes through JSON.parse.
 */
function scalarAt(b: Uint8Array, start: number, end: number): unknown {
  let i = start;
  const neg = b[i] === 0x2d;
  if (neg) i++;
  const len = end - i;
  if (len >= 1 && len <= 15 && (b[i] !== 0x30 || len === 1)) {
    let v = 0;
    for (; i < end; i++) {
      const d = b[i]! - 0x30;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (i === end) return neg ? -v : v;
  }
  try {
    return JSON.parse(pieceDecoder.decode(b.subarray(start, end)));
  } catch {
    return NOT_JSON;
  }
}

/**
 * The values of a few keys of a JSON object, from its bytes, without parsing the rest (a pass
 * that needs an annotation's image_id reads 2 small values, not its polygons). Keys at depth 1
 * are matched byte for byte, the last of a repeated key wins, as in JSON.parse. Returns
 * undefined when it cannot answer exactly — not an object, an escaped key, a container value,
 * bytes that are not JSON — and the caller parses the whole value instead.
 * @example
 * ```ts
 * // Two fields of an object's bytes, without parsing the rest of it.
 * objectFields(encodeUtf8('{"id": 3, "segmentation": [[1, 2, 3]], "image_id": 9}'), ['image_id', 'id']); // → [9, 3]
 * ```
 */
export function objectFields(b: Uint8Array, names: readonly string[]): unknown[] | undefined {
  // The same names come for every element of a file: their bytes are worked out once.
  const keys = keysOf(names);
  const out: unknown[] = new Array(names.length);
  const n = b.length;
  if (b[0] !== 0x7b) return undefined;
  let depth = 1;
  let i = 1;
  while (i < n) {
    const c = b[i]!;
    if (c === 0x22) {
      const start = i + 1;
      let escaped = false;
      i++;
      while (i < n) {
        const d = b[i]!;
        if (d === 0x5c) (escaped = true, (i += 2));
        else if (d === 0x22) break;
        else i++;
      }
      if (i >= n) return undefined;
      const end = i++;
      if (depth !== 1) continue;
      let j = i;
      while (j < n && isWs(b[j]!)) j++;
      if (b[j] !== 0x3a) continue; // a string value, not a key
      if (escaped) return undefined;
      const which = keyIndex(b, start, end, keys);
      i = j + 1;
      if (which < 0) continue;
      while (i < n && isWs(b[i]!)) i++;
      const vs = i;
      i = scalarEnd(b, vs);
      if (i < 0) return undefined;
      const v = scalarAt(b, vs, i);
      if (v === NOT_JSON) return undefined;
      out[which] = v;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    i++;
    // Past the bytes that change nothing here (a polygon's digits, commas and spaces) at once.
    while (i < n && CLS[b[i]!] === 0) i++;
  }
  return out;
}

/** Which of `keys` (their UTF-8 bytes, from keysOf) the bytes [start, end) of `b` spell, or -1. */
function keyIndex(b: Uint8Array, start: number, end: number, keys: readonly (readonly number[])[]): number {
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    if (key.length !== end - start) continue;
    let q = 0;
    while (q < key.length && b[start + q] === key[q]) q++;
    if (q === key.length) return k;
  }
  return -1;
}

/**
 * Where the scalar value starting at `i` ends: a string just past its closing quote, a literal or
 * number at its delimiter; -1 for a container, no value, or a string that does not end.
 */
function scalarEnd(b: Uint8Array, i: number): number {
  const n = b.length;
  const v0 = b[i];
  if (v0 === 0x7b || v0 === 0x5b || v0 === undefined) return -1;
  if (v0 === 0x22) {
    i++;
    while (i < n && b[i] !== 0x22) i += b[i] === 0x5c ? 2 : 1;
    return i >= n ? -1 : i + 1;
  }
  while (i < n && DELIM[b[i]!] !== 1) i++;
  return i;
}

/**
 * Pulls a stream's first chunks into `heads` up to its first non-blank byte (after a UTF-8 BOM)
 * and returns that byte: undefined when the stream ends, or 4 KiB of blanks pass, first. A
 * streamed reader decides from it how to read (a list, an object, anything else whole) and
 * then reads {@link replayHeads}.
 */
export async function firstJsonByte(it: AsyncIterator<Uint8Array>, heads: Uint8Array[]): Promise<number | undefined> {
  for (let seen = 0; seen <= 4096;) {
    // Copied before the next read: a source's range may reuse the buffer of the chunk before.
    if (heads.length > 0) heads[heads.length - 1] = new Uint8Array(heads[heads.length - 1]!);
    const r = await it.next();
    if (r.done) return undefined;
    heads.push(r.value);
    let i = seen === 0 && r.value[0] === 0xef && r.value[1] === 0xbb && r.value[2] === 0xbf ? 3 : 0;
    while (i < r.value.length && isWs(r.value[i]!)) i++;
    seen += r.value.length;
    if (i < r.value.length) return r.value[i];
  }
  return undefined;
}

/**
 * Ends a source's read that its reader leaves early (`return()`: a file's handle is closed). A
 * failure to close is not the reader's error: the reader's own, if any, is the one thrown.
 */
export async function closeQuietly(it: AsyncIterator<unknown>): Promise<void> {
  try {
    await it.return?.();
  } catch {
    // the read was already failing or closed
  }
}

/**
 * A source that gives `heads`, then the rest of `it`, once. `copy`: each chunk of `it` copied (it
 * reads by range into a reused buffer, and the reader may keep chunks, as readAllBytes does).
 */
export function replayHeads(name: string, heads: Uint8Array[], it: AsyncIterator<Uint8Array>, copy = false): ByteSource {
  return {
    kind: 'bytes', name,
    async *stream() {
      try {
        for (const h of heads) yield copy ? new Uint8Array(h) : h;
        for (let r = await it.next(); !r.done; r = await it.next()) yield copy ? new Uint8Array(r.value) : r.value;
      } finally {
        // A reader that stops early (an error, enough read) closes the source's read too: a file's handle.
        await closeQuietly(it);
      }
    },
  };
}
