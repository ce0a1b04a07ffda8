// @nabla/backend-webgpu: importing this package registers the 'webgpu' backend with core, on
// `navigator.gpu` (browsers). In Node, import '@nabla/backend-webgpu/node' instead, which runs
// Dawn through the `webgpu` package. Reads are asynchronous only: use `await t.data()`.

import { registerBackend } from '@nabla/core';
import { createWebGpuBackend } from './webgpu-backend.js';

export { sizeClass } from './buffer-pool.js';
export { GpuData } from './gpu-data.js';
export { createWebGpuBackend, WebGpuBackend, type WebGpuBackendOptions } from './webgpu-backend.js';

registerBackend('webgpu', () => createWebGpuBackend(), 3);
