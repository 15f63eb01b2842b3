/**
 * Safe XML in and out. fast-xml-parser is configured so that no entity is ever expanded by it
 * (`processEntities: false`) and documents with a DTD are refused before parsing, so a
 * billion-laughs file costs one `indexOf`. The five XML built-in entities and character
 * references are decoded here, only in the values rlekit reads.
 */
import { loadOnce, RleError } from '@rlekit/core';

export const ATTR = '@_';

/** Tags that may repeat and are always read as lists. */
export const LIST_TAGS: ReadonlySet<string> = new Set(['image', 'mask', 'polygon', 'box', 'polyline', 'points', 'ellipse', 'cuboid', 'skeleton', 'tag', 'track', 'label', 'attribute']);

// fast-xml-parser (about 20 KB gzip with its dependencies) is loaded on first parse: writing,
// and importing the adapter, do not need it.
const loadParser = loadOnce(() => import('./xml-parser.js'));

/** The parser's metadata key (element offsets), known once the parser is loaded. */
let META: symbol | undefined;

/** A parsed element: attributes under `@_name`, children by tag name, text under `#text`. */
export type XmlNode = Record<string, unknown>;

/** Character offset where an element starts in the text (for error messages). */
export function startOf(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || META === undefined) return undefined;
  return (node as Record<symbol, { startIndex?: number } | undefined>)[META]?.startIndex;
}

function endOf(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || META === undefined) return undefined;
  return (node as Record<symbol, { endIndex?: number } | undefined>)[META]?.endIndex;
}

function offsetOf(text: string, line: number, col: number): number {
  let off = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', off);
    if (nl < 0) break;
    off = nl + 1;
  }
  return off + col - 1;
}

/** The XML library, loaded. */
export type XmlLibrary = Awaited<ReturnType<typeof loadParser>>;

/** Loads the XML library (once) for the synchronous functions below. */
export async function xmlLibrary(): Promise<XmlLibrary> {
  const lib = await loadParser();
  META = lib.metaDataSymbol;
  return lib;
}

/** Refuses a DTD or entity declaration anywhere in the text (UNSUPPORTED), before any parsing. */
export function refuseDtd(at: { doctype: number; entity: number }): void {
  for (const [marker, offset] of [['<!DOCTYPE', at.doctype], ['<!ENTITY', at.entity]] as const) {
    if (offset >= 0) {
      throw new RleError('UNSUPPORTED', 'XML with a document type declaration is refused: DTDs and custom entities are not processed', { offset, expected: 'XML without <!DOCTYPE>/<!ENTITY> (CVAT never writes one)', received: marker });
    }
  }
}

/**
 * The full well-formedness check of `text` (fast-xml-parser's validator), or the error it finds:
 * INVALID_STRUCTURE at its offset, passed through `mapOffset` (for a part of a larger document).
 * `end` is the offset of the document's end (where an empty file's error is).
 */
export function validateXml(lib: XmlLibrary, text: string, mapOffset: (at: number) => number = (at) => at, end = text.length): RleError | undefined {
  const v = lib.XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (v === true) return undefined;
  const { line, col, msg } = v.err as { line: number; col?: number; msg: string };
  // Without a column (no element at all: an empty or whitespace-only file) the problem is the end of the text.
  const where = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
  return new RleError('INVALID_STRUCTURE', `Malformed XML at ${where}: ${msg}`, { offset: col === undefined ? end : mapOffset(offsetOf(text, line, col)), expected: 'well-formed XML' });
}

/**
 * Parses XML text into a tree, refusing DTDs (UNSUPPORTED), malformed or truncated XML
 * (INVALID_STRUCTURE / TRUNCATED) and deep nesting. `validate` runs the full well-formedness
 * check (about 3x the parse); without it only truncation of the root is detected. Loads the
 * XML parser on first use.
 */
export async function parseXml(text: string, validate: boolean): Promise<XmlNode> {
  refuseDtd({ doctype: text.indexOf('<!DOCTYPE'), entity: text.indexOf('<!ENTITY') });
  const lib = await xmlLibrary();
  if (validate) {
    const e = validateXml(lib, text);
    if (e) throw e;
  }
  return parseRoot(lib, text, text.length);
}

/**
 * The `<annotations>` root of a parsed text (no DTD check, no validation). `end` is the offset of
 * the document's end, where a truncated file's error is (the text may be an outline of a larger document).
 */
