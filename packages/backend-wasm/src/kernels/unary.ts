// Unary elementwise kernels. The op codes are the ABI's (src/abi.ts, read by assembly/unary.ts
// too); the table is a `Record` over core's unary primitives, so a new primitive
// without a code fails to compile.

import type { Kernel, UnaryPrim } from '@nabla/core/internal';
import * as abi from '../abi.js';
import type { WasmContext } from '../kernel-context.js';

/** Float32 op codes (src/abi.ts); the last three have kernels of their own. */
const UNARY_OPS: Record<UnaryPrim, number> = {
  neg: abi.UNARY_NEG,
  abs: abi.UNARY_ABS,
  sign: abi.UNARY_SIGN,
  exp: abi.UNARY_EXP,
  log: abi.UNARY_LOG,
  log1p: abi.UNARY_LOG1P,
  expm1: abi.UNARY_EXPM1,
  sqrt: abi.UNARY_SQRT,
  rsqrt: abi.UNARY_RSQRT,
  sin: abi.UNARY_SIN,
  cos: abi.UNARY_COS,
  tan: abi.UNARY_TAN,
  tanh: abi.UNARY_TANH,
  sigmoid: abi.UNARY_SIGMOID,
  erf: abi.UNARY_ERF,
  floor: abi.UNARY_FLOOR,
  ceil: abi.UNARY_CEIL,
  round: abi.UNARY_ROUND,
  reciprocal: abi.UNARY_RECIPROCAL,
  relu: abi.UNARY_RELU,
  isNaN: -1,
  isFinite: -1,
  logicalNot: -1,
};

/**
 * A kernel applying one unary primitive. Core casts float math to float32 first, so inputs are
 * float32 except for the ops that keep int32 (neg, abs, sign, floor, ceil, round, relu), the
 * predicates (any dtype in, bool out) and logicalNot (bool in and out).
 * @example
 * unaryKernel(ctx, 'exp')([x], {}, out);
 */
export function unaryKernel<P extends UnaryPrim>(ctx: WasmContext, prim: P): Kernel<P> {
  const op = UNARY_OPS[prim];
  return (inputs, _params, out) => {
    const x = inputs[0]!;
    const px = ctx.ptr(x, prim);
    const y = ctx.alloc(out);
    const n = out.size;
    if (prim === 'logicalNot') {
      ctx.wasm.logicalNot(px, y.ptr, n);
    } else if (prim === 'isNaN' || prim === 'isFinite') {
      // Integers are never NaN and always finite.
      if (x.dtype === 'float32')
        ctx.wasm.floatPredicate(
          prim === 'isNaN' ? abi.PREDICATE_IS_NAN : abi.PREDICATE_IS_FINITE,
          px,
          y.ptr,
          n,
        );
      else ctx.wasm.fill8(y.ptr, prim === 'isNaN' ? 0 : 1, n);
    } else if (x.dtype === 'int32') {
      ctx.wasm.unaryI32(op, px, y.ptr, n);
    } else {
      ctx.wasm.unaryF32(op, px, y.ptr, n);
    }
    return y;
  };
}
