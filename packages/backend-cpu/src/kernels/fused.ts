// The CPU backend's optional fused kernels (core's fused-prims.ts): matmul + bias + activation, the
// GEMM writing on top of the broadcast bias with the activation applied in place after it, and
// softmax cross-entropy one row at a time in doubles, elementwise chains block by block
// (chain.ts). The optimizer updates are left to core's composites here (the wasm backend
// fuses them).

import type { FusedActivation, TypedArray } from '@nabla/core';
import { type FusedKernel, type FusedKernelTable, matmulDims } from '@nabla/core/internal';
import { type CpuContext, valuesOf } from '../cpu-data.js';
import { elementwiseKernel } from './chain.js';
import { sigmoid } from './unary.js';

/** Applies an activation in place over a whole output. */
type Epilogue = (y: TypedArray) => void;

// One loop per activation, written out, for the reason given in unary.ts (megamorphic calls).
const EPILOGUES: Record<FusedActivation, Epilogue | null> = {
  linear: null,
  relu: (y) => {
    // NaN stays NaN, as in the relu kernel.
    for (let i = 0; i < y.length; i++) if (y[i] < 0) y[i] = 0;
  },
  relu6: (y) => {
    for (let i = 0; i < y.length; i++) y[i] = Math.min(Math.max(y[i], 0), 6);
  },
  sigmoid: (y) => {
    for (let i = 0; i < y.length; i++) y[i] = sigmoid(y[i]);
  },
  tanh: (y) => {
    for (let i = 0; i < y.length; i++) y[i] = Math.tanh(y[i]);
  },
};

/**
 * act(a·b + bias) for 2-D a `[M, K]` (or `[K, M]`) and b `[K, N]` (or `[N, K]`).
 * @example
 * const kernel = fusedMatmulKernel(ctx);
 * kernel([a, b, bias], { transposeA: false, transposeB: false, hasBias: true, activation: 'relu' }, [out]);
 */
export function fusedMatmulKernel(ctx: CpuContext): FusedKernel<'fusedMatmul'> {
  return (inputs, { transposeA, transposeB, hasBias, activation }, [out]) => {
    const [a, b, bias] = inputs;
    const av = valuesOf(a, 'fusedMatmul');
    const bv = valuesOf(b, 'fusedMatmul');
    const { m, n, k } = matmulDims(a.shape, b.shape, transposeA, transposeB);
    const result = ctx.alloc(out);
    const y = result.values;
    // The bias rows first, then the product accumulated onto them: one rounding per element.
    if (hasBias) {
      const bias1 = valuesOf(bias, 'fusedMatmul');
      for (let i = 0; i < m; i++) y.set(bias1, i * n);
    }
    ctx.gemm.run(
      m,
      n,
      k,
      transposeA
        ? { data: av, offset: 0, rowStride: 1, colStride: m }
        : { data: av, offset: 0, rowStride: k, colStride: 1 },
      transposeB
        ? { data: bv, offset: 0, rowStride: 1, colStride: k }
        : { data: bv, offset: 0, rowStride: n, colStride: 1 },
      y,
      0,
      n,
      hasBias,
    );
    EPILOGUES[activation]?.(y);
    return [result];
  };
}

/**
 * Per-row loss Σ_c y_c·(lse(x) - x_c), lse = max + log Σ e^(x - max), for sparse (int32 class)
 * or dense labels.
 * @example
 * const kernel = softmaxCrossEntropyKernel(ctx);
 * kernel([logits, labels], { sparse: true }, [out]);
 */
export function softmaxCrossEntropyKernel(ctx: CpuContext): FusedKernel<'softmaxCrossEntropy'> {
  return (inputs, { sparse }, [out]) => {
    const [logits, labels] = inputs;
    const x = valuesOf(logits, 'softmaxCrossEntropy');
    const y = valuesOf(labels, 'softmaxCrossEntropy');
    const [rows, classes] = logits.shape;
    const result = ctx.alloc(out);
    const loss = result.values;
    for (let r = 0; r < rows; r++) {
      const base = r * classes;
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < classes; c++) max = Math.max(max, x[base + c]);
      // An infinite maximum shifts by 0 instead, as logSumExp does, to keep ∞ - ∞ out.
      const shift = Number.isFinite(max) ? max : 0;
      let total = 0;
      for (let c = 0; c < classes; c++) total += Math.exp(x[base + c] - shift);
      const lse = shift + Math.log(total);
      if (sparse) {
        const label = y[r];
        loss[r] = label >= 0 && label < classes ? lse - x[base + label] : 0;
      } else {
        let sum = 0;
        for (let c = 0; c < classes; c++) sum += y[base + c] * (lse - x[base + c]);
        loss[r] = sum;
      }
    }
    return [result];
  };
}

/**
 * Softmax over each row of `[rows, cols]`, in doubles: e^(x − m) / Σ with m the row's maximum
 * (as the composite: NaN or an infinite maximum makes the row NaN).
 * @example
 * const kernel = softmaxKernel(ctx);
 */
export function softmaxKernel(ctx: CpuContext): FusedKernel<'softmax'> {
  return ([input], _params, [out]) => {
    const x = valuesOf(input!, 'softmax');
    const [rows, cols] = input!.shape as [number, number];
    const result = ctx.alloc(out!);
    const y = result.values;
    const e = ctx.scratch(cols);
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < cols; c++) max = Math.max(max, x[base + c]!);
      let total = 0;
      for (let c = 0; c < cols; c++) {
        e[c] = Math.exp(x[base + c]! - max);
        total += e[c]!;
      }
      for (let c = 0; c < cols; c++) y[base + c] = e[c]! / total;
    }
    return [result];
  };
}

/**
 * The fused kernels the CPU backend has.
 * @example
 * const fused = createFusedKernels(ctx);
 * fused.fusedMatmul;
 */
export function createFusedKernels(ctx: CpuContext): Partial<FusedKernelTable> {
  return {
    elementwise: elementwiseKernel(ctx),
    fusedMatmul: fusedMatmulKernel(ctx),
    softmaxCrossEntropy: softmaxCrossEntropyKernel(ctx),
    softmax: softmaxKernel(ctx),
  };
}
