// @nabla/backend-wasm: importing this package registers the 'wasm' backend with core (priority
// 2, above 'cpu'). The kernels are compiled from AssemblyScript and embedded in the package,
// so no path configuration is needed in Node or in a bundler.

import { registerBackend } from '@nabla/core';
import { WasmBackend, type WasmBackendOptions } from './wasm-backend.js';
import { compileSync } from './wasm-module.js';

export { WasmBackend, type WasmBackendOptions } from './wasm-backend.js';
export { WasmData } from './wasm-data.js';

/**
 * Makes a wasm backend: synchronously where the platform compiles large modules synchronously
 * (Node, workers), otherwise (a browser's main thread) as a promise.
 * @example
 * registerBackend('wasm-small', () => createWasmBackend({ maximumBytes: 2 ** 28 }));
 */
export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend | Promise<WasmBackend> {
  return compileSync() ? new WasmBackend(options) : WasmBackend.create(options);
}

registerBackend('wasm', () => createWasmBackend(), 2);
