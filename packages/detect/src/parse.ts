/**
 * Turns whatever a user pasted into the payloads it can hold: a count string, a list of numbers,
 * or those inside a wrapper (a COCO RLE object, a Python `b'…'` repr, base64, zlib, a CVAT
 * `rle="…"` attribute). Each wrapper peeled is named, so the reasons can say what was found.
 */
import { RleError, type Size } from '@rlekit/core';
import { unzlibSync, inflateSync } from 'fflate';

/** What the input turned out to hold, before any reading of it as a mask. */
export type Payload =
  | { kind: 'count-string'; text: string; size?: Size; wrappers: string[] }
  | { kind: 'numbers'; values: Float64Array; separator: 'space' | 'comma'; size?: Size; wrappers: string[] };

/** Characters of pycocotools' count-string alphabet: '0' (48) to 'o' (111). */
function isCountAlphabet(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 111) return false;
  }
  return true;
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Unescapes the body of a Python bytes/str literal (`\\`, `\'`, `\"`, `\xNN`, `\n`, `\t`). */
function unescapePython(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\' || i + 1 === body.length) {
      out += c;
      continue;
    }
    const n = body[++i]!;
    if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (n === 'n') out += '\n';
    else if (n === 't') out += '\t';
    else out += n;
  }
  return out;
}

/** `b'…'`, `'…'` or `"…"` (Python or JSON quoting) → its text; undefined if `s` is not one literal. */
function unquote(s: string): { text: string; bytesRepr: boolean } | undefined {
  const m = /^(b?)(['"])([\s\S]*)\2$/.exec(s);
  if (!m) return undefined;
  const body = m[3]!;
  // The closing quote must be the only unescaped one.
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') i++;
    else if (body[i] === m[2]) return undefined;
  }
  return { text: unescapePython(body), bytesRepr: m[1] === 'b' };
}

function numbersOf(text: string): { values: Float64Array; separator: 'space' | 'comma' } | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || !/^[0-9][0-9\s,]*$/.test(trimmed)) return undefined;
  const parts = trimmed.split(/[\s,]+/);
  const values = new Float64Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    // More than 15 digits cannot be a pixel count (2^32 has 10); refuse rather than round.
    if (parts[i]!.length > 15) return undefined;
    values[i] = Number(parts[i]);
  }
  return { values, separator: trimmed.includes(',') ? 'comma' : 'space' };
}

function sizeFrom(v: unknown): Size | undefined {
  if (Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0)) {
    return { height: v[0] as number, width: v[1] as number };
  }
  return undefined;
}

/**
 * Pulls `size` and `counts` out of a COCO RLE object written as JSON or as a Python dict repr
 * (`{'size': [480, 640], 'counts': b'…'}`), which users paste straight from a print().
 */
function rleObject(s: string): { size?: Size; counts: string | Float64Array } | undefined {
  try {
    const o = JSON.parse(s) as unknown;
    if (typeof o === 'object' && o !== null && !Array.isArray(o) && 'counts' in o) {
      const counts = (o as { counts: unknown }).counts;
      const size = sizeFrom((o as { size?: unknown }).size);
      if (typeof counts === 'string') return { size, counts };
      if (Array.isArray(counts) && counts.every((n) => typeof n === 'number')) return { size, counts: Float64Array.from(counts as number[]) };
    }
    return undefined;
  } catch {
    // Not JSON: try the Python dict repr below.
  }
  const sizeM = /['"]size['"]\s*:\s*[[(]\s*(\d+)\s*,\s*(\d+)\s*[\])]/.exec(s);
  const countsM = /['"]counts['"]\s*:\s*(b?(['"])(?:\\.|(?!\2)[^\\])*\2|\[[0-9\s,]*\])/.exec(s);
  if (!countsM) return undefined;
  const size = sizeM ? { height: Number(sizeM[1]), width: Number(sizeM[2]) } : undefined;
  const raw = countsM[1]!;
  if (raw.startsWith('[')) {
    const n = numbersOf(raw.slice(1, -1));
    return n ? { size, counts: n.values } : undefined;
  }
  const q = unquote(raw);
  return q ? { size, counts: q.text } : undefined;
}

