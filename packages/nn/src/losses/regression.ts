// Losses on real-valued targets: mean squared and absolute error, Huber, hinge and the
// Kullback–Leibler divergence. Each takes the mean (or, for KL, the sum) over the last axis
// per sample; `makeLoss` then averages over the batch.

import {
  ArgumentError,
  abs,
  all,
  clip,
  equal,
  log,
  logicalOr,
  maximum,
  mean,
  minimum,
  square,
  sum,
  where,
} from '@nabla/core';
import type { Loss } from '../types.js';
import { align, EPSILON, makeLoss } from './shared.js';

/**
 * Mean squared error: l = mean((y - ŷ)², axis -1). String names 'mse', 'mean_squared_error'.
 * @example
 * const loss = meanSquaredError();
 * loss.fn(tensor([[1, 2]]), tensor([[1, 4]])); // 2
 */
export function meanSquaredError(): Loss {
  return makeLoss('mean_squared_error', {}, (yTrue, yPred) => {
    const [t, p] = align('mean_squared_error', yTrue, yPred);
    return mean(square(p.sub(t)), { axis: -1 });
  });
}

/**
 * Mean absolute error: l = mean(|y - ŷ|, axis -1). String names 'mae', 'mean_absolute_error'.
 * @example
 * const loss = meanAbsoluteError();
 * loss.fn(tensor([[1, 2]]), tensor([[1, 4]])); // 1
 */
export function meanAbsoluteError(): Loss {
  return makeLoss('mean_absolute_error', {}, (yTrue, yPred) => {
    const [t, p] = align('mean_absolute_error', yTrue, yPred);
    return mean(abs(p.sub(t)), { axis: -1 });
  });
}

/** Options of `huber`. */
export interface HuberOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

/**
 * Huber loss: with e = ŷ - y, ½e² where |e| ≤ δ, else δ·|e| - ½δ²; mean over the last axis.
 * @example
 * const loss = huber({ delta: 1 });
 * loss.fn(tensor([[0]]), tensor([[3]])); // 2.5
 */
export function huber(options: HuberOptions = {}): Loss {
  const { delta = 1 } = options;
  if (!(delta > 0)) throw new ArgumentError(`huber: expected delta > 0, got ${delta}`);
  return makeLoss('huber_loss', { delta }, (yTrue, yPred) => {
    const [t, p] = align('huber_loss', yTrue, yPred);
    const e = abs(p.sub(t));
    // q = min(|e|, δ), r = |e| - q; ½q² + δ·r equals both branches without a `where`.
    const q = minimum(e, delta);
    const r = e.sub(q);
    return mean(square(q).mul(0.5).add(r.mul(delta)), { axis: -1 });
  });
}

/**
 * Hinge loss: l = mean(max(1 - y·ŷ, 0), axis -1) with labels in {-1, 1}; labels given as
 * {0, 1} are mapped to {-1, 1} first (decided on the device, as Keras does).
 * @example
 * const loss = hinge();
 * loss.fn(tensor([[1, -1]]), tensor([[0.5, 0.5]])); // (0.5 + 1.5) / 2 = 1
 */
export function hinge(): Loss {
  return makeLoss('hinge', {}, (yTrue, yPred) => {
    const [t, p] = align('hinge', yTrue, yPred);
    const binary = all(logicalOr(equal(t, 0), equal(t, 1)));
    const signed = where(binary, t.mul(2).sub(1), t);
    return mean(maximum(signed.mul(p).neg().add(1), 0), { axis: -1 });
  });
}

/**
 * Kullback–Leibler divergence: l = Σ y·log(y/ŷ) over the last axis, with y and ŷ clipped to
 * [ε, 1]. Also exported as `kullbackLeiblerDivergence`; string names 'kld', 'kl_divergence'.
 * @example
 * const loss = kld();
 * loss.fn(tensor([[0.5, 0.5]]), tensor([[0.25, 0.75]]));
 */
export function kld(): Loss {
  return makeLoss('kl_divergence', {}, (yTrue, yPred) => {
    const [t, p] = align('kl_divergence', yTrue, yPred);
    const tc = clip(t, EPSILON, 1);
    const pc = clip(p, EPSILON, 1);
    return sum(tc.mul(log(tc.div(pc))), { axis: -1 });
  });
}

/** The same loss as `kld`. @example const loss = kullbackLeiblerDivergence(); */
export const kullbackLeiblerDivergence = kld;
