import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper shared with the release check, no types
import { ROOT, publishedPackages } from '../readme-example.mjs';

// What npm shows and what a user needs to trust a package (issue 19); the packed tarballs are checked by `pnpm release:check`.
const packages = publishedPackages() as { dir: string; name: string; pkg: Record<string, any> }[];

describe.each(packages.map((p) => [p.name, p] as const))('%s is ready to publish', (name, { dir, pkg }) => {
  const at = (f: string) => join(ROOT, 'packages', dir, f);

  it('has an MIT LICENSE file, a README and a CHANGELOG', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(at('LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /);
    expect(readFileSync(at('CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`^# ${name.replace('/', '\\/')}\\n\\n## ${pkg.version.replace(/\./g, '\\.')}\\n`));
    expect(existsSync(at('README.md'))).toBe(true);
  });

  it('says where it lives: repository (with its directory), bugs, homepage, keywords', () => {
    expect(pkg.repository).toMatchObject({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/), directory: `packages/${dir}` });
    expect(pkg.bugs?.url).toMatch(/^https:\/\/github\.com\/.+\/issues$/);
    expect(pkg.homepage).toBe(`${pkg.repository.url.slice(4, -4)}/tree/main/packages/${dir}#readme`);
    expect(pkg.keywords.length).toBeGreaterThanOrEqual(3);
  });

  it('states its Node versions in engines and its README, and that it is ESM only', () => {
    expect(pkg.engines).toEqual({ node: '>=20.19' });
    expect(pkg.type).toBe('module');
    const readme = readFileSync(at('README.md'), 'utf8');
    expect(readme).toMatch(/ESM only/);
    expect(readme).toMatch(/Node\.js ≥ 20\.19 \(tested on Node 20\.20/);
  });

  it('publishes dist and its docs, is public, and is side-effect free unless it is the CLI', () => {
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'LICENSE', 'CHANGELOG.md']));
    expect(pkg.publishConfig).toEqual({ access: 'public' });
    if (name === 'rlekit') expect(pkg.bin).toEqual({ rlekit: './dist/bin.js' });
    else expect(pkg.sideEffects).toBe(false);
    expect(pkg.types ?? pkg.exports['.'].types).toBe('./dist/index.d.ts');
  });
});

it('the root has the same LICENSE, and changesets knows every published package', () => {
  expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toBe(readFileSync(join(ROOT, 'packages/core/LICENSE'), 'utf8'));
  const config = JSON.parse(readFileSync(join(ROOT, '.changeset/config.json'), 'utf8'));
  expect(config.access).toBe('public');
  for (const { name } of packages) expect(config.ignore).not.toContain(name);
});
