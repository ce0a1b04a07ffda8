// Kernels that scan one axis: argMax/argMin (first occurrence, NaN counted as the extreme like
// NumPy) and the cumulative sum and product (inclusive or exclusive, forward or reversed).
// The input is viewed as [outer, n, inner] around the axis.

import type { CumulativeParams, Kernel } from '@nabla/core';
import { type CpuContext, valuesOf } from '../cpu-data.js';

/** outer, n, inner of `shape` around `axis`. */
function split(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis] ?? 1, inner];
}

/**
 * An argMax (sign 1) or argMin (sign −1) kernel: the int32 index of the first extreme along
 * `axis`, the axis dropped from the output. The first NaN wins, as in NumPy.
 * @example
 * argExtremeKernel(ctx, 'argMax')([x], { axis: 1 }, out);
 */
export function argExtremeKernel<P extends 'argMax' | 'argMin'>(ctx: CpuContext, prim: P): Kernel<P> {
  const sign = prim === 'argMax' ? 1 : -1;
  return (inputs, { axis }, out) => {
    const x = valuesOf(inputs[0], prim);
    const [outer, n, inner] = split(inputs[0].shape, axis);
    const y = ctx.alloc(out);
    const yv = y.values;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * n * inner + j;
        let best = 0;
        // Compare sign·v so one loop serves both: the largest sign·v is the max or the min.
        let bestValue = sign * x[base];
        for (let r = 1; r < n && !Number.isNaN(bestValue); r++) {
          const v = sign * x[base + r * inner];
          if (v > bestValue || Number.isNaN(v)) {
            best = r;
            bestValue = v;
          }
        }
        yv[o * inner + j] = best;
      }
    }
    return y;
  };
}

/**
 * A cumulative sum or product kernel along `axis`. Exclusive scans start from the identity
 * (0 or 1) and skip the current element; reversed scans run from the end of the axis.
 * @example
 * cumulativeKernel(ctx, 'cumsum')([x], { axis: 0, exclusive: false, reverse: false }, out);
 */
export function cumulativeKernel<P extends 'cumsum' | 'cumprod'>(ctx: CpuContext, prim: P): Kernel<P> {
  const isSum = prim === 'cumsum';
  return (inputs, { axis, exclusive, reverse }: CumulativeParams, out) => {
    const x = valuesOf(inputs[0], prim);
    const [outer, n, inner] = split(inputs[0].shape, axis);
    const y = ctx.alloc(out);
    const yv = y.values;
    const acc = new Float64Array(inner);
    for (let o = 0; o < outer; o++) {
      acc.fill(isSum ? 0 : 1);
      for (let step = 0; step < n; step++) {
        const r = reverse ? n - 1 - step : step;
        const base = (o * n + r) * inner;
        for (let j = 0; j < inner; j++) {
          const v = x[base + j];
          if (exclusive) yv[base + j] = acc[j];
          acc[j] = isSum ? acc[j] + v : acc[j] * v;
          if (!exclusive) yv[base + j] = acc[j];
        }
      }
    }
    return y;
  };
}
