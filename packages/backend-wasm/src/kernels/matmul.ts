// Batched matmul over the SIMD GEMM of assembly/matmul.ts. Transposes cost nothing extra: they
// only change the strides the packing reads. A batch of 1 broadcasts against the other; when
// b is shared and a is not transposed, the batch folds into the rows of one larger GEMM. With a
// worker pool, big products split over threads by batch items, else rows, else columns; the
// split points fall on register-tile boundaries, so every thread count gives the same bits.

import { type Kernel, matmulDims } from '@nabla/core/internal';
import { GEMM_MR, GEMM_NR, GEMM_SMALL_M } from '../abi.js';
import type { WasmContext } from '../kernel-context.js';
import type { JobPart, ThreadPool } from '../thread-pool.js';
import type { Arities } from '../wasm-module.js';
import { rangeLength, splitRange } from '../work-split.js';

/** The GEMM exports of the binary (assembly/matmul.ts); pointers are heap byte offsets. */
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

/** Parameter counts of the GEMM exports, checked against the binary in wasm-module.ts. */
export const GEMM_EXPORTS: Arities<GemmExports> = {
  sgemmScratchBytes: 3,
  sgemm: 14,
  igemm: 12,
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
    const { m, n, k, batch, batchA, batchB } = matmulDims(a.shape, b.shape, transposeA, transposeB);
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
    const items = folded ? 1 : batch;
    const pool = ctx.pool;
    if (pool && items * rows * n * k >= pool.minWork) {
      const stride = {
        a: batchA === 1 ? 0 : m * k * 4,
        b: batchB === 1 ? 0 : k * n * 4,
        c: m * n * 4,
      };
      const view: GemmView = { rows, n, k, a: aPtr, aRow, aCol, b: bPtr, bRow, bCol, c };
      if (parallelSgemm(pool, view, items, stride)) return result;
    }
    // The small-M path (batch-1 inference) packs nothing: no scratch to find in the heap.
    const small = rows <= GEMM_SMALL_M && aCol === 1 && (bCol === 1 || bRow === 1);
    const scratch = small ? 0 : ctx.heap.alloc(wasm.sgemmScratchBytes(rows, n, k));
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
      if (scratch !== 0) ctx.heap.free(scratch);
    }
  };
}

/** One float32 product for `parallelSgemm`: C [rows, n] = A [rows, k] · B [k, n] over strided views. */
interface GemmView {
  readonly rows: number;
  readonly n: number;
  readonly k: number;
  readonly a: number;
  readonly aRow: number;
  readonly aCol: number;
  readonly b: number;
  readonly bRow: number;
  readonly bCol: number;
  readonly c: number;
}

/** sgemm's arguments for rows [m0, m1) and columns from `b`/`c` (n of them) of a view. */
function sgemmArgs(
  v: GemmView,
  m0: number,
  m1: number,
  n: number,
  a: number,
  b: number,
  c: number,
  scratch: number,
): JobPart<'sgemm'>['args'] {
  return [m0, m1, n, v.k, a, v.aRow, v.aCol, b, v.bRow, v.bCol, c, v.n, 0, scratch];
}

/** Row chunks per thread of a chunked product (each chunk packs B again, so not many). */
const CHUNKS_PER_THREAD = 2;

/** The GEMM's register tile (src/abi.ts): split points on its multiples keep results bit-exact. */
const MR = GEMM_MR;
const NR = GEMM_NR;

/** One part per thread over a range of columns (NR multiples, so the bits do not change). */
function columnParts(
  pool: ThreadPool,
  v: GemmView,
  items: number,
  deltas: readonly number[],
  parts: JobPart<'sgemm'>[],
): void {
  const bounds = splitRange(v.n, pool.size, NR, 4 * NR);
  for (let t = 0; t + 1 < bounds.length; t++) {
    const j0 = bounds[t]!;
    const b = v.b + j0 * v.bCol * 4;
    parts.push({
      args: sgemmArgs(v, 0, v.rows, bounds[t + 1]! - j0, v.a, b, v.c + j0 * 4, pool.gemmScratch.block(t)),
      count: items,
      deltas,
    });
  }
}

