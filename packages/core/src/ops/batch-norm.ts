// Batch normalization's affine step, (x − mean) · rsqrt(variance + ε) · scale + offset, the
// parameters broadcasting against x. The factor k = rsqrt(variance + ε) · scale is computed at
// its own (per-channel) shape, then one elementwise chain (chain.ts) gives (x − mean) · k +
// offset. The gradient is written by hand rather than derived step by step: the parameters'
// gradients need one reduction of dy·(x − mean) and one of dy·k, and everything else happens
// at the parameters' shapes; a chain's generic rule would rerun the whole program per input.

import { customGrad } from '../autodiff.js';
import { fmtShape, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { defineOp, opt, req, S } from './args.js';
import { mul, sumTo } from './binary.js';
import { chain } from './chain.js';
import { type TensorLike, withArgs } from './convert.js';
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
