// Optimizer lookup by Keras name ('sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'), each with
// Keras's defaults; an optimizer object passes through unchanged.

import { ArgumentError } from '@nabla/core';
import type { Optimizer } from '../types.js';
import { adagrad } from './adagrad.js';
import { adam, adamw } from './adam.js';
import { rmsprop } from './rmsprop.js';
import { sgd } from './sgd.js';

const FACTORIES: Record<string, () => Optimizer> = { sgd, adam, adamw, rmsprop, adagrad };

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
      'applyGradients' in nameOrOptimizer
    ) {
      return nameOrOptimizer;
    }
    throw new ArgumentError(
      `getOptimizer: expected an optimizer name or an Optimizer, got ${String(nameOrOptimizer)}`,
    );
  }
  const make = FACTORIES[nameOrOptimizer.replace(/[_\-\s]/g, '').toLowerCase()];
  if (make === undefined) {
    throw new ArgumentError(
      `getOptimizer: expected one of ${Object.keys(FACTORIES).join(', ')}, got '${nameOrOptimizer}'`,
    );
  }
  return make();
}
