// Image resizing (NHWC, float32 or float16): `resize` reads each output pixel from one (nearest) or four
// (bilinear) source pixels, and `resizeGrad`, its adjoint, is a gather (WGSL has no float
// atomics): each input pixel sums the dy of the output pixels that read it, times the weights
// they read it with. Source rows, columns and weights come from core's `resizeAxis`, uploaded
// as a small table per dispatch, so every backend reads the same pixels.

import type { Kernel, OutInfo, ResizeAxis, ResizeParams } from '@nabla/core/internal';
import { resizeAxis } from '@nabla/core/internal';
import { type GpuContext, gpuData } from '../gpu-context.js';
import type { GpuData } from '../gpu-data.js';
import { ENTRY, floatStorage, GRID_INDEX, groupsFor } from '../wgsl.js';

/**
 * The parameter block: sizes, then where each part of the table starts. The table holds, per
 * axis (rows, then columns), lower[out], upper[out], lerp[out] (f32 bits), and for resizeGrad
 * first[in] and end[in]: the output indices [first, end) that may read input index i.
 */
const COMMON = /* wgsl */ `
struct Params {
  size: u32, h: u32, w: u32, c: u32,
  outH: u32, outW: u32, rowAt: u32, colAt: u32,
  rowSpan: u32, colSpan: u32, e0: u32, e1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> table: array<u32>;
fn lowerOf(at: u32, len: u32, i: u32) -> u32 { return table[at + i]; }
fn upperOf(at: u32, len: u32, i: u32) -> u32 { return table[at + len + i]; }
fn lerpOf(at: u32, len: u32, i: u32) -> f32 { return bitcast<f32>(table[at + 2u * len + i]); }
`;

function resizeShader(nearest: boolean): string {
  const body = nearest
    ? 'y[i] = x[(top + left) * p.c + ch];'
    : `let right = upperOf(p.colAt, p.outW, ox);
  let xl = lerpOf(p.colAt, p.outW, ox);
  let bottom = (img * p.h + upperOf(p.rowAt, p.outH, oy)) * p.w;
  let yl = lerpOf(p.rowAt, p.outH, oy);
  // TensorFlow's order: blend along x on the top and bottom rows, then along y.
  let tl = f32(x[(top + left) * p.c + ch]);
  let tr = f32(x[(top + right) * p.c + ch]);
  let bl = f32(x[(bottom + left) * p.c + ch]);
  let br = f32(x[(bottom + right) * p.c + ch]);
  let t = tl + (tr - tl) * xl;
  let b = bl + (br - bl) * xl;
  y[i] = st(t + (b - t) * yl);`;
  return `${COMMON}
@group(0) @binding(2) var<storage, read> x: array<F>;
@group(0) @binding(3) var<storage, read_write> y: array<F>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.size) { return; }
  let ch = i % p.c;
  let ox = (i / p.c) % p.outW;
  let oy = (i / (p.c * p.outW)) % p.outH;
  let img = i / (p.c * p.outW * p.outH);
  let top = (img * p.h + lowerOf(p.rowAt, p.outH, oy)) * p.w;
  let left = lowerOf(p.colAt, p.outW, ox);
  ${body}
}
`;
}

function gradShader(nearest: boolean): string {
  // The terms the CPU kernel adds, each where its corner is this pixel (a corner counted twice
  // when lower == upper, as there).
  const body = nearest
    ? 'if (top == iy && left == ix) { acc += g; }'
    : `let bottom = upperOf(p.rowAt, p.outH, oy);
      let right = upperOf(p.colAt, p.outW, ox);
      let yl = lerpOf(p.rowAt, p.outH, oy);
      let xl = lerpOf(p.colAt, p.outW, ox);
      if (top == iy && left == ix) { acc += g * (1.0 - yl) * (1.0 - xl); }
      if (top == iy && right == ix) { acc += g * (1.0 - yl) * xl; }
      if (bottom == iy && left == ix) { acc += g * yl * (1.0 - xl); }
      if (bottom == iy && right == ix) { acc += g * yl * xl; }`;
  return `${COMMON}
@group(0) @binding(2) var<storage, read> dy: array<F>;
@group(0) @binding(3) var<storage, read_write> dx: array<F>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.size) { return; }
  let ch = i % p.c;
  let ix = (i / p.c) % p.w;
  let iy = (i / (p.c * p.w)) % p.h;
  let img = i / (p.c * p.w * p.h);
  let rowFirst = table[p.rowSpan + iy];
  let rowEnd = table[p.rowSpan + p.h + iy];
  let colFirst = table[p.colSpan + ix];
  let colEnd = table[p.colSpan + p.w + ix];
  var acc = 0.0;
  for (var oy = rowFirst; oy < rowEnd; oy++) {
    let top = lowerOf(p.rowAt, p.outH, oy);
    for (var ox = colFirst; ox < colEnd; ox++) {
      let left = lowerOf(p.colAt, p.outW, ox);
      let g = f32(dy[((img * p.outH + oy) * p.outW + ox) * p.c + ch]);
      ${body}
    }
  }
  dx[i] = st(acc);
}
`;
}

