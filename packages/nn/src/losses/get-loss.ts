// Loss lookup by Keras name: 'mse', 'categorical_crossentropy', 'sparseCategoricalCrossentropy'
// and the other spellings Keras accepts, case-, underscore- and camelCase-insensitive; a `Loss`
// passes through and a bare `LossFn` is wrapped.

import { ArgumentError } from '@nabla/core';
import { describeValue } from '@nabla/core/internal';
import { NameTable } from '../engine/names.js';
import type { Loss, LossFn } from '../types.js';
import {
  binaryCrossentropy,
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
} from './crossentropy.js';
import { hinge, huber, kld, meanAbsoluteError, meanSquaredError } from './regression.js';

const FACTORIES = new NameTable<() => Loss>([
  ['mse', meanSquaredError],
  ['mean_squared_error', meanSquaredError],
  ['mae', meanAbsoluteError],
  ['mean_absolute_error', meanAbsoluteError],
  ['huber', huber],
  ['huber_loss', huber],
  ['hinge', hinge],
  ['kld', kld],
  ['kl_divergence', kld],
  ['kullback_leibler_divergence', kld],
  ['binary_crossentropy', binaryCrossentropy],
  ['categorical_crossentropy', categoricalCrossentropy],
  ['sparse_categorical_crossentropy', sparseCategoricalCrossentropy],
]);

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
  if (typeof nameOrLoss === 'string') return FACTORIES.lookup(nameOrLoss, 'getLoss', 'loss')();
  if (typeof nameOrLoss === 'object' && nameOrLoss !== null && typeof nameOrLoss.fn === 'function')
    return nameOrLoss;
  throw new ArgumentError(
    `getLoss: expected a loss name, a Loss or a function, got ${describeValue(nameOrLoss)}`,
  );
}
