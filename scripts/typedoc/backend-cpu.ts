// TypeDoc entry point for @nabla/backend-cpu (see typedoc.json): names the module and re-exports the
// package's built declarations, so the reference documents exactly what users import.
/**
 * Nabla CPU backend: plain TypeScript kernels over typed arrays. Importing it registers the `cpu` backend: `import '@nabla/backend-cpu'`.
 * @module @nabla/backend-cpu
 */
export * from '../../packages/backend-cpu/dist/index.js';
