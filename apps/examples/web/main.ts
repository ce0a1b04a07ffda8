// The browser demo's page: reads and checks the form, hands the training to a Web Worker
// (train-worker.ts, which picks the backend, builds the model and fits it) and renders what the
// worker reports: the backend and why others were skipped, the model summary, a progress bar,
// a per-batch loss/accuracy chart, the test accuracy, the misclassified test images, the
// confusion matrix with per-class accuracy (results.ts) and a pad to draw a digit on. The page computes nothing heavy, so it stays responsive while a model trains.
// URL parameters preset the form: ?backend=wasm&model=cnn&layers=8,16&optimizer=sgd&lr=0.01&
// epochs=1&samples=1000&batch=32&auto=1 (auto starts at once; tests use it).
// <html data-status> says loading/ready/training/done/error.

import { type ChartData, drawChart } from './chart.js';
import { DATASETS, loadDataset, readManifest } from './datasets.js';
import type { DigitSet } from './digits.js';
import { createDrawPad } from './draw-pad.js';
import { DEFAULT_LAYERS, DEFAULT_LEARNING_RATE, type FormFields, parseForm, URL_NAMES } from './form.js';
import {
  drawBars,
  offerDownloads,
  showBackend,
  showCompareRow,
  showSavedModels,
  startCompareTable,
} from './panels.js';
import {
  DATASET_NAMES,
  type DatasetName,
  type FromWorker,
  type ModelSource,
  type ToWorker,
  type TrainConfig,
} from './protocol.js';
import { confusionMatrix, renderConfusion, renderMistakes } from './results.js';

const TEST_COUNT = 1000;
/** At most this many misclassified images are drawn. */
const MISTAKE_TILES = 32;
const BASE = new URL(location.href);
const OPTIMIZER_NAMES = { adam: 'Adam', sgd: 'SGD (momentum 0.9)', rmsprop: 'RMSProp' } as const;

type Status = 'loading' | 'ready' | 'training' | 'done' | 'error';

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`demo: the page has no <${type.name}> #${id}`);
  return found;
}

const ui = {
  saveModel: element('save-model', HTMLButtonElement),
  downloadModel: element('download-model', HTMLButtonElement),
  downloadOnnx: element('download-onnx', HTMLButtonElement),
  loadFiles: element('load-files', HTMLInputElement),
  savedModels: element('saved-models', HTMLUListElement),
  keepStatus: element('keep-status', HTMLParagraphElement),
  backend: element('backend', HTMLSelectElement),
  dataset: element('dataset', HTMLSelectElement),
  model: element('model', HTMLSelectElement),
  layers: element('layers', HTMLInputElement),
  layersLabel: element('layers-label', HTMLSpanElement),
  layersHint: element('layers-hint', HTMLParagraphElement),
  optimizer: element('optimizer', HTMLSelectElement),
  learningRate: element('lr', HTMLInputElement),
  epochs: element('epochs', HTMLInputElement),
  samples: element('samples', HTMLInputElement),
  batchSize: element('batch', HTMLInputElement),
  start: element('start', HTMLButtonElement),
  stop: element('stop', HTMLButtonElement),
  compareA: element('compare-a', HTMLSelectElement),
  compareB: element('compare-b', HTMLSelectElement),
  compare: element('compare', HTMLButtonElement),
  compareResults: element('compare-results', HTMLTableElement),
  formErrors: element('form-errors', HTMLUListElement),
  backendInfo: element('backend-info', HTMLDivElement),
  progress: element('progress', HTMLProgressElement),
  progressText: element('progress-text', HTMLDivElement),
  chart: element('chart', HTMLCanvasElement),
  log: element('log', HTMLOListElement),
  modelLine: element('model-line', HTMLElement),
  summary: element('summary', HTMLPreElement),
  result: element('result', HTMLDivElement),
  tiles: element('tiles', HTMLDivElement),
  mistakesCaption: element('mistakes-caption', HTMLParagraphElement),
  confusion: element('confusion', HTMLTableElement),
  pad: element('pad', HTMLCanvasElement),
  clearPad: element('clear-pad', HTMLButtonElement),
  uploadImage: element('upload-image', HTMLInputElement),
  bars: element('bars', HTMLDivElement),
  padHint: element('pad-hint', HTMLParagraphElement),
};

