/**
 * `rlekit render <input>`: look at masks. One PNG per image (instance colours, outlines, a legend
 * of categories) on a blank canvas or over the photo, or one contact sheet of all images.
 */
import { promises as fs } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Command } from 'commander';
import { RleError, type Annotation, type Dialect, type ImageInfo, type MaskDataset, type MaskDatasetStream, type RleWarning } from '@rlekit/core';
import type { RgbaImage } from '@rlekit/render';
import { printWarning, type Io } from './io.js';


export type OpenInput = (input: string, from: string | undefined, flags: Record<string, unknown>, warn: (w: RleWarning) => void) => Promise<{ dialect: Dialect; data: MaskDataset | MaskDatasetStream }>;
export type WriteFile = (path: string, bytes: Uint8Array) => Promise<unknown>;
export type WriteFolder = (path: string, files: AsyncIterable<{ path: string; bytes: Uint8Array }>) => Promise<unknown>;

const MAX_PHOTO_BYTES = 256 << 20;

/** Decodes a PNG or JPEG photo to RGBA (pngjs and jpeg-js: no native code, bounded memory). */
export async function decodePhoto(bytes: Uint8Array, name: string): Promise<RgbaImage> {
  // Imported here, not at the top: every command of the CLI would otherwise load them at startup.
  const [{ PNG }, { default: jpeg }] = await Promise.all([import('pngjs'), import('jpeg-js')]);
  try {
    if (bytes[0] === 0x89 && bytes[1] === 0x50) {
      const png = PNG.sync.read(Buffer.from(bytes));
      return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length) };
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 256, maxMemoryUsageInMB: 2048 });
      return { width: j.width, height: j.height, data: new Uint8ClampedArray(j.data.buffer, j.data.byteOffset, j.data.length) };
    }
  } catch (e) {
    throw new RleError('INVALID_STRUCTURE', `${name} is not a readable PNG or JPEG: ${e instanceof Error ? e.message : 'decode failed'}`, { path: [name], cause: e });
  }
  throw new RleError('UNSUPPORTED', `${name} is neither PNG nor JPEG`, { path: [name], expected: 'a .png or .jpg photo' });
}

async function encodePng(img: RgbaImage): Promise<Uint8Array> {
  const { PNG } = await import('pngjs');
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length);
  return PNG.sync.write(png);
}

/** The photo of an image: `--image` itself (one image), or the file of that name in the `--image` folder. */
async function photoFor(image: ImageInfo, spec: string | undefined, single: boolean): Promise<RgbaImage | undefined> {
  if (!spec) return undefined;
  const st = await fs.stat(spec).catch(() => undefined);
  if (!st) throw new RleError('IO', `--image ${spec} does not exist`, { path: ['image'] });
  let path = spec;
  if (st.isDirectory()) {
    if (!image.fileName) throw new RleError('INVALID_OPTION', `Image ${String(image.id)} has no file name to find in ${spec}`, { path: ['image'] });
    const candidates = [join(spec, image.fileName), join(spec, basename(image.fileName))];
    const found = (await Promise.all(candidates.map(async (c) => ((await fs.stat(c).catch(() => undefined))?.isFile() ? c : undefined)))).find(Boolean);
    if (!found) return undefined;
    path = found;
  } else if (!single) throw new RleError('INVALID_OPTION', '--image names one file but the input has several images: give a folder of photos', { path: ['image'] });
  const size = (await fs.stat(path)).size;
  if (size > MAX_PHOTO_BYTES) throw new RleError('LIMIT_EXCEEDED', `${path} is larger than 256 MiB`, { path: ['image'] });
  const photo = await decodePhoto(new Uint8Array(await fs.readFile(path)), path);
  if (photo.width !== image.width || photo.height !== image.height) {
    throw new RleError('SIZE_MISMATCH', `${path} is ${photo.height}x${photo.width}, image ${String(image.id)} ${image.height}x${image.width}`, { path: ['image'] });
  }
  return photo;
}

