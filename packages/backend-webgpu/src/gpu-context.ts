// What kernels share: the device, the command queue (dispatch, pipeline cache), and storage
// for outputs. Kernels record work and return the output's storage at once; nothing here waits.

import { BackendError } from '@nabla/core';
import type { DataHandle, OutInfo } from '@nabla/core/internal';
import type { BufferPool } from './buffer-pool.js';
import type { CommandQueue } from './command-queue.js';
import { GPU_ELEMENT_BYTES, GpuData } from './gpu-data.js';

/** A kernel's view of the backend. */
export interface GpuContext {
  readonly device: GPUDevice;
  readonly queue: CommandQueue;
  readonly pool: BufferPool;
  /** New storage for `out` (its contents are undefined until a dispatch writes them). */
  alloc(out: OutInfo): GpuData;
}

/** The GPU storage behind a kernel input, or a BackendError naming the op. */
export function gpuData(handle: DataHandle, op: string): GpuData {
  if (!(handle instanceof GpuData)) {
    throw new BackendError(`${op}: the input's storage is not on the webgpu backend`);
  }
  return handle;
}

/** Bytes a tensor of `size` elements takes on the GPU. */
export function gpuBytes(size: number): number {
  return size * GPU_ELEMENT_BYTES;
}
