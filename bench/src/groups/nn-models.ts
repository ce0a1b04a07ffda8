// The two Fashion-MNIST models of the nn rows, built layer for layer the same way with Nabla's
// `@nabla/nn` and with `@tensorflow/tfjs-layers`, compiled the same way (Adam 1e-3, categorical
// cross-entropy on softmax outputs, accuracy) and given the same starting weights: Nabla's
// seeded initial weights are copied into the TF.js model.

import { type Tensor, tensor } from '@nabla/core';
import {
  adam,
  batchNormalization,
  conv2d,
  dense,
  flatten,
  glorotUniform,
  maxPooling2d,
  type Sequential,
  sequential,
} from '@nabla/nn';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Dataset } from '../fashion-mnist.js';

/** Which model: the 784-256-128-10 MLP, or the CNN with two conv + batch norm + pool blocks. */
export type NnModelKind = 'mlp' | 'cnn';

/** Row labels of the models. */
export const MODEL_LABELS: Record<NnModelKind, string> = {
  mlp: 'mlp 784-256-128-10',
  cnn: 'cnn conv32-bn-pool-conv64-bn-pool-dense128-10',
};

const LEARNING_RATE = 1e-3;
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/**
 * Training FLOP per sample, in GFLOP: three times the forward pass's 2·multiply-adds (the
 * forward product and the two gradient products), counting matmuls and convolutions only.
 */
export const TRAIN_GFLOP_PER_SAMPLE: Record<NnModelKind, number> = {
  mlp: (3 * 2 * (784 * 256 + 256 * 128 + 128 * 10)) / 1e9,
  cnn: (3 * 2 * (28 * 28 * 32 * 9 + 14 * 14 * 64 * 9 * 32 + 3136 * 128 + 128 * 10)) / 1e9,
};

/**
 * The warm-up of the `fit` rows, on both sides: untimed epochs (of the bench's 100-step MLP and
 * 32-step CNN epochs) before the timed ones, stopping after the epoch that passes `maxSeconds`
 * (or one over 2 s, `longCallSeconds`). V8 keeps optimising a training loop's JavaScript on
 * background threads for about its first thousand steps; measured here, a two-thread MLP step
 * took 2.2–2.7 ms over steps 300–900 and mostly 2.0–2.2 ms from step 1,000 on, while a
 * one-thread step was steady from step 200 (the background threads took the idle second core). A CNN step is
 * mostly kernels: steady from its second epoch. Users read the later epochs' times.
 */
export const FIT_WARMUP: { epochs: Record<NnModelKind, number>; maxSeconds: number } = {
  epochs: { mlp: 12, cnn: 2 },
  maxSeconds: 8,
};

/** Input shape of one sample: flat pixels for the MLP, an NHWC image for the CNN. */
export function sampleShape(kind: NnModelKind): number[] {
  return kind === 'mlp' ? [784] : [28, 28, 1];
}

function nablaModel(kind: NnModelKind, seed: number): Sequential {
  const init = (offset: number) => glorotUniform({ seed: seed + offset });
  if (kind === 'mlp') {
    return sequential([
      dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: init(0) }),
      dense({ units: 128, activation: 'relu', kernelInitializer: init(1) }),
      dense({ units: 10, activation: 'softmax', kernelInitializer: init(2) }),
    ]);
  }
  return sequential([
    conv2d({
      filters: 32,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      inputShape: [28, 28, 1],
      kernelInitializer: init(0),
    }),
    batchNormalization(),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
    batchNormalization(),
    maxPooling2d({ poolSize: 2 }),
    flatten(),
    dense({ units: 128, activation: 'relu', kernelInitializer: init(2) }),
    dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) }),
  ]);
}

function tfjsModel(kind: NnModelKind): tfl.Sequential {
  const layers =
    kind === 'mlp'
      ? [
          tfl.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }),
          tfl.layers.dense({ units: 128, activation: 'relu' }),
          tfl.layers.dense({ units: 10, activation: 'softmax' }),
        ]
      : [
          tfl.layers.conv2d({
            filters: 32,
            kernelSize: 3,
            padding: 'same',
            activation: 'relu',
            inputShape: [28, 28, 1],
          }),
          tfl.layers.batchNormalization(),
          tfl.layers.maxPooling2d({ poolSize: 2 }),
          tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
          tfl.layers.batchNormalization(),
          tfl.layers.maxPooling2d({ poolSize: 2 }),
          tfl.layers.flatten(),
          tfl.layers.dense({ units: 128, activation: 'relu' }),
          tfl.layers.dense({ units: 10, activation: 'softmax' }),
        ];
  return tfl.sequential({ layers });
}

