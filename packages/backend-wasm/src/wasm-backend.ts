// The wasm backend: tensors live in one WebAssembly.Memory managed by a JS allocator (heap.ts)
// and every primitive runs as AssemblyScript compiled to WebAssembly SIMD (assembly/). Reads
// are synchronous copies out of the heap. With threads (the default where shared memory and
// workers exist) the memory is shared and a worker pool (thread-pool.ts) splits the GEMM and
// the convolutions; otherwise everything runs on the calling thread. float64 is not supported
// (gradient checks compare against the CPU backend instead).

import { ArgumentError, BackendError, type DType, type TypedArray } from '@nabla/core';
import {
  type Backend,
  type BackendMemory,
  checkArgCount,
  checkBackendOptions,
  type DataHandle,
  describeValue,
  type FusedKernelTable,
  type KernelTable,
  type OptionCheck,
  optionChecks,
} from '@nabla/core/internal';
import { CompiledChains } from './chain-jit.js';
import { WasmHeap } from './heap.js';
import { makeContext } from './kernel-context.js';
import { createFusedKernels, createKernels } from './kernel-table.js';
import { defaultThreadCount, preloadWorkerSupport, threadSupportProblem } from './platform.js';
import { chooseSimd } from './relaxed-simd.js';
import { ThreadPool, type WorkerFault } from './thread-pool.js';
import { WasmData, wasmData } from './wasm-data.js';
import {
  compileAsync,
  compileSync,
  EXPORT_ARITIES,
  instantiate,
  type KernelExports,
  type WasmBuild,
  type WasmInstance,
} from './wasm-module.js';

const PAGE = 65536;
/** Default multiply-adds below which a kernel stays on one thread (about 40 µs of work). */
const MIN_PARALLEL_WORK = 2 ** 20;
/** How long a Node backend waits at construction for its workers to start. */
const WORKER_START_MS = 10_000;
/** Default `workerTimeoutMs`: far above any one part of a split kernel on a loaded machine. */
const WORKER_TIMEOUT_MS = 30_000;
/** Default `maximumBytes` and `initialBytes`. */
const DEFAULT_MAXIMUM_BYTES = 2 ** 31;
const DEFAULT_INITIAL_BYTES = 4 * 2 ** 20;
/** Default `workerSpinMs`: covers the gaps between a training step's split kernels. */
const WORKER_SPIN_MS = 0.5;
/** The longest `workerSpinMs` (a spin holds a core). */
const MAX_SPIN_MS = 100;
/**
 * The largest tensor in bytes, whatever the heap's maximum: kernels count elements in signed
 * 32 bits, and a page of margin keeps loops that step past their end from wrapping.
 */
const MAX_TENSOR_BYTES = 2 ** 31 - PAGE;

let defaultThreads: number | undefined;
/** Set by WasmBackend's static block, which alone sees its pool and heap (for tests). */
let injectFault: (backend: WasmBackend, fault: WorkerFault, worker?: number) => void;
let heapOf: (backend: WasmBackend) => WasmHeap;
const loggedReasons = new Set<string>();

/**
 * Sets the thread count of wasm backends made from now on without a `threads` option (the
 * registered `wasm` backend included, if it has not been initialised yet). `undefined` restores
 * the default, the number of cores.
 * @example
 * setWasmThreads(4);
 * await setBackend('wasm');
 */
export function setWasmThreads(threads: number | undefined): void {
  checkArgCount('setWasmThreads', arguments.length, 1, 'setWasmThreads(2)');
  const expected = threads === undefined ? null : THREADS_CHECK(threads);
  if (expected) {
    throw new ArgumentError(
      `setWasmThreads: expected ${expected} or undefined, got ${describeValue(threads)}`,
    );
  }
  defaultThreads = threads;
}

/**
 * How many threads a wasm backend runs kernels on, and why only one when it falls back; which
 * kernel build runs, and why.
 */
export interface WasmThreadInfo {
  /** Threads in all, the calling thread included. */
  readonly threads: number;
  /** Why the backend runs on one thread, when it does. */
  readonly reason?: string;
  /** Kernels that have run split over the threads so far. */
  readonly parallelJobs: number;
  /** Elementwise chain programs compiled to modules of their own so far (the rest run in the interpreter). */
  readonly compiledChains: number;
  /** The kernel build that runs: plain or relaxed SIMD (fused multiply-add), with or without threads. */
  readonly build: WasmBuild;
  /** Why that build: relaxed SIMD found (and how), missing, or turned off. */
  readonly buildReason: string;
}

