// Glue of the optional fused kernels (assembly/fused.ts). fusedMatmul runs the matmul kernel
// (so it gets whatever the GEMM path does: packing, folding, threads) and then the bias +
// activation epilogue in place over its fresh output; softmax cross-entropy and the optimizer
// updates are one wasm call each. The wasm backend has float32 only, so that is all they see.

import type { FusedActivation } from '@nabla/core';
import type { FusedKernel } from '@nabla/core/internal';
import * as abi from '../abi.js';
import type { WasmContext } from '../kernel-context.js';
import { wasmData } from '../wasm-data.js';
import type { Arities } from '../wasm-module.js';
import { RANGES_PER_THREAD, rangeLength } from '../work-split.js';
import { matmulKernel } from './matmul.js';

/** The fused exports of the binary (assembly/fused.ts); pointers are heap byte offsets, 0 for none. */
export interface FusedExports {
  /** y ← act(y + bias) in place over `[rows, cols]`; bias `[cols]` or 0. */
  biasActivationF32(y: number, bias: number, rows: number, cols: number, act: number): void;
  /** Per-row softmax cross-entropy of float32 logits against int32 (sparse) or float32 labels. */
  softmaxCrossEntropyF32(
    x: number,
    labels: number,
    loss: number,
    rows: number,
    classes: number,
    sparse: number,
  ): void;
  /** Softmax over each row of float32 `[rows, cols]`. */
  softmaxF32(x: number, y: number, rows: number, cols: number): void;
  /** One SGD step; `vel` and `velOut` are 0 without momentum. */
  sgdUpdateF32(
    w: number,
    g: number,
    vel: number,
    wOut: number,
    velOut: number,
    n: number,
    lr: number,
    mu: number,
    nesterov: number,
  ): void;
  /** One Adam step; `vhat` and `vhatOut` are 0 without AMSGrad; c1 = 1-β1, c2 = 1-β2. */
  adamUpdateF32(
    w: number,
    g: number,
    m: number,
    v: number,
    vhat: number,
    wOut: number,
    mOut: number,
    vOut: number,
    vhatOut: number,
    n: number,
    alpha: number,
    c1: number,
    c2: number,
    epsilon: number,
  ): void;
  /** `adamUpdateF32` over [begin, end), its arguments in a block (see ADAM_BLOCK_WORDS). */
  adamUpdateRangeF32(block: number, begin: number, end: number): void;
}

/** The argument block of `adamUpdateRangeF32`: nine pointers, then α, c1, c2, ε as f32. */
const ADAM_BLOCK_WORDS = 13;

/**
 * Work units per Adam element, against the pool's `minWork` (an elementwise chain counts 1 per
 * step): splits from 32,768 weights, where a 256×128 kernel's update took 59–69 µs on one thread
 * inside a two-thread MLP step and 40–44 µs split.
 */
const ADAM_WORK = 32;

/**
 * Work units per softmax element, against the pool's `minWork`: splits from 65,536 elements
 * (about 50 µs on one thread at 1.26 Gelem/s, [512, 1000] on the Zen 5 host).
 */
const SOFTMAX_WORK = 16;

/** Parameter counts of the fused exports, checked against the binary in wasm-module.ts. */
export const FUSED_EXPORTS: Arities<FusedExports> = {
  biasActivationF32: 5,
  softmaxCrossEntropyF32: 6,
  softmaxF32: 4,
  sgdUpdateF32: 9,
  adamUpdateF32: 14,
  adamUpdateRangeF32: 3,
};

/** Activation codes (src/abi.ts). */
export const ACTIVATION_CODES: Record<FusedActivation, number> = {
  linear: abi.ACTIVATION_LINEAR,
  relu: abi.ACTIVATION_RELU,
  relu6: abi.ACTIVATION_RELU6,
  sigmoid: abi.ACTIVATION_SIGMOID,
  tanh: abi.ACTIVATION_TANH,
};

/**
 * act(a·b + bias): the matmul kernel, then the epilogue over its output.
 * @example
 * const kernel = fusedMatmulKernel(ctx);
 * kernel([a, b, bias], { transposeA: false, transposeB: false, hasBias: true, activation: 'relu' }, [out]);
 */
export function fusedMatmulKernel(ctx: WasmContext): FusedKernel<'fusedMatmul'> {
  const matmul = matmulKernel(ctx);
  return (inputs, { transposeA, transposeB, hasBias, activation }, [out]) => {
    const [a, b, bias] = inputs;
    const product = matmul([a, b], { transposeA, transposeB }, out);
    const [m, n] = out.shape;
    const act = ACTIVATION_CODES[activation];
    const biasPtr = hasBias ? ctx.ptr(bias, 'fusedMatmul') : 0;
    if (biasPtr !== 0 || act !== ACTIVATION_CODES.linear) {
      ctx.wasm.biasActivationF32(wasmData(product, 'fusedMatmul').ptr, biasPtr, m, n, act);
    }
    return [product];
  };
}

