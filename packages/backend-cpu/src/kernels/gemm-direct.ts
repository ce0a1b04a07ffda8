// GEMM without packing, for products where packing would cost as much as the arithmetic: a
// few rows of A (a batch-1 forward pass: packing all of B for one row doubles the work) or a
// few columns of B (a classifier head: packing A for ten columns). Register tiles read A and B
// in place through their strides, so transposes are free here too; B is walked one column
// block at a time (outer loop), so each block stays in cache while every row of A meets it.

import type { TypedArray } from '@nabla/core';
import type { MatrixView } from './gemm.js';

/**
 * Whether `directGemm` beats the packed path for an m×k by k×n product: packing B costs
 * k·n (1/m of the arithmetic) and packing A costs m·k (1/n of it), so skip packing when
 * either side is thin.
 * @example
 * preferDirect(1, 256, 784); // true: a batch-1 dense layer
 */
export function preferDirect(m: number, n: number, _k: number): boolean {
  return m <= 8 || n <= 16;
}

/**
 * C[i, j] += Σ_p A[i, p] · B[p, j] for an m×k A and k×n B read in place, C written at
 * `c[cOffset + i * ldc + j]`. Sums run over the whole depth in double precision.
 * @example
 * directGemm(1, 256, 784, xView, wView, out, 0, 256);
 */
export function directGemm(
  m: number,
  n: number,
  k: number,
  a: MatrixView,
  b: MatrixView,
  c: TypedArray,
  cOffset: number,
  ldc: number,
): void {
  const { data: ad, rowStride: ars, colStride: acs } = a;
  const { data: bd, rowStride: brs, colStride: bcs } = b;
  const fullRows = m - (m % 4);
  // Whole groups of four rows: 4×3 tiles, whose 12 sums stay in registers, over 3-column
  // blocks of B (the outer loop, so each block stays in cache while the rows meet it).
  if (fullRows > 0) {
    const fullCols = n - (n % 3);
    for (let j = 0; j < fullCols; j += 3) {
      const bo = b.offset + j * bcs;
      for (let i = 0; i < fullRows; i += 4) {
        tile4x3(ad, a.offset + i * ars, ars, acs, bd, bo, brs, bcs, k, c, cOffset + i * ldc + j, ldc);
      }
    }
    for (let q = fullCols; q < n; q++) {
      const bq = b.offset + q * bcs;
      for (let i = 0; i < fullRows; i += 4) {
        col4x1(ad, a.offset + i * ars, ars, acs, bd, bq, brs, k, c, cOffset + i * ldc + q, ldc);
      }
    }
  }
  if (fullRows === m) return;
  // The rest (fewer than four rows: batch-1 inference): eight sums in flight per row.
  const fullCols = n - (n % 8);
  for (let j = 0; j < fullCols; j += 8) {
    const bo = b.offset + j * bcs;
    for (let i = fullRows; i < m; i++)
      row1x8(ad, a.offset + i * ars, acs, bd, bo, brs, bcs, k, c, cOffset + i * ldc + j);
  }
  for (let q = fullCols; q < n; q++) {
    const bq = b.offset + q * bcs;
    for (let i = fullRows; i < m; i++)
      c[cOffset + i * ldc + q] += dot(ad, a.offset + i * ars, acs, bd, bq, brs, k);
  }
}

// biome-ignore format: the register tile reads best laid out as a grid.
/** A 4×3 tile: four rows of A (`ars` apart) against three columns of B (`bcs` apart). */
function tile4x3(
  ad: TypedArray, ao: number, ars: number, acs: number,
  bd: TypedArray, bo: number, brs: number, bcs: number,
  k: number, c: TypedArray, co: number, ldc: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0;
  let c10 = 0, c11 = 0, c12 = 0;
  let c20 = 0, c21 = 0, c22 = 0;
  let c30 = 0, c31 = 0, c32 = 0;
  const s1 = bcs, s2 = 2 * bcs;
  const r1 = ars, r2 = 2 * ars, r3 = 3 * ars;
  for (let p = 0; p < k; p++) {
    const b0 = bd[bo], b1 = bd[bo + s1], b2 = bd[bo + s2];
    const a0 = ad[ao], a1 = ad[ao + r1], a2 = ad[ao + r2], a3 = ad[ao + r3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2;
    ao += acs;
    bo += brs;
  }
  let o = co;
  c[o] += c00; c[o + 1] += c01; c[o + 2] += c02;
  o += ldc;
  c[o] += c10; c[o + 1] += c11; c[o + 2] += c12;
  o += ldc;
  c[o] += c20; c[o + 1] += c21; c[o + 2] += c22;
  o += ldc;
  c[o] += c30; c[o + 1] += c31; c[o + 2] += c32;
}

// biome-ignore format: the register tile reads best laid out as a grid.
/** One row of A against eight columns of B: the matrix-vector case (eight sums in flight). */
function row1x8(
  ad: TypedArray, ao: number, acs: number,
  bd: TypedArray, bo: number, brs: number, bcs: number,
  k: number, c: TypedArray, co: number,
): void {
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
  const s1 = bcs, s2 = 2 * bcs, s3 = 3 * bcs, s4 = 4 * bcs, s5 = 5 * bcs, s6 = 6 * bcs, s7 = 7 * bcs;
  for (let p = 0; p < k; p++) {
    const x = ad[ao];
    c0 += x * bd[bo]; c1 += x * bd[bo + s1]; c2 += x * bd[bo + s2]; c3 += x * bd[bo + s3];
    c4 += x * bd[bo + s4]; c5 += x * bd[bo + s5]; c6 += x * bd[bo + s6]; c7 += x * bd[bo + s7];
    ao += acs;
    bo += brs;
  }
  c[co] += c0; c[co + 1] += c1; c[co + 2] += c2; c[co + 3] += c3;
  c[co + 4] += c4; c[co + 5] += c5; c[co + 6] += c6; c[co + 7] += c7;
}

// biome-ignore format: reads best as the 4×1 column it computes.
/** Four rows of A against one column of B (the ragged columns past the last 3-wide block). */
function col4x1(
  ad: TypedArray, ao: number, ars: number, acs: number,
  bd: TypedArray, bo: number, brs: number,
  k: number, c: TypedArray, co: number, ldc: number,
): void {
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  const r1 = ars, r2 = 2 * ars, r3 = 3 * ars;
  for (let p = 0; p < k; p++) {
    const y = bd[bo];
    c0 += ad[ao] * y; c1 += ad[ao + r1] * y; c2 += ad[ao + r2] * y; c3 += ad[ao + r3] * y;
    ao += acs;
    bo += brs;
  }
  c[co] += c0; c[co + ldc] += c1; c[co + 2 * ldc] += c2; c[co + 3 * ldc] += c3;
}

/** Σ_p x[xo + p·xs] · y[yo + p·ys]. */
function dot(
  x: TypedArray,
  xo: number,
  xs: number,
  y: TypedArray,
  yo: number,
  ys: number,
  k: number,
): number {
  let s = 0;
  for (let p = 0; p < k; p++) {
    s += x[xo] * y[yo];
    xo += xs;
    yo += ys;
  }
  return s;
}
