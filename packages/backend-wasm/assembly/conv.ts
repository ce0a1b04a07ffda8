// conv2d and its two backward kernels (NHWC, filter [fh, fw, C/g, outC]) over the SIMD GEMM.
// Per group g, with col = im2col(x) of shape [rows, KK] (rows = images·outH·outW, KK = fh·fw·C/g):
//   y_g = col · W_g,   dcol = dy_g · W_gᵀ then dx = col2im(dcol),   dW_g = colᵀ · dy_g.
// Images go in chunks of `chunk` so the col buffer in scratch stays bounded; each call covers
// images [n0, n1) so threads can split a batch. Depthwise convolutions (one input channel per
// group) skip the GEMM for a direct loop with channels innermost, four lanes at a time.
// Geometry comes as a block of int32s at `geo`, laid out by the CONV_* indices of src/abi.ts.

import {
  CONV_C,
  CONV_DH,
  CONV_DW,
  CONV_FH,
  CONV_FW,
  CONV_GROUPS,
  CONV_H,
  CONV_LEFT,
  CONV_N,
  CONV_OUT_C,
  CONV_OUT_H,
  CONV_OUT_W,
  CONV_SH,
  CONV_SW,
  CONV_TOP,
  CONV_W,
} from '../src/abi';
import { param } from './common';
import { sgemm, sgemmScratchBytes } from './matmul';

// The geometry of the current call, as module globals: the runtime is the stub (no allocation),
// and globals are per instance, so each worker thread keeps its own.
let gN: i32 = 0;
let gH: i32 = 0;
let gW: i32 = 0;
let gC: i32 = 0;
let gFh: i32 = 0;
let gFw: i32 = 0;
let gOutH: i32 = 0;
let gOutW: i32 = 0;
let gOutC: i32 = 0;
let gGroups: i32 = 0;
let gSh: i32 = 0;
let gSw: i32 = 0;
let gDh: i32 = 0;
let gDw: i32 = 0;
let gTop: i32 = 0;
let gLeft: i32 = 0;
let gCg: i32 = 0;
let gOg: i32 = 0;
let gP: i32 = 0;
let gKk: i32 = 0;
/** 1×1 filter, stride 1, no padding: col is x itself. */
let gPointwise = false;
/** One input channel per group (and more than one group). */
let gDepthwise = false;

function readGeo(geo: usize): void {
  gN = param(geo, CONV_N);
  gH = param(geo, CONV_H);
  gW = param(geo, CONV_W);
  gC = param(geo, CONV_C);
  gFh = param(geo, CONV_FH);
  gFw = param(geo, CONV_FW);
  gOutH = param(geo, CONV_OUT_H);
  gOutW = param(geo, CONV_OUT_W);
  gOutC = param(geo, CONV_OUT_C);
  gGroups = param(geo, CONV_GROUPS);
  gSh = param(geo, CONV_SH);
  gSw = param(geo, CONV_SW);
  gDh = param(geo, CONV_DH);
  gDw = param(geo, CONV_DW);
  gTop = param(geo, CONV_TOP);
  gLeft = param(geo, CONV_LEFT);
  gCg = gC / gGroups;
  gOg = gOutC / gGroups;
  gP = gOutH * gOutW;
  gKk = gFh * gFw * gCg;
  gPointwise =
    gFh == 1 && gFw == 1 && gSh == 1 && gSw == 1 && gTop == 0 && gLeft == 0 && gOutH == gH && gOutW == gW;
  gDepthwise = gCg == 1 && gGroups > 1;
}

/**
 * Scratch bytes the three conv kernels need for chunks of `chunk` images: the col buffer
 * plus the GEMM's packing space.
 */
export function convScratchBytes(geo: usize, chunk: i32): usize {
  readGeo(geo);
  if (gDepthwise) return 0;
  const rows = chunk * gP;
  const colBytes: usize = gPointwise ? <usize>0 : <usize>rows * <usize>gKk * 4;
  let gemm: usize = sgemmScratchBytes(rows, gOg, gKk);
  gemm = max(gemm, sgemmScratchBytes(rows, gKk, gOg));
  gemm = max(gemm, sgemmScratchBytes(gKk, gOg, rows));
  return ((colBytes + 15) & ~15) + gemm;
}

/**
 * Writes im2col rows for images [n0, n0+count) of `group` at `col`:
 * col[(img·P + oy·outW + ox)·KK + (ky·fw + kx)·cg + ci] = x[img, iy, ix, group·cg + ci], 0 if padded.
 */
