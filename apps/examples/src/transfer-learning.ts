// Transfer learning: train a small CNN on the MNIST digits, save it, load it back with
// loadModel, freeze its convolutional base (trainable = false), put a new dense head on it in a
// functional model, and fine-tune the head on only 1,000 labelled Fashion-MNIST images. The
// same architecture trained from scratch on the same 1,000 images is the baseline.

import { join } from 'node:path';
import {
  conv2d,
  dense,
  flatten,
  glorotUniform,
  imageSplitToTensors,
  input,
  type Layer,
  limitSplit,
  loadModel,
  type Model,
  maxPooling2d,
  model,
  sequential,
} from '@nabla/nn';
import { FASHION_MNIST_DIR, loadFashionMnist, loadMnistDigits } from '@nabla/nn/node';
import { useBackend } from './backend.js';
import { backendFlag, dirFlag, type ExampleFlags, type ExampleSpec, OUT_DIR, runExample } from './cli.js';

/** Options of {@link runTransferLearning}. */
export interface TransferOptions {
  /** Epochs of pretraining on the digits. */
  pretrainEpochs?: number;
  /** Digits used for pretraining (at most 8,000: the train split of the `mnist` package). */
  pretrainImages?: number;
  /** Labelled Fashion-MNIST images for fine-tuning (and for the from-scratch baseline). */
  fineTuneImages?: number;
  /** Epochs of fine-tuning (the baseline trains as many). */
  fineTuneEpochs?: number;
  /** Fashion-MNIST test images to score both models on. */
  testImages?: number;
  dir?: string;
  /** Where the pretrained model is saved (default apps/examples/out/digits-cnn). */
  outDir?: string;
  seed?: number;
  verbose?: 0 | 1 | 2;
  log?: (line: string) => void;
}

/** What {@link runTransferLearning} measured. */
export interface TransferResult {
  /** Accuracy of the pretrained digit classifier on held-out digits. */
  digitsAccuracy: number;
  /** Fashion-MNIST test accuracy: frozen pretrained base + new head. */
  pretrainedAccuracy: number;
  /** Fashion-MNIST test accuracy: the same architecture trained from scratch. */
  scratchAccuracy: number;
  fineTuneImages: number;
  testImages: number;
  /** Whether fine-tuning left every weight of the frozen base bit for bit as loaded. */
  baseUnchanged: boolean;
  /** Trainable parameters of the fine-tuned model and of the baseline. */
  trainableParams: { pretrained: number; scratch: number };
  seconds: { pretrain: number; fineTune: number; scratch: number; total: number };
  modelDir: string;
}

const BASE_NAMES = ['base_conv1', 'base_pool1', 'base_conv2', 'base_pool2', 'base_flatten'] as const;

/** conv(16) → pool → conv(32) → pool → flatten, the part that transfers. */
function convBase(seed: number): Layer[] {
  return [
    conv2d({
      name: 'base_conv1',
      filters: 16,
      kernelSize: 3,
      activation: 'relu',
      inputShape: [28, 28, 1],
      kernelInitializer: glorotUniform({ seed }),
    }),
    maxPooling2d({ name: 'base_pool1', poolSize: 2 }),
    conv2d({
      name: 'base_conv2',
      filters: 32,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: glorotUniform({ seed: seed + 1 }),
    }),
    maxPooling2d({ name: 'base_pool2', poolSize: 2 }),
    flatten({ name: 'base_flatten' }),
  ];
}

/** A 64-unit hidden layer and a 10-way softmax, named after the task. */
function head(task: string, seed: number): Layer[] {
  return [
    dense({
      name: `${task}_hidden`,
      units: 64,
      activation: 'relu',
      kernelInitializer: glorotUniform({ seed: seed + 2 }),
    }),
    dense({
      name: `${task}_output`,
      units: 10,
      activation: 'softmax',
      kernelInitializer: glorotUniform({ seed: seed + 3 }),
    }),
  ];
}

function compileForClasses(net: Model): void {
  net.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
}

function trainableCount(net: Model): number {
  return net.trainableWeights.reduce((n, w) => n + w.size, 0);
}

/** Every weight value of some layers, in order. */
async function baseValues(layers: readonly Layer[]): Promise<number[]> {
  const values: number[] = [];
  for (const w of layers.flatMap((l) => l.weights)) values.push(...(await w.data()));
  return values;
}

/**
 * Pretrains on digits, transfers to Fashion-MNIST, and compares with training from scratch.
 * @example
 * const { pretrainedAccuracy, scratchAccuracy } = await runTransferLearning();
 */
