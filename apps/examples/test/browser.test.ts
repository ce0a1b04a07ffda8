// The browser demo in a real browser: builds the page into a temp folder (from the packages'
// built dist/, as a user's bundler sees them; `pnpm test` builds them first), serves it with
// the cross-origin isolation headers, opens it in Debian's Chromium, headless, through
// playwright-core (which never downloads a browser), trains briefly with ?auto=1 and checks the
// backend, the accuracy, the absence of page errors, and saves screenshots to
// apps/examples/out/browser-test/. With the GPU off: best available is wasm, webgpu skipped
// with its reason (picked by name it fails saying why); save to IndexedDB, download and ONNX
// export, then each saved copy loaded back in a reloaded page (same results, same prediction
// of the same drawing); uploaded pictures. Then bad form values, two backends side by side, a
// long run in the Web Worker stopped with the stop button while the page keeps drawing, the
// small CNN and the Fashion-MNIST subset, and cpu picked by name; a build without Fashion-MNIST
// that says why. Every finished run's confusion matrix and mistakes are checked against its test
// accuracy. Last, webgpu picked in a Chromium started with --enable-unsafe-webgpu (SwiftShader's
// adapter, as in backend-webgpu's test), compared with wasm. On each backend (wasm, cpu, webgpu)
// the trained model is saved and loaded back after a reload with the same results.
// Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it). Outside CI a missing
// Chromium skips the test with the reason in its name, so the README's test command works on a
// machine with only Node.js; in CI (CI=true) it fails instead. NABLA_SKIP_BROWSER=1 also skips.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FASHION_MNIST_CLASSES } from '@nabla/nn';
import { type Browser, chromium, type Download, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb, FASHION_DIR } from '../web/build.mjs';
import { serveWeb } from '../web/serve.mjs';

const CHROMIUM = '/usr/bin/chromium';
/** Where the screenshots are kept (apps/examples/out/ is not tracked); web/screenshot.png is one. */
const ARTIFACTS = fileURLToPath(new URL('../out/browser-test/', import.meta.url));
const FORCED_SKIP = process.env['NABLA_SKIP_BROWSER'] === '1';
const NO_CHROMIUM = !existsSync(CHROMIUM) && process.env['CI'] !== 'true';
const SKIP = FORCED_SKIP || NO_CHROMIUM;
const TITLE = 'trains the MLP in headless Chromium on the wasm backend, cross-origin isolated';
const WORKER_TITLE =
  'checks the form, trains in a worker while the page draws, stops on request, trains the CNN (wasm)';
const NO_FASHION_TITLE =
  'builds without Fashion-MNIST when it is missing, and the page says why it cannot train on it';
const WEBGPU_TITLE =
  'trains the MLP in headless Chromium on the webgpu backend it was asked for (SwiftShader)';
/** The test's title, with the reason when it is skipped. */
const named = (title: string) =>
  FORCED_SKIP
    ? `${title} (skipped: NABLA_SKIP_BROWSER=1${existsSync(CHROMIUM) ? '' : `, ${CHROMIUM} missing`})`
    : NO_CHROMIUM
      ? `${title} (skipped: ${CHROMIUM} is missing; apt-get install chromium to run it)`
      : title;
/** Flags of every launch: no first-run work, nothing fetched from the network. */
const QUIET = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Page errors, failed requests and HTTP errors, collected while the test runs. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return errors;
}

/** What the page shows once training ended (its data attributes and texts). */
async function readResult(page: Page, timeout: number) {
  const ended = 'html[data-status="done"], html[data-status="error"]';
  await page.waitForSelector(ended, { timeout }).catch(async (error: unknown) => {
    const progress = await page.locator('#progress-text').textContent();
    throw new Error(
      `browser demo test: training did not end within ${timeout} ms; the page says: ${progress}`,
      {
        cause: error,
      },
    );
  });
  return page.evaluate(() => {
    const box = document.getElementById('result')!;
    return {
      status: document.documentElement.dataset['status'],
      error: box.dataset['error'],
      accuracy: Number(box.dataset['accuracy']),
      loss: Number(box.dataset['loss']),
      firstBatchLoss: Number(box.dataset['firstBatchLoss']),
      backend: document.getElementById('backend-name')?.dataset['backend'],
      info: document.getElementById('backend-info')!.textContent ?? '',
      log: document.getElementById('log')!.textContent ?? '',
      stopped: box.dataset['stopped'],
      batchesAfterStop: box.dataset['batchesAfterStop'],
      batches: Number(document.getElementById('chart')!.dataset['batches']),
      valPoints: Number(document.getElementById('chart')!.dataset['epochs']),
      summary: document.getElementById('summary')!.textContent ?? '',
      formErrors: [...document.querySelectorAll('#form-errors li')].map((li) => li.textContent ?? ''),
    };
  });
}

