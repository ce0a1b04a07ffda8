// matmul and the GEMM engine against a naive triple loop: every transpose combination, sizes
// that cross the register tile and every blocking boundary, batch broadcasting, all dtypes;
// the packed and the direct (thin-product) paths each on shapes the other would take.

import type { DType, TypedArray } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from './cpu-backend.js';
import { Gemm, type MatrixView } from './kernels/gemm.js';
import { directGemm, preferDirect } from './kernels/gemm-direct.js';
import { expectClose, input, run, seeded } from './test-helpers.js';

/** C[b] = op(A[b]) · op(B[b]) with op the optional transpose, batch 1 broadcasting. */
function naiveMatmul(
  a: TypedArray,
  b: TypedArray,
  batchA: number,
  batchB: number,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
): Float64Array {
  const batch = Math.max(batchA, batchB);
  const c = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const ao = (batchA === 1 ? 0 : t) * m * k;
    const bo = (batchB === 1 ? 0 : t) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[ao + p * m + i] : a[ao + i * k + p];
          const bv = transposeB ? b[bo + j * k + p] : b[bo + p * n + j];
          s += av * bv;
        }
        c[t * m * n + i * n + j] = s;
      }
    }
  }
  return c;
}

function check(
  m: number,
  k: number,
  n: number,
  batchA: number,
  batchB: number,
  tA: boolean,
  tB: boolean,
  dtype: DType,
): void {
  const backend = new CpuBackend();
  const av = seeded(batchA * m * k, m * 31 + k, dtype, -3, 3);
  const bv = seeded(batchB * k * n, n * 17 + k, dtype, -3, 3);
  const a = input(backend, av, tA ? [batchA, k, m] : [batchA, m, k], dtype);
  const b = input(backend, bv, tB ? [batchB, n, k] : [batchB, k, n], dtype);
  const batch = Math.max(batchA, batchB);
  const got = run(backend, 'matmul', [a, b], { transposeA: tA, transposeB: tB }, [batch, m, n], dtype);
  const want = naiveMatmul(av, bv, batchA, batchB, m, k, n, tA, tB);
  const tol = dtype === 'float32' ? 1e-4 : 1e-10;
  expectClose(got, dtype === 'float32' ? Float32Array.from(want) : want, tol * k, tol);
}

