// What kernels share: the device, the command queue (dispatch, pipeline cache), and storage
// for outputs. Kernels record work and return the output's storage at once; nothing here waits.

import { BackendError, type DType } from '@nabla/core';
import type { DataHandle, OutInfo, TensorInfo } from '@nabla/core/internal';
import type { BufferPool } from './buffer-pool.js';
import type { CommandQueue } from './command-queue.js';
import { GpuData, gpuElementBytes } from './gpu-data.js';
import { groupsFor } from './wgsl.js';

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

/** Bytes a tensor of `size` elements of `dtype` takes on the GPU, a multiple of 4. */
export function gpuBytes(size: number, dtype: DType): number {
  return Math.ceil((size * gpuElementBytes(dtype)) / 4) * 4;
}

/** One dispatch of a kernel writing one new output: its shader, parameters and inputs. */
export interface SingleDispatch {
  /** The pipeline cache key, and the WGSL compiled the first time it is seen. */
  readonly key: string;
  readonly code: () => string;
  readonly params: Uint32Array;
  /** Bound at bindings 1, 2, ... in order; the output comes after them. */
  readonly inputs: readonly DataHandle[];
  /** Default: one thread per output element. */
  readonly workgroups?: number;
}

/**
 * Records a dispatch over `inputs` into new storage for `out` and returns that storage: the
 * pattern of every kernel that runs one pass and writes one tensor.
 * @example
 * return dispatchInto(ctx, 'gather', out, { key: 'gather', code: () => GATHER, params, inputs: [x.handle, i.handle] });
 */
export function dispatchInto(ctx: GpuContext, op: string, out: OutInfo, d: SingleDispatch): GpuData {
  const buffers = d.inputs.map((h) => gpuData(h, op).buffer);
  const pipeline = ctx.queue.pipeline(d.key, d.code);
  const y = ctx.alloc(out);
  ctx.queue.dispatch({
    pipeline,
    params: d.params,
    buffers: [...buffers, y.buffer],
    workgroups: d.workgroups ?? groupsFor(out.size),
  });
  return y;
}

/** The storage handles of kernel inputs, for `dispatchInto`. */
export function handles(inputs: readonly TensorInfo[]): DataHandle[] {
  return inputs.map((t) => t.handle);
}