const DIGIT_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const FASHION_NAMES = FASHION_MNIST_CLASSES;

/** The confusion matrix, per-class accuracies and misclassified tiles the page shows. */
async function readMistakes(page: Page) {
  return page.evaluate(() => {
    const rows = [...document.querySelectorAll('#confusion tr')].slice(1);
    return {
      counts: rows.map((row) =>
        [...row.querySelectorAll('td:not(.acc)')].map((td) => Number(td.textContent || 0)),
      ),
      perClass: rows.map((row) => Number(row.querySelector<HTMLElement>('td.acc')?.dataset['accuracy'])),
      wrong: Number(document.getElementById('mistakes-caption')!.dataset['wrong']),
      tiles: [...document.querySelectorAll<HTMLElement>('#tiles figure')].map((tile) => ({
        predicted: tile.dataset['predicted'],
        truth: tile.dataset['truth'],
        caption: tile.querySelector('figcaption')?.textContent ?? '',
      })),
    };
  });
}

/**
 * The results agree with each other and with the test accuracy: the matrix counts every test
 * digit once, its diagonal is the accuracy, the tiles are mistakes captioned "predicted (true)".
 */
async function checkMistakes(
  page: Page,
  accuracy: number,
  testCount: number,
  names: readonly string[] = DIGIT_NAMES,
): Promise<void> {
  const { counts, perClass, wrong, tiles } = await readMistakes(page);
  expect(counts.length).toBe(10);
  for (const row of counts) expect(row.length).toBe(10);
  expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(testCount);
  const right = counts.reduce((sum, row, i) => sum + row[i]!, 0);
  // evaluate's accuracy metric and the page's arg-max of predict agree but for exact ties.
  expect(Math.abs(right / testCount - accuracy)).toBeLessThan(0.003);
  expect(wrong).toBe(testCount - right);
  expect(tiles.length).toBe(Math.min(32, wrong));
  for (const tile of tiles) {
    expect(tile.predicted).not.toBe(tile.truth);
    expect(tile.caption).toBe(`${names[Number(tile.predicted)]} (${names[Number(tile.truth)]})`);
  }
  perClass.forEach((value, t) => {
    const total = counts[t]!.reduce((a, b) => a + b, 0);
    expect(value).toBeCloseTo(counts[t]![t]! / total, 10);
  });
}

/** Runs the page's side-by-side comparison of backends `a` and `b`; the rows it shows. */
async function compareBackends(page: Page, a: string, b: string) {
  await page.selectOption('#compare-a', a);
  await page.selectOption('#compare-b', b);
  await page.click('#compare');
  await page.waitForSelector('#compare-results[data-done="true"]', { timeout: 60_000 });
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('#compare-results tr[data-backend]')].map((row) => ({
      backend: row.dataset['backend'],
      samplesPerSecond: Number(row.dataset['samplesPerSecond']),
      loss: Number(row.dataset['loss']),
      text: row.textContent ?? '',
    })),
  );
}

/** The chart's count of per-batch points, once it reaches `atLeast`. */
async function waitForBatches(page: Page, atLeast: number, timeout: number): Promise<number> {
  await page.waitForFunction(
    (n) => Number(document.getElementById('chart')?.dataset['batches']) >= n,
    atLeast,
    { timeout },
  );
  return page.evaluate(() => Number(document.getElementById('chart')!.dataset['batches']));
}

/** Animation frames the page drew in `ms`: a page whose main thread trains draws none. */
function framesIn(page: Page, ms: number): Promise<number> {
  return page.evaluate(
    (span) =>
      new Promise<number>((resolve) => {
        let frames = 0;
        const end = performance.now() + span;
        const tick = () => {
          frames++;
          if (performance.now() < end) requestAnimationFrame(tick);
          else resolve(frames);
        };
        requestAnimationFrame(tick);
      }),
    ms,
  );
}

