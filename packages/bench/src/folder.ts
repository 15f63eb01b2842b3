/**
 * `pnpm bench coco-png [--images N]`: COCO → PNG label maps for a seeded COCO instances file of
 * N images (default 20,000; 480x640 and other COCO sizes) with 4 RLE masks each, timed side by
 * side in one run with the Python a user would write (json.load, pycocotools `decode` per mask,
 * numpy label map, Pillow `save` per image at its defaults) and `rlekit convert --to png`.
 * Then the other way: the folder rlekit wrote, read back into COCO RLE by the Python a user would
 * write (Pillow open, numpy, pycocotools `encode` per label, json.dump) and by `rlekit convert
 * --from png --to coco`. Wall time, CPU and peak RSS come from /usr/bin/time -v around each child
 * process.
 */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Mask } from '@rlekit/core';
import { encode } from '@rlekit/coco';
import { prng } from './kit.js';
import { buildPycocotools, cacheDir, cliCommand, measure, python, repo, type Measured } from './lvis.js';

const SIZES = [[480, 640], [640, 480], [427, 640], [640, 427], [375, 500]] as const;

function generate(path: string, nImages: number): void {
  const rand = prng(77);
  const images: unknown[] = [], annotations: unknown[] = [];
  for (let i = 0; i < nImages; i++) {
    const [h, w] = SIZES[Math.floor(rand() * SIZES.length)]!;
    images.push({ id: i + 1, file_name: `${String(i + 1).padStart(12, '0')}.jpg`, height: h, width: w });
    for (let k = 0; k < 4; k++) {
      // A box-ish blob: a box with a few rows shifted, as column runs (cheap to make, realistic runs).
      const bw = 10 + Math.floor(rand() * (w / 3)), bh = 10 + Math.floor(rand() * (h / 3));
      const x0 = Math.floor(rand() * (w - bw)), y0 = Math.floor(rand() * (h - bh));
      const starts: number[] = [], lengths: number[] = [];
      for (let x = x0; x < x0 + bw; x++) {
        const dy = Math.floor(Math.abs(Math.sin(x / 7)) * bh * 0.2);
        starts.push(x * h + y0 + dy);
        lengths.push(bh - dy);
      }
      const mask = Mask.fromIntervals(starts, lengths, { height: h, width: w }, 'col');
      annotations.push({ id: annotations.length + 1, image_id: i + 1, category_id: 1 + Math.floor(rand() * 80), segmentation: encode(mask), area: mask.area(), bbox: [x0, y0, bw, bh], iscrowd: 0 });
    }
  }
  const categories = Array.from({ length: 80 }, (_, c) => ({ id: c + 1, name: `thing_${c + 1}`, supercategory: 'thing' }));
  writeFileSync(path, JSON.stringify({ images, annotations, categories }));
}

// Semantic label maps as rlekit writes them by default: one label per category, later masks on top.
const PY_TO_PNG = `
import json, os, sys
import numpy as np
from PIL import Image
sys.path.insert(0, sys.argv[3])
from pycocotools import mask as M
d = json.load(open(sys.argv[1]))
out = sys.argv[2]
os.makedirs(out)
cats = sorted(c['id'] for c in d['categories'])
label = {c: i + 1 for i, c in enumerate(cats)}
by = {}
for a in d['annotations']:
    by.setdefault(a['image_id'], []).append(a)
for im in d['images']:
    lm = np.zeros((im['height'], im['width']), np.uint8)
    for a in by.get(im['id'], []):
        lm[M.decode(a['segmentation']) > 0] = label[a['category_id']]
    Image.fromarray(lm, 'L').save(os.path.join(out, os.path.splitext(im['file_name'])[0] + '.png'))
`;

// A folder of label maps back to COCO RLE, as a user would: one annotation per label and image.
const PY_FROM_PNG = `
import json, os, sys
import numpy as np
from PIL import Image
sys.path.insert(0, sys.argv[3])
from pycocotools import mask as M
folder = sys.argv[1]
images, annotations = [], []
for k, name in enumerate(sorted(os.listdir(folder))):
    if not name.endswith('.png'):
        continue
    a = np.array(Image.open(os.path.join(folder, name)))
    images.append({'id': k + 1, 'file_name': name, 'height': a.shape[0], 'width': a.shape[1]})
    for label in np.unique(a):
        if label == 0:
            continue
        rle = M.encode(np.asfortranarray(a == label, dtype=np.uint8))
        rle['counts'] = rle['counts'].decode('ascii')
        annotations.append({'id': len(annotations) + 1, 'image_id': k + 1, 'category_id': int(label), 'segmentation': rle,
                            'area': int(M.area(rle)), 'bbox': [float(x) for x in M.toBbox(rle)], 'iscrowd': 0})
json.dump({'images': images, 'annotations': annotations, 'categories': []}, open(sys.argv[2], 'w'))
`;