/** Options for `new WasmBackend(...)`. */
export interface WasmBackendOptions {
  /** Initial heap size in bytes (default 4 MiB). */
  readonly initialBytes?: number;
  /** Largest the heap may grow to in bytes (default 2 GiB, at most 4 GiB). */
  readonly maximumBytes?: number;
  /**
   * Threads for the GEMM and convolutions, the calling thread included (default: the number of
   * cores, or `setWasmThreads`). 1 runs everything on the calling thread over an unshared memory.
   */
  readonly threads?: number;
  /** `false` behaves as if SharedArrayBuffer were unavailable: one thread (default true). */
  readonly sharedMemory?: boolean;
  /**
   * `false` runs the plain SIMD build even where the engine has relaxed SIMD (default: the
   * NABLA_WASM_RELAXED_SIMD environment variable in Node, 0 or 1, else true). The relaxed build
   * fuses the GEMM's and exp's multiply-adds, so results differ from the plain build's in the
   * last bits.
   */
  readonly relaxedSimd?: boolean;
  /** Multiply-adds below which a kernel stays on one thread (default 2^20); 0 splits everything. */
  readonly minParallelWork?: number;
  /**
   * How long, in milliseconds, a worker thread may still be busy with its part of a split kernel
   * after the calling thread finished its own (at least 10 times as long as that took; default
   * 30,000). Past it, or as soon as a worker dies, the kernel throws a BackendError, the workers
   * are stopped and the backend goes on with one thread (`threadInfo()` says why).
   */
  readonly workerTimeoutMs?: number;
  /**
   * How long, in milliseconds, a worker thread that finished its part spins for the next one
   * before it sleeps (longer while the calling thread keeps running kernels: the spin restarts
   * while they come, up to eight spins in all), and the calling thread for its workers before it sleeps on them (default
   * 0.5; 0 sleeps at once). A sleeping thread takes 50–200 µs to wake on a busy machine, which a
   * training step's many short split kernels would pay each time; spinning costs CPU time.
   */
  readonly workerSpinMs?: number;
}

/** The check of a thread count: `threads` and `setWasmThreads`. */
const THREADS_CHECK = optionChecks.integer(1, 256);

/** The checks of `WasmBackendOptions`, for callers without a compiler. */
const OPTION_CHECKS: Readonly<Record<string, OptionCheck>> = {
  initialBytes: optionChecks.integer(0, 2 ** 32),
  // At least one page: the memory's maximum is counted in 64 KiB pages.
  maximumBytes: optionChecks.integer(PAGE, 2 ** 32),
  threads: THREADS_CHECK,
  sharedMemory: optionChecks.boolean,
  relaxedSimd: optionChecks.boolean,
  minParallelWork: optionChecks.nonNegative,
  workerTimeoutMs: optionChecks.positive,
  workerSpinMs: optionChecks.range(0, MAX_SPIN_MS),
};

/**
 * A checked copy of a wasm backend's options (`where` names the function for the error).
 * @example
 * checkWasmOptions('createWasmBackend', { threads: 2 }); // { threads: 2 }
 */
export function checkWasmOptions(where: string, options: unknown): WasmBackendOptions {
  const checked = checkBackendOptions<WasmBackendOptions>(where, options, OPTION_CHECKS);
  const { initialBytes, maximumBytes = DEFAULT_MAXIMUM_BYTES } = checked;
  if (initialBytes !== undefined && initialBytes > maximumBytes) {
    throw new ArgumentError(
      `${where}: expected initialBytes (${initialBytes}) to be at most maximumBytes (${maximumBytes}${checked.maximumBytes === undefined ? ', the default' : ''})`,
    );
  }
  return checked;
}

/**
 * Copies a few values into the heap element by element, without the byte view over `values`
 * that a bulk copy makes (per-op dispatch cost: most uploads are scalars).
 */
function copySmall(heap: WasmHeap, values: TypedArray, ptr: number): void {
  const n = values.length;
  if (values instanceof Float32Array) {
    const view = heap.f32;
    for (let i = 0, at = ptr >>> 2; i < n; i++) view[at + i] = values[i]!;
  } else if (values instanceof Int32Array) {
    const view = heap.i32;
    for (let i = 0, at = ptr >>> 2; i < n; i++) view[at + i] = values[i]!;
  } else if (n > 0) {
    heap.u8.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), ptr);
  }
}