/** A stroke on the drawing pad makes a prediction: one bar is marked best. */
/**
 * Save → reload → identical prediction on `backend`: the trained model is saved to IndexedDB,
 * the page reloaded on the same backend, the saved copy loaded, and its confusion matrix and its
 * probabilities for the same drawing must equal the trained model's.
 */
async function expectSaveReloadSame(
  page: Page,
  url: string,
  backend: string,
  timeout: number,
): Promise<void> {
  await page.click('#clear-pad');
  await drawStroke(page);
  const drawn = await page.locator('#bars').getAttribute('data-probs');
  const matrix = (await readMistakes(page)).counts;
  await page.click('#save-model');
  await page.waitForSelector('#saved-models li[data-name]', { timeout: 10_000 });
  await page.goto(`${url}?backend=${backend}`);
  await page.waitForSelector('html[data-status="ready"]', { timeout: 10_000 });
  await page.waitForSelector('#saved-models li', { timeout: 10_000 });
  await page.click('#saved-models li button.load');
  const loaded = await readResult(page, timeout);
  expect(loaded.error, backend).toBeUndefined();
  expect(loaded.backend, backend).toBe(backend);
  expect((await readMistakes(page)).counts, backend).toEqual(matrix);
  await drawStroke(page);
  expect(await page.locator('#bars').getAttribute('data-probs'), backend).toBe(drawn);
}

async function drawStroke(page: Page): Promise<void> {
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const pad = (await page.locator('#pad').boundingBox())!;
  await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.15);
  await page.mouse.down();
  await page.mouse.move(pad.x + pad.width * 0.52, pad.y + pad.height * 0.85, { steps: 12 });
  await page.mouse.up();
  await page.waitForSelector('#bars .bar.best', { timeout: 10_000 });
}

function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `browser demo test: ${CHROMIUM} is missing; install Debian's Chromium as root with ` +
        '`apt-get update && apt-get install -y chromium` (or set NABLA_SKIP_BROWSER=1 to skip this test)',
    );
  }
}

