// cast: dtype conversion, the one primitive every promotion goes through.

import type { DType } from '../dtype.js';
import { isFloat } from '../dtype.js';
import { ENGINE } from '../engine.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable } from '../vjp-rule.js';
import { defineOp, req, S } from './args.js';
import { type TensorLike, withArgs } from './convert.js';

/**
 * Converts to `dtype` (float → int truncates toward zero; → bool is `x != 0`). Casting to the
 * same dtype returns a new tensor sharing storage.
 * @example
 * cast(tensor([1.7, -1.7]), 'int32'); // [1, -1]
 */
export const cast = defineOp(
  'cast',
  [req('x', S.tensor), req('dtype', S.dtype)],
  (x: TensorLike, dtype: DType): Tensor =>
    withArgs('cast', ['x'], [x], ([t]) => {
      if (t.dtype === dtype) return ENGINE.share(t, t.shape);
      return ENGINE.run('cast', [t], {}, t.shape, dtype);
    }),
);

/** VJP of cast: the cotangent cast back, for float-to-float casts only. */
export const CAST_RULES: RuleTable<'cast'> = {
  // d cast(x) = cast(dy, x.dtype) between float dtypes; no gradient through int/bool
  cast: ({ inputs: [x], dy }) => [isFloat(x!.dtype) && isFloat(dy.dtype) ? cast(dy, x!.dtype) : null],
};
