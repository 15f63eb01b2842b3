import { Mask } from '@rlekit/core';
import { encode, stringToCounts, area, iou, parseRle } from '../src/index.js';
import { saLikeMask } from '../../bench/src/kit.js';
const { mask } = saLikeMask();
const rle = encode(mask);
const flat = JSON.parse(JSON.stringify(rle.counts));
function t(name: string, f: () => unknown, n = 2000) {
  for (let i = 0; i < 200; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  console.log(name, ((performance.now() - t0) / n * 1000).toFixed(2), 'µs');
}
console.log(rle.counts.length, mask.runs('col').length);
t('cons string', () => stringToCounts(rle.counts));
t('flat string', () => stringToCounts(flat));
const bytes = new TextEncoder().encode(flat);
t('bytes', () => stringToCounts(bytes));
t('area flat', () => area({ size: rle.size, counts: flat }));
t('parseRle flat', () => parseRle({ size: rle.size, counts: flat }));
