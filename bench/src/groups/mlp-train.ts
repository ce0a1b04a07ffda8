// One training epoch of the 784-256-128-10 MLP with Adam (lr 1e-3, β1 0.9, β2 0.999, ε 1e-7)
// and softmax cross-entropy, batch 128, in samples/s. Both sides start from the same weights,
// see the same batches in the same order (uploaded once, outside the timing), run the same
// number of steps and read the loss back after every step, as `fit` does. Nabla's side is core
// ops, `valueAndGrads` and the small Adam below; TF.js's is `tf.train.adam().minimize`, which
// takes `tf.variableGrads` and TF.js's own Adam. Each call trains on from where the last left
// off, so `verify` checks that both losses went down and compares the first steps' losses.

import { dispose, type Tensor, tensor, tidy, valueAndGrads, zerosLike } from '@nabla/core';
import * as tf from '@tensorflow/tfjs-core';
import { type Dataset, hasFashionMnist, trainingData } from '../fashion-mnist.js';
import { activate, PAIRINGS, type Pairing } from '../pairings.js';
import {
  type BenchCase,
  type BenchRow,
  type GroupOptions,
  relativeError,
  secondsSince,
} from '../registry.js';
import { initialWeights, MLP_UNITS, nablaLogits, tfjsLogits } from './mlp.js';

const LEARNING_RATE = 1e-3;
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;
const BATCH = 128;
const SAMPLES = 12_800;
const QUICK_SAMPLES = 512;
/**
 * Steps whose losses `verify` compares. Past a few dozen Adam steps the two curves drift apart
 * (agreeing to 1e-6 for 25 steps, 1e-3 relative by step 40), most likely because Adam divides by
 * √v: a gradient that is rounding noise in one framework and exactly zero in the other, or of
 * the other sign, becomes a full-size step.
 */
const COMPARED_STEPS = 20;

/** Adam's state on Nabla: the parameters, both moments and the step count. */
interface AdamState {
  params: Tensor[];
  m: Tensor[];
  v: Tensor[];
  step: number;
}

/**
 * One Adam step written as TF.js writes it, so the two trajectories can be compared:
 * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε).
 */
function adamStep(state: AdamState, grads: readonly Tensor[]): AdamState {
  const step = state.step + 1;
  const c1 = 1 - BETA1 ** step;
  const c2 = 1 - BETA2 ** step;
  const m = state.m.map((mi, i) => mi.mul(BETA1).add(grads[i]!.mul(1 - BETA1)));
  const v = state.v.map((vi, i) => vi.mul(BETA2).add(grads[i]!.square().mul(1 - BETA2)));
  const params = state.params.map((p, i) =>
    m[i]!.div(c1).div(v[i]!.div(c2).sqrt().add(EPSILON)).mul(-LEARNING_RATE).add(p),
  );
  return { params, m, v, step };
}

/** Softmax cross-entropy from logits and one-hot labels, averaged over the batch. */
function nablaLoss(logits: Tensor, y: Tensor): Tensor {
  return logits.logSoftmax().mul(y).sum({ axis: -1 }).mean().neg();
}

function tfjsLoss(logits: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), y), -1))) as tf.Scalar;
}

const PIXELS = 784;
const CLASSES = 10;

