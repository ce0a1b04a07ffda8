// Node-only data helpers (node:fs, node:zlib): reading IDX and CSV files from paths and the
// Fashion-MNIST and MNIST-digit loaders. Kept out of data/index.ts so browser bundles of
// @nabla/nn never see node: imports.

export * from './datasets.js';
export * from './read.js';
