import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper shared with the smoke script, no types
import { ROOT, publishedPackages, readmeExample } from '../readme-example.mjs';

const packages = (publishedPackages() as { dir: string; name: string; pkg: { exports: Record<string, unknown> } }[]);

/** Where an import of a published name goes in the sources (its `source` export condition). */
function sourceOf(specifier: string): string | undefined {
  for (const { dir, name, pkg } of packages) {
    if (specifier !== name && !specifier.startsWith(`${name}/`)) continue;
    const sub = `.${specifier.slice(name.length)}`;
    const entry = pkg.exports[sub] as { source?: string } | undefined;
    if (entry?.source) return pathToFileURL(join(ROOT, 'packages', dir, entry.source)).href;
  }
  return undefined;
}

describe('each package README has an example that runs', () => {
  for (const { dir, name } of packages) {
    if (name === 'rlekit') continue; // the CLI's README shows shell commands; the tarball smoke test runs `npx rlekit`
    it(`${name}: the first ts block of packages/${dir}/README.md runs against the sources`, async () => {
      const code = readmeExample(readFileSync(join(ROOT, 'packages', dir, 'README.md'), 'utf8')) as string | undefined;
      expect(code, 'a ```ts block').toBeTypeOf('string');
      const rewritten = code!.replace(/from '(@rlekit\/[^']+|rlekit)'/g, (m, spec: string) => {
        const to = sourceOf(spec);
        expect(to, `${spec} is a published entry with a source`).toBeDefined();
        return `from '${to}'`;
      });
      const out = join(ROOT, '.tmp', 'readme-examples');
      mkdirSync(out, { recursive: true });
      const file = join(out, `${dir}.ts`);
      writeFileSync(file, `${rewritten}\nexport {};\n`);
      await import(/* @vite-ignore */ pathToFileURL(file).href);
    });
  }
});
