// The `cast` kernel (assembly/cast.ts): conversions between float32, int32 and bool, with the
// ABI's dtype codes (src/abi.ts).

import { BackendError } from '@nabla/core';
import type { Kernel } from '@nabla/core/internal';
import { DTYPE_BOOL, DTYPE_FLOAT32, DTYPE_INT32 } from '../abi.js';
import type { WasmContext } from '../kernel-context.js';

/** Dtype codes (src/abi.ts). */
const DTYPE_CODES: Record<'float32' | 'int32' | 'bool', number> = {
  float32: DTYPE_FLOAT32,
  int32: DTYPE_INT32,
  bool: DTYPE_BOOL,
};

/**
 * The `cast` kernel: to bool is `x != 0` (NaN → true); float to int32 truncates toward zero
 * with NaN → 0, wrapping like an Int32Array store.
 * @example
 * castKernel(ctx)([x], {}, { shape: x.shape, dtype: 'int32', size: x.size });
 */
export function castKernel(ctx: WasmContext): Kernel<'cast'> {
  return (inputs, _params, out) => {
    const x = inputs[0]!;
    const px = ctx.ptr(x, 'cast');
    const y = ctx.alloc(out);
    ctx.wasm.cast(codeOf(x.dtype), codeOf(out.dtype), px, y.ptr, out.size);
    return y;
  };
}

function codeOf(dtype: string): number {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return DTYPE_CODES[dtype];
  throw new BackendError(`cast: dtype ${dtype} is not supported on the wasm backend`);
}
