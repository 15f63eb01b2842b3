#!/usr/bin/env node
// The packages as a user gets them (issue 19): `pnpm pack` every published package, then, in
// temporary projects OUTSIDE the workspace (npm, --engine-strict):
//   - each adapter installed alone (its tarball, core's, and the tarballs of its @rlekit deps),
//     its README example run in Node, bundled with esbuild and run in headless Chromium with
//     WebAssembly allowed and under a Content-Security-Policy that forbids it;
//   - a consumer project that type-checks against every tarball with TypeScript 5.4 and the
//     current TypeScript, skipLibCheck false;
//   - attw --profile esm-only on every tarball;
//   - `npx rlekit --version`, `dialects`, a conversion, from the CLI's tarball;
//   - `pnpm publish -r --dry-run`.
// Usage: node release/check.mjs [--no-build] [--only node,browser,types,attw,cli,publish] [--packages dicom,cvat] [--keep]
// (--packages: the adapters step 2 runs, by folder name; every package is still packed.)
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT, publishedPackages, readmeExample } from './readme-example.mjs';

const args = process.argv.slice(2);
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1].split(',')) : undefined;
const step = (name) => !only || only.has(name);
const onlyPackages = args.includes('--packages') ? new Set(args[args.indexOf('--packages') + 1].split(',')) : undefined;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TSC_CURRENT = join(ROOT, 'node_modules/typescript/bin/tsc');
const TSC_54 = join(ROOT, 'node_modules/typescript54/bin/tsc');
const ATTW = join(ROOT, 'node_modules/.bin/attw');

const failures = [];
const log = (s) => process.stdout.write(`${s}\n`);
function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
function check(name, ok, detail = '') {
  log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `\n${detail.trim().split('\n').slice(-40).join('\n')}`}`);
  if (!ok) failures.push(name);
  return ok;
}

const packages = publishedPackages();
const work = mkdtempSync(join(tmpdir(), 'rlekit-release-'));
if (!relative(ROOT, work).startsWith('..')) throw new Error(`${work} is inside the workspace`);
const tarDir = join(work, 'tarballs');
mkdirSync(tarDir);

// 1. Build and pack (pnpm pack turns workspace:* into the versions).
if (!args.includes('--no-build')) {
  log('== build');
  execFileSync('pnpm', ['-r', '--filter', './packages/*', 'run', 'build'], { cwd: ROOT, stdio: 'inherit' });
}
log(`== pack into ${tarDir}`);
const tarball = {};
for (const { dir, name } of packages) {
  const out = execFileSync('pnpm', ['pack', '--pack-destination', tarDir], { cwd: join(ROOT, 'packages', dir), encoding: 'utf8' });
  const file = out.trim().split('\n').pop().trim();
  tarball[name] = file.startsWith('/') ? file : join(tarDir, file);
  const listing = execFileSync('tar', ['tzf', tarball[name]], { encoding: 'utf8' }).split('\n');
  for (const f of ['package/LICENSE', 'package/README.md', 'package/CHANGELOG.md', 'package/package.json']) {
    check(`${name}: the tarball has ${f.slice(8)}`, listing.includes(f));
  }
  check(`${name}: the tarball has dist/*.js and dist/*.d.ts`, listing.some((f) => /^package\/dist\/.*\.js$/.test(f)) && listing.some((f) => /^package\/dist\/.*\.d\.ts$/.test(f)));
  const manifest = JSON.parse(execFileSync('tar', ['xzOf', tarball[name], 'package/package.json'], { encoding: 'utf8' }));
  check(`${name}: no workspace: ranges left in the packed package.json`, !JSON.stringify(manifest).includes('workspace:'));
}

/** The @rlekit tarballs a package needs: itself and its @rlekit dependencies, transitively. */
function closure(name, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  const { pkg } = packages.find((p) => p.name === name);
  for (const dep of Object.keys(pkg.dependencies ?? {})) if (tarball[dep]) closure(dep, seen);
  return seen;
}

