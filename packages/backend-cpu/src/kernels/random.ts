// The `randomUniform` kernel: core's counter-based generator, so element i depends only on the
// seed and i and every backend fills the same values.

import { type Kernel, uniformAt } from '@nabla/core/internal';
import type { CpuContext } from '../cpu-data.js';

/**
 * The `randomUniform` kernel: element i is `uniformAt(seed, i)`, identical on every backend.
 * @example
 * randomUniformKernel(ctx)([], { seed: 42 }, { shape: [3], dtype: 'float32', size: 3 });
 */
export function randomUniformKernel(ctx: CpuContext): Kernel<'randomUniform'> {
  return (_inputs, { seed }, out) => {
    const y = ctx.alloc(out);
    const yv = y.values;
    for (let i = 0; i < out.size; i++) yv[i] = uniformAt(seed, i);
    return y;
  };
}
