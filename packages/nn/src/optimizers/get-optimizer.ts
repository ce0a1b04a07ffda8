// Optimizer lookup by Keras name ('sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'), each with
// Keras's defaults; an optimizer object passes through unchanged.

import { ArgumentError } from '@nabla/core';
import { describeValue } from '@nabla/core/internal';
import { NameTable } from '../engine/names.js';
import type { Optimizer } from '../types.js';
import { adagrad } from './adagrad.js';
import { adam, adamw } from './adam.js';
import { rmsprop } from './rmsprop.js';
import { sgd } from './sgd.js';

const FACTORIES = new NameTable<() => Optimizer>([
  ['sgd', sgd],
  ['adam', adam],
  ['adamw', adamw],
  ['rmsprop', rmsprop],
  ['adagrad', adagrad],
]);

/**
 * Resolves an optimizer given by name (Keras defaults) or passes an `Optimizer` through.
 * @example
 * getOptimizer('adam').currentLearningRate(); // 0.001
 * getOptimizer(sgd({ learningRate: 0.1 }));
 */
export function getOptimizer(nameOrOptimizer: string | Optimizer): Optimizer {
  if (typeof nameOrOptimizer !== 'string') {
    if (
      typeof nameOrOptimizer === 'object' &&
      nameOrOptimizer !== null &&
      typeof nameOrOptimizer.applyGradients === 'function'
    ) {
      return nameOrOptimizer;
    }
    throw new ArgumentError(
      `getOptimizer: expected an optimizer name or an Optimizer, got ${describeValue(nameOrOptimizer)}`,
    );
  }
  return FACTORIES.lookup(nameOrOptimizer, 'getOptimizer', 'optimizer')();
}
