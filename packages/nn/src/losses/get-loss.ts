// Loss lookup by Keras name: 'mse', 'categorical_crossentropy', 'sparseCategoricalCrossentropy'
// and the other spellings Keras accepts, case-, underscore- and camelCase-insensitive; a `Loss`
// passes through and a bare `LossFn` is wrapped.

import { ArgumentError } from '@nabla/core';
import type { Loss, LossFn } from '../types.js';
import {
  binaryCrossentropy,
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
} from './crossentropy.js';
import { hinge, huber, kld, meanAbsoluteError, meanSquaredError } from './regression.js';

const FACTORIES: Record<string, () => Loss> = {
  mse: meanSquaredError,
  meansquarederror: meanSquaredError,
  mae: meanAbsoluteError,
  meanabsoluteerror: meanAbsoluteError,
  huber: huber,
  huberloss: huber,
  hinge: hinge,
  kld: kld,
  kldivergence: kld,
  kullbackleiblerdivergence: kld,
  binarycrossentropy: binaryCrossentropy,
  categoricalcrossentropy: categoricalCrossentropy,
  sparsecategoricalcrossentropy: sparseCategoricalCrossentropy,
};

/** 'Sparse_Categorical_Crossentropy' and 'sparseCategoricalCrossentropy' → one key. */
function key(name: string): string {
  return name.replace(/[_\-\s]/g, '').toLowerCase();
}

/**
 * Resolves a loss given by Keras name, as a `Loss`, or as a bare function (named after it).
 * @example
 * getLoss('sparse_categorical_crossentropy'); // same as sparseCategoricalCrossentropy()
 * getLoss(meanSquaredError()).name;           // 'mean_squared_error'
 */
export function getLoss(nameOrLoss: string | Loss | LossFn): Loss {
  if (typeof nameOrLoss === 'function') {
    return Object.freeze({
      name: nameOrLoss.name || 'custom_loss',
      fn: nameOrLoss,
      config: Object.freeze({}),
    });
  }
  if (typeof nameOrLoss === 'string') {
    const make = FACTORIES[key(nameOrLoss)];
    if (make === undefined) {
      throw new ArgumentError(
        `getLoss: expected a known loss name (${Object.keys(FACTORIES).join(', ')}), got '${nameOrLoss}'`,
      );
    }
    return make();
  }
  if (typeof nameOrLoss === 'object' && nameOrLoss !== null && typeof nameOrLoss.fn === 'function')
    return nameOrLoss;
  throw new ArgumentError(`getLoss: expected a loss name, a Loss or a function, got ${String(nameOrLoss)}`);
}
