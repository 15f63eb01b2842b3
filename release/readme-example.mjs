// The 30-second example of a package: the first ```ts (or ```js) block of its README.
// Shared by the README test (against the sources) and the tarball smoke test (against the packs).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

/** Every package that is published (not private), as { dir, name, pkg }. */
export function publishedPackages() {
  return readdirSync(join(ROOT, 'packages'))
    .filter((d) => existsSync(join(ROOT, 'packages', d, 'package.json')))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => !pkg.private)
    .map(({ dir, pkg }) => ({ dir, name: pkg.name, pkg }));
}

/** The first ts/js code block of a README, or undefined. */
export function readmeExample(readme) {
  const m = /^```(?:ts|typescript|js|javascript)\n([\s\S]*?)^```/m.exec(readme);
  return m ? m[1] : undefined;
}