/** Consecutive batches of `batchSize` (the last one may be smaller), as values to upload. */
function batches(data: Dataset, batchSize: number): { x: Float32Array; y: Float32Array; n: number }[] {
  const out: { x: Float32Array; y: Float32Array; n: number }[] = [];
  for (let start = 0; start < data.count; start += batchSize) {
    const n = Math.min(batchSize, data.count - start);
    out.push({
      x: data.x.subarray(start * PIXELS, (start + n) * PIXELS),
      y: data.y.subarray(start * CLASSES, (start + n) * CLASSES),
      n,
    });
  }
  return out;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Throws unless training lowered the loss: within the first epoch, and from the first epoch to the last. */
function checkLossFell(side: string, first: readonly number[], last: readonly number[]): void {
  const tail = first.slice(Math.floor((first.length * 3) / 4));
  if (!(mean(tail) < first[0]!) || !(mean(last) < mean(first))) {
    throw new Error(
      `bench: ${side} loss did not decrease: first step ${first[0]}, end of first epoch ${mean(tail)}, ` +
        `first epoch mean ${mean(first)}, last epoch mean ${mean(last)}`,
    );
  }
}

/** Options of one training row; the group picks them from `--quick`, tests pick tiny ones. */
export interface TrainOptions {
  samples: number;
  batchSize: number;
  /** Layer widths, from 784 inputs to 10 classes; default 784-256-128-10. */
  units?: readonly number[];
}

/** One training-epoch row: `samples` samples in batches of `batchSize`. */
export function trainRow(options: TrainOptions, pairing: Pairing): BenchRow {
  const { samples, batchSize, units = MLP_UNITS } = options;
  if (units[0] !== PIXELS || units[units.length - 1] !== CLASSES) {
    throw new Error(`bench: the MLP must map ${PIXELS} pixels to ${CLASSES} classes, got ${units.join('-')}`);
  }
  const source = hasFashionMnist() ? 'fashion-mnist' : 'synthetic';
  const steps = Math.ceil(samples / batchSize);
  return {
    group: 'mlp-train',
    name: `mlp ${units.join('-')} train epoch adam batch ${batchSize} × ${steps} steps (${samples} ${source})`,
    backend: pairing.backend,
    peer: pairing.peer,
    unit: 'samples/s',
    work: samples,
    latency: { unit: 's', per: 'epoch', count: 1 },
    async setup(): Promise<BenchCase> {
      await activate(pairing);
      const data = trainingData(samples);
      const weights = initialWeights(61, units);
      const plan = batches(data, batchSize);
      const shapeX = (n: number): number[] => [n, PIXELS];
      const shapeY = (n: number): number[] => [n, CLASSES];

      const ourBatches = plan.map((b) => [tensor(b.x, shapeX(b.n)), tensor(b.y, shapeY(b.n))] as const);
      const params = weights.map((w) => tensor(w.values, w.shape));
      let state: AdamState = {
        params,
        m: params.map((p) => zerosLike(p)),
        v: params.map((p) => zerosLike(p)),
        step: 0,
      };

      const theirBatches = plan.map(
        (b) => [tf.tensor(b.x, shapeX(b.n), 'float32'), tf.tensor(b.y, shapeY(b.n), 'float32')] as const,
      );
      const variables = weights.map((w) => {
        const initial = tf.tensor(w.values, w.shape, 'float32');
        const v = tf.variable(initial);
        initial.dispose();
        return v;
      });
      const optimizer = tf.train.adam(LEARNING_RATE, BETA1, BETA2, EPSILON);

      const losses = { ours: [] as number[][], theirs: [] as number[][] };
      return {
        async ours() {
          const epoch: number[] = [];
          const start = performance.now();
          for (const [x, y] of ourBatches) {
            const next = tidy(() => {
              const loss = (...p: Tensor[]): Tensor => nablaLoss(nablaLogits(p, x), y);
              const { value, grads } = valueAndGrads(loss)(state.params);
              return { loss: value, state: adamStep(state, grads) };
            });
            dispose([state.params, state.m, state.v]);
            state = next.state;
            epoch.push((await next.loss.data())[0]!);
            next.loss.dispose();
          }
          const seconds = secondsSince(start);
          losses.ours.push(epoch);
          return seconds;
        },
        async theirs() {
          const epoch: number[] = [];
          const start = performance.now();
          for (const [x, y] of theirBatches) {
            const loss = optimizer.minimize(() => tfjsLoss(tfjsLogits(variables, x), y), true, variables)!;
            epoch.push((await loss.data())[0]!);
            loss.dispose();
          }
          const seconds = secondsSince(start);
          losses.theirs.push(epoch);
          return seconds;
        },
        async verify() {
          const ours = losses.ours;
          const theirs = losses.theirs;
          checkLossFell('Nabla', ours[0]!, ours[ours.length - 1]!);
          checkLossFell('TF.js', theirs[0]!, theirs[theirs.length - 1]!);
          // The first epochs start from the same weights and see the same batches.
          return relativeError(ours[0]!.slice(0, COMPARED_STEPS), theirs[0]!.slice(0, COMPARED_STEPS));
        },
        dispose() {
          dispose([state.params, state.m, state.v, ourBatches.flat()]);
          for (const t of [...variables, ...theirBatches.flat()]) t.dispose();
          optimizer.dispose();
        },
      };
    },
  };
}

/** The training group: one epoch of 12,800 samples (`--quick`: 512) on every pairing. */
export function mlpTrainGroup(options: GroupOptions): BenchRow[] {
  const samples = options.quick ? QUICK_SAMPLES : SAMPLES;
  return PAIRINGS.map((pairing) => trainRow({ samples, batchSize: BATCH }, pairing));
}
