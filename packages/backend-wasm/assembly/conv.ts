// conv2d and its two backward kernels (NHWC, filter [fh, fw, C/g, outC]) over the SIMD GEMM.
// Per group g, with col = im2col(x) of shape [rows, KK] (rows = images·outH·outW, KK = fh·fw·C/g):
//   y_g = col · W_g,   dcol = dy_g · W_gᵀ then dx = col2im(dcol),   dW_g = colᵀ · dy_g.
// The forward pass never writes col: the GEMM packs its A panels straight from x (implicit
// GEMM, `packAIm2col`). The backward kernels materialise col (or dcol) for images in chunks of
// `chunk` so the buffer in scratch stays bounded; each call covers images [n0, n1) so threads
// can split a batch. Depthwise convolutions (one input channel per
// group) skip the GEMM for a direct loop with channels innermost, four lanes at a time.
// Geometry comes as a block of int32s at `geo`, laid out by the CONV_* indices of src/abi.ts.

import {
  ACTIVATION_LINEAR,
  CONV_ACT,
  CONV_BIAS,
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
import { addStore4, addStore8, madd, param, store8 } from './common';
import { biasActivationF32 } from './fused';
import { gemmBlocked, sgemm, sgemmScratchBytes } from './matmul';

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
/** The forward pass's epilogue: bias address (0: none) and activation code. */
let gBias: usize = 0;
let gAct: i32 = 0;

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
  gBias = <usize>(<u32>param(geo, CONV_BIAS));
  gAct = param(geo, CONV_ACT);
}

/** Bytes before the forward pass's GEMM scratch: the cg zeros padded taps read (none if pointwise). */
function zerosBytes(): usize {
  return gPointwise ? 0 : (<usize>gCg * 4 + 15) & ~15;
}

/** `forward` of `convScratchBytes` for the filter gradient without a col buffer. */
const CONV_SCRATCH_FILTER = 2;
/** Zeros at the start of the filter gradient's scratch: one v128 a padded tap reads. */
const ZEROS_BYTES: usize = 16;

/**
 * Scratch bytes a conv kernel needs for chunks of `chunk` images: for the forward pass
 * (`forward` 1) the GEMM's packing space and a row of zeros; for the filter gradient packed
 * straight from x (`forward` 2) the same for its product; for the backward kernels over im2col
 * (`forward` 0) the col buffer too.
 */
