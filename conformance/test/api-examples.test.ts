/**
 * Every `@example` of the published API runs, and says what it does: each `expr; // → value`
 * claim is checked. And every exported function and class has one, except the ones listed in
 * api-examples.todo.json (a list that may only shrink: an entry that gains an example must leave it).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiExports, exampleModule } from '../src/api-examples.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const exports = apiExports(root);
const todo = JSON.parse(readFileSync(new URL('./api-examples.todo.json', import.meta.url), 'utf8')) as Record<string, string[]>;
const out = join(root, 'node_modules', '.cache', 'rlekit-examples');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const plain = (v: unknown): unknown => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v);
(globalThis as { __rlekitCheck?: unknown }).__rlekitCheck = (actual: unknown, expected: unknown, decimals: number, where: string) => {
  if (decimals >= 0 && typeof actual === 'number') expect(actual, where).toBeCloseTo(expected as number, decimals);
  else expect(plain(actual), where).toEqual(plain(expected));
};

describe('API examples run and say what the code does', () => {
  const withExamples = exports.filter((e) => e.examples.length > 0);
  it('finds the exports of every published package', () => {
    expect(new Set(exports.map((e) => e.pkg)).size).toBeGreaterThanOrEqual(10);
    expect(withExamples.length).toBeGreaterThan(0);
  });
  for (const e of withExamples) {
    e.examples.forEach((code, k) => {
      it(`${e.pkg}: ${e.name}${e.examples.length > 1 ? ` #${k + 1}` : ''}`, async () => {
        const entry = join(root, 'packages', e.pkg, 'src', 'index.ts');
        const core = join(root, 'packages', 'core', 'src', 'index.ts');
        const names = Object.keys(await import(entry));
        const coreNames = Object.keys(await import(core));
        const file = join(out, `${e.pkg}-${e.name}-${k}.ts`);
        writeFileSync(file, exampleModule(code, entry, core, names, coreNames));
        await import(file);
      });
    });
  }
});

describe('every exported function and class has an @example', () => {
  it('except those still listed in api-examples.todo.json, which lists only ones without', () => {
    const missing: Record<string, string[]> = {};
    for (const e of exports) if (e.examples.length === 0) (missing[e.pkg] ??= []).push(e.name);
    for (const list of Object.values(missing)) list.sort();
    const unlisted = Object.entries(missing).flatMap(([pkg, names]) => names.filter((n) => !todo[pkg]?.includes(n)).map((n) => `${pkg}: ${n}`));
    expect(unlisted, 'exports without an @example (write one)').toEqual([]);
    const done = Object.entries(todo).flatMap(([pkg, names]) => names.filter((n) => !missing[pkg]?.includes(n)).map((n) => `${pkg}: ${n}`));
    expect(done, 'listed in api-examples.todo.json but now have an example or are gone (remove them from the list)').toEqual([]);
  });
});
