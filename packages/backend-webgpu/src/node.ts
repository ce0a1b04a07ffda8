// @nabla/backend-webgpu/node: the WebGPU backend in Node, on Dawn through the `webgpu` package
// (an optional peer dependency: `npm install webgpu`). Importing it registers 'webgpu'; Dawn's
// entry object stays referenced by the backend, since Dawn crashes the process if it is
// collected while a device lives.

import { registerBackend } from '@nabla/core';
import { checkArgCount, checkBackendOptions } from '@nabla/core/internal';
import { create } from 'webgpu';
import { BACKEND_OPTIONS } from './options.js';
import { createChecked, type WebGpuBackend, type WebGpuBackendOptions } from './webgpu-backend.js';

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
export function createNodeWebGpuBackend(options?: NodeWebGpuOptions): Promise<WebGpuBackend> {
  try {
    checkArgCount(
      'createNodeWebGpuBackend',
      arguments.length,
      1,
      "createNodeWebGpuBackend({ dawnFlags: ['backend=vulkan'] })",
    );
    const { dawnFlags = [], ...rest } = checkBackendOptions<NodeWebGpuOptions>(
      'createNodeWebGpuBackend',
      options,
      NODE_OPTIONS,
    );
    const gpu = create([...dawnFlags]);
    return createChecked({ ...rest, gpu, keepAlive: gpu });
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `createWebGpuBackend`'s options without `gpu` and `keepAlive` (Dawn's), plus its flags. */
const NODE_OPTIONS = {
  ...Object.fromEntries(Object.entries(BACKEND_OPTIONS).filter(([k]) => k !== 'gpu' && k !== 'keepAlive')),
  dawnFlags: (v: unknown) =>
    Array.isArray(v) && v.every((f) => typeof f === 'string') ? null : 'an array of strings',
};

registerBackend('webgpu', () => createNodeWebGpuBackend(), 3);
