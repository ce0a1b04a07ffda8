// The demo's training worker: the page stays responsive because everything that computes runs
// here. It picks the backend (saying why others were skipped), builds the model the form asked
// for, fits it with callbacks that post each batch's and each epoch's metrics, then evaluates
// and predicts the test set, and keeps the model to classify drawn digits. It also saves the
// model to IndexedDB, hands its two files to the page to download, and loads a model back
// (from IndexedDB or from the two files) to predict the test set and drawings with it. A 'stop' message
// sets `model.stopTraining`, which fit reads after each batch: fit yields to the event loop
// every 16 ms ('auto'), so the message is read within 16 ms, and at most one batch ends after
// that (the 'done' message says how many did).

import '@nabla/backend-cpu';
import '@nabla/backend-wasm';
import { WebGpuBackend } from '@nabla/backend-webgpu';
import { activeBackend, memory, setBackend, skippedBackends, type Tensor, tensor } from '@nabla/core';
import {
  adam,
  browserFiles,
  conv2d,
  dense,
  flatten,
  glorotUniform,
  type IOHandler,
  jsonBytes,
  type Layer,
  type Logs,
  listIndexedDBModels,
  loadModel,
  type Model,
  type ModelArtifacts,
  maxPooling2d,
  rmsprop,
  saveResult,
  sequential,
  sgd,
} from '@nabla/nn';
import type { DigitSet } from './digits.js';
import type { FromWorker, ModelSource, ToWorker, TrainConfig } from './protocol.js';

/** The preference list of "best available", as in the CLI examples. */
const BACKEND_PREFERENCE = ['webgpu', 'wasm', 'cpu'] as const;
const CLASSES = 10;

/**
 * The last trained model, whether it takes flat [n, 784] images (the MLP) or [n, 28, 28, 1],
 * and the backend its weights live on (a comparison switches backends, then back).
 */
let trained: { model: Model; flat: boolean; backend: string } | undefined;
let running: Model | undefined;
/** Batches the running fit has ended, and how many had ended when a 'stop' message was read. */
let batchesRun = 0;
let batchesAtStop: number | undefined;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  postMessage(message, { transfer });
}

/** Activates the picked backend; posts which one runs, why the others were skipped, and how. */
async function chooseBackend(picked: TrainConfig['backend']): Promise<string> {
  const list = picked === 'auto' ? BACKEND_PREFERENCE : [picked];
  let name: string;
  try {
    name = await setBackend(list);
  } catch (error) {
    post({ type: 'backend', name: undefined, skipped: skippedBackends(), detail: '' });
    const why = skippedBackends().find((s) => s.name === picked)?.reason;
    if (picked === 'auto' || !why) throw error;
    throw new Error(
      `demo: ${picked} cannot run in this browser (${why}); pick "best available" to use another`,
    );
  }
  const how = picked === 'auto' ? 'chosen (best available)' : 'chosen';
  const active = activeBackend();
  let detail: string;
  if (active instanceof WebGpuBackend) {
    // Shared memory only matters to wasm threads; on a GPU the adapter is what tells the speed.
    const adapter = adapterLine(active.adapterInfo);
    detail = `${how}${adapter ? `, adapter: ${adapter}` : ''}`;
  } else {
    const threads = threadLine(active);
    const isolation = crossOriginIsolated
      ? 'the page is cross-origin isolated (shared memory available)'
      : 'the page is not cross-origin isolated, so no shared memory for threads';
    // The wasm backend's one-thread reason already says why when the page is not isolated.
    const parts = threads ? `${how}, ${threads}` : how;
    detail = threads && !crossOriginIsolated ? parts : `${parts}; ${isolation}`;
  }
  post({ type: 'backend', name, skipped: skippedBackends(), detail });
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

/** The layers of the model the form describes; seeded initializers, so runs repeat. */
function buildModel(config: TrainConfig): { model: Model; description: string } {
  const init = (seed: number) => glorotUniform({ seed });
  const layers: Layer[] = [];
  let description: string;
  if (config.model === 'mlp') {
    config.layers.forEach((units, i) => {
      layers.push(
        dense({
          units,
          activation: 'relu',
          kernelInitializer: init(i + 1),
          ...(i === 0 ? { inputShape: [784] } : {}),
        }),
      );
    });
    description = `${[784, ...config.layers, CLASSES].join('-')} MLP`;
  } else {
    const [first = 8, second = 16] = config.layers;
    layers.push(
      conv2d({
        filters: first,
        kernelSize: 3,
        activation: 'relu',
        inputShape: [28, 28, 1],
        kernelInitializer: init(1),
      }),
      maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: second, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
    );
    description = `CNN (conv ${first} → pool → conv ${second} → pool → dense ${CLASSES})`;
  }
  layers.push(
    dense({
      units: CLASSES,
      activation: 'softmax',
      kernelInitializer: init(layers.length + 1),
      ...(layers.length === 0 ? { inputShape: [784] } : {}),
    }),
  );
  const model = sequential(layers, { name: config.model === 'mlp' ? 'digits_mlp' : 'digits_cnn' });
  const { learningRate } = config;
  const optimizer =
    config.optimizer === 'adam'
      ? adam({ learningRate })
      : config.optimizer === 'rmsprop'
        ? rmsprop({ learningRate })
        : sgd({ learningRate, momentum: 0.9 });
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return { model, description };
}

/** Images `start` to `end` of the set as tensors: x [n, 784] or [n, 28, 28, 1], y int32 [n]. */
function split(data: DigitSet, start: number, end: number, flat: boolean): { x: Tensor; y: Tensor } {
  const size = data.height * data.width;
  const count = end - start;
  const shape = flat ? [count, size] : [count, data.height, data.width, 1];
  return {
    x: tensor(data.images.subarray(start * size, end * size), shape, 'float32'),
    y: tensor(data.labels.subarray(start, end), [count], 'int32'),
  };
}

/** Predicted class of each row of a [n, classes] probability matrix. */
function argMaxRows(probs: ArrayLike<number>, classes: number): Int32Array {
  const picks = new Int32Array(probs.length / classes);
  for (let row = 0; row < picks.length; row++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[row * classes + c]! > probs[row * classes + best]!) best = c;
    picks[row] = best;
  }
  return picks;
}

