// Train in Nabla, serve with ONNX Runtime: a small MLP trained briefly on Fashion-MNIST is
// exported with @nabla/onnx to out/fashion-mnist-mlp.onnx, loaded by onnxruntime-node and run
// on the test images; the example reports how far ONNX Runtime's probabilities are from
// Nabla's (max abs diff) and whether every predicted class agrees. Without Fashion-MNIST
// installed it trains on the MNIST digits of the `mnist` package, and says so.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dense, glorotUniform, imageSplitToTensors, sequential } from '@nabla/nn';
import { saveOnnx } from '@nabla/onnx/node';
import ort from 'onnxruntime-node';
import { useBackend } from './backend.js';
import { type ExampleFlags, type ExampleSpec, OUT_DIR, runExample } from './cli.js';
import { imageFlags, type MlpOptions } from './fashion-mnist-mlp.js';
import { loadImagesOrDigits } from './image-data.js';

/**
 * Options of {@link runOnnxExport}: the MLP example's (a shorter default run: `limit` 10,000
 * training images, `testLimit` 2,000 test images, 2 epochs; `outDir` gets the .onnx file).
 */
export type OnnxExportOptions = MlpOptions;

/** What {@link runOnnxExport} measured. */
export interface OnnxExportResult {
  source: 'fashion-mnist' | 'mnist-digits';
  onnxPath: string;
  onnxBytes: number;
  testImages: number;
  /** Accuracy of Nabla's predictions on the test images. */
  nablaAccuracy: number;
  /** Accuracy of ONNX Runtime's predictions on the same images. */
  onnxAccuracy: number;
  /** Largest |onnx − nabla| over every class probability of every test image. */
  maxAbsDiff: number;
  /** Test images on which both predict the same class. */
  argmaxAgreement: number;
}

function argmaxRows(data: ArrayLike<number>, classes: number): number[] {
  const out: number[] = [];
  for (let row = 0; row * classes < data.length; row++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (data[row * classes + k]! > data[row * classes + best]!) best = k;
    out.push(best);
  }
  return out;
}

/**
 * Trains the MLP, exports it to ONNX, runs the file in ONNX Runtime and compares predictions.
 * @example
 * const r = await runOnnxExport({ epochs: 1 });
 * r.argmaxAgreement === r.testImages; // true
 */
export async function runOnnxExport(options: OnnxExportOptions = {}): Promise<OnnxExportResult> {
  const {
    epochs = 2,
    limit = 10_000,
    testLimit = 2000,
    dir,
    batchSize = 128,
    seed = 1,
    verbose = 1,
  } = options;
  const outDir = options.outDir ?? OUT_DIR;
  const log = options.log ?? console.log;
  const { dataset, source, note } = await loadImagesOrDigits({ dir, limit, testLimit });
  log(note);
  const train = imageSplitToTensors(dataset.train, { flatten: true });
  const test = imageSplitToTensors(dataset.test, { flatten: true });
  const net = sequential(
    [
      dense({
        units: 128,
        activation: 'relu',
        inputShape: [784],
        kernelInitializer: glorotUniform({ seed }),
      }),
      dense({ units: 10, activation: 'softmax', kernelInitializer: glorotUniform({ seed: seed + 1 }) }),
    ],
    { name: 'fashion_mnist_mlp' },
  );
  try {
    net.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await net.fit(train.x, train.y, { epochs, batchSize, verbose, seed });
    await mkdir(outDir, { recursive: true });
    const onnxPath = join(outDir, 'fashion-mnist-mlp.onnx');
    const { bytes: onnxBytes } = await saveOnnx(net, onnxPath);
    log(`exported to ${onnxPath} (${(onnxBytes / 1024).toFixed(0)} KiB)`);

    const session = await ort.InferenceSession.create(onnxPath);
    const pixels = await test.x.data();
    const feeds = {
      [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(pixels), test.x.shape),
    };
    const onnxProbs = (await session.run(feeds))[session.outputNames[0]!]!.data as Float32Array;
    const nablaOut = net.predict(test.x, { batchSize: 512 });
    const nablaProbs = await nablaOut.data();
    nablaOut.dispose();
    await session.release();

    const labels = await test.y.data();
    const ours = argmaxRows(nablaProbs, 10);
    const theirs = argmaxRows(onnxProbs, 10);
    let maxAbsDiff = 0;
    for (let i = 0; i < nablaProbs.length; i++)
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(onnxProbs[i]! - nablaProbs[i]!));
    const count = (f: (i: number) => boolean) => ours.filter((_, i) => f(i)).length;
    return {
      source,
      onnxPath,
      onnxBytes,
      testImages: ours.length,
      nablaAccuracy: count((i) => ours[i] === labels[i]) / ours.length,
      onnxAccuracy: count((i) => theirs[i] === labels[i]) / ours.length,
      maxAbsDiff,
      argmaxAgreement: count((i) => ours[i] === theirs[i]),
    };
  } finally {
    for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
    net.dispose();
  }
}

const SPEC: ExampleSpec = {
  name: 'onnx-export',
  summary:
    'Trains a 784-128-10 MLP on Fashion-MNIST, exports it to apps/examples/out/fashion-mnist-mlp.onnx,\nruns the file in onnxruntime-node on the test images and compares its predictions with Nabla’s.',
  flags: {
    ...imageFlags({ epochs: '2', batchSize: '128' }),
    limit: { help: 'train on the first N training images', default: '10000' },
    'test-limit': { help: 'compare on the first N test images', default: '2000' },
  },
};

async function main(flags: ExampleFlags): Promise<void> {
  const { line } = await useBackend(flags.backend);
  console.log(line);
  const r = await runOnnxExport({
    epochs: flags.epochs,
    limit: flags.limit,
    testLimit: flags.testLimit,
    dir: flags.dir,
    batchSize: flags.batchSize,
  });
  console.log(
    `on ${r.testImages} test images: Nabla accuracy ${r.nablaAccuracy.toFixed(4)}, ONNX Runtime accuracy ${r.onnxAccuracy.toFixed(4)}`,
  );
  const same = r.argmaxAgreement === r.testImages ? 'identical' : 'DIFFERENT';
  console.log(
    `predicted classes ${same} (${r.argmaxAgreement}/${r.testImages} agree); max |onnx − nabla| over probabilities ${r.maxAbsDiff.toExponential(2)}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await runExample(SPEC, main);
