// Metrics from confusion counts, accumulated on the device: precision and recall at a
// threshold, and the area under the ROC curve from counts at fixed thresholds (Keras's AUC:
// 200 thresholds, trapezoid rule). A label counts as positive when nonzero, as in Keras.

import {
  ArgumentError,
  broadcastTo,
  cast,
  greater,
  notEqual,
  reshape,
  sigmoid,
  sliceRange,
  sum,
  type Tensor,
  tensor,
  tidy,
} from '@nabla/core';
import { align, alignWeight, EPSILON } from '../losses/shared.js';
import type { Metric } from '../types.js';
import { divNoNan, MetricState } from './state.js';

/** Options of `precision` and `recall`. */
export interface ThresholdOptions {
  /** Predictions above this are positive (default 0.5). */
  threshold?: number;
  name?: string;
}

/** Positive labels, positive predictions and weights, all float32 of yPred's shape. */
function confusionInputs(
  name: string,
  yTrue: Tensor,
  yPred: Tensor,
  threshold: number,
  sampleWeight?: Tensor,
) {
  const [t, p] = align(name, yTrue, yPred);
  const label = cast(notEqual(t, 0), 'float32');
  const predicted = cast(greater(p, threshold), 'float32');
  const w =
    sampleWeight === undefined
      ? undefined
      : broadcastTo(cast(alignWeight(name, sampleWeight, p.shape), 'float32'), p.shape);
  return { label, predicted, w };
}

function weighted(x: Tensor, w: Tensor | undefined): Tensor {
  return sum(w === undefined ? x : x.mul(w));
}

function thresholdMetric(kind: 'precision' | 'recall', options: ThresholdOptions): Metric {
  const { threshold = 0.5, name = kind } = options;
  const state = new MetricState(name, { truePositives: [], falsePositives: [], falseNegatives: [] });
  return Object.freeze({
    name,
    update(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
      tidy(() => {
        const { label, predicted, w } = confusionInputs(name, yTrue, yPred, threshold, sampleWeight);
        state.add({
          truePositives: weighted(label.mul(predicted), w),
          falsePositives: weighted(label.neg().add(1).mul(predicted), w),
          falseNegatives: weighted(label.mul(predicted.neg().add(1)), w),
        });
      });
    },
    result(): Tensor {
      const { truePositives: tp, falsePositives: fp, falseNegatives: fn } = state.vars;
      // precision = TP / (TP + FP); recall = TP / (TP + FN)
      return tidy(() => divNoNan(tp, tp.add(kind === 'precision' ? fp : fn)));
    },
    reset: () => state.reset(),
    dispose: () => state.dispose(),
  });
}

/**
 * Precision, TP / (TP + FP), with predictions above `threshold` (0.5) positive.
 * @example
 * const m = precision();
 * m.update(tensor([1, 0, 1]), tensor([0.9, 0.8, 0.1])); // 1 / 2
 */
export function precision(options: ThresholdOptions = {}): Metric {
  return thresholdMetric('precision', options);
}

/**
 * Recall, TP / (TP + FN), with predictions above `threshold` (0.5) positive.
 * @example
 * const m = recall();
 * m.update(tensor([1, 0, 1]), tensor([0.9, 0.8, 0.1])); // 1 / 2
 */
export function recall(options: ThresholdOptions = {}): Metric {
  return thresholdMetric('recall', options);
}

/** Options of `auc`. */
export interface AucOptions {
  /** Number of thresholds (default 200): -ε, then i/(n-1) for i = 1 … n-2, then 1+ε. */
  numThresholds?: number;
  /** yPred holds logits; σ is applied first (default false). */
  fromLogits?: boolean;
  name?: string;
}

/**
 * Area under the ROC curve from TP/FP/TN/FN counted at fixed thresholds (labels and
 * predictions flattened), by the trapezoid rule over (FPR, TPR) as in Keras's AUC.
 * @example
 * const m = auc();
 * m.update(tensor([0, 0, 1, 1]), tensor([0.1, 0.4, 0.35, 0.8])); // 0.75
 */
export function auc(options: AucOptions = {}): Metric {
  const { numThresholds = 200, fromLogits = false, name = 'auc' } = options;
  if (!Number.isInteger(numThresholds) || numThresholds < 2) {
    throw new ArgumentError(`auc: expected numThresholds to be an integer > 1, got ${numThresholds}`);
  }
  const n = numThresholds;
  const inner = Array.from({ length: n - 2 }, (_, i) => (i + 1) / (n - 1));
  const thresholds = [-EPSILON, ...inner, 1 + EPSILON];
  const state = new MetricState(name, { tp: [n], fp: [n], tn: [n], fn: [n] });
  return Object.freeze({
    name,
    update(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
      tidy(() => {
        const [t, raw] = align(name, yTrue, yPred);
        const p = fromLogits ? sigmoid(raw) : raw;
        const m = p.size;
        const label = reshape(cast(notEqual(t, 0), 'float32'), [m, 1]);
        const w =
          sampleWeight === undefined
            ? undefined
            : reshape(broadcastTo(cast(alignWeight(name, sampleWeight, p.shape), 'float32'), p.shape), [
                m,
                1,
              ]);
        // above[i, j] = [ŷᵢ > θⱼ], shape [M, T]
        const above = cast(greater(reshape(p, [m, 1]), tensor([thresholds], [1, n], p.dtype)), 'float32');
        const below = above.neg().add(1);
        const positive = w === undefined ? label : label.mul(w);
        const negative = w === undefined ? label.neg().add(1) : label.neg().add(1).mul(w);
        state.add({
          tp: sum(above.mul(positive), { axis: 0 }),
          fp: sum(above.mul(negative), { axis: 0 }),
          fn: sum(below.mul(positive), { axis: 0 }),
          tn: sum(below.mul(negative), { axis: 0 }),
        });
      });
    },
    result(): Tensor {
      const { tp, fp, tn, fn } = state.vars;
      return tidy(() => {
        const tpr = divNoNan(tp, tp.add(fn));
        const fpr = divNoNan(fp, fp.add(tn));
        // AUC = Σᵢ (fprᵢ - fprᵢ₊₁) · (tprᵢ + tprᵢ₊₁)/2 (thresholds rise, so FPR falls)
        const width = sliceRange(fpr, [0], [n - 1]).sub(sliceRange(fpr, [1], [n - 1]));
        const height = sliceRange(tpr, [0], [n - 1])
          .add(sliceRange(tpr, [1], [n - 1]))
          .mul(0.5);
        return sum(width.mul(height));
      });
    },
    reset: () => state.reset(),
    dispose: () => state.dispose(),
  });
}
