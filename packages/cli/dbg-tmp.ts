import { convert } from './src/convert.js';
import { readFileSync } from 'node:fs';
const folder = process.argv[2]!;
await convert(folder, { from: 'png', to: 'coco', output: '.tmp/m/png-one.json', readOptions: { mode: 'binary' } });
console.log(readFileSync('.tmp/m/png-one.json', 'utf8').split('\n').filter((l) => l.includes('source_id')).slice(0, 3).map((l) => l.slice(0, 60) + ' ... ' + l.slice(-60)));
