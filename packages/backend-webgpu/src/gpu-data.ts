// The storage of one tensor on the GPU: a pooled storage buffer and how many bytes of it the
// tensor uses. bool is stored as one u32 per element (WGSL has no 8-bit storage type); float16
// as f16, 2 bytes per element, rounded up to a multiple of 4 (copies move whole words).

import type { DType } from '@nabla/core';
import type { DataHandle } from '@nabla/core/internal';

/** A tensor's GPU storage. */
export class GpuData implements DataHandle {
  constructor(
    /** The storage buffer (its size is the pool's size class, at least `bytes`). */
    readonly buffer: GPUBuffer,
    /** Bytes the tensor's values take (a multiple of 4). */
    readonly bytes: number,
  ) {}
}

/** Bytes per element on the GPU: 2 for float16, 4 for the rest (bool widens to u32). */
export function gpuElementBytes(dtype: DType): number {
  return dtype === 'float16' ? 2 : 4;
}
