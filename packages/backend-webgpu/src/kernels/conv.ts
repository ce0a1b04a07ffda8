// conv2d and its two backward kernels (NHWC, filter [fh, fw, C/g, outC]) as implicit GEMMs: per
// group g, with col = im2col(x) of shape [N·P, KK] (P = outH·outW, KK = fh·fw·C/g) never stored,
//   y_g = col · W_g,   dx_g = dcol · W'_g,   dW_g = colᵀ · dy_g,
// where dcol[(n, iy, ix), (ky, kx, o)] = dy[n, oy, ox, o] for the (oy, ox) that read (iy, ix)
// through tap (ky, kx), and W'_g[(ky, kx, o), ci] = W_g[(ky, kx, ci), o]. Operands are read
// through index functions, so one GEMM skeleton serves all three: matmul.ts's 32×32 tiles, or one
// thread per output element for depthwise convolutions, whose GEMM is one column wide. Sizes come
// from core's `conv2dGeometry`, in the parameter block. Infinities give the CPU backend's NaNs:
// padded zeros of col enter y and dW (0 · ∞, as in its GEMM); dcol's holes are left out of dx (its
// col2im drops them), and depthwise sums leave out every padded tap (its direct loop skips them).

import { BackendError } from '@nabla/core';
import {
  type Conv2DGeometry,
  conv2dGeometry,
  type Kernel,
  type OutInfo,
  type TensorInfo,
} from '@nabla/core/internal';
import { MAX_GROUPS_PER_AXIS } from '../command-queue.js';
import { type GpuContext, gpuData } from '../gpu-context.js';
import type { GpuData } from '../gpu-data.js';
import { ENTRY, floatStorage, GRID_INDEX, groupsFor } from '../wgsl.js';

const TILE = 32;
const SLICE = 16;

/** Which product a dispatch computes: the forward y, or the gradients of x or the filter. */
type Mode = 'y' | 'dx' | 'dw';

/** How threads split the output: 32×32 tiles, or one thread per element (narrow GEMMs). */
type Schedule = 'tiled' | 'direct';

/** The parameter block and bindings: inputs of storage type F, y of `out` (F, or f32 partials). */
const PARAMS = (out: string) => /* wgsl */ `
struct Params {
  n: u32, h: u32, w: u32, c: u32,
  fh: u32, fw: u32, outH: u32, outW: u32,
  outC: u32, sh: u32, sw: u32, dh: u32,
  dw: u32, top: u32, left: u32, cg: u32,
  og: u32, p: u32, rows: u32, cols: u32,
  depth: u32, groups: u32, total: u32, rowTiles: u32,
  splits: u32, chunk: u32, e0: u32, e1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<F>;
@group(0) @binding(2) var<storage, read> b: array<F>;
@group(0) @binding(3) var<storage, read_write> y: array<${out}>;
`;

/** Where col[pos, k] of group g is in x (binding 1): -1 in the padding. */
const IM2COL = /* wgsl */ `
fn im2col(pos: u32, k: u32, g: u32) -> i32 {
  let img = pos / p.p;
  let r = pos % p.p;
  let tap = k / p.cg;
  let iy = i32((r / p.outW) * p.sh + (tap / p.fw) * p.dh) - i32(p.top);
  let ix = i32((r % p.outW) * p.sw + (tap % p.fw) * p.dw) - i32(p.left);
  if (iy < 0 || ix < 0 || iy >= i32(p.h) || ix >= i32(p.w)) { return -1; }
  return i32(((img * p.h + u32(iy)) * p.w + u32(ix)) * p.c + g * p.cg + k % p.cg);
}
`;

