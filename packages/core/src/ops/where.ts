// where: elementwise selection with three-way broadcasting.

import { ENGINE } from '../engine.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable } from '../vjp-rule.js';
import { defineOp, req, S } from './args.js';
import { sumTo } from './binary.js';
import { cast } from './cast.js';
import { resultType, type TensorLike, withArgs } from './convert.js';

/**
 * Picks `a` where `condition` is true and `b` elsewhere; all three broadcast.
 * @example
 * where(tensor([true, false]), tensor([1, 2]), tensor([9, 9])); // [1, 9]
 */
export const where = defineOp(
  'where',
  [req('condition', S.tensor), req('a', S.tensor), req('b', S.tensor)],
  (condition: TensorLike, a: TensorLike, b: TensorLike): Tensor =>
    withArgs('where', ['a', 'b', 'condition'], [a, b, condition], ([x, y, c]) => {
      const shape = broadcastShapes('where', broadcastShapes('where', c.shape, x.shape), y.shape);
      const dtype = resultType([x, y]);
      const cb = c.dtype === 'bool' ? c : cast(c, 'bool');
      const xs = x.dtype === dtype ? x : cast(x, dtype);
      const ys = y.dtype === dtype ? y : cast(y, dtype);
      try {
        return ENGINE.run('where', [cb, xs, ys], {}, shape, dtype);
      } finally {
        for (const [made, orig] of [
          [cb, c],
          [xs, x],
          [ys, y],
        ] as const) {
          if (made !== orig) made.dispose();
        }
      }
    }),
);

/** VJP of where: the cotangent goes to whichever branch was picked. */
export const WHERE_RULES: RuleTable<'where'> = {
  // d where(c, a, b) = (none, [c]·dy, [¬c]·dy)
  // A scalar 0 (weakly typed, so dy's dtype) rather than zerosLike: where.ts stays below creation.ts.
  // A branch no watched tensor flows into (often a constant) gets none.
  where: ({ inputs: [c, a, b], dy, needs }) => [
    null,
    needs[1] ? sumTo(where(c!, dy, 0), a!.shape) : null,
    needs[2] ? sumTo(where(c!, 0, dy), b!.shape) : null,
  ],
};
