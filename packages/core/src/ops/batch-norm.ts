// Batch normalization's affine step, (x − mean) · rsqrt(variance + ε) · scale + offset, the
// parameters broadcasting against x. The factor k = rsqrt(variance + ε) · scale is computed at
// its own (per-channel) shape, then one elementwise chain (chain.ts) gives (x − mean) · k +
// offset. The gradient is written by hand rather than derived step by step: the parameters'
// gradients need one reduction of dy·(x − mean) and one of dy·k, and everything else happens
// at the parameters' shapes; a chain's generic rule would rerun the whole program per input.

import { customGrad } from '../autodiff.js';
import { isFloat } from '../dtype.js';
import { DTypeError, fmtShape, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { broadcastShapes, normalizeAxes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { defineOp, opt, req, S } from './args.js';
import { div, mul, sumTo } from './binary.js';
import { chain, chainSum } from './chain.js';
import { type TensorLike, withArgs } from './convert.js';
import { sum } from './reduce.js';
import { neg, rsqrt } from './unary.js';

/**
 * The affine step over [x, mean, variance, scale?, offset?] with its hand-written gradient:
 * with c = x − mean, r = rsqrt(variance + ε), k = r·scale and t = Σ dy·c (over the axes where
 * r and scale are constant),
 * dx = dy·k, dmean = −Σ dy·k, dscale = Σ t·r, dvariance = Σ t·scale·(−½·r³), doffset = Σ dy.
 */
function affine(ts: readonly Tensor[], hasScale: boolean, hasOffset: boolean, epsilon: number): Tensor {
  const f = customGrad((x, mean, variance, ...rest) => {
    const gamma = hasScale ? rest[0]! : undefined;
    const beta = hasOffset ? rest[rest.length - 1]! : undefined;
    // The per-channel factors are small: made again for the gradient rather than kept.
    const factors = () => {
      const r = rsqrt(variance!.add(epsilon));
      return { r, k: gamma ? mul(r, gamma) : r };
    };
    const value = tidy(() => {
      const { k } = factors();
      return chain(beta ? [x!, mean!, k, beta] : [x!, mean!, k], (b, [v, m, kk, o]) => {
        const y = b.mul(b.sub(v!, m!), kk!);
        return o ? b.add(y, o) : y;
      });
    });
    return {
      value,
      gradFunc: (dy: Tensor) => {
        const { r, k } = factors();
        const dx = chain([dy, k], (b, [d, kk]) => b.mul(d!, kk!));
        const grads: Tensor[] = [sumTo(dx, x!.shape), neg(sumTo(dx, mean!.shape))];
        // r and scale are constant along the axes where their joint shape is 1.
        const joint = gamma ? broadcastShapes('batchNorm', variance!.shape, gamma.shape) : variance!.shape;
        const t = sumTo(
          chain([dy, x!, mean!], (b, [d, v, m]) => b.mul(d!, b.sub(v!, m!))),
          joint,
        );
        const halfCube = chain([r], (b, [rr]) => b.mul(b.mul(b.mul(rr!, rr!), rr!), -0.5));
        grads.push(sumTo(gamma ? mul(mul(t, gamma), halfCube) : mul(t, halfCube), variance!.shape));
        if (gamma) grads.push(sumTo(mul(t, r), gamma.shape));
        if (beta) grads.push(sumTo(dy, beta.shape));
        return grads;
      },
    };
  });
  return f(...ts);
}

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** β, added last (default none). */
  offset?: TensorLike | null;
  /** γ, multiplied after normalising (default none). */
  scale?: TensorLike | null;
  /** ε added to the variance (default 0.001, as in TensorFlow.js). */
  varianceEpsilon?: number;
}

/**
 * (x − mean) · rsqrt(variance + ε) · scale + offset, with mean, variance, scale and offset
 * broadcasting against x (for NHWC batch norm, shape `[C]`); one kernel where the backend
 * fuses elementwise chains. Gradients reach every tensor argument.
 * @example
 * batchNorm(x, mean, variance, { scale: gamma, offset: beta, varianceEpsilon: 1e-3 });
 */
export const batchNorm = defineOp(
  'batchNorm',
  [
    req('x', S.tensor),
    req('mean', S.tensor),
    req('variance', S.tensor),
    opt(
      'options',
      S.object(
        {
          offset: S.oneOf(S.tensor, S.null),
          scale: S.oneOf(S.tensor, S.null),
          varianceEpsilon: S.number({ finite: true, min: 0 }),
        },
        // tf.batchNorm(x, mean, variance, offset, scale, varianceEpsilon)
        { positional: ['offset', 'scale', 'varianceEpsilon'] },
      ),
    ),
  ],
  (x: TensorLike, mean: TensorLike, variance: TensorLike, options: BatchNormOptions = {}): Tensor => {
    const { offset = null, scale = null, varianceEpsilon = 0.001 } = options;
    const names = [
      'x',
      'mean',
      'variance',
      ...(scale === null ? [] : ['scale']),
      ...(offset === null ? [] : ['offset']),
    ];
    const args = [
      x,
      mean,
      variance,
      ...(scale === null ? [] : [scale]),
      ...(offset === null ? [] : [offset]),
    ];
    return withArgs('batchNorm', names, args, (ts) => {
      const [tx] = ts;
      const xs = tx!.shape;
      for (const [i, t] of ts.entries()) {
        if (i === 0) continue;
        // Each parameter must broadcast to x's shape without enlarging it (aligned from the right).
        const fits =
          t.rank <= xs.length && t.shape.every((d, k) => d === 1 || d === xs[xs.length - t.rank + k]);
        if (!fits) {
          throw new ShapeError(
            `batchNorm: expected ${names[i]} to broadcast to x.shape=${fmtShape(tx!.shape)}, got ${names[i]}.shape=${fmtShape(t.shape)}`,
          );
        }
      }
      return affine(ts, scale !== null, offset !== null, varianceEpsilon);
    });
  },
);

/** Options of `fusedBatchNorm`. */
export interface FusedBatchNormOptions {
  /** Axes the statistics are taken over (default every axis but the last: NHWC or `[N, C]`). */
  axes?: number | number[];
  /** γ, multiplied after normalising; must broadcast to the statistics' shape (default none). */
  scale?: TensorLike | null;
  /** β, added last; must broadcast to the statistics' shape (default none). */
  offset?: TensorLike | null;
  /** ε added to the variance (default 0.001, as in TensorFlow.js). */
  varianceEpsilon?: number;
}

/** What `fusedBatchNorm` gives: the normalised tensor and the batch statistics it used. */
export interface FusedBatchNormResult {
  /** (x − mean) · rsqrt(variance + ε) · scale + offset, of x's shape. */
  y: Tensor;
  /** The batch mean, with the reduced axes kept as size 1 (no gradient flows through it). */
  mean: Tensor;
  /** The batch (population) variance, shaped as `mean` (no gradient flows through it). */
  variance: Tensor;
}

/**
 * Batch normalisation in training mode over [x, scale?, offset?], the statistics taken from x,
 * with the closed-form gradient: with c = x − mean, r = rsqrt(variance + ε), k = r·scale, n the
 * count reduced over, Σ over the reduced axes, s = Σ dy and t = Σ dy·c,
 * dx = k·(dy − s/n − c·t·r²/n), dscale = t·r, doffset = s. Three passes over x-sized data
 * each way, only the last writing one: a sum, a summed chain (`chainSum`: Σ(x − mean)² forward,
 * t back) and a chain, where the chain rule through `moments` and `batchNorm` takes several
 * times that.
 */
function trainingNorm(
  ts: readonly Tensor[],
  axes: readonly number[],
  hasScale: boolean,
  hasOffset: boolean,
  epsilon: number,
): FusedBatchNormResult {
  const [tx] = ts;
  const count = axes.reduce((n, a) => n * tx!.shape[a]!, 1);
  let stats: { mean: Tensor; variance: Tensor } | undefined;
  const f = customGrad((x, ...rest) => {
    const gamma = hasScale ? rest[0]! : undefined;
    const beta = hasOffset ? rest[rest.length - 1]! : undefined;
    const reduce = { axis: [...axes], keepDims: true };
    // The per-channel factors are small: made again for the gradient rather than kept.
    const factors = (variance: Tensor) => {
      const r = rsqrt(variance.add(epsilon));
      return { r, k: gamma ? mul(r, gamma) : r };
    };
    const forward = tidy(() => {
      const mean = div(sum(x!, reduce), count);
      const squares = chainSum(
        [x!, mean],
        (b, [v, m]) => {
          const c = b.sub(v!, m!);
          return b.mul(c, c);
        },
        axes,
      );
      const variance = div(squares, count);
      const { k } = factors(variance);
      const value = chain(beta ? [x!, mean, k, beta] : [x!, mean, k], (b, [v, m, kk, o]) => {
        const y = b.mul(b.sub(v!, m!), kk!);
        return o ? b.add(y, o) : y;
      });
      return { mean, variance, value };
    });
    const { mean, variance } = forward;
    stats = { mean, variance };
    return {
      value: forward.value,
      // Held by a tape until the gradient is taken, even when the caller disposes them first.
      save: [mean, variance],
      gradFunc: (dy: Tensor) => {
        const { r, k } = factors(variance);
        const s = sum(dy, reduce);
        const t = chainSum([dy, x!, mean], (b, [d, v, m]) => b.mul(d!, b.sub(v!, m!)), axes);
        const a = div(s, count);
        const q = chain([t, r], (b, [tt, rr]) => b.mul(b.mul(tt!, b.mul(rr!, rr!)), 1 / count));
        const dx = chain([dy, x!, mean, k, a, q], (b, [d, v, m, kk, aa, qq]) =>
          b.mul(kk!, b.sub(b.sub(d!, aa!), b.mul(b.sub(v!, m!), qq!))),
        );
        const grads: Tensor[] = [dx];
        if (gamma) grads.push(sumTo(mul(t, r), gamma.shape));
        if (beta) grads.push(sumTo(s, beta.shape));
        return grads;
      },
    };
  });
  const y = f(...ts);
  return { y, ...stats! };
}

/**
 * Batch normalisation as a training step does it: the mean and (population) variance of x over
 * `axes`, then (x − mean) · rsqrt(variance + ε) · scale + offset, as one operation whose
 * gradient is the closed form (through the batch statistics too) rather than the chain rule
 * through each step; the statistics come back for a moving average and carry no gradient.
 * Like Keras's BatchNormalization in training and TensorFlow's `fused_batch_norm`.
 * @example
 * const { y, mean, variance } = fusedBatchNorm(x, { scale: gamma, offset: beta }); // NHWC x, [C] γ, β
 */
export const fusedBatchNorm = defineOp(
  'fusedBatchNorm',
  [
    req('x', S.tensor),
    opt(
      'options',
      S.object({
        axes: S.axes,
        offset: S.oneOf(S.tensor, S.null),
        scale: S.oneOf(S.tensor, S.null),
        varianceEpsilon: S.number({ finite: true, min: 0 }),
      }),
    ),
  ],
  (x: TensorLike, options: FusedBatchNormOptions = {}): FusedBatchNormResult => {
    const { offset = null, scale = null, varianceEpsilon = 0.001 } = options;
    const names = ['x', ...(scale === null ? [] : ['scale']), ...(offset === null ? [] : ['offset'])];
    const args = [x, ...(scale === null ? [] : [scale]), ...(offset === null ? [] : [offset])];
    return withArgs('fusedBatchNorm', names, args, (ts) => {
      const tx = ts[0]!;
      if (!isFloat(tx.dtype)) {
        throw new DTypeError(`fusedBatchNorm: expected a float x, got x.dtype=${tx.dtype}`);
      }
      if (tx.rank === 0) throw new ShapeError('fusedBatchNorm: expected x of rank >= 1, got shape []');
      const axes =
        options.axes === undefined
          ? Array.from({ length: tx.rank - 1 }, (_, i) => i)
          : normalizeAxes('fusedBatchNorm', options.axes, tx.rank);
      const statsShape = tx.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      for (const [i, t] of ts.entries()) {
        if (i === 0) continue;
        // γ and β broadcast to the statistics' shape without enlarging it (aligned from the right).
        const fits =
          t.rank <= statsShape.length &&
          t.shape.every((d, k) => d === 1 || d === statsShape[statsShape.length - t.rank + k]);
        if (!fits) {
          throw new ShapeError(
            `fusedBatchNorm: expected ${names[i]} to broadcast to the statistics' shape ${fmtShape(statsShape)} of x.shape=${fmtShape(tx.shape)}, got ${names[i]}.shape=${fmtShape(t.shape)}`,
          );
        }
        if (t.dtype !== tx.dtype) {
          throw new DTypeError(
            `fusedBatchNorm: expected ${names[i]} of x's dtype ${tx.dtype}, got ${names[i]}.dtype=${t.dtype}`,
          );
        }
      }
      return trainingNorm(ts, axes, scale !== null, offset !== null, varianceEpsilon);
    });
  },
);
