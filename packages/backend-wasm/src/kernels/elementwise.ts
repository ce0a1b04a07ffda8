// Elementwise kernels: unary ops, broadcasting binary ops, `where` and `cast`. The op codes here
// are the ones the AssemblyScript switches use (assembly/unary.ts, assembly/binary.ts); both
// tables are `Record`s over core's primitive names, so a new primitive without a code fails to
// compile. Broadcasting reads inputs with stride 0, never materialising them.

import { BackendError, type BinaryPrim, broadcastStrides, type Kernel, type UnaryPrim } from '@nabla/core';
import { DTYPE_CODES, type WasmContext, wasmData } from '../wasm-data.js';

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

/** Op codes of assembly/binary.ts. */
const BINARY_OPS: Record<BinaryPrim, number> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  pow: 4,
  maximum: 5,
  minimum: 6,
  mod: 7,
  equal: 8,
  notEqual: 9,
  less: 10,
  lessEqual: 11,
  greater: 12,
  greaterEqual: 13,
  logicalAnd: 14,
  logicalOr: 15,
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

/** Whether a shape is all ones (a scalar, however many axes it has). */
function isScalar(shape: readonly number[]): boolean {
  return shape.every((d) => d === 1);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Element strides of each input read over `outShape`, with the flat fast paths spelled out. */
function walkFor(ctx: WasmContext, outShape: readonly number[], shapes: readonly (readonly number[])[]) {
  const n = outShape.reduce((p, d) => p * d, 1);
  if (shapes.every((s) => sameShape(s, outShape)))
    return ctx.walk(
      [n],
      shapes.map(() => [1]),
    );
  if (shapes.every((s) => isScalar(s) || sameShape(s, outShape))) {
    return ctx.walk(
      [n],
      shapes.map((s) => [isScalar(s) ? 0 : 1]),
    );
  }
  return ctx.walk(
    outShape,
    shapes.map((s) => broadcastStrides(s, outShape)),
  );
}

/**
 * A kernel applying one binary primitive with broadcasting. Both inputs share a dtype (core
 * promotes); arithmetic keeps it, comparisons and logic give bools.
 * @example
 * binaryKernel(ctx, 'add')([a, b], {}, out);
 */
export function binaryKernel<P extends BinaryPrim>(ctx: WasmContext, prim: P): Kernel<P> {
  const op = BINARY_OPS[prim];
  return (inputs, _params, out) => {
    const [a, b] = [inputs[0]!, inputs[1]!];
    const pa = ctx.ptr(a, prim);
    const pb = ctx.ptr(b, prim);
    const y = ctx.alloc(out);
    const p = walkFor(ctx, out.shape, [a.shape, b.shape]);
    if (out.dtype === 'bool') {
      if (a.dtype === 'float32') ctx.wasm.compareF32(op, pa, pb, y.ptr, p);
      else if (a.dtype === 'int32') ctx.wasm.compareI32(op, pa, pb, y.ptr, p);
      else ctx.wasm.compareU8(op, pa, pb, y.ptr, p);
    } else if (out.dtype === 'int32') {
      ctx.wasm.binaryI32(op, pa, pb, y.ptr, p);
    } else {
      ctx.wasm.binaryF32(op, pa, pb, y.ptr, p);
    }
    return y;
  };
}

/**
 * The `where` kernel: `cond ? a : b`, all three broadcasting to `out.shape`.
 * @example
 * whereKernel(ctx)([cond, a, b], {}, out);
 */
export function whereKernel(ctx: WasmContext): Kernel<'where'> {
  return (inputs, _params, out) => {
    const [c, a, b] = [inputs[0]!, inputs[1]!, inputs[2]!];
    const pc = ctx.ptr(c, 'where');
    const pa = ctx.ptr(a, 'where');
    const pb = ctx.ptr(b, 'where');
    const y = ctx.alloc(out);
    const p = walkFor(ctx, out.shape, [c.shape, a.shape, b.shape]);
    if (out.dtype === 'bool') ctx.wasm.where8(pc, pa, pb, y.ptr, p);
    else ctx.wasm.where32(pc, pa, pb, y.ptr, p);
    return y;
  };
}

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
