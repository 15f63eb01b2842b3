import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Package hygiene every dialect promises: importable alone, in Node or a browser bundle.
const root = fileURLToPath(new URL('../../', import.meta.url));
const dialectPackages = ['coco', 'coco-panoptic', 'kaggle', 'png', 'encord', 'cvat', 'dicom', 'label-studio', 'darwin', 'supervisely', 'labelme', 'yolo'];
/** Each dialect's own format library (besides core and zod), per the design card. */
const formatLibrary: Record<string, string[]> = {
  coco: [],
  // csv-parse and csv-stringify are only the tests' oracles now: records are split by the package's own
  // linear parser, and quoting a field is one line (csv-stringify's browser build was 9 KB gzip, #19).
  // fast-png decodes and encodes the segment PNGs (as label-studio's bitmasks); fflate inflates their image data once with a cap first.
  'coco-panoptic': ['fast-png', 'fflate'],
  // fflate: the Open Images presets' zlib.
  kaggle: ['fflate'],
  png: ['fflate'],
  encord: [],
  cvat: ['fast-xml-parser'],
  // fflate inflates Deflated data sets in bounded pieces (dcmjs would inflate them without a limit).
  dicom: ['dcmjs', 'fflate'],
  'label-studio': ['fast-png'],
  darwin: [],
  supervisely: ['pako'],
  // fast-png decodes mask shapes after fflate has bounded what their image data inflates to.
  labelme: ['fast-png', 'fflate'],
  yolo: ['yaml'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe.each(['core', ...dialectPackages])('@rlekit/%s', (name) => {
  const dir = join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

  it('has no Node-only imports in its sources', () => {
    const offenders = sources(join(dir, 'src')).filter((f) => /from\s+['"]node:|require\(['"](fs|path|zlib|stream|os|child_process)['"]\)|from\s+['"](fs|path|zlib|stream|os|child_process)['"]/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('exports types, ESM and TypeScript sources', () => {
    expect(pkg.type).toBe('module');
    expect(pkg.exports['.']).toMatchObject({ source: './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' });
  });

  it('depends only on core and its own format library', () => {
    const deps = Object.keys(pkg.dependencies ?? {}).sort();
    if (name === 'core') expect(deps).toEqual([]);
    else expect(deps).toEqual(['@rlekit/core', ...formatLibrary[name]!, 'zod'].sort());
  });

  it('uses the format library it declares (the design card fixes which)', () => {
    const text = sources(join(dir, 'src')).map((f) => readFileSync(f, 'utf8')).join('\n');
    // Statically, or on first use (`import('dcmjs')`: the library loads lazily, #19's browser budget).
    for (const lib of formatLibrary[name] ?? []) expect(text, `${name} imports ${lib}`).toMatch(new RegExp(`(from |import\\()['"]${lib}(/[^'"]*)?['"]`));
  });

  it('has a README with an example', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toMatch(/```(ts|js|sh)/);
  });

  if (name !== 'core') {
    it('has its docs page and exports a dialect', async () => {
      expect(existsSync(join(root, 'docs', 'dialects', `${name}.md`))).toBe(true);
      const mod = await import(`@rlekit/${name}`);
      expect(mod.dialect?.id).toBe(name);
      expect(typeof mod.dialect.read).toBe('function');
      expect(typeof mod.dialect.write).toBe('function');
    });
  }
});

describe('@rlekit/detect', () => {
  const dir = join(root, 'packages', 'detect');
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

  it('runs in a browser: no Node-only imports, ESM with types', () => {
    const offenders = sources(join(dir, 'src')).filter((f) => /from\s+['"]node:|from\s+['"](fs|path|zlib|stream|os|child_process)['"]/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
    expect(pkg.exports['.']).toMatchObject({ source: './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' });
  });

  it('reads conventions through the codecs of core, kaggle and label-studio only', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@rlekit/core', '@rlekit/kaggle', '@rlekit/label-studio', 'fflate']);
  });
});

describe('@rlekit/render', () => {
  const dir = join(root, 'packages', 'render');
  it('runs in a browser: no Node-only imports', () => {
    const offenders = sources(join(dir, 'src')).filter((f) => /from\s+['"]node:|from\s+['"](fs|path|zlib|stream|os|child_process)['"]/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
