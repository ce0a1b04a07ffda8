// The cast kernel: each element converted to the output dtype with JavaScript's semantics
// (float → int32 truncates toward zero and wraps; NaN and ±∞ give 0; bool is x != 0).

import type { Kernel } from '@nabla/core/internal';
import { type ElementwiseBody, runElementwise } from '../elementwise.js';
import type { GpuContext } from '../gpu-context.js';

const CAST: ElementwiseBody = { key: 'cast', compute: ([x]) => x! };

/**
 * The cast kernel.
 * @example
 * const cast = castKernel(ctx);
 */
export function castKernel(ctx: GpuContext): Kernel<'cast'> {
  return (inputs, _params, out) => runElementwise(ctx, 'cast', CAST, inputs, out);
}
