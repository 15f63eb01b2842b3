// Startup (issue 19): `rlekit --version` imports nothing but package.json; commands load only the dialects they name.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dialectsNeeded } from '../src/main.js';
import { declaredDialects, loadDialects } from '../src/registry.js';
import { runCli as run } from './support.js';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));


describe('rlekit --version', () => {
  it('the bin prints the version of the rlekit package, and nothing else', () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ['--version', '-V']) {
      const out = execFileSync(tsx, ['--conditions=source', bin, flag], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out).toBe(`${version}\n`);
    }
  });

  it('main prints the same version', async () => {
    const r = await run(['--version']);
    expect(r).toEqual({ code: 0, out: `${version}\n`, err: '', stdout: '' });
  });
});

describe('dialects are loaded lazily', () => {
  it('--version, --help and help load none; a command loads the dialects it names; detection and listing load all', () => {
    expect(dialectsNeeded(['--version'])).toEqual([]);
    expect(dialectsNeeded([])).toEqual([]);
    expect(dialectsNeeded(['--help'])).toEqual([]);
    expect(dialectsNeeded(['convert', '--help'])).toEqual([]);
    expect(dialectsNeeded(['help', 'convert'])).toEqual([]);
    expect(dialectsNeeded(['convert', 'a.json', '--from', 'coco', '--to=kaggle'])).toEqual(['coco', 'kaggle']);
    expect(dialectsNeeded(['convert', 'a.json', '--to', 'kaggle'])).toBeUndefined();
    expect(dialectsNeeded(['inspect', 'a.dcm', '--from', 'dicom'])).toEqual(['dicom']);
    expect(dialectsNeeded(['compare', 'a', 'b', '--from-a', 'coco', '--from-b', 'png'])).toEqual(['coco', 'png']);
    expect(dialectsNeeded(['check', 'a', '--from', 'coco', '--target', 'kaggle'])).toEqual(['coco', 'kaggle']);
    expect(dialectsNeeded(['decode', 'abc'])).toEqual([]);
    expect(dialectsNeeded(['decode', 'abc', '--to', 'coco'])).toEqual(['coco']);
    expect(dialectsNeeded(['dialects', 'coco'])).toEqual(['coco']);
    expect(dialectsNeeded(['dialects'])).toBeUndefined();
    expect(dialectsNeeded(['some-new-command', 'x'])).toBeUndefined();
  });

  it('every declared dialect is what its module exports, and every dialect the CLI finds is declared', async () => {
    const declared = declaredDialects();
    expect(declared.filter((d) => d.id === undefined)).toEqual([]);
    expect(declared[0]).toEqual({ id: 'rlekit-json', module: '@rlekit/core/json' });
    for (const d of declared) {
      const mod = (await import(d.module)) as { dialect?: { id: string } };
      expect(mod.dialect?.id, d.module).toBe(d.id);
    }
    const all = await loadDialects();
    expect(all.map((d) => d.id)).toEqual(declared.map((d) => d.id));
    expect(all.length).toBeGreaterThanOrEqual(10);
  });

  it('loads only the ids asked for; an id no package declares loads all (so the error can list them)', async () => {
    expect((await loadDialects([], ['kaggle', 'coco'])).map((d) => d.id)).toEqual(['coco', 'kaggle']);
    expect((await loadDialects([], ['no-such'])).length).toBe(declaredDialects().length);
    const r = await run(['dialects', 'no-such']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Unknown dialect "no-such".*coco.*kaggle/);
  });
});
