/**
 * Output text built as UTF-8 bytes in one growing buffer, for writers that emit many small pieces
 * (one JSON object or CSV row per annotation): no intermediate strings joined and re-encoded, no
 * TextEncoder call per piece. JSON values are written as exactly the text JSON.stringify gives.
 */
import { encodeCounts } from './count-string.js';
import { RleError } from './errors.js';
import { MAX_JSON_DEPTH } from './source.js';

const encoder = new TextEncoder();

/**
 * A byte buffer that writers append text to and hand out in chunks.
 * @example
 * ```ts
 * const out = new TextOut();
 * out.ascii('{"runs":[');
 * out.uint(12); out.byte(0x2c); out.uint(3);
 * out.ascii('],"name":'); out.jsonString('café'); out.byte(0x7d);
 * decodeUtf8(out.take()); // → '{"runs":[12,3],"name":"café"}'
 * ```
 */
export class TextOut {
  /** The bytes written so far are buf[0, length). */
  buf: Uint8Array;
  length = 0;

  private readonly capacity: number;

  constructor(capacity = 1 << 16) {
    this.capacity = capacity;
    this.buf = new Uint8Array(capacity);
  }

  /** Makes room for `n` more bytes; returns the buffer to write into (from `length`). */
  reserve(n: number): Uint8Array {
    if (this.length + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.length + n, this.buf.length * 2));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    return this.buf;
  }

  /** The bytes written so far, as a chunk of their own (a copy: later writes never change it); the writer starts empty again. */
  take(): Uint8Array {
    const chunk = this.buf.slice(0, this.length);
    this.length = 0;
    // A buffer grown for one huge piece (a mask of millions of runs) is not kept.
    if (this.buf.length > 4 * this.capacity) this.buf = new Uint8Array(this.capacity);
    return chunk;
  }

  byte(b: number): void {
    const buf = this.length < this.buf.length ? this.buf : this.reserve(1);
    buf[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length).set(b, this.length);
    this.length += b.length;
  }

  /** Text known to be ASCII (code units below 128): markup the writer itself chose. */
  ascii(s: string): void {
    const n = s.length;
    const buf = this.reserve(n);
    let o = this.length;
    for (let i = 0; i < n; i++) buf[o++] = s.charCodeAt(i);
    this.length = o;
  }

  /** Any text as UTF-8 (a lone surrogate becomes U+FFFD, as TextEncoder does). */
  text(s: string): void {
    const n = s.length;
    let buf = this.reserve(n);
    let o = this.length, i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[o++] = c;
    }
    this.length = o;
    // The rest in pieces: room for 3 bytes per unit only up to a few KiB past the rest's length, so a
    // long string never reserves three times its size. A piece always has room for one character.
    let rest = i === 0 ? s : s.slice(i);
    while (i < n && rest.length > 0) {
      buf = this.reserve(Math.min(rest.length * 3, Math.max(4096, rest.length)));
      const r = encoder.encodeInto(rest, buf.subarray(this.length));
      this.length += r.written;
      rest = r.read === rest.length ? '' : rest.slice(r.read);
    }
  }

  /** A non-negative integer below 2^53, in decimal. */
  uint(v: number): void {
    const buf = this.length + 16 <= this.buf.length ? this.buf : this.reserve(16);
    let o = this.length;
    if (v < 10) {
      buf[o++] = 48 + v;
    } else if (v < 0x100000000) {
      let digits = 1;
      for (let t = v; t >= 10; t = (t / 10) >>> 0) digits++;
      o += digits;
      for (let i = o - 1, t = v; i >= o - digits; i--) {
        const q = (t / 10) >>> 0;
        buf[i] = 48 + t - q * 10;
        t = q;
      }
    } else {
      this.length = o;
      this.ascii(String(v));
      return;
    }
    this.length = o;
  }

  /** The count string of `counts` (pycocotools' rleToString) as a JSON string: quoted, its backslashes escaped. */
  jsonCountString(counts: Uint32Array): void {
    let buf = this.reserve(counts.length * 7 + 2);
    const start = this.length + 1;
    buf[this.length] = 0x22;
    const end = encodeCounts(counts, buf, start);
    // The code's characters are '0'..'o': only '\\' (92) needs escaping in JSON.
    let slashes = 0;
    for (let i = start; i < end; i++) if (buf[i] === 0x5c) slashes++;
    if (slashes > 0) {
      // Room for the escapes and the closing quote (the code so far is kept by reserve).
      this.length = end;
      buf = this.reserve(slashes + 1);
      for (let i = end - 1, j = end - 1 + slashes; i >= start; i--) {
        const c = buf[i]!;
        buf[j--] = c;
        if (c === 0x5c) buf[j--] = 0x5c;
      }
    }
    buf[end + slashes] = 0x22;
    this.length = end + slashes + 1;
  }

  /** A number as JSON.stringify writes it (non-finite numbers are null). */
  jsonNumber(v: number): void {
    if (v >= 0 && v <= 0xffffffff && Number.isInteger(v)) this.uint(v);
    else this.ascii(Number.isFinite(v) ? String(v) : 'null');
  }

  /** A string as JSON.stringify writes it: quoted, escaped, lone surrogates as \u escapes. */
  jsonString(s: string): void {
    const n = s.length;
    const buf = this.reserve(n + 2);
    let o = this.length;
    buf[o++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // Escapes (quote, backslash, controls) and non-ASCII take JSON.stringify's own path.
      if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x80) {
        this.text(JSON.stringify(s));
        return;
      }
      buf[o++] = c;
    }
    buf[o++] = 0x22;
    this.length = o;
  }

  /**
   * Any value as JSON.stringify(value) writes it; returns false, writing nothing, where it
   * writes nothing (undefined, a function, a symbol). Errors as stringifyJson's, at `path`.
   */
  json(v: unknown, path: readonly (string | number)[] = []): boolean {
    if (typeof v === 'number') this.jsonNumber(v);
    else if (typeof v === 'string') this.jsonString(v);
    else if (typeof v === 'boolean') this.ascii(v ? 'true' : 'false');
    else if (v === null) this.ascii('null');
    else {
      let s: string | undefined;
      try {
        s = JSON.stringify(v);
      } catch (e) {
        if (e instanceof RangeError) throw new RleError('LIMIT_EXCEEDED', 'A value is nested too deep to write as JSON', { path, expected: `arrays and objects nested at most ${MAX_JSON_DEPTH} deep`, cause: e });
        throw new RleError('INVALID_STRUCTURE', 'A value cannot be written as JSON (circular, or a BigInt)', { path, expected: 'plain JSON data', cause: e });
      }
      if (s === undefined) return false;
      this.text(s);
    }
    return true;
  }
}
