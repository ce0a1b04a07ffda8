// The browser demo: trains a 784-128-10 MLP on MNIST digits in the page, on the best backend
// available (webgpu → wasm → cpu, or the one picked), with live progress from fit's
// callbacks, a loss/accuracy chart, the test accuracy, sample predictions and a pad to draw a
// digit on. Every read is `await t.data()`: the webgpu backend has no synchronous reads.
// URL parameters preset the form: ?backend=wasm&epochs=1&samples=1000&batch=32&auto=1 (auto
// starts at once; tests use it). <html data-status> says loading/ready/training/done/error.

import '@nabla/backend-cpu';
import '@nabla/backend-wasm';
import { WebGpuBackend } from '@nabla/backend-webgpu';
import { activeBackend, memory, registeredBackends, setBackend, skippedBackends, tensor } from '@nabla/core';
import {
  dense,
  glorotUniform,
  type ImageSplit,
  imageSplitToTensors,
  type Logs,
  type Model,
  sequential,
} from '@nabla/nn';
import { type ChartData, drawChart } from './chart.js';
import { type DigitSet, fetchDigits, sliceDigits } from './digits.js';
import { createDrawPad } from './draw-pad.js';

/** The preference list of "best available", as in the CLI examples. */
const BACKEND_PREFERENCE = ['webgpu', 'wasm', 'cpu'] as const;
const TEST_COUNT = 1000;
const SAMPLE_TILES = 24;

type Status = 'loading' | 'ready' | 'training' | 'done' | 'error';

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`demo: the page has no <${type.name}> #${id}`);
  return found;
}

const ui = {
  backend: element('backend', HTMLSelectElement),
  epochs: element('epochs', HTMLInputElement),
  samples: element('samples', HTMLInputElement),
  batch: element('batch', HTMLInputElement),
  start: element('start', HTMLButtonElement),
  backendInfo: element('backend-info', HTMLDivElement),
  progress: element('progress', HTMLProgressElement),
  progressText: element('progress-text', HTMLDivElement),
  chart: element('chart', HTMLCanvasElement),
  log: element('log', HTMLOListElement),
  result: element('result', HTMLDivElement),
  tiles: element('tiles', HTMLDivElement),
  pad: element('pad', HTMLCanvasElement),
  clearPad: element('clear-pad', HTMLButtonElement),
  bars: element('bars', HTMLDivElement),
  padHint: element('pad-hint', HTMLParagraphElement),
};

let digits: DigitSet | undefined;
let trained: Model | undefined;
let running: Model | undefined;
/** What the chart shows now (redrawn on resize). */
let chart: ChartData = { epochs: 1, loss: [], accuracy: [], valLoss: [], valAccuracy: [] };

function setStatus(status: Status): void {
  document.documentElement.dataset['status'] = status;
}

function fail(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(error);
  const item = document.createElement('li');
  item.className = 'error';
  item.textContent = `error: ${message}`;
  ui.log.append(item);
  ui.result.dataset['error'] = message;
  setStatus('error');
}