export function convScratchBytes(geo: usize, chunk: i32, forward: i32): usize {
  readGeo(geo);
  if (gDepthwise) return 0;
  const rows = chunk * gP;
  if (forward == CONV_SCRATCH_FILTER) {
    // A one-channel input needs none (singleChannelFilter).
    if (gC == 1) return 0;
    return ZEROS_BYTES + sgemmScratchBytes(gKk, gOg, rows);
  }
  if (forward) return zerosBytes() + sgemmScratchBytes(rows, gOg, gKk);
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

/** cg zeroed floats in scratch, read by padded taps while packing (set by conv2dForward). */
let gZeros: usize = 0;

/** Where tap (iy, ix) of an image starting at `image` reads its channels: zeros when padded. */
// @ts-ignore: decorator
@inline
function tap(image: usize, valid: bool, iy: i32, ix: i32): usize {
  if (!valid || iy < 0 || iy >= gH || ix < 0 || ix >= gW) return gZeros;
  return image + <usize>(iy * gW + ix) * <usize>gC * 4;
}

/**
 * The GEMM's A packer for the forward pass (`PackA` in matmul.ts): im2col rows [i0, i0+mc) ×
 * depth [p0, p0+kc) as 4-row depth-major panels (GEMM_MR = 4), read in place from the NHWC
 * batch at `a` (offset to the group's first channel). Row i is output pixel (img, oy, ox) with
 * i = (img·outH + oy)·outW + ox; depth p is tap (ky, kx) and channel ci with p = (ky·fw + kx)·cg + ci.
 * Each tap's channels are contiguous in x, so runs of four go through a 4×4 transpose.
 */
function packAIm2col(a: usize, aRow: i32, aCol: i32, i0: i32, mc: i32, p0: i32, kc: i32, out: usize): void {
  const imageBytes = <usize>gH * <usize>gW * <usize>gC * 4;
  for (let i = 0; i < mc; i += 4) {
    // Each row's image and the input position of its (0, 0) tap; rows past mc read zeros.
    let row = i0 + i;
    let img = row / gP;
    let pix = row - img * gP;
    const ok0 = i < mc;
    const im0 = a + <usize>img * imageBytes;
    const y0 = (pix / gOutW) * gSh - gTop;
    const x0 = (pix % gOutW) * gSw - gLeft;
    row++;
    img = row / gP;
    pix = row - img * gP;
    const ok1 = i + 1 < mc;
    const im1 = a + <usize>img * imageBytes;
    const y1 = (pix / gOutW) * gSh - gTop;
    const x1 = (pix % gOutW) * gSw - gLeft;
    row++;
    img = row / gP;
    pix = row - img * gP;
    const ok2 = i + 2 < mc;
    const im2 = a + <usize>img * imageBytes;
    const y2 = (pix / gOutW) * gSh - gTop;
    const x2 = (pix % gOutW) * gSw - gLeft;
    row++;
    img = row / gP;
    pix = row - img * gP;
    const ok3 = i + 3 < mc;
    const im3 = a + <usize>img * imageBytes;
    const y3 = (pix / gOutW) * gSh - gTop;
    const x3 = (pix % gOutW) * gSw - gLeft;
    const end = p0 + kc;
    let p = p0;
    let kyx = p / gCg;
    let ci = p - kyx * gCg;
    // One input channel, stride 1, four pixels of one output row: each tap's four values are
    // adjacent in x, one load where no padding is involved (the first layer of an image model).
    const adjacent = gC == 1 && gSw == 1 && ok3 && im0 == im3 && y0 == y3 && x3 == x0 + 3;
    while (p < end) {
      const ky = kyx / gFw;
      const dy = ky * gDh;
      const dx = (kyx - ky * gFw) * gDw;
      if (adjacent) {
        const iy = y0 + dy;
        const ix = x0 + dx;
        if (iy >= 0 && iy < gH && ix >= 0 && ix + 3 < gW) {
          v128.store(out, v128.load(im0 + <usize>(iy * gW + ix) * 4));
          out += 16;
          p++;
          kyx++;
          continue;
        }
      }
      const len = min(gCg - ci, end - p);
      const skip = <usize>ci * 4;
      const s0 = tap(im0, ok0, y0 + dy, x0 + dx) + skip;
      const s1 = tap(im1, ok1, y1 + dy, x1 + dx) + skip;
      const s2 = tap(im2, ok2, y2 + dy, x2 + dx) + skip;
      const s3 = tap(im3, ok3, y3 + dy, x3 + dx) + skip;
      let j = 0;
      for (; j + 4 <= len; j += 4) {
        const off = <usize>j * 4;
        const r0 = v128.load(s0 + off);
        const r1 = v128.load(s1 + off);
        const r2 = v128.load(s2 + off);
        const r3 = v128.load(s3 + off);
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        v128.store(out, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(out, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
        v128.store(out, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
        v128.store(out, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
        out += 64;
      }
      for (; j < len; j++) {
        const off = <usize>j * 4;
        store<f32>(out, load<f32>(s0 + off));
        store<f32>(out, load<f32>(s1 + off), 4);
        store<f32>(out, load<f32>(s2 + off), 8);
        store<f32>(out, load<f32>(s3 + off), 12);
        out += 16;
      }
      p += len;
      ci = 0;
      kyx++;
    }
  }
}

/**
 * y[n, oy, ox, o] = Σ x[n, oy·sh − top + ky·dh, ox·sw − left + kx·dw, ci] · f[ky, kx, ci, o]
 * for images [n0, n1), as implicit GEMM: no col buffer. `scratch` holds
 * `convScratchBytes(geo, chunk, 1)` bytes (its first cg floats are zeroed for padded taps).
 * Then, where the geometry asks for one, the epilogue y ← act(y + bias) over those images,
 * while their output is still in cache (fused.ts's `biasActivationF32`).
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
  forwardImages(x, f, y, n0, n1, chunk, scratch);
  if (gBias != 0 || gAct != ACTIVATION_LINEAR) {
    const at = y + <usize>n0 * <usize>gP * <usize>gOutC * 4;
    biasActivationF32(at, gBias, (n1 - n0) * gP, gOutC, gAct);
  }
}

/** `conv2dForward` without its epilogue (the geometry already read). */
function forwardImages(x: usize, f: usize, y: usize, n0: i32, n1: i32, chunk: i32, scratch: usize): void {
  if (gDepthwise) {
    const imageBytes = <usize>gP * <usize>gOutC * 4;
    memory.fill(y + <usize>n0 * imageBytes, 0, <usize>(n1 - n0) * imageBytes);
    depthwise(0, x, f, y, n0, n1);
    return;
  }
  if (gC == 1 && !gPointwise) {
    singleChannelForward(x, f, y, n0, n1);
    return;
  }
  const gemmScratch = scratch + zerosBytes();
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
      // Rows are absolute pixel indices from image 0, so C and A start at the group's channel;
      // a chunk's rows stay within the packing space scratch was sized for.
      memory.fill(scratch, 0, <usize>gCg * 4);
      gZeros = scratch;
      const xg = x + <usize>(group * gCg) * 4;
      const y0 = y + <usize>(group * gOg) * 4;
      gemmBlocked(i0 * gP, i0 * gP + rows, gOg, gKk, xg, 0, 0, wg, gOutC, 1, y0, gOutC, 0, gemmScratch, packAIm2col);
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

/** The first image of the chunk `packAIm2colT` packs from (set by conv2dBackpropFilterDirect). */
let gBase: i32 = 0;

/**
 * The GEMM's A packer for the filter gradient (`PackA` in matmul.ts): colᵀ rows [i0, i0+mc) ×
 * depth [p0, p0+kc) as 4-row depth-major panels (GEMM_MR = 4), read in place from the NHWC batch
 * at `a` (offset to the group's first channel). Row r is im2col column r: tap (ky, kx) and
 * channel ci with r = (ky·fw + kx)·cg + ci; depth p is output pixel p of the chunk starting at
 * image gBase. Four rows of one tap are four adjacent channels of x: one load per pixel.
 */
function packAIm2colT(a: usize, aRow: i32, aCol: i32, i0: i32, mc: i32, p0: i32, kc: i32, out: usize): void {
  const imageBytes = <usize>gH * <usize>gW * <usize>gC * 4;
  for (let i = 0; i < mc; i += 4) {
    const r = i0 + i;
    const kyx = r / gCg;
    const ci = r - kyx * gCg;
    // Where pixel p0 of the chunk is: image, output row and column, walked along the depth.
    const first = gBase + p0 / gP;
    const firstPix = p0 % gP;
    if (i + 4 <= mc && ci + 4 <= gCg) {
      const ky = kyx / gFw;
      const offY = ky * gDh - gTop;
      const offX = (kyx - ky * gFw) * gDw - gLeft;
      let img = first;
      let oy = firstPix / gOutW;
      let ox = firstPix - oy * gOutW;
      const skip = <usize>ci * 4;
      for (let q = 0; q < kc; q++) {
        const iy = oy * gSh + offY;
        const ix = ox * gSw + offX;
        let src = gZeros;
        if (iy >= 0 && iy < gH && ix >= 0 && ix < gW) {
          src = a + <usize>img * imageBytes + <usize>(iy * gW + ix) * <usize>gC * 4 + skip;
        }
        v128.store(out, v128.load(src));
        out += 16;
        if (++ox == gOutW) {
          ox = 0;
          if (++oy == gOutH) {
            oy = 0;
            img++;
          }
        }
      }
      continue;
    }
    // Rows that cross a tap (fewer than four channels per group) or pass mc: one value at a time.
    for (let k = 0; k < 4; k++) {
      const rr = r + k;
      let o = out + <usize>k * 4;
      if (i + k >= mc) {
        for (let q = 0; q < kc; q++) {
          store<f32>(o, 0);
          o += 16;
        }
        continue;
      }
      const t = rr / gCg;
      const c = rr - t * gCg;
      const ky = t / gFw;
      const offY = ky * gDh - gTop;
      const offX = (t - ky * gFw) * gDw - gLeft;
      let img = first;
      let oy = firstPix / gOutW;
      let ox = firstPix - oy * gOutW;
      for (let q = 0; q < kc; q++) {
        const iy = oy * gSh + offY;
        const ix = ox * gSw + offX;
        let v: f32 = 0;
        if (iy >= 0 && iy < gH && ix >= 0 && ix < gW) {
          v = load<f32>(a + <usize>img * imageBytes + (<usize>(iy * gW + ix) * <usize>gC + <usize>c) * 4);
        }
        store<f32>(o, v);
        o += 16;
        if (++ox == gOutW) {
          ox = 0;
          if (++oy == gOutH) {
            oy = 0;
            img++;
          }
        }
      }
    }
    out += <usize>kc * 16;
  }
}

/**
 * dW_g (+)= colᵀ · dy_g over images [n0, n1) as implicit GEMM: the GEMM packs colᵀ straight
 * from x (`packAIm2colT`), so there is no col buffer and the images need no chunks. The same
 * values reach the same product as in `conv2dBackpropFilter`, so the result is the same bits
 * (for one chunk). `scratch` holds `convScratchBytes(geo, n1 − n0, 2)` bytes.
 */
export function conv2dBackpropFilterDirect(
  x: usize,
  dy: usize,
  dw: usize,
  geo: usize,
  n0: i32,
  n1: i32,
  scratch: usize,
  accumulate: i32,
): void {
  readGeo(geo);
  if (n1 <= n0) {
    if (!accumulate) memory.fill(dw, 0, <usize>gKk * <usize>gOutC * 4);
    return;
  }
  if (gC == 1) {
    singleChannelFilter(x, dy, dw, n0, n1, accumulate);
    return;
  }
  memory.fill(scratch, 0, ZEROS_BYTES);
  gZeros = scratch;
  gBase = n0;
  const rows = (n1 - n0) * gP;
  for (let group = 0; group < gGroups; group++) {
    const xg = x + <usize>(group * gCg) * 4;
    const dyg = dy + (<usize>n0 * <usize>gP * <usize>gOutC + <usize>(group * gOg)) * 4;
    const dwg = dw + <usize>(group * gOg) * 4;
    gemmBlocked(0, gKk, gOg, rows, xg, 0, 0, dyg, gOutC, 1, dwg, gOutC, accumulate, scratch + ZEROS_BYTES, packAIm2colT);
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

/** The input value a tap reads for a one-channel image (0 where it falls in the padding). */
// @ts-ignore: decorator
@inline
function pixel(image: usize, iy: i32, ix: i32, inside: bool): f32 {
  if (!inside && (iy < 0 || iy >= gH || ix < 0 || ix >= gW)) return 0;
  return load<f32>(image + <usize>(iy * gW + ix) * 4);
}

/**
 * The forward pass of a one-channel input (a grayscale image model's first layer), directly:
 * each output pixel's channels in registers, 32 at a time (or two neighbouring pixels' 16 at a
 * time, where both windows lie in the image and the channels come in sixteens), over the fh·fw
 * taps. The GEMM would
 * run a depth of only fh·fw per tile. Taps are summed in the GEMM's order from zero and a padded
 * tap adds 0·w, so the values are the implicit GEMM's.
 */
function singleChannelForward(x: usize, f: usize, y: usize, n0: i32, n1: i32): void {
  const oc = gOutC;
  const tapBytes = <usize>oc * 4;
  // The geometry in locals, and a window wholly in the image read by pointer steps: per tap
  // one splat load, eight multiply-adds, no bounds checks and no global reads (1.61 → 1.36 ms
  // over [64, 28, 28, 1] ⋆ [3, 3, 1, 32] here).
  const fh = gFh;
  const fw = gFw;
  const rowStep = <usize>(gDh * gW) * 4;
  const colStep = <usize>gDw * 4;
  // Two neighbouring windows at once, 16 channels at a time, where both lie in the image: each
  // filter load serves two pixels (per tap two splats and four loads for eight multiply-adds,
  // against one splat and eight loads for one pixel's 32 channels), with the same sums.
  const pairs = oc % 16 == 0;
  const pairStep = <usize>gSw * 4;
  const lastLeft = gW - 1 - (gFw - 1) * gDw;
  let out = y + <usize>n0 * <usize>gP * <usize>oc * 4;
  for (let img = n0; img < n1; img++) {
    const image = x + <usize>img * <usize>(gH * gW) * 4;
    for (let oy = 0; oy < gOutH; oy++) {
      const y0 = oy * gSh - gTop;
      const rowInside = y0 >= 0 && y0 + (gFh - 1) * gDh < gH;
      for (let ox = 0; ox < gOutW; ox++) {
        const x0 = ox * gSw - gLeft;
        // A window wholly in the image reads without bounds checks.
        const inside = rowInside && x0 >= 0 && x0 + (gFw - 1) * gDw < gW;
        if (inside && pairs && ox + 1 < gOutW && x0 + gSw <= lastLeft) {
          const origin = image + <usize>(y0 * gW + x0) * 4;
          for (let o = 0; o < oc; o += 16) {
            let a0 = f32x4.splat(0);
            let a1 = a0;
            let a2 = a0;
            let a3 = a0;
            let b0 = a0;
            let b1 = a0;
            let b2 = a0;
            let b3 = a0;
            let w = f + <usize>o * 4;
            let row = origin;
            for (let ky = 0; ky < fh; ky++) {
              let p = row;
              for (let kx = 0; kx < fw; kx++) {
                const u = v128.load32_splat(p);
                const v = v128.load32_splat(p + pairStep);
                const w0 = v128.load(w);
                const w1 = v128.load(w, 16);
                const w2 = v128.load(w, 32);
                const w3 = v128.load(w, 48);
                a0 = madd(u, w0, a0);
                a1 = madd(u, w1, a1);
                a2 = madd(u, w2, a2);
                a3 = madd(u, w3, a3);
                b0 = madd(v, w0, b0);
                b1 = madd(v, w1, b1);
                b2 = madd(v, w2, b2);
                b3 = madd(v, w3, b3);
                w += tapBytes;
                p += colStep;
              }
              row += rowStep;
            }
            const q = out + <usize>o * 4;
            v128.store(q, a0);
            v128.store(q, a1, 16);
            v128.store(q, a2, 32);
            v128.store(q, a3, 48);
            const r = q + tapBytes;
            v128.store(r, b0);
            v128.store(r, b1, 16);
            v128.store(r, b2, 32);
            v128.store(r, b3, 48);
          }
          out += 2 * tapBytes;
          ox++;
          continue;
        }
        let o = 0;
        // The same 32 channels as the loop after it, kept apart: one loop with a per-tap choice
        // of load ran 1.50–1.53 ms against 1.24–1.29 ms for the two (alternating builds here).
        if (inside) {
          const origin = image + <usize>(y0 * gW + x0) * 4;
          for (; o + 32 <= oc; o += 32) {
            let a0 = f32x4.splat(0);
            let a1 = a0;
            let a2 = a0;
            let a3 = a0;
            let a4 = a0;
            let a5 = a0;
            let a6 = a0;
            let a7 = a0;
            let w = f + <usize>o * 4;
            let row = origin;
            for (let ky = 0; ky < fh; ky++) {
              let p = row;
              for (let kx = 0; kx < fw; kx++) {
                const v = v128.load32_splat(p);
                a0 = madd(v, v128.load(w), a0);
                a1 = madd(v, v128.load(w, 16), a1);
                a2 = madd(v, v128.load(w, 32), a2);
                a3 = madd(v, v128.load(w, 48), a3);
                a4 = madd(v, v128.load(w, 64), a4);
                a5 = madd(v, v128.load(w, 80), a5);
                a6 = madd(v, v128.load(w, 96), a6);
                a7 = madd(v, v128.load(w, 112), a7);
                w += tapBytes;
                p += colStep;
              }
              row += rowStep;
            }
            store8(out + <usize>o * 4, a0, a1, a2, a3, a4, a5, a6, a7);
          }
        }
        for (; o + 32 <= oc; o += 32) {
          let a0 = f32x4.splat(0);
          let a1 = a0;
          let a2 = a0;
          let a3 = a0;
          let a4 = a0;
          let a5 = a0;
          let a6 = a0;
          let a7 = a0;
          let w = f + <usize>o * 4;
          for (let ky = 0; ky < gFh; ky++) {
            const iy = y0 + ky * gDh;
            for (let kx = 0; kx < gFw; kx++) {
              const v = f32x4.splat(pixel(image, iy, x0 + kx * gDw, inside));
              a0 = madd(v, v128.load(w), a0);
              a1 = madd(v, v128.load(w, 16), a1);
              a2 = madd(v, v128.load(w, 32), a2);
              a3 = madd(v, v128.load(w, 48), a3);
              a4 = madd(v, v128.load(w, 64), a4);
              a5 = madd(v, v128.load(w, 80), a5);
              a6 = madd(v, v128.load(w, 96), a6);
              a7 = madd(v, v128.load(w, 112), a7);
              w += tapBytes;
            }
          }
          const q = out + <usize>o * 4;
          store8(q, a0, a1, a2, a3, a4, a5, a6, a7);
        }
        for (; o + 4 <= oc; o += 4) {
          let a = f32x4.splat(0);
          let w = f + <usize>o * 4;
          for (let ky = 0; ky < gFh; ky++) {
            for (let kx = 0; kx < gFw; kx++) {
              a = madd(f32x4.splat(pixel(image, y0 + ky * gDh, x0 + kx * gDw, inside)), v128.load(w), a);
              w += tapBytes;
            }
          }
          v128.store(out + <usize>o * 4, a);
        }
        for (; o < oc; o++) {
          let a: f32 = 0;
          let w = f + <usize>o * 4;
          for (let ky = 0; ky < gFh; ky++) {
            for (let kx = 0; kx < gFw; kx++) {
              a += pixel(image, y0 + ky * gDh, x0 + kx * gDw, inside) * load<f32>(w);
              w += tapBytes;
            }
          }
          store<f32>(out + <usize>o * 4, a);
        }
        out += tapBytes;
      }
    }
  }
}

/**
 * Two neighbouring taps of `singleChannelFilter` (the second gDw to the right): for 16 channels
 * at a time, dW[tap A] += Σ over columns [loA, hiA) and dW[tap B] += Σ over [loB, hiB) of
 * x · dy, where `xA` is the image row's address of tap A at column 0 (columns outside a tap's
 * range are never read). One pass over the union of the two ranges, each tap adding only its own
 * columns (the shared run without range checks), so each sum runs over its columns in order from
 * zero, as the one-tap loop does.
 */
function tapPair(xA: usize, dyRow: usize, rowA: usize, loA: i32, hiA: i32, loB: i32, hiB: i32): void {
  const oc = gOutC;
  const rowBytes = <usize>oc * 4;
  const xStep = <usize>gSw * 4;
  const xB = xA + <usize>gDw * 4;
  const lo = min(loA, loB);
  const hi = max(hiA, hiB);
  const jl = max(loA, loB);
  const jh = min(hiA, hiB);
  for (let o = 0; o < oc; o += 16) {
    let a0 = f32x4.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    let b0 = a0;
    let b1 = a0;
    let b2 = a0;
    let b3 = a0;
    let d = dyRow + <usize>lo * rowBytes + <usize>o * 4;
    let at = <usize>lo * xStep;
    for (let ox = lo; ox < hi; ) {
      if (ox >= jl && ox < jh) {
        // The columns both taps reach: no range checks.
        for (; ox < jh; ox++) {
          const u = v128.load32_splat(xA + at);
          const v = v128.load32_splat(xB + at);
          const w0 = v128.load(d);
          const w1 = v128.load(d, 16);
          const w2 = v128.load(d, 32);
          const w3 = v128.load(d, 48);
          a0 = madd(u, w0, a0);
          a1 = madd(u, w1, a1);
          a2 = madd(u, w2, a2);
          a3 = madd(u, w3, a3);
          b0 = madd(v, w0, b0);
          b1 = madd(v, w1, b1);
          b2 = madd(v, w2, b2);
          b3 = madd(v, w3, b3);
          at += xStep;
          d += rowBytes;
        }
        continue;
      }
      // A column at either end, which only one of the taps may reach.
      if (ox >= loA && ox < hiA) {
        const u = v128.load32_splat(xA + at);
        a0 = madd(u, v128.load(d), a0);
        a1 = madd(u, v128.load(d, 16), a1);
        a2 = madd(u, v128.load(d, 32), a2);
        a3 = madd(u, v128.load(d, 48), a3);
      }
      if (ox >= loB && ox < hiB) {
        const v = v128.load32_splat(xB + at);
        b0 = madd(v, v128.load(d), b0);
        b1 = madd(v, v128.load(d, 16), b1);
        b2 = madd(v, v128.load(d, 32), b2);
        b3 = madd(v, v128.load(d, 48), b3);
      }
      at += xStep;
      d += rowBytes;
      ox++;
    }
    addStore4(rowA + <usize>o * 4, a0, a1, a2, a3);
    addStore4(rowA + rowBytes + <usize>o * 4, b0, b1, b2, b3);
  }
}

/**
 * The filter gradient of a one-channel input: dW[tap, o] (+)= Σ x(pixel, tap) · dy[pixel, o]
 * over images [n0, n1), one output row at a time: for each tap, the row's pixels whose tap
 * falls inside the image are a strided run of x (padded taps add nothing), summed with 32
 * channels of the tap in registers while the row of dy (in L1) streams past; with channels in
 * sixteens, two neighbouring taps of a row at once (`tapPair`).
 */
function singleChannelFilter(x: usize, dy: usize, dw: usize, n0: i32, n1: i32, accumulate: i32): void {
  const oc = gOutC;
  const taps = gFh * gFw;
  const rowBytes = <usize>oc * 4;
  const imageBytes = <usize>(gH * gW) * 4;
  const xStep = <usize>gSw * 4;
  const pairs = oc % 16 == 0;
  if (!accumulate) memory.fill(dw, 0, <usize>taps * rowBytes);
  for (let img = n0; img < n1; img++) {
    const image = x + <usize>img * imageBytes;
    for (let oy = 0; oy < gOutH; oy++) {
      const dyRow = dy + (<usize>(img * gOutH + oy) * <usize>gOutW) * rowBytes;
      for (let ky = 0; ky < gFh; ky++) {
        const iy = oy * gSh - gTop + ky * gDh;
        if (iy < 0 || iy >= gH) continue;
        for (let kx = 0; kx < gFw; kx++) {
          const offX = kx * gDw - gLeft;
          // Output columns whose tap lands inside: ox·sw + offX in [0, W).
          const lo = offX >= 0 ? 0 : (-offX + gSw - 1) / gSw;
          const hi = min(gOutW, gW - offX <= 0 ? 0 : (gW - offX + gSw - 1) / gSw);
          if (lo >= hi) continue;
          const row = dw + <usize>(ky * gFw + kx) * rowBytes;
          if (pairs && kx + 1 < gFw) {
            // This tap and the next one along the row, 16 channels at a time: each dy load
            // serves both. Each sum still runs over its own columns in order.
            const offB = offX + gDw;
            const loB = offB >= 0 ? 0 : (-offB + gSw - 1) / gSw;
            const hiB = min(gOutW, gW - offB <= 0 ? 0 : (gW - offB + gSw - 1) / gSw);
            if (loB < hiB && max(lo, loB) < min(hi, hiB)) {
              tapPair(image + <usize>(iy * gW + offX) * 4, dyRow, row, lo, hi, loB, hiB);
              kx++;
              continue;
            }
          }
          const first = image + <usize>(iy * gW + lo * gSw + offX) * 4;
          let o = 0;
          for (; o + 32 <= oc; o += 32) {
            let a0 = f32x4.splat(0);
            let a1 = a0;
            let a2 = a0;
            let a3 = a0;
            let a4 = a0;
            let a5 = a0;
            let a6 = a0;
            let a7 = a0;
            let src = first;
            let d = dyRow + <usize>lo * rowBytes + <usize>o * 4;
            for (let ox = lo; ox < hi; ox++) {
              const v = v128.load32_splat(src);
              a0 = madd(v, v128.load(d), a0);
              a1 = madd(v, v128.load(d, 16), a1);
              a2 = madd(v, v128.load(d, 32), a2);
              a3 = madd(v, v128.load(d, 48), a3);
              a4 = madd(v, v128.load(d, 64), a4);
              a5 = madd(v, v128.load(d, 80), a5);
              a6 = madd(v, v128.load(d, 96), a6);
              a7 = madd(v, v128.load(d, 112), a7);
              src += xStep;
              d += rowBytes;
            }
            const q = row + <usize>o * 4;
            addStore8(q, a0, a1, a2, a3, a4, a5, a6, a7);
          }
          for (; o + 4 <= oc; o += 4) {
            let a = f32x4.splat(0);
            let src = first;
            let d = dyRow + <usize>lo * rowBytes + <usize>o * 4;
            for (let ox = lo; ox < hi; ox++) {
              a = madd(v128.load32_splat(src), v128.load(d), a);
              src += xStep;
              d += rowBytes;
            }
            const q = row + <usize>o * 4;
            v128.store(q, f32x4.add(v128.load(q), a));
          }
          for (; o < oc; o++) {
            let a: f32 = 0;
            let src = first;
            let d = dyRow + <usize>lo * rowBytes + <usize>o * 4;
            for (let ox = lo; ox < hi; ox++) {
              a += load<f32>(src) * load<f32>(d);
              src += xStep;
              d += rowBytes;
            }
            store<f32>(row + <usize>o * 4, load<f32>(row + <usize>o * 4) + a);
          }
        }
      }
    }
  }
}
