// gather and its adjoint scatterAdd along one axis, with int32 indices. An out-of-range index
// reads 0 (gather) or is skipped (scatterAdd). scatterAdd has one thread per output element
// summing every update whose index hits it: no float atomics (WGSL has none), and the sums come
// out in a fixed order, so results are deterministic.

import type { DType } from '@nabla/core';
import { aroundAxis, type Kernel } from '@nabla/core/internal';
import { dispatchInto, type GpuContext } from '../gpu-context.js';
import { ENTRY, GRID_INDEX, loadScalar, scalarOf, storageType, storeAs, wordType } from '../wgsl.js';

const PARAMS = /* wgsl */ `
struct Params { n: u32, axisLen: u32, indices: u32, inner: u32 }
@group(0) @binding(0) var<uniform> p: Params;
`;

const GATHER = (word: string) => /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<${word}>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<${word}>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.n) { return; }
  let r = i % p.inner;
  let j = (i / p.inner) % p.indices;
  let o = i / (p.inner * p.indices);
  let at = idx[j];
  if (at < 0 || u32(at) >= p.axisLen) { y[i] = ${word}(0); return; }
  y[i] = x[(o * p.axisLen + u32(at)) * p.inner + r];
}
`;

/**
 * The gather kernel (raw 32-bit words, or f16: one pipeline for every dtype of a width).
 * @example
 * const gather = gatherKernel(ctx);
 */
export function gatherKernel(ctx: GpuContext): Kernel<'gather'> {
  return ([x, indices], { axis }, out) => {
    const [, axisLen, inner] = aroundAxis(x!.shape, axis);
    const word = wordType(out.dtype);
    return dispatchInto(ctx, 'gather', out, {
      key: `gather:${word}`,
      code: () => GATHER(word),
      params: new Uint32Array([out.size, axisLen, indices!.size, inner]),
      inputs: [x!.handle, indices!.handle],
    });
  };
}

function scatterShader(of: DType): string {
  // bool (never a gradient) is summed as its 0/1 words.
  const dtype = of === 'bool' ? 'int32' : of;
  const type = scalarOf(dtype);
  const stored = storageType(dtype);
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> upd: array<${stored}>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<${stored}>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.n) { return; }
  let r = i % p.inner;
  let k = (i / p.inner) % p.axisLen;
  let o = i / (p.inner * p.axisLen);
  var acc: ${type} = ${type}(0);
  for (var j = 0u; j < p.indices; j++) {
    if (idx[j] == i32(k)) { acc += ${loadScalar('upd[(o * p.indices + j) * p.inner + r]', dtype)}; }
  }
  y[i] = ${storeAs('acc', type, dtype)};
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
    return dispatchInto(ctx, 'scatterAdd', out, {
      key: `scatterAdd:${out.dtype}`,
      code: () => scatterShader(out.dtype),
      params: new Uint32Array([out.size, axisLen, indices!.size, inner]),
      inputs: [updates!.handle, indices!.handle],
    });
  };
}
