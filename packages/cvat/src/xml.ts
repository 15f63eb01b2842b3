/**
 * Safe XML in and out. fast-xml-parser is configured so that no entity is ever expanded by it
 * (`processEntities: false`) and documents with a DTD are refused before parsing, so a
 * billion-laughs file costs one `indexOf`. The five XML built-in entities and character
 * references are decoded here, only in the values rlekit reads.
 */
import { loadOnce, RleError } from '@rlekit/core';

export const ATTR = '@_';

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

/**
 * Parses XML text into a tree, refusing DTDs (UNSUPPORTED), malformed or truncated XML
 * (INVALID_STRUCTURE / TRUNCATED) and deep nesting. `validate` runs the full well-formedness
 * check (about 3x the parse); without it only truncation of the root is detected. Loads the
 * XML parser on first use.
 */
export async function parseXml(text: string, validate: boolean): Promise<XmlNode> {
  for (const marker of ['<!DOCTYPE', '<!ENTITY']) {
    const at = text.indexOf(marker);
    if (at >= 0) {
      throw new RleError('UNSUPPORTED', 'XML with a document type declaration is refused: DTDs and custom entities are not processed', { offset: at, expected: 'XML without <!DOCTYPE>/<!ENTITY> (CVAT never writes one)', received: marker });
    }
  }
  const { parser, XMLValidator, metaDataSymbol } = await loadParser();
  META = metaDataSymbol;
  if (validate) {
    const v = XMLValidator.validate(text, { allowBooleanAttributes: false });
    if (v !== true) {
      const { line, col, msg } = v.err as { line: number; col?: number; msg: string };
      // Without a column (no element at all: an empty or whitespace-only file) the problem is the end of the text.
      const where = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
      throw new RleError('INVALID_STRUCTURE', `Malformed XML at ${where}: ${msg}`, { offset: col === undefined ? text.length : offsetOf(text, line, col), expected: 'well-formed XML' });
    }
  }
  let tree: XmlNode;
  try {
    tree = parser.parse(text) as XmlNode;
  } catch (e) {
    throw new RleError('INVALID_STRUCTURE', `Malformed XML: ${(e as Error).message.slice(0, 200)}`, { expected: 'well-formed XML', cause: e });
  }
  const roots = Object.keys(tree);
  const root = tree.annotations;
  if (roots.length !== 1 || typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new RleError('INVALID_STRUCTURE', 'Not a CVAT annotations file', { path: [], expected: 'a single <annotations> root element', received: roots.map((r) => `<${r}>`).join(', ') || 'no element' });
  }
  if (endOf(root) === undefined) {
    throw new RleError('TRUNCATED', 'The file ends before </annotations>', { path: ['annotations'], offset: text.length, expected: '</annotations>' });
  }
  return root as XmlNode;
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