/** Inflates zlib or raw deflate, bounded so a pasted bomb cannot take the page down. */
function inflateBounded(bytes: Uint8Array, maxBytes: number): Uint8Array | undefined {
  const zlib = bytes.length > 2 && (bytes[0]! & 0x0f) === 8 && ((bytes[0]! << 8) | bytes[1]!) % 31 === 0;
  try {
    // Deflate expands at most 1032:1, so this buffer holds any stream short of the cap; fflate
    // does not grow a buffer it is given, so a full buffer means the cap was hit.
    const out = new Uint8Array(Math.min(maxBytes, bytes.length * 1032 + 64));
    const got = zlib ? unzlibSync(bytes, { out }) : inflateSync(bytes, { out });
    return got.length >= maxBytes ? undefined : got.slice();
  } catch {
    return undefined;
  }
}

function base64Bytes(s: string): Uint8Array | undefined {
  if (s.length < 8 || !BASE64.test(s)) return undefined;
  const std = s.replace(/-/g, '+').replace(/_/g, '/');
  try {
    const bin = atob(std.padEnd(Math.ceil(std.length / 4) * 4, '='));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

const latin1 = new TextDecoder('latin1');

/** Options of {@link parseMaskText}. */
export interface ParseOptions {
  /** Cap on what a base64/zlib wrapper may inflate to (default 64 MiB). */
  maxBytes?: number;
}

/**
 * Every payload the text can hold, most literal first. Throws INVALID_TOKEN when it holds none
 * (with what forms are accepted), never guesses silently.
 * @example
 * ```ts
 * // What a user pasted, unwrapped: here a Python bytes repr of a COCO count string.
 * const [payload] = parseMaskText("b'11110O30'");
 * [payload.kind, payload.text]; // → ['count-string', '11110O30']
 * ```
 */
export function parseMaskText(input: string, options: ParseOptions = {}): Payload[] {
  const maxBytes = options.maxBytes ?? 64 << 20;
  const out: Payload[] = [];
  const visit = (raw: string, wrappers: string[], size: Size | undefined, depth: number): void => {
    const s = raw.trim();
    if (s === '' || depth > 4) return;
    if (s.startsWith('{')) {
      const o = rleObject(s);
      if (o) {
        const w = [...wrappers, 'an RLE object {size, counts}'];
        if (typeof o.counts === 'string') visit(o.counts, w, o.size, depth + 1);
        else out.push({ kind: 'numbers', values: o.counts, separator: 'comma', size: o.size, wrappers: [...w, 'a counts list'] });
      }
      return;
    }
    const attr = /^rle\s*=\s*(['"])([\s\S]*)\1$/.exec(s);
    if (attr) return visit(attr[2]!, [...wrappers, 'a CVAT rle="…" attribute'], size, depth + 1);
    if (s.startsWith('[') && s.endsWith(']')) {
      const n = numbersOf(s.slice(1, -1));
      if (n) out.push({ kind: 'numbers', ...n, size, wrappers: [...wrappers, 'a list of numbers'] });
      return;
    }
    const q = unquote(s);
    if (q) return visit(q.text, [...wrappers, q.bytesRepr ? "a Python bytes repr b'…'" : 'a quoted string'], size, depth + 1);
    const n = numbersOf(s);
    if (n) out.push({ kind: 'numbers', ...n, size, wrappers });
    if (isCountAlphabet(s)) out.push({ kind: 'count-string', text: s, size, wrappers });
    const bytes = base64Bytes(s);
    if (bytes) {
      const inflated = inflateBounded(bytes, maxBytes);
      if (inflated) visit(latin1.decode(inflated), [...wrappers, 'base64', 'zlib'], size, depth + 1);
      else {
        const text = latin1.decode(bytes);
        if (isCountAlphabet(text)) visit(text, [...wrappers, 'base64'], size, depth + 1);
      }
    }
  };
  visit(input, [], undefined, 0);
  if (out.length === 0) {
    throw new RleError('INVALID_TOKEN', 'This text is not a mask in any form rlekit knows', {
      expected: "a COCO count string, an RLE object {size, counts}, a counts list [3, 2, ...], a Python b'...' repr, start/length numbers, a CVAT rle attribute, or base64/zlib of one of these",
      received: JSON.stringify(input.length > 40 ? `${input.slice(0, 37)}...` : input),
    });
  }
  return out;
}
