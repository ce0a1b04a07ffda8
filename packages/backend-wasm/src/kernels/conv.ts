// conv2d and its two backward kernels (NHWC, filter [fh, fw, C/g, outC]) over assembly/conv.ts:
// im2col (col2im for the input gradient) and the SIMD GEMM per group, with images taken in
// chunks so the col buffer stays under SCRATCH_LIMIT; depthwise convolutions use a direct SIMD
// loop. The geometry travels as 16 int32s in a small heap block; scratch is a temporary block.

import type { Conv2DParams, Kernel } from '@nabla/core';
import type { WasmContext } from '../wasm-data.js';

/** The convolution exports of the binary (assembly/conv.ts); pointers are heap byte offsets. */
export interface ConvExports {
  /** Scratch bytes for chunks of `chunk` images (col buffer plus GEMM packing). */
  convScratchBytes(geo: number, chunk: number): number;
  /** y for images [n0, n1). */
  conv2dForward(
    x: number,
    f: number,
    y: number,
    geo: number,
    n0: number,
    n1: number,
    chunk: number,
    scratch: number,
  ): void;
  /** dx for images [n0, n1). */
  conv2dBackpropInput(
    dy: number,
    f: number,
    dx: number,
    geo: number,
    n0: number,
    n1: number,
    chunk: number,
    scratch: number,
  ): void;
  /** dW (+)= the contribution of images [n0, n1). */
  conv2dBackpropFilter(
    x: number,
    dy: number,
    dw: number,
    geo: number,
    n0: number,
    n1: number,
    chunk: number,
    scratch: number,
    accumulate: number,
  ): void;
}

/** Names of the convolution exports, for the binding check in wasm-module.ts. */
export const CONV_EXPORTS: Record<keyof ConvExports, true> = {
  convScratchBytes: true,
  conv2dForward: true,
  conv2dBackpropInput: true,
  conv2dBackpropFilter: true,
};

/** Upper bound on the im2col buffer of one chunk of images (16 MiB of float32). */
const SCRATCH_LIMIT = 16 << 20;
const GEO_INTS = 16;

/**
 * Writes the geometry block (n h w c fh fw outH outW outC groups sh sw dh dw top left) into a
 * new heap block; returns its address and the chunk size in images.
 */
function writeGeometry(
  ctx: WasmContext,
  xShape: readonly number[],
  fShape: readonly number[],
  yShape: readonly number[],
  params: Conv2DParams,
): { geo: number; chunk: number; n: number } {
  const [n = 1, h = 1, w = 1, c = 1] = xShape;
  const [fh = 1, fw = 1, cg = 1, outC = 1] = fShape;
  const outH = yShape[1] ?? 1;
  const outW = yShape[2] ?? 1;
  const [top, , left] = params.pad;
  const values = [
    n,
    h,
    w,
    c,
    fh,
    fw,
    outH,
    outW,
    outC,
    params.groups,
    params.strides[0],
    params.strides[1],
    params.dilations[0],
    params.dilations[1],
    top,
    left,
  ];
  const geo = ctx.heap.alloc(GEO_INTS * 4);
  ctx.heap.i32.set(values, geo >>> 2);
  const colBytes = Math.max(1, outH * outW * fh * fw * cg * 4);
  const chunk = Math.max(1, Math.min(n, Math.floor(SCRATCH_LIMIT / colBytes)));
  return { geo, chunk, n };
}

/** Runs `body` with the geometry block and a scratch block, freeing both afterwards. */
function withScratch(
  ctx: WasmContext,
  xShape: readonly number[],
  fShape: readonly number[],
  yShape: readonly number[],
  params: Conv2DParams,
  body: (geo: number, n: number, chunk: number, scratch: number) => void,
): void {
  const { geo, chunk, n } = writeGeometry(ctx, xShape, fShape, yShape, params);
  let scratch = -1;
  try {
    scratch = ctx.heap.alloc(ctx.wasm.convScratchBytes(geo, chunk));
    body(geo, n, chunk, scratch);
  } finally {
    if (scratch >= 0) ctx.heap.free(scratch);
    ctx.heap.free(geo);
  }
}

/**
 * The `conv2d` kernel: y[n, oy, ox, o] = Σ x[n, oy·sh − top + ky·dh, ox·sw − left + kx·dw, ci] · f[ky, kx, ci, o].
 * @example
 * conv2dKernel(ctx)([x, filter], { strides: [1, 1], dilations: [1, 1], pad: [0, 0, 0, 0], groups: 1 }, out);
 */
export function conv2dKernel(ctx: WasmContext): Kernel<'conv2d'> {
  return (inputs, params, out) => {
    const [x, filter] = inputs;
    const xPtr = ctx.ptr(x, 'conv2d');
    const fPtr = ctx.ptr(filter, 'conv2d');
    const y = ctx.alloc(out);
    withScratch(ctx, x.shape, filter.shape, out.shape, params, (geo, n, chunk, scratch) => {
      ctx.wasm.conv2dForward(xPtr, fPtr, y.ptr, geo, 0, n, chunk, scratch);
    });
    return y;
  };
}

/**
 * The `conv2dBackpropInput` kernel: dx = col2im(dy_g · W_gᵀ) per group; `out` is x's shape.
 * @example
 * conv2dBackpropInputKernel(ctx)([dy, filter], params, { shape: xShape, dtype: 'float32', size });
 */
export function conv2dBackpropInputKernel(ctx: WasmContext): Kernel<'conv2dBackpropInput'> {
  return (inputs, params, out) => {
    const [dy, filter] = inputs;
    const dyPtr = ctx.ptr(dy, 'conv2dBackpropInput');
    const fPtr = ctx.ptr(filter, 'conv2dBackpropInput');
    const dx = ctx.alloc(out);
    withScratch(ctx, out.shape, filter.shape, dy.shape, params, (geo, n, chunk, scratch) => {
      ctx.wasm.conv2dBackpropInput(dyPtr, fPtr, dx.ptr, geo, 0, n, chunk, scratch);
    });
    return dx;
  };
}

/**
 * The `conv2dBackpropFilter` kernel: dW_g = Σ_images col_gᵀ · dy_g; `out` is the filter's shape.
 * @example
 * conv2dBackpropFilterKernel(ctx)([x, dy], params, { shape: filterShape, dtype: 'float32', size });
 */
export function conv2dBackpropFilterKernel(ctx: WasmContext): Kernel<'conv2dBackpropFilter'> {
  return (inputs, params, out) => {
    const [x, dy] = inputs;
    const xPtr = ctx.ptr(x, 'conv2dBackpropFilter');
    const dyPtr = ctx.ptr(dy, 'conv2dBackpropFilter');
    const dw = ctx.alloc(out);
    withScratch(ctx, x.shape, out.shape, dy.shape, params, (geo, n, chunk, scratch) => {
      ctx.wasm.conv2dBackpropFilter(xPtr, dyPtr, dw.ptr, geo, 0, n, chunk, scratch, 0);
    });
    return dw;
  };
}
