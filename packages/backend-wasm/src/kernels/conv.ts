// conv2d and its two backward kernels (NHWC, filter [fh, fw, C/g, outC]) over assembly/conv.ts:
// the forward pass as implicit GEMM (the GEMM packs its panels straight from x, no col buffer);
// the backward kernels over im2col (col2im for the input gradient) and the SIMD GEMM per group,
// with images taken in chunks so the col buffer stays under SCRATCH_LIMIT; depthwise
// convolutions use a direct SIMD loop. The geometry (core's `conv2dGeometry`) travels as int32s in a small heap block (layout in
// src/abi.ts); scratch is a temporary block.
// With a worker pool, big convolutions split over threads: by images, or for one image by output
// rows (each thread gets the geometry of its band of rows); the filter gradient sums per-thread
// partials. The input gradient of one image stays on one thread (its rows overlap).
// `fusedConv2d` is the forward pass with an epilogue, y ← act(y + bias), that each forward call
// applies to its own images (assembly/conv.ts) while their output is still in cache.

import { type Conv2DGeometry, conv2dGeometry, type FusedKernel, type Kernel } from '@nabla/core/internal';
import * as abi from '../abi.js';
import { type WasmContext, writeInt32s } from '../kernel-context.js';
import type { ThreadPool } from '../thread-pool.js';
import type { Arities } from '../wasm-module.js';
import { splitRange } from '../work-split.js';
import { ACTIVATION_CODES } from './fused.js';

/** The convolution exports of the binary (assembly/conv.ts); pointers are heap byte offsets. */
export interface ConvExports {
  /**
   * Scratch bytes for chunks of `chunk` images: GEMM packing plus, for the backward kernels
   * (`forward` 0), the col buffer; the forward pass (`forward` 1) needs no col buffer.
   */
  convScratchBytes(geo: number, chunk: number, forward: number): number;
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
  /** dW (+)= the contribution of images [n0, n1), packed straight from x (no col buffer). */
  conv2dBackpropFilterDirect(
    x: number,
    dy: number,
    dw: number,
    geo: number,
    n0: number,
    n1: number,
    scratch: number,
    accumulate: number,
  ): void;
}

/** Parameter counts of the convolution exports, checked against the binary in wasm-module.ts. */
export const CONV_EXPORTS: Arities<ConvExports> = {
  convScratchBytes: 3,
  conv2dForward: 8,
  conv2dBackpropInput: 8,
  conv2dBackpropFilter: 9,
  conv2dBackpropFilterDirect: 8,
};

/**
 * What a kernel's scratch holds (`convScratchBytes`' third argument): the backward kernels'
 * col buffer (im2col), or packing space only, for the forward pass and the filter gradient
 * packed straight from x.
 */
const MODE = { im2col: 0, forward: 1, filter: 2 } as const;
type Mode = (typeof MODE)[keyof typeof MODE];

/**
 * Fewest input channels for which the input gradient runs as a forward convolution over dy: at
 * one channel that product is a GEMM one column wide, 1.5× slower than im2col's here.
 */
const AS_FORWARD_MIN_CHANNELS = 16;

/** Upper bound on the im2col buffer of one chunk of images (16 MiB of float32). */
const SCRATCH_LIMIT = 16 << 20;

/**
 * Images per chunk so that one chunk's col buffer stays under `limit` bytes; all of them for
 * the forward pass, which has none.
 */
function chunkFor(g: Conv2DGeometry, images: number, limit: number, mode: Mode): number {
  if (mode !== MODE.im2col) return Math.max(1, images);
  const colBytes = Math.max(1, g.outH * g.outW * g.fh * g.fw * (g.c / g.groups) * 4);
  return Math.max(1, Math.min(images, Math.floor(limit / colBytes)));
}

/**
 * A convolution's geometry, with the forward pass's epilogue y ← act(y + bias) where it has one
 * (`fusedConv2d`): the bias's heap address (0: none) and an activation code of src/abi.ts.
 */
type Geometry = Conv2DGeometry & { readonly epilogue?: { readonly bias: number; readonly act: number } };

/** Output bytes of a forward chunk of images that stay in cache for the epilogue that follows. */
const EPILOGUE_CHUNK_BYTES = 512 * 1024;

