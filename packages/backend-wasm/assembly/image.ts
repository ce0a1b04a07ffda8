// Image resizing (NHWC) and its adjoint: `resizeF32` reads each output pixel from one (nearest)
// or four (bilinear) source pixels; `resizeGradF32` adds each dy back into them with the same
// weights. The JS side computes the source rows, columns and blends once (core's `resizeAxis`)
// and passes them in the RESIZE_* block of src/abi.ts, so no coordinate formula lives here.

import {
  RESIZE_C,
  RESIZE_GEO_INTS,
  RESIZE_H,
  RESIZE_N,
  RESIZE_NEAREST,
  RESIZE_OUT_H,
  RESIZE_OUT_W,
  RESIZE_W,
} from '../src/abi';
import { at, param } from './common';

/**
 * y [n, outH, outW, c] from x [n, h, w, c]: bilinear is top + (bottom - top)·yLerp with top and
 * bottom blended along x the same way (TensorFlow's order); nearest copies one pixel.
 */
export function resizeF32(x: usize, y: usize, geo: usize, lerps: usize): void {
  const n = param(geo, RESIZE_N);
  const h = param(geo, RESIZE_H);
  const w = param(geo, RESIZE_W);
  const c = param(geo, RESIZE_C);
  const outH = param(geo, RESIZE_OUT_H);
  const outW = param(geo, RESIZE_OUT_W);
  const nearest = param(geo, RESIZE_NEAREST) != 0;
  const rowLo = RESIZE_GEO_INTS;
  const rowHi = rowLo + outH;
  const colLo = rowHi + outH;
  const colHi = colLo + outW;
  let o = y;
  for (let img = 0; img < n; img++) {
    for (let oy = 0; oy < outH; oy++) {
      const top = (img * h + param(geo, rowLo + oy)) * w;
      const bottom = (img * h + param(geo, rowHi + oy)) * w;
      const yl = load<f32>(at(lerps, oy, 2));
      for (let ox = 0; ox < outW; ox++) {
        const left = param(geo, colLo + ox);
        const tl = at(x, (top + left) * c, 2);
        if (nearest) {
          memory.copy(o, tl, <usize>c << 2);
          o += <usize>c << 2;
          continue;
        }
        const right = param(geo, colHi + ox);
        const xl = load<f32>(at(lerps, outH + ox, 2));
        const tr = at(x, (top + right) * c, 2);
        const bl = at(x, (bottom + left) * c, 2);
        const br = at(x, (bottom + right) * c, 2);
        for (let ch = 0; ch < c; ch++) {
          const a = load<f32>(at(tl, ch, 2));
          const b = load<f32>(at(bl, ch, 2));
          const t = a + (load<f32>(at(tr, ch, 2)) - a) * xl;
          const u = b + (load<f32>(at(br, ch, 2)) - b) * xl;
          store<f32>(o, t + (u - t) * yl);
          o += 4;
        }
      }
    }
  }
}

/** dx [n, h, w, c] = zeros plus each dy [n, outH, outW, c] added into the pixels resizeF32 read, weighted. */
export function resizeGradF32(dy: usize, dx: usize, geo: usize, lerps: usize): void {
  const n = param(geo, RESIZE_N);
  const h = param(geo, RESIZE_H);
  const w = param(geo, RESIZE_W);
  const c = param(geo, RESIZE_C);
  const outH = param(geo, RESIZE_OUT_H);
  const outW = param(geo, RESIZE_OUT_W);
  const nearest = param(geo, RESIZE_NEAREST) != 0;
  const rowLo = RESIZE_GEO_INTS;
  const rowHi = rowLo + outH;
  const colLo = rowHi + outH;
  const colHi = colLo + outW;
  memory.fill(dx, 0, <usize>(n * h * w * c) << 2);
  let g = dy;
  for (let img = 0; img < n; img++) {
    for (let oy = 0; oy < outH; oy++) {
      const top = (img * h + param(geo, rowLo + oy)) * w;
      const bottom = (img * h + param(geo, rowHi + oy)) * w;
      const yl = load<f32>(at(lerps, oy, 2));
      for (let ox = 0; ox < outW; ox++) {
        const left = param(geo, colLo + ox);
        const tl = at(dx, (top + left) * c, 2);
        if (nearest) {
          for (let ch = 0; ch < c; ch++) {
            const p = at(tl, ch, 2);
            store<f32>(p, load<f32>(p) + load<f32>(at(g, ch, 2)));
          }
          g += <usize>c << 2;
          continue;
        }
        const right = param(geo, colHi + ox);
        const xl = load<f32>(at(lerps, outH + ox, 2));
        const tr = at(dx, (top + right) * c, 2);
        const bl = at(dx, (bottom + left) * c, 2);
        const br = at(dx, (bottom + right) * c, 2);
        for (let ch = 0; ch < c; ch++) {
          const v = load<f32>(at(g, ch, 2));
          const pTl = at(tl, ch, 2);
          const pTr = at(tr, ch, 2);
          const pBl = at(bl, ch, 2);
          const pBr = at(br, ch, 2);
          store<f32>(pTl, load<f32>(pTl) + v * (1 - yl) * (1 - xl));
          store<f32>(pTr, load<f32>(pTr) + v * (1 - yl) * xl);
          store<f32>(pBl, load<f32>(pBl) + v * yl * (1 - xl));
          store<f32>(pBr, load<f32>(pBr) + v * yl * xl);
        }
        g += <usize>c << 2;
      }
    }
  }
}
