// Vector p-norms over axes (norm), composed of reductions; gradients come from the primitives
// it is made of, with the root's infinite slope at zero kept out of them.

import { isFloat } from '../dtype.js';
import { ArgumentError } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { defineOp, opt, req, S } from './args.js';
import { equal, mul, pow } from './binary.js';
import { cast } from './cast.js';
import { type TensorLike, withArgs } from './convert.js';
import { max, min, type ReduceOptions, sum } from './reduce.js';
import { abs, sqrt } from './unary.js';
import { where } from './where.js';

/** Options of norm. */
export interface NormOptions extends ReduceOptions {
  /** 'euclidean'/'fro' (default), 1, 2, Infinity, -Infinity, or any p > 0 (vector norms). */
  ord?: number | 'euclidean' | 'fro';
}

/**
 * Vector p-norms over axes (the Frobenius norm when `ord` is 'fro' or 'euclidean').
 * @example
 * norm(tensor([3, 4])); // 5
 */
export const norm = defineOp(
  'norm',
  [
    req('x', S.tensor),
    opt(
      'options',
      S.object(
        {
          axis: S.axes,
          keepDims: S.boolean,
          ord: S.oneOf(
            S.enum('euclidean', 'fro', Infinity, -Infinity),
            S.number({ min: 0, minExclusive: true }),
          ),
        },
        { positional: ['ord', 'axis', 'keepDims'] },
      ),
    ),
  ],
  (x: TensorLike, options: NormOptions = {}): Tensor =>
    withArgs('norm', ['x'], [x], ([t]) =>
      tidy(() => {
        const ord = options.ord ?? 'euclidean';
        const reduceOpts = { axis: options.axis, keepDims: options.keepDims };
        const a = abs(isFloat(t.dtype) ? t : cast(t, 'float32'));
        if (ord === 'euclidean' || ord === 'fro' || ord === 2)
          return rootAwayFromZero(sum(mul(a, a), reduceOpts), 2);
        if (ord === Infinity) return max(a, reduceOpts);
        if (ord === -Infinity) return min(a, reduceOpts);
        if (ord === 1) return sum(a, reduceOpts);
        if (typeof ord !== 'number') throw new ArgumentError(`norm: unknown ord ${String(ord)}`);
        return rootAwayFromZero(sum(pow(a, ord), reduceOpts), ord);
      }),
    ),
);

/**
 * s^(1/p), with gradient 0 where s = 0 (as in PyTorch): the root's slope is infinite there and
 * 0 · ∞ would be NaN, so the root only ever sees s = 1 in place of 0. NaN still propagates.
 */
function rootAwayFromZero(s: Tensor, p: number): Tensor {
  const zero = equal(s, 0);
  const safe = where(zero, 1, s);
  return where(zero, 0, p === 2 ? sqrt(safe) : pow(safe, 1 / p));
}
