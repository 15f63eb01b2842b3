/**
 * One annotation object from its UTF-8 bytes without JSON.parse: a COCO streamed read parses
 * ~10^6 of them, mostly polygon coordinates, and JSON.parse's text decode, number arrays and the
 * garbage they leave were a quarter of a conversion. The polygons of `segmentation` (a list of
 * lists of numbers) come out as Float64Arrays; everything else as JSON.parse makes it.
 *
 * It answers only when its answer is JSON.parse's: on anything else — bad JSON, bad UTF-8, deep
 * nesting, a `__proto__` key, a segmentation list that is not lists of numbers — it returns
 * undefined and the caller parses with parseJsonBytes, which reports what is wrong (the same
 * RleError, code and offset, as before this parser existed).
 */

const DEPTH_LIMIT = 32; // deeper values are left to parseJsonBytes (and its depth check)
// 10^k for k <= 22 is exact in a double: with a mantissa below 2^53, one division rounds correctly.
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const bail = new Error('not the fast path');
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Parser state (one parse at a time; nothing here calls out to user code).
let buf: Uint8Array = new Uint8Array(0);
let at = 0;
let end = 0;
let polygonKey = '';
// Polygons are views of shared blocks (see core's slab.ts for why): the block being filled.
const BLOCK = 8192; // values (64 KiB)
const MAX_CARVE = 512; // longer lists get their own buffer
let block = new Float64Array(BLOCK);
let blockAt = BLOCK; // full: the first list takes a fresh block (see numbers)

// Short ASCII strings without escapes (keys, mostly) are interned: the same key bytes give the same string.
const CACHE = 512;
const cacheBytes: (Uint8Array | undefined)[] = new Array(CACHE);
const cacheText: string[] = new Array(CACHE);

/**
 * The object in `bytes` as JSON.parse would give it, but with the value of `polygonsKey` (at the
 * top level) as an array of Float64Arrays when it is a list of lists of numbers; undefined when
 * the bytes are not a JSON object this parser answers for exactly (parse them with JSON.parse then).
 * @example
 * ```ts
 * const a = parseAnnotationBytes(encodeUtf8('{"id": 1, "segmentation": [[0.5, 1e1, -0]]}'))!;
 * [a.id, Array.from((a.segmentation as Float64Array[])[0]!)]; // → [1, [0.5, 10, -0]]
 * ```
 */
export function parseAnnotationBytes(bytes: Uint8Array, polygonsKey = 'segmentation'): Record<string, unknown> | undefined {
  buf = bytes;
  at = 0;
  end = bytes.length;
  polygonKey = polygonsKey;
  try {
    ws();
    if (buf[at] !== 0x7b) return undefined;
    const v = object(1, true);
    ws();
    return at === end ? v : undefined;
  } catch (e) {
    if (e === bail) return undefined;
    throw e;
  } finally {
    buf = EMPTY;
  }
}

const EMPTY: Uint8Array = new Uint8Array(0);

function ws(): void {
  while (at < end) {
    const c = buf[at]!;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) at++;
    else return;
  }
}

function value(depth: number): unknown {
  const c = buf[at];
  if (c === 0x22) return string();
  if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return number();
  if (c === 0x7b) return object(depth + 1, false);
  if (c === 0x5b) return array(depth + 1);
  if (c === 0x74) return literal(0x74, 0x72, 0x75, 0x65, true);
  if (c === 0x66) {
    at++;
    return literal(0x61, 0x6c, 0x73, 0x65, false);
  }
  if (c === 0x6e) return literal(0x6e, 0x75, 0x6c, 0x6c, null);
  throw bail;
}

function literal(a: number, b: number, c: number, d: number, v: boolean | null): boolean | null {
  if (buf[at] !== a || buf[at + 1] !== b || buf[at + 2] !== c || buf[at + 3] !== d) throw bail;
  at += 4;
  return v;
}

