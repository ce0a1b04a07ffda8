// Regression metrics: streaming mean absolute and mean squared error, each the mean over the
// last axis per sample, then the (weighted) mean over everything seen since the last reset.

import { abs, mean, square } from '@nabla/core';
import { align } from '../losses/shared.js';
import type { Metric } from '../types.js';
import { meanMetric } from './state.js';

/** Options of `mae` and `mse`. */
export interface RegressionMetricOptions {
  name?: string;
}

/**
 * Mean absolute error, mean(|y - ŷ|), accumulated over updates.
 * @example
 * const m = mae();
 * m.update(tensor([[1, 2]]), tensor([[1, 4]])); // 1
 */
export function mae(options: RegressionMetricOptions = {}): Metric {
  const { name = 'mae' } = options;
  return meanMetric(name, (yTrue, yPred) => {
    const [t, p] = align(name, yTrue, yPred);
    return mean(abs(p.sub(t)), { axis: -1 });
  });
}

/**
 * Mean squared error, mean((y - ŷ)²), accumulated over updates.
 * @example
 * const m = mse();
 * m.update(tensor([[1, 2]]), tensor([[1, 4]])); // 2
 */
export function mse(options: RegressionMetricOptions = {}): Metric {
  const { name = 'mse' } = options;
  return meanMetric(name, (yTrue, yPred) => {
    const [t, p] = align(name, yTrue, yPred);
    return mean(square(p.sub(t)), { axis: -1 });
  });
}
