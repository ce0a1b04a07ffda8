// Image resizing (NHWC): `resize` reads each output pixel from one (nearest) or four (bilinear)
// source pixels, and `resizeGrad`, its adjoint, adds each dy back into them with the same
// weights. Source rows, columns and weights come from core's `resizeAxis`, so every backend
// reads the same pixels; channels are innermost, so each source pixel is a contiguous run.

import { type Kernel, type ResizeAxis, type ResizeParams, resizeAxis } from '@nabla/core/internal';
import { type CpuContext, valuesOf } from '../cpu-data.js';

/** The sizes of one resize from images `[n, h, w, c]` to `[n, outH, outW, c]`, and both axes. */
function geometry(inShape: readonly number[], outShape: readonly number[], params: ResizeParams) {
  const [n = 0, h = 1, w = 1, c = 0] = inShape;
  const [, outH = 0, outW = 0] = outShape;
  const rows: ResizeAxis = resizeAxis(h, outH, params);
  const cols: ResizeAxis = resizeAxis(w, outW, params);
  return { n, h, w, c, outH, outW, rows, cols };
}

/**
 * The `resize` kernel: bilinear, out = top + (bottom - top)·yLerp with top and bottom blended
 * along x the same way (TensorFlow's order of operations); nearest copies one pixel.
 * @example
 * resizeKernel(ctx)([x], { method: 'bilinear', alignCorners: false, halfPixelCenters: true }, out);
 */
export function resizeKernel(ctx: CpuContext): Kernel<'resize'> {
  return (inputs, params, out) => {
    const x = valuesOf(inputs[0], 'resize');
    const { n, h, w, c, outH, outW, rows, cols } = geometry(inputs[0].shape, out.shape, params);
    const y = ctx.alloc(out);
    const yv = y.values;
    const nearest = params.method === 'nearest';
    let o = 0;
    for (let img = 0; img < n; img++) {
      const base = img * h;
      for (let oy = 0; oy < outH; oy++) {
        const top = (base + rows.lower[oy]) * w;
        const bottom = (base + rows.upper[oy]) * w;
        const yl = rows.lerp[oy];
        for (let ox = 0; ox < outW; ox++) {
          const left = cols.lower[ox];
          const right = cols.upper[ox];
          const xl = cols.lerp[ox];
          const tl = (top + left) * c;
          if (nearest) {
            for (let ch = 0; ch < c; ch++) yv[o++] = x[tl + ch];
            continue;
          }
          const tr = (top + right) * c;
          const bl = (bottom + left) * c;
          const br = (bottom + right) * c;
          for (let ch = 0; ch < c; ch++) {
            const t = x[tl + ch] + (x[tr + ch] - x[tl + ch]) * xl;
            const b = x[bl + ch] + (x[br + ch] - x[bl + ch]) * xl;
            yv[o++] = t + (b - t) * yl;
          }
        }
      }
    }
    return y;
  };
}

/**
 * The `resizeGrad` kernel (input dy): dx of the images' shape, each dy added into the pixels
 * `resize` read, times their weights; sums run in float64 before the one rounding to out.dtype.
 * @example
 * resizeGradKernel(ctx)([dy], params, { shape: images.shape, dtype: 'float32', size });
 */
export function resizeGradKernel(ctx: CpuContext): Kernel<'resizeGrad'> {
  return (inputs, params, out) => {
    const dy = valuesOf(inputs[0], 'resizeGrad');
    const { n, h, w, c, outH, outW, rows, cols } = geometry(out.shape, inputs[0].shape, params);
    const acc = ctx.scratch(out.size);
    acc.fill(0, 0, out.size);
    const nearest = params.method === 'nearest';
    let o = 0;
    for (let img = 0; img < n; img++) {
      const base = img * h;
      for (let oy = 0; oy < outH; oy++) {
        const top = (base + rows.lower[oy]) * w;
        const bottom = (base + rows.upper[oy]) * w;
        const yl = rows.lerp[oy];
        for (let ox = 0; ox < outW; ox++) {
          const left = cols.lower[ox];
          const right = cols.upper[ox];
          const xl = cols.lerp[ox];
          const tl = (top + left) * c;
          if (nearest) {
            for (let ch = 0; ch < c; ch++) acc[tl + ch] += dy[o++];
            continue;
          }
          const tr = (top + right) * c;
          const bl = (bottom + left) * c;
          const br = (bottom + right) * c;
          for (let ch = 0; ch < c; ch++) {
            const g = dy[o++];
            acc[tl + ch] += g * (1 - yl) * (1 - xl);
            acc[tr + ch] += g * (1 - yl) * xl;
            acc[bl + ch] += g * yl * (1 - xl);
            acc[br + ch] += g * yl * xl;
          }
        }
      }
    }
    const dx = ctx.alloc(out);
    for (let i = 0; i < out.size; i++) dx.values[i] = acc[i];
    return dx;
  };
}
