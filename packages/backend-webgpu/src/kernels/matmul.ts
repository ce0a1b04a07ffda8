// Batched matmul: each 8×8 workgroup computes a 32×32 output tile, each thread a 4×4 block in
// registers, stepping through K in slices of 16 staged in workgroup memory. Transposed operands
// are read in place (the flags pick the pipeline); a batch of 1 broadcasts against the other.

import { BackendError, type DType } from '@nabla/core';
import { type Kernel, matmulDims, type OutInfo, type TensorInfo } from '@nabla/core/internal';
import { MAX_GROUPS_PER_AXIS } from '../command-queue.js';
import { type GpuContext, gpuData } from '../gpu-context.js';
import type { GpuData } from '../gpu-data.js';
import { loadScalar, scalarOf, storageType, storeAs } from '../wgsl.js';

const TILE = 32;
const SLICE = 16;

/** A fused epilogue: WGSL defining `activate(x: f32) -> f32`, and a bias `[N]` or none. */
export interface MatmulEpilogue {
  readonly key: string;
  readonly code: string;
  readonly bias: TensorInfo | null;
}

function shader(
  dtype: DType,
  transposeA: boolean,
  transposeB: boolean,
  epilogue: MatmulEpilogue | null,
): string {
  // Products accumulate in f32 for float16 too (halves are loaded into f32 tiles).
  const type = scalarOf(dtype) === 'i32' ? 'i32' : 'f32';
  const stored = storageType(dtype);
  const zero = type === 'f32' ? '0.0' : '0';
  const value = epilogue?.bias ? `acc[i][j] + ${loadScalar('bias[col]', dtype)}` : 'acc[i][j]';
  const store = storeAs(epilogue ? `activate(${value})` : value, type, dtype);
  // Element (row, kk) of A and (kk, col) of B in their stored layouts.
  const aAt = transposeA ? 'aOff + kk * p.m + row' : 'aOff + row * p.k + kk';
  const bAt = transposeB ? 'bOff + col * p.k + kk' : 'bOff + kk * p.n + col';
  return /* wgsl */ `
struct Params { m: u32, n: u32, k: u32, batchA: u32, batchB: u32, e0: u32, e1: u32, e2: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<${stored}>;
@group(0) @binding(2) var<storage, read> b: array<${stored}>;
${epilogue?.bias ? `@group(0) @binding(3) var<storage, read> bias: array<${stored}>;\n` : ''}@group(0) @binding(${epilogue?.bias ? 4 : 3}) var<storage, read_write> y: array<${stored}>;
${epilogue?.code ?? ''}
var<workgroup> As: array<array<${type}, ${TILE}>, ${SLICE}>;
var<workgroup> Bs: array<array<${type}, ${TILE}>, ${SLICE}>;
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let batch = wid.z;
  let aOff = select(batch, 0u, p.batchA == 1u) * p.m * p.k;
  let bOff = select(batch, 0u, p.batchB == 1u) * p.k * p.n;
  let row0 = wid.y * ${TILE}u;
  let col0 = wid.x * ${TILE}u;
  let tid = lid.y * 8u + lid.x;
  var acc: array<array<${type}, 4>, 4>;
  for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] = ${zero}; } }
  for (var t = 0u; t < p.k; t += ${SLICE}u) {
    for (var e = 0u; e < 8u; e++) {
      let idx = tid + e * 64u;
      let r = idx / ${SLICE}u;
      let kk0 = idx % ${SLICE}u;
      let row = row0 + r;
      let kk = t + kk0;
      var va = ${zero};
      if (row < p.m && kk < p.k) { va = ${loadScalar(`a[${aAt}]`, dtype)}; }
      As[kk0][r] = va;
      let kb = idx / ${TILE}u;
      let c = idx % ${TILE}u;
      let col = col0 + c;
      let kk2 = t + kb;
      var vb = ${zero};
      if (col < p.n && kk2 < p.k) {
        let kk = kk2;
        vb = ${loadScalar(`b[${bAt}]`, dtype)};
      }
      Bs[kb][c] = vb;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${SLICE}u; kk++) {
      var av: array<${type}, 4>;
      var bv: array<${type}, 4>;
      for (var i = 0u; i < 4u; i++) { av[i] = As[kk][lid.y * 4u + i]; bv[i] = Bs[kk][lid.x * 4u + i]; }
      for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] += av[i] * bv[j]; } }
    }
    workgroupBarrier();
  }
  let yOff = batch * p.m * p.n;
  for (var i = 0u; i < 4u; i++) {
    let row = row0 + lid.y * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + lid.x * 4u + j;
      if (row < p.m && col < p.n) { y[yOff + row * p.n + col] = ${store}; }
    }
  }
}
`;
}

/**
 * Records one (batched) matmul of `a` and `b` into new storage for `out`, with an optional
 * fused epilogue (bias and activation applied before the store).
 * @example
 * const y = matmulDispatch(ctx, 'matmul', a, b, out, false, false, null);
 */
export function matmulDispatch(
  ctx: GpuContext,
  op: string,
  a: TensorInfo,
  b: TensorInfo,
  out: OutInfo,
  transposeA: boolean,
  transposeB: boolean,
  epilogue: MatmulEpilogue | null,
): GpuData {
  const { m, n, k, batch, batchA, batchB } = matmulDims(a.shape, b.shape, transposeA, transposeB);
  if (batch > MAX_GROUPS_PER_AXIS) {
    throw new BackendError(
      `${op}: webgpu runs at most ${MAX_GROUPS_PER_AXIS} products in one batch, got ${batch}`,
    );
  }
  const key = `matmul:${out.dtype}:${transposeA}:${transposeB}:${epilogue?.key ?? ''}`;
  const pipeline = ctx.queue.pipeline(key, () => shader(out.dtype, transposeA, transposeB, epilogue));
  const buffers = [gpuData(a.handle, op).buffer, gpuData(b.handle, op).buffer];
  if (epilogue?.bias) buffers.push(gpuData(epilogue.bias.handle, op).buffer);
  const y = ctx.alloc(out);
  ctx.queue.dispatch({
    pipeline,
    params: new Uint32Array([m, n, k, batchA, batchB, 0, 0, 0]),
    buffers: [...buffers, y.buffer],
    workgroups: [Math.ceil(n / TILE), Math.ceil(m / TILE), batch],
  });
  return y;
}

/**
 * The matmul kernel.
 * @example
 * const matmul = matmulKernel(ctx);
 */
export function matmulKernel(ctx: GpuContext): Kernel<'matmul'> {
  return ([a, b], { transposeA, transposeB }, out) =>
    matmulDispatch(ctx, 'matmul', a!, b!, out, transposeA, transposeB, null);
}
