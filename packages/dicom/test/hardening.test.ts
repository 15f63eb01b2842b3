import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { deflateSync, inflateSync } from 'fflate';
import { describe, expect, it, vi } from 'vitest';
import { Mask, RleError, type RleWarning } from '@rlekit/core';
import { dialect, readFrames, readSeg } from '../src/index.js';
import { readFileMeta } from '../src/prescan.js';

const DIR = join(import.meta.dirname, '../../../conformance/vectors/dicom');
const vector = (f: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, f)));
const collect = (): { warnings: RleWarning[]; ctx: { warn: (w: RleWarning) => void } } => {
  const warnings: RleWarning[] = [];
  return { warnings, ctx: { warn: (w) => warnings.push(w) } };
};
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};
const le16 = (v: number): number[] => [v & 255, v >>> 8];
const le32 = (v: number): number[] => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];
/** An Explicit VR Little Endian element with a 4-byte length (OB, SQ, UN, ...). */
const longElement = (group: number, element: number, vr: string, length: number): Uint8Array =>
  Uint8Array.from([...le16(group), ...le16(element), vr.charCodeAt(0), vr.charCodeAt(1), 0, 0, ...le32(length)]);

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<RleError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(RleError);
    return e as RleError;
  }
  throw new Error('no error');
}

describe('TILED_FULL SEGs (issue 12 item 5)', () => {
  // Made with pydicom from highdicom's seg_image_sm_control.dcm (see tiled/make_tiled_full.py).
  const file = vector('tiled/seg_tiled_full_3seg_23x37.dcm');
  const expected: { totalPixelMatrixRows: number; totalPixelMatrixColumns: number; segments: { number: number; area: number; runs: number[] }[] } =
    JSON.parse(readFileSync(join(DIR, 'tiled/seg_tiled_full_3seg_23x37.dcm.json'), 'utf8'));
  const size = { height: expected.totalPixelMatrixRows, width: expected.totalPixelMatrixColumns };

  it('are read: the tiles of each segment assembled into one mask of the total pixel matrix, and said', async () => {
    const { warnings, ctx } = collect();
    const d = await dialect.read(file, {}, ctx);
    expect(d.images.map((im) => [im.height, im.width])).toEqual([[23, 37]]);
    expect(d.annotations.map((a) => [a.imageId, a.categoryId, a.mask.area()])).toEqual(expected.segments.map((s) => [d.images[0]!.id, s.number, s.area]));
    for (const [i, s] of expected.segments.entries()) expect(d.annotations[i]!.mask.equals(Mask.fromRuns(s.runs, size, 'row'))).toBe(true);
    expect(warnings.filter((w) => w.code === 'tiles-assembled')).toHaveLength(1);
  });

  it('with a frame count that does not match the tiles, fail naming TILED_FULL (never "segment undefined")', async () => {
    const text = file.slice();
    // NumberOfFrames (0028,0008) IS "36" -> "35".
    const at = Buffer.from(text).indexOf(Buffer.from([0x28, 0x00, 0x08, 0x00, 0x49, 0x53]));
    const value = text.subarray(at + 8, at + 8 + (text[at + 6]! | (text[at + 7]! << 8)));
    expect(new TextDecoder().decode(value).trim()).toBe('36');
    value.set(new TextEncoder().encode('35'));
    const e = await errorOf(dialect.read(text));
    expect(e.code).toBe('INVALID_STRUCTURE');
    expect(e.message).toMatch(/TILED_FULL/);
  });
});

