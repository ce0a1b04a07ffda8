// A convolutional network on Fashion-MNIST: two conv(3×3, same) + batch norm + 2×2 max-pool
// blocks (32 and 64 filters), a 128-unit dense layer with dropout and 10 logits, trained with
// Adam on sparse cross-entropy from logits, its learning rate decaying from 0.001 to 0 along a
// cosine over the run (the last, small steps settle the weights: a constant rate stalls near
// 0.914). On the CPU backend, run it on a subset (--limit, --test-limit) to measure.

import { join } from 'node:path';
import { getBackend } from '@nabla/core';
import {
  adam,
  batchNormalization,
  conv2d,
  cosineDecay,
  dense,
  dropout,
  flatten,
  glorotUniform,
  type History,
  imageSplitToTensors,
  maxPooling2d,
  type Sequential,
  sequential,
  sparseCategoricalCrossentropy,
} from '@nabla/nn';
import { useBackend } from './backend.js';
import { type ExampleFlags, type ExampleSpec, OUT_DIR, runExample } from './cli.js';
import { imageFlags } from './fashion-mnist-mlp.js';
import { loadImagesOrDigits } from './image-data.js';
import { average, epochTimer, writeCurvesSvg } from './training-report.js';

/** Options of {@link runFashionMnistCnn}. */
export interface CnnOptions {
  epochs?: number;
  /** Keep only the first `limit` training images (default: all 60,000). */
  limit?: number;
  /** Keep only the first `testLimit` test images (default: `limit`, or all 10,000). */
  testLimit?: number;
  dir?: string;
  batchSize?: number;
  /** Filters of the two conv layers (default [32, 64]; tests train a smaller net). */
  filters?: readonly [number, number];
  outDir?: string;
  seed?: number;
  verbose?: 0 | 1 | 2;
  log?: (line: string) => void;
}

/** What {@link runFashionMnistCnn} measured. */
export interface CnnResult {
  source: 'fashion-mnist' | 'mnist-digits';
  backend: string;
  trainImages: number;
  testImages: number;
  epochs: number;
  testAccuracy: number;
  /** Seconds of training batches per epoch (validation excluded). */
  secondsPerEpoch: number[];
  history: History['history'];
  curvesPath: string;
}

/**
 * The CNN of this example (NHWC input [28, 28, 1], 10 logits), with `filters` in its two conv
 * layers.
 * @example
 * const net = fashionCnn(1); net.summary();
 */
export function fashionCnn(seed: number, filters: readonly [number, number] = [32, 64]): Sequential {
  const init = (offset: number) => glorotUniform({ seed: seed + offset });
  return sequential(
    [
      conv2d({
        filters: filters[0],
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        inputShape: [28, 28, 1],
        kernelInitializer: init(0),
      }),
      // Momentum 0.9 (Keras: 0.99) lets the moving statistics used at test time catch up
      // within the first hundred steps, which matters for the short runs a CPU can afford.
      batchNormalization({ momentum: 0.9 }),
      maxPooling2d({ poolSize: 2 }),
      conv2d({
        filters: filters[1],
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      batchNormalization({ momentum: 0.9 }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
      dense({ units: 128, activation: 'relu', kernelInitializer: init(2) }),
      dropout({ rate: 0.3, seed }),
      dense({ units: 10, kernelInitializer: init(3) }),
    ],
    { name: 'fashion_mnist_cnn' },
  );
}

/**
 * Trains the CNN and evaluates it on the test split (used as validation data each epoch).
 * @example
 * const { testAccuracy, secondsPerEpoch } = await runFashionMnistCnn({ epochs: 2, limit: 6000 });
 */
export async function runFashionMnistCnn(options: CnnOptions = {}): Promise<CnnResult> {
  const { epochs = 10, limit, dir, batchSize = 64, outDir = OUT_DIR, seed = 1, verbose = 1 } = options;
  const log = options.log ?? console.log;
  const backend = getBackend();
  const { dataset, source, note } = await loadImagesOrDigits({ dir, limit, testLimit: options.testLimit });
  log(note);
  const testSplit = dataset.test;
  const train = imageSplitToTensors(dataset.train);
  const test = imageSplitToTensors(testSplit);
  const net = fashionCnn(seed, options.filters);
  const steps = epochs * Math.ceil(dataset.train.count / batchSize);
  net.compile({
    optimizer: adam({ learningRate: cosineDecay({ initialLearningRate: 1e-3, decaySteps: steps }) }),
    loss: sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: ['accuracy'],
  });
  if (verbose > 0) net.summary(log);
  const timer = epochTimer();
  try {
    const history = await net.fit(train.x, train.y, {
      epochs,
      batchSize,
      validationData: [test.x, test.y],
      validationBatchSize: 256,
      verbose,
      seed,
      callbacks: [timer],
    });
    // The last epoch's validation ran on the test split with the final weights.
    const testAccuracy = history.history.val_accuracy?.at(-1) ?? Number.NaN;
    const curvesPath = join(outDir, 'fashion-mnist-cnn-curves.svg');
    await writeCurvesSvg(
      history,
      source === 'fashion-mnist' ? 'CNN, Fashion-MNIST' : 'CNN, MNIST digits',
      curvesPath,
    );
    return {
      source,
      backend,
      trainImages: dataset.train.count,
      testImages: testSplit.count,
      epochs: history.epoch.length,
      testAccuracy,
      secondsPerEpoch: timer.trainSeconds,
      history: history.history,
      curvesPath,
    };
  } finally {
    for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
    net.dispose();
  }
}

const SPEC: ExampleSpec = {
  name: 'fashion-mnist-cnn',
  summary:
    'Trains a CNN (two conv + batch norm + max-pool blocks, dense 128, dropout, 10 logits) on\nFashion-MNIST with Adam and reports test accuracy and time per epoch. On the CPU backend,\nrun it on a subset: --limit 6000 --test-limit 2000 --epochs 2.',
  flags: imageFlags({ epochs: '10', batchSize: '64' }),
};

async function main(flags: ExampleFlags): Promise<void> {
  const { line } = await useBackend(flags.backend);
  console.log(line);
  const r = await runFashionMnistCnn({
    epochs: flags.epochs,
    limit: flags.limit,
    testLimit: flags.testLimit,
    dir: flags.dir,
    batchSize: flags.batchSize,
  });
  const perEpoch = average(r.secondsPerEpoch);
  const perImage = perEpoch / r.trainImages;
  console.log(
    `test accuracy ${r.testAccuracy.toFixed(4)} on ${r.testImages} test images after ${r.epochs} epoch${r.epochs === 1 ? '' : 's'} on ${r.trainImages} images (${r.backend} backend)`,
  );
  // On a subset (--limit), the time a full 60,000-image epoch would take at the same pace.
  const full = perImage * 60000;
  const estimate =
    r.trainImages === 60000
      ? ''
      : `: a 60,000-image epoch would take about ${full < 120 ? `${full.toFixed(0)} s` : `${(full / 60).toFixed(0)} min`} on this backend`;
  console.log(
    `${perEpoch.toFixed(1)} s of training per epoch (${(perImage * 1000).toFixed(2)} ms per image)${estimate}`,
  );
  console.log(`learning curves: ${r.curvesPath}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await runExample(SPEC, main);
