/**
 * Structure for sniffers: what a JSON file's top level holds, from however many of its first bytes
 * were read. A COCO file may open with 1,230 LVIS categories or 1,500 images without a `file_name`;
 * a regex over the first 4 KiB sees neither its `images` nor its `annotations`. The outline reads
 * the top level as JSON and skips nested values without looking into them (one pass, no parse
 * tree, no allocation per value), so a sniffer can name the lists a file has, and ask for more
 * bytes when the head ends before the answer.
 */

/** The kind of a JSON value. */
export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

/** One member of the top-level object (as far as it was read). */
export interface JsonMember {
  key: string;
  kind: JsonKind;
  /** Keys of the value when it is an object, or of its first element when it is an array of objects. */
  keys: string[];
  /** The value when it is a short string (up to 256 bytes), a number, a boolean or null. */
  value?: string | number | boolean | null;
}

export interface JsonOutline {
  /** The root value's kind when the bytes start as a JSON object or array does (after a BOM and blanks). */
  root: 'object' | 'array' | undefined;
  /** Members of the root object, or of the root array's first element when that is an object. */
  members: JsonMember[];
  /** The root value ended within the bytes read. */
  complete: boolean;
  /** Something that is not JSON was met; the outline stops there. */
  invalid: boolean;
}

const END = Symbol('end of the bytes read');
const BAD = Symbol('not JSON');
const outlines = new WeakMap<Uint8Array, JsonOutline>();
const utf8 = new TextDecoder('utf-8');

/**
 * The outline of a JSON document's first bytes. Cached per array, so every sniffer of one head
 * shares one scan.
 * @example
 * ```ts
 * const outline = jsonOutline(encodeUtf8('{"images": [{"id": 1}], "annotations": [{"segmentation": {}'));
 * outline.members.map((m) => m.key); // → ['images', 'annotations']
 * outline.complete; // → false
 * ```
 */
export function jsonOutline(bytes: Uint8Array): JsonOutline {
  let cached = outlines.get(bytes);
  if (!cached) {
    cached = scan(bytes);
    outlines.set(bytes, cached);
  }
  return cached;
}

/**
 * The member `key` of an outline, if it was read.
 * @example
 * ```ts
 * outlineMember(jsonOutline(encodeUtf8('{"images": [{"id": 1, "width": 4}]}')), 'images')?.keys; // → ['id', 'width']
 * ```
 */
export function outlineMember(outline: JsonOutline, key: string): JsonMember | undefined {
  return outline.members.find((m) => m.key === key);
}

function scan(b: Uint8Array): JsonOutline {
  const n = b.length;
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  const out: JsonOutline = { root: undefined, members: [], complete: false, invalid: false };

  const ws = (): number => {
    while (i < n) {
      const c = b[i]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
      i++;
    }
    throw END;
  };
  const expect = (c: number): void => {
    if (ws() !== c) throw BAD;
    i++;
  };
  // At a quote: past the closing quote; returns the string's length with its quotes. The closing
  // quote is found natively (indexOf) and kept when an even number of backslashes precede it.
  const skipString = (): number => {
    const start = i;
    let from = i + 1;
    for (;;) {
      const q = b.indexOf(0x22, from);
      if (q < 0) {
        i = n;
        throw END;
      }
      let k = q - 1;
      while (k > start && b[k] === 0x5c) k--;
      if ((q - 1 - k) % 2 === 0) {
        i = q + 1;
        return i - start;
      }
      from = q + 1;
    }
  };
  const string = (): string | undefined => {
    const start = i;
    const len = skipString();
    if (len > 258) return undefined;
    try {
      return JSON.parse(utf8.decode(b.subarray(start, start + len))) as string;
    } catch {
      throw BAD;
    }
  };
  const scalar = (): number | boolean | null => {
    const start = i;
    while (i < n) {
      const c = b[i]!;
      // Letters of true/false/null and the characters of numbers.
      if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x45) i++;
      else break;
    }
    if (i >= n) throw END;
    const text = utf8.decode(b.subarray(start, i));
    if (text === 'true') return true;
    if (text === 'false') return false;
    if (text === 'null') return null;
    const v = Number(text);
    if (text === '' || !Number.isFinite(v)) throw BAD;
    return v;
  };
  // Any value, without looking into it: brackets are counted, strings skipped.
  const skip = (): void => {
    const c = ws();
    if (c === 0x22) {
      skipString();
      return;
    }
    if (c !== 0x7b && c !== 0x5b) {
      scalar();
      return;
    }
    let depth = 0;
    for (;;) {
      if (i >= n) throw END;
      const d = b[i]!;
      if (d === 0x22) {
        skipString();
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) {
          i++;
          return;
        }
      }
      i++;
    }
  };
  // An object's members, calling `onKey` for each key and `onValue` to read (or skip) its value.
  const object = (onKey: (key: string) => void, onValue: () => void): void => {
    expect(0x7b);
    if (ws() === 0x7d) {
      i++;
      return;
    }
    for (;;) {
      if (ws() !== 0x22) throw BAD;
      const key = string();
      expect(0x3a);
      if (key !== undefined) onKey(key);
      onValue();
      const c = ws();
      i++;
      if (c === 0x7d) return;
      if (c !== 0x2c) throw BAD;
    }
  };
  const restOfArray = (): void => {
    for (;;) {
      const c = ws();
      i++;
      if (c === 0x5d) return;
      if (c !== 0x2c) throw BAD;
      skip();
    }
  };
  // At '[': an array, reading its first element with `first` when that is an object, skipping the rest.
  const array = (first: () => void): void => {
    i++;
    const c = ws();
    if (c === 0x5d) {
      i++;
      return;
    }
    if (c === 0x7b) first();
    else skip();
    restOfArray();
  };
  const kindAt = (c: number): JsonKind =>
    c === 0x7b ? 'object' : c === 0x5b ? 'array' : c === 0x22 ? 'string' : c === 0x74 || c === 0x66 ? 'boolean' : c === 0x6e ? 'null' : 'number';
  // The root object's members, with the keys one level down.
  const members = (): void => {
    let current: JsonMember | undefined;
    object((key) => {
      current = { key, kind: 'null', keys: [] };
      out.members.push(current);
    }, () => {
      const m = current!;
      const c = ws();
      m.kind = kindAt(c);
      if (c === 0x7b) object((k) => m.keys.push(k), skip);
      else if (c === 0x5b) array(() => object((k) => m.keys.push(k), skip)); else if (c === 0x22) {
        const v = string();
        if (v !== undefined) m.value = v;
      } else m.value = scalar();
    });
  };

  try {
    const c = ws();
    if (c === 0x7b) {
      out.root = 'object';
      members();
    } else if (c === 0x5b) {
      out.root = 'array';
      array(members);
    } else return out;
    out.complete = true;
  } catch (e) {
    if (e === BAD) out.invalid = true;
    else if (e !== END) throw e;
  }
  return out;
}
