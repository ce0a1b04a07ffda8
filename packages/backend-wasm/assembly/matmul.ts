// Float32 GEMM, C (+)= A·B, with 128-bit SIMD: the engine behind matmul and the convolutions.
// Goto-style blocking: a KC×NC block of B is packed into KC×NR column panels, an MC×KC block
// of A into MR×KC row panels (both depth-major, zero-padded at the edges), and a 4×8 register
// tile (eight f32x4 accumulators) runs over them. Operands are strided views, so transposes
// are only a different pair of strides. Nothing allocates: packing space is `scratch`, sized by
// `sgemmScratchBytes`. Each call covers rows [m0, m1) of C, so threads can split one product.

// Rows and columns of the register tile, which the JS side's thread split aligns to.
import { GEMM_MR as MR, GEMM_NR as NR, GEMM_SMALL_M as SMALL_M } from '../src/abi';
import { madd } from './common';

/** Depth of a packed block: a KC×NR panel of B (8 KiB) stays in L1 across the A panels. */
const KC = 256;
/** Rows of A packed at once: an MC×KC block (256 KiB) stays in L2. */
const MC = 256;
/** Columns of B packed at once: a KC×NC block (1 MiB) stays in L2 (or L3). */
const NC = 1024;

/** Bytes of a packed A block, a packed B block and the edge tile. */
const PACK_A_BYTES: usize = MC * KC * 4;
const PACK_B_BYTES: usize = KC * NC * 4;
const TILE_BYTES: usize = MR * NR * 4;

/**
 * Scratch bytes `sgemm` needs for a product of `rows` rows, n columns and depth k (any rows
 * range of it). Always at most about 1.3 MiB.
 */
export function sgemmScratchBytes(rows: i32, n: i32, k: i32): usize {
  const kc = <usize>min(k, KC);
  const nc = <usize>((min(n, NC) + NR - 1) / NR) * NR;
  const mc = <usize>((min(rows, MC) + MR - 1) / MR) * MR;
  return mc * kc * 4 + kc * nc * 4 + TILE_BYTES;
}

/**
 * C[i, j] (+)= Σ_p A[i, p] · B[p, j] for rows i in [m0, m1), all n columns, depth k.
 * A[i, p] is the f32 at `a + 4·(i·aRow + p·aCol)`, B[p, j] at `b + 4·(p·bRow + j·bCol)`,
 * C[i, j] at `c + 4·(i·ldc + j)`. Without `accumulate` the rows of C are overwritten.
 * `scratch` must hold `sgemmScratchBytes(m1 - m0, n, k)` bytes, 16-byte aligned.
 */
export function sgemm(
  m0: i32,
  m1: i32,
  n: i32,
  k: i32,
  a: usize,
  aRow: i32,
  aCol: i32,
  b: usize,
  bRow: i32,
  bCol: i32,
  c: usize,
  ldc: i32,
  accumulate: i32,
  scratch: usize,
): void {
  const rows = m1 - m0;
  if (rows <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) {
      for (let i = m0; i < m1; i++) memory.fill(c + <usize>(i * ldc) * 4, 0, <usize>n * 4);
    }
    return;
  }
  if (rows <= SMALL_M && aCol == 1 && (bCol == 1 || bRow == 1)) {
    smallM(m0, m1, n, k, a, aRow, b, bRow, bCol, c, ldc, accumulate);
    return;
  }
  gemmBlocked(m0, m1, n, k, a, aRow, aCol, b, bRow, bCol, c, ldc, accumulate, scratch, packA_);
}

/**
 * Packs rows [i0, i0+mc) × depth [p0, p0+kc) of A into MR×kc depth-major panels at `out`
 * (rows past mc zero): `packA_` for a strided A; the convolution passes one that reads im2col
 * rows straight from an NHWC image (`aRow`, `aCol` are then unused).
 */
export type PackA = (a: usize, aRow: i32, aCol: i32, i0: i32, mc: i32, p0: i32, kc: i32, out: usize) => void;

/**
 * The blocked product behind `sgemm` (rows [m0, m1), k ≥ 1), with A packed by `pack`. Not a
 * binary export (assembly/index.ts lists matmul's); the packer is a constant at each call, which
 * the optimizer turns into a direct call.
 */
