/**
 * `rlekit decode <mask>`: which convention is this string in? Ranks every reading of a pasted
 * mask with its reasons, draws the best ones in the terminal, and re-encodes the winner.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { RleError, type Dialect, type MaskDataset, type Size } from '@rlekit/core';
import type { Candidate } from '@rlekit/detect';
import { printWarning, type Io } from './io.js';


/** How `--to` turns option flags into the target's write options (main.ts owns the routing). */
export type WriteOptionsFor = (target: Dialect, flags: Record<string, unknown>) => Record<string, unknown>;

/** `HxW` → Size, refusing anything else with INVALID_OPTION. */
export function parseSizeFlag(raw: string): Size {
  const m = /^\s*(\d+)\s*[x×,]\s*(\d+)\s*$/i.exec(raw);
  if (!m) throw new RleError('INVALID_OPTION', '--size must be HxW (height first)', { path: ['size'], expected: 'for example 480x640', received: JSON.stringify(raw) });
  return { height: Number(m[1]), width: Number(m[2]) };
}

const MAX_TEXT = 64 << 20;

/** A binary image format by its signature: such a file is not mask text. */
function imageKind(b: Uint8Array): string | undefined {
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'PNG';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'JPEG';
  if (b.length > 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d) return 'DICOM';
  return undefined;
}