window.addEventListener('error', (event) => fail(event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => fail(event.reason));

/** Presets the form from the URL; returns whether to start at once. */
function readParams(): boolean {
  const params = new URLSearchParams(location.search);
  const backend = params.get('backend');
  if (backend && [...ui.backend.options].some((o) => o.value === backend)) ui.backend.value = backend;
  for (const [name, input] of [
    ['epochs', ui.epochs],
    ['samples', ui.samples],
    ['batch', ui.batch],
  ] as const) {
    const value = params.get(name);
    if (value !== null && Number.isFinite(Number(value))) input.value = value;
  }
  return params.get('auto') === '1';
}

function readInt(input: HTMLInputElement, min: number, max: number): number {
  const value = Math.round(Number(input.value));
  const clamped = Math.min(max, Math.max(min, Number.isFinite(value) ? value : min));
  input.value = String(clamped);
  return clamped;
}

/** Activates the picked backend and shows which one runs and why the others were skipped. */
async function chooseBackend(): Promise<string> {
  const picked = ui.backend.value;
  const list = picked === 'auto' ? BACKEND_PREFERENCE : [picked];
  let name: string;
  try {
    name = await setBackend(list);
  } catch (error) {
    const why = skippedBackends().find((s) => s.name === picked)?.reason;
    if (picked === 'auto' || !why) throw error;
    throw new Error(
      `demo: ${picked} cannot run in this browser (${why}); pick "best available" to use another`,
    );
  } finally {
    const rows = skippedBackends().map((s) => {
      const row = document.createElement('li');
      row.innerHTML = '<span class="tag skipped"></span> <span class="why"></span>';
      row.querySelector('.tag')!.textContent = s.name;
      row.querySelector('.why')!.textContent = `skipped: ${s.reason}`;
      return row;
    });
    ui.backendInfo.replaceChildren();
    const list = document.createElement('ul');
    list.append(...rows);
    ui.backendInfo.append(list);
  }
  const chosen = document.createElement('li');
  chosen.innerHTML = '<span class="tag chosen" id="backend-name"></span> <span class="why"></span>';
  const tag = chosen.querySelector<HTMLElement>('.tag')!;
  tag.textContent = name;
  tag.dataset['backend'] = name;
  const active = activeBackend();
  if (active instanceof WebGpuBackend) {
    // Shared memory only matters to wasm threads; on a GPU the adapter is what tells the speed.
    const adapter = adapterLine(active.adapterInfo);
    chosen.querySelector('.why')!.textContent =
      `chosen${picked === 'auto' ? ' (best available)' : ''}${adapter ? `, adapter: ${adapter}` : ''}`;
    ui.backendInfo.querySelector('ul')!.prepend(chosen);
    return name;
  }
  const threads = threadLine(active);
  const isolation = crossOriginIsolated
    ? 'the page is cross-origin isolated (shared memory available)'
    : 'the page is not cross-origin isolated, so no shared memory for threads';
  // The wasm backend's one-thread reason already says why when the page is not isolated.
  const parts = [`chosen${picked === 'auto' ? ' (best available)' : ''}`];
  if (threads) parts.push(threads);
  chosen.querySelector('.why')!.textContent =
    threads && !crossOriginIsolated ? parts.join(', ') : `${parts.join(', ')}; ${isolation}`;
  ui.backendInfo.querySelector('ul')!.prepend(chosen);
  return name;
}

/** "2 threads", or "1 thread (why)", where the backend tells (the wasm backend's threadInfo()). */
function threadLine(backend: object): string | undefined {
  if (!('threadInfo' in backend) || typeof backend.threadInfo !== 'function') return undefined;
  const info: unknown = backend.threadInfo();
  if (typeof info !== 'object' || info === null || !('threads' in info) || typeof info.threads !== 'number') {
    return undefined;
  }
  const why = 'reason' in info && typeof info.reason === 'string' ? ` (${info.reason})` : '';
  return info.threads === 1 ? `1 thread${why}` : `${info.threads} threads`;
}

/** "google swiftshader (…)": the adapter's vendor, architecture and description, where given. */
function adapterLine(
  info: { vendor?: string; architecture?: string; description?: string } | undefined,
): string | undefined {
  if (!info) return undefined;
  const name = [info.vendor, info.architecture].filter(Boolean).join(' ');
  const text = info.description && info.description !== name ? `${name} (${info.description})` : name;
  return text.trim() || undefined;
}

/** Lets the browser paint: fit's loop otherwise only awaits microtasks. */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function logLine(text: string, className?: string): void {
  const item = document.createElement('li');
  item.textContent = text;
  if (className) item.className = className;
  ui.log.append(item);
  ui.log.scrollTop = ui.log.scrollHeight;
}

async function train(): Promise<void> {
  if (!digits) throw new Error('demo: the digits are not loaded yet');
  const maxTrain = digits.count - TEST_COUNT;
  const epochs = readInt(ui.epochs, 1, 50);
  const samples = readInt(ui.samples, 100, maxTrain);
  const batchSize = readInt(ui.batch, 1, 1024);
  setStatus('training');
  ui.log.replaceChildren();
  ui.result.innerHTML = '<div class="caption">Training…</div>';
  ui.tiles.replaceChildren();
  for (const key of ['accuracy', 'loss', 'firstBatchLoss', 'backend']) delete ui.result.dataset[key];
  delete ui.result.dataset['error'];
  trained?.dispose();
  trained = undefined;
  const backend = await chooseBackend();
  ui.start.textContent = 'Stop';
  const train = imageSplitToTensors(sliceDigits(digits, 0, samples), { flatten: true });
  const test = imageSplitToTensors(sliceDigits(digits, maxTrain, digits.count), { flatten: true });
  const net = sequential(
    [
      dense({
        units: 128,
        activation: 'relu',
        inputShape: [784],
        kernelInitializer: glorotUniform({ seed: 1 }),
      }),
      dense({ units: 10, activation: 'softmax', kernelInitializer: glorotUniform({ seed: 2 }) }),
    ],
    { name: 'digits_mlp' },
  );
  net.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  running = net;
  const steps = Math.ceil(samples / batchSize);
  chart = { epochs, loss: [], accuracy: [], valLoss: [], valAccuracy: [] };
  drawChart(ui.chart, chart);
  logLine(
    `${backend}: 784-128-10 MLP, ${samples} training digits, ${TEST_COUNT} test digits, batch ${batchSize}, Adam`,
  );
  let dataLive = true;
  const disposeData = () => {
    if (dataLive) for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
    dataLive = false;
  };
  let epochStart = performance.now();
  let lastPaint = performance.now();
  const started = performance.now();
  try {
    await net.fit(train.x, train.y, {
      epochs,
      batchSize,
      validationData: [test.x, test.y],
      // Inference needs no small batches: fewer, larger dispatches (a GPU's per-dispatch cost).
      validationBatchSize: 256,
      verbose: 0,
      seed: 1,
      callbacks: [
        {
          onEpochBegin: () => {
            epochStart = performance.now();
          },
          onBatchEnd: async (batch: number, logs?: Logs) => {
            const epoch = chart.valLoss.length;
            const x = epoch + (batch + 1) / steps;
            chart.loss.push({ x, y: logs?.['loss'] ?? Number.NaN });
            chart.accuracy.push({ x, y: logs?.['accuracy'] ?? Number.NaN });
            ui.progress.value = x / epochs;
            const seen = Math.min(samples, (batch + 1) * batchSize);
            const rate = seen / ((performance.now() - epochStart) / 1000);
            ui.progressText.textContent =
              `epoch ${epoch + 1}/${epochs} · batch ${batch + 1}/${steps} · loss ${logs?.['loss']?.toFixed(4)} · ` +
              `accuracy ${logs?.['accuracy']?.toFixed(4)} · ${Math.round(rate).toLocaleString('en')} samples/s`;
            if (performance.now() - lastPaint > 50) {
              drawChart(ui.chart, chart);
              await nextFrame();
              lastPaint = performance.now();
            }
          },
          onEpochEnd: async (epoch: number, logs?: Logs) => {
            const seconds = (performance.now() - epochStart) / 1000;
            chart.valLoss.push({ x: epoch + 1, y: logs?.['val_loss'] ?? Number.NaN });
            chart.valAccuracy.push({ x: epoch + 1, y: logs?.['val_accuracy'] ?? Number.NaN });
            drawChart(ui.chart, chart);
            logLine(
              `epoch ${epoch + 1}/${epochs}: loss ${logs?.['loss']?.toFixed(4)}, accuracy ${logs?.['accuracy']?.toFixed(4)}, ` +
                `test loss ${logs?.['val_loss']?.toFixed(4)}, test accuracy ${logs?.['val_accuracy']?.toFixed(4)} (${seconds.toFixed(1)} s)`,
            );
            await nextFrame();
          },
        },
      ],
    });
    const { accuracy = Number.NaN, loss = Number.NaN } = await net.evaluate(test.x, test.y, {
      batchSize: 256,
    });
    disposeData();
    const seconds = (performance.now() - started) / 1000;
    showResult(backend, accuracy, loss, seconds, net.stopTraining);
    await showTiles(net, sliceDigits(digits, maxTrain, maxTrain + SAMPLE_TILES));
    trained = net;
    ui.padHint.textContent = 'Draw a digit 0–9 with the mouse; the model predicts after each stroke.';
    setStatus('done');
  } catch (error) {
    net.dispose();
    throw error;
  } finally {
    running = undefined;
    disposeData();
    ui.start.textContent = 'Train again';
    ui.progress.value = ui.progress.max;
  }
}

function showResult(
  backend: string,
  accuracy: number,
  loss: number,
  seconds: number,
  stopped: boolean,
): void {
  ui.result.dataset['accuracy'] = String(accuracy);
  ui.result.dataset['loss'] = String(loss);
  // The loss before the model learnt much, for a test to see that training lowered it.
  ui.result.dataset['firstBatchLoss'] = String(chart.loss[0]?.y ?? Number.NaN);
  ui.result.dataset['backend'] = backend;
  ui.result.innerHTML =
    '<div class="big" id="test-accuracy"></div><div class="caption"></div><div class="caption small"></div>';
  ui.result.querySelector('.big')!.textContent = `${(accuracy * 100).toFixed(1)}%`;
  ui.result.querySelector('.caption')!.textContent =
    `test accuracy on ${TEST_COUNT} held-out digits${stopped ? ' (stopped early)' : ''}`;
  const { numTensors, numBytes } = memory();
  ui.result.querySelector('.small')!.textContent =
    `loss ${loss.toFixed(4)} · ${seconds.toFixed(1)} s on ${backend} · ${numTensors} tensors live after training (${(numBytes / 1024).toFixed(0)} KiB: weights and Adam state)`;
  logLine(
    `test accuracy ${accuracy.toFixed(4)}, loss ${loss.toFixed(4)}, ${seconds.toFixed(1)} s in all`,
    'done',
  );
}

/** Predicted class of each row of a [n, 10] probability matrix. */
function argMaxRows(probs: Float32Array | Int32Array | Uint8Array | Float64Array, classes: number): number[] {
  const picks: number[] = [];
  for (let row = 0; row * classes < probs.length; row++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[row * classes + c]! > probs[row * classes + best]!) best = c;
    picks.push(best);
  }
  return picks;
}

