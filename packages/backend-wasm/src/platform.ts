// What this platform offers for worker threads and how it makes them: Node's worker_threads
// (loaded synchronously where Node allows, or preloaded), or Web Workers in browsers; the core
// count; and, when threads cannot run, the reason shown to users by `threadInfo()`.

import { BackendError } from '@nabla/core';
import { BROWSER_WORKER_SOURCE, NODE_WORKER_SOURCE, type WorkerInit } from './worker-source.js';

/** A running worker, whichever platform made it. */
export interface WorkerHandle {
  terminate(): void;
  /** Resolves once the worker has stopped. */
  readonly exited: Promise<void>;
}

/** Makes a worker; `onExit` runs when the platform reports that it stopped. */
export type Spawner = (init: WorkerInit, onExit: () => void) => WorkerHandle;

/** Node's worker_threads, loaded synchronously where Node allows it (≥ 20.16), or preloaded. */
let nodeWorkers: typeof import('node:worker_threads') | undefined;

/** Whether this is Node.js (rather than a browser). */
export function isNode(): boolean {
  return typeof globalThis.process?.versions?.node === 'string';
}

function loadNodeWorkers(): typeof import('node:worker_threads') | undefined {
  nodeWorkers ??= globalThis.process?.getBuiltinModule?.('node:worker_threads');
  return nodeWorkers;
}

/**
 * Whether workers can be made synchronously here (false only in a Node without
 * `process.getBuiltinModule` before `preloadWorkerSupport()`).
 * @example
 * workersLoadSync(); // true in Node ≥ 20.16 and in browsers
 */
export function workersLoadSync(): boolean {
  return !isNode() || loadNodeWorkers() !== undefined;
}

/**
 * Loads worker_threads asynchronously (for Node releases without `process.getBuiltinModule`);
 * a no-op elsewhere.
 * @example
 * await preloadWorkerSupport();
 */
export async function preloadWorkerSupport(): Promise<void> {
  if (!isNode() || loadNodeWorkers()) return;
  const specifier = 'node:worker_threads';
  nodeWorkers = await import(/* @vite-ignore */ specifier);
}

/**
 * The number of cores: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in
 * browsers, 1 where neither is known.
 * @example
 * defaultThreadCount(); // 2 on a two-core machine
 */
export function defaultThreadCount(): number {
  if (isNode()) {
    const os = globalThis.process.getBuiltinModule?.('node:os');
    if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }
  const cores = globalThis.navigator?.hardwareConcurrency;
  return typeof cores === 'number' && cores > 0 ? cores : 1;
}

/**
 * Why worker threads cannot run here, or undefined when they can. `sharedMemory: false`
 * behaves as if SharedArrayBuffer were missing (to test the fallback).
 * @example
 * threadSupportProblem({ sharedMemory: true }); // undefined in Node
 */
export function threadSupportProblem(options: { sharedMemory: boolean }): string | undefined {
  const browser = !isNode();
  const isolationHint = browser
    ? ' (browsers need a cross-origin isolated page: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)'
    : '';
  if (!options.sharedMemory) return 'SharedArrayBuffer is unavailable (sharedMemory: false)';
  if (typeof SharedArrayBuffer === 'undefined') return `SharedArrayBuffer is unavailable${isolationHint}`;
  if (browser && globalThis.crossOriginIsolated === false) {
    return `the page is not cross-origin isolated${isolationHint}`;
  }
  if (typeof Atomics === 'undefined') return 'Atomics is unavailable';
  if (isNode()) {
    if (!loadNodeWorkers()) {
      return 'node:worker_threads cannot be loaded synchronously in this Node.js (needs process.getBuiltinModule, Node ≥ 20.16); use await WasmBackend.create()';
    }
  } else if (typeof Worker === 'undefined') {
    return 'Web Workers are unavailable here';
  }
  return undefined;
}

function nodeSpawner(): Spawner {
  const workers = loadNodeWorkers();
  if (!workers) throw new BackendError('wasm: node:worker_threads is not loaded');
  return (init, onExit) => {
    const worker = new workers.Worker(NODE_WORKER_SOURCE, { eval: true, workerData: init });
    // Idle workers sleep in Atomics.wait forever; they must not keep the process alive.
    worker.unref();
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', () => {
        onExit();
        resolve();
      });
    });
    worker.on('error', (err) => {
      console.error('nabla wasm worker failed:', err);
    });
    return {
      terminate: () => {
        worker.terminate().catch(() => undefined);
      },
      exited,
    };
  };
}

let browserWorkerUrl: string | undefined;

function browserSpawner(): Spawner {
  browserWorkerUrl ??= URL.createObjectURL(new Blob([BROWSER_WORKER_SOURCE], { type: 'text/javascript' }));
  const url = browserWorkerUrl;
  return (init) => {
    const worker = new Worker(url, { name: `nabla-wasm-${init.slot}` });
    worker.postMessage(init);
    let resolveExit = (): void => undefined;
    const exited = new Promise<void>((resolve) => {
      resolveExit = resolve;
    });
    return {
      terminate: () => {
        worker.terminate();
        resolveExit();
      },
      exited,
    };
  };
}

/**
 * The worker factory of this platform.
 * @example
 * const spawn = spawner();
 */
export function spawner(): Spawner {
  return isNode() ? nodeSpawner() : browserSpawner();
}
