// Softmax and friends, composed of reductions: logSumExp, softmax and logSoftmax. Each subtracts
// the maximum first, so large inputs do not overflow; gradients come from the primitives they
// are made of.

import { isFloat } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { tidy } from '../memory.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { defineOp, opt, req, S } from './args.js';
import { add, div, sub } from './binary.js';
import { cast } from './cast.js';
import { chain } from './chain.js';
import { type TensorLike, withArgs } from './convert.js';
import { reshape } from './movement.js';
import { max, type ReduceOptions, sum } from './reduce.js';
import { isFinite, log } from './unary.js';
import { where } from './where.js';

/** e^(x − shift), one elementwise chain (one kernel where the backend fuses chains). */
function expShifted(x: Tensor, shift: Tensor): Tensor {
  return chain([x, shift], (b, [v, m]) => b.unary('exp', b.sub(v!, m!)));
}

const REDUCE_OPTIONS = S.object({ axis: S.axes, keepDims: S.boolean }, { positional: ['axis', 'keepDims'] });

/**
 * log(sum(exp(x))) computed stably (the maximum is subtracted first).
 * @example
 * logSumExp(tensor([1000, 1000])); // 1000.693...
 */
export const logSumExp = defineOp(
  'logSumExp',
  [req('x', S.tensor), opt('options', REDUCE_OPTIONS)],
  (x: TensorLike, options: ReduceOptions = {}): Tensor =>
    withArgs('logSumExp', ['x'], [x], ([t]) =>
      tidy(() => {
        const axes = normalizeAxes('logSumExp', options.axis, t.rank);
        const m = max(t, { axis: axes, keepDims: true });
        // A constant shift does not change the result; ±Infinity maxima use 0 to avoid NaN.
        const shift = where(isFinite(m), ENGINE.share(m, m.shape, false), 0);
        const s = log(sum(expShifted(t, shift), { axis: axes, keepDims: true }));
        const out = add(s, shift);
        return options.keepDims
          ? out
          : reshape(
              out,
              t.shape.filter((_, i) => !axes.includes(i)),
            );
      }),
    ),
);

/**
 * Softmax along an axis (default the last), stable for large inputs.
 * @example
 * softmax(tensor([1, 2, 3]));
 */
export const softmax = defineOp(
  'softmax',
  [req('x', S.tensor), opt('axis', S.axis)],
  (x: TensorLike, axis: number = -1): Tensor =>
    withArgs('softmax', ['x'], [x], ([t]) => {
      // Float rows over the last axis (a classifier's output): the fused kernel as it is.
      if (t.rank === 2 && isFloat(t.dtype) && t.size > 0 && normalizeAxis('softmax', axis, 2) === 1) {
        const kernel = ENGINE.fusedKernel('softmax', [t]);
        if (kernel)
          return ENGINE.runFused('softmax', kernel, [t], {}, [{ shape: t.shape, dtype: t.dtype }])[0]!;
      }
      return tidy(() => {
        const a = normalizeAxis('softmax', axis, t.rank);
        const x = isFloat(t.dtype) ? t : cast(t, 'float32');
        // Over the last axis, one kernel where the backend has the fused softmax.
        const kernel = a === t.rank - 1 && x.size > 0 ? ENGINE.fusedKernel('softmax', [x]) : undefined;
        if (kernel) {
          const cols = t.shape[a]!;
          const rows = reshape(x, [x.size / cols, cols]);
          const [y] = ENGINE.runFused('softmax', kernel, [rows], {}, [{ shape: rows.shape, dtype: x.dtype }]);
          return reshape(y!, t.shape);
        }
        const m = max(x, { axis: a, keepDims: true });
        const e = expShifted(x, ENGINE.share(m, m.shape, false));
        return div(e, sum(e, { axis: a, keepDims: true }));
      });
    }),
);

/**
 * log(softmax(x)) along an axis, computed as x - logSumExp(x).
 * @example
 * logSoftmax(tensor([1, 2, 3]));
 */
export const logSoftmax = defineOp(
  'logSoftmax',
  [req('x', S.tensor), opt('axis', S.axis)],
  (x: TensorLike, axis: number = -1): Tensor =>
    withArgs('logSoftmax', ['x'], [x], ([t]) =>
      tidy(() => sub(t, logSumExp(t, { axis: normalizeAxis('logSoftmax', axis, t.rank), keepDims: true }))),
    ),
);
