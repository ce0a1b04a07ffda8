// Unary elementwise kernels. The op codes here are the ones the AssemblyScript switch uses
// (assembly/unary.ts); the table is a `Record` over core's unary primitives, so a new primitive
// without a code fails to compile.

import type { Kernel, UnaryPrim } from '@nabla/core';
import type { WasmContext } from '../kernel-context.js';

/** Float32 op codes of assembly/unary.ts; the last three have kernels of their own. */
const UNARY_OPS: Record<UnaryPrim, number> = {
  neg: 0,
  abs: 1,
  sign: 2,
  exp: 3,
  log: 4,
  log1p: 5,
  expm1: 6,
  sqrt: 7,
  rsqrt: 8,
  sin: 9,
  cos: 10,
  tan: 11,
  tanh: 12,
  sigmoid: 13,
  erf: 14,
  floor: 15,
  ceil: 16,
  round: 17,
  reciprocal: 18,
  relu: 19,
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
      if (x.dtype === 'float32') ctx.wasm.floatPredicate(prim === 'isNaN' ? 0 : 1, px, y.ptr, n);
      else ctx.wasm.fill8(y.ptr, prim === 'isNaN' ? 0 : 1, n);
    } else if (x.dtype === 'int32') {
      ctx.wasm.unaryI32(op, px, y.ptr, n);
    } else {
      ctx.wasm.unaryF32(op, px, y.ptr, n);
    }
    return y;
  };
}
