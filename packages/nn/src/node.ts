// @nabla/nn/node: the Node-only helpers (node:fs, node:zlib): crash-safe folder saves, IDX and
// CSV readers for paths, and the Fashion-MNIST and MNIST-digit loaders. The main entry stays
// free of node: imports so that browser bundles of @nabla/nn never see them.

export * from './data/node.js';
export * from './io/node.js';
