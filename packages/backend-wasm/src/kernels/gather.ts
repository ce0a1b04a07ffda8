// `gather` along an axis and its adjoint `scatterAdd` (assembly/gather.ts). Around the axis the
// tensor is viewed as [outer, n, inner] and each index moves one contiguous run of `inner`
// values; index tensors are not range-checked by core (that would need a read), so an
// out-of-range index gathers zeros and scatters nothing.

import { aroundAxis, type Kernel } from '@nabla/core/internal';
import type { WasmContext } from '../kernel-context.js';
import { elementShift } from '../wasm-data.js';

/**
 * The `gather` kernel: out[o, t, j] = x[o, indices[t], j]; zeros where an index is out of range.
 * @example
 * gatherKernel(ctx)([x, indices], { axis: 0 }, out);
 */
export function gatherKernel(ctx: WasmContext): Kernel<'gather'> {
  return (inputs, { axis }, out) => {
    const [x, indices] = [inputs[0]!, inputs[1]!];
    const [outer, , inner] = aroundAxis(x.shape, axis);
    const px = ctx.ptr(x, 'gather');
    const pi = ctx.ptr(indices, 'gather');
    const y = ctx.alloc(out);
    const shift = elementShift(out.dtype);
    ctx.wasm.gather(shift, px, pi, y.ptr, outer, x.shape[axis]!, inner, indices.size);
    return y;
  };
}

/**
 * The `scatterAdd` kernel: zeros of `out.shape` plus out[o, indices[t], j] += updates[o, t, j];
 * repeated indices accumulate and out-of-range ones are dropped.
 * @example
 * scatterAddKernel(ctx)([updates, indices], { axis: 0 }, out);
 */
export function scatterAddKernel(ctx: WasmContext): Kernel<'scatterAdd'> {
  return (inputs, { axis }, out) => {
    const [updates, indices] = [inputs[0]!, inputs[1]!];
    const [outer, , inner] = aroundAxis(out.shape, axis);
    const pu = ctx.ptr(updates, 'scatterAdd');
    const pi = ctx.ptr(indices, 'scatterAdd');
    const y = ctx.alloc(out);
    const n = out.shape[axis]!;
    if (out.dtype === 'int32') ctx.wasm.scatterAddI32(pu, pi, y.ptr, outer, n, inner, indices.size);
    else ctx.wasm.scatterAddF32(pu, pi, y.ptr, outer, n, inner, indices.size);
    return y;
  };
}
