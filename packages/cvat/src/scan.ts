/**
 * Cuts a CVAT XML document, fed as text in pieces of any size, into the root's `<image>` and
 * `<track>` children (each element whole, as text, as its last byte arrives) and an outline: the
 * document with each of those children replaced by an empty element of the same name (`<image/>`),
 * a few bytes per image. The outline (prolog, root, version, meta) and each element are then
 * validated and parsed on their own by the same library as a whole read, which sees the same
 * characters between the same tags.
 *
 * The scanner only finds where elements start and end, with the rules of fast-xml-parser's
 * validator: comments end at the first `-->`, CDATA at the first `]]>`, processing instructions
 * at the first `?>`, and a tag at the first `>` outside a quoted attribute value (so `>` and
 * `<image` inside values are values). Whether what it cut is well-formed is the validator's call.
 */
import { RleError } from '@rlekit/core';
import { ATTR, LIST_TAGS, type XmlNode } from './xml.js';

/** One root child cut out: its name, text, and where it starts in the document (UTF-16 offset, as a whole read's). */
export interface XmlElement {
  tag: string;
  text: string;
  offset: number;
  /** Length of its start tag (`<image ...>`), for reading its attributes alone. */
  headLength: number;
}

const LT = 0x3c, GT = 0x3e, SLASH = 0x2f, BANG = 0x21, QUESTION = 0x3f, DQ = 0x22, SQ = 0x27;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

const enum Mode { Text, Lt, Pi, Comment, Cdata, Tag }

/** Children cut out of the root; any other child stays in the outline. */
const CUT = new Set(['image', 'track']);

export class XmlSplitter {
  private buf = '';
  /** Document offset of buf[0]. */
  private base = 0;
  private mode = Mode.Text;
  /** Open elements: 0 before the root, 1 inside it, 2 inside one of its children. */
  private depth = 0;
  // The tag being scanned.
  private quote = 0;
  private closing = false;
  private name = '';
  private naming = false;
  private last = 0;
  // The child being cut out (undefined: text goes to the outline).
  private element: { parts: string[]; length: number; offset: number; tag: string; headLength: number } | undefined;
  private readonly outlineParts: string[] = [];
  private readonly outlineDone: string[] = [];
  private outlineLength = 0;
  /** Outline offset → document offset, at every cut: pairs (outline offset, document offset). */
  private readonly marks: number[] = [0, 0];

  /**
   * `keepOutline`: build the outline (the first pass); `maxElement`: longest element cut out, in
   * UTF-16 units (one that never ends would otherwise gather the rest of the file).
   */
  constructor(private readonly onElement: (e: XmlElement) => void, private readonly keepOutline = true, private readonly maxElement = 0x1fffffe8) {}

  /**
   * Starts at a root child's `<` at document offset `offset` (a shard's second pass, from the byte
   * where its first image starts): the state a scan from the start has there.
   */
  resumeAt(offset: number): void {
    this.base = offset;
    this.depth = 1;
  }

  /** Characters fed so far: the document's length once it has ended. */
  get length(): number {
    return this.base + this.buf.length;
  }

  /** The outline, once the document has ended. */
  outline(): string {
    return this.outlineDone.join('') + this.outlineParts.join('');
  }

