// gather and its adjoint scatterAdd along one axis, with int32 indices. An out-of-range index
// reads 0 (gather) or is skipped (scatterAdd). scatterAdd has one thread per output element
// summing every update whose index hits it: no float atomics (WGSL has none), and the sums come
// out in a fixed order, so results are deterministic.

import { aroundAxis, type Kernel } from '@nabla/core/internal';
import { dispatchInto, type GpuContext } from '../gpu-context.js';
import { ENTRY, GRID_INDEX, storageType } from '../wgsl.js';

const PARAMS = /* wgsl */ `
struct Params { n: u32, axisLen: u32, indices: u32, inner: u32 }
@group(0) @binding(0) var<uniform> p: Params;
`;

const GATHER = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<u32>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.n) { return; }
  let r = i % p.inner;
  let j = (i / p.inner) % p.indices;
  let o = i / (p.inner * p.indices);
  let at = idx[j];
  if (at < 0 || u32(at) >= p.axisLen) { y[i] = 0u; return; }
  y[i] = x[(o * p.axisLen + u32(at)) * p.inner + r];
}
`;

/**
 * The gather kernel (raw 32-bit words: one pipeline for every dtype).
 * @example
 * const gather = gatherKernel(ctx);
 */
export function gatherKernel(ctx: GpuContext): Kernel<'gather'> {
  return ([x, indices], { axis }, out) => {
    const [, axisLen, inner] = aroundAxis(x!.shape, axis);
    return dispatchInto(ctx, 'gather', out, {
      key: 'gather',
      code: () => GATHER,
      params: new Uint32Array([out.size, axisLen, indices!.size, inner]),
      inputs: [x!.handle, indices!.handle],
    });
  };
}

function scatterShader(type: 'f32' | 'i32'): string {
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> upd: array<${type}>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<${type}>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.n) { return; }
  let r = i % p.inner;
  let k = (i / p.inner) % p.axisLen;
  let o = i / (p.inner * p.axisLen);
  var acc: ${type} = ${type}(0);
  for (var j = 0u; j < p.indices; j++) {
    if (idx[j] == i32(k)) { acc += upd[(o * p.indices + j) * p.inner + r]; }
  }
  y[i] = acc;
}
`;
}

/**
 * The scatterAdd kernel: updates added into zeros of `out.shape` at their indices.
 * @example
 * const scatterAdd = scatterAddKernel(ctx);
 */
export function scatterAddKernel(ctx: GpuContext): Kernel<'scatterAdd'> {
  return ([updates, indices], { axis }, out) => {
    const [, axisLen, inner] = aroundAxis(out.shape, axis);
    const type = storageType(out.dtype) === 'i32' ? 'i32' : 'f32';
    return dispatchInto(ctx, 'scatterAdd', out, {
      key: `scatterAdd:${type}`,
      code: () => scatterShader(type),
      params: new Uint32Array([out.size, axisLen, indices!.size, inner]),
      inputs: [updates!.handle, indices!.handle],
    });
  };
}
