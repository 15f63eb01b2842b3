/**
 * The built site (docs/.vitepress/dist, `pnpm site:build`) driven in headless Chromium from Debian
 * (`scripts/ci-setup.sh` installs it; no browser download): the playground decodes pasted strings,
 * share links and dropped files, converts with a download, is keyboard operable and passes axe;
 * no page logs a console error. Screenshots go to .tmp/ for a person to look at.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Mask, type MaskDataset } from '@rlekit/core';
import * as coco from '@rlekit/coco';
import * as kaggle from '@rlekit/kaggle';
import * as ls from '@rlekit/label-studio';
import { dialect as png } from '@rlekit/png';
import { renderOverlay } from '@rlekit/render';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(root, 'docs/.vitepress/dist');
const shots = join(root, '.tmp');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.json': 'application/json', '.png': 'image/png', '.woff2': 'font/woff2', '.txt': 'text/plain',
};

/** The built folder served as a static host would, with clean URLs (/playground → playground.html). */
function serve(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const tries = [join(dist, path), join(dist, `${path}.html`), join(dist, path, 'index.html')];
    const file = tries.find((f) => f.startsWith(dist) && existsSync(f) && statSync(f).isFile());
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    resolve({ server, base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
  }));
}

// A non-square mask: an L-shaped part, a separate block, and foreground at the last pixel (which
// rules out 0-based readings of start/length text).
const H = 12, W = 17;
function testMask(): Mask {
  const bits = new Uint8Array(H * W);
  const set = (x: number, y: number) => { bits[y * W + x] = 1; };
  for (let y = 2; y < 9; y++) for (let x = 2; x < 6; x++) set(x, y);
  for (let y = 6; y < 9; y++) for (let x = 6; x < 13; x++) set(x, y);
  for (let y = 1; y < 4; y++) for (let x = 10; x < 15; x++) set(x, y);
  set(W - 1, H - 1); set(W - 2, H - 1);
  return Mask.fromBitmap(bits, { height: H, width: W }, 'row');
}
const mask = testMask();
const oneMask = (m: Mask, fileName = 'mask.png'): MaskDataset => ({
  images: [{ id: 1, height: m.height, width: m.width, fileName }], categories: [], annotations: [{ id: 1, imageId: 1, mask: m }],
});

let browser: Browser;
let server: Server;
let base: string;
let page: Page;
let problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(dist, 'playground.html'))) throw new Error('No built site: run `pnpm site:build` first');
  ({ server, base } = await serve());
  browser = await chromium.launch({ executablePath: CHROMIUM });
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

async function open(path: string): Promise<Page> {
  problems = [];
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  await page.goto(base + path, { waitUntil: 'networkidle' });
  return page;
}

afterEach(async () => {
  await page?.close();
  expect(problems).toEqual([]);
});

/** The canvas of reading i as 0/1 per pixel: 1 where the page drew the foreground colour. */
async function canvasBits(i: number): Promise<{ height: number; width: number; bits: number[] }> {
  return page.locator(`[data-testid=canvas-${i}]`).evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const bits: number[] = [];
    for (let p = 0; p < d.length; p += 4) bits.push(d[p] === 29 && d[p + 1] === 78 && d[p + 2] === 216 ? 1 : 0);
    return { height: c.height, width: c.width, bits };
  });
}

async function canvasRgba(i: number): Promise<number[]> {
  return page.locator(`[data-testid=canvas-${i}]`).evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
}

async function decode(text: string, size: string): Promise<void> {
  await page.fill('#pg-mask', text);
  await page.fill('#pg-size', size);
  await page.click('button:has-text("Decode")');
  await page.waitForSelector('[data-testid=area]');
}

/** Drops a file on the drop zone as a user's drag and drop would. */
async function drop(name: string, bytes: Uint8Array, type: string): Promise<void> {
  const data = Array.from(bytes);
  const transfer = await page.evaluateHandle(({ name, data, type }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(data)], name, { type }));
    return dt;
  }, { name, data, type });
  await page.dispatchEvent('.drop', 'drop', { dataTransfer: transfer });
  await page.waitForSelector('[data-testid=area], .error');
}

