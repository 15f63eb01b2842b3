/** Naive pixel references for the geometry tests: plain flood fills over bitmaps. */
import fc from 'fast-check';

/** Labels of a row-major bitmap (0 = background, 1.. in row-major order of each part's first pixel). */
export function naiveLabels(bits: ArrayLike<number>, h: number, w: number, conn: 4 | 8): { labels: Int32Array; count: number } {
  const labels = new Int32Array(h * w);
  let count = 0;
  const stack: number[] = [];
  for (let p = 0; p < h * w; p++) {
    if (!bits[p] || labels[p]) continue;
    labels[p] = ++count;
    stack.push(p);
    while (stack.length > 0) {
      const q = stack.pop()!;
      const y = Math.floor(q / w), x = q % w;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        if ((dx === 0 && dy === 0) || (conn === 4 && dx !== 0 && dy !== 0)) continue;
        const yy = y + dy, xx = x + dx;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        const r = yy * w + xx;
        if (bits[r] && !labels[r]) { labels[r] = count; stack.push(r); }
      }
    }
  }
  return { labels, count };
}

/** Background not 4-connected to the border becomes foreground. */
export function naiveFillHoles(bits: ArrayLike<number>, h: number, w: number): Uint8Array {
  const inv = Uint8Array.from({ length: h * w }, (_, i) => (bits[i] ? 0 : 1));
  const { labels } = naiveLabels(inv, h, w, 4);
  const border = new Set<number>();
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    if ((y === 0 || x === 0 || y === h - 1 || x === w - 1) && labels[y * w + x]) border.add(labels[y * w + x]!);
  }
  return Uint8Array.from({ length: h * w }, (_, i) => (bits[i] || !border.has(labels[i]!) ? 1 : 0));
}

/** Twice the signed area (shoelace) of a flat ring. */
export function shoelace2(ring: readonly number[]): number {
  let s = 0;
  const n = ring.length >> 1;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    s += ring[2 * i]! * ring[2 * j + 1]! - ring[2 * j]! * ring[2 * i + 1]!;
  }
  return s;
}

/** Non-square bitmaps with blobs, holes, islands and diagonal contacts (denser structure than noise). */
export const structuredArb = (maxSide = 20) =>
  fc
    .record({ height: fc.integer({ min: 1, max: maxSide }), width: fc.integer({ min: 1, max: maxSide }), seed: fc.integer(), kind: fc.integer({ min: 0, max: 3 }) })
    .filter(({ height, width }) => height !== width)
    .map(({ height, width, seed, kind }) => {
      let s = seed >>> 0 || 1;
      const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
      const bits = new Uint8Array(height * width);
      if (kind === 0) for (let i = 0; i < bits.length; i++) bits[i] = rnd() < 0.5 ? 1 : 0;
      else if (kind === 1) for (let i = 0; i < bits.length; i++) bits[i] = ((i % width) + Math.floor(i / width)) % 2 === 0 && rnd() < 0.9 ? 1 : 0;
      else {
        // nested rectangle rings: holes with islands inside them
        const rings = 1 + Math.floor(rnd() * 4);
        for (let r = 0; r < rings; r++) {
          const y0 = Math.floor(rnd() * height), x0 = Math.floor(rnd() * width);
          const y1 = y0 + Math.floor(rnd() * (height - y0)), x1 = x0 + Math.floor(rnd() * (width - x0));
          for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
            const edge = y === y0 || y === y1 || x === x0 || x === x1;
            if (kind === 2 ? edge : !edge || rnd() < 0.3) bits[y * width + x]! ^= 1;
          }
        }
        for (let i = 0; i < bits.length; i++) if (rnd() < 0.05) bits[i]! ^= 1;
      }
      return { height, width, bits };
    });
