import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BUDGET_GZIP, bundleSize, publishedPackages, root, type BundleSize } from '../src/size.js';

// #19: importing one whole adapter (dialect, codecs, everything it exports) in a browser bundle may
// add at most 30 KB gzip to core. Every published package is measured, so new adapters are covered
// as they land. A format library behind a dynamic import() (dcmjs, fast-xml-parser, yaml: loaded on
// first use by async functions) is a lazy chunk, not fetched on import, so not counted here.

/**
 * Packages over the budget, each with a ceiling it must stay under and why it cannot load what
 * makes it heavy on first use. An entry must go once its package fits. (None today.)
 */
const overBudget: Record<string, { ceilingKB: number; why: string }> = {};

/** Packages whose format library is loaded on first use: it must stay out of the entry. */
const lazyLibraries: Record<string, string> = { '@rlekit/dicom': 'dcmjs', '@rlekit/cvat': 'fast-xml-parser', '@rlekit/yolo': 'yaml' };

const packages = publishedPackages();
const core = packages.find((p) => p.dir === 'core')!;
const exportAll = (path: string, as: string): string => `export * as ${as} from ${JSON.stringify(path)};`;
const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

let coreSize: BundleSize;
beforeAll(async () => {
  coreSize = await bundleSize(exportAll(core.entry, 'core'));
}, 60_000);

describe('browser bundles', () => {
  it('finds core and the published adapters, not the CLI or private packages', () => {
    const dirs = packages.map((p) => p.dir);
    expect(dirs).toContain('core');
    expect(dirs).toContain('coco');
    expect(dirs).not.toContain('cli');
    expect(dirs).not.toContain('bench');
  });

  it('core pulls no Node built-in', () => {
    expect(coreSize.nodeBuiltins).toEqual([]);
  });

  it('lists only packages that exist', () => {
    for (const name of [...Object.keys(overBudget), ...Object.keys(lazyLibraries)]) expect(packages.map((p) => p.name)).toContain(name);
  });

  it('counts a library behind a dynamic import() as a lazy chunk, not as the weight of the import', async () => {
    // yolo's own module that re-exports the YAML library, imported statically and dynamically.
    const yaml = JSON.stringify(join(root, 'packages', 'yolo', 'src', 'yaml.ts'));
    const eager = await bundleSize(`export { parse } from ${yaml};`);
    const lazy = await bundleSize(`export const load = () => import(${yaml});`);
    expect(eager.inputs.map(([k]) => k)).toContain('yaml');
    expect(lazy.inputs.map(([k]) => k)).not.toContain('yaml');
    expect(lazy.lazyInputs.map(([k]) => k)).toContain('yaml');
    expect(lazy.lazy.gzip).toBeGreaterThan(10 * 1024);
    expect(eager.gzip - lazy.gzip).toBeGreaterThan(10 * 1024);
  });

  describe.each(packages.filter((p) => p !== core))('$name', (pkg) => {
    it(`adds at most ${BUDGET_GZIP / 1024} KB gzip to core, and pulls no Node built-in`, async () => {
      const withCore = await bundleSize(exportAll(core.entry, 'core') + exportAll(pkg.entry, 'pkg'));
      const added = withCore.gzip - coreSize.gzip;
      const largest = withCore.inputs.slice(0, 5).map(([k, v]) => `${k} ${kb(v)}`).join(', ');
      expect(withCore.nodeBuiltins, `${pkg.name} imports Node built-ins from its main entry or a lazy chunk`).toEqual([]);
      const library = lazyLibraries[pkg.name];
      if (library !== undefined) {
        expect(withCore.inputs.map(([k]) => k), `${library} is in ${pkg.name}'s entry: it must be loaded on first use`).not.toContain(library);
        expect(withCore.lazyInputs.map(([k]) => k), `${library} is not a lazy chunk of ${pkg.name}`).toContain(library);
      }
      const exception = overBudget[pkg.name];
      if (exception === undefined) {
        expect(added, `${pkg.name} adds ${kb(added)} gzip to core (minified: ${largest})`).toBeLessThanOrEqual(BUDGET_GZIP);
      } else {
        expect(added, `${pkg.name} adds ${kb(added)} gzip to core, over its ceiling (${exception.why}; minified: ${largest})`).toBeLessThanOrEqual(exception.ceilingKB * 1024);
        expect(added, `${pkg.name} now fits the budget (${kb(added)}): remove it from overBudget`).toBeGreaterThan(BUDGET_GZIP);
      }
    });
  });
});
