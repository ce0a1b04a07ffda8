// Storage for the CPU backend: one typed array per tensor, plus the context kernels share
// (allocation with byte accounting, the GEMM engine and scratch space reused across calls).
// Handles are narrowed with `instanceof`, so a handle from another backend fails loudly.

import { BackendError, type TypedArray } from '@nabla/core';
import { allocArray, type DataHandle, type OutInfo, type TensorInfo } from '@nabla/core/internal';
import type { Gemm } from './kernels/gemm.js';

/**
 * A CPU tensor's storage: a contiguous row-major typed array of its dtype.
 * @example
 * const data = new CpuData(new Float32Array([1, 2, 3]));
 * data.bytes; // 12
 */
export class CpuData implements DataHandle {
  readonly values: TypedArray;
  readonly bytes: number;
  /** Set by `CpuBackend.free`; a freed handle must not be read or freed again. */
  freed = false;

  constructor(values: TypedArray) {
    this.values = values;
    this.bytes = values.byteLength;
  }
}

/**
 * Narrows a handle to CPU storage, or throws a BackendError naming the op.
 * @example
 * const x = cpuData(handle, 'read').values;
 */
export function cpuData(handle: DataHandle, op: string): CpuData {
  if (!(handle instanceof CpuData)) {
    throw new BackendError(`${op}: expected storage of the cpu backend, got ${handle.constructor.name}`);
  }
  if (handle.freed) throw new BackendError(`${op}: the tensor's storage was already freed`);
  return handle;
}

/**
 * The values of a kernel input.
 * @example
 * const a = valuesOf(inputs[0]!, 'add');
 */
export function valuesOf(info: TensorInfo, op: string): TypedArray {
  return cpuData(info.handle, op).values;
}

/**
 * What kernels get from their backend: counted allocation and reusable workspaces.
 * @example
 * const data = ctx.alloc(out); // zero-filled storage of out.dtype and out.size
 */
export interface CpuContext {
  /** New zero-filled storage for a kernel's output, counted in the backend's memory. */
  alloc(out: OutInfo): CpuData;
  /** The shared GEMM engine (its packing buffers persist between calls). */
  readonly gemm: Gemm;
  /** A float64 scratch buffer of at least `size` elements, reused (not zeroed) between calls. */
  scratch(size: number): Float64Array;
}

/**
 * A context that allocates through `count` (used by `CpuBackend`).
 * @example
 * const ctx = makeContext(new Gemm(), (bytes) => { inUse += bytes; });
 */
export function makeContext(gemm: Gemm, count: (bytes: number) => void): CpuContext {
  let buffer = new Float64Array(0);
  return {
    alloc(out) {
      const data = new CpuData(allocArray(out.dtype, out.size));
      count(data.bytes);
      return data;
    },
    gemm,
    scratch(size) {
      // Grow geometrically so a sequence of slightly larger calls does not reallocate each time.
      if (buffer.length < size) buffer = new Float64Array(Math.max(size, buffer.length * 2));
      return buffer;
    },
  };
}
