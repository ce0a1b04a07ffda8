// @nabla/nn: Keras-style layers, models, losses, optimizers, metrics, callbacks, training,
// save/load and data helpers, on top of @nabla/core only (so it runs on every backend).

export * from './callbacks/index.js';
export * from './data/index.js';
export * from './engine/index.js';
export * from './initializers/index.js';
export * from './io/index.js';
export * from './layers/index.js';
export * from './losses/index.js';
export * from './metrics/index.js';
export * from './optimizers/index.js';
export * from './regularizers/index.js';
export type * from './types.js';
