// The backend contract: storage, reads, the kernel table, and memory reporting.
// A backend is a small object; every kernel is typed per primitive, so a backend that misses a
// primitive does not compile (it must list it as `unsupported(...)` with a reason instead).
// Fused primitives (fused-prims.ts) are optional and live in a table of their own.

import type { DType, TypedArray } from './dtype.js';
import type { FusedParams, FusedPrim } from './fused-prims.js';
import type { OutInfo, Prim, PrimParams } from './prims.js';

/** Opaque backend storage. Each backend defines its own class and narrows with `instanceof`. */
export interface DataHandle {
  /** Bytes this storage occupies on its backend. */
  readonly bytes: number;
}

/** What a kernel sees of an input tensor: its storage, shape and dtype. */
export interface TensorInfo {
  readonly handle: DataHandle;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
}

/** A kernel: inputs and params in, new storage for `out` back. Never called for empty outputs. */
export type Kernel<P extends Prim> = (
  inputs: readonly TensorInfo[],
  params: PrimParams[P],
  out: OutInfo,
) => DataHandle;

/** Marks a primitive a backend does not implement, with the reason shown to users. */
export interface Unsupported {
  readonly unsupported: string;
}

/** Builds an `Unsupported` entry for a kernel table. */
export function unsupported(reason: string): Unsupported {
  return { unsupported: reason };
}

/** One entry per primitive: a missing primitive is a compile error. */
export type KernelTable = { readonly [P in Prim]: Kernel<P> | Unsupported };

/** Per-backend memory figures. */
export interface BackendMemory {
  /** Bytes held by live storage. */
  readonly bytesInUse: number;
  /** Bytes the backend has reserved (pools, heaps), at least `bytesInUse`. */
  readonly bytesReserved: number;
}

/** A kernel backend. Core never reads data synchronously; `readSync` is optional. */
export interface Backend {
  readonly name: string;
  readonly kernels: KernelTable;
  /**
   * Optional fused kernels (fused-prims.ts), any subset; core runs the composite of ordinary ops for
   * the rest. A fused kernel must accept every float dtype the backend supports.
   */
  readonly fused?: Partial<FusedKernelTable>;
  /**
   * The largest storage, in bytes, one tensor may have here (typed-array limits on the CPU, the
   * 32-bit heap on WebAssembly, `maxStorageBufferBindingSize` on WebGPU). Core checks every
   * result against it before any kernel runs, so kernels never see a size they cannot address.
   */
  readonly maxBytes: number;
  /** Whether tensors of this dtype can live on this backend. */
  supportsDType(dtype: DType): boolean;
  /** New storage holding a copy of `values` (already of the typed array for `dtype`). */
  upload(values: TypedArray, dtype: DType): DataHandle;
  /** A copy of the storage's contents. */
  read(handle: DataHandle, dtype: DType, size: number): Promise<TypedArray>;
  /** Synchronous read where the backend can (CPU, WASM); absent elsewhere. */
  readSync?(handle: DataHandle, dtype: DType, size: number): TypedArray;
  /** Frees storage; called once, when the last tensor sharing it is gone. */
  free(handle: DataHandle): void;
  /** Submits queued work (GPU backends); a no-op elsewhere. */
  flush(): void;
  /** Resolves when all queued work has finished. */
  sync(): Promise<void>;
  memory(): BackendMemory;
  /** Releases everything the backend holds. */
  dispose(): void;
}

/** Makes a backend, possibly asynchronously (WebGPU needs an adapter). */
export type BackendFactory = () => Backend | Promise<Backend>;

/**
 * A fused kernel: inputs and params in, new storage for each output back, in order. Never
 * called with an empty output.
 */
export type FusedKernel<F extends FusedPrim> = (
  inputs: readonly TensorInfo[],
  params: FusedParams[F],
  outs: readonly OutInfo[],
) => DataHandle[];

/** A kernel for every fused primitive; `Backend.fused` holds any part of it. */
export type FusedKernelTable = { readonly [F in FusedPrim]: FusedKernel<F> };