/** Writes the geometry block (laid out by src/abi.ts) into a new heap block; returns its address. */
function writeBlock(ctx: WasmContext, g: Geometry): number {
  const values = new Array<number>(abi.CONV_GEO_INTS).fill(0);
  values[abi.CONV_N] = g.n;
  values[abi.CONV_H] = g.h;
  values[abi.CONV_W] = g.w;
  values[abi.CONV_C] = g.c;
  values[abi.CONV_FH] = g.fh;
  values[abi.CONV_FW] = g.fw;
  values[abi.CONV_OUT_H] = g.outH;
  values[abi.CONV_OUT_W] = g.outW;
  values[abi.CONV_OUT_C] = g.outC;
  values[abi.CONV_GROUPS] = g.groups;
  values[abi.CONV_SH] = g.sh;
  values[abi.CONV_SW] = g.sw;
  values[abi.CONV_DH] = g.dh;
  values[abi.CONV_DW] = g.dw;
  values[abi.CONV_TOP] = g.top;
  values[abi.CONV_LEFT] = g.left;
  // Addresses past 2^31 as their int32 bit patterns (the kernel reads them as u32).
  values[abi.CONV_BIAS] = (g.epilogue?.bias ?? 0) | 0;
  values[abi.CONV_ACT] = g.epilogue?.act ?? abi.ACTIVATION_LINEAR;
  return writeInt32s(ctx.heap, values, 'the conv2d geometry');
}

/** Runs `body` with the geometry block and a scratch block, freeing both afterwards. */
function withScratch(
  ctx: WasmContext,
  g: Geometry,
  mode: Mode,
  body: (geo: number, n: number, chunk: number, scratch: number) => void,
): void {
  const n = g.n;
  const chunk = chunkFor(g, n, SCRATCH_LIMIT, mode);
  const geo = writeBlock(ctx, g);
  let scratch = -1;
  try {
    scratch = ctx.heap.alloc(ctx.wasm.convScratchBytes(geo, chunk, mode));
    body(geo, n, chunk, scratch);
  } finally {
    if (scratch >= 0) ctx.heap.free(scratch);
    ctx.heap.free(geo);
  }
}

/** Multiply-adds of a convolution: images · output positions · taps · output channels. */
function convWork(g: Conv2DGeometry): number {
  return g.n * g.outH * g.outW * g.fh * g.fw * (g.c / g.groups) * g.outC;
}

/** One thread's share of a convolution: its geometry block, images [n0, n1), offsets into x and y. */
interface ConvPart {
  readonly geo: number;
  readonly n0: number;
  readonly n1: number;
  readonly chunk: number;
  readonly scratch: number;
  /** Byte offsets into x (or dx) and y (or dy) for a band of rows. */
  readonly xOffset: number;
  readonly yOffset: number;
}

/** Images per claimed chunk and how many chunks (see `withParts`). */
interface Claims {
  readonly per: number;
  readonly count: number;
  /** The batch: the last chunk's end is clamped to it. */
  readonly n: number;
}

/** The most bytes of per-chunk partial filter gradients a claimed filter gradient takes. */
const MAX_PARTIAL_BYTES = 16 * 2 ** 20;

/** Claimed chunks per thread: enough to even out a late thread, few enough to pack the filter rarely. */
const CLAIMS_PER_THREAD = 8;

/**
 * Plans a threaded convolution: images split over threads (or, when `claimed`, into chunks the
 * threads claim), or (one image, when `rows` allows) bands of output rows, each with its own
 * geometry whose x window covers the rows it reads. Calls `body` with the parts, then frees
 * their blocks. False when the work is too small.
 */
