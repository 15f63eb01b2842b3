/**
 * Topology-preserving ring simplification by vertex removal. Removing vertex v between its
 * neighbours a and b sweeps the triangle (a, v, b); when no other vertex of any ring lies in that
 * closed triangle (a vertex at a or b itself, a shared corner, is allowed), no edge can enter it
 * either — it would have to cross a current edge — so the new edge a–b crosses nothing: rings
 * never cross themselves, their holes or other parts. Vertices are removed cheapest first, the
 * cost being the largest distance from any traced vertex the new edge replaces; removal stops at
 * `tolerance`, or continues past it while a ring has more than `maxPoints` vertices.
 * Every kept vertex is a traced (integer) corner. Rings keep at least 4 vertices.
 */
import type { MaskPolygon } from './polygonize.js';

export function simplifyParts(polygons: MaskPolygon[], tolerance: number, maxPoints: number | undefined): boolean {
  const rings: number[][] = [];
  for (const p of polygons) { rings.push(p.outer); for (const h of p.holes) rings.push(h); }
  let n = 0;
  for (const r of rings) n += r.length >> 1;
  if (n === 0) return false;
  const X = new Float64Array(n), Y = new Float64Array(n);
  const prev = new Int32Array(n), next = new Int32Array(n), ringOf = new Int32Array(n), orig = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  const version = new Uint32Array(n);
  const ringStart = new Int32Array(rings.length), ringLen = new Int32Array(rings.length), ringCount = new Int32Array(rings.length);
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  let k = 0;
  for (let r = 0; r < rings.length; r++) {
    const ring = rings[r]!, m = ring.length >> 1;
    ringStart[r] = k;
    ringLen[r] = m;
    ringCount[r] = m;
    for (let i = 0; i < m; i++, k++) {
      const x = ring[2 * i]!, y = ring[2 * i + 1]!;
      X[k] = x; Y[k] = y;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      ringOf[k] = r;
      orig[k] = i;
      prev[k] = i === 0 ? k + m - 1 : k - 1;
      next[k] = i === m - 1 ? k - m + 1 : k + 1;
    }
  }
  // Uniform grid of vertex ids for the triangle test, about 2 vertices per cell.
  const span = Math.max(maxX - minX, maxY - minY, 1);
  const cells = Math.max(1, Math.min(2048, Math.ceil(Math.sqrt(n / 2))));
  const cell = span / cells + 1e-9;
  const gridW = Math.floor((maxX - minX) / cell) + 1, gridH = Math.floor((maxY - minY) / cell) + 1;
  const cellCount = new Int32Array(gridW * gridH + 1);
  const cellIdx = (x: number, y: number) => Math.floor((y - minY) / cell) * gridW + Math.floor((x - minX) / cell);
  for (let i = 0; i < n; i++) cellCount[cellIdx(X[i]!, Y[i]!) + 1]!++;
  for (let c = 0; c < gridW * gridH; c++) cellCount[c + 1]! += cellCount[c]!;
  const cellItems = new Int32Array(n);
  const fillPos = cellCount.slice();
  for (let i = 0; i < n; i++) cellItems[fillPos[cellIdx(X[i]!, Y[i]!)]!++] = i;

  const cost = (v: number): number => {
    const a = prev[v]!, b = next[v]!, r = ringOf[v]!, base = ringStart[r]!, len = ringLen[r]!;
    const ax = X[a]!, ay = Y[a]!, dx = X[b]! - ax, dy = Y[b]! - ay;
    const l2 = dx * dx + dy * dy;
    let worst = 0;
    for (let i = (orig[a]! + 1) % len; i !== orig[b]!; i = (i + 1) % len) {
      const px = X[base + i]! - ax, py = Y[base + i]! - ay;
      let d2: number;
      if (l2 === 0) d2 = px * px + py * py;
      else {
        let t = (px * dx + py * dy) / l2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const qx = px - t * dx, qy = py - t * dy;
        d2 = qx * qx + qy * qy;
      }
      if (d2 > worst) worst = d2;
    }
    return Math.sqrt(worst);
  };
  const blocked = (v: number): boolean => {
    const a = prev[v]!, b = next[v]!;
    const ax = X[a]!, ay = Y[a]!, bx = X[b]!, by = Y[b]!, vx = X[v]!, vy = Y[v]!;
    const x0 = Math.min(ax, bx, vx), x1 = Math.max(ax, bx, vx), y0 = Math.min(ay, by, vy), y1 = Math.max(ay, by, vy);
    const orient = (ax - vx) * (by - vy) - (ay - vy) * (bx - vx);
    const cx0 = Math.floor((x0 - minX) / cell), cx1 = Math.floor((x1 - minX) / cell);
    const cy0 = Math.floor((y0 - minY) / cell), cy1 = Math.floor((y1 - minY) / cell);
    for (let cy = cy0; cy <= cy1; cy++) {
      for (let cx = cx0; cx <= cx1; cx++) {
        const c = cy * gridW + cx;
        for (let j = cellCount[c]!; j < cellCount[c + 1]!; j++) {
          const q = cellItems[j]!;
          if (q === v || q === a || q === b || alive[q] === 0) continue;
          const qx = X[q]!, qy = Y[q]!;
          if (qx < x0 || qx > x1 || qy < y0 || qy > y1) continue;
          if ((qx === ax && qy === ay) || (qx === bx && qy === by)) continue;
          // Closed triangle test (degenerate triangles: on the segment hull).
          const d1 = (ax - qx) * (vy - qy) - (ay - qy) * (vx - qx);
          const d2 = (vx - qx) * (by - qy) - (vy - qy) * (bx - qx);
          const d3 = (bx - qx) * (ay - qy) - (by - qy) * (ax - qx);
          if (orient === 0) {
            if (d1 === 0 && d2 === 0 && d3 === 0) return true;
            continue;
          }
          const neg = d1 < 0 || d2 < 0 || d3 < 0, pos = d1 > 0 || d2 > 0 || d3 > 0;
          if (!(neg && pos)) return true;
        }
      }
    }
    return false;
  };

  // Binary min-heap of (cost, vertex, version).
  let hc: number[] = [], hv: number[] = [], hver: number[] = [];
  const push = (c: number, v: number) => {
    let i = hc.length;
    hc.push(c); hv.push(v); hver.push(version[v]!);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (hc[p]! <= c) break;
      hc[i] = hc[p]!; hv[i] = hv[p]!; hver[i] = hver[p]!;
      i = p;
    }
    hc[i] = c; hv[i] = v; hver[i] = version[v]!;
  };
  const pop = (): void => {
    const lc = hc.pop()!, lv = hv.pop()!, lver = hver.pop()!;
    const m = hc.length;
    if (m === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= m) break;
      if (c + 1 < m && hc[c + 1]! < hc[c]!) c++;
      if (hc[c]! >= lc) break;
      hc[i] = hc[c]!; hv[i] = hv[c]!; hver[i] = hver[c]!;
      i = c;
    }
    hc[i] = lc; hv[i] = lv; hver[i] = lver;
  };
  const limit = maxPoints ?? Infinity;
  for (let v = 0; v < n; v++) push(cost(v), v);
  let removed = 0;
  while (hc.length > 0) {
    const c = hc[0]!, v = hv[0]!, ver = hver[0]!;
    pop();
    if (alive[v] === 0 || ver !== version[v]) continue;
    const r = ringOf[v]!;
    if (ringCount[r]! <= 4) continue;
    if (c > tolerance && ringCount[r]! <= limit) continue;
    if (blocked(v)) continue;
    alive[v] = 0;
    const a = prev[v]!, b = next[v]!;
    next[a] = b;
    prev[b] = a;
    ringCount[r]!--;
    removed++;
    version[a]!++;
    version[b]!++;
    push(cost(a), a);
    push(cost(b), b);
  }
  if (removed === 0) return false;
  const out: number[][] = [];
  for (let r = 0; r < rings.length; r++) {
    let s = ringStart[r]!;
    while (alive[s] === 0) s = s + 1;
    const ring: number[] = [];
    let u = s;
    do { ring.push(X[u]!, Y[u]!); u = next[u]!; } while (u !== s);
    out.push(ring);
  }
  let i = 0;
  for (const p of polygons) {
    p.outer = out[i++]!;
    for (let h = 0; h < p.holes.length; h++) p.holes[h] = out[i++]!;
  }
  hc = hv = hver = [];
  return true;
}