async function train(config: TrainConfig, data: DigitSet): Promise<void> {
  trained?.model.dispose();
  trained = undefined;
  const backend = await chooseBackend(config.backend);
  const flat = config.model === 'mlp';
  const { model, description } = buildModel(config);
  const testStart = data.count - config.testCount;
  const trainSet = split(data, 0, config.samples, flat);
  const testSet = split(data, testStart, data.count, flat);
  const tensors = [trainSet.x, trainSet.y, testSet.x, testSet.y];
  running = model;
  batchesRun = 0;
  batchesAtStop = undefined;
  try {
    model.build(flat ? [null, 784] : [null, 28, 28, 1]);
    const summary = model.summary(() => undefined);
    post({ type: 'model', description, summary, params: model.countParams() });
    const { batchSize, samples } = config;
    const steps = Math.ceil(samples / batchSize);
    let epochStart = performance.now();
    // fit logs each epoch's running averages; a batch's own values are the differences of the
    // running sums (sample-weighted, as fit and the accuracy metric weigh them).
    let lossSum = 0;
    let correct = 0;
    let currentEpoch = 0;
    const started = performance.now();
    await model.fit(trainSet.x, trainSet.y, {
      epochs: config.epochs,
      batchSize,
      validationData: [testSet.x, testSet.y],
      // Inference needs no small batches: fewer, larger dispatches (a GPU's per-dispatch cost).
      validationBatchSize: 256,
      verbose: 0,
      seed: 1,
      callbacks: [
        {
          onEpochBegin: (epoch: number) => {
            currentEpoch = epoch;
            epochStart = performance.now();
            lossSum = 0;
            correct = 0;
          },
          onBatchEnd: (batch: number, logs?: Logs) => {
            batchesRun++;
            const seen = Math.min(samples, (batch + 1) * batchSize);
            const size = seen - batch * batchSize;
            const newLossSum = (logs?.['loss'] ?? Number.NaN) * seen;
            const newCorrect = Math.round((logs?.['accuracy'] ?? Number.NaN) * seen);
            post({
              type: 'batch',
              epoch: currentEpoch,
              batch,
              steps,
              loss: (newLossSum - lossSum) / size,
              accuracy: (newCorrect - correct) / size,
              samplesPerSecond: seen / ((performance.now() - epochStart) / 1000),
            });
            lossSum = newLossSum;
            correct = newCorrect;
          },
          onEpochEnd: (epoch: number, logs?: Logs) => {
            post({
              type: 'epoch',
              epoch,
              loss: logs?.['loss'] ?? Number.NaN,
              accuracy: logs?.['accuracy'] ?? Number.NaN,
              valLoss: logs?.['val_loss'] ?? Number.NaN,
              valAccuracy: logs?.['val_accuracy'] ?? Number.NaN,
              seconds: (performance.now() - epochStart) / 1000,
            });
          },
        },
      ],
    });
    const stopped = model.stopTraining;
    const { accuracy = Number.NaN, loss = Number.NaN } = await model.evaluate(testSet.x, testSet.y, {
      batchSize: 256,
    });
    const predictions = await predictClasses(model, testSet.x);
    for (const t of tensors) t.dispose();
    const { numTensors, numBytes } = memory();
    trained = { model, flat, backend };
    post(
      {
        type: 'done',
        accuracy,
        loss,
        seconds: (performance.now() - started) / 1000,
        stopped,
        ...(batchesAtStop === undefined ? {} : { batchesAfterStop: batchesRun - batchesAtStop }),
        predictions,
        tensors: numTensors,
        bytes: numBytes,
      },
      [predictions.buffer],
    );
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    running = undefined;
    for (const t of tensors) if (!t.isDisposed) t.dispose();
  }
}

