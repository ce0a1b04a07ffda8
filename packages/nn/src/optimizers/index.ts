// Optimizers (SGD, Adagrad, RMSprop, Adam, AdamW) on a shared base with clipping, weight decay
// and lazily made slots; learning-rate schedules; and `getOptimizer` to resolve them by name.

export { type AdagradOptions, adagrad } from './adagrad.js';
export { type AdamOptions, type AdamWOptions, adam, adamw } from './adam.js';
export { getOptimizer } from './get-optimizer.js';
export { BaseOptimizer, type OptimizerOptions, type OptimizerState, type SlotSpec } from './optimizer.js';
export { type RmspropOptions, rmsprop } from './rmsprop.js';
export {
  type CosineDecayOptions,
  cosineDecay,
  type ExponentialDecayOptions,
  exponentialDecay,
  type PiecewiseConstantDecayOptions,
  piecewiseConstantDecay,
  stepDecay,
} from './schedules.js';
export { type SgdOptions, sgd } from './sgd.js';