export function gemmBlocked(
  m0: i32,
  m1: i32,
  n: i32,
  k: i32,
  a: usize,
  aRow: i32,
  aCol: i32,
  b: usize,
  bRow: i32,
  bCol: i32,
  c: usize,
  ldc: i32,
  accumulate: i32,
  scratch: usize,
  pack: PackA,
): void {
  const rows = m1 - m0;
  const kcMax = min(k, KC);
  const ncMax = ((min(n, NC) + NR - 1) / NR) * NR;
  const mcMax = ((min(rows, MC) + MR - 1) / MR) * MR;
  const packA = scratch;
  const packB = packA + <usize>(mcMax * kcMax) * 4;
  const tile = packB + <usize>(kcMax * ncMax) * 4;
  // Equal depth blocks (k = 288 gives 144 + 144, not 256 + 32): a short block would pay the
  // C loads and stores of a whole pass for little work.
  const kBlocks = (k + KC - 1) / KC;
  const kcEven = (k + kBlocks - 1) / kBlocks;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += kcEven) {
      const kc = min(kcEven, k - p0);
      const acc = p0 > 0 || accumulate != 0;
      packB_(b, bRow, bCol, p0, kc, j0, nc, packB);
      for (let i0 = m0; i0 < m1; i0 += MC) {
        const mc = min(MC, m1 - i0);
        pack(a, aRow, aCol, i0, mc, p0, kc, packA);
        for (let j = 0; j < nc; j += NR) {
          const nr = min(NR, nc - j);
          const pb = packB + <usize>(j * kc) * 4;
          for (let i = 0; i < mc; i += MR) {
            const mr = min(MR, mc - i);
            const pa = packA + <usize>(i * kc) * 4;
            const co = c + (<usize>(i0 + i) * <usize>ldc + <usize>(j0 + j)) * 4;
            if (mr == MR && nr == NR) {
              micro4x8(pa, pb, kc, co, ldc, acc);
            } else {
              micro4x8(pa, pb, kc, tile, NR, false);
              edge(tile, co, ldc, mr, nr, acc);
            }
          }
        }
      }
    }
  }
}

/** Writes (or adds) the valid mr×nr part of an edge tile into C. */
function edge(tile: usize, c: usize, ldc: i32, mr: i32, nr: i32, acc: bool): void {
  for (let r = 0; r < mr; r++) {
    const row = c + <usize>(r * ldc) * 4;
    const t = tile + <usize>(r * NR) * 4;
    for (let q = 0; q < nr; q++) {
      const at = row + <usize>q * 4;
      const v = load<f32>(t + <usize>q * 4);
      store<f32>(at, acc ? load<f32>(at) + v : v);
    }
  }
}

/**
 * The 4×8 register tile: C[r, q] (+)= Σ_p pa[4p + r] · pb[8p + q]. Two B vectors and one
 * splatted A value per step feed eight accumulators with `madd` (FMA in the relaxed builds).
 */
// @ts-ignore: decorator
@inline
function micro4x8(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, acc: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  // No unrolling: V8 hoists every load of an unrolled body to its top, and 20 live vectors
  // spill accumulators to the stack on x64's 16 registers; one step (8 accumulators, 2 B
  // vectors, 4 splats) fits, and measured 15% faster with mul + add, 70% with FMA.
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  const row = <usize>ldc * 4;
  if (acc) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + row));
    c11 = f32x4.add(c11, v128.load(c + row, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * row));
    c21 = f32x4.add(c21, v128.load(c + 2 * row, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * row));
    c31 = f32x4.add(c31, v128.load(c + 3 * row, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + row, c10);
  v128.store(c + row, c11, 16);
  v128.store(c + 2 * row, c20);
  v128.store(c + 2 * row, c21, 16);
  v128.store(c + 3 * row, c30);
  v128.store(c + 3 * row, c31, 16);
}

/**
 * Packs rows [i0, i0+mc) × depth [p0, p0+kc) of A as consecutive MR×kc panels, depth-major
 * (the MR values of one depth step adjacent); rows past mc are zero.
 */
