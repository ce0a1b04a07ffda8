// Broadcasting binary kernels and `where`. The op codes are the ABI's (src/abi.ts, read by
// assembly/binary.ts too), in a `Record` over core's binary primitives, so a new
// primitive without a code fails to compile. Broadcasting reads inputs with stride 0, never
// materialising them.

import { type BinaryPrim, broadcastStrides, type Kernel } from '@nabla/core/internal';
import * as abi from '../abi.js';
import { type WasmContext, writeInt32s } from '../kernel-context.js';
import { RANGES_PER_THREAD, rangeLength } from '../work-split.js';

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

/** Each input's stride over one flat run of the output (1: it covers the output, 0: one value), or undefined. */
function flatStrides(
  outShape: readonly number[],
  shapes: readonly (readonly number[])[],
): (readonly number[])[] | undefined {
  const flat: (readonly number[])[] = [];
  for (const s of shapes) {
    if (sameShape(s, outShape)) flat.push(FLAT);
    else if (isScalar(s)) flat.push(SPLAT);
    else return undefined;
  }
  return flat;
}

function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Element strides of each input read over `outShape`, with the flat fast paths spelled out. */
function walkFor(ctx: WasmContext, outShape: readonly number[], shapes: readonly (readonly number[])[]) {
  const flat = flatStrides(outShape, shapes);
  if (flat) return ctx.walk([sizeOfShape(outShape)], flat);
  return ctx.walk(
    outShape,
    shapes.map((s) => broadcastStrides(s, outShape)),
  );
}

/**
 * Work units per element of the float32 arithmetic ops, against the pool's `minWork` (2^20,
 * about 40 µs on one thread): the four-lane ones move memory, pow and mod run scalar libm code.
 */
const BINARY_WORK: Partial<Record<BinaryPrim, number>> = {
  add: 4,
  sub: 4,
  mul: 4,
  div: 4,
  maximum: 4,
  minimum: 4,
  pow: 64,
  mod: 32,
};

/**
 * `binaryF32` over the output: a big flat run (every input covers the output or is one value)
 * over the threads, in ranges of a multiple of 8 elements (the kernel's vector steps, so every
 * element takes the same path as in one call) that all read one walk of that length (a
 * one-axis walk is only read, never advanced), the last shorter range here; else on this thread.
 */
function binaryF32(
  ctx: WasmContext,
  prim: BinaryPrim,
  op: number,
  pointers: readonly [number, number, number],
  outShape: readonly number[],
  shapes: readonly (readonly number[])[],
): void {
  const [pa, pb, py] = pointers;
  const pool = ctx.pool;
  const work = BINARY_WORK[prim] ?? 0;
  const flat = pool && work > 0 ? flatStrides(outShape, shapes) : undefined;
  const n = sizeOfShape(outShape);
  if (!pool || !flat || n < 64 || n * work < pool.minWork) {
    ctx.wasm.binaryF32(op, pa, pb, py, walkFor(ctx, outShape, shapes));
    return;
  }
  const [sa, sb] = [flat[0]![0]!, flat[1]![0]!];
  const per = rangeLength(n, pool.size * RANGES_PER_THREAD, 8);
  const full = Math.floor(n / per);
  const walk = writeInt32s(ctx.heap, [1, per, sa, sb, 0, 0, 0], 'a row walk');
  try {
    const step = per * 4;
    // No argument needs clamping: every range is whole (the op code is the no-op clamp).
    pool.runShared(
      'binaryF32',
      { args: [op, pa, pb, py, walk], deltas: [0, step * sa, step * sb, step, 0] },
      { count: full, clampIndex: 0, clampTo: op },
    );
  } finally {
    ctx.heap.free(walk);
  }
  const rest = n - full * per;
  if (rest > 0) {
    const done = full * per * 4;
    ctx.wasm.binaryF32(op, pa + done * sa, pb + done * sb, py + done, ctx.walk([rest], flat));
  }
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
    const shapes = [a.shape, b.shape];
    if (out.dtype === 'bool') {
      const p = walkFor(ctx, out.shape, shapes);
      if (a.dtype === 'float32') ctx.wasm.compareF32(op, pa, pb, y.ptr, p);
      else if (a.dtype === 'int32') ctx.wasm.compareI32(op, pa, pb, y.ptr, p);
      else ctx.wasm.compareU8(op, pa, pb, y.ptr, p);
    } else if (out.dtype === 'int32') {
      ctx.wasm.binaryI32(op, pa, pb, y.ptr, walkFor(ctx, out.shape, shapes));
    } else {
      binaryF32(ctx, prim, op, [pa, pb, y.ptr], out.shape, shapes);
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
