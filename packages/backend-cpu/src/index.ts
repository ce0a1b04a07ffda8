// @nabla/backend-cpu: importing this package registers the 'cpu' backend with core.
// `registerCpuAsync()` adds 'cpu-async', the same kernels without synchronous reads and
// without the optional fused kernels, for exercising the code paths that asynchronous
// backends (and backends without fused kernels) take.

import { registerBackend } from '@nabla/core';
import { CpuBackend } from './cpu-backend.js';

export { CpuBackend, type CpuBackendOptions } from './cpu-backend.js';
export { CpuData } from './cpu-data.js';

registerBackend('cpu', () => new CpuBackend(), 1);

/**
 * Registers 'cpu-async': a CPU backend without `readSync` and without fused kernels, so core
 * runs their composites (priority 0, never the default).
 * @example
 * registerCpuAsync();
 * await setBackend('cpu-async');
 */
export function registerCpuAsync(): void {
  registerBackend('cpu-async', () => new CpuBackend({ asyncOnly: true, fused: false }), 0);
}