/** The form's inputs by field name. */
const fields: Record<keyof FormFields, HTMLInputElement | HTMLSelectElement> = {
  backend: ui.backend,
  dataset: ui.dataset,
  model: ui.model,
  layers: ui.layers,
  optimizer: ui.optimizer,
  learningRate: ui.learningRate,
  batchSize: ui.batchSize,
  epochs: ui.epochs,
  samples: ui.samples,
};

const FIELD_NAMES = Object.keys(fields) as (keyof FormFields)[];

/** The run in progress or the last one, with its data; undefined before the first Start. */
let run: { config: TrainConfig; data: DigitSet; backend: string; description: string } | undefined;
let ready = false;
let trainedModel = false;
let training = false;
let chart: ChartData = { epochs: 1, loss: [], accuracy: [], valLoss: [], valAccuracy: [] };
let chartQueued = false;
let predictId = 0;

const worker = new Worker(new URL('./train-worker.js', import.meta.url), {
  type: 'module',
  name: 'nabla-demo-training',
});

function send(message: ToWorker): void {
  worker.postMessage(message);
}

function setStatus(status: Status): void {
  document.documentElement.dataset['status'] = status;
}

function fail(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(error);
  logLine(`error: ${message}`, 'error');
  ui.result.dataset['error'] = message;
  endTraining();
  setStatus('error');
}

