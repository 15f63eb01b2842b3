import { readFileSync } from 'node:fs';
const V = JSON.parse(readFileSync('conformance/vectors/coco/masks.json','utf8'));
const s = V.masks.find(m => m.id.startsWith('sa1b_5blobs')).compressed;
console.log(s.length);
const POW32 = [1, 32, 1024, 32768, 1048576, 33554432, 1073741824, 34359738368, 1099511627776];
const cnts = new Uint32Array(100000);
function dec(s) {
  const len = s.length; let p = 0, m = 0, sum = 0;
  while (p < len) {
    let c = s.charCodeAt(p) - 48; p++;
    let x;
    if ((c & 0x20) === 0) x = (c & 0x10) !== 0 ? (c & 0x1f) - 32 : c;
    else {
      x = c & 0x1f; let k = 1;
      for (;;) { c = s.charCodeAt(p) - 48; p++; x += (c & 0x1f) * POW32[k]; k++; if ((c & 0x20) === 0) { if ((c & 0x10) !== 0) x -= POW32[k]; break; } }
    }
    if (m > 2) x += cnts[m - 2];
    if (x < 0 || x > 0xffffffff) throw new Error('bad');
    cnts[m++] = x; sum += x;
  }
  return m;
}
function t(name, f, n = 5000) {
  for (let i = 0; i < 500; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  console.log(name, ((performance.now() - t0) / n * 1000).toFixed(2), 'µs');
}
t('plain js', () => dec(s));
function dec2(s) {
  const len = s.length; let p = 0, m = 0;
  while (p < len) {
    let c = s.charCodeAt(p) - 48; p++;
    let x = 0;
    x = c & 0x1f;
    let k = 5;
    while (c & 0x20) { c = s.charCodeAt(p) - 48; p++; x |= (c & 0x1f) << k; k += 5; }
    if (c & 0x10) x |= -1 << k;
    if (m > 2) x += cnts[m - 2];
    cnts[m++] = x;
  }
  return m;
}
t('int only', () => dec2(s));
const b = Buffer.from(s);
function dec3(s) {
  const len = s.length; let p = 0, m = 0;
  while (p < len) {
    let c = s[p] - 48; p++;
    let x = 0;
    x = c & 0x1f;
    let k = 5;
    while (c & 0x20) { c = s[p] - 48; p++; x |= (c & 0x1f) << k; k += 5; }
    if (c & 0x10) x |= -1 << k;
    if (m > 2) x += cnts[m - 2];
    cnts[m++] = x;
  }
  return m;
}
t('int only bytes', () => dec3(b));
let acc = 0;
t('charCodeAt sum', () => { let a = 0; for (let i = 0; i < s.length; i++) a += s.charCodeAt(i); acc += a; });
