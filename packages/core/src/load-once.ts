/**
 * A loader for a library an adapter needs only in some functions (dcmjs, an XML or YAML
 * parser): written as `loadOnce(() => import('lib'))`, a bundler puts the library in a lazy
 * chunk, so importing the adapter does not fetch it (#19 browser weight).
 */

/**
 * Runs `load` on the first call and gives every caller the same promise. A failed load (a chunk
 * the network did not deliver) is not kept: the next call tries again.
 * @example
 * ```ts
 * let loads = 0;
 * const library = loadOnce(async () => ({ n: ++loads }));
 * const [a, b] = await Promise.all([library(), library()]);
 * [a === b, loads]; // → [true, 1]
 * ```
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => (pending ??= load().catch((e: unknown) => {
    pending = undefined;
    throw e;
  }));
}
