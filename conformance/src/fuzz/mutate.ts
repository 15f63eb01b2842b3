/** A small seeded mutator over bytes: flips, interesting values, splices, truncation, tokens of the format. */

/** mulberry32: a tiny seeded PRNG, so every run is reproducible from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Numbers that break parsers: negative, fractional, huge, past 2^32 and 2^53, not numbers. */
const NUMBERS = ['-1', '0', '-0', '0.5', '1e309', '4294967296', '4294967295', '9007199254740993', '99999999999999999999', 'NaN', '1e-7', '00'];

/** Tokens per kind of format, inserted or swapped in by the mutator. */
export const DICTIONARIES: Record<string, string[]> = {
  json: ['{"toString":1}', '{"valueOf":{}}', '"__proto__"', '\ufeff', '[[[[[[[[[[[[[[[[', '{"a":{"a":{"a":{"a":', 'null', 'true', '"counts"', '"size"', '"segmentation"', '"rleString"', '"bitmask"', '[]', '{}', '"\\u0000"', '"\\ud800"', ',', ':'],
  csv: ['"', '""', '\r\n', '\n', ',', '\ufeff', ' -5 3', '1 0', ' 0 0', '1 4294967296', '1 1 1 1', '\u0000', 'x', '"a,b"'],
  xml: ['<!DOCTYPE a [<!ENTITY x "xx">]>', '&x;', '&amp;', '&#0;', '<mask label="a" rle="1, 2" left="0" top="0" width="1" height="1"/>', 'rle="', ']]>', '<![CDATA[', '<image id="0" name="a" width="1" height="1">', '</image>', '\ufeff', '"', '<', '>'],
  binary: ['\u00ff\u00ff\u00ff\u00ff', '\u0000\u0000\u0000\u0000', '\u00ff\u00ff\u00ff\u007f', '\u0080\u0000\u0000\u0000', 'IDAT', 'IEND', 'PLTE', 'tRNS', '\u00fe\u00ff\u0000\u00e0', '\u00ff\u00fe\u00ff\u00dd'],
};

/** For binary formats the tokens are bytes, not UTF-8 text. */
function tokenBytes(t: string, binary: boolean): Uint8Array {
  return binary ? Uint8Array.from(t, (c) => c.charCodeAt(0) & 0xff) : enc(t);
}

function splice(a: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  at = Math.min(at, a.length);
  remove = Math.min(remove, a.length - at);
  const out = new Uint8Array(a.length - remove + insert.length);
  out.set(a.subarray(0, at));
  out.set(insert, at);
  out.set(a.subarray(at + remove), at + insert.length);
  return out;
}

/** Applies 1..4 random edits to `input`; `others` are seeds to splice from (crossover). */
export function mutate(input: Uint8Array, random: () => number, dictionary: string[], others: readonly Uint8Array[] = [], binary = false): Uint8Array {
  const int = (n: number): number => Math.floor(random() * n);
  let b: Uint8Array = input.slice();
  const edits = 1 + int(4);
  for (let e = 0; e < edits; e++) {
    const at = int(b.length + 1);
    switch (int(9)) {
      case 0: // flip a bit
        if (b.length > 0) b[Math.min(at, b.length - 1)]! ^= 1 << int(8);
        break;
      case 1: // an interesting byte
        if (b.length > 0) b[Math.min(at, b.length - 1)] = [0, 0xff, 0x7f, 0x80, 0x22, 0x2c, 0x2d, 0x30, 0x39, 0x5b, 0x7b, 0x3c, 0x0a][int(13)]!;
        break;
      case 2: // delete a range
        b = splice(b, at, Math.min(b.length - at, 1 + int(32)), new Uint8Array());
        break;
      case 3: // duplicate a range somewhere else
        if (b.length > 0) {
          const from = int(b.length);
          b = splice(b, at, 0, b.slice(from, from + 1 + int(64)));
        }
        break;
      case 4: // truncate
        b = b.slice(0, at);
        break;
      case 5: // insert a token of the format
        b = splice(b, at, 0, tokenBytes(dictionary[int(dictionary.length)]!, binary));
        break;
      case 6: { // replace a number with a hostile one
        // The next ASCII number after `at` (bytes, so offsets stay exact whatever the encoding around it).
        const isDigit = (x: number | undefined): boolean => x !== undefined && x >= 0x30 && x <= 0x39;
        let from = at;
        while (!binary && from < Math.min(b.length, at + 256) && !isDigit(b[from])) from++;
        let to = from;
        while (to < b.length && (isDigit(b[to]) || b[to] === 0x2e)) to++;
        if (!binary && to > from) b = splice(b, from, to - from, enc(NUMBERS[int(NUMBERS.length)]!));
        else if (binary && b.length >= 4) new DataView(b.buffer).setUint32(Math.min(at, b.length - 4), [0xffffffff, 0x7fffffff, 0x80000000, 0, 1 << 20][int(5)]!, random() < 0.5);
        break;
      }
      case 7: // crossover with another seed of the dialect
        if (others.length > 0) {
          const o = others[int(others.length)]!;
          const from = int(o.length + 1);
          b = splice(b, at, Math.min(b.length - at, int(64)), o.slice(from, from + int(256)));
        }
        break;
      default: // repeat a token many times (nesting, long lines)
        b = splice(b, at, 0, tokenBytes(dictionary[int(dictionary.length)]!.repeat(1 + int(2000)), binary));
    }
  }
  return b;
}