/** The first test digits as small images, captioned with the prediction (and the truth when wrong). */
async function showTiles(net: Model, split: ImageSplit): Promise<void> {
  const x = tensor(split.images, [split.count, 784], 'float32');
  const probs = net.predict(x);
  x.dispose();
  const values = await probs.data();
  probs.dispose();
  const picks = argMaxRows(values, 10);
  const { labels, images: pixels } = split;
  picks.forEach((pick, i) => {
    const tile = document.createElement('figure');
    tile.className = pick === labels[i] ? 'tile right' : 'tile wrong';
    const canvas = document.createElement('canvas');
    canvas.width = 28;
    canvas.height = 28;
    const image = new ImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      const v = 255 - Math.round(pixels[i * 784 + p]! * 255);
      image.data.set([v, v, v, 255], p * 4);
    }
    canvas.getContext('2d')!.putImageData(image, 0, 0);
    const caption = document.createElement('figcaption');
    caption.textContent = pick === labels[i] ? String(pick) : `${pick} (${labels[i]})`;
    tile.append(canvas, caption);
    ui.tiles.append(tile);
  });
}

function drawBars(probs: ArrayLike<number> | null): void {
  const best = probs ? argMaxRows(Float32Array.from(probs), 10)[0] : -1;
  ui.bars.replaceChildren(
    ...Array.from({ length: 10 }, (_, digit) => {
      const p = probs ? Number(probs[digit]) : 0;
      const row = document.createElement('div');
      row.className = digit === best ? 'bar best' : 'bar';
      row.innerHTML =
        '<span class="digit"></span><span class="track"><span class="fill"></span></span><span class="p"></span>';
      row.querySelector('.digit')!.textContent = String(digit);
      row.querySelector<HTMLElement>('.fill')!.style.width = `${(p * 100).toFixed(1)}%`;
      row.querySelector('.p')!.textContent = probs ? `${(p * 100).toFixed(0)}%` : '';
      return row;
    }),
  );
}

