// Accuracy metrics: binary (threshold), categorical (arg-max against one-hot) and sparse
// categorical (arg-max against class ids), and `resolveAccuracy`, which picks one from the
// loss as Keras does for metrics: ['accuracy'], falling back to the shapes of the data.

import { argMax, cast, equal, greater, mean, reshape, ShapeError, type Tensor } from '@nabla/core';
import { fmtShape } from '@nabla/core/internal';
import { align, sameShape } from '../losses/shared.js';
import type { Metric } from '../types.js';
import { meanMetric } from './state.js';

/** Options of the accuracy metrics. */
export interface AccuracyOptions {
  /** The name reported in logs. */
  name?: string;
}

/** Options of `binaryAccuracy`. */
export interface BinaryAccuracyOptions extends AccuracyOptions {
  /** Predictions above this count as 1 (default 0.5). */
  threshold?: number;
}

function binaryHits(threshold: number, name: string) {
  return (yTrue: Tensor, yPred: Tensor): Tensor => {
    const [t, p] = align(name, yTrue, yPred);
    // hit = [(ŷ > θ) = y], averaged over the last axis
    return mean(cast(equal(t, cast(greater(p, threshold), t.dtype)), 'float32'), { axis: -1 });
  };
}

function categoricalHits(name: string) {
  return (yTrue: Tensor, yPred: Tensor): Tensor => {
    const [t, p] = align(name, yTrue, yPred);
    return cast(equal(argMax(t, { axis: -1 }), argMax(p, { axis: -1 })), 'float32');
  };
}

function sparseHits(name: string) {
  return (yTrue: Tensor, yPred: Tensor): Tensor => {
    const batch = yPred.shape.slice(0, -1);
    const fits =
      yPred.rank >= 1 &&
      (sameShape(yTrue.shape, batch) ||
        (sameShape(yTrue.shape.slice(0, -1), batch) && yTrue.shape[yTrue.rank - 1] === 1));
    if (!fits) {
      throw new ShapeError(
        `${name}: expected yTrue.shape=${fmtShape(batch)} or ${fmtShape([...batch, 1])} for yPred.shape=${fmtShape(yPred.shape)}, got yTrue.shape=${fmtShape(yTrue.shape)}`,
      );
    }
    const predicted = argMax(yPred, { axis: -1 });
    // int32 labels compare with the int32 arg-max as they are; others as floats (1.5 hits nothing).
    if (yTrue.dtype === 'int32') return cast(equal(reshape(yTrue, batch), predicted), 'float32');
    return cast(equal(cast(reshape(yTrue, batch), 'float32'), cast(predicted, 'float32')), 'float32');
  };
}

/**
 * The fraction of outputs where (ŷ > threshold) equals the 0/1 label.
 * @example
 * const m = binaryAccuracy();
 * m.update(tensor([[1], [0]]), tensor([[0.8], [0.7]])); // 0.5
 */
export function binaryAccuracy(options: BinaryAccuracyOptions = {}): Metric {
  const { threshold = 0.5, name = 'binary_accuracy' } = options;
  return meanMetric(name, binaryHits(threshold, name));
}

/**
 * The fraction of samples whose arg-max prediction matches the arg-max of the one-hot label.
 * @example
 * const m = categoricalAccuracy();
 * m.update(tensor([[0, 1]]), tensor([[0.3, 0.7]])); // 1
 */
export function categoricalAccuracy(options: AccuracyOptions = {}): Metric {
  const { name = 'categorical_accuracy' } = options;
  return meanMetric(name, categoricalHits(name));
}

/**
 * The fraction of samples whose arg-max prediction equals the class id ([N] or [N,1] labels).
 * @example
 * const m = sparseCategoricalAccuracy();
 * m.update(tensor([1]), tensor([[0.3, 0.7]])); // 1
 */
export function sparseCategoricalAccuracy(options: AccuracyOptions = {}): Metric {
  const { name = 'sparse_categorical_accuracy' } = options;
  return meanMetric(name, sparseHits(name));
}

/**
 * 'accuracy' for a given loss: binary for binary cross-entropy and hinge, sparse categorical
 * for sparse cross-entropy, categorical for categorical cross-entropy and KL divergence; for
 * other losses the data decide at each update, as in Keras (ŷ with last axis 1 → binary,
 * labels of lower rank or last axis 1 → sparse, else categorical).
 * @example
 * const acc = resolveAccuracy('sparse_categorical_crossentropy'); // sparse categorical
 * acc.update(labels, probs);
 */
export function resolveAccuracy(lossName: string, name = 'accuracy'): Metric {
  const key = lossName.replace(/[_\-\s]/g, '').toLowerCase();
  const binary = binaryHits(0.5, name);
  const categorical = categoricalHits(name);
  const sparse = sparseHits(name);
  if (key.includes('sparse')) return meanMetric(name, sparse);
  if (key.includes('binary') || key.includes('hinge')) return meanMetric(name, binary);
  if (
    key.includes('categorical') ||
    key === 'kld' ||
    key.includes('kldivergence') ||
    key.includes('kullback')
  ) {
    return meanMetric(name, categorical);
  }
  return meanMetric(name, (yTrue, yPred) => {
    const pLast = yPred.shape[yPred.rank - 1];
    const tLast = yTrue.shape[yTrue.rank - 1];
    if (pLast === 1 || yPred.rank <= 1) return binary(yTrue, yPred);
    if (yTrue.rank < yPred.rank || (tLast === 1 && (pLast ?? 0) > 1)) return sparse(yTrue, yPred);
    return categorical(yTrue, yPred);
  });
}
