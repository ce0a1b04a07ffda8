// Metric lookup by Keras name: 'accuracy'/'acc' (resolved from the loss), 'precision',
// 'recall', 'auc', 'mae', 'mse' and the long and snake_case spellings; a `Metric` passes
// through and a per-sample function becomes a streaming mean. The reported name is as given.

import { ArgumentError } from '@nabla/core';
import { describeValue } from '@nabla/core/internal';
import { NameTable } from '../engine/names.js';
import type { Metric } from '../types.js';
import {
  binaryAccuracy,
  categoricalAccuracy,
  resolveAccuracy,
  sparseCategoricalAccuracy,
} from './accuracy.js';
import { auc, precision, recall } from './confusion.js';
import { mae, mse } from './regression.js';
import { type MetricFn, meanMetric } from './state.js';

const FACTORIES = new NameTable<(name: string, lossName: string) => Metric>([
  ['accuracy', (name, lossName) => resolveAccuracy(lossName, name)],
  ['acc', (name, lossName) => resolveAccuracy(lossName, name)],
  ['binary_accuracy', (name) => binaryAccuracy({ name })],
  ['categorical_accuracy', (name) => categoricalAccuracy({ name })],
  ['sparse_categorical_accuracy', (name) => sparseCategoricalAccuracy({ name })],
  ['precision', (name) => precision({ name })],
  ['recall', (name) => recall({ name })],
  ['auc', (name) => auc({ name })],
  ['mae', (name) => mae({ name })],
  ['mean_absolute_error', (name) => mae({ name })],
  ['mse', (name) => mse({ name })],
  ['mean_squared_error', (name) => mse({ name })],
]);

/**
 * Resolves a metric by name (accuracy chosen from `lossName`), or passes a `Metric` through;
 * a function of (yTrue, yPred) giving per-sample values becomes a streaming mean.
 * @example
 * getMetric('accuracy', 'sparse_categorical_crossentropy'); // sparse categorical accuracy
 * getMetric('auc');
 */
export function getMetric(nameOrMetric: string | Metric | MetricFn, lossName = ''): Metric {
  if (typeof nameOrMetric === 'function')
    return meanMetric(nameOrMetric.name || 'custom_metric', nameOrMetric);
  if (typeof nameOrMetric === 'string')
    return FACTORIES.lookup(nameOrMetric, 'getMetric', 'metric')(nameOrMetric, lossName);
  if (
    typeof nameOrMetric === 'object' &&
    nameOrMetric !== null &&
    typeof nameOrMetric.update === 'function'
  ) {
    return nameOrMetric;
  }
  throw new ArgumentError(
    `getMetric: expected a metric name, a Metric or a function, got ${describeValue(nameOrMetric)}`,
  );
}

/**
 * Checks a metric given to `compile` without making it (its state is made per run): a known
 * name, a Metric or a function; `where` names the caller in errors.
 * @example
 * checkMetric('accuracy', 'compile'); // ok
 * checkMetric('constructor', 'compile'); // throws ArgumentError: unknown metric
 */
export function checkMetric(spec: unknown, where: string): void {
  if (typeof spec === 'string') {
    FACTORIES.lookup(spec, where, 'metric');
    return;
  }
  if (typeof spec === 'function') return;
  if (typeof spec === 'object' && spec !== null) {
    const m = spec as Partial<Metric>;
    if (typeof m.update === 'function' && typeof m.result === 'function' && typeof m.reset === 'function')
      return;
  }
  throw new ArgumentError(
    `${where}: expected a metric name, a Metric or a function, got ${describeValue(spec)}`,
  );
}
