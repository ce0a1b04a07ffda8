// Glue of the fused `elementwise` kernel (assembly/chain.ts): the program is written into the
// heap as int32 steps, each input as [ptr, kind, period]. An input of the output's size is read
// in place, a one-element input splatted, one over the output's trailing axes (a [C] statistic
// beside [N, H, W, C]) read modulo its size, one over the leading axes ([N, 1] beside [N, C])
// read once per run; any other broadcast is copied out to the output's shape first.

import {
  broadcastShapes,
  broadcastStrides,
  type ChainBinary,
  type ChainStep,
  type ChainUnary,
  type FusedKernel,
  shapesEqual,
  stridesOf,
  type TensorInfo,
} from '@nabla/core/internal';
import * as abi from '../abi.js';
import { type CompiledChains, floatBits } from '../chain-jit.js';
import { checkInt32s, type WasmContext } from '../kernel-context.js';
import type { Arities } from '../wasm-module.js';
import { splitRange } from '../work-split.js';
import { stridedCopy } from './movement.js';
import { reduceColumns, rowChunks } from './reduce.js';

export interface ChainExports {
  /** Runs a chain program over float32 output elements [begin, end) (see assembly/chain.ts). */
  chainF32(
    prog: number,
    steps: number,
    ins: number,
    nIn: number,
    y: number,
    begin: number,
    end: number,
    scratch: number,
  ): void;
  /** Scratch bytes of `chainF32` for a program over `inputs` inputs with `steps` steps. */
  chainScratchBytes(inputs: number, steps: number): number;
}

export const CHAIN_EXPORTS: Arities<ChainExports> = { chainF32: 8, chainScratchBytes: 2 };

const UNARY_CODES: Record<ChainUnary, number> = {
  neg: abi.UNARY_NEG,
  abs: abi.UNARY_ABS,
  sign: abi.UNARY_SIGN,
  exp: abi.UNARY_EXP,
  expm1: abi.UNARY_EXPM1,
  log: abi.UNARY_LOG,
  log1p: abi.UNARY_LOG1P,
  sqrt: abi.UNARY_SQRT,
  rsqrt: abi.UNARY_RSQRT,
  tanh: abi.UNARY_TANH,
  sigmoid: abi.UNARY_SIGMOID,
  erf: abi.UNARY_ERF,
  relu: abi.UNARY_RELU,
};

const BINARY_CODES: Record<ChainBinary, number> = {
  add: abi.BINARY_ADD,
  sub: abi.BINARY_SUB,
  mul: abi.BINARY_MUL,
  div: abi.BINARY_DIV,
  maximum: abi.BINARY_MAXIMUM,
  minimum: abi.BINARY_MINIMUM,
  greater: abi.BINARY_GREATER,
  greaterEqual: abi.BINARY_GREATER_EQUAL,
  less: abi.BINARY_LESS,
  lessEqual: abi.BINARY_LESS_EQUAL,
  equal: abi.BINARY_EQUAL,
};

/** The widest rows (in floats) a chain's row form unrolls. */
const MAX_ROW_COLS = 256;

/** One step as CHAIN_STEP_INTS int32s. */
function encodeStep(step: ChainStep): readonly number[] {
  switch (step.op) {
    case 'const':
      return [abi.CHAIN_CONST, floatBits(step.value), 0, 0, 0];
    case 'select':
      return [abi.CHAIN_SELECT, 0, step.x, step.y, step.c];
    default:
      if ('y' in step) return [abi.CHAIN_BINARY, BINARY_CODES[step.op], step.x, step.y, 0];
      return [abi.CHAIN_UNARY, UNARY_CODES[step.op], step.x, 0, 0];
  }
}

/** Writes the program's steps into `ints` from index `at` (CHAIN_STEP_INTS each). */
function encodeProgram(program: readonly ChainStep[], ints: Int32Array, at: number): void {
  for (let s = 0; s < program.length; s++) ints.set(encodeStep(program[s]!), at + s * abi.CHAIN_STEP_INTS);
}

/**
 * How the kernel reads `input` over `outShape`: [kind, period], or undefined when only a copy
 * to the output's shape will do.
 */
function inputKind(
  input: TensorInfo,
  outShape: readonly number[],
  size: number,
): [number, number] | undefined {
  if (input.size === 1) return [abi.CHAIN_SCALAR, 1];
  if (input.size === size) return [abi.CHAIN_SAME, 1];
  // Right-align the input's axes against the output's.
  const lead = outShape.length - input.shape.length;
  const dims = [...new Array<number>(lead).fill(1), ...input.shape];
  let firstReal = 0;
  while (dims[firstReal] === 1) firstReal++;
  let lastReal = dims.length - 1;
  while (dims[lastReal] === 1) lastReal--;
  // Real axes matching a trailing run of the output: src[i mod size].
  if (shapesEqual(dims.slice(firstReal), outShape.slice(firstReal))) return [abi.CHAIN_PERIODIC, input.size];
  // Real axes matching a leading run: src[⌊i / (elements of the trailing axes)⌋].
  if (shapesEqual(dims.slice(0, lastReal + 1), outShape.slice(0, lastReal + 1))) {
    return [abi.CHAIN_REPEAT, size / input.size];
  }
  return undefined;
}

