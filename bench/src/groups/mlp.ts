// A 784-256-128-10 MLP (dense + relu, dense + relu, dense, softmax) written twice with plain ops,
// Nabla's and TF.js's, from the same initial weights; and the inference group: one forward pass
// at batch 1 (latency) and batch 128 (throughput), reported in samples/s and ms per pass.

import { matmul, relu, softmax, type Tensor, tensor, tidy } from '@nabla/core';
import * as tf from '@tensorflow/tfjs-core';
import { activate, PAIRINGS, type Pairing } from '../pairings.js';
import {
  type BenchCase,
  type BenchRow,
  compareCalls,
  type GroupOptions,
  randomValues,
  timeCall,
} from '../registry.js';

/** Layer widths, input first. */
export const MLP_UNITS: readonly number[] = [784, 256, 128, 10];

/** The MLP's name in row labels. */
export const MLP_LABEL: string = MLP_UNITS.join('-');

/** Values and shape of one weight, uploaded identically to both frameworks. */
export interface WeightValues {
  values: Float32Array;
  shape: number[];
}

/**
 * Glorot-uniform kernels (limit √(6 / (fanIn + fanOut))) and zero biases, `[w1, b1, w2, b2, ...]`,
 * for layer widths `units` (input first; default the 784-256-128-10 MLP).
 */
export function initialWeights(seed: number, units: readonly number[] = MLP_UNITS): WeightValues[] {
  const weights: WeightValues[] = [];
  for (let layer = 0; layer + 1 < units.length; layer++) {
    const fanIn = units[layer]!;
    const fanOut = units[layer + 1]!;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const kernel = randomValues(fanIn * fanOut, seed + layer).map((v) => v * limit);
    weights.push({ values: kernel, shape: [fanIn, fanOut] });
    weights.push({ values: new Float32Array(fanOut), shape: [fanOut] });
  }
  return weights;
}

/** Logits of the MLP on Nabla: `params` is `[w1, b1, w2, b2, ...]`, relu between layers. */
export function nablaLogits(params: readonly Tensor[], x: Tensor): Tensor {
  let h = x;
  for (let i = 0; i < params.length; i += 2) {
    h = matmul(h, params[i]!).add(params[i + 1]!);
    if (i + 2 < params.length) h = relu(h);
  }
  return h;
}

/** Logits of the MLP on TF.js, the same ops as `nablaLogits`. */
export function tfjsLogits(params: readonly tf.Tensor[], x: tf.Tensor): tf.Tensor {
  let h = x;
  for (let i = 0; i < params.length; i += 2) {
    h = tf.add(tf.matMul(h, params[i]!), params[i + 1]!);
    if (i + 2 < params.length) h = tf.relu(h);
  }
  return h;
}

const BATCHES = [1, 128];

function inferenceRow(batch: number, pairing: Pairing): BenchRow {
  const inputShape = [batch, MLP_UNITS[0]!];
  return {
    group: 'mlp-infer',
    name: `mlp ${MLP_LABEL} predict batch ${batch}`,
    backend: pairing.backend,
    peer: pairing.peer,
    unit: 'samples/s',
    work: batch,
    latency: { unit: 'ms', per: 'forward pass', count: 1 },
    async setup(): Promise<BenchCase> {
      await activate(pairing);
      const weights = initialWeights(41);
      const xValues = randomValues(batch * MLP_UNITS[0]!, 42).map((v) => (v + 1) / 2);
      const params = weights.map((w) => tensor(w.values, w.shape));
      const x: Tensor = tensor(xValues, inputShape);
      const tparams = weights.map((w) => tf.tensor(w.values, w.shape, 'float32'));
      const tx = tf.tensor(xValues, inputShape, 'float32');
      // tidy frees the intermediates (pre-activations, hidden layers), as a user would write it.
      const ours = (): Tensor => tidy(() => softmax(nablaLogits(params, x)));
      const theirs = (): tf.Tensor => tf.tidy(() => tf.softmax(tfjsLogits(tparams, tx)));
      return {
        ours: () => timeCall(ours),
        theirs: () => timeCall(theirs),
        verify: () => compareCalls(ours, theirs),
        dispose() {
          for (const t of [...params, x]) t.dispose();
          for (const t of [...tparams, tx]) t.dispose();
        },
      };
    },
  };
}

/** The inference group: batch 1 and batch 128 on every pairing. */
export function mlpInferGroup(_options: GroupOptions): BenchRow[] {
  return PAIRINGS.flatMap((pairing) => BATCHES.map((batch) => inferenceRow(batch, pairing)));
}
