// Inputs and outputs that are not plain files, signals mid-write: the CLI is spawned as users run it.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, linkSync, openSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync, chmodSync, createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const slowPlugin = fileURLToPath(new URL('./fixtures/slow-dialect.ts', import.meta.url));

interface Run { code: number | null; signal: NodeJS.Signals | null; out: string; err: string; timedOut: boolean; ms: number }

/** Spawns the CLI; a run that does not end within `timeout` ms is killed and reported as timed out (a hang). */
function cli(args: string[], opts: { timeout?: number; onSpawn?: (pid: number) => void; stdin?: string | number } = {}): Promise<Run> {
  const started = Date.now();
  // stdin: text piped in, or a file descriptor (a file redirected: `< x`).
  const child = spawn(tsx, ['--conditions=source', bin, ...args], { stdio: [typeof opts.stdin === 'number' ? opts.stdin : typeof opts.stdin === 'string' ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (typeof opts.stdin === 'string') child.stdin!.end(opts.stdin);
  let out = '', err = '', timedOut = false;
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeout ?? 30_000);
  opts.onSpawn?.(child.pid!);
  return new Promise((done) => child.on('close', (code, signal) => {
    clearTimeout(timer);
    done({ code, signal, out, err, timedOut, ms: Date.now() - started });
  }));
}

const dir = mkdtempSync(join(tmpdir(), 'rlekit-io-'));
const input = join(dir, 'mask.json');
const maskJson = JSON.stringify({ height: 3, width: 4, order: 'row', runs: [1, 2, 5, 4] });
writeFileSync(input, maskJson);
const temps = (d: string) => readdirSync(d).filter((f) => f.includes('.tmp-'));

describe('outputs that are not plain files (-o)', () => {
  it('writes through a symbolic link to its target, keeping the link (also a dangling one)', async () => {
    const d = mkdtempSync(join(dir, 'link-'));
    writeFileSync(join(d, 'real.json'), 'old');
    symlinkSync('real.json', join(d, 'link.json'));
    const r = await cli(['convert', input, '--to', 'rlekit-json', '-o', join(d, 'link.json'), '-q']);
    expect(r.code).toBe(0);
    expect(lstatSync(join(d, 'link.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(d, 'real.json'), 'utf8')).annotations).toHaveLength(1);
    symlinkSync(join(d, 'sub', 'new.json'), join(d, 'dangling.json'));
    mkdirSync(join(d, 'sub'));
    const r2 = await cli(['convert', input, '--to', 'rlekit-json', '-o', join(d, 'dangling.json'), '-q']);
    expect(r2.code).toBe(0);
    expect(lstatSync(join(d, 'dangling.json')).isSymbolicLink()).toBe(true);
    expect(statSync(join(d, 'sub', 'new.json')).isFile()).toBe(true);
    expect(temps(d)).toEqual([]);
  }, 60_000);

  it('keeps an existing file\'s mode (a 0600 output stays private) and its hard links', async () => {
    const d = mkdtempSync(join(dir, 'mode-'));
    const out = join(d, 'private.json');
    writeFileSync(out, 'old');
    chmodSync(out, 0o600);
    const r = await cli(['convert', input, '--to', 'rlekit-json', '-o', out, '-q']);
    expect(r.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const a = join(d, 'a.json'), b = join(d, 'b.json');
    writeFileSync(a, 'old');
    linkSync(a, b);
    const ino = statSync(a).ino;
    const r2 = await cli(['convert', input, '--to', 'rlekit-json', '-o', a, '-q']);
    expect(r2.code).toBe(0);
    expect(statSync(a).ino).toBe(ino);
    expect(statSync(a).nlink).toBe(2);
    expect(JSON.parse(readFileSync(b, 'utf8')).annotations).toHaveLength(1);
    expect(temps(d)).toEqual([]);
  }, 60_000);

  it('writes directly to a FIFO and to /dev/null, never replacing them with a regular file', async () => {
    const d = mkdtempSync(join(dir, 'fifo-'));
    const fifo = join(d, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    let got = '';
    const reader = new Promise<void>((done) => {
      createReadStream(fifo).on('data', (c) => (got += c.toString())).on('end', () => done());
    });
    const r = await cli(['convert', input, '--to', 'rlekit-json', '-o', fifo, '-q']);
    await reader;
    expect(r.code).toBe(0);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(JSON.parse(got).annotations).toHaveLength(1);
    expect(temps(d)).toEqual([]);
    const n = await cli(['convert', input, '--to', 'rlekit-json', '-o', '/dev/null', '-q']);
    expect(n.code).toBe(0);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  }, 60_000);

  it('writes one image to -o x.png --to png as that file, not a folder named x.png', async () => {
    const d = mkdtempSync(join(dir, 'png-'));
    const r = await cli(['convert', input, '--to', 'png', '-o', join(d, 'x.png'), '-q']);
    expect(r.code).toBe(0);
    expect(statSync(join(d, 'x.png')).isFile()).toBe(true);
    expect([...readFileSync(join(d, 'x.png')).subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
  }, 60_000);
});

describe('signals mid-write', () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig} removes the temporary file and leaves no output`, async () => {
      const d = mkdtempSync(join(dir, 'sig-'));
      const out = join(d, 'out.slow');
      const r = await cli(['convert', input, '--from', 'rlekit-json', '--to', 'slow', '--plugin', slowPlugin, '-o', out, '-q'], {
        onSpawn: (pid) => {
          const poll = setInterval(() => {
            // Signal once the first chunk is in the temp file.
            if (temps(d).some((f) => statSync(join(d, f)).size > 0)) {
              clearInterval(poll);
              process.kill(pid, sig);
            }
          }, 50);
        },
      });
      expect(r.timedOut).toBe(false);
      // Killed by the signal (tsx, which runs the CLI here, reports its child's death as 128 + signal number).
      expect(r.signal === sig || r.code === 128 + (sig === 'SIGTERM' ? 15 : 2)).toBe(true);
      expect(temps(d)).toEqual([]);
      expect(existsSync(out)).toBe(false);
    }, 60_000);
  }
});

describe('signals mid-write with --jobs', () => {
  it('SIGINT leaves no folder --jobs made for the output, and no part or temp file', async () => {
    const d = mkdtempSync(join(dir, 'sig-jobs-'));
    const made = join(d, 'new'), inner = join(made, 'deeper');
    const out = join(inner, 'out.slow');
    const r = await cli(['convert', input, '--from', 'rlekit-json', '--to', 'slow', '--plugin', slowPlugin, '-o', out, '-q', '--jobs', '2'], {
      onSpawn: (pid) => {
        const poll = setInterval(() => {
          // Signal once both jobs' parts have their first chunk (each writer then waits).
          const files = existsSync(inner) ? readdirSync(inner) : [];
          if (files.filter((f) => statSync(join(inner, f)).size > 0).length >= 2) {
            clearInterval(poll);
            process.kill(pid, 'SIGINT');
          }
        }, 50);
      },
      timeout: 50_000,
    });
    expect(r.timedOut).toBe(false);
    expect(r.signal === 'SIGINT' || r.code === 130).toBe(true);
    expect(existsSync(made)).toBe(false);
    expect(readdirSync(d)).toEqual([]);
  }, 60_000);
});

describe('inputs that are not regular files', () => {
  it('reads standard input for `-`: piped (detection, then the reader; a two-pass reader replays it) and a file redirected to it', async () => {
    const d = mkdtempSync(join(dir, 'stdin-'));
    const piped = await cli(['convert', '-', '--to', 'rlekit-json', '-o', join(d, 'a.json'), '-q'], { timeout: 20_000, stdin: maskJson });
    expect(piped.code, piped.err).toBe(0);
    expect(JSON.parse(readFileSync(join(d, 'a.json'), 'utf8')).annotations[0].runs).toEqual([1, 2, 5, 4]);
    const csv = 'ImageId,EncodedPixels\nb,3 1\na,1 2\nb,5 1\n';
    const kaggle = ['--from', 'kaggle', '--preset', 'airbus-ship-detection', '--size', '3x3', '--to', 'rlekit-json', '-q'];
    const twoPass = await cli(['convert', '-', ...kaggle, '-o', join(d, 'b.json')], { timeout: 20_000, stdin: csv });
    expect(twoPass.code, twoPass.err).toBe(0);
    writeFileSync(join(d, 'sub.csv'), csv);
    const fd = openSync(join(d, 'sub.csv'), 'r');
    const redirected = await cli(['convert', '-', ...kaggle, '-o', join(d, 'c.json')], { timeout: 20_000, stdin: fd });
    closeSync(fd);
    expect(redirected.code, redirected.err).toBe(0);
    expect(JSON.parse(readFileSync(join(d, 'b.json'), 'utf8')).annotations).toHaveLength(3);
    expect(readFileSync(join(d, 'c.json'), 'utf8')).toBe(readFileSync(join(d, 'b.json'), 'utf8'));
  }, 60_000);

  it('reads a FIFO once (detection, then the reader), without hanging', async () => {
    const d = mkdtempSync(join(dir, 'in-fifo-'));
    const fifo = join(d, 'in.json');
    execFileSync('mkfifo', [fifo]);
    const writer = writeFile(fifo, maskJson);
    const r = await cli(['convert', fifo, '--to', 'rlekit-json', '-o', join(d, 'out.json')], { timeout: 20_000 });
    await writer;
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(d, 'out.json'), 'utf8')).annotations[0].runs).toEqual([1, 2, 5, 4]);
  }, 60_000);

  it('reads a FIFO with a two-pass reader (Kaggle: ids and sizes first, then the rows) without hanging', async () => {
    const d = mkdtempSync(join(dir, 'in-fifo2-'));
    const fifo = join(d, 'sub.csv');
    execFileSync('mkfifo', [fifo]);
    const writer = writeFile(fifo, 'ImageId,EncodedPixels\nb,3 1\na,1 2\nb,5 1\n');
    const r = await cli(['convert', fifo, '--from', 'kaggle', '--preset', 'airbus-ship-detection', '--size', '3x3', '--to', 'rlekit-json', '-o', join(d, 'out.json'), '-q'], { timeout: 30_000 });
    await writer;
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(d, 'out.json'), 'utf8')).annotations).toHaveLength(3);
  }, 60_000);

  it('refuses /dev/zero as png, dicom or rlekit-json at its first bytes, not after buffering the byte limit', async () => {
    for (const from of ['png', 'dicom', 'rlekit-json']) {
      const r = await cli(['inspect', '/dev/zero', '--from', from], { timeout: 20_000 });
      expect(r.timedOut).toBe(false);
      expect(r.code).toBe(2);
      expect(r.err).toContain('error [INVALID_STRUCTURE]');
    }
    const detected = await cli(['inspect', '/dev/zero'], { timeout: 20_000 });
    expect(detected.code).toBe(1);
    expect(detected.err).toContain('UNKNOWN_DIALECT');
  }, 60_000);
});
