// 2-D max and average pooling (NHWC, float32 or float16) and their backward kernels, one thread per
// element written. The backward kernels gather instead of scatter (WGSL has no float atomics):
// each input element loops over the windows that contain it, adding dy in the order the CPU
// kernel does. maxPool2dBackward finds each window's first maximum (the first NaN, if any) again
// and adds dy only where that is this element. Sizes come from core's pool2dGeometry.

import {
  type Kernel,
  type OutInfo,
  type Pool2DGeometry,
  pool2dGeometry,
  type TensorInfo,
} from '@nabla/core/internal';
import { dispatchInto, type GpuContext, handles } from '../gpu-context.js';
import type { GpuData } from '../gpu-data.js';
import { ENTRY, floatStorage, GRID_INDEX, PRELUDE } from '../wgsl.js';

/** The parameter block and the window helpers every pooling shader shares. */
const COMMON = /* wgsl */ `${PRELUDE}
struct Params {
  size: u32, n: u32, h: u32, w: u32,
  c: u32, outH: u32, outW: u32, fh: u32,
  fw: u32, sh: u32, sw: u32, top: u32,
  left: u32, e0: u32, e1: u32, e2: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
// The in-bounds rows [x, y) and columns [z, w) of the window of output (oy, ox).
fn window(oy: u32, ox: u32) -> vec4<u32> {
  let ys = i32(oy * p.sh) - i32(p.top);
  let xs = i32(ox * p.sw) - i32(p.left);
  return vec4<u32>(
    u32(max(ys, 0)), u32(clamp(ys + i32(p.fh), 0, i32(p.h))),
    u32(max(xs, 0)), u32(clamp(xs + i32(p.fw), 0, i32(p.w))),
  );
}
fn taps(b: vec4<u32>) -> u32 { return select(0u, b.y - b.x, b.y > b.x) * select(0u, b.w - b.z, b.w > b.z); }
// The outputs [x, y) along one axis whose windows (size f, stride s, padding pad) hold input i.
fn covering(i: u32, f: u32, s: u32, pad: u32, outLen: u32) -> vec2<u32> {
  let at = i + pad;
  let first = select(0u, (at - f) / s + 1u, at >= f);
  return vec2<u32>(first, min(outLen, at / s + 1u));
}
`;

/** Splits flat index i of an [n, rows, cols, c] tensor into image, row, column and channel. */
const SPLIT = (rows: string, cols: string) => `
  let ch = i % p.c;
  let col = (i / p.c) % ${cols};
  let row = (i / (p.c * ${cols})) % ${rows};
  let img = i / (p.c * ${cols} * ${rows});`;

/**
 * The first maximum of a window of x as the CPU kernel picks it (strictly greater replaces; a
 * NaN replaces a non-NaN once, and then nothing replaces it): its value and position, shared
 * by the forward kernel and the backward one, which must agree on it.
 */
const WINDOW_MAX = /* wgsl */ `
struct WindowMax { value: f32, y: u32, x: u32, found: bool }
fn window_max(b: vec4<u32>, img: u32, ch: u32) -> WindowMax {
  var m = WindowMax(-inf(), 0u, 0u, false);
  for (var iy = b.x; iy < b.y; iy++) {
    for (var ix = b.z; ix < b.w; ix++) {
      let v = f32(x[((img * p.h + iy) * p.w + ix) * p.c + ch]);
      if (!m.found || (!is_nan(m.value) && (is_nan(v) || v > m.value))) {
        m = WindowMax(v, iy, ix, true);
      }
    }
  }
  return m;
}
`;

const MAX_POOL = /* wgsl */ `${COMMON}${WINDOW_MAX}
@group(0) @binding(1) var<storage, read> x: array<F>;
@group(0) @binding(2) var<storage, read_write> y: array<F>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.size) { return; }
  ${SPLIT('p.outH', 'p.outW')}
  // An empty window gives -Infinity, as the CPU kernel's does.
  y[i] = st(window_max(window(row, col), img, ch).value);
}
`;

const MAX_POOL_BACKWARD = /* wgsl */ `${COMMON}${WINDOW_MAX}
@group(0) @binding(1) var<storage, read> x: array<F>;
@group(0) @binding(2) var<storage, read> dy: array<F>;
@group(0) @binding(3) var<storage, read_write> dx: array<F>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.size) { return; }
  ${SPLIT('p.h', 'p.w')}
  let rows = covering(row, p.fh, p.sh, p.top, p.outH);
  let cols = covering(col, p.fw, p.sw, p.left, p.outW);
  var acc = 0.0;
  for (var oy = rows.x; oy < rows.y; oy++) {
    for (var ox = cols.x; ox < cols.y; ox++) {
      let m = window_max(window(oy, ox), img, ch);
      if (m.found && m.y == row && m.x == col) { acc += f32(dy[((img * p.outH + oy) * p.outW + ox) * p.c + ch]); }
    }
  }
  dx[i] = st(acc);
}
`;

