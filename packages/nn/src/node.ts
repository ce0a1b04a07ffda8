// @nabla/nn/node: the Node-only helpers (node:fs, node:zlib): crash-safe folder saves and the
// folder handler of plain paths, IDX and CSV readers for paths, and the Fashion-MNIST and
// MNIST-digit loaders. Loading it registers the folder handler and csvLogger's file system. The
// main entry stays free of node: imports so that browser bundles of @nabla/nn never see them.

import './io/node-setup.js';

export * from './data/node.js';
export * from './io/node.js';
