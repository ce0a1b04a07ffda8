// Model I/O in a real browser: a page bundled for the browser from the packages' built dist/
// (esbuild, no externals) runs in Debian's Chromium, headless, through playwright-core. It saves
// a model to the browser's own IndexedDB and loads it back with identical predictions, resumes
// an Adam fit from an IndexedDB checkpoint with the losses of an uninterrupted fit, saves through
// downloads:// (two real downloads) and loads those files back through an <input type=file>
// and browserFiles. Skips like browser.test.ts when Chromium is missing outside CI.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const SKIP =
  process.env['NABLA_SKIP_BROWSER'] === '1' || (!existsSync(CHROMIUM) && process.env['CI'] !== 'true');

const PAGE_SCRIPT = `
import { randomNormal, setBackend } from '@nabla/core';
import '@nabla/backend-cpu';
import { browserFiles, dense, loadModel, sequential } from '@nabla/nn';

const fitOpts = { batchSize: 4, shuffle: false, verbose: 0 };
let resumed;
let x;

window.run = async () => {
  await setBackend('cpu');
  x = randomNormal([16, 3], { seed: 1 });
  const y = randomNormal([16, 1], { seed: 2 });
  const m = sequential([dense({ units: 8, activation: 'tanh', inputShape: [3] }), dense({ units: 1 })]);
  m.compile({ optimizer: 'adam', loss: 'mse' });
  await m.save('indexeddb://start');
  const twin = await loadModel('indexeddb://start');
  const before = [...(await m.predict(x).data())];
  const loadedBefore = [...(await twin.predict(x).data())];
  const all = (await m.fit(x, y, { ...fitOpts, epochs: 4 })).history.loss;
  const first = (await twin.fit(x, y, { ...fitOpts, epochs: 2 })).history.loss;
  await twin.save('indexeddb://checkpoint');
  resumed = await loadModel('indexeddb://checkpoint');
  const rest = (await resumed.fit(x, y, { ...fitOpts, epochs: 2 })).history.loss;
  await resumed.save('downloads://resumed');
  return { before, loadedBefore, all, joined: [...first, ...rest] };
};

window.loadPicked = async () => {
  const files = [...document.getElementById('files').files];
  const picked = await loadModel(browserFiles(files));
  return {
    names: files.map((f) => f.name).sort(),
    expected: [...(await resumed.predict(x).data())],
    got: [...(await picked.predict(x).data())],
  };
};
`;

const HTML =
  '<!doctype html><html><body><input id="files" type="file" multiple><script type="module" src="/page.js"></script></body></html>';

describe('model I/O in the browser', () => {
  let dir = '';
  let server: Server | undefined;
  let url = '';
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (SKIP || !existsSync(CHROMIUM)) return;
    const unbuilt = ['core', 'backend-cpu', 'nn'].filter(
      (name) => !existsSync(new URL(`../../../packages/${name}/dist/index.js`, import.meta.url)),
    );
    if (unbuilt.length > 0) {
      throw new Error(
        `model I/O browser test: build the packages first (npx -y pnpm@10.34.8 build): ${unbuilt.join(', ')}`,
      );
    }
    const bundled = await build({
      stdin: {
        contents: PAGE_SCRIPT,
        resolveDir: fileURLToPath(new URL('..', import.meta.url)),
        loader: 'js',
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      logLevel: 'silent',
    });
    const js = bundled.outputFiles[0]!.text;
    server = createServer((req, res) => {
      if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(HTML);
      else res.writeHead(404).end();
    });
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    dir = await mkdtemp(join(tmpdir(), 'nabla-model-io-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(SKIP)(
    'IndexedDB round trip, a resumed fit, downloads loaded back through <input type=file>',
    async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
      const context = await browser!.newContext({ acceptDownloads: true });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      const downloads: { name: string; path: string }[] = [];
      page.on('download', async (download) => {
        const path = join(dir, download.suggestedFilename());
        await download.saveAs(path);
        downloads.push({ name: download.suggestedFilename(), path });
      });
      await page.goto(url);
      await page.waitForFunction(() => 'run' in window);
      const r = await page.evaluate(() =>
        (window as unknown as { run: () => Promise<Record<string, number[]>> }).run(),
      );
      expect(r['loadedBefore']).toEqual(r['before']);
      expect(r['joined']).toHaveLength(4);
      for (const [i, loss] of r['joined']!.entries()) expect(loss).toBeCloseTo(r['all']![i]!, 5);
      await expect.poll(() => downloads.length, { timeout: 10_000 }).toBe(2);
      expect(downloads.map((d) => d.name).sort()).toEqual(['resumed.json', 'resumed.safetensors']);
      await page.setInputFiles(
        '#files',
        downloads.map((d) => d.path),
      );
      const picked = await page.evaluate(() =>
        (
          window as unknown as {
            loadPicked: () => Promise<{ names: string[]; expected: number[]; got: number[] }>;
          }
        ).loadPicked(),
      );
      expect(picked.names).toEqual(['resumed.json', 'resumed.safetensors']);
      expect(picked.got).toEqual(picked.expected);
      expect(errors).toEqual([]);
      await context.close();
    },
  );
});