window.addEventListener('error', (event) => fail(event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => fail(event.reason));
worker.addEventListener('error', (event) =>
  fail(new Error(`demo: the training worker failed: ${event.message}`)),
);

/** Presets the form from the URL (checked with the rest at Start); returns whether to start. */
function readParams(): boolean {
  const params = new URLSearchParams(location.search);
  const model = params.get('model');
  if (model !== null) setModelKind(model);
  for (const name of FIELD_NAMES) {
    const input = fields[name];
    const value = params.get(URL_NAMES[name]);
    if (value === null) continue;
    // A select cannot hold a value it does not offer: add it, so the check at Start names it.
    if (input instanceof HTMLSelectElement && ![...input.options].some((o) => o.value === value)) {
      input.add(new Option(value, value));
    }
    input.value = value;
  }
  return params.get('auto') === '1';
}

function setModelKind(kind: string): void {
  const cnn = kind === 'cnn';
  ui.layersLabel.textContent = cnn ? 'filters (conv 1, conv 2)' : 'hidden units';
  ui.layersHint.textContent = cnn
    ? 'CNN: 3×3 convolutions with relu, each followed by 2×2 max pooling, then a dense softmax layer; filters 1 to 64 each.'
    : 'MLP: hidden dense layers with relu, comma separated (up to 4, 1 to 1024 units; empty for none), then a dense softmax layer.';
}

ui.model.addEventListener('change', () => {
  const kind = ui.model.value === 'cnn' ? 'cnn' : 'mlp';
  setModelKind(kind);
  ui.layers.value = DEFAULT_LAYERS[kind];
});

ui.optimizer.addEventListener('change', () => {
  const name = ui.optimizer.value;
  if (name === 'adam' || name === 'sgd' || name === 'rmsprop')
    ui.learningRate.value = DEFAULT_LEARNING_RATE[name];
});

function logLine(text: string, className?: string): void {
  const item = document.createElement('li');
  item.textContent = text;
  if (className) item.className = className;
  ui.log.append(item);
  ui.log.scrollTop = ui.log.scrollHeight;
}

/** Redraws the chart once per frame at most, however fast batches arrive. */
function queueChart(): void {
  ui.chart.dataset['batches'] = String(chart.loss.length);
  ui.chart.dataset['epochs'] = String(chart.valLoss.length);
  if (chartQueued) return;
  chartQueued = true;
  requestAnimationFrame(() => {
    chartQueued = false;
    drawChart(ui.chart, chart);
  });
}

function readForm(data: DigitSet | undefined): TrainConfig | undefined {
  const texts: FormFields = {
    backend: ui.backend.value,
    dataset: ui.dataset.value,
    model: ui.model.value,
    layers: ui.layers.value,
    optimizer: ui.optimizer.value,
    learningRate: ui.learningRate.value,
    batchSize: ui.batchSize.value,
    epochs: ui.epochs.value,
    samples: ui.samples.value,
  };
  const checked = parseForm(texts, {
    // Without a data set (an unknown name, already an error) any count passes this check.
    trainMax: data ? data.count - TEST_COUNT : Number.MAX_SAFE_INTEGER,
    testCount: TEST_COUNT,
  });
  ui.formErrors.replaceChildren(
    ...('errors' in checked ? checked.errors : []).map((text) => {
      const item = document.createElement('li');
      item.textContent = text;
      return item;
    }),
  );
  return 'config' in checked ? checked.config : undefined;
}

/** The data set the form names, loaded (undefined for a name it does not know). */
async function formDataset(): Promise<DigitSet | undefined> {
  const name = DATASET_NAMES.find((n) => n === ui.dataset.value);
  if (!name) return undefined;
  ui.progressText.textContent = `loading ${DATASETS[name].title}…`;
  const data = await loadDataset(name, BASE);
  ui.progressText.textContent = `${data.count.toLocaleString('en')} ${DATASETS[name].noun} loaded`;
  return data;
}

/** Starts a training run with the form's choices. */
async function start(): Promise<void> {
  const checked = await checkedForm();
  if (!checked) return;
  const { config, data } = checked;
  beginRun(config, data, 'starting the backend…');
  // A copy: the page keeps the images to draw the test set's mistakes.
  send({ type: 'train', config, data });
}

/** Loads a saved model on the form's backend and tests it on `dataset` (the form's by default). */
async function startLoad(source: ModelSource, dataset?: DatasetName): Promise<void> {
  if (dataset) ui.dataset.value = dataset;
  const checked = await checkedForm();
  if (!checked) return;
  const { config, data } = checked;
  beginRun(config, data, 'loading the model…');
  send({ type: 'load', source, config, data });
}

/** The form's configuration and data set, or undefined after showing the form's errors. */
async function checkedForm(): Promise<{ config: TrainConfig; data: DigitSet } | undefined> {
  if (!ready || training) return undefined;
  training = true;
  ui.start.disabled = true;
  let data: DigitSet | undefined;
  let config: TrainConfig | undefined;
  try {
    data = await formDataset();
    config = readForm(data);
  } finally {
    training = false;
    ui.start.disabled = false;
  }
  if (!config || !data) {
    ui.result.dataset['error'] = `demo: the form has errors: ${ui.formErrors.textContent}`;
    setStatus('error');
    return undefined;
  }
  return { config, data };
}

/** Clears the last run's results and marks the page busy. */
function beginRun(config: TrainConfig, data: DigitSet, what: string): void {
  training = true;
  trainedModel = false;
  run = { config, data, backend: '', description: '' };
  setStatus('training');
  ui.start.disabled = true;
  ui.stop.disabled = false;
  ui.stop.textContent = 'Stop';
  ui.log.replaceChildren();
  ui.summary.textContent = '';
  ui.modelLine.textContent = 'Model summary';
  ui.result.innerHTML = '<div class="caption">Training…</div>';
  ui.tiles.replaceChildren();
  ui.confusion.replaceChildren();
  ui.mistakesCaption.textContent = `After training: the test ${DATASETS[config.dataset].noun} the model got wrong, as "predicted (true)".`;
  delete ui.mistakesCaption.dataset['wrong'];
  for (const key of [
    'accuracy',
    'loss',
    'firstBatchLoss',
    'backend',
    'error',
    'stopped',
    'batchesAfterStop',
    'loadedFrom',
  ]) {
    delete ui.result.dataset[key];
  }
  ui.progress.value = 0;
  ui.progressText.textContent = what;
  chart = {
    epochs: config.epochs,
    loss: [],
    accuracy: [],
    valLoss: [],
    valAccuracy: [],
    epochLoss: [],
    epochAccuracy: [],
  };
  queueChart();
  showBars(null);
  updateKeepButtons();
}

function endTraining(): void {
  training = false;
  updateKeepButtons();
  ui.start.disabled = !ready;
  ui.start.textContent = 'Train again';
  ui.stop.disabled = true;
  ui.stop.textContent = 'Stop';
}

function onMessage(message: FromWorker): void {
  switch (message.type) {
    case 'backend':
      showBackend(ui.backendInfo, message);
      if (run && message.name !== undefined) run.backend = message.name;
      return;
    case 'model': {
      if (!run) return;
      run.description = message.description;
      const { config } = run;
      ui.summary.textContent = message.summary;
      ui.modelLine.textContent = `Model summary: ${message.description}, ${message.params.toLocaleString('en')} parameters`;
      logLine(
        `${run.backend}: ${message.description}, ${config.samples} training ${DATASETS[config.dataset].noun}, ${config.testCount} test ${DATASETS[config.dataset].noun}, ` +
          `batch ${config.batchSize}, ${OPTIMIZER_NAMES[config.optimizer]} at learning rate ${config.learningRate}`,
      );
      return;
    }
    case 'batch': {
      if (!run) return;
      const { epochs } = run.config;
      const x = message.epoch + (message.batch + 1) / message.steps;
      chart.loss.push({ x, y: message.loss });
      chart.accuracy.push({ x, y: message.accuracy });
      ui.progress.value = x / epochs;
      ui.progressText.textContent =
        `epoch ${message.epoch + 1}/${epochs} · batch ${message.batch + 1}/${message.steps} · ` +
        `batch loss ${message.loss.toFixed(4)} · batch accuracy ${message.accuracy.toFixed(3)} · ` +
        `${Math.round(message.samplesPerSecond).toLocaleString('en')} samples/s`;
      queueChart();
      return;
    }
    case 'epoch': {
      if (!run) return;
      chart.valLoss.push({ x: message.epoch + 1, y: message.valLoss });
      chart.epochLoss?.push({ x: message.epoch + 1, y: message.loss });
      chart.epochAccuracy?.push({ x: message.epoch + 1, y: message.accuracy });
      chart.valAccuracy.push({ x: message.epoch + 1, y: message.valAccuracy });
      queueChart();
      logLine(
        `epoch ${message.epoch + 1}/${run.config.epochs}: loss ${message.loss.toFixed(4)}, accuracy ${message.accuracy.toFixed(4)}, ` +
          `test loss ${message.valLoss.toFixed(4)}, test accuracy ${message.valAccuracy.toFixed(4)} (${message.seconds.toFixed(1)} s)`,
      );
      return;
    }
    case 'done':
      showResult(message);
      return;
    case 'prediction':
      if (message.id === predictId) showBars(message.probs);
      return;
    case 'models':
      if (message.saved !== undefined) {
        ui.keepStatus.textContent = `Saved in this browser's IndexedDB as "${message.saved}".`;
      }
      showSavedModels(ui.savedModels, message.models, (name) => {
        const dataset = DATASET_NAMES.find((n) => name.startsWith(`${n}-`));
        void startLoad({ indexedDB: name }, dataset).catch(fail);
      });
      return;
    case 'exported':
      ui.keepStatus.textContent = offerDownloads([
        ['model.json', message.json, 'application/json'],
        ['model.safetensors', message.weights, 'application/octet-stream'],
      ]);
      return;
    case 'compare-row':
      showCompareRow(ui.compareResults, message);
      return;
    case 'compare-done':
      ui.compareResults.dataset['done'] = 'true';
      endTraining();
      ui.progressText.textContent = 'comparison done';
      setStatus('done');
      return;
    case 'exported-onnx':
      ui.keepStatus.textContent = offerDownloads([['model.onnx', message.onnx, 'application/octet-stream']]);
      return;
    case 'error':
      fail(new Error(message.message));
      return;
    default:
      message satisfies never;
  }
}

worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
  try {
    onMessage(event.data);
  } catch (error) {
    fail(error);
  }
});

