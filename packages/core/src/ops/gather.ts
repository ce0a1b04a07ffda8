// gather (NumPy `take` / tf.gather along one axis) and its adjoint scatterAdd, which is
// internal: it exists as gather's gradient. Index ranges are checked only for indices given as
// JS values; checking a tensor's indices would mean reading device data synchronously.

import type { TypedArray } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { RuleTable } from '../vjp-rule.js';
import { defineOp, describeArg, opt, req, S } from './args.js';
import { fromValues, inferShape, type TensorLike, withArgs } from './convert.js';

/** Walks a JS index value (number, nested arrays, typed array) calling `visit` on each index. */
function eachIndex(value: unknown, visit: (v: unknown) => void): void {
  if (Array.isArray(value)) for (const v of value) eachIndex(v, visit);
  else if (ArrayBuffer.isView(value)) for (const v of value as TypedArray) visit(v);
  else visit(value);
}

/** Indices as an int32 tensor; JS values are checked to lie in [0, n). The caller owns new ones. */
function indexTensor(indices: TensorLike, n: number, axis: number, xShape: readonly number[]): Tensor {
  if (indices instanceof Tensor) {
    indices.assertAlive('gather');
    if (indices.dtype !== 'int32') {
      throw new DTypeError(
        `gather: expected indices to have dtype int32, got ${indices.dtype} (cast them first)`,
      );
    }
    return indices;
  }
  // Shape first: it bounds the nesting depth the walk below recurses through.
  inferShape('gather', indices, 'indices');
  eachIndex(indices, (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new DTypeError(`gather: expected indices to be integers, got ${describeArg(v)}`);
    }
    if (v < 0 || v >= n) {
      throw new ArgumentError(
        `gather: expected indices in [0, ${n}) for axis ${axis} of x.shape=${fmtShape(xShape)}, got index ${v}`,
      );
    }
  });
  return fromValues('gather', indices, undefined, 'int32', 'indices');
}

/**
 * Picks slices of `x` along `axis` at `indices` (int32 tensor or JS integers). The output shape is
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]`. Indices must lie in
 * `[0, x.shape[axis])`: JS indices are checked; tensor indices are not (that would need a
 * synchronous read), and an out-of-range one yields zeros.
 * @example
 * gather(tensor([[1, 2], [3, 4], [5, 6]]), [2, 0]); // [[5, 6], [1, 2]]
 * gather(x, tensor([1, 1], undefined, 'int32'), 1);  // column 1, twice
 */
export const gather = defineOp(
  'gather',
  [req('x', S.tensor), req('indices', S.tensor), opt('axis', S.axis)],
  (x: TensorLike, indices: TensorLike, axis: number = 0): Tensor =>
    withArgs('gather', ['x'], [x], ([t]) => {
      const input = t;
      if (input.rank === 0)
        throw new ShapeError(`gather: expected x to have rank >= 1, got x.shape=${fmtShape(input.shape)}`);
      const ax = normalizeAxis('gather', axis, input.rank);
      const idx = indexTensor(indices, input.shape[ax]!, ax, input.shape);
      try {
        const shape = [...input.shape.slice(0, ax), ...idx.shape, ...input.shape.slice(ax + 1)];
        return ENGINE.run('gather', [input, idx], { axis: ax }, shape, input.dtype);
      } finally {
        if (idx !== indices) idx.dispose();
      }
    }),
);

/** VJP rules of gather and its adjoint. */
export const GATHER_RULES: RuleTable<'gather' | 'scatterAdd'> = {
  // d gather(x, i) = scatterAdd(dy, i): each picked slice's cotangent added back at its row
  gather: ({ inputs: [x, indices], params, dy }) => [
    ENGINE.run('scatterAdd', [dy, indices!], params, x!.shape, dy.dtype),
    null,
  ],
  // d scatterAdd(u, i) = gather(dy, i): each update reads the cotangent of the row it went to
  scatterAdd: ({ inputs: [updates, indices], params, dy }) => [
    ENGINE.run('gather', [dy, indices!], params, updates!.shape, dy.dtype),
    null,
  ],
};
