// @nabla/backend-wasm: importing this package registers the 'wasm' backend with core (priority
// 2, above 'cpu'). The kernels are compiled from AssemblyScript and embedded in the package,
// so no path configuration is needed in Node or in a bundler; so is the worker threads' source.

import { registerBackend } from '@nabla/core';
import { workersLoadSync } from './platform.js';
import { chooseSimd } from './relaxed-simd.js';
import { buildsFor, checkWasmOptions, WasmBackend, type WasmBackendOptions } from './wasm-backend.js';
import { compileSync } from './wasm-module.js';

export { setWasmThreads, WasmBackend, type WasmBackendOptions, type WasmThreadInfo } from './wasm-backend.js';
export { WasmData } from './wasm-data.js';
export type { WasmBuild } from './wasm-module.js';

/**
 * Makes a wasm backend: synchronously where the platform compiles large modules synchronously
 * (Node, workers), otherwise (a browser's main thread, or a Node without a synchronous
 * `node:worker_threads`) as a promise.
 * @example
 * registerBackend('wasm-2', () => createWasmBackend({ threads: 2, maximumBytes: 2 ** 28 }));
 */
export function createWasmBackend(options?: WasmBackendOptions): WasmBackend | Promise<WasmBackend> {
  options = checkWasmOptions('createWasmBackend', options);
  const sync =
    compileSync(buildsFor(chooseSimd(options.relaxedSimd).relaxed).single) &&
    (options.threads === 1 || workersLoadSync());
  return sync ? new WasmBackend(options) : WasmBackend.create(options);
}

registerBackend('wasm', () => createWasmBackend(), 2);
