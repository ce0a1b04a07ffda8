// Reductions over a set of axes, argMax/argMin and cumulative scans. After merging neighbouring
// axes of the same kind (core's `reductionRuns`), a reduction over one contiguous block of axes runs as [outer, n, inner]
// in assembly/reduce.ts; any other pattern is first transposed (kept axes first) into a
// temporary block so that the reduced axes form the contiguous tail.

import type { CumulativeParams, Kernel, ReducePrim } from '@nabla/core/internal';
import { aroundAxis, reductionRuns, stridesOf } from '@nabla/core/internal';
import * as abi from '../abi.js';
import type { WasmContext } from '../kernel-context.js';
import { elementShift } from '../wasm-data.js';
import { stridedCopy } from './movement.js';

/** Op codes (src/abi.ts). */
const REDUCE_OPS: Record<ReducePrim, number> = {
  sum: abi.REDUCE_SUM,
  prod: abi.REDUCE_PROD,
  max: abi.REDUCE_MAX,
  min: abi.REDUCE_MIN,
  any: abi.REDUCE_ANY,
  all: abi.REDUCE_ALL,
};

const product = (xs: readonly number[]): number => xs.reduce((p, d) => p * d, 1);

/** Row chunks a big reduction over leading axes is cut into: fixed, so every thread count gives the same bits. */
const ROW_CHUNKS = 8;
/** Elements from which a reduction over leading axes (a bias gradient, a batch statistic) is cut into row chunks. */
const CHUNKED_REDUCE = 2 ** 18;

/**
 * How a column reduction of [n, inner] is cut into row chunks (`per` rows each, `full` whole
 * ones, `count` with the shorter last), or undefined when it runs in one pass: shared with the
 * compiled chain sums (chain.ts), which must add in the same order to give the same bits.
 */
export function rowChunks(
  n: number,
  inner: number,
): { per: number; full: number; count: number } | undefined {
  if (n < ROW_CHUNKS * 8 || n * inner < CHUNKED_REDUCE) return undefined;
  const per = Math.ceil(n / ROW_CHUNKS);
  const full = Math.floor(n / per);
  return { per, full, count: full + (n - full * per > 0 ? 1 : 0) };
}

/**
 * Reduces x [n, inner] (int32 or float32, by `fn`) over its rows into y [inner]. A big one
 * (`rowChunks`) runs in ROW_CHUNKS chunks, each into a partial row (the threads claim the
 * chunks as they come; the shorter last chunk runs here), then the partials in chunk order into
 * y, so each column is a sum of chunk sums, whoever computed them; a small one in one pass.
 */
export function reduceColumns(
  ctx: WasmContext,
  fn: 'reduceF32' | 'reduceI32',
  op: number,
  x: number,
  y: number,
  n: number,
  inner: number,
): void {
  const chunks = rowChunks(n, inner);
  if (!chunks) {
    ctx.wasm[fn](op, x, y, 1, n, inner);
    return;
  }
  const { per, full, count } = chunks;
  const rest = n - full * per;
  const rowBytes = inner * 4;
  const partials = ctx.heap.alloc(count * rowBytes);
  try {
    const pool = ctx.pool;
    if (pool) {
      // No argument needs clamping: every claimed chunk is whole (outer, always 1, is the no-op clamp).
      pool.runShared(
        fn,
        { args: [op, x, partials, 1, per, inner], deltas: [0, per * rowBytes, rowBytes] },
        { count: full, clampIndex: 3, clampTo: 1 },
      );
    } else {
      for (let c = 0; c < full; c++)
        ctx.wasm[fn](op, x + c * per * rowBytes, partials + c * rowBytes, 1, per, inner);
    }
    if (rest > 0) ctx.wasm[fn](op, x + full * per * rowBytes, partials + full * rowBytes, 1, rest, inner);
    ctx.wasm[fn](op, partials, y, 1, count, inner);
  } finally {
    ctx.heap.free(partials);
  }
}

/**
 * A kernel for one reduction over `params.axes` (the output keeps them with size 1).
 * @example
 * reduceKernel(ctx, 'sum')([x], { axes: [0, 2] }, out);
 */
