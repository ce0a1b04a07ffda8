// 2-D max and average pooling (NHWC) and their backward kernels, as direct loops: pooling does
// a few flops per element read, so there is nothing for a GEMM to win. Channels are innermost
// so every window tap reads a contiguous run of C values.

import { type Kernel, type Pool2DGeometry, pool2dGeometry } from '@nabla/core/internal';
import { type CpuContext, valuesOf } from '../cpu-data.js';

/**
 * Calls `tap(xOffset)` for each in-bounds input position of the window of output (oy, ox) in
 * image `img`, where xOffset is the flat offset of channel 0; returns the number of taps.
 */
function forEachTap(
  g: Pool2DGeometry,
  img: number,
  oy: number,
  ox: number,
  tap: (xOffset: number) => void,
): number {
  const { fh, fw, sh, sw, top, left } = g;
  const y0 = oy * sh - top;
  const x0 = ox * sw - left;
  const yStart = Math.max(0, y0);
  const yEnd = Math.min(g.h, y0 + fh);
  const xStart = Math.max(0, x0);
  const xEnd = Math.min(g.w, x0 + fw);
  for (let iy = yStart; iy < yEnd; iy++) {
    for (let ix = xStart; ix < xEnd; ix++) tap(((img * g.h + iy) * g.w + ix) * g.c);
  }
  return Math.max(0, yEnd - yStart) * Math.max(0, xEnd - xStart);
}

/**
 * The `maxPool2d` kernel: the maximum of each window's in-bounds values (NaN propagates).
 * @example
 * maxPool2dKernel(ctx)([x], { filter: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0] }, out);
 */
export function maxPool2dKernel(ctx: CpuContext): Kernel<'maxPool2d'> {
  return (inputs, params, out) => {
    const x = valuesOf(inputs[0], 'maxPool2d');
    const g = pool2dGeometry(inputs[0].shape, out.shape, params);
    const y = ctx.alloc(out);
    const yv = y.values;
    const best = new Float64Array(g.c);
    let o = 0;
    for (let img = 0; img < g.n; img++) {
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          best.fill(Number.NEGATIVE_INFINITY);
          forEachTap(g, img, oy, ox, (at) => {
            for (let ch = 0; ch < g.c; ch++) {
              const v = x[at + ch];
              if (v > best[ch] || Number.isNaN(v)) best[ch] = v;
            }
          });
          for (let ch = 0; ch < g.c; ch++) yv[o++] = best[ch];
        }
      }
    }
    return y;
  };
}

/**
 * The `maxPool2dBackward` kernel (inputs x, dy): each dy goes to the first position of its
 * window holding the maximum (the first NaN, if any), accumulating over overlapping windows.
 * @example
 * maxPool2dBackwardKernel(ctx)([x, dy], params, { shape: x.shape, dtype: 'float32', size });
 */
export function maxPool2dBackwardKernel(ctx: CpuContext): Kernel<'maxPool2dBackward'> {
  return (inputs, params, out) => {
    const [x, dy] = inputs;
    const xv = valuesOf(x, 'maxPool2dBackward');
    const dyv = valuesOf(dy, 'maxPool2dBackward');
    const g = pool2dGeometry(x.shape, dy.shape, params);
    const dx = ctx.alloc(out);
    const dxv = dx.values;
    const best = new Float64Array(g.c);
    const where = new Int32Array(g.c);
    let o = 0;
    for (let img = 0; img < g.n; img++) {
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          best.fill(Number.NEGATIVE_INFINITY);
          where.fill(-1);
          forEachTap(g, img, oy, ox, (at) => {
            for (let ch = 0; ch < g.c; ch++) {
              const v = xv[at + ch];
              const b = best[ch];
              // Strictly greater keeps the first maximum; a NaN wins once, over a non-NaN best.
              if (v > b || where[ch] < 0 || (Number.isNaN(v) && !Number.isNaN(b))) {
                best[ch] = v;
                where[ch] = at + ch;
              }
            }
          });
          for (let ch = 0; ch < g.c; ch++, o++) {
            if (where[ch] >= 0) dxv[where[ch]] += dyv[o];
          }
        }
      }
    }
    return dx;
  };
}

/**
 * The `avgPool2d` kernel: the mean over each window's in-bounds positions (padding not counted).
 * @example
 * avgPool2dKernel(ctx)([x], { filter: [3, 3], strides: [1, 1], pad: [1, 1, 1, 1] }, out);
 */
export function avgPool2dKernel(ctx: CpuContext): Kernel<'avgPool2d'> {
  return (inputs, params, out) => {
    const x = valuesOf(inputs[0], 'avgPool2d');
    const g = pool2dGeometry(inputs[0].shape, out.shape, params);
    const y = ctx.alloc(out);
    const yv = y.values;
    const sum = new Float64Array(g.c);
    let o = 0;
    for (let img = 0; img < g.n; img++) {
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          sum.fill(0);
          const count = forEachTap(g, img, oy, ox, (at) => {
            for (let ch = 0; ch < g.c; ch++) sum[ch] += x[at + ch];
          });
          const scale = count > 0 ? 1 / count : 0;
          for (let ch = 0; ch < g.c; ch++) yv[o++] = sum[ch] * scale;
        }
      }
    }
    return y;
  };
}

/**
 * The `avgPool2dBackward` kernel (input dy): dx[p] = Σ over windows containing p of dy / count.
 * @example
 * avgPool2dBackwardKernel(ctx)([dy], params, { shape: xShape, dtype: 'float32', size });
 */
export function avgPool2dBackwardKernel(ctx: CpuContext): Kernel<'avgPool2dBackward'> {
  return (inputs, params, out) => {
    const dyv = valuesOf(inputs[0], 'avgPool2dBackward');
    const g = pool2dGeometry(out.shape, inputs[0].shape, params);
    const dx = ctx.alloc(out);
    const dxv = dx.values;
    let o = 0;
    for (let img = 0; img < g.n; img++) {
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          const count = forEachTap(g, img, oy, ox, () => {});
          const scale = count > 0 ? 1 / count : 0;
          forEachTap(g, img, oy, ox, (at) => {
            for (let ch = 0; ch < g.c; ch++) dxv[at + ch] += dyv[o + ch] * scale;
          });
          o += g.c;
        }
      }
    }
    return dx;
  };
}
