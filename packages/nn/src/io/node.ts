// Node-only io (node:fs): crash-safe folder writes and reads for model saves. Kept out of
// io/index.ts so that browser bundles of @nabla/nn never see node: imports.

export * from './atomic.js';