/** Where dcol[pos, k] of group g is in dy (binding 1): -1 where no output reads pos through tap k. */
const DCOL = /* wgsl */ `
fn dcol(pos: u32, k: u32, g: u32) -> i32 {
  let img = pos / (p.h * p.w);
  let r = pos % (p.h * p.w);
  let tap = k / p.og;
  // oy·sh = iy + top − ky·dh must hold for a whole oy in range.
  let ty = i32(r / p.w + p.top) - i32((tap / p.fw) * p.dh);
  let tx = i32(r % p.w + p.left) - i32((tap % p.fw) * p.dw);
  if (ty < 0 || tx < 0) { return -1; }
  let oy = u32(ty) / p.sh;
  let ox = u32(tx) / p.sw;
  if (u32(ty) % p.sh != 0u || u32(tx) % p.sw != 0u || oy >= p.outH || ox >= p.outW) { return -1; }
  return i32(((img * p.outH + oy) * p.outW + ox) * p.outC + g * p.og + k % p.og);
}
`;

/**
 * The GEMM operands of each mode: A [rows, depth] is read from binding 1 at `aAt` (-1: no
 * entry), B [depth, cols] is `loadB` of binding 2.
 */
const OPERANDS: Record<Mode, string> = {
  y: `${IM2COL}
fn aAt(row: u32, k: u32, g: u32) -> i32 { return im2col(row, k, g); }
fn loadB(k: u32, col: u32, g: u32) -> f32 { return f32(b[k * p.outC + g * p.og + col]); }
`,
  dx: `${DCOL}
fn aAt(row: u32, k: u32, g: u32) -> i32 { return dcol(row, k, g); }
fn loadB(k: u32, col: u32, g: u32) -> f32 { return f32(b[((k / p.og) * p.cg + col) * p.outC + g * p.og + k % p.og]); }
`,
  dw: `${IM2COL}
fn aAt(row: u32, k: u32, g: u32) -> i32 { return im2col(k, row, g); }
fn loadB(k: u32, col: u32, g: u32) -> f32 { return f32(b[k * p.outC + g * p.og + col]); }
`,
};

/**
 * Stores `v`, output element (row, col) of group g, in split s's partial sums (f32) or, with
 * one split, in y itself; a row holds every group.
 */
const STORE = (v: string, partial: boolean) =>
  `y[s * p.total + row * p.groups * p.cols + g * p.cols + col] = ${partial ? v : `st(${v})`};`;

/** One thread per output element and split, summing over the split's depth. */
const DIRECT = (partial: boolean) => /* wgsl */ `
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.total * p.splits) { return; }
  let s = i / p.total;
  let width = p.groups * p.cols;
  let row = (i % p.total) / width;
  let g = (i % width) / p.cols;
  let col = i % p.cols;
  var acc = 0.0;
  for (var k = s * p.chunk; k < min(p.depth, (s + 1u) * p.chunk); k++) {
    let at = aAt(row, k, g);
    if (at >= 0) { acc += f32(a[u32(at)]) * loadB(k, col, g); }
  }
  ${STORE('acc', partial)}
}
`;

/**
 * matmul.ts's 32×32 tiles of 4×4 per thread; row tiles loop past the grid's 65,535 limit. A
 * `masked` GEMM leaves A's missing entries out of the sums instead of adding 0 · B (which is
 * NaN where B is infinite).
 */
