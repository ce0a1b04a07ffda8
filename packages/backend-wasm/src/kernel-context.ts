// The context every wasm kernel closes over: the binary's exports, the heap, the worker pool, and
// the scratch block through which shapes and strides travel to the kernels as int32s (the "row
// walk" parameter blocks of assembly/common.ts). Every kernel runs inside `ctx.guard`: a kernel
// that fails frees the outputs it allocated and its error names the op, so a failed call leaves
// the heap and the byte count as they were.

import { BackendError, NablaError } from '@nabla/core';
import { mergeAxes, type OutInfo, type TensorInfo } from '@nabla/core/internal';
import type { WasmHeap } from './heap.js';
import type { ThreadPool } from './thread-pool.js';
import { byteSize, WasmData, wasmData } from './wasm-data.js';
import type { KernelExports } from './wasm-module.js';

/**
 * What kernels get from their backend.
 * @example
 * const y = ctx.alloc(out);
 * ctx.wasm.unaryF32(0, ctx.ptr(inputs[0], 'neg'), y.ptr, out.size);
 */
export interface WasmContext {
  /** The binary's kernels. */
  readonly wasm: KernelExports;
  /** The heap, for temporary blocks (`heap.alloc`/`heap.free`) and views. */
  readonly heap: WasmHeap;
  /**
   * The worker pool while the backend runs threads (the GEMM and convolutions split work over
   * it); undefined without threads or once a worker fault has stopped the pool.
   */
  readonly pool: ThreadPool | undefined;
  /**
   * Runs one kernel call: if it throws, the outputs it allocated are freed and uncounted, and the
   * error (a BackendError, a wasm trap or a host RangeError) is rethrown as a BackendError naming `op`.
   */
  guard<T>(op: string, fn: () => T): T;
  /** New storage for a kernel's output, counted in the backend's memory (contents unspecified). */
  alloc(out: OutInfo): WasmData;
  /** The heap address of an input's storage. */
  ptr(info: TensorInfo, op: string): number;
  /**
   * Writes a row walk over `shape` for operands with the given element strides and starting
   * offsets into the scratch block, merging axes where every operand allows; returns its address.
   */
  walk(
    shape: readonly number[],
    strides: readonly (readonly number[])[],
    offsets?: readonly number[],
  ): number;
}

/** What `makeContext` needs from its backend. */
export interface ContextOptions {
  readonly wasm: KernelExports;
  readonly heap: WasmHeap;
  /** Books allocated (positive) and released (negative) output bytes in the backend's count. */
  readonly count: (bytes: number) => void;
  /** The largest tensor in bytes (the backend's `maxBytes`). */
  readonly maxBytes: number;
  readonly pool?: ThreadPool;
}

/**
 * Throws unless every value is an int32: parameter blocks reach the kernels through an
 * Int32Array, whose stores would silently wrap a larger value.
 * @example
 * checkInt32s([2, 3, -1], 'conv2d geometry');
 */
export function checkInt32s(values: readonly number[], what: string): void {
  for (const v of values) {
    if ((v | 0) !== v) throw new BackendError(`wasm: ${what} holds ${v}, which does not fit in 32 bits`);
  }
}

/**
 * Checks `values` (see `checkInt32s`) and copies them into a new heap block; returns its address,
 * which the caller frees.
 * @example
 * const geo = writeInt32s(ctx.heap, [2, 3, -1], 'the pooling geometry');
 */
export function writeInt32s(heap: WasmHeap, values: readonly number[], what: string): number {
  checkInt32s(values, what);
  const ptr = heap.alloc(values.length * 4);
  heap.i32.set(values, ptr >>> 2);
  return ptr;
}

/** `err` as a BackendError whose message starts with `op`. */
function named(op: string, err: unknown): unknown {
  const prefix = `${op}: `;
  if (err instanceof NablaError) {
    if (err.message.startsWith(prefix)) return err;
    return err instanceof BackendError ? new BackendError(prefix + err.message, { cause: err }) : err;
  }
  if (err instanceof WebAssembly.RuntimeError) {
    return new BackendError(`${prefix}the wasm kernel trapped (${err.message})`, { cause: err });
  }
  if (err instanceof RangeError) return new BackendError(`${prefix}${err.message}`, { cause: err });
  return err;
}

/**
 * Makes the context kernels close over.
 * @example
 * const ctx = makeContext({ wasm: exports, heap, count: (bytes) => { inUse += bytes; }, maxBytes: 2 ** 31 });
 */
export function makeContext(options: ContextOptions): WasmContext {
  const { wasm, heap, count, maxBytes, pool } = options;
  let scratchInts = 1024;
  let scratch = heap.alloc(scratchInts * 4);
  // Outputs allocated by the kernel calls in progress (guard calls may nest: fused kernels).
  const made: WasmData[] = [];
  return {
    wasm,
    heap,
    get pool() {
      return pool?.usable ? pool : undefined;
    },
    guard(op, fn) {
      pool?.beat();
      const mark = made.length;
      try {
        const result = fn();
        made.length = mark;
        return result;
      } catch (err) {
        for (const data of made.splice(mark)) {
          if (data.bytes > 0) heap.free(data.ptr);
          count(-data.bytes);
        }
        throw named(op, err);
      }
    },
    alloc(out) {
      const bytes = byteSize('wasm heap', out, maxBytes);
      const data = new WasmData(bytes === 0 ? 0 : heap.alloc(bytes), bytes);
      made.push(data);
      count(bytes);
      return data;
    },
    ptr(info, op) {
      return wasmData(info.handle, op).ptr;
    },
    walk(shape, strides, offsets) {
      const k = strides.length;
      if (shape.length === 1 && offsets === undefined && k <= 4 && (shape[0]! | 0) === shape[0]) {
        // One flat run (the elementwise fast paths): nothing to merge, nothing to allocate.
        const view = heap.i32;
        let at = scratch >>> 2;
        view[at++] = 1;
        view[at++] = shape[0]!;
        for (let i = 0; i < k; i++) {
          const s = strides[i]![0]!;
          if ((s | 0) !== s) checkInt32s([s], 'a row walk');
          view[at++] = s;
        }
        view[at++] = 0;
        for (let i = 0; i < k; i++) view[at++] = 0;
        return scratch;
      }
      const merged = mergeAxes(shape, strides);
      const rank = merged.shape.length;
      const length = 1 + rank * (2 + k) + k;
      if (length > scratchInts) {
        // The new block first: if it cannot be had, the old one is still ours.
        const larger = heap.alloc(length * 2 * 4);
        heap.free(scratch);
        scratch = larger;
        scratchInts = length * 2;
      }
      checkInt32s(merged.shape, 'a row walk');
      for (const s of merged.strides) checkInt32s(s, 'a row walk');
      if (offsets) checkInt32s(offsets, 'a row walk');
      const view = heap.i32;
      let at = scratch >>> 2;
      view[at++] = rank;
      for (const n of merged.shape) view[at++] = n;
      for (const s of merged.strides) for (const v of s) view[at++] = v;
      for (let d = 0; d < rank; d++) view[at++] = 0;
      for (let i = 0; i < k; i++) view[at++] = offsets?.[i] ?? 0;
      return scratch;
    },
  };
}
