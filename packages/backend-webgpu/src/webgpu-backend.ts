// The WebGPU backend: storage in pooled GPU buffers, kernels that record dispatches into one
// batched command encoder, and asynchronous reads through staging buffers. There is no
// `readSync`: a GPU read must wait for the device. Device loss and validation errors become a
// BackendError on the next call instead of a hang or a wrong answer, and reads wait at most
// `readTimeoutMs`.

/// <reference types="@webgpu/types" preserve="true" />

import {
  ArgumentError,
  activeBackend,
  BackendError,
  type DType,
  setBackend,
  type TypedArray,
  tidy,
} from '@nabla/core';
import type {
  Backend,
  BackendMemory,
  DataHandle,
  FusedKernelTable,
  KernelTable,
  OutInfo,
} from '@nabla/core/internal';
import { checkArgCount, checkBackendOptions, describeValue } from '@nabla/core/internal';
import { BufferPool, sizeClass } from './buffer-pool.js';
import { CommandQueue } from './command-queue.js';
import { type GpuContext, gpuBytes, gpuData } from './gpu-context.js';
import { GpuData } from './gpu-data.js';
import { packHalf, unpackHalf } from './half.js';
import { createKernels } from './kernel-table.js';
import { createFusedKernels } from './kernels/fused.js';
import { BACKEND_OPTIONS } from './options.js';

/** Options of `createWebGpuBackend`. */
export interface WebGpuBackendOptions {
  /** The GPU entry point (default `navigator.gpu`; in Node, `@nabla/backend-webgpu/node` passes Dawn's). */
  gpu?: GPU;
  /** Adapter request options (power preference, fallback adapter, feature level). */
  adapter?: GPURequestAdapterOptions;
  /** Most bytes kept in the buffer pool (default 256 MiB). */
  poolBytes?: number;
  /** Dispatches per command submission (default 16). */
  flushEvery?: number;
  /** Longest wait for a read before it fails (default 60 s). */
  readTimeoutMs?: number;
  /**
   * Backends to switch to when the device is lost (`setBackend(fallback)`, e.g. `['wasm', 'cpu']`):
   * new tensors go there; tensors that lived on the lost device are gone and fail with a
   * BackendError when used. Default: none (every later call fails with the reason).
   */
  fallback?: string | readonly string[];
  /** Offer the optional fused kernels (kernels/fused.ts; default true). */
  fused?: boolean;
  /** Kept referenced for as long as the backend lives (Dawn's object in Node must not be collected). */
  keepAlive?: unknown;
}

const MAP_READ = 0x1;
/** Most bytes of idle staging buffers kept for reuse. */
const STAGING_CAP = 64 * 2 ** 20;
const COPY_DST = 0x8;

