/**
 * Image sizes without decoding pixels, for dialects whose files do not say how large their masks
 * are (Kaggle CSVs, YOLO label files): `--size HxW`, a sizes CSV, or the headers of the images
 * themselves (PNG, JPEG incl. EXIF-first files, BMP, GIF, WebP).
 */
import { csvRecords } from './csv.js';
import type { DialectContext } from './dialect.js';
import { RleError } from './errors.js';
import { checkSize, type Size } from './runs.js';
import { isFolderSource, readHead, type ByteSource, type FolderSource } from './source.js';

/**
 * `"HxW"` (also `H×W`) → size; INVALID_OPTION otherwise.
 * @example
 * ```ts
 * parseSize('48x64'); // → { height: 48, width: 64 }
 * ```
 */
export function parseSize(text: string, option = 'size'): Size {
  const m = /^\s*(\d{1,9})\s*[xX×]\s*(\d{1,9})\s*$/.exec(text);
  if (!m) throw new RleError('INVALID_OPTION', `Invalid ${option}`, { path: [option], expected: '"HxW", e.g. "768x768" (height first)', received: text.slice(0, 40) });
  return { height: Number(m[1]), width: Number(m[2]) };
}

/** What an image header says: its stored size, and the EXIF orientation (1..8) when a JPEG has one. */
export interface ImageHeader extends Size {
  format: 'png' | 'jpeg' | 'bmp' | 'gif' | 'webp';
  orientation?: number;
}

const u32be = (b: Uint8Array, o: number): number => ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
const u16be = (b: Uint8Array, o: number): number => (b[o]! << 8) + b[o + 1]!;
const u16le = (b: Uint8Array, o: number): number => b[o]! + (b[o + 1]! << 8);
const u24le = (b: Uint8Array, o: number): number => b[o]! + (b[o + 1]! << 8) + (b[o + 2]! << 16);
const i32le = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
const ascii = (b: Uint8Array, o: number, s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (b[o + i] !== s.charCodeAt(i)) return false;
  return true;
};

/** The orientation tag (0x0112) of IFD0 of an EXIF APP1 payload `b[from, to)`, if present and sane. */
function exifOrientation(b: Uint8Array, from: number, to: number): number | undefined {
  if (to - from < 14 || !ascii(b, from, 'Exif\0\0')) return undefined;
  const t = from + 6;
  const le = ascii(b, t, 'II');
  if (!le && !ascii(b, t, 'MM')) return undefined;
  const u16 = (o: number): number => (le ? u16le(b, o) : u16be(b, o));
  const u32 = (o: number): number => (le ? (u16le(b, o) + u16le(b, o + 2) * 65536) : u32be(b, o));
  const ifd = t + u32(t + 4);
  if (ifd + 2 > to || ifd < t) return undefined;
  const n = u16(ifd);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > to) return undefined;
    if (u16(e) === 0x0112) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : undefined;
    }
  }
  return undefined;
}

/**
 * Size from the first bytes of a PNG (IHDR), JPEG (first SOF marker, walking past EXIF and other
 * segments), BMP, GIF or WebP, without decoding pixels. Returns `{ need }` when the header lies
 * beyond the bytes given, `undefined` for another format. The sizes are the header's, unchecked:
 * {@link readImageSize} checks them.
 * @example
 * ```ts
 * // The size from a PNG's IHDR (or a JPEG's frame header), without decoding pixels.
 * const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 64, 0, 0, 0, 48, 8, 0, 0, 0, 0]);
 * imageHeaderSize(png); // → { format: 'png', width: 64, height: 48 }
 * ```
 */
