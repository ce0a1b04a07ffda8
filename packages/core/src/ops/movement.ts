// Movement ops: reshape (shares storage), transpose, slicing, joining, padding, gathering.

import { ENGINE } from '../engine.js';
import { ShapeError, UnsupportedError, fmtShape } from '../errors.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable, VjpRule } from '../vjp.js';
import { type TensorLike, withArgs } from './convert.js';

/**
 * The same values in another shape (one entry may be -1); shares storage.
 * @example
 * reshape(arange(6), [2, -1]); // shape [2, 3]
 */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  return withArgs('reshape', ['x'], [x], ([t]) => {
    const input = t!;
    const unknown = shape.filter((d) => d === -1).length;
    if (unknown > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) {
      throw new ShapeError(`reshape: shape may hold non-negative integers and one -1, got ${fmtShape(shape)}`);
    }
    const known = sizeOf(shape.filter((d) => d !== -1));
    let out = [...shape];
    if (unknown === 1) {
      if (known === 0 || input.size % known !== 0) {
        throw new ShapeError(`reshape: cannot reshape x.shape=${fmtShape(input.shape)} (size ${input.size}) into ${fmtShape(shape)}`);
      }
      out = shape.map((d) => (d === -1 ? input.size / known : d));
    }
    if (sizeOf(out) !== input.size) {
      throw new ShapeError(`reshape: cannot reshape x.shape=${fmtShape(input.shape)} (size ${input.size}) into ${fmtShape(shape)}`);
    }
    return ENGINE.share(input, out);
  });
}

/**
 * Broadcasts to `shape` (NumPy rules), materialising the result.
 * @example
 * broadcastTo(tensor([1, 2]), [3, 2]);
 */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  return withArgs('broadcastTo', ['x'], [x], ([t]) => {
    const input = t!;
    const ok =
      shape.length >= input.rank &&
      input.shape.every((d, i) => d === 1 || d === shape[shape.length - input.rank + i]);
    if (!ok) {
      throw new ShapeError(`broadcastTo: cannot broadcast x.shape=${fmtShape(input.shape)} to ${fmtShape(shape)}`);
    }
    if (input.rank === shape.length && input.shape.every((d, i) => d === shape[i])) return ENGINE.share(input, shape);
    return ENGINE.run('broadcastTo', [input], {}, shape, input.dtype);
  });
}

/** VJP of reshape (not a kernel: reshape shares storage). */
export const RESHAPE_RULE: VjpRule<{ shape: readonly number[] }> = ({ inputs: [x], dy }) => [reshape(dy, x!.shape)];

const todo = (): never => {
  throw new UnsupportedError('movement gradients are being written');
};

/** VJP rules of the movement primitives. */
export const MOVEMENT_RULES: RuleTable<
  'gather' | 'scatterAdd' | 'transpose' | 'slice' | 'sliceGrad' | 'pad' | 'concat' | 'tile' | 'reverse' | 'broadcastTo'
> = {
  gather: todo,
  scatterAdd: todo,
  transpose: todo,
  slice: todo,
  sliceGrad: todo,
  pad: todo,
  concat: todo,
  tile: todo,
  reverse: todo,
  broadcastTo: todo,
};

/** Stacks tensors along a new axis (placeholder signature; see the movement family). */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  void xs;
  void axis;
  return todo();
}