function packA_(a: usize, aRow: i32, aCol: i32, i0: i32, mc: i32, p0: i32, kc: i32, out: usize): void {
  for (let i = 0; i < mc; i += MR) {
    const rowsHere = min(MR, mc - i);
    const base = a + (<usize>(i0 + i) * <usize>aRow + <usize>p0 * <usize>aCol) * 4;
    if (rowsHere == MR && aCol == 1) {
      // Row-major A: transpose 4×4 blocks so each depth step's four rows sit together.
      const r1 = <usize>aRow * 4;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const src = base + <usize>p * 4;
        const x0 = v128.load(src);
        const x1 = v128.load(src + r1);
        const x2 = v128.load(src + 2 * r1);
        const x3 = v128.load(src + 3 * r1);
        const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
        v128.store(out, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(out, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
        v128.store(out, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
        v128.store(out, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
        out += 64;
      }
      for (; p < kc; p++) {
        const src = base + <usize>p * 4;
        store<f32>(out, load<f32>(src));
        store<f32>(out, load<f32>(src + r1), 4);
        store<f32>(out, load<f32>(src + 2 * r1), 8);
        store<f32>(out, load<f32>(src + 3 * r1), 12);
        out += 16;
      }
    } else if (rowsHere == MR && aRow == 1) {
      // Transposed A: the four rows of one depth step are already adjacent.
      const step = <usize>aCol * 4;
      let src = base;
      for (let p = 0; p < kc; p++) {
        v128.store(out, v128.load(src));
        src += step;
        out += 16;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = base + <usize>p * <usize>aCol * 4;
        for (let r = 0; r < MR; r++) {
          store<f32>(out, r < rowsHere ? load<f32>(src + <usize>r * <usize>aRow * 4) : 0);
          out += 4;
        }
      }
    }
  }
}

/**
 * Packs depth [p0, p0+kc) × columns [j0, j0+nc) of B as consecutive kc×NR panels,
 * depth-major (the NR values of one depth step adjacent); columns past nc are zero.
 */
function packB_(b: usize, bRow: i32, bCol: i32, p0: i32, kc: i32, j0: i32, nc: i32, out: usize): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    const base = b + (<usize>p0 * <usize>bRow + <usize>(j0 + j) * <usize>bCol) * 4;
    if (cols == NR && bCol == 1) {
      const step = <usize>bRow * 4;
      let src = base;
      for (let p = 0; p < kc; p++) {
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        src += step;
        out += 32;
      }
    } else if (cols == NR && bRow == 1) {
      // Transposed B: each column runs along the depth; transpose 4×4 blocks of two column groups.
      const c1 = <usize>bCol * 4;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        for (let half = 0; half < 2; half++) {
          const src = base + <usize>p * 4 + <usize>(half * 4) * c1;
          const x0 = v128.load(src);
          const x1 = v128.load(src + c1);
          const x2 = v128.load(src + 2 * c1);
          const x3 = v128.load(src + 3 * c1);
          const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
          const dst = out + <usize>(half * 16);
          v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
          v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
          v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
        }
        out += 128;
      }
      for (; p < kc; p++) {
        const src = base + <usize>p * 4;
        for (let q = 0; q < NR; q++) {
          store<f32>(out, load<f32>(src + <usize>q * c1));
          out += 4;
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = base + <usize>p * <usize>bRow * 4;
        for (let q = 0; q < NR; q++) {
          store<f32>(out, q < cols ? load<f32>(src + <usize>q * <usize>bCol * 4) : 0);
          out += 4;
        }
      }
    }
  }
}

/**
 * Up to four rows without packing (row-major A): each B row (or Bᵀ row) is read once and
 * used by every row of A, which is what a memory-bound GEMV wants.
 */
function smallM(
  m0: i32,
  m1: i32,
  n: i32,
  k: i32,
  a: usize,
  aRow: i32,
  b: usize,
  bRow: i32,
  bCol: i32,
  c: usize,
  ldc: i32,
  accumulate: i32,
): void {
  const rows = m1 - m0;
  if (rows == 1 && bCol == 1) {
    gemv(n, k, a + <usize>m0 * <usize>aRow * 4, b, bRow, c + <usize>m0 * <usize>ldc * 4, accumulate);
    return;
  }
  const aStep = <usize>aRow * 4;
  const cStep = <usize>ldc * 4;
  // Clamp unused row pointers onto the last real row: they compute duplicates, never stored.
  const a0 = a + <usize>m0 * aStep;
  const a1 = a0 + <usize>min(1, rows - 1) * aStep;
  const a2 = a0 + <usize>min(2, rows - 1) * aStep;
  const a3 = a0 + <usize>min(3, rows - 1) * aStep;
  const c0 = c + <usize>m0 * cStep;
  if (bCol == 1) {
    const bStep = <usize>bRow * 4;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      let s00 = f32x4.splat(0);
      let s01 = f32x4.splat(0);
      let s10 = f32x4.splat(0);
      let s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0);
      let s21 = f32x4.splat(0);
      let s30 = f32x4.splat(0);
      let s31 = f32x4.splat(0);
      let bp = b + <usize>j * 4;
      for (let p = 0; p < k; p++) {
        const off = <usize>p * 4;
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        let x = v128.load32_splat(a0 + off);
        s00 = madd(x, b0, s00);
        s01 = madd(x, b1, s01);
        x = v128.load32_splat(a1 + off);
        s10 = madd(x, b0, s10);
        s11 = madd(x, b1, s11);
        x = v128.load32_splat(a2 + off);
        s20 = madd(x, b0, s20);
        s21 = madd(x, b1, s21);
        x = v128.load32_splat(a3 + off);
        s30 = madd(x, b0, s30);
        s31 = madd(x, b1, s31);
        bp += bStep;
      }
      const cj = c0 + <usize>j * 4;
      storeRow(cj, s00, s01, accumulate);
      if (rows > 1) storeRow(cj + cStep, s10, s11, accumulate);
      if (rows > 2) storeRow(cj + 2 * cStep, s20, s21, accumulate);
      if (rows > 3) storeRow(cj + 3 * cStep, s30, s31, accumulate);
    }
    for (; j < n; j++) {
      for (let r = 0; r < rows; r++) {
        const ar = a0 + <usize>r * aStep;
        let s: f32 = 0;
        let bp = b + <usize>j * 4;
        for (let p = 0; p < k; p++) {
          s += load<f32>(ar + <usize>p * 4) * load<f32>(bp);
          bp += bStep;
        }
        const at = c0 + <usize>r * cStep + <usize>j * 4;
        store<f32>(at, accumulate ? load<f32>(at) + s : s);
      }
    }
    return;
  }
  // bRow == 1: column j of B is contiguous along the depth, so each C entry is a dot product.
  const colStep = <usize>bCol * 4;
  for (let j = 0; j < n; j++) {
    const bj = b + <usize>j * colStep;
    for (let r = 0; r < rows; r++) {
      const ar = a0 + <usize>r * aStep;
      const s = dot(ar, bj, k);
      const at = c0 + <usize>r * cStep + <usize>j * 4;
      store<f32>(at, accumulate ? load<f32>(at) + s : s);
    }
  }
}