/** For each input index, the outputs [first, end) whose lower or upper index is it. */
function spans(axis: ResizeAxis, inSize: number): { first: Uint32Array; end: Uint32Array } {
  const first = new Uint32Array(inSize);
  const end = new Uint32Array(inSize);
  const seen = new Uint8Array(inSize);
  const note = (src: number, o: number) => {
    if (!seen[src]) first[src] = o;
    seen[src] = 1;
    end[src] = o + 1;
  };
  for (let o = 0; o < axis.lower.length; o++) {
    note(axis.lower[o]!, o);
    note(axis.upper[o]!, o);
  }
  return { first, end };
}

/** One resize's sizes, its table (resizeAxis of both axes, and spans for the gradient) and params. */
function plan(
  images: readonly number[],
  resized: readonly number[],
  params: ResizeParams,
  grad: boolean,
  size: number,
): { words: Uint32Array; params: Uint32Array } {
  const [, h = 1, w = 1, c = 1] = images;
  const [, outH = 0, outW = 0] = resized;
  const rows = resizeAxis(h, outH, params);
  const cols = resizeAxis(w, outW, params);
  const parts: Uint32Array[] = [];
  let at = 0;
  const push = (words: Uint32Array): number => {
    const start = at;
    parts.push(words);
    at += words.length;
    return start;
  };
  const pushAxis = (a: ResizeAxis): number => {
    const start = push(Uint32Array.from(a.lower));
    push(Uint32Array.from(a.upper));
    push(new Uint32Array(Float32Array.from(a.lerp).buffer));
    return start;
  };
  const rowAt = pushAxis(rows);
  const colAt = pushAxis(cols);
  let rowSpan = 0;
  let colSpan = 0;
  if (grad) {
    const r = spans(rows, h);
    rowSpan = push(r.first);
    push(r.end);
    const s = spans(cols, w);
    colSpan = push(s.first);
    push(s.end);
  }
  const words = new Uint32Array(at);
  let offset = 0;
  for (const part of parts) {
    words.set(part, offset);
    offset += part.length;
  }
  return {
    words,
    params: new Uint32Array([size, h, w, c, outH, outW, rowAt, colAt, rowSpan, colSpan, 0, 0]),
  };
}

/** Records one resize or resizeGrad dispatch, with its table in a pooled buffer freed after it. */
function run(
  ctx: GpuContext,
  prim: 'resize' | 'resizeGrad',
  input: GPUBuffer,
  images: readonly number[],
  resized: readonly number[],
  params: ResizeParams,
  out: OutInfo,
): GpuData {
  const y = ctx.alloc(out);
  if (out.size === 0) return y;
  const grad = prim === 'resizeGrad';
  const { words, params: block } = plan(images, resized, params, grad, out.size);
  const table = ctx.pool.acquire(words.byteLength);
  ctx.device.queue.writeBuffer(table, 0, words.buffer, words.byteOffset, words.byteLength);
  const nearest = params.method === 'nearest';
  const pipeline = ctx.queue.pipeline(
    `${prim}:${params.method}:${out.dtype}`,
    () => floatStorage(out.dtype) + (grad ? gradShader(nearest) : resizeShader(nearest)),
  );
  ctx.queue.dispatch({
    pipeline,
    params: block,
    buffers: [table, input, y.buffer],
    workgroups: groupsFor(out.size),
  });
  // Parked until the encoder that reads it is submitted.
  ctx.pool.release(table, ctx.queue.pending);
  return y;
}

/**
 * The `resize` kernel: bilinear (TensorFlow's order of operations) or nearest.
 * @example
 * resizeKernel(ctx)([x], { method: 'bilinear', alignCorners: false, halfPixelCenters: true }, out);
 */
export function resizeKernel(ctx: GpuContext): Kernel<'resize'> {
  return ([x], params, out) =>
    run(ctx, 'resize', gpuData(x!.handle, 'resize').buffer, x!.shape, out.shape, params, out);
}

/**
 * The `resizeGrad` kernel (input dy): dx of the images' shape, each pixel the sum of the dy
 * that read it, times their weights.
 * @example
 * resizeGradKernel(ctx)([dy], params, { shape: images.shape, dtype: 'float32', size });
 */
export function resizeGradKernel(ctx: GpuContext): Kernel<'resizeGrad'> {
  return ([dy], params, out) =>
    run(ctx, 'resizeGrad', gpuData(dy!.handle, 'resizeGrad').buffer, out.shape, dy!.shape, params, out);
}
