import { RleError } from '../errors.js';

/** Checks a connectivity option: 4 or 8 (default 8, as OpenCV and scikit-image label parts). */
export function checkConnectivity(c: unknown, path: readonly (string | number)[] = ['connectivity']): 4 | 8 {
  if (c === undefined) return 8;
  if (c !== 4 && c !== 8) throw new RleError('INVALID_OPTION', 'Invalid connectivity', { path, expected: '4 or 8', received: typeof c === 'number' ? String(c) : typeof c });
  return c;
}

/** Checks a non-negative finite number option. */
export function checkNonNegative(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
    throw new RleError('INVALID_OPTION', `Invalid ${name}`, { path: [name], expected: 'a finite number >= 0', received: typeof v === 'number' ? String(v) : typeof v });
  }
  return v;
}
