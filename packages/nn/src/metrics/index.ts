// Streaming metrics that accumulate on the device (accuracy family, precision, recall, AUC,
// MAE, MSE), `resolveAccuracy` to pick Keras's accuracy for a loss, and `getMetric` by name.

export {
  type AccuracyOptions,
  type BinaryAccuracyOptions,
  binaryAccuracy,
  categoricalAccuracy,
  resolveAccuracy,
  sparseCategoricalAccuracy,
} from './accuracy.js';
export { type AucOptions, auc, precision, recall, type ThresholdOptions } from './confusion.js';
export { getMetric } from './get-metric.js';
export { mae, mse, type RegressionMetricOptions } from './regression.js';
export { type MetricFn, meanMetric } from './state.js';
