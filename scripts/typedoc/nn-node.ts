// TypeDoc entry point for @nabla/nn/node (see typedoc.json): names the module and re-exports the
// package's built declarations, so the reference documents exactly what users import.
/**
 * Node-only parts of @nabla/nn: data readers over the file system (IDX, CSV, Fashion-MNIST) and saving to and loading from a folder.
 * @module @nabla/nn/node
 */
export * from '../../packages/nn/dist/node.js';