  /** Where an outline offset is in the document. */
  mapOffset = (at: number): number => {
    const m = this.marks;
    let lo = 0, hi = m.length / 2 - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (m[2 * mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return m[2 * lo + 1]! + (at - m[2 * lo]!);
  };

  /** Whether the document ended inside a root child that was being cut out. */
  get inElement(): boolean {
    return this.element !== undefined;
  }

  /** The root child the document ended in, as far as it goes. */
  partial(): { text: string; offset: number } | undefined {
    const e = this.element;
    return e === undefined ? undefined : { text: e.parts.join(''), offset: e.offset };
  }

  private emit(s: string): void {
    if (s.length === 0) return;
    const e = this.element;
    if (e !== undefined) {
      e.parts.push(s);
      e.length += s.length;
      if (e.length > this.maxElement) {
        throw new RleError('LIMIT_EXCEEDED', `An <${e.tag}> element is longer than the streamed read holds`, { path: ['annotations', e.tag], offset: e.offset, expected: `elements of at most ${this.maxElement} characters (read option maxBytes)` });
      }
    } else if (this.keepOutline) this.toOutline(s);
  }

  private toOutline(s: string): void {
    this.outlineParts.push(s);
    this.outlineLength += s.length;
    // Joined now and then: the parts are slices of the chunks fed, and would keep every chunk alive.
    if (this.outlineParts.length >= 4096) {
      this.outlineDone.push(this.outlineParts.join(''));
      this.outlineParts.length = 0;
    }
  }

  /** Feeds the next piece of text. */
  push(text: string): void {
    this.buf = this.buf.length === 0 ? text : this.buf + text;
    this.run(false);
  }

  /** The document has ended. */
  end(): void {
    this.run(true);
    this.emit(this.buf);
    this.base += this.buf.length;
    this.buf = '';
  }

  /** Consumes buf[0, n) into the current destination. */
  private take(n: number): void {
    if (n <= 0) return;
    this.emit(n === this.buf.length ? this.buf : this.buf.slice(0, n));
    this.buf = n === this.buf.length ? '' : this.buf.slice(n);
    this.base += n;
  }

  private run(eof: boolean): void {
    for (;;) {
      const buf = this.buf;
      switch (this.mode) {
        case Mode.Text: {
          const lt = buf.indexOf('<');
          if (lt < 0) {
            this.take(buf.length);
            return;
          }
          this.take(lt);
          this.mode = Mode.Lt;
          break;
        }
        case Mode.Lt: {
          // Up to '<![CDATA[' to tell what starts here.
          if (buf.length < 9 && !eof) return;
          const c1 = buf.charCodeAt(1);
          if (c1 === QUESTION) this.skipTo(Mode.Pi, 2);
          else if (c1 === BANG) {
            if (buf.startsWith('<!--')) this.skipTo(Mode.Comment, 4);
            else if (buf.startsWith('<![CDATA[')) this.skipTo(Mode.Cdata, 9);
            else {
              // Neither: text, as the validator reads it.
              this.take(1);
              this.mode = Mode.Text;
            }
          } else if (buf.length < 2) {
            // A '<' at the very end.
            this.take(buf.length);
            this.mode = Mode.Text;
            return;
          } else {
            this.closing = c1 === SLASH;
            this.quote = 0;
            this.name = '';
            this.naming = true;
            this.last = 0;
            // A child of the root starts: cut it out (given back to the outline below if it is not one we cut).
            if (!this.closing && this.depth === 1) this.element = { parts: [], length: 0, offset: this.base, tag: '', headLength: 0 };
            this.scanTag(this.closing ? 2 : 1, eof);
            if ((this.mode as Mode) === Mode.Tag) return;
          }
          break;
        }
        case Mode.Pi:
        case Mode.Comment:
        case Mode.Cdata: {
          const end = this.mode === Mode.Pi ? '?>' : this.mode === Mode.Comment ? '-->' : ']]>';
          const at = buf.indexOf(end);
          if (at < 0) {
            // Keep what could be the start of the end marker.
            this.take(eof ? buf.length : buf.length - (end.length - 1));
            return;
          }
          this.take(at + end.length);
          this.mode = Mode.Text;
          break;
        }
        case Mode.Tag:
          this.scanTag(0, eof);
          if (this.mode === Mode.Tag) return;
          break;
      }
      if (this.buf.length === 0) return;
    }
  }

  /** Comment, CDATA or PI: consume its opening and look for its end. */
  private skipTo(mode: Mode, open: number): void {
    this.take(Math.min(open, this.buf.length));
    this.mode = mode;
  }

  /** Scans a tag from buf[i] to its '>' (outside quotes), then counts the element it opens or closes. */
  private scanTag(i: number, eof: boolean): void {
    const buf = this.buf;
    const n = buf.length;
    this.mode = Mode.Tag;
    let c = 0;
    // The state of the tag in locals while scanning (fields per character were a third of the scan), stored back after.
    let quote = this.quote, last = this.last;
    for (; i < n; i++) {
      if (quote !== 0) {
        const q = buf.indexOf(quote === DQ ? '"' : "'", i);
        if (q < 0) {
          i = n;
          break;
        }
        i = q;
        quote = 0;
        last = DQ;
        continue;
      }
      c = buf.charCodeAt(i);
      if (this.naming) {
        // The name runs to a blank or '>' (quotes in it are the validator's to refuse); its first 64 characters are kept, taken in one slice.
        const from = i;
        while (c === c && c !== GT && !isSpace(c)) c = buf.charCodeAt(++i);
        if (this.name.length < 64) this.name += buf.slice(from, Math.min(i, from + 64 - this.name.length));
        if (i > from) last = buf.charCodeAt(i - 1);
        if (i >= n) break;
        this.naming = false;
      }
      if (c === DQ || c === SQ) quote = c;
      else if (c === GT) break;
      last = c;
    }
    this.quote = quote;
    this.last = last;
    if (i >= n) {
      this.take(n);
      if (eof) this.mode = Mode.Text;
      return;
    }
    const selfClosing = this.last === SLASH;
    const e = this.element;
    if (e !== undefined && e.tag === '') {
      const tag = this.name.endsWith('/') ? this.name.slice(0, -1) : this.name;
      if (CUT.has(tag)) {
        e.tag = tag;
        e.headLength = this.base + i + 1 - e.offset;
      } else {
        // Not cut out: what was gathered goes to the outline, and so does the rest of this child.
        this.element = undefined;
        this.emit(e.parts.join(''));
      }
    }
    this.take(i + 1);
    this.mode = Mode.Text;
    if (this.closing) this.depth = Math.max(0, this.depth - 1);
    else if (!selfClosing) this.depth++;
    const done = this.element;
    if (done !== undefined && this.depth <= 1) {
      this.element = undefined;
      const text = done.parts.join('');
      if (this.keepOutline) {
        const stub = `<${done.tag}/>`;
        this.marks.push(this.outlineLength, done.offset);
        this.toOutline(stub);
        this.marks.push(this.outlineLength, this.base);
      }
      this.onElement({ tag: done.tag, text, offset: done.offset, headLength: done.headLength });
    }
  }
}

/** XML name characters the quick check below accepts: a subset of what the validator's isName does. */
function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}

/**
 * Whether fast-xml-parser's validator surely accepts `text`, one element cut out of a document, by
 * a quick scan of a plain form of it: tags with ASCII names, attributes `name="value"` (or '…')
 * separated by blanks, none repeated, matching end tags, text without `&`, nothing after the
 * element. Anything else (comments, CDATA, PIs, entities, other spacing) is false: not refused,
 * but left to the validator, whose errors are the read's. The validator builds strings character
 * by character (long rle values most of all): this check is several times faster.
 */
export function plainElement(text: string, children?: { shapes: number; boxes: number }): boolean {
  const n = text.length;
  // Open elements: where each name starts and its length.
  const open: number[] = [];
  // Attribute names of the current tag: start, length pairs.
  const names: number[] = [];
  let i = 0, amp = 0;
  if (text.charCodeAt(0) !== LT) return false;
  for (;;) {
    // At a '<'.
    let c = text.charCodeAt(++i);
    if (c === SLASH) {
      const start = ++i;
      while (i < n && isNameChar(text.charCodeAt(i))) i++;
      if (open.length === 0) return false;
      const len = open.pop()!, at = open.pop()!;
      if (i - start !== len || text.charCodeAt(i) !== GT) return false;
      for (let k = 0; k < len; k++) if (text.charCodeAt(start + k) !== text.charCodeAt(at + k)) return false;
      i++;
      if (open.length === 0) return i === n;
    } else {
      if (!isNameStart(c)) return false;
      const start = i;
      while (i < n && isNameChar(text.charCodeAt(i))) i++;
      const nameLength = i - start;
      // The element's own <mask>, <polygon> and <box> children (open holds two numbers per element).
      if (children !== undefined && open.length === 2) {
        if ((nameLength === 4 && text.startsWith('mask', start)) || (nameLength === 7 && text.startsWith('polygon', start))) children.shapes++;
        else if (nameLength === 3 && text.startsWith('box', start)) children.boxes++;
      }
      names.length = 0;
      let self = false;
      for (;;) {
        c = text.charCodeAt(i);
        if (c === GT) break;
        if (c === SLASH) {
          if (text.charCodeAt(i + 1) !== GT) return false;
          self = true;
          i++;
          break;
        }
        if (!isSpace(c)) return false;
        while (isSpace(c)) c = text.charCodeAt(++i);
        if (c === GT || c === SLASH) continue;
        // name="value"
        if (!isNameStart(c)) return false;
        const a = i;
        while (i < n && isNameChar(text.charCodeAt(i))) i++;
        const len = i - a;
        if (text.charCodeAt(i) !== 0x3d) return false;
        const q = text.charCodeAt(++i);
        if (q !== DQ && q !== SQ) return false;
        const close = text.indexOf(q === DQ ? '"' : "'", i + 1);
        if (close < 0) return false;
        for (let k = 0; k < names.length; k += 2) {
          if (names[k + 1] !== len) continue;
          let same = true;
          for (let m = 0; m < len && same; m++) same = text.charCodeAt(names[k]! + m) === text.charCodeAt(a + m);
          if (same) return false;
        }
        names.push(a, len);
        i = close + 1;
      }
      i++; // past '>'
      if (self) {
        if (open.length === 0) return i === n;
      } else open.push(start, nameLength);
    }
    // Text up to the next '<': no entity or reference in it (the validator checks those).
    const lt = text.indexOf('<', i);
    if (lt < 0) return false;
    // The next '&' is looked for again only once passed (text with none is searched once).
    if (amp >= 0 && amp < i) amp = text.indexOf('&', i);
    if (amp >= 0 && amp < lt) return false;
    i = lt;
  }
}

/**
 * The names a document repeats (tags, attribute names), each made once: a name read again is
 * found by its first character and length and compared in place, not sliced out (a new string
 * each time, hashed again when used as a key). `prefix` is put before each (`@_` for attributes).
 */
class Names {
  private readonly names: (string | undefined)[] = new Array<string | undefined>(2048).fill(undefined);
  private readonly keys: string[] = new Array<string>(2048).fill('');

