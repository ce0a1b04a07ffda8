// Fine-tuning a PyTorch model in Nabla: a small CNN that PyTorch trained on Fashion-MNIST
// classes 0-4 (T-shirt, trouser, pullover, dress, coat) and exported with torch.onnx.export
// (packages/onnx/test/fixtures/make_fixtures.py) is imported with importOnnx, its body frozen,
// and its dense head fine-tuned on a new task: classes 5-9 (sandal, shirt, sneaker, bag, ankle boot)
// relabelled 0-4. Test accuracy on the new task is reported before and after.

import { readFile } from 'node:fs/promises';
import { type Tensor, tensor } from '@nabla/core';
import { adam, type ImageSplit, type Model, sparseCategoricalCrossentropy } from '@nabla/nn';
import { FASHION_MNIST_DIR, loadFashionMnist } from '@nabla/nn/node';
import { importOnnx } from '@nabla/onnx';
import { useBackend } from './backend.js';
import { backendFlag, dirFlag, type ExampleFlags, type ExampleSpec, runExample } from './cli.js';

/** The PyTorch-exported CNN, from src/ (vitest) and from dist/ (node) alike. */
export const PYTORCH_CNN = new URL('../../../packages/onnx/test/fixtures/fashion-cnn.onnx', import.meta.url)
  .pathname;

/** The head: the exported network's two Linear layers (PyTorch's `fc` and `head`). */
const HEAD = ['/fc/Gemm', '/head/Gemm'];

/** Options of {@link runOnnxFineTune}. */
export interface OnnxFineTuneOptions {
  /** The ONNX file (default: the committed PyTorch-exported CNN). */
  model?: string;
  /** Labelled images of the new task to fine-tune on. */
  fineTuneImages?: number;
  /** Test images (of each task) to score on. */
  testImages?: number;
  epochs?: number;
  dir?: string;
  seed?: number;
  verbose?: 0 | 1 | 2;
  log?: (line: string) => void;
}

/** What {@link runOnnxFineTune} measured. */
export interface OnnxFineTuneResult {
  /** Accuracy of the imported model on the task PyTorch trained it for (classes 0-4). */
  originalAccuracy: number;
  /** New-task accuracy of the imported head, before fine-tuning (about chance). */
  beforeAccuracy: number;
  /** New-task accuracy after fine-tuning the head. */
  afterAccuracy: number;
  /** Whether fine-tuning left every body weight bit for bit as imported. */
  bodyUnchanged: boolean;
  trainableParams: number;
  totalParams: number;
  fineTuneImages: number;
  testImages: number;
  seconds: number;
}

/** The images whose label is in [from, from + 5), relabelled 0-4, as NCHW tensors. */
function task(split: ImageSplit, from: number, limit: number): { x: Tensor; y: Tensor } {
  const pixels = split.height * split.width;
  const keep: number[] = [];
  for (let i = 0; i < split.count && keep.length < limit; i++) {
    const label = split.labels[i]!;
    if (label >= from && label < from + 5) keep.push(i);
  }
  const images = new Float32Array(keep.length * pixels);
  keep.forEach((i, k) => {
    images.set(split.images.subarray(i * pixels, (i + 1) * pixels), k * pixels);
  });
  return {
    // One channel: NCHW [n, 1, 28, 28], the layout PyTorch exported the model with.
    x: tensor(images, [keep.length, 1, split.height, split.width]),
    y: tensor(
      keep.map((i) => split.labels[i]! - from),
      [keep.length],
      'int32',
    ),
  };
}

async function accuracy(net: Model, data: { x: Tensor; y: Tensor }): Promise<number> {
  const { accuracy: value = Number.NaN } = await net.evaluate(data.x, data.y, { batchSize: 256 });
  return value;
}

async function values(weights: readonly Tensor[]): Promise<number[]> {
  const out: number[] = [];
  for (const w of weights) out.push(...(await w.data()));
  return out;
}

/**
 * Imports the PyTorch CNN, freezes all but its head, and fine-tunes the head on a new task.
 * @example
 * const { beforeAccuracy, afterAccuracy } = await runOnnxFineTune({ epochs: 3 });
 */
