/**
 * A set of annotation ids that only adds and answers "seen before?", as a `Set` tells ids apart (a
 * number and a string differ; 0 and -0 do not). Non-negative integer ids below 2^27, which
 * datasets mostly use, take one bit each (16 MiB at most) instead of a `Set` entry's tens of
 * bytes: a million ids cost kilobytes, not tens of megabytes.
 * @example
 * ```ts
 * const seen = new SeenIds();
 * [seen.add(7), seen.add('7'), seen.add(7), seen.add(-0), seen.add(0)]; // → [true, true, false, true, false]
 * ```
 */
export class SeenIds {
  private bits = new Uint32Array(1024);
  private readonly others = new Set<unknown>();

  /** Adds `id`; false when it was there already. */
  add(id: unknown): boolean {
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < 2 ** 27) {
      const w = id >>> 5, m = 1 << (id & 31);
      if (w >= this.bits.length) {
        const grown = new Uint32Array(Math.max(w + 1, this.bits.length * 2));
        grown.set(this.bits);
        this.bits = grown;
      }
      const v = this.bits[w]!;
      if ((v & m) !== 0) return false;
      this.bits[w] = v | m;
      return true;
    }
    if (this.others.has(id)) return false;
    this.others.add(id);
    return true;
  }
}
