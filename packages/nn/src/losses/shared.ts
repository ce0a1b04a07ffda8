// What every loss shares: the Keras ε for clipping probabilities, aligning yTrue with yPred
// ([N] against [N,1] is allowed, as in Keras), and the batch reduction
// loss = Σ w·l / N over the per-sample losses l (Keras's sum_over_batch_size).

import { ArgumentError, cast, isFloat, reshape, ShapeError, sum, type Tensor, tidy } from '@nabla/core';
import { fmtShape } from '@nabla/core/internal';
import type { Loss, LossFn } from '../types.js';

/** The fuzz factor Keras clips probabilities with: p ∈ [ε, 1-ε]. */
export const EPSILON = 1e-7;

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** yTrue as yPred's float dtype. */
export function asFloat(yTrue: Tensor, yPred: Tensor): Tensor {
  const dtype = isFloat(yPred.dtype) ? yPred.dtype : 'float32';
  return yTrue.dtype === dtype ? yTrue : cast(yTrue, dtype);
}

/**
 * yTrue and yPred with one shape: equal shapes pass; when the ranks differ by one and the
 * longer ends in 1, the shapes are matched as Keras's squeeze_or_expand_to_same_rank does.
 */
export function align(op: string, yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  const t = asFloat(yTrue, yPred);
  const p = isFloat(yPred.dtype) ? yPred : cast(yPred, 'float32');
  if (sameShape(t.shape, p.shape)) return [t, p];
  // A rank-1 side gains the axis (so [N] stays N samples); otherwise the longer loses it.
  if (t.rank === p.rank + 1 && t.shape[t.rank - 1] === 1 && sameShape(t.shape.slice(0, -1), p.shape)) {
    return p.rank === 1 ? [t, reshape(p, t.shape)] : [reshape(t, p.shape), p];
  }
  if (p.rank === t.rank + 1 && p.shape[p.rank - 1] === 1 && sameShape(p.shape.slice(0, -1), t.shape)) {
    return t.rank === 1 ? [reshape(t, p.shape), p] : [t, reshape(p, t.shape)];
  }
  throw new ShapeError(
    `${op}: expected yTrue and yPred to have the same shape, got yTrue.shape=${fmtShape(yTrue.shape)} and yPred.shape=${fmtShape(yPred.shape)}`,
  );
}

/**
 * Reshapes a sample weight so it broadcasts against per-sample values of shape `shape`:
 * trailing size-1 axes beyond that rank are dropped and missing trailing axes are added.
 */
export function alignWeight(op: string, weight: Tensor, shape: readonly number[]): Tensor {
  const dims = [...weight.shape];
  while (dims.length > shape.length && dims[dims.length - 1] === 1) dims.pop();
  while (dims.length < shape.length) dims.push(1);
  const fits = dims.length === shape.length && dims.every((d, i) => d === 1 || d === shape[i]);
  if (!fits) {
    throw new ShapeError(
      `${op}: expected sampleWeight to broadcast to the per-sample shape ${fmtShape(shape)}, got sampleWeight.shape=${fmtShape(weight.shape)}`,
    );
  }
  const w = isFloat(weight.dtype) ? weight : cast(weight, 'float32');
  return sameShape(dims, w.shape) ? w : reshape(w, dims);
}

/** loss = Σ w·l / N, with N the number of per-sample values (Keras's sum_over_batch_size). */
export function reduceLoss(op: string, perSample: Tensor, sampleWeight?: Tensor): Tensor {
  const n = Math.max(perSample.size, 1);
  if (sampleWeight === undefined) return sum(perSample).div(n);
  const w = alignWeight(op, sampleWeight, perSample.shape);
  return sum(perSample.mul(w)).div(n);
}

/**
 * Wraps a per-sample loss into a `Loss`: the work runs inside `tidy` and is reduced over the batch.
 * @example
 * const l = makeLoss('mine', {}, (t, p) => t.sub(p).abs().mean({ axis: -1 }));
 * l.fn(yTrue, yPred); // scalar
 */
export function makeLoss(
  name: string,
  config: Record<string, unknown>,
  perSample: (yTrue: Tensor, yPred: Tensor) => Tensor,
): Loss {
  const fn: LossFn = (yTrue, yPred, sampleWeight) =>
    tidy(() => reduceLoss(name, perSample(yTrue, yPred), sampleWeight));
  return Object.freeze({ name, fn, config: Object.freeze({ ...config }) });
}

/** Throws unless `value` lies in [lo, hi]. */
export function checkRange(op: string, option: string, value: number, lo: number, hi: number): void {
  if (!(value >= lo && value <= hi)) {
    throw new ArgumentError(`${op}: expected ${option} in [${lo}, ${hi}], got ${value}`);
  }
}
