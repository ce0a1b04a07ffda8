// `gather` along an axis and its adjoint `scatterAdd`. Around the axis, x is viewed as
// [outer, n, inner] and each index moves one contiguous run of `inner` values. Index tensors are
// not range-checked by core (that would need a read), so an out-of-range index gathers zeros and
// scatters nothing.

import { aroundAxis, type Kernel } from '@nabla/core/internal';
import { type CpuContext, valuesOf } from '../cpu-data.js';

/**
 * The `gather` kernel: out[o, t, j] = x[o, indices[t], j] (indices flattened); 0 where
 * indices[t] is outside [0, n).
 * @example
 * gatherKernel(ctx)([x, indices], { axis: 0 }, out);
 */
export function gatherKernel(ctx: CpuContext): Kernel<'gather'> {
  return (inputs, { axis }, out) => {
    const [x, indices] = inputs;
    const xv = valuesOf(x, 'gather');
    const iv = valuesOf(indices, 'gather');
    const [outer, , inner] = aroundAxis(x.shape, axis);
    const n = x.shape[axis];
    const y = ctx.alloc(out);
    const yv = y.values;
    let o = 0;
    for (let b = 0; b < outer; b++) {
      for (let t = 0; t < iv.length; t++) {
        const index = iv[t];
        if (index >= 0 && index < n) {
          const from = (b * n + index) * inner;
          yv.set(xv.subarray(from, from + inner), o);
        }
        o += inner;
      }
    }
    return y;
  };
}

/**
 * The `scatterAdd` kernel: zeros of `out.shape` plus out[o, indices[t], j] += updates[o, t, j].
 * Repeated indices accumulate and out-of-range ones are dropped, which makes it gather's adjoint.
 * @example
 * scatterAddKernel(ctx)([updates, indices], { axis: 0 }, out);
 */
export function scatterAddKernel(ctx: CpuContext): Kernel<'scatterAdd'> {
  return (inputs, { axis }, out) => {
    const [updates, indices] = inputs;
    const uv = valuesOf(updates, 'scatterAdd');
    const iv = valuesOf(indices, 'scatterAdd');
    const [outer, , inner] = aroundAxis(out.shape, axis);
    const n = out.shape[axis];
    const y = ctx.alloc(out);
    const yv = y.values;
    let u = 0;
    for (let b = 0; b < outer; b++) {
      for (let t = 0; t < iv.length; t++, u += inner) {
        const index = iv[t];
        if (index < 0 || index >= n) continue;
        const to = (b * n + index) * inner;
        for (let j = 0; j < inner; j++) yv[to + j] += uv[u + j];
      }
    }
    return y;
  };
}