/** A fresh npm project (outside the workspace) with these tarballs installed, engine-strict. */
function project(label, names, extra = {}) {
  const dir = join(work, label.replace(/[@/]/g, '_'));
  mkdirSync(dir, { recursive: true });
  const dependencies = Object.fromEntries([...names].map((n) => [n, `file:${tarball[n]}`]));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'rlekit-smoke', private: true, type: 'module', dependencies: { ...dependencies, ...extra } }, null, 2));
  const r = run('npm', ['install', '--engine-strict', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  check(`${label}: npm install --engine-strict (${[...names].join(', ')}) on Node ${process.versions.node}`, r.ok, r.out);
  return dir;
}

const esbuild = await import('esbuild');

/** The README example as plain JS (types stripped). */
function exampleJs(dir) {
  const code = readmeExample(readFileSync(join(ROOT, 'packages', dir, 'README.md'), 'utf8'));
  return code === undefined ? undefined : esbuild.transformSync(`${code}\nexport {};\n`, { loader: 'ts', format: 'esm', target: 'es2022' }).code;
}

// The browser page's entry: the README example, then a mask big enough for core's WebAssembly scan
// (bitmaps of 4 KiB or more), checked against a count done here, and whether WebAssembly compiles at all.
const BROWSER_ENTRY = `
import { Mask } from '@rlekit/core';
const result = { example: 'not run', wasm: false, bigMask: 'not run', errors: [] };
window.__result = result;
try { await import('./example.mjs'); result.example = 'ok'; } catch (e) { result.example = 'error: ' + (e && e.stack || e); }
try {
  // The smallest valid module: magic and version.
  new WebAssembly.Module(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0));
  result.wasm = true;
} catch { result.wasm = false; }
try {
  const height = 61, width = 127, bits = new Uint8Array(height * width);
  let area = 0;
  for (let i = 0; i < bits.length; i++) if ((i * 7919) % 13 < 5 || i === 0 || i === bits.length - 1) { bits[i] = 1; area++; }
  const m = Mask.fromBitmap(bits, { height, width });
  const back = m.toBitmap();
  let same = back.length === bits.length;
  for (let i = 0; same && i < bits.length; i++) same = back[i] === bits[i];
  result.bigMask = m.area() === area && same ? 'ok' : 'wrong: area ' + m.area() + ' of ' + area;
} catch (e) { result.bigMask = 'error: ' + (e && e.stack || e); }
result.done = true;
`;

let browser;
async function chromium() {
  if (!browser) {
    const { chromium: c } = await import('playwright-core');
    browser = await c.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }
  return browser;
}

/** Serves `dir` with or without a CSP header; returns the page's __result. */
async function runInChromium(dir, csp) {
  const server = createServer((req, res) => {
    const file = req.url === '/' ? 'index.html' : req.url.slice(1);
    const path = join(dir, file);
    if (!existsSync(path)) return void res.writeHead(404).end();
    const headers = { 'content-type': file.endsWith('.html') ? 'text/html' : 'text/javascript' };
    if (csp) headers['content-security-policy'] = csp;
    res.writeHead(200, headers).end(readFileSync(path));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const page = await (await chromium()).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.__result?.done === true, undefined, { timeout: 60_000 });
    return { ...(await page.evaluate(() => window.__result)), pageErrors: errors };
  } catch (e) {
    return { example: `page failed: ${e.message}`, pageErrors: errors };
  } finally {
    await page.close();
    server.close();
  }
}

// 2. Each adapter alone: Node, then Chromium (WebAssembly allowed, and forbidden by CSP).
if (step('node') || step('browser')) {
  for (const { dir, name } of packages) {
    if (name === 'rlekit') continue; // the CLI: step 5
    if (onlyPackages && !onlyPackages.has(dir)) continue;
    const js = exampleJs(dir);
    if (!check(`${name}: README has a ts example`, js !== undefined)) continue;
    const p = project(`adapter-${dir}`, closure(name).add('@rlekit/core'));
    writeFileSync(join(p, 'example.mjs'), js);
    if (step('node')) {
      const r = run(process.execPath, ['example.mjs'], { cwd: p });
      check(`${name}: README example runs in Node from the tarball`, r.ok, r.out);
    }
    if (step('browser')) {
      writeFileSync(join(p, 'entry.mjs'), BROWSER_ENTRY);
      // Split as an app bundler splits it: a format library behind a dynamic import() (dcmjs,
      // fast-xml-parser, yaml) is a chunk of its own, fetched from the server when first used.
      const built = await esbuild.build({
        entryPoints: [join(p, 'entry.mjs')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
        splitting: true, outdir: join(p, 'web'), entryNames: 'bundle', absWorkingDir: p, logLevel: 'silent', metafile: true, minify: true,
      }).then((r) => ({ ok: true, r }), (e) => ({ ok: false, e }));
      if (!check(`${name}: README example bundles for the browser with esbuild`, built.ok, built.e?.message)) continue;
      writeFileSync(join(p, 'web', 'index.html'), '<!doctype html><meta charset="utf-8"><title>rlekit</title><script type="module" src="bundle.js"></script>\n');
      for (const [label, csp] of [['WebAssembly allowed', undefined], ["CSP script-src 'self' (no WebAssembly)", "script-src 'self'"]]) {
        const r = await runInChromium(join(p, 'web'), csp);
        const ok = r.example === 'ok' && r.bigMask === 'ok' && r.wasm === (csp === undefined) && r.pageErrors.length === 0;
        check(`${name}: README example and a ${61 * 127}-pixel mask in Chromium, ${label}`, ok, JSON.stringify(r, null, 2));
      }
    }
  }
}

// 3. Types: one consumer of every tarball, TypeScript 5.4 and current, skipLibCheck false.
if (step('types')) {
  const all = new Set(packages.map((p) => p.name));
  const p = project('types', all, { '@types/node': '^20.19.0' });
  const imports = [...all].sort().flatMap((n) => {
    const id = n.replace(/\W/g, '_');
    const lines = [`import * as ${id} from '${n}';`, `console.log(Object.keys(${id}).length);`];
    if (n === '@rlekit/core') lines.push(`import { dialect as jsonDialect } from '@rlekit/core/json';`, 'console.log(jsonDialect.id);');
    return lines;
  });
  // Something typed through, so a type that resolved to `any` would fail.
  imports.push(`import { Mask } from '@rlekit/core';`, `const size: { height: number; width: number } = Mask.empty({ height: 2, width: 3 }).size;`, `console.log(size);`);
  writeFileSync(join(p, 'index.ts'), `${imports.join('\n')}\n`);
  for (const moduleResolution of ['NodeNext', 'Bundler']) {
    writeFileSync(join(p, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: moduleResolution === 'NodeNext' ? 'NodeNext' : 'ESNext', moduleResolution, strict: true,
        skipLibCheck: false, noEmit: true, lib: ['ES2022', 'DOM'], types: ['node'],
      },
      files: ['index.ts'],
    }, null, 2));
    for (const [label, tsc] of [['TypeScript 5.4', TSC_54], ['TypeScript current', TSC_CURRENT]]) {
      const version = run(process.execPath, [tsc, '--version']).out.trim();
      const r = run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: p });
      check(`types: a consumer of every tarball type-checks with ${label} (${version}), moduleResolution ${moduleResolution}, skipLibCheck false`, r.ok, r.out);
    }
  }
}