/** The arg-max class of each row of x. */
async function predictClasses(model: Model, x: Tensor): Promise<Int32Array> {
  const [probs] = await model.predictAsync(x, { batchSize: 256 });
  try {
    return argMaxRows(await probs!.data(), CLASSES);
  } finally {
    probs!.dispose();
  }
}

/** A model's description from its layers: "784-128-10 MLP" or "CNN (conv 8 → … → dense 10)". */
function describe(model: Model): { description: string; flat: boolean } {
  const convs = model.layers.filter((l) => l.className === 'Conv2D');
  const dense = model.layers.filter((l) => l.className === 'Dense');
  const units = dense.map((l) => Number(l.getConfig()['units']));
  if (convs.length === 0) return { description: `${[784, ...units].join('-')} MLP`, flat: true };
  const filters = convs.map((l) => `conv ${Number(l.getConfig()['filters'])}`);
  return { description: `CNN (${[...filters, ...units.map((u) => `dense ${u}`)].join(' → ')})`, flat: false };
}

/** Loads a saved model and predicts the test set with it, as a training run ends. */
async function load(source: ModelSource, config: TrainConfig, data: DigitSet): Promise<void> {
  const backend = await chooseBackend(config.backend);
  const started = performance.now();
  const from =
    'indexedDB' in source ? `indexeddb://${source.indexedDB}` : source.files.map((f) => f.name).join(' + ');
  const model = await loadModel('indexedDB' in source ? from : browserFiles(source.files));
  try {
    const { description, flat } = describe(model);
    post({
      type: 'model',
      description: `${description}, loaded from ${from}`,
      summary: model.summary(() => undefined),
      params: model.countParams(),
    });
    const testSet = split(data, data.count - config.testCount, data.count, flat);
    let predictions: Int32Array;
    try {
      predictions = await predictClasses(model, testSet.x);
    } finally {
      testSet.x.dispose();
      testSet.y.dispose();
    }
    const labels = data.labels.subarray(data.count - config.testCount);
    const right = predictions.reduce((n, p, i) => n + (p === labels[i] ? 1 : 0), 0);
    trained?.model.dispose();
    trained = { model, flat, backend };
    const { numTensors, numBytes } = memory();
    post(
      {
        type: 'done',
        accuracy: right / predictions.length,
        loss: Number.NaN,
        seconds: (performance.now() - started) / 1000,
        stopped: false,
        loadedFrom: from,
        predictions,
        tensors: numTensors,
        bytes: numBytes,
      },
      [predictions.buffer],
    );
  } catch (error) {
    if (trained?.model !== model) model.dispose();
    throw error;
  }
}

/**
 * One epoch of the configured model on each backend in turn, from the same seeds (weights and
 * shuffle), so the losses agree and only the speed differs.
 */
