// Movement kernels: transpose, slice and its adjoint, pad, concat, tile, reverse, broadcastTo.
// Each is one `stridedCopy` with the right offsets and strides: a permutation permutes the
// source strides, a slice scales them, a reversal negates them, a broadcast zeroes them.

import { broadcastStrides, type Kernel, stridesOf, tileView } from '@nabla/core/internal';
import { type CpuContext, valuesOf } from '../cpu-data.js';
import { stridedCopy } from './strided.js';

/**
 * The `transpose` kernel: output axis d is input axis perm[d].
 * @example
 * transposeKernel(ctx)([x], { perm: [1, 0] }, out);
 */
export function transposeKernel(ctx: CpuContext): Kernel<'transpose'> {
  return (inputs, { perm }, out) => {
    const x = inputs[0];
    const inStrides = stridesOf(x.shape);
    const y = ctx.alloc(out);
    const src = perm.map((axis) => inStrides[axis]);
    stridedCopy(out.shape, valuesOf(x, 'transpose'), 0, src, y.values, 0, stridesOf(out.shape));
    return y;
  };
}

/** Source offset and strides of a strided slice: element i on axis d reads begin[d] + i·strides[d]. */
function sliceView(inShape: readonly number[], begin: readonly number[], strides: readonly number[]) {
  const own = stridesOf(inShape);
  let offset = 0;
  for (let d = 0; d < own.length; d++) offset += begin[d] * own[d];
  return { offset, strides: own.map((s, d) => s * strides[d]) };
}

/**
 * The `slice` kernel (strided, negative strides walk backwards).
 * @example
 * sliceKernel(ctx)([x], { begin: [3], strides: [-1] }, out); // x[3::-1]
 */
export function sliceKernel(ctx: CpuContext): Kernel<'slice'> {
  return (inputs, { begin, strides }, out) => {
    const x = inputs[0];
    const view = sliceView(x.shape, begin, strides);
    const y = ctx.alloc(out);
    stridedCopy(
      out.shape,
      valuesOf(x, 'slice'),
      view.offset,
      view.strides,
      y.values,
      0,
      stridesOf(out.shape),
    );
    return y;
  };
}

/**
 * The `sliceGrad` kernel: zeros of `out.shape` with dy written where `slice` read.
 * @example
 * sliceGradKernel(ctx)([dy], { begin: [1], strides: [2] }, { shape: [6], dtype: 'float32', size: 6 });
 */
export function sliceGradKernel(ctx: CpuContext): Kernel<'sliceGrad'> {
  return (inputs, { begin, strides }, out) => {
    const dy = inputs[0];
    const view = sliceView(out.shape, begin, strides);
    const dx = ctx.alloc(out);
    stridedCopy(
      dy.shape,
      valuesOf(dy, 'sliceGrad'),
      0,
      stridesOf(dy.shape),
      dx.values,
      view.offset,
      view.strides,
    );
    return dx;
  };
}

/**
 * The `pad` kernel: `value` around x, `paddings[d] = [before, after]`.
 * @example
 * padKernel(ctx)([x], { paddings: [[1, 1]], value: 0 }, out);
 */
export function padKernel(ctx: CpuContext): Kernel<'pad'> {
  return (inputs, { paddings, value }, out) => {
    const x = inputs[0];
    const y = ctx.alloc(out);
    if (value !== 0) y.values.fill(value);
    const outStrides = stridesOf(out.shape);
    let offset = 0;
    for (let d = 0; d < outStrides.length; d++) offset += paddings[d][0] * outStrides[d];
    stridedCopy(x.shape, valuesOf(x, 'pad'), 0, stridesOf(x.shape), y.values, offset, outStrides);
    return y;
  };
}

/**
 * The `concat` kernel: inputs placed one after another along `axis`.
 * @example
 * concatKernel(ctx)([a, b, c], { axis: 1 }, out);
 */
export function concatKernel(ctx: CpuContext): Kernel<'concat'> {
  return (inputs, { axis }, out) => {
    const y = ctx.alloc(out);
    const outStrides = stridesOf(out.shape);
    let at = 0;
    for (const x of inputs) {
      stridedCopy(
        x.shape,
        valuesOf(x, 'concat'),
        0,
        stridesOf(x.shape),
        y.values,
        at * outStrides[axis],
        outStrides,
      );
      at += x.shape[axis];
    }
    return y;
  };
}

/**
 * The `tile` kernel: one strided copy over core's `tileView` (each output axis viewed as
 * [reps[d], n_d], with source stride 0 on the repetition axis).
 * @example
 * tileKernel(ctx)([x], { reps: [2, 3] }, out);
 */
export function tileKernel(ctx: CpuContext): Kernel<'tile'> {
  return (inputs, { reps }, out) => {
    const x = inputs[0];
    const { shape, src, dst } = tileView(x.shape, out.shape, reps);
    const y = ctx.alloc(out);
    stridedCopy(shape, valuesOf(x, 'tile'), 0, src, y.values, 0, dst);
    return y;
  };
}

/**
 * The `reverse` kernel: reads reversed axes from their last element with a negated stride.
 * @example
 * reverseKernel(ctx)([x], { axes: [0] }, out);
 */
export function reverseKernel(ctx: CpuContext): Kernel<'reverse'> {
  return (inputs, { axes }, out) => {
    const x = inputs[0];
    const src = stridesOf(x.shape);
    let offset = 0;
    for (const axis of axes) {
      offset += (x.shape[axis] - 1) * src[axis];
      src[axis] = -src[axis];
    }
    const y = ctx.alloc(out);
    stridedCopy(out.shape, valuesOf(x, 'reverse'), offset, src, y.values, 0, stridesOf(out.shape));
    return y;
  };
}

/**
 * The `broadcastTo` kernel: materialises x at `out.shape`, reading broadcast axes with stride 0.
 * @example
 * broadcastToKernel(ctx)([x], {}, out);
 */
export function broadcastToKernel(ctx: CpuContext): Kernel<'broadcastTo'> {
  return (inputs, _params, out) => {
    const x = inputs[0];
    const y = ctx.alloc(out);
    const src = broadcastStrides(x.shape, out.shape);
    stridedCopy(out.shape, valuesOf(x, 'broadcastTo'), 0, src, y.values, 0, stridesOf(out.shape));
    return y;
  };
}