function withParts(
  ctx: WasmContext,
  pool: ThreadPool | undefined,
  g: Geometry,
  rows: boolean,
  mode: Mode,
  body: (parts: ConvPart[], claims?: Claims) => void,
  claimed = false,
): boolean {
  if (!pool || convWork(g) < pool.minWork) return false;
  const blocks: number[] = [];
  const parts: ConvPart[] = [];
  const limit = Math.max(SCRATCH_LIMIT / pool.size, 1 << 20);
  try {
    if (claimed && g.n >= 2 * pool.size) {
      // Chunks of images the threads claim as they come (each image is computed alone, so the
      // bits do not depend on who takes which): a thread the OS runs late, or slows down,
      // leaves its share to the others instead of holding the kernel up.
      const geo = writeBlock(ctx, g);
      blocks.push(geo);
      const per = Math.ceil(g.n / (pool.size * CLAIMS_PER_THREAD));
      const chunk = chunkFor(g, per, limit, mode);
      for (let t = 0; t < pool.size; t++) {
        const scratch = ctx.heap.alloc(ctx.wasm.convScratchBytes(geo, chunk, mode));
        blocks.push(scratch);
        parts.push({ geo, n0: 0, n1: per, chunk, scratch, xOffset: 0, yOffset: 0 });
      }
      body(parts, { per, count: Math.ceil(g.n / per), n: g.n });
      return true;
    }
    if (g.n >= 2) {
      const geo = writeBlock(ctx, g);
      blocks.push(geo);
      const bounds = splitRange(g.n, pool.size, 1, 1);
      for (let t = 0; t + 1 < bounds.length; t++) {
        const [n0, n1] = [bounds[t]!, bounds[t + 1]!];
        const chunk = chunkFor(g, n1 - n0, limit, mode);
        const scratch = ctx.heap.alloc(ctx.wasm.convScratchBytes(geo, chunk, mode));
        blocks.push(scratch);
        parts.push({ geo, n0, n1, chunk, scratch, xOffset: 0, yOffset: 0 });
      }
    } else if (rows && g.outH >= 2) {
      const bounds = splitRange(g.outH, pool.size, 1, 1);
      for (let t = 0; t + 1 < bounds.length; t++) {
        const [oy0, oy1] = [bounds[t]!, bounds[t + 1]!];
        // Input rows this band reads, clipped to the image: [r0, r1).
        const r0 = Math.max(0, oy0 * g.sh - g.top);
        const r1 = Math.min(g.h, (oy1 - 1) * g.sh - g.top + (g.fh - 1) * g.dh + 1);
        const band = { ...g, h: Math.max(r1 - r0, 0), outH: oy1 - oy0, top: g.top + r0 - oy0 * g.sh };
        const geo = writeBlock(ctx, band);
        blocks.push(geo);
        const chunk = 1;
        const scratch = ctx.heap.alloc(ctx.wasm.convScratchBytes(geo, chunk, mode));
        blocks.push(scratch);
        parts.push({
          geo,
          n0: 0,
          n1: 1,
          chunk,
          scratch,
          xOffset: r0 * g.w * g.c * 4,
          yOffset: oy0 * g.outW * g.outC * 4,
        });
      }
    }
    if (parts.length < 2) return false;
    body(parts);
    return true;
  } finally {
    for (const block of blocks) ctx.heap.free(block);
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
    forwardWith(ctx, xPtr, fPtr, y.ptr, conv2dGeometry(x.shape, filter.shape, out.shape, params));
    return y;
  };
}

/**
 * The forward pass of geometry `g` (implicit GEMM), with its epilogue if any: over the threads
 * where it pays, else here (with an epilogue, a few images a call, so each call's epilogue
 * finds their output in cache).
 */
function forwardWith(ctx: WasmContext, xPtr: number, fPtr: number, yPtr: number, g: Geometry): void {
  const threaded = withParts(
    ctx,
    ctx.pool,
    g,
    true,
    MODE.forward,
    (parts, claims) => {
      const deltas = claims ? [0, 0, 0, 0, claims.per, claims.per] : undefined;
      ctx.pool?.run(
        'conv2dForward',
        parts.map((p) => ({
          args: [xPtr + p.xOffset, fPtr, yPtr + p.yOffset, p.geo, p.n0, p.n1, p.chunk, p.scratch],
          deltas,
        })),
        claims && { count: claims.count, clampIndex: 5, clampTo: claims.n },
      );
    },
    true,
  );
  if (threaded) return;
  withScratch(ctx, g, MODE.forward, (geo, n, chunk, scratch) => {
    const imageBytes = g.outH * g.outW * g.outC * 4;
    const per = g.epilogue ? Math.max(1, Math.floor(EPILOGUE_CHUNK_BYTES / imageBytes)) : n;
    for (let n0 = 0; n0 < n; n0 += per) {
      ctx.wasm.conv2dForward(xPtr, fPtr, yPtr, geo, n0, Math.min(n, n0 + per), chunk, scratch);
    }
  });
}

