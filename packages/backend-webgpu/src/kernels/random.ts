// The randomUniform kernel: element i is uniformAt(seed, i) from core's counter-based generator,
// computed in u32 exactly as core's random.ts does, so every backend gives the same values
// (float16 rounds them on the store).

import { fmix32, type Kernel } from '@nabla/core/internal';
import { dispatchInto, type GpuContext } from '../gpu-context.js';
import { ENTRY, floatStorage, GRID_INDEX, packParams, paramsStruct } from '../wgsl.js';

const SHADER = /* wgsl */ `
${paramsStruct(0)}
@group(0) @binding(1) var<storage, read_write> y: array<F>;
fn fmix32(h0: u32) -> u32 {
  var h = h0;
  h ^= h >> 16u;
  h *= 0x85ebca6bu;
  h ^= h >> 13u;
  h *= 0xc2b2ae35u;
  h ^= h >> 16u;
  return h;
}
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.n) { return; }
  // hashAt(seed, i), with fmix32(seed) computed once on the host (p.e0).
  let mixed = fmix32((i * 0x9e3779b9u) ^ p.e0);
  let h = fmix32(mixed + 0x6a09e667u);
  y[i] = st(f32(h >> 8u) / 16777216.0);
}
`;

/**
 * The randomUniform kernel.
 * @example
 * const random = randomUniformKernel(ctx);
 */
export function randomUniformKernel(ctx: GpuContext): Kernel<'randomUniform'> {
  return (_inputs, { seed }, out) => {
    const params = packParams(out.size, [], [], [fmix32(seed >>> 0), 0]);
    return dispatchInto(ctx, 'randomUniform', out, {
      key: `randomUniform:${out.dtype}`,
      code: () => floatStorage(out.dtype) + SHADER,
      params,
      inputs: [],
    });
  };
}
