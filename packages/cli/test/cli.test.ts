import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli as run } from './support.js';


const dir = mkdtempSync(join(tmpdir(), 'rlekit-cli-'));
const input = join(dir, 'mask.json');
writeFileSync(input, JSON.stringify({ height: 3, width: 4, order: 'row', runs: [1, 2, 5, 4] }));
const plugin = fileURLToPath(new URL('./fixtures/failing-dialect.ts', import.meta.url));

describe('rlekit CLI', () => {
  it('lists dialects with capabilities, and one dialect with its options', async () => {
    const all = await run(['dialects']);
    expect(all.code).toBe(0);
    expect(all.out).toMatch(/^rlekit-json .*\n.*carries: .*instance ids/m);
    const one = await run(['dialects', 'rlekit-json']);
    expect(one.out).toContain('--order <row|col>');
  });

  it('converts, detecting the input dialect and saying so', async () => {
    const output = join(dir, 'out.json');
    const r = await run(['convert', input, '--to', 'rlekit-json', '--order', 'col', '-o', output]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('detected rlekit-json');
    const written = JSON.parse(readFileSync(output, 'utf8'));
    // rows [0 1 1 0 / 0 0 0 0 / 1 1 1 1] read column by column
    expect(written.annotations[0].runs).toEqual([2, 2, 1, 2, 1, 1, 2, 1]);
    expect(written.annotations[0].order).toBe('col');
  });

  it('writes to stdout without -o', async () => {
    const r = await run(['convert', input, '--from', 'rlekit-json', '--to', 'rlekit-json', '--indent', '0']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).annotations[0].runs).toEqual([1, 2, 5, 4]);
  });

  it('inspects sizes, areas and boxes', async () => {
    const r = await run(['inspect', input]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('annotation 0 on image 0: 3x4, area 6, bbox [0, 0, 4, 3]');
    const j = await run(['inspect', input, '--json']);
    expect(JSON.parse(j.out).annotations[0]).toMatchObject({ area: 6, bbox: [0, 0, 4, 3] });
  });

  it('inspect counts the parts and holes of each mask', async () => {
    const r = await run(['inspect', input]);
    expect(r.out).toContain('bbox [0, 0, 4, 3], 2 parts, 0 holes');
    const holed = join(dir, 'holed.json');
    writeFileSync(holed, JSON.stringify({ height: 3, width: 4, order: 'row', runs: [0, 3, 1, 1, 1, 1, 1, 3, 1] }));
    const j = await run(['inspect', holed, '--json']);
    expect(JSON.parse(j.out).annotations[0]).toMatchObject({ parts: 1, holes: 1 });
  });

  it('exits 2 with the RleError code on bad input, leaving no output', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ height: 3, width: 4, order: 'row', runs: [1, 2] }));
    const output = join(dir, 'never.json');
    const r = await run(['convert', bad, '--to', 'rlekit-json', '-o', output]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('error [RUNS_SUM_MISMATCH]');
    expect(existsSync(output)).toBe(false);
  });

  it('exits 1 on usage errors', async () => {
    expect((await run(['convert', input, '--to', 'nope'])).code).toBe(1);
    expect((await run(['convert', input])).code).toBe(1);
    expect((await run(['convert', input, '--to', 'rlekit-json', '--order', 'diagonal'])).code).toBe(1);
    expect((await run(['frobnicate'])).code).toBe(1);
    const help = await run(['convert', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--to <dialect>');
  });

  it('exits 2 for a missing input file', async () => {
    const r = await run(['convert', join(dir, 'missing.json'), '--to', 'rlekit-json']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('error [IO]');
  });

  it('lists a plugin\'s dialect with dialects --plugin', async () => {
    const r = await run(['dialects', 'failing', '--plugin', plugin]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^failing /m);
  });

  it('loads a plugin given as --plugin=module too', async () => {
    // The failing dialect is found (exit 2 from its write), not an unknown dialect (exit 1).
    const r = await run(['convert', input, '--from', 'rlekit-json', '--to', 'failing', `--plugin=${plugin}`, '-o', join(dir, 'eq.fail')]);
    expect(r.err).not.toContain('UNKNOWN_DIALECT');
    expect(r.code).toBe(2);
  });

  it('leaves neither the output nor a temp file when writing fails half-way', async () => {
    const output = join(dir, 'half.fail');
    const r = await run(['convert', input, '--from', 'rlekit-json', '--to', 'failing', '--plugin', plugin, '-o', output]);
    expect(r.code).toBe(2);
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('exits 2 with an IO error (not an internal error) for outputs that cannot be written', async () => {
    // -o under a file: the folder cannot be made
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, 'x');
    const underFile = await run(['convert', input, '--to', 'rlekit-json', '-o', join(blocker, 'out.json')]);
    expect(underFile.code).toBe(2);
    expect(underFile.err).toContain('error [IO]');
    // -o naming an existing folder for a file dialect
    const sub = mkdtempSync(join(dir, 'asdir-'));
    const isDir = await run(['convert', input, '--to', 'rlekit-json', '-o', sub]);
    expect(isDir.code).toBe(2);
    expect(isDir.err).toContain('error [IO]');
    expect(readdirSync(sub)).toEqual([]);
    // -o naming an existing file for a folder dialect
    const file = join(dir, 'a-file');
    writeFileSync(file, 'keep');
    const isFile = await run(['convert', input, '--to', 'png', '-o', file]);
    expect(isFile.code).toBe(2);
    expect(isFile.err).toContain('error [IO]');
    expect(readFileSync(file, 'utf8')).toBe('keep');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a boolean option value that is neither true nor false (exit 1), and reads the valid spellings', async () => {
    const xml = join(dir, 'one.xml');
    writeFileSync(xml, '<annotations><image id="0" name="i" width="2" height="1"><mask label="a" rle="0, 2" left="0" top="0" width="2" height="1"></mask></image></annotations>');
    const typo = await run(['inspect', xml, '--from', 'cvat', '--validate', 'flase']);
    expect(typo.code).toBe(1);
    expect(typo.err).toContain('error [INVALID_OPTION]');
    for (const v of ['false', 'FALSE', 'no', '0', 'true', 'yes', '1']) {
      expect((await run(['inspect', xml, '--from', 'cvat', '--validate', v])).code).toBe(0);
    }
    const viaPair = await run(['convert', xml, '--from', 'cvat', '--to', 'cvat', '--read-option', 'validate=maybe']);
    expect(viaPair.code).toBe(1);
  });

  it('creates missing parent folders of -o (as in `pnpm demo` on a fresh clone), and removes them again when the conversion fails', async () => {
    const out = join(dir, 'fresh', 'deeper', 'out.json');
    const ok = await run(['convert', input, '--to', 'rlekit-json', '-o', out]);
    expect(ok.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    const failed = await run(['convert', input, '--from', 'rlekit-json', '--to', 'failing', '--plugin', plugin, '-o', join(dir, 'gone', 'sub', 'half.fail')]);
    expect(failed.code).toBe(2);
    expect(existsSync(join(dir, 'gone'))).toBe(false);
    const bad = join(dir, 'bad2.json');
    writeFileSync(bad, JSON.stringify({ height: 3, width: 4, order: 'row', runs: [1, 2] }));
    const folder = await run(['convert', bad, '--to', 'png', '-o', join(dir, 'gone2', 'masks')]);
    expect(folder.code).toBe(2);
    expect(existsSync(join(dir, 'gone2'))).toBe(false);
  });

  it('refuses a flag that both different dialects take instead of giving it to both (exit 1); --read-option / --write-option choose', async () => {
    // A 2x3 mask in a Kaggle CSV read in row order; --order meant for rlekit-json must not change how the CSV is read.
    const csv = join(dir, 'k.csv');
    writeFileSync(csv, 'ImageId,EncodedPixels\nimg,2 3\n');
    const both = await run(['convert', csv, '--from', 'kaggle', '--size', '2x3', '--to', 'rlekit-json', '--order', 'col']);
    expect(both.code).toBe(1);
    expect(both.err).toContain('error [INVALID_OPTION]');
    expect(both.err).toContain('--write-option order=');
    const chosen = await run(['convert', csv, '--from', 'kaggle', '--size', '2x3', '--read-option', 'order=row', '--to', 'rlekit-json', '--write-option', 'order=col']);
    expect(chosen.code).toBe(0);
    const out = JSON.parse(chosen.stdout);
    // 1-based pixels 2..4 in row order of a 2x3 image are (1,0), (2,0), (0,1); column-major that is indices 2, 4, 1.
    expect(out.annotations[0].order).toBe('col');
    expect(out.annotations[0].runs).toEqual([1, 2, 1, 1, 1]);
  });

  it('ends quietly when the reader of stdout closes the pipe early (rlekit convert ... | head)', async () => {
    // A 1x200000 alternating mask: about a megabyte of rlekit-json, more than a pipe buffer holds.
    const big = join(dir, 'big.json');
    const runs = new Array<number>(200000).fill(1);
    writeFileSync(big, JSON.stringify({ height: 1, width: 200000, order: 'row', runs }));
    const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const child = spawn(tsx, ['--conditions=source', bin, 'convert', big, '--from', 'rlekit-json', '--to', 'rlekit-json', '--indent', '0', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(err).not.toContain('EPIPE');
    expect(code).toBe(0);
  }, 30000);
});
