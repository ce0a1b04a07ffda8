// The wasm backend: tensors live in one WebAssembly.Memory managed by a JS allocator (heap.ts)
// and every primitive runs as AssemblyScript compiled to WebAssembly SIMD (assembly/). Reads
// are synchronous copies out of the heap. Single-threaded for now; float64 is not supported
// (gradient checks compare against the CPU backend instead).

import {
  type Backend,
  BackendError,
  type BackendMemory,
  type DataHandle,
  type DType,
  type KernelTable,
  type TypedArray,
} from '@nabla/core';
import { WasmHeap } from './heap.js';
import { createKernels } from './kernel-table.js';
import { makeContext, WasmData, wasmData } from './wasm-data.js';
import { compileAsync, compileSync, instantiate } from './wasm-module.js';

const PAGE = 65536;

/** Options for `new WasmBackend(...)`. */
export interface WasmBackendOptions {
  /** Initial heap size in bytes (default 4 MiB). */
  readonly initialBytes?: number;
  /** Largest the heap may grow to in bytes (default 2 GiB, at most 4 GiB). */
  readonly maximumBytes?: number;
}

/**
 * The WebAssembly SIMD backend; supports float32, int32 and bool.
 * @example
 * const backend = new WasmBackend();
 * const handle = backend.upload(new Float32Array([1, 2]), 'float32');
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly kernels: KernelTable;
  readonly #heap: WasmHeap;
  #bytesInUse = 0;
  #disposed = false;

  /**
   * Builds a backend synchronously; where the platform compiles large modules only
   * asynchronously (a browser's main thread) this throws: use `await WasmBackend.create()`.
   */
  constructor(options: WasmBackendOptions = {}) {
    const module = compileSync();
    if (!module) {
      throw new BackendError(
        'wasm: this platform compiles WebAssembly asynchronously here; use await WasmBackend.create()',
      );
    }
    const maximumBytes = Math.min(options.maximumBytes ?? 2 ** 31, 2 ** 32);
    const initialPages = Math.ceil((options.initialBytes ?? 4 * 2 ** 20) / PAGE);
    const maximumPages = Math.max(Math.floor(maximumBytes / PAGE), initialPages);
    const instance = instantiate(module, initialPages, maximumPages);
    this.#heap = new WasmHeap(instance.memory, instance.exports.heapBase(), maximumPages * PAGE);
    const ctx = makeContext(instance.exports, this.#heap, (bytes) => {
      this.#bytesInUse += bytes;
    });
    this.kernels = createKernels(ctx);
  }

  /**
   * Compiles the kernels asynchronously (allowed everywhere), then builds the backend.
   * @example
   * const backend = await WasmBackend.create({ maximumBytes: 2 ** 30 });
   */
  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    await compileAsync();
    return new WasmBackend(options);
  }

  supportsDType(dtype: DType): boolean {
    return dtype !== 'float64';
  }

  upload(values: TypedArray, dtype: DType): DataHandle {
    if (dtype === 'float64') throw new BackendError('upload: float64 is not supported on the wasm backend');
    const bytes = values.byteLength;
    const data = new WasmData(bytes === 0 ? 0 : this.#heap.alloc(bytes), bytes);
    if (bytes > 0) this.#heap.u8.set(new Uint8Array(values.buffer, values.byteOffset, bytes), data.ptr);
    this.#bytesInUse += bytes;
    return data;
  }

  readSync(handle: DataHandle, dtype: DType, size: number): TypedArray {
    const { ptr } = wasmData(handle, 'readSync');
    switch (dtype) {
      case 'float32':
        return this.#heap.f32.slice(ptr >>> 2, (ptr >>> 2) + size);
      case 'int32':
        return this.#heap.i32.slice(ptr >>> 2, (ptr >>> 2) + size);
      case 'bool':
        return this.#heap.u8.slice(ptr, ptr + size);
      case 'float64':
        throw new BackendError('readSync: float64 is not supported on the wasm backend');
      default:
        return dtype satisfies never;
    }
  }

  read(handle: DataHandle, dtype: DType, size: number): Promise<TypedArray> {
    try {
      return Promise.resolve(this.readSync(handle, dtype, size));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  free(handle: DataHandle): void {
    const data = wasmData(handle, 'free');
    data.freed = true;
    this.#bytesInUse -= data.bytes;
    if (data.bytes > 0 && !this.#disposed) this.#heap.free(data.ptr);
  }

  flush(): void {}

  sync(): Promise<void> {
    return Promise.resolve();
  }

  memory(): BackendMemory {
    return { bytesInUse: this.#bytesInUse, bytesReserved: this.#heap.bytesReserved };
  }

  dispose(): void {
    // The memory goes with the backend object; handles still held are dead from here on.
    this.#disposed = true;
    this.#bytesInUse = 0;
  }
}
