import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { RleError, readHead, type ByteSource, type Dialect, type FolderSource, type SniffResult } from '@rlekit/core';

const require = createRequire(import.meta.url);

/** A dialect a package declares in its package.json (`"rlekit": { "dialects": { id: export } }`). */
export interface DeclaredDialect {
  id: string;
  /** The module to import for it: the package name plus the export's subpath. */
  module: string;
}

/**
 * The dialects of the `@rlekit/*` packages this CLI depends on, read from their package.json
 * files without importing any: knowing which module holds which id lets a command load only the
 * dialects it names (`--version` none, `convert --from coco --to kaggle` two). A dependency
 * without an `rlekit` field is listed with the id undefined: it is imported to find out.
 */
export function declaredDialects(): { id: string | undefined; module: string }[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies?: Record<string, string> };
  const out: { id: string | undefined; module: string }[] = [];
  for (const name of Object.keys(pkg.dependencies ?? {}).filter((n) => n.startsWith('@rlekit/')).sort()) {
    const manifest = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { rlekit?: { dialects?: Record<string, string> } };
    const dialects = manifest.rlekit?.dialects;
    if (!dialects) {
      out.push({ id: undefined, module: name });
      continue;
    }
    for (const [id, sub] of Object.entries(dialects)) out.push({ id, module: sub === '.' ? name : `${name}${sub.slice(1)}` });
  }
  // rlekit-json first, as it always was: the order breaks ties between equally sure sniffers.
  return out.sort((a, b) => Number(b.id === 'rlekit-json') - Number(a.id === 'rlekit-json'));
}

/**
 * Dialects are found, not listed: every `@rlekit/*` package this CLI depends on declares its
 * dialects in its package.json (core declares rlekit-json), plus any module named in
 * RLEKIT_PLUGINS (comma-separated) or `--plugin`. Adding a dialect never touches the CLI's code.
 * With `only`, just the declared dialects of those ids are imported (and every plugin); an id no
 * package declares loads everything, so a plugin's dialect is found and an unknown id is listed
 * against all the others.
 * @example
 * ```ts
 * // Only the dialects named are imported; without a list, every installed one.
 * (await loadDialects([], ['coco', 'kaggle'])).map((d) => d.id).sort(); // → ['coco', 'kaggle']
 * ```
 */