/** Input descriptors of a chain: [ptr, kind, period] per input. */
function describeInputs(
  ctx: WasmContext,
  inputs: readonly TensorInfo[],
  shape: readonly number[],
  size: number,
  taken: number[],
): number[] {
  const descriptors: number[] = [];
  for (const input of inputs) {
    let ptr = ctx.ptr(input, 'elementwise');
    let kind = inputKind(input, shape, size);
    if (!kind) {
      // An uncommon broadcast: copied out once, then read in place.
      const copy = ctx.heap.alloc(size * 4);
      taken.push(copy);
      stridedCopy(
        ctx,
        'float32',
        shape,
        ptr,
        0,
        broadcastStrides(input.shape, shape),
        copy,
        0,
        stridesOf(shape),
      );
      ptr = copy;
      kind = [abi.CHAIN_SAME, 1];
    }
    descriptors.push(ptr, kind[0], kind[1]);
  }
  return descriptors;
}

/**
 * The `elementwise` fused kernel: a compiled program where chain-jit.ts compiles it, else the
 * block interpreter (which also takes a compiled program's tail of fewer than 4 elements).
 * @example
 * const kernel = elementwiseKernel(ctx, new CompiledChains(ctx));
 * kernel([x], { program: [{ op: 'exp', x: 0 }] }, [out]);
 */
export function elementwiseKernel(ctx: WasmContext, compiled: CompiledChains): FusedKernel<'elementwise'> {
  return (inputs, { program }, [out]) => {
    const o = out!;
    checkInt32s([o.size], 'an elementwise chain');
    const result = ctx.alloc(o);
    const taken: number[] = [];
    try {
      const descriptors = describeInputs(ctx, inputs, o.shape, o.size, taken);
      runChain(ctx, compiled, descriptors, program, o.shape, o.size, result.ptr);
    } finally {
      for (const ptr of taken) ctx.heap.free(ptr);
    }
    return [result];
  };
}

/**
 * A compiled chain's input arguments, [ptr, period] per input, from [ptr, kind, period]
 * descriptors (a loop: V8's flatMap costs about a microsecond per element).
 */
function pointerArgs(descriptors: readonly number[]): number[] {
  const ins: number[] = [];
  for (let i = 0; i < descriptors.length; i += 3) ins.push(descriptors[i]!, descriptors[i + 2]!);
  return ins;
}

/** Runs `program` over inputs `descriptors` (`describeInputs`) into `size` floats of `shape` at `y`. */
function runChain(
  ctx: WasmContext,
  compiled: CompiledChains,
  descriptors: readonly number[],
  program: readonly ChainStep[],
  shape: readonly number[],
  size: number,
  y: number,
): void {
  const heap = ctx.heap;
  const taken: number[] = [];
  const nIn = descriptors.length / 3;
  try {
    const kinds = descriptors.filter((_, i) => i % 3 === 1);
    const periods = descriptors.filter((_, i) => i % 3 === 2);
    const pool = ctx.pool;
    const threaded = pool !== undefined && size * program.length >= pool.minWork;
    const ins = pointerArgs(descriptors);
    // A per-channel input (periodic over the last axis): the row form, without the wrap of the
    // periodic offset at every vector.
    const cols = shape[shape.length - 1] ?? 1;
    if (
      cols % 4 === 0 &&
      cols <= MAX_ROW_COLS &&
      kinds.some((kind, k) => kind === abi.CHAIN_PERIODIC && periods[k] === cols)
    ) {
      const rowCode = compiled.get(program, kinds, periods, { cols, sum: false });
      if (rowCode) {
        const rows = size / cols;
        const bounds = threaded ? splitRange(rows, pool.size, 1, 1) : [0, rows];
        const parts = bounds.slice(1).map((end, t) => ({ args: [bounds[t]! * cols, end * cols, y, ...ins] }));
        if (pool && parts.length > 1) pool.runCompiled(rowCode, parts);
        else rowCode.fn(...parts[0]!.args);
        return;
      }
    }
    const code = compiled.get(program, kinds, periods);
    // The compiled loop takes whole vectors; the interpreter the rest.
    const vectorEnd = code ? size - (size % 4) : 0;
    if (code && vectorEnd > 0) {
      // A big chain splits over the threads by element ranges (block-aligned).
      const bounds = threaded
        ? splitRange(vectorEnd, pool.size, abi.CHAIN_BLOCK, abi.CHAIN_BLOCK)
        : [0, vectorEnd];
      const parts = bounds.slice(1).map((end, t) => ({ args: [bounds[t]!, end, y, ...ins] }));
      if (pool && parts.length > 1) pool.runCompiled(code, parts);
      else code.fn(...parts[0]!.args);
    }
    if (vectorEnd === size) return;
    const prog = heap.alloc(program.length * abi.CHAIN_STEP_INTS * 4);
    taken.push(prog);
    encodeProgram(program, heap.i32, prog >>> 2);
    const insPtr = heap.alloc(descriptors.length * 4);
    taken.push(insPtr);
    // Pointers past 2^31 are stored as their int32 bit patterns (the kernel reads them as u32).
    heap.i32.set(
      descriptors.map((v) => v | 0),
      insPtr >>> 2,
    );
    const scratchBytes = ctx.wasm.chainScratchBytes(nIn, program.length);
    const bounds =
      threaded && vectorEnd === 0
        ? splitRange(size, pool.size, abi.CHAIN_BLOCK, abi.CHAIN_BLOCK)
        : [vectorEnd, size];
    const parts = bounds.slice(1).map((end, t) => {
      const scratch = heap.alloc(scratchBytes);
      taken.push(scratch);
      const args: [number, number, number, number, number, number, number, number] = [
        prog,
        program.length,
        insPtr,
        nIn,
        y,
        bounds[t]!,
        end,
        scratch,
      ];
      return { args };
    });
    if (pool && parts.length > 1) pool.run('chainF32', parts);
    else ctx.wasm.chainF32(...parts[0]!.args);
  } finally {
    for (const ptr of taken) heap.free(ptr);
  }
}

