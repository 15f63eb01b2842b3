import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { decodeUtf8, RleError, XML_HEAD, type ByteSource } from '@rlekit/core';
import { parsePlain, plainElement } from '../src/scan.js';
import { parseElement, xmlLibrary, type XmlNode } from '../src/xml.js';
import { DtdFinder, texts } from '../src/stream.js';

describe('plainElement: the quick check that stands in for the validator on plain elements', () => {
  // Element text as CVAT writes it (plain) or with what the quick check leaves to the validator.
  const elementArb = (plainOnly: boolean): fc.Arbitrary<string> => {
    const pick = <T,>(plain: T[], other: T[]) => fc.constantFrom(...(plainOnly ? plain : [...plain, ...other]));
    const attrArb = fc.tuple(pick(['label', 'rle', 'a', 'x_1', 'b.c', 'd-e', '_'], ['a:b', '1a', 'é']), pick(['"1, 2"', "'it\"s'", '"a>b"', '"<image>"', '"&amp;"', '"x/"', '""'], ['"']), pick([' ', '\n    ', '  ', '\t'], ['']))
      .map(([n, v, sp]) => `${sp}${n}=${v}`);
    const tagArb = fc.constantFrom('image', 'mask', 'polygon', 'attribute', 'x');
    const textArb = pick(['', '\n  ', 'cat', ' > ', '"\'', '\r\n ', ' é '], ['a&amp;b', '&bogus;', '<!-- c -->', '<![CDATA[ x ]]>', '<?pi x?>']);
    return fc.letrec<{ el: string }>((tie) => ({
      el: fc.tuple(tagArb, fc.array(attrArb, { maxLength: 4 }), fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.array(fc.tuple(textArb, tie('el')), { maxLength: 3 })), textArb, fc.constantFrom('', ' ', '\n'))
        .map(([tag, attrs, children, tail, sp]) => children === null ? `<${tag}${attrs.join('')}${sp}/>` : `<${tag}${attrs.join('')}${sp}>${children.map(([t, c]) => t + c).join('')}${tail}</${tag}>`),
    })).el;
  };

  it('whenever it says well-formed, the validator says so too, over generated and garbled elements; and it says so of most plain ones', () => {
    let plain = 0, garbledPlain = 0;
    fc.assert(fc.property(fc.oneof(elementArb(true), elementArb(false)), fc.constantFrom('none', 'insert', 'delete', 'replace'), fc.nat(), fc.integer({ min: 1, max: 4 }),
      fc.constantFrom('<', '>', '/', '"', "'", '=', ' ', '&', 'a', '</x>', '<x>', '/>', ' label="1"', 'label="1"', ' a="1"', '<!--', '-->', '\u00e9', 'é="1"', ':', '<x/>'),
      (el, how, where, n, what) => {
        const at = where % (el.length + 1);
        const t = how === 'none' ? el : how === 'insert' ? el.slice(0, at) + what + el.slice(at) : how === 'delete' ? el.slice(0, at) + el.slice(at + n) : el.slice(0, at) + what + el.slice(at + n);
        if (!plainElement(t)) return;
        if (how === 'none') plain++;
        else garbledPlain++;
        expect(XMLValidator.validate(t)).toBe(true);
      }), { numRuns: 4000 });
    // Both kinds are checked, not just refused.
    expect(plain).toBeGreaterThan(200);
    expect(garbledPlain).toBeGreaterThan(150);
  });

  it('leaves to the validator what it refuses: repeated attributes, unmatched or crossed tags, entities, text after the element', () => {
    expect(plainElement('<image id="0" width="3" height="2">\n    <mask label="a" rle="1, 5" left="0" top="0" width="3" height="2" z_order="0">\n    </mask>\n  </image>')).toBe(true);
    expect(plainElement('<mask label="a"/>')).toBe(true);
    for (const t of ['<mask a="1" a="2"/>', '<image><mask></image></mask>', '<image></images>', '<image>a&b</image>', '<image/>x', '<image/><image/>', '<image a="1"b="2"/>', '<image a=1/>', '<image a="1/>', '<image>', '</image>', '<image><!-- x --></image>']) {
      expect(plainElement(t)).toBe(false);
    }
    // The validator refuses most of those.
    expect(XMLValidator.validate('<mask a="1" a="2"/>')).not.toBe(true);
  });
});

