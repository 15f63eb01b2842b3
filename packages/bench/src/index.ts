/**
 * `pnpm bench [group...]`: throughput of rlekit's hot paths, in megapixels (or megabytes)
 * per second, next to a Uint8Array.fill of the same bytes measured in the same run.
 * Each dialect owns one module beside this file.
 */
import type { BenchRow } from './kit.js';
import { bench as core } from './core.js';
import { bench as coco } from './coco.js';
import { bench as cocoPanoptic } from './coco-panoptic.js';
import { bench as kaggle } from './kaggle.js';
import { bench as png } from './png.js';
import { bench as encord } from './encord.js';
import { bench as cvat } from './cvat.js';
import { bench as dicom } from './dicom.js';
import { bench as labelStudio } from './label-studio.js';
import { bench as darwin } from './darwin.js';
import { bench as supervisely } from './supervisely.js';
import { bench as labelme } from './labelme.js';
import { bench as geometry } from './geometry.js';
import { bench as yolo } from './yolo.js';
import { lvis } from './lvis.js';
import { cocoPng } from './folder.js';
import { read } from './read.js';
import { goals } from './goals.js';

const groups: Record<string, () => Promise<BenchRow[]>> = { core, coco, 'coco-panoptic': cocoPanoptic, kaggle, png, encord, cvat, dicom, 'label-studio': labelStudio, darwin, supervisely, labelme, yolo, geometry };

const argv = process.argv.slice(2);
// Whole-file conversions (minutes, child processes, its own table): only when named.
if (argv[0] === 'lvis') {
  await lvis(argv.slice(1));
  process.exit(0);
}
if (argv[0] === 'goals') {
  await goals(argv.slice(1));
  process.exit(0);
}
if (argv[0] === 'read') {
  await read(argv.slice(1));
  process.exit(0);
}
if (argv[0] === 'coco-png') {
  await cocoPng(argv.slice(1));
  process.exit(0);
}
const wanted = argv.filter((a) => !a.startsWith('-'));
for (const name of wanted) {
  if (!(name in groups)) {
    console.error(`unknown bench group "${name}"; groups: ${Object.keys(groups).join(', ')}`);
    process.exit(1);
  }
}
console.log(`node ${process.version}, ${process.arch}`);
console.log('| group | case | rate | per call |');
console.log('|---|---|---:|---:|');
for (const [name, run] of Object.entries(groups)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  for (const r of await run()) {
    const per = r.micros >= 1000 ? `${(r.micros / 1000).toFixed(2)} ms` : `${r.micros.toFixed(2)} µs`;
    console.log(`| ${r.group} | ${r.name} | ${r.rate >= 100 ? r.rate.toFixed(0) : r.rate.toFixed(1)} ${r.unit} | ${per} |`);
  }
}