/**
 * The `fusedConv2d` kernel: act(conv2d(x, filter) + bias), the forward pass with its epilogue.
 * @example
 * fusedConv2dKernel(ctx)([x, filter, bias], { ...convParams, hasBias: true, activation: 'relu' }, [out]);
 */
export function fusedConv2dKernel(ctx: WasmContext): FusedKernel<'fusedConv2d'> {
  return (inputs, params, [out]) => {
    const [x, filter, bias] = inputs;
    const { hasBias, activation, ...conv } = params;
    const xPtr = ctx.ptr(x!, 'fusedConv2d');
    const fPtr = ctx.ptr(filter!, 'fusedConv2d');
    const biasPtr = hasBias ? ctx.ptr(bias!, 'fusedConv2d') : 0;
    const o = out!;
    const y = ctx.alloc(o);
    const g = conv2dGeometry(x!.shape, filter!.shape, o.shape, conv);
    forwardWith(ctx, xPtr, fPtr, y.ptr, {
      ...g,
      epilogue: { bias: biasPtr, act: ACTIVATION_CODES[activation] },
    });
    return [y];
  };
}

/**
 * The input gradient of a stride-1, ungrouped convolution as a forward convolution of dy: with
 * the filter flipped in space and its channel axes swapped (W'[ky, kx, o, c] =
 * W[fh−1−ky, fw−1−kx, c, o]) and padding (f−1)·d − pad, dx[n, iy, ix, c] = Σ dy[n, iy − top' +
 * ky·dh, …, o] · W'[ky, kx, o, c], so it runs as implicit GEMM (and splits over the threads by
 * images or rows) with no col buffer and no col2im.
 */