function im2col(x: usize, group: i32, n0: i32, count: i32, col: usize): void {
  const run = <usize>gCg * 4;
  let o = col;
  for (let img = n0; img < n0 + count; img++) {
    for (let oy = 0; oy < gOutH; oy++) {
      for (let ox = 0; ox < gOutW; ox++) {
        for (let ky = 0; ky < gFh; ky++) {
          const iy = oy * gSh - gTop + ky * gDh;
          for (let kx = 0; kx < gFw; kx++) {
            const ix = ox * gSw - gLeft + kx * gDw;
            if (iy < 0 || iy >= gH || ix < 0 || ix >= gW) {
              memory.fill(o, 0, run);
            } else {
              const src = x + (<usize>((img * gH + iy) * gW + ix) * <usize>gC + <usize>(group * gCg)) * 4;
              copy(o, src, run);
            }
            o += run;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: adds each col entry back into the input position it was read from. */
function col2im(col: usize, group: i32, n0: i32, count: i32, dx: usize): void {
  const run = <usize>gCg * 4;
  let o = col;
  for (let img = n0; img < n0 + count; img++) {
    for (let oy = 0; oy < gOutH; oy++) {
      for (let ox = 0; ox < gOutW; ox++) {
        for (let ky = 0; ky < gFh; ky++) {
          const iy = oy * gSh - gTop + ky * gDh;
          for (let kx = 0; kx < gFw; kx++) {
            const ix = ox * gSw - gLeft + kx * gDw;
            if (iy >= 0 && iy < gH && ix >= 0 && ix < gW) {
              const dst = dx + (<usize>((img * gH + iy) * gW + ix) * <usize>gC + <usize>(group * gCg)) * 4;
              addInto(dst, o, run);
            }
            o += run;
          }
        }
      }
    }
  }
}

/** Copies `bytes` (a multiple of 4) from src to dst, 16 bytes at a time. */
// @ts-ignore: decorator
@inline
function copy(dst: usize, src: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(src + i));
}

/** dst[i] += src[i] over `bytes` (a multiple of 4). */
// @ts-ignore: decorator
@inline
function addInto(dst: usize, src: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, f32x4.add(v128.load(dst + i), v128.load(src + i)));
  for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(dst + i) + load<f32>(src + i));
}

/**
 * y[n, oy, ox, o] = Σ x[n, oy·sh − top + ky·dh, ox·sw − left + kx·dw, ci] · f[ky, kx, ci, o]
 * for images [n0, n1). `scratch` holds `convScratchBytes(geo, chunk)` bytes.
 */
export function conv2dForward(
  x: usize,
  f: usize,
  y: usize,
  geo: usize,
  n0: i32,
  n1: i32,
  chunk: i32,
  scratch: usize,
): void {
  readGeo(geo);
  if (gDepthwise) {
    const imageBytes = <usize>gP * <usize>gOutC * 4;
    memory.fill(y + <usize>n0 * imageBytes, 0, <usize>(n1 - n0) * imageBytes);
    depthwise(0, x, f, y, n0, n1);
    return;
  }
  const colBytes: usize = gPointwise ? <usize>0 : (<usize>chunk * <usize>gP * <usize>gKk * 4 + 15) & ~15;
  const gemmScratch = scratch + colBytes;
  for (let group = 0; group < gGroups; group++) {
    // W_g: row kk, column o is filter[kk·outC + group·og + o].
    const wg = f + <usize>(group * gOg) * 4;
    for (let i0 = n0; i0 < n1; i0 += chunk) {
      const count = min(chunk, n1 - i0);
      const rows = count * gP;
      const yg = y + (<usize>i0 * <usize>gP * <usize>gOutC + <usize>(group * gOg)) * 4;
      if (gPointwise) {
        const xg = x + (<usize>i0 * <usize>gP * <usize>gC + <usize>(group * gCg)) * 4;
        sgemm(0, rows, gOg, gKk, xg, gC, 1, wg, gOutC, 1, yg, gOutC, 0, gemmScratch);
        continue;
      }
      im2col(x, group, i0, count, scratch);
      sgemm(0, rows, gOg, gKk, scratch, gKk, 1, wg, gOutC, 1, yg, gOutC, 0, gemmScratch);
    }
  }
}

/** dx = col2im(dy_g · W_gᵀ) per group, for images [n0, n1) of dx (x's shape). */
export function conv2dBackpropInput(
  dy: usize,
  f: usize,
  dx: usize,
  geo: usize,
  n0: i32,
  n1: i32,
  chunk: i32,
  scratch: usize,
): void {
  readGeo(geo);
  const imageBytes = <usize>gH * <usize>gW * <usize>gC * 4;
  if (!gPointwise || gDepthwise) memory.fill(dx + <usize>n0 * imageBytes, 0, <usize>(n1 - n0) * imageBytes);
  if (gDepthwise) {
    depthwise(1, dx, f, dy, n0, n1);
    return;
  }
  const colBytes: usize = gPointwise ? <usize>0 : (<usize>chunk * <usize>gP * <usize>gKk * 4 + 15) & ~15;
  const gemmScratch = scratch + colBytes;
  for (let group = 0; group < gGroups; group++) {
    // W_gᵀ: row o, column kk is filter[kk·outC + group·og + o].
    const wg = f + <usize>(group * gOg) * 4;
    for (let i0 = n0; i0 < n1; i0 += chunk) {
      const count = min(chunk, n1 - i0);
      const rows = count * gP;
      const dyg = dy + (<usize>i0 * <usize>gP * <usize>gOutC + <usize>(group * gOg)) * 4;
      if (gPointwise) {
        const dxg = dx + (<usize>i0 * <usize>gP * <usize>gC + <usize>(group * gCg)) * 4;
        sgemm(0, rows, gKk, gOg, dyg, gOutC, 1, wg, 1, gOutC, dxg, gC, 0, gemmScratch);
        continue;
      }
      sgemm(0, rows, gKk, gOg, dyg, gOutC, 1, wg, 1, gOutC, scratch, gKk, 0, gemmScratch);
      col2im(scratch, group, i0, count, dx);
    }
  }
}

/**
 * dW_g (+)= colᵀ · dy_g over images [n0, n1); dw has the filter's shape. Without `accumulate`
 * dw is overwritten (so a thread can start its own partial sum).
 */
export function conv2dBackpropFilter(
  x: usize,
  dy: usize,
  dw: usize,
  geo: usize,
  n0: i32,
  n1: i32,
  chunk: i32,
  scratch: usize,
  accumulate: i32,
): void {
  readGeo(geo);
  if (gDepthwise) {
    if (!accumulate) memory.fill(dw, 0, <usize>gFh * <usize>gFw * <usize>gOutC * 4);
    depthwise(2, x, dw, dy, n0, n1);
    return;
  }
  if (n1 <= n0) {
    if (!accumulate) memory.fill(dw, 0, <usize>gKk * <usize>gOutC * 4);
    return;
  }
  const colBytes: usize = gPointwise ? <usize>0 : (<usize>chunk * <usize>gP * <usize>gKk * 4 + 15) & ~15;
  const gemmScratch = scratch + colBytes;
  for (let group = 0; group < gGroups; group++) {
    const dwg = dw + <usize>(group * gOg) * 4;
    for (let i0 = n0; i0 < n1; i0 += chunk) {
      const count = min(chunk, n1 - i0);
      const rows = count * gP;
      const acc = i0 > n0 || accumulate != 0 ? 1 : 0;
      const dyg = dy + (<usize>i0 * <usize>gP * <usize>gOutC + <usize>(group * gOg)) * 4;
      if (gPointwise) {
        const xg = x + (<usize>i0 * <usize>gP * <usize>gC + <usize>(group * gCg)) * 4;
        sgemm(0, gKk, gOg, rows, xg, 1, gC, dyg, gOutC, 1, dwg, gOutC, acc, gemmScratch);
        continue;
      }
      im2col(x, group, i0, count, scratch);
      sgemm(0, gKk, gOg, rows, scratch, 1, gKk, dyg, gOutC, 1, dwg, gOutC, acc, gemmScratch);
    }
  }
}

/**
 * Depthwise convolution (cg = 1) by direct loops over (image, output position, tap); output
 * channel o reads input channel ⌊o / og⌋. Mode 0: y += x·f, 1: x += y·f (dx), 2: f += y·x (dW).
 * With one output per channel (og = 1) the channel loop runs four lanes at a time.
 */
function depthwise(mode: i32, x: usize, f: usize, y: usize, n0: i32, n1: i32): void {
  const outC = gOutC;
  const og = gOg;
  const h = gH;
  const w = gW;
  const c = gC;
  const outH = gOutH;
  const outW = gOutW;
  const fh = gFh;
  const fw = gFw;
  const vecEnd = og == 1 ? outC & ~3 : 0;
  for (let img = n0; img < n1; img++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const yBase = y + <usize>(((img * outH + oy) * outW + ox) * outC) * 4;
        for (let ky = 0; ky < fh; ky++) {
          const iy = oy * gSh - gTop + ky * gDh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < fw; kx++) {
            const ix = ox * gSw - gLeft + kx * gDw;
            if (ix < 0 || ix >= w) continue;
            const xBase = x + <usize>(((img * h + iy) * w + ix) * c) * 4;
            const fBase = f + <usize>((ky * fw + kx) * outC) * 4;
            let o = 0;
            for (; o < vecEnd; o += 4) {
              const off = <usize>o * 4;
              if (mode == 0) {
                const v = f32x4.mul(v128.load(xBase + off), v128.load(fBase + off));
                v128.store(yBase + off, f32x4.add(v128.load(yBase + off), v));
              } else if (mode == 1) {
                const v = f32x4.mul(v128.load(yBase + off), v128.load(fBase + off));
                v128.store(xBase + off, f32x4.add(v128.load(xBase + off), v));
              } else {
                const v = f32x4.mul(v128.load(yBase + off), v128.load(xBase + off));
                v128.store(fBase + off, f32x4.add(v128.load(fBase + off), v));
              }
            }
            for (; o < outC; o++) {
              const yi = yBase + <usize>o * 4;
              const xi = xBase + <usize>(o / og) * 4;
              const fi = fBase + <usize>o * 4;
              if (mode == 0) store<f32>(yi, load<f32>(yi) + load<f32>(xi) * load<f32>(fi));
              else if (mode == 1) store<f32>(xi, load<f32>(xi) + load<f32>(yi) * load<f32>(fi));
              else store<f32>(fi, load<f32>(fi) + load<f32>(yi) * load<f32>(xi));
            }
          }
        }
      }
    }
  }
}
