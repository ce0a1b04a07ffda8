// Node-only io (node:fs): crash-safe file writes, folder locks, the model folder layout
// (model.json + model.safetensors) and the folder handler of plain paths and file:// targets,
// which loading this module registers. Kept out of io/index.ts so that browser bundles of
// @nabla/nn never see node: imports.

export * from './atomic.js';
export * from './folder.js';
export * from './model-folder.js';