/**
 * One row: c[j] (+)= Σ_p a[p]·B[p, j] with B rows contiguous. 32 columns at a time, so eight
 * independent accumulators hide the latency of the adds.
 */
function gemv(n: i32, k: i32, a: usize, b: usize, bRow: i32, c: usize, accumulate: i32): void {
  // Sums in the same order as below, so a column split (threads) gives the same bits; with
  // `accumulate` the loop below adds C once at the end, which the streaming form would not.
  if (n >= 64 && !accumulate) {
    gemvRows(n, k, a, b, bRow, c);
    return;
  }
  const bStep = <usize>bRow * 4;
  let j = 0;
  for (; j + 32 <= n; j += 32) {
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    let s4 = f32x4.splat(0);
    let s5 = f32x4.splat(0);
    let s6 = f32x4.splat(0);
    let s7 = f32x4.splat(0);
    let bp = b + <usize>j * 4;
    for (let p = 0; p < k; p++) {
      const x = v128.load32_splat(a + <usize>p * 4);
      s0 = madd(x, v128.load(bp), s0);
      s1 = madd(x, v128.load(bp, 16), s1);
      s2 = madd(x, v128.load(bp, 32), s2);
      s3 = madd(x, v128.load(bp, 48), s3);
      s4 = madd(x, v128.load(bp, 64), s4);
      s5 = madd(x, v128.load(bp, 80), s5);
      s6 = madd(x, v128.load(bp, 96), s6);
      s7 = madd(x, v128.load(bp, 112), s7);
      bp += bStep;
    }
    const cj = c + <usize>j * 4;
    storeRow(cj, s0, s1, accumulate);
    storeRow(cj + 32, s2, s3, accumulate);
    storeRow(cj + 64, s4, s5, accumulate);
    storeRow(cj + 96, s6, s7, accumulate);
  }
  for (; j + 4 <= n; j += 4) {
    let s0 = f32x4.splat(0);
    let bp = b + <usize>j * 4;
    for (let p = 0; p < k; p++) {
      s0 = madd(v128.load32_splat(a + <usize>p * 4), v128.load(bp), s0);
      bp += bStep;
    }
    const cj = c + <usize>j * 4;
    if (accumulate) s0 = f32x4.add(s0, v128.load(cj));
    v128.store(cj, s0);
  }
  for (; j < n; j++) {
    let s: f32 = 0;
    let bp = b + <usize>j * 4;
    for (let p = 0; p < k; p++) {
      s += load<f32>(a + <usize>p * 4) * load<f32>(bp);
      bp += bStep;
    }
    const at = c + <usize>j * 4;
    store<f32>(at, accumulate ? load<f32>(at) + s : s);
  }
}

