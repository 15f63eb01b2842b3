/**
 * A small zlib (RFC 1950/1951) codec in plain TypeScript, so the package stays browser-safe
 * and synchronous. The inflater writes into a buffer of the exact size the PNG header
 * promises, so a crafted stream can never make it allocate more (no zip bombs).
 */
import { RleError } from '@rlekit/core';

const LENGTH_BASE = new Uint16Array([3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]);
const LENGTH_EXTRA = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
const DIST_BASE = new Uint16Array([1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]);
const DIST_EXTRA = new Uint8Array([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]);
const CLEN_ORDER = new Uint8Array([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

function reverseBits(v: number, n: number): number {
  let r = 0;
  for (let i = 0; i < n; i++) {
    r = (r << 1) | (v & 1);
    v >>>= 1;
  }
  return r;
}

/** A decoding table indexed by the next `bits` input bits: entry = symbol << 4 | code length (0 = invalid). */
interface Huffman {
  table: Uint32Array;
  bits: number;
}

function buildHuffman(lengths: Uint8Array, n: number, what: string): Huffman {
  const count = new Uint16Array(16);
  let maxLen = 0;
  for (let i = 0; i < n; i++) {
    const l = lengths[i]!;
    count[l]!++;
    if (l > maxLen) maxLen = l;
  }
  count[0] = 0;
  // Over-subscribed codes are corrupt; incomplete ones are allowed (a lone distance code) and caught when an unused code is read.
  let left = 1;
  for (let l = 1; l < 16; l++) {
    left = (left << 1) - count[l]!;
    if (left < 0) throw new RleError('CORRUPT', `Over-subscribed ${what} Huffman code in the deflate stream`);
  }
  const bits = Math.max(1, maxLen);
  const table = new Uint32Array(1 << bits);
  const next = new Uint16Array(16);
  let code = 0;
  for (let l = 1; l < 16; l++) {
    code = (code + count[l - 1]!) << 1;
    next[l] = code;
  }
  for (let sym = 0; sym < n; sym++) {
    const l = lengths[sym]!;
    if (l === 0) continue;
    const rev = reverseBits(next[l]!++, l);
    const entry = (sym << 4) | l;
    for (let i = rev; i < table.length; i += 1 << l) table[i] = entry;
  }
  return { table, bits };
}

let fixedLit: Huffman | undefined;
let fixedDist: Huffman | undefined;
function fixedTables(): [Huffman, Huffman] {
  if (!fixedLit || !fixedDist) {
    const l = new Uint8Array(288);
    l.fill(8, 0, 144); l.fill(9, 144, 256); l.fill(7, 256, 280); l.fill(8, 280, 288);
    fixedLit = buildHuffman(l, 288, 'literal');
    fixedDist = buildHuffman(new Uint8Array(30).fill(5), 30, 'distance');
  }
  return [fixedLit, fixedDist];
}

export function adler32(data: Uint8Array, start = 0, end = data.length): number {
  let a = 1, b = 0;
  let i = start;
  while (i < end) {
    const stop = Math.min(end, i + 1500); // small blocks keep the sums small integers (fast in V8)
    // Four bytes per step: b gains 4a + 4x0 + 3x1 + 2x2 + x3, a gains their sum.
    for (const stop4 = stop - 3; i < stop4; i += 4) {
      const x0 = data[i]!, x1 = data[i + 1]!, x2 = data[i + 2]!, x3 = data[i + 3]!;
      b += 4 * a + 4 * x0 + 3 * x1 + 2 * x2 + x3;
      a += x0 + x1 + x2 + x3;
    }
    for (; i < stop; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Inflates a zlib stream into exactly `outSize` bytes. Throws CORRUPT for malformed data, a bad
 * checksum or more output than expected, TRUNCATED when the stream ends early.
 */
export function inflateZlib(input: Uint8Array, outSize: number): Uint8Array {
  if (input.length < 2) throw new RleError('TRUNCATED', 'Image data ends before the zlib header', { expected: '2 header bytes', received: `${input.length} bytes` });
  const cmf = input[0]!, flg = input[1]!;
  if ((cmf & 0x0f) !== 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 !== 0) {
    throw new RleError('CORRUPT', 'Invalid zlib header in the image data', { offset: 0, expected: 'deflate with a valid header check', received: `0x${cmf.toString(16)} 0x${flg.toString(16)}` });
  }
  if (flg & 0x20) throw new RleError('UNSUPPORTED', 'zlib preset dictionaries are not allowed in PNG', { offset: 1 });
  const out = new Uint8Array(outSize);
  const len = input.length;
  let pos = 2; // next input byte
  let buf = 0; // bit buffer
  let cnt = 0; // bits in buf
  let op = 0;

  const truncated = (): never => {
    throw new RleError('TRUNCATED', 'Image data ends inside the deflate stream', { offset: len, expected: 'more compressed data (a short or missing IDAT?)' });
  };
  const need = (n: number): void => {
    while (cnt < n) {
      // Past the end we feed zeros; `overrun` catches a read that really used them.
      buf |= (pos < len ? input[pos]! : 0) << cnt;
      pos++;
      cnt += 8;
    }
  };
  const overrun = (): boolean => pos - (cnt >> 3) > len;
  const bitsOf = (n: number): number => {
    need(n);
    const v = buf & ((1 << n) - 1);
    buf >>>= n;
    cnt -= n;
    return v;
  };
  const decodeSym = (h: Huffman): number => {
    need(h.bits);
    const e = h.table[buf & ((1 << h.bits) - 1)]!;
    const l = e & 15;
    if (l === 0) throw new RleError('CORRUPT', 'Invalid Huffman code in the deflate stream', { offset: pos });
    buf >>>= l;
    cnt -= l;
    return e >>> 4;
  };
  const tooLong = (): never => {
    if (overrun()) truncated(); // zero padding past the end decoded as data: the input was cut short
    throw new RleError('CORRUPT', 'Image data inflates to more bytes than the header allows', { expected: `${outSize} bytes` });
  };

  const lengths = new Uint8Array(320);
  let final = 0;
  while (!final) {
    final = bitsOf(1);
    const type = bitsOf(2);
    if (type === 0) {
      buf = 0; // stored block: skip to the byte boundary, then re-read from whole bytes
      pos -= cnt >> 3;
      cnt = 0;
      if (pos + 4 > len) truncated();
      const n = input[pos]! | (input[pos + 1]! << 8);
      const nn = input[pos + 2]! | (input[pos + 3]! << 8);
      if ((n ^ 0xffff) !== nn) throw new RleError('CORRUPT', 'Stored deflate block length check failed', { offset: pos });
      pos += 4;
      if (pos + n > len) truncated();
      if (op + n > outSize) tooLong();
      out.set(input.subarray(pos, pos + n), op);
      op += n;
      pos += n;
      continue;
    }
    let lit: Huffman, dist: Huffman;
    if (type === 1) {
      [lit, dist] = fixedTables();
    } else if (type === 2) {
      const hlit = bitsOf(5) + 257, hdist = bitsOf(5) + 1, hclen = bitsOf(4) + 4;
      const cl = new Uint8Array(19);
      for (let i = 0; i < hclen; i++) cl[CLEN_ORDER[i]!] = bitsOf(3);
      const clh = buildHuffman(cl, 19, 'code length');
      lengths.fill(0);
      let i = 0;
      while (i < hlit + hdist) {
        const sym = decodeSym(clh);
        if (sym < 16) {
          lengths[i++] = sym;
          continue;
        }
        let rep: number, val = 0;
        if (sym === 16) {
          if (i === 0) throw new RleError('CORRUPT', 'Repeat code with no previous length in the deflate stream', { offset: pos });
          val = lengths[i - 1]!;
          rep = 3 + bitsOf(2);
        } else if (sym === 17) rep = 3 + bitsOf(3);
        else rep = 11 + bitsOf(7);
        if (i + rep > hlit + hdist) throw new RleError('CORRUPT', 'Code lengths overflow in the deflate stream', { offset: pos });
        lengths.fill(val, i, i + rep);
        i += rep;
      }
      if (overrun()) truncated();
      if (lengths[256] === 0) throw new RleError('CORRUPT', 'Deflate block has no end-of-block code', { offset: pos });
      lit = buildHuffman(lengths.subarray(0, hlit), hlit, 'literal');
      dist = buildHuffman(lengths.subarray(hlit, hlit + hdist), hdist, 'distance');
    } else {
      throw new RleError('CORRUPT', 'Invalid deflate block type 3', { offset: pos });
    }
    // The hot loop keeps the bit buffer in locals (closures over mutable state are slow in V8).
    const lt = lit.table, lb = lit.bits, lm = (1 << lb) - 1;
    const dt = dist.table, db = dist.bits, dm = (1 << db) - 1;
    let b = buf, c = cnt, p = pos;
    for (;;) {
      while (c < 15) {
        b |= (p < len ? input[p]! : 0) << c;
        p++;
        c += 8;
      }
      const e = lt[b & lm]!;
      const l = e & 15;
      if (l === 0) throw new RleError('CORRUPT', 'Invalid Huffman code in the deflate stream', { offset: p });
      b >>>= l;
      c -= l;
      const sym = e >>> 4;
      if (sym < 256) {
        if (op >= outSize) {
          pos = p; cnt = c;
          tooLong();
        }
        out[op++] = sym;
        continue;
      }
      if (sym === 256) break;
      const li = sym - 257;
      if (li >= 29) throw new RleError('CORRUPT', 'Invalid length code in the deflate stream', { offset: p });
      const le = LENGTH_EXTRA[li]!;
      while (c < le) {
        b |= (p < len ? input[p]! : 0) << c;
        p++;
        c += 8;
      }
      const length = LENGTH_BASE[li]! + (b & ((1 << le) - 1));
      b >>>= le;
      c -= le;
      while (c < 15) {
        b |= (p < len ? input[p]! : 0) << c;
        p++;
        c += 8;
      }
      const de = dt[b & dm]!;
      const dl = de & 15;
      if (dl === 0) throw new RleError('CORRUPT', 'Invalid Huffman code in the deflate stream', { offset: p });
      b >>>= dl;
      c -= dl;
      const di = de >>> 4;
      if (di >= 30) throw new RleError('CORRUPT', 'Invalid distance code in the deflate stream', { offset: p });
      const dx = DIST_EXTRA[di]!;
      while (c < dx) {
        b |= (p < len ? input[p]! : 0) << c;
        p++;
        c += 8;
      }
      const d = DIST_BASE[di]! + (b & ((1 << dx) - 1));
      b >>>= dx;
      c -= dx;
      pos = p; cnt = c;
      if (d > op) throw new RleError('CORRUPT', 'Deflate distance points before the start of the data', { offset: p });
      if (op + length > outSize) tooLong();
      if (overrun()) truncated();
      if (d >= length) {
        out.copyWithin(op, op - d, op - d + length);
        op += length;
      } else if (d === 1) {
        out.fill(out[op - 1]!, op, op + length);
        op += length;
      } else {
        for (let k = 0; k < length; k++, op++) out[op] = out[op - d]!;
      }
    }
    buf = b; cnt = c; pos = p;
    if (overrun()) truncated();
  }
  // Adler-32 of the output follows, big-endian, from the next byte boundary.
  pos -= cnt >> 3;
  if (op < outSize) throw new RleError('TRUNCATED', 'Image data inflates to fewer bytes than the header requires', { expected: `${outSize} bytes`, received: `${op} bytes` });
  if (pos + 4 > len) truncated();
  const sum = ((input[pos]! << 24) | (input[pos + 1]! << 16) | (input[pos + 2]! << 8) | input[pos + 3]!) >>> 0;
  if (sum !== adler32(out)) throw new RleError('CORRUPT', 'Adler-32 checksum of the image data does not match', { offset: pos });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Deflate: greedy LZ77 with a hash chain, fixed Huffman codes. Mask scanlines are long runs of
// repeated bytes, which distance-1 and distance-(row) matches of 258 bytes compress well.

const LEN_CODE = new Uint16Array(259); // length → (code - 257)
const LEN_EXTRA_BITS = new Uint8Array(259);
const LEN_EXTRA_VAL = new Uint16Array(259);
for (let c = 0; c < 29; c++) {
  const base = LENGTH_BASE[c]!, span = c === 28 ? 1 : 1 << LENGTH_EXTRA[c]!;
  for (let l = base; l < base + span && l <= 258; l++) {
    LEN_CODE[l] = c;
    LEN_EXTRA_BITS[l] = c === 28 ? 0 : LENGTH_EXTRA[c]!;
    LEN_EXTRA_VAL[l] = l - base;
  }
}

function distCode(d: number): number {
  let c = 0;
  while (c < 29 && DIST_BASE[c + 1]! <= d) c++;
  return c;
}
const DIST_CODE_SMALL = new Uint8Array(513);
for (let d = 1; d <= 512; d++) DIST_CODE_SMALL[d] = distCode(d);

const FIXED_LIT_CODE = new Uint16Array(288);
const FIXED_LIT_LEN = new Uint8Array(288);
for (let s = 0; s < 288; s++) {
  const [code, l] = s < 144 ? [0x30 + s, 8] : s < 256 ? [0x190 + s - 144, 9] : s < 280 ? [s - 256, 7] : [0xc0 + s - 280, 8];
  FIXED_LIT_CODE[s] = reverseBits(code, l);
  FIXED_LIT_LEN[s] = l;
}
const FIXED_DIST_CODE = new Uint8Array(30);
for (let d = 0; d < 30; d++) FIXED_DIST_CODE[d] = reverseBits(d, 5);

class BitWriter {
  out: Uint8Array;
  n = 0;
  private buf = 0;
  private cnt = 0;
  constructor(capacity: number) {
    this.out = new Uint8Array(Math.max(64, capacity));
  }
  bits(v: number, n: number): void {
    this.buf |= v << this.cnt;
    this.cnt += n;
    while (this.cnt >= 8) {
      if (this.n === this.out.length) this.grow();
      this.out[this.n++] = this.buf & 0xff;
      this.buf >>>= 8;
      this.cnt -= 8;
    }
  }
  flush(): void {
    if (this.cnt > 0) this.bits(0, 8 - this.cnt);
  }
  byte(v: number): void {
    this.bits(v, 8);
  }
  private grow(): void {
    const next = new Uint8Array(this.out.length * 2);
    next.set(this.out);
    this.out = next;
  }
}

/** Length of the run of byte `v` from `i` (before `end`), comparing aligned words where it can. */
export function runOf(data: Uint8Array, w32: Uint32Array, i: number, v: number, end: number): number {
  let p = i;
  while (p < end && ((data.byteOffset + p) & 3) !== 0) {
    if (data[p] !== v) return p - i;
    p++;
  }
  const word = Math.imul(v, 0x01010101) >>> 0;
  let k = (p >> 2);
  const kEnd = Math.min(w32.length, end >> 2);
  while (k < kEnd && w32[k] === word) k++;
  p = Math.max(p, k << 2);
  while (p < end && data[p] === v) p++;
  return p - i;
}

const HASH_BITS = 15;
// Candidates tried per position: masks repeat rows exactly, so the first candidates nearly always win.
const MAX_CHAIN = 4;
const WINDOW = 32768;

/** Compresses `data` into a zlib stream. */
/**
 * Code lengths of at most `maxLen` bits for the given symbol frequencies (package-merge), so
 * that frequent symbols (the 258-byte run of zeros) get the shortest codes. Every code has at
 * least two symbols, which keeps it complete for every inflater.
 */
export function codeLengths(freq: Uint32Array, maxLen: number): Uint8Array {
  const n = freq.length;
  const out = new Uint8Array(n);
  const used: number[] = [];
  for (let s = 0; s < n; s++) if (freq[s]! > 0) used.push(s);
  for (let s = 0; used.length < 2; s++) if (freq[s] === 0 && !used.includes(s)) used.push(s); // pad to two symbols
  used.sort((a, b) => (freq[a]! - freq[b]!) || a - b);
  // Items: leaves (sym >= 0) and packages (two children). Weights as plain numbers (counts fit easily).
  interface Item { w: number; sym: number; a?: Item; b?: Item }
  const leaves: Item[] = used.map((sym) => ({ w: Math.max(1, freq[sym]!), sym }));
  let list: Item[] = leaves.slice();
  for (let level = 1; level < maxLen; level++) {
    const packages: Item[] = [];
    for (let i = 0; i + 1 < list.length; i += 2) packages.push({ w: list[i]!.w + list[i + 1]!.w, sym: -1, a: list[i]!, b: list[i + 1]! });
    // Merge leaves and packages by weight (leaves first on ties).
    const merged: Item[] = [];
    let i = 0, j = 0;
    while (i < leaves.length || j < packages.length) {
      if (j >= packages.length || (i < leaves.length && leaves[i]!.w <= packages[j]!.w)) merged.push(leaves[i++]!);
      else merged.push(packages[j++]!);
    }
    list = merged;
  }
  const count = (it: Item): void => {
    if (it.sym >= 0) out[it.sym]!++;
    else {
      count(it.a!);
      count(it.b!);
    }
  };
  for (let i = 0; i < 2 * used.length - 2; i++) count(list[i]!);
  return out;
}

/** Canonical codes (bit-reversed, ready to write LSB first) for code lengths. */
function canonicalCodes(lengths: Uint8Array): Uint16Array {
  const count = new Uint16Array(16);
  for (const l of lengths) count[l]!++;
  count[0] = 0;
  const next = new Uint16Array(16);
  let code = 0;
  for (let l = 1; l < 16; l++) {
    code = (code + count[l - 1]!) << 1;
    next[l] = code;
  }
  const out = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s]!;
    if (l > 0) out[s] = reverseBits(next[l]!++, l);
  }
  return out;
}

/** Tokens of one block: a literal (len 0, val = byte) or a match (len 3..258, val = distance). */
const BLOCK_TOKENS = 1 << 15;

function writeBlock(w: BitWriter, tokLen: Uint16Array, tokVal: Uint16Array, count: number, final: boolean): void {
  const lf = new Uint32Array(286), df = new Uint32Array(30);
  for (let t = 0; t < count; t++) {
    const l = tokLen[t]!;
    if (l === 0) lf[tokVal[t]!]!++;
    else {
      lf[257 + LEN_CODE[l]!]!++;
      const d = tokVal[t]!;
      df[d <= 512 ? DIST_CODE_SMALL[d]! : distCode(d)]!++;
    }
  }
  lf[256] = 1;
  // Extra bits are the same under both codings; compare the Huffman parts only.
  const litLen = codeLengths(lf, 15), distLen = codeLengths(df, 15);
  let hlit = 286;
  while (hlit > 257 && litLen[hlit - 1] === 0) hlit--;
  let hdist = 30;
  while (hdist > 1 && distLen[hdist - 1] === 0) hdist--;
  // Run-length code of the code lengths (16: repeat previous 3-6, 17: 3-10 zeros, 18: 11-138 zeros).
  const all = new Uint8Array(hlit + hdist);
  all.set(litLen.subarray(0, hlit));
  all.set(distLen.subarray(0, hdist), hlit);
  const clSym: number[] = [], clExtra: number[] = [];
  for (let i = 0; i < all.length; ) {
    const v = all[i]!;
    let r = 1;
    while (i + r < all.length && all[i + r] === v) r++;
    let left = r;
    if (v === 0) {
      while (left >= 11) { const k = Math.min(138, left); clSym.push(18); clExtra.push(k - 11); left -= k; }
      if (left >= 3) { clSym.push(17); clExtra.push(left - 3); left = 0; }
    } else {
      clSym.push(v); clExtra.push(0); left--;
      while (left >= 3) { const k = Math.min(6, left); clSym.push(16); clExtra.push(k - 3); left -= k; }
    }
    for (; left > 0; left--) { clSym.push(v); clExtra.push(0); }
    i += r;
  }
  const cf = new Uint32Array(19);
  for (const c of clSym) cf[c]!++;
  const clLen = codeLengths(cf, 7);
  let hclen = 19;
  while (hclen > 4 && clLen[CLEN_ORDER[hclen - 1]!] === 0) hclen--;
  let dynamicBits = 14 + 3 * hclen;
  for (let k = 0; k < clSym.length; k++) dynamicBits += clLen[clSym[k]!]! + (clSym[k] === 16 ? 2 : clSym[k] === 17 ? 3 : clSym[k] === 18 ? 7 : 0);
  let fixedBits = 0;
  for (let sym = 0; sym < 286; sym++) {
    dynamicBits += lf[sym]! * litLen[sym]!;
    fixedBits += lf[sym]! * FIXED_LIT_LEN[sym]!;
  }
  for (let d = 0; d < 30; d++) {
    dynamicBits += df[d]! * distLen[d]!;
    fixedBits += df[d]! * 5;
  }
  w.bits(final ? 1 : 0, 1);
  let litCode: Uint16Array, litBits: Uint8Array, distCodeOf: Uint16Array, distBits: Uint8Array;
  if (fixedBits <= dynamicBits) {
    w.bits(1, 2);
    litCode = FIXED_LIT_CODE; litBits = FIXED_LIT_LEN;
    distCodeOf = Uint16Array.from(FIXED_DIST_CODE); distBits = new Uint8Array(30).fill(5);
  } else {
    w.bits(2, 2);
    w.bits(hlit - 257, 5);
    w.bits(hdist - 1, 5);
    w.bits(hclen - 4, 4);
    for (let k = 0; k < hclen; k++) w.bits(clLen[CLEN_ORDER[k]!]!, 3);
    const clCode = canonicalCodes(clLen);
    for (let k = 0; k < clSym.length; k++) {
      const c = clSym[k]!;
      w.bits(clCode[c]!, clLen[c]!);
      if (c === 16) w.bits(clExtra[k]!, 2);
      else if (c === 17) w.bits(clExtra[k]!, 3);
      else if (c === 18) w.bits(clExtra[k]!, 7);
    }
    litCode = canonicalCodes(litLen); litBits = litLen;
    distCodeOf = canonicalCodes(distLen); distBits = distLen;
  }
  for (let t = 0; t < count; t++) {
    const l = tokLen[t]!;
    if (l === 0) {
      const v = tokVal[t]!;
      w.bits(litCode[v]!, litBits[v]!);
      continue;
    }
    const c = 257 + LEN_CODE[l]!;
    w.bits(litCode[c]!, litBits[c]!);
    if (LEN_EXTRA_BITS[l]! > 0) w.bits(LEN_EXTRA_VAL[l]!, LEN_EXTRA_BITS[l]!);
    const d = tokVal[t]!;
    const dc = d <= 512 ? DIST_CODE_SMALL[d]! : distCode(d);
    w.bits(distCodeOf[dc]!, distBits[dc]!);
    if (DIST_EXTRA[dc]! > 0) w.bits(d - DIST_BASE[dc]!, DIST_EXTRA[dc]!);
  }
  w.bits(litCode[256]!, litBits[256]!);
}

/**
 * Compresses `data` into a zlib stream: greedy LZ77 (runs of one byte as distance-1 matches,
 * other repeats through a short hash chain), then per block whichever of dynamic or fixed
 * Huffman codes is smaller.
 */
export function deflateZlib(data: Uint8Array): Uint8Array {
  const w = new BitWriter((data.length >> 4) + 64);
  w.byte(0x78);
  w.byte(0x01); // deflate, 32K window, "fastest" level flag; (0x78 << 8 | 0x01) % 31 === 0
  const n = data.length;
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const prev = new Int32Array(WINDOW);
  const tokLen = new Uint16Array(BLOCK_TOKENS), tokVal = new Uint16Array(BLOCK_TOKENS);
  let nt = 0;
  const emit = (len: number, val: number): void => {
    tokLen[nt] = len;
    tokVal[nt++] = val;
    if (nt === BLOCK_TOKENS) {
      writeBlock(w, tokLen, tokVal, nt, false);
      nt = 0;
    }
  };
  // Aligned words let runs of one byte (most of a filtered mask) be measured 4 bytes at a time.
  const bytes = (data.byteOffset & 3) === 0 ? data : data.slice();
  const w32 = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
  let i = 0;
  while (i < n) {
    const v = bytes[i]!;
    if (i > 0 && i + 2 < n && bytes[i - 1] === v && bytes[i + 1] === v && bytes[i + 2] === v) {
      // A run continuing the previous byte: distance-1 matches, without hashing (like zlib's Z_RLE).
      let left = runOf(bytes, w32, i, v, n);
      i += left;
      while (left >= 3) {
        const l = left > 258 ? (left - 258 < 3 ? left - 3 : 258) : left;
        emit(l, 1);
        left -= l;
      }
      for (; left > 0; left--) emit(0, v);
      continue;
    }
    let bestLen = 0, bestDist = 0;
    if (i + 2 < n) {
      const h = ((v << 10) ^ (bytes[i + 1]! << 5) ^ bytes[i + 2]!) & ((1 << HASH_BITS) - 1);
      let cand = head[h]!;
      prev[i & (WINDOW - 1)] = cand;
      head[h] = i;
      const maxLen = Math.min(258, n - i);
      for (let chain = 0; chain < MAX_CHAIN && cand >= 0 && i - cand <= WINDOW; chain++) {
        if (bytes[cand + bestLen] === bytes[i + bestLen]) {
          let l = 0;
          while (l < maxLen && bytes[cand + l] === bytes[i + l]) l++;
          if (l > bestLen) {
            bestLen = l;
            bestDist = i - cand;
            if (l === maxLen) break;
          }
        }
        const p = prev[cand & (WINDOW - 1)]!;
        if (p >= cand) break; // the slot was reused by a newer position
        cand = p;
      }
    }
    if (bestLen >= 3) {
      emit(bestLen, bestDist);
      i += bestLen; // positions inside a match are not hashed: fast, and runs still find each other
    } else {
      emit(0, v);
      i++;
    }
  }
  writeBlock(w, tokLen, tokVal, nt, true);
  w.flush();
  const sum = adler32(data);
  w.byte(sum >>> 24);
  w.byte((sum >>> 16) & 0xff);
  w.byte((sum >>> 8) & 0xff);
  w.byte(sum & 0xff);
  return w.out.slice(0, w.n);
}
