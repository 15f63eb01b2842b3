import { isFolderSource, readHead, RleError, type ByteSource, type DialectContext, type FolderSource, type Size } from '@rlekit/core';
import { csvRecords } from './csv.js';

/** `"HxW"` (also `H×W`) → size; INVALID_OPTION otherwise. */
export function parseSize(text: string, option = 'size'): Size {
  const m = /^\s*(\d{1,9})\s*[xX×]\s*(\d{1,9})\s*$/.exec(text);
  if (!m) throw new RleError('INVALID_OPTION', `Invalid ${option}`, { path: [option], expected: '"HxW", e.g. "768x768" (height first)', received: text });
  return { height: Number(m[1]), width: Number(m[2]) };
}

const u32be = (b: Uint8Array, o: number): number => ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
const u16be = (b: Uint8Array, o: number): number => (b[o]! << 8) + b[o + 1]!;

/**
 * Size from the first bytes of a PNG (IHDR) or JPEG (first SOF marker), without decoding
 * pixels. Returns `{ need }` when a JPEG's SOF lies beyond the bytes given.
 */
export function imageHeaderSize(b: Uint8Array): Size | { need: number } | undefined {
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[12] === 0x49 && b[13] === 0x48 && b[14] === 0x44 && b[15] === 0x52) {
    return { width: u32be(b, 16), height: u32be(b, 20) };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8) {
    let o = 2;
    for (;;) {
      if (o + 4 > b.length) return { need: o + 4 };
      if (b[o] !== 0xff) return undefined;
      const marker = b[o + 1]!;
      if (marker === 0xff) { o++; continue; } // fill bytes
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { o += 2; continue; }
      if (marker === 0xd9 || marker === 0xda) return undefined; // no frame header before the scan
      const len = u16be(b, o + 2);
      // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        if (o + 9 > b.length) return { need: o + 9 };
        return { height: u16be(b, o + 5), width: u16be(b, o + 7) };
      }
      o += 2 + len;
    }
  }
  return undefined;
}

/** Largest header read to find a JPEG's frame (EXIF thumbnails can push it back). */
const MAX_HEADER = 16 << 20;

export async function readImageSize(file: ByteSource): Promise<Size> {
  let n = 64 << 10;
  for (;;) {
    const head = await readHead(file, n);
    const r = imageHeaderSize(head);
    if (r === undefined) throw new RleError('UNSUPPORTED', `Cannot read the size of ${file.name}`, { path: [file.name], expected: 'a PNG or JPEG image' });
    if ('height' in r) return r;
    if (head.length < n || r.need > MAX_HEADER) throw new RleError('TRUNCATED', `${file.name} ends before its image header`, { path: [file.name], expected: 'a complete PNG or JPEG header' });
    n = Math.max(n * 4, r.need + (64 << 10));
  }
}

