// Batch normalization's affine step as one elementwise chain (chain.ts):
// (x − mean) · rsqrt(variance + ε) · scale + offset, the parameters broadcasting against x.

import { fmtShape, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { defineOp, opt, req, S } from './args.js';
import { chain } from './chain.js';
import { type TensorLike, withArgs } from './convert.js';

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
      return chain(ts, (b, [v, m, s2, ...rest]) => {
        let inv = b.unary('rsqrt', b.add(s2!, varianceEpsilon));
        if (scale !== null) inv = b.mul(inv, rest[0]!);
        const y = b.mul(b.sub(v!, m!), inv);
        return offset === null ? y : b.add(y, rest[rest.length - 1]!);
      });
    });
  },
);