/** The mask text: the argument itself, stdin for `-`, or a file's contents when a file of that name exists. */
async function readMaskText(arg: string): Promise<string> {
  if (arg === '-') {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of process.stdin) {
      n += (c as Buffer).length;
      if (n > MAX_TEXT) throw new RleError('LIMIT_EXCEEDED', 'The mask text on stdin is larger than 64 MiB', { expected: 'one mask' });
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  // A pasted mask is rarely a file name; one that names an existing file is read.
  if (arg.length < 4096 && existsSync(arg) && statSync(arg).isFile()) {
    if (statSync(arg).size > MAX_TEXT) throw new RleError('LIMIT_EXCEEDED', `${arg} is larger than 64 MiB`, { expected: 'a file holding one mask' });
    const bytes = readFileSync(arg);
    const image = imageKind(bytes);
    if (image) {
      throw new RleError('INVALID_STRUCTURE', `${arg} is a ${image} file, not mask text`, { expected: `text such as a COCO count string or start/length numbers; for a ${image} use rlekit inspect, render or convert` });
    }
    return bytes.toString('utf8');
  }
  return arg;
}

function candidateJson(c: Candidate): Record<string, unknown> {
  const { mask: _mask, ...rest } = c;
  return rest;
}

function describe(c: Candidate): string {
  const parts = [`${c.dialect}`, c.order === 'row' ? 'row-major' : 'column-major'];
  if (c.base !== undefined) parts.push(`${c.base}-based`);
  if (c.relative) parts.push('relative starts');
  return `${parts.join(', ')}, ${c.size[0]}x${c.size[1]}`;
}

export function registerDecode(program: Command, io: Io, dialects: readonly Dialect[], writeOptionsFor: WriteOptionsFor): Command {
  const cmd = program
    .command('decode <mask>')
    .description('tell which convention a mask string is in: every plausible reading, ranked, with reasons and a drawing')
    .option('--size <HxW>', 'the image size (height first); without it, the sizes that fit are listed')
    .option('--json', 'print { forms, candidates: [...], sizes } as JSON, best first')
    .option('--top <n>', 'how many readings to show', '3')
    .option('--width <n>', 'width of the drawing in characters', '64')
    .option('--to <dialect>', 're-encode the best reading in this dialect (written to stdout, or -o)')
    .option('-o, --output <path>', 'with --to: where to write')
    .option('--png <file>', 'also draw the shown readings side by side, each captioned, into this PNG')
    .addHelpText('after', `
The mask may be given as the argument, as - (stdin), or as a file holding one mask. Forms:
a COCO count string, {"size": [h, w], "counts": ...}, a counts list [3, 2, 1, ...], a Python
b'...' repr, Kaggle start/length numbers, a CVAT rle="..." attribute, Label Studio brush
bytes [0, 0, 48, ...], base64/zlib of these.

Examples:
  rlekit decode '0Pc05O00000000000004' --size 4x5
  rlekit decode '2 3 9 2' --size 3x4 --json
  rlekit decode - < mask.txt
  rlekit decode '{"size":[48,64],"counts":"..."}' --to kaggle --preset airbus-ship-detection`);
  cmd.action(async (arg: string, opts: Record<string, unknown>) => {
    const { size, json, top, width, to, output, png, ...flags } = opts as { size?: string; json?: boolean; top: string; width: string; to?: string; output?: string; png?: string } & Record<string, unknown>;
    const limit = Number(top), cols = Number(width);
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RleError('INVALID_OPTION', '--top must be a positive integer', { received: top });
    if (!Number.isSafeInteger(cols) || cols < 8) throw new RleError('INVALID_OPTION', '--width must be an integer of at least 8', { received: width });
    const text = await readMaskText(arg);
    // Imported when used: @rlekit/detect brings two dialects (kaggle, label-studio) every other command does without.
    const { detectConventions, renderAscii } = await import('@rlekit/detect');
    const result = detectConventions(text, { ...(size ? { size: parseSizeFlag(size) } : {}), limit: Math.max(limit, 8) });
    const shown = result.candidates.slice(0, limit);
    if (png) {
      // Each reading drawn at its own size and captioned, so a transposed or shredded reading shows at a glance.
      const { contactSheet, renderOverlay } = await import('@rlekit/render');
      const { PNG } = await import('pngjs');
      const { writeFileAtomic } = await import('./node-sources.js');
      const tiles = shown.map((c, i) => ({
        image: renderOverlay({ height: c.size[0], width: c.size[1] }, [{ mask: c.mask }], [], { legend: false, alpha: 1 }),
        caption: `#${i + 1} ${describe(c)} ${c.score.toFixed(2)}`,
      }));
      const sheet = contactSheet(tiles, { columns: tiles.length });
      const out = new PNG({ width: sheet.width, height: sheet.height });
      out.data = Buffer.from(sheet.data.buffer, sheet.data.byteOffset, sheet.data.length);
      await writeFileAtomic(png, PNG.sync.write(out));
      io.err(`drew ${tiles.length} readings into ${png}\n`);
    }
    if (to) {
      const target = dialects.find((d) => d.id === to);
      if (!target) throw new RleError('UNKNOWN_DIALECT', `No dialect "${to}"`, { expected: dialects.map((d) => d.id).join(', ') });
      const best = result.candidates[0]!;
      const dataset: MaskDataset = {
        images: [{ id: 1, height: best.size[0], width: best.size[1] }],
        categories: [],
        annotations: [{ id: 1, imageId: 1, mask: best.mask }],
      };
      if (target.output !== 'file') throw new RleError('INVALID_OPTION', `--to ${to} writes a folder; decode re-encodes one mask into one file`, { expected: 'a dialect that writes one file' });
      const bytes = await target.write(dataset, writeOptionsFor(target, flags), { warn: (w) => printWarning(io, w) });
      io.err(`re-encoded the best reading (${describe(best)}) as ${to}\n`);
      if (output) {
        const { writeFileAtomic } = await import('./node-sources.js');
        await writeFileAtomic(output, bytes);
      } else io.writeBytes(bytes);
      return;
    }
    if (json) {
      io.out(`${JSON.stringify({ forms: result.forms, candidates: shown.map(candidateJson), ...(result.sizes ? { sizes: result.sizes } : {}) }, null, 2)}\n`);
      return;
    }
    if (result.forms.length > 0) io.out(`found inside: ${result.forms.join(' → ')}\n`);
    if (result.sizes) io.out(`no --size: sizes that fit, most plausible first: ${result.sizes.map(([h, w]) => `${h}x${w}`).join(', ')}\n`);
    shown.forEach((c, i) => {
      io.out(`\n#${i + 1} ${describe(c)}  score ${c.score.toFixed(3)}\n`);
      for (const r of c.reasons) io.out(`   - ${r}\n`);
      io.out(`   area ${c.area}, bbox [${c.bbox.join(', ')}], ${c.parts} part${c.parts === 1 ? '' : 's'}${c.presets && c.presets.length ? `; Kaggle presets: ${c.presets.slice(0, 4).join(', ')}${c.presets.length > 4 ? ', ...' : ''}` : ''}\n`);
      if (i === 0 || c.score > 0.5) io.out(`${renderAscii(c.mask, cols).replace(/^/gm, '   ')}\n`);
    });
  });
  return cmd;
}

/** `rlekit detect <file>`: which dialect a file is, and for a start/length CSV which convention and size its rows follow. */
export function registerDetect(program: Command, io: Io, dialects: readonly Dialect[]): Command {
  return program
    .command('detect <input>')
    .description('say which dialect a file is in; for a Kaggle CSV, which conventions (order, index base, starts, size) fit every row, with evidence')
    .option('--size <HxW>', 'the image size the CSV is said to have (checked against what the runs draw)')
    .option('--rows <n>', 'how many non-empty CSV rows to check', '200')
    .option('--strict', 'exit 2 when the size given looks transposed')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Examples:
  rlekit detect train.csv --size 768x768
  rlekit detect submission.csv --size 256x1600 --json
  rlekit detect instances.json`)
    .action(async (input: string, opts: { size?: string; rows: string; strict?: boolean; json?: boolean }) => {
      const rows = Number(opts.rows);
      if (!Number.isSafeInteger(rows) || rows < 1) throw new RleError('INVALID_OPTION', '--rows must be a positive integer', { received: opts.rows });
      const { openPath } = await import('./node-sources.js');
      const { detect } = await import('./registry.js');
      const source = await openPath(input);
      const found = await detect(dialects, source);
      if (found.dialect.id !== 'kaggle' || source.kind === 'folder') {
        if (opts.json) io.out(`${JSON.stringify({ dialect: found.dialect.id, confidence: found.confidence }, null, 2)}\n`);
        else io.out(`${input}: ${found.dialect.id} (${found.dialect.title}), confidence ${found.confidence.toFixed(2)}\n`);
        return;
      }
      const { csvRecords } = await import('@rlekit/kaggle');
      const records: string[][] = [];
      let nonEmpty = 0;
      for await (const r of csvRecords(source, input)) {
        records.push(r.fields);
        if (records.length > 1 && r.fields.some((f) => /\d\s+\d/.test(f))) nonEmpty++;
        if (nonEmpty >= rows) break;
      }
      const { detectCsvConventions } = await import('@rlekit/detect');
      const d = detectCsvConventions(records, { ...(opts.size ? { size: parseSizeFlag(opts.size) } : {}), sampleRows: rows });
      if (opts.json) {
        io.out(`${JSON.stringify({ dialect: 'kaggle', ...d }, null, 2)}\n`);
      } else {
        io.out(`${input}: Kaggle start/length CSV, RLE column ${d.rleColumn}; ${d.sampledRows} rows with masks checked (${d.emptyRows} empty)\n`);
        io.out(d.headerMatches.length ? `header matches the presets: ${d.headerMatches.join(', ')}\n` : 'header matches no preset\n');
        io.out(d.conventions.some((c) => c.fitsEveryRow) ? 'conventions that fit every row, best first:\n' : 'no convention fits every row; the closest:\n');
        for (const c of d.conventions.slice(0, 6)) {
          io.out(`  ${c.order === 'col' ? 'column' : 'row'}-major, ${c.base}-based, ${c.relative ? 'relative' : 'absolute'} starts, ${c.size[0]}x${c.size[1]}: score ${c.score.toFixed(3)}${c.presets.length ? `; presets ${c.presets.slice(0, 3).join(', ')}${c.presets.length > 3 ? ', ...' : ''}` : ''}\n`);
          for (const r of c.reasons) io.out(`      - ${r}\n`);
        }
      }
      if (d.sizeWarning) {
        if (opts.strict) throw new RleError('SIZE_MISMATCH', d.sizeWarning, { path: ['size'], expected: 'the size the runs were written for' });
        io.err(`warning [transposed-size]: ${d.sizeWarning}\n`);
      }
    });
}
