import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { words } from './words.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const page = readFileSync(`${root}docs/cli.md`, 'utf8');
const examples = [...page.matchAll(/```text\n\$ rlekit (.*)\n([\s\S]*?)```/g)].map((m) => ({ command: m[1]!, output: m[2]! }));

describe('docs/cli.md', () => {
  it('has examples to check', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  // Each example's printed output (stdout, then stderr) is what the page shows.
  for (const ex of examples) {
    it(`rlekit ${ex.command}`, async () => {
      let out = '', err = '';
      const cwd = process.cwd();
      process.chdir(root);
      try {
        await main(words(ex.command), { out: (s) => (out += s), err: (s) => (err += s), writeBytes: (b) => (out += Buffer.from(b).toString()) });
      } finally {
        process.chdir(cwd);
      }
      expect(out + err).toBe(ex.output);
    });
  }
});

describe('docs/images', () => {
  it('render-harbour.png is what rlekit render draws today', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const out = `${mkdtempSync(`${tmpdir()}/rlekit-docs-`)}/harbour.png`;
    await main(['render', `${root}samples/coco/instances.json`, '-o', out], { out: () => {}, err: () => {}, writeBytes: () => {} });
    expect(Buffer.compare(readFileSync(out), readFileSync(`${root}docs/images/render-harbour.png`))).toBe(0);
  });
});

describe('docs/images/decode-readings.png', () => {
  it('is what rlekit decode --png draws today', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const out = `${mkdtempSync(`${tmpdir()}/rlekit-docs-`)}/readings.png`;
    await main(['decode', "b'Ug11^12N2N2N2N2N2N1000000000000000000000000002M3L4Ln4'", '--size', '48x64', '--top', '3', '--png', out], { out: () => {}, err: () => {}, writeBytes: () => {} });
    expect(Buffer.compare(readFileSync(out), readFileSync(`${root}docs/images/decode-readings.png`))).toBe(0);
  });
});