export async function loadDialects(plugins: readonly string[] = [], only?: readonly string[]): Promise<Dialect[]> {
  const declared = declaredDialects();
  const narrow = only !== undefined && only.every((id) => declared.some((d) => d.id === id));
  const modules = [...new Set(declared.filter((d) => !narrow || (d.id !== undefined && only.includes(d.id))).map((d) => d.module))];
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

/**
 * @example
 * ```ts
 * findDialect(await loadDialects([], ['coco']), 'coco').title.startsWith('COCO'); // → true
 * const error = await loadDialects([], ['coco']).then((ds) => findDialect(ds, 'cocoo')).catch((e: RleError) => e);
 * (error as RleError).code; // → 'UNKNOWN_DIALECT'
 * ```
 */
export function findDialect(dialects: readonly Dialect[], id: string): Dialect {
  const d = dialects.find((x) => x.id === id);
  if (!d) throw new RleError('UNKNOWN_DIALECT', `Unknown dialect "${id}"`, { expected: dialects.map((x) => x.id).join(', ') });
  return d;
}

export interface Detection {
  dialect: Dialect;
  confidence: number;
  /** Why this dialect, in words: its sniffer's reason, the bytes read, the file extension. */
  reason: string;
}

/** Detection reads this much first, and more (four times as much each round) while the head is inconclusive... */
export const SNIFF_START_BYTES = 64 * 1024;
/** ...up to this much: a bounded, streamed look at the structure, never the whole of a huge file. */
export const SNIFF_MAX_BYTES = 64 * 1024 * 1024;
/** A sniff this sure ends the search for more bytes. */
const SURE = 0.8;

function sniffOf(d: Dialect, head: Uint8Array, name: string): SniffResult {
  const r = d.sniffDetail ? d.sniffDetail(head, name) : { confidence: d.sniff(head, name) };
  return Number.isFinite(r.confidence) ? r : { confidence: 0 };
}

const kib = (n: number): string => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(n % (1 << 20) ? 1 : 0)} MiB` : `${Math.ceil(n / 1024)} KiB`);

/**
 * Asks every dialect how sure it is about an input; extensions break ties. When no dialect is sure
 * and one says more bytes could decide (a JSON file whose first lists are long), the head grows
 * (streamed, up to SNIFF_MAX_BYTES) and every dialect is asked again.
 * @example
 * ```ts
 * const json = '{"images":[{"id":1,"height":3,"width":4}],"categories":[],"annotations":[{"id":1,"image_id":1,"segmentation":{"size":[3,4],"counts":"11110O30"}}]}';
 * const found = await detect(await loadDialects(), bytesSource(encodeUtf8(json), 'instances.json'));
 * found.dialect.id; // → 'coco'
 * ```
 */
export async function detect(dialects: readonly Dialect[], input: ByteSource | FolderSource, maxBytes = SNIFF_MAX_BYTES): Promise<Detection> {
  let best: (SniffResult & { dialect: Dialect }) | undefined;
  let read = 0;
  if (input.kind === 'folder') {
    const files = await input.list();
    // A folder layout a dialect recognises beats a sample file another one recognises.
    for (const d of dialects) {
      if (d.input === 'file' || !d.sniffFolder) continue;
      const r = d.sniffFolder(files);
      if (Number.isFinite(r.confidence) && r.confidence >= 0.5 && (!best || r.confidence > best.confidence)) best = { ...r, dialect: d, reason: r.reason ?? 'its folder layout' };
    }
    for (const d of best ? [] : dialects) {
      if (d.input === 'file') continue;
      const sample = files.find((f) => d.extensions.some((e) => f.toLowerCase().endsWith(e)));
      if (!sample) continue;
      const r = sniffOf(d, await readHead(input.open(sample)), sample);
      if (!best || r.confidence > best.confidence) best = { ...r, dialect: d, reason: `${r.reason ?? 'recognised'} in ${sample}` };
    }
  } else {
    const lower = input.name.toLowerCase();
    for (let n = Math.min(SNIFF_START_BYTES, maxBytes); ; n = Math.min(n * 4, maxBytes)) {
      const head = await readHead(input, n);
      read = head.length;
      best = undefined;
      let more = false;
      for (const d of dialects) {
        if (d.input === 'folder') continue;
        const r = sniffOf(d, head, input.name);
        more ||= r.more === true;
        let confidence = r.confidence;
        const byName = confidence > 0 && d.extensions.some((e) => lower.endsWith(e));
        if (byName) confidence += 0.01;
        if (!best || confidence > best.confidence) {
          const why = r.reason ?? 'its sniffer recognised the start of the file';
          best = { dialect: d, confidence, reason: `${why} (read ${head.length < n ? 'the whole file' : `the first ${kib(head.length)}`}${byName ? `; name ends in ${d.extensions.find((e) => lower.endsWith(e))}` : ''})` };
        }
      }
      if ((best && best.confidence >= SURE) || !more || head.length < n || n >= maxBytes) break;
    }
  }
  if (!best || best.confidence < 0.3) {
    const looked = input.kind === 'folder' ? '' : ` (looked at ${kib(read)}${read >= maxBytes ? ', the most detection reads' : ''})`;
    throw new RleError('UNKNOWN_DIALECT', `Cannot tell which dialect ${input.name} is${looked}`, { expected: 'a recognisable file, or --from <dialect>' });
  }
  return { dialect: best.dialect, confidence: Math.min(1, best.confidence), reason: best.reason ?? '' };
}