export function parseRoot(lib: XmlLibrary, text: string, end: number): XmlNode {
  let tree: XmlNode;
  try {
    tree = lib.parser.parse(text) as XmlNode;
  } catch (e) {
    throw new RleError('INVALID_STRUCTURE', `Malformed XML: ${(e as Error).message.slice(0, 200)}`, { expected: 'well-formed XML', cause: e });
  }
  const roots = Object.keys(tree);
  const root = tree.annotations;
  if (roots.length !== 1 || typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new RleError('INVALID_STRUCTURE', 'Not a CVAT annotations file', { path: [], expected: 'a single <annotations> root element', received: roots.map((r) => `<${r}>`).join(', ') || 'no element' });
  }
  if (endOf(root) === undefined) {
    throw new RleError('TRUNCATED', 'The file ends before </annotations>', { path: ['annotations'], offset: end, expected: '</annotations>' });
  }
  return root as XmlNode;
}

/**
 * Parses one element cut out of a document (an `<image>`, found at `offset`): its tree, with every
 * element's offset in the document, as a parse of the whole document gives them. Not validated here.
 */
export function parseElement(lib: XmlLibrary, text: string, tag: string, offset: number): XmlNode {
  let tree: XmlNode;
  try {
    tree = lib.elementParser.parse(text) as XmlNode;
  } catch (e) {
    throw new RleError('INVALID_STRUCTURE', `Malformed XML: ${(e as Error).message.slice(0, 200)}`, { expected: 'well-formed XML', cause: e });
  }
  const v = (tree[tag] as unknown[] | undefined)?.[0];
  if (typeof v !== 'object' || v === null) return {};
  shiftOffsets(v, (at) => at + offset);
  return v as XmlNode;
}

/** Moves the offsets of `node` and of every element below it by `map`. */
export function shiftOffsets(node: unknown, map: (at: number) => number): void {
  if (Array.isArray(node)) {
    for (const x of node) if (typeof x === 'object' && x !== null) shiftOffsets(x, map);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const m = (node as Record<symbol, { startIndex?: number; endIndex?: number } | undefined>)[META!];
  if (m !== undefined) {
    (node as Record<symbol, unknown>)[META!] = {
      ...(m.startIndex !== undefined ? { startIndex: map(m.startIndex) } : {}),
      ...(m.endIndex !== undefined ? { endIndex: map(m.endIndex) } : {}),
    };
  }
  for (const k in node) {
    const v = (node as XmlNode)[k];
    if (typeof v === 'object' && v !== null) shiftOffsets(v, map);
  }
}

const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));|&/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the XML built-in entities and character references; any other `&` is an INVALID_TOKEN. */
export function unescapeXml(s: string, path: readonly (string | number)[], offset?: number): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(ENTITY, (m, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED[name]!;
    const cp = hex !== undefined ? parseInt(hex, 16) : dec !== undefined ? parseInt(dec, 10) : -1;
    if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0) {
      throw new RleError('INVALID_TOKEN', 'Unknown or invalid XML entity', { path, offset, expected: '&lt; &gt; &amp; &quot; &apos; or a character reference', received: m === '&' ? `"${s.slice(s.indexOf('&'), s.indexOf('&') + 12)}"` : m });
    }
    return String.fromCodePoint(cp);
  });
}

const ESC_ATTR = /[&<>"\n\r\t]/g;
const ESC_TEXT = /[&<>]/g;
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;' };

// What XML 1.0 cannot hold at all, not even as a character reference: C0 controls other than
// tab, LF and CR, U+FFFE/U+FFFF, and lone surrogates. CVAT (expat) refuses files containing them.
const NOT_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces characters XML 1.0 cannot hold by U+FFFD, counting them in `replaced`. */
export function replaceNonXml(s: string, replaced: { count: number }): string {
  return s.replace(NOT_XML, () => {
    replaced.count++;
    return '\uFFFD';
  });
}

/** Escapes an attribute value (quotes and whitespace that attribute normalisation would eat). */
export function escapeAttr(s: string): string {
  return s.replace(ESC_ATTR, (c) => ESC[c]!);
}

export function escapeText(s: string): string {
  return s.replace(ESC_TEXT, (c) => ESC[c]!);
}

/** XML 1.0 names rlekit writes as attribute names (anything else is not written). */
export function isXmlName(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s) && !/^xml/i.test(s);
}
