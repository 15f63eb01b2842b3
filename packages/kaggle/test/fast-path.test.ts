// The reader's fast path (RLE text decoded from the bytes of plain ASCII rows) against its general
// path (decode of the text): the same masks, warnings and errors, offsets included.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeUtf8, RleError, type ByteSource, type RleWarning } from '@rlekit/core';
import { decode, dialect, getPreset, type Preset } from '../src/index.js';
import { RleBytesDecoder, type DecodeOptions } from '../src/codec.js';

const errorOf = (e: unknown) => {
  if (!(e instanceof RleError)) throw e;
  return { code: e.code, message: e.message, path: e.path, offset: e.offset, expected: e.expected, received: e.received };
};

// RLE text: mostly well-formed pairs, with the defects decode names (letters, double or trailing
// spaces, tabs, zeros, huge numbers, pairs out of order, an odd token).
const token = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 40 }).map(String), weight: 12 },
  { arbitrary: fc.constantFrom('0', '00', '7a', '-1', '', '1234567890123456', '0000000000000003', '99999'), weight: 1 },
);
const separator = fc.oneof({ arbitrary: fc.constant(' '), weight: 20 }, { arbitrary: fc.constantFrom('  ', '\t', ' x'), weight: 1 });
const rleText = fc.array(fc.tuple(token, separator), { maxLength: 12 }).chain((parts) =>
  fc.boolean().map((trailing) => parts.map(([t, s], k) => (k < parts.length - 1 || trailing ? t + s : t)).join('')),
);
// Well-formed: ascending pairs, some touching (decode merges them, and warns).
const validText = fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 })), { maxLength: 10 }).map((gaps) => {
  let pos = 0;
  const pairs: string[] = [];
  for (const [gap, len] of gaps) {
    pos += gap;
    pairs.push(`${pos} ${len}`);
    pos += len;
  }
  return pairs.join(' ');
});

// Presets of either order and base, one whose empty text is well-formed RLE (--empty "3 2"), one of relative pairs.
const presetArb = fc.constantFrom('imaterialist-fashion-2019', 'carvana-image-masking', 'sennet-hoa-vasculature', 'siim-acr-pneumothorax').chain((id) =>
  fc.tuple(fc.constantFrom(0, 1), fc.constantFrom(undefined, '3 2')).map(([base, empty]): Preset => ({
    ...getPreset(id), base: id === 'siim-acr-pneumothorax' ? getPreset(id).base : base as 0 | 1, ...(empty !== undefined ? { empty } : {}),
  })),
);

