// Batched matmul over the packed GEMM. Transposes cost nothing extra: they only change the
// strides of the matrix views that packing reads. A batch of 1 broadcasts against the other.

import { type Kernel, matmulDims } from '@nabla/core/internal';
import { type CpuContext, valuesOf } from '../cpu-data.js';

/**
 * The `matmul` kernel: a `[batchA, M, K]` (or `[batchA, K, M]`) times b `[batchB, K, N]` (or
 * `[batchB, N, K]`) into `[batch, M, N]`.
 * @example
 * const kernel = matmulKernel(ctx);
 * kernel([a, b], { transposeA: false, transposeB: true }, out);
 */
export function matmulKernel(ctx: CpuContext): Kernel<'matmul'> {
  return (inputs, { transposeA, transposeB }, out) => {
    const [a, b] = inputs;
    const av = valuesOf(a, 'matmul');
    const bv = valuesOf(b, 'matmul');
    const { m, n, k, batch, batchA, batchB } = matmulDims(a.shape, b.shape, transposeA, transposeB);
    const result = ctx.alloc(out);
    for (let i = 0; i < batch; i++) {
      // A batch of one is reused for every output batch (broadcasting).
      const aOffset = (batchA === 1 ? 0 : i) * m * k;
      const bOffset = (batchB === 1 ? 0 : i) * k * n;
      ctx.gemm.run(
        m,
        n,
        k,
        transposeA
          ? { data: av, offset: aOffset, rowStride: 1, colStride: m }
          : { data: av, offset: aOffset, rowStride: k, colStride: 1 },
        transposeB
          ? { data: bv, offset: bOffset, rowStride: 1, colStride: k }
          : { data: bv, offset: bOffset, rowStride: n, colStride: 1 },
        result.values,
        i * m * n,
        n,
      );
    }
    return result;
  };
}