function showResult(message: Extract<FromWorker, { type: 'done' }>): void {
  if (!run) return;
  const { accuracy, loss, seconds, stopped } = message;
  const { backend, config } = run;
  ui.result.dataset['accuracy'] = String(accuracy);
  ui.result.dataset['loss'] = String(loss);
  // The loss before the model learnt much, for a test to see that training lowered it.
  ui.result.dataset['firstBatchLoss'] = String(chart.loss[0]?.y ?? Number.NaN);
  ui.result.dataset['backend'] = backend;
  ui.result.dataset['stopped'] = String(stopped);
  if (message.batchesAfterStop !== undefined) {
    ui.result.dataset['batchesAfterStop'] = String(message.batchesAfterStop);
  }
  ui.result.innerHTML =
    '<div class="big" id="test-accuracy"></div><div class="caption"></div><div class="caption small"></div>';
  ui.result.querySelector('.big')!.textContent = `${(accuracy * 100).toFixed(1)}%`;
  const held = `${config.testCount} held-out ${DATASETS[config.dataset].noun}`;
  const memoryLine = `${message.tensors} tensors live in the worker (${(message.bytes / 1024).toFixed(0)} KiB: weights and optimizer state)`;
  if (message.loadedFrom === undefined) {
    ui.result.querySelector('.caption')!.textContent =
      `test accuracy on ${held}${stopped ? ' (stopped early)' : ''}`;
    ui.result.querySelector('.small')!.textContent =
      `loss ${loss.toFixed(4)} · ${seconds.toFixed(1)} s on ${backend} · ${memoryLine}`;
    logLine(
      `${stopped ? 'stopped; ' : ''}test accuracy ${accuracy.toFixed(4)}, loss ${loss.toFixed(4)}, ${seconds.toFixed(1)} s in all`,
      'done',
    );
  } else {
    ui.result.dataset['loadedFrom'] = message.loadedFrom;
    ui.result.querySelector('.caption')!.textContent =
      `test accuracy on ${held} of the model loaded from ${message.loadedFrom}`;
    ui.result.querySelector('.small')!.textContent =
      `${seconds.toFixed(1)} s to load and test on ${backend} · ${memoryLine}`;
    logLine(`loaded ${message.loadedFrom}: test accuracy ${accuracy.toFixed(4)}`, 'done');
  }
  showMistakes(message.predictions, run.data, config.dataset);
  trainedModel = true;
  updateKeepButtons();
  ui.padHint.textContent = DATASETS[config.dataset].drawHint;
  endTraining();
  ui.progress.value = ui.progress.max;
  setStatus('done');
  void predictDrawing();
}

