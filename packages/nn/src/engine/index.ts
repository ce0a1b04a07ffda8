// Models and the training engine: layers' base class and registry, inputs, sequential and
// functional models, fit/evaluate/predict, progress display, summary, save and load.

export type { Dataset, DatasetBatch, TensorOrList } from './data-adapter.js';
export type { EvaluateOptions, PredictOptions } from './evaluation.js';
export * from './functional.js';
export * from './history.js';
export * from './input-layer.js';
export {
  formatShape,
  type InputSpec,
  type LayerInputSpec,
  type ListInputSpec,
  shapeText,
} from './input-spec.js';
export * from './layer.js';
export * from './model.js';
export * from './progress.js';
export * from './registry.js';
export * from './save-load.js';
export * from './sequential.js';
export * from './summary.js';
export type { ClassWeight, MetricSpec } from './train-step.js';
export type { FitCommonOptions, FitDatasetOptions, FitOptions, ValidationData } from './training.js';
export { AUTO_YIELD_MS, nextTask, type YieldEvery } from './yield.js';