describe('Deflated Explicit VR Little Endian (issue 12 item 12)', () => {
  const native = vector('seg_binary_2seg_3f_48x64_native.dcm');
  // DCMTK's dcmconv +td of the native file.
  const deflated = vector('deflated/seg_binary_2seg_3f_48x64_deflated.dcm');

  it('reads the same masks as the native file', async () => {
    const a = await dialect.read(native), b = await dialect.read(deflated);
    expect(b.annotations.map((x) => x.mask.area())).toEqual(a.annotations.map((x) => x.mask.area()));
    expect(b.annotations.every((x, i) => x.mask.equals(a.annotations[i]!.mask))).toBe(true);
    expect((await readSeg(deflated)).transferSyntaxUID).toBe('1.2.840.10008.1.2.1.99');
  });

  it('inflates at most maxBytes: a small file that inflates to 16 MB is refused early with LIMIT_EXCEEDED', async () => {
    const meta = readFileMeta(deflated);
    const dataSet = inflateSync(deflated.subarray(meta.end));
    const bomb = concat(deflated.subarray(0, meta.end), deflateSync(concat(dataSet, longElement(0x0009, 0x1010, 'OB', 16 << 20), new Uint8Array(16 << 20)), { level: 9 }));
    expect(bomb.length).toBeLessThan(100_000);
    const started = performance.now();
    const e = await errorOf(dialect.read(bomb, { maxBytes: 1 << 20 }));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(performance.now() - started).toBeLessThan(2000);
    expect((await errorOf(async () => await readFrames(bomb, { maxBytes: 1 << 20 }))).code).toBe('LIMIT_EXCEEDED');
  });

  it('says CORRUPT for a data set that is not deflate data', async () => {
    const meta = readFileMeta(deflated);
    const broken = concat(deflated.subarray(0, meta.end), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect((await errorOf(dialect.read(broken))).code).toBe('CORRUPT');
  });
});

describe('deeply nested sequences (issue 12 item 15)', () => {
  const native = vector('seg_binary_2seg_3f_48x64_native.dcm');
  const meta = readFileMeta(native);
  /** The native file with `levels` nested ContentSequence items (undefined lengths) added at its end. */
  const nested = (levels: number, vr = 'SQ'): Uint8Array => {
    const item = Uint8Array.from([0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
    // Inside a UN of undefined length the encoding is Implicit VR: tag and a 4-byte length.
    const implicit = Uint8Array.from([0x40, 0x00, 0x30, 0xa7, 0xff, 0xff, 0xff, 0xff]);
    const open = concat(vr === 'UN' ? implicit : longElement(0x0040, 0xa730, vr, 0xffffffff), item);
    if (vr === 'UN') {
      const close = Uint8Array.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
      return concat(native, longElement(0x0041, 0x1010, 'UN', 0xffffffff), item, ...Array.from({ length: levels - 1 }, () => open), ...Array.from({ length: levels }, () => close));
    }
    const close = Uint8Array.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    return concat(native.subarray(0, meta.end), native.subarray(meta.end), ...Array.from({ length: levels }, () => open), ...Array.from({ length: levels }, () => close));
  };

  it('16,000 levels are refused with LIMIT_EXCEEDED before dcmjs parses them (in milliseconds, not 20 s)', async () => {
    const file = nested(16_000);
    expect(file.length).toBeGreaterThan(16_000 * 20);
    const started = performance.now();
    const e = await errorOf(dialect.read(file));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(e.offset).toBe(native.length + 64 * 20);
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await errorOf(async () => await readFrames(file))).code).toBe('LIMIT_EXCEEDED');
  });

  it('as UN of undefined length (Implicit VR inside) too; a few levels are read as before', async () => {
    expect((await errorOf(dialect.read(nested(1000, 'UN')))).code).toBe('LIMIT_EXCEEDED');
    const d = await dialect.read(nested(5));
    expect(d.annotations.length).toBe((await dialect.read(native)).annotations.length);
  });
});

describe('dcmjs logging (issue 19)', () => {
  const validation = (dcmjs as { log: { getLogger(name: string): Record<string, unknown> } }).log.getLogger('validation.dcmjs');
  const native = vector('seg_binary_2seg_3f_48x64_native.dcm');
  /** A private element with a VR no dictionary has ("ZZ") at the end of the native file: dcmjs reads it as UN and logs that. */
  const oddVr = concat(native, Uint8Array.from([...le16(0x7fe1), ...le16(0x0010), 0x5a, 0x5a, 0, 0, ...le32(2), 0x41, 0x42]));

  it('nothing dcmjs logs reaches its loggers, the console or stderr while rlekit reads and writes; what matters becomes a warning', async () => {
    const calls: unknown[][] = [];
    const saved = { error: validation.error, warn: validation.warn };
    validation.error = (...args: unknown[]) => calls.push(args);
    validation.warn = (...args: unknown[]) => calls.push(args);
    const consoleSpies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((k) => vi.spyOn(console, k));
    const stderr = vi.spyOn(process.stderr, 'write');
    try {
      // Implicit VR: Pixel Data's dictionary VR "ox" (noise, dropped).
      const implicit = await dialect.read(vector('external/highdicom_seg_image_ct_binary.dcm'));
      await dialect.write(implicit);
      const { warnings, ctx } = collect();
      const odd = await dialect.read(oddVr, {}, ctx);
      expect(odd.annotations.length).toBe((await dialect.read(native)).annotations.length);
      expect(warnings.filter((w) => w.code === 'dicom-parser').map((w) => w.message)).toEqual([expect.stringMatching(/ZZ/)]);
      expect(consoleSpies.map((c) => c.mock.calls.length)).toEqual(consoleSpies.map(() => 0));
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      Object.assign(validation, saved);
      for (const c of consoleSpies) c.mockRestore();
      stderr.mockRestore();
    }
    expect(calls).toEqual([]);
  });

  it('a value longer than the bytes left is TRUNCATED before dcmjs reads it (dcmjs 0.51 would allocate the declared length and pad it with zeros)', async () => {
    const cut = native.subarray(0, native.length - 100);
    const e = await errorOf(dialect.read(cut));
    expect(e.code).toBe('TRUNCATED');
    expect(e.message).toMatch(/declares \d+ bytes but only \d+ are left/);
    // 4 GiB - 2 declared by an OB at the end of a small file: refused, nothing allocated.
    const huge = concat(native, longElement(0x7fe1, 0x1010, 'OB', 0xfffffffe), new Uint8Array(16));
    expect((await errorOf(dialect.read(huge))).code).toBe('TRUNCATED');
    expect((await errorOf(async () => await readFrames(huge))).code).toBe('TRUNCATED');
    // A fragment of undefined length inside an undefined-length OB is not DICOM.
    const fragment = concat(native, longElement(0x7fe1, 0x1010, 'OB', 0xffffffff), Uint8Array.from([0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]), new Uint8Array(16));
    expect((await errorOf(dialect.read(fragment))).code).toBe('INVALID_STRUCTURE');
  });
});
