/**
 * Where WebAssembly is missing (e.g. node --jitless) or cannot compile (a page whose CSP lacks
 * 'wasm-unsafe-eval'), bitmaps of any size are scanned by the JavaScript kernel, with the same
 * runs. Each case loads a fresh copy of runs.ts, whose kernel is tried once, lazily.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { naiveRuns, toColumnMajor } from './support.js';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

const real = WebAssembly;
const environments: [string, () => unknown][] = [
  ['WebAssembly is missing', () => undefined],
  ['compiling throws (CSP)', () => ({ ...real, validate: () => true, Module: function () { throw new real.CompileError('refused by CSP'); }, Instance: real.Instance })],
  ['instantiating throws', () => ({ ...real, validate: () => true, Module: real.Module, Instance: function () { throw new real.LinkError('no'); } })],
];

describe.each(environments)('bitmap scan when %s', (_name, stub) => {
  it('falls back to the JavaScript scan, same runs, above the WebAssembly threshold too', async () => {
    vi.stubGlobal('WebAssembly', stub());
    vi.resetModules();
    const { bitmapToRuns, transposeRuns, useScanKernel } = await import('../src/runs.js');
    // 100_003 bytes (not a multiple of 16 or 64), foreground of 1 and 255.
    const bits = new Uint8Array(100_003);
    bits.fill(1, 5000, 70_001);
    bits[99_999] = 255;
    expect(Array.from(bitmapToRuns(bits, bits.length))).toEqual([5000, 65_001, 29_998, 1, 3]);
    // Dense transposition scans its bands (here 40 lines of 300 bytes) the same way: 40x300 noise.
    const h = 40, w = 300;
    const noise = Uint8Array.from({ length: h * w }, (_, i) => ((i * 2654435761) >>> 13) & 1);
    const rowRuns = Uint32Array.from(naiveRuns(noise));
    expect(Array.from(transposeRuns(rowRuns, h, w))).toEqual(naiveRuns(toColumnMajor(noise, h, w)));
    // The kernel really is unavailable in this copy of the module.
    expect(() => useScanKernel('wasm')).toThrow(/not available/);
  });
});