/** The misclassified test images, the confusion matrix and the per-class accuracy. */
function showMistakes(predictions: Int32Array, data: DigitSet, dataset: DatasetName): void {
  const { classes, noun } = DATASETS[dataset];
  const testStart = data.count - predictions.length;
  const test = { images: data.images, labels: data.labels, start: testStart, side: data.width };
  const wrong = renderMistakes(ui.tiles, test, predictions, classes, MISTAKE_TILES);
  ui.mistakesCaption.textContent =
    wrong === 0
      ? `No test image was misclassified.`
      : `${wrong} of ${predictions.length} test ${noun} misclassified${wrong > MISTAKE_TILES ? `; the first ${MISTAKE_TILES} shown` : ''}, as "predicted (true)".`;
  ui.mistakesCaption.dataset['wrong'] = String(wrong);
  const labels = data.labels.subarray(testStart, testStart + predictions.length);
  renderConfusion(ui.confusion, confusionMatrix(labels, predictions, classes.length), classes);
}

/** The bars of the current data set's classes. */
function showBars(probs: readonly number[] | null): void {
  drawBars(ui.bars, probs, DATASETS[run?.config.dataset ?? 'digits'].classes);
}

const pad = createDrawPad(ui.pad, () => void predictDrawing());

function predictDrawing(): void {
  const image = pad.image();
  predictId++;
  if (!trainedModel || training || !image) {
    showBars(null);
    return;
  }
  send({ type: 'predict', id: predictId, image });
}

ui.uploadImage.addEventListener('change', () => {
  const file = ui.uploadImage.files?.[0];
  ui.uploadImage.value = '';
  if (!file) return;
  createImageBitmap(file)
    .then((picture) => {
      pad.show(picture);
      picture.close();
      predictDrawing();
    })
    .catch((error: unknown) => {
      ui.padHint.textContent = `demo: could not read ${file.name} as a picture (${error instanceof Error ? error.message : String(error)})`;
    });
});