/** The seeded COCO file of `n` images (made once, cached). */
export function cocoPngInput(n: number): string {
  mkdirSync(cacheDir, { recursive: true });
  const input = join(cacheDir, `coco-png-${n}.json`);
  if (!existsSync(input)) generate(input, n);
  return input;
}

/** The Python a user would write (pycocotools decode, numpy, Pillow save), measured, writing into `out` (made by it). */
export function pythonToPng(input: string, out: string): Measured {
  const py = buildPycocotools();
  if (!py.dir) return { wall: NaN, cpu: NaN, rss: NaN, ok: false, ...(py.why === undefined ? {} : { note: py.why }) };
  const script = join(cacheDir, 'coco_to_png.py');
  writeFileSync(script, PY_TO_PNG);
  return measure([python, script, input, out, py.dir], repo);
}

export async function cocoPng(argv: string[]): Promise<void> {
  const i = argv.indexOf('--images');
  const n = i >= 0 ? Number(argv[i + 1]) : 20_000;
  if (!(Number.isInteger(n) && n > 0)) throw new Error('--images takes a positive integer');
  const input = cocoPngInput(n);
  console.log(`input: ${input}, ${(statSync(input).size / 1e6).toFixed(0)} MB, ${n} images, ${4 * n} masks`);
  const outPy = join(cacheDir, `out-png-py-${n}`), outJs = join(cacheDir, `out-png-js-${n}`);
  rmSync(outPy, { recursive: true, force: true });
  rmSync(outJs, { recursive: true, force: true });
  const results: [string, Measured][] = [];
  const pyRun = pythonToPng(input, outPy);
  if (pyRun.ok || !Number.isNaN(pyRun.wall)) results.push(['Python: pycocotools decode + numpy + Pillow save (defaults)', pyRun]);
  else console.error(`Python side skipped: ${pyRun.note}`);
  // One job and two side by side: whether workers pay for painting and deflating a file per image.
  for (const jobs of ['1', '2']) {
    rmSync(outJs, { recursive: true, force: true });
    results.push([`rlekit convert --to png (semantic label maps) --jobs ${jobs}`, measure([...cliCommand(), 'convert', input, '--from', 'coco', '--to', 'png', '-q', '--jobs', jobs, '-o', outJs], repo)]);
  }
  console.log(`\n| COCO → PNG, ${n} images, ${4 * n} masks | wall | CPU (user+sys) | peak RSS |`);
  console.log('|---|---:|---:|---:|');
  for (const [name, m] of results) console.log(`| ${name} | ${m.ok ? `${m.wall.toFixed(1)} s` : `failed: ${m.note}`} | ${m.cpu.toFixed(1)} s | ${(m.rss / 2 ** 30).toFixed(2)} GiB |`);
  // Back: the folder rlekit just wrote (the last run's), read into COCO RLE.
  const back: [string, Measured][] = [];
  const py = buildPycocotools();
  if (py.dir) {
    const script = join(cacheDir, 'png_to_coco.py');
    writeFileSync(script, PY_FROM_PNG);
    back.push(['Python: Pillow open + numpy + pycocotools encode per label + json.dump', measure([python, script, outJs, join(cacheDir, 'back-py.json'), py.dir], repo)]);
  } else console.error(`Python side skipped: ${py.why}`);
  back.push(['rlekit convert --from png --to coco --jobs 1', measure([...cliCommand(), 'convert', outJs, '--from', 'png', '--to', 'coco', '-q', '--jobs', '1', '-o', join(cacheDir, 'back-js.json')], repo)]);
  console.log(`\n| PNG folder → COCO RLE, ${n} label maps | wall | CPU (user+sys) | peak RSS |`);
  console.log('|---|---:|---:|---:|');
  for (const [name, m] of back) console.log(`| ${name} | ${m.ok ? `${m.wall.toFixed(1)} s` : `failed: ${m.note}`} | ${m.cpu.toFixed(1)} s | ${(m.rss / 2 ** 30).toFixed(2)} GiB |`);
  rmSync(join(cacheDir, 'back-py.json'), { force: true });
  rmSync(join(cacheDir, 'back-js.json'), { force: true });
  rmSync(outPy, { recursive: true, force: true });
  rmSync(outJs, { recursive: true, force: true });
}