/** The WebGPU backend over one device. */
export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly kernels: KernelTable;
  readonly fused: Partial<FusedKernelTable> | undefined;
  readonly maxBytes: number;
  readonly device: GPUDevice;
  readonly adapterInfo: GPUAdapterInfo | undefined;
  readonly #pool: BufferPool;
  readonly #queue: CommandQueue;
  readonly #readTimeoutMs: number;
  readonly #keepAlive: unknown;
  #bytesInUse = 0;
  /** Why the device cannot be used any more, once it cannot. */
  #broken: string | null = null;
  /** A validation or out-of-memory error the device reported since the last call. */
  #error: string | null = null;
  /** Reads started this tick, copied out together. */
  #copies: { src: GPUBuffer; staging: GPUBuffer; bytes: number }[] = [];
  #copiesSubmitted: Promise<void> | null = null;
  /** Unmapped staging buffers kept for the next reads, by size class. */
  readonly #staging = new Map<number, GPUBuffer[]>();
  #stagingBytes = 0;

  constructor(device: GPUDevice, options: WebGpuBackendOptions = {}, adapterInfo?: GPUAdapterInfo) {
    this.device = device;
    this.adapterInfo = adapterInfo;
    this.#keepAlive = options.keepAlive;
    this.#readTimeoutMs = options.readTimeoutMs ?? 60_000;
    this.maxBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    this.#pool = new BufferPool(device, options.poolBytes ?? 256 * 2 ** 20);
    this.#queue = new CommandQueue(device, this.#pool, options.flushEvery ?? 16);
    void device.lost.then((info) => {
      if (this.#broken) return; // disposed on purpose
      this.#broken = `webgpu: the device was lost (${info.reason}): ${info.message}`;
      const fallback = options.fallback;
      if (fallback === undefined || activeBackend() !== this) return;
      this.#broken += `; new tensors go to ${String(fallback)}`;
      setBackend(fallback).catch((error: unknown) => {
        this.#broken += ` (the fallback failed: ${error instanceof Error ? error.message : String(error)})`;
      });
    });
    device.addEventListener('uncapturederror', (event) => {
      this.#error ??= (event as GPUUncapturedErrorEvent).error.message;
    });
    const ctx: GpuContext = {
      device,
      queue: this.#queue,
      pool: this.#pool,
      alloc: (out) => this.#alloc(out),
    };
    this.kernels = createKernels(ctx);
    this.fused = options.fused === false ? undefined : createFusedKernels(ctx);
  }

  /** Keeps Dawn's entry object alive with the backend (see `keepAlive`). */
  get keepAlive(): unknown {
    return this.#keepAlive;
  }

  /** Pipelines compiled so far. */
  get pipelineCount(): number {
    return this.#queue.pipelineCount;
  }

  #check(): void {
    if (this.#broken) throw new BackendError(this.#broken);
    const error = this.#error;
    if (error) {
      this.#error = null;
      throw new BackendError(`webgpu: the device reported an error: ${error}`);
    }
  }

  #alloc(out: OutInfo): GpuData {
    this.#check();
    const bytes = gpuBytes(out.size, out.dtype);
    const data = new GpuData(this.#pool.acquire(bytes), bytes);
    this.#bytesInUse += bytes;
    return data;
  }

  /**
   * Runs `work` once (inside `tidy`, its tensors freed) and waits for the GPU, so the pipelines
   * it uses are compiled by a real dispatch before they matter (software adapters compile on
   * first dispatch); resolves to the milliseconds it took.
   * @example
   * await backend.warmUp(() => model.predict(zeros([1, 784])));
   */
  async warmUp(work: () => unknown): Promise<number> {
    checkArgCount('warmUp', arguments.length, 1, 'warmUp(() => model.predict(x))');
    if (typeof work !== 'function') {
      throw new ArgumentError(`warmUp: expected a function to run, got ${describeValue(work)}`);
    }
    const start = performance.now();
    tidy(() => {
      work();
    });
    await this.sync();
    return performance.now() - start;
  }

  /** float32, int32 and bool; float16 when the device has `shader-f16`; never float64. */
  supportsDType(dtype: DType): boolean {
    if (dtype === 'float16') return this.device.features.has('shader-f16');
    return dtype !== 'float64';
  }

  upload(values: TypedArray, dtype: DType): DataHandle {
    const data = this.#alloc({ shape: [values.length], dtype, size: values.length });
    if (values.length === 0) return data;
    // Halves are rounded here (to nearest even) and padded to whole words.
    const words =
      dtype === 'bool'
        ? Uint32Array.from(values as Uint8Array)
        : dtype === 'float16'
          ? packHalf(values)
          : values;
    this.device.queue.writeBuffer(data.buffer, 0, words.buffer, words.byteOffset, data.bytes);
    return data;
  }

  async read(handle: DataHandle, dtype: DType, size: number): Promise<TypedArray> {
    this.#check();
    const data = gpuData(handle, 'read');
    const bytes = gpuBytes(size, dtype);
    if (size === 0) return toDType(new ArrayBuffer(0), dtype, 0);
    const staging = this.#takeStaging(bytes);
    let reusable = false;
    try {
      await this.#copyOut(data.buffer, staging, bytes);
      await this.#bounded(staging.mapAsync(MAP_READ, 0, bytes), 'read');
      this.#check();
      const values = toDType(staging.getMappedRange(0, bytes).slice(0), dtype, size);
      staging.unmap();
      reusable = true;
      return values;
    } finally {
      if (reusable) this.#giveStaging(staging);
      else staging.destroy();
    }
  }

  /**
   * Queues a copy into a staging buffer; the copies of every read started in the same tick go
   * out in one submit (`Promise.all` over several `data()` calls costs one round trip).
   */
  #copyOut(src: GPUBuffer, staging: GPUBuffer, bytes: number): Promise<void> {
    this.#copies.push({ src, staging, bytes });
    this.#copiesSubmitted ??= new Promise<void>((resolve, reject) => {
      queueMicrotask(() => {
        const copies = this.#copies;
        this.#copies = [];
        this.#copiesSubmitted = null;
        try {
          this.#check();
          this.#queue.flush((encoder) => {
            for (const c of copies) encoder.copyBufferToBuffer(c.src, 0, c.staging, 0, c.bytes);
          });
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
    return this.#copiesSubmitted;
  }

  /** A MAP_READ staging buffer of at least `bytes` (pooled by size class). */
  #takeStaging(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const reused = this.#staging.get(size)?.pop();
    if (reused) {
      this.#stagingBytes -= size;
      return reused;
    }
    return this.device.createBuffer({ size, usage: MAP_READ | COPY_DST });
  }

  #giveStaging(buffer: GPUBuffer): void {
    if (this.#stagingBytes + buffer.size > STAGING_CAP) {
      buffer.destroy();
      return;
    }
    const list = this.#staging.get(buffer.size) ?? [];
    list.push(buffer);
    this.#staging.set(buffer.size, list);
    this.#stagingBytes += buffer.size;
  }

  /** `promise`, or a BackendError once `readTimeoutMs` passes or the device is lost. */
  async #bounded<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BackendError(`webgpu: ${what} did not finish within ${this.#readTimeoutMs} ms`)),
        this.#readTimeoutMs,
      );
    });
    const lost = this.device.lost.then((info) => {
      throw new BackendError(`webgpu: the device was lost during ${what} (${info.reason}): ${info.message}`);
    });
    try {
      return await Promise.race([promise, timeout, lost]);
    } finally {
      clearTimeout(timer);
    }
  }

  free(handle: DataHandle): void {
    const data = gpuData(handle, 'free');
    this.#bytesInUse -= data.bytes;
    this.#pool.release(data.buffer, this.#queue.pending);
  }

  flush(): void {
    if (!this.#broken) this.#queue.flush();
  }

  async sync(): Promise<void> {
    this.#check();
    await this.#bounded(this.#queue.sync(), 'sync');
    this.#check();
  }

  memory(): BackendMemory {
    const { live, pooled } = this.#pool.bytes;
    return { bytesInUse: this.#bytesInUse, bytesReserved: live + pooled + this.#stagingBytes };
  }

  dispose(): void {
    this.#queue.dispose();
    this.#pool.dispose();
    for (const list of this.#staging.values()) for (const b of list) b.destroy();
    this.#staging.clear();
    this.#broken = 'webgpu: the backend was disposed';
    this.device.destroy();
  }
}

function toDType(bytes: ArrayBuffer, dtype: DType, size: number): TypedArray {
  if (dtype === 'float32') return new Float32Array(bytes);
  if (dtype === 'float16') return unpackHalf(bytes, size);
  if (dtype === 'int32') return new Int32Array(bytes);
  return Uint8Array.from(new Uint32Array(bytes));
}

/**
 * A WebGPU backend on the first adapter `gpu` offers (`core`, else `compatibility`), requesting
 * the adapter's own limits (the defaults are lower than most adapters allow).
 * @example
 * registerBackend('webgpu', () => createWebGpuBackend());
 */
export async function createWebGpuBackend(options?: WebGpuBackendOptions): Promise<WebGpuBackend> {
  checkArgCount('createWebGpuBackend', arguments.length, 1, 'createWebGpuBackend({ fallback })');
  return createChecked(checkBackendOptions('createWebGpuBackend', options, BACKEND_OPTIONS));
}

/** `createWebGpuBackend` for options already checked. */
export async function createChecked(options: WebGpuBackendOptions): Promise<WebGpuBackend> {
  const gpu = options.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) {
    throw new BackendError(
      'webgpu: navigator.gpu is not available (in Node, import @nabla/backend-webgpu/node, which uses the webgpu package)',
    );
  }
  // A `core` adapter first; without one, a `compatibility` one (OpenGL ES drivers), unless the
  // caller asked for a feature level.
  const adapter =
    (await gpu.requestAdapter(options.adapter)) ??
    (options.adapter?.featureLevel === undefined
      ? await gpu.requestAdapter({ ...options.adapter, featureLevel: 'compatibility' })
      : null);
  if (!adapter) throw new BackendError('webgpu: no adapter (the browser or driver offers no WebGPU device)');
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: limits.maxComputeWorkgroupSizeY,
      maxComputeWorkgroupSizeZ: limits.maxComputeWorkgroupSizeZ,
    },
    requiredFeatures: adapter.features.has('shader-f16') ? ['shader-f16'] : [],
  });
  return new WebGpuBackend(device, options, adapter.info);
}
