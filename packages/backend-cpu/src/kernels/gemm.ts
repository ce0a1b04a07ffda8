// General matrix multiply, C (+)= A·B, the engine behind matmul and the convolutions.
// Goto-style: B is packed into KC×NR column panels and A into MR×KC row panels (float64, so
// the inner loop reads one array type and accumulates in double precision); a 4×8 register
// tile held in 32 locals (V8 keeps most in registers) does 64 flops per 12 loads. Thin
// products (few rows of A or few columns of B) skip packing: see gemm-direct.ts.

import type { TypedArray } from '@nabla/core';
import { directGemm, preferDirect } from './gemm-direct.js';

/** A strided matrix: element (i, j) lives at `data[offset + i * rowStride + j * colStride]`. */
export interface MatrixView {
  readonly data: TypedArray;
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
}

/** Rows and columns of the register tile. */
const MR = 4;
const NR = 8;
/** Depth of a packed block: a KC×NR panel of B (16 KiB) stays in L1 across the A panels. */
const KC = 256;
/** Rows of A packed at once: an MC×KC block (128 KiB) stays in L2. */
const MC = 64;
/** Columns of B packed at once. */
const NC = 1024;

/** Holds a ragged tile before it is added into C with bounds checks. */
const edgeTile = new Float64Array(MR * NR);

/**
 * Packed, blocked GEMM with packing buffers that persist between calls.
 * @example
 * const gemm = new Gemm();
 * gemm.run(m, n, k, { data: a, offset: 0, rowStride: k, colStride: 1 }, bView, c, 0, n);
 */
export class Gemm {
  #packA = new Float64Array(MC * KC);
  #packB = new Float64Array(KC * NC);

  /**
   * C[i, j] (+)= Σ_p A[i, p] · B[p, j] for an m×k A and a k×n B; C is written at
   * `c[cOffset + i * ldc + j]`. Without `accumulate` the C block is overwritten.
   */
  run(
    m: number,
    n: number,
    k: number,
    a: MatrixView,
    b: MatrixView,
    c: TypedArray,
    cOffset: number,
    ldc: number,
    accumulate = false,
  ): void {
    if (!accumulate) {
      for (let i = 0; i < m; i++) c.fill(0, cOffset + i * ldc, cOffset + i * ldc + n);
    }
    if (preferDirect(m, n, k)) {
      directGemm(m, n, k, a, b, c, cOffset, ldc);
    } else {
      this.runPacked(m, n, k, a, b, c, cOffset, ldc);
    }
  }

  /**
   * The packed path of `run`, whatever the shape: C[i, j] += Σ_p A[i, p] · B[p, j] (always
   * accumulates; `run` zeroes C first when asked to overwrite).
   */
  runPacked(
    m: number,
    n: number,
    k: number,
    a: MatrixView,
    b: MatrixView,
    c: TypedArray,
    cOffset: number,
    ldc: number,
  ): void {
    const packA = this.#packA;
    const packB = this.#packB;
    for (let j0 = 0; j0 < n; j0 += NC) {
      const nc = Math.min(NC, n - j0);
      for (let p0 = 0; p0 < k; p0 += KC) {
        const kc = Math.min(KC, k - p0);
        packPanels(b, p0, kc, j0, nc, packB);
        for (let i0 = 0; i0 < m; i0 += MC) {
          const mc = Math.min(MC, m - i0);
          packRows(a, i0, mc, p0, kc, packA);
          for (let j = 0; j < nc; j += NR) {
            const nr = Math.min(NR, nc - j);
            for (let i = 0; i < mc; i += MR) {
              const mr = Math.min(MR, mc - i);
              const co = cOffset + (i0 + i) * ldc + j0 + j;
              microKernel(packA, i * kc, packB, j * kc, kc, c, co, ldc, mr, nr);
            }
          }
        }
      }
    }
  }

  /** Drops the packing buffers' contents (they are reallocated lazily at their fixed size). */
  reset(): void {
    this.#packA = new Float64Array(MC * KC);
    this.#packB = new Float64Array(KC * NC);
  }
}

/**
 * Packs rows [i0, i0+mc) × depth [p0, p0+kc) of A as consecutive MR×kc panels, each stored
 * depth-major (the MR values of one depth step adjacent); rows past mc are zero.
 */