ui.clearPad.addEventListener('click', () => {
  pad.clear();
  predictId++;
  showBars(null);
});

/** One epoch of the form's model on each of the two picked backends, timed. */
async function startCompare(): Promise<void> {
  const checked = await checkedForm();
  if (!checked) return;
  const { config, data } = checked;
  const backends = [ui.compareA.value, ui.compareB.value];
  training = true;
  updateKeepButtons();
  setStatus('training');
  ui.start.disabled = true;
  ui.stop.disabled = true;
  ui.progressText.textContent = `comparing ${backends.join(' and ')}: one epoch on ${config.samples} ${DATASETS[config.dataset].noun} each…`;
  delete ui.compareResults.dataset['done'];
  startCompareTable(ui.compareResults);
  send({ type: 'compare', config, data, backends });
}

function updateKeepButtons(): void {
  ui.compare.disabled = !ready || training;
  ui.saveModel.disabled = !trainedModel || training;
  ui.downloadModel.disabled = !trainedModel || training;
  ui.downloadOnnx.disabled = !trainedModel || training;
}

/** The IndexedDB name of the current model: its data set first, so a load knows what to test on. */
function savedName(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace('T', ' ');
  return `${run?.config.dataset ?? 'digits'}-${run?.config.model ?? 'mlp'} ${stamp}`;
}

ui.compare.addEventListener('click', () => void startCompare().catch(fail));
ui.saveModel.addEventListener('click', () => send({ type: 'save', name: savedName() }));
ui.downloadModel.addEventListener('click', () => send({ type: 'export', format: 'nabla' }));
ui.downloadOnnx.addEventListener('click', () => send({ type: 'export', format: 'onnx' }));
ui.loadFiles.addEventListener('change', () => {
  const files = [...(ui.loadFiles.files ?? [])];
  ui.loadFiles.value = '';
  if (files.length > 0) void startLoad({ files }).catch(fail);
});

ui.start.addEventListener('click', () => void start().catch(fail));

ui.dataset.addEventListener('change', () => {
  // The most training images the data set has, once it is loaded.
  void formDataset()
    .then((data) => {
      if (data) ui.samples.value = String(data.count - TEST_COUNT);
    })
    .catch(fail);
});

ui.stop.addEventListener('click', () => {
  if (!training) return;
  send({ type: 'stop' });
  // The batches drawn when Stop was pressed: the worker stops a batch or two later.
  ui.stop.dataset['atBatch'] = String(chart.loss.length);
  ui.stop.disabled = true;
  ui.stop.textContent = 'Stopping…';
});

window.addEventListener('resize', () => drawChart(ui.chart, chart));

async function init(): Promise<void> {
  setStatus('loading');
  setModelKind(ui.model.value);
  const auto = readParams();
  if (!('gpu' in navigator)) {
    const option = [...ui.backend.options].find((o) => o.value === 'webgpu');
    if (option) option.textContent += ' (not in this browser)';
  }
  chart = { ...chart, epochs: Number(ui.epochs.value) || 1 };
  queueChart();
  showBars(null);
  const manifest = await readManifest(BASE);
  for (const option of ui.dataset.options) {
    const entry = manifest[DATASET_NAMES.find((n) => n === option.value) ?? 'digits'];
    if (entry && 'missing' in entry) {
      option.textContent += ' (not bundled)';
      option.title = entry.missing;
    }
  }
  const data = await formDataset().catch((error: unknown) => {
    ui.progressText.textContent = error instanceof Error ? error.message : String(error);
    return undefined;
  });
  // A data set picked in the URL without a count trains on all its training images.
  if (data) {
    if (!new URLSearchParams(location.search).has(URL_NAMES.samples)) {
      ui.samples.value = String(data.count - TEST_COUNT);
    }
    ui.progressText.textContent += '; press Start';
  }
  ready = true;
  ui.start.disabled = false;
  updateKeepButtons();
  send({ type: 'list' });
  setStatus('ready');
  if (auto) await start();
}

void init().catch(fail);
