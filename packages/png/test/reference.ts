/**
 * A deliberately plain PNG writer for tests, independent of src: any colour type, bit depth,
 * Adam7 interlacing, and a chosen filter per scanline, compressed with node:zlib.
 */
import { deflateSync } from 'node:zlib';

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

export function chunk(name: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set([...name].map((c) => c.charCodeAt(0)), 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export interface RefImage {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced?: boolean;
  /** Channel samples of pixel (x, y), in the image's channel order. */
  sample: (x: number, y: number) => number[];
  palette?: number[][];
  trns?: Uint8Array;
  /** Filter type for scanline k (counted over all passes); default cycles 0..4. */
  filter?: (k: number) => number;
  /** Split the zlib stream over this many IDAT chunks. */
  idatChunks?: number;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function refPng(img: RefImage): Uint8Array {
  const ch = CHANNELS[img.colorType]!;
  const bpp = ch * img.bitDepth;
  const byteStep = Math.max(1, bpp >> 3);
  const passes = img.interlaced ? ADAM7 : [[0, 0, 1, 1]];
  const lines: number[] = [];
  let k = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((img.width - x0!) / dx!), ph = Math.ceil((img.height - y0!) / dy!);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = Math.ceil((pw * bpp) / 8);
    let prev = new Uint8Array(rowBytes);
    for (let py = 0; py < ph; py++) {
      const row = new Uint8Array(rowBytes);
      let bit = 0;
      for (let px = 0; px < pw; px++) {
        for (const s of img.sample(x0! + px * dx!, y0! + py * dy!)) {
          if (img.bitDepth === 16) { row[bit >> 3] = s >> 8; row[(bit >> 3) + 1] = s & 255; }
          else if (img.bitDepth === 8) row[bit >> 3] = s;
          else row[bit >> 3]! |= s << (8 - img.bitDepth - (bit & 7));
          bit += img.bitDepth;
        }
      }
      const f = img.filter ? img.filter(k) : k % 5;
      k++;
      const out = new Uint8Array(rowBytes);
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= byteStep ? row[i - byteStep]! : 0, b = prev[i]!, c = i >= byteStep ? prev[i - byteStep]! : 0;
        const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
        out[i] = (row[i]! - pred) & 255;
      }
      lines.push(f, ...out);
      prev = row;
    }
  }
  const z = new Uint8Array(deflateSync(Uint8Array.from(lines)));
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, img.width);
  v.setUint32(4, img.height);
  ihdr.set([img.bitDepth, img.colorType, 0, 0, img.interlaced ? 1 : 0], 8);
  const parts = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', ihdr)];
  if (img.palette) parts.push(chunk('PLTE', Uint8Array.from(img.palette.flat())));
  if (img.trns) parts.push(chunk('tRNS', img.trns));
  const n = img.idatChunks ?? 1;
  const step = Math.ceil(z.length / n);
  for (let i = 0; i < n; i++) parts.push(chunk('IDAT', z.subarray(i * step, Math.min(z.length, (i + 1) * step))));
  parts.push(chunk('IEND', new Uint8Array(0)));
  return concat(parts);
}
