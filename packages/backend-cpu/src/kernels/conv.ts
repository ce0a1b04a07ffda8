// conv2d and its two backward kernels as GEMMs over im2col (NHWC, filter [fh, fw, C/g, outC]).
// Per group g, with col = im2col(x) of shape [N·P, KK] (P = outH·outW, KK = fh·fw·C/g):
//   y_g = col · W_g,   dcol = dy_g · W_gᵀ then dx = col2im(dcol),   dW_g = colᵀ · dy_g.
// Images are processed in chunks so the reused scratch col buffer stays bounded. Depthwise
// convolutions (one input channel per group) skip the GEMM: its width would be the channel
// multiplier, often 1, so a direct loop over taps with channels innermost is much faster. The
// sizes come from core's `conv2dGeometry`, shared with every backend.

import type { TypedArray } from '@nabla/core';
import { type Conv2DGeometry, type Conv2DParams, conv2dGeometry, type Kernel } from '@nabla/core/internal';
import { type CpuContext, valuesOf } from '../cpu-data.js';

/** Upper bound on scratch elements per chunk of images (32 MiB of float64). */
const SCRATCH_LIMIT = 1 << 22;

/** Images per chunk so that a chunk's col buffer fits the scratch limit. */
function chunkSize(g: Conv2DGeometry): number {
  return Math.max(1, Math.min(g.n, Math.floor(SCRATCH_LIMIT / Math.max(1, g.p * g.kk))));
}

/**
 * Writes im2col rows for images [n0, n0+count) of group `group` into `col`:
 * col[(img·P + oy·outW + ox)·KK + (ky·fw + kx)·cg + ci] = x[img, iy, ix, group·cg + ci], 0 if padded.
 */
function im2col(
  x: TypedArray,
  g: Conv2DGeometry,
  params: Conv2DParams,
  group: number,
  n0: number,
  count: number,
  col: Float64Array,
): void {
  const [sh, sw] = params.strides;
  const [dh, dw] = params.dilations;
  const [top, , left] = params.pad;
  let o = 0;
  for (let img = n0; img < n0 + count; img++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        for (let ky = 0; ky < g.fh; ky++) {
          const iy = oy * sh - top + ky * dh;
          for (let kx = 0; kx < g.fw; kx++) {
            const ix = ox * sw - left + kx * dw;
            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) {
              col.fill(0, o, o + g.cg);
              o += g.cg;
              continue;
            }
            const base = ((img * g.h + iy) * g.w + ix) * g.c + group * g.cg;
            for (let ci = 0; ci < g.cg; ci++) col[o++] = x[base + ci];
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: adds each col entry back into the input position it was read from. */
function col2im(
  col: Float64Array,
  g: Conv2DGeometry,
  params: Conv2DParams,
  group: number,
  n0: number,
  count: number,
  dx: TypedArray,
): void {
  const [sh, sw] = params.strides;
  const [dh, dw] = params.dilations;
  const [top, , left] = params.pad;
  let o = 0;
  for (let img = n0; img < n0 + count; img++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        for (let ky = 0; ky < g.fh; ky++) {
          const iy = oy * sh - top + ky * dh;
          for (let kx = 0; kx < g.fw; kx++) {
            const ix = ox * sw - left + kx * dw;
            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) {
              o += g.cg;
              continue;
            }
            const base = ((img * g.h + iy) * g.w + ix) * g.c + group * g.cg;
            for (let ci = 0; ci < g.cg; ci++) dx[base + ci] += col[o++];
          }
        }
      }
    }
  }
}

/** Which product a depthwise pass computes (y = forward, dx, dw = the two backward kernels). */
type DepthwiseMode = 'y' | 'dx' | 'dw';

/**
 * Depthwise convolution (cg = 1) by direct loops over (image, output position, tap); output
 * channel o reads input channel ⌊o / og⌋, and the innermost loop runs over all outC channels.
 */
function depthwise(
  g: Conv2DGeometry,
  params: Conv2DParams,
  mode: DepthwiseMode,
  x: TypedArray,
  f: TypedArray,
  y: TypedArray,
): void {
  const [sh, sw] = params.strides;
  const [dh, dw] = params.dilations;
  const [top, , left] = params.pad;
  const { outC, og } = g;
  for (let img = 0; img < g.n; img++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        const yBase = ((img * g.outH + oy) * g.outW + ox) * outC;
        for (let ky = 0; ky < g.fh; ky++) {
          const iy = oy * sh - top + ky * dh;
          if (iy < 0 || iy >= g.h) continue;
          for (let kx = 0; kx < g.fw; kx++) {
            const ix = ox * sw - left + kx * dw;
            if (ix < 0 || ix >= g.w) continue;
            const xBase = ((img * g.h + iy) * g.w + ix) * g.c;
            const fBase = (ky * g.fw + kx) * outC;
            for (let o = 0; o < outC; o++) {
              const xi = xBase + Math.floor(o / og);
              if (mode === 'y') y[yBase + o] += x[xi] * f[fBase + o];
              else if (mode === 'dx') x[xi] += y[yBase + o] * f[fBase + o];
              else f[fBase + o] += y[yBase + o] * x[xi];
            }
          }
        }
      }
    }
  }
}

/**
 * The `conv2d` kernel: y[n, oy, ox, o] = Σ x[n, oy·sh − top + ky·dh, ox·sw − left + kx·dw, ci] · f[ky, kx, ci, o].
 * @example
 * conv2dKernel(ctx)([x, filter], { strides: [1, 1], dilations: [1, 1], pad: [0, 0, 0, 0], groups: 1 }, out);
 */