describe('browser demo (web/)', () => {
  let dir = '';
  let server: { url: string; close: () => Promise<void> } | undefined;
  let browser: Browser | undefined;
  /** Tests that ended without a failure: the built page is removed once both did. */
  let passed = 0;

  beforeAll(async () => {
    // Without Chromium the test itself fails (below), saying how to install it.
    if (SKIP || !existsSync(CHROMIUM)) return;
    const unbuilt = ['core', 'backend-cpu', 'backend-wasm', 'backend-webgpu', 'nn'].filter(
      (name) => !existsSync(new URL(`../../../packages/${name}/dist/index.js`, import.meta.url)),
    );
    if (unbuilt.length > 0) {
      throw new Error(
        `browser demo test: build the packages first (npx -y pnpm@10.34.8 build): ${unbuilt.join(', ')}`,
      );
    }
    dir = await mkdtemp(join(tmpdir(), 'nabla-web-'));
    await mkdir(ARTIFACTS, { recursive: true });
    await buildWeb({ outDir: join(dir, 'dist') });
    server = await serveWeb({ dir: join(dir, 'dist'), port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--disable-gpu', ...QUIET],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    // The temp folder keeps the downloaded model files (and, after a failure, the built page).
    if (passed === 4) await rm(join(dir, 'dist'), { recursive: true, force: true });
  });

  it.skipIf(SKIP)(
    named(TITLE),
    async () => {
      requireChromium();
      const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
      const errors = watchErrors(page);

      await page.goto(`${server!.url}?epochs=1&samples=1000&batch=32&auto=1`);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      const result = await readResult(page, 45_000);
      expect(result.error).toBeUndefined();
      expect(result.status).toBe('done');
      expect(result.backend).toBe('wasm');
      expect(result.info).toMatch(/webgpu\s*skipped: /);
      expect(result.log).toContain('epoch 1/1');
      expect(result.log).toContain('wasm: 784-128-10 MLP, 1000 training digits');
      expect(result.accuracy).toBeGreaterThan(0.5);
      await checkMistakes(page, result.accuracy, 1000);
      // One point per batch (1000 digits in batches of 32), one validation point per epoch.
      expect(result.batches).toBe(32);
      expect(result.valPoints).toBe(1);
      expect(result.stopped).toBe('false');
      expect(result.summary).toContain('dense');

      await drawStroke(page);

      const shot = join(ARTIFACTS, 'wasm.png');
      await page.screenshot({ path: shot, fullPage: true });
      const png = await readFile(shot);
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.length).toBeGreaterThan(30_000);
      const drawn = await page.locator('#bars').getAttribute('data-probs');
      const matrix = (await readMistakes(page)).counts;

      // Keep: save to IndexedDB, download the two files and the ONNX export; a reloaded page
      // loads either saved copy back and predicts the test set and the same drawing exactly as
      // the trained model did.
      await page.click('#save-model');
      await page.waitForSelector('#saved-models li[data-name^="digits-mlp "]', { timeout: 10_000 });
      const downloads: Download[] = [];
      page.on('download', (download) => downloads.push(download));
      await page.click('#download-model');
      await expect.poll(() => downloads.length, { timeout: 10_000 }).toBe(2);
      const files = await Promise.all(
        downloads.map(async (download) => {
          const path = join(dir, download.suggestedFilename());
          await download.saveAs(path);
          return path;
        }),
      );
      expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['model.json', 'model.safetensors']);
      // ONNX export (@nabla/onnx, loaded by the worker on first use): a protobuf ModelProto,
      // whose first field is ir_version (tag 0x08), holding the 101,770 float32 weights.
      await page.click('#download-onnx');
      await expect.poll(() => downloads.length, { timeout: 10_000 }).toBe(3);
      expect(downloads[2]!.suggestedFilename()).toBe('model.onnx');
      const onnxPath = join(dir, 'model.onnx');
      await downloads[2]!.saveAs(onnxPath);
      const onnx = await readFile(onnxPath);
      expect(onnx[0]).toBe(0x08);
      expect(onnx.length).toBeGreaterThan(101_770 * 4);
      await page.goto(`${server!.url}?backend=wasm`);
      await page.waitForSelector('html[data-status="ready"]', { timeout: 10_000 });
      await page.waitForSelector('#saved-models li', { timeout: 10_000 });
      for (const load of [
        () => page.click('#saved-models li button.load'),
        () => page.setInputFiles('#load-files', files),
      ]) {
        await load();
        const loaded = await readResult(page, 20_000);
        expect(loaded.error).toBeUndefined();
        // evaluate's float32 metric after training vs the count of right predictions after a load.
        expect(loaded.accuracy).toBeCloseTo(result.accuracy, 6);
        expect((await readMistakes(page)).counts).toEqual(matrix);
        await drawStroke(page);
        expect(await page.locator('#bars').getAttribute('data-probs')).toBe(drawn);
        await page.click('#clear-pad');
      }
      expect(await page.locator('#result').getAttribute('data-loaded-from')).toBe(
        'model.json + model.safetensors',
      );

      // Uploaded pictures: the pad's own drawing as a PNG gets the drawing's prediction; a dark
      // bar on white paper is put on the pad inverted, as light ink on black.
      await drawStroke(page);
      const drawnBest = await page.locator('#bars .bar.best .digit').textContent();
      const padPng = await page.evaluate(
        () => (document.getElementById('pad') as HTMLCanvasElement).toDataURL('image/png').split(',')[1]!,
      );
      const paperPng = await page.evaluate(() => {
        const paper = document.createElement('canvas');
        paper.width = 60;
        paper.height = 60;
        const ctx = paper.getContext('2d')!;
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, 60, 60);
        ctx.fillStyle = '#000';
        ctx.fillRect(27, 8, 6, 44);
        return paper.toDataURL('image/png').split(',')[1]!;
      });
      const upload = async (name: string, png: string) => {
        await page.click('#clear-pad');
        await page.setInputFiles('#upload-image', {
          name,
          mimeType: 'image/png',
          buffer: Buffer.from(png, 'base64'),
        });
        await page.waitForSelector('#bars .bar.best', { timeout: 10_000 });
      };
      await upload('paper.png', paperPng);
      const [centre, corner] = await page.evaluate(() => {
        const ctx = (document.getElementById('pad') as HTMLCanvasElement).getContext('2d')!;
        return [ctx.getImageData(140, 140, 1, 1).data[0], ctx.getImageData(5, 5, 1, 1).data[0]];
      });
      expect(centre).toBeGreaterThan(200);
      expect(corner).toBeLessThan(30);
      await upload('drawing.png', padPng);
      expect(await page.locator('#bars .bar.best .digit').textContent()).toBe(drawnBest);
      expect(errors).toEqual([]);
      console.log(
        `browser demo: wasm, test accuracy ${result.accuracy.toFixed(4)} after 1 epoch on 1000 digits, the same after ` +
          `saving to IndexedDB and to two files and loading back; screenshot ${shot}`,
      );
      await page.close();

      // Picked by name where it cannot run, webgpu fails with the reason and the way out.
      const gpuless = await browser!.newPage();
      await gpuless.goto(`${server!.url}?backend=webgpu&epochs=1&samples=100&auto=1`);
      const refused = await readResult(gpuless, 20_000);
      expect(refused.status).toBe('error');
      expect(refused.error).toMatch(
        /^demo: webgpu cannot run in this browser \(webgpu: .+\); pick "best available"/,
      );
      expect(refused.info).toMatch(/webgpu\s*skipped: /);
      await gpuless.close();
      passed++;
    },
    90_000,
  );

  it.skipIf(SKIP)(
    named(WORKER_TITLE),
    async () => {
      requireChromium();
      const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
      const errors = watchErrors(page);

      // Bad numbers in the form are errors naming the field; nothing starts.
      await page.goto(`${server!.url}?epochs=0&lr=abc&batch=32&auto=1`);
      const refused = await readResult(page, 20_000);
      expect(refused.status).toBe('error');
      expect(refused.formErrors).toEqual([
        "learning rate: expected a number above 0 and at most 1, got 'abc'",
        "epochs: expected a whole number from 1 to 50, got '0'",
      ]);
      expect(refused.batches).toBe(0);

      // Side by side: one epoch from the same seed on wasm and on cpu (the same losses, two
      // speeds), then webgpu, which this Chromium lacks, skipped with the reason.
      await page.goto(`${server!.url}?epochs=1&samples=500&batch=50`);
      await page.waitForSelector('html[data-status="ready"]', { timeout: 10_000 });
      const [wasm, cpu] = await compareBackends(page, 'wasm', 'cpu');
      expect([wasm?.backend, cpu?.backend]).toEqual(['wasm', 'cpu']);
      expect(wasm!.samplesPerSecond).toBeGreaterThan(0);
      expect(cpu!.samplesPerSecond).toBeGreaterThan(0);
      expect(wasm!.loss).toBeGreaterThan(0.3);
      expect(Math.abs(wasm!.loss - cpu!.loss)).toBeLessThan(1e-3);
      const [gpu, again] = await compareBackends(page, 'webgpu', 'wasm');
      expect(gpu!.text).toMatch(/^webgpuskipped: webgpu: /);
      expect(again!.loss).toBeCloseTo(wasm!.loss, 6);
      console.log(
        `browser demo: compare, 1 epoch of the MLP on 500 digits: wasm ${Math.round(wasm!.samplesPerSecond)} samples/s, ` +
          `cpu ${Math.round(cpu!.samplesPerSecond)} samples/s, losses ${wasm!.loss.toFixed(5)} and ${cpu!.loss.toFixed(5)}`,
      );

      // A long run in the worker: the chart moves while the page keeps drawing frames, and the
      // stop button ends it at a batch boundary long before its 20 epochs.
      await page.goto(`${server!.url}?backend=wasm&epochs=20&samples=5000&batch=32&auto=1`);
      const early = await waitForBatches(page, 3, 30_000);
      const frames = await framesIn(page, 1000);
      const later = await waitForBatches(page, early + 3, 30_000);
      expect(later).toBeGreaterThan(early);
      expect(frames).toBeGreaterThanOrEqual(5);
      await page.click('#stop');
      const stopped = await readResult(page, 30_000);
      expect(stopped.error).toBeUndefined();
      expect(stopped.status).toBe('done');
      expect(stopped.stopped).toBe('true');
      // 157 batches an epoch: the run ends mid-run, soon after the click. How many batches the
      // page had drawn at the click depends on the machine's speed (the worker reads the message
      // when fit yields, every 16 ms, and batch messages are in flight); what does not is that
      // fit ends at most one batch after the worker read the message.
      const atStop = Number(await page.locator('#stop').getAttribute('data-at-batch'));
      expect(atStop).toBeGreaterThanOrEqual(later);
      expect(stopped.batches).toBeGreaterThanOrEqual(atStop);
      expect(['0', '1']).toContain(stopped.batchesAfterStop);
      expect(stopped.batches).toBeLessThan(20 * 157);
      expect(stopped.valPoints).toBeLessThan(20);
      expect(stopped.log).toContain('stopped; test accuracy');
      expect(await page.locator('#test-accuracy').textContent()).toMatch(/^\d+\.\d%$/);

      // The small CNN with SGD: conv-pool-conv-pool-dense trains and learns in one short epoch.
      await page.goto(
        `${server!.url}?backend=wasm&model=cnn&layers=4,8&optimizer=sgd&lr=0.05&epochs=1&samples=600&batch=30&auto=1`,
      );
      const cnn = await readResult(page, 40_000);
      expect(cnn.error).toBeUndefined();
      expect(cnn.status).toBe('done');
      expect(cnn.log).toContain('wasm: CNN (conv 4 → pool → conv 8 → pool → dense 10), 600 training digits');
      expect(cnn.log).toContain('SGD (momentum 0.9) at learning rate 0.05');
      expect(cnn.summary).toContain('conv2d');
      expect(cnn.batches).toBe(20);
      expect(cnn.loss).toBeLessThan(cnn.firstBatchLoss);
      expect(cnn.accuracy).toBeGreaterThan(0.2);
      await checkMistakes(page, cnn.accuracy, 1000);

      // The Fashion-MNIST subset the build bundled: 2,000 training images, 1,000 test images.
      // Without Debian's dataset-fashion-mnist (.ci/run tries to install it) the build leaves
      // it out, and the test after this one checks what the page says then.
      let fashionLine = `Fashion-MNIST run skipped: ${join(FASHION_DIR, 'train-images-idx3-ubyte.gz')} is missing`;
      if (existsSync(join(FASHION_DIR, 'train-images-idx3-ubyte.gz'))) {
        await page.goto(`${server!.url}?backend=wasm&data=fashion&epochs=1&batch=32&auto=1`);
        const fashion = await readResult(page, 40_000);
        expect(fashion.error).toBeUndefined();
        expect(fashion.status).toBe('done');
        expect(fashion.log).toContain('wasm: 784-128-10 MLP, 2000 training Fashion-MNIST images, 1000 test');
        expect(fashion.batches).toBe(63);
        expect(fashion.accuracy).toBeGreaterThan(0.5);
        await checkMistakes(page, fashion.accuracy, 1000, FASHION_NAMES);
        fashionLine = `Fashion-MNIST MLP ${fashion.accuracy.toFixed(4)} after 1 epoch on 2000 images`;
      }

      // The cpu backend picked by name trains through the same worker too.
      await page.goto(`${server!.url}?backend=cpu&epochs=1&samples=200&batch=50&auto=1`);
      const cpuRun = await readResult(page, 40_000);
      expect(cpuRun.error).toBeUndefined();
      expect(cpuRun.backend).toBe('cpu');
      expect(cpuRun.batches).toBe(4);
      expect(cpuRun.loss).toBeLessThan(cpuRun.firstBatchLoss);
      await checkMistakes(page, cpuRun.accuracy, 1000);
      await expectSaveReloadSame(page, server!.url, 'cpu', 40_000);
      expect(errors).toEqual([]);
      console.log(
        `browser demo: worker run stopped ${stopped.batches - atStop} batches after the click, ${stopped.batchesAfterStop} after the worker read it (batch ${stopped.batches}; ` +
          `${frames} frames drawn in 1 s while training); ` +
          `CNN test accuracy ${cnn.accuracy.toFixed(4)} after 1 epoch on 600 digits; ` +
          fashionLine,
      );
      await page.close();
      passed++;
    },
    120_000,
  );

  it.skipIf(SKIP)(named(NO_FASHION_TITLE), async () => {
    requireChromium();
    const built = await buildWeb({
      outDir: join(dir, 'dist-no-fashion'),
      fashionDir: join(dir, 'no-such-dir'),
    });
    expect(built.missing).toEqual([
      `Fashion-MNIST left out: ${join(dir, 'no-such-dir', 'train-images-idx3-ubyte.gz')} is missing (apt-get install dataset-fashion-mnist)`,
    ]);
    expect(built.files['fashion.bin.gz']).toBeUndefined();
    // The README's bundle figures by package: every backend and the page's own code are in.
    for (const name of [
      '@nabla/core',
      '@nabla/nn',
      '@nabla/backend-cpu',
      '@nabla/backend-wasm',
      '@nabla/backend-webgpu',
    ]) {
      expect(built.packages[name], name).toBeGreaterThan(10_000);
    }
    expect(built.packages['@nabla/backend-wasm (one wasm build)']).toBeGreaterThan(50_000);
    expect(built.packages['page (web/)']).toBeGreaterThan(10_000);
    const bare = await serveWeb({ dir: built.outDir, port: 0 });
    const page = await browser!.newPage();
    try {
      await page.goto(`${bare.url}?data=fashion&auto=1`);
      const result = await readResult(page, 20_000);
      expect(result.status).toBe('error');
      expect(result.error).toMatch(
        /^demo: Fashion-MNIST is not bundled: .*train-images-idx3-ubyte\.gz is missing \(apt-get install dataset-fashion-mnist\) when the page was built$/,
      );
      expect(await page.locator('#dataset option[value="fashion"]').textContent()).toContain('(not bundled)');
    } finally {
      await page.close();
      await bare.close();
      await rm(built.outDir, { recursive: true, force: true });
    }
    passed++;
  });

  // SwiftShader on the CPU is slow: 1000 digits in batches of 50 (20 steps) take ~25 s here, up
  // to twice that on a loaded machine.
  it.skipIf(SKIP)(
    named(WEBGPU_TITLE),
    async () => {
      requireChromium();
      const gpuBrowser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--enable-unsafe-webgpu', ...QUIET],
      });
      try {
        const page = await gpuBrowser.newPage({ viewport: { width: 1200, height: 900 } });
        const errors = watchErrors(page);
        await page.goto(`${server!.url}?backend=webgpu&epochs=1&samples=1000&batch=50&auto=1`);
        const result = await readResult(page, 80_000);
        expect(result.error).toBeUndefined();
        expect(result.status).toBe('done');
        expect(result.backend).toBe('webgpu');
        expect(result.info).toMatch(/webgpu\s*chosen, adapter: /);
        expect(result.log).toContain('webgpu: 784-128-10 MLP');
        expect(result.log).toContain('epoch 1/1');
        // Chance is 10% and ln 10 ≈ 2.3 at the start; one short epoch gets well past both.
        expect(result.firstBatchLoss).toBeGreaterThan(1.8);
        expect(result.loss).toBeLessThan(result.firstBatchLoss - 0.5);
        expect(result.accuracy).toBeGreaterThan(0.5);
        await checkMistakes(page, result.accuracy, 1000);
        await drawStroke(page);
        await page.screenshot({ path: join(ARTIFACTS, 'webgpu.png'), fullPage: true });
        await expectSaveReloadSame(page, server!.url, 'webgpu', 60_000);
        // Side by side on the same seed: SwiftShader's webgpu and wasm, 4 steps each.
        await page.fill('#samples', '200');
        const [gpu, wasm] = await compareBackends(page, 'webgpu', 'wasm');
        expect([gpu?.backend, wasm?.backend]).toEqual(['webgpu', 'wasm']);
        expect(gpu!.samplesPerSecond).toBeGreaterThan(0);
        expect(Math.abs(gpu!.loss - wasm!.loss)).toBeLessThan(1e-3);
        // The kept model is back on webgpu: a drawing is still predicted.
        await page.click('#clear-pad');
        await drawStroke(page);
        expect(errors).toEqual([]);
        console.log(
          `browser demo: compare on 200 digits: webgpu (SwiftShader) ${Math.round(gpu!.samplesPerSecond)} samples/s, ` +
            `wasm ${Math.round(wasm!.samplesPerSecond)} samples/s, losses ${gpu!.loss.toFixed(5)} and ${wasm!.loss.toFixed(5)}`,
        );
        console.log(
          `browser demo: webgpu, test accuracy ${result.accuracy.toFixed(4)} and loss ${result.loss.toFixed(4)} ` +
            `(first batch ${result.firstBatchLoss.toFixed(4)}) after 1 epoch on 1000 digits`,
        );
        passed++;
      } finally {
        await gpuBrowser.close();
      }
    },
    100_000,
  );
});
