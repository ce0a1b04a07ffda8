// Movement kernels: transpose, slice and its adjoint, pad, concat, tile, reverse, broadcastTo.
// Each op is one strided copy (assembly/movement.ts) with the right offsets and strides: a
// permutation permutes the source strides, a slice scales them, a reversal negates them, a
// broadcast zeroes them.

import type { DType } from '@nabla/core';
import { broadcastStrides, type Kernel, stridesOf, tileView } from '@nabla/core/internal';
import type { WasmContext } from '../kernel-context.js';
import { elementShift } from '../wasm-data.js';

/**
 * Copies `shape` elements of `dtype` from heap address `src` (element offset `srcOffset`,
 * element strides `srcStrides`) to `dst` likewise.
 * @example
 * stridedCopy(ctx, 'float32', [3, 2], a, 0, [1, 3], y, 0, [2, 1]); // transpose [2,3] → [3,2]
 */
export function stridedCopy(
  ctx: WasmContext,
  dtype: DType,
  shape: readonly number[],
  src: number,
  srcOffset: number,
  srcStrides: readonly number[],
  dst: number,
  dstOffset: number,
  dstStrides: readonly number[],
): void {
  if (shape.some((d) => d === 0)) return;
  const p = ctx.walk(shape, [srcStrides, dstStrides], [srcOffset, dstOffset]);
  if (elementShift(dtype) === 2) ctx.wasm.copy32(src, dst, p);
  else ctx.wasm.copy8(src, dst, p);
}

/** Fills `n` elements of `dtype` at `dst` with `value` (stored as that dtype would store it). */
export function fill(ctx: WasmContext, dtype: DType, dst: number, value: number, n: number): void {
  if (n === 0) return;
  if (dtype === 'bool') {
    ctx.wasm.fill8(dst, new Uint8Array([value])[0]!, n);
    return;
  }
  const bits = dtype === 'float32' ? new Int32Array(new Float32Array([value]).buffer)[0]! : value | 0;
  ctx.wasm.fill32(dst, bits, n);
}

/**
 * The `transpose` kernel: output axis d is input axis perm[d].
 * @example
 * transposeKernel(ctx)([x], { perm: [1, 0] }, out);
 */
export function transposeKernel(ctx: WasmContext): Kernel<'transpose'> {
  return (inputs, { perm }, out) => {
    const x = inputs[0]!;
    const inStrides = stridesOf(x.shape);
    const px = ctx.ptr(x, 'transpose');
    const y = ctx.alloc(out);
    const src = perm.map((axis) => inStrides[axis]!);
    stridedCopy(ctx, out.dtype, out.shape, px, 0, src, y.ptr, 0, stridesOf(out.shape));
    return y;
  };
}

/** Source offset and strides of a strided slice: element i on axis d reads begin[d] + i·strides[d]. */
function sliceView(inShape: readonly number[], begin: readonly number[], strides: readonly number[]) {
  const own = stridesOf(inShape);
  let offset = 0;
  for (let d = 0; d < own.length; d++) offset += begin[d]! * own[d]!;
  return { offset, strides: own.map((s, d) => s * strides[d]!) };
}

/**
 * The `slice` kernel (strided; negative strides walk backwards).
 * @example
 * sliceKernel(ctx)([x], { begin: [3], strides: [-1] }, out); // x[3::-1]
 */
export function sliceKernel(ctx: WasmContext): Kernel<'slice'> {
  return (inputs, { begin, strides }, out) => {
    const x = inputs[0]!;
    const view = sliceView(x.shape, begin, strides);
    const px = ctx.ptr(x, 'slice');
    const y = ctx.alloc(out);
    stridedCopy(ctx, out.dtype, out.shape, px, view.offset, view.strides, y.ptr, 0, stridesOf(out.shape));
    return y;
  };
}

/**
 * The `sliceGrad` kernel: zeros of `out.shape` with dy written where `slice` read.
 * @example
 * sliceGradKernel(ctx)([dy], { begin: [1], strides: [2] }, { shape: [6], dtype: 'float32', size: 6 });
 */