function stem(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

function basename(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

const HEIGHT_NAMES = ['height', 'img_height', 'image_height', 'h'];
const WIDTH_NAMES = ['width', 'img_width', 'image_width', 'w'];
const ID_NAMES = ['id', 'imageid', 'image_id', 'image', 'img', 'record_id', 'file_name', 'filename', 'image_label'];

/** Where image sizes come from, in order: size columns of the row, `sizes` CSV, `images` folder, `size` for all. */
export interface SizeOptions {
  size?: string | undefined;
  sizes?: string | undefined;
  images?: string | undefined;
  imageSizes?: string | undefined;
}

export class SizeResolver {
  private constructor(
    private readonly all: Size | undefined,
    private readonly table: Map<string, Size>,
    private readonly folder: FolderSource | undefined,
    private readonly files: Map<string, string[]>,
    private readonly hint: string,
  ) {}

  static async create(o: SizeOptions, idColumn: string, context: DialectContext, nativeHint: string): Promise<SizeResolver> {
    const all = o.size !== undefined && o.size !== '' ? parseSize(o.size) : undefined;
    const table = new Map<string, Size>();
    if (o.imageSizes) {
      // Inline "id=HxW;id=HxW", for callers without files (tests, the conformance matrix).
      for (const part of o.imageSizes.split(';')) {
        if (part.trim() === '') continue;
        const eq = part.lastIndexOf('=');
        if (eq <= 0) throw new RleError('INVALID_OPTION', 'Invalid imageSizes entry', { path: ['imageSizes'], expected: 'id=HxW entries separated by ";"', received: part });
        table.set(part.slice(0, eq).trim(), parseSize(part.slice(eq + 1), 'imageSizes'));
      }
    }
    const open = async (path: string, option: string): Promise<ByteSource | FolderSource> => {
      if (!context.open) throw new RleError('INVALID_OPTION', `The ${option} option names a file, but nothing can open files here`, { path: [option], expected: 'a DialectContext with open()', received: path });
      return context.open(path);
    };
    if (o.sizes) {
      const src = await open(o.sizes, 'sizes');
      if (isFolderSource(src)) throw new RleError('INVALID_OPTION', 'sizes must name a CSV file, not a folder', { path: ['sizes'], received: o.sizes });
      await readSizesCsv(src, idColumn, table);
    }
    let folder: FolderSource | undefined;
    const files = new Map<string, string[]>();
    if (o.images) {
      const src = await open(o.images, 'images');
      if (!isFolderSource(src)) throw new RleError('INVALID_OPTION', 'images must name a folder of images', { path: ['images'], received: o.images });
      folder = src;
      // Every file a key could mean (a.jpg and a.png share the stem a): an ambiguous key is
      // used only when all its files agree on the size.
      for (const f of await src.list()) {
        for (const k of new Set([f, basename(f), stem(f)])) files.set(k, [...(files.get(k) ?? []), f]);
      }
    }
    return new SizeResolver(all, table, folder, files, nativeHint);
  }

  /** Whether any source of sizes was given. */
  get hasSource(): boolean {
    return this.all !== undefined || this.table.size > 0 || this.folder !== undefined;
  }

  async sizeOf(id: string): Promise<Size> {
    const keys = [id, basename(id), stem(id)];
    for (const k of keys) {
      const s = this.table.get(k);
      if (s) return s;
    }
    if (this.folder) {
      for (const k of keys) {
        const candidates = this.files.get(k);
        if (candidates !== undefined) {
          const s = await readImageSize(this.folder.open(candidates[0]!));
          for (const other of candidates.slice(1)) {
            const t = await readImageSize(this.folder.open(other));
            if (t.height !== s.height || t.width !== s.width) {
              throw new RleError('INVALID_OPTION', `Image "${id}" matches several files of different sizes`, { path: ['images'], expected: 'one size per image id (name the files by id, or give --sizes)', received: `${candidates[0]} is ${s.height}x${s.width}, ${other} is ${t.height}x${t.width}` });
            }
          }
          this.table.set(id, s);
          return s;
        }
      }
    }
    if (this.all) return this.all;
    throw new RleError('INVALID_OPTION', `No size for image "${id}"`, {
      path: ['size'],
      expected: `--size HxW, a size column, --sizes sizes.csv or --images folder${this.hint}`,
      received: this.hasSource ? 'no entry for this id' : 'no size source',
    });
  }
}

async function readSizesCsv(src: ByteSource, idColumn: string, table: Map<string, Size>): Promise<void> {
  let idx: { id: number; h: number; w: number } | undefined;
  for await (const r of csvRecords(src, src.name)) {
    if (!idx) {
      const names = r.fields.map((f) => f.toLowerCase());
      const find = (cands: string[]): number => names.findIndex((n) => cands.includes(n));
      const id = names.indexOf(idColumn.toLowerCase()) >= 0 ? names.indexOf(idColumn.toLowerCase()) : find(ID_NAMES);
      idx = { id, h: find(HEIGHT_NAMES), w: find(WIDTH_NAMES) };
      if (idx.id < 0 || idx.h < 0 || idx.w < 0) {
        throw new RleError('INVALID_STRUCTURE', `${src.name} lacks an id, height or width column`, { path: [src.name, 'line', r.line], expected: `columns ${idColumn}/id, height/img_height, width/img_width`, received: r.fields.join(',') });
      }
      continue;
    }
    const h = r.fields[idx.h]!, w = r.fields[idx.w]!;
    if (!/^\d{1,9}$/.test(h) || !/^\d{1,9}$/.test(w)) {
      throw new RleError('INVALID_SIZE', `Invalid size in ${src.name}`, { path: [src.name, 'line', r.line], expected: 'integer height and width', received: `${h}x${w}` });
    }
    const id = r.fields[idx.id]!, known = table.get(id);
    if (known && (known.height !== Number(h) || known.width !== Number(w))) {
      throw new RleError('SIZE_MISMATCH', `${src.name} gives image "${id}" two sizes`, { path: [src.name, 'line', r.line], expected: `${known.height}x${known.width}`, received: `${h}x${w}` });
    }
    table.set(id, { height: Number(h), width: Number(w) });
  }
}