describe('parsePlain: the tree of a plain element, built without the library', () => {
  /** The library's tree without the text between child elements (which parsePlain does not keep). */
  function withoutMixedText(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(withoutMixedText);
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string | symbol, unknown> = {};
    const node = v as Record<string | symbol, unknown>;
    const children = Object.keys(node).some((k) => !k.startsWith('@_') && k !== '#text');
    for (const k of Object.keys(node)) if (!(children && k === '#text')) out[k] = withoutMixedText(node[k]);
    for (const s of Object.getOwnPropertySymbols(node)) out[s] = node[s];
    return out;
  }

  function attributeOrder(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(attributeOrder);
    if (typeof v !== 'object' || v === null) return v;
    const node = v as Record<string, unknown>;
    const keys = Object.keys(node);
    return { attributes: keys.filter((k) => k.startsWith('@_')), children: keys.filter((k) => !k.startsWith('@_') && !k.startsWith('#')).sort().map((k) => [k, attributeOrder(node[k])]) };
  }

  it('gives the library\'s tree (values, lists, leaf text, offsets in the document) wherever it gives one, over generated and garbled elements', async () => {
    const lib = await xmlLibrary();
    const meta = lib.metaDataSymbol;
    let built = 0;
    // Names of one first letter and length (mask and masq, label and lapel): the names are told apart however they are kept.
    const tag = fc.constantFrom('image', 'mask', 'masq', 'polygon', 'attribute', 'points', 'skeleton', 'x');
    const attr = fc.tuple(fc.constantFrom('label', 'lapel', 'rle', 'name', 'a', 'x_1', 'b.c', 'd-e', '_'), fc.constantFrom('"1, 2"', "'it\"s'", '"a>b"', '"<image>"', '"&amp;"', '"x/"', '""', '"a\nb"', '" é "'), fc.constantFrom(' ', '\n    ', '\t'))
      .map(([n, v, sp]) => `${sp}${n}=${v}`);
    const text = fc.constantFrom('', '\n  ', 'cat', ' > ', '\r\n ', ' é ', 'a&amp;b', '<!-- c -->');
    const el: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
      el: fc.tuple(tag, fc.uniqueArray(attr, { maxLength: 4, selector: (a) => a.trim().split('=')[0] }), fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.array(fc.tuple(text, tie('el')), { maxLength: 3 })), text, fc.constantFrom('', ' ', '\n'))
        .map(([t, attrs, children, tail, sp]) => children === null ? `<${t}${attrs.join('')}${sp}/>` : `<${t}${attrs.join('')}${sp}>${children.map(([x, c]) => x + c).join('')}${tail}</${t}>`),
    })).el;
    fc.assert(fc.property(el, fc.constantFrom('none', 'none', 'insert', 'delete'), fc.nat(), fc.constantFrom('<', '>', '/', '"', ' ', 'a', '</mask>', '<mask a="1">', '/>', ' a="1"', '&'), fc.nat(1000), (e, how, where, what, offset) => {
      const at = where % (e.length + 1);
      const t = how === 'none' ? e : how === 'insert' ? e.slice(0, at) + what + e.slice(at) : e.slice(0, at) + e.slice(at + 1);
      const mine = parsePlain(t, offset, meta);
      if (mine === undefined) return;
      built++;
      const name = /^<([A-Za-z_.-]+)/.exec(t)![1]!;
      const theirs = parseElement(lib, t, name, offset);
      expect(mine).toEqual(withoutMixedText(theirs));
      // Attributes in the same order too (an image's extra attributes are kept in it).
      expect(attributeOrder(mine)).toEqual(attributeOrder(theirs));
      // The offsets are compared too.
      expect((mine as Record<symbol, unknown>)[meta]).toEqual((theirs as Record<symbol, unknown>)[meta]);
    }), { numRuns: 3000 });
    expect(built).toBeGreaterThan(300);
  });

  it('leaves to the library what its tree has in another shape: elements without attributes, tags it does not list, entities in text', async () => {
    const meta = (await xmlLibrary()).metaDataSymbol;
    expect(parsePlain('<image id="0"><mask label="a" rle="1"/></image>', 0, meta)).toBeDefined();
    for (const t of ['<image id="0"><mask/></image>', '<image id="0"><foo a="1"/></image>', '<image id="0"><attribute name="a">x&amp;y</attribute></image>', '<image id="0" id="1"/>']) {
      expect(parsePlain(t, 0, meta)).toBeUndefined();
    }
  });
});