/**
 * Runs `items` products (item i at byte offsets i·stride) over the pool: whole items per thread
 * when there are enough; a single product with fewer rows than columns by columns; else rows,
 * else columns of each. False when nothing splits (the caller
 * then runs it on one thread).
 */
function parallelSgemm(
  pool: ThreadPool,
  v: GemmView,
  items: number,
  stride: { readonly a: number; readonly b: number; readonly c: number },
): boolean {
  const threads = pool.size;
  const parts: JobPart<'sgemm'>[] = [];
  // Per-repeat deltas of sgemm's arguments (a at 4, b at 7, c at 10) to walk the batch.
  const deltas = [0, 0, 0, 0, stride.a, 0, 0, stride.b, 0, 0, stride.c];
  if (items >= threads) {
    const bounds = splitRange(items, threads, 1, 1);
    for (let t = 0; t + 1 < bounds.length; t++) {
      const i0 = bounds[t]!;
      parts.push({
        args: sgemmArgs(
          v,
          0,
          v.rows,
          v.n,
          v.a + i0 * stride.a,
          v.b + i0 * stride.b,
          v.c + i0 * stride.c,
          pool.gemmScratch.block(t),
        ),
        count: bounds[t + 1]! - i0,
        deltas,
      });
    }
  } else if (items === 1 && v.rows < v.n && v.n >= 2 * CHUNKS_PER_THREAD * 4 * NR) {
    // Fewer rows than columns (a training batch times a wide weight): B is the bigger operand,
    // and each row chunk would pack all of it again; by column chunks, each packs only its
    // columns of B (and A again, the smaller one). The threads claim the chunks as they come,
    // so a worker the OS runs late (on a 2-core machine, behind V8's compiler threads) leaves
    // its share to the main thread instead of holding the job up.
    const perChunk = rangeLength(v.n, threads * CHUNKS_PER_THREAD, NR);
    const step = [0, 0, 0, 0, 0, 0, 0, perChunk * v.bCol * 4, 0, 0, perChunk * 4];
    for (let t = 0; t < threads; t++) {
      parts.push({
        args: sgemmArgs(v, 0, v.rows, perChunk, v.a, v.b, v.c, pool.gemmScratch.block(t)),
        deltas: step,
      });
    }
    const count = Math.ceil(v.n / perChunk);
    pool.run('sgemm', parts, { count, clampIndex: 2, clampTo: v.n, clampStep: -perChunk });
    return true;
  } else if (items === 1 && v.rows < v.n && v.n >= 2 * 4 * NR) {
    // Too few columns for two chunks a thread: one column range each.
    columnParts(pool, v, items, deltas, parts);
  } else if (items === 1 && v.rows >= 2 * CHUNKS_PER_THREAD * 4 * MR) {
    // One product, rows to spare: chunks of rows (MR multiples, so the bits do not change) that
    // the threads claim as they come, so one the OS wakes late leaves its share to the others.
    const perChunk = rangeLength(v.rows, threads * CHUNKS_PER_THREAD, MR);
    const step = [perChunk, perChunk];
    for (let t = 0; t < threads; t++) {
      parts.push({
        args: sgemmArgs(v, 0, perChunk, v.n, v.a, v.b, v.c, pool.gemmScratch.block(t)),
        deltas: step,
      });
    }
    pool.run('sgemm', parts, { count: Math.ceil(v.rows / perChunk), clampIndex: 1, clampTo: v.rows });
    return true;
  } else if (v.rows >= 2 * 4 * MR) {
    const bounds = splitRange(v.rows, threads, MR, 4 * MR);
    for (let t = 0; t + 1 < bounds.length; t++) {
      parts.push({
        args: sgemmArgs(v, bounds[t]!, bounds[t + 1]!, v.n, v.a, v.b, v.c, pool.gemmScratch.block(t)),
        count: items,
        deltas,
      });
    }
  } else if (v.n >= 2 * 4 * NR) {
    columnParts(pool, v, items, deltas, parts);
  }
  if (parts.length < 2) return false;
  pool.run('sgemm', parts);
  return true;
}
