import { readFileSync } from 'node:fs';
import { RleError, readHead, type ByteSource, type Dialect, type FolderSource } from '@rlekit/core';

/**
 * Dialects are found, not listed: core's rlekit-json, every `@rlekit/*` package this CLI
 * depends on that exports `dialect`, and any module named in RLEKIT_PLUGINS (comma-separated)
 * or `--plugin`. Adding a dialect never touches the CLI's code.
 */
export async function loadDialects(plugins: readonly string[] = []): Promise<Dialect[]> {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies?: Record<string, string> };
  const modules = ['@rlekit/core/json', ...Object.keys(pkg.dependencies ?? {}).filter((n) => n.startsWith('@rlekit/') && n !== '@rlekit/core').sort()];
  const env = (process.env.RLEKIT_PLUGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const found: Dialect[] = [];
  for (const name of [...modules, ...env, ...plugins]) {
    let mod: { dialect?: Dialect };
    try {
      mod = (await import(name)) as { dialect?: Dialect };
    } catch (e) {
      throw new RleError('UNKNOWN_DIALECT', `Cannot load dialect module ${name}`, { cause: e });
    }
    // A package that does not (yet) export a dialect is not one.
    if (mod.dialect && typeof mod.dialect.read === 'function') {
      if (found.some((d) => d.id === mod.dialect!.id)) throw new RleError('UNKNOWN_DIALECT', `Two modules register the dialect id "${mod.dialect.id}"`);
      found.push(mod.dialect);
    }
  }
  return found;
}

export function findDialect(dialects: readonly Dialect[], id: string): Dialect {
  const d = dialects.find((x) => x.id === id);
  if (!d) throw new RleError('UNKNOWN_DIALECT', `Unknown dialect "${id}"`, { expected: dialects.map((x) => x.id).join(', ') });
  return d;
}

export interface Detection {
  dialect: Dialect;
  confidence: number;
}

/** Asks every dialect how sure it is about an input; extensions break ties. */
export async function detect(dialects: readonly Dialect[], input: ByteSource | FolderSource): Promise<Detection> {
  let best: Detection | undefined;
  if (input.kind === 'folder') {
    const files = await input.list();
    for (const d of dialects) {
      if (d.input === 'file') continue;
      const sample = files.find((f) => d.extensions.some((e) => f.toLowerCase().endsWith(e)));
      if (!sample) continue;
      const confidence = d.sniff(await readHead(input.open(sample)), sample);
      if (!best || confidence > best.confidence) best = { dialect: d, confidence };
    }
  } else {
    const head = await readHead(input, 65536);
    const lower = input.name.toLowerCase();
    for (const d of dialects) {
      if (d.input === 'folder') continue;
      let confidence = d.sniff(head, input.name);
      if (confidence > 0 && d.extensions.some((e) => lower.endsWith(e))) confidence += 0.01;
      if (!best || confidence > best.confidence) best = { dialect: d, confidence };
    }
  }
  if (!best || best.confidence < 0.3) {
    throw new RleError('UNKNOWN_DIALECT', `Cannot tell which dialect ${input.name} is`, { expected: 'a recognisable file, or --from <dialect>' });
  }
  return best;
}
