// Losses: Keras-style factories returning a `Loss` (name, fn, config), each the per-sample
// loss averaged over the batch, plus `getLoss` to resolve them by string name.

export {
  binaryCrossentropy,
  type CrossentropyOptions,
  categoricalCrossentropy,
  type SparseCrossentropyOptions,
  sparseCategoricalCrossentropy,
} from './crossentropy.js';
export { getLoss } from './get-loss.js';
export {
  type HuberOptions,
  hinge,
  huber,
  kld,
  kullbackLeiblerDivergence,
  meanAbsoluteError,
  meanSquaredError,
} from './regression.js';
export { makeLoss } from './shared.js';
