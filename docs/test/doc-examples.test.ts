/**
 * Doc tests: every code block marked `ts example` in a docs page runs, and what it prints must be
 * what the page says in the `text output` block right after it. An example without its output
 * block, or an output block without an example, fails too, so a page cannot drift from the code.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { describe, expect, it, vi } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const docs = join(root, 'docs');
// Examples import the packages by name; a folder inside the workspace resolves them.
const work = join(root, '.tmp/doc-examples');

export interface Example { page: string; line: number; code: string; output: string | undefined }

const FENCE = /^(`{3,}|~{3,})\s*([\w-]*)\s*(.*)$/;

/** The `ts example` blocks of a Markdown page, each with the `text output` block after it. */
export function examplesOf(markdown: string, page: string): Example[] {
  const lines = markdown.split('\n');
  const blocks: { lang: string; meta: string; line: number; body: string; next: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = FENCE.exec(lines[i]!);
    if (!m) continue;
    const fence = m[1]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.startsWith(fence)) body.push(lines[j++]!);
    blocks.push({ lang: m[2]!, meta: m[3]!.trim(), line: i + 1, body: body.join('\n'), next: j + 1 });
    i = j;
  }
  const out: Example[] = [];
  blocks.forEach((b, k) => {
    const isExample = /\bexample\b/.test(b.meta) && /^(ts|js|typescript|javascript)$/.test(b.lang);
    const isOutput = b.lang === 'text' && /\boutput\b/.test(b.meta);
    if (isOutput) {
      const prev = blocks[k - 1];
      if (!prev || !/\bexample\b/.test(prev.meta)) throw new Error(`${page}:${b.line}: an output block without an example before it`);
    }
    if (!isExample) return;
    const next = blocks[k + 1];
    const between = next ? lines.slice(b.next, next.line - 1).join('\n').trim() : '';
    // Only prose-free whitespace or a short "Prints:" line may sit between an example and its output.
    const output = next && next.lang === 'text' && /\boutput\b/.test(next.meta) && between.length < 40 ? next.body : undefined;
    out.push({ page, line: b.line, code: b.body, output });
  });
  return out;
}

function pages(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith('.') || e.name === 'api' || e.name === 'reference' || e.name === 'test' || e.name === 'public' || e.name === 'node_modules') return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? pages(p) : e.name.endsWith('.md') ? [p] : [];
  });
}

const all = pages(docs).flatMap((p) => examplesOf(readFileSync(p, 'utf8'), relative(root, p)));

describe('the example extractor', () => {
  it('pairs each example with the output block after it, and refuses an orphan output', () => {
    const md = 'x\n\n```ts example\nconsole.log(1);\n```\n\nPrints:\n\n```text output\n1\n```\n\n```ts\nnot run\n```\n';
    expect(examplesOf(md, 'p.md')).toEqual([{ page: 'p.md', line: 3, code: 'console.log(1);', output: '1' }]);
    expect(() => examplesOf('```text output\n1\n```\n', 'p.md')).toThrow(/without an example/);
    expect(examplesOf('```ts example\nconsole.log(1);\n```\n\nA paragraph of prose, long enough to not be a label.\n\n```text output\n1\n```\n', 'p.md')[0]!.output).toBeUndefined();
  });
});

describe('docs examples print what the pages say', () => {
  it('there are examples on the guide pages', () => {
    for (const page of ['docs/which-convention.md', 'docs/pitfalls.md', 'docs/qa.md']) {
      expect(all.filter((e) => e.page === page).length, page).toBeGreaterThan(0);
    }
  });

  mkdirSync(work, { recursive: true });
  for (const [n, e] of all.entries()) {
    it(`${e.page}:${e.line}`, async () => {
      expect(e.output, `${e.page}:${e.line} has no \`text output\` block after it`).toBeDefined();
      const file = join(work, `example-${n}.ts`);
      writeFileSync(file, `${e.code}\nexport {};\n`);
      const printed: string[] = [];
      const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { printed.push(format(...args)); });
      try {
        await import(`${pathToFileURL(file).href}?t=${Date.now()}`);
      } finally {
        spy.mockRestore();
      }
      expect(printed.join('\n').trimEnd()).toBe(e.output!.trimEnd());
    });
  }
});
