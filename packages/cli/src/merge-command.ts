/**
 * `rlekit merge <parts...> -o out`: joins the outputs of `rlekit convert --shard 0/n … (n-1)/n`
 * (given in shard order) into the bytes one conversion of the whole input writes. Streamed: a
 * part is never held whole. Folders (PNG outputs) are joined file by file.
 */
import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import { RleError, type ByteSource, type Dialect, type FolderSource } from '@rlekit/core';
import { folderParts } from './jobs.js';
import { fileSource, writeFileAtomic, writeFolderAtomic } from './node-sources.js';
import { findDialect, type Detection } from './registry.js';
import { printWarning, type Io } from './io.js';


export function registerMerge(program: Command, io: Io, dialects: readonly Dialect[], detect: (d: readonly Dialect[], s: ByteSource | FolderSource) => Promise<Detection>): Command {
  return program
    .command('merge <parts...>')
    .description('join the outputs of `convert --shard 0/n` … `(n-1)/n` (in shard order) into what one conversion writes (COCO, Kaggle CSV, rlekit-json; folders file by file)')
    .option('-o, --output <path>', 'the merged file or folder (written atomically); stdout when absent (files only)')
    .option('--from <dialect>', 'dialect of the parts (detected from the first when absent)')
    .option('-q, --quiet', 'do not print the summary')
    .option('--plugin <module...>', 'load extra dialect modules')
    .addHelpText('after', `
Examples:
  rlekit convert big.json --to coco --shard 0/2 -o part-0.json
  rlekit convert big.json --to coco --shard 1/2 -o part-1.json
  rlekit merge part-0.json part-1.json -o all.json`)
    .action(async (parts: string[], opts: { output?: string; from?: string; quiet?: boolean }) => {
      const stats = await Promise.all(parts.map((p) => fs.stat(p).catch((e: unknown) => {
        throw new RleError('IO', `Cannot read ${p}`, { cause: e, expected: 'an existing file or folder' });
      })));
      if (stats.every((s) => s.isDirectory())) {
        if (!opts.output) throw new RleError('INVALID_OPTION', 'Parts that are folders merge into a folder: give -o <folder>');
        const n = await writeFolderAtomic(opts.output, folderParts(parts));
        if (!opts.quiet) io.err(`merged ${parts.length} folders: wrote ${opts.output} (${n} files)\n`);
        return;
      }
      if (!stats.every((s) => s.isFile())) throw new RleError('INVALID_OPTION', 'Parts are files of one dialect, or folders', { received: parts.join(' ').slice(0, 80) });
      const sources = parts.map((p, i) => fileSource(p, stats[i]!.size));
      const dialect = opts.from ? findDialect(dialects, opts.from) : (await detect(dialects, sources[0]!)).dialect;
      if (!dialect.merge) {
        throw new RleError('UNSUPPORTED', `${dialect.id} outputs cannot be merged`, { expected: `parts of ${dialects.filter((d) => d.merge).map((d) => d.id).join(', ')}` });
      }
      // One run's counts only the merge knows (COCO ids repeated across the parts) are said here.
      const merged = dialect.merge(sources, { warn: (w) => printWarning(io, w) });
      if (opts.output) {
        const n = await writeFileAtomic(opts.output, merged);
        if (!opts.quiet) io.err(`merged ${parts.length} ${dialect.id} parts: wrote ${opts.output} (${n} bytes)\n`);
      } else {
        for await (const c of merged) io.writeBytes(c);
      }
    });
}
