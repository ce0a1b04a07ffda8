// Selection along the last axis: `topk` (TensorFlow.js's `topk(x, k, sorted)`), written over the
// `topkIndices` primitive, which only ranks; the values are gathered with the indices, so their
// gradient is gather's (dy scattered back to the chosen positions) and needs no rule of its own.

import { assertDType, type DType } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable } from '../vjp-rule.js';
import { defineOp, opt, req, S } from './args.js';
import { add } from './binary.js';
import { type TensorLike, withArgs } from './convert.js';
import { arange, zeros } from './creation.js';
import { gather } from './gather.js';
import { reshape } from './movement.js';

/** Options of `topk`. */
export interface TopkOptions {
  /** Best first (default); false gives the same k entries in increasing index order. */
  sorted?: boolean;
}

/** What `topk` returns. */
export interface TopkResult {
  /** The k largest entries of each last-axis row, `[..., k]`, in x's dtype. */
  values: Tensor;
  /** Their positions along the last axis, int32. */
  indices: Tensor;
}

const NUMERIC: readonly DType[] = ['float32', 'float64', 'float16', 'int32'];

/**
 * The `k` largest entries along the last axis and their indices, as TensorFlow.js's `topk`:
 * ties go to the lower index, NaN ranks above every number. Differentiable in `values`.
 * @example
 * const { values, indices } = topk(logits, 5); // [32,1000] → [32,5] each
 * topk(x, 2, { sorted: false });
 */
export const topk = defineOp(
  'topk',
  [
    req('x', S.tensor),
    opt('k', S.number({ integer: true, min: 0 })),
    opt('options', S.object({ sorted: S.boolean }, { positional: ['sorted'] })),
  ],
  (x: TensorLike, k: number = 1, options: TopkOptions = {}): TopkResult =>
    withArgs('topk', ['x'], [x], ([xt]) => {
      if (xt.rank === 0) throw new ShapeError('topk: expected x of rank 1 or more, got x.shape=[]');
      assertDType('topk', 'x', xt.dtype, NUMERIC);
      const n = xt.shape[xt.rank - 1]!;
      if (k > n) {
        throw new ArgumentError(
          `topk: expected k <= ${n} (the last axis of x), got k=${k} and x.shape=${fmtShape(xt.shape)}`,
        );
      }
      const outShape = [...xt.shape.slice(0, -1), k];
      return tidy(() => {
        if (sizeOf(outShape) === 0)
          return { values: zeros(outShape, xt.dtype), indices: zeros(outShape, 'int32') };
        const params = { k, sorted: options.sorted ?? true };
        const indices = ENGINE.run('topkIndices', [xt], params, outShape, 'int32');
        // values[r, j] = x[r, indices[r, j]], read from the flat x at r·n + indices[r, j].
        const rows = xt.size / n;
        const offsets = reshape(arange(0, rows * n, n, 'int32'), [...outShape.slice(0, -1), 1]);
        const flat = reshape(add(indices, offsets), [rows * k]);
        const values = reshape(gather(reshape(xt, [xt.size]), flat, 0), outShape);
        return { values, indices };
      });
    }),
);

/** VJP rules of the selection primitives. */
export const SORT_RULES: RuleTable<'topkIndices'> = {
  // Indices are integers: no gradient (topk's values get theirs through gather).
  topkIndices: 'nondiff',
};
