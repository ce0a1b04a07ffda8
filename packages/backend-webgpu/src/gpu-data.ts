// The storage of one tensor on the GPU: a pooled storage buffer and how many bytes of it the
// tensor uses. bool is stored as one u32 per element (WGSL has no 8-bit storage type), so a
// tensor's bytes here are 4 per element for every dtype the backend takes.

import type { DataHandle } from '@nabla/core/internal';

/** A tensor's GPU storage. */
export class GpuData implements DataHandle {
  constructor(
    /** The storage buffer (its size is the pool's size class, at least `bytes`). */
    readonly buffer: GPUBuffer,
    /** Bytes the tensor's values take: 4 per element. */
    readonly bytes: number,
  ) {}
}

/** Bytes per element on the GPU for every supported dtype (bool widens to u32). */
export const GPU_ELEMENT_BYTES = 4;
