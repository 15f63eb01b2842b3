/**
 * The embedded scan kernel (src/wasm/scan-module.ts) is exactly src/wasm/scan.wat assembled by
 * wabt's wat2wasm: nobody can edit one without the other. CI installs wabt (scripts/ci-setup.sh).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SCAN_MODULE } from '../src/wasm/scan-module.js';

const hasWat2wasm = spawnSync('wat2wasm', ['--version']).status === 0;

describe('scan-module.ts', () => {
  it.skipIf(!hasWat2wasm && !process.env.CI)('matches scan.wat assembled now', () => {
    const script = fileURLToPath(new URL('../scripts/wasm.mjs', import.meta.url));
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('is a valid WebAssembly module with SIMD on this engine', () => {
    expect(WebAssembly.validate(SCAN_MODULE as Uint8Array<ArrayBuffer>)).toBe(true);
  });
});
