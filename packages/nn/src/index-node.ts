// @nabla/nn in Node (the `node` export condition of the main entry): the whole public API, with
// the folder handler registered, so `model.save('./dir')` and `loadModel('./dir')` work for
// users who import '@nabla/nn'. Browsers get index.ts, which has no node: imports.

import './io/node-setup.js';

export * from './index.js';