async function axe(include?: string): Promise<{ id: string; impact: string; nodes: string[] }[]> {
  await page.addScriptTag({ content: readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8') });
  return page.evaluate(async (include) => {
    const axe = (window as unknown as { axe: { run: (c: unknown, o: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(include ? { include: [include] } : document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  }, include);
}

const cases: { name: string; text: string; size: string; top: string }[] = [
  { name: 'a COCO compressed string', text: coco.encode(mask).counts as string, size: `${H}x${W}`, top: `coco, column-major, ${H}x${W}` },
  { name: 'a COCO RLE object with counts', text: JSON.stringify(coco.encodeUncompressed(mask)), size: '', top: `coco, column-major, ${H}x${W}` },
  { name: 'Kaggle column-major 1-based pairs', text: kaggle.encode(mask, 'airbus-ship-detection'), size: `${H}x${W}`, top: `kaggle, column-major, 1-based, ${H}x${W}` },
  { name: 'Kaggle row-major 1-based pairs', text: kaggle.encode(mask, 'carvana-image-masking'), size: `${H}x${W}`, top: `kaggle, row-major, 1-based, ${H}x${W}` },
  { name: 'Label Studio brush bytes', text: JSON.stringify(ls.encode(mask)), size: `${H}x${W}`, top: `label-studio, row-major, ${H}x${W}` },
];

describe('the playground, in Chromium', () => {
  for (const c of cases) {
    it(`decodes ${c.name}: the right reading first, its pixels on the canvas`, async () => {
      await open('/playground');
      await decode(c.text, c.size);
      const titles = await page.locator('[data-testid=reading-title]').allInnerTexts();
      expect(titles[0]).toBe(c.top);
      expect(titles.length).toBeGreaterThan(1);
      const drawn = await canvasBits(0);
      expect([drawn.height, drawn.width]).toEqual([H, W]);
      expect(drawn.bits).toEqual(Array.from(mask.toBitmap('row')));
      // The runner-up draws something else (other pixels, or the same flattened bits at another size).
      expect(await canvasBits(1)).not.toEqual(drawn);
      expect(await page.locator('[data-testid=area]').innerText()).toBe(`${mask.area()} px`);
      expect(await page.locator('[data-testid=parts]').innerText()).toBe('3');
    });
  }

  it('opens a share link decoded, with the mask area on the page', async () => {
    const text = kaggle.encode(mask, 'airbus-ship-detection');
    await open(`/playground?mask=${encodeURIComponent(text)}&size=${H}x${W}`);
    await page.waitForSelector('[data-testid=area]');
    expect(await page.locator('[data-testid=area]').innerText()).toBe(`${mask.area()} px`);
    expect(await page.locator('#pg-mask').inputValue()).toBe(text);
    const b = mask.bbox();
    expect(await page.locator('[data-testid=bbox]').innerText()).toBe(`[${b.x}, ${b.y}, ${b.width}, ${b.height}]`);
  });

  it('reads a dropped PNG mask and draws it as the library does', async () => {
    const files: Uint8Array[] = [];
    for await (const f of png.writeFiles!(oneMask(mask, 'drop.png'), {}, { warn: () => {} })) if (f.path.endsWith('.png')) files.push(f.bytes);
    expect(files.length).toBe(1);
    await open('/playground');
    await drop('drop.png', files[0]!, 'image/png');
    expect((await page.locator('[data-testid=reading-title]').allInnerTexts())[0]).toMatch(/^PNG/);
    expect(await page.locator('[data-testid=area]').innerText()).toBe(`${mask.area()} px`);
    const back = await png.read(files[0]!, {}, { warn: () => {} });
    const expected = renderOverlay({ height: H, width: W }, back.annotations, [], { alpha: 1, legend: false }).data;
    expect(await canvasRgba(0)).toEqual(Array.from(expected));
  });

  it('reads a dropped Kaggle CSV under every convention that fits, the true one first', async () => {
    const second = Mask.fromBitmap(new Uint8Array(H * W).fill(1, 3 * W, 5 * W), { height: H, width: W }, 'row');
    const csv = `ImageId,EncodedPixels\na.png,${kaggle.encode(mask, 'airbus-ship-detection')}\na.png,${kaggle.encode(second, 'airbus-ship-detection')}\n`;
    await open('/playground');
    // Without a size the page asks for one; with it, the same file reads again.
    await drop('train.csv', new TextEncoder().encode(csv), 'text/csv');
    expect(await page.locator('.error').innerText()).toMatch(/type the image size/);
    await page.fill('#pg-size', `${H}x${W}`);
    await page.click('button:has-text("Read train.csv again")');
    await page.waitForSelector('[data-testid=area]');
    const titles = await page.locator('[data-testid=reading-title]').allInnerTexts();
    expect(titles[0]).toBe(`kaggle, column-major, 1-based, ${H}x${W}`);
    expect(await page.locator('[data-testid=area]').innerText()).toBe(`${mask.union(second).area()} px`);
  });

  it('reads a large file in the Web Worker, showing progress, without freezing the page', async () => {
    // 1000 images × 100 masks, ~12 MB of COCO JSON.
    const counts = JSON.stringify(coco.encode(mask).counts);
    const images: string[] = [], annotations: string[] = [];
    for (let i = 1; i <= 1000; i++) {
      images.push(`{"id":${i},"width":${W},"height":${H},"file_name":"${i}.jpg"}`);
      for (let j = 0; j < 100; j++) annotations.push(`{"id":${i * 100 + j},"image_id":${i},"category_id":1,"iscrowd":0,"segmentation":{"size":[${H},${W}],"counts":${counts}}}`);
    }
    const json = `{"images":[${images.join(',')}],"categories":[{"id":1,"name":"thing"}],"annotations":[${annotations.join(',')}]}`;
    await open('/playground');
    await page.evaluate(() => {
      const w = window as unknown as { phases: string[]; gap: number };
      w.phases = [];
      w.gap = 0;
      new MutationObserver(() => {
        const label = document.querySelector('.progress label')?.textContent;
        if (label && w.phases.at(-1) !== label) w.phases.push(label);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
      let last = performance.now();
      const frame = (t: number) => { w.gap = Math.max(w.gap, t - last); last = t; requestAnimationFrame(frame); };
      requestAnimationFrame(frame);
    });
    // A path, as a user's file picker gives (a buffer would be copied into the page by script).
    const file = join(shots, 'e2e-large.json');
    writeFileSync(file, json);
    await page.setInputFiles('#pg-file', file);
    await page.waitForSelector('[data-testid=area]');
    const { phases, gap } = await page.evaluate(() => {
      const w = window as unknown as { phases: string[]; gap: number };
      return { phases: w.phases, gap: w.gap };
    });
    console.log(`large file: longest frame gap ${Math.round(gap)} ms; ${phases.length} progress labels, last: ${phases.at(-1)}`);
    expect(phases.some((p) => /^reading: \d+%$/.test(p))).toBe(true);
    expect(phases.some((p) => /^decod\w+ COCO .*: masks: [\d,]+$/.test(p))).toBe(true);
    expect(await page.locator('.details dd').last().innerText()).toBe('1000, 100000');
    expect(await page.locator('[data-testid=area]').innerText()).toBe(`${mask.area()} px`);
    // The page kept drawing frames while the worker decoded (a generous bound: CI machines are shared).
    expect(gap).toBeLessThan(3000);
  });

  it('converts the chosen reading and downloads exactly what the dialect writes', async () => {
    await open('/playground');
    await decode(coco.encode(mask).counts as string, `${H}x${W}`);
    for (const [to, options] of [['kaggle', { preset: 'carvana-image-masking' }], ['coco', {}], ['cvat', {}]] as const) {
      await page.selectOption('#pg-target', to);
      if (to === 'kaggle') await page.selectOption('#pg-preset', options.preset!);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Convert and download")')]);
      const got = readFileSync(await download.path());
      const dialect = { kaggle: kaggle.dialect, coco: coco.dialect, cvat: (await import('@rlekit/cvat')).dialect }[to];
      const want = await dialect.write(oneMask(mask), options, { warn: () => {} });
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
      if (to === 'kaggle') expect(await page.locator('[data-testid=converted]').innerText()).toContain(kaggle.encode(mask, 'carvana-image-masking'));
    }
  });

  it('is keyboard operable: Tab to Decode, Enter decodes, arrow keys pick another reading', async () => {
    await open('/playground');
    await page.focus('#pg-mask');
    await page.keyboard.insertText(kaggle.encode(mask, 'carvana-image-masking'));
    await page.keyboard.press('Tab');
    await page.keyboard.insertText(`${H}x${W}`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Decode');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=area]');
    const titles = await page.locator('[data-testid=reading-title]').allInnerTexts();
    await page.focus('#pg-pick-0');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('[data-testid=chosen-title]').innerText()).toBe(titles[1]);
  });

  it('has no axe violations (labels, contrast, names) on the playground with results, and writes its screenshot', async () => {
    await open('/playground');
    await decode(coco.encode(mask).counts as string, `${H}x${W}`);
    expect(await axe()).toEqual([]);
    await page.screenshot({ path: join(shots, 'playground.png'), fullPage: true });
  });

  it('shows a convention page with its figures, without axe violations, and writes its screenshot', async () => {
    await open('/dialects/coco');
    const figure = page.locator('img[src="/figures/coco-counts.svg"]');
    await expect.poll(() => figure.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);
    expect(await axe()).toEqual([]);
    await page.screenshot({ path: join(shots, 'dialect-coco.png'), fullPage: true });
  });

  it('includes the API reference, styled as the rest of the site, linked from the guide', async () => {
    await open('/cli');
    const href = await page.locator('a:has-text("@rlekit/detect")').first().getAttribute('href');
    expect(href).toBe('/reference/@rlekit/detect/');
    await page.goto(base + href!, { waitUntil: 'networkidle' });
    await page.click('.vp-doc a:has-text("detectConventions")');
    await page.waitForSelector('h1:has-text("detectConventions")');
    expect(await page.locator('.VPSidebar').count()).toBe(1);
  });
});
