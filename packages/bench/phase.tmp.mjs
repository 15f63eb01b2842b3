import { statSync } from 'node:fs';
const [kind, path] = process.argv.slice(2);
const { fileSource } = await import('/work/main/packages/cli/dist/node-sources.js');
const coco = await import('@rlekit/coco');
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
for (let rep = 0; rep < (process.argv[4] ?? 3); rep++) {
const source = fileSource(path, statSync(path).size);
const t0 = cpu();
const s = await coco.readCocoJson(source, kind === 'grouped');
const t1 = cpu();
let n = 0;
for await (const a of s.annotations) n++;
const t2 = cpu();
console.log(kind, 'pass1', (t1 - t0).toFixed(3), 'pass2', (t2 - t1).toFixed(3), 'total', (t2 - t0).toFixed(3), n, ((statSync(path).size/1e6/(t2-t0))).toFixed(0)+'MB/s');
}