const AVG_POOL = /* wgsl */ `${COMMON}
@group(0) @binding(1) var<storage, read> x: array<F>;
@group(0) @binding(2) var<storage, read_write> y: array<F>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.size) { return; }
  ${SPLIT('p.outH', 'p.outW')}
  let b = window(row, col);
  var sum = 0.0;
  for (var iy = b.x; iy < b.y; iy++) {
    for (var ix = b.z; ix < b.w; ix++) {
      sum += f32(x[((img * p.h + iy) * p.w + ix) * p.c + ch]);
    }
  }
  // Padding is not counted (Keras' same-padding average); an empty window gives 0.
  let count = taps(b);
  y[i] = st(select(0.0, sum * (1.0 / f32(count)), count > 0u));
}
`;

const AVG_POOL_BACKWARD = /* wgsl */ `${COMMON}
@group(0) @binding(1) var<storage, read> dy: array<F>;
@group(0) @binding(2) var<storage, read_write> dx: array<F>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.size) { return; }
  ${SPLIT('p.h', 'p.w')}
  let rows = covering(row, p.fh, p.sh, p.top, p.outH);
  let cols = covering(col, p.fw, p.sw, p.left, p.outW);
  var acc = 0.0;
  for (var oy = rows.x; oy < rows.y; oy++) {
    for (var ox = cols.x; ox < cols.y; ox++) {
      // dx = Σ over windows holding this element of dy / (in-bounds taps of the window).
      let count = taps(window(oy, ox));
      acc += f32(dy[((img * p.outH + oy) * p.outW + ox) * p.c + ch]) * (1.0 / f32(count));
    }
  }
  dx[i] = st(acc);
}
`;

/** The parameter block: the element count written, then the geometry. */
function packPool(size: number, g: Pool2DGeometry): Uint32Array {
  return new Uint32Array([
    size,
    g.n,
    g.h,
    g.w,
    g.c,
    g.outH,
    g.outW,
    g.fh,
    g.fw,
    g.sh,
    g.sw,
    g.top,
    g.left,
    0,
    0,
    0,
  ]);
}

type PoolPrim = 'maxPool2d' | 'maxPool2dBackward' | 'avgPool2d' | 'avgPool2dBackward';

const SHADERS: Record<PoolPrim, string> = {
  maxPool2d: MAX_POOL,
  maxPool2dBackward: MAX_POOL_BACKWARD,
  avgPool2d: AVG_POOL,
  avgPool2dBackward: AVG_POOL_BACKWARD,
};

/** Records one pooling dispatch over `inputs`, one thread per element of `out`. */
function runPool(
  ctx: GpuContext,
  prim: PoolPrim,
  inputs: readonly TensorInfo[],
  g: Pool2DGeometry,
  out: OutInfo,
): GpuData {
  return dispatchInto(ctx, prim, out, {
    key: `${prim}:${out.dtype}`,
    code: () => floatStorage(out.dtype) + SHADERS[prim],
    params: packPool(out.size, g),
    inputs: handles(inputs),
  });
}

/**
 * The `maxPool2d` kernel: the maximum of each window's in-bounds values (NaN propagates).
 * @example
 * maxPool2dKernel(ctx)([x], { filter: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0] }, out);
 */
export function maxPool2dKernel(ctx: GpuContext): Kernel<'maxPool2d'> {
  return (inputs, params, out) =>
    runPool(ctx, 'maxPool2d', inputs, pool2dGeometry(inputs[0]!.shape, out.shape, params), out);
}

/**
 * The `maxPool2dBackward` kernel (inputs x, dy): each dy goes to the first maximum of its window.
 * @example
 * maxPool2dBackwardKernel(ctx)([x, dy], params, { shape: x.shape, dtype: 'float32', size });
 */
export function maxPool2dBackwardKernel(ctx: GpuContext): Kernel<'maxPool2dBackward'> {
  return (inputs, params, out) => {
    const g = pool2dGeometry(inputs[0]!.shape, inputs[1]!.shape, params);
    return runPool(ctx, 'maxPool2dBackward', inputs, g, out);
  };
}

/**
 * The `avgPool2d` kernel: the mean over each window's in-bounds positions (padding not counted).
 * @example
 * avgPool2dKernel(ctx)([x], { filter: [3, 3], strides: [1, 1], pad: [1, 1, 1, 1] }, out);
 */
export function avgPool2dKernel(ctx: GpuContext): Kernel<'avgPool2d'> {
  return (inputs, params, out) =>
    runPool(ctx, 'avgPool2d', inputs, pool2dGeometry(inputs[0]!.shape, out.shape, params), out);
}

/**
 * The `avgPool2dBackward` kernel (input dy): dx[p] = Σ over windows containing p of dy / count.
 * @example
 * avgPool2dBackwardKernel(ctx)([dy], params, { shape: xShape, dtype: 'float32', size });
 */
export function avgPool2dBackwardKernel(ctx: GpuContext): Kernel<'avgPool2dBackward'> {
  return (inputs, params, out) => {
    const g = pool2dGeometry(out.shape, inputs[0]!.shape, params);
    return runPool(ctx, 'avgPool2dBackward', inputs, g, out);
  };
}
