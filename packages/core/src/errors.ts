/**
 * Every failure rlekit reports is an {@link RleError} with a stable `code` from this table.
 * The table is exported so callers can switch on codes, and docs/errors.md documents each.
 */
export const ErrorCodes = {
  /** A height or width that is negative, fractional, or too large for 32-bit run lengths. */
  INVALID_SIZE: 'A height or width that is not a non-negative integer, or whose product exceeds 2^32 - 1.',
  /** A size that exceeds a configured limit such as `maxPixels`, refused before allocating. */
  LIMIT_EXCEEDED: 'An input that exceeds a configured limit (maxPixels, maxBytes, maxEntities, ...), refused before allocating.',
  /** Run lengths that are negative, fractional, or too large. */
  INVALID_RUNS: 'A run length that is not a non-negative integer below 2^32.',
  /** Run lengths whose sum differs from height * width. */
  RUNS_SUM_MISMATCH: 'Run lengths that do not sum to height * width.',
  /** Start/length intervals that are out of order, overlapping, or outside the image. */
  INVALID_INTERVALS: 'Start/length intervals that are unordered, overlapping, negative or past the last pixel.',
  /** A bitmap or label array whose length is not height * width. */
  INVALID_BITMAP: 'A bitmap or label array whose length is not height * width.',
  /** An operation on masks (or RLEs) of different sizes. */
  SIZE_MISMATCH: 'An operation on masks of different sizes.',
  /** A character or token that the format does not allow. */
  INVALID_TOKEN: 'A character, token or value that the format does not allow at that place.',
  /** Input that ends before a value, run, segment or structure is complete. */
  TRUNCATED: 'Input that ends before a value, run, segment or structure is complete.',
  /** A JSON, XML, CSV or binary structure that does not match the dialect's schema. */
  INVALID_STRUCTURE: 'A JSON, XML, CSV or binary structure that does not match the expected schema.',
  /** An option value that is unknown or out of range. */
  INVALID_OPTION: 'An option that is unknown, missing, or out of range.',
  /** Masks that overlap where the target forbids it and the overlap policy is `error`. */
  OVERLAP: 'Masks that overlap where the target forbids it and the overlap policy is "error".',
  /** A feature of the input that rlekit does not support (yet). */
  UNSUPPORTED: 'A feature of the input that rlekit does not support.',
  /** Data that fails an integrity check (CRC, checksum, offset table). */
  CORRUPT: 'Data that fails an integrity check (CRC, checksum, offsets pointing outside the data).',
  /** A dialect id that is not registered, or an input whose dialect cannot be determined. (An unknown preset is an INVALID_OPTION.) */
  UNKNOWN_DIALECT: 'A dialect that is not registered, or an input whose dialect cannot be detected.',
  /** A polygon line with an odd number of coordinates or fewer than 3 points (YOLO labels). */
  INVALID_POLYGON: 'A polygon with an odd number of coordinates or fewer than 3 points.',
  /** A reference to an image, category or segment that does not exist. */
  DANGLING_REFERENCE: 'A reference to an image, category or segment id that the input does not define.',
  /** An input or output file that cannot be read or written. */
  IO: 'A file or folder that cannot be read or written.',
} as const;

/** A stable error code; see {@link ErrorCodes} and docs/errors.md. */
export type ErrorCode = keyof typeof ErrorCodes;

/** Where in the input an error sits: a JSON/XML path, a byte offset, a token index. */
export interface RleErrorDetails {
  /** Path of the offending field, e.g. `['annotations', 12, 'segmentation', 'counts']`. */
  path?: readonly (string | number)[];
  /** Byte or character offset of the offending value. */
  offset?: number;
  /** What was expected there, in words. */
  expected?: string;
  /** What was found (kept short). */
  received?: string;
  cause?: unknown;
}

/**
 * The one error type every rlekit package throws for bad input, bad options or limits.
 * @example
 * ```ts
 * const error = new RleError('INVALID_TOKEN', 'Not a count', { path: ['annotations', 3, 'counts'], offset: 7, expected: 'digits', received: '"x"' });
 * error.code; // → 'INVALID_TOKEN'
 * error.message; // → 'Not a count (expected digits, got "x") [at annotations[3].counts, offset 7]'
 * error.reason; // → 'Not a count'
 * ```
 */
export class RleError extends Error {
  override readonly name = 'RleError';
  readonly code: ErrorCode;
  readonly path: readonly (string | number)[];
  readonly offset: number | undefined;
  readonly expected: string | undefined;
  readonly received: string | undefined;
  /** The message without the location and expectation that `message` appends. */
  readonly reason: string;

