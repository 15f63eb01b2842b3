import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { RleError, type OptionsSchema } from '@rlekit/core';

/** One dialect option as the CLI shows it: derived from the dialect's zod schema. */
export interface OptionSpec {
  name: string;
  flag: string;
  type: 'string' | 'number' | 'integer' | 'boolean';
  choices?: string[];
  description?: string;
  default?: unknown;
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Lists the options of a zod object schema; schemas that are not zod (core's own) list none.
 * @example
 * ```ts
 * // A dialect's options as the CLI lists them (flags, types, choices, defaults).
 * const [coco] = await loadDialects([], ['coco']);
 * optionSpecs(coco.writeOptions).find((o) => o.name === 'segmentation')?.choices; // → ['rle', 'polygons', 'auto']
 * ```
 */
export function optionSpecs(schema: OptionsSchema<unknown>): OptionSpec[] {
  let json: { properties?: Record<string, { type?: string; enum?: unknown[]; description?: string; default?: unknown; anyOf?: unknown[] }> };
  if (schema.jsonSchema) json = schema.jsonSchema as typeof json;
  else {
    try {
      json = z.toJSONSchema(schema as unknown as z.ZodMiniType, { io: 'input', unrepresentable: 'any' }) as typeof json;
    } catch {
      return [];
    }
  }
  return Object.entries(json.properties ?? {}).map(([name, p]) => {
    const choices = Array.isArray(p.enum) ? p.enum.map(String) : undefined;
    const t = p.type === 'number' || p.type === 'integer' || p.type === 'boolean' ? p.type : 'string';
    return { name, flag: kebab(name), type: t, ...(choices ? { choices } : {}), ...(p.description ? { description: p.description } : {}), ...(p.default !== undefined ? { default: p.default } : {}) };
  });
}

/** Turns `--flag value` strings into typed option values; the dialect's schema validates them. */
export function coerce(spec: OptionSpec, raw: string | boolean): unknown {
  if (spec.type === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    const v = raw.trim().toLowerCase();
    if (v === 'true' || v === '1' || v === 'yes') return true;
    if (v === 'false' || v === '0' || v === 'no') return false;
    // A typo ("ture") must not silently mean false.
    throw new RleError('INVALID_OPTION', `--${spec.flag} must be true or false`, { path: [spec.name], expected: 'true, false, yes, no, 1 or 0', received: raw });
  }
  if (typeof raw === 'boolean') throw new RleError('INVALID_OPTION', `--${spec.flag} needs a value`, { path: [spec.name] });
  if (spec.type === 'number' || spec.type === 'integer') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new RleError('INVALID_OPTION', `--${spec.flag} must be a number`, { path: [spec.name], received: raw });
    return n;
  }
  return raw;
}

function isZod<O>(schema: OptionsSchema<O>): schema is OptionsSchema<O> & z.ZodMiniType<O> {
  return typeof schema === 'object' && schema !== null && '_zod' in schema;
}

/** Runs a dialect's schema and turns zod's issues into an INVALID_OPTION RleError. */
export function parseOptions<O>(schema: OptionsSchema<O>, values: Record<string, unknown>, dialectId: string): O {
  try {
    // A zod schema gets zod's English messages (zod/mini ships none); other schemas parse as they are.
    return isZod(schema) ? z.parse(schema, values, { error: en().localeError }) : schema.parse(values);
  } catch (e) {
    if (e instanceof z.core.$ZodError) {
      const issue = e.issues[0]!;
      throw new RleError('INVALID_OPTION', `Invalid option for ${dialectId}: ${issue.message}`, { path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) });
    }
    throw e;
  }
}