export async function runOnnxFineTune(options: OnnxFineTuneOptions = {}): Promise<OnnxFineTuneResult> {
  const {
    model = PYTORCH_CNN,
    fineTuneImages = 1000,
    testImages = 2000,
    epochs = 5,
    dir = FASHION_MNIST_DIR,
    seed = 1,
    verbose = 2,
  } = options;
  const log = options.log ?? console.log;
  const started = performance.now();
  const fashion = await loadFashionMnist({ dir });
  const net = await importOnnx(await readFile(model), { source: model });
  const owned: Tensor[] = [];
  try {
    const original = task(fashion.test, 0, testImages);
    const train = task(fashion.train, 5, fineTuneImages);
    const test = task(fashion.test, 5, testImages);
    owned.push(original.x, original.y, train.x, train.y, test.x, test.y);
    net.compile({
      optimizer: adam({ learningRate: 0.01 }),
      loss: sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: ['accuracy'],
    });
    const originalAccuracy = await accuracy(net, original);
    const beforeAccuracy = await accuracy(net, test);
    log(`imported ${model}: ${net.layers.length} layers, ${net.countParams()} parameters`);
    log(`accuracy on PyTorch's task (classes 0-4): ${originalAccuracy.toFixed(4)}`);
    log(`accuracy on the new task (classes 5-9) before fine-tuning: ${beforeAccuracy.toFixed(4)}`);

    // Freeze the convolutional body, the Keras way: every layer but the head.
    for (const layer of net.layers) layer.trainable = HEAD.includes(layer.name);
    const body = net.layers.filter((l) => !HEAD.includes(l.name)).flatMap((l) => l.weights);
    const before = await values(body);
    // Recompiled so the optimizer sees only the head's weights.
    net.compile({
      optimizer: adam({ learningRate: 0.01 }),
      loss: sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: ['accuracy'],
    });
    log(`fine-tuning the head on ${train.y.shape[0]} images of classes 5-9 for ${epochs} epochs`);
    await net.fit(train.x, train.y, { epochs, batchSize: 32, verbose, seed });
    const after = await values(body);
    const afterAccuracy = await accuracy(net, test);
    return {
      originalAccuracy,
      beforeAccuracy,
      afterAccuracy,
      bodyUnchanged: before.every((v, i) => Object.is(v, after[i])),
      trainableParams: net.trainableWeights.reduce((n, w) => n + w.size, 0),
      totalParams: net.countParams(),
      fineTuneImages: train.y.shape[0]!,
      testImages: test.y.shape[0]!,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const t of owned) t.dispose();
    net.dispose();
  }
}

const SPEC: ExampleSpec = {
  name: 'onnx-finetune',
  summary:
    'Imports a small CNN that PyTorch trained on Fashion-MNIST classes 0-4 and exported to ONNX,\nfreezes its body, and fine-tunes its head on classes 5-9; prints test accuracy before and after.\nNeeds Fashion-MNIST (apt-get install dataset-fashion-mnist).',
  flags: {
    backend: backendFlag(),
    epochs: { help: 'fine-tuning epochs', default: '5' },
    limit: { help: 'labelled images of the new task to fine-tune on', default: '1000' },
    'test-limit': { help: 'test images of each task to score on', default: '2000' },
    dir: dirFlag(),
  },
};

async function main(flags: ExampleFlags): Promise<void> {
  const { line } = await useBackend(flags.backend);
  console.log(line);
  const r = await runOnnxFineTune({
    dir: flags.dir,
    epochs: flags.epochs,
    fineTuneImages: flags.limit,
    testImages: flags.testLimit,
  });
  console.log(
    `imported PyTorch CNN, accuracy on its own task (classes 0-4): ${r.originalAccuracy.toFixed(4)}\n` +
      `new task (classes 5-9), ${r.testImages} test images:\n` +
      `  before fine-tuning: ${r.beforeAccuracy.toFixed(4)}\n` +
      `  after fine-tuning the head on ${r.fineTuneImages} images: ${r.afterAccuracy.toFixed(4)} ` +
      `(${r.trainableParams} of ${r.totalParams} parameters trained)\n` +
      `frozen body unchanged by fine-tuning: ${r.bodyUnchanged ? 'yes' : 'NO'}\n` +
      `seconds: ${r.seconds.toFixed(1)}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await runExample(SPEC, main);
