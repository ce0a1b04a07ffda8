// TypeDoc entry point for @nabla/backend-wasm (see typedoc.json): names the module and re-exports the
// package's built declarations, so the reference documents exactly what users import.
/**
 * Nabla WebAssembly backend: AssemblyScript SIMD kernels over one wasm heap, binary embedded. Importing it registers the `wasm` backend: `import '@nabla/backend-wasm'`, then `await setBackend('wasm')`.
 * @module @nabla/backend-wasm
 */
export * from '../../packages/backend-wasm/dist/index.js';