describe('RleBytesDecoder gives what decode gives, or declines', () => {
  it('on random RLE text, sizes, limits and presets', () => {
    let served = 0;
    fc.assert(
      fc.property(fc.oneof({ arbitrary: validText, weight: 3 }, { arbitrary: rleText, weight: 2 }, { arbitrary: fc.constant('3 2'), weight: 1 }), presetArb, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.constantFrom(4, 8, 1000, 1000), fc.boolean(), fc.nat(3), (text, p, height, width, maxRuns, lenient, pad) => {
        const options: DecodeOptions = { maxRuns, lenient };
        const size = { height, width };
        // The text inside a longer buffer, as a row's field is.
        const bytes = encodeUtf8(`${'x,'.repeat(pad)}${text},9`);
        const from = 2 * pad;
        const d = new RleBytesDecoder(p, options);
        const fast = d.usable ? d.decode(bytes, from, from + text.length, size) : undefined;
        const warnings: RleWarning[] = [];
        let general;
        try {
          general = decode(text, size, p, { ...options, warn: (w) => warnings.push(w) });
        } catch (e) {
          // Declined: decode says what is wrong.
          expect(errorOf(e)).toBeDefined();
          expect(fast).toBeUndefined();
          return;
        }
        if (fast === undefined) return;
        served++;
        expect(warnings).toEqual([]);
        expect(Array.from(fast.runsView(p.order))).toEqual(Array.from(general.runsView(p.order)));
        expect(fast.size).toEqual(general.size);
      }),
      { numRuns: 3000 },
    );
    // The fast path was taken (238 to 286 of the 3000 in 18 runs with random seeds; the floor leaves room for the seed).
    expect(served).toBeGreaterThan(150);
  });

  it('serves well-formed text, reusing its scratch buffer across masks of any length', () => {
    const p = getPreset('imaterialist-fashion-2019');
    const d = new RleBytesDecoder(p, {});
    for (const n of [1, 3000, 2, 5000]) {
      const text = Array.from({ length: n }, (_, k) => `${3 * k + 1} 2`).join(' ');
      const m = d.decode(encodeUtf8(text), 0, text.length, { height: 100, width: 200 });
      expect(m).toBeDefined();
      expect(Array.from(m!.runsView('col'))).toEqual(Array.from(decode(text, { height: 100, width: 200 }, p).runsView('col')));
    }
    // Text decode refuses (a 16-digit token, an odd token, stray spaces): declined.
    for (const text of ['1 0000000000000003', '0000000000000001 2', '1 2 7', '1 2 ', '1  2', ' 1 2', '']) {
      expect(d.decode(encodeUtf8(text), 0, text.length, { height: 100, width: 200 })).toBeUndefined();
    }
  });
});

function chunked(bytes: Uint8Array, step: number): ByteSource {
  return {
    kind: 'bytes', name: 't.csv',
    async *stream() {
      for (let o = 0; o < bytes.length; o += step) yield bytes.subarray(o, o + step);
    },
  };
}

async function readAll(src: ByteSource, options: Record<string, unknown>) {
  const warnings: RleWarning[] = [];
  try {
    const d = await dialect.read(src, options, { warn: (w) => warnings.push(w) });
    return { images: d.images, categories: d.categories, annotations: d.annotations.map((a) => ({ id: a.id, imageId: a.imageId, categoryId: a.categoryId, size: a.mask.size, runs: Array.from(a.mask.runsView('col')) })), warnings };
  } catch (e) {
    return { error: errorOf(e), warnings };
  }
}

describe('the Kaggle reader: plain rows read as bytes give what quoted rows (read as text) give', () => {
  // Image ids of ASCII, of multi-byte characters, with a comma (quoted where written).
  const id = fc.constantFrom('a.jpg', 'b.jpg', 'é.jpg', '😀', 'c,d.jpg', ' e.jpg');
  const row = fc.record({ id, rle: fc.oneof(validText, rleText), cls: fc.constantFrom('1', '07', '23'), size: fc.constantFrom('6,7', '6,7', '7,6', 'x,7', '6, 7', '0000000006,7', '6,') });
  it('on random iMaterialist files, CRLF or LF, with or without a BOM, any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 8 }), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 64 }), fc.boolean(), async (rows, crlf, bom, step, lenient) => {
        const eol = crlf ? '\r\n' : '\n';
        const idCell = (s: string): string => (s.includes(',') ? `"${s}"` : s);
        // Quoted, the RLE text is what the plain cell reads as (an unquoted cell is trimmed, a quoted one is not).
        const text = (quoteRle: boolean): string =>
          `${bom ? '\ufeff' : ''}ImageId,EncodedPixels,Height,Width,ClassId${eol}${rows.map((r) => `${idCell(r.id)},${quoteRle ? `"${r.rle.trim()}"` : r.rle},${r.size},${r.cls}`).join(eol)}${eol}`;
        const options = { preset: 'imaterialist-fashion-2019', lenient };
        const plain = await readAll(chunked(encodeUtf8(text(false)), step), options);
        const quoted = await readAll(chunked(encodeUtf8(text(true)), step), options);
        expect(plain).toEqual(quoted);
      }),
      { numRuns: 600 },
    );
  });
});
