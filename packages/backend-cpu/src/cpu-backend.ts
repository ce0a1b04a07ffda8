// The CPU backend: tensors live in typed arrays on the JS heap and every primitive is a plain
// TypeScript kernel. Reads can be synchronous; an async-only instance (no `readSync`) exists
// so that core's path for backends like WebGPU can be tested without a GPU.

import type { DType, TypedArray } from '@nabla/core';
import {
  type Backend,
  type BackendMemory,
  checkBackendOptions,
  type DataHandle,
  type FusedKernelTable,
  type KernelTable,
  optionChecks,
} from '@nabla/core/internal';
import { CpuData, cpuData, makeContext } from './cpu-data.js';
import { createKernels } from './kernel-table.js';
import { createFusedKernels } from './kernels/fused.js';
import { Gemm } from './kernels/gemm.js';

/** Options for `new CpuBackend(...)`. */
export interface CpuBackendOptions {
  /** Leave out `readSync`, so the backend behaves like an asynchronous (GPU) one. */
  readonly asyncOnly?: boolean;
  /** Offer the optional fused kernels (kernels/fused.ts; default true). */
  readonly fused?: boolean;
}

/** The checks of `CpuBackendOptions`, for callers without a compiler. */
const OPTION_CHECKS = { asyncOnly: optionChecks.boolean, fused: optionChecks.boolean };

/**
 * The plain-TypeScript backend; supports float32, int32, bool and float64.
 * @example
 * const backend = new CpuBackend();
 * const handle = backend.upload(new Float32Array([1, 2]), 'float32');
 */
export class CpuBackend implements Backend {
  readonly name: string;
  readonly kernels: KernelTable;
  readonly fused?: Partial<FusedKernelTable>;
  /** 2 GiB: kernels index with 32-bit integer arithmetic. */
  readonly maxBytes = 2 ** 31 - 1;
  declare readSync?: (handle: DataHandle, dtype: DType, size: number) => TypedArray;
  #bytesInUse = 0;
  #gemm = new Gemm();

  constructor(options?: CpuBackendOptions) {
    options = checkBackendOptions<CpuBackendOptions>('new CpuBackend', options, OPTION_CHECKS);
    this.name = options.asyncOnly ? 'cpu-async' : 'cpu';
    const ctx = makeContext(this.#gemm, (bytes) => {
      this.#bytesInUse += bytes;
    });
    this.kernels = createKernels(ctx);
    if (options.fused ?? true) this.fused = createFusedKernels(ctx);
    // An own property only when synchronous: core tests `typeof backend.readSync === 'function'`.
    if (!options.asyncOnly) {
      this.readSync = (handle) => cpuData(handle, 'readSync').values.slice();
    }
  }

  /** Every dtype but float16 (JS has no half-precision arithmetic to round each result with). */
  supportsDType(dtype: DType): boolean {
    return dtype !== 'float16';
  }

  upload(values: TypedArray, _dtype: DType): DataHandle {
    const data = new CpuData(values.slice());
    this.#bytesInUse += data.bytes;
    return data;
  }

  read(handle: DataHandle, _dtype: DType, _size: number): Promise<TypedArray> {
    try {
      return Promise.resolve(cpuData(handle, 'read').values.slice());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  free(handle: DataHandle): void {
    const data = cpuData(handle, 'free');
    data.freed = true;
    this.#bytesInUse -= data.bytes;
  }

  flush(): void {}

  sync(): Promise<void> {
    return Promise.resolve();
  }

  memory(): BackendMemory {
    return { bytesInUse: this.#bytesInUse, bytesReserved: this.#bytesInUse };
  }

  dispose(): void {
    this.#bytesInUse = 0;
    this.#gemm.reset();
  }
}