/**
 * Per-row softmax cross-entropy from logits.
 * @example
 * const kernel = softmaxCrossEntropyKernel(ctx);
 * kernel([logits, labels], { sparse: true }, [out]);
 */
export function softmaxCrossEntropyKernel(ctx: WasmContext): FusedKernel<'softmaxCrossEntropy'> {
  return (inputs, { sparse }, [out]) => {
    const [logits, labels] = inputs;
    const loss = ctx.alloc(out);
    const [rows, classes] = logits.shape;
    const x = ctx.ptr(logits, 'softmaxCrossEntropy');
    const y = ctx.ptr(labels, 'softmaxCrossEntropy');
    ctx.wasm.softmaxCrossEntropyF32(x, y, loss.ptr, rows, classes, sparse ? 1 : 0);
    return [loss];
  };
}

/**
 * Softmax over each row.
 * @example
 * const kernel = softmaxKernel(ctx);
 * kernel([logits], {}, [out]);
 */
export function softmaxKernel(ctx: WasmContext): FusedKernel<'softmax'> {
  return ([logits], _params, [out]) => {
    const y = ctx.alloc(out!);
    const [rows, cols] = logits!.shape as [number, number];
    const x = ctx.ptr(logits!, 'softmax');
    const pool = ctx.pool;
    if (pool && rows >= 2 && rows * cols * SOFTMAX_WORK >= pool.minWork) {
      // Row ranges the threads claim as they come; each row is computed alone, so the bits do
      // not depend on the split.
      const per = rangeLength(rows, pool.size * RANGES_PER_THREAD, 1);
      const stride = per * cols * 4;
      pool.runShared(
        'softmaxF32',
        { args: [x, y.ptr, per, cols], deltas: [stride, stride] },
        { count: Math.ceil(rows / per), clampIndex: 2, clampTo: rows, clampStep: -per },
      );
      return [y];
    }
    ctx.wasm.softmaxF32(x, y.ptr, rows, cols);
    return [y];
  };
}

/**
 * One SGD step into new storage for the param (and the velocity).
 * @example
 * const kernel = sgdUpdateKernel(ctx);
 * kernel([w, g, vel], { learningRate: 0.1, momentum: 0.9, nesterov: false }, [out, out]);
 */
export function sgdUpdateKernel(ctx: WasmContext): FusedKernel<'sgdUpdate'> {
  return (inputs, { learningRate, momentum, nesterov }, outs) => {
    const [w, g, vel] = inputs;
    const results = outs.map((out) => ctx.alloc(out));
    const op = 'sgdUpdate';
    ctx.wasm.sgdUpdateF32(
      ctx.ptr(w, op),
      ctx.ptr(g, op),
      vel ? ctx.ptr(vel, op) : 0,
      results[0].ptr,
      results[1]?.ptr ?? 0,
      w.size,
      learningRate,
      momentum,
      nesterov ? 1 : 0,
    );
    return results;
  };
}

/**
 * One Adam step into new storage for the param, m and v (and v̂).
 * @example
 * const kernel = adamUpdateKernel(ctx);
 * kernel([w, g, m, v], { alpha: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false }, outs);
 */
export function adamUpdateKernel(ctx: WasmContext): FusedKernel<'adamUpdate'> {
  return (inputs, { alpha, beta1, beta2, epsilon }, outs) => {
    const [w, g, m, v, vhat] = inputs;
    const results = outs.map((out) => ctx.alloc(out));
    const op = 'adamUpdate';
    // w, g, m, v, v̂ (0 without AMSGrad), then the new w, m, v and v̂.
    const pointers = [
      ctx.ptr(w, op),
      ctx.ptr(g, op),
      ctx.ptr(m, op),
      ctx.ptr(v, op),
      vhat ? ctx.ptr(vhat, op) : 0,
      results[0].ptr,
      results[1].ptr,
      results[2].ptr,
      results[3]?.ptr ?? 0,
    ] as const;
    const pool = ctx.pool;
    if (pool && w.size * ADAM_WORK >= pool.minWork) {
      // Over the threads by element ranges, the arguments in one block they all read.
      const heap = ctx.heap;
      const block = heap.alloc(ADAM_BLOCK_WORDS * 4);
      try {
        // Pointers past 2^31 go in as their int32 bit patterns (read as u32).
        heap.i32.set(
          pointers.map((p) => p | 0),
          block >>> 2,
        );
        heap.f32.set([alpha, 1 - beta1, 1 - beta2, epsilon], (block >>> 2) + pointers.length);
        // Element ranges the threads claim as they come (a late worker leaves its share here).
        const per = rangeLength(w.size, pool.size * RANGES_PER_THREAD, 4);
        pool.runShared(
          'adamUpdateRangeF32',
          { args: [block, 0, per], deltas: [0, per, per] },
          { count: Math.ceil(w.size / per), clampIndex: 2, clampTo: w.size },
        );
      } finally {
        heap.free(block);
      }
      return results;
    }
    ctx.wasm.adamUpdateF32(...pointers, w.size, alpha, 1 - beta1, 1 - beta2, epsilon);
    return results;
  };
}
