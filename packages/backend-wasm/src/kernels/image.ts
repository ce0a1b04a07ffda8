// Image resizing (NHWC) and its adjoint over assembly/image.ts. The source rows, columns and
// blends of each output pixel come from core's `resizeAxis` and travel in two heap blocks (the
// RESIZE_* layout of src/abi.ts), so the binary holds no coordinate formula of its own.

import { type Kernel, type ResizeParams, resizeAxis } from '@nabla/core/internal';
import * as abi from '../abi.js';
import { type WasmContext, writeInt32s } from '../kernel-context.js';
import type { Arities } from '../wasm-module.js';

/** The resize exports of the binary (assembly/image.ts). */
export interface ImageExports {
  resizeF32(x: number, y: number, geo: number, lerps: number): void;
  resizeGradF32(dy: number, dx: number, geo: number, lerps: number): void;
}

/** Parameter counts of the resize exports, checked against the binary in wasm-module.ts. */
export const IMAGE_EXPORTS: Arities<ImageExports> = {
  resizeF32: 4,
  resizeGradF32: 4,
};

/** Runs `body` with the resize blocks for images `imageShape` and resized `outShape`, then frees them. */
function withGeometry(
  ctx: WasmContext,
  imageShape: readonly number[],
  outShape: readonly number[],
  params: ResizeParams,
  body: (geo: number, lerps: number) => void,
): void {
  const [n = 0, h = 1, w = 1, c = 0] = imageShape;
  const [, outH = 0, outW = 0] = outShape;
  const rows = resizeAxis(h, outH, params);
  const cols = resizeAxis(w, outW, params);
  const head = new Array<number>(abi.RESIZE_GEO_INTS).fill(0);
  head[abi.RESIZE_N] = n;
  head[abi.RESIZE_H] = h;
  head[abi.RESIZE_W] = w;
  head[abi.RESIZE_C] = c;
  head[abi.RESIZE_OUT_H] = outH;
  head[abi.RESIZE_OUT_W] = outW;
  head[abi.RESIZE_NEAREST] = params.method === 'nearest' ? 1 : 0;
  const ints = [...head, ...rows.lower, ...rows.upper, ...cols.lower, ...cols.upper];
  const geo = writeInt32s(ctx.heap, ints, 'the resize geometry');
  try {
    const lerps = ctx.heap.alloc((outH + outW) * 4);
    try {
      ctx.heap.f32.set(rows.lerp, lerps >>> 2);
      ctx.heap.f32.set(cols.lerp, (lerps >>> 2) + outH);
      body(geo, lerps);
    } finally {
      ctx.heap.free(lerps);
    }
  } finally {
    ctx.heap.free(geo);
  }
}

/**
 * The `resize` kernel (float32): bilinear blends four pixels, nearest copies one.
 * @example
 * resizeKernel(ctx)([x], { method: 'bilinear', alignCorners: false, halfPixelCenters: true }, out);
 */
export function resizeKernel(ctx: WasmContext): Kernel<'resize'> {
  return (inputs, params, out) => {
    const x = inputs[0]!;
    const xPtr = ctx.ptr(x, 'resize');
    const y = ctx.alloc(out);
    withGeometry(ctx, x.shape, out.shape, params, (geo, lerps) =>
      ctx.wasm.resizeF32(xPtr, y.ptr, geo, lerps),
    );
    return y;
  };
}

/**
 * The `resizeGrad` kernel (input dy, float32): zeros of the images' shape plus each dy added
 * into the pixels `resize` read, times their weights.
 * @example
 * resizeGradKernel(ctx)([dy], params, { shape: images.shape, dtype: 'float32', size });
 */
export function resizeGradKernel(ctx: WasmContext): Kernel<'resizeGrad'> {
  return (inputs, params, out) => {
    const dy = inputs[0]!;
    const dyPtr = ctx.ptr(dy, 'resizeGrad');
    const dx = ctx.alloc(out);
    withGeometry(ctx, out.shape, dy.shape, params, (geo, lerps) =>
      ctx.wasm.resizeGradF32(dyPtr, dx.ptr, geo, lerps),
    );
    return dx;
  };
}