/**
 * Nabla's model alone, built and compiled (Adam, categorical cross-entropy, accuracy), with a
 * `dispose` that frees it and its optimizer (optimizers passed to compile stay the caller's).
 */
export function compiledNablaModel(kind: NnModelKind, seed = 71): { model: Sequential; dispose(): void } {
  const model = nablaModel(kind, seed);
  if (!model.built) model.build([null, ...sampleShape(kind)]);
  const optimizer = adam({ learningRate: LEARNING_RATE, beta1: BETA1, beta2: BETA2, epsilon: EPSILON });
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return {
    model,
    dispose() {
      model.dispose();
      optimizer.dispose();
    },
  };
}

/** Both sides' model, compiled, with equal weights, and what must be freed with them. */
export interface ModelPair {
  ours: Sequential;
  theirs: tfl.Sequential;
  dispose(): void;
}

/**
 * Builds and compiles `kind` on the active backends of both frameworks, with Nabla's seeded
 * weights copied into TF.js's model (same layer order, same weight order and shapes).
 */
export async function modelPair(kind: NnModelKind, seed = 71): Promise<ModelPair> {
  const { model: ours, dispose: disposeOurs } = compiledNablaModel(kind, seed);
  const theirs = tfjsModel(kind);
  const theirOptimizer = tf.train.adam(LEARNING_RATE, BETA1, BETA2, EPSILON);
  theirs.compile({ optimizer: theirOptimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const pair: ModelPair = {
    ours,
    theirs,
    dispose() {
      disposeOurs();
      theirs.dispose();
      theirOptimizer.dispose();
    },
  };
  try {
    await copyWeights(kind, ours, theirs);
  } catch (error) {
    pair.dispose();
    throw error;
  }
  return pair;
}

/**
 * Copies Nabla's weights into TF.js's model, layer by layer (a whole tfjs-layers model lists its
 * trainable weights first, batch norm's moving statistics last; one layer lists them in order).
 */
async function copyWeights(kind: NnModelKind, ours: Sequential, theirs: tfl.Sequential): Promise<void> {
  const shapes = (list: readonly { shape: readonly number[] }[]) =>
    list.map((w) => w.shape.join('x')).join(', ');
  if (ours.layers.length !== theirs.layers.length) {
    throw new Error(
      `bench: ${kind} has ${ours.layers.length} layers on Nabla, ${theirs.layers.length} on TF.js`,
    );
  }
  for (const [i, layer] of ours.layers.entries()) {
    const weights = layer.getWeights();
    try {
      const target = theirs.layers[i]!;
      if (shapes(weights) !== shapes(target.getWeights())) {
        throw new Error(
          `bench: ${kind} layer ${i} weights differ: Nabla ${shapes(weights)}, TF.js ${shapes(target.getWeights())}`,
        );
      }
      if (weights.length === 0) continue;
      const copies = await Promise.all(
        weights.map(async (w) => tf.tensor(Float32Array.from(await w.data()), [...w.shape], 'float32')),
      );
      target.setWeights(copies);
      tf.dispose(copies);
    } finally {
      for (const w of weights) w.dispose();
    }
  }
}

/** A dataset uploaded to both frameworks: x in the model's input shape, y one-hot. */
export interface DataPair {
  x: Tensor;
  y: Tensor;
  tx: tf.Tensor;
  ty: tf.Tensor;
  dispose(): void;
}

/** Uploads `data` (or its first `count` samples) to both sides, shaped for `kind`. */
export function dataPair(data: Dataset, kind: NnModelKind, count = data.count): DataPair {
  const xShape = [count, ...sampleShape(kind)];
  const xValues = data.x.subarray(0, count * 784);
  const yValues = data.y.subarray(0, count * 10);
  const x = tensor(xValues, xShape);
  const y = tensor(yValues, [count, 10]);
  const tx = tf.tensor(xValues, xShape, 'float32');
  const ty = tf.tensor(yValues, [count, 10], 'float32');
  return {
    x,
    y,
    tx,
    ty,
    dispose() {
      x.dispose();
      y.dispose();
      tx.dispose();
      ty.dispose();
    },
  };
}
