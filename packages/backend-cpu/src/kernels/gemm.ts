// General matrix multiply, C (+)= A·B, the engine behind matmul and the convolutions.
// Goto-style: B is packed into KC×NR column panels and A into MR×KC row panels (float64, so
// the inner loop reads one array type and accumulates in double precision); a 4×3 register
// tile held in 12 locals (all in registers) does 24 flops per 7 loads. Thin
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
const NR = 3;
/** Depth of a packed block: a KC×NR panel of B (6 KiB) stays in L1 across the A panels. */
const KC = 256;
/** Rows of A packed at once: an MC×KC block (128 KiB) stays in L2. */
const MC = 64;
/** Columns of B packed at once: a multiple of NR, so the panels fill the packing buffer exactly. */
const NC = 1023;

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
 * The 4×3 register tile: C[co + r·ldc + q] += Σ_p pa[ao + 4p + r] · pb[bo + 3p + q] for the
 * mr×nr valid part. Accumulators are plain locals: twelve of them, with the seven operands of a
 * depth step, fit x64's sixteen float registers, so V8 spills none (a 4×8 tile's 32 spill; it
 * ran 8–10% slower here).
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
  let c00 = 0, c01 = 0, c02 = 0;
  let c10 = 0, c11 = 0, c12 = 0;
  let c20 = 0, c21 = 0, c22 = 0;
  let c30 = 0, c31 = 0, c32 = 0;
  for (let p = 0; p < kc; p++) {
    const b0 = pb[bo], b1 = pb[bo + 1], b2 = pb[bo + 2];
    const a0 = pa[ao], a1 = pa[ao + 1], a2 = pa[ao + 2], a3 = pa[ao + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2;
    ao += MR;
    bo += NR;
  }
  if (mr === MR && nr === NR) {
    let o = co;
    c[o] += c00; c[o + 1] += c01; c[o + 2] += c02;
    o += ldc;
    c[o] += c10; c[o + 1] += c11; c[o + 2] += c12;
    o += ldc;
    c[o] += c20; c[o + 1] += c21; c[o + 2] += c22;
    o += ldc;
    c[o] += c30; c[o + 1] += c31; c[o + 2] += c32;
    return;
  }
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02;
  t[3] = c10; t[4] = c11; t[5] = c12;
  t[6] = c20; t[7] = c21; t[8] = c22;
  t[9] = c30; t[10] = c31; t[11] = c32;
  for (let r = 0; r < mr; r++) {
    for (let q = 0; q < nr; q++) c[co + r * ldc + q] += t[r * NR + q];
  }
}
