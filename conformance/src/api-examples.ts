/**
 * The `@example` blocks of every published package's exports: found with the TypeScript
 * compiler (what the API reference shows), and turned into modules a test can run.
 *
 * An example is a ```ts block. It runs as written, with every export of its package and of
 * `@rlekit/core` in scope (besides what it imports itself, `node:fs` and the like). A line
 * `expr; // → value` is a claim: `expr` must equal the JavaScript value `value` (numbers with
 * decimals to the decimals shown), so the page can never say what the code does not do.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export interface ApiExport {
  pkg: string;
  name: string;
  kind: 'function' | 'class';
  /** The code of each `@example` (fences removed). */
  examples: string[];
  file: string;
}

/** Published packages (not private), by folder name, whose `src/index.ts` exists. */
export function publishedPackages(root: string): string[] {
  return readdirSync(join(root, 'packages')).filter((d) => {
    const pj = join(root, 'packages', d, 'package.json');
    if (!existsSync(pj) || !existsSync(join(root, 'packages', d, 'src', 'index.ts'))) return false;
    return (JSON.parse(readFileSync(pj, 'utf8')) as { private?: boolean }).private !== true;
  }).sort();
}

function exampleCode(tag: ts.JSDocTag): string {
  const text = typeof tag.comment === 'string' ? tag.comment : ts.getTextOfJSDocComment(tag.comment) ?? '';
  const fenced = [...text.matchAll(/```(?:ts|typescript|js)?\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return fenced.length > 0 ? fenced.join('\n') : text;
}

/** Every exported function and class of each package, with its examples. */
export function apiExports(root: string, packages = publishedPackages(root)): ApiExport[] {
  const entries = packages.map((p) => join(root, 'packages', p, 'src', 'index.ts'));
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.base.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const program = ts.createProgram(entries, { ...config!.options, noEmit: true });
  const checker = program.getTypeChecker();
  const out: ApiExport[] = [];
  packages.forEach((pkg, k) => {
    const sf = program.getSourceFile(entries[k]!);
    const mod = sf && checker.getSymbolAtLocation(sf);
    if (!mod) return;
    for (const exported of checker.getExportsOfModule(mod)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decls = symbol.declarations ?? [];
      let kind: ApiExport['kind'] | undefined;
      for (const d of decls) {
        if (ts.isFunctionDeclaration(d)) kind = 'function';
        else if (ts.isClassDeclaration(d)) kind = 'class';
        else if (ts.isVariableDeclaration(d) && d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))) kind = 'function';
      }
      if (!kind) continue;
      const examples: string[] = [];
      for (const d of decls) {
        const host = ts.isVariableDeclaration(d) ? d.parent.parent : d;
        for (const tag of ts.getJSDocTags(host)) if (tag.tagName.text === 'example') examples.push(exampleCode(tag));
      }
      out.push({ pkg, name: exported.name, kind, examples, file: decls[0]!.getSourceFile().fileName });
    }
  });
  return out;
}

const CLAIM = /^(\s*)(?!(?:const|let|var|return|import|export|if|for|while)\b)(.+?);?\s*\/\/\s*→\s*(.+?)\s*$/;

/**
 * An example as a module: the package's and core's exports in scope, each claim checked.
 * `check` is a global the test provides: `check(actual, expected, decimals, line)`.
 */
export function exampleModule(code: string, pkgEntry: string, coreEntry: string, pkgExports: string[], coreExports: string[]): string {
  const lines = code.split('\n');
  const imports = lines.filter((l) => /^\s*import\s/.test(l));
  // Names the example imports itself (node:fs, ...) are not also imported from the package.
  const taken = new Set(imports.flatMap((l) => [...(/\{([^}]*)\}/.exec(l)?.[1]?.split(',') ?? []), /^\s*import\s+(?:\*\s+as\s+)?(\w+)/.exec(l)?.[1] ?? ''].map((n) => n.trim().split(/\s+as\s+/).pop()!)));
  const own = new Set(pkgExports.filter((n) => !taken.has(n)));
  const fromCore = coreExports.filter((n) => !own.has(n) && !taken.has(n) && !pkgExports.includes(n));
  const body = lines.filter((l) => !/^\s*import\s/.test(l)).map((l, i) => {
    const m = CLAIM.exec(l);
    if (!m) return l;
    const decimals = /^-?\d+\.(\d+)$/.exec(m[3]!)?.[1]?.length ?? -1;
    return `${m[1]}globalThis.__rlekitCheck(${m[2]}, (${m[3]}), ${decimals}, ${JSON.stringify(`line ${i + 1}: ${m[2]!.trim()}`)});`;
  });
  const header = [
    ...imports.map((l) => l.replace(/from\s+['"]@rlekit\/core['"]/, `from ${JSON.stringify(coreEntry)}`).replace(/from\s+['"]@rlekit\/[\w-]+['"]/, `from ${JSON.stringify(pkgEntry)}`)),
    ...(own.size ? [`import { ${[...own].join(', ')} } from ${JSON.stringify(pkgEntry)};`] : []),
    ...(fromCore.length && pkgEntry !== coreEntry ? [`import { ${fromCore.join(', ')} } from ${JSON.stringify(coreEntry)};`] : []),
  ];
  return [...header, ...body, 'export {};', ''].join('\n');
}