/**
 * The `elementwiseSum` fused kernel: per last-axis column, the sum over the other axes of the
 * program's value. Where chain-jit.ts compiles the program's sum form (columns a multiple of 4;
 * inputs of the full shape, one element or one row), the chain's value is added up as it is
 * made, a row chunk at a time into a row of partial sums (the threads claim the chunks);
 * otherwise it is written out as the `elementwise` kernel writes it and summed. Either way the
 * adds happen in the reduce kernel's order (the same row chunks, each from 0 in row order, then
 * the chunks in order), so both give the bits of `sum(chain(…))`.
 * @example
 * const kernel = elementwiseSumKernel(ctx, chains);
 * kernel([x, mean], { program: squares }, [{ shape: [1, 1, 1, 32], dtype: 'float32', size: 32 }]);
 */
export function elementwiseSumKernel(
  ctx: WasmContext,
  compiled: CompiledChains,
): FusedKernel<'elementwiseSum'> {
  return (inputs, params, [out]) => {
    const o = out!;
    const shape = inputs.reduce<number[]>((s, t) => broadcastShapes('elementwiseSum', s, t.shape), []);
    const size = shape.reduce((a, d) => a * d, 1);
    const cols = shape[shape.length - 1]!;
    const rows = size / cols;
    checkInt32s([size], 'an elementwise chain sum');
    const heap = ctx.heap;
    const taken: number[] = [];
    try {
      const descriptors = describeInputs(ctx, inputs, shape, size, taken);
      const kinds = descriptors.filter((_, i) => i % 3 === 1);
      const periods = descriptors.filter((_, i) => i % 3 === 2);
      const code = compiled.get(params.program, kinds, periods, { cols, sum: true });
      const result = ctx.alloc(o);
      if (!code) {
        // The chain's value written out, then summed as the reduce kernel sums it.
        const value = heap.alloc(size * 4);
        taken.push(value);
        runChain(ctx, compiled, descriptors, params.program, shape, size, value);
        reduceColumns(ctx, 'reduceF32', abi.REDUCE_SUM, value, result.ptr, rows, cols);
        return [result];
      }
      const ins = pointerArgs(descriptors);
      const rowBytes = cols * 4;
      const chunks = rowChunks(rows, cols);
      if (!chunks) {
        code.fn(0, size, result.ptr, ...ins);
        return [result];
      }
      // Chunk c: rows [c·per, (c + 1)·per) into partial row c, the last clamped at the end.
      const { per, count } = chunks;
      const partials = heap.alloc(count * rowBytes);
      taken.push(partials);
      const first = [0, per * cols, partials, ...ins];
      const deltas = first.map((_, i) => (i < 2 ? per * cols : i === 2 ? rowBytes : 0));
      const pool = ctx.pool;
      if (pool && size * params.program.length >= pool.minWork) {
        const parts = Array.from({ length: pool.size }, () => ({ args: first, deltas }));
        pool.runCompiled(code, parts, { count, clampIndex: 1, clampTo: size });
      } else {
        for (let c = 0; c < count; c++) {
          const args = first.map((a, i) => a + c * deltas[i]!);
          args[1] = Math.min(args[1]!, size);
          code.fn(...args);
        }
      }
      ctx.wasm.reduceF32(abi.REDUCE_SUM, partials, result.ptr, 1, count, cols);
      return [result];
    } finally {
      for (const ptr of taken) heap.free(ptr);
    }
  };
}