export function registerRender(program: Command, io: Io, open: OpenInput, writeFile: WriteFile, writeFolder: WriteFolder): Command {
  return program
    .command('render <input>')
    .description('draw the masks of a file or folder as PNG: instance colours, outlines and a legend of categories, blank or over the photos')
    .requiredOption('-o, --output <path>', 'a .png file (one image, or --grid) or a folder (one PNG per image)')
    .option('--from <dialect>', 'dialect of the input (detected when absent)')
    .option('--image <path>', 'the photo to draw over (one image), or a folder of photos matched by file name (PNG or JPEG)')
    .option('--grid', 'one contact sheet of every image instead of one PNG each')
    .option('--columns <n>', 'with --grid: images per row (default: about the square root of the count)')
    .option('--alpha <a>', 'opacity of the fills, 0..1')
    .option('--no-outline', 'do not outline instances')
    .option('--no-legend', 'do not draw the legend of categories')
    .addHelpText('after', `
Examples:
  rlekit render samples/coco/instances.json -o harbour.png
  rlekit render instances.json --image images/ -o drawings/
  rlekit render train.csv --preset airbus-ship-detection --size 768x768 --grid -o sheet.png`)
    .action(async (input: string, opts: Record<string, unknown>) => {
      const { output, from, image, grid, columns, alpha, outline, legend, plugin: _plugin, ...flags } = opts as {
        output: string; from?: string; image?: string; grid?: boolean; columns?: string; alpha?: string; outline: boolean; legend: boolean; plugin?: string[];
      } & Record<string, unknown>;
      const a = alpha === undefined ? undefined : Number(alpha);
      if (a !== undefined && !(a >= 0 && a <= 1)) throw new RleError('INVALID_OPTION', '--alpha must be between 0 and 1', { received: alpha });
      const cols = columns === undefined ? undefined : Number(columns);
      if (cols !== undefined && !(Number.isSafeInteger(cols) && cols > 0)) throw new RleError('INVALID_OPTION', '--columns must be a positive integer', { received: columns });
      const { contactSheet, renderOverlay } = await import('@rlekit/render');
      const warnings: RleWarning[] = [];
      const { data } = await open(input, from, flags, (w) => { if (w.code !== 'not-carried') warnings.push(w); });
      // Group annotations by image as they come; each image is drawn once its masks are all read.
      const byImage = new Map<string, Annotation[]>();
      const k = (id: unknown) => `${typeof id}:${String(id)}`;
      for (const im of data.images) byImage.set(k(im.id), []);
      const list = Array.isArray(data.annotations) ? data.annotations : data.annotations;
      for await (const ann of list as AsyncIterable<Annotation> | Annotation[]) byImage.get(k(ann.imageId))?.push(ann);
      const single = data.images.length === 1;
      const draw = async (im: ImageInfo) => renderOverlay(im, byImage.get(k(im.id)) ?? [], data.categories, {
        ...(a !== undefined ? { alpha: a } : {}), outline, legend, background: await photoFor(im, image, single),
      });
      const isPng = extname(output).toLowerCase() === '.png';
      if (grid || (single && isPng)) {
        if (!isPng) throw new RleError('INVALID_OPTION', `${grid ? '--grid' : 'One image'} writes one PNG: -o must end in .png`, { received: output });
        const tiles = [];
        for (const im of data.images) tiles.push({ image: await draw(im), caption: im.fileName ?? String(im.id) });
        const sheet = single && !grid ? tiles[0]!.image : contactSheet(tiles, cols ? { columns: cols } : {});
        await writeFile(output, await encodePng(sheet));
        io.err(`drew ${data.images.length} image${single ? '' : 's'} into ${output} (${sheet.height}x${sheet.width})\n`);
      } else {
        const images = data.images;
        async function* files() {
          for (const im of images) {
            const name = `${(im.fileName ? basename(im.fileName, extname(im.fileName)) : String(im.id)).replace(/[^\w.-]+/g, '_')}.png`;
            yield { path: name, bytes: await encodePng(await draw(im)) };
          }
        }
        await writeFolder(output, files());
        io.err(`drew ${images.length} images into ${output}/\n`);
      }
      for (const w of warnings) printWarning(io, w);
    });
}