export function imageHeaderSize(b: Uint8Array): ImageHeader | { need: number } | undefined {
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 'PNG\r\n\x1a\n')) {
    if (b.length < 24) return { need: 24 };
    if (!ascii(b, 12, 'IHDR')) throw new RleError('CORRUPT', 'PNG does not start with its IHDR chunk', { offset: 12, expected: 'IHDR' });
    return { format: 'png', width: u32be(b, 16), height: u32be(b, 20) };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpegSize(b);
  if (b.length >= 2 && ascii(b, 0, 'BM')) {
    if (b.length < 26) return { need: 26 };
    const header = u16le(b, 14) + u16le(b, 16) * 65536;
    // BITMAPCOREHEADER (OS/2): 16-bit sizes; the others: signed 32-bit, a negative height is a top-down image.
    if (header === 12) return { format: 'bmp', width: u16le(b, 18), height: u16le(b, 20) };
    const w = i32le(b, 18), h = i32le(b, 22);
    if (w < 0) throw new RleError('CORRUPT', 'BMP with a negative width', { offset: 18, expected: 'a width >= 0', received: String(w) });
    return { format: 'bmp', width: w, height: Math.abs(h) };
  }
  if (b.length >= 6 && (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a'))) {
    if (b.length < 10) return { need: 10 };
    return { format: 'gif', width: u16le(b, 6), height: u16le(b, 8) };
  }
  if (b.length >= 12 && ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) {
    if (b.length < 30) return { need: 30 };
    if (ascii(b, 12, 'VP8X')) return { format: 'webp', width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
    if (ascii(b, 12, 'VP8L')) {
      if (b[20] !== 0x2f) throw new RleError('CORRUPT', 'WebP lossless without its signature byte', { offset: 20, expected: '0x2f' });
      const bits = u16le(b, 21) + u16le(b, 23) * 65536;
      return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (ascii(b, 12, 'VP8 ')) {
      if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) throw new RleError('CORRUPT', 'WebP lossy frame without its start code', { offset: 23, expected: '9d 01 2a' });
      return { format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
    }
    throw new RleError('UNSUPPORTED', 'WebP whose first chunk is not VP8, VP8L or VP8X', { offset: 12, expected: 'VP8 , VP8L or VP8X' });
  }
  return undefined;
}

function jpegSize(b: Uint8Array): ImageHeader | { need: number } {
  let o = 2;
  let orientation: number | undefined;
  for (;;) {
    if (o + 4 > b.length) return { need: o + 4 };
    if (b[o] !== 0xff) throw new RleError('CORRUPT', 'JPEG segment does not start with a marker', { offset: o, expected: '0xFF' });
    const marker = b[o + 1]!;
    if (marker === 0xff) { o++; continue; } // fill bytes
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { o += 2; continue; }
    if (marker === 0xd9 || marker === 0xda) throw new RleError('CORRUPT', 'JPEG without a frame header before its scan', { offset: o, expected: 'an SOF marker before SOS' });
    const len = u16be(b, o + 2);
    if (len < 2) throw new RleError('CORRUPT', 'JPEG segment shorter than its length field', { offset: o + 2, expected: 'a length >= 2', received: String(len) });
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (o + 9 > b.length) return { need: o + 9 };
      return { format: 'jpeg', height: u16be(b, o + 5), width: u16be(b, o + 7), ...(orientation === undefined ? {} : { orientation }) };
    }
    if (marker === 0xe1 && orientation === undefined) {
      if (o + 2 + len > b.length) return { need: o + 2 + len };
      orientation = exifOrientation(b, o + 4, o + 2 + len);
    }
    o += 2 + len;
  }
}

/** Largest header read to find a JPEG's frame (EXIF thumbnails and ICC profiles can push it back). */
export const MAX_IMAGE_HEADER = 16 << 20;

export interface ReadImageSizeOptions {
  /**
   * Report the size as displayed: a JPEG whose EXIF orientation is 5..8 (a quarter turn) has its
   * height and width swapped, as OpenCV's imread and Ultralytics' `exif_size` see it. Default false.
   */
  orientation?: boolean;
}

/**
 * The size of an image file from its header. A file that is no supported image is UNSUPPORTED,
 * a cut header TRUNCATED, a broken one CORRUPT, and a size of 0 or beyond 32-bit runs INVALID_SIZE:
 * nothing is allocated from the header's numbers.
 * @example
 * ```ts
 * const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 64, 0, 0, 0, 48, 8, 0, 0, 0, 0]);
 * await readImageSize(bytesSource(png, 'a.png')); // → { height: 48, width: 64 }
 * ```
 */
export async function readImageSize(file: ByteSource, options: ReadImageSizeOptions = {}): Promise<Size> {
  let n = 64 << 10;
  for (;;) {
    const head = await readHead(file, n);
    let r: ReturnType<typeof imageHeaderSize>;
    try {
      r = imageHeaderSize(head);
    } catch (e) {
      throw e instanceof RleError ? e.at(file.name) : e;
    }
    if (r === undefined) throw new RleError('UNSUPPORTED', `Cannot read the size of ${file.name}`, { path: [file.name], expected: 'a PNG, JPEG, BMP, GIF or WebP image' });
    if ('height' in r) {
      if (r.height === 0 || r.width === 0) {
        throw new RleError('INVALID_SIZE', `${file.name} has an empty image size`, { path: [file.name], expected: 'a height and width above 0', received: `${r.height}x${r.width}` });
      }
      const turned = options.orientation === true && r.orientation !== undefined && r.orientation >= 5;
      const size = turned ? { height: r.width, width: r.height } : { height: r.height, width: r.width };
      checkSize(size, undefined, [file.name]);
      return size;
    }
    if (head.length < n || r.need > MAX_IMAGE_HEADER) {
      throw new RleError('TRUNCATED', `${file.name} ends before its image header`, { path: [file.name], expected: `a complete image header within ${MAX_IMAGE_HEADER} bytes` });
    }
    // Never more than MAX_IMAGE_HEADER: a header wanting more was refused above.
    n = Math.min(MAX_IMAGE_HEADER, Math.max(n * 4, r.need + (64 << 10)));
  }
}

function stem(name: string): string {
  const base = basename(name);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

function basename(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

const HEIGHT_NAMES = ['height', 'img_height', 'image_height', 'h'];
const WIDTH_NAMES = ['width', 'img_width', 'image_width', 'w'];
const ID_NAMES = ['id', 'imageid', 'image_id', 'image', 'img', 'record_id', 'file_name', 'filename', 'image_label'];

/** Where image sizes come from, in order: inline `imageSizes`, `sizes` CSV, `images` folder, `size` for all. */
export interface SizeOptions {
  size?: string | undefined;
  sizes?: string | undefined;
  images?: string | undefined;
  imageSizes?: string | undefined;
}

export interface SizeResolverOptions {
  /** The id column of the sizes CSV (falls back to id, image_id, file_name, ...). */
  idColumn?: string;
  /** Said after "expected" when no size is found: where this dialect's images usually get theirs. */
  hint?: string;
  /** Apply JPEG EXIF orientation to sizes read from image headers (see {@link ReadImageSizeOptions}). */
  orientation?: boolean;
  /** A folder of images already opened (a dataset's own images folder), used like `images`. */
  folder?: FolderSource;
}

/**
 * Finds the size of an image by its id, file name or stem, from the sources named in {@link SizeOptions}.
 * @example
 * ```ts
 * // One size for every image (`--size`); a sizes CSV or an images folder name them one by one.
 * const sizes = await SizeResolver.create({ size: '48x64' }, 'ImageId', silentContext);
 * await sizes.sizeOf('a.jpg'); // → { height: 48, width: 64 }
 * ```
 */
export class SizeResolver {
  private constructor(
    private readonly all: Size | undefined,
    private readonly table: Map<string, Size>,
    private readonly folder: FolderSource | undefined,
    private readonly files: Map<string, string[]>,
    private readonly hint: string,
    private readonly orientation: boolean,
  ) {}

  static async create(o: SizeOptions, idColumn: string, context: DialectContext, nativeHint = '', extra: Omit<SizeResolverOptions, 'idColumn' | 'hint'> = {}): Promise<SizeResolver> {
    const all = o.size !== undefined && o.size !== '' ? parseSize(o.size) : undefined;
    const table = new Map<string, Size>();
    if (o.imageSizes) {
      // Inline "id=HxW;id=HxW", for callers without files (tests, the conformance matrix).
      for (const part of o.imageSizes.split(';')) {
        if (part.trim() === '') continue;
        const eq = part.lastIndexOf('=');
        if (eq <= 0) throw new RleError('INVALID_OPTION', 'Invalid imageSizes entry', { path: ['imageSizes'], expected: 'id=HxW entries separated by ";"', received: part.slice(0, 40) });
        table.set(part.slice(0, eq).trim(), parseSize(part.slice(eq + 1), 'imageSizes'));
      }
    }
    const open = async (path: string, option: string): Promise<ByteSource | FolderSource> => {
      if (!context.open) throw new RleError('INVALID_OPTION', `The ${option} option names a file, but nothing can open files here`, { path: [option], expected: 'a DialectContext with open()', received: path.slice(0, 80) });
      return context.open(path);
    };
    if (o.sizes) {
      const src = await open(o.sizes, 'sizes');
      if (isFolderSource(src)) throw new RleError('INVALID_OPTION', 'sizes must name a CSV file, not a folder', { path: ['sizes'], received: o.sizes.slice(0, 80) });
      await readSizesCsv(src, idColumn, table);
    }
    let folder = extra.folder;
    if (o.images) {
      const src = await open(o.images, 'images');
      if (!isFolderSource(src)) throw new RleError('INVALID_OPTION', 'images must name a folder of images', { path: ['images'], received: o.images.slice(0, 80) });
      folder = src;
    }
    const files = new Map<string, string[]>();
    if (folder) {
      // Every file a key could mean (a.jpg and a.png share the stem a): an ambiguous key is
      // used only when all its files agree on the size.
      for (const f of await folder.list()) {
        for (const k of new Set([f, basename(f), stem(f)])) files.set(k, [...(files.get(k) ?? []), f]);
      }
    }
    return new SizeResolver(all, table, folder, files, nativeHint, extra.orientation === true);
  }

  /** Whether any source of sizes was given. */
  get hasSource(): boolean {
    return this.all !== undefined || this.table.size > 0 || this.folder !== undefined;
  }

  /** The image file an id names in the images folder, if exactly one does. */
  fileOf(id: string): string | undefined {
    for (const k of [id, basename(id), stem(id)]) {
      const c = this.files.get(k);
      if (c !== undefined) return c.length === 1 ? c[0] : undefined;
    }
    return undefined;
  }

  async sizeOf(id: string): Promise<Size> {
    const keys = [id, basename(id), stem(id)];
    for (const k of keys) {
      const s = this.table.get(k);
      if (s) return s;
    }
    if (this.folder) {
      const opts = { orientation: this.orientation };
      for (const k of keys) {
        const candidates = this.files.get(k);
        if (candidates !== undefined) {
          const s = await readImageSize(this.folder.open(candidates[0]!), opts);
          for (const other of candidates.slice(1)) {
            const t = await readImageSize(this.folder.open(other), opts);
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
        throw new RleError('INVALID_STRUCTURE', `${src.name} lacks an id, height or width column`, { path: [src.name, 'line', r.line], expected: `columns ${idColumn}/id, height/img_height, width/img_width`, received: r.fields.join(',').slice(0, 80) });
      }
      continue;
    }
    const h = r.fields[idx.h]!, w = r.fields[idx.w]!;
    if (!/^\d{1,9}$/.test(h) || !/^\d{1,9}$/.test(w)) {
      throw new RleError('INVALID_SIZE', `Invalid size in ${src.name}`, { path: [src.name, 'line', r.line], expected: 'integer height and width', received: `${h.slice(0, 20)}x${w.slice(0, 20)}` });
    }
    const id = r.fields[idx.id]!, known = table.get(id);
    if (known && (known.height !== Number(h) || known.width !== Number(w))) {
      throw new RleError('SIZE_MISMATCH', `${src.name} gives image "${id.slice(0, 80)}" two sizes`, { path: [src.name, 'line', r.line], expected: `${known.height}x${known.width}`, received: `${h}x${w}` });
    }
    table.set(id, { height: Number(h), width: Number(w) });
  }
}