// 4. attw, ESM-only profile (node10 is not a target: the packages are ESM-only).
if (step('attw')) {
  for (const { name } of packages) {
    const r = run(ATTW, [tarball[name], '--profile', 'esm-only', '--format', 'ascii'], { cwd: work });
    check(`attw --profile esm-only: ${name}`, r.ok, r.out);
  }
}

// 5. The CLI from its tarball, through npx.
if (step('cli')) {
  const p = project('cli', closure('rlekit'));
  const version = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')).version;
  const v = run('npx', ['--no-install', 'rlekit', '--version'], { cwd: p });
  check('npx rlekit --version prints the version', v.ok && v.stdout === `${version}\n`, v.out);
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    run(process.execPath, [join(p, 'node_modules/rlekit/dist/bin.js'), '--version']);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const base = [];
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    run(process.execPath, ['-e', '0']);
    base.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  log(`     rlekit --version: ${Math.min(...times).toFixed(0)} ms best of 5 (node -e 0: ${Math.min(...base).toFixed(0)} ms)`);
  const d = run('npx', ['--no-install', 'rlekit', 'dialects'], { cwd: p });
  check('npx rlekit dialects lists every dialect', d.ok && ['rlekit-json', 'coco', 'kaggle', 'png', 'dicom', 'cvat', 'encord', 'label-studio', 'darwin', 'supervisely'].every((id) => new RegExp(`^${id} `, 'm').test(d.stdout)), d.out);
  copyFileSync(join(ROOT, 'samples/coco/instances.json'), join(p, 'instances.json'));
  const c = run('npx', ['--no-install', 'rlekit', 'convert', 'instances.json', '--to', 'kaggle', '--preset', 'airbus-ship-detection', '-o', 'out.csv'], { cwd: p });
  check('npx rlekit convert (COCO → Kaggle) from the tarball', c.ok && readFileSync(join(p, 'out.csv'), 'utf8').startsWith('ImageId,EncodedPixels'), c.out);
}

// 6. pnpm publish -r --dry-run (no registry writes).
if (step('publish')) {
  const r = run('pnpm', ['publish', '-r', '--dry-run', '--no-git-checks'], { cwd: ROOT });
  check('pnpm publish -r --dry-run', r.ok, r.out);
}

await browser?.close();
if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
else log(`kept ${work}`);
log(failures.length === 0 ? '\nrelease check: all passed' : `\nrelease check: ${failures.length} failed:\n  ${failures.join('\n  ')}`);
process.exitCode = failures.length === 0 ? 0 : 1;