function object(depth: number, top: boolean): Record<string, unknown> {
  if (depth > DEPTH_LIMIT) throw bail;
  at++;
  const o: Record<string, unknown> = {};
  ws();
  if (buf[at] === 0x7d) {
    at++;
    return o;
  }
  for (;;) {
    if (buf[at] !== 0x22) throw bail;
    const k = string();
    // JSON.parse makes an own property of it; an assignment would set the prototype.
    if (k === '__proto__') throw bail;
    ws();
    if (buf[at] !== 0x3a) throw bail;
    at++;
    ws();
    o[k] = (top && k === polygonKey && buf[at] === 0x5b ? polygons() : undefined) ?? value(depth);
    ws();
    const c = buf[at];
    if (c === 0x2c) {
      at++;
      ws();
    } else if (c === 0x7d) {
      at++;
      return o;
    } else throw bail;
  }
}

function array(depth: number): unknown[] {
  if (depth > DEPTH_LIMIT) throw bail;
  at++;
  const a: unknown[] = [];
  ws();
  if (buf[at] === 0x5d) {
    at++;
    return a;
  }
  for (;;) {
    a.push(value(depth));
    ws();
    const c = buf[at];
    if (c === 0x2c) {
      at++;
      ws();
    } else if (c === 0x5d) {
      at++;
      return a;
    } else throw bail;
  }
}

/** `[[n, ...], ...]` as Float64Arrays, or undefined (position unchanged) when it is not lists of numbers. */
function polygons(): Float64Array[] | undefined {
  const start = at;
  at++;
  const out: Float64Array[] = [];
  ws();
  if (buf[at] === 0x5d) {
    at++;
    return out;
  }
  for (;;) {
    const p = buf[at] === 0x5b ? numbers() : undefined;
    if (p === undefined) {
      at = start;
      return undefined;
    }
    out.push(p);
    ws();
    const c = buf[at];
    if (c === 0x2c) {
      at++;
      ws();
    } else if (c === 0x5d) {
      at++;
      return out;
    } else throw bail;
  }
}

/**
 * `[n, ...]` as a Float64Array, or undefined when an element is not a number. The hot loop of a
 * COCO read: locals only (module state read once and written once), numbers inline, each value
 * written straight into a shared block and handed out as a view of it (as core's copyF64 carves
 * them, without a scratch array to copy from). A byte past the end reads as 0 (`| 0`), which no
 * rule takes: a cut-off list ends as not JSON, never in a loop.
 */
function numbers(): Float64Array | undefined {
  const b = buf;
  let i = at + 1;
  let c = b[i]! | 0;
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]! | 0;
  // A list starts where a few hundred values still fit (a fresh block otherwise): a block fills
  // here, on a path every list takes, rarely mid-list. (Here and below, rare cases go through
  // operations every number runs: one met first in the optimised code deoptimises it.)
  if (blockAt > BLOCK - 512) (block = new Float64Array(BLOCK), (blockAt = 0));
  let out = block, base = blockAt, k = base;
  if (c !== 0x5d) {
    for (;;) {
      // One number: the grammar checked byte by byte; up to 15 significant digits and no exponent, it is exact here.
      const s = i;
      const minus = c === 0x2d ? 1 : 0;
      i += minus;
      c = b[i]! | 0;
      const d0 = i;
      let m = c - 0x30;
      if (m < 0 || m > 9) {
        if (minus === 1) throw bail;
        at = i;
        return undefined; // not a number: not a polygon
      }
      for (;;) {
        c = b[++i]! | 0;
        if (c < 0x30 || c > 0x39) break;
        m = m * 10 + (c - 0x30);
      }
      let digits = i - d0, scale = 0;
      if ((b[d0] === 0x30 ? digits : 0) > 1) throw bail; // a leading zero
      if (c === 0x2e) {
        const f0 = i + 1;
        for (;;) {
          c = b[++i]! | 0;
          if (c < 0x30 || c > 0x39) break;
          m = m * 10 + (c - 0x30);
        }
        scale = i - f0;
        if (scale === 0) throw bail;
        digits += scale;
      }
      let v: number;
      if (c === 0x65 || c === 0x45) {
        c = b[++i]! | 0;
        if (c === 0x2b || c === 0x2d) c = b[++i]! | 0;
        if (c < 0x30 || c > 0x39) throw bail;
        do c = b[++i]! | 0; while (c >= 0x30 && c <= 0x39);
        v = slowNumber(s, i);
      } else if (digits <= 15) {
        // m < 10^15 and 10^scale (scale <= 15) are exact doubles: one division rounds correctly;
        // the sign by a product (exact, and 0 * -1 is -0).
        v = (scale === 0 ? m : m / POW10[scale]!) * (1 - 2 * minus);
      } else v = slowNumber(s, i);
      if (k === out.length) {
        // Full: the list moves to a fresh block, which later lists carve from (the old one stays
        // with its views); a list past half a block, to a buffer of its own that doubles.
        const n = k - base;
        const grown = new Float64Array(Math.max(BLOCK, n * 2));
        grown.set(out.subarray(base, k));
        (out = grown, (base = 0), (k = n));
        if (grown.length === BLOCK) (block = grown, (blockAt = 0));
      }
      out[k++] = v;
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]! | 0;
      if (c === 0x5d) break;
      if (c !== 0x2c) throw bail;
      c = b[++i]! | 0;
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]! | 0;
    }
  }
  at = i + 1;
  // A long list gets a buffer of its own length (as copyF64 gives it; its place in the block is reused).
  if (out !== block) return k === out.length ? out : out.slice(0, k);
  if (k - base > MAX_CARVE) return out.slice(base, k);
  blockAt = k;
  return out.subarray(base, k);
}

