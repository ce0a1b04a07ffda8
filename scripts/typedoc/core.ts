// TypeDoc entry point for @nabla/core (see typedoc.json): names the module and re-exports the
// package's built declarations, so the reference documents exactly what users import.
/**
 * Nabla core: tensors, dtypes, ops, reverse-mode autodiff, memory and the backend contract. Install with `npm install @nabla/core` and a backend.
 * @module @nabla/core
 */
export * from '../../packages/core/dist/index.js';