  constructor(code: ErrorCode, message: string, details: RleErrorDetails = {}) {
    super(formatMessage(message, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.reason = message;
    this.path = details.path ?? [];
    this.offset = details.offset;
    this.expected = details.expected;
    this.received = details.received;
  }

  /** A copy of this error with `prefix` put in front of its path (used when a codec runs inside a file reader). */
  at(...prefix: (string | number)[]): RleError {
    return new RleError(this.code, this.reason, {
      path: [...prefix, ...this.path],
      offset: this.offset,
      expected: this.expected,
      received: this.received,
      cause: this.cause,
    });
  }
}

function formatMessage(message: string, d: RleErrorDetails): string {
  let out = message;
  if (d.expected !== undefined) out += ` (expected ${d.expected}${d.received === undefined ? '' : `, got ${d.received}`})`;
  const where: string[] = [];
  if (d.path && d.path.length > 0) where.push(formatPath(d.path));
  if (d.offset !== undefined) where.push(`offset ${d.offset}`);
  if (where.length > 0) out += ` [at ${where.join(', ')}]`;
  return escapeUnprintable(out);
}

// Controls (C0, DEL, C1), format characters (zero-width, BOM, bidi overrides), line and paragraph
// separators and lone surrogates: bytes quoted from the input must not reach a terminal raw.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|[\uD800-\uDFFF]/gu;

/**
 * `s` with every unprintable character written as `\xNN` or `\u{N}`, so a message shows what the input held.
 * @example
 * ```ts
 * escapeUnprintable('a\u0007b'); // → 'a\\x07b'
 * ```
 */
export function escapeUnprintable(s: string): string {
  return s.replace(UNPRINTABLE, (c) => {
    const n = c.codePointAt(0)!;
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}

/**
 * `['annotations', 3, 'counts']` → `annotations[3].counts`.
 * @example
 * ```ts
 * formatPath(['annotations', 3, 'segmentation']); // → 'annotations[3].segmentation'
 * ```
 */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/**
 * A value as it goes in an error's `received`: JSON-like, cut to 60 characters. It never calls
 * into the value (no toString, toJSON, getters or proxy traps that could throw or run code): it
 * reads own data properties only, so describing hostile input cannot fail or change the error.
 * @example
 * ```ts
 * describeValue([1, 2, 3]); // → '[1,2,3]'
 * describeValue('abc'); // → '"abc"'
 * ```
 */
export function describeValue(v: unknown): string {
  let s: string;
  try {
    s = describe(v, 3, { left: 80 });
  } catch {
    s = typeof v === 'object' && v !== null ? 'an object' : typeof v;
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function describe(v: unknown, depth: number, budget: { left: number }): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > 80 ? v.slice(0, 80) : v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return `${v.toString()}n`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
  }
  if (v === null) return 'null';
  if (depth === 0 || budget.left <= 0) return Array.isArray(v) ? '[...]' : '{...}';
  // Typed arrays and other built-ins: by kind, not by content.
  if (ArrayBuffer.isView(v)) return `a ${Object.prototype.toString.call(v).slice(8, -1)}`;
  const parts: string[] = [];
  if (Array.isArray(v)) {
    const len = Reflect.getOwnPropertyDescriptor(v, 'length')?.value as number;
    for (let i = 0; i < len && budget.left > 0; i++) {
      const d = Reflect.getOwnPropertyDescriptor(v, i);
      const item = d === undefined ? 'null' : 'value' in d ? describe(d.value, depth - 1, budget) : '<getter>';
      budget.left -= item.length + 1;
      parts.push(item);
    }
    if (parts.length < len) parts.push('...');
    return `[${parts.join(',')}]`;
  }
  for (const key of Reflect.ownKeys(v as object)) {
    if (typeof key !== 'string') continue;
    if (budget.left <= 0) {
      parts.push('...');
      break;
    }
    const d = Reflect.getOwnPropertyDescriptor(v as object, key);
    if (d === undefined || !d.enumerable) continue;
    const item = `${JSON.stringify(key)}:${'value' in d ? describe(d.value, depth - 1, budget) : '<getter>'}`;
    budget.left -= item.length + 1;
    parts.push(item);
  }
  return `{${parts.join(',')}}`;
}

/**
 * True when `e` is an RleError (also across duplicated copies of the package).
 * @example
 * ```ts
 * isRleError(new RleError('IO', 'Disk full')); // → true
 * isRleError(new Error('other')); // → false
 * ```
 */
export function isRleError(e: unknown): e is RleError {
  return e instanceof RleError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'RleError' && typeof (e as { code?: unknown }).code === 'string');
}

/**
 * Something a read or write could not carry or had to change: a score the target cannot hold,
 * runs merged by a lenient decoder, an area that disagreed with its mask. Never an error, never silent.
 */
export interface RleWarning {
  /** Stable, kebab-case: `not-carried`, `merged-runs`, `area-mismatch`, ... */
  code: string;
  message: string;
  path?: readonly (string | number)[];
  /** How many items this warning stands for, when it summarises several. */
  count?: number;
  /**
   * For `not-carried`: the capability (a key of DialectCapabilities) this loss is about, so a
   * caller's generic loss report does not say it twice.
   */
  capability?: string;
}

/** Receives warnings; the CLI prints them, tests collect them. */
export type WarningSink = (warning: RleWarning) => void;
