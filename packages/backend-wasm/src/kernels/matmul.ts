// Batched matmul over the SIMD GEMM of assembly/gemm.ts. Transposes cost nothing extra: they
// only change the strides the packing reads. A batch of 1 broadcasts against the other; when
// b is shared and a is not transposed, the batch folds into the rows of one larger GEMM.

import type { Kernel } from '@nabla/core';
import type { WasmContext } from '../wasm-data.js';

/** The GEMM exports of the binary (assembly/gemm.ts); pointers are heap byte offsets. */
export interface GemmExports {
  /** Scratch bytes `sgemm` needs for `rows` rows of an n-column, depth-k product. */
  sgemmScratchBytes(rows: number, n: number, k: number): number;
  /** C[i, j] (+)= Σ_p A[i, p]·B[p, j] for rows [m0, m1); views are (pointer, row stride, column stride). */
  sgemm(
    m0: number,
    m1: number,
    n: number,
    k: number,
    a: number,
    aRow: number,
    aCol: number,
    b: number,
    bRow: number,
    bCol: number,
    c: number,
    ldc: number,
    accumulate: number,
    scratch: number,
  ): void;
  /** The int32 product, wrapping, over the same views. */
  igemm(
    m0: number,
    m1: number,
    n: number,
    k: number,
    a: number,
    aRow: number,
    aCol: number,
    b: number,
    bRow: number,
    bCol: number,
    c: number,
    ldc: number,
  ): void;
}

/** Names of the GEMM exports, for the binding check in wasm-module.ts. */
export const GEMM_EXPORTS: Record<keyof GemmExports, true> = {
  sgemmScratchBytes: true,
  sgemm: true,
  igemm: true,
};

/**
 * The `matmul` kernel: a `[batchA, M, K]` (or `[batchA, K, M]`) times b `[batchB, K, N]` (or
 * `[batchB, N, K]`) into `[batch, M, N]`, float32 through the packed SIMD GEMM, int32 exactly.
 * @example
 * const kernel = matmulKernel(ctx);
 * kernel([a, b], { transposeA: false, transposeB: true }, out);
 */
export function matmulKernel(ctx: WasmContext): Kernel<'matmul'> {
  return (inputs, { transposeA, transposeB }, out) => {
    const [a, b] = inputs;
    const aPtr = ctx.ptr(a, 'matmul');
    const bPtr = ctx.ptr(b, 'matmul');
    const rank = out.shape.length;
    const m = out.shape[rank - 2];
    const n = out.shape[rank - 1];
    const aRank = a.shape.length;
    const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
    const batch = out.size / (m * n);
    const batchA = k === 0 ? batch : a.size / (m * k);
    const batchB = k === 0 ? batch : b.size / (k * n);
    const result = ctx.alloc(out);
    const c = result.ptr;
    // Strides of one matrix of each operand, in elements.
    const [aRow, aCol] = transposeA ? [1, m] : [k, 1];
    const [bRow, bCol] = transposeB ? [1, k] : [n, 1];
    const wasm = ctx.wasm;
    if (out.dtype === 'int32') {
      for (let i = 0; i < batch; i++) {
        const ao = aPtr + (batchA === 1 ? 0 : i * m * k * 4);
        const bo = bPtr + (batchB === 1 ? 0 : i * k * n * 4);
        wasm.igemm(0, m, n, k, ao, aRow, aCol, bo, bRow, bCol, c + i * m * n * 4, n);
      }
      return result;
    }
    // A shared b and row-major a: the batch is just more rows of a single product.
    const folded = batchB === 1 && !transposeA && batchA === batch;
    const rows = folded ? batch * m : m;
    const scratch = ctx.heap.alloc(wasm.sgemmScratchBytes(rows, n, k));
    try {
      if (folded) {
        wasm.sgemm(0, rows, n, k, aPtr, aRow, aCol, bPtr, bRow, bCol, c, n, 0, scratch);
        return result;
      }
      for (let i = 0; i < batch; i++) {
        const ao = aPtr + (batchA === 1 ? 0 : i * m * k * 4);
        const bo = bPtr + (batchB === 1 ? 0 : i * k * n * 4);
        wasm.sgemm(0, m, n, k, ao, aRow, aCol, bo, bRow, bCol, c + i * m * n * 4, n, 0, scratch);
      }
      return result;
    } finally {
      ctx.heap.free(scratch);
    }
  };
}