function backpropInputAsForward(
  ctx: WasmContext,
  dyPtr: number,
  fPtr: number,
  dxPtr: number,
  g: Conv2DGeometry,
): void {
  const { fh, fw, c, outC } = g;
  const size = fh * fw * c * outC;
  const flipped = ctx.heap.alloc(size * 4);
  try {
    const f32 = ctx.heap.f32;
    const src = fPtr >>> 2;
    const dst = flipped >>> 2;
    for (let ky = 0; ky < fh; ky++) {
      for (let kx = 0; kx < fw; kx++) {
        const from = src + ((fh - 1 - ky) * fw + (fw - 1 - kx)) * c * outC;
        const to = dst + (ky * fw + kx) * outC * c;
        for (let ci = 0; ci < c; ci++) {
          for (let o = 0; o < outC; o++) f32[to + o * c + ci] = f32[from + ci * outC + o]!;
        }
      }
    }
    const top = (fh - 1) * g.dh - g.top;
    const left = (fw - 1) * g.dw - g.left;
    const transposed: Conv2DGeometry = {
      ...g,
      h: g.outH,
      w: g.outW,
      c: outC,
      outH: g.h,
      outW: g.w,
      outC: c,
      top,
      left,
      cg: outC,
      og: c,
      p: g.h * g.w,
      kk: fh * fw * outC,
      pointwise: false,
    };
    forwardWith(ctx, dyPtr, flipped, dxPtr, transposed);
  } finally {
    ctx.heap.free(flipped);
  }
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
    const g = conv2dGeometry(out.shape, filter.shape, dy.shape, params);
    // The forward GEMM's columns are x's channels: with few of them (a first layer's input)
    // im2col's product, whose columns are fh·fw·C, is the better shape.
    if (g.sh === 1 && g.sw === 1 && g.groups === 1 && !g.pointwise && g.c >= AS_FORWARD_MIN_CHANNELS) {
      backpropInputAsForward(ctx, dyPtr, fPtr, dx.ptr, g);
      return dx;
    }
    const threaded = withParts(ctx, ctx.pool, g, false, MODE.im2col, (parts) => {
      ctx.pool?.run(
        'conv2dBackpropInput',
        parts.map((p) => ({ args: [dyPtr, fPtr, dx.ptr, p.geo, p.n0, p.n1, p.chunk, p.scratch] })),
      );
    });
    if (threaded) return dx;
    withScratch(ctx, g, MODE.im2col, (geo, n, chunk, scratch) => {
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
    const g = conv2dGeometry(x.shape, out.shape, dy.shape, params);
    // Packed straight from x (no col buffer), except where x is col already (pointwise) or the
    // depthwise loop runs.
    const direct = !g.pointwise && !g.depthwise;
    const mode = direct ? MODE.filter : MODE.im2col;
    // Each part writes its own target (dW, or a partial sum added in after), overwriting it.
    const directArgs = (
      p: ConvPart,
      target: number,
    ): Parameters<ConvExports['conv2dBackpropFilterDirect']> => [
      xPtr + p.xOffset,
      dyPtr + p.yOffset,
      target,
      p.geo,
      p.n0,
      p.n1,
      p.scratch,
      0,
    ];
    const im2colArgs = (p: ConvPart, target: number): Parameters<ConvExports['conv2dBackpropFilter']> => [
      xPtr + p.xOffset,
      dyPtr + p.yOffset,
      target,
      p.geo,
      p.n0,
      p.n1,
      p.chunk,
      p.scratch,
      0,
    ];
    const bytes = out.size * 4;
    const walk = (): number => ctx.walk([out.size], [[1], [1]]);
    const threaded = withParts(
      ctx,
      ctx.pool,
      g,
      true,
      mode,
      (parts, claims) => {
        if (claims) {
          // Chunk c of images writes partial sum c, whichever thread claims it; the partials are
          // then added in chunk order, so the result does not depend on who took which.
          const partials = ctx.heap.alloc(claims.count * bytes);
          try {
            const deltas = [0, 0, bytes, 0, claims.per, claims.per];
            const chunked = { count: claims.count, clampIndex: 5, clampTo: claims.n };
            if (direct) {
              ctx.pool?.run(
                'conv2dBackpropFilterDirect',
                parts.map((p) => ({ args: directArgs(p, partials), deltas })),
                chunked,
              );
            } else {
              ctx.pool?.run(
                'conv2dBackpropFilter',
                parts.map((p) => ({ args: im2colArgs(p, partials), deltas })),
                chunked,
              );
            }
            // The partials as the rows of [count, size], summed over the rows in order.
            ctx.wasm.reduceF32(abi.REDUCE_SUM, partials, dw.ptr, 1, claims.count, out.size);
          } finally {
            ctx.heap.free(partials);
          }
          return;
        }
        // Thread 0 writes dW itself, the others partial sums that are added in after.
        const partials = parts.slice(1).map(() => ctx.heap.alloc(bytes));
        try {
          const target = (t: number): number => (t === 0 ? dw.ptr : partials[t - 1]!);
          if (direct) {
            ctx.pool?.run(
              'conv2dBackpropFilterDirect',
              parts.map((p, t) => ({ args: directArgs(p, target(t)) })),
            );
          } else {
            ctx.pool?.run(
              'conv2dBackpropFilter',
              parts.map((p, t) => ({ args: im2colArgs(p, target(t)) })),
            );
          }
          for (const partial of partials) ctx.wasm.binaryF32(abi.BINARY_ADD, dw.ptr, partial, dw.ptr, walk());
        } finally {
          for (const partial of partials) ctx.heap.free(partial);
        }
      },
      // Claimed chunks need a partial sum each: not for filters so big that they would not fit.
      ctx.pool !== undefined && bytes * Math.min(g.n, ctx.pool.size * CLAIMS_PER_THREAD) <= MAX_PARTIAL_BYTES,
    );
    if (threaded) return dw;
    withScratch(ctx, g, mode, (geo, n, chunk, scratch) => {
      const whole: ConvPart = { geo, n0: 0, n1: n, chunk, scratch, xOffset: 0, yOffset: 0 };
      if (direct) ctx.wasm.conv2dBackpropFilterDirect(...directArgs(whole, dw.ptr));
      else ctx.wasm.conv2dBackpropFilter(...im2colArgs(whole, dw.ptr));
    });
    return dw;
  };
}