describe('matmul kernel', () => {
  const combos = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const;

  for (const [tA, tB] of combos) {
    it(`matches the naive product with transposeA=${tA} transposeB=${tB}`, () => {
      check(1, 1, 1, 1, 1, tA, tB, 'float32');
      check(5, 7, 9, 1, 1, tA, tB, 'float32');
      check(4, 16, 8, 1, 1, tA, tB, 'float32');
      // K past the 256-deep block, M past the 64-row block, ragged tiles everywhere.
      check(67, 300, 13, 1, 1, tA, tB, 'float32');
    });
  }

  it('crosses the column block of B, on the direct and the packed paths', () => {
    check(3, 5, 1030, 1, 1, false, false, 'float32');
    check(3, 5, 1030, 1, 1, false, true, 'float32');
    // Packed: full 256-deep blocks over more columns than one packing buffer holds.
    check(12, 260, 1030, 1, 1, false, false, 'float32');
    check(12, 260, 1030, 1, 1, true, true, 'float32');
  });

  it('broadcasts a batch of one on either side', () => {
    check(6, 5, 10, 1, 3, false, false, 'float32');
    check(6, 5, 10, 3, 1, true, true, 'float32');
    check(6, 5, 10, 2, 2, false, true, 'float32');
  });

  it('computes float64 in full precision and int32 exactly', () => {
    check(9, 33, 11, 2, 1, true, false, 'float64');
    check(9, 33, 11, 1, 2, false, true, 'int32');
  });

  it('handles an empty inner dimension as zeros', () => {
    const backend = new CpuBackend();
    const a = input(backend, new Float32Array(0), [1, 2, 0], 'float32');
    const b = input(backend, new Float32Array(0), [1, 0, 3], 'float32');
    const got = run(
      backend,
      'matmul',
      [a, b],
      { transposeA: false, transposeB: false },
      [1, 2, 3],
      'float32',
    );
    expect(Array.from(got)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('reuses packing buffers: repeated calls give the same answer', () => {
    const backend = new CpuBackend();
    const av = seeded(40 * 50, 1);
    const bv = seeded(50 * 30, 2);
    const a = input(backend, av, [1, 40, 50], 'float32');
    const b = input(backend, bv, [1, 50, 30], 'float32');
    const params = { transposeA: false, transposeB: false };
    const first = run(backend, 'matmul', [a, b], params, [1, 40, 30], 'float32');
    const big = input(backend, seeded(300 * 70, 3), [1, 300, 70], 'float32');
    run(backend, 'matmul', [big, big], { transposeA: true, transposeB: false }, [1, 70, 70], 'float32');
    const second = run(backend, 'matmul', [a, b], params, [1, 40, 30], 'float32');
    expect(Array.from(second)).toEqual(Array.from(first));
  });
});

describe('thin products (direct GEMM path)', () => {
  const combos = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const;

  it('takes the direct path for few rows or few columns only', () => {
    expect(preferDirect(1, 256, 784)).toBe(true);
    expect(preferDirect(128, 10, 128)).toBe(true);
    expect(preferDirect(128, 256, 784)).toBe(false);
  });

  for (const [tA, tB] of combos) {
    it(`small M matches the naive product with transposeA=${tA} transposeB=${tB}`, () => {
      // One to five rows, against full 8-wide column blocks and ragged ones.
      for (const m of [1, 2, 3, 4, 5]) check(m, 37, 29, 1, 1, tA, tB, 'float32');
      check(1, 300, 256, 1, 1, tA, tB, 'float32');
      check(2, 1, 8, 1, 1, tA, tB, 'float32');
    });

    it(`small N matches the naive product with transposeA=${tA} transposeB=${tB}`, () => {
      // Row tiles of four plus leftovers, against one to sixteen columns.
      for (const n of [1, 3, 8, 10, 16]) check(37, 23, n, 1, 1, tA, tB, 'float32');
      check(128, 128, 10, 1, 1, tA, tB, 'float32');
    });
  }

  it('broadcasts batches and stays exact in int32 and float64', () => {
    check(1, 20, 30, 3, 1, false, false, 'float32');
    check(2, 20, 30, 1, 3, true, true, 'float32');
    check(13, 20, 5, 2, 2, false, true, 'float32');
    check(3, 41, 19, 2, 1, false, true, 'int32');
    check(21, 41, 7, 1, 2, true, false, 'int32');
    check(4, 33, 11, 2, 2, true, true, 'float64');
    check(33, 17, 9, 1, 1, false, false, 'float64');
  });

  it('agrees with the packed path, accumulating into a strided C', () => {
    const gemm = new Gemm();
    for (const [m, k, n] of [
      [1, 50, 70],
      [4, 9, 16],
      [30, 40, 5],
      [7, 3, 9],
    ]) {
      const a: MatrixView = { data: seeded(m * k + 3, 11), offset: 3, rowStride: 1, colStride: m };
      const b: MatrixView = { data: seeded(k * n, 12), offset: 0, rowStride: n, colStride: 1 };
      // C is a block of a wider matrix (ldc = n + 2) and both paths add to what is there.
      const ldc = n + 2;
      const packed = seeded(m * ldc, 13, 'float64');
      const direct = Float64Array.from(packed);
      gemm.runPacked(m, n, k, a, b, packed, 0, ldc);
      directGemm(m, n, k, a, b, direct, 0, ldc);
      expectClose(direct, packed, 1e-12, 1e-12);
    }
  });
});
