// The `cast` kernel (assembly/cast.ts): conversions between float32, int32 and bool, with the
// dtype codes the AssemblyScript side switches on.

import { BackendError, type Kernel } from '@nabla/core';
import type { WasmContext } from '../kernel-context.js';
import { wasmData } from '../wasm-data.js';

/** Dtype codes shared with the kernels (assembly/cast.ts). */
const DTYPE_CODES: Record<'float32' | 'int32' | 'bool', number> = { float32: 0, int32: 1, bool: 2 };

/**
 * The `cast` kernel: to bool is `x != 0` (NaN → true); float to int32 truncates toward zero
 * with NaN → 0, wrapping like an Int32Array store.
 * @example
 * castKernel(ctx)([x], {}, { shape: x.shape, dtype: 'int32', size: x.size });
 */
export function castKernel(ctx: WasmContext): Kernel<'cast'> {
  return (inputs, _params, out) => {
    const x = inputs[0]!;
    const px = wasmData(x.handle, 'cast').ptr;
    const y = ctx.alloc(out);
    ctx.wasm.cast(codeOf(x.dtype), codeOf(out.dtype), px, y.ptr, out.size);
    return y;
  };
}

function codeOf(dtype: string): number {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return DTYPE_CODES[dtype];
  throw new BackendError(`cast: dtype ${dtype} is not supported on the wasm backend`);
}