/** The token's text is ASCII: JSON.parse of it is the value by definition. */
function slowNumber(s: number, e: number): number {
  return JSON.parse(String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[])) as number;
}

/**
 * A JSON number (the grammar checked byte by byte). Up to 15 significant digits and 22 decimals
 * without an exponent, the mantissa and the power of ten are exact doubles, so one division is
 * the correctly rounded value JSON.parse gives; any other number is JSON.parse's own.
 */
function number(): number {
  const s = at;
  const neg = buf[at] === 0x2d;
  at += neg ? 1 : 0;
  let c = buf[at]!;
  // (Rare cases, a 0 or a minus, go through operations every number runs, as in numbers.)
  let m = 0, digits = 0, scale = 0;
  const d0 = at;
  if (!(c >= 0x30 && c <= 0x39)) throw bail;
  do {
    m = m * 10 + (c - 0x30);
    digits++;
    c = buf[++at]!;
  } while (c >= 0x30 && c <= 0x39);
  if ((buf[d0] === 0x30 ? digits : 0) > 1) throw bail; // a leading zero
  if (c === 0x2e) {
    c = buf[++at]!;
    if (!(c >= 0x30 && c <= 0x39)) throw bail;
    do {
      m = m * 10 + (c - 0x30);
      digits++;
      scale++;
      c = buf[++at]!;
    } while (c >= 0x30 && c <= 0x39);
  }
  let exp = false;
  if (c === 0x65 || c === 0x45) {
    exp = true;
    c = buf[++at]!;
    if (c === 0x2b || c === 0x2d) c = buf[++at]!;
    if (!(c >= 0x30 && c <= 0x39)) throw bail;
    do c = buf[++at]!; while (c >= 0x30 && c <= 0x39);
  }
  if (!exp && digits <= 15 && scale <= 22) return (scale === 0 ? m : m / POW10[scale]!) * (neg ? -1 : 1);
  return slowNumber(s, at);
}

function string(): string {
  const s = ++at;
  let h = 0, ascii = true, escaped = false;
  for (;;) {
    if (at >= end) throw bail;
    const c = buf[at]!;
    if (c === 0x22) break;
    if (c === 0x5c) {
      escaped = true;
      at += 2;
      continue;
    }
    if (c < 0x20) throw bail;
    if (c >= 0x80) ascii = false;
    h = (h * 31 + c) | 0;
    at++;
  }
  const e = at++;
  if (escaped) {
    // Escapes as JSON.parse reads them, from the token's text.
    try {
      return JSON.parse(utf8.decode(buf.subarray(s - 1, e + 1))) as string;
    } catch {
      throw bail;
    }
  }
  const len = e - s;
  if (ascii && len <= 32) {
    const slot = (h ^ len) & (CACHE - 1);
    const known = cacheBytes[slot];
    if (known !== undefined && known.length === len) {
      let same = true;
      for (let j = 0; j < len; j++) {
        if (known[j] !== buf[s + j]) {
          same = false;
          break;
        }
      }
      if (same) return cacheText[slot]!;
    }
    const text = String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
    cacheBytes[slot] = buf.slice(s, e);
    cacheText[slot] = text;
    return text;
  }
  try {
    return utf8.decode(buf.subarray(s, e));
  } catch {
    throw bail;
  }
}
