// The `cast` kernel. Values are converted by the output typed array's own store, which rounds
// to float32, truncates to int32 (NaN → 0) exactly as core specifies; only bool needs a test.

import type { Kernel } from '@nabla/core/internal';
import { type CpuContext, valuesOf } from '../cpu-data.js';

/**
 * The `cast` kernel: to bool is `x != 0` (so NaN → true, as in NumPy); float to int32
 * truncates toward zero with NaN → 0 (the Int32Array store does exactly that).
 * @example
 * castKernel(ctx)([x], {}, { shape: x.shape, dtype: 'int32', size: x.size });
 */
export function castKernel(ctx: CpuContext): Kernel<'cast'> {
  return (inputs, _params, out) => {
    const x = valuesOf(inputs[0], 'cast');
    const y = ctx.alloc(out);
    const yv = y.values;
    if (out.dtype === 'bool') {
      for (let i = 0; i < x.length; i++) yv[i] = x[i] !== 0 ? 1 : 0;
    } else {
      yv.set(x);
    }
    return y;
  };
}
