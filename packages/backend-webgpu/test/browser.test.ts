// The WebGPU backend in a real browser: bundles test/browser-page.ts with esbuild (the browser
// entry '@nabla/backend-webgpu' on navigator.gpu, from the TypeScript sources as the other tests
// use them), serves it from 127.0.0.1 with the cross-origin isolation headers, and opens it in
// Debian's headless Chromium with --enable-unsafe-webgpu, which gives SwiftShader's adapter,
// through playwright-core. Needs /usr/bin/chromium (.ci/run installs it); outside CI a missing
// Chromium skips with the reason in the test's name, in CI it fails. NABLA_SKIP_BROWSER=1 skips.

import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const FORCED_SKIP = process.env.NABLA_SKIP_BROWSER === '1';
const NO_CHROMIUM = !existsSync(CHROMIUM) && process.env.CI !== 'true';
const SKIP = FORCED_SKIP || NO_CHROMIUM;
const TITLE = 'runs ops and a gradient on webgpu in headless Chromium (SwiftShader), checked in the page';
const NAME = FORCED_SKIP
  ? `${TITLE} (skipped: NABLA_SKIP_BROWSER=1)`
  : NO_CHROMIUM
    ? `${TITLE} (skipped: ${CHROMIUM} is missing; apt-get install chromium to run it)`
    : TITLE;

const path = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The workspace packages, resolved to their TypeScript sources (as vitest.config.ts does). */
const SOURCES: Plugin = {
  name: 'nabla-sources',
  setup(b) {
    const map: Record<string, string> = {
      '@nabla/core': path('../../core/src/index.ts'),
      '@nabla/core/internal': path('../../core/src/internal.ts'),
      '@nabla/backend-webgpu': path('../src/index.ts'),
    };
    b.onResolve({ filter: /^@nabla\// }, (args) => {
      const target = map[args.path];
      return target ? { path: target } : { errors: [{ text: `not mapped to a source: ${args.path}` }] };
    });
  },
};

const HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cache-Control': 'no-cache',
};

describe('webgpu in the browser', () => {
  let server: Server | undefined;
  let browser: Browser | undefined;
  let url = '';

  beforeAll(async () => {
    if (SKIP || !existsSync(CHROMIUM)) return;
    const bundle = await build({
      entryPoints: [path('./browser-page.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      plugins: [SOURCES],
      logLevel: 'silent',
    });
    const js = bundle.outputFiles[0]!.contents;
    const html =
      '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>webgpu smoke</title><script type="module" src="/page.js"></script>';
    server = createServer((request, response) => {
      if (request.url === '/page.js') {
        response.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', ...HEADERS });
        response.end(js);
      } else if (request.url === '/') {
        response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...HEADERS });
        response.end(html);
      } else {
        response.writeHead(404, HEADERS);
        response.end();
      }
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
      args: ['--no-sandbox', '--enable-unsafe-webgpu', '--no-first-run', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  it.skipIf(SKIP)(NAME, async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `webgpu browser test: ${CHROMIUM} is missing; install Debian's Chromium as root with ` +
          '`apt-get update && apt-get install -y chromium` (or set NABLA_SKIP_BROWSER=1 to skip this test)',
      );
    }
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
    });
    await page.goto(url);
    await page.waitForFunction(() => window.nablaResult !== undefined, undefined, { timeout: 30_000 });
    const result = await page.evaluate(() => window.nablaResult!);
    const adapter = await page.evaluate(
      async () => (await navigator.gpu.requestAdapter())?.info.architecture,
    );
    expect(result.error).toBeUndefined();
    expect(result.backend).toBe('webgpu');
    expect(result.checks).toEqual({
      matmul: true,
      elementwise: true,
      sum: true,
      softmax: true,
      grad: true,
      int32: true,
    });
    expect(result.syncError).toMatch(/await t\.data\(\)/);
    expect(result.liveTensors).toBe(0);
    expect(errors).toEqual([]);
    console.log(`webgpu in Chromium: adapter ${adapter}, ${Object.keys(result.checks).length} checks passed`);
  });
});