function tiled(masked: boolean, partial: boolean): string {
  const mask = masked ? `var<workgroup> Am: array<array<u32, ${TILE}>, ${SLICE}>;\n` : '';
  const fma = masked
    ? 'acc[i][j] += select(0.0, av[i] * bv[j], Am[kk][lid.y * 4u + i] != 0u);'
    : 'acc[i][j] += av[i] * bv[j];';
  return /* wgsl */ `${mask}
var<workgroup> As: array<array<f32, ${TILE}>, ${SLICE}>;
var<workgroup> Bs: array<array<f32, ${TILE}>, ${SLICE}>;
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = wid.z / p.splits;
  let s = wid.z % p.splits;
  let kEnd = min(p.depth, (s + 1u) * p.chunk);
  let col0 = wid.x * ${TILE}u;
  let tid = lid.y * 8u + lid.x;
  for (var tile = wid.y; tile < p.rowTiles; tile += nwg.y) {
    let row0 = tile * ${TILE}u;
    var acc: array<array<f32, 4>, 4>;
    for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] = 0.0; } }
    for (var t = s * p.chunk; t < kEnd; t += ${SLICE}u) {
      for (var e = 0u; e < 8u; e++) {
        let idx = tid + e * 64u;
        let r = idx / ${SLICE}u;
        let ka = t + idx % ${SLICE}u;
        var at = -1;
        if (row0 + r < p.rows && ka < kEnd) { at = aAt(row0 + r, ka, g); }
        var va = 0.0;
        if (at >= 0) { va = f32(a[u32(at)]); }
        As[idx % ${SLICE}u][r] = va;
        ${masked ? `Am[idx % ${SLICE}u][r] = select(0u, 1u, at >= 0);` : ''}
        let kb = idx / ${TILE}u;
        let c = idx % ${TILE}u;
        var vb = 0.0;
        if (col0 + c < p.cols && t + kb < kEnd) { vb = loadB(t + kb, col0 + c, g); }
        Bs[kb][c] = vb;
      }
      workgroupBarrier();
      for (var kk = 0u; kk < ${SLICE}u; kk++) {
        var av: array<f32, 4>;
        var bv: array<f32, 4>;
        for (var i = 0u; i < 4u; i++) { av[i] = As[kk][lid.y * 4u + i]; bv[i] = Bs[kk][lid.x * 4u + i]; }
        for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { ${fma} } }
      }
      workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i++) {
      let row = row0 + lid.y * 4u + i;
      for (var j = 0u; j < 4u; j++) {
        let col = col0 + lid.x * 4u + j;
        if (row < p.rows && col < p.cols) { ${STORE('acc[i][j]', partial)} }
      }
    }
  }
}
`;
}

/** The GEMM sizes of a mode: A's rows, B's columns, and the depth summed over. */
function gemmDims(g: Conv2DGeometry, mode: Mode): [rows: number, cols: number, depth: number] {
  switch (mode) {
    case 'y':
      return [g.n * g.p, g.og, g.kk];
    case 'dx':
      return [g.n * g.h * g.w, g.cg, g.fh * g.fw * g.og];
    case 'dw':
      return [g.kk, g.og, g.n * g.p];
    default:
      return mode satisfies never;
  }
}

/** Adds the splits' partial sums in a fixed order, so results are deterministic. */
const SUM_SPLITS = /* wgsl */ `
struct Params { total: u32, splits: u32, e0: u32, e1: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<F>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.total) { return; }
  var acc = 0.0;
  for (var s = 0u; s < p.splits; s++) { acc += part[s * p.total + i]; }
  y[i] = st(acc);
}
`;

/** Workgroups a dispatch should have to keep a GPU busy; fewer split the depth (split-K). */
const BUSY_GROUPS = 64;
/** Least depth one split sums, and most splits (their partial sums take splits × the output). */
const SPLIT_DEPTH = 256;
const MAX_SPLITS = 32;

/**
 * How many ranges of the depth to sum apart: one, unless the output is too small to fill a GPU
 * and the depth is long (a filter gradient sums over every output position of the batch).
 */
function splitsFor(workgroups: number, depth: number, groups: number): number {
  const wanted = Math.min(Math.ceil(BUSY_GROUPS / workgroups), Math.floor(depth / SPLIT_DEPTH), MAX_SPLITS);
  return Math.max(1, Math.min(wanted, Math.floor(MAX_GROUPS_PER_AXIS / groups)));
}