export function conv2dKernel(ctx: CpuContext): Kernel<'conv2d'> {
  return (inputs, params, out) => {
    const [x, filter] = inputs;
    const xv = valuesOf(x, 'conv2d');
    const fv = valuesOf(filter, 'conv2d');
    const g = conv2dGeometry(x.shape, filter.shape, out.shape, params);
    const y = ctx.alloc(out);
    if (g.depthwise) {
      depthwise(g, params, 'y', xv, fv, y.values);
      return y;
    }
    const chunk = chunkSize(g);
    for (let group = 0; group < params.groups; group++) {
      // W_g: row kk, column o of group g is filter[kk·outC + g·og + o].
      const wg = { data: fv, offset: group * g.og, rowStride: g.outC, colStride: 1 };
      for (let n0 = 0; n0 < g.n; n0 += chunk) {
        const count = Math.min(chunk, g.n - n0);
        const rows = count * g.p;
        const yOffset = n0 * g.p * g.outC + group * g.og;
        if (g.pointwise) {
          const xg = { data: xv, offset: n0 * g.p * g.c + group * g.cg, rowStride: g.c, colStride: 1 };
          ctx.gemm.run(rows, g.og, g.kk, xg, wg, y.values, yOffset, g.outC);
          continue;
        }
        const col = ctx.scratch(rows * g.kk);
        im2col(xv, g, params, group, n0, count, col);
        const colView = { data: col, offset: 0, rowStride: g.kk, colStride: 1 };
        ctx.gemm.run(rows, g.og, g.kk, colView, wg, y.values, yOffset, g.outC);
      }
    }
    return y;
  };
}

/**
 * The `conv2dBackpropInput` kernel: dx = col2im(dy_g · W_gᵀ) per group; `out` is x's shape.
 * @example
 * conv2dBackpropInputKernel(ctx)([dy, filter], params, { shape: xShape, dtype: 'float32', size });
 */
export function conv2dBackpropInputKernel(ctx: CpuContext): Kernel<'conv2dBackpropInput'> {
  return (inputs, params, out) => {
    const [dy, filter] = inputs;
    const dyv = valuesOf(dy, 'conv2dBackpropInput');
    const fv = valuesOf(filter, 'conv2dBackpropInput');
    const g = conv2dGeometry(out.shape, filter.shape, dy.shape, params);
    const dx = ctx.alloc(out);
    if (g.depthwise) {
      depthwise(g, params, 'dx', dx.values, fv, dyv);
      return dx;
    }
    const chunk = chunkSize(g);
    for (let group = 0; group < params.groups; group++) {
      // W_gᵀ: row o, column kk is filter[kk·outC + g·og + o].
      const wgT = { data: fv, offset: group * g.og, rowStride: 1, colStride: g.outC };
      for (let n0 = 0; n0 < g.n; n0 += chunk) {
        const count = Math.min(chunk, g.n - n0);
        const rows = count * g.p;
        const dyg = { data: dyv, offset: n0 * g.p * g.outC + group * g.og, rowStride: g.outC, colStride: 1 };
        if (g.pointwise) {
          ctx.gemm.run(rows, g.kk, g.og, dyg, wgT, dx.values, n0 * g.p * g.c + group * g.cg, g.c);
          continue;
        }
        const dcol = ctx.scratch(rows * g.kk);
        ctx.gemm.run(rows, g.kk, g.og, dyg, wgT, dcol, 0, g.kk);
        col2im(dcol, g, params, group, n0, count, dx.values);
      }
    }
    return dx;
  };
}

/**
 * The `conv2dBackpropFilter` kernel: dW_g = Σ_chunks col_gᵀ · dy_g; `out` is the filter's shape.
 * @example
 * conv2dBackpropFilterKernel(ctx)([x, dy], params, { shape: filterShape, dtype: 'float32', size });
 */
export function conv2dBackpropFilterKernel(ctx: CpuContext): Kernel<'conv2dBackpropFilter'> {
  return (inputs, params, out) => {
    const [x, dy] = inputs;
    const xv = valuesOf(x, 'conv2dBackpropFilter');
    const dyv = valuesOf(dy, 'conv2dBackpropFilter');
    const g = conv2dGeometry(x.shape, out.shape, dy.shape, params);
    const dw = ctx.alloc(out);
    if (g.depthwise) {
      depthwise(g, params, 'dw', xv, dw.values, dyv);
      return dw;
    }
    const chunk = chunkSize(g);
    for (let group = 0; group < params.groups; group++) {
      for (let n0 = 0; n0 < g.n; n0 += chunk) {
        const count = Math.min(chunk, g.n - n0);
        const rows = count * g.p;
        const dyg = { data: dyv, offset: n0 * g.p * g.outC + group * g.og, rowStride: g.outC, colStride: 1 };
        const dwOffset = group * g.og;
        if (g.pointwise) {
          const xgT = { data: xv, offset: n0 * g.p * g.c + group * g.cg, rowStride: 1, colStride: g.c };
          ctx.gemm.run(g.kk, g.og, rows, xgT, dyg, dw.values, dwOffset, g.outC, true);
          continue;
        }
        const col = ctx.scratch(rows * g.kk);
        im2col(xv, g, params, group, n0, count, col);
        const colT = { data: col, offset: 0, rowStride: 1, colStride: g.kk };
        ctx.gemm.run(g.kk, g.og, rows, colT, dyg, dw.values, dwOffset, g.outC, true);
      }
    }
    return dw;
  };
}
