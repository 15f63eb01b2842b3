/**
 * fast-xml-parser, configured: loaded on first parse by xml.ts (a dynamic import), so a bundler
 * puts the library in a lazy chunk. No entity is ever expanded by it (`processEntities: false`);
 * xml.ts refuses DTDs before parsing and decodes the built-in entities itself.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ATTR, LIST_TAGS } from './xml.js';

const options = {
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Attribute text and label names keep their spaces, as CVAT (ElementTree) reads them.
  trimValues: false,
  captureMetaData: true,
  // Nesting in CVAT files is at most 7 deep; the bound keeps hostile nesting cheap.
  maxNestedTags: 64,
  isArray: (name: string, _jPath: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute && LIST_TAGS.has(name),
};

export const parser = new XMLParser(options);

/** For one child of the root cut out of a document (streamed reads): it sits one level below where the whole document's parse meets it. */
export const elementParser = new XMLParser({ ...options, maxNestedTags: options.maxNestedTags - 1 });

/** The key under which the parser puts each element's offsets. */
export const metaDataSymbol = XMLParser.getMetaDataSymbol() as unknown as symbol;

export { XMLValidator };