/**
 * The WebAssembly SIMD backend; supports float32, int32 and bool.
 * @example
 * const backend = new WasmBackend();
 * const handle = backend.upload(new Float32Array([1, 2]), 'float32');
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  /**
   * The largest tensor in bytes: the heap's maximum, and below 2 GiB (core checks before
   * dispatch; the kernels check again).
   */
  readonly maxBytes: number;
  readonly kernels: KernelTable;
  readonly fused: Partial<FusedKernelTable>;
  readonly #heap: WasmHeap;
  readonly #pool: ThreadPool | undefined;
  readonly #chains: CompiledChains;
  #threadInfo: { readonly threads: number; readonly reason?: string };
  #build: { readonly build: WasmBuild; readonly buildReason: string };
  #bytesInUse = 0;
  #disposed = false;

  /**
   * Builds a backend synchronously; where the platform compiles large modules only
   * asynchronously (a browser's main thread) this throws: use `await WasmBackend.create()`.
   */
  constructor(options?: WasmBackendOptions) {
    options = checkWasmOptions('new WasmBackend', options);
    const requested = options.threads ?? defaultThreads ?? defaultThreadCount();
    let reason =
      requested === 1 ? (options.threads === 1 ? 'threads: 1 was requested' : 'one core') : undefined;
    reason ??= threadSupportProblem({ sharedMemory: options.sharedMemory ?? true });
    const maximumBytes = options.maximumBytes ?? DEFAULT_MAXIMUM_BYTES;
    const initialPages = Math.ceil(
      (options.initialBytes ?? Math.min(DEFAULT_INITIAL_BYTES, maximumBytes)) / PAGE,
    );
    // Both within one page of what was asked (checkWasmOptions: initialBytes <= maximumBytes).
    const maximumPages = Math.max(Math.floor(maximumBytes / PAGE), initialPages);
    this.maxBytes = Math.min(maximumPages * PAGE, MAX_TENSOR_BYTES);
    const simd = chooseSimd(options.relaxedSimd);
    const builds = buildsFor(simd.relaxed);
    const threaded =
      reason === undefined
        ? this.#startThreads(builds.threads, requested, initialPages, maximumPages, options)
        : undefined;
    if (threaded && 'reason' in threaded) reason = threaded.reason;
    let instance: WasmInstance;
    if (threaded && 'pool' in threaded) {
      instance = threaded.instance;
      this.#pool = threaded.pool;
      this.#heap = threaded.heap;
    } else {
      const module = compileSync(builds.single);
      if (!module) {
        throw new BackendError(
          'wasm: this platform compiles WebAssembly asynchronously here; use await WasmBackend.create()',
        );
      }
      instance = instantiate(module, initialPages, maximumPages);
      this.#heap = new WasmHeap(instance.memory, instance.exports.heapBase(), maximumPages * PAGE);
    }
    this.#threadInfo = this.#pool
      ? { threads: this.#pool.size }
      : { threads: 1, reason: reason ?? 'one thread' };
    this.#build = { build: this.#pool ? builds.threads : builds.single, buildReason: simd.reason };
    if (reason && requested > 1 && !loggedReasons.has(reason)) {
      loggedReasons.add(reason);
      console.debug(`nabla wasm: running on one thread: ${reason}`);
    }
    const ctx = makeContext({
      wasm: instance.exports,
      heap: this.#heap,
      count: (bytes) => {
        this.#bytesInUse += bytes;
      },
      maxBytes: this.maxBytes,
      pool: this.#pool,
    });
    this.kernels = createKernels(ctx);
    this.#chains = new CompiledChains(ctx);
    this.fused = createFusedKernels(ctx, this.#chains);
  }

  /** The threads build over a shared memory with its worker pool, or why that failed. */
  #startThreads(
    build: WasmBuild,
    threads: number,
    initialPages: number,
    maximumPages: number,
    options: WasmBackendOptions,
  ): { instance: WasmInstance; heap: WasmHeap; pool: ThreadPool } | { reason: string } | undefined {
    const module = compileSync(build);
    if (!module) return undefined;
    let instance: WasmInstance;
    try {
      instance = instantiate(module, initialPages, maximumPages, true);
    } catch (err) {
      return { reason: `a shared WebAssembly.Memory could not be made: ${String(err)}` };
    }
    const heap = new WasmHeap(instance.memory, instance.exports.heapBase(), maximumPages * PAGE);
    try {
      const pool = new ThreadPool({
        module,
        memory: instance.memory,
        exports: instance.exports,
        names: Object.keys(EXPORT_ARITIES) as (keyof KernelExports)[],
        heap,
        threads,
        minWork: options.minParallelWork ?? MIN_PARALLEL_WORK,
        timeoutMs: options.workerTimeoutMs ?? WORKER_TIMEOUT_MS,
        spinMs: options.workerSpinMs ?? WORKER_SPIN_MS,
      });
      // Node workers start while this thread blocks; a browser's start only once the page's
      // thread is free, so there `create()` waits for them and jobs skip workers not yet ready.
      pool.waitReadySync(WORKER_START_MS);
      return { instance, heap, pool };
    } catch (err) {
      return { reason: `worker threads could not be started: ${String(err)}` };
    }
  }

  /**
   * Compiles the kernels asynchronously (allowed everywhere), then builds the backend.
   * @example
   * const backend = await WasmBackend.create({ maximumBytes: 2 ** 30 });
   */
  static async create(options?: WasmBackendOptions): Promise<WasmBackend> {
    options = checkWasmOptions('WasmBackend.create', options);
    await preloadWorkerSupport();
    // Load only the build that will run; the single-thread one too if threads fail to start.
    const requested = options.threads ?? defaultThreads ?? defaultThreadCount();
    const threaded =
      requested > 1 && threadSupportProblem({ sharedMemory: options.sharedMemory ?? true }) === undefined;
    const builds = buildsFor(chooseSimd(options.relaxedSimd).relaxed);
    await compileAsync(threaded ? builds.threads : builds.single);
    let backend: WasmBackend;
    try {
      backend = new WasmBackend(options);
    } catch (err) {
      if (!threaded) throw err;
      await compileAsync(builds.single);
      backend = new WasmBackend(options);
    }
    await backend.#pool?.ready(WORKER_START_MS);
    return backend;
  }

  /**
   * The threads kernels run on (the calling thread included) and, when only one, why; the
   * kernel build that runs and why.
   * @example
   * new WasmBackend({ threads: 1, relaxedSimd: false }).threadInfo();
   * // { threads: 1, reason: 'threads: 1 was requested', parallelJobs: 0, compiledChains: 0, build: 'simd', buildReason: 'relaxedSimd: false was requested' }
   */
  threadInfo(): WasmThreadInfo {
    const failure = this.#disposed ? undefined : this.#pool?.failure;
    const info = failure === undefined ? this.#threadInfo : { threads: 1, reason: failure };
    return {
      ...info,
      parallelJobs: this.#pool?.jobs ?? 0,
      compiledChains: this.#chains.count,
      ...this.#build,
    };
  }

  supportsDType(dtype: DType): boolean {
    return dtype !== 'float64' && dtype !== 'float16';
  }

  upload(values: TypedArray, dtype: DType): DataHandle {
    if (dtype === 'float64' || dtype === 'float16')
      throw new BackendError(`upload: ${dtype} is not supported on the wasm backend`);
    const bytes = values.byteLength;
    let ptr = 0;
    try {
      if (bytes > 0) ptr = this.#heap.alloc(bytes);
    } catch (err) {
      // Core turns an allocation's RangeError into a BackendError naming the op and the shape,
      // which only it knows here.
      if (err instanceof BackendError) throw new RangeError(err.message, { cause: err });
      throw err;
    }
    const data = new WasmData(ptr, bytes);
    if (values.length <= 16) copySmall(this.#heap, values, ptr);
    else this.#heap.u8.set(new Uint8Array(values.buffer, values.byteOffset, bytes), ptr);
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
      case 'float16':
        throw new BackendError(`readSync: ${dtype} is not supported on the wasm backend`);
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
    this.#pool?.dispose();
    if (this.#pool) this.#threadInfo = { threads: 1, reason: 'the backend was disposed' };
  }

  /** Test-only hooks: see `injectWorkerFault` and `wasmHeapOf`. */
  static {
    injectFault = (backend, fault, worker) => {
      const pool = backend.#pool;
      if (!pool?.usable) throw new BackendError('injectWorkerFault: the backend runs no worker threads');
      pool.injectFault(fault, worker);
    };
    heapOf = (backend) => backend.#heap;
  }

  /** Resolves once the worker threads have stopped (at once without threads); after `dispose()`. */
  threadsStopped(): Promise<void> {
    return this.#pool?.exited ?? Promise.resolve();
  }
}

/** The single-thread and threads builds of plain or relaxed SIMD. */
export function buildsFor(relaxed: boolean): { readonly single: WasmBuild; readonly threads: WasmBuild } {
  return relaxed ? { single: 'relaxed', threads: 'relaxed-threads' } : { single: 'simd', threads: 'threads' };
}

/**
 * Test-only, not exported from the package: worker `worker` (0-based) of `backend` traps, exits
 * or spins instead of running its part of the next split kernel.
 * @example
 * injectWorkerFault(backend, 'spin');
 */
export function injectWorkerFault(backend: WasmBackend, fault: WorkerFault, worker = 0): void {
  injectFault(backend, fault, worker);
}

/**
 * Test-only, not exported from the package: the backend's heap, e.g. to reserve a large block
 * that is never touched so that tensors land above 2 GiB.
 * @example
 * wasmHeapOf(backend).alloc(2 ** 31);
 */
export function wasmHeapOf(backend: WasmBackend): WasmHeap {
  return heapOf(backend);
}
