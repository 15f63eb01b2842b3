/**
 * Rewrites the output under every `$ rlekit ...` example of docs/cli.md with what the CLI prints
 * today (stdout, then stderr), and redraws the pictures the page shows. The doc test
 * (test/docs.test.ts) fails until this has been run after a change to what a command prints.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main } from '../src/main.js';
import { words } from '../test/words.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
process.chdir(root);
const page = `${root}docs/cli.md`;
let text = readFileSync(page, 'utf8');
const re = /```text\n\$ rlekit (.*)\n([\s\S]*?)```/g;
const parts: string[] = [];
let last = 0;
for (const m of text.matchAll(re)) {
  let out = '', err = '';
  await main(words(m[1]!), { out: (s) => (out += s), err: (s) => (err += s), writeBytes: (b) => (out += Buffer.from(b).toString()) });
  parts.push(text.slice(last, m.index), `\`\`\`text\n$ rlekit ${m[1]}\n${out}${err}\`\`\``);
  last = m.index! + m[0].length;
}
text = parts.join('') + text.slice(last);
writeFileSync(page, text);
const quiet = { out: () => {}, err: () => {}, writeBytes: () => {} };
await main(['render', 'samples/coco/instances.json', '-o', 'docs/images/render-harbour.png'], quiet);
await main(['decode', "b'Ug11^12N2N2N2N2N2N1000000000000000000000000002M3L4Ln4'", '--size', '48x64', '--top', '3', '--png', 'docs/images/decode-readings.png'], quiet);
console.log('docs/cli.md and its pictures rewritten');
