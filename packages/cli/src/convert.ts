import {
  countHeader, isDatasetStream, notCarried, RleError, tallyAnnotation,
  type ByteSource, type Dialect, type FolderSource, type DialectContext, type MaskDataset, type MaskDatasetStream, type RleWarning,
} from '@rlekit/core';
import { stat } from 'node:fs/promises';
import { detect, findDialect, loadDialects } from './registry.js';
import { openPath, writeFileAtomic, writeFolderAtomic } from './node-sources.js';
import { parseOptions } from './options.js';

export interface ConvertOptions {
  /** Dialect id of the input; detected when absent. */
  from?: string;
  to: string;
  /** Output file or folder; absent: the bytes are returned (file outputs only). */
  output?: string;
  readOptions?: Record<string, unknown>;
  writeOptions?: Record<string, unknown>;
  warn?: (w: RleWarning) => void;
  plugins?: string[];
  /** Told how far the read has come: bytes of a file (each pass of a two-pass reader from 0) or files of a folder. */
  progress?: ProgressSink;
}

/** Receives progress of a long conversion (the CLI draws a bar from it on a terminal). */
export interface ProgressSink {
  /** A pass over the input begins: `total` bytes or files (undefined when unknown, as for a pipe). */
  start(total: number | undefined, unit: 'bytes' | 'files', pass: number): void;
  /** `done` bytes or files of this pass, and annotations read so far. */
  update(done: number, annotations: number): void;
  stop(): void;
}

/** The source, counting what its readers consume. */
function counted(source: ByteSource | FolderSource, progress: ProgressSink, annotations: () => number): ByteSource | FolderSource {
  let pass = 0;
  if (source.kind === 'bytes') {
    return {
      kind: 'bytes', name: source.name, ...(source.size !== undefined ? { size: source.size } : {}),
      stream: () => {
        const inner = source.stream();
        progress.start(source.size, 'bytes', ++pass);
        return (async function* () {
          let done = 0;
          for await (const c of inner) {
            done += c.length;
            progress.update(done, annotations());
            yield c;
          }
        })();
      },
    };
  }
  const opened = new Set<string>();
  let total: number | undefined;
  return {
    kind: 'folder', name: source.name,
    list: async () => {
      const files = await source.list();
      if (total === undefined) {
        total = files.length;
        progress.start(total, 'files', ++pass);
      }
      return files;
    },
    open: (path: string) => {
      opened.add(path);
      progress.update(opened.size, annotations());
      return source.open(path);
    },
  };
}

export interface ConvertResult {
  from: Dialect;
  to: Dialect;
  /** True when the input dialect was sniffed rather than given. */
  detected: boolean;
  confidence: number;
  annotations: number;
  images: number;
  /** Bytes written to the output file, or files written to the output folder. */
  written: number;
  /** True when the output was a folder (`written` counts files). */
  folder: boolean;
  /** The output, when no output path was given. */
  bytes?: Uint8Array;
}

/**
 * Converts a file or folder from one dialect to another. Streams where both dialects can,
 * reports what the target cannot carry, and writes the output atomically.
 */
export async function convert(input: string | ByteSource | FolderSource, options: ConvertOptions): Promise<ConvertResult> {
  // Only the two dialects named, when the input's is given; every one when it is detected.
  const dialects = await loadDialects(options.plugins, options.from ? [options.from, options.to] : undefined);
  const to = findDialect(dialects, options.to);
  // An opened source is used as it is: a pipe that detection has begun to read cannot be opened again.
  const opened = typeof input === 'string' ? await openPath(input) : input;
  let annotationsSoFar = 0;
  const source = options.progress ? counted(opened, options.progress, () => annotationsSoFar) : opened;
  const detection = options.from ? { dialect: findDialect(dialects, options.from), confidence: 1 } : await detect(dialects, opened);
  const from = detection.dialect, confidence = detection.confidence, detected = !options.from;
  const readOptions = parseOptions(from.readOptions, options.readOptions ?? {}, from.id);
  const writeOptions = parseOptions(to.writeOptions, options.writeOptions ?? {}, to.id);
  const seen = new Set<string>();
  const reported = new Set<string>();
  const ctx: DialectContext = {
    // The same warning from many annotations is said once.
    warn: (w) => {
      if (w.capability) reported.add(w.capability);
      const key = `${w.code}\u0000${w.message}`;
      if (seen.has(key)) return;
      seen.add(key);
      options.warn?.(w);
    },
    open: openPath,
  };
  const streaming = from.readStream !== undefined && (to.writeStream !== undefined || to.writeFiles !== undefined);
  const dataset: MaskDataset | MaskDatasetStream = streaming ? await from.readStream!(source, readOptions, ctx) : await from.read(source, readOptions, ctx);
  const counts = countHeader(dataset.images, dataset.categories);
  // A dataset read into memory goes to the writer as it is: writers that need each image's
  // annotations together (Kaggle) group a list themselves, and a stream would hide that it is one.
  let tallied: MaskDataset | MaskDatasetStream;
  if (isDatasetStream(dataset)) {
    const list = dataset.annotations;
    tallied = {
      images: dataset.images,
      categories: dataset.categories,
      annotations: (async function* () {
        for await (const a of list) {
          tallyAnnotation(counts, a);
          annotationsSoFar++;
          yield a;
        }
      })(),
    };
  } else {
    for (const a of dataset.annotations) tallyAnnotation(counts, a);
    tallied = dataset;
  }
  // Losses known from the header are said before writing; the rest once the annotations have passed.
  let written = 0, folder = false;
  let bytes: Uint8Array | undefined;
  if (to.output === 'folder' && options.output !== undefined && await namesOneFile(options.output, to)) {
    // `-o mask.png --to png`: one image's file, not a folder named mask.png (the writer refuses a dataset that needs more).
    written = await writeFileAtomic(options.output, await to.write(tallied, writeOptions, ctx));
  } else if (to.output === 'folder') {
    if (!to.writeFiles || !options.output) throw new RleError('INVALID_OPTION', `${to.id} writes a folder: give -o <folder>`);
    written = await writeFolderAtomic(options.output, to.writeFiles(tallied, writeOptions, ctx));
    folder = true;
  } else if (options.output) {
    const out = to.writeStream ? to.writeStream(tallied, writeOptions, ctx) : await to.write(tallied, writeOptions, ctx);
    written = await writeFileAtomic(options.output, out);
  } else {
    bytes = await to.write(tallied, writeOptions, ctx);
    written = bytes.length;
  }
  options.progress?.stop();
  // The generic report, from capabilities, for what the writer did not already say itself.
  for (const w of notCarried(counts, to.capabilities, to.id, reported)) ctx.warn(w);
  return { from, to, detected, confidence, annotations: counts.annotations, images: counts.images, written, folder, ...(bytes ? { bytes } : {}) };
}

/** An output path that ends in one of the dialect's file extensions and is not an existing folder names a single file. */
async function namesOneFile(output: string, to: Dialect): Promise<boolean> {
  if (!to.extensions.some((e) => output.toLowerCase().endsWith(e))) return false;
  const st = await stat(output).catch(() => undefined);
  return !st?.isDirectory();
}
