/**
 * Output text built as UTF-8 bytes in one growing buffer, for writers that emit many small pieces
 * (one JSON object or CSV row per annotation): no intermediate strings joined and re-encoded, no
 * TextEncoder call per piece. JSON values are written as exactly the text JSON.stringify gives.
 */
import { encodeCounts } from './count-string.js';
import { RleError } from './errors.js';
import { MAX_JSON_DEPTH } from './source.js';

const encoder = new TextEncoder();
/** "00" to "99": the ASCII digits of n at 2n and 2n + 1. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, k) => 48 + (k & 1 ? (k >> 1) % 10 : Math.floor((k >> 1) / 10)));

/**
 * Writes the decimal digits of a non-negative integer below 2^53 into `buf` at `o` (room for
 * them is the caller's); returns the end. The run lengths of every text writer (Kaggle pairs,
 * rlekit-json runs) go through here: two digits a step from a table, in small-integer arithmetic.
 * @example
 * ```ts
 * const buf = new Uint8Array(8);
 * decodeUtf8(buf.subarray(0, writeUint(buf, 0, 40213))); // → '40213'
 * ```
 */
export function writeUint(buf: Uint8Array, o: number, v: number): number {
  if (v < 10) {
    buf[o] = 48 + v;
    return o + 1;
  }
  const digits = v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : String(v).length;
  const end = o + digits;
  if (v <= 0x7fffffff) {
    // Small integer arithmetic (no float division), two digits a step from a table.
    let i = end;
    while (v >= 100) {
      const q = (v / 100) | 0, r = (v - q * 100) << 1;
      buf[--i] = DIGIT_PAIRS[r + 1]!;
      buf[--i] = DIGIT_PAIRS[r]!;
      v = q;
    }
    if (v >= 10) {
      buf[--i] = DIGIT_PAIRS[(v << 1) + 1]!;
      buf[--i] = DIGIT_PAIRS[v << 1]!;
    } else buf[--i] = 48 + v;
  } else {
    for (let i = end - 1; i >= o; i--) {
      const q = Math.floor(v / 10);
      // The digit first: 48 + v is past 2^53 for the largest v, where doubles skip odd integers.
      buf[i] = 48 + (v - q * 10);
      v = q;
    }
  }
  return end;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Writes a finite number as JSON.stringify (Number::toString) does, into `buf` at `o` (room for
 * 24 bytes is the caller's); returns the end, or -1 where it leaves the number to String(v).
 * Polygon coordinates (`130.14`) are most of a COCO file's numbers: the shortest decimal of d
 * digits after the point is found as m / 10^d with m = round(|v| × 10^d), d = 1, 2, …, taken when
 * it gives v back and m < 10^15. Why that is exactly String(v): a decimal of at most 15
 * significant digits is the shortest one of the double nearest it, no shorter one comes first
 * (fewer decimals are tried first, and the integer part's digits are set by v's size), and the
 * rounding of |v| × 10^d is off by at most 1/8 there, so it finds m when m exists. Integers
 * below 2^53 are their digits; the rest (exponents, 16 or 17 digits) is left to String.
 * @example
 * ```ts
 * const buf = new Uint8Array(24);
 * decodeUtf8(buf.subarray(0, writeJsonNumber(buf, 0, -130.14))); // → '-130.14'
 * // String(0.1 + 0.2) is '0.30000000000000004': 17 digits, left to String.
 * writeJsonNumber(buf, 0, 0.1 + 0.2); // → -1
 * ```
 */
export function writeJsonNumber(buf: Uint8Array, o: number, v: number): number {
  const neg = v < 0;
  const a = neg ? -v : v;
  if (Number.isInteger(a)) {
    if (a > Number.MAX_SAFE_INTEGER) return -1;
    if (neg && a !== 0) buf[o++] = 0x2d; // -0 is "0"
    return writeUint(buf, o, a);
  }
  if (!(a >= 1e-6 && a < 1e15)) return -1; // exponent notation below 1e-6 (or NaN): String's
  for (let d = 1; d <= 15; d++) {
    const p = POW10[d]!;
    const m = Math.round(a * p);
    if (m >= 1e15) return -1;
    if (m / p !== a) continue;
    const ip = Math.floor(m / p), fp = m - ip * p;
    if (fp <= 0 || fp >= p) return -1; // not met (m is no multiple of p: d - 1 would have matched); kept as a guard
    if (neg) buf[o++] = 0x2d;
    o = writeUint(buf, o, ip);
    buf[o++] = 0x2e;
    // The fraction's d digits, its leading zeros included.
    const end = o + d;
    let f = fp;
    for (let i = end - 1; i >= o; i--) {
      const q = Math.floor(f / 10);
      buf[i] = 48 + (f - q * 10);
      f = q;
    }
    return end;
  }
  return -1;
}

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
    this.length = writeUint(buf, this.length, v);
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
    if (v >= 0 && v <= 0xffffffff && Number.isInteger(v)) {
      this.uint(v);
      return;
    }
    const buf = this.length + 24 <= this.buf.length ? this.buf : this.reserve(24);
    const end = writeJsonNumber(buf, this.length, v);
    if (end >= 0) this.length = end;
    else this.ascii(Number.isFinite(v) ? String(v) : 'null');
  }

  /** A list of numbers as JSON.stringify writes an array of them (`[1.5,2]`): a polygon's coordinates. */
  jsonNumbers(list: ArrayLike<number>): void {
    this.byte(0x5b);
    for (let i = 0; i < list.length; i++) {
      if (i > 0) this.byte(0x2c);
      this.jsonNumber(list[i]!);
    }
    this.byte(0x5d);
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
