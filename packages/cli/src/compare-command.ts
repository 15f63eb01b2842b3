/**
 * `rlekit compare <a> <b>`: how far apart are two mask files? Images matched by id or file name,
 * then IoU/Dice of the class unions, instances matched at an IoU threshold, and the competition
 * metric a Kaggle preset names.
 */
import type { Command } from 'commander';
import {
  compareDatasets, RleError, splitParts,
  type CategoryScores, type CompareMetric, type Dialect, type MaskDataset,
} from '@rlekit/core';
import type { Io } from './io.js';


/** Reads one input with its dialect (detected unless given) and the flags that dialect takes. */
export type ReadInput = (input: string, from: string | undefined, flags: Record<string, unknown>) => Promise<{ dialect: Dialect; dataset: MaskDataset; used: string[] }>;

const METRICS: CompareMetric[] = ['dice', 'iou-map', 'f2', 'f0.5-pixels'];
const f3 = (x: number) => x.toFixed(3);

function line(label: string, s: CategoryScores): string {
  return `${label.padEnd(22)} IoU ${f3(s.iou)}  Dice ${f3(s.dice)}  TP ${s.tp}  FP ${s.fp}  FN ${s.fn}${s.meanMatchedIou === undefined ? '' : `  mean matched IoU ${f3(s.meanMatchedIou)}`}  (areas ${s.areaA} / ${s.areaB}, overlap ${s.intersection})`;
}

export function registerCompare(program: Command, io: Io, readInput: ReadInput): Command {
  return program
    .command('compare <a> <b>')
    .description('compare two mask files (b against a): IoU and Dice per image and category, instances matched at an IoU threshold, and a competition metric')
    .option('--from-a <dialect>', 'dialect of a (detected when absent)')
    .option('--from-b <dialect>', 'dialect of b (detected when absent)')
    .option('--iou <t>', 'IoU at which instances match (a match needs IoU >= t)', '0.5')
    .option('--match-by <how>', 'pair images by id, fileName, or auto (file names when both sides name every image)', 'auto')
    .option('--categories-by <how>', 'compare categories by id or by name', 'id')
    .option('--metric <name>', `a competition metric: ${METRICS.join(', ')} (default: the one the Kaggle --preset names)`)
    .option('--split-parts <connectivity>', 'split every mask into its connected parts (4 or 8), one instance each, before matching: semantic masks as instances')
    .option('--per-image', 'list every image, not only the totals')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Dialect options (--preset, --size, ...) apply to whichever input's dialect takes them.

Examples:
  rlekit compare truth.json prediction.json
  rlekit compare train.csv submission.csv --from-a kaggle --from-b kaggle --preset airbus-ship-detection --size 768x768
  rlekit compare a.json b.csv --categories-by name --json`)
    .action(async (a: string, b: string, opts: Record<string, unknown>) => {
      const { fromA, fromB, iou, matchBy, categoriesBy, metric, perImage, json, splitParts: split, ...flags } = opts as {
        fromA?: string; fromB?: string; iou: string; matchBy: string; categoriesBy: string; metric?: string; perImage?: boolean; json?: boolean; splitParts?: string;
      } & Record<string, unknown>;
      const threshold = Number(iou);
      if (!(threshold > 0 && threshold <= 1)) throw new RleError('INVALID_OPTION', '--iou must be in (0, 1]', { received: iou });
      if (!['auto', 'id', 'fileName'].includes(matchBy)) throw new RleError('INVALID_OPTION', '--match-by must be auto, id or fileName', { received: matchBy });
      if (!['id', 'name'].includes(categoriesBy)) throw new RleError('INVALID_OPTION', '--categories-by must be id or name', { received: categoriesBy });
      if (metric !== undefined && !METRICS.includes(metric as CompareMetric)) throw new RleError('INVALID_OPTION', `--metric must be one of ${METRICS.join(', ')}`, { received: metric });
      if (split !== undefined && split !== '4' && split !== '8') throw new RleError('INVALID_OPTION', '--split-parts must be 4 or 8', { received: split });
      const first = await readInput(a, fromA, flags);
      const second = await readInput(b, fromB, flags);
      if (split) {
        const connectivity = Number(split) as 4 | 8;
        first.dataset = splitParts(first.dataset, { connectivity });
        second.dataset = splitParts(second.dataset, { connectivity });
      }
      // A flag neither reader takes would otherwise be ignored without a word.
      const unused = Object.keys(flags).filter((k) => flags[k] !== undefined && k !== 'plugin' && !first.used.includes(k) && !second.used.includes(k));
      if (unused.length) throw new RleError('INVALID_OPTION', `--${unused[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is not an option of ${first.dialect.id} or ${second.dialect.id}`);
      let chosen = metric as CompareMetric | undefined;
      let metricSource = chosen ? '--metric' : '';
      if (!chosen && typeof flags.preset === 'string') {
        const { presets } = await import('@rlekit/kaggle');
        const m = presets[flags.preset]?.metric;
        if (m) {
          chosen = m;
          metricSource = `the ${flags.preset} preset`;
        }
      }
      const r = compareDatasets(first.dataset, second.dataset, {
        iouThreshold: threshold, matchBy: matchBy as 'auto' | 'id' | 'fileName', categoriesBy: categoriesBy as 'id' | 'name', ...(chosen ? { metric: chosen } : {}),
      });
      if (json) {
        io.out(`${JSON.stringify({ a: { input: a, dialect: first.dialect.id }, b: { input: b, dialect: second.dialect.id }, ...r }, null, 2)}\n`);
        return;
      }
      io.out(`a: ${a} (${first.dialect.id}), b: ${b} (${second.dialect.id})\n`);
      io.out(`${r.images.length} images paired by ${r.matchedBy === 'fileName' ? 'file name' : 'id'}; instances match at IoU >= ${r.iouThreshold}\n`);
      if (r.onlyInA.length) io.out(`only in a (compared as empty in b): ${r.onlyInA.slice(0, 10).map(String).join(', ')}${r.onlyInA.length > 10 ? `, ... (${r.onlyInA.length})` : ''}\n`);
      if (r.onlyInB.length) io.out(`only in b (compared as empty in a): ${r.onlyInB.slice(0, 10).map(String).join(', ')}${r.onlyInB.length > 10 ? `, ... (${r.onlyInB.length})` : ''}\n`);
      io.out(`${line('total', r.total)}\n`);
      for (const c of r.categories) io.out(`${line(`category ${c.category === undefined ? '(none)' : String(c.category)}`, c)}\n`);
      if (perImage) for (const im of r.images) io.out(`${line(`image ${im.fileName ?? String(im.a)}`, im.total)}\n`);
      if (r.metric) io.out(`${r.metric.name} (${metricSource}): ${r.metric.value.toFixed(4)} — ${r.metric.description}\n`);
    });
}

