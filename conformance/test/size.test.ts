import { beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_GZIP, bundleSize, publishedPackages, type BundleSize } from '../src/size.js';

// #19: a browser bundle of one whole adapter (dialect, codecs, everything it exports) may add at most
// 30 KB gzip to core. Every published package is measured, so new adapters are covered as they land.

/**
 * Packages over the budget because of a format library they cannot load lazily (synchronous API
 * functions use it), each with a ceiling it must stay under. An entry must go once its package fits.
 */
const overBudget: Record<string, { ceilingKB: number; why: string }> = {
  '@rlekit/dicom': { ceilingKB: 225, why: 'dcmjs (194 KB gzip) parses and writes Part 10 for the synchronous readSeg, writeSeg and readFrames' },
  '@rlekit/cvat': { ceilingKB: 40, why: 'fast-xml-parser (21 KB gzip) parses XML for the synchronous parseCvatXml' },
  '@rlekit/yolo': { ceilingKB: 46, why: 'yaml (96 KB minified) parses data.yaml; a smaller YAML library or loading it on first use would fit' },
};

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
    for (const name of Object.keys(overBudget)) expect(packages.map((p) => p.name)).toContain(name);
  });

  describe.each(packages.filter((p) => p !== core))('$name', (pkg) => {
    it(`adds at most ${BUDGET_GZIP / 1024} KB gzip to core, and pulls no Node built-in`, async () => {
      const withCore = await bundleSize(exportAll(core.entry, 'core') + exportAll(pkg.entry, 'pkg'));
      const added = withCore.gzip - coreSize.gzip;
      const largest = withCore.inputs.slice(0, 5).map(([k, v]) => `${k} ${kb(v)}`).join(', ');
      expect(withCore.nodeBuiltins, `${pkg.name} imports Node built-ins from its main entry`).toEqual([]);
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
