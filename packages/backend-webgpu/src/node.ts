// @nabla/backend-webgpu/node: the WebGPU backend in Node, on Dawn through the `webgpu` package
// (an optional peer dependency: `npm install webgpu`). Importing it registers 'webgpu'; Dawn's
// entry object stays referenced by the backend, since Dawn crashes the process if it is
// collected while a device lives.

import { registerBackend } from '@nabla/core';
import { create } from 'webgpu';
import { createWebGpuBackend, type WebGpuBackend, type WebGpuBackendOptions } from './webgpu-backend.js';

export * from './index.js';

/** Options of `createNodeWebGpuBackend`: Dawn's flags besides the backend's own options. */
export interface NodeWebGpuOptions extends Omit<WebGpuBackendOptions, 'gpu' | 'keepAlive'> {
  /** Dawn toggles, e.g. `['backend=vulkan']` or `['backend=opengles']`. */
  dawnFlags?: readonly string[];
}

/**
 * A WebGPU backend on Dawn in Node.
 * @example
 * registerBackend('webgpu-gl', () => createNodeWebGpuBackend({ dawnFlags: ['backend=opengles'] }));
 */
export function createNodeWebGpuBackend(options: NodeWebGpuOptions = {}): Promise<WebGpuBackend> {
  const { dawnFlags = [], ...rest } = options;
  const gpu = create([...dawnFlags]);
  return createWebGpuBackend({ ...rest, gpu, keepAlive: gpu });
}

registerBackend('webgpu', () => createNodeWebGpuBackend(), 3);
