// TypeDoc entry point for @nabla/backend-webgpu (see typedoc.json): names the module and re-exports the
// package's built declarations, so the reference documents exactly what users import.
/**
 * Nabla WebGPU backend: WGSL kernels, async-only reads, float16 where the adapter has `shader-f16`. Importing it registers the `webgpu` backend on `navigator.gpu`; in Node, `@nabla/backend-webgpu/node` runs Dawn.
 * @module @nabla/backend-webgpu
 */
export * from '../../packages/backend-webgpu/dist/node.js';