const pad = createDrawPad(ui.pad, () => {
  void predictDrawing().catch(fail);
});

async function predictDrawing(): Promise<void> {
  const image = pad.image();
  if (!trained || !image) return drawBars(null);
  const x = tensor(image, [1, 784], 'float32');
  const probs = trained.predict(x);
  x.dispose();
  const values = await probs.data();
  probs.dispose();
  drawBars(Array.from(values, Number));
}

ui.clearPad.addEventListener('click', () => {
  pad.clear();
  drawBars(null);
});

ui.start.addEventListener('click', () => {
  if (running) {
    running.stopTraining = true;
    ui.start.textContent = 'Stopping…';
    return;
  }
  void train().catch(fail);
});

window.addEventListener('resize', () => drawChart(ui.chart, chart));

async function init(): Promise<void> {
  setStatus('loading');
  const auto = readParams();
  const loaded = registeredBackends();
  for (const option of ui.backend.options) {
    if (option.value !== 'auto' && !loaded.includes(option.value))
      option.textContent += ' (not in this build)';
    else if (option.value === 'webgpu' && !('gpu' in navigator))
      option.textContent += ' (not in this browser)';
  }
  chart = { ...chart, epochs: Number(ui.epochs.value) || 1 };
  drawChart(ui.chart, chart);
  drawBars(null);
  ui.progressText.textContent = 'loading digits…';
  digits = await fetchDigits(new URL('digits.bin.gz', location.href));
  ui.samples.max = String(digits.count - TEST_COUNT);
  ui.progressText.textContent = `${digits.count.toLocaleString('en')} MNIST digits loaded; press Start`;
  ui.start.disabled = false;
  setStatus('ready');
  if (auto) await train();
}

void init().catch(fail);