export function reduceKernel<P extends ReducePrim>(ctx: WasmContext, prim: P): Kernel<P> {
  const op = REDUCE_OPS[prim];
  return (inputs, params, out) => {
    const x = inputs[0]!;
    const px = ctx.ptr(x, prim);
    const y = ctx.alloc(out);
    const run = (src: number, outer: number, n: number, inner: number): void => {
      if (x.dtype === 'float32') ctx.wasm.reduceF32(op, src, y.ptr, outer, n, inner);
      else if (x.dtype === 'int32') ctx.wasm.reduceI32(op, src, y.ptr, outer, n, inner);
      else ctx.wasm.reduceU8(op, src, y.ptr, outer, n, inner);
    };
    const { sizes, reduced } = reductionRuns(x.shape, params.axes);
    const first = reduced.indexOf(true);
    const runs = reduced.filter((r, i) => r && reduced[i - 1] !== true).length;
    if (first < 0) {
      // Only size-1 axes (or nothing) are reduced: each value folds into the identity.
      run(px, out.size, 1, 1);
    } else if (runs === 1) {
      const outer = product(sizes.slice(0, first));
      const n = sizes[first]!;
      const inner = product(sizes.slice(first + 1));
      if (outer === 1 && x.dtype !== 'bool') {
        reduceColumns(ctx, x.dtype === 'float32' ? 'reduceF32' : 'reduceI32', op, px, y.ptr, n, inner);
      } else {
        run(px, outer, n, inner);
      }
    } else {
      // Kept axes first, reduced axes last, in a temporary block; then one [outer, n, 1] pass.
      const own = stridesOf(sizes);
      const order = [...sizes.keys()].sort((a, b) => Number(reduced[a]) - Number(reduced[b]));
      const shape = order.map((d) => sizes[d]!);
      const temp = ctx.heap.alloc(x.size * 2 ** elementShift(x.dtype));
      try {
        const src = order.map((d) => own[d]!);
        stridedCopy(ctx, x.dtype, shape, px, 0, src, temp, 0, stridesOf(shape));
        const n = product(sizes.filter((_, i) => reduced[i]));
        run(temp, out.size, n, 1);
      } finally {
        ctx.heap.free(temp);
      }
    }
    return y;
  };
}

/**
 * An argMax or argMin kernel: the int32 index of the first extreme along `axis` (the first NaN
 * wins, as in NumPy), the axis dropped from the output.
 * @example
 * argExtremeKernel(ctx, 'argMax')([x], { axis: 1 }, out);
 */
export function argExtremeKernel<P extends 'argMax' | 'argMin'>(ctx: WasmContext, prim: P): Kernel<P> {
  const sign = prim === 'argMax' ? 1 : -1;
  return (inputs, { axis }, out) => {
    const x = inputs[0]!;
    const [outer, n, inner] = aroundAxis(x.shape, axis);
    const px = ctx.ptr(x, prim);
    const y = ctx.alloc(out);
    if (x.dtype === 'float32') ctx.wasm.argExtremeF32(sign, px, y.ptr, outer, n, inner);
    else ctx.wasm.argExtremeI32(sign, px, y.ptr, outer, n, inner);
    return y;
  };
}

/**
 * A cumulative sum or product kernel along `axis` (exclusive scans start from the identity and
 * skip the current element; reversed scans run from the end of the axis).
 * @example
 * cumulativeKernel(ctx, 'cumsum')([x], { axis: 0, exclusive: false, reverse: false }, out);
 */
export function cumulativeKernel<P extends 'cumsum' | 'cumprod'>(ctx: WasmContext, prim: P): Kernel<P> {
  const isSum = prim === 'cumsum' ? 1 : 0;
  return (inputs, { axis, exclusive, reverse }: CumulativeParams, out) => {
    const x = inputs[0]!;
    const [outer, n, inner] = aroundAxis(x.shape, axis);
    const px = ctx.ptr(x, prim);
    const y = ctx.alloc(out);
    const ex = exclusive ? 1 : 0;
    const rev = reverse ? 1 : 0;
    if (x.dtype === 'float32') ctx.wasm.cumulativeF32(isSum, ex, rev, px, y.ptr, outer, n, inner);
    else ctx.wasm.cumulativeI32(isSum, ex, rev, px, y.ptr, outer, n, inner);
    return y;
  };
}

/**
 * The `topkIndices` kernel: the indices of the k largest of each last-axis row (NaN first, ties
 * to the lower index), best first or in index order; the binary sorts in a scratch block lent here.
 * @example
 * topkIndicesKernel(ctx)([x], { k: 2, sorted: true }, { shape: [3, 2], dtype: 'int32', size: 6 });
 */
export function topkIndicesKernel(ctx: WasmContext): Kernel<'topkIndices'> {
  return (inputs, { k, sorted }, out) => {
    const x = inputs[0]!;
    const n = x.shape[x.shape.length - 1] ?? 1;
    const px = ctx.ptr(x, 'topkIndices');
    const y = ctx.alloc(out);
    const scratch = ctx.heap.alloc(n * 4);
    try {
      const isInt = x.dtype === 'int32' ? 1 : 0;
      ctx.wasm.topkIndices(isInt, px, y.ptr, scratch, out.size / k, n, k, sorted ? 1 : 0);
    } finally {
      ctx.heap.free(scratch);
    }
    return y;
  };
}
