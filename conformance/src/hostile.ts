/**
 * The hostile corpus (conformance/hostile/): small hand-made files, and big ones generated here at
 * test time rather than committed. `manifest.json` names the dialect, read options and the RleError
 * code expected of each (or "ok"); an entry marked `pending` is a known defect being fixed
 * elsewhere (the issue item is named) and is listed, not run, until the mark is removed.
 */
import { readFileSync } from 'node:fs';
import { deflateRawSync, deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export interface HostileCase {
  /** A file under conformance/hostile/, or... */
  file?: string;
  /** ...the name of a generator below. */
  generate?: string;
  dialect: string;
  readOptions?: Record<string, unknown>;
  /** The RleError code expected, or "ok" when the input must read. */
  code: string;
  /** Why the input is hostile. */
  why: string;
  /** A known defect fixed on another branch: "#12 item N". */
  pending?: string;
}

export const hostileDir = fileURLToPath(new URL('../hostile/', import.meta.url));

export function hostileCases(): HostileCase[] {
  return JSON.parse(readFileSync(`${hostileDir}manifest.json`, 'utf8')) as HostileCase[];
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(text(type), 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function crc32(b: Uint8Array): number {
  let c = ~0;
  for (let i = 0; i < b.length; i++) {
    c ^= b[i]!;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function png(width: number, height: number, bitDepth: number, idat: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = bitDepth;
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', new Uint8Array())];
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Explicit VR little endian element. */
function element(group: number, elem: number, vr: string, value: Uint8Array, undefinedLength = false): Uint8Array {
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT', 'OF'].includes(vr);
  const head = new Uint8Array(long ? 12 : 8);
  const v = new DataView(head.buffer);
  v.setUint16(0, group, true);
  v.setUint16(2, elem, true);
  head.set(text(vr), 4);
  if (long) v.setUint32(8, undefinedLength ? 0xffffffff : value.length, true);
  else v.setUint16(6, value.length, true);
  return concat([head, value]);
}

function part10(transferSyntax: string, body: Uint8Array): Uint8Array {
  const ts = text(transferSyntax.length % 2 ? `${transferSyntax}\0` : transferSyntax);
  const meta = concat([element(0x0002, 0x0001, 'OB', Uint8Array.from([0, 1])), element(0x0002, 0x0010, 'UI', ts)]);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, meta.length, true);
  return concat([new Uint8Array(128), text('DICM'), element(0x0002, 0x0000, 'UL', length), meta, body]);
}

const imageJson = '{"id":1,"file_name":"a.png","height":3,"width":4}';

/** Generators of inputs too big to commit. */
export const generators: Record<string, () => Uint8Array> = {
  /** An annotation attribute nested 100,000 arrays deep (a writer recursing over it overflows the stack). */
  'json-nesting-100k': () => text(`{"images":[${imageJson}],"categories":[{"id":1,"name":"a"}],"annotations":[{"id":1,"image_id":1,"category_id":1,"segmentation":{"size":[3,4],"counts":[1,11]},"iscrowd":0,"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`),
  /** The same in an Encord object. */
  'encord-nesting-100k': () => text(`[{"label_hash":"l","data_hash":"d","data_title":"a.png","data_type":"image","data_units":{"d":{"data_hash":"d","data_title":"a.png","data_type":"image/png","width":4,"height":3,"labels":{"objects":[{"name":"a","shape":"bitmask","value":"a","featureHash":"f","objectHash":"o","deep":${'['.repeat(100_000)}${']'.repeat(100_000)},"bitmask":{"rleString":"","top":0,"left":0,"width":4,"height":3}}],"classifications":[]}}}}]`),
  /** XML elements nested 100,000 deep inside an image. */
  'cvat-nesting-100k': () => text(`<?xml version="1.0"?>\n<annotations><version>1.1</version><image id="0" name="a.png" width="4" height="3">${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</image></annotations>\n`),
  /** A 1 x 2^28 1-bit PNG of alternating pixels: 33 MB of scanline, a few KB deflated, 2^27 runs. */
  'png-stripes-2^28': () => {
    const row = new Uint8Array(1 + (1 << 25)).fill(0x55);
    row[0] = 0;
    return png(1 << 28, 1, 1, deflateSync(row, { level: 9 }));
  },
  /** A 16384 x 16384 8-bit PNG whose IDAT inflates to 268 MB of zeros (a zip bomb within maxPixels). */
  'png-zip-bomb': () => {
    const zeros = new Uint8Array(16385 * 16384);
    return png(16384, 16384, 8, deflateSync(zeros, { level: 9 }));
  },
  /** A PNG declaring 4 x 3 whose IDAT inflates to 64 MB: the excess must not be inflated. */
  'png-idat-overflow': () => png(4, 3, 8, deflateSync(new Uint8Array(64 << 20), { level: 9 })),
  /** Deflated Explicit VR Little Endian whose dataset inflates to 256 MB (read with maxBytes 16 MB). */
  'dicom-deflate-bomb': () => {
    const value = new Uint8Array(256 << 20);
    const body = element(0x0009, 0x0010, 'OB', value);
    return part10('1.2.840.10008.1.2.1.99', deflateRawSync(body, { level: 9 }));
  },
  /** 16,000 sequences nested in each other, undefined lengths (about 580 KB). */
  'dicom-nested-sequences': () => {
    const open = concat([element(0x0008, 0x1115, 'SQ', new Uint8Array(), true), Uint8Array.from([0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff])]);
    const close = Uint8Array.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 16_000; i++) parts.push(open);
    for (let i = 0; i < 16_000; i++) parts.push(close);
    return part10('1.2.840.10008.1.2.1', concat(parts));
  },
  /** One CSV line of 5 MB (no newline): bounded by the line limit or read as one bad row, never a string-length crash. */
  'kaggle-long-line': () => text(`ImageId,EncodedPixels\na.jpg,${'1 2 '.repeat(5 << 18)}`),
  /** A 9 MB line of quoted fields (quadratic quoted-field parsing took 27 s). */
  'kaggle-quoted-fields': () => text(`ImageId,EncodedPixels\na.jpg,${'"1 2",'.repeat(1_500_000)}"1 2"\n`),
};

export function caseBytes(c: HostileCase): Uint8Array {
  if (c.generate !== undefined) {
    const g = generators[c.generate];
    if (g === undefined) throw new Error(`no generator ${c.generate}`);
    return g();
  }
  return new Uint8Array(readFileSync(hostileDir + c.file!));
}
