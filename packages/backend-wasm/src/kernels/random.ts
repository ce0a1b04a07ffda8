// The `randomUniform` kernel (assembly/random.ts): a counter-based fill, so element i depends
// only on the seed and i and matches every other backend bit for bit.

import type { Kernel } from '@nabla/core/internal';
import type { WasmContext } from '../kernel-context.js';

/**
 * The `randomUniform` kernel: element i is `uniformAt(seed, i)`, bit for bit as on every backend.
 * @example
 * randomUniformKernel(ctx)([], { seed: 42 }, { shape: [3], dtype: 'float32', size: 3 });
 */
export function randomUniformKernel(ctx: WasmContext): Kernel<'randomUniform'> {
  return (_inputs, { seed }, out) => {
    const y = ctx.alloc(out);
    ctx.wasm.randomUniform(seed, y.ptr, 0, out.size);
    return y;
  };
}
