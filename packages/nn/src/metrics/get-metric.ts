// Metric lookup by Keras name: 'accuracy'/'acc' (resolved from the loss), 'precision',
// 'recall', 'auc', 'mae', 'mse' and the long and snake_case spellings; a `Metric` passes
// through and a per-sample function becomes a streaming mean. The reported name is as given.

import { ArgumentError } from '@nabla/core';
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

const FACTORIES: Record<string, (name: string, lossName: string) => Metric> = {
  accuracy: (name, lossName) => resolveAccuracy(lossName, name),
  acc: (name, lossName) => resolveAccuracy(lossName, name),
  binaryaccuracy: (name) => binaryAccuracy({ name }),
  categoricalaccuracy: (name) => categoricalAccuracy({ name }),
  sparsecategoricalaccuracy: (name) => sparseCategoricalAccuracy({ name }),
  precision: (name) => precision({ name }),
  recall: (name) => recall({ name }),
  auc: (name) => auc({ name }),
  mae: (name) => mae({ name }),
  meanabsoluteerror: (name) => mae({ name }),
  mse: (name) => mse({ name }),
  meansquarederror: (name) => mse({ name }),
};

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
  if (typeof nameOrMetric === 'string') {
    const make = FACTORIES[nameOrMetric.replace(/[_\-\s]/g, '').toLowerCase()];
    if (make === undefined) {
      throw new ArgumentError(
        `getMetric: expected a known metric name (${Object.keys(FACTORIES).join(', ')}), got '${nameOrMetric}'`,
      );
    }
    return make(nameOrMetric, lossName);
  }
  if (
    typeof nameOrMetric === 'object' &&
    nameOrMetric !== null &&
    typeof nameOrMetric.update === 'function'
  ) {
    return nameOrMetric;
  }
  throw new ArgumentError(
    `getMetric: expected a metric name, a Metric or a function, got ${String(nameOrMetric)}`,
  );
}
