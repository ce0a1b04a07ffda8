// Broadcasting binary kernels and `where`. The op codes are the ABI's (src/abi.ts, read by
// assembly/binary.ts too), in a `Record` over core's binary primitives, so a new
// primitive without a code fails to compile. Broadcasting reads inputs with stride 0, never
// materialising them.

import { type BinaryPrim, broadcastStrides, type Kernel } from '@nabla/core/internal';
import * as abi from '../abi.js';
import type { WasmContext } from '../kernel-context.js';

/** Op codes (src/abi.ts). */
const BINARY_OPS: Record<BinaryPrim, number> = {
  add: abi.BINARY_ADD,
  sub: abi.BINARY_SUB,
  mul: abi.BINARY_MUL,
  div: abi.BINARY_DIV,
  pow: abi.BINARY_POW,
  maximum: abi.BINARY_MAXIMUM,
  minimum: abi.BINARY_MINIMUM,
  mod: abi.BINARY_MOD,
  equal: abi.BINARY_EQUAL,
  notEqual: abi.BINARY_NOT_EQUAL,
  less: abi.BINARY_LESS,
  lessEqual: abi.BINARY_LESS_EQUAL,
  greater: abi.BINARY_GREATER,
  greaterEqual: abi.BINARY_GREATER_EQUAL,
  logicalAnd: abi.BINARY_LOGICAL_AND,
  logicalOr: abi.BINARY_LOGICAL_OR,
};

/** Whether a shape is all ones (a scalar, however many axes it has). */
function isScalar(shape: readonly number[]): boolean {
  for (let i = 0; i < shape.length; i++) if (shape[i] !== 1) return false;
  return true;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const FLAT: readonly number[] = [1];
const SPLAT: readonly number[] = [0];

/** Element strides of each input read over `outShape`, with the flat fast paths spelled out. */
function walkFor(ctx: WasmContext, outShape: readonly number[], shapes: readonly (readonly number[])[]) {
  let n = 1;
  for (let i = 0; i < outShape.length; i++) n *= outShape[i]!;
  // Each input either covers the output or is one value: one flat run.
  const flat: (readonly number[])[] = [];
  for (const s of shapes) {
    if (sameShape(s, outShape)) flat.push(FLAT);
    else if (isScalar(s)) flat.push(SPLAT);
    else break;
  }
  if (flat.length === shapes.length) return ctx.walk([n], flat);
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
    const a = inputs[0]!;
    const b = inputs[1]!;
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