  constructor(private readonly prefix: string) {}

  /** `prefix + text.slice(from, to)`. */
  at(text: string, from: number, to: number): string {
    const length = to - from;
    const slot = ((text.charCodeAt(from) & 63) << 5) | (length & 31);
    const name = this.names[slot];
    if (name !== undefined && name.length === length && text.startsWith(name, from)) return this.keys[slot]!;
    const made = text.slice(from, to);
    this.names[slot] = made;
    return (this.keys[slot] = this.prefix + made);
  }
}

const tagNames = new Names('');
const attributeKeys = new Names(ATTR);

interface Open {
  node: XmlNode;
  start: number;
  name: number;
  nameLength: number;
  content: number;
  children: boolean;
}

/**
 * The tree of one plain element (as {@link plainElement} defines it) at `offset` in the document:
 * what fast-xml-parser's parse of it gives for every value the reader reads (attributes under
 * `@_name`, children by tag in lists, a leaf's text under `#text`, offsets under `meta`), several
 * times faster. Undefined (for the library to parse) unless every element has attributes and a tag
 * the parser always lists; the text between child elements, which the reader never reads, is not kept.
 */
export function parsePlain(text: string, offset: number, meta: symbol): XmlNode | undefined {
  const n = text.length;
  const open: Open[] = [];
  let root: XmlNode | undefined;
  let i = 0, amp = 0;
  // The library reads CR LF and CR as LF (offsets included).
  if (text.charCodeAt(0) !== LT || text.indexOf('\r') >= 0) return undefined;
  for (;;) {
    const lt = i;
    let c = text.charCodeAt(++i);
    if (c === SLASH) {
      const start = ++i;
      while (i < n && isNameChar(text.charCodeAt(i))) i++;
      const o = open.pop();
      if (o === undefined || i - start !== o.nameLength || text.charCodeAt(i) !== GT) return undefined;
      for (let k = 0; k < o.nameLength; k++) if (text.charCodeAt(start + k) !== text.charCodeAt(o.name + k)) return undefined;
      i++;
      if (!o.children && lt > o.content) o.node['#text'] = text.slice(o.content, lt);
      (o.node as Record<symbol, unknown>)[meta] = { startIndex: offset + o.start, endIndex: offset + i };
      if (open.length === 0) return i === n ? root : undefined;
    } else {
      if (!isNameStart(c)) return undefined;
      const name = i;
      while (i < n && isNameChar(text.charCodeAt(i))) i++;
      const nameLength = i - name;
      const tag = tagNames.at(text, name, i);
      if (!LIST_TAGS.has(tag) || open.length > 32) return undefined;
      const node: XmlNode = {};
      let attributes = 0, self = false;
      for (;;) {
        c = text.charCodeAt(i);
        if (c === GT) break;
        if (c === SLASH) {
          if (text.charCodeAt(i + 1) !== GT) return undefined;
          self = true;
          i++;
          break;
        }
        if (!isSpace(c)) return undefined;
        while (isSpace(c)) c = text.charCodeAt(++i);
        if (c === GT || c === SLASH) continue;
        if (!isNameStart(c)) return undefined;
        const a = i;
        while (i < n && isNameChar(text.charCodeAt(i))) i++;
        const key = attributeKeys.at(text, a, i);
        if (text.charCodeAt(i) !== 0x3d) return undefined;
        const q = text.charCodeAt(++i);
        if (q !== DQ && q !== SQ) return undefined;
        const close = text.indexOf(q === DQ ? '"' : "'", i + 1);
        if (close < 0 || Object.hasOwn(node, key)) return undefined;
        node[key] = text.slice(i + 1, close);
        attributes++;
        i = close + 1;
      }
      // An element without attributes is a string in the library's tree.
      if (attributes === 0) return undefined;
      i++;
      const parent = open[open.length - 1];
      if (parent === undefined) root = node;
      else {
        parent.children = true;
        const list = parent.node[tag] as XmlNode[] | undefined;
        if (list === undefined) parent.node[tag] = [node];
        else list.push(node);
      }
      if (self) {
        (node as Record<symbol, unknown>)[meta] = { startIndex: offset + lt, endIndex: offset + i };
        if (open.length === 0) return i === n ? root : undefined;
      } else open.push({ node, start: lt, name, nameLength, content: i, children: false });
    }
    const next = text.indexOf('<', i);
    if (next < 0) return undefined;
    // The next '&' is looked for again only once passed (text with none is searched once).
    if (amp >= 0 && amp < i) amp = text.indexOf('&', i);
    if (amp >= 0 && amp < next) return undefined;
    i = next;
  }
}
