// Node-only io (node:fs): crash-safe file writes, folder locks and the model folder layout
// (model.json + model.safetensors). Kept out of io/index.ts so that browser bundles of
// @nabla/nn never see node: imports.

export * from './atomic.js';
export * from './model-folder.js';