/** Records one convolution product into new storage for `out`. */
function runConv(
  ctx: GpuContext,
  op: string,
  mode: Mode,
  g: Conv2DGeometry,
  inputs: readonly [TensorInfo, TensorInfo],
  out: OutInfo,
): GpuData {
  const [rows, cols, depth] = gemmDims(g, mode);
  const schedule: Schedule = g.depthwise ? 'direct' : 'tiled';
  if (schedule === 'tiled' && g.groups > MAX_GROUPS_PER_AXIS) {
    throw new BackendError(`${op}: webgpu runs at most ${MAX_GROUPS_PER_AXIS} groups, got ${g.groups}`);
  }
  const rowTiles = Math.ceil(rows / TILE);
  const colTiles = Math.ceil(cols / TILE);
  const tiles = Math.min(rowTiles, MAX_GROUPS_PER_AXIS) * colTiles;
  const splits =
    schedule === 'tiled'
      ? splitsFor(tiles * g.groups, depth, g.groups)
      : splitsFor(groupsFor(out.size), depth, 1);
  // Whole slices per split, so a split's slices never reach into the next one's depth.
  const chunk = Math.ceil(Math.ceil(depth / splits) / SLICE) * SLICE;
  const partial = splits > 1;
  const pipeline = ctx.queue.pipeline(`conv:${mode}:${schedule}:${out.dtype}:${partial}`, () =>
    [
      floatStorage(out.dtype),
      PARAMS(partial ? 'f32' : 'F'),
      OPERANDS[mode],
      schedule === 'tiled' ? tiled(mode === 'dx', partial) : DIRECT(partial),
    ].join(''),
  );
  const [a, b] = inputs.map((t) => gpuData(t.handle, op).buffer);
  const y = ctx.alloc(out);
  // Partial sums stay f32 (4 bytes each) whatever the output's dtype.
  const part = partial ? ctx.pool.acquire(splits * out.size * 4) : y.buffer;
  // biome-ignore format: the parameter block's rows of four
  const params = new Uint32Array([
    g.n, g.h, g.w, g.c,
    g.fh, g.fw, g.outH, g.outW,
    g.outC, g.sh, g.sw, g.dh,
    g.dw, g.top, g.left, g.cg,
    g.og, g.p, rows, cols,
    depth, g.groups, out.size, rowTiles,
    splits, chunk, 0, 0,
  ]);
  ctx.queue.dispatch({
    pipeline,
    params,
    buffers: [a!, b!, part],
    workgroups:
      schedule === 'tiled'
        ? [colTiles, Math.min(rowTiles, MAX_GROUPS_PER_AXIS), g.groups * splits]
        : groupsFor(out.size * splits),
  });
  if (partial) {
    ctx.queue.dispatch({
      pipeline: ctx.queue.pipeline(`conv:sumSplits:${out.dtype}`, () => floatStorage(out.dtype) + SUM_SPLITS),
      params: new Uint32Array([out.size, splits, 0, 0]),
      buffers: [part, y.buffer],
      workgroups: groupsFor(out.size),
    });
    ctx.pool.release(part, ctx.queue.pending);
  }
  return y;
}

/**
 * The `conv2d` kernel: y[n, oy, ox, o] = Σ x[n, oy·sh − top + ky·dh, ox·sw − left + kx·dw, ci] · f[ky, kx, ci, o].
 * @example
 * const conv2d = conv2dKernel(ctx);
 */
export function conv2dKernel(ctx: GpuContext): Kernel<'conv2d'> {
  return ([x, filter], params, out) => {
    const g = conv2dGeometry(x!.shape, filter!.shape, out.shape, params);
    return runConv(ctx, 'conv2d', 'y', g, [x!, filter!], out);
  };
}

/**
 * The `conv2dBackpropInput` kernel (inputs dy and the filter; `out` has x's shape).
 * @example
 * const conv2dBackpropInput = conv2dBackpropInputKernel(ctx);
 */
export function conv2dBackpropInputKernel(ctx: GpuContext): Kernel<'conv2dBackpropInput'> {
  return ([dy, filter], params, out) => {
    const g = conv2dGeometry(out.shape, filter!.shape, dy!.shape, params);
    return runConv(ctx, 'conv2dBackpropInput', 'dx', g, [dy!, filter!], out);
  };
}

/**
 * The `conv2dBackpropFilter` kernel (inputs x and dy; `out` has the filter's shape).
 * @example
 * const conv2dBackpropFilter = conv2dBackpropFilterKernel(ctx);
 */
export function conv2dBackpropFilterKernel(ctx: GpuContext): Kernel<'conv2dBackpropFilter'> {
  return ([x, dy], params, out) => {
    const g = conv2dGeometry(x!.shape, out.shape, dy!.shape, params);
    return runConv(ctx, 'conv2dBackpropFilter', 'dw', g, [x!, dy!], out);
  };
}