async function compare(config: TrainConfig, data: DigitSet, backends: readonly string[]): Promise<void> {
  const flat = config.model === 'mlp';
  try {
    for (const name of backends) {
      const row = {
        type: 'compare-row',
        backend: name,
        samplesPerSecond: 0,
        seconds: 0,
        loss: Number.NaN,
        accuracy: Number.NaN,
      } as const;
      try {
        await setBackend(name);
      } catch (error) {
        const why = skippedBackends().find((s) => s.name === name)?.reason;
        post({ ...row, skipped: why ?? (error instanceof Error ? error.message : String(error)) });
        continue;
      }
      const { model } = buildModel(config);
      const trainSet = split(data, 0, config.samples, flat);
      const testSet = split(data, data.count - config.testCount, data.count, flat);
      running = model;
      try {
        const started = performance.now();
        const history = await model.fit(trainSet.x, trainSet.y, {
          epochs: 1,
          batchSize: config.batchSize,
          verbose: 0,
          seed: 1,
        });
        const seconds = (performance.now() - started) / 1000;
        const losses = history.history['loss'] ?? [];
        const { accuracy = Number.NaN } = await model.evaluate(testSet.x, testSet.y, { batchSize: 256 });
        post({
          ...row,
          samplesPerSecond: config.samples / seconds,
          seconds,
          loss: Number(losses[losses.length - 1]),
          accuracy,
        });
      } finally {
        running = undefined;
        model.dispose();
        for (const t of [trainSet.x, trainSet.y, testSet.x, testSet.y]) t.dispose();
      }
    }
  } finally {
    // The kept model's weights live on its own backend: drawings are predicted there.
    if (trained) await setBackend(trained.backend);
    post({ type: 'compare-done' });
  }
}

/** The saved models, newest first. */
async function listModels(saved?: string): Promise<void> {
  const models = (await listIndexedDBModels())
    .sort((a, b) => b.dateSaved.getTime() - a.dateSaved.getTime())
    .map((m) => ({ name: m.name, dateSaved: m.dateSaved.toISOString(), weightsBytes: m.weightsBytes }));
  post(saved === undefined ? { type: 'models', models } : { type: 'models', models, saved });
}

async function save(name: string): Promise<void> {
  if (!trained) throw new Error('demo: train or load a model before saving it');
  await trained.model.save(`indexeddb://${name}`);
  await listModels(name);
}

/** model.json and model.safetensors as bytes, or the ONNX file, for the page to offer as downloads. */
async function exportModel(format: 'nabla' | 'onnx'): Promise<void> {
  if (!trained) throw new Error('demo: train or load a model before downloading it');
  if (format === 'onnx') {
    // Loaded on first use: the protobuf code stays out of the worker's first download.
    const { exportOnnx } = await import('@nabla/onnx');
    const onnx = await exportOnnx(trained.model);
    post({ type: 'exported-onnx', onnx }, [onnx.buffer]);
    return;
  }
  let kept: ModelArtifacts | undefined;
  const memoryHandler: IOHandler = {
    save: async (artifacts) => {
      kept = artifacts;
      return saveResult(artifacts);
    },
  };
  await trained.model.save(memoryHandler);
  if (!kept) throw new Error('demo: the model gave nothing to download');
  const json = jsonBytes(kept);
  const weights = kept.weights.slice();
  post({ type: 'exported', json, weights }, [json.buffer, weights.buffer]);
}

async function predict(id: number, image: Float32Array): Promise<void> {
  if (!trained) return;
  const x = tensor(image, trained.flat ? [1, 784] : [1, 28, 28, 1], 'float32');
  const probs = trained.model.predict(x);
  x.dispose();
  const values = await probs.data();
  probs.dispose();
  post({ type: 'prediction', id, probs: Array.from(values, Number) });
}

function fail(error: unknown): void {
  console.error(error);
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}

addEventListener('message', (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'train':
      void train(message.config, message.data).catch(fail);
      break;
    case 'stop':
      if (running) {
        running.stopTraining = true;
        batchesAtStop ??= batchesRun;
      }
      break;
    case 'predict':
      void predict(message.id, message.image).catch(fail);
      break;
    case 'save':
      void save(message.name).catch(fail);
      break;
    case 'export':
      void exportModel(message.format).catch(fail);
      break;
    case 'list':
      void listModels().catch(fail);
      break;
    case 'compare':
      void compare(message.config, message.data, message.backends).catch(fail);
      break;
    case 'load':
      void load(message.source, message.config, message.data).catch(fail);
      break;
    default:
      message satisfies never;
  }
});