describe('texts: the input decoded piece by piece, as decodeUtf8 decodes it whole', () => {
  /** Bytes in the chunks given by `cuts`, counting the chunks taken. */
  function source(bytes: Uint8Array, cuts: number[]): { src: ByteSource; taken: () => number } {
    let taken = 0;
    // Cuts in the last 40 bytes, where the random bytes are (and anywhere).
    const at = [...new Set(cuts.map((c) => (c & 1 ? bytes.length - (c >> 1) % 40 : c >> 1) % (bytes.length + 1)))].filter((c) => c >= 0).sort((a, b) => a - b);
    return {
      taken: () => taken,
      src: {
        kind: 'bytes', name: 'a.xml',
        async *stream() {
          let from = 0;
          for (const to of [...at, bytes.length]) {
            taken++;
            yield bytes.slice(from, to);
            from = to;
          }
        },
      },
    };
  }

  const byteArb = fc.array(fc.oneof(
    fc.string({ unit: 'binary', maxLength: 8 }).map((s) => [...new TextEncoder().encode(s)]),
    fc.array(fc.constantFrom(0x80, 0x80, 0xc3, 0xe2, 0xbf, 0xc0, 0xc2, 0xe0, 0xed, 0xef, 0xbb, 0xf0, 0xf4, 0xf5, 0x9f, 0xa0, 0x8f, 0x90, 0xff, 0x41), { maxLength: 3 }),
  ), { maxLength: 30 }).map((parts) => Uint8Array.from([0x3c, ...parts.flat()]));

  /** The reader's former decoding (a streaming decoder after the 256-byte head check): the reference. */
  async function* streamingTexts(input: ByteSource): AsyncGenerator<string> {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    const decode = (b: Uint8Array, stream: boolean): string => {
      try {
        return decoder.decode(b, { stream });
      } catch (e) {
        throw new RleError('INVALID_TOKEN', 'Input is not valid UTF-8', { cause: e });
      }
    };
    let head: Uint8Array | undefined = new Uint8Array(XML_HEAD.length);
    let held = 0;
    for await (const chunk of input.stream()) {
      let c = chunk;
      if (head !== undefined) {
        const n = Math.min(c.length, head.length - held);
        head.set(c.subarray(0, n), held);
        held += n;
        if (held < head.length) continue;
        XML_HEAD.check(head);
        yield decode(head, true);
        head = undefined;
        c = c.subarray(n);
      }
      yield decode(c, true);
    }
    if (head !== undefined) {
      XML_HEAD.check(head.subarray(0, held));
      yield decode(head.subarray(0, held), true);
    }
    yield decode(new Uint8Array(0), false);
  }

  async function run(gen: AsyncGenerator<string>, taken: () => number): Promise<{ text: string } | { code: string; at: number }> {
    let text = '';
    try {
      for await (const t of gen) text += t;
      return { text };
    } catch (e) {
      return { code: (e as RleError).code, at: taken() };
    }
  }

  it('the same text, or the same error when the same chunk has been read, as a streaming decoder; over random bytes (a BOM, bad and cut sequences) cut anywhere', async () => {
    let failed = 0, decoded = 0;
    const docArb = fc.tuple(fc.constantFrom(0, 250, 256, 300), fc.boolean(), byteArb).map(([pad, bom, b]) => Uint8Array.from([...(bom ? [0xef, 0xbb, 0xbf] : []), 0x3c, ...Array<number>(pad).fill(0x61), ...b]));
    // Decoded in pieces of a few bytes too (32 KiB in use): cut between characters.
    await fc.assert(fc.asyncProperty(docArb, fc.array(fc.nat(), { maxLength: 6 }), fc.constantFrom(undefined, 1, 2, 3, 5, 64), async (bytes, cuts, piece) => {
      const ref = source(bytes, cuts);
      const want = await run(streamingTexts(ref.src), ref.taken);
      const got = source(bytes, cuts);
      const have = await run(texts(got.src, piece), got.taken);
      expect(have).toEqual(want);
      if ('text' in have) {
        expect(have.text).toBe(decodeUtf8(bytes));
        decoded++;
      } else {
        expect(() => decodeUtf8(bytes)).toThrow(RleError);
        failed++;
      }
    }), { numRuns: 1500 });
    expect(failed).toBeGreaterThan(100);
    expect(decoded).toBeGreaterThan(100);
  });
});

describe('DtdFinder: where <!DOCTYPE and <!ENTITY first occur in text fed in pieces', () => {
  it('the offsets indexOf finds in the whole text, over text cut anywhere', () => {
    let found = 0;
    const part = fc.constantFrom('<!DOCTYPE', '<!ENTITY', '<!', '<!--', 'DOCTYPE', 'ENTITY', '<', '!', 'a', 'é', ' ', '<!DOC', 'TYPE x>');
    fc.assert(fc.property(fc.array(part, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 6 }), (parts, cuts) => {
      const text = parts.join('');
      const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
      const d = new DtdFinder();
      let from = 0;
      for (const to of [...at, text.length]) {
        d.feed(text.slice(from, to));
        from = to;
      }
      expect([d.doctype, d.entity]).toEqual([text.indexOf('<!DOCTYPE'), text.indexOf('<!ENTITY')]);
      if (d.doctype >= 0 && d.entity >= 0) found++;
    }), { numRuns: 2000 });
    expect(found).toBeGreaterThan(100);
  });
});
