/**
 * Standard base64 (RFC 4648 alphabet, `=` padding), which several formats wrap masks in:
 * Supervisely bitmaps, LabelMe mask shapes and imageData, Label Studio bitmask data URLs, the
 * Open Images Kaggle presets. One decoder, so every one of them refuses bad text the same way:
 * INVALID_TOKEN at the offset of the first bad character, never a DOMException from atob.
 */
import { RleError } from './errors.js';

export interface Base64Options {
  /** Where the text is, for errors. */
  path?: readonly (string | number)[];
  /** What the text is, for errors ("A mask", "bitmap data"). */
  what?: string;
  /** Skip ASCII whitespace (Python's `encodebytes` wraps lines); default false: whitespace is an error. */
  whitespace?: boolean;
}

/**
 * Bytes of standard base64 text; padding is optional, but at most two `=` and only at the end.
 * @example
 * ```ts
 * Array.from(base64ToBytes('AQL6')); // → [1, 2, 250]
 * Array.from(base64ToBytes('AQ==')); // → [1]
 * const error = (() => { try { base64ToBytes('AQ!6', { what: 'A mask' }); } catch (e) { return e as RleError; } })();
 * [error?.code, error?.offset]; // → ['INVALID_TOKEN', 2]
 * ```
 */
export function base64ToBytes(s: string, options: Base64Options = {}): Uint8Array {
  const path = options.path ?? [];
  const what = options.what ?? 'The text';
  if (typeof s !== 'string') throw new RleError('INVALID_TOKEN', `${what} is not a string`, { path, expected: 'a base64 string', received: typeof s });
  let end = s.length;
  while (end > 0 && options.whitespace && s.charCodeAt(end - 1) <= 32) end--;
  let pad = 0;
  while (end > 0 && s.charCodeAt(end - 1) === 61 /* = */) (end--, pad++);
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0, bits = 0, o = 0, digits = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    const v = c >= 65 && c <= 90 ? c - 65 : c >= 97 && c <= 122 ? c - 71 : c >= 48 && c <= 57 ? c + 4 : c === 43 ? 62 : c === 47 ? 63 : -1;
    if (v < 0) {
      if (options.whitespace && (c === 32 || c === 9 || c === 10 || c === 13)) continue;
      throw new RleError('INVALID_TOKEN', `${what} is not base64`, { path, offset: i, expected: 'A-Z, a-z, 0-9, +, / (standard base64)', received: c >= 32 && c < 127 ? JSON.stringify(String.fromCharCode(c)) : `code ${c}` });
    }
    digits++;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  // A length of 4n + 1 digits cannot hold whole bytes; padding must complete the last group.
  if (pad > 2 || digits % 4 === 1 || (pad > 0 && (digits + pad) % 4 !== 0)) {
    throw new RleError('INVALID_TOKEN', `${what} is not base64`, { path, offset: end, expected: 'base64 of 4n characters with padding, or unpadded without a lone last character', received: `${digits} digits and ${pad} "="` });
  }
  return out.subarray(0, o);
}

/**
 * Padded standard base64 of `bytes`, as Python's `base64.b64encode`.
 * @example
 * ```ts
 * bytesToBase64(Uint8Array.from([1, 2, 250])); // → 'AQL6'
 * bytesToBase64(Uint8Array.from([1])); // → 'AQ=='
 * ```
 */
export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
