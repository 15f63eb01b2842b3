import {
  CAPABILITY_NAMES, isRleError, Mask,
  type DialectCapabilities, type DialectContext, type MaskDataset, type RleWarning,
} from '@rlekit/core';
import type { ConformanceProfile } from './profile.js';
import type { Fixture } from './fixtures.js';

export interface CaseResult {
  from: string;
  to: string;
  fixture: string;
  /** Skipped when the fixture needs what a profile cannot carry (overlap). */
  status: 'pass' | 'fail' | 'skip';
  /** Why it failed or was skipped. */
  detail?: string;
  /** Whether B's bytes were compared with B's own encoding of the fixture (only when A loses nothing the fixture uses). */
  bytesCompared: boolean;
  warnings: RleWarning[];
}

export function capabilitiesOf(p: ConformanceProfile): DialectCapabilities {
  return { ...p.dialect.capabilities, ...p.capabilities };
}

function keepsInstances(p: ConformanceProfile): boolean {
  return p.keepsInstances !== false;
}

function canHold(p: ConformanceProfile, f: Fixture): boolean {
  return !f.overlapping || capabilitiesOf(p).overlap;
}

/** A profile loses nothing of a fixture when it carries every feature the fixtures use. */
function lossless(p: ConformanceProfile): boolean {
  const c = capabilitiesOf(p);
  return p.exact !== false && c.categories && c.categoryNames && c.instanceIds && c.fileNames && c.emptyImages && keepsInstances(p);
}

async function write(p: ConformanceProfile, d: MaskDataset, ctx: DialectContext): Promise<Uint8Array> {
  return p.dialect.write(d, p.writeOptions ?? {}, ctx);
}

async function read(p: ConformanceProfile, bytes: Uint8Array, written: MaskDataset, ctx: DialectContext): Promise<MaskDataset> {
  return p.dialect.read(bytes, p.readOptions?.(written) ?? {}, ctx);
}

function union(masks: Mask[], size: { height: number; width: number }): Mask {
  let u = Mask.empty(size);
  for (const m of masks) u = u.union(m);
  return u;
}

/** Orders non-empty masks by their first row-major pixel, then area, so instance lists compare as multisets. */
function instanceKey(m: Mask): string {
  const r = m.runsView('row');
  return `${String(r[0]).padStart(12, '0')}:${m.area()}`;
}

/** Explains the first pixel difference between what was written and what came back, or returns undefined. */
export function comparePixels(expected: MaskDataset, actual: MaskDataset, instances: boolean, byName: boolean): string | undefined {
  if (actual.images.length !== expected.images.length) return `expected ${expected.images.length} images, got ${actual.images.length}`;
  for (let i = 0; i < expected.images.length; i++) {
    const ei = expected.images[i]!, ai = actual.images[i]!;
    if (ei.height !== ai.height || ei.width !== ai.width) return `image ${i}: expected ${ei.height}x${ei.width}, got ${ai.height}x${ai.width}`;
    const size = { height: ei.height, width: ei.width };
    const em = expected.annotations.filter((a) => a.imageId === ei.id);
    const am = actual.annotations.filter((a) => a.imageId === ai.id);
    for (const a of am) if (a.mask.height !== size.height || a.mask.width !== size.width) return `image ${i}: a mask of ${a.mask.height}x${a.mask.width}`;
    if (!union(em.map((a) => a.mask), size).equals(union(am.map((a) => a.mask), size))) return `image ${i}: the union of the masks differs`;
    if (byName) {
      const names = (d: MaskDataset) => new Map(d.categories.map((c) => [c.id, c.name]));
      const en = names(expected), an = names(actual);
      const group = (list: typeof em, n: Map<unknown, string>) => {
        const g = new Map<string, Mask[]>();
        for (const a of list) if (!a.mask.isEmpty()) {
          const k = n.get(a.categoryId) ?? '';
          g.set(k, [...(g.get(k) ?? []), a.mask]);
        }
        return g;
      };
      const eg = group(em, en), ag = group(am, an);
      for (const [name, masks] of eg) {
        const got = ag.get(name);
        if (!got || !union(masks, size).equals(union(got, size))) return `image ${i}: the masks of category "${name}" differ`;
      }
      if (ag.size !== eg.size) return `image ${i}: expected categories ${[...eg.keys()].join(',')}, got ${[...ag.keys()].join(',')}`;
    }
    if (instances) {
      const sorted = (l: typeof em) => l.map((a) => a.mask).filter((m) => !m.isEmpty()).sort((p, q) => (instanceKey(p) < instanceKey(q) ? -1 : 1));
      const es = sorted(em), as = sorted(am);
      if (es.length !== as.length) return `image ${i}: expected ${es.length} non-empty instances, got ${as.length}`;
      for (let k = 0; k < es.length; k++) if (!es[k]!.equals(as[k]!)) return `image ${i}: instance ${k} differs`;
    }
  }
  return undefined;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A → B → A on one fixture: the pixels survive both hops, and where A loses nothing the
 * fixture uses (or A is B), B's output is byte-identical to B's own encoding of the fixture.
 */
export async function runCase(A: ConformanceProfile, B: ConformanceProfile, fixture: Fixture): Promise<CaseResult> {
  const base = { from: A.name, to: B.name, fixture: fixture.name };
  const warnings: RleWarning[] = [];
  const ctx: DialectContext = { warn: (w) => warnings.push(w) };
  if (!canHold(A, fixture) || !canHold(B, fixture)) {
    return { ...base, status: 'skip', detail: 'overlapping masks are not carried', bytesCompared: false, warnings };
  }
  const instances = keepsInstances(A) && keepsInstances(B);
  const byName = capabilitiesOf(A).categoryNames && capabilitiesOf(B).categoryNames;
  const fx = fixture.dataset;
  const step = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      const code = isRleError(e) ? `${e.code}: ` : '';
      throw new Error(`${what}: ${code}${e instanceof Error ? e.message : String(e)}`);
    }
  };
  try {
    const aBytes = await step(`${A.name} write`, () => write(A, fx, ctx));
    const viaA = await step(`${A.name} read`, () => read(A, aBytes, fx, ctx));
    let diff = comparePixels(fx, viaA, instances && keepsInstances(A), byName);
    if (diff) return { ...base, status: 'fail', detail: `${A.name} round trip: ${diff}`, bytesCompared: false, warnings };
    const bBytes = await step(`${B.name} write`, () => write(B, viaA, ctx));
    const viaB = await step(`${B.name} read`, () => read(B, bBytes, viaA, ctx));
    diff = comparePixels(fx, viaB, instances, byName);
    if (diff) return { ...base, status: 'fail', detail: `${A.name} → ${B.name}: ${diff}`, bytesCompared: false, warnings };
    const back = await step(`${A.name} write (back)`, () => write(A, viaB, ctx));
    const viaBack = await step(`${A.name} read (back)`, () => read(A, back, viaB, ctx));
    diff = comparePixels(fx, viaBack, instances, byName);
    if (diff) return { ...base, status: 'fail', detail: `${A.name} → ${B.name} → ${A.name}: ${diff}`, bytesCompared: false, warnings };
    const compareBytes = A === B || lossless(A);
    if (compareBytes) {
      const own = await step(`${B.name} write (fixture)`, () => write(B, fx, ctx));
      if (!equalBytes(own, bBytes)) {
        return { ...base, status: 'fail', detail: `${B.name}'s output after ${A.name} differs from its own encoding of the fixture (${bBytes.length} vs ${own.length} bytes)`, bytesCompared: true, warnings };
      }
    }
    return { ...base, status: 'pass', bytesCompared: compareBytes, warnings };
  } catch (e) {
    return { ...base, status: 'fail', detail: e instanceof Error ? e.message : String(e), bytesCompared: false, warnings };
  }
}