export async function runTransferLearning(options: TransferOptions = {}): Promise<TransferResult> {
  const {
    pretrainEpochs = 2,
    pretrainImages = 8000,
    fineTuneImages = 1000,
    fineTuneEpochs = 10,
    testImages = 10000,
    dir = FASHION_MNIST_DIR,
    outDir = OUT_DIR,
    seed = 1,
    verbose = 2,
  } = options;
  const log = options.log ?? console.log;
  const started = performance.now();
  const since = (t: number) => (performance.now() - t) / 1000;
  // Fashion-MNIST first: when it is missing, say how to install it before any training.
  const fashion = await loadFashionMnist({ dir });
  const digits = await loadMnistDigits({ limit: pretrainImages });

  // 1. Pretrain base + digit head on the MNIST digits, and save it.
  let t = performance.now();
  const digitNet = sequential([...convBase(seed), ...head('digits', seed)], { name: 'digits_cnn' });
  compileForClasses(digitNet);
  const digitTrain = imageSplitToTensors(digits.train);
  const digitTest = imageSplitToTensors(digits.test);
  log(`pretraining on ${digits.train.count} MNIST digits for ${pretrainEpochs} epochs`);
  await digitNet.fit(digitTrain.x, digitTrain.y, { epochs: pretrainEpochs, batchSize: 64, verbose, seed });
  const { accuracy: digitsAccuracy = Number.NaN } = await digitNet.evaluate(digitTest.x, digitTest.y, {
    batchSize: 256,
  });
  const modelDir = join(outDir, 'digits-cnn');
  await digitNet.save(modelDir);
  for (const x of [digitTrain.x, digitTrain.y, digitTest.x, digitTest.y]) x.dispose();
  digitNet.dispose();
  const pretrainSeconds = since(t);
  log(`digits test accuracy ${digitsAccuracy.toFixed(4)}; saved to ${modelDir}`);

  const fashionTrain = imageSplitToTensors(limitSplit(fashion.train, fineTuneImages, 'runTransferLearning'));
  const testSplit = limitSplit(fashion.test, testImages, 'runTransferLearning');
  const fashionTest = imageSplitToTensors(testSplit);
  const fitOptions = { epochs: fineTuneEpochs, batchSize: 32, verbose, seed } as const;
  const owned: Model[] = [];
  try {
    // 2. Load it, freeze the base, and put a new head on it (a functional model).
    t = performance.now();
    const loaded = await loadModel(modelDir);
    owned.push(loaded);
    const base = BASE_NAMES.map((name) => loaded.getLayer(name));
    for (const layer of base) layer.trainable = false;
    const images = input({ shape: [28, 28, 1], name: 'fashion_images' });
    const features = base.reduce((x, layer) => layer.apply(x), images);
    const probabilities = head('fashion', seed).reduce((x, layer) => layer.apply(x), features);
    const tuned = model({ inputs: images, outputs: probabilities, name: 'fashion_from_digits' });
    owned.push(tuned);
    compileForClasses(tuned);
    log(`fine-tuning a new head on the frozen base with ${fashionTrain.y.shape[0]} Fashion-MNIST images`);
    const before = await baseValues(base);
    await tuned.fit(fashionTrain.x, fashionTrain.y, fitOptions);
    const after = await baseValues(base);
    const baseUnchanged = before.every((v, i) => Object.is(v, after[i]));
    const { accuracy: pretrainedAccuracy = Number.NaN } = await tuned.evaluate(fashionTest.x, fashionTest.y, {
      batchSize: 256,
    });
    const fineTuneSeconds = since(t);

    // 3. The same architecture from scratch, on the same images for the same epochs.
    t = performance.now();
    const scratch = sequential([...convBase(seed + 10), ...head('scratch', seed + 10)], {
      name: 'scratch_cnn',
    });
    owned.push(scratch);
    compileForClasses(scratch);
    log(`training the same architecture from scratch on the same ${fashionTrain.y.shape[0]} images`);
    await scratch.fit(fashionTrain.x, fashionTrain.y, fitOptions);
    const { accuracy: scratchAccuracy = Number.NaN } = await scratch.evaluate(fashionTest.x, fashionTest.y, {
      batchSize: 256,
    });
    const scratchSeconds = since(t);
    return {
      digitsAccuracy,
      pretrainedAccuracy,
      scratchAccuracy,
      baseUnchanged,
      fineTuneImages: fashionTrain.y.shape[0]!,
      testImages: testSplit.count,
      trainableParams: { pretrained: trainableCount(tuned), scratch: trainableCount(scratch) },
      seconds: {
        pretrain: pretrainSeconds,
        fineTune: fineTuneSeconds,
        scratch: scratchSeconds,
        total: since(started),
      },
      modelDir,
    };
  } finally {
    // The tuned model shares its base with `loaded`; disposing a weight twice is a no-op.
    for (const net of owned) net.dispose();
    for (const t of [fashionTrain.x, fashionTrain.y, fashionTest.x, fashionTest.y]) t.dispose();
  }
}

const SPEC: ExampleSpec = {
  name: 'transfer-learning',
  summary:
    'Pretrains a small CNN on 8,000 MNIST digits, saves and reloads it, freezes its convolutional\nbase, fine-tunes a new head on a few labelled Fashion-MNIST images, and compares with the same\narchitecture trained from scratch on them. Needs Fashion-MNIST (apt-get install dataset-fashion-mnist).',
  flags: {
    backend: backendFlag(),
    epochs: { help: 'fine-tuning epochs (the from-scratch baseline trains as many)', default: '10' },
    limit: { help: 'labelled Fashion-MNIST images to fine-tune on', default: '1000' },
    'test-limit': { help: 'Fashion-MNIST test images to score both models on', default: '10000' },
    dir: dirFlag(),
  },
};

async function main(flags: ExampleFlags): Promise<void> {
  const { line } = await useBackend(flags.backend);
  console.log(line);
  const r = await runTransferLearning({
    dir: flags.dir,
    fineTuneEpochs: flags.epochs,
    fineTuneImages: flags.limit,
    testImages: flags.testLimit,
  });
  console.log(
    `Fashion-MNIST test accuracy on ${r.testImages} images after training on ${r.fineTuneImages} labelled images:\n` +
      `  pretrained digit base (frozen) + new head: ${r.pretrainedAccuracy.toFixed(4)} (${r.trainableParams.pretrained} trainable parameters)\n` +
      `  same architecture from scratch:            ${r.scratchAccuracy.toFixed(4)} (${r.trainableParams.scratch} trainable parameters)\n` +
      `frozen base unchanged by fine-tuning: ${r.baseUnchanged ? 'yes' : 'NO'}\n` +
      `seconds: pretrain ${r.seconds.pretrain.toFixed(1)}, fine-tune ${r.seconds.fineTune.toFixed(1)}, ` +
      `scratch ${r.seconds.scratch.toFixed(1)}, total ${r.seconds.total.toFixed(1)}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await runExample(SPEC, main);
