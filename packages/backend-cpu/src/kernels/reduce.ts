// Reductions: over a set of axes (sum, prod, max, min, any, all), and along one axis (argMax and
// argMin, the cumulative sum and product). For the first kind the input is viewed, after
// merging neighbouring axes of the same kind (core's `reductionRuns`), as [outer, reduced, inner] when the reduced axes
// are one contiguous block (the common case, with fast loops), and otherwise walked with a
// table of the reduced positions' offsets. Accumulation is in doubles; NaN propagates. The
// along-one-axis kernels view the input as [outer, n, inner] around the axis; argMax/argMin
// return the first occurrence with NaN counted as the extreme (as NumPy), cumulative ops are
// inclusive or exclusive, forward or reversed. `topkIndices` ranks each last-axis row.

import type { TypedArray } from '@nabla/core';
import {
  aroundAxis,
  type CumulativeParams,
  type Kernel,
  type ReducePrim,
  reductionRuns,
} from '@nabla/core/internal';
import { type CpuContext, valuesOf } from '../cpu-data.js';

/** How each reduction starts and folds one value in. */
interface Reducer {
  readonly init: number;
  readonly step: (acc: number, v: number) => number;
}

const REDUCERS: Record<ReducePrim, Reducer> = {
  sum: { init: 0, step: (acc, v) => acc + v },
  prod: { init: 1, step: (acc, v) => acc * v },
  // Once the accumulator is NaN it stays NaN: `v > NaN` is false, and only a NaN v replaces it.
  max: { init: Number.NEGATIVE_INFINITY, step: (acc, v) => (v > acc || Number.isNaN(v) ? v : acc) },
  min: { init: Number.POSITIVE_INFINITY, step: (acc, v) => (v < acc || Number.isNaN(v) ? v : acc) },
  any: { init: 0, step: (acc, v) => (acc !== 0 || v !== 0 ? 1 : 0) },
  all: { init: 1, step: (acc, v) => (acc !== 0 && v !== 0 ? 1 : 0) },
};

/**
 * A kernel for one reduction over `params.axes` (the output keeps them with size 1).
 * @example
 * const sum = reduceKernel(ctx, 'sum');
 * sum([x], { axes: [0, 2] }, out);
 */
export function reduceKernel<P extends ReducePrim>(ctx: CpuContext, prim: P): Kernel<P> {
  const reducer = REDUCERS[prim];
  return (inputs, params, out) => {
    const x = valuesOf(inputs[0], prim);
    const y = ctx.alloc(out);
    const { sizes, reduced } = reductionRuns(inputs[0].shape, params.axes);
    const first = reduced.indexOf(true);
    const runs = reduced.filter((r, i) => r && reduced[i - 1] !== true).length;
    if (first < 0) {
      // Only size-1 axes are reduced: a copy (through the step, so bool stays 0/1).
      for (let i = 0; i < x.length; i++) y.values[i] = reducer.step(reducer.init, x[i]);
    } else if (runs === 1) {
      const outer = sizes.slice(0, first).reduce((p, d) => p * d, 1);
      const inner = sizes.slice(first + 1).reduce((p, d) => p * d, 1);
      reduceBlock(x, y.values, outer, sizes[first], inner, prim, reducer);
    } else {
      reduceGeneral(x, y.values, sizes, reduced, reducer);
    }
    return y;
  };
}

/** Reduces x viewed as [outer, n, inner] over its middle axis into y [outer, inner]. */
function reduceBlock(
  x: TypedArray,
  y: TypedArray,
  outer: number,
  n: number,
  inner: number,
  prim: ReducePrim,
  { init, step }: Reducer,
): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * n;
      let acc = init;
      if (prim === 'sum') {
        for (let r = 0; r < n; r++) acc += x[base + r];
      } else {
        for (let r = 0; r < n; r++) acc = step(acc, x[base + r]);
      }
      y[o] = acc;
    }
    return;
  }
  // Reducing a leading or middle axis: sweep whole contiguous inner rows into a row of accumulators.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(init);
    for (let r = 0; r < n; r++) {
      const base = (o * n + r) * inner;
      if (prim === 'sum') {
        for (let j = 0; j < inner; j++) acc[j] += x[base + j];
      } else {
        for (let j = 0; j < inner; j++) acc[j] = step(acc[j], x[base + j]);
      }
    }
    y.set(acc, o * inner);
  }
}

/** Any reduction pattern: output offsets × a table of reduced-position offsets. */
function reduceGeneral(
  x: TypedArray,
  y: TypedArray,
  sizes: readonly number[],
  reduced: readonly boolean[],
  { init, step }: Reducer,
): void {
  const strides = new Array<number>(sizes.length);
  let s = 1;
  for (let i = sizes.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= sizes[i];
  }
  const offsetsOf = (ofReduced: boolean): Float64Array => {
    // Offsets of every index combination of the reduced (or the kept) axes, in row-major order.
    let table: number[] = [0];
    sizes.forEach((d, i) => {
      if (reduced[i] !== ofReduced) return;
      const next: number[] = [];
      for (const t of table) for (let k = 0; k < d; k++) next.push(t + k * strides[i]);
      table = next;
    });
    return Float64Array.from(table);
  };
  const outOffsets = offsetsOf(false);
  const redOffsets = offsetsOf(true);
  for (let o = 0; o < outOffsets.length; o++) {
    const base = outOffsets[o];
    let acc = init;
    for (let r = 0; r < redOffsets.length; r++) acc = step(acc, x[base + redOffsets[r]]);
    y[o] = acc;
  }
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
    const [outer, n, inner] = aroundAxis(inputs[0].shape, axis);
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
    const [outer, n, inner] = aroundAxis(inputs[0].shape, axis);
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

/**
 * The `topkIndices` kernel: for each last-axis row, the indices of its k largest values, best
 * first (NaN above every number, ties to the lower index), or in index order when not sorted.
 * @example
 * topkIndicesKernel(ctx)([x], { k: 2, sorted: true }, { shape: [3, 2], dtype: 'int32', size: 6 });
 */
export function topkIndicesKernel(ctx: CpuContext): Kernel<'topkIndices'> {
  return (inputs, { k, sorted }, out) => {
    const x = valuesOf(inputs[0], 'topkIndices');
    const n = inputs[0].shape[inputs[0].shape.length - 1] ?? 1;
    const rows = out.size / k;
    const y = ctx.alloc(out);
    const order = new Int32Array(n);
    for (let r = 0; r < rows; r++) {
      const base = r * n;
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((a, b) => {
        const va = x[base + a];
        const vb = x[base + b];
        const nanA = Number.isNaN(va);
        if (nanA !== Number.isNaN(vb)) return nanA ? -1 : 1;
        if (!nanA && va !== vb) return va > vb ? -1 : 1;
        return a - b;
      });
      const best = order.subarray(0, k);
      if (!sorted) best.sort();
      y.values.set(best, r * k);
    }
    return y;
  };
}
