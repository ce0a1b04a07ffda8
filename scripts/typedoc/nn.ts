// TypeDoc entry point for @nabla/nn (see typedoc.json): names the module and re-exports the
// package's built declarations, so the reference documents exactly what users import.
/**
 * Nabla nn: Keras-style layers, models, losses, optimizers, metrics, callbacks, training, save and load.
 * @module @nabla/nn
 */
export * from '../../packages/nn/dist/index.js';