/** What an A → B conversion keeps and loses, from capabilities. */
export function carryTable(A: ConformanceProfile, B: ConformanceProfile): { keeps: string[]; loses: string[] } {
  const a = capabilitiesOf(A), b = capabilitiesOf(B);
  const keeps: string[] = [], loses: string[] = [];
  for (const k of Object.keys(CAPABILITY_NAMES) as (keyof DialectCapabilities)[]) {
    if (!a[k]) continue;
    (b[k] ? keeps : loses).push(CAPABILITY_NAMES[k]);
  }
  if (keepsInstances(A)) (keepsInstances(B) ? keeps : loses).push('separate instances');
  return { keeps, loses };
}

/** Renders docs/conformance.md from the results. */
export function renderReport(profiles: ConformanceProfile[], results: CaseResult[]): string {
  const lines: string[] = [];
  lines.push('# Conformance matrix', '');
  lines.push('Generated by `pnpm conformance` (conformance/src/cli.ts); do not edit by hand.', '');
  lines.push('Every fixture (conformance/src/fixtures.ts: non-square asymmetric masks, foreground at the first and last pixel, empty, full, checkerboard, 1×N, N×1, a 1500×2250 SA-1B-like mask, several instances and categories, overlapping instances) is written by the row dialect A, read back, written by the column dialect B, read back, and written and read by A again. A case passes when the pixels survive every hop (per image; per category where both carry category names; per instance where both keep instances) and, where A loses nothing the fixture uses or A is B, B\'s bytes equal B\'s own encoding of the fixture. Cases whose fixture has overlapping masks are skipped for profiles that cannot carry overlap.', '');
  lines.push('## Cases passed / run (skipped)', '');
  lines.push(`| A \\ B | ${profiles.map((p) => p.name).join(' | ')} |`);
  lines.push(`|---|${profiles.map(() => '---:').join('|')}|`);
  for (const A of profiles) {
    const cells = profiles.map((B) => {
      const rs = results.filter((r) => r.from === A.name && r.to === B.name);
      const run = rs.filter((r) => r.status !== 'skip');
      const pass = run.filter((r) => r.status === 'pass').length;
      const skip = rs.length - run.length;
      return `${pass}/${run.length}${skip ? ` (${skip})` : ''}${pass < run.length ? ' ❌' : ''}`;
    });
    lines.push(`| **${A.name}** | ${cells.join(' | ')} |`);
  }
  const failures = results.filter((r) => r.status === 'fail');
  lines.push('', `${results.filter((r) => r.status === 'pass').length} passed, ${failures.length} failed, ${results.filter((r) => r.status === 'skip').length} skipped.`, '');
  if (failures.length > 0) {
    lines.push('## Failures', '');
    for (const f of failures) lines.push(`- ${f.from} → ${f.to}, ${f.fixture}: ${f.detail}`);
    lines.push('');
  }
  lines.push('## What each conversion keeps and loses', '');
  lines.push('Derived from each dialect\'s `capabilities` (and the profile\'s own limits). A conversion reports what it loses as warnings at run time; nothing is dropped silently.', '');
  lines.push('| A → B | keeps | loses |', '|---|---|---|');
  for (const A of profiles) for (const B of profiles) {
    if (A === B) continue;
    const { keeps, loses } = carryTable(A, B);
    lines.push(`| ${A.name} → ${B.name} | ${keeps.join(', ') || '—'} | ${loses.join(', ') || '—'} |`);
  }
  lines.push('');
  return lines.join('\n');
}