export function sliceGradKernel(ctx: WasmContext): Kernel<'sliceGrad'> {
  return (inputs, { begin, strides }, out) => {
    const dy = inputs[0]!;
    const view = sliceView(out.shape, begin, strides);
    const pdy = ctx.ptr(dy, 'sliceGrad');
    const dx = ctx.alloc(out);
    fill(ctx, out.dtype, dx.ptr, 0, out.size);
    stridedCopy(ctx, out.dtype, dy.shape, pdy, 0, stridesOf(dy.shape), dx.ptr, view.offset, view.strides);
    return dx;
  };
}

/**
 * The `pad` kernel: `value` around x, `paddings[d] = [before, after]`.
 * @example
 * padKernel(ctx)([x], { paddings: [[1, 1]], value: 0 }, out);
 */
export function padKernel(ctx: WasmContext): Kernel<'pad'> {
  return (inputs, { paddings, value }, out) => {
    const x = inputs[0]!;
    const px = ctx.ptr(x, 'pad');
    const y = ctx.alloc(out);
    fill(ctx, out.dtype, y.ptr, value, out.size);
    const outStrides = stridesOf(out.shape);
    let offset = 0;
    for (let d = 0; d < outStrides.length; d++) offset += paddings[d]![0] * outStrides[d]!;
    stridedCopy(ctx, out.dtype, x.shape, px, 0, stridesOf(x.shape), y.ptr, offset, outStrides);
    return y;
  };
}

/**
 * The `concat` kernel: inputs placed one after another along `axis`.
 * @example
 * concatKernel(ctx)([a, b, c], { axis: 1 }, out);
 */
export function concatKernel(ctx: WasmContext): Kernel<'concat'> {
  return (inputs, { axis }, out) => {
    const ptrs = inputs.map((x) => ctx.ptr(x, 'concat'));
    const y = ctx.alloc(out);
    const outStrides = stridesOf(out.shape);
    let at = 0;
    inputs.forEach((x, i) => {
      const offset = at * outStrides[axis]!;
      stridedCopy(ctx, out.dtype, x.shape, ptrs[i]!, 0, stridesOf(x.shape), y.ptr, offset, outStrides);
      at += x.shape[axis]!;
    });
    return y;
  };
}

/**
 * The `tile` kernel: one strided copy over core's `tileView` (each output axis viewed as
 * [reps[d], n_d], with source stride 0 on the repetition axis).
 * @example
 * tileKernel(ctx)([x], { reps: [2, 3] }, out);
 */
export function tileKernel(ctx: WasmContext): Kernel<'tile'> {
  return (inputs, { reps }, out) => {
    const x = inputs[0]!;
    const { shape, src, dst } = tileView(x.shape, out.shape, reps);
    const px = ctx.ptr(x, 'tile');
    const y = ctx.alloc(out);
    stridedCopy(ctx, out.dtype, shape, px, 0, src, y.ptr, 0, dst);
    return y;
  };
}

/**
 * The `reverse` kernel: reads reversed axes from their last element with a negated stride.
 * @example
 * reverseKernel(ctx)([x], { axes: [0] }, out);
 */
export function reverseKernel(ctx: WasmContext): Kernel<'reverse'> {
  return (inputs, { axes }, out) => {
    const x = inputs[0]!;
    const src = stridesOf(x.shape);
    let offset = 0;
    for (const axis of axes) {
      offset += (x.shape[axis]! - 1) * src[axis]!;
      src[axis] = -src[axis]!;
    }
    const px = ctx.ptr(x, 'reverse');
    const y = ctx.alloc(out);
    stridedCopy(ctx, out.dtype, out.shape, px, offset, src, y.ptr, 0, stridesOf(out.shape));
    return y;
  };
}

/**
 * The `broadcastTo` kernel: materialises x at `out.shape`, reading broadcast axes with stride 0.
 * @example
 * broadcastToKernel(ctx)([x], {}, out);
 */
export function broadcastToKernel(ctx: WasmContext): Kernel<'broadcastTo'> {
  return (inputs, _params, out) => {
    const x = inputs[0]!;
    const px = ctx.ptr(x, 'broadcastTo');
    const y = ctx.alloc(out);
    const src = broadcastStrides(x.shape, out.shape);
    stridedCopy(ctx, out.dtype, out.shape, px, 0, src, y.ptr, 0, stridesOf(out.shape));
    return y;
  };
}
