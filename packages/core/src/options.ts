import { RleError } from './errors.js';

/** What {@link parseDialectOptions} needs of a schema: zod's `safeParse`, described structurally so core stays free of zod. */
export interface SafeParseSchema<T, P = unknown> {
  safeParse(input: unknown, params?: P): { success: true; data: T } | { success: false; error: { issues: readonly { message: string; path: readonly PropertyKey[] }[] } };
}

/**
 * Validates (and defaults) a dialect's options with its schema; the first problem is an
 * INVALID_OPTION RleError naming the option. One helper for every dialect package.
 * `params` go to `safeParse`: zod/mini carries no messages, so dialects pass zod's English error map there.
 * @example
 * ```ts
 * // Any schema with zod's safeParse; issues become an INVALID_OPTION RleError.
 * const schema = { safeParse: (v: unknown) => (typeof v === 'object' ? { success: true as const, data: v } : { success: false as const, error: { issues: [{ path: [], message: 'Expected an object' }] } }) };
 * parseDialectOptions(schema, { a: 1 }); // → { a: 1 }
 * ```
 */
export function parseDialectOptions<T, P = unknown>(schema: SafeParseSchema<T, P>, input: unknown, dialectId?: string, params?: P): T {
  const r = schema.safeParse(input ?? {}, params);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new RleError('INVALID_OPTION', `Invalid ${dialectId ? `${dialectId} ` : ''}option: ${issue.message}`, {
    path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
    expected: issue.message,
  });
}

/**
 * A plain JSON object (not null, not an array).
 * @example
 * ```ts
 * isJsonObject({ a: 1 }); // → true
 * isJsonObject([1]); // → false
 * ```
 */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Sets a key read from a file as an own property: `o["__proto__"] = v` would be dropped silently
 * (or change the object's prototype), so readers that keep unknown keys of a JSON object use this.
 * @example
 * ```ts
 * const o: Record<string, unknown> = {};
 * setOwnKey(o, '__proto__', 1);
 * Object.keys(o); // → ['__proto__']
 * ```
 */
export function setOwnKey(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A copy of a JSON object without `keys`: the fields a reader keeps as attributes (every key of
 * the file stays a key, `__proto__` included).
 * @example
 * ```ts
 * withoutKeys({ id: 1, name: 'leaf', color: [0, 128, 0] }, ['id', 'name']); // → { color: [0, 128, 0] }
 * ```
 */
export function withoutKeys(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (!keys.includes(k)) setOwnKey(out, k, o[k]);
  return out;
}