function packRows(a: MatrixView, i0: number, mc: number, p0: number, kc: number, out: Float64Array): void {
  const { data, rowStride, colStride } = a;
  let o = 0;
  for (let i = 0; i < mc; i += MR) {
    const rows = Math.min(MR, mc - i);
    const base = a.offset + (i0 + i) * rowStride + p0 * colStride;
    for (let p = 0; p < kc; p++) {
      const at = base + p * colStride;
      for (let r = 0; r < MR; r++) out[o++] = r < rows ? data[at + r * rowStride] : 0;
    }
  }
}

/**
 * Packs depth [p0, p0+kc) × columns [j0, j0+nc) of B as consecutive kc×NR panels, each
 * stored depth-major (the NR values of one depth step adjacent); columns past nc are zero.
 */
function packPanels(b: MatrixView, p0: number, kc: number, j0: number, nc: number, out: Float64Array): void {
  const { data, rowStride, colStride } = b;
  let o = 0;
  for (let j = 0; j < nc; j += NR) {
    const cols = Math.min(NR, nc - j);
    const base = b.offset + p0 * rowStride + (j0 + j) * colStride;
    for (let p = 0; p < kc; p++) {
      const at = base + p * rowStride;
      if (cols === NR && colStride === 1) {
        for (let q = 0; q < NR; q++) out[o++] = data[at + q];
      } else {
        for (let q = 0; q < NR; q++) out[o++] = q < cols ? data[at + q * colStride] : 0;
      }
    }
  }
}

// biome-ignore format: the register tile reads best laid out as a grid.
/**
 * The 4×8 register tile: C[co + r·ldc + q] += Σ_p pa[ao + 4p + r] · pb[bo + 8p + q] for the
 * mr×nr valid part. Accumulators are plain locals so V8 can keep them out of memory.
 */
function microKernel(
  pa: Float64Array,
  ao: number,
  pb: Float64Array,
  bo: number,
  kc: number,
  c: TypedArray,
  co: number,
  ldc: number,
  mr: number,
  nr: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c04 = 0, c05 = 0, c06 = 0, c07 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0, c14 = 0, c15 = 0, c16 = 0, c17 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c24 = 0, c25 = 0, c26 = 0, c27 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0, c34 = 0, c35 = 0, c36 = 0, c37 = 0;
  for (let p = 0; p < kc; p++) {
    const b0 = pb[bo], b1 = pb[bo + 1], b2 = pb[bo + 2], b3 = pb[bo + 3];
    const b4 = pb[bo + 4], b5 = pb[bo + 5], b6 = pb[bo + 6], b7 = pb[bo + 7];
    let a = pa[ao];
    c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
    c04 += a * b4; c05 += a * b5; c06 += a * b6; c07 += a * b7;
    a = pa[ao + 1];
    c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
    c14 += a * b4; c15 += a * b5; c16 += a * b6; c17 += a * b7;
    a = pa[ao + 2];
    c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
    c24 += a * b4; c25 += a * b5; c26 += a * b6; c27 += a * b7;
    a = pa[ao + 3];
    c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
    c34 += a * b4; c35 += a * b5; c36 += a * b6; c37 += a * b7;
    ao += MR;
    bo += NR;
  }
  if (mr === MR && nr === NR) {
    let o = co;
    c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03;
    c[o + 4] += c04; c[o + 5] += c05; c[o + 6] += c06; c[o + 7] += c07;
    o += ldc;
    c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13;
    c[o + 4] += c14; c[o + 5] += c15; c[o + 6] += c16; c[o + 7] += c17;
    o += ldc;
    c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23;
    c[o + 4] += c24; c[o + 5] += c25; c[o + 6] += c26; c[o + 7] += c27;
    o += ldc;
    c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
    c[o + 4] += c34; c[o + 5] += c35; c[o + 6] += c36; c[o + 7] += c37;
    return;
  }
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03; t[4] = c04; t[5] = c05; t[6] = c06; t[7] = c07;
  t[8] = c10; t[9] = c11; t[10] = c12; t[11] = c13; t[12] = c14; t[13] = c15; t[14] = c16; t[15] = c17;
  t[16] = c20; t[17] = c21; t[18] = c22; t[19] = c23; t[20] = c24; t[21] = c25; t[22] = c26; t[23] = c27;
  t[24] = c30; t[25] = c31; t[26] = c32; t[27] = c33; t[28] = c34; t[29] = c35; t[30] = c36; t[31] = c37;
  for (let r = 0; r < mr; r++) {
    for (let q = 0; q < nr; q++) c[co + r * ldc + q] += t[r * NR + q];
  }
}
