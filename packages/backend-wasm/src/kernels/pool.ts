// 2-D max and average pooling (NHWC) and their backward kernels over assembly/pool.ts: direct
// loops four channels per SIMD lane group. The geometry travels as int32s in a small heap
// block (core's `pool2dGeometry`, laid out by the POOL_* indices of src/abi.ts).

import { type Kernel, type Pool2DParams, pool2dGeometry } from '@nabla/core/internal';
import * as abi from '../abi.js';
import { type WasmContext, writeInt32s } from '../kernel-context.js';
import type { Arities } from '../wasm-module.js';
import { splitRange } from '../work-split.js';

/** The pooling exports of the binary (assembly/pool.ts); each covers images [n0, n1). */
export interface PoolExports {
  maxPool2d(x: number, y: number, geo: number, n0: number, n1: number): void;
  maxPool2dBackward(x: number, dy: number, dx: number, geo: number, n0: number, n1: number): void;
  avgPool2d(x: number, y: number, geo: number, n0: number, n1: number): void;
  avgPool2dBackward(dy: number, dx: number, geo: number, n0: number, n1: number): void;
}

/** Parameter counts of the pooling exports, checked against the binary in wasm-module.ts. */
export const POOL_EXPORTS: Arities<PoolExports> = {
  maxPool2d: 5,
  maxPool2dBackward: 6,
  avgPool2d: 5,
  avgPool2dBackward: 5,
};

/** The pooling exports, all taking (…pointers, geo, n0, n1). */
type PoolName = keyof PoolExports;

/**
 * Runs a pooling export over images [0, n): split by images over the threads when the work
 * (elements touched) is big enough, each thread writing only its own images' outputs (the
 * backward kernels zero their own images of dx first), else on this thread.
 */
function overImages<K extends PoolName>(
  ctx: WasmContext,
  name: K,
  lead: readonly number[],
  n: number,
  work: number,
): void {
  const pool = ctx.pool;
  const bounds = pool && n > 1 && work >= pool.minWork ? splitRange(n, pool.size, 1, 1) : [0, n];
  const parts = bounds.slice(1).map((end, t) => ({
    args: [...lead, bounds[t]!, end] as unknown as Parameters<PoolExports[K]>,
  }));
  if (pool && parts.length > 1) pool.run(name, parts);
  else (ctx.wasm[name] as (...args: number[]) => void)(...lead, 0, n);
}

/** Runs `body` with the geometry block of a pooling from `xShape` to `yShape`, then frees it. */
function withGeometry(
  ctx: WasmContext,
  xShape: readonly number[],
  yShape: readonly number[],
  params: Pool2DParams,
  body: (geo: number, n: number) => void,
): void {
  const g = pool2dGeometry(xShape, yShape, params);
  const values = new Array<number>(abi.POOL_GEO_INTS).fill(0);
  values[abi.POOL_N] = g.n;
  values[abi.POOL_H] = g.h;
  values[abi.POOL_W] = g.w;
  values[abi.POOL_C] = g.c;
  values[abi.POOL_OUT_H] = g.outH;
  values[abi.POOL_OUT_W] = g.outW;
  values[abi.POOL_FH] = g.fh;
  values[abi.POOL_FW] = g.fw;
  values[abi.POOL_SH] = g.sh;
  values[abi.POOL_SW] = g.sw;
  values[abi.POOL_TOP] = g.top;
  values[abi.POOL_LEFT] = g.left;
  const geo = writeInt32s(ctx.heap, values, 'the pooling geometry');
  try {
    body(geo, g.n);
  } finally {
    ctx.heap.free(geo);
  }
}

/**
 * The `maxPool2d` kernel: the maximum of each window's in-bounds values (NaN propagates).
 * @example
 * maxPool2dKernel(ctx)([x], { filter: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0] }, out);
 */
export function maxPool2dKernel(ctx: WasmContext): Kernel<'maxPool2d'> {
  return (inputs, params, out) => {
    const [x] = inputs;
    const xPtr = ctx.ptr(x, 'maxPool2d');
    const y = ctx.alloc(out);
    withGeometry(ctx, x.shape, out.shape, params, (geo, n) =>
      overImages(ctx, 'maxPool2d', [xPtr, y.ptr, geo], n, x.size),
    );
    return y;
  };
}

/**
 * The `maxPool2dBackward` kernel (inputs x, dy): each dy goes to the first position of its
 * window holding the maximum (the first NaN, if any), accumulating over overlapping windows.
 * @example
 * maxPool2dBackwardKernel(ctx)([x, dy], params, { shape: x.shape, dtype: 'float32', size });
 */
export function maxPool2dBackwardKernel(ctx: WasmContext): Kernel<'maxPool2dBackward'> {
  return (inputs, params, out) => {
    const [x, dy] = inputs;
    const xPtr = ctx.ptr(x, 'maxPool2dBackward');
    const dyPtr = ctx.ptr(dy, 'maxPool2dBackward');
    const dx = ctx.alloc(out);
    withGeometry(ctx, x.shape, dy.shape, params, (geo, n) =>
      overImages(ctx, 'maxPool2dBackward', [xPtr, dyPtr, dx.ptr, geo], n, x.size),
    );
    return dx;
  };
}

/**
 * The `avgPool2d` kernel: the mean over each window's in-bounds positions (padding not counted).
 * @example
 * avgPool2dKernel(ctx)([x], { filter: [3, 3], strides: [1, 1], pad: [1, 1, 1, 1] }, out);
 */
export function avgPool2dKernel(ctx: WasmContext): Kernel<'avgPool2d'> {
  return (inputs, params, out) => {
    const [x] = inputs;
    const xPtr = ctx.ptr(x, 'avgPool2d');
    const y = ctx.alloc(out);
    withGeometry(ctx, x.shape, out.shape, params, (geo, n) =>
      overImages(ctx, 'avgPool2d', [xPtr, y.ptr, geo], n, x.size),
    );
    return y;
  };
}

/**
 * The `avgPool2dBackward` kernel (input dy): dx[p] = Σ over windows containing p of dy / count.
 * @example
 * avgPool2dBackwardKernel(ctx)([dy], params, { shape: xShape, dtype: 'float32', size });
 */
export function avgPool2dBackwardKernel(ctx: WasmContext): Kernel<'avgPool2dBackward'> {
  return (inputs, params, out) => {
    const [dy] = inputs;
    const dyPtr = ctx.ptr(dy, 'avgPool2dBackward');
    const dx = ctx.alloc(out);
    withGeometry(ctx, out.shape, dy.shape, params, (geo, n) =>
      overImages(ctx, 'avgPool2dBackward', [dyPtr, dx.ptr, geo], n, out.size),
    );
    return dx;
  };
}
