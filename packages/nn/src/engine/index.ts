// Models and the training engine.

export * from './layer.js';
export * from './registry.js';