/**
 * The GEMV of a wide B: four rows of B at a time streamed front to back into the C row, which
 * stays in L1, so B is read as four sequential streams (what the prefetchers follow) instead of
 * a short run per row (about 10% faster at 784×256 here). Each column still sums its depth in
 * order from zero, as `gemv` does.
 */
function gemvRows(n: i32, k: i32, a: usize, b: usize, bRow: i32, c: usize): void {
  const bStep = <usize>bRow * 4;
  memory.fill(c, 0, <usize>n * 4);
  let p = 0;
  for (; p + 4 <= k; p += 4) {
    const ap = a + <usize>p * 4;
    const x0 = v128.load32_splat(ap);
    const x1 = v128.load32_splat(ap, 4);
    const x2 = v128.load32_splat(ap, 8);
    const x3 = v128.load32_splat(ap, 12);
    const r0 = b + <usize>p * bStep;
    const r1 = r0 + bStep;
    const r2 = r1 + bStep;
    const r3 = r2 + bStep;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const off = <usize>j * 4;
      let s = v128.load(c + off);
      let t = v128.load(c + off, 16);
      s = madd(x0, v128.load(r0 + off), s);
      t = madd(x0, v128.load(r0 + off, 16), t);
      s = madd(x1, v128.load(r1 + off), s);
      t = madd(x1, v128.load(r1 + off, 16), t);
      s = madd(x2, v128.load(r2 + off), s);
      t = madd(x2, v128.load(r2 + off, 16), t);
      s = madd(x3, v128.load(r3 + off), s);
      t = madd(x3, v128.load(r3 + off, 16), t);
      v128.store(c + off, s);
      v128.store(c + off, t, 16);
    }
    for (; j < n; j++) {
      const off = <usize>j * 4;
      let s = load<f32>(c + off);
      s += load<f32>(ap) * load<f32>(r0 + off);
      s += load<f32>(ap, 4) * load<f32>(r1 + off);
      s += load<f32>(ap, 8) * load<f32>(r2 + off);
      s += load<f32>(ap, 12) * load<f32>(r3 + off);
      store<f32>(c + off, s);
    }
  }
  for (; p < k; p++) {
    const x = v128.load32_splat(a + <usize>p * 4);
    const r = b + <usize>p * bStep;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j * 4;
      v128.store(c + off, madd(x, v128.load(r + off), v128.load(c + off)));
    }
    for (; j < n; j++) {
      const off = <usize>j * 4;
      store<f32>(c + off, load<f32>(c + off) + load<f32>(a + <usize>p * 4) * load<f32>(r + off));
    }
  }
}

/** Stores (or adds) eight floats of one C row. */
// @ts-ignore: decorator
@inline
function storeRow(at: usize, lo: v128, hi: v128, accumulate: i32): void {
  if (accumulate) {
    lo = f32x4.add(lo, v128.load(at));
    hi = f32x4.add(hi, v128.load(at, 16));
  }
  v128.store(at, lo);
  v128.store(at, hi, 16);
}

/** Σ_p x[p]·y[p] over k contiguous floats, four partial sums of four lanes. */
function dot(x: usize, y: usize, k: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let p = 0;
  for (; p + 8 <= k; p += 8) {
    const off = <usize>p * 4;
    s0 = madd(v128.load(x + off), v128.load(y + off), s0);
    s1 = madd(v128.load(x + off, 16), v128.load(y + off, 16), s1);
  }
  s0 = f32x4.add(s0, s1);
  let s = f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 1);
  s += f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s0, 3);
  for (; p < k; p++) s += load<f32>(x + <usize>p * 4) * load<f32>(y + <usize>p * 4);
  return s;
}

/**
 * Int32 matmul, exact with wrap-around: C[i, j] = Σ_p A[i, p] · B[p, j] for rows [m0, m1),
 * same strided views as `sgemm`. A plain loop: int32 matmul is rare and small.
 */
export function igemm(
  m0: i32,
  m1: i32,
  n: i32,
  k: i32,
  a: usize,
  aRow: i32,
  aCol: i32,
  b: usize,
  bRow: i32,
  bCol: i32,
  c: usize,
  ldc: i32,
): void {
  for (let i = m0; i < m1; i++) {
    for (let j = 0; j < n; j++) {
      let s: i32 = 0;
      for (let p = 0; p < k; p++) {
        const x = load<i32>(a + (<usize>i * <usize>aRow + <usize>p * <usize>aCol) * 4);
        const y = load<i32>(b + (<usize>p * <usize>bRow + <usize>j * <usize>bCol) * 4);
        s += x * y;
      }
      store<i32>(c + (<usize>i * <usize>ldc + <usize>j) * 4, s);
    }
  }
}
